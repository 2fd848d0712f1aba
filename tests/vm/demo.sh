#!/usr/bin/env bash
# tests/vm/demo.sh: what `./run demo` shows. Boots a guest with Debian's
# stock kernel under hvhost (QEMU's software CPU as a Hyper-V host) and does
# the daemons' main job from the host's side, as a Hyper-V administrator
# would see it:
#   1. the VM's inventory (KVP intrinsic items) and its IP addresses;
#   2. a production checkpoint: the guest's filesystems freeze, the host
#      snapshots every disk in one QMP transaction, THAW; a guest write
#      waits for the thaw, the application hook ran at FREEZE, and the
#      checkpoint image is fsck-clean and ends where the freeze began;
#   3. Copy-VMFile of this project's README, with both sides' checksums;
# then powers the guest off from the host.
#
#   tests/vm/demo.sh [--kernel-flavour 6.1|6.12] [--keep] [--running]
#     --kernel-flavour K  the stock kernel to boot (default 6.12)
#     --keep              leave the VM running at the end (prints how to use it)
#     --running           use the VM already running in the demo's directory
#                         (from an earlier --keep) instead of booting one
#
# Environment: HV_BUILD_DIR (default <source>/build), HV_DEMO_DIR (the VM's
# directory, default $HV_BUILD_DIR/tests/vm/demo), HVHOST (the CLI),
# HVHOST_QEMU or HV_QEMU (the patched QEMU; default: what
# tests/hvhost/build-qemu.sh builds or has cached).
# The boot itself is the harness's: run-scenario.sh FLAVOUR boot, which builds
# the guest (build-guest.sh, cached) and checks the daemons started.
# Exit status: 0 when every step did what it shows, 1 otherwise.
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
src=$(readlink -f "$here/../..")

usage() { sed -n '12,17p' "$0" | sed 's/^# \{0,1\}//'; }
flavour=6.12
keep=
running=
while [ $# -gt 0 ]; do
    case $1 in
    --kernel-flavour) flavour=${2:-}; shift ;;
    --kernel-flavour=*) flavour=${1#*=} ;;
    --keep) keep=1 ;;
    --running) running=1 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
    shift
done
case $flavour in
6.1 | 6.12) ;;
*) echo "demo: --kernel-flavour must be 6.1 or 6.12, not '$flavour'" >&2; exit 2 ;;
esac

export HV_BUILD_DIR=${HV_BUILD_DIR:-$src/build}
export HV_VM_DIR=${HV_DEMO_DIR:-$HV_BUILD_DIR/tests/vm/demo}
export HV_FLAVOUR=$flavour
export SCENARIO=demo
# shellcheck source=lib.sh
. "$here/lib.sh"

heading() { printf '\n=== %s ===\n' "$*"; }
say() { printf '%s\n' "$*"; }
# The host command as the administrator types it, then its output.
show() {
    local a line='$ hvhost'
    for a in "$@"; do
        case $a in
        *[!A-Za-z0-9_./:=@,+-]* | '') line+=" '${a//\'/\'\\\'\'}'" ;;
        *) line+=" $a" ;;
        esac
    done
    printf '%s\n' "$line"
    host "$@" 2>&1 | sed 's/^/  /'
    return "${PIPESTATUS[0]}"
}
vm_up=
booting=
die() {
    printf '\ndemo: FAILED: %s\n' "$*" >&2
    if [ -n "$vm_up$booting" ] && [ -f "$HV_VM_DIR/console.log" ]; then
        printf 'demo: the guest console (%s), last lines:\n' "$HV_VM_DIR/console.log" >&2
        tail -n 30 "$HV_VM_DIR/console.log" | sed 's/^/  | /' >&2
    fi
    if [ -n "$vm_up$booting" ] && [ -z "$keep" ] && qemu_alive; then
        host quit >/dev/null 2>&1 || true
    fi
    [ -n "$keep" ] && [ -n "$vm_up$booting" ] && qemu_alive && printf 'demo: the VM is left running in %s (--keep)\n' "$HV_VM_DIR" >&2
    exit 1
}
trap 'die "interrupted"' INT TERM

