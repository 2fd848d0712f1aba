#!/usr/bin/env bash
# Boots the guest of a kernel flavour under hvhost, runs scenarios against
# it, and shuts it down: what `ctest -L vm` does, without CMake.
#   tests/vm/run.sh FLAVOUR [SCENARIO...]     (default: every scenario)
# Prints each scenario's PASS/FAIL/SKIP line; exits 1 if any failed.
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
flavour=${1:?usage: run.sh 6.1|6.12 [SCENARIO...]}
shift
if [ $# -eq 0 ]; then
    set -- $("$here/scenarios.sh" "$flavour")
fi
failed=0
"$here/run-scenario.sh" "$flavour" boot || exit 1
for s in "$@"; do
    [ "$s" = shutdown ] && continue
    "$here/run-scenario.sh" "$flavour" "$s"
    [ $? -eq 1 ] && failed=1
done
"$here/run-scenario.sh" "$flavour" shutdown || failed=1
exit $failed
