// SPDX-License-Identifier: MIT
/*
 * Live network state for KVP: GET_IP_INFO and the NetworkAddressIPv4/IPv6
 * intrinsic items, from libnl caches of the kernel's link, address and
 * route tables that netlink notifications keep current.
 *
 * GET_IP_INFO on the wire (struct hv_kvp_ipaddr_value inside struct
 * hv_kvp_msg; the mainline utility driver's process_ib_ipinfo() and
 * process_ob_ipinfo() do the conversions):
 *
 *  - Request: only adapter_id and addr_family are filled. adapter_id is the
 *    host's UTF-16 string converted to NUL-terminated UTF-8 (at most
 *    HV_KVP_MAX_ADAPTER_ID bytes in a zeroed message): the adapter's MAC as
 *    six upper-case hex pairs joined by ':' ("00:15:5D:0A:0B:0C"; upstream's
 *    daemon matches it with strcmp against the upper-cased sysfs address).
 *    We accept any case and ':', '-' or no separator.
 *    addr_family is ADDR_FAMILY_IPV4 (1), _IPV6 (2) or _NONE (0). Upstream's
 *    daemon ignores it and always answers both families; we honour an
 *    explicit 1 or 2 and answer both otherwise.
 *  - Reply: the driver converts ip_addr, sub_net, dns_addr (at most
 *    HV_KVP_MAX_IP_ADDR = 1024 units each), gate_way (HV_KVP_MAX_GATEWAY =
 *    512 units) and adapter_id (128 units) from UTF-8 to UTF-16 with
 *    strlen() as input length, so each field must be NUL-terminated inside
 *    its 2 x units bytes, and only units - 1 ASCII bytes can reach the host
 *    intact and terminated (KVP_IPINFO_LIST_MAX, KVP_IPINFO_GATEWAY_MAX).
 *    Invalid UTF-8 makes the driver answer HV_E_FAIL. dhcp_enabled and
 *    addr_family are copied as bytes. adapter_id is echoed unchanged.
 *  - Lists are ';'-separated, no trailing separator. ip_addr holds the IPv4
 *    addresses then the IPv6 ones; sub_net is aligned with it entry for
 *    entry: dotted masks for IPv4 ("255.255.255.0"), "/<prefix>" for IPv6
 *    ("/64", as upstream's and FreeBSD's daemons report it; the host's
 *    SET_IP_INFO sends a bare "64"). gate_way: default gateways, IPv4 first.
 *    dns_addr: DNS servers. addr_family in the reply: bit mask of the
 *    families present in ip_addr (1, 2 or 3), as upstream sets it.
 *    dhcp_enabled: 1 when IPv4 is configured by DHCP.
 *  - Status: no interface with that MAC is HV_E_FAIL in upstream (the
 *    handler maps our -ENODEV). A list that does not fit is truncated at a
 *    ';' (upstream fails the whole request); ip_addr and sub_net are
 *    truncated together so they stay aligned.
 *
 * Which addresses: every address of the interface except tentative (DAD in
 * progress) and DAD-failed ones, and host-scope/loopback ones. Link-local
 * IPv6 addresses are reported, as upstream and Windows guests do (Hyper-V
 * Manager lists them); deprecated ones are still valid and reported.
 * Order: global before site before link scope, primary before secondary,
 * then by address, so an answer does not reshuffle as caches are updated.
 */
#include <net/if.h> /* before any <linux/if.h> */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <systemd/sd-bus.h>

#include "cleanup.h"
#include "kvp-ipinfo-state.h"
#include "kvp-ipinfo.h"
#include "log.h"
#include "util.h"

#ifndef IFA_F_DADFAILED
#define IFA_F_DADFAILED 0x08
#endif
#ifndef IFA_F_TENTATIVE
#define IFA_F_TENTATIVE 0x40
#endif

#define DEFAULT_RESOLV_CONF "/etc/resolv.conf"
#define DEFAULT_SYSFS_NET "/sys/class/net"
/* Room for bursts of notifications while nobody drains the socket. */
#define NOTIFY_RCVBUF (1024 * 1024)
#define MAX_HW_ADDR 32
#define NETVSC_DRIVER "hv_netvsc"

