# kernel/common/hvt_ic.h: hv_utils' IC framing, NEGOTIATE checks and text conversions against host bytes.
hv_fuzz_target(NAME fuzz-hvt-ic SOURCES fuzz-hvt-ic.c)
if(TARGET fuzz-hvt-ic)
    target_include_directories(fuzz-hvt-ic PRIVATE ${PROJECT_SOURCE_DIR}/kernel/common)
endif()
