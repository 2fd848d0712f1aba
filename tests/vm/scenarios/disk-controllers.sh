#!/usr/bin/env bash
# disk-controllers: a second VMBus SCSI controller, hot-added to the running
# VM, is probed by hv_storvsc as a second SCSI host; a disk on it works;
# removing the disk and then the controller leaves the first one alone.
. "$(dirname "$0")/../lib.sh"
scenario_begin

hosts_before=$(gexec 'ls /sys/class/scsi_host | wc -l')
out=$(host device-add hv-scsi,instance=6b3f2ab4-6ed1-4d8e-9d5b-6f0a0c2b5e01 scsi1 2>&1) ||
    fail "hot-adding a second controller failed: $out"
wait_until 60 eval '[ "$(gexec "ls /sys/class/scsi_host | wc -l")" -gt "$hosts_before" ]' ||
    fail "the guest never probed the second controller"
g2=$(gexec 'for d in /sys/bus/vmbus/devices/*; do [ "$(cat $d/device_id)" = "{6b3f2ab4-6ed1-4d8e-9d5b-6f0a0c2b5e01}" ] && echo ${d##*/}; done')
[ -n "$g2" ] || fail "no VMBus device with the second controller's instance id"
[ "$(gexec "basename \$(readlink /sys/bus/vmbus/devices/$g2/driver)")" = hv_storvsc ] ||
    fail "the second controller is not driven by hv_storvsc"
sectors=262144
d=$(hot_disk c2disk 128 --controller scsi1) && [ -n "$d" ] || fail "the disk on the second controller never appeared"
gexec "readlink -f /sys/class/block/$d" | grep -q "/$g2/" || fail "/dev/$d is not on the second controller"
out=$(gexec_t 120 "fio --name=c2 --filename=/dev/$d --size=32m --bs=64k --rw=write --direct=1 --ioengine=psync \
    --verify=crc32c --verify_fatal=1 >/dev/null 2>&1; echo fio=\$?")
[ "$out" = fio=0 ] || fail "verified I/O on the second controller's disk failed"
host disk-del c2disk >/dev/null 2>&1 || fail "disk-del failed"
wait_until 30 eval '[ -z "$(guest_disk_of_size $sectors)" ]' || fail "the disk did not go away"
host device-del scsi1 >/dev/null 2>&1 || fail "removing the second controller failed"
wait_until 60 eval '[ -z "$(gexec "ls -d /sys/bus/vmbus/devices/$g2 2>/dev/null")" ]' ||
    fail "the second controller's VMBus device is still there"
[ "$(gexec 'ls /sys/class/scsi_host | wc -l')" -eq "$hosts_before" ] || fail "the SCSI host count did not return to $hosts_before"
gexec 'echo ok >/root/c2-after && sync && cat /root/c2-after' | grep -qx ok || fail "the root disk stopped working"
check_console_or_fail
pass
