#!/bin/bash
# SPDX-License-Identifier: MIT
#
# packaging/build-rpm.sh [--check] OUTDIR
#
# Builds the RPMs from this tree with packaging/rpm/hyperv-tools.spec:
# hyperv-tools, and hyperv-tools-dkms when kernel/ has sources (else
# --without dkms). On a machine without Fedora's build macros (Debian CI)
# packaging/rpm/macros.debian stands in for them, and build dependencies
# are not checked (--nodeps: they are Debian packages here).
#
# --check then runs rpmlint on the spec and the packages (no error, no
# warning) and compares the package's files with tests/pkg/manifest.txt.
set -euo pipefail

CHECK=
[ "${1:-}" = --check ] && { CHECK=1; shift; }
OUT=${1:?usage: $0 [--check] OUTDIR}
SRC=$(cd "$(dirname "$0")/.." && pwd)
SPEC=$SRC/packaging/rpm/hyperv-tools.spec

command -v rpmbuild >/dev/null || { echo "SKIP: rpmbuild missing (Debian package rpm)"; exit 77; }

. "$SRC/packaging/common.sh"
hv_require_daemons

VERSION=$(sed -n 's/^Version: *//p' "$SPEC")
hv_check_version "$VERSION" "the spec"

rm -rf "$OUT"
mkdir -p "$OUT"/{SOURCES,SPECS,BUILD,RPMS,SRPMS,tree}
OUT=$(cd "$OUT" && pwd)
TREE=$OUT/tree/hyperv-tools-$VERSION
hv_export_tree "$TREE"
tar -C "$OUT/tree" -czf "$OUT/SOURCES/hyperv-tools-$VERSION.tar.gz" "hyperv-tools-$VERSION"
cp "$SPEC" "$OUT/SPECS/"

ARGS=(--define "_topdir $OUT")
if [ -z "$(rpm --eval '%{?cmake_build}')" ]; then
	ARGS+=(--load "$SRC/packaging/rpm/macros.debian" --nodeps)
fi
if ! hv_have_kernel; then
	ARGS+=(--without dkms)
	echo "kernel/ has no sources yet: building without hyperv-tools-dkms"
fi
echo "rpmbuild (log: $OUT/build.log)"
if ! rpmbuild -ba "${ARGS[@]}" "$OUT/SPECS/hyperv-tools.spec" >"$OUT/build.log" 2>&1; then
	tail -n 40 "$OUT/build.log"
	echo "FAIL: rpmbuild"
	exit 1
fi
find "$OUT/RPMS" "$OUT/SRPMS" -name '*.rpm'

[ -n "$CHECK" ] || exit 0
set +e	# each check reports itself
fails=0 passes=0
result() { if [ "$1" -eq 0 ]; then passes=$((passes + 1)); else fails=$((fails + 1)); echo "FAIL: $2"; fi; }

if command -v rpmlint >/dev/null; then
	rpmlint -c "$SRC/packaging/rpm/rpmlint.toml" "$SPEC" \
		$(find "$OUT/RPMS" "$OUT/SRPMS" -name '*.rpm') >"$OUT/rpmlint.log" 2>&1
	cat "$OUT/rpmlint.log"
	grep -Eq '^ *[0-9]+ packages and [0-9]+ specfiles checked; 0 errors, 0 warnings' "$OUT/rpmlint.log"
	result $? "rpmlint reported errors or warnings"
else
	result 1 "rpmlint missing"
fi

RPM=$(find "$OUT/RPMS" -name "hyperv-tools-$VERSION-*.rpm" ! -name '*dkms*' | head -n 1)
rpm -qlp --dump "$RPM" 2>/dev/null | awk '{print $1, $11, $12}' >"$OUT/contents.txt"
mkdir -p "$OUT/root"
(cd "$OUT/root" && rpm2cpio "$RPM" | cpio -idm --quiet)
targets=
for p in usr/sbin/hv_kvp_daemon usr/bin/hv-kvp usr/sbin/hv_vss_daemon usr/sbin/hv_fcopy_daemon; do
	[ -e "$OUT/root/$p" ] || [ -L "$OUT/root/$p" ] && targets=$targets,$(basename $p)
done
# hv_kvp_daemon is a link into libexec here (see the spec); the rest as everywhere.
python3 - "$SRC/tests/pkg/manifest.txt" "$OUT/manifest.txt" <<'PY'
import sys
src, dst = sys.argv[1:3]
with open(src) as f, open(dst, "w") as o:
    for line in f:
        if line.split()[1:2] == ["@SBINDIR@/hv_kvp_daemon"]:
            o.write("hv_kvp_daemon @SBINDIR@/hv_kvp_daemon -> ../libexec/hyperv-tools/hv_kvp_daemon\n")
            o.write("hv_kvp_daemon /usr/libexec/hyperv-tools/hv_kvp_daemon\n")
        else:
            o.write(line)
PY
python3 "$SRC/tests/pkg/check-manifest.py" "$OUT/manifest.txt" "${targets#,}" \
	SBINDIR=/usr/sbin BINDIR=/usr/bin UNITDIR=/usr/lib/systemd/system \
	RULESDIR=/usr/lib/udev/rules.d SYSCONFDIR=/etc/hyperv-tools MANDIR=/usr/share/man \
	STATEDIR=/var/lib/hyperv -- tree "$OUT/root"
result $? "files of $RPM"
rpm -qp --provides --conflicts "$RPM" >"$OUT/deps.txt" 2>/dev/null
for want in "hyperv-daemons = " "hyperv-daemons < "; do
	grep -q "^$want" "$OUT/deps.txt"; result $? "$RPM: no '$want...'"
done
rpm -qp --configfiles "$RPM" >"$OUT/configfiles.txt" 2>/dev/null
grep -q '/etc/hyperv-tools/.*\.conf$' "$OUT/configfiles.txt"
result $? "$RPM: configuration files not marked %config"
echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