hv_find_hvhost || die "no hvhost CLI in $HV_BUILD_DIR/tests/hvhost/cli (build first: ./run build), or set HVHOST"
if [ -z "${HV_QEMU:-}" ]; then
    if [ -z "${HVHOST_QEMU:-}" ]; then
        say "demo: building (or finding the cached) hvhost QEMU: tests/hvhost/build-qemu.sh"
        HVHOST_QEMU=$("$src/tests/hvhost/build-qemu.sh") || die "tests/hvhost/build-qemu.sh failed"
    fi
    HV_QEMU=$HVHOST_QEMU
fi
[ -x "$HV_QEMU" ] || die "no QEMU binary at $HV_QEMU"
export HV_QEMU HVHOST_QEMU=$HV_QEMU

# ---- the guest -----------------------------------------------------------------------

heading "Booting a Debian $flavour stock-kernel guest under hvhost"
say "QEMU: $HV_QEMU (-accel tcg, no KVM)"
say "VM directory: $HV_VM_DIR"
if [ -n "$running" ]; then
    { [ -S "$HV_VM_DIR/qmp.sock" ] && qemu_alive; } || die "--running: no VM is running in $HV_VM_DIR"
    vm_up=1
    flavour=$(cat "$HV_VM_DIR/flavour" 2>/dev/null || echo "$flavour")
else
    booting=1
    "$here/run-scenario.sh" "$flavour" boot
    rc=$?
    qemu_alive && vm_up=1
    [ $rc -eq 0 ] || die "the $flavour guest did not boot cleanly (run-scenario.sh $flavour boot: exit $rc)"
fi
gexec true >/dev/null || die "the guest agent does not answer"
say "guest: $(gexec 'uname -sr; cat /etc/hostname' | paste -sd' ')"
work=$HV_VM_DIR/work/demo
rm -rf "$work"
mkdir -p "$work"

# ---- 1. inventory --------------------------------------------------------------------

heading "1. VM inventory: the guest's intrinsic KVP items (pool 2)"
show kvp list auto || die "hvhost kvp list auto failed"
n=$(host_json kvp list auto | json 'len(items(d))') || die "cannot read the auto pool as JSON"
[ "$n" = 10 ] || die "the guest reports $n intrinsic items, expected 10"

heading "1b. The VM's IP configuration, by its NIC's MAC address"
mac=$(guest_mac) || die "cannot read the NIC's MAC address"
show ip get "$mac" || die "hvhost ip get $mac failed"
ip4=$(guest_ipv4)
host_json ip get "$mac" | json 'find(d, "addresses")' | grep -q "^$ip4\(/\|$\)" ||
    die "the host's view of $mac lacks the guest's address $ip4"

heading "1c. Data from the host, as the guest reads it (pool 0)"
show kvp set external DemoOwner "hyperv-tools demo, $(date -u +%F)" || die "hvhost kvp set failed"
say "guest\$ hv-kvp get external DemoOwner"
v=$(gexec 'hv-kvp get external DemoOwner') || die "the guest cannot read DemoOwner"
say "  $v"

# ---- 2. backup -----------------------------------------------------------------------

heading "2. A production checkpoint: FREEZE, a snapshot of every disk, THAW"
gexec 'grep -q " /mnt/data ext4 " /proc/mounts' || die "the guest has no ext4 /mnt/data to freeze"
hooks0=$(gexec 'cat /run/hvtest/vss-hook.log 2>/dev/null | wc -l')
log0=$(gexec 'wc -l </run/log/hv_vss_daemon.log')
# A guest application that appends a line to /mnt/data every 0.2 s and
# records, on tmpfs (never frozen), when each write started and completed.
say "guest: an application appends to /mnt/data/app.log every 0.2 s, timing each write"
gexec 'rm -f /run/hvtest/demo-writes /run/hvtest/demo-stop /mnt/data/app.log
    (i=0; while [ ! -e /run/hvtest/demo-stop ] && [ $i -lt 1500 ]; do
        i=$((i + 1)); read s _ </proc/uptime
        echo "entry $i at $s" >>/mnt/data/app.log
        read e _ </proc/uptime; echo "$i $s $e" >>/run/hvtest/demo-writes
        sleep 0.2
    done) >/dev/null 2>&1 &' || die "cannot start the guest writer"
