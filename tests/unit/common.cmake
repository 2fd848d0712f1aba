# daemons/common
hv_unit_test(NAME test-conf SOURCES test-conf.c LIBS hvcommon)
hv_unit_test(NAME test-log SOURCES test-log.c LIBS hvcommon)
hv_unit_test(NAME test-util SOURCES test-util.c LIBS hvcommon)
hv_unit_test(NAME test-hvdev SOURCES test-hvdev.c LIBS hvcommon pthread)
