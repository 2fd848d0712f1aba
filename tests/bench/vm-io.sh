#!/usr/bin/env bash
# tests/bench/vm-io.sh (build/tests/bench/bench-vm-io): hvhost's VMBus
# storage and network devices under the stock drivers (hv_storvsc,
# hv_netvsc), beside the virtio devices a user would pick instead, in the
# same VM and run. Boots each stock kernel (6.1, 6.12) once under hvhost
# (TCG; 2 vCPUs, 1536 MB, as the VM scenarios boot) with, besides its root
# and data disks:
#   a 1 GiB raw disk on the VMBus SCSI controller (hv-scsi, LUN 2)
#   a 1 GiB raw disk on virtio-scsi-pci, and one on virtio-blk-pci
#   a NIC on hvhost's VMBus adapter (hv-net) and one on virtio-net-pci, each on a
#   QEMU user network of its own
# and measures, per kernel K and device D (storvsc, virtio_scsi, virtio_blk):
#   vm_K_D_4k_randread_iops      fio 4k random read, O_DIRECT, libaio, QD 32
#   vm_K_D_seq_read_mb_per_s     fio 1 MiB sequential read, O_DIRECT, QD 8
# and per NIC N (netvsc, virtio_net):
#   vm_K_N_tcp_mb_per_s          iperf3 guest -> host, one stream, 10 s
#   vm_K_N_tcp_rx_mb_per_s       iperf3 host -> guest (-R)
# each the best of HV_BENCH_IO_ROUNDS rounds in which the devices take turns,
# with the ratios of the VMBus devices against virtio last.
#
# What bounds them: every guest instruction is translated by TCG, the host
# has 2 CPUs for the 2 vCPUs, QEMU's I/O thread and the other side of the
# test, and the disk images sit in the host's page cache, so the figures are
# the cost of the guest's driver, the device model and QEMU's block and
# network layers, not of a disk or a wire. User networking (slirp) runs in
# QEMU's main loop and is the NICs' ceiling.
#
# Prints "name: value unit" lines and "# ..." notes. Not a test: exit 1 only
# if a VM could not be booted or a measurement could not be made.
# Environment: HV_BUILD_DIR, HVHOST, HV_QEMU/HVHOST_QEMU, HV_BENCH_FLAVOURS
# (default "6.1 6.12"), HV_BENCH_IO_SECONDS (fio and iperf3 run time, 10),
# HV_BENCH_IO_ROUNDS (rounds the devices take in turn, each keeping its
# best, 2).
set -uo pipefail
here=$(dirname "$(readlink -f "$0")")
src=$(readlink -f "$here/../..")
export HV_BUILD_DIR=${HV_BUILD_DIR:-$src/build}
export SCENARIO=bench-vm-io
# shellcheck source=../vm/lib.sh
. "$src/tests/vm/lib.sh"

flavours=${HV_BENCH_FLAVOURS:-6.1 6.12}
secs=${HV_BENCH_IO_SECONDS:-10}
rounds=${HV_BENCH_IO_ROUNDS:-2}
work=$HV_BUILD_DIR/tests/bench/vm-io
mkdir -p "$work" && work=$(cd "$work" && pwd)

bench_prepare
command -v iperf3 >/dev/null || { note "iperf3 is not installed on the host"; exit 1; }

# The test disks differ in size by a MiB, so the guest tells them apart.
GIB=1073741824
declare -A disk_bytes=([storvsc]=$GIB [virtio_scsi]=$((GIB + 1048576)) [virtio_blk]=$((GIB + 2097152)))

# fio_run DEV RW BS QD -> "IOPS KiB/s" (terse v3: read iops field 8, bw 7).
fio_run() {
    local out
    out=$(gexec_t $((secs + 120)) "fio --name=b --filename=/dev/$1 --readonly --rw=$2 --bs=$3 \
        --iodepth=$4 --ioengine=libaio --direct=1 --runtime=$secs --time_based --ramp_time=1 \
        --minimal 2>&1") || { note "fio on $1 failed: $(echo "$out" | tail -n 2)"; return 1; }
    printf '%s\n' "$out" | awk -F';' '/^3;/ { print $8, $7; exit }'
}

