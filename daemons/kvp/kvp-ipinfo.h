/* SPDX-License-Identifier: MIT */
/*
 * Live network state for KVP, natively through libnl (link, address and
 * route caches kept current by netlink notifications) and sd-bus:
 * GET_IP_INFO answers and the intrinsic NetworkAddressIPv4/IPv6 items.
 */
#ifndef HV_KVP_IPINFO_H
#define HV_KVP_IPINFO_H

#include <stddef.h>
#include <systemd/sd-event.h>

#include <hyperv/kvp.h>

struct kvp_ipinfo;

/* Where DNS servers come from. Zero, the default, asks resolved when it runs. */
enum kvp_ipinfo_resolved {
	KVP_IPINFO_RESOLVED_AUTO = 0,	/* systemd-resolved when it runs, else resolv.conf */
	KVP_IPINFO_RESOLVED_NEVER,	/* resolv.conf only */
	KVP_IPINFO_RESOLVED_ALWAYS,	/* resolved over the bus (tests: bus_address) */
};

struct kvp_ipinfo_options {
	const char *resolv_conf; /* default /etc/resolv.conf */
	const char *sysfs_net; /* default /sys/class/net */
	const char *state_root; /* prefix for NM/networkd/dhclient state, default "" */
	enum kvp_ipinfo_resolved use_resolved;
	const char *bus_address; /* NULL: system bus; else a peer-to-peer resolver (tests) */
};

/*
 * What reaches the host per GET_IP_INFO field, in bytes with the NUL: the
 * driver converts at most HV_KVP_MAX_IP_ADDR (HV_KVP_MAX_GATEWAY) UTF-16
 * units into the host's field, so anything past units - 1 ASCII bytes
 * would be cut mid-address or left unterminated. Lists are truncated at a
 * ';' within these.
 */
#define KVP_IPINFO_LIST_MAX HV_KVP_MAX_IP_ADDR /* ip_addr, sub_net, dns_addr */
#define KVP_IPINFO_GATEWAY_MAX HV_KVP_MAX_GATEWAY /* gate_way */

/* opts may be NULL (all defaults). Dumps the kernel tables once. */
int kvp_ipinfo_new(const struct kvp_ipinfo_options *opts, struct kvp_ipinfo **ret);
struct kvp_ipinfo *kvp_ipinfo_free(struct kvp_ipinfo *ii);

/*
 * Apply netlink notifications as they arrive, from the daemon's loop.
 * Optional: every query first drains what is pending (non-blocking), so
 * answers are current either way; attaching keeps the socket from
 * overflowing (which costs a full re-dump) between rare queries.
 * -EBUSY if already attached. Detached by kvp_ipinfo_free().
 */
int kvp_ipinfo_attach_event(struct kvp_ipinfo *ii, sd_event *event);

/*
 * Answer GET_IP_INFO in place: ip->adapter_id holds the host's adapter id
 * (a MAC address), ip->addr_family the family asked for (IPV4 or IPV6;
 * anything else means both). Fills ip_addr, sub_net, gate_way, dns_addr,
 * dhcp_enabled and addr_family (families reported, a bit mask as
 * upstream's daemon sets it); adapter_id is left as the host sent it.
 * -ENODEV when no interface has that MAC (ip untouched).
 */
int kvp_ipinfo_get(struct kvp_ipinfo *ii, struct hv_kvp_ipaddr_value *ip);

/*
 * All non-loopback addresses of family AF_INET or AF_INET6, ';'-separated,
 * into buf (size bytes, NUL-terminated; truncated at a separator). For the
 * NetworkAddressIPv4/IPv6 intrinsic items pass size =
 * HV_KVP_HOST_MAX_VALUE_UNITS + 1: the driver keeps 1022 units of a value.
 */
int kvp_ipinfo_addresses(struct kvp_ipinfo *ii, int family, char *buf, size_t size);

/*
 * Interface name for a MAC ("00:15:5d:..", any case, '-' or ':' separated
 * or none). When a synthetic NIC and an SR-IOV VF share the MAC, the
 * synthetic (hv_netvsc) interface wins; otherwise one that is not a VF
 * (not enslaved, no PCI physfn); then the lowest ifindex.
 * Also accepts a VMBus device instance GUID ("{...}", what SET_IP_INFO
 * carries), matched against <sysfs_net>/<if>/device/device_id.
 * -ENODEV if none, -E2BIG if size is too small.
 */
int kvp_ipinfo_find_adapter(struct kvp_ipinfo *ii, const char *mac, char *ret_ifname, size_t size);

#endif /* HV_KVP_IPINFO_H */
