# kvp-ipinfo's parsers of files written by other programs.
if(TARGET kvpcore)
    hv_fuzz_target(NAME fuzz-kvp-ipinfo-parse SOURCES fuzz-kvp-ipinfo-parse.c LIBS kvpcore)
endif()
