# KVP daemon: the request handler (host-controlled messages)
if(TARGET kvpcore)
    hv_fuzz_target(NAME fuzz-kvp-handler SOURCES fuzz-kvp-handler.c LIBS kvpcore)
endif()
