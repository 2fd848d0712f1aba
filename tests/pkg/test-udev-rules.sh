#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test-udev-rules.sh RULESDIR
#
# Runs the real udev rule engine ("udevadm test") on synthetic devices:
# a fake sysfs tree holding the misc devices of the utility driver, VMBus
# channels of several classes and a uio device, bind-mounted over /sys in a
# private mount namespace (with /dev, /run/udev and the rules directories
# replaced too, so the machine is not touched). /sbin/modprobe is replaced
# by a stub answering whether a kernel module claims the file copy channel.
# Checks what udev would tell systemd (TAGS, SYSTEMD_WANTS, SYSTEMD_ALIAS),
# which sysfs attributes the rules write, and what they would RUN.
#
# Needs root, unshare(1) and udevadm; exits 77 (skipped) without them.
set -euo pipefail
[ -n "${HV_TRACE:-}" ] && set -x

RULES=$(readlink -f "${1:?usage: $0 RULESDIR}")
FCOPY_CLASS='{34d14be3-dee4-41c8-9ae7-6b174977c192}'
FCOPY_ALIAS='vmbus:e34bd134e4dec8419ae76b174977c192'
KVP_CLASS='{a9a0f4e7-5a45-4d96-b827-8a841e8c03e6}'
NET_CLASS='{f8615163-df3e-46c5-913f-f2d2f965ed0e}'

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (a private mount namespace over /sys)"
command -v udevadm >/dev/null || skip "udevadm not installed (Debian package udev)"
command -v unshare >/dev/null || skip "unshare not installed (util-linux)"
unshare -m true 2>/dev/null || skip "cannot create a mount namespace here"

# The work directory is made and removed outside the namespace, where
# nothing is mounted on it.
if [ -z "${HV_UDEV_TEST_DIR:-}" ]; then
	T=$(mktemp -d)
	trap 'rm -rf "$T"' EXIT
	HV_UDEV_TEST_DIR=$T unshare -m --propagation private "$0" "$@"
	exit
fi

T=$HV_UDEV_TEST_DIR
SYS=$T/sys
FAILS=0 PASSES=0

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; PASSES=$((PASSES + 1)); }

# --- the fake sysfs ---------------------------------------------------------
mkdir -p "$SYS/class/misc" "$SYS/class/uio" "$SYS/bus/vmbus/devices" \
	"$SYS/bus/vmbus/drivers" "$SYS/devices/virtual/misc"
: >"$SYS/bus/vmbus/uevent"
VMBUS=$SYS/devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0004:00/VMBUS:00

misc_dev() {	# name minor
	local d="$SYS/devices/virtual/misc/vmbus!$1"
	mkdir -p "$d"
	printf 'MAJOR=10\nMINOR=%s\nDEVNAME=vmbus/%s\n' "$2" "$1" >"$d/uevent"
	echo "10:$2" >"$d/dev"
	ln -s ../../../../class/misc "$d/subsystem"
}

vmbus_dev() {	# instance class modalias [driver]
	local d="$VMBUS/$1"
	mkdir -p "$d"
	printf 'MODALIAS=%s\n' "$3" >"$d/uevent"
	if [ -n "${4:-}" ]; then
		printf 'DRIVER=%s\n' "$4" >>"$d/uevent"
		mkdir -p "$SYS/bus/vmbus/drivers/$4"
		ln -sfn "../../../../../bus/vmbus/drivers/$4" "$d/driver"
	fi
	echo "$2" >"$d/class_id"
	echo '(null)' >"$d/driver_override"
	ln -s ../../../../../bus/vmbus "$d/subsystem"
}

uio_dev() {	# parent-instance n
	local d="$VMBUS/$1/uio/uio$2"
	mkdir -p "$d"
	printf 'MAJOR=240\nMINOR=%s\nDEVNAME=uio%s\n' "$2" "$2" >"$d/uevent"
	echo "240:$2" >"$d/dev"
	echo uio_hv_generic >"$d/name"
	ln -s ../../../../../../../class/uio "$d/subsystem"
}

