#!/bin/bash
# Builds the DKMS source tree the packages ship with `dkms build` for one
# kernel, without touching the system: dkms's own trees (--sourcetree,
# --dkmstree, --installtree) and its module signing key all live in OUTDIR,
# nothing goes to /usr/src, /var/lib/dkms or /lib/modules.
#
#   kernel/scripts/dkms-check.sh KVER OUTDIR VERSION
#
# Passes when dkms builds every module dkms.conf lists for KVER (the .ko
# files in its tree, with KVER's vermagic) and prints no deprecation
# warning about dkms.conf. HV_SRCROOT: the project (default: the one
# holding this script).
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
srcroot=$(readlink -f "${HV_SRCROOT:-$here/../..}")
kver=${1:?usage: dkms-check.sh KVER OUTDIR VERSION}
out=${2:?usage: dkms-check.sh KVER OUTDIR VERSION}
version=${3:?usage: dkms-check.sh KVER OUTDIR VERSION}
name=hyperv-tools

command -v dkms >/dev/null || { echo "dkms-check: dkms is not installed (./run setup)" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/src" "$out/dkms" "$out/lib-modules"
out=$(readlink -f "$out")
"$here/dkms-tree.sh" "$srcroot" "$out/src/$name-$version" "$version"

trees=(--sourcetree "$out/src" --dkmstree "$out/dkms" --installtree "$out/lib-modules")
# dkms signs what it builds, and makes a key in /var/lib/dkms unless told
# where one is (framework.conf's variables, taken from the environment).
export mok_signing_key=$out/mok.key mok_certificate=$out/mok.pub

log=$out/dkms.log
fail() {
    echo "FAIL: $*"
    echo "---- dkms output ($log)"
    cat "$log"
    local make_log
    for make_log in "$out/dkms/$name/$version/build/make.log" \
        "$out/dkms/$name/$version/$kver"/*/log/make.log; do
        [ -f "$make_log" ] || continue
        echo "---- $make_log"
        cat "$make_log"
    done
    exit 1
}

echo "dkms $(dkms --version | sed 's/^dkms-//'), $name/$version for $kver in $out"
start=$(date +%s)
dkms add -m "$name" -v "$version" "${trees[@]}" >"$log" 2>&1 || fail "dkms add"
dkms build -m "$name" -v "$version" -k "$kver" "${trees[@]}" >>"$log" 2>&1 ||
    fail "dkms build for $kver"
if grep -i 'deprecated' "$log"; then
    fail "dkms warns about dkms.conf"
fi

# Every module dkms.conf names, in dkms's tree for this kernel.
mods=$(sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' \
    "$out/src/$name-$version/dkms.conf")
[ -n "$mods" ] || fail "dkms.conf names no module"
n=0
for m in $mods; do
    ko=$(ls "$out/dkms/$name/$version/$kver"/*/module/"$m".ko* 2>/dev/null | head -n1 || true)
    [ -n "$ko" ] || fail "dkms built no $m.ko for $kver"
    vermagic=$(modinfo -F vermagic "$ko")
    case $vermagic in "$kver "*) ;; *) fail "$ko: vermagic '$vermagic', not $kver" ;; esac
    echo "  built: ${ko#"$out"/}  ($(stat -c %s "$ko") bytes, vermagic $vermagic)"
    n=$((n + 1))
done
dkms status -m "$name" "${trees[@]}" 2>/dev/null | sed 's/^/  status: /'
echo "PASS: dkms built $n modules for $kver in $(($(date +%s) - start)) s"
