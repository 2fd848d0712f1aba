# kvp-ipinfo: GET_IP_INFO and address-list latency in a private network namespace.
if(TARGET kvpcore)
    hv_bench(NAME bench-kvp-ipinfo SOURCES bench-kvp-ipinfo.c LIBS kvpcore)
endif()