struct kvp_ipinfo {
	char *resolv_conf;
	char *sysfs_net;
	char *state_root;
	char *bus_address;
	enum kvp_ipinfo_resolved use_resolved;

	struct nl_sock *notify_sk; /* the manager's notification socket */
	struct nl_sock *sync_sk; /* our re-dumps */
	struct nl_cache_mngr *mngr;
	struct nl_cache *links, *addrs, *routes; /* owned by mngr */
	/*
	 * The kernel drops IPv4 routes silently when a link goes down or an
	 * address goes away: after any link/address change the route cache
	 * is re-dumped before it is used.
	 */
	bool routes_stale;

	sd_event_source *io;
	sd_bus *bus; /* to systemd-resolved, opened on first use */
};

struct ip_entry {
	int ifindex;
	int family;
	unsigned rank; /* scope: 0 global, 1 site, 2 link */
	bool secondary;
	unsigned prefixlen;
	unsigned char addr[16];
};

struct gw_entry {
	int family;
	uint32_t priority;
	unsigned char addr[16];
};

static int nl_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_BUSY:
		return -EBUSY;
	default:
		return -EIO;
	}
}

static void on_cache_change(struct nl_cache *cache, struct nl_object *obj, int action, void *data)
{
	struct kvp_ipinfo *ii = data;

	ii->routes_stale = true;
}

static int resync(struct kvp_ipinfo *ii)
{
	struct nl_cache *caches[] = { ii->links, ii->addrs, ii->routes };

	for (size_t i = 0; i < ELEMENTSOF(caches); i++) {
		int r = nl_cache_refill(ii->sync_sk, caches[i]);

		if (r < 0)
			return log_debug_errno(nl_to_errno(r), "ipinfo: re-dump failed: %s",
					       nl_geterror(r));
	}
	ii->routes_stale = false;
	return 0;
}

/*
 * Apply whatever notifications are queued; never blocks. Notifications are
 * queued on our socket before the change's netlink request returns, so a
 * query sees every change made before it, with one kernel exception: a new
 * IPv6 address is announced from the DAD work a moment after its request
 * returned (until then a dump would show it, tentative unless NODAD).
 */
static int drain(struct kvp_ipinfo *ii)
{
	int r = nl_cache_mngr_data_ready(ii->mngr);

	if (r >= 0)
		return 0;
	/* Socket overflow (ENOBUFS) or a bad message: events were lost. */
	log_debug("ipinfo: netlink notifications lost (%s), re-dumping", nl_geterror(r));
	r = resync(ii);
	if (r < 0)
		return r;
	(void)nl_cache_mngr_data_ready(ii->mngr);
	return 0;
}

static int refresh(struct kvp_ipinfo *ii)
{
	int r = drain(ii);

	if (r < 0)
		return r;
	if (ii->routes_stale) {
		r = nl_cache_refill(ii->sync_sk, ii->routes);
		if (r < 0)
			return nl_to_errno(r);
		ii->routes_stale = false;
	}
	return 0;
}

static int on_netlink_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	(void)drain(userdata);
	return 0;
}

int kvp_ipinfo_attach_event(struct kvp_ipinfo *ii, sd_event *event)
{
	int r;

	if (ii->io)
		return -EBUSY;
	r = sd_event_add_io(event, &ii->io, nl_cache_mngr_get_fd(ii->mngr), EPOLLIN, on_netlink_io,
			    ii);
	if (r < 0)
		return r;
	(void)sd_event_source_set_description(ii->io, "kvp-ipinfo-netlink");
	return 0;
}

static int dup_opt(const char *v, const char *def, char **ret)
{
	if (!v)
		v = def;
	if (!v) {
		*ret = NULL;
		return 0;
	}
	*ret = strdup(v);
	return *ret ? 0 : -ENOMEM;
}