wait_until 30 gexec '[ "$(wc -l </run/hvtest/demo-writes)" -ge 3 ]' || die "the guest writer does not write"

# Run by hvhost backup after the snapshot, while the guest is still frozen
# (where a backup application would start copying the checkpoint images).
cat >"$work/snapshot.sh" <<EOS
#!/usr/bin/env bash
# Notes the guest's clock and state while frozen, then holds the freeze 2 s.
g() { "$HVHOST" exec -- "\$*"; }
up() { g 'cut -d" " -f1 /proc/uptime'; }
echo "frozen-at \$(up)" >"$work/snapshot.times"
echo "[host] guest frozen, disks snapshotted; hook record: \$(g 'tail -n 1 /run/hvtest/vss-hook.log')"
echo "[host] guest daemon: \$(g 'hv_vss_daemon --status' | head -n 1)"
echo "[host] holding the freeze 2 s"
sleep 2
echo "thaw-at \$(up)" >>"$work/snapshot.times"
EOS
chmod +x "$work/snapshot.sh"
mkdir -p "$work/checkpoints"
printf '$ hvhost backup --checkpoint --checkpoint-dir %s --exec %s\n' "$work/checkpoints" "$work/snapshot.sh"
host backup --checkpoint --checkpoint-dir "$work/checkpoints" --exec "$work/snapshot.sh" >"$work/backup.out" 2>&1
rc=$?
sed 's/^/  /' "$work/backup.out"
gexec 'touch /run/hvtest/demo-stop' >/dev/null
[ "$rc" -eq 0 ] || die "hvhost backup failed (exit $rc)"
frozen_at=$(sed -n 's/^frozen-at //p' "$work/snapshot.times" 2>/dev/null)
thaw_at=$(sed -n 's/^thaw-at //p' "$work/snapshot.times" 2>/dev/null)
{ [ -n "$frozen_at" ] && [ -n "$thaw_at" ]; } || die "the snapshot command did not run while frozen"
sleep 0.5
writes=$(gexec 'cat /run/hvtest/demo-writes') || die "cannot read the guest writer's times"
# The write that waited longest, and whether it spanned the thaw.
read -r wn ws we < <(printf '%s\n' "$writes" |
    awk '{ d = $3 - $2; if (d > best) { best = d; l = $0 } } END { print l }')
[ -n "${wn:-}" ] || die "the guest writer recorded nothing"
hooks=$(gexec "tail -n +$((hooks0 + 1)) /run/hvtest/vss-hook.log") || die "no hook record"
say
say "timeline, on the guest's clock (uptime, s):"
{
    printf '%s\n' "$hooks" | awk '{ printf "%s the application hook runs: %s\n", $2, $1 }'
    printf '%s write #%s to /mnt/data starts\n' "$ws" "$wn"
    printf '%s the host is told FROZEN and starts its snapshot command\n' "$frozen_at"
    printf '%s the snapshot command ends: the host sends THAW\n' "$thaw_at"
    printf '%s write #%s to /mnt/data completes\n' "$we" "$wn"
} | sort -n -s -k1,1 | awk '{ t = $1; $1 = ""; printf "  %8.2f %s\n", t, substr($0, 2) }'
awk -v s="$ws" -v e="$we" -v t="$thaw_at" 'BEGIN { exit !(s + 0 <= t + 0 && e + 0 >= t + 0 && e - s >= 1.0) }' ||
    die "no guest write waited for the thaw (longest: #$wn, $ws -> $we; thaw after $thaw_at)"
say "write #$wn waited $(awk -v s="$ws" -v e="$we" 'BEGIN { printf "%.2f", e - s }') s: it completed only after THAW"
gexec "grep -q '^entry $wn at ' /mnt/data/app.log" || die "write #$wn is not in /mnt/data/app.log"
[ "$(printf '%s\n' "$hooks" | cut -d' ' -f1 | tr '\n' ' ')" = "freeze thaw " ] ||
    die "the hook ran as '$(printf '%s' "$hooks" | paste -sd' ')', expected freeze then thaw"
