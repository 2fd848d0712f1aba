#!/usr/bin/env bash
# kvp-inventory: what the host reads about the VM. The ten intrinsic items
# (pool 2, `hvhost kvp list auto`) carry the guest's real values: its FQDN
# (from /etc/hosts), the driver's version "3.1", its IPv4/IPv6 addresses,
# uname and Debian 12's os-release. GET_IP_INFO for the NIC's MAC
# (`hvhost ip get MAC`) reports eth0's address, mask, gateway and DNS as the
# guest has them; udhcpc is none of the DHCP clients the daemon recognises
# (networkd, NetworkManager, ifupdown, dhclient), so dhcp is reported off.
. "$(dirname "$0")/../lib.sh"
scenario_begin

out=$(host_json kvp list auto) || fail "hvhost kvp list auto failed"
items() { printf '%s' "$out" | json 'items(d)' ; }
item() { printf '%s' "$out" | json "items(d).get('$1')"; }
n=$(printf '%s' "$out" | json 'len(items(d))')
note "auto pool: $n items"
printf '%s' "$out" | json '["%s=%s" % kv for kv in sorted(items(d).items())]' | sed 's/^/#   /'
[ "$n" = 10 ] || fail "the auto pool has $n items, expected the 10 intrinsic ones"

expect() { # key expected-value
    local v
    v=$(item "$1") || fail "no intrinsic item $1"
    [ "$v" = "$2" ] || fail "$1 is '$v', expected '$2'"
}
release=$(gexec 'uname -r')
. /dev/stdin <<<"$(gexec 'cat /etc/os-release' | grep -E '^(NAME|VERSION_ID)=')"
expect FullyQualifiedDomainName hvguest.hvtest.internal
expect IntegrationServicesVersion 3.1
expect OSBuildNumber "$release"
expect OSVersion "${release%%-*}"
expect OSName "$NAME"
expect OSMajorVersion "${VERSION_ID%%.*}"
expect ProcessorArchitecture x86_64
[ "$NAME" = "Debian GNU/Linux" ] && [ "$VERSION_ID" = 12 ] ||
    note "the guest's os-release is $NAME $VERSION_ID (the build machine's)"
minor=$(item OSMinorVersion) || fail "no intrinsic item OSMinorVersion"
case $VERSION_ID in
*.*) [ "$minor" = "${VERSION_ID#*.}" ] || fail "OSMinorVersion is '$minor'" ;;
*) [ -z "$minor" ] || [ "$minor" = 0 ] || fail "OSMinorVersion is '$minor' for VERSION_ID $VERSION_ID" ;;
esac

ip4=$(guest_ipv4)
[ -n "$ip4" ] || fail "the guest has no IPv4 address on eth0"
ip6=$(gexec "ip -6 -o addr show dev eth0 scope global | awk '{ split(\$4, a, \"/\"); print a[1] }'")
v4=$(item NetworkAddressIPv4)
v6=$(item NetworkAddressIPv6)
case ";$v4;" in *";$ip4;"*) ;; *) fail "NetworkAddressIPv4 '$v4' lacks $ip4" ;; esac
for a in $ip6; do
    case ";$v6;" in *";$a;"*) ;; *) fail "NetworkAddressIPv6 '$v6' lacks $a" ;; esac
done

# GET_IP_INFO by MAC.
mac=$(guest_mac)
info=$(host_json ip get "$mac") || fail "hvhost ip get $mac failed"
note "ip get $mac: $(echo $info)"
field() { printf '%s' "$info" | json "find(d, '$1')"; }
addrs=$(field addresses) || fail "no addresses in: $info"
printf '%s\n' "$addrs" | grep -qx "$ip4\(/24\)\?" || fail "ip get lists addresses '$(echo $addrs)', not $ip4"
subnets=$(field subnets) || fail "no subnets in: $info"
printf '%s\n' "$subnets" | grep -qxE '255\.255\.255\.0|24' || fail "ip get lists subnets '$(echo $subnets)'"
gw=$(gexec "ip -4 route show default | awk '{ print \$3; exit }'")
field gateways | grep -qx "$gw" || fail "ip get lists gateways '$(echo $(field gateways))', not $gw"
dns=$(gexec "awk '/^nameserver/ { print \$2; exit }' /etc/resolv.conf")
field dns | grep -qx "$dns" || fail "ip get lists dns '$(echo $(field dns))', not $dns"
dhcp=$(field dhcp) || fail "no dhcp in: $info"
[ "$dhcp" = false ] || fail "ip get says dhcp '$dhcp'; udhcpc should not be recognised"

# An unknown MAC is a clear failure, and the daemon keeps serving.
if host ip get 02:00:00:00:00:01 >/dev/null 2>&1; then
    fail "ip get for an unknown MAC succeeded"
fi
host_json kvp list auto >/dev/null || fail "the daemon stopped serving after an unknown MAC"
gexec 'grep -qi "no interface has MAC address 02.00.00.00.00.01" /run/log/hv_kvp_daemon.log' ||
    fail "the daemon did not log the unknown MAC"
check_console_or_fail
pass "10 intrinsic items, $ip4 via $mac"
