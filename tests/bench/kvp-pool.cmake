# daemons/kvp: the pool store (durable SETs, GETs, enumeration, fsync ceiling)
if(TARGET kvpcore)
    hv_bench(NAME bench-kvp-pool SOURCES bench-kvp-pool.c LIBS kvpcore)
endif()
