# daemons/kvp: the pool store and the hv-kvp CLI
set(KVP_POOL_TEST_UTIL ${CMAKE_CURRENT_SOURCE_DIR}/test-kvp-pool-util.c)
hv_unit_test(NAME test-kvp-pool SOURCES test-kvp-pool.c ${KVP_POOL_TEST_UTIL} LIBS kvpcore)
hv_unit_test(NAME test-kvp-pool-crash SOURCES test-kvp-pool-crash.c ${KVP_POOL_TEST_UTIL}
             LIBS kvpcore)
hv_unit_test(NAME test-kvp-pool-journal SOURCES test-kvp-pool-journal.c ${KVP_POOL_TEST_UTIL}
             LIBS kvpcore)
hv_unit_test(NAME test-kvp-pool-index SOURCES test-kvp-pool-index.c LIBS kvpcore)
hv_unit_test(NAME test-hv-kvp SOURCES test-hv-kvp.c ${KVP_POOL_TEST_UTIL} LIBS kvpcore
             DEPENDS hv-kvp)
target_compile_definitions(test-hv-kvp PRIVATE HV_STATEDIR="${HV_STATEDIR}")
