#!/usr/bin/env bash
# Prints the kernel release a guest flavour boots, resolved through apt at
# run time the way build-guest.sh resolves its kernel package:
#
#   tests/vm/kernel-version.sh [--package] FLAVOUR
#
#   FLAVOUR    6.1   the kernel linux-image-amd64 depends on in bookworm
#                    (main with -security/-updates)
#              6.12  the kernel linux-image-amd64 depends on in
#                    bookworm-backports
#   --package  print the image package (linux-image-<kver>) instead
#
# e.g. "6.1.0-57-amd64"; linux-headers-<kver> are its headers. Needs
# bookworm-backports in apt's sources for 6.12 (tests/hvhost/apt-sources.sh).
# Exits 1 with a message on stderr when apt knows no such kernel.
set -euo pipefail

what=kver
[ "${1:-}" = --package ] && { what=package; shift; }
flavour=${1:?usage: kernel-version.sh [--package] 6.1|6.12}

die() { printf 'kernel-version[%s]: %s\n' "$flavour" "$*" >&2; exit 1; }

# The newest version of linux-image-amd64 in one kind of suite: "bpo" for
# the backports, "main" for the release and its -security/-updates.
meta_version() {
    apt-cache madison linux-image-amd64 | awk -F'|' -v want="$1" '
        $3 ~ /Packages/ {
            v = $2; gsub(/ /, "", v)
            if ((want == "bpo") == ($3 ~ /-backports/)) print v
        }' | sort -V | tail -n1
}

case $flavour in
6.1) meta=$(meta_version main) ;;
6.12) meta=$(meta_version bpo) ;;
*) die "unknown flavour (6.1 or 6.12)" ;;
esac
[ -n "$meta" ] || die "apt-cache knows no linux-image-amd64 for $flavour (run tests/hvhost/apt-sources.sh)"
pkg=$(apt-cache depends "linux-image-amd64=$meta" |
    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
[ -n "$pkg" ] || die "linux-image-amd64=$meta depends on no kernel image"
kver=${pkg#linux-image-}
case $kver in "$flavour".*) ;; *) die "$pkg is not a $flavour kernel" ;; esac

if [ "$what" = package ]; then echo "$pkg"; else echo "$kver"; fi
