#!/bin/bash
# SPDX-License-Identifier: MIT
#
# test-security.sh ROOT UNITDIR
#
# "systemd-analyze security" exposure of each installed unit (0 = fully
# confined, 10 = not at all), printed for the README and held below a
# ceiling so a change that loosens the sandbox fails here. KVP and fcopy
# are well confined; VSS keeps what freezing and its hooks need (no mount
# namespace, CAP_SYS_ADMIN).
set -euo pipefail
ROOT=${1:?usage: $0 ROOT UNITDIR}
UNITDIR=${2:?usage: $0 ROOT UNITDIR}

declare -A CEILING=(
	[hv-kvp-daemon.service]=3.5
	[hv-vss-daemon.service]=5.0
	[hv-fcopy-daemon.service]=2.5
)

fails=0 passes=0
for unit in hv-kvp-daemon.service hv-vss-daemon.service hv-fcopy-daemon.service; do
	path=$ROOT$UNITDIR/$unit
	[ -e "$path" ] || { echo "not installed: $unit"; continue; }
	out=$(systemd-analyze security --offline=yes --root="$ROOT" --no-pager "$path" 2>&1) || true
	level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$out")
	if [ -z "$level" ]; then
		echo "FAIL: $unit: no exposure level in:"; echo "$out" | tail -n 5
		fails=$((fails + 1)); continue
	fi
	if awk -v l="$level" -v c="${CEILING[$unit]}" 'BEGIN { exit !(l <= c) }'; then
		echo "ok: $unit exposure $level (ceiling ${CEILING[$unit]})"; passes=$((passes + 1))
	else
		echo "FAIL: $unit exposure $level above its ceiling ${CEILING[$unit]}:"
		grep '✗' <<<"$out" || true
		fails=$((fails + 1))
	fi
done
echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ] && [ "$passes" -gt 0 ]
