#!/usr/bin/env bash
# kvp-hotplug: the KVP device is removed (device_del) and added again
# (device_add, same instance id). While it is gone /dev/vmbus/hv_kvp goes
# away and the daemon does not spin; once it is back the daemon (reopened or
# restarted, as udev and systemd would) registers again and the host's
# requests are served, the pools as they were.
. "$(dirname "$0")/../lib.sh"
scenario_begin

host kvp set external HvHotplug "before-$$" >/dev/null || fail "kvp set before the unplug failed"
pid=$(wait_daemon hv_kvp_daemon 30) || fail "hv_kvp_daemon is not running"
host device-del kvp >/dev/null || fail "hvhost device-del kvp failed"
wait_until 30 gexec '[ ! -e /dev/vmbus/hv_kvp ]' || fail "/dev/vmbus/hv_kvp did not go away"
note "device gone; daemon: $(daemon_pid hv_kvp_daemon || true)"
sleep 3
p=$(daemon_pid hv_kvp_daemon)
if [ -n "$p" ]; then
    # Still running without its device: it must be waiting, not busy.
    t1=$(gexec "awk '{ print \$14 + \$15 }' /proc/$p/stat")
    sleep 3
    t2=$(gexec "awk '{ print \$14 + \$15 }' /proc/$p/stat" 2>/dev/null || echo "$t1")
    [ $((t2 - t1)) -lt 100 ] || fail "the daemon used $((t2 - t1)) ticks in 3 s without a device"
fi

host device-add hv-kvp kvp >/dev/null || fail "hvhost device-add hv-kvp kvp failed"
wait_until 30 gexec '[ -c /dev/vmbus/hv_kvp ]' || fail "/dev/vmbus/hv_kvp did not come back"
served() { [ "$(host_json kvp get external HvHotplug | json 'find(d, "value")')" = "before-$$" ]; }
wait_until 90 served || fail "the host's requests are not served after the device came back"
n=$(host_json kvp list auto | json 'len(items(d))')
[ "$n" = 10 ] || fail "the auto pool has $n items after the hotplug"
new=$(daemon_pid hv_kvp_daemon)
# 134 abort, 135 bus error, 136 FPE, 139 segfault (137 is kvp-restart's kill -9).
gexec "grep -E '^=== .* exit status (134|135|136|139)\$' /run/log/hv_kvp_daemon.log" &&
    fail "hv_kvp_daemon crashed"
gexec "tail -n 5 /run/log/hv_kvp_daemon.log" | sed 's/^/#   /'
host kvp delete external HvHotplug >/dev/null
check_console_or_fail
pass "daemon pid $pid -> $new"
