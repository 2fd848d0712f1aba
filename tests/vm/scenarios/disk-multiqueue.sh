#!/usr/bin/env bash
# disk-multiqueue: the stock hv_storvsc asks for subchannels and gets one
# per vCPU (the primary plus N-1): the root controller's VMBus device has N
# channels, and parallel I/O from every vCPU raises interrupts on each.
. "$(dirname "$0")/../lib.sh"
scenario_begin

root=$(gexec "awk '\$2 == \"/\" && \$1 ~ /^\\/dev\\// { print \$1 }' /proc/mounts | tail -n1")
dev=${root#/dev/}
dev=${dev%%[0-9]*}
guid=$(gexec "readlink -f /sys/class/block/$dev" | sed -n 's|.*/VMBUS:[^/]*/\([0-9a-f-]\{36\}\)/.*|\1|p')
[ -n "$guid" ] || fail "the root disk is not on VMBus"
cpus=$(gexec 'nproc')
chans=$(gexec "ls /sys/bus/vmbus/devices/$guid/channels" | tr '\n' ' ')
n=$(echo $chans | wc -w)
note "controller $guid: $cpus vCPUs, channels: $chans"
[ "$n" -eq "$cpus" ] || fail "$n channels for $cpus vCPUs (expected one per vCPU)"
[ "$(gexec "cat /sys/class/block/$dev/mq/*/nr_tags 2>/dev/null | wc -l")" -ge "$cpus" ] ||
    note "the block layer shows fewer hardware queues than vCPUs"

vmbus_channel_irqs "$guid" >"$HV_WORK/before"
out=$(gexec_t 120 "fio --name=mq --filename=/dev/$dev --readonly --rw=randread --bs=4k --direct=1 \
    --ioengine=psync --numjobs=$cpus --cpus_allowed=0-$((cpus - 1)) --cpus_allowed_policy=split \
    --runtime=5 --time_based --group_reporting --minimal 2>&1; echo fio=\$?")
echo "$out" | grep -q '^fio=0$' || fail "fio failed: $(echo "$out" | tail -n 2)"
note "randread IOPS over $cpus jobs: $(echo "$out" | grep '^3;' | cut -d';' -f8)"
vmbus_channel_irqs "$guid" >"$HV_WORK/after"
channels_all_moved "$HV_WORK/before" "$HV_WORK/after" 50 ||
    fail "a channel carried no I/O (fewer than 50 interrupts)"
check_console_or_fail
pass "$n channels"
