#!/usr/bin/env bash
# Builds a test guest for hvhost: a stock Debian kernel and an initramfs with
# busybox, the project's daemons and the modules they meet on Hyper-V.
#
#   tests/vm/build-guest.sh FLAVOUR [BUILD-DIR] [MODSET]
#
#   FLAVOUR    6.1   the kernel linux-image-amd64 depends on in bookworm
#              6.12  the kernel linux-image-amd64 depends on in bookworm-backports
#   BUILD-DIR  a CMake build of this tree (default $HV_BUILD_DIR, else build/)
#   MODSET     the module set (default $HV_MODSET, else stock):
#              stock       every module Debian's
#              ours-vmbus  our hv_vmbus; Debian's hv_utils, uio_hv_generic,
#                          hv_storvsc, hv_netvsc on top of it
#              ours-utils  Debian's hv_vmbus, our hv_utils
#              ours        our hv_vmbus and hv_utils (and our hv_storvsc,
#                          hv_netvsc once the build makes them); Debian's
#                          uio_hv_generic (and storvsc/netvsc until then)
#              For a set other than stock our modules are built first with
#              kernel/scripts/build.sh KVER BUILD-DIR/kernel/KVER (make is
#              incremental; log in guest/<flavour>-<set>/kernel-build.log),
#              and each of ours replaces Debian's module of the same name in
#              the image, at the same place in the load order.
#
# Everything goes to ${HV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hyperv-tools}:
#   debs/                      the kernel packages (apt-get download)
#   kernels/<kver>/            each package extracted
#   guest/initrd-<hash>.cpio.gz  initramfs, keyed by the hash of its contents
#   guest/root-<hash>.img      the same system as an ext4 root disk (label
#                              hvroot, 2 GiB sparse), with fio, iperf3 and
#                              sg_reset too
#   guest/<flavour>/vmlinuz, initrd.img, root.img, kver   what a boot uses
#   guest/<flavour>/modules    the VMBus modules in the image, one line each:
#                              "NAME ours|stock BUILD-ID" (the GNU build id
#                              of the .ko, as /sys/module/NAME/notes has it)
# A set other than stock uses initrd-<flavour>-<set>-<hash>.cpio.gz,
# root-<flavour>-<set>-<hash>.img and guest/<flavour>-<set>/ instead, so
# sets never overwrite each other; the stock set's image is the same, byte
# for byte, as before sets existed.
# The last line printed is "KERNEL=... INITRD=... ROOT=... MODULES=...". The
# initramfs boots on its own, or with hvtest.root=LABEL=hvroot from the disk
# (a boot copies root.img: the cached one stays pristine).
#
# Package names are resolved through apt-cache at run time; bookworm-backports
# must be in apt's sources (tests/hvhost/apt-sources.sh adds it). Needs root
# (the initramfs carries a /dev/console node), cpio, xz, busybox-static and
# e2fsprogs.
set -euo pipefail

here=$(dirname "$(readlink -f "$0")")
src=$(readlink -f "$here/../..")
flavour=${1:?usage: build-guest.sh 6.1|6.12 [BUILD-DIR] [MODSET]}
build=${2:-${HV_BUILD_DIR:-$src/build}}
modset=${3:-${HV_MODSET:-stock}}
cache=${HV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hyperv-tools}

log() { printf 'build-guest[%s]: %s\n' "${tag:-$flavour}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Which of the image's modules are ours: required ones must be built,
# optional ones replace Debian's when the build made them.
case $modset in
stock) ours_required=() ours_optional=() ;;
ours-vmbus) ours_required=(hv_vmbus) ours_optional=() ;;
ours-utils) ours_required=(hv_utils) ours_optional=() ;;
ours) ours_required=(hv_vmbus hv_utils) ours_optional=(hv_storvsc hv_netvsc) ;;
*) die "unknown module set '$modset' (stock, ours-vmbus, ours-utils or ours)" ;;
esac
# Everything of a set but stock is named after it.
if [ "$modset" = stock ]; then tag=$flavour; else tag=$flavour-$modset; fi

