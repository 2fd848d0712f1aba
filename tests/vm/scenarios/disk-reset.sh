#!/usr/bin/env bash
# disk-reset: SCSI resets from the guest while I/O is in flight. The stock
# hv_storvsc has one error handler, the host reset, which sends VSTOR
# RESET_BUS and waits for hvhost's completion; sg_reset's ioctl succeeds
# only if that completion came. A host reset (-H) and a LUN reset (-d,
# which storvsc escalates to the host reset) are sent to a hot-added disk
# while fio writes and verifies it: both succeed, fio's verification
# passes (the cancelled requests were retried, nothing was lost or torn),
# and nothing hangs.
. "$(dirname "$0")/../lib.sh"
scenario_begin

gexec 'command -v sg_reset >/dev/null' || fail "the guest has no sg_reset (sg3-utils in the root image)"
trap 'gexec "pkill -x fio" >/dev/null 2>&1; sleep 1; host disk-del rst1 >/dev/null 2>&1' EXIT
d=$(hot_disk rst1 320) && [ -n "$d" ] || fail "the hot-added disk did not appear in the guest"
sectors=655360
gexec 'rm -f /run/hvtest/rst-fio.rc'
gexec "(fio --name=rst --filename=/dev/$d --size=64m --bs=64k --rw=randwrite --direct=1 \
    --ioengine=libaio --iodepth=16 --verify=crc32c --verify_fatal=1 --loops=3 \
    >/run/hvtest/rst-fio.log 2>&1; echo \$? >/run/hvtest/rst-fio.rc) >/dev/null 2>&1 &"
sleep 2
for how in -H -d; do
    gexec 'test -s /run/hvtest/rst-fio.rc' && note "fio finished before the $how reset"
    out=$(gexec_t 120 "sg_reset -v $how /dev/$d 2>&1; echo rc=\$?") || fail "sg_reset $how did not return (2 minutes)"
    note "sg_reset $how /dev/$d: $(echo $out)"
    case $out in *rc=0) ;; *) fail "sg_reset $how /dev/$d failed: the host did not complete the reset" ;; esac
    sleep 1
done
wait_until 300 gexec 'test -s /run/hvtest/rst-fio.rc' || fail "fio hangs after the resets (5 minutes)"
rc=$(gexec 'cat /run/hvtest/rst-fio.rc')
[ "$rc" = 0 ] || { gexec 'tail -n 8 /run/hvtest/rst-fio.log' | sed 's/^/#   /'; fail "fio's verified writes failed across the resets (exit $rc)"; }
gexec "dd if=/dev/$d of=/dev/null bs=1M count=16 iflag=direct 2>/dev/null" || fail "/dev/$d does not read after the resets"
host disk-del rst1 >/dev/null 2>&1 || fail "hvhost disk-del failed"
trap - EXIT
wait_until 30 eval '[ -z "$(guest_disk_of_size $sectors)" ]' || fail "/dev/$d is still there after disk-del"
HV_CONSOLE_BAD="$HV_CONSOLE_BAD|blocked for more than" check_console_or_fail
pass "host and LUN reset under verified I/O"
