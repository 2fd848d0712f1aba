#!/bin/sh
# The scenarios of a kernel flavour, in the order they run (shutdown last;
# boot, the fixture, is not listed). CMakeLists.txt and run.sh use this list.
# Names starting disk-, net- and backup- prove hvhost's storage and network
# devices; the rest the integration components and the daemons.
case ${1:?usage: scenarios.sh FLAVOUR} in
6.1) fcopy=fcopy-chardev ;;
*) fcopy=fcopy-uio ;;
esac
echo devices heartbeat timesync disk-root net-tcp kvp-inventory kvp-pools kvp-ip-injection \
    vss-backup vss-killed-frozen $fcopy fcopy-force fcopy-create-path fcopy-cancel \
    kvp-restart kvp-hotplug disk-multiqueue disk-discard disk-hotplug disk-reset disk-controllers \
    net-link net-mtu net-multiqueue net-two-nics backup-checkpoint vmbus-4.0 shutdown
