// SPDX-License-Identifier: MIT
/*
 * Configuration text for each network manager, from a validated struct
 * kvp_netconf. Output depends on nothing but the struct, so the golden
 * files in tests/unit/data/netconf/ pin it byte for byte. Every value
 * written is either a canonical address (inet_ntop), a number, or a
 * validated interface name / MAC / UUID: nothing needs quoting.
 *
 * Common rules (see kvp_netconf_method()/kvp_netconf_in_effect()):
 * - IPv4: DHCP when dhcp_enabled, static with the host's IPv4 addresses,
 *   else disabled. IPv6: static with the host's IPv6 addresses, else
 *   automatic (RA/DHCPv6).
 * - The first gateway of a family is the default gateway; further ones
 *   become default routes with metrics 1025, 1026, ... (ifupdown: first
 *   only, since extra routes there would need shell "up" lines).
 * - DNS servers given for a family replace what DHCP/RA would provide.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "kvp-netconf.h"
#include "util.h"

#define HEADER_COMMENT \
	"# Written by hv_kvp_daemon for Hyper-V IP injection; replaced by the next one.\n"
#define EXTRA_GATEWAY_METRIC 1024

static const int families[] = { AF_INET, AF_INET6 };

static FILE *open_buffer(char **buf, size_t *size)
{
	*buf = NULL;
	return open_memstream(buf, size);
}

static int close_buffer(FILE *f, char **buf, char **ret)
{
	bool failed = ferror(f);

	if (fclose(f) != 0 || failed) {
		free(*buf);
		*buf = NULL;
		return -ENOMEM;
	}
	*ret = TAKE_PTR(*buf);
	return 0;
}

static unsigned count_family(const struct kvp_netconf_addr *list, size_t n, int family)
{
	unsigned c = 0;

	for (size_t i = 0; i < n; i++)
		c += list[i].family == family;
	return c;
}

static const struct kvp_netconf_addr *first_of(const struct kvp_netconf_addr *list, size_t n,
					       int family)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].family == family)
			return &list[i];
	return NULL;
}

static void prefix_to_mask4(unsigned plen, char *buf)
{
	struct in_addr m = { .s_addr = htonl(plen ? 0xffffffffu << (32 - plen) : 0) };

	inet_ntop(AF_INET, &m, buf, INET_ADDRSTRLEN);
}

/* ---- NetworkManager keyfile (nm-settings-keyfile(5)) ---- */

static void nm_ip_section(FILE *f, const struct kvp_netconf *nc, int family)
{
	enum kvp_netconf_method m = kvp_netconf_method(nc, family);
	char a[INET6_ADDRSTRLEN];
	unsigned idx = 0;
	bool first_gw = true;

	fprintf(f, "\n[%s]\n", family == AF_INET ? "ipv4" : "ipv6");
	fprintf(f, "method=%s\n",
		m == KVP_NETCONF_METHOD_STATIC ? "manual" :
		m == KVP_NETCONF_METHOD_AUTO   ? "auto" :
						 "disabled");
	if (kvp_netconf_in_effect(nc, KVP_NETCONF_ADDRESS, family))
		for (size_t i = 0; i < nc->n_addrs; i++)
			if (nc->addrs[i].family == family)
				fprintf(f, "address%u=%s/%u\n", ++idx,
					kvp_netconf_addr_str(&nc->addrs[i], a),
					nc->addrs[i].prefixlen);
	if (kvp_netconf_in_effect(nc, KVP_NETCONF_GATEWAY, family)) {
		idx = 0;
		for (size_t i = 0; i < nc->n_gateways; i++) {
			if (nc->gateways[i].family != family)
				continue;
			if (first_gw) {
				fprintf(f, "gateway=%s\n",
					kvp_netconf_addr_str(&nc->gateways[i], a));
				first_gw = false;
				continue;
			}
			idx++;
			fprintf(f, "route%u=%s,%s,%u\n", idx,
				family == AF_INET ? "0.0.0.0/0" : "::/0",
				kvp_netconf_addr_str(&nc->gateways[i], a),
				EXTRA_GATEWAY_METRIC + idx);
		}
	}
	if (kvp_netconf_in_effect(nc, KVP_NETCONF_DNS, family) &&
	    count_family(nc->dns, nc->n_dns, family) > 0) {
		fputs("dns=", f);
		for (size_t i = 0; i < nc->n_dns; i++)
			if (nc->dns[i].family == family)
				fprintf(f, "%s;", kvp_netconf_addr_str(&nc->dns[i], a));
		fputs("\nignore-auto-dns=true\n", f);
	}
	if (m == KVP_NETCONF_METHOD_DISABLED)
		fputs("may-fail=true\n", f);
}

