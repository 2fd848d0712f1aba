#!/usr/bin/env bash
# Boots the guest of a kernel flavour and module set under hvhost, runs
# scenarios against it, and shuts it down: what `ctest -L vm` does, without
# CMake.
#   tests/vm/run.sh FLAVOUR[:MODSET] [SCENARIO...]   (default: every scenario
#                                                    of the set, scenarios.sh)
# MODSET: stock (the default, or $HV_MODSET), ours-vmbus, ours-utils, ours;
# HV_VM_ROOT=disk|initramfs overrides the set's root. Each set has its own
# state directory (build/tests/vm/<flavour>-<modset>).
# Prints each scenario's PASS/FAIL/SKIP line; exits 1 if any failed.
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
spec=${1:?usage: run.sh 6.1|6.12[:MODSET] [SCENARIO...]}
shift
flavour=${spec%%:*}
modset=${HV_MODSET:-stock}
[ "$spec" = "$flavour" ] || modset=${spec#*:}
if [ $# -eq 0 ]; then
    list=$(sh "$here/scenarios.sh" "$flavour" "$modset") || exit 1
    set -- $list
fi
failed=0
"$here/run-scenario.sh" "$flavour:$modset" boot || exit 1
for s in "$@"; do
    [ "$s" = shutdown ] && continue
    "$here/run-scenario.sh" "$flavour:$modset" "$s"
    [ $? -eq 1 ] && failed=1
done
"$here/run-scenario.sh" "$flavour:$modset" shutdown || failed=1
exit $failed
