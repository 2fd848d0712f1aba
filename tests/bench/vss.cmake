# daemons/vss: freeze/thaw latency of the real daemon on loop-mounted ext4 (root).
if(TARGET hvtestlib AND TARGET hv_vss_daemon)
    hv_bench(NAME bench-vss SOURCES bench-vss.c LIBS hvtestlib DEPENDS hv_vss_daemon)
endif()
