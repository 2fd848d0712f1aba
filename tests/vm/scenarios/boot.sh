#!/usr/bin/env bash
# boot (the fixture of every other scenario): builds the guest, boots it
# under hvhost, and checks the start-up: the agent is ready, every module
# loaded, the guest's start script finished, the three daemons run, and the
# console is clean.
. "$(dirname "$0")/../lib.sh"
flavour=${HV_FLAVOUR:?HV_FLAVOUR is not set}
vm_boot "$flavour" "$HV_VM_DIR"
HV_CONSOLE_START=0

gexec 'test -d /run/hvtest' >/dev/null ||
    fail "the guest's start script did not run"
failed=$(gexec 'cat /run/hvtest/modules-failed')
[ -z "$failed" ] || fail "modules did not load: $(echo $failed)"
grep -q 'hvtest: .*system up' "$HV_VM_DIR/console.log" || fail "the start script did not finish"
for d in hv_kvp_daemon hv_vss_daemon hv_fcopy_daemon; do
    wait_daemon "$d" 60 >/dev/null || {
        gexec "tail -n 20 /run/log/$d.log" | sed 's/^/# /'
        fail "$d is not running"
    }
done
check_console_or_fail
pass "$flavour, agent ready after $(printf '%.1f' "$(cat "$HV_VM_DIR/boot-seconds")") s"