[ "$(id -u)" -eq 0 ] || die "needs root (device nodes in the initramfs)"
for t in apt-cache apt-get dpkg-deb cpio gzip xz sha256sum ldd readelf; do
    command -v "$t" >/dev/null || die "$t is not installed"
done
busybox=$(command -v busybox) || die "busybox-static is not installed"
if ldd "$busybox" >/dev/null 2>&1; then die "$busybox is not static (install busybox-static)"; fi

mkdir -p "$cache/debs" "$cache/kernels" "$cache/guest"
exec 9>"$cache/guest/.lock-$flavour"
flock 9

# ---- the kernel package ------------------------------------------------------

# The kernel image package of the flavour, resolved through apt as
# kernel-version.sh does for the headers (run setup installs them).
pkg=$("$here/kernel-version.sh" --package "$flavour") || die "no $flavour kernel package"
kver=${pkg#linux-image-}

deb=$(ls "$cache/debs/${pkg}"_*.deb 2>/dev/null | sort -V | tail -n1 || true)
if [ -z "$deb" ]; then
    log "downloading $pkg"
    (cd "$cache/debs" && apt-get download -q "$pkg" >&2)
    deb=$(ls "$cache/debs/${pkg}"_*.deb | sort -V | tail -n1)
fi
pkgver=$(dpkg-deb -f "$deb" Version)
kroot=$cache/kernels/$kver
if [ ! -f "$kroot/boot/vmlinuz-$kver" ] || [ ! -d "$kroot/lib/modules/$kver" ]; then
    log "extracting $deb"
    rm -rf "$kroot.tmp"
    dpkg-deb -x "$deb" "$kroot.tmp"
    rm -rf "$kroot"
    mv "$kroot.tmp" "$kroot"
fi
mods=$kroot/lib/modules/$kver
log "kernel $pkg $pkgver"
out=$cache/guest/$tag
mkdir -p "$out"

# ---- our modules ---------------------------------------------------------------

# name -> our .ko, for the modules of the set that are ours.
declare -A ours_ko=()
if [ "$modset" != stock ]; then
    kbuild=$build/kernel/$kver
    klog=$out/kernel-build.log
    [ -f "/lib/modules/$kver/build/Makefile" ] ||
        die "no kernel headers for $kver at /lib/modules/$kver/build (install linux-headers-$kver): the $modset set needs our modules built for it"
    log "building our modules for $kver in $kbuild (log $klog)"
    if ! nice -n 10 "$src/kernel/scripts/build.sh" "$kver" "$kbuild" >"$klog" 2>&1; then
        grep -E -m 20 'error|Error|\*\*\*' "$klog" | sed 's/^/    /' >&2 || true
        tail -n 5 "$klog" | sed 's/^/    /' >&2
        die "our kernel modules do not build for $kver (kernel/scripts/build.sh $kver $kbuild; whole log: $klog): the $modset set cannot be made"
    fi
    for m in "${ours_required[@]}" "${ours_optional[@]}"; do
        f=$(find "$kbuild" -name "$m.ko" -type f | head -n1)
        if [ -z "$f" ]; then
            case " ${ours_required[*]} " in
            *" $m "*) die "the kernel build made no $m.ko under $kbuild (the $modset set needs it)" ;;
            esac
            continue
        fi
        desc=$(modinfo -F description "$f" 2>/dev/null | head -n1)
        case $desc in
        hyperv-tools*) ;;
        *) log "warning: $f's description is '$desc', not 'hyperv-tools ...'" ;;
        esac
        ours_ko[$m]=$f
        log "ours: $m from $f"
    done
fi

# ---- the daemons ---------------------------------------------------------------

