# daemons/common: VMBus ring buffer, IC framing, UTF-16, UIO channels
hv_unit_test(NAME test-vmbus-ring SOURCES test-vmbus-ring.c LIBS hvcommon pthread)
hv_unit_test(NAME test-ic SOURCES test-ic.c LIBS hvcommon)
hv_unit_test(NAME test-utf16 SOURCES test-utf16.c LIBS hvcommon)
hv_unit_test(NAME test-uio SOURCES test-uio.c LIBS hvcommon pthread)
hv_unit_test(NAME test-uio-discovery SOURCES test-uio-discovery.c LIBS hvcommon)
