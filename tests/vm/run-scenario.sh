#!/usr/bin/env bash
# Runs one VM scenario against the guest of a kernel flavour:
#   tests/vm/run-scenario.sh FLAVOUR SCENARIO
# boot (scenarios/boot.sh) boots the guest, shutdown powers it off; every
# other scenario needs the guest booted. The VM lives in
# $HV_VM_DIR, default $HV_BUILD_DIR/tests/vm/<flavour>-stock.
# Exit status: 0 pass, 1 fail, 77 skipped.
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
flavour=${1:?usage: run-scenario.sh FLAVOUR SCENARIO}
scenario=${2:?usage: run-scenario.sh FLAVOUR SCENARIO}
export HV_BUILD_DIR=${HV_BUILD_DIR:-$(readlink -f "$here/../..")/build}
export HV_FLAVOUR=$flavour
export HV_VM_DIR=${HV_VM_DIR:-$HV_BUILD_DIR/tests/vm/$flavour-stock}
export SCENARIO=$scenario
[ -f "$here/scenarios/$scenario.sh" ] || { echo "FAIL $scenario: no such scenario"; exit 1; }
exec bash "$here/scenarios/$scenario.sh"
