# The kernel modules' tests (ctest -L kernel). The modules build with
# Kbuild, not CMake (kernel/Makefile, kernel/scripts/build.sh); these tests
# build them for the two kernels the VM tests boot, each resolved at test
# time by tests/vm/kernel-version.sh, and skip (77) where that kernel's
# headers are not installed (./run setup installs them). Per flavour K:
#   kernel-K-build    W=1, no compiler or modpost warning
#   kernel-K-sparse   sparse (C=2), no warning about our files
#   kernel-K-symvers  our exports against the kernel's own modules' (CRCs)
#   kernel-K-dkms     the packages' DKMS tree built by dkms in the build dir
# Output: <build>/kernel/<kver>/ (the modules), <kver>-sparse/, dkms-<kver>/.

option(HV_BUILD_KERNEL_TESTS "Register the kernel module tests (ctest -L kernel)" ON)
option(HV_KERNEL_STRICT_SYMVERS
       "kernel-*-symvers fails unless our hv_vmbus exports what the kernel's does, same CRCs" ON)
set(HV_KERNEL_SOURCE_DIR "${PROJECT_SOURCE_DIR}/kernel" CACHE PATH
    "The module tree the kernel tests build (a kernel/ with Kbuild)")
set(HV_KERNEL_FLAVOURS 6.1 6.12)

if(NOT HV_BUILD_KERNEL_TESTS)
    return()
endif()

if(HV_KERNEL_STRICT_SYMVERS)
    set(hv_strict 1)
else()
    set(hv_strict 0)
endif()
set(hv_kernel_test ${PROJECT_SOURCE_DIR}/kernel/scripts/kernel-test.sh)
set(hv_kernel_out ${PROJECT_BINARY_DIR}/kernel)

foreach(k IN LISTS HV_KERNEL_FLAVOURS)
    foreach(step build sparse symvers dkms)
        set(t kernel-${k}-${step})
        add_test(NAME ${t} COMMAND ${hv_kernel_test} ${step} ${k} ${hv_kernel_out})
        set_tests_properties(${t} PROPERTIES
            LABELS kernel
            SKIP_RETURN_CODE 77
            TIMEOUT 1800
            ENVIRONMENT "HV_KERNEL_SRC=${HV_KERNEL_SOURCE_DIR};HV_VERSION=${PROJECT_VERSION};HV_KERNEL_STRICT_SYMVERS=${hv_strict};JOBS=2")
    endforeach()
    # build and symvers share the output folder (symvers rebuilds it if it
    # is out of date): never at once, build first.
    set_tests_properties(kernel-${k}-build kernel-${k}-symvers PROPERTIES
                         RESOURCE_LOCK hv_kernel_${k})
    set_tests_properties(kernel-${k}-symvers PROPERTIES DEPENDS kernel-${k}-build)
endforeach()
