# kernel/common/hvt_ring.h: hv_vmbus's ring index arithmetic against host-written indices and descriptors.
hv_fuzz_target(NAME fuzz-kring SOURCES fuzz-kring.c)
if(TARGET fuzz-kring)
    target_include_directories(fuzz-kring PRIVATE ${PROJECT_SOURCE_DIR}/kernel/common)
endif()
