#!/usr/bin/env bash
# modules-reload: the integration driver can be unloaded and loaded again
# under a running system, the way an administrator does it.
#  - With the daemons running, `rmmod hv_utils` is refused (the daemons hold
#    /dev/vmbus/hv_*, which pins the module), and on 6.10+ `rmmod
#    uio_hv_generic` too (the file copy daemon holds /dev/uioN); nothing
#    changes.
#  - Then HV_RELOAD_ITERATIONS (20) times: the daemons stopped (as `systemctl
#    stop` would: held down by the supervisor, SIGTERM), hv_utils and
#    uio_hv_generic unloaded (the IC devices lose their driver,
#    /dev/vmbus/hv_kvp goes), loaded again, file copy handed to
#    uio_hv_generic again on 6.10+, the daemons let go: every IC device is
#    bound again, the heartbeat is ok and a host KVP GET is answered.
#  - On a guest running from its initramfs (no root disk on hv_storvsc),
#    once: hv_vmbus itself unloaded with everything on top of it
#    (uio_hv_generic, hv_utils, hv_netvsc, hv_storvsc; eth0's DHCP client
#    stopped first) and loaded again: the host's offers come back, the
#    drivers bind, eth0 gets its address again, KVP and heartbeat work. On
#    a disk root this part is skipped (the root filesystem pins hv_vmbus).
# Afterwards the loaded modules are still the set's (modules_check), no
# daemon crashed, and the console is clean (checked after every round).
. "$(dirname "$0")/../lib.sh"
scenario_begin
n=${HV_RELOAD_ITERATIONS:-20}

fcopy_driver=$(fcopy_driver)

