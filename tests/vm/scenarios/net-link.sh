#!/usr/bin/env bash
# net-link: the host takes the NIC's link down and up (`hvhost link`, QMP
# set_link); hv_netvsc follows the RNDIS media status indications: carrier
# 0, then 1, and traffic flows again afterwards.
. "$(dirname "$0")/../lib.sh"
scenario_begin

[ "$(gexec 'cat /sys/class/net/eth0/carrier')" = 1 ] || fail "eth0 has no carrier to begin with"
host link nic0 down >/dev/null 2>&1 || fail "hvhost link nic0 down failed"
wait_until 30 eval '[ "$(gexec "cat /sys/class/net/eth0/carrier")" = 0 ]' || fail "the guest still has carrier after link down"
note "link down: $(gexec 'ip -o link show eth0' | grep -o 'NO-CARRIER\|state [A-Z]*' | tr '\n' ' ')"
host link nic0 up >/dev/null 2>&1 || fail "hvhost link nic0 up failed"
wait_until 30 eval '[ "$(gexec "cat /sys/class/net/eth0/carrier")" = 1 ]' || fail "the guest has no carrier after link up"
r=$(guest_send_checked 32 10.0.2.2) || fail "no traffic after the link came back"
note "after link up: $r"
check_console_or_fail
pass
