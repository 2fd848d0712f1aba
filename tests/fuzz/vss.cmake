# daemons/vss: the request handler (host input), the state file and mountinfo parsers.
hv_fuzz_target(NAME fuzz-vss SOURCES fuzz-vss.c LIBS vsscore)
hv_fuzz_target(NAME fuzz-vss-state SOURCES fuzz-vss-state.c LIBS vsscore)
hv_fuzz_target(NAME fuzz-vss-mountinfo SOURCES fuzz-vss-mountinfo.c LIBS vsscore)
