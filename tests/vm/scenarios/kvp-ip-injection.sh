#!/usr/bin/env bash
# kvp-ip-injection: SET_IP_INFO from the host (`hvhost ip set`).
# The busybox guest has no NetworkManager, networkd or ifupdown, and no
# hv_set_ifconfig hook by default, so hv_kvp_daemon finds nothing that
# manages eth0 and must refuse cleanly: HV_E_FAIL to the host, "Operation not
# supported" in its log, no configuration written, the address not applied,
# and the daemon still serving. An adapter id that names no adapter gets
# HV_GUID_NOTFOUND. Then, with upstream's hook contract
# (/usr/libexec/hypervkvpd/hv_set_ifconfig, here a busybox script that applies
# the ifcfg file with ip(8)), the same request succeeds: the daemon writes
# the ifcfg file and keyfile, the hook applies the address, and the host's
# GET_IP_INFO reports it.
. "$(dirname "$0")/../lib.sh"
scenario_begin

mac=$(guest_mac)
ip4=$(guest_ipv4)
gw=$(gexec "ip -4 route show default | awk '{ print \$3; exit }'")
dns=$(gexec "awk '/^nameserver/ { print \$2; exit }' /etc/resolv.conf")
new=${ip4%.*}.50
hook=/usr/libexec/hypervkvpd/hv_set_ifconfig
trap 'gexec "rm -f $hook; ip addr del $new/24 dev eth0 2>/dev/null; true" >/dev/null 2>&1' EXIT
logn=$(gexec 'wc -l </run/log/hv_kvp_daemon.log')
newlog() { gexec "tail -n +$((logn + 1)) /run/log/hv_kvp_daemon.log"; }
confs='/etc/network/interfaces.d /etc/systemd/network /etc/NetworkManager/system-connections /var/lib/hyperv/ifcfg-eth0 /var/lib/hyperv/eth0.nmconnection'

# 1. Nothing manages eth0: a clear failure.
out=$(host ip set "$mac" "$mac" --address "$new/24" --gateway "$gw" --dns "$dns" 2>&1)
rc=$?
note "ip set without a manager: exit $rc: $(echo $out)"
[ $rc -eq 1 ] || fail "ip set without a network manager exited $rc, expected 1 (a failure the guest reported)"
printf '%s' "$out" | grep -qiE '0x0*80004005|E_FAIL' || fail "ip set did not report HV_E_FAIL: $out"
newlog | grep -q 'Configuring eth0 .*failed: Operation not supported' ||
    { newlog | sed 's/^/#   /'; fail "the daemon did not log why eth0 was not configured"; }
gexec "ip -4 -o addr show dev eth0 | grep -q ' $new/'" && fail "$new was applied without a manager"
left=$(gexec "ls -d $confs 2>/dev/null")
[ -z "$left" ] || fail "configuration was written without a manager: $(echo $left)"
host_json kvp list auto >/dev/null || fail "the daemon stopped serving after a refused SET_IP_INFO"

# 2. An adapter that does not exist (hvhost sends the MAC as the adapter id
# when it has one, as GET_IP_INFO does; neither names an adapter here).
out=$(host ip set 02:00:00:00:00:01 "{00000000-1111-2222-3333-444444444444}" --address "$new/24" 2>&1)
rc=$?
note "ip set with an unknown adapter id: exit $rc: $(echo $out)"
[ $rc -eq 1 ] || fail "ip set with an unknown adapter id exited $rc, expected 1"
printf '%s' "$out" | grep -qiE '0x0*80041002|GUID_NOTFOUND|not ?found' ||
    fail "ip set with an unknown adapter id did not report HV_GUID_NOTFOUND: $out"

# 3. With the hv_set_ifconfig hook: written and applied.
gexec "mkdir -p ${hook%/*} && cp /usr/share/hvtest/hv_set_ifconfig $hook && chmod 755 $hook" ||
    fail "cannot install the hook"
out=$(host ip set "$mac" "$mac" --address "$ip4/24" --address "$new/24" --gateway "$gw" --dns "$dns" 2>&1) ||
    { newlog | sed 's/^/#   /'; fail "ip set with the hook failed: $out"; }
gexec "grep -qx 'IPADDR1=$new' /var/lib/hyperv/ifcfg-eth0" ||
    fail "the daemon did not write IPADDR1=$new to /var/lib/hyperv/ifcfg-eth0"
gexec "grep -qx 'GATEWAY=$gw' /var/lib/hyperv/ifcfg-eth0 && grep -qx 'DNS1=$dns' /var/lib/hyperv/ifcfg-eth0" ||
    fail "the ifcfg file lacks the gateway or DNS server"
gexec '[ -s /var/lib/hyperv/eth0.nmconnection ] && [ -s /run/hvtest/ifcfg-applied ]' ||
    fail "the hook was not run with the ifcfg file and keyfile"
gexec "ip -4 -o addr show dev eth0 | grep -q ' $new/24'" || fail "$new/24 is not on eth0 after the hook"
gexec "ip -4 -o addr show dev eth0 | grep -q ' $ip4/24'" || fail "eth0 lost $ip4"
newlog | grep -q 'Applied the host.s IP configuration to eth0' ||
    fail "the daemon did not log the applied configuration"
info=$(host_json ip get "$mac") || fail "ip get after injection failed"
printf '%s' "$info" | json 'find(d, "addresses")' | grep -q "^$new\(/24\)\?$" ||
    fail "ip get does not report the injected $new: $info"
check_console_or_fail
pass "refused without a manager, applied through the hook"
