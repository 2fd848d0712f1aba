# daemons/kvp: daemon core (handler, intrinsic items, the daemon's loop)
hv_unit_test(NAME test-kvp-intrinsic SOURCES test-kvp-intrinsic.c LIBS kvpcore)
hv_unit_test(NAME test-kvp-handler SOURCES test-kvp-handler.c LIBS kvpcore)
hv_unit_test(NAME test-kvp-daemon SOURCES test-kvp-daemon.c LIBS kvpcore DEPENDS hv_kvp_daemon)