int kvp_ipinfo_new(const struct kvp_ipinfo_options *opts, struct kvp_ipinfo **ret)
{
	static const struct kvp_ipinfo_options defaults = { 0 };
	struct kvp_ipinfo *ii;
	int r;

	if (!opts)
		opts = &defaults;
	ii = calloc(1, sizeof(*ii));
	if (!ii)
		return -ENOMEM;
	ii->use_resolved = opts->use_resolved;
	r = dup_opt(opts->resolv_conf, DEFAULT_RESOLV_CONF, &ii->resolv_conf);
	if (r >= 0)
		r = dup_opt(opts->sysfs_net, DEFAULT_SYSFS_NET, &ii->sysfs_net);
	if (r >= 0)
		r = dup_opt(opts->state_root, "", &ii->state_root);
	if (r >= 0)
		r = dup_opt(opts->bus_address, NULL, &ii->bus_address);
	if (r < 0)
		goto fail;

	ii->notify_sk = nl_socket_alloc();
	ii->sync_sk = nl_socket_alloc();
	if (!ii->notify_sk || !ii->sync_sk) {
		r = -ENOMEM;
		goto fail;
	}
	r = nl_connect(ii->sync_sk, NETLINK_ROUTE);
	if (r < 0)
		goto fail_nl;
	/* Connects notify_sk, makes it non-blocking, owns it until freed. */
	r = nl_cache_mngr_alloc(ii->notify_sk, NETLINK_ROUTE, 0, &ii->mngr);
	if (r < 0)
		goto fail_nl;
	(void)nl_socket_set_buffer_size(ii->notify_sk, NOTIFY_RCVBUF, 0);
	r = nl_cache_mngr_add(ii->mngr, "route/link", on_cache_change, ii, &ii->links);
	if (r >= 0)
		r = nl_cache_mngr_add(ii->mngr, "route/addr", on_cache_change, ii, &ii->addrs);
	if (r >= 0)
		r = nl_cache_mngr_add(ii->mngr, "route/route", NULL, NULL, &ii->routes);
	if (r < 0)
		goto fail_nl;
	*ret = ii;
	return 0;

fail_nl:
	r = log_debug_errno(nl_to_errno(r), "ipinfo: netlink setup failed: %s", nl_geterror(r));
fail:
	kvp_ipinfo_free(ii);
	return r;
}

struct kvp_ipinfo *kvp_ipinfo_free(struct kvp_ipinfo *ii)
{
	if (!ii)
		return NULL;
	sd_event_source_disable_unref(ii->io);
	sd_bus_flush_close_unref(ii->bus);
	if (ii->mngr)
		nl_cache_mngr_free(ii->mngr); /* frees the caches, closes notify_sk */
	nl_socket_free(ii->notify_sk);
	nl_socket_free(ii->sync_sk);
	free(ii->resolv_conf);
	free(ii->sysfs_net);
	free(ii->state_root);
	free(ii->bus_address);
	free(ii);
	return NULL;
}

/* ---- adapter lookup ---- */

/* "00:15:5D:0a:0b:0c", "00-15-5d-..", "00155d0a0b0c": one separator style. */
static int parse_mac(const char *s, unsigned char *mac, size_t *ret_len)
{
	char sep = 0;
	size_t n = 0;

	while (*s) {
		int hi, lo;

		if (n == MAX_HW_ADDR)
			return -EINVAL;
		hi = unhexchar(s[0]);
		lo = hi < 0 ? -1 : unhexchar(s[1]);
		if (lo < 0)
			return -EINVAL;
		mac[n++] = (unsigned char)(hi << 4 | lo);
		s += 2;
		if (!*s)
			break;
		if (n == 1 && (*s == ':' || *s == '-'))
			sep = *s;
		if (sep) {
			if (*s != sep)
				return -EINVAL;
			s++;
			if (!*s)
				return -EINVAL;
		}
	}
	if (n < 6)
		return -EINVAL;
	*ret_len = n;
	return 0;
}

/* A GUID with or without braces, into lower-case canonical form. */
static int parse_guid(const char *s, char out[37])
{
	size_t n = strlen(s);

	if (n == 38 && s[0] == '{' && s[37] == '}') {
		s++;
		n = 36;
	}
	if (n != 36)
		return -EINVAL;
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : unhexchar(s[i]) < 0)
			return -EINVAL;
		out[i] = dash ? '-' : (char)(s[i] | 0x20);
	}
	out[36] = '\0';
	return 0;
}

