#!/usr/bin/env bash
# backup-checkpoint: a production checkpoint, as Hyper-V takes one, in one
# command: `hvhost backup --checkpoint` freezes the guest through VSS, takes
# an external snapshot of every disk in one QMP transaction while frozen
# (each disk's image becomes the read-only point-in-time image, writes go to
# a new qcow2 overlay), and thaws. Then, on the host:
#  - the data disk's checkpoint image is fsck-clean, and so is the root's;
#  - it holds the file written (and synced) before the freeze, intact;
#  - it does not hold the file a guest writer tried to create while frozen,
#    and that writer completed after the thaw (on the overlay).
. "$(dirname "$0")/../lib.sh"
scenario_begin

gexec 'grep -q " /mnt/data ext4 " /proc/mounts' || fail "/mnt/data is not mounted"
mkdir -p "$HV_VM_DIR/checkpoints"
data_dev=$(gexec "awk '\$2 == \"/mnt/data\" { print \$1 }' /proc/mounts")
gexec "readlink -f /sys/class/block/${data_dev#/dev/}" | grep -q /VMBUS: ||
    fail "/mnt/data ($data_dev) is not on the VMBus SCSI disk"
sum=$(gexec 'rm -f /mnt/data/cp-during /run/hvtest/cp-done; head -c 4194304 /dev/urandom >/mnt/data/cp-before && sync && sha256sum /mnt/data/cp-before | cut -d" " -f1') ||
    fail "cannot write the pre-freeze file"

cat >"$HV_WORK/during.sh" <<EOS
#!/usr/bin/env bash
# On the host, while the guest is frozen (after the checkpoint was taken).
g() { "$HVHOST" --dir "$HV_VM_DIR" exec -- "\$*"; }
g '(echo during >/mnt/data/cp-during; sync; cut -d" " -f1 /proc/uptime >/run/hvtest/cp-done) >/dev/null 2>&1 &'
sleep 3
echo "write-done: \$(g 'cat /run/hvtest/cp-done 2>/dev/null || echo blocked')" >"$HV_WORK/during.out"
EOS
chmod +x "$HV_WORK/during.sh"

out=$(host_json backup --checkpoint --checkpoint-dir "$HV_VM_DIR/checkpoints" --exec "$HV_WORK/during.sh" 2>"$HV_WORK/backup.err")
rc=$?
printf '%s\n' "$out" >"$HV_WORK/backup.json"
note "backup: exit $rc: $(echo $out | cut -c1-400)"
[ $rc -eq 0 ] || { sed 's/^/#   /' "$HV_WORK/backup.err"; fail "hvhost backup --checkpoint failed (exit $rc)"; }
grep -q '^write-done: blocked$' "$HV_WORK/during.out" 2>/dev/null ||
    fail "the guest's write was not held during the checkpoint: $(cat "$HV_WORK/during.out" 2>/dev/null)"
wait_until 30 gexec 'test -s /run/hvtest/cp-done' || fail "the held write never completed after the thaw"
[ "$(gexec 'cat /mnt/data/cp-during')" = during ] || fail "the held write is not in the live filesystem"

# The checkpoint images, per disk: the image each disk wrote to before.
printf '%s' "$out" | json '[c["device"] + " " + c["checkpoint"] + " " + c["overlay"] for c in find(d, "disks")]' \
    >"$HV_WORK/checkpoints" || fail "the backup's JSON names no checkpoint images"
sed 's/^/# checkpoint: /' "$HV_WORK/checkpoints"
[ "$(wc -l <"$HV_WORK/checkpoints")" -ge 2 ] || fail "the checkpoint did not cover both disks"
# Each checkpoint image (raw, or a qcow2 of an earlier checkpoint flattened)
# is fsck-clean; the one labelled hvdata is the data disk's.
data_img=
while read -r id img overlay; do
    [ -f "$overlay" ] || fail "$id: the overlay $overlay does not exist"
    raw=$(raw_image "$img" "$HV_WORK/$id.raw") || fail "$id: qemu-img cannot read $img"
    fsck=$(e2fsck -fn "$raw" 2>&1) || { printf '%s\n' "$fsck" | tail -n 8 | sed 's/^/#   /'; fail "$id: the checkpoint image $img is not fsck-clean"; }
    [ "$(blkid -p -s LABEL -o value "$raw" 2>/dev/null)" = hvdata ] && data_img=$raw
done <"$HV_WORK/checkpoints"
[ -n "$data_img" ] || fail "no checkpoint image of the data disk (ext4 labelled hvdata)"
got=$(debugfs -R "cat /cp-before" "$data_img" 2>/dev/null | sha256sum | cut -d' ' -f1)
[ "$got" = "$sum" ] || fail "the checkpoint's copy of the pre-freeze file differs ($got, guest wrote $sum)"
if debugfs -R "stat /cp-during" "$data_img" 2>&1 | grep -q 'Inode:'; then
    fail "the checkpoint holds the write made while frozen"
fi
# The VM goes on, on the overlays.
gexec 'echo after >/mnt/data/cp-after && sync' || fail "/mnt/data does not take writes after the checkpoint"
[ "$(vm_disk_images | awk '{ print $2 }' | grep -c '\.qcow2$')" -ge 2 ] ||
    fail "the disks do not write to the checkpoint's overlays: $(vm_disk_images | tr '\n' ' ')"
check_console_or_fail
pass "checkpoint of $(wc -l <"$HV_WORK/checkpoints") disks, fsck clean"
