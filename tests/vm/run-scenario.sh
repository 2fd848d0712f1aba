#!/usr/bin/env bash
# Runs one VM scenario against the guest of a kernel flavour and module set:
#   tests/vm/run-scenario.sh FLAVOUR[:MODSET] SCENARIO
# MODSET: stock (the default, or $HV_MODSET), ours-vmbus, ours-utils, ours
# (build-guest.sh). boot (scenarios/boot.sh) boots the guest, shutdown
# powers it off; every other scenario needs the guest booted. The VM lives
# in $HV_VM_DIR, default $HV_BUILD_DIR/tests/vm/<flavour>-<modset>; it boots
# from the disk or the initramfs as HV_VM_ROOT says (default: the set's,
# scenarios.sh --root MODSET).
# Exit status: 0 pass, 1 fail, 77 skipped.
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
usage="usage: run-scenario.sh FLAVOUR[:MODSET] SCENARIO"
spec=${1:?$usage}
scenario=${2:?$usage}
flavour=${spec%%:*}
modset=${HV_MODSET:-stock}
[ "$spec" = "$flavour" ] || modset=${spec#*:}
export HV_BUILD_DIR=${HV_BUILD_DIR:-$(readlink -f "$here/../..")/build}
export HV_FLAVOUR=$flavour
export HV_MODSET=$modset
export HV_VM_DIR=${HV_VM_DIR:-$HV_BUILD_DIR/tests/vm/$flavour-$modset}
export SCENARIO=$scenario
[ -f "$here/scenarios/$scenario.sh" ] || { echo "FAIL $scenario: no such scenario"; exit 1; }
exec bash "$here/scenarios/$scenario.sh"
