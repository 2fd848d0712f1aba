#!/usr/bin/env bash
# vss-killed-frozen: hv_vss_daemon is killed with SIGKILL while the guest is
# frozen (inside `hvhost backup --exec`). Nothing may stay frozen: the
# supervisor runs `hv_vss_daemon --thaw` after the daemon's death, as the
# unit's ExecStopPost= does, and restarts it (Restart=). Checked while the
# host still thinks it holds the freeze: /mnt/data takes writes again, the
# status is thawed, the thaw hook ran. Afterwards a new backup works with
# the restarted daemon.
. "$(dirname "$0")/../lib.sh"
scenario_begin

pid=$(wait_daemon hv_vss_daemon 30) || fail "hv_vss_daemon is not running"
gexec 'rm -f /run/hvtest/vss-hook.log /run/hvtest/vss-write-done' >/dev/null
logn=$(gexec 'wc -l </run/log/hv_vss_daemon.log')

cat >"$HV_WORK/during.sh" <<EOS
#!/usr/bin/env bash
g() { "$HVHOST" --dir "$HV_VM_DIR" exec -- "\$*"; }
out=$HV_WORK/during.out
{
    echo "status: \$(g 'hv_vss_daemon --status --json')"
    g '(echo x >/mnt/data/killed-frozen; echo 1 >/run/hvtest/vss-write-done) >/dev/null 2>&1 &'
    sleep 2
    echo "before-kill: \$(g 'cat /run/hvtest/vss-write-done 2>/dev/null || echo blocked')"
    g 'kill -9 $pid'
    i=0
    while [ \$i -lt 30 ]; do
        [ "\$(g 'cat /run/hvtest/vss-write-done 2>/dev/null')" = 1 ] && break
        sleep 1; i=\$((i + 1))
    done
    echo "after-kill: \$(g 'cat /run/hvtest/vss-write-done 2>/dev/null || echo blocked') in \$i s"
    echo "status-after: \$(g 'hv_vss_daemon --status --json')"
} >"\$out" 2>&1
EOS
chmod +x "$HV_WORK/during.sh"

out=$(host backup --exec "$HV_WORK/during.sh" 2>&1)
note "backup with the daemon killed: exit $?: $(echo $out | cut -c1-300)"
sed 's/^/#   during: /' "$HV_WORK/during.out" 2>/dev/null
[ -f "$HV_WORK/during.out" ] || fail "the --exec command did not run"
status=$(sed -n 's/^status: //p' "$HV_WORK/during.out")
[ "$(printf '%s' "$status" | json 'd["state"]')" = frozen ] || fail "the guest was not frozen before the kill: $status"
grep -q '^before-kill: blocked$' "$HV_WORK/during.out" || fail "a write completed while frozen"
grep -q '^after-kill: 1 ' "$HV_WORK/during.out" ||
    fail "/mnt/data stayed frozen after the daemon was killed"
status=$(sed -n 's/^status-after: //p' "$HV_WORK/during.out")
[ "$(printf '%s' "$status" | json 'd["state"]')" = thawed ] || fail "the status is not thawed after the kill: $status"
gexec "tail -n +$((logn + 1)) /run/log/hv_vss_daemon.log | grep -q '^=== hv_vss_daemon --thaw: status 0'" ||
    fail "hv_vss_daemon --thaw did not run (or failed) after the daemon died"
gexec 'grep -q "^thaw " /run/hvtest/vss-hook.log' || fail "the thaw hook owed by the dead daemon did not run"

# The restarted daemon serves the next backup.
new=$(wait_daemon hv_vss_daemon 30 "$pid") || fail "hv_vss_daemon was not restarted"
note "restarted: pid $pid -> $new"
gexec 'grep -q " /mnt/data ext4 rw" /proc/mounts' || fail "/mnt/data is not mounted read-write"
wait_until 60 host backup || fail "a backup after the restart failed"
status=$(gexec 'hv_vss_daemon --status --json')
[ "$(printf '%s' "$status" | json 'd["state"]')" = thawed ] || fail "not thawed after the second backup: $status"
[ "$(printf '%s' "$status" | json 'd["result"]')" = ok ] || fail "the second backup's result is not ok: $status"
gexec 'echo y >/mnt/data/after-killed && sync' || fail "/mnt/data does not take writes"
check_console_or_fail
pass "thawed after SIGKILL, pid $pid -> $new"
