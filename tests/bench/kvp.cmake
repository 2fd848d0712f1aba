# KVP daemon through its real request loop.
if(TARGET hv_kvp_daemon)
    hv_bench(NAME bench-kvp SOURCES bench-kvp.c LIBS hvtestlib DEPENDS hv_kvp_daemon)
endif()
