#!/usr/bin/env bash
# vmbus-4.0: a host that offers no protocol newer than VMBus 4.0 (what
# Windows Server 2016 offers). The guest asks for 5.3 first, is refused, walks
# down to 4.0 and works on it: the ICs negotiate, the heartbeat counts, the
# KVP daemon answers the inventory, and a host shutdown powers it off.
# Boots a second guest of its own beside the fixture's.
. "$(dirname "$0")/../lib.sh"
flavour=${HV_FLAVOUR:?HV_FLAVOUR is not set}
HV_BOOT_ARGS="--vmbus-version 4.0" vm_boot "$flavour" "${HV_VM_DIR}-vmbus-4.0"
# A failure must not leave this second guest running.
trap 'host quit >/dev/null 2>&1 || true' EXIT
HV_CONSOLE_START=0

# Debian's hv_vmbus says "Vmbus version:4.0", ours "VMBus version 4.0".
tr -d '\r' <"$HV_VM_DIR/console.log" | grep -Eiq 'vmbus version:? *4\.0$' ||
    fail "the guest did not negotiate 4.0: $(grep -Eio 'vmbus version:? *[0-9.]+' "$HV_VM_DIR/console.log")"
wait_daemon hv_kvp_daemon 60 >/dev/null || fail "hv_kvp_daemon is not running"
heartbeat_ok() { [ "$(host_json heartbeat | json 'find(d, "state")')" = ok ]; }
wait_until 30 heartbeat_ok ||
    fail "the heartbeat is not ok on 4.0: $(host_json heartbeat)"
# The KVP IC negotiates once the daemon has registered: give it time.
auto_items() { host_json kvp list auto 2>/dev/null | json 'len(items(d))'; }
wait_until 30 eval '[ "$(auto_items)" = 10 ]' ||
    fail "the auto pool has $(auto_items) items on 4.0, expected 10 ($(host kvp list auto 2>&1 | tail -n 1))"
host stop-vm >/dev/null || fail "stop-vm failed on 4.0"
wait_until 60 eval '! qemu_alive' || fail "the 4.0 guest did not power off"
check_console_or_fail
pass "$flavour negotiated 4.0; ICs, KVP and shutdown work"