daemons=(daemons/kvp/hv_kvp_daemon daemons/kvp/hv-kvp daemons/vss/hv_vss_daemon
    daemons/fcopy/hv_fcopy_daemon)
for d in "${daemons[@]}"; do
    [ -x "$build/$d" ] || die "$build/$d is missing: build the tree first (cmake --build $build)"
done

# ---- staging -------------------------------------------------------------------

stage=$cache/guest/stage-$tag
rm -rf "$stage"
mkdir -p "$stage"
cd "$stage"
mkdir -p bin sbin usr/bin usr/sbin lib lib64 etc/hvtest etc/hyperv-tools/vss-hooks.d \
    proc sys dev run tmp mnt/data root var/lib/hyperv var/lib/hvtest usr/share/hvtest \
    "lib/modules/$kver"
ln -s ../run var/run
chmod 1777 tmp
chmod 0700 root

cp "$busybox" bin/busybox
# Applet links, except where the guest has a program of its own.
while read -r applet; do
    case $applet in
    sbin/init | sbin/hvagent | linuxrc) continue ;;
    esac
    [ -e "$applet" ] || ln -s /bin/busybox "$applet"
done < <(bin/busybox --list-full)
ln -sf /bin/busybox sbin/init

# Copies a file and every library it loads, each to the path the host has
# it at, into the tree $into (default: the stage).
copy_elf() {
    local f=$1 dest=${2:-$1} lib into=${into:-$stage}
    mkdir -p "$into/$(dirname "$dest")"
    cp -L "$f" "$into/$dest"
    for lib in $(ldd "$f" 2>/dev/null | awk '/=>/ { print $3 } /^\t\// { print $1 }'); do
        [ -e "$into$lib" ] && continue
        mkdir -p "$into$(dirname "$lib")"
        cp -L "$lib" "$into$lib"
        copy_elf "$lib"
    done
}

for d in "${daemons[@]}"; do
    copy_elf "$build/$d" "usr/sbin/$(basename "$d")"
done
# What glibc loads at run time: libgcc_s for pthread_exit/cancellation (the
# getaddrinfo_a workers), the NSS modules for files and DNS, and libresolv.
libdir=$(dirname "$(ldd "$build/daemons/kvp/hv_kvp_daemon" | awk '/libc.so.6/ { print $3 }')")
for l in libgcc_s.so.1 libnss_files.so.2 libnss_dns.so.2 libresolv.so.2; do
    [ -e "$libdir/$l" ] || die "$libdir/$l is missing"
    copy_elf "$libdir/$l" "${libdir#/}/$l"
done
mkfs=$(command -v mkfs.ext4 || echo /usr/sbin/mkfs.ext4)
[ -x "$mkfs" ] || die "mkfs.ext4 is missing (e2fsprogs)"
copy_elf "$mkfs" usr/sbin/mkfs.ext4
[ -f /etc/mke2fs.conf ] && cp /etc/mke2fs.conf etc/
# flock(1), which busybox lacks: scenarios lock the pools as cloud-init does.
copy_elf "$(command -v flock || echo /usr/bin/flock)" usr/bin/flock

# ---- modules -------------------------------------------------------------------

# The modules /init loads, in order; each one's dependencies (from the
# module's own modinfo "depends=") are added before it. Built-in ones are skipped.
wanted=(crc16 crc32c_generic libcrc32c mbcache jbd2 ext4 loop
    failover net_failover virtio virtio_ring virtio_pci_legacy_dev virtio_pci_modern_dev
    virtio_pci virtio_net virtio_blk virtio_scsi
    hv_vmbus hv_utils uio uio_hv_generic
    scsi_mod sd_mod sr_mod scsi_transport_fc hv_storvsc hv_netvsc)
