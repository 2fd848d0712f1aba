# daemons/fcopy
add_library(fcopyhost STATIC fcopy-host.c)
target_link_libraries(fcopyhost PUBLIC hvcommon hvtestlib)
target_include_directories(fcopyhost PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_compile_definitions(fcopyhost PRIVATE HV_BINARY_DIR="${PROJECT_BINARY_DIR}")

hv_unit_test(NAME test-fcopy-copy SOURCES test-fcopy-copy.c LIBS fcopycore)
hv_unit_test(NAME test-fcopy-diskfull SOURCES test-fcopy-diskfull.c LIBS fcopycore fcopyhost)
hv_unit_test(NAME test-fcopy-msg SOURCES test-fcopy-msg.c LIBS fcopycore fcopyhost)
hv_unit_test(NAME test-fcopy-conf SOURCES test-fcopy-conf.c LIBS fcopycore)
hv_unit_test(NAME test-fcopy-uio SOURCES test-fcopy-uio.c LIBS fcopyhost
             DEPENDS hv_fcopy_daemon)
hv_unit_test(NAME test-fcopy-chardev SOURCES test-fcopy-chardev.c LIBS fcopyhost
             DEPENDS hv_fcopy_daemon)
