/* SPDX-License-Identifier: MIT */
/*
 * Internals of kvp-ipinfo shared by its source files, the unit tests and
 * the fuzz targets: the ';'-list builder, the DNS and DHCP-state lookups,
 * and the pure text parsers behind them. Not for the daemon's use.
 */
#ifndef HV_KVP_IPINFO_STATE_H
#define HV_KVP_IPINFO_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <systemd/sd-bus.h>

#include "kvp-ipinfo.h"

/*
 * A ';'-separated list written into a fixed buffer. An item is added whole
 * or not at all; once one did not fit the list is closed, so later (shorter)
 * items cannot slip in behind a gap and parallel lists stay aligned.
 */
struct kvp_ipinfo_list {
	char *buf;
	size_t size; /* bytes, NUL included */
	size_t len;
	bool full;
};

void kvp_ipinfo_list_init(struct kvp_ipinfo_list *l, char *buf, size_t size);
bool kvp_ipinfo_list_fits(const struct kvp_ipinfo_list *l, size_t n);
/* 0, or -E2BIG (and the list closed) when item does not fit. */
int kvp_ipinfo_list_append(struct kvp_ipinfo_list *l, const char *item);

/* Where the answers come from; paths are relative to state_root. */
#define KVP_IPINFO_NETWORKD_LINKS "/run/systemd/netif/links"
#define KVP_IPINFO_NM_DEVICES "/run/NetworkManager/devices"
#define KVP_IPINFO_RESOLVED_UPLINK "/run/systemd/resolve/resolv.conf"
#define KVP_IPINFO_IFUPDOWN_INTERFACES "/etc/network/interfaces"
#define KVP_IPINFO_MAX_STATE_FILE (256 * 1024)

/* Which piece of the system answered the DHCP question (for logs/tests). */
enum kvp_ipinfo_dhcp_source {
	KVP_IPINFO_DHCP_NONE,
	KVP_IPINFO_DHCP_NETWORKD,
	KVP_IPINFO_DHCP_NETWORKMANAGER,
	KVP_IPINFO_DHCP_IFUPDOWN,
	KVP_IPINFO_DHCP_DHCLIENT,
};

/*
 * Is IPv4 DHCP enabled on the interface? Asks, in order, systemd-networkd's
 * link state, NetworkManager's device state and profile, ifupdown's
 * interfaces files and dhclient's leases (all under state_root); the first
 * that manages the interface answers. Returns 0 or 1.
 */
int kvp_ipinfo_dhcp_enabled(const char *state_root, int ifindex, const char *ifname, time_t now,
			    enum kvp_ipinfo_dhcp_source *ret_source);

/*
 * DNS servers of an interface as canonical address strings, IPv4 and IPv6
 * mixed in configuration order: from systemd-resolved over bus when
 * use_resolved says so, else resolv.conf (falling back to resolved's
 * uplink file when resolv.conf only names resolved's stub).
 */
struct kvp_ipinfo_dns_opts {
	const char *resolv_conf;
	const char *state_root;
	const char *bus_address;
	enum kvp_ipinfo_resolved use_resolved;
};
int kvp_ipinfo_dns_servers(const struct kvp_ipinfo_dns_opts *o, sd_bus **bus, int ifindex,
			   char ***ret);

/* ---- pure parsers (no I/O; text need not be NUL-terminated) ---- */

/* resolv.conf "nameserver" entries, validated, canonical, zone ids dropped. */
int kvp_ipinfo_parse_resolv_conf(const char *text, size_t len, char ***ret);
/* True for systemd-resolved's local stub listeners (127.0.0.53, 127.0.0.54). */
bool kvp_ipinfo_is_resolved_stub(const char *addr);

/* KEY=value file (networkd state); value unquoted. -ENOENT if absent. */
int kvp_ipinfo_parse_env(const char *text, size_t len, const char *key, char **ret);
/* INI file (NM keyfile/device state, networkd .network): last value of key in section. */
int kvp_ipinfo_parse_ini(const char *text, size_t len, const char *section, const char *key,
			 char **ret);
/* networkd's DHCP= value: does it enable DHCPv4? */
bool kvp_ipinfo_networkd_dhcp4(const char *value);

/*
 * ifupdown interfaces(5): the method of "iface <ifname> inet <method>"
 * (-ENOENT if no such stanza) and the "source"/"source-directory"
 * arguments met on the way (appended to *sources, may be NULL).
 */
int kvp_ipinfo_parse_ifupdown(const char *text, size_t len, const char *ifname, char **ret_method,
			      char ***sources, char ***source_dirs);

/* dhclient leases: 1 if a lease for ifname is unexpired at now, else 0. */
int kvp_ipinfo_parse_dhclient_leases(const char *text, size_t len, const char *ifname, time_t now);

#endif /* HV_KVP_IPINFO_STATE_H */
