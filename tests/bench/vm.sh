#!/usr/bin/env bash
# tests/bench/vm.sh (build/tests/bench/bench-vm): the daemons against real
# kernels. Boots each stock kernel (6.1, 6.12) once under hvhost (QEMU's
# software CPU, TCG, as the Hyper-V host; 2 vCPUs, 1536 MB, as the VM
# scenarios boot) and measures from the host's side, per kernel K:
#
#   vm_K_boot_to_vmbus_ready_ms   QEMU process start -> the guest kernel's
#                                 "hv_vmbus: Vmbus version" line (VMBus
#                                 connected to the host)
#   vm_K_boot_to_agent_ready_ms   QEMU process start -> the guest agent
#                                 answered (the guest's start script done)
#   vm_K_kvp_get_per_s            hv-kvp-get of a pool 1 key, over QMP
#   vm_K_kvp_enumerate_ms         hv-kvp-enumerate of pool 2 (10 items)
#   vm_K_fcopy_mb_per_s           Copy-VMFile of 100 MB into the guest's /tmp
#   vm_K_dd_fsync_mb_per_s        dd conv=fsync of 100 MB onto the same /tmp
#   vm_K_fcopy_vs_dd_ratio
#   vm_K_vss_freeze_thaw_ms       FREEZE + THAW round trip, median
#
# Prints "name: value unit" lines, the headline last, and "# ..." notes.
# Not a test: no figure passes or fails; exit 1 only if a VM could not be
# booted or a measurement could not be made (the other kernel still runs).
#
# Environment: HV_BUILD_DIR (default <source>/build), HVHOST,
# HV_QEMU/HVHOST_QEMU (default: tests/hvhost/build-qemu.sh's cached build),
# HV_BENCH_FLAVOURS (default "6.1 6.12"), HV_BENCH_FCOPY_MB (100),
# HV_BENCH_KVP_GETS (200), HV_BENCH_VSS_ROUNDS (7).
#
# What bounds the figures (all of them are TCG figures: every guest
# instruction is translated, so the guest side costs several times what it
# would on Hyper-V or KVM, and the machine's other load shows directly):
#  - boot: TCG's translation of firmware, kernel start-up and module loading;
#    the kernel's decompression alone is seconds. Split in the notes into
#    QEMU start -> kernel start, and kernel start -> the line.
#  - kvp get/enumerate: one request at a time, each a full round trip:
#    QMP -> hv-kvp's ring -> the guest's hv_utils (a VMBus interrupt on a
#    TCG vCPU) -> hv_kvp_daemon's read/answer -> the ring back. Enumerate is
#    one such round trip per item plus the last HV_S_CONT.
#  - fcopy: one 6144-byte WRITE per round trip (17,067 for 100 MB), each
#    through the guest kernel (6.1: hv_utils' chardev; 6.12: uio_hv_generic,
#    the daemon reading the ring itself), then write(2) into tmpfs.
#  - dd conv=fsync: /tmp is tmpfs (the guest's only filesystem that holds
#    100 MB; /mnt/data is 64 MB), so fsync is free and dd is the guest's
#    memory copy under TCG: the ceiling for what fcopy could reach.
#  - vss: the daemon's hooks plus FIFREEZE/FITHAW of /mnt/data (ext4 on a
#    loop device in guest RAM: the sync is cheap), two round trips.
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
src=$(readlink -f "$here/../..")
export HV_BUILD_DIR=${HV_BUILD_DIR:-$src/build}
export SCENARIO=bench-vm
# shellcheck source=../vm/lib.sh
. "$src/tests/vm/lib.sh"

flavours=${HV_BENCH_FLAVOURS:-6.1 6.12}
fcopy_mb=${HV_BENCH_FCOPY_MB:-100}
kvp_gets=${HV_BENCH_KVP_GETS:-200}
vss_rounds=${HV_BENCH_VSS_ROUNDS:-7}
work=$HV_BUILD_DIR/tests/bench/vm
mkdir -p "$work" && work=$(cd "$work" && pwd)

bench_prepare