static int sysfs_path(const struct kvp_ipinfo *ii, const char *ifname, const char *leaf, char *buf,
		      size_t size)
{
	int n = snprintf(buf, size, "%s/%s/%s", ii->sysfs_net, ifname, leaf);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Driver bound to the interface's device ("" for virtual interfaces). */
static void link_driver(const struct kvp_ipinfo *ii, const char *ifname, char *buf, size_t size)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	buf[0] = '\0';
	if (sysfs_path(ii, ifname, "device/driver", path, sizeof(path)) < 0)
		return;
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	base = strrchr(target, '/');
	(void)strscpy(buf, base ? base + 1 : target, size);
}

static bool link_is_vf(const struct kvp_ipinfo *ii, struct rtnl_link *link, const char *ifname)
{
	char path[PATH_MAX];

	/* Hyper-V's accelerated networking enslaves the VF to the netvsc device. */
	if (rtnl_link_get_master(link) > 0)
		return true;
	return sysfs_path(ii, ifname, "device/physfn", path, sizeof(path)) == 0 &&
	       access(path, F_OK) == 0;
}

static bool link_is_loopback(struct rtnl_link *link)
{
	return (rtnl_link_get_flags(link) & IFF_LOOPBACK) ||
	       rtnl_link_get_arptype(link) == ARPHRD_LOOPBACK;
}

static bool link_has_device_id(const struct kvp_ipinfo *ii, const char *ifname, const char *guid)
{
	_cleanup_free_ char *line = NULL;
	char path[PATH_MAX], mine[37];

	if (sysfs_path(ii, ifname, "device/device_id", path, sizeof(path)) < 0)
		return false;
	if (read_one_line_file(path, &line) < 0)
		return false;
	return parse_guid(strstrip(line), mine) == 0 && streq(mine, guid);
}

/* Score of a candidate: synthetic NIC > not a VF > anything else. */
static int link_score(const struct kvp_ipinfo *ii, struct rtnl_link *link, const char *ifname)
{
	char driver[64];

	link_driver(ii, ifname, driver, sizeof(driver));
	if (streq(driver, NETVSC_DRIVER))
		return 3;
	return link_is_vf(ii, link, ifname) ? 1 : 2;
}

struct adapter {
	int ifindex;
	char name[IF_NAMESIZE];
};

static int find_link(struct kvp_ipinfo *ii, const char *id, struct adapter *ret)
{
	unsigned char mac[MAX_HW_ADDR];
	char guid[37];
	size_t mac_len = 0;
	bool by_guid;
	struct adapter best = { 0 };
	int best_score = 0;

	by_guid = parse_guid(id, guid) == 0;
	if (!by_guid && parse_mac(id, mac, &mac_len) < 0)
		return -ENODEV;

	for (struct nl_object *o = nl_cache_get_first(ii->links); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *link = (struct rtnl_link *)o;
		const char *name = rtnl_link_get_name(link);
		int ifindex = rtnl_link_get_ifindex(link), score;

		if (!name || ifindex <= 0 || strlen(name) >= IF_NAMESIZE || link_is_loopback(link))
			continue;
		if (by_guid) {
			if (!link_has_device_id(ii, name, guid))
				continue;
		} else {
			struct nl_addr *a = rtnl_link_get_addr(link);

			if (!a || nl_addr_get_len(a) != mac_len ||
			    memcmp(nl_addr_get_binary_addr(a), mac, mac_len) != 0)
				continue;
		}
		score = link_score(ii, link, name);
		if (score > best_score || (score == best_score && ifindex < best.ifindex)) {
			best_score = score;
			best.ifindex = ifindex;
			memcpy(best.name, name, strlen(name) + 1);
		}
	}
	if (!best_score)
		return -ENODEV;
	*ret = best;
	return 0;
}

int kvp_ipinfo_find_adapter(struct kvp_ipinfo *ii, const char *mac, char *ret_ifname, size_t size)
{
	struct adapter a;
	int r;

	r = refresh(ii);
	if (r < 0)
		return r;
	r = find_link(ii, mac, &a);
	if (r < 0)
		return r;
	if (strlen(a.name) >= size)
		return -E2BIG;
	memcpy(ret_ifname, a.name, strlen(a.name) + 1);
	return 0;
}

/* ---- addresses and gateways ---- */

#define FAMILY_V4 0x1u
#define FAMILY_V6 0x2u

static unsigned family_bit(int family)
{
	return family == AF_INET ? FAMILY_V4 : family == AF_INET6 ? FAMILY_V6 : 0;
}

