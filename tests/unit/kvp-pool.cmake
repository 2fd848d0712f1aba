# daemons/kvp: the pool store and the hv-kvp CLI
set(KVP_POOL_TEST_UTIL ${CMAKE_CURRENT_SOURCE_DIR}/test-kvp-pool-util.c)
hv_unit_test(NAME test-kvp-pool SOURCES test-kvp-pool.c ${KVP_POOL_TEST_UTIL} LIBS kvpcore)
hv_unit_test(NAME test-kvp-pool-crash SOURCES test-kvp-pool-crash.c ${KVP_POOL_TEST_UTIL}
             LIBS kvpcore)
hv_unit_test(NAME test-kvp-pool-journal SOURCES test-kvp-pool-journal.c ${KVP_POOL_TEST_UTIL}
             LIBS kvpcore)
