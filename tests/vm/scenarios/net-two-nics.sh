#!/usr/bin/env bash
# net-two-nics: a second VMBus NIC, hot-added on its own user network
# (`hvhost nic-add`), appears as eth1 driven by hv_netvsc, gets an address,
# carries TCP to its own host address while eth0 keeps working, and goes
# away again with `hvhost nic-del`.
. "$(dirname "$0")/../lib.sh"
scenario_begin

out=$(host nic-add --id nic1 2>&1) || fail "hvhost nic-add failed: $out"
note "nic-add: $(echo $out)"
wait_until 60 gexec 'test -e /sys/class/net/eth1' || fail "the guest has no eth1"
guid=$(guest_nic_vmbus eth1)
[ "$(gexec "basename \$(readlink /sys/bus/vmbus/devices/$guid/driver)")" = hv_netvsc ] || fail "eth1 is not driven by hv_netvsc"
guest_dhcp eth1 || fail "DHCP on eth1 failed: $(gexec 'tail -n 3 /run/log/udhcpc.eth1.log')"
a1=$(guest_ipv4 eth1)
note "eth1: $(gexec 'cat /sys/class/net/eth1/address') $a1 on $guid"
[ -n "$a1" ] || fail "eth1 has no IPv4 address"
gw1=${a1%.*}.2
[ "$gw1" != 10.0.2.2 ] || fail "eth1 is on the same network as eth0 ($a1)"
r=$(guest_send_checked 32 "$gw1") || fail "TCP over eth1 ($gw1) failed"
note "eth1 -> $gw1: $r"
r=$(guest_send_checked 32 10.0.2.2) || fail "TCP over eth0 failed with two NICs"
note "eth0 -> 10.0.2.2: $r"
out=$(host nic-del nic1 2>&1) || fail "hvhost nic-del failed: $out"
wait_until 60 eval '! gexec "test -e /sys/class/net/eth1"' || fail "eth1 is still there after nic-del"
check_console_or_fail
pass "eth1 $a1"