static bool addr_is_loopback(int family, const unsigned char *a)
{
	static const unsigned char v6_loopback[16] = { [15] = 1 };

	if (family == AF_INET)
		return a[0] == 127;
	return memcmp(a, v6_loopback, 16) == 0;
}

static int cmp_ip_entry(const void *x, const void *y)
{
	const struct ip_entry *a = x, *b = y;

	if (a->ifindex != b->ifindex)
		return a->ifindex < b->ifindex ? -1 : 1;
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	if (a->secondary != b->secondary)
		return a->secondary ? 1 : -1;
	return memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* Usable addresses on ifindex (0: every non-loopback link), sorted. */
static int collect_addresses(struct kvp_ipinfo *ii, int ifindex, unsigned families,
			     struct ip_entry **ret, size_t *ret_n)
{
	_cleanup_free_ struct ip_entry *v = NULL;
	size_t n = 0, cap = 0;

	for (struct nl_object *o = nl_cache_get_first(ii->addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *ra = (struct rtnl_addr *)o;
		int family = rtnl_addr_get_family(ra), idx = rtnl_addr_get_ifindex(ra);
		unsigned flags = rtnl_addr_get_flags(ra);
		int scope = rtnl_addr_get_scope(ra);
		struct nl_addr *local = rtnl_addr_get_local(ra);
		size_t alen = family == AF_INET ? 4 : 16;
		struct ip_entry *e;

		if (!(family_bit(family) & families) || !local || nl_addr_get_len(local) != alen)
			continue;
		if (ifindex ? idx != ifindex : idx <= 0)
			continue;
		if (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED))
			continue;
		if (scope == RT_SCOPE_HOST || scope == RT_SCOPE_NOWHERE ||
		    addr_is_loopback(family, nl_addr_get_binary_addr(local)))
			continue;
		if (!ifindex) {
			struct rtnl_link *link = rtnl_link_get(ii->links, idx);
			bool lo = link && link_is_loopback(link);

			if (link)
				rtnl_link_put(link);
			if (lo)
				continue;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct ip_entry *nv = reallocarray(v, ncap, sizeof(*v));

			if (!nv)
				return -ENOMEM;
			v = nv;
			cap = ncap;
		}
		e = &v[n++];
		memset(e, 0, sizeof(*e));
		e->ifindex = idx;
		e->family = family;
		e->rank = scope == RT_SCOPE_UNIVERSE ? 0 : scope == RT_SCOPE_SITE ? 1 : 2;
		e->secondary = flags & IFA_F_SECONDARY;
		e->prefixlen = (unsigned)rtnl_addr_get_prefixlen(ra);
		memcpy(e->addr, nl_addr_get_binary_addr(local), alen);
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_ip_entry);
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

static void format_mask(const struct ip_entry *e, char *buf, size_t size)
{
	if (e->family == AF_INET) {
		unsigned plen = MIN(e->prefixlen, 32u);
		struct in_addr m = { .s_addr = htonl(plen ? ~0u << (32 - plen) : 0) };

		(void)inet_ntop(AF_INET, &m, buf, (socklen_t)size);
	} else {
		(void)snprintf(buf, size, "/%u", MIN(e->prefixlen, 128u));
	}
}

static int cmp_gw_entry(const void *x, const void *y)
{
	const struct gw_entry *a = x, *b = y;

	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	if (a->priority != b->priority)
		return a->priority < b->priority ? -1 : 1;
	return memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* Gateways of the main table's default routes leaving through ifindex. */
static int collect_gateways(struct kvp_ipinfo *ii, int ifindex, unsigned families,
			    struct gw_entry **ret, size_t *ret_n)
{
	_cleanup_free_ struct gw_entry *v = NULL;
	size_t n = 0, cap = 0;

	for (struct nl_object *o = nl_cache_get_first(ii->routes); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *rt = (struct rtnl_route *)o;
		int family = rtnl_route_get_family(rt);
		struct nl_addr *dst = rtnl_route_get_dst(rt);
		size_t alen = family == AF_INET ? 4 : 16;
		int nh_count;

		if (!(family_bit(family) & families) || rtnl_route_get_table(rt) != RT_TABLE_MAIN ||
		    rtnl_route_get_type(rt) != RTN_UNICAST || (dst && nl_addr_get_prefixlen(dst)))
			continue;
		nh_count = rtnl_route_get_nnexthops(rt);
		for (int i = 0; i < nh_count; i++) {
			struct rtnl_nexthop *nh = rtnl_route_nexthop_n(rt, i);
			struct nl_addr *gw = nh ? rtnl_route_nh_get_gateway(nh) : NULL;
			struct gw_entry *e;

			if (!gw || rtnl_route_nh_get_ifindex(nh) != ifindex ||
			    nl_addr_get_len(gw) != alen || nl_addr_get_family(gw) != family)
				continue;
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 8;
				struct gw_entry *nv = reallocarray(v, ncap, sizeof(*v));

				if (!nv)
					return -ENOMEM;
				v = nv;
				cap = ncap;
			}
			e = &v[n++];
			memset(e, 0, sizeof(*e));
			e->family = family;
			e->priority = rtnl_route_get_priority(rt);
			memcpy(e->addr, nl_addr_get_binary_addr(gw), alen);
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_gw_entry);
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

static unsigned requested_families(__u8 addr_family)
{
	if (addr_family == HV_ADDR_FAMILY_IPV4)
		return FAMILY_V4;
	if (addr_family == HV_ADDR_FAMILY_IPV6)
		return FAMILY_V6;
	return FAMILY_V4 | FAMILY_V6;
}

/* Write a NUL-terminated string into a wire field, zeroing the rest. */
static void put_field(void *field, size_t field_size, const char *s)
{
	size_t n = strlen(s);

	memset(field, 0, field_size);
	memcpy(field, s, MIN(n, field_size - 1));
}

#define FIELD(ip, member) ((char *)(ip) + offsetof(struct hv_kvp_ipaddr_value, member))
#define FIELD_SIZE(member) sizeof(((struct hv_kvp_ipaddr_value *)NULL)->member)

int kvp_ipinfo_get(struct kvp_ipinfo *ii, struct hv_kvp_ipaddr_value *ip)
{
	_cleanup_free_ struct ip_entry *addrs = NULL;
	_cleanup_free_ struct gw_entry *gws = NULL;
	_cleanup_strv_free_ char **dns = NULL;
	char ip_buf[KVP_IPINFO_LIST_MAX], mask_buf[KVP_IPINFO_LIST_MAX];
	char gw_buf[KVP_IPINFO_GATEWAY_MAX], dns_buf[KVP_IPINFO_LIST_MAX];
	char id[FIELD_SIZE(adapter_id) + 1];
	struct kvp_ipinfo_list l_ip, l_mask, l_gw, l_dns;
	struct kvp_ipinfo_dns_opts dopts = {
		.resolv_conf = ii->resolv_conf,
		.state_root = ii->state_root,
		.bus_address = ii->bus_address,
		.use_resolved = ii->use_resolved,
	};
	unsigned families, present = 0;
	size_t n_addrs, n_gws;
	struct adapter a;
	int dhcp, r;

	/* The id comes from the host: bounded, whatever the driver did. */
	memcpy(id, FIELD(ip, adapter_id), FIELD_SIZE(adapter_id));
	id[FIELD_SIZE(adapter_id)] = '\0';

	r = refresh(ii);
	if (r < 0)
		return r;
	r = find_link(ii, strstrip(id), &a);
	if (r < 0)
		return r;
	families = requested_families(ip->addr_family);

	r = collect_addresses(ii, a.ifindex, families, &addrs, &n_addrs);
	if (r < 0)
		return r;
	r = collect_gateways(ii, a.ifindex, families, &gws, &n_gws);
	if (r < 0)
		return r;
	r = kvp_ipinfo_dns_servers(&dopts, &ii->bus, a.ifindex, &dns);
	if (r < 0)
		return r;
	dhcp = kvp_ipinfo_dhcp_enabled(ii->state_root, a.ifindex, a.name, time(NULL), NULL);

	kvp_ipinfo_list_init(&l_ip, ip_buf, sizeof(ip_buf));
	kvp_ipinfo_list_init(&l_mask, mask_buf, sizeof(mask_buf));
	for (size_t i = 0; i < n_addrs; i++) {
		char text[INET6_ADDRSTRLEN], mask[INET6_ADDRSTRLEN];

		(void)inet_ntop(addrs[i].family, addrs[i].addr, text, sizeof(text));
		format_mask(&addrs[i], mask, sizeof(mask));
		/* Both or neither, so sub_net stays aligned with ip_addr. */
		if (!kvp_ipinfo_list_fits(&l_ip, strlen(text)) ||
		    !kvp_ipinfo_list_fits(&l_mask, strlen(mask))) {
			log_debug("ipinfo: %s: address list truncated at %zu of %zu", a.name, i,
				  n_addrs);
			break;
		}
		(void)kvp_ipinfo_list_append(&l_ip, text);
		(void)kvp_ipinfo_list_append(&l_mask, mask);
		present |= family_bit(addrs[i].family);
	}

	kvp_ipinfo_list_init(&l_gw, gw_buf, sizeof(gw_buf));
	for (size_t i = 0; i < n_gws; i++) {
		char text[INET6_ADDRSTRLEN];

		if (i > 0 && cmp_gw_entry(&gws[i - 1], &gws[i]) == 0)
			continue;
		(void)inet_ntop(gws[i].family, gws[i].addr, text, sizeof(text));
		if (kvp_ipinfo_list_append(&l_gw, text) < 0)
			break;
	}

	kvp_ipinfo_list_init(&l_dns, dns_buf, sizeof(dns_buf));
	STRV_FOREACH(s, dns) {
		int family = strchr(*s, ':') ? AF_INET6 : AF_INET;

		if (!(family_bit(family) & families))
			continue;
		if (kvp_ipinfo_list_append(&l_dns, *s) < 0)
			break;
	}

	put_field(FIELD(ip, ip_addr), FIELD_SIZE(ip_addr), ip_buf);
	put_field(FIELD(ip, sub_net), FIELD_SIZE(sub_net), mask_buf);
	put_field(FIELD(ip, gate_way), FIELD_SIZE(gate_way), gw_buf);
	put_field(FIELD(ip, dns_addr), FIELD_SIZE(dns_addr), dns_buf);
	ip->dhcp_enabled = dhcp > 0;
	ip->addr_family = (__u8)present;
	/* Echoed to the host, which the driver strlen()s: keep it terminated. */
	FIELD(ip, adapter_id)[FIELD_SIZE(adapter_id) - 1] = '\0';
	return 0;
}

int kvp_ipinfo_addresses(struct kvp_ipinfo *ii, int family, char *buf, size_t size)
{
	_cleanup_free_ struct ip_entry *addrs = NULL;
	struct kvp_ipinfo_list l;
	size_t n;
	int r;

	if (!family_bit(family) || size == 0)
		return -EINVAL;
	r = refresh(ii);
	if (r < 0)
		return r;
	r = collect_addresses(ii, 0, family_bit(family), &addrs, &n);
	if (r < 0)
		return r;
	kvp_ipinfo_list_init(&l, buf, size);
	for (size_t i = 0; i < n; i++) {
		char text[INET6_ADDRSTRLEN];

		(void)inet_ntop(family, addrs[i].addr, text, sizeof(text));
		if (kvp_ipinfo_list_append(&l, text) < 0)
			break;
	}
	return 0;
}

/* ---- the ';' list ---- */

void kvp_ipinfo_list_init(struct kvp_ipinfo_list *l, char *buf, size_t size)
{
	l->buf = buf;
	l->size = size;
	l->len = 0;
	l->full = size == 0;
	if (size)
		buf[0] = '\0';
}

bool kvp_ipinfo_list_fits(const struct kvp_ipinfo_list *l, size_t n)
{
	size_t need = n + (l->len ? 1 : 0) + 1;

	return !l->full && n > 0 && need <= l->size - l->len;
}

int kvp_ipinfo_list_append(struct kvp_ipinfo_list *l, const char *item)
{
	size_t n = strlen(item);

	if (!kvp_ipinfo_list_fits(l, n)) {
		l->full = true;
		return -E2BIG;
	}
	if (l->len)
		l->buf[l->len++] = ';';
	memcpy(l->buf + l->len, item, n + 1);
	l->len += n;
	return 0;
}