declare -A done_mod=()
order=()
# A module's file may spell its name with dashes (t10-pi.ko for t10_pi).
mod_file() {
    local d=${1//_/-}
    find "$mods/kernel" \( -name "$1.ko" -o -name "$1.ko.xz" -o -name "$1.ko.zst" \
        -o -name "$d.ko" -o -name "$d.ko.xz" -o -name "$d.ko.zst" \) | head -n1
}
mod_cat() {
    case $1 in
    *.xz) xz -dc "$1" ;;
    *.zst) zstd -qdc "$1" ;;
    *) cat "$1" ;;
    esac
}
add_mod() {
    local m=${1//-/_} f deps d
    [ -n "${done_mod[$m]:-}" ] && return 0
    done_mod[$m]=1
    f=${ours_ko[$m]:-$(mod_file "$m")}
    if [ -z "$f" ]; then
        # Names in modules.builtin use the file name, which may have dashes.
        grep -qE "/(${m}|${m//_/-})\.ko$" "$mods/modules.builtin" && return 0
        die "module $m is neither in $pkg nor built in"
    fi
    deps=$(mod_cat "$f" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n1)
    for d in ${deps//,/ }; do add_mod "$d"; done
    if [ -n "${ours_ko[$m]:-}" ]; then
        # As modules_install with INSTALL_MOD_STRIP=1 would (the build id
        # stays).
        strip --strip-debug -o "lib/modules/$kver/$m.ko" "$f"
    else
        mod_cat "$f" >"lib/modules/$kver/$m.ko"
    fi
    order+=("$m")
}
for m in "${wanted[@]}"; do add_mod "$m"; done
printf '%s\n' "${order[@]}" >"lib/modules/$kver/load-order"
# For busybox modprobe (the kernel's request_module): name-based modules.dep.
for m in "${order[@]}"; do
    deps=$(mod_cat "lib/modules/$kver/$m.ko" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n1)
    line="$m.ko:"
    for d in ${deps//,/ }; do [ -f "lib/modules/$kver/${d//-/_}.ko" ] && line+=" ${d//-/_}.ko"; done
    printf '%s\n' "$line"
done >"lib/modules/$kver/modules.dep"
log "modules: ${order[*]}"
# The VMBus modules of the image and whose they are, for the boot's check
# that the loaded modules are these (their build ids).
build_id() {
    readelf -n "$1" 2>/dev/null | awk '/Build ID:/ { print $3; exit }'
}
for m in hv_vmbus hv_utils uio_hv_generic hv_storvsc hv_netvsc; do
    [ -f "lib/modules/$kver/$m.ko" ] || continue
    whose=stock
    [ -n "${ours_ko[$m]:-}" ] && whose=ours
    printf '%s %s %s\n' "$m" "$whose" "$(build_id "lib/modules/$kver/$m.ko")"
done >"$out/modules.tmp"

# ---- configuration ------------------------------------------------------------

cat >etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >etc/group <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
echo hvguest >etc/hostname
cat >etc/hosts <<'EOF'
127.0.0.1	localhost
127.0.1.1	hvguest.hvtest.internal hvguest
::1	localhost ip6-localhost ip6-loopback
EOF
cat >etc/nsswitch.conf <<'EOF'
passwd: files
group: files
hosts: files dns
networks: files
protocols: files
services: files
EOF
: >etc/resolv.conf
# Debian 12's own, so the KVP intrinsic OS items are real.
if [ -f /usr/lib/os-release ]; then
    mkdir -p usr/lib
    cp /usr/lib/os-release usr/lib/os-release
    cp /usr/lib/os-release etc/os-release
fi
grep -q '^VERSION_ID="12"' etc/os-release 2>/dev/null ||
    log "note: the build machine is not Debian 12; os-release is its own"
echo "$kver" >etc/hvtest/kver
echo "$flavour" >etc/hvtest/flavour
# (Not in the stock set's image, which stays as it was before sets.)
[ "$modset" = stock ] || echo "$modset" >etc/hvtest/modset

install -m 0755 "$here/guest/init" init
install -m 0755 "$here/guest/rc" etc/hvtest/rc
install -m 0755 "$here/guest/svc" etc/hvtest/svc
install -m 0755 "$here/guest/shutdown" etc/hvtest/shutdown
install -m 0755 "$here/guest/udhcpc.script" etc/hvtest/udhcpc.script
install -m 0644 "$here/guest/fcopy-bind.sh" etc/hvtest/fcopy-bind.sh
install -m 0644 "$here/guest/inittab" etc/inittab
install -m 0755 "$here/guest/hvagent" sbin/hvagent
install -m 0755 "$here/guest/vss-hook" etc/hyperv-tools/vss-hooks.d/50-hvtest
install -m 0755 "$here/guest/hv_set_ifconfig" usr/share/hvtest/hv_set_ifconfig

mknod -m 0600 dev/console c 5 1
mknod -m 0666 dev/null c 1 3

# ---- pack, keyed by the hash of the contents -------------------------------------

hash=$( (
    echo "$pkg $pkgver"
    find . -printf '%y %m %l %p\n' | LC_ALL=C sort
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
) | sha256sum | cut -c1-16)
initrd=$cache/guest/initrd-$tag-$hash.cpio.gz
if [ ! -f "$initrd" ]; then
    log "packing $(du -sh . | cut -f1) into $initrd"
    find . -mindepth 1 -print0 | LC_ALL=C sort -z |
        cpio --null -o -H newc -R 0:0 --quiet | gzip -6 >"$initrd.tmp"
    mv "$initrd.tmp" "$initrd"
else
    log "up to date: $initrd"
fi
# ---- the root disk: the same tree plus the disk and network load tools ----------

# fio, iperf3 and sg_reset with their libraries are too big for an
# initramfs that every boot unpacks; on the disk they cost nothing until used.
tools=()
for t in fio iperf3 sg_reset; do
    p=$(command -v "$t") || die "$t is not installed"
    tools+=("$p")
done
rhash=$( (
    echo "$hash"
    for t in "${tools[@]}"; do
        sha256sum "$t"
        ldd "$t" | awk '/=>/ { print $3 }' | xargs -r sha256sum
    done
    sha256sum "$mkfs"
) | sha256sum | cut -c1-16)
rootimg=$cache/guest/root-$tag-$rhash.img
if [ ! -f "$rootimg" ]; then
    rstage=$cache/guest/rstage-$tag
    rm -rf "$rstage"
    cp -a "$stage" "$rstage"
    for t in "${tools[@]}"; do into=$rstage copy_elf "$t" "usr/bin/$(basename "$t")"; done
    log "making the root disk $rootimg ($(du -sh "$rstage" | cut -f1))"
    rm -f "$rootimg.tmp"
    "$mkfs" -q -F -t ext4 -L hvroot -d "$rstage" \
        -E lazy_itable_init=1,lazy_journal_init=1,nodiscard "$rootimg.tmp" 2G
    mv "$rootimg.tmp" "$rootimg"
    rm -rf "$rstage"
else
    log "up to date: $rootimg"
fi

ln -sfn "$kroot/boot/vmlinuz-$kver" "$out/vmlinuz"
ln -sfn "$initrd" "$out/initrd.img"
ln -sfn "$rootimg" "$out/root.img"
echo "$kver" >"$out/kver"
mv "$out/modules.tmp" "$out/modules"
# Old images of this flavour and set, but the newest three (a VM may be
# starting on one). The hash is 16 characters: another set's longer names
# do not match.
touch "$initrd" "$rootimg"
h16='????????????????'
ls -t "$cache/guest/initrd-$tag-"$h16.cpio.gz | tail -n +4 | xargs -r rm -f
ls -t "$cache/guest/root-$tag-"$h16.img | tail -n +4 | xargs -r rm -f
echo "KERNEL=$out/vmlinuz INITRD=$out/initrd.img ROOT=$out/root.img MODULES=$out/modules"
