#!/usr/bin/env bash
# net-multiqueue: hv_netvsc asks for vRSS subchannels and gets one channel
# per vCPU; parallel TCP streams (iperf3 -P 4, to the host through the user
# network) raise interrupts on every channel, and the device has as many
# receive and transmit queues as channels.
. "$(dirname "$0")/../lib.sh"
scenario_begin

guid=$(guest_nic_vmbus eth0)
[ -n "$guid" ] || fail "eth0 is not a VMBus device"
cpus=$(gexec nproc)
chans=$(gexec "ls /sys/bus/vmbus/devices/$guid/channels" | tr '\n' ' ')
n=$(echo $chans | wc -w)
rxq=$(gexec 'ls -d /sys/class/net/eth0/queues/rx-* | wc -l')
note "eth0 on $guid: $cpus vCPUs, channels: $chans, $rxq rx queues"
[ "$n" -eq "$cpus" ] || fail "$n channels for $cpus vCPUs"
[ "$rxq" -eq "$n" ] || fail "$rxq receive queues for $n channels"

command -v iperf3 >/dev/null || fail "iperf3 is not installed on the host"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
iperf3 -s -1 -B 127.0.0.1 -p "$port" >"$HV_WORK/iperf3-server.log" 2>&1 &
srv=$!
trap 'kill $srv 2>/dev/null' EXIT
sleep 0.5
vmbus_channel_irqs "$guid" >"$HV_WORK/before"
out=$(gexec_t 120 "iperf3 -c 10.0.2.2 -p $port -P 4 -t 5 -R 2>&1 | tail -n 4")
note "iperf3 -P 4 -R: $(echo "$out" | grep -m1 SUM | tr -s ' ')"
echo "$out" | grep -q 'receiver' || fail "iperf3 failed: $out"
vmbus_channel_irqs "$guid" >"$HV_WORK/after"
channels_all_moved "$HV_WORK/before" "$HV_WORK/after" 20 ||
    fail "a channel carried no traffic (fewer than 20 interrupts)"
check_console_or_fail
pass "$n channels"
