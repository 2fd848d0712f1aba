#!/usr/bin/env bash
# Adds what hvhost and the guests need to apt, derived from the machine's own
# Debian sources (no archive host is written here):
#   - deb-src for the release, so `apt-get source qemu` works;
#   - bookworm-backports (deb, and deb-src), for the 6.12 kernel.
# Idempotent: writes /etc/apt/sources.list.d/hyperv-tools-tests.sources only
# when its content changes, and runs `apt-get update` only then.
set -euo pipefail

out=/etc/apt/sources.list.d/hyperv-tools-tests.sources

# The first Debian archive URI (not -security) in the machine's sources, in
# deb822 (.sources) or one-line (.list) form.
debian_uri() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && [ "$f" != "$out" ] || continue
        awk '
            /^[Uu][Rr][Ii][Ss]:/ { for (i = 2; i <= NF; i++) uri[n++] = $i }
            /^[Ss]uites:/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+(-updates)?$/) ok = 1 }
            /^$/ { if (ok && n) { print uri[0]; exit } n = 0; ok = 0 }
            END { if (ok && n) print uri[0] }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk '$1 == "deb" && $0 !~ /security/ {
                for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$f"
    done
}

uri=$(debian_uri | head -n 1)
[ -n "$uri" ] || { echo "apt-sources: no Debian archive found in the apt sources" >&2; exit 1; }
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

want=$(cat <<SRC
# Written by hyperv-tools tests/hvhost/apt-sources.sh from the machine's sources.
Types: deb-src
URIs: $uri
Suites: $codename $codename-updates
Components: main
Signed-By: $keyring

Types: deb deb-src
URIs: $uri
Suites: $codename-backports
Components: main
Signed-By: $keyring
SRC
)

if [ ! -f "$out" ] || [ "$(cat "$out")" != "$want" ]; then
    printf '%s\n' "$want" >"$out"
    apt-get update -q
fi
