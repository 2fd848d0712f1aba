#!/usr/bin/env bash
# fcopy-cancel: a 300 MB copy cancelled by the host mid-way (QMP
# hv-fcopy-start, then hv-fcopy-cancel once 1 MB went over; the CLI has
# no cancel command) leaves nothing: no file, no temporary file held by the
# daemon, the space given back. The daemon then serves the next copy.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/fcopy-common.inc"
scenario_begin
fcopy_ready 30 || fail "the file copy IC is not ready: $(host ics 2>&1 | grep -i fcopy)"

src=$HV_WORK/big.bin
# Big enough, and polled often enough, that the cancel always finds it
# running (100 MB once went over between two polls half a second apart).
make_file "$src" $((300 * 1024 * 1024))
gexec 'rm -rf /tmp/fcopy-cancel && mkdir /tmp/fcopy-cancel' || fail "cannot prepare /tmp/fcopy-cancel"
used() { gexec "df -k /tmp | awk 'NR == 2 { print \$3 }'"; }
base=$(used)
pid=$(wait_daemon hv_fcopy_daemon 30) || fail "hv_fcopy_daemon is not running"

qmp hv-fcopy-start "{\"source\": \"$src\", \"destination\": \"/tmp/fcopy-cancel/big.bin\"}" >/dev/null ||
    fail "QMP hv-fcopy-start failed"
state() { qmp query-hv-fcopy; }
end=$(($(date +%s) + 300))
while :; do
    st=$(state) || fail "QMP query-hv-fcopy failed"
    bytes=$(printf '%s' "$st" | json 'd["bytes"]')
    s=$(printf '%s' "$st" | json 'd["state"]')
    [ "$s" = running ] || fail "the copy is '$s' before the cancel: $st"
    [ "$bytes" -ge $((1024 * 1024)) ] && break
    [ "$(date +%s)" -lt "$end" ] || fail "the copy did not get 1 MB over in 300 s: $st"
    sleep 0.1
done
note "cancelling at $bytes bytes"
qmp hv-fcopy-cancel >/dev/null || fail "QMP hv-fcopy-cancel failed"
wait_until 60 eval '[ "$(state | json "d[\"state\"]")" = cancelled ]' ||
    fail "the copy is not cancelled: $(state)"
note "after cancel: $(state)"

no_leftovers /tmp/fcopy-cancel '' || fail "the cancelled copy left files in /tmp/fcopy-cancel"
wait_until 20 eval '[ $(( $(used) - base )) -lt 2048 ]' ||
    fail "the cancelled copy's space was not given back ($(used) KiB used, $base before)"
held=$(gexec "ls -l /proc/$pid/fd | grep -E 'fcopy-cancel|deleted'")
[ -z "$held" ] || fail "the daemon still holds files of the cancelled copy: $held"
[ "$(daemon_pid hv_fcopy_daemon)" = "$pid" ] || fail "hv_fcopy_daemon did not survive the cancel"

make_file "$HV_WORK/small" 70000
copy "$HV_WORK/small" /tmp/fcopy-cancel/small.bin || fail "the copy after the cancel failed"
same_file "$HV_WORK/small" /tmp/fcopy-cancel/small.bin || fail "the copy after the cancel differs"
gexec 'rm -rf /tmp/fcopy-cancel'
rm -f "$src"
check_console_or_fail
pass "cancelled at $bytes bytes, nothing left"
