#!/usr/bin/env bash
# timesync: the host's time samples reach hv_utils: the sample count grows
# (one every 5 s) and the guest has the "hyperv" PTP clock. Then the guest's
# clock is set an hour wrong and the timesync channel is removed and
# re-added: its first sample carries the SYNC flag, and hv_utils sets the
# clock right again (within 2 s).
. "$(dirname "$0")/../lib.sh"
scenario_begin

samples() { host_json timesync | json 'find(d, "samples")'; }
n1=$(samples) || fail "hvhost timesync gave no sample count"
wait_until 20 eval '[ "$(samples)" -gt "$n1" ]' || fail "no new time sample in 20 s (count $n1)"
note "samples: $n1 -> $(samples)"

skew() { echo $(($(gexec 'date +%s') - $(date +%s))); }
# Only noted: after the first SYNC sample hv_utils leaves the clock alone
# (chrony on the PTP clock would follow the samples), so a TCG guest drifts.
note "guest clock - host clock: $(skew) s"

gexec 'grep -qx hyperv /sys/class/ptp/ptp*/clock_name' ||
    fail "no PTP clock named hyperv in the guest"

# Resynchronisation by a fresh channel. Whatever happens, the guest's clock
# is right again afterwards.
trap 'gexec "date -s @$(date +%s)" >/dev/null 2>&1' EXIT
gexec 'date -s "@$(($(date +%s) - 3600))" >/dev/null' || fail "cannot set the guest's clock"
s=$(skew)
[ "${s#-}" -ge 3000 ] || fail "setting the guest's clock back did not take ($s s)"
host device-del ts >/dev/null || fail "hvhost device-del ts failed"
wait_until 20 gexec "! grep -qs 9527e630 /sys/bus/vmbus/devices/*/class_id" ||
    fail "the timesync device did not go away in the guest"
host device-add hv-timesync ts >/dev/null || fail "hvhost device-add hv-timesync ts failed"
wait_until 30 eval 's=$(skew); [ "${s#-}" -le 2 ]' ||
    fail "the guest's clock was not set right by the new channel (off by $(skew) s)"
note "after re-adding the channel: off by $(skew) s"
check_console_or_fail
pass
