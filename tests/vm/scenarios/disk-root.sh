#!/usr/bin/env bash
# disk-root: the guest runs from its root filesystem on the VMBus SCSI disk
# (hv-scsi, LUN 0, the stock hv_storvsc), and the VM has no other disk
# controller in use: every block device is a SCSI disk on VMBus, and no
# virtio device exists. 1 GiB written with a checksum per block and read
# back from the disk (O_DIRECT: not from the page cache) matches. The image
# is checked with fsck after the shutdown scenario powered the guest off.
. "$(dirname "$0")/../lib.sh"
scenario_begin

root=$(gexec "awk '\$2 == \"/\" && \$1 ~ /^\\/dev\\// { print \$1 }' /proc/mounts | tail -n1")
[ -n "$root" ] || fail "/ is not a disk (the guest runs from its initramfs)"
dev=${root#/dev/}
dev=${dev%%[0-9]*}
path=$(gexec "readlink -f /sys/class/block/$dev")
note "root: $root ($path)"
[ "$(gexec "cat /sys/class/block/$dev/device/vendor" | tr -d ' ')" != "" ] || fail "$dev is not a SCSI disk"
guid=$(printf '%s\n' "$path" | sed -n 's|.*/VMBUS:[^/]*/\([0-9a-f-]\{36\}\)/.*|\1|p')
[ -n "$guid" ] || fail "$root does not sit on VMBus: $path"
drv=$(gexec "basename \$(readlink /sys/bus/vmbus/devices/$guid/driver)")
[ "$drv" = hv_storvsc ] || fail "the root disk's VMBus device $guid is driven by '$drv', not hv_storvsc"
[ "$(gexec "cat /sys/bus/vmbus/devices/$guid/class_id")" = "{ba6163d9-04a1-4d29-b605-72e2ffb1dc7f}" ] ||
    fail "the root disk's controller is not of the VMBus SCSI class"

# No other disk: every block device but loop/ram is a VMBus SCSI disk.
others=$(gexec 'for b in /sys/block/*; do n=${b##*/}; case $n in loop*|ram*) continue ;; esac; readlink -f $b | grep -q /VMBUS: || echo $n; done')
[ -z "$others" ] || fail "block devices that are not on VMBus: $others"
virtio=$(gexec 'ls /sys/bus/virtio/devices 2>/dev/null')
[ -z "$virtio" ] || fail "the VM has virtio devices: $virtio"

# 1 GiB, crc32c per 1 MiB block, written and read back with O_DIRECT.
out=$(gexec_t 600 'cd / && fio --name=root1g --filename=/root/root1g --size=1g --bs=1m \
    --rw=write --direct=1 --ioengine=psync --verify=crc32c --verify_fatal=1 \
    --minimal 2>&1; echo "fio=$?"; rm -f /root/root1g')
echo "$out" | grep -q '^fio=0$' || { printf '%s\n' "$out" | tail -n 5 | sed 's/^/#   /'; fail "fio's write and verify of 1 GiB on / failed"; }
# --minimal: terse v3; field 6 is the read KiB (the verify pass), 47 the written KiB.
stats=$(printf '%s\n' "$out" | grep '^3;' | head -n1)
rkb=$(printf "%s" "$stats" | cut -d";" -f6)
wkb=$(printf "%s" "$stats" | cut -d";" -f47)
note "fio: wrote ${wkb} KiB, verified ${rkb} KiB"
[ "${wkb:-0}" -ge 1048576 ] || fail "fio wrote ${wkb:-0} KiB, not 1 GiB"
[ "${rkb:-0}" -ge 1048576 ] || fail "fio read back ${rkb:-0} KiB, not 1 GiB"
check_console_or_fail
pass "root on $root, hv_storvsc on $guid, 1 GiB verified"
