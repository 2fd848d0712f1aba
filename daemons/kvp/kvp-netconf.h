/* SPDX-License-Identifier: MIT */
/*
 * SET_IP_INFO (IP injection, e.g. on Hyper-V Replica failover): write the
 * configuration for whatever manages the interface (NetworkManager
 * keyfile, systemd-networkd .network, ifupdown interfaces.d), apply it
 * through that manager, or hand it to an administrator's hv_set_ifconfig
 * hook with upstream's argument contract. Never through a shell.
 */
#ifndef HV_KVP_NETCONF_H
#define HV_KVP_NETCONF_H

#include <hyperv/kvp.h>

enum kvp_netconf_backend {
	KVP_NETCONF_AUTO,
	KVP_NETCONF_NETWORKMANAGER,
	KVP_NETCONF_NETWORKD,
	KVP_NETCONF_IFUPDOWN,
	KVP_NETCONF_HOOK,
};

struct kvp_netconf_options {
	enum kvp_netconf_backend backend;	/* AUTO: what manages the interface */
	const char *hook;		/* hv_set_ifconfig path; used when it exists (or HOOK) */
	const char *root;		/* prefix for /etc and /run paths (tests), default "" */
	int apply;			/* apply through the manager after writing (default 1) */
};

/*
 * Configure ifname from ip (UTF-8 ';'-separated lists in the u16 arrays,
 * as the driver hands them). Validates every address, mask, gateway and
 * DNS entry first: bad data gets -EINVAL and changes nothing.
 */
int kvp_netconf_apply(const struct kvp_netconf_options *opts, const char *ifname,
		      const struct hv_kvp_ipaddr_value *ip);

#endif /* HV_KVP_NETCONF_H */
