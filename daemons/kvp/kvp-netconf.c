// SPDX-License-Identifier: MIT
/*
 * SET_IP_INFO: parse and validate the host's message, find out about the
 * link, pick the backend, hand over to the writer. Nothing is written
 * before everything has been validated.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "kvp-netconf.h"
#include "log.h"
#include "util.h"

static const char *const backend_names[_KVP_NETCONF_BACKEND_MAX] = {
	[KVP_NETCONF_AUTO] = "auto",	     [KVP_NETCONF_NETWORKMANAGER] = "networkmanager",
	[KVP_NETCONF_NETWORKD] = "networkd", [KVP_NETCONF_IFUPDOWN] = "ifupdown",
	[KVP_NETCONF_HOOK] = "hook",
};

const char *kvp_netconf_backend_to_string(enum kvp_netconf_backend b)
{
	if ((unsigned)b >= _KVP_NETCONF_BACKEND_MAX)
		return NULL;
	return backend_names[b];
}

int kvp_netconf_backend_from_string(const char *s)
{
	if (!s)
		return -EINVAL;
	for (int i = 0; i < _KVP_NETCONF_BACKEND_MAX; i++)
		if (strcasecmp(s, backend_names[i]) == 0)
			return i;
	/* Spellings an administrator is likely to use. */
	if (strcasecmp(s, "NetworkManager") == 0 || strcasecmp(s, "nm") == 0)
		return KVP_NETCONF_NETWORKMANAGER;
	if (strcasecmp(s, "systemd-networkd") == 0)
		return KVP_NETCONF_NETWORKD;
	return -EINVAL;
}

/*
 * The kernel accepts almost any byte in a name; we only accept names that
 * need no quoting in a keyfile, a .network file, interfaces(5), a file
 * name or an argv: [A-Za-z0-9._@+-], 1..15 bytes, not starting with '-'
 * or '.', never "." or "..".
 */
bool kvp_netconf_ifname_valid(const char *ifname)
{
	size_t n;

	if (!ifname)
		return false;
	n = strnlen(ifname, IFNAMSIZ);
	if (n == 0 || n >= IFNAMSIZ)
		return false;
	if (ifname[0] == '-' || ifname[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)ifname[i];

		if (!(isascii(c) && isalnum(c)) && !strchr("._@+-", c))
			return false;
	}
	return true;
}

/* ---- parsing ---- */

#define ITEM_MAX 64 /* longer than any address, mask or prefix */

/*
 * Iterate over the ';'-separated items of s: copies the next item, with
 * surrounding blanks removed, into item. Returns 1 with an item, 0 at the
 * end, -EINVAL for an empty item that is not the last one ("a;;b") or an
 * over-long item. A trailing ';' and blanks around items are accepted.
 */
static int next_item(const char **s, char item[static ITEM_MAX])
{
	const char *p = *s, *end;
	size_t n;

	if (!*p)
		return 0;
	end = strchr(p, ';');
	n = end ? (size_t)(end - p) : strlen(p);
	*s = end ? end + 1 : p + n;
	while (n > 0 && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n == 0)
		return **s ? -EINVAL : 0;
	if (n >= ITEM_MAX)
		return -EINVAL;
	memcpy(item, p, n);
	item[n] = '\0';
	return 1;
}

/* The field as a C string: it must be NUL-terminated inside its array. */
static int field_string(const void *field, size_t size, const char **ret)
{
	if (bounded_strlen(field, size) >= size)
		return -EINVAL;
	*ret = field;
	return 0;
}

static bool addr4_usable(const struct in_addr *a)
{
	uint32_t h = ntohl(a->s_addr);

	/* 0/8 "this network", 127/8 loopback, 224/4 multicast, 240/4 incl. broadcast */
	return (h >> 24) != 0 && (h >> 24) != 127 && (h >> 28) != 0xe && (h >> 28) != 0xf;
}

static bool addr6_usable(const struct in6_addr *a)
{
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_LOOPBACK(a) &&
	       !IN6_IS_ADDR_MULTICAST(a) && !IN6_IS_ADDR_V4MAPPED(a);
}

