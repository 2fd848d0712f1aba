#!/bin/sh
# The scenarios of a kernel flavour and module set, in the order they run
# (shutdown last; boot, the fixture, is not listed). CMakeLists.txt and
# run.sh use this list.
#   scenarios.sh FLAVOUR [MODSET]    the list (MODSET default stock)
#   scenarios.sh --root MODSET       the set's default root: disk or initrd
# Names starting disk-, net- and backup- prove hvhost's storage and network
# devices (and the drivers on them); they run when the guest boots from the
# disk (HV_VM_ROOT=disk, the default of stock and ours-utils). A guest that
# runs from its initramfs (HV_VM_ROOT=initrd or initramfs, the default of
# the sets whose hv_storvsc sits on our hv_vmbus) runs the rest: the
# integration components and the daemons.
if [ "${1:-}" = --root ]; then
	case ${2:?usage: scenarios.sh --root MODSET} in
	stock | ours-utils) echo disk ;;
	ours-vmbus | ours) echo initrd ;;
	*) echo "scenarios.sh: unknown module set $2" >&2; exit 1 ;;
	esac
	exit 0
fi
flavour=${1:?usage: scenarios.sh FLAVOUR [MODSET]}
modset=${2:-stock}
root=${HV_VM_ROOT:-$(sh "$0" --root "$modset")} || exit 1
# The file copy transport: the hv_utils character device where the set's
# hv_utils serves it (stock up to 6.9, ours on every kernel), else uio.
case $flavour:$modset in
6.1:* | *:ours-utils | *:ours) fcopy=fcopy-chardev ;;
*) fcopy=fcopy-uio ;;
esac
case $root in
disk)
	echo vmbus-sysfs devices heartbeat timesync disk-root net-tcp kvp-inventory kvp-pools kvp-ip-injection \
		vss-backup vss-killed-frozen $fcopy fcopy-force fcopy-create-path fcopy-cancel \
		kvp-restart kvp-hotplug disk-multiqueue disk-discard disk-hotplug disk-reset disk-controllers \
		net-link net-mtu net-multiqueue net-two-nics backup-checkpoint vmbus-4.0 \
		modules-reload ic-hotplug shutdown
	;;
initrd | initramfs)
	echo vmbus-sysfs devices heartbeat timesync kvp-inventory kvp-pools kvp-ip-injection \
		vss-backup vss-killed-frozen $fcopy fcopy-force fcopy-create-path fcopy-cancel \
		kvp-restart kvp-hotplug vmbus-4.0 modules-reload ic-hotplug shutdown
	;;
*)
	echo "scenarios.sh: HV_VM_ROOT is '$root' (disk, initrd or initramfs)" >&2
	exit 1
	;;
esac
