#!/bin/sh
# The scenarios of a kernel flavour, in the order they run (shutdown last;
# boot, the fixture, is not listed). CMakeLists.txt and run.sh use this list.
case ${1:?usage: scenarios.sh FLAVOUR} in
6.1) fcopy=fcopy-chardev ;;
*) fcopy=fcopy-uio ;;
esac
echo devices heartbeat timesync kvp-inventory kvp-pools kvp-ip-injection \
    vss-backup vss-killed-frozen $fcopy fcopy-force fcopy-create-path fcopy-cancel \
    kvp-restart kvp-hotplug vmbus-4.0 shutdown
