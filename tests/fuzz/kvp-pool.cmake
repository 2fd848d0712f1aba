# daemons/kvp: the pool store loading arbitrary pool files and journals
if(TARGET kvpcore)
    hv_fuzz_target(NAME fuzz-kvp-pool SOURCES fuzz-kvp-pool.c LIBS kvpcore)
endif()
