#!/bin/bash
# SPDX-License-Identifier: MIT
#
# packaging/build-deb.sh [--check] OUTDIR
#
# Builds the Debian source and binary packages from this tree (tracked and
# untracked files, not what .gitignore excludes) in OUTDIR: hyperv-tools,
# and hyperv-tools-dkms when kernel/ has sources (else with the build
# profile pkg.hyperv-tools.nodkms). No tests inside the build (nocheck),
# parallel=2.
#
# --check then fails unless lintian reports no error or warning, the .deb
# holds exactly what tests/pkg/manifest.txt lists, and each control field
# the replacement of hyperv-daemons relies on is there.
set -euo pipefail

CHECK=
[ "${1:-}" = --check ] && { CHECK=1; shift; }
OUT=${1:?usage: $0 [--check] OUTDIR}
SRC=$(cd "$(dirname "$0")/.." && pwd)

for tool in dpkg-buildpackage dh cmake; do
	command -v $tool >/dev/null || { echo "SKIP: $tool missing (./run setup installs it)"; exit 77; }
done

. "$SRC/packaging/common.sh"
hv_require_daemons

VERSION=$(dpkg-parsechangelog -l "$SRC/packaging/debian/changelog" -S Version)
UPSTREAM=${VERSION%-*}
hv_check_version "$UPSTREAM" debian/changelog

rm -rf "$OUT"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TREE=$OUT/hyperv-tools-$UPSTREAM

# The upstream tree, as git would ship it.
hv_export_tree "$TREE"
tar -C "$OUT" -cJf "$OUT/hyperv-tools_$UPSTREAM.orig.tar.xz" "hyperv-tools-$UPSTREAM"
cp -a "$SRC/packaging/debian" "$TREE/debian"

PROFILES=
if ! hv_have_kernel; then
	PROFILES=pkg.hyperv-tools.nodkms
	echo "kernel/ has no sources yet: building without hyperv-tools-dkms"
fi

echo "dpkg-buildpackage in $TREE (log: $OUT/build.log)"
if ! (cd "$TREE" && DEB_BUILD_OPTIONS="nocheck parallel=2" DEB_BUILD_PROFILES="$PROFILES" \
	dpkg-buildpackage -us -uc ${PROFILES:+-P$PROFILES} >"$OUT/build.log" 2>&1); then
	tail -n 40 "$OUT/build.log"
	echo "FAIL: dpkg-buildpackage"
	exit 1
fi
ls "$OUT"/*.deb

[ -n "$CHECK" ] || exit 0
set +e  # each check reports itself
fails=0 passes=0
result() { if [ "$1" -eq 0 ]; then passes=$((passes + 1)); else fails=$((fails + 1)); echo "FAIL: $2"; fi; }

CHANGES=$(ls "$OUT"/hyperv-tools_*.changes)
if command -v lintian >/dev/null; then
	lintian --fail-on error,warning --display-info --tag-display-limit 0 "$CHANGES" \
		>"$OUT/lintian.log" 2>&1; rc=$?
	cat "$OUT/lintian.log"
	result $rc "lintian reported errors or warnings"
else
	echo "FAIL: lintian missing"; fails=$((fails + 1))
fi

DEB=$(ls "$OUT"/hyperv-tools_*.deb)
dpkg-deb -c "$DEB" >"$OUT/contents.txt"
targets=
for p in usr/sbin/hv_kvp_daemon usr/bin/hv-kvp usr/sbin/hv_vss_daemon usr/sbin/hv_fcopy_daemon; do
	grep -q " \./$p\$" "$OUT/contents.txt" && targets=$targets,$(basename $p)
done
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd)
udevdir=$(pkg-config --variable=udevdir udev)
python3 "$SRC/tests/pkg/check-manifest.py" "$SRC/tests/pkg/manifest.txt" "${targets#,}" \
	SBINDIR=/usr/sbin BINDIR=/usr/bin UNITDIR="$unitdir" RULESDIR="$udevdir/rules.d" \
	SYSCONFDIR=/etc/hyperv-tools MANDIR=/usr/share/man STATEDIR=/var/lib/hyperv \
	-- deb "$DEB"
result $? "files of $DEB"

fields=$(dpkg-deb -f "$DEB" Conflicts Replaces Provides)
for want in "Conflicts: hyperv-daemons" "Replaces: hyperv-daemons" "Provides: hyperv-daemons"; do
	grep -q "^$want" <<<"$fields"; result $? "$DEB: no '$want'"
done
for f in conffiles postinst prerm; do
	dpkg-deb --ctrl-tarfile "$DEB" | tar -t >"$OUT/control.txt"
	grep -qx "./$f" "$OUT/control.txt"; result $? "$DEB: no $f"
done
dpkg-deb --info "$DEB" conffiles >"$OUT/conffiles.txt" 2>/dev/null
for c in kvp vss fcopy; do
	if grep -q "etc/hyperv-tools/$c.conf\$" "$OUT/contents.txt"; then
		grep -qx "/etc/hyperv-tools/$c.conf" "$OUT/conffiles.txt"
		result $? "/etc/hyperv-tools/$c.conf is not a conffile"
	fi
done

if [ -z "$PROFILES" ]; then
	DKMS=$(ls "$OUT"/hyperv-tools-dkms_*.deb)
	for p in dkms.conf kernel/Kbuild include/hyperv/kvp.h; do
		dpkg-deb -c "$DKMS" >"$OUT/dkms-contents.txt"
		grep -q "usr/src/hyperv-tools-$UPSTREAM/$p\$" "$OUT/dkms-contents.txt"
		result $? "$DKMS: no usr/src/hyperv-tools-$UPSTREAM/$p"
	done
fi
echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
