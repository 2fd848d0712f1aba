#!/usr/bin/env bash
# Builds hvhost's QEMU: Debian 12's own qemu source package, our patch series
# (qemu/patches/series) and our device sources (qemu/hw/ -> hw/hyperv/hvhost/,
# with the project's wire headers include/hyperv/ beside them),
# configured with only what hvhost needs.
#
# The result is cached in $HV_CACHE/qemu/<key>/, keyed by the hash of every
# input (source package version, patches, device sources, this script), so it
# is rebuilt only when one of them changes. Prints the path of the
# qemu-system-x86_64 binary on stdout; progress goes to stderr.
#
#   tests/hvhost/build-qemu.sh            build (or reuse) and print the binary
#   tests/hvhost/build-qemu.sh --tree DIR only prepare a patched source tree
#
# Environment: HV_CACHE (default ~/.cache/hyperv-tools), JOBS (default 2),
# QEMU_SRC_VERSION (default: the bookworm version apt knows).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${HV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hyperv-tools}
jobs=${JOBS:-2}
log() { printf 'build-qemu: %s\n' "$*" >&2; }

tree_only=
if [ "${1:-}" = "--tree" ]; then
    tree_only=${2:?--tree needs a directory}
fi

codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
srcdir=$cache/src
mkdir -p "$srcdir"

# The source package: the release's own version (not backports').
version=${QEMU_SRC_VERSION:-$(apt-cache madison qemu 2>/dev/null |
    awk -F' *[|] *' -v s=" $codename/" 'index($3, s) && $3 ~ /Sources$/ { print $2; exit }')}
if [ -z "$version" ]; then
    log "apt knows no qemu source for $codename: run tests/hvhost/apt-sources.sh first"
    exit 1
fi
dsc=$srcdir/qemu_${version#*:}.dsc
if [ ! -f "$dsc" ]; then
    log "fetching the qemu $version source package"
    (cd "$srcdir" && apt-get source --download-only -q "qemu=$version" >&2)
fi

# Everything that determines the result.
key=$( {
    echo "$version"
    sha256sum "$dsc"
    cat "$0"
    cd "$here/qemu"
    find patches hw -type f | LC_ALL=C sort | xargs sha256sum
    cd "$here/../../include"
    find hyperv -type f | LC_ALL=C sort | xargs sha256sum
} | sha256sum | cut -c1-16)
out=$cache/qemu/$key

prepare_tree() {
    local dir=$1 p
    rm -rf "$dir"
    mkdir -p "$(dirname "$dir")"
    dpkg-source --no-check -x "$dsc" "$dir" >/dev/null
    while read -r p; do
        case "$p" in ''|'#'*) continue ;; esac
        log "applying $p"
        patch -d "$dir" -p1 --no-backup-if-mismatch -s <"$here/qemu/patches/$p"
    done <"$here/qemu/patches/series"
    mkdir -p "$dir/hw/hyperv/hvhost"
    cp -r "$here/qemu/hw/." "$dir/hw/hyperv/hvhost/"
    mkdir -p "$dir/hw/hyperv/hvhost/include"
    cp -r "$here/../../include/hyperv" "$dir/hw/hyperv/hvhost/include/"
}

if [ -n "$tree_only" ]; then
    prepare_tree "$tree_only"
    exit 0
fi

bin=$out/bin/qemu-system-x86_64
if [ -x "$bin" ]; then
    echo "$bin"
    exit 0
fi

log "building QEMU $version with our series into $out (a few minutes)"
work=$cache/qemu/build-$key
prepare_tree "$work/src"
mkdir -p "$work/build"
(
    cd "$work/build"
    ../src/configure --prefix="$out" --target-list=x86_64-softmmu \
        --without-default-features --enable-tcg --enable-kvm --enable-fdt=system \
        --enable-slirp --disable-docs --disable-werror >configure.log 2>&1 ||
        { tail -n 40 configure.log >&2; exit 1; }
    ninja -j "$jobs" qemu-system-x86_64 >build.log 2>&1 ||
        { grep -B5 -A20 -m3 'error' build.log >&2 || tail -n 60 build.log >&2; exit 1; }
    mkdir -p "$out/bin"
    cp qemu-system-x86_64 "$out/bin/"
    cp -r "$work/src/qapi" "$out/qapi"   # the schema our QMP client is written against
)
rm -rf "$work"
echo "$bin"
