#!/usr/bin/env bash
# net-tcp: the VM's NIC is hvhost's VMBus network adapter, driven by the
# stock hv_netvsc: eth0 sits on VMBus, got its IPv4 address by DHCP from
# QEMU's user network, and carries 1 GiB of TCP to the host intact (the
# host's byte count and MD5 equal the guest's).
. "$(dirname "$0")/../lib.sh"
scenario_begin

guid=$(guest_nic_vmbus eth0)
[ -n "$guid" ] || fail "eth0 is not a VMBus device: $(gexec 'readlink -f /sys/class/net/eth0/device')"
drv=$(gexec "basename \$(readlink /sys/bus/vmbus/devices/$guid/driver)")
[ "$drv" = hv_netvsc ] || fail "eth0 is driven by '$drv', not hv_netvsc"
[ "$(gexec "cat /sys/bus/vmbus/devices/$guid/class_id")" = "{f8615163-df3e-46c5-913f-f2d2f965ed0e}" ] ||
    fail "eth0's VMBus device is not of the network class"
addr=$(guest_ipv4)
case $addr in 10.0.2.*) ;; *) fail "eth0 has no DHCP address from the user network (got '${addr}')" ;; esac
gexec 'grep -q "bound\|lease" /run/log/udhcpc.log' || note "udhcpc's log does not show the lease"
mac=$(guest_mac)
note "eth0: $mac $addr on $guid ($drv)"
[ "$(gexec "cat /sys/class/net/eth0/carrier")" = 1 ] || fail "eth0 has no carrier"
r=$(guest_send_checked 1024 10.0.2.2) || fail "1 GiB over TCP to the host did not arrive intact"
note "guest -> host: $r"
check_console_or_fail
pass "$addr, $r"
