#!/usr/bin/env bash
# heartbeat: the guest's hv_utils answers the host's heartbeats: the host
# sees state ok and the guest's sequence number advancing (about one a
# second: at least 2 in 5 s).
. "$(dirname "$0")/../lib.sh"
scenario_begin

hb1=$(host_json heartbeat) || fail "hvhost heartbeat failed"
note "heartbeat: $(echo $hb1)"
state=$(printf '%s' "$hb1" | json 'find(d, "state")') || fail "no state in: $hb1"
[ "$state" = ok ] || fail "heartbeat state is '$state', expected ok"
seq1=$(printf '%s' "$hb1" | json 'find(d, "sequence")') || fail "no sequence in: $hb1"
sleep 5
hb2=$(host_json heartbeat) || fail "hvhost heartbeat failed"
seq2=$(printf '%s' "$hb2" | json 'find(d, "sequence")') || fail "no sequence in: $hb2"
note "sequence $seq1 -> $seq2 in 5 s"
[ "$((seq2 - seq1))" -ge 2 ] || fail "sequence went from $seq1 to $seq2 in 5 s (expected +2 or more)"
[ "$(printf '%s' "$hb2" | json 'find(d, "state")')" = ok ] || fail "heartbeat state left ok"
check_console_or_fail
pass "sequence +$((seq2 - seq1)) in 5 s"
