# SET_IP_INFO (struct hv_kvp_ipaddr_value from the host) through the parser,
# validator and every config writer.
if(TARGET kvpcore)
    hv_fuzz_target(NAME fuzz-kvp-netconf SOURCES fuzz-kvp-netconf.c LIBS kvpcore)
endif()