int kvp_netconf_render_nm(const struct kvp_netconf *nc, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t size;
	FILE *f = open_buffer(&buf, &size);

	if (!f)
		return -ENOMEM;
	fputs(HEADER_COMMENT, f);
	fputs("[connection]\n", f);
	fprintf(f, "id=hyperv-%s\n", nc->ifname);
	if (nc->uuid[0])
		fprintf(f, "uuid=%s\n", nc->uuid);
	fputs("type=ethernet\n", f);
	fprintf(f, "interface-name=%s\n", nc->ifname);
	/* Wins over the admin's other profiles for the device at boot. */
	fputs("autoconnect-priority=100\n", f);
	if (nc->mac[0])
		fprintf(f, "\n[ethernet]\nmac-address=%s\n", nc->mac);
	for (size_t i = 0; i < ELEMENTSOF(families); i++)
		nm_ip_section(f, nc, families[i]);
	return close_buffer(f, &buf, ret);
}

/* ---- systemd-networkd (systemd.network(5)) ---- */

int kvp_netconf_render_networkd(const struct kvp_netconf *nc, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	char a[INET6_ADDRSTRLEN];
	size_t size;
	bool dns4, dns6;
	FILE *f = open_buffer(&buf, &size);

	if (!f)
		return -ENOMEM;
	fputs(HEADER_COMMENT, f);
	fputs("[Match]\n", f);
	fprintf(f, "Name=%s\n", nc->ifname);
	/* Both must match: not the SR-IOV VF sharing the MAC, not a renamed NIC. */
	if (nc->mac[0])
		fprintf(f, "MACAddress=%s\n", nc->mac);

	fputs("\n[Network]\n", f);
	fprintf(f, "DHCP=%s\n", nc->dhcp4 ? "ipv4" : "no");
	fprintf(f, "IPv6AcceptRA=%s\n",
		kvp_netconf_method(nc, AF_INET6) == KVP_NETCONF_METHOD_STATIC ? "no" : "yes");
	for (size_t fi = 0; fi < ELEMENTSOF(families); fi++) {
		int family = families[fi];

		if (!kvp_netconf_in_effect(nc, KVP_NETCONF_ADDRESS, family))
			continue;
		for (size_t i = 0; i < nc->n_addrs; i++)
			if (nc->addrs[i].family == family)
				fprintf(f, "Address=%s/%u\n",
					kvp_netconf_addr_str(&nc->addrs[i], a),
					nc->addrs[i].prefixlen);
	}
	for (size_t fi = 0; fi < ELEMENTSOF(families); fi++) {
		const struct kvp_netconf_addr *gw =
			first_of(nc->gateways, nc->n_gateways, families[fi]);

		if (gw && kvp_netconf_in_effect(nc, KVP_NETCONF_GATEWAY, families[fi]))
			fprintf(f, "Gateway=%s\n", kvp_netconf_addr_str(gw, a));
	}
	dns4 = kvp_netconf_in_effect(nc, KVP_NETCONF_DNS, AF_INET) &&
	       count_family(nc->dns, nc->n_dns, AF_INET) > 0;
	dns6 = kvp_netconf_in_effect(nc, KVP_NETCONF_DNS, AF_INET6) &&
	       count_family(nc->dns, nc->n_dns, AF_INET6) > 0;
	for (size_t i = 0; i < nc->n_dns; i++)
		if ((nc->dns[i].family == AF_INET && dns4) ||
		    (nc->dns[i].family == AF_INET6 && dns6))
			fprintf(f, "DNS=%s\n", kvp_netconf_addr_str(&nc->dns[i], a));

	for (size_t fi = 0; fi < ELEMENTSOF(families); fi++) {
		int family = families[fi];
		const struct kvp_netconf_addr *gw = first_of(nc->gateways, nc->n_gateways, family);
		unsigned idx = 0;

		if (!kvp_netconf_in_effect(nc, KVP_NETCONF_GATEWAY, family))
			continue;
		for (size_t i = 0; i < nc->n_gateways; i++) {
			if (nc->gateways[i].family != family || &nc->gateways[i] == gw)
				continue;
			idx++;
			fprintf(f, "\n[Route]\nGateway=%s\nMetric=%u\n",
				kvp_netconf_addr_str(&nc->gateways[i], a),
				EXTRA_GATEWAY_METRIC + idx);
		}
	}
	if (nc->dhcp4 && dns4)
		fputs("\n[DHCPv4]\nUseDNS=no\n", f);
	if (kvp_netconf_method(nc, AF_INET6) == KVP_NETCONF_METHOD_AUTO && dns6)
		fputs("\n[IPv6AcceptRA]\nUseDNS=no\n\n[DHCPv6]\nUseDNS=no\n", f);
	return close_buffer(f, &buf, ret);
}