# The guest side, as functions in one file.
gexec "cat >/run/hvtest/reload.sh <<'EOS'
k=/lib/modules/\$(uname -r)
. /etc/hvtest/fcopy-bind.sh
loaded() { grep -q \"^\$1 \" /proc/modules; }
stop_daemons() {
	local b p i=0
	for b in kvp vss fcopy; do touch /run/hvtest/hold-\$b; done
	for b in hv_kvp_daemon hv_vss_daemon hv_fcopy_daemon; do
		p=\$(cat /run/hvtest/\$b.pid 2>/dev/null) && kill \$p 2>/dev/null
	done
	while ls /run/hvtest/*.pid >/dev/null 2>&1; do
		[ \$i -ge 100 ] && { echo \"daemons still running: \$(ls /run/hvtest/*.pid)\"; return 1; }
		sleep 0.1; i=\$((i + 1))
	done
}
start_daemons() { rm -f /run/hvtest/hold-kvp /run/hvtest/hold-vss /run/hvtest/hold-fcopy; }
unload() {
	local m
	for m; do
		loaded \$m || continue
		rmmod \$m || { echo \"rmmod \$m failed\"; return 1; }
	done
}
load() {
	local m
	for m; do
		loaded \$m && continue
		insmod \$k/\$m.ko || { echo \"insmod \$m failed\"; return 1; }
	done
}
# class driver, for every VMBus device
drivers() {
	local d
	for d in /sys/bus/vmbus/devices/*; do
		[ -e \$d/class_id ] || continue
		echo \"\$(cat \$d/class_id | tr -d '{}') \$(basename \"\$(readlink \$d/driver)\" 2>/dev/null)\"
	done
}
EOS"
[ "$(gexec '. /run/hvtest/reload.sh && echo ok')" = ok ] || fail "cannot install the guest's helper script"
g() { gexec_t 120 ". /run/hvtest/reload.sh; $*"; }
trap 'g "load hv_utils uio_hv_generic; fcopy_bind_all; start_daemons" >/dev/null 2>&1' EXIT

# Every IC bound to its driver (file copy: hv_utils up to 6.9, uio_hv_generic after).
ics_bound() {
	local list c want
	list=$(g drivers) || return 1
	for c in "$HV_CLASS_HEARTBEAT" "$HV_CLASS_SHUTDOWN" "$HV_CLASS_TIMESYNC" "$HV_CLASS_KVP" \
		"$HV_CLASS_VSS" "$HV_CLASS_FCOPY"; do
		want=hv_utils
		[ "$c" = "$HV_CLASS_FCOPY" ] && want=$fcopy_driver
		printf '%s\n' "$list" | grep -qx "$c $want" || { echo "$c is not bound to $want"; return 1; }
	done
}
kvp_served() { [ "$(host_json kvp get external HvReload 2>/dev/null | json 'find(d, "value")')" = "$tag" ]; }
heartbeat_ok() { [ "$(host_json heartbeat 2>/dev/null | json 'find(d, "state")')" = ok ]; }
# After a reload: the ICs bound, the daemons back, the host served.
check_served() { # what
	wait_until 30 ics_bound || fail "$1: IC devices not bound again: $(ics_bound)"
	gexec '[ -c /dev/vmbus/hv_kvp ] && [ -c /dev/vmbus/hv_vss ]' >/dev/null ||
		fail "$1: /dev/vmbus/hv_kvp or hv_vss did not come back"
	wait_until 60 kvp_served || fail "$1: the host's KVP GET is not answered: $(host kvp get external HvReload 2>&1 | tail -n1)"
	wait_until 30 heartbeat_ok || fail "$1: heartbeat not ok: $(host_json heartbeat 2>&1 | tr -d '\n')"
	check_console_or_fail
}

tag="reload-$$"
host kvp set external HvReload "$tag" >/dev/null || fail "kvp set failed"
wait_until 30 kvp_served || fail "the host's KVP GET is not answered before any reload"

# Held modules cannot go.
out=$(g "rmmod hv_utils" 2>&1) && fail "rmmod hv_utils succeeded while the daemons held it"
note "rmmod hv_utils with the daemons running: $(echo $out)"
g "loaded hv_utils" >/dev/null || fail "hv_utils is gone after a refused rmmod"
if [ "$fcopy_driver" = uio_hv_generic ]; then
	out=$(g "rmmod uio_hv_generic" 2>&1) && fail "rmmod uio_hv_generic succeeded while the fcopy daemon held /dev/uio"
	note "rmmod uio_hv_generic with the fcopy daemon running: $(echo $out)"
fi
check_served "after the refused rmmod"

t0=$(date +%s)
for i in $(seq "$n"); do
	out=$(g "stop_daemons && unload uio_hv_generic hv_utils || exit 1
		if drivers | grep -q ' hv_utils\$' || [ -e /dev/vmbus/hv_kvp ]; then
			echo 'IC devices still bound after rmmod hv_utils'; exit 1
		fi
		load hv_utils uio_hv_generic && fcopy_bind_all >/dev/null && start_daemons" 2>&1) ||
		fail "round $i: $(echo $out)"
	check_served "round $i"
done
note "$n rounds of hv_utils and uio_hv_generic in $(($(date +%s) - t0)) s"

vmbus=skipped
if [ "$(vm_root)" = disk ] || gexec "grep -q '^/dev/sd' /proc/mounts" >/dev/null; then
	note "hv_vmbus not reloaded: the root filesystem is on hv_storvsc"
else
	out=$(g "stop_daemons &&
		{ p=\$(cat /run/udhcpc.eth0.pid 2>/dev/null) && kill \$p; ip link set eth0 down 2>/dev/null; true; } &&
		unload uio_hv_generic hv_utils hv_netvsc hv_storvsc &&
		echo \"holders: \$(ls /sys/module/hv_vmbus/holders)\" && unload hv_vmbus || exit 1
		[ ! -e /sys/bus/vmbus ] || { echo '/sys/bus/vmbus is still there'; exit 1; }" 2>&1)
	rc=$?
	note "hv_vmbus unload: $(echo $out)"
	[ $rc -eq 0 ] || fail "unloading hv_vmbus with everything on top failed: $(echo $out)"
	out=$(g "load hv_vmbus hv_utils hv_storvsc hv_netvsc &&
		i=0; while [ \$(ls /sys/bus/vmbus/devices | wc -l) -lt 7 ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done;
		fcopy_bind_all >/dev/null; load uio_hv_generic && fcopy_bind_all >/dev/null &&
		i=0; while [ ! -e /sys/class/net/eth0 ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done;
		ip link set eth0 up && udhcpc -i eth0 -b -t 5 -T 2 -p /run/udhcpc.eth0.pid -s /etc/hvtest/udhcpc.script >>/run/log/udhcpc.log 2>&1;
		start_daemons; ls /sys/bus/vmbus/devices | wc -l" 2>&1) ||
		fail "loading hv_vmbus and the drivers again failed: $(echo $out)"
	note "hv_vmbus loaded again: $(echo $out) VMBus devices"
	# (Debian's says "Vmbus version:5.3", ours "VMBus version 5.3".)
	v=$(tr -d '\r' <"$HV_VM_DIR/console.log" | tail -n "+$((HV_CONSOLE_START + 1))" |
		grep -Eio 'vmbus version:? *[0-9.]+' | tail -n1)
	note "console: ${v:-no VMBus version line}"
	check_served "after the hv_vmbus reload"
	wait_until 30 eval '[ -n "$(guest_ipv4)" ]' || fail "eth0 has no address after the hv_vmbus reload"
	vmbus=reloaded
fi

modules_check "$HV_VM_DIR/modules" || fail "the loaded modules are not the set's after the reloads"
for d in hv_kvp_daemon hv_vss_daemon hv_fcopy_daemon; do
	wait_daemon "$d" 30 >/dev/null || fail "$d is not running after the reloads"
	# 134 abort, 135 bus error, 136 FPE, 139 segfault.
	gexec "grep -E '^=== .* exit status (134|135|136|139)\$' /run/log/$d.log" >/dev/null &&
		fail "$d crashed during the reloads"
done
host kvp delete external HvReload >/dev/null
check_console_or_fail
pass "$n reloads of hv_utils and uio_hv_generic; hv_vmbus $vmbus"
