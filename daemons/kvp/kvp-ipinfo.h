/* SPDX-License-Identifier: MIT */
/*
 * Live network state for KVP, natively through libnl (link, address and
 * route caches kept current by netlink notifications) and sd-bus:
 * GET_IP_INFO answers and the intrinsic NetworkAddressIPv4/IPv6 items.
 */
#ifndef HV_KVP_IPINFO_H
#define HV_KVP_IPINFO_H

#include <stddef.h>

#include <hyperv/kvp.h>

struct kvp_ipinfo;

struct kvp_ipinfo_options {
	const char *resolv_conf;	/* default /etc/resolv.conf */
	const char *sysfs_net;		/* default /sys/class/net */
	const char *state_root;		/* prefix for NM/networkd/dhclient state, default "" */
	int use_resolved;		/* -1 auto (use when running), 0 never, 1 always */
};

int kvp_ipinfo_new(const struct kvp_ipinfo_options *opts, struct kvp_ipinfo **ret);
struct kvp_ipinfo *kvp_ipinfo_free(struct kvp_ipinfo *ii);

/*
 * Answer GET_IP_INFO in place: ip->adapter_id holds the host's adapter id
 * (a MAC address), ip->addr_family the family asked for. Fills
 * addresses, sub_net, gate_way, dns_addr, dhcp_enabled (UTF-8 in the
 * u16 arrays). -ENODEV when no interface has that MAC.
 */
int kvp_ipinfo_get(struct kvp_ipinfo *ii, struct hv_kvp_ipaddr_value *ip);

/*
 * All non-loopback addresses of family AF_INET or AF_INET6, ';'-separated,
 * into buf (size bytes, NUL-terminated; truncated at a separator).
 */
int kvp_ipinfo_addresses(struct kvp_ipinfo *ii, int family, char *buf, size_t size);

/*
 * Interface name for a MAC ("00:15:5d:..", any case, '-' or ':' separated).
 * When a synthetic NIC and an SR-IOV VF share the MAC, the synthetic
 * (hv_netvsc) interface wins. -ENODEV if none.
 */
int kvp_ipinfo_find_adapter(struct kvp_ipinfo *ii, const char *mac, char *ret_ifname,
			    size_t size);

#endif /* HV_KVP_IPINFO_H */