misc_dev hv_kvp 123
misc_dev hv_vss 124
misc_dev hv_fcopy 125
vmbus_dev eb765408-105f-49b6-b4aa-c123b64d17d4 "$FCOPY_CLASS" "$FCOPY_ALIAS"
vmbus_dev 11111111-2222-3333-4444-555555555555 "$FCOPY_CLASS" "$FCOPY_ALIAS" hv_utils
vmbus_dev 242ff919-07db-4180-9c2e-b86cb68c8c55 "$KVP_CLASS" \
	vmbus:e7f4a0a9455a964db8278a841e8c03e6
vmbus_dev 00000000-0000-8899-0000-000000000000 "$NET_CLASS" \
	vmbus:635161f83edfc546913ff2d2f965ed0e
uio_dev eb765408-105f-49b6-b4aa-c123b64d17d4 0
uio_dev 00000000-0000-8899-0000-000000000000 1

# --- the machine around it --------------------------------------------------
mkdir -p "$T/rules" "$T/empty" "$T/dev" "$T/run-udev"
cp "$RULES"/*.rules "$T/rules/"
: >"$T/dev/null"
mount --bind /dev/null "$T/dev/null"
mount --bind "$SYS" /sys
mount --bind "$T/dev" /dev
mount --bind "$T/run-udev" /run/udev 2>/dev/null || { mkdir -p /run/udev; mount --bind "$T/run-udev" /run/udev; }
for d in /etc/udev/rules.d /usr/local/lib/udev/rules.d; do
	[ -d "$d" ] && mount --bind "$T/empty" "$d"
done
mount --bind "$T/rules" "$(readlink -f /lib/udev/rules.d)"
[ -e /usr/lib/udev/rules.d ] && [ "$(readlink -f /usr/lib/udev/rules.d)" != "$(readlink -f /lib/udev/rules.d)" ] &&
	mount --bind "$T/rules" /usr/lib/udev/rules.d

# modprobe stub: "claimed" makes every alias resolve to hv_utils (a kernel
# up to 6.9), anything else resolves nothing (6.10 and later).
MODPROBE=$(readlink -f /sbin/modprobe 2>/dev/null || true)
[ -n "$MODPROBE" ] && [ -e "$MODPROBE" ] || skip "no /sbin/modprobe (Debian package kmod)"
cat >"$T/modprobe" <<EOF
#!/bin/sh
echo "\$*" >>"$T/modprobe.log"
[ "\$(cat "$T/modprobe.mode")" = claimed ] || exit 1
echo hv_utils
EOF
chmod +x "$T/modprobe"
mount --bind "$T/modprobe" "$MODPROBE"

export SYSTEMD_DEVICE_VERIFY_SYSFS=0	# the fake tree is not a sysfs mount

udev_test() {	# action syspath -> properties and run: lines on stdout
	: >"$SYS/bus/vmbus/drivers_probe"
	rm -rf /run/udev/data /run/udev/tags	# no state from an earlier event
	local p=$2
	case $p in "$SYS"/*) p=/sys${p#"$SYS"} ;; esac
	if ! udevadm test --action="$1" "$p" >"$T/udev.out" 2>"$T/udev.log"; then
		fail "udevadm test --action=$1 $p failed:"
		tail -n 5 "$T/udev.log"
	fi
	sed -n '/^$/,$p' "$T/udev.out" | sed '/^$/d'
}

prop() { sed -n "s/^$1=//p" <<<"$2"; }

expect_prop() {	# what output key value
	if [ "$(prop "$3" "$2")" = "$4" ]; then pass "$1: $3=$4"; else
		fail "$1: $3 is '$(prop "$3" "$2")', expected '$4'"; fi
}

expect_no_prop() {	# what output key
	if [ -z "$(prop "$3" "$2")" ]; then pass "$1: no $3"; else
		fail "$1: unexpected $3=$(prop "$3" "$2")"; fi
}

expect_file() {	# what file content
	if [ "$(cat "$2")" = "$3" ]; then pass "$1: ${2#$SYS} = '$3'"; else
		fail "$1: ${2#$SYS} is '$(cat "$2")', expected '$3'"; fi
}

# --- misc devices of the utility driver -------------------------------------
for d in kvp vss; do
	out=$(udev_test add "/sys/devices/virtual/misc/vmbus!hv_$d")
	expect_prop "hv_$d add" "$out" TAGS ":systemd:"
	expect_prop "hv_$d add" "$out" SYSTEMD_WANTS "hv-$d-daemon.service"
	expect_no_prop "hv_$d add" "$out" SYSTEMD_ALIAS
	# The tag must stay on "change" too: a device that loses it looks unplugged
	# to systemd, which would stop the daemon bound to it.
	out=$(udev_test change "/sys/devices/virtual/misc/vmbus!hv_$d")
	expect_prop "hv_$d change" "$out" TAGS ":systemd:"
	out=$(udev_test remove "/sys/devices/virtual/misc/vmbus!hv_$d")
	expect_no_prop "hv_$d remove" "$out" SYSTEMD_WANTS
done

out=$(udev_test add '/sys/devices/virtual/misc/vmbus!hv_fcopy')
expect_prop "hv_fcopy add" "$out" TAGS ":systemd:"
expect_prop "hv_fcopy add" "$out" SYSTEMD_WANTS "hv-fcopy-daemon.service"
expect_prop "hv_fcopy add" "$out" SYSTEMD_ALIAS "/sys/subsystem/vmbus/hv_fcopy"

# --- the file copy channel --------------------------------------------------
FC=$VMBUS/eb765408-105f-49b6-b4aa-c123b64d17d4

echo unclaimed >"$T/modprobe.mode"
: >"$T/modprobe.log"
out=$(udev_test add "$FC")
expect_file "fcopy channel, 6.10+" "$FC/driver_override" uio_hv_generic
expect_file "fcopy channel, 6.10+" "$SYS/bus/vmbus/drivers_probe" \
	eb765408-105f-49b6-b4aa-c123b64d17d4
if grep -qx "run: 'kmod load uio_hv_generic'" <<<"$out"; then
	pass "fcopy channel, 6.10+: loads uio_hv_generic"
else fail "fcopy channel, 6.10+: does not load uio_hv_generic"; fi
if grep -q -- "--resolve-alias $FCOPY_ALIAS" "$T/modprobe.log"; then
	pass "fcopy channel: asks modprobe about $FCOPY_ALIAS"
else fail "fcopy channel: modprobe called as '$(cat "$T/modprobe.log")'"; fi
expect_no_prop "fcopy channel" "$out" SYSTEMD_WANTS

echo '(null)' >"$FC/driver_override"
echo claimed >"$T/modprobe.mode"
out=$(udev_test add "$FC")
expect_file "fcopy channel, module claims it" "$FC/driver_override" '(null)'
expect_file "fcopy channel, module claims it" "$SYS/bus/vmbus/drivers_probe" ''
if grep -q "kmod load" <<<"$out"; then fail "fcopy channel, module claims it: loads a module"
else pass "fcopy channel, module claims it: loads nothing"; fi

echo unclaimed >"$T/modprobe.mode"
BOUND=$VMBUS/11111111-2222-3333-4444-555555555555
out=$(udev_test add "$BOUND")
expect_file "fcopy channel already bound" "$BOUND/driver_override" '(null)'
expect_file "fcopy channel already bound" "$SYS/bus/vmbus/drivers_probe" ''

for a in change bind remove; do
	echo '(null)' >"$FC/driver_override"
	out=$(udev_test "$a" "$FC")
	expect_file "fcopy channel $a" "$FC/driver_override" '(null)'
done

for dev in 242ff919-07db-4180-9c2e-b86cb68c8c55 00000000-0000-8899-0000-000000000000; do
	out=$(udev_test add "$VMBUS/$dev")
	expect_file "other channel $dev" "$VMBUS/$dev/driver_override" '(null)'
	expect_no_prop "other channel $dev" "$out" TAGS
done

# --- uio devices --------------------------------------------------------------
out=$(udev_test add "$FC/uio/uio0")
expect_prop "fcopy uio0 add" "$out" TAGS ":systemd:"
expect_prop "fcopy uio0 add" "$out" SYSTEMD_WANTS "hv-fcopy-daemon.service"
expect_prop "fcopy uio0 add" "$out" SYSTEMD_ALIAS "/sys/subsystem/vmbus/hv_fcopy"
out=$(udev_test add "$VMBUS/00000000-0000-8899-0000-000000000000/uio/uio1")
expect_no_prop "network uio1 (DPDK) add" "$out" SYSTEMD_WANTS
expect_no_prop "network uio1 (DPDK) add" "$out" TAGS

echo "$PASSES passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
