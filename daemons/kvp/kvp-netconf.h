/* SPDX-License-Identifier: MIT */
/*
 * SET_IP_INFO (IP injection, e.g. on Hyper-V Replica failover): write the
 * configuration for whatever manages the interface (NetworkManager
 * keyfile, systemd-networkd .network, ifupdown interfaces.d), apply it
 * through that manager, or hand it to an administrator's hv_set_ifconfig
 * hook with upstream's argument contract. Never through a shell.
 *
 * What SET_IP_INFO carries (struct hv_kvp_ipaddr_value, after the utility
 * driver's process_ib_ipinfo() converted the host's UTF-16 to UTF-8):
 * - ip_addr, sub_net, dns_addr: at most 1024 bytes of UTF-8 each, gate_way
 *   at most 512 (the driver's output limits), NUL-terminated inside the
 *   u16 arrays (the driver zero-fills the message).
 * - Each is a list separated by ';' only (upstream's parse_ip_val_buffer();
 *   ',' and ' ' are not separators; leading blanks are skipped; a trailing
 *   ';' is common). IPv4 and IPv6 entries are mixed in one list and told
 *   apart by their syntax.
 * - sub_net is aligned with ip_addr by position: an IPv4 dotted mask
 *   ("255.255.255.0") for an IPv4 address, a prefix length ("64") for an
 *   IPv6 address.
 * - gate_way and dns_addr: lists of either family, several allowed.
 * - dhcp_enabled applies to IPv4 only: IPv4 comes from DHCP and the IPv4
 *   statics are ignored, but IPv6 statics in the same message still apply
 *   (upstream kvp_set_ip_info()).
 * - addr_family is copied by the driver but upstream ignores it for SET;
 *   so do we: the families come from the addresses.
 * - adapter_id (SET only) is the NIC's VMBus device instance GUID as
 *   upstream matches it against /sys/class/net/<if>/device/device_id; the
 *   caller resolves it and passes ifname.
 */
#ifndef HV_KVP_NETCONF_H
#define HV_KVP_NETCONF_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hyperv/kvp.h>

/* Upstream's KVP_SCRIPTS_PATH "hv_set_ifconfig" (Debian and RHEL alike). */
#define KVP_NETCONF_DEFAULT_HOOK "/usr/libexec/hypervkvpd/hv_set_ifconfig"
/* Where upstream writes ifcfg-<if> and <if>.nmconnection for the hook. */
#define KVP_NETCONF_DEFAULT_STATE_DIR "/var/lib/hyperv"
/* The whole SET_IP_INFO must answer within the driver's 30 s. */
#define KVP_NETCONF_DEFAULT_TIMEOUT_USEC (20ULL * 1000000ULL)

#define KVP_NETCONF_MAX_ADDRS 64	/* upstream's MAX_IP_ENTRIES */
#define KVP_NETCONF_MAX_GATEWAYS 16
#define KVP_NETCONF_MAX_DNS 16

enum kvp_netconf_backend {
	KVP_NETCONF_AUTO,
	KVP_NETCONF_NETWORKMANAGER,
	KVP_NETCONF_NETWORKD,
	KVP_NETCONF_IFUPDOWN,
	KVP_NETCONF_HOOK,
	_KVP_NETCONF_BACKEND_MAX,
};

/* "auto", "networkmanager", "networkd", "ifupdown", "hook" (config values). */
const char *kvp_netconf_backend_to_string(enum kvp_netconf_backend b);
int kvp_netconf_backend_from_string(const char *s);	/* enum value or -EINVAL */

/*
 * The seams between this code and the system: every D-Bus method and every
 * program run goes through here, so tests record exactly what would be
 * called. Object paths are returned malloc'ed. Default: sd-bus on the
 * system bus and posix_spawn.
 */
struct kvp_netconf_ops {
	/* org.freedesktop.NetworkManager.GetDeviceByIpIface(s) -> o */
	int (*nm_get_device_by_ip_iface)(void *userdata, const char *ifname, char **ret_path);
	/* Property org.freedesktop.NetworkManager.Device.Managed (b): 1/0 */
	int (*nm_device_get_managed)(void *userdata, const char *device_path);
	/* org.freedesktop.NetworkManager.Settings.LoadConnections(as) */
	int (*nm_load_connection)(void *userdata, const char *filename);
	/* org.freedesktop.NetworkManager.Settings.GetConnectionByUuid(s) -> o */
	int (*nm_get_connection_by_uuid)(void *userdata, const char *uuid, char **ret_path);
	/* org.freedesktop.NetworkManager.ActivateConnection(o, o, o "/") */
	int (*nm_activate_connection)(void *userdata, const char *connection_path,
				      const char *device_path);
	/* org.freedesktop.DBus.NameHasOwner("org.freedesktop.network1"): 1/0 */
	int (*networkd_running)(void *userdata);
	/* org.freedesktop.network1.Manager.Reload() */
	int (*networkd_reload)(void *userdata);
	/* org.freedesktop.network1.Manager.ReconfigureLink(i) */
	int (*networkd_reconfigure_link)(void *userdata, int ifindex);
	/*
	 * Run argv[0] (absolute path) with argv, no shell, within timeout;
	 * returns the exit status (>= 0) or a negative errno (-ETIME on timeout).
	 */
	int (*run)(void *userdata, char *const argv[], uint64_t timeout_usec);
};

extern const struct kvp_netconf_ops kvp_netconf_default_ops;

