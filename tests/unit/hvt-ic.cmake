# kernel/common/hvt_ic.h: hv_utils' IC framing, NEGOTIATE checks and text conversions (kernel/utils)
hv_unit_test(NAME test-hvt-ic SOURCES test-hvt-ic.c)
target_include_directories(test-hvt-ic PRIVATE ${PROJECT_SOURCE_DIR}/kernel/common)
