#!/usr/bin/env bash
# kvp-restart: hv_kvp_daemon is killed with SIGKILL while the host is
# enumerating a pool of 200 keys (stopped first, so the request is surely in
# flight; that enumeration must not complete). The supervisor restarts it (Restart=);
# the host's next requests are served: the whole pool enumerates, GET and
# SET work, and the pool file is whole records with every key.
. "$(dirname "$0")/../lib.sh"
scenario_begin

n=200
gexec "i=0; while [ \$i -lt $n ]; do hv-kvp set guest HvRestart\$i value-\$i || exit 1; i=\$((i + 1)); done" ||
    fail "cannot fill pool 1"
pid=$(wait_daemon hv_kvp_daemon 30) || fail "hv_kvp_daemon is not running"
starts=$(daemon_starts hv_kvp_daemon)

# The kill lands while the host enumerates: the daemon is stopped
# (SIGSTOP), the host's enumeration starts and waits on it, then the
# daemon is killed with the request in flight.
gexec "kill -STOP $pid" >/dev/null || fail "cannot stop the daemon"
host_json kvp list guest >"$HV_WORK/during.json" 2>"$HV_WORK/during.err" &
lister=$!
sleep 2
gexec "kill -9 $pid" >/dev/null
wait "$lister"
rc=$?
got=$(json 'len([k for k in items(d) if k.startswith("HvRestart")])' <"$HV_WORK/during.json" 2>/dev/null || echo 0)
note "the enumeration in flight: exit $rc, $got of $n keys: $(head -c 200 "$HV_WORK/during.err")"
[ "$got" != "$n" ] || fail "the enumeration in flight completed although its daemon was killed"
gexec "[ ! -d /proc/$pid ]" || { sleep 2; gexec "[ ! -d /proc/$pid ]"; } || fail "the daemon was not killed"

new=$(wait_daemon hv_kvp_daemon 30 "$pid") || fail "hv_kvp_daemon was not restarted"
note "restarted: pid $pid -> $new (start $starts -> $(daemon_starts hv_kvp_daemon))"
got=0
listed() { got=$(host_json kvp list guest | json "len([k for k in items(d) if k.startswith('HvRestart')])"); [ "$got" = "$n" ]; }
wait_until 60 listed || fail "after the restart the host enumerates $got of $n keys"
v=$(host_json kvp get guest HvRestart57 | json 'find(d, "value")') || fail "GET after the restart failed"
[ "$v" = value-57 ] || fail "GET after the restart reads '$v'"
host kvp set external HvRestartHost ok >/dev/null || fail "SET after the restart failed"
[ "$(gexec 'hv-kvp get external HvRestartHost')" = ok ] || fail "the SET after the restart is not in the pool"
size=$(gexec 'wc -c </var/lib/hyperv/.kvp_pool_1')
[ $((size % 2560)) -eq 0 ] || fail "pool 1 is $size bytes, not whole records"
cnt=$(gexec 'hv-kvp list guest | grep -c "^HvRestart"')
[ "$cnt" = "$n" ] || fail "pool 1 has $cnt of $n keys"
gexec "i=0; while [ \$i -lt $n ]; do hv-kvp delete guest HvRestart\$i; i=\$((i + 1)); done; hv-kvp delete external HvRestartHost" >/dev/null
check_console_or_fail
pass "pid $pid -> $new"
