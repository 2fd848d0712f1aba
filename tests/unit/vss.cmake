# daemons/vss
hv_unit_test(NAME test-vss-mount SOURCES test-vss-mount.c LIBS vsscore)
hv_unit_test(NAME test-vss-state SOURCES test-vss-state.c LIBS vsscore)
hv_unit_test(NAME test-vss-freeze SOURCES test-vss-freeze.c LIBS vsscore)
hv_unit_test(NAME test-vss-hooks SOURCES test-vss-hooks.c LIBS vsscore)
hv_unit_test(NAME test-vss-handler SOURCES test-vss-handler.c LIBS vsscore)
hv_unit_test(NAME test-vss-conf SOURCES test-vss-conf.c LIBS vsscore)
hv_unit_test(NAME test-vss-daemon SOURCES test-vss-daemon.c test-vss-util.c LIBS vsscore DEPENDS hv_vss_daemon TIMEOUT 900)
hv_unit_test(NAME test-vss-fs SOURCES test-vss-fs.c test-vss-util.c LIBS vsscore DEPENDS hv_vss_daemon TIMEOUT 1800 LABELS root)