/* ---- ifupdown (interfaces(5)) ---- */

static void ifupdown_dns(FILE *f, const struct kvp_netconf *nc, int family)
{
	char a[INET6_ADDRSTRLEN];

	if (!kvp_netconf_in_effect(nc, KVP_NETCONF_DNS, family) ||
	    count_family(nc->dns, nc->n_dns, family) == 0)
		return;
	fputs("\tdns-nameservers", f);
	for (size_t i = 0; i < nc->n_dns; i++)
		if (nc->dns[i].family == family)
			fprintf(f, " %s", kvp_netconf_addr_str(&nc->dns[i], a));
	fputc('\n', f);
}

static void ifupdown_family(FILE *f, const struct kvp_netconf *nc, int family)
{
	const char *fam = family == AF_INET ? "inet" : "inet6";
	enum kvp_netconf_method m = kvp_netconf_method(nc, family);
	char a[INET6_ADDRSTRLEN], mask[INET_ADDRSTRLEN];
	bool first = true;

	if (m == KVP_NETCONF_METHOD_DISABLED)
		return;
	if (m == KVP_NETCONF_METHOD_AUTO) {
		/* IPv6 autoconfiguration is the kernel's default: a stanza only for DNS. */
		if (family == AF_INET6 && (!kvp_netconf_in_effect(nc, KVP_NETCONF_DNS, family) ||
					   count_family(nc->dns, nc->n_dns, family) == 0))
			return;
		fprintf(f, "\niface %s %s %s\n", nc->ifname, fam,
			family == AF_INET ? "dhcp" : "auto");
		ifupdown_dns(f, nc, family);
		return;
	}
	/* One stanza per address: ifupdown applies every stanza of the interface. */
	for (size_t i = 0; i < nc->n_addrs; i++) {
		const struct kvp_netconf_addr *ad = &nc->addrs[i];

		if (ad->family != family)
			continue;
		fprintf(f, "\niface %s %s static\n", nc->ifname, fam);
		fprintf(f, "\taddress %s\n", kvp_netconf_addr_str(ad, a));
		if (family == AF_INET) {
			prefix_to_mask4(ad->prefixlen, mask);
			fprintf(f, "\tnetmask %s\n", mask);
		} else {
			fprintf(f, "\tnetmask %u\n", ad->prefixlen);
		}
		if (first) {
			const struct kvp_netconf_addr *gw =
				first_of(nc->gateways, nc->n_gateways, family);

			if (gw)
				fprintf(f, "\tgateway %s\n", kvp_netconf_addr_str(gw, a));
			ifupdown_dns(f, nc, family);
			first = false;
		}
	}
}

