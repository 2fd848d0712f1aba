#!/usr/bin/env bash
# net-mtu: an MTU change makes hv_netvsc tear the device down and set it up
# again (channels closed and reopened, new receive and send buffers, new
# subchannels); traffic flows at MTU 1400 and again after going back to 1500,
# and the channel count is the same as before.
. "$(dirname "$0")/../lib.sh"
scenario_begin

guid=$(guest_nic_vmbus eth0)
[ -n "$guid" ] || fail "eth0 is not a VMBus device"
chans() { gexec "ls /sys/bus/vmbus/devices/$guid/channels | wc -l"; }
before=$(chans)
for mtu in 1400 1500; do
    gexec "ip link set eth0 mtu $mtu" || fail "ip link set eth0 mtu $mtu failed"
    wait_until 30 eval '[ "$(gexec "cat /sys/class/net/eth0/carrier")" = 1 ]' || fail "no carrier after MTU $mtu"
    [ "$(gexec 'cat /sys/class/net/eth0/mtu')" = $mtu ] || fail "eth0's MTU is not $mtu"
    wait_until 30 eval '[ "$(chans)" = "$before" ]' || fail "$(chans) channels after MTU $mtu, $before before"
    r=$(guest_send_checked 64 10.0.2.2) || fail "traffic at MTU $mtu failed"
    note "MTU $mtu: $r, $(chans) channels"
done
check_console_or_fail
pass
