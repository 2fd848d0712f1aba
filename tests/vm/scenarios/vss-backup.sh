#!/usr/bin/env bash
# vss-backup: a host backup (`hvhost backup --exec CMD`: HOT_BACKUP check,
# FREEZE, CMD on the host while frozen, THAW). While frozen:
#  - the freeze hook in /etc/hyperv-tools/vss-hooks.d/ has run;
#  - `hv_vss_daemon --status --json` says frozen, with /mnt/data (ext4 on loop);
#  - a guest write to /mnt/data started then does not complete.
# After the thaw: that write completes, the thaw hook has run after the
# freeze hook, the hook's output is in the daemon's log, the status says
# thawed with result ok, and /mnt/data takes new writes.
. "$(dirname "$0")/../lib.sh"
scenario_begin

gexec 'grep -q " /mnt/data ext4 " /proc/mounts' || fail "/mnt/data is not an ext4 mount in the guest"
gexec 'rm -f /run/hvtest/vss-hook.log /run/hvtest/vss-write-done /mnt/data/during; echo before >/mnt/data/before; sync' ||
    fail "cannot prepare /mnt/data"
logn=$(gexec 'wc -l </run/log/hv_vss_daemon.log')

cat >"$HV_WORK/during.sh" <<EOS
#!/usr/bin/env bash
# Runs on the host while the guest is frozen; records what it sees.
g() { "$HVHOST" --dir "$HV_VM_DIR" exec -- "\$*"; }
out=$HV_WORK/during.out
{
    echo "hook: \$(g 'cat /run/hvtest/vss-hook.log' | tr '\n' ' ')"
    echo "status: \$(g 'hv_vss_daemon --status --json')"
    g '(echo during >/mnt/data/during; cut -d" " -f1 /proc/uptime >/run/hvtest/vss-write-done) >/dev/null 2>&1 &'
    sleep 4
    echo "write-done: \$(g 'cat /run/hvtest/vss-write-done 2>/dev/null || echo blocked')"
    echo "thaw-at: \$(g 'cut -d" " -f1 /proc/uptime')"
} >"\$out" 2>&1
EOS
chmod +x "$HV_WORK/during.sh"

out=$(host backup --exec "$HV_WORK/during.sh" 2>&1)
rc=$?
note "backup: exit $rc: $(echo $out | cut -c1-300)"
sed 's/^/#   during: /' "$HV_WORK/during.out" 2>/dev/null
[ $rc -eq 0 ] || fail "hvhost backup failed (exit $rc)"
[ -f "$HV_WORK/during.out" ] || fail "the --exec command did not run"
grep -q '^hook: freeze ' "$HV_WORK/during.out" || fail "the freeze hook had not run when the host got FREEZE's answer"
status=$(sed -n 's/^status: //p' "$HV_WORK/during.out")
[ "$(printf '%s' "$status" | json 'd["state"]')" = frozen ] || fail "the guest was not frozen during the backup: $status"
printf '%s' "$status" | json '[f["mount_point"] for f in d["filesystems"]]' | grep -qx /mnt/data ||
    fail "/mnt/data was not among the frozen filesystems: $status"
grep -q '^write-done: blocked$' "$HV_WORK/during.out" || fail "a write to /mnt/data completed while frozen"
thaw_at=$(sed -n 's/^thaw-at: //p' "$HV_WORK/during.out")

# After the thaw.
wait_until 30 gexec 'test -s /run/hvtest/vss-write-done' || fail "the write blocked by the freeze never completed"
done_at=$(gexec 'cat /run/hvtest/vss-write-done')
note "write completed at guest uptime $done_at (host THAW after $thaw_at)"
awk -v a="$done_at" -v b="$thaw_at" 'BEGIN { exit !(a + 0 >= b + 0) }' ||
    fail "the blocked write completed at $done_at, before the thaw ($thaw_at)"
[ "$(gexec 'cat /mnt/data/during')" = during ] || fail "the write made while frozen is not in the file"
hooks=$(gexec 'cut -d" " -f1 /run/hvtest/vss-hook.log' | tr '\n' ' ')
[ "$hooks" = "freeze thaw " ] || fail "the hooks ran as '$hooks', expected 'freeze thaw'"
status=$(gexec 'hv_vss_daemon --status --json')
[ "$(printf '%s' "$status" | json 'd["state"]')" = thawed ] || fail "not thawed after the backup: $status"
[ "$(printf '%s' "$status" | json 'd["result"]')" = ok ] || fail "the backup's result is not ok: $status"
wait_until 10 gexec "tail -n +$((logn + 1)) /run/log/hv_vss_daemon.log | grep -q 'hvtest hook: thaw'" ||
    fail "the hooks' output is not in the daemon's log"
gexec 'echo after >/mnt/data/after && sync && [ "$(cat /mnt/data/after)" = after ]' ||
    fail "/mnt/data does not take writes after the thaw"
check_console_or_fail
pass
