# daemons/kvp/kvp-ipinfo*.c: one check executable per source file.
if(TARGET kvpcore)
    hv_unit_test(NAME test-kvp-ipinfo SOURCES test-kvp-ipinfo.c LIBS kvpcore)
    hv_unit_test(NAME test-kvp-ipinfo-parse SOURCES test-kvp-ipinfo-parse.c LIBS kvpcore)
    hv_unit_test(NAME test-kvp-ipinfo-dhcp SOURCES test-kvp-ipinfo-dhcp.c LIBS kvpcore)
    hv_unit_test(NAME test-kvp-ipinfo-dns SOURCES test-kvp-ipinfo-dns.c LIBS kvpcore)
endif()
