# VMBus ring (daemons/common) and the fcopy daemon's parsers
hv_fuzz_target(NAME fuzz-vmbus-ring SOURCES fuzz-vmbus-ring.c LIBS hvcommon)
hv_fuzz_target(NAME fuzz-fcopy-msg SOURCES fuzz-fcopy-msg.c LIBS fcopycore)
