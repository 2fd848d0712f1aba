#!/usr/bin/env bash
# shutdown (last): the host's shutdown request (`hvhost stop-vm`) powers the
# guest off cleanly: the guest answers OK, hv_utils runs /sbin/poweroff,
# busybox init runs the shutdown hook (daemons stopped, /mnt/data unmounted),
# the kernel powers off and QEMU exits. The whole console log is checked
# for kernel trouble. The VM is gone afterwards whatever happened.
. "$(dirname "$0")/../lib.sh"
scenario_begin
trap 'qemu_alive && { host quit >/dev/null 2>&1 || true; }' EXIT

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
pass
