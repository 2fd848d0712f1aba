#!/usr/bin/env bash
# disk-hotplug: a disk added to the running VM's VMBus SCSI controller
# (`hvhost disk-add`) appears in the guest; mkfs, mount, a verified write,
# umount; `hvhost disk-del` removes it and the guest's disk goes away with
# no I/O error logged. Then the rough case: a disk removed while mounted and
# written to. The guest's writer fails instead of hanging, the mount can be
# detached, the guest keeps answering, and no kernel trouble is logged (I/O
# errors are expected there).
. "$(dirname "$0")/../lib.sh"
scenario_begin

sectors=1048576
d=$(hot_disk hot1 512) && [ -n "$d" ] || fail "the guest never saw the added disk"
note "the guest sees it as $d"
gexec "mkfs.ext4 -q -F -L hot1 /dev/$d && mkdir -p /mnt/hot && mount /dev/$d /mnt/hot" ||
    fail "mkfs and mount of /dev/$d failed"
out=$(gexec_t 300 "fio --name=hot --filename=/mnt/hot/f --size=64m --bs=256k --rw=write --direct=1 \
    --ioengine=psync --verify=crc32c --verify_fatal=1 >/dev/null 2>&1; echo fio=\$?")
[ "$out" = fio=0 ] || fail "a verified 64 MiB write to /mnt/hot failed ($out)"
gexec 'sync && umount /mnt/hot' || fail "umount /mnt/hot failed"
mark=$(wc -l <"$HV_VM_DIR/console.log")
out=$(host disk-del hot1 2>&1) || fail "hvhost disk-del failed: $out"
wait_until 30 eval '[ -z "$(guest_disk_of_size $sectors)" ]' || fail "/dev/$d is still there after disk-del"
if tail -n "+$((mark + 1))" "$HV_VM_DIR/console.log" | grep -E -q 'I/O error|Buffer I/O|EXT4-fs error'; then
    tail -n "+$((mark + 1))" "$HV_VM_DIR/console.log" | grep -E 'I/O error|EXT4-fs' | head -n 5 | sed 's/^/#   /'
    fail "the guest logged I/O errors for a disk removed after umount"
fi
check_console_or_fail

# Removed while mounted, with a writer on it.
d=$(hot_disk hot2 512) && [ -n "$d" ] || fail "the guest never saw the second added disk"
gexec "mkfs.ext4 -q -F /dev/$d && mount /dev/$d /mnt/hot" || fail "mkfs and mount of /dev/$d failed"
# The writer rewrites 32 MiB until a write fails: only the removal ends it.
gexec '(while dd if=/dev/zero of=/mnt/hot/f bs=1M count=32 oflag=direct conv=notrunc,fsync >/run/hvtest/hot-dd.log 2>&1; do :; done; echo 1 >/run/hvtest/hot-dd.rc) >/dev/null 2>&1 &'
sleep 2
out=$(host disk-del hot2 2>&1) || fail "hvhost disk-del of a mounted disk failed: $out"
wait_until 120 gexec 'test -s /run/hvtest/hot-dd.rc' || fail "the writer on the removed disk hangs (2 minutes)"
note "the writer stopped: $(gexec 'tail -n1 /run/hvtest/hot-dd.log')"
gexec_t 60 'umount -l /mnt/hot' || fail "the mount of the removed disk cannot be detached"
wait_until 30 eval '[ -z "$(guest_disk_of_size $sectors)" ]' || fail "/dev/$d is still there after disk-del"
gexec true || fail "the guest stopped answering"
HV_CONSOLE_BAD="$HV_CONSOLE_BAD|blocked for more than" check_console_or_fail
pass