struct kvp_netconf_options {
	enum kvp_netconf_backend backend;	/* AUTO: what manages the interface */
	const char *hook;		/* hv_set_ifconfig path; used when it exists (or HOOK) */
	const char *root;		/* prefix for /etc, /run, /sys and /var paths (tests), default "" */
	int apply;			/* apply through the manager after writing (default 1) */
	/* Extensions (zero = default): */
	const char *state_dir;		/* hook files, default KVP_NETCONF_DEFAULT_STATE_DIR */
	uint64_t timeout_usec;		/* per program run, default KVP_NETCONF_DEFAULT_TIMEOUT_USEC */
	const struct kvp_netconf_ops *ops;	/* default kvp_netconf_default_ops */
	void *ops_userdata;
};

/*
 * Configure ifname from ip (UTF-8 ';'-separated lists in the u16 arrays,
 * as the driver hands them). Validates every address, mask, gateway and
 * DNS entry first: bad data gets -EINVAL and changes nothing.
 * Other errors: -ENODEV (no such interface), -EOPNOTSUPP (nothing manages
 * it and no hook), -EEXIST (a networkd file the admin owns would override
 * ours), -ETIME (hook or ifup timed out), -EIO (hook or ifup failed).
 */
int kvp_netconf_apply(const struct kvp_netconf_options *opts, const char *ifname,
		      const struct hv_kvp_ipaddr_value *ip);

/* ---- Below: the pieces kvp_netconf_apply() is made of (tests, fuzzing). ---- */

struct kvp_netconf_addr {
	int family;			/* AF_INET or AF_INET6 */
	union {
		struct in_addr in;
		struct in6_addr in6;
	};
	unsigned prefixlen;		/* addresses only */
};

/* A validated SET_IP_INFO plus what we know about the link. */
struct kvp_netconf {
	bool dhcp4;
	size_t n_addrs, n_gateways, n_dns;
	struct kvp_netconf_addr addrs[KVP_NETCONF_MAX_ADDRS];	/* in host order */
	struct kvp_netconf_addr gateways[KVP_NETCONF_MAX_GATEWAYS];
	struct kvp_netconf_addr dns[KVP_NETCONF_MAX_DNS];

	/* Filled by kvp_netconf_apply() (or a test), not by the parser. */
	char ifname[IFNAMSIZ];
	char mac[18];			/* "00:15:5d:..", lowercase; "" if unknown */
	int ifindex;			/* 0 if unknown */
	char uuid[37];			/* NM connection uuid */
};

/*
 * Parse and validate the message into ret (link fields zeroed). -EINVAL on
 * any unterminated field, malformed, out-of-range or reserved address,
 * non-contiguous mask, address/sub_net count mismatch, too many entries,
 * or a static configuration without a single address.
 */
int kvp_netconf_parse(const struct hv_kvp_ipaddr_value *ip, struct kvp_netconf *ret);

/* Linux interface name we are willing to put in files and argv. */
bool kvp_netconf_ifname_valid(const char *ifname);

/* How each family ends up configured once dhcp_enabled and statics are combined. */
enum kvp_netconf_method {
	KVP_NETCONF_METHOD_DISABLED,	/* IPv4 only: no DHCP and no IPv4 address */
	KVP_NETCONF_METHOD_AUTO,	/* DHCPv4, or IPv6 RA/DHCPv6 */
	KVP_NETCONF_METHOD_STATIC,
};
enum kvp_netconf_method kvp_netconf_method(const struct kvp_netconf *nc, int family);

/*
 * Whether entries of a kind and family take effect: addresses and gateways
 * only where the family is static (IPv4 statics are ignored under DHCP,
 * like an IPv6 gateway without an IPv6 address), DNS servers unless the
 * family is disabled.
 */
enum kvp_netconf_kind {
	KVP_NETCONF_ADDRESS,
	KVP_NETCONF_GATEWAY,
	KVP_NETCONF_DNS,
};
bool kvp_netconf_in_effect(const struct kvp_netconf *nc, enum kvp_netconf_kind kind, int family);

/* Text of a, canonical (inet_ntop); buf holds INET6_ADDRSTRLEN. */
const char *kvp_netconf_addr_str(const struct kvp_netconf_addr *a, char *buf);

/*
 * Renderers: deterministic text into a malloc'ed, NUL-terminated string.
 * Only validated data and the (validated) link fields reach the output.
 */
int kvp_netconf_render_nm(const struct kvp_netconf *nc, char **ret);
int kvp_netconf_render_networkd(const struct kvp_netconf *nc, char **ret);
int kvp_netconf_render_ifupdown(const struct kvp_netconf *nc, char **ret);
/* Upstream's ifcfg format for the hook (HWADDR, DEVICE, BOOTPROTO, IPADDR0, ...). */
int kvp_netconf_render_ifcfg(const struct kvp_netconf *nc, char **ret);

/*
 * Backend for the link: opts->backend unless AUTO; for AUTO an executable
 * hook, else NetworkManager if it manages the device, else networkd if it
 * manages the link, else ifupdown if installed. -EOPNOTSUPP if none.
 */
int kvp_netconf_detect(const struct kvp_netconf_options *opts, const struct kvp_netconf *nc,
		       enum kvp_netconf_backend *ret);

/* Write nc for backend (not AUTO) under opts->root, then apply unless !opts->apply. */
int kvp_netconf_write_backend(const struct kvp_netconf_options *opts, const struct kvp_netconf *nc,
			      enum kvp_netconf_backend backend);

/* Spawn argv (no shell) with timeout; output goes to the log. The default "run" op. */
int kvp_netconf_spawn(char *const argv[], uint64_t timeout_usec);

#endif /* HV_KVP_NETCONF_H */