# iperf_run HOST-IP BIND-IP [-R] -> MB/s (the receiver's figure).
iperf_run() {
    local to=$1 bind=$2 rev=${3:-} port srv out
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    iperf3 -s -1 -B 127.0.0.1 -p "$port" >/dev/null 2>&1 &
    srv=$!
    sleep 0.5
    out=$(gexec_t $((secs + 60)) "iperf3 -c $to -B $bind -p $port -t $secs -f m $rev 2>&1")
    kill "$srv" 2>/dev/null
    wait "$srv" 2>/dev/null
    printf '%s\n' "$out" | awk '/receiver$/ { for (i = 1; i < NF; i++) if ($(i + 1) == "Mbits/sec") { printf "%.1f\n", $i / 8; exit } }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

bench_kernel() {
    local k=$1 d dev n r t a i out addr0 addr1 if0 if1 round
    HV_VM_DIR=$HV_BUILD_DIR/tests/bench/vm-io-$k
    export HV_VM_DIR HV_FLAVOUR=$k
    trap 'qemu_alive && { host quit >/dev/null 2>&1 || true; }' EXIT
    for d in storvsc virtio_scsi virtio_blk; do
        rm -f "$work/$k-$d.img"
        truncate -s "${disk_bytes[$d]}" "$work/$k-$d.img"
    done
    HV_BOOT_ARGS="--disk $work/$k-storvsc.img --nic virtio
        --drive if=none,id=vsd,file=$work/$k-virtio_scsi.img,format=raw,cache=writeback
        --device virtio-scsi-pci,id=vscsi,romfile= --device scsi-hd,drive=vsd,bus=vscsi.0
        --drive if=none,id=vbd,file=$work/$k-virtio_blk.img,format=raw,cache=writeback
        --device virtio-blk-pci,drive=vbd,romfile=" vm_boot "$k" "$HV_VM_DIR"
    note "$k: kernel $(gexec 'uname -r'), host load $(cut -d' ' -f1-3 /proc/loadavg)"

    declare -A iops mbs devs
    for d in storvsc virtio_scsi virtio_blk; do
        dev=$(guest_disk_of_size $((disk_bytes[$d] / 512)))
        [ -n "$dev" ] || fail "the guest has no $d test disk"
        devs[$d]=$dev
        iops[$d]=0
        mbs[$d]=0
        note "$k: $d is /dev/$dev ($(gexec "readlink -f /sys/class/block/$dev" | grep -o 'VMBUS\|virtio[0-9]*' | head -n1))"
    done
    # The devices take turns, round after round, and each keeps its best
    # round: TCG's speed drifts with the host's other work, and a drift then
    # touches every device alike.
    for ((round = 1; round <= rounds; round++)); do
        for d in storvsc virtio_scsi virtio_blk; do
            read -r n _ < <(fio_run "${devs[$d]}" randread 4k 32) || fail "4k randread on $d failed"
            read -r _ r < <(fio_run "${devs[$d]}" read 1m 8) || fail "sequential read on $d failed"
            r=$(awk -v k="$r" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }')
            note "$k: round $round: $d $n IOPS, $r MB/s"
            [ "$n" -gt "${iops[$d]}" ] && iops[$d]=$n
            awk -v a="$r" -v b="${mbs[$d]}" 'BEGIN { exit !(a > b) }' && mbs[$d]=$r
        done
    done
    for d in storvsc virtio_scsi virtio_blk; do
        echo "vm_${k}_${d}_4k_randread_iops: ${iops[$d]} IOPS"
        echo "vm_${k}_${d}_seq_read_mb_per_s: ${mbs[$d]} MB/s"
    done

    # The interfaces by driver: which one is eth0 depends on probe order.
    if0=$(guest_nic_of_driver hv_netvsc)
    if1=$(guest_nic_of_driver virtio_net)
    [ -n "$if0" ] && [ -n "$if1" ] || fail "the guest lacks an hv_netvsc ('$if0') or virtio_net ('$if1') interface"
    for i in "$if0" "$if1"; do
        guest_dhcp "$i" || fail "DHCP on $i failed"
    done
    addr0=$(guest_ipv4 "$if0")
    addr1=$(guest_ipv4 "$if1")
    [ -n "$addr0" ] && [ -n "$addr1" ] && [ "${addr0%.*}" != "${addr1%.*}" ] ||
        fail "$if0 ($addr0) and $if1 ($addr1) need addresses on networks of their own"
    note "$k: netvsc is $if0 ($addr0), virtio_net is $if1 ($addr1)"
    declare -A tx rx
    tx[netvsc]=0 rx[netvsc]=0 tx[virtio_net]=0 rx[virtio_net]=0
    for ((round = 1; round <= rounds; round++)); do
        for n in netvsc virtio_net; do
            if [ $n = netvsc ]; then a=$addr0; else a=$addr1; fi
            t=$(iperf_run "${a%.*}.2" "$a")
            r=$(iperf_run "${a%.*}.2" "$a" -R)
            [ -n "$t" ] && [ -n "$r" ] || fail "iperf3 over $n failed"
            note "$k: round $round: $n tx $t MB/s, rx $r MB/s"
            awk -v a="$t" -v b="${tx[$n]}" 'BEGIN { exit !(a > b) }' && tx[$n]=$t
            awk -v a="$r" -v b="${rx[$n]}" 'BEGIN { exit !(a > b) }' && rx[$n]=$r
        done
    done
    for n in netvsc virtio_net; do
        echo "vm_${k}_${n}_tcp_mb_per_s: ${tx[$n]} MB/s"
        echo "vm_${k}_${n}_tcp_rx_mb_per_s: ${rx[$n]} MB/s"
    done

    echo "vm_${k}_storvsc_vs_virtio_scsi_randread_ratio: $(ratio "${iops[storvsc]}" "${iops[virtio_scsi]}")"
    echo "vm_${k}_storvsc_vs_virtio_blk_randread_ratio: $(ratio "${iops[storvsc]}" "${iops[virtio_blk]}")"
    echo "vm_${k}_storvsc_vs_virtio_scsi_seq_ratio: $(ratio "${mbs[storvsc]}" "${mbs[virtio_scsi]}")"
    echo "vm_${k}_netvsc_vs_virtio_net_tcp_ratio: $(ratio "${tx[netvsc]}" "${tx[virtio_net]}")"
    echo "vm_${k}_netvsc_vs_virtio_net_tcp_rx_ratio: $(ratio "${rx[netvsc]}" "${rx[virtio_net]}")"
    console_check 0 || note "$k: kernel trouble on the console (figures kept)"
    host stop-vm >/dev/null 2>&1
    wait_until 60 eval '! qemu_alive' || host quit >/dev/null 2>&1
    rm -f "$work/$k-"*.img
    exit 0
}

note "hvhost QEMU: $HV_QEMU (-accel tcg); host: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
rc=0
for k in $flavours; do
    (bench_kernel "$k") 2>&1 | tee "$work/out-$k" | grep --line-buffered -v '^PASS '
    if [ "${PIPESTATUS[0]}" -ne 0 ]; then
        note "$k: the benchmark did not complete"
        rc=1
    fi
done
exit $rc