# qmp_bench MODE ARGS...: timed QMP loops over one connection to the VM's
# monitor (the CLI runs one command per process, so a loop in it would time
# process start-up and the QMP handshake, not the guest). Prints numbers.
#   get POOL KEY N          -> requests per second (checks every answer)
#   enumerate POOL N        -> median ms, then the item count
#   freeze-thaw N           -> median ms of FREEZE+THAW, then the guest's
#                              own median freeze ms and thaw ms
#   fcopy SRC DEST          -> seconds from hv-fcopy-start until
#                              query-hv-fcopy says completed (polled every
#                              10 ms; the CLI polls every 200 ms)
qmp_bench() {
    python3 - "$HV_VM_DIR/qmp.sock" "$@" <<'EOF'
import json, socket, statistics, sys, time
path, mode, args = sys.argv[1], sys.argv[2], sys.argv[3:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
f = s.makefile("rw")
def recv():
    while True:
        line = f.readline()
        if not line:
            sys.exit("qmp: connection closed")
        m = json.loads(line)
        if "event" not in m:
            return m
def call(cmd, **a):
    f.write(json.dumps({"execute": cmd, "arguments": a} if a else {"execute": cmd}) + "\n")
    f.flush()
    m = recv()
    if "error" in m:
        sys.exit("qmp: %s: %s" % (cmd, m["error"].get("desc", m["error"])))
    return m["return"]
recv()
call("qmp_capabilities")
now = time.perf_counter
if mode == "get":
    pool, key, n = int(args[0]), args[1], int(args[2])
    want = call("hv-kvp-get", pool=pool, key=key)["value"]
    for _ in range(5):
        call("hv-kvp-get", pool=pool, key=key)
    t = now()
    for _ in range(n):
        if call("hv-kvp-get", pool=pool, key=key)["value"] != want:
            sys.exit("hv-kvp-get: the value changed")
    print("%.1f" % (n / (now() - t)))
elif mode == "enumerate":
    pool, n = int(args[0]), int(args[1])
    ms, count = [], 0
    for _ in range(n):
        t = now()
        count = len(call("hv-kvp-enumerate", pool=pool))
        ms.append((now() - t) * 1000)
    print("%.1f" % statistics.median(ms))
    print(count)
elif mode == "freeze-thaw":
    n = int(args[0])
    ms, gf, gt = [], [], []
    for _ in range(n):
        c = call("hv-vss-check")
        if c.get("status", 0) != 0:
            sys.exit("hv-vss-check: status 0x%x" % c["status"])
        t = now()
        try:
            fr = call("hv-vss-freeze")
        finally:
            th = call("hv-vss-thaw")
        ms.append((now() - t) * 1000)
        if fr.get("status", 0) != 0 or th.get("status", 0) != 0:
            sys.exit("freeze/thaw: status 0x%x/0x%x" % (fr.get("status", 0), th.get("status", 0)))
        gf.append(fr.get("ms", 0))
        gt.append(th.get("ms", 0))
        time.sleep(0.2)
    print("%.1f" % statistics.median(ms))
    print("%.1f" % statistics.median(gf))
    print("%.1f" % statistics.median(gt))
elif mode == "fcopy":
    source, destination = args[0], args[1]
    t = now()
    call("hv-fcopy-start", source=source, destination=destination)
    while True:
        q = call("query-hv-fcopy")
        if q.get("state") != "running":
            break
        if now() - t > 1800:
            call("hv-fcopy-cancel")
            sys.exit("fcopy: not done after 1800 s")
        time.sleep(0.01)
    secs = now() - t
    if q.get("state") != "completed":
        sys.exit("fcopy: %s" % json.dumps(q))
    print("%.3f" % secs)
EOF
}

# Epoch seconds: when the QEMU process started (/proc/PID/stat, 10 ms
# resolution) and the last write to a file.
qemu_start_epoch() {
    python3 - "$(cat "$HV_VM_DIR/qemu.pid")" <<'EOF'
import os, sys
pid = sys.argv[1]
with open("/proc/%s/stat" % pid) as f:
    start = int(f.read().rsplit(")", 1)[1].split()[19])
with open("/proc/stat") as f:
    btime = next(int(l.split()[1]) for l in f if l.startswith("btime "))
print("%.3f" % (btime + start / os.sysconf("SC_CLK_TCK")))
EOF
}
mtime_epoch() { python3 -c 'import os, sys; print("%.3f" % os.stat(sys.argv[1]).st_mtime)' "$1"; }

# The host's epoch time when the guest kernel started: the guest's uptime
# read through the agent, against the midpoint of the host's request; the
# best of 5 (shortest round trip), whose half is the error bound.
kernel_start_epoch() {
    local i t0 t1 up best=
    for i in 1 2 3 4 5; do
        t0=$(date +%s.%N)
        up=$(gexec 'cut -d" " -f1 /proc/uptime') || return 1
        t1=$(date +%s.%N)
        best=$(awk -v a="$t0" -v b="$t1" -v u="$up" -v best="$best" 'BEGIN {
            rt = b - a; split(best, o, " ")
            if (best == "" || rt < o[2]) printf "%.3f %.3f\n", (a + b) / 2 - u, rt
            else print best }')
    done
    echo "$best"
}

ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / 1e6 / s }'; }

