# daemons/fcopy
hv_unit_test(NAME test-fcopy-copy SOURCES test-fcopy-copy.c LIBS fcopycore)
