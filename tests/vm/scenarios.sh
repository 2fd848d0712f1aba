#!/bin/sh
# The scenarios of a kernel flavour and module set, in the order they run
# (shutdown last; boot, the fixture, is not listed). CMakeLists.txt and
# run.sh use this list.
#   scenarios.sh FLAVOUR [MODSET]    the list (MODSET default stock)
#   scenarios.sh --root MODSET       the set's default root: disk or initrd
#   scenarios.sh --fcopy FLAVOUR MODSET   the file copy channel's driver:
#                                    hv_utils or uio_hv_generic
# Names starting disk-, net- and backup- prove hvhost's storage and network
# devices and the drivers on them; they need the guest booted from the
# disk (HV_VM_ROOT=disk). A guest that runs from its initramfs
# (HV_VM_ROOT=initrd or initramfs) runs the rest: the integration
# components and the daemons, and modules-reload unloads hv_vmbus itself
# (with the root on hv_storvsc it cannot).
#  - stock and ours-vmbus boot from the disk and run everything (ours-vmbus
#    but net-tcp, see below): the stock hv_storvsc and hv_netvsc on
#    Debian's hv_vmbus and on ours;
#  - ours-utils boots from the disk and runs all but the disk- and net-
#    scenarios (those are stock's, module for module) and vmbus-sysfs (its
#    hv_vmbus is stock's); backup-checkpoint stays: it goes through our
#    hv_utils' VSS;
#  - ours boots from the initramfs, so every module of the set is
#    reloaded.
if [ "${1:-}" = --root ]; then
	case ${2:?usage: scenarios.sh --root MODSET} in
	stock | ours-vmbus | ours-utils) echo disk ;;
	ours) echo initrd ;;
	*) echo "scenarios.sh: unknown module set $2" >&2; exit 1 ;;
	esac
	exit 0
fi
# The file copy channel's driver: hv_utils where the set's hv_utils serves
# it (/dev/vmbus/hv_fcopy: stock up to 6.9, ours on every kernel), else
# uio_hv_generic (stock from 6.10).
if [ "${1:-}" = --fcopy ]; then
	case ${2:?usage: scenarios.sh --fcopy FLAVOUR MODSET}:${3:-stock} in
	6.1:* | *:ours-utils | *:ours) echo hv_utils ;;
	*) echo uio_hv_generic ;;
	esac
	exit 0
fi
flavour=${1:?usage: scenarios.sh FLAVOUR [MODSET]}
modset=${2:-stock}
root=${HV_VM_ROOT:-$(sh "$0" --root "$modset")} || exit 1
case $(sh "$0" --fcopy "$flavour" "$modset") in
hv_utils) fcopy=fcopy-chardev ;;
*) fcopy=fcopy-uio ;;
esac
# What every set runs, in this order, around its own scenarios.
first="devices heartbeat timesync"
ics="kvp-inventory kvp-pools kvp-ip-injection vss-backup vss-killed-frozen \
$fcopy fcopy-force fcopy-create-path fcopy-cancel kvp-restart kvp-hotplug"
last="vmbus-4.0 modules-reload ic-hotplug shutdown"
case $root:$modset in
disk:ours-utils)
	# No vmbus-sysfs: it compares hv_vmbus's sysfs, which is stock's here,
	# and our hv_utils binds file copy on 6.12 where stock leaves it to uio.
	echo $first disk-root $ics backup-checkpoint $last
	;;
disk:*)
	# net-tcp: iperf3 through the stock hv_netvsc on our hv_vmbus does not
	# finish yet (an open hv_vmbus bug, issue 10): ours-vmbus leaves it out.
	[ "$modset" = ours-vmbus ] && tcp= || tcp=net-tcp
	echo vmbus-sysfs $first disk-root $tcp $ics \
		disk-multiqueue disk-discard disk-hotplug disk-reset disk-controllers \
		net-link net-mtu net-multiqueue net-two-nics backup-checkpoint $last
	;;
initrd:* | initramfs:*)
	# vmbus-sysfs compares with stock's reference from the same root,
	# which only a stock boot from the initramfs makes.
	[ "$modset" = stock ] && printf 'vmbus-sysfs '
	echo $first $ics $last
	;;
*)
	echo "scenarios.sh: HV_VM_ROOT is '$root' (disk, initrd or initramfs)" >&2
	exit 1
	;;
esac