# bench_kernel FLAVOUR: boots, measures, powers off. Runs in a subshell:
# lib.sh's fail/skip exit it, not the benchmark.
bench_kernel() {
    local k=$1 out p
    HV_VM_DIR=$HV_BUILD_DIR/tests/bench/vm-$k
    export HV_VM_DIR HV_FLAVOUR=$k
    trap 'qemu_alive && { host quit >/dev/null 2>&1 || true; }' EXIT
    vm_boot "$k" "$HV_VM_DIR"
    for p in hv_kvp_daemon hv_vss_daemon hv_fcopy_daemon; do
        wait_daemon "$p" 60 >/dev/null || fail "$p is not running in the $k guest"
    done

    # Boot.
    local q0 ready vmbus_line vmbus_s kstart kerr
    q0=$(qemu_start_epoch) || fail "cannot read QEMU's start time"
    ready=$(mtime_epoch "$HV_VM_DIR/boot.log") # wait-agent's answer, its last write
    read -r kstart kerr < <(kernel_start_epoch) || fail "cannot read the guest's uptime"
    vmbus_line=$(grep -m1 'hv_vmbus: Vmbus version' "$HV_VM_DIR/console.log") ||
        fail "no 'hv_vmbus: Vmbus version' line on the $k console"
    vmbus_s=$(printf '%s' "$vmbus_line" | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
    note "$k: boot_to_vmbus_ready = QEMU process start (/proc/PID/stat) -> guest kernel start" \
        "(host clock minus the guest's /proc/uptime, read through the agent) + the printk time of" \
        "'hv_vmbus: Vmbus version'; boot_to_agent_ready = QEMU process start -> hvhost wait-agent's answer;" \
        "host load $(cut -d' ' -f1-3 /proc/loadavg)"
    note "$k: QEMU started at $q0; kernel start $(ms "$q0" "$kstart") ms later (±$(ms 0 "$(awk -v r="$kerr" 'BEGIN { print r / 2 }')") ms);" \
        "'${vmbus_line#*] }' at kernel time $vmbus_s s; agent answered $(ms "$q0" "$ready") ms after QEMU start"
    echo "vm_${k}_qemu_start_to_kernel_ms: $(ms "$q0" "$kstart") ms"
    echo "vm_${k}_kernel_to_vmbus_version_ms: $(ms 0 "$vmbus_s") ms"
    echo "vm_${k}_boot_to_vmbus_ready_ms: $(awk -v a="$q0" -v k="$kstart" -v v="$vmbus_s" 'BEGIN { printf "%.0f", (k + v - a) * 1000 }') ms"
    echo "vm_${k}_boot_to_agent_ready_ms: $(ms "$q0" "$ready") ms"

    # KVP.
    gexec "hv-kvp set guest BenchKey bench-value-$k" >/dev/null || fail "hv-kvp set guest failed in the guest"
    wait_until 10 host kvp get guest BenchKey || fail "the host cannot GET the guest's pool 1 key"
    out=$(qmp_bench get 1 BenchKey "$kvp_gets") || fail "the hv-kvp-get loop failed"
    note "$k: $kvp_gets hv-kvp-get of a pool 1 key, QMP, one connection, one request at a time"
    echo "vm_${k}_kvp_get_per_s: $out ops/s"
    local t0 t1 i n=20
    t0=$(date +%s.%N)
    for ((i = 0; i < n; i++)); do host kvp get guest BenchKey >/dev/null || fail "hvhost kvp get failed"; done
    t1=$(date +%s.%N)
    echo "vm_${k}_kvp_get_cli_per_s: $(awk -v a="$t0" -v b="$t1" -v n=$n 'BEGIN { printf "%.1f", n / (b - a) }') ops/s"
    mapfile -t out < <(qmp_bench enumerate 2 10) || true
    [ "${#out[@]}" -eq 2 ] || fail "the hv-kvp-enumerate loop failed"
    note "$k: hv-kvp-enumerate of pool 2 (${out[1]} items), median of 10, QMP"
    [ "${out[1]}" = 10 ] || note "$k: pool 2 has ${out[1]} items, not the 10 intrinsic ones"
    echo "vm_${k}_kvp_enumerate_ms: ${out[0]} ms"

    # VSS.
    gexec 'grep -q " /mnt/data ext4 " /proc/mounts' || fail "no ext4 /mnt/data in the $k guest"
    mapfile -t out < <(qmp_bench freeze-thaw "$vss_rounds") || true
    [ "${#out[@]}" -eq 3 ] || fail "the freeze/thaw loop failed"
    note "$k: FREEZE+THAW of /mnt/data from the host (QMP), median of $vss_rounds; the guest's own: freeze ${out[1]} ms, thaw ${out[2]} ms"
    echo "vm_${k}_vss_freeze_thaw_ms: ${out[0]} ms"

    # fcopy against dd, both into the guest's /tmp.
    local big=$work/fcopy-$fcopy_mb.bin bytes node secs dd
    bytes=$((fcopy_mb * 1024 * 1024))
    [ "$(stat -c %s "$big" 2>/dev/null)" = "$bytes" ] || head -c "$bytes" /dev/urandom >"$big"
    node=$(gexec '[ -c /dev/vmbus/hv_fcopy ] && echo "the hv_utils chardev /dev/vmbus/hv_fcopy" ||
        echo "uio_hv_generic (the daemon reads the ring)"')
    gexec 'rm -rf /tmp/bench && mkdir /tmp/bench' || fail "cannot prepare /tmp/bench"
    secs=$(qmp_bench fcopy "$big" /tmp/bench/big.bin) || fail "Copy-VMFile of $fcopy_mb MB failed"
    [ "$(gexec_t 300 "sha256sum </tmp/bench/big.bin | cut -d' ' -f1")" = "$(sha256sum <"$big" | cut -d' ' -f1)" ] ||
        fail "the guest's copy differs from the host's file"
    gexec 'rm -f /tmp/bench/big.bin' >/dev/null
    dd=$(gexec_t 600 "read a _ </proc/uptime; dd if=/dev/zero of=/tmp/bench/dd.bin bs=1M count=$fcopy_mb conv=fsync 2>/dev/null &&
        read b _ </proc/uptime && echo \$a \$b; rm -f /tmp/bench/dd.bin") || fail "dd in the guest failed"
    dd=$(awk '{ print $2 - $1 }' <<<"$dd")
    note "$k: $fcopy_mb MiB Copy-VMFile over $node in $(printf '%.2f' "$secs") s (QMP hv-fcopy-start -> completed);" \
        "dd bs=1M conv=fsync of $fcopy_mb MiB onto the same tmpfs in $dd s (guest clock)"
    echo "vm_${k}_fcopy_mb_per_s: $(mbps "$bytes" "$secs") MB/s"
    echo "vm_${k}_dd_fsync_mb_per_s: $(mbps "$bytes" "$dd") MB/s"
    echo "vm_${k}_fcopy_vs_dd_ratio: $(awk -v f="$secs" -v d="$dd" 'BEGIN { printf "%.2f", d / f }')"
    gexec 'rm -rf /tmp/bench' >/dev/null

    console_check 0 || note "$k: kernel trouble on the console (figures kept)"
    host stop-vm >/dev/null 2>&1
    wait_until 60 eval '! qemu_alive' || host quit >/dev/null 2>&1
    exit 0
}

note "hvhost QEMU: $HV_QEMU (-accel tcg); host: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "vm_vcpus: 2 vCPUs"
rc=0
headline=
last=
for k in $flavours; do
    (bench_kernel "$k") 2>&1 | tee "$work/out-$k" | grep --line-buffered -v '^PASS '
    if [ "${PIPESTATUS[0]}" -ne 0 ]; then
        note "$k: the benchmark did not complete"
        rc=1
        last=
        continue
    fi
    h=$(grep "^vm_${k}_fcopy_vs_dd_ratio: " "$work/out-$k")
    [ -n "$h" ] && headline=$h
    last=$(grep -v '^PASS ' "$work/out-$k" | tail -n 1)
done
rm -f "$work"/fcopy-*.bin
# The headline: fcopy against dd on the newest kernel that ran, as
# bench-fcopy's headline is for the daemon alone (repeated unless it is
# already the last line).
if [ -n "$headline" ] && [ "$last" != "$headline" ]; then
    echo "$headline"
fi
exit $rc
