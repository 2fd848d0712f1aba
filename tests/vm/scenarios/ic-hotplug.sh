#!/usr/bin/env bash
# ic-hotplug: every integration component is hot removed by the host
# (QEMU device_del: the channel is rescinded) and added again (device_add,
# the same instance id). For each one the guest's device goes (its
# /dev/vmbus node or uio node with it) and comes back bound to its driver,
# the host sees the IC negotiated again, and the IC works:
#   heartbeat  state ok, sequence advancing
#   timesync   new samples counted
#   shutdown   negotiated, and the guest stays up (re-adding sends no request)
#   kvp        a key set before the unplug is served, 10 intrinsic items
#   vss        a host backup (freeze and thaw) succeeds
#   fcopy      a 1 MiB copy arrives with the same SHA-256
# No daemon crashes and the console stays clean.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/fcopy-common.inc"
scenario_begin

fcopy_driver=$(fcopy_driver)

# The driver bound to the guest's device of class $1 ("" if unbound, "none"
# if no such device).
class_driver() {
	gexec "for d in /sys/bus/vmbus/devices/*; do
		[ \"\$(cat \$d/class_id 2>/dev/null)\" = '{$1}' ] || continue
		basename \"\$(readlink \$d/driver)\" 2>/dev/null; exit 0
	done; echo none"
}
ic_state() { host_json ics | json "[i.get('state') for i in find(d, 'ics') if i.get('id') == '$1']"; }
hb_seq() { host_json heartbeat | json 'find(d, "sequence")'; }
ts_samples() { host_json timesync | json 'find(d, "samples")'; }

tag="hotplug-$$"
wait_until 60 host kvp set external HvIcHotplug "$tag" ||
	fail "kvp set before the unplugs failed: $(host kvp set external HvIcHotplug "$tag" 2>&1)"
mkdir -p "$HV_WORK"
make_file "$HV_WORK/f.bin" 1048576
gexec 'rm -rf /tmp/ic-hotplug' >/dev/null

works_heartbeat() {
	local s1 s2
	wait_until 30 eval '[ "$(host_json heartbeat | json "find(d, \"state\")")" = ok ]' || return 1
	s1=$(hb_seq) && sleep 4 && s2=$(hb_seq) || return 1
	note "heartbeat sequence $s1 -> $s2 in 4 s"
	[ $((s2 - s1)) -ge 2 ]
}
works_timesync() {
	local n1
	n1=$(ts_samples) || return 1
	wait_until 20 eval '[ "$(ts_samples)" -gt "$n1" ]' || return 1
	note "time samples $n1 -> $(ts_samples)"
}
works_shutdown() {
	sleep 3
	qemu_alive && gexec true >/dev/null || return 1
	! tail -n "+$((HV_CONSOLE_START + 1))" "$HV_VM_DIR/console.log" | grep -q 'hvtest: shutdown'
}
kvp_served() { [ "$(host_json kvp get external HvIcHotplug 2>/dev/null | json 'find(d, "value")')" = "$tag" ]; }
works_kvp() {
	wait_until 90 kvp_served || return 1
	[ "$(host_json kvp list auto | json 'len(items(d))')" = 10 ]
}
works_vss() { wait_until 60 host backup; }
works_fcopy() {
	wait_until 60 copy "$HV_WORK/f.bin" /tmp/ic-hotplug/f.bin --force --create-full-path || return 1
	same_file "$HV_WORK/f.bin" /tmp/ic-hotplug/f.bin
}

# id QEMU-type class driver guest-node-that-goes-with-it
for dev in "hb hv-heartbeat $HV_CLASS_HEARTBEAT hv_utils -" \
	"ts hv-timesync $HV_CLASS_TIMESYNC hv_utils -" \
	"shutdown hv-shutdown $HV_CLASS_SHUTDOWN hv_utils -" \
	"kvp hv-kvp $HV_CLASS_KVP hv_utils /dev/vmbus/hv_kvp" \
	"vss hv-vss $HV_CLASS_VSS hv_utils /dev/vmbus/hv_vss" \
	"fcopy hv-fcopy $HV_CLASS_FCOPY $fcopy_driver fcopy"; do
	set -- $dev
	id=$1 type=$2 class=$3 driver=$4 node=$5
	[ "$node" = fcopy ] && node=$(fcopy_node)
	[ "$(class_driver "$class")" = "$driver" ] || fail "$id: the guest's device is not bound to $driver before the unplug"
	out=$(host device-del "$id" 2>&1) || fail "hvhost device-del $id failed: $out"
	wait_until 30 eval '[ "$(class_driver "$class")" = none ]' || fail "$id: the guest's device did not go away"
	if [ "$node" != - ]; then
		wait_until 30 gexec "[ ! -e $node ]" || fail "$id: $node did not go away"
	fi
	out=$(host device-add "$type" "$id" 2>&1) || fail "hvhost device-add $type $id failed: $out"
	wait_until 30 eval '[ "$(class_driver "$class")" = "$driver" ]' ||
		fail "$id: the guest's device came back bound to '$(class_driver "$class")', not $driver"
	if [ "$node" != - ]; then
		[ "$id" = fcopy ] && node=$(wait_until 30 fcopy_node && fcopy_node)
		wait_until 30 gexec "[ -c ${node:-/nonexistent} ]" || fail "$id: ${node:-its node} did not come back"
	fi
	wait_until 60 eval '[ "$(ic_state "$id")" = ready ]' || fail "$id: the host's IC is '$(ic_state "$id")', not ready"
	case $id in
	hb) works_heartbeat || fail "the heartbeat does not work after the re-add: $(host_json heartbeat | tr -d '\n')" ;;
	ts) works_timesync || fail "no time sample after the timesync re-add" ;;
	shutdown) works_shutdown || fail "the guest did not stay up after the shutdown IC came back" ;;
	kvp) works_kvp || fail "KVP is not served after the re-add (key or 10 intrinsic items missing)" ;;
	vss) works_vss || fail "a host backup fails after the VSS re-add" ;;
	fcopy) works_fcopy || fail "a file copy fails after the fcopy re-add" ;;
	esac
	note "$id: removed, re-added, works"
	check_console_or_fail
done

for d in hv_kvp_daemon hv_vss_daemon hv_fcopy_daemon; do
	wait_daemon "$d" 30 >/dev/null || fail "$d is not running after the hotplugs"
	# 134 abort, 135 bus error, 136 FPE, 139 segfault.
	gexec "grep -E '^=== .* exit status (134|135|136|139)\$' /run/log/$d.log" >/dev/null &&
		fail "$d crashed during the hotplugs"
done
host kvp delete external HvIcHotplug >/dev/null
gexec 'rm -rf /tmp/ic-hotplug' >/dev/null
check_console_or_fail
pass "6 ICs removed and re-added, each works again"
