#!/usr/bin/env bash
# disk-discard: what the guest discards reaches the host's image. A written
# and deleted 128 MiB file on a hot-added disk takes space in the raw image
# until `fstrim` in the guest punches it out of the file: first with the
# command the disk's limits made sd pick, then with the other one (UNMAP,
# WRITE SAME(16) with the UNMAP bit), set through provisioning_mode.
. "$(dirname "$0")/../lib.sh"
scenario_begin

# On failure the disk goes too, unmounted first: a mount left on a removed
# disk would fail every later freeze.
trap 'gexec "umount /mnt/trim" >/dev/null 2>&1; host disk-del trim1 >/dev/null 2>&1' EXIT
d=$(hot_disk trim1 192) && [ -n "$d" ] || fail "the hot-added disk did not appear in the guest"
img=$HV_WORK/trim1.img
mode=$(gexec "cat /sys/block/$d/device/scsi_disk/*/provisioning_mode 2>/dev/null")
note "/dev/$d: provisioning mode ${mode:-?}, discard_max_bytes $(gexec "cat /sys/block/$d/queue/discard_max_bytes")"
gexec "mkfs.ext4 -q -F -E nodiscard /dev/$d && mkdir -p /mnt/trim && mount /dev/$d /mnt/trim" ||
    fail "mkfs and mount failed"
# The mode sd picked from the disk's limits first, then the other command:
# both UNMAP and WRITE SAME(16) with the UNMAP bit must free the blocks.
case $mode in unmap) other=writesame_16 ;; *) other=unmap ;; esac
freed=
for m in "$mode" "$other"; do
    if [ "$m" != "$mode" ]; then
        gexec "for f in /sys/block/$d/device/scsi_disk/*/provisioning_mode; do echo $m >\$f; done" ||
            fail "the guest refuses provisioning mode $m"
        got=$(gexec "cat /sys/block/$d/device/scsi_disk/*/provisioning_mode")
        [ "$got" = "$m" ] || fail "provisioning mode is $got, not $m"
    fi
    gexec 'dd if=/dev/urandom of=/mnt/trim/f bs=1M count=128 conv=fsync 2>/dev/null' || fail "writing 128 MiB failed"
    full=$(du -k "$img" | cut -f1)
    gexec 'rm /mnt/trim/f && sync && fstrim -v /mnt/trim' >"$HV_WORK/fstrim.out" 2>&1 ||
        { sed 's/^/#   /' "$HV_WORK/fstrim.out"; fail "fstrim ($m) failed in the guest"; }
    note "fstrim ($m): $(cat "$HV_WORK/fstrim.out")"
    sleep 1
    after=$(du -k "$img" | cut -f1)
    note "$m: image allocation $full KiB written, $after KiB after fstrim"
    [ "$full" -ge $((128 * 1024)) ] || fail "the image holds only $full KiB after a 128 MiB write"
    [ "$after" -le $((full - 100 * 1024)) ] || fail "fstrim with $m did not free the image's blocks ($full -> $after KiB)"
    freed="$freed $m: $full -> $after KiB;"
done
gexec 'umount /mnt/trim' || fail "umount failed"
host disk-del trim1 >/dev/null 2>&1 || fail "hvhost disk-del failed"
trap - EXIT
check_console_or_fail
freed=${freed# }
pass "${freed%;}"