int kvp_netconf_render_ifupdown(const struct kvp_netconf *nc, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t size;
	FILE *f = open_buffer(&buf, &size);

	if (!f)
		return -ENOMEM;
	fputs(HEADER_COMMENT, f);
	fprintf(f, "auto %s\n", nc->ifname);
	for (size_t i = 0; i < ELEMENTSOF(families); i++)
		ifupdown_family(f, nc, families[i]);
	return close_buffer(f, &buf, ret);
}

/* ---- upstream's ifcfg file, for the hv_set_ifconfig hook ---- */

/* IPv6 in upstream's fully expanded form: 8 groups of 4 lowercase hex digits. */
static const char *ifcfg_addr(const struct kvp_netconf_addr *a, char *buf)
{
	const uint8_t *b = a->in6.s6_addr;

	if (a->family == AF_INET)
		return kvp_netconf_addr_str(a, buf);
	snprintf(buf, 40, "%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
	return buf;
}

/*
 * Upstream numbering (kvp_set_ip_info()/process_ip_string()), list order,
 * the host's full data (the hook decides what to use):
 *   IPADDR0, IPADDR1 ...      IPV6ADDR, IPV6ADDR_1 ...
 *   NETMASK0, NETMASK1 ...    IPV6NETMASK, IPV6NETMASK_1 ... (prefix length)
 *   GATEWAY, GATEWAY1 ...     IPV6_DEFAULTGW, IPV6_DEFAULTGW_1 ...
 *   DNS1, DNS2 ... (both families share the counter)
 */
static void ifcfg_list(FILE *f, const struct kvp_netconf_addr *list, size_t n, const char *key4,
		       const char *key6, bool masks, bool first4_bare)
{
	char a[INET6_ADDRSTRLEN], mask[INET_ADDRSTRLEN];
	unsigned i4 = 0, i6 = 0;

	for (size_t i = 0; i < n; i++) {
		const struct kvp_netconf_addr *ad = &list[i];
		const char *value = ifcfg_addr(ad, a);

		if (masks) {
			if (ad->family == AF_INET) {
				prefix_to_mask4(ad->prefixlen, mask);
				value = mask;
			} else {
				snprintf(mask, sizeof(mask), "%u", ad->prefixlen);
				value = mask;
			}
		}
		if (ad->family == AF_INET) {
			if (first4_bare && i4 == 0)
				fprintf(f, "%s=%s\n", key4, value);
			else
				fprintf(f, "%s%u=%s\n", key4, i4, value);
			i4++;
		} else {
			if (i6 == 0)
				fprintf(f, "%s=%s\n", key6, value);
			else
				fprintf(f, "%s_%u=%s\n", key6, i6, value);
			i6++;
		}
	}
}

int kvp_netconf_render_ifcfg(const struct kvp_netconf *nc, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	char a[INET6_ADDRSTRLEN];
	size_t size;
	FILE *f = open_buffer(&buf, &size);

	if (!f)
		return -ENOMEM;
	if (nc->mac[0]) {
		fputs("HWADDR=", f);
		for (const char *p = nc->mac; *p; p++)
			fputc(*p >= 'a' && *p <= 'f' ? *p - 'a' + 'A' : *p, f);
		fputc('\n', f);
	}
	fprintf(f, "DEVICE=%s\n", nc->ifname);
	fprintf(f, "BOOTPROTO=%s\n", nc->dhcp4 ? "dhcp" : "none");
	ifcfg_list(f, nc->addrs, nc->n_addrs, "IPADDR", "IPV6ADDR", false, false);
	ifcfg_list(f, nc->addrs, nc->n_addrs, "NETMASK", "IPV6NETMASK", true, false);
	ifcfg_list(f, nc->gateways, nc->n_gateways, "GATEWAY", "IPV6_DEFAULTGW", false, true);
	for (size_t i = 0; i < nc->n_dns; i++)
		fprintf(f, "DNS%zu=%s\n", i + 1, ifcfg_addr(&nc->dns[i], a));
	return close_buffer(f, &buf, ret);
}
