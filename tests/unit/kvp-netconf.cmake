# daemons/kvp/kvp-netconf*.c: SET_IP_INFO parsing, config writers (golden
# files in data/netconf/), backend choice and apply, the hv_set_ifconfig hook.
if(TARGET kvpcore)
    hv_unit_test(NAME test-kvp-netconf SOURCES test-kvp-netconf.c LIBS kvpcore)
    hv_unit_test(NAME test-kvp-netconf-render SOURCES test-kvp-netconf-render.c LIBS kvpcore)
    hv_unit_test(NAME test-kvp-netconf-backend SOURCES test-kvp-netconf-backend.c LIBS kvpcore)
    hv_unit_test(NAME test-kvp-netconf-ops SOURCES test-kvp-netconf-ops.c LIBS kvpcore)
endif()