say
say "the checkpoint, on the host:"
data_img=
while read -r _ dev img _ overlay; do
    raw=$(raw_image "$img" "$work/${dev%:}.raw") || die "qemu-img cannot read the checkpoint image $img"
    e2fsck -fn "$raw" >"$work/${dev%:}.fsck" 2>&1 || die "the checkpoint image $img of ${dev%:} is not fsck-clean"
    say "  ${dev%:}: $img (read-only now; the VM writes to $(basename "$overlay")): e2fsck clean"
    [ "$(blkid -p -s LABEL -o value "$raw" 2>/dev/null)" = hvdata ] && data_img=$raw
done < <(grep -E '^checkpoint [^ ]+: .+ -> ' "$work/backup.out")
[ -n "$data_img" ] || die "the checkpoint has no image of the data disk"
last=$(debugfs -R "cat /app.log" "$data_img" 2>/dev/null | tail -n 1)
say "  the data disk's checkpoint ends with: '$last'"
k=${last#entry }
k=${k%% *}
{ [ -n "$k" ] && [ "$k" -lt "$wn" ] 2>/dev/null; } ||
    die "the checkpoint's app.log ends with '$last': the write held by the freeze (#$wn) is in it"
say "  the held write #$wn is not in it: the checkpoint is the filesystem as the freeze left it"
say "hv_vss_daemon's log since the backup (kept in memory while frozen):"
wait_until 10 gexec "tail -n +$((log0 + 1)) /run/log/hv_vss_daemon.log | grep -q 'hook: thaw'" ||
    die "the hook's output is not in hv_vss_daemon's log"
gexec "tail -n +$((log0 + 1)) /run/log/hv_vss_daemon.log" | tail -n 12 | sed 's/^/  /'

# ---- 3. Copy-VMFile ------------------------------------------------------------------

heading "3. Copy-VMFile: README.md from the host into the guest"
node=$(gexec '[ -c /dev/vmbus/hv_fcopy ] && echo "/dev/vmbus/hv_fcopy (hv_utils)" || echo "uio_hv_generic (the daemon drives the ring)"')
say "transport in this guest: $node"
gexec 'rm -f /tmp/README.md' >/dev/null
(cd "$src" && show copy-vmfile README.md /tmp/README.md) || {
    say "hv_fcopy_daemon's log in the guest (/run/log/hv_fcopy_daemon.log):"
    gexec 'tail -n 15 /run/log/hv_fcopy_daemon.log' | sed 's/^/  /'
    die "hvhost copy-vmfile failed"
}
hsum=$(sha256sum <"$src/README.md" | cut -d' ' -f1)
gsum=$(gexec "sha256sum </tmp/README.md | cut -d' ' -f1") || die "the guest has no /tmp/README.md"
printf '  host  README.md        sha256 %s\n  guest /tmp/README.md   sha256 %s\n' "$hsum" "$gsum"
[ "$hsum" = "$gsum" ] || die "the guest's copy differs from the host's file"
say "  identical ($(wc -c <"$src/README.md") bytes)"

check_console=$(console_check 0 2>&1) || { printf '%s\n' "$check_console"; die "kernel trouble on the guest console"; }

# ---- the end -------------------------------------------------------------------------

if [ -n "$keep" ]; then
    heading "The VM keeps running (--keep)"
    cat <<EOF
Talk to it with hvhost (it finds the VM through HVHOST_DIR):
  export HVHOST_DIR=$HV_VM_DIR
  $HVHOST kvp list auto
  $HVHOST backup
  $HVHOST exec -- uname -a
  $HVHOST stop-vm            # power it off
Guest console: $HV_VM_DIR/console.log
Run the demo again on it: $0 --running
EOF
    exit 0
fi

heading "Powering the guest off from the host"
show stop-vm || die "hvhost stop-vm failed"
wait_until 90 eval '! qemu_alive' || die "QEMU still runs 90 s after stop-vm"
vm_up=''
booting=
grep -q 'reboot: Power down' "$HV_VM_DIR/console.log" || die "the guest did not power down cleanly"
say "the guest shut down and powered off; QEMU exited"
say
say "demo: all steps succeeded"
