# kernel/common/hvt_ring.h: the ring index arithmetic of hv_vmbus (kernel/vmbus/ring.c)
hv_unit_test(NAME test-kring SOURCES test-kring.c)
target_include_directories(test-kring PRIVATE ${PROJECT_SOURCE_DIR}/kernel/common)