static int parse_addr(const char *s, struct kvp_netconf_addr *ret)
{
	struct kvp_netconf_addr a = {};

	if (inet_pton(AF_INET, s, &a.in) == 1) {
		if (!addr4_usable(&a.in))
			return -EINVAL;
		a.family = AF_INET;
	} else if (inet_pton(AF_INET6, s, &a.in6) == 1) {
		if (!addr6_usable(&a.in6))
			return -EINVAL;
		a.family = AF_INET6;
	} else {
		return -EINVAL;
	}
	*ret = a;
	return 0;
}

/* Decimal prefix length, optionally written "/N", at most max. */
static int parse_prefixlen(const char *s, unsigned max, unsigned *ret)
{
	unsigned v = 0;

	if (*s == '/')
		s++;
	if (!*s || strlen(s) > 3)
		return -EINVAL;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* Prefix length of a contiguous mask of len bytes, or -EINVAL. */
static int mask_to_prefixlen(const uint8_t *m, size_t len)
{
	unsigned plen = 0;
	size_t i = 0;

	for (; i < len && m[i] == 0xff; i++)
		plen += 8;
	if (i < len) {
		uint8_t b = m[i];

		/* One partial byte of leading ones, then zeros only. */
		while (b & 0x80) {
			plen++;
			b = (uint8_t)(b << 1);
		}
		if (b)
			return -EINVAL;
		for (i++; i < len; i++)
			if (m[i])
				return -EINVAL;
	}
	return (int)plen;
}

/*
 * sub_net entry for an address of family: IPv4 wants a dotted mask (a
 * prefix length is tolerated), IPv6 a prefix length (a mask in address
 * form is tolerated). Masks must be contiguous.
 */
static int parse_subnet(const char *s, int family, unsigned *ret)
{
	uint8_t m[16];
	int r;

	if (family == AF_INET && strchr(s, '.')) {
		if (inet_pton(AF_INET, s, m) != 1)
			return -EINVAL;
		r = mask_to_prefixlen(m, 4);
	} else if (family == AF_INET6 && strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, m) != 1)
			return -EINVAL;
		r = mask_to_prefixlen(m, 16);
	} else {
		return parse_prefixlen(s, family == AF_INET ? 32 : 128, ret);
	}
	if (r < 0)
		return r;
	*ret = (unsigned)r;
	return 0;
}

static int parse_addr_list(const char *s, struct kvp_netconf_addr *list, size_t max, size_t *ret_n)
{
	char item[ITEM_MAX];
	size_t n = 0;
	int r;

	while ((r = next_item(&s, item)) > 0) {
		if (n >= max)
			return -EINVAL;
		r = parse_addr(item, &list[n]);
		if (r < 0)
			return r;
		n++;
	}
	if (r < 0)
		return r;
	*ret_n = n;
	return 0;
}

int kvp_netconf_parse(const struct hv_kvp_ipaddr_value *ip, struct kvp_netconf *ret)
{
	_cleanup_free_ struct kvp_netconf *nc = NULL;
	const char *addrs, *subnets, *gateways, *dns;
	char item[ITEM_MAX];
	size_t n_subnets = 0;
	int r;

	if (field_string(ip->ip_addr, sizeof(ip->ip_addr), &addrs) < 0 ||
	    field_string(ip->sub_net, sizeof(ip->sub_net), &subnets) < 0 ||
	    field_string(ip->gate_way, sizeof(ip->gate_way), &gateways) < 0 ||
	    field_string(ip->dns_addr, sizeof(ip->dns_addr), &dns) < 0)
		return -EINVAL;

	nc = calloc(1, sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	nc->dhcp4 = ip->dhcp_enabled != 0;

	r = parse_addr_list(addrs, nc->addrs, KVP_NETCONF_MAX_ADDRS, &nc->n_addrs);
	if (r < 0)
		return r;
	while ((r = next_item(&subnets, item)) > 0) {
		if (n_subnets >= nc->n_addrs)
			return -EINVAL;
		r = parse_subnet(item, nc->addrs[n_subnets].family,
				 &nc->addrs[n_subnets].prefixlen);
		if (r < 0)
			return r;
		n_subnets++;
	}
	if (r < 0 || n_subnets != nc->n_addrs)
		return -EINVAL;
	r = parse_addr_list(gateways, nc->gateways, KVP_NETCONF_MAX_GATEWAYS, &nc->n_gateways);
	if (r < 0)
		return r;
	r = parse_addr_list(dns, nc->dns, KVP_NETCONF_MAX_DNS, &nc->n_dns);
	if (r < 0)
		return r;

	/* Static with nothing to configure would cut the VM off. */
	if (!nc->dhcp4 && nc->n_addrs == 0)
		return -EINVAL;

	*ret = *nc;
	return 0;
}

static bool has_family(const struct kvp_netconf_addr *list, size_t n, int family)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].family == family)
			return true;
	return false;
}

