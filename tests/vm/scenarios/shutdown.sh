#!/usr/bin/env bash
# shutdown (last): the host's shutdown request (`hvhost stop-vm`) powers the
# guest off cleanly: the guest answers OK, hv_utils runs /sbin/poweroff,
# busybox init runs the shutdown hook (daemons stopped, /mnt/data unmounted),
# the kernel powers off and QEMU exits. The whole console log is checked
# for kernel trouble, and every disk image the VM had is fsck-clean. The VM
# is gone afterwards whatever happened.
. "$(dirname "$0")/../lib.sh"
scenario_begin
trap 'qemu_alive && { host quit >/dev/null 2>&1 || true; }' EXIT

# The images the VM's disks write to now (after a checkpoint: the overlays).
vm_disk_images >"$HV_WORK/disks" 2>/dev/null || : >"$HV_WORK/disks"
out=$(host stop-vm 2>&1) || fail "hvhost stop-vm failed: $out"
note "stop-vm: $(echo $out)"
wait_until 90 eval '! qemu_alive' || fail "QEMU is still running 90 s after stop-vm"
log=$HV_VM_DIR/console.log
grep -q 'hvtest: shutdown: done' "$log" || fail "the guest's shutdown hook did not run"
grep -q 'hvtest: shutdown: /mnt/data unmounted' "$log" || fail "/mnt/data was not unmounted cleanly"
grep -q 'reboot: Power down' "$log" || fail "the kernel did not power down"
# 134 abort, 135 bus error, 136 FPE, 139 segfault (137 is a scenario's kill -9).
crash=$(grep -E 'hvtest: hv_[a-z]+_daemon \(pid [0-9]+\) ended with status (134|135|136|139)$' "$log")
[ -z "$crash" ] || fail "a daemon crashed during the run: $(printf '%s' "$crash" | head -n1)"
console_check 0 || fail "kernel trouble on the console during the run"
# Every disk the guest had at the end is clean for fsck (a qcow2 overlay
# of a checkpoint is flattened to raw first).
checked=
while read -r id file; do
    [ -f "$file" ] || continue
    img=$(raw_image "$file" "$HV_WORK/$id.raw") || fail "qemu-img cannot read $file"
    blkid -p -s TYPE -o value "$img" 2>/dev/null | grep -qx ext4 || { note "$id: no ext4 on $file"; continue; }
    out=$(e2fsck -fn "$img" 2>&1) || { printf '%s\n' "$out" | tail -n 8 | sed 's/^/#   /'; fail "fsck of $id ($file) is not clean"; }
    checked="$checked $id"
    [ "$img" = "$file" ] || rm -f "$img"
done <"$HV_WORK/disks"
[ -n "$checked" ] || [ ! -s "$HV_WORK/disks" ] || fail "no disk of the VM could be checked"
pass "fsck clean:${checked:- no disks}"
