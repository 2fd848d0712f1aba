# File copy over the UIO path (the real daemon, a host-side ring writer)
# against dd with fsync on the same filesystem. The host side is the one
# the unit tests use (it needs the test helpers library).
if(NOT TARGET hvtestlib)
    return()
endif()
hv_bench(NAME bench-fcopy
         SOURCES bench-fcopy.c ${PROJECT_SOURCE_DIR}/tests/unit/fcopy-host.c
         LIBS hvcommon hvtestlib
         DEPENDS hv_fcopy_daemon)
target_include_directories(bench-fcopy PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