enum kvp_netconf_method kvp_netconf_method(const struct kvp_netconf *nc, int family)
{
	if (family == AF_INET) {
		if (nc->dhcp4)
			return KVP_NETCONF_METHOD_AUTO;
		return has_family(nc->addrs, nc->n_addrs, AF_INET) ? KVP_NETCONF_METHOD_STATIC :
								     KVP_NETCONF_METHOD_DISABLED;
	}
	return has_family(nc->addrs, nc->n_addrs, AF_INET6) ? KVP_NETCONF_METHOD_STATIC :
							      KVP_NETCONF_METHOD_AUTO;
}

bool kvp_netconf_in_effect(const struct kvp_netconf *nc, enum kvp_netconf_kind kind, int family)
{
	enum kvp_netconf_method m = kvp_netconf_method(nc, family);

	if (kind == KVP_NETCONF_DNS)
		return m != KVP_NETCONF_METHOD_DISABLED;
	return m == KVP_NETCONF_METHOD_STATIC;
}

const char *kvp_netconf_addr_str(const struct kvp_netconf_addr *a, char *buf)
{
	if (!inet_ntop(a->family,
		       a->family == AF_INET ? (const void *)&a->in : (const void *)&a->in6, buf,
		       INET6_ADDRSTRLEN))
		strcpy(buf, "?");
	return buf;
}

/* ---- the link ---- */

static int read_sysfs_attr(const struct kvp_netconf_options *opts, const char *ifname,
			   const char *attr, char **ret)
{
	_cleanup_free_ char *path = NULL;

	if (asprintf(&path, "%s/sys/class/net/%s/%s", strempty(opts->root), ifname, attr) < 0)
		return -ENOMEM;
	return read_one_line_file(path, ret);
}

static bool mac_valid(const char *s)
{
	/* Six colon-separated hex octets: what sysfs prints for Ethernet. */
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* MAC and ifindex from sysfs; -ENODEV if the interface does not exist. */
static int load_link(const struct kvp_netconf_options *opts, struct kvp_netconf *nc)
{
	_cleanup_free_ char *mac = NULL, *idx = NULL;
	int r, ifindex;

	r = read_sysfs_attr(opts, nc->ifname, "ifindex", &idx);
	if (r == -ENOENT)
		return -ENODEV;
	if (r < 0)
		return r;
	if (safe_atoi(strstrip(idx), &ifindex) < 0 || ifindex <= 0)
		return -ENODEV;
	nc->ifindex = ifindex;

	/* Without a MAC the files just do not bind to it. */
	if (read_sysfs_attr(opts, nc->ifname, "address", &mac) >= 0) {
		char *m = strstrip(mac);

		if (mac_valid(m) && strcmp(m, "00:00:00:00:00:00") != 0) {
			for (char *p = m; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			memcpy(nc->mac, m, sizeof(nc->mac));
		}
	}
	return 0;
}

int kvp_netconf_apply(const struct kvp_netconf_options *opts, const char *ifname,
		      const struct hv_kvp_ipaddr_value *ip)
{
	_cleanup_free_ struct kvp_netconf *nc = NULL;
	enum kvp_netconf_backend backend;
	int r;

	if (!kvp_netconf_ifname_valid(ifname))
		return log_debug_errno(-EINVAL, "netconf: refusing interface name");
	nc = malloc(sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	r = kvp_netconf_parse(ip, nc);
	if (r < 0)
		return log_debug_errno(r, "netconf: %s: invalid SET_IP_INFO data", ifname);
	strcpy(nc->ifname, ifname);

	r = load_link(opts, nc);
	if (r < 0)
		return log_debug_errno(r, "netconf: %s: no such interface", ifname);

	r = kvp_netconf_detect(opts, nc, &backend);
	if (r < 0)
		return log_debug_errno(
			r, "netconf: %s: nothing manages it and no hook is installed", ifname);
	log_debug("netconf: %s: configuring through %s", ifname,
		  kvp_netconf_backend_to_string(backend));
	return kvp_netconf_write_backend(opts, nc, backend);
}
