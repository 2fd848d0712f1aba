// SPDX-License-Identifier: MIT
/*
 * daemons/kvp/kvp-netconf.c: parsing and validating SET_IP_INFO, interface
 * names, the method rules, and kvp_netconf_apply() end to end (temp root,
 * recorded ops, no bus).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kvp-netconf.h"
#include "testlib.h"

static void set_field(void *field, size_t size, const char *s)
{
	memset(field, 0, size);
	memcpy(field, s, strlen(s));
}

#define SET(ip, f, s) set_field((ip)->f, sizeof((ip)->f), (s))

static struct hv_kvp_ipaddr_value *make_ip(int dhcp, const char *addrs, const char *subnets,
					   const char *gws, const char *dns)
{
	struct hv_kvp_ipaddr_value *ip = calloc(1, sizeof(*ip));

	ck_assert_ptr_nonnull(ip);
	ip->dhcp_enabled = (__u8)dhcp;
	SET(ip, ip_addr, addrs);
	SET(ip, sub_net, subnets);
	SET(ip, gate_way, gws);
	SET(ip, dns_addr, dns);
	return ip;
}

static int parse(int dhcp, const char *addrs, const char *subnets, const char *gws,
		 const char *dns, struct kvp_netconf *nc)
{
	struct hv_kvp_ipaddr_value *ip = make_ip(dhcp, addrs, subnets, gws, dns);
	int r = kvp_netconf_parse(ip, nc);

	free(ip);
	return r;
}

static const char *str(const struct kvp_netconf_addr *a)
{
	static char buf[INET6_ADDRSTRLEN];

	return kvp_netconf_addr_str(a, buf);
}

START_TEST(kvp_netconf__parse_mixed_families)
{
	struct kvp_netconf nc;

	ck_assert_int_eq(parse(0, " 192.0.2.10 ;2001:DB8::10; ", "255.255.255.0;/64",
			       "192.0.2.1;2001:db8::1", "192.0.2.53;2001:db8::53;", &nc), 0);
	ck_assert(!nc.dhcp4);
	ck_assert_uint_eq(nc.n_addrs, 2);
	ck_assert_int_eq(nc.addrs[0].family, AF_INET);
	ck_assert_str_eq(str(&nc.addrs[0]), "192.0.2.10");
	ck_assert_uint_eq(nc.addrs[0].prefixlen, 24);
	ck_assert_int_eq(nc.addrs[1].family, AF_INET6);
	ck_assert_str_eq(str(&nc.addrs[1]), "2001:db8::10");	/* canonical */
	ck_assert_uint_eq(nc.addrs[1].prefixlen, 64);
	ck_assert_uint_eq(nc.n_gateways, 2);
	ck_assert_uint_eq(nc.n_dns, 2);
	ck_assert_str_eq(nc.ifname, "");	/* link fields are the caller's */
}
END_TEST

START_TEST(kvp_netconf__parse_subnet_forms)
{
	struct kvp_netconf nc;

	/* IPv4 prefix length tolerated; IPv6 mask in address form tolerated. */
	ck_assert_int_eq(parse(0, "192.0.2.10;192.0.2.11;2001:db8::1", "/25;32;ffff:ffff:ffff:ff00::",
			       "", "", &nc), 0);
	ck_assert_uint_eq(nc.addrs[0].prefixlen, 25);
	ck_assert_uint_eq(nc.addrs[1].prefixlen, 32);
	ck_assert_uint_eq(nc.addrs[2].prefixlen, 56);
	ck_assert_int_eq(parse(0, "192.0.2.10;2001:db8::1", "0.0.0.0;0", "", "", &nc), 0);
	ck_assert_uint_eq(nc.addrs[0].prefixlen, 0);
	ck_assert_int_eq(parse(0, "2001:db8::1", "128", "", "", &nc), 0);
	ck_assert_uint_eq(nc.addrs[0].prefixlen, 128);
}
END_TEST

START_TEST(kvp_netconf__parse_dhcp_alone)
{
	struct kvp_netconf nc;

	ck_assert_int_eq(parse(1, "", "", "", "", &nc), 0);
	ck_assert(nc.dhcp4);
	ck_assert_uint_eq(nc.n_addrs + nc.n_gateways + nc.n_dns, 0);
	ck_assert_int_eq(kvp_netconf_method(&nc, AF_INET), KVP_NETCONF_METHOD_AUTO);
	ck_assert_int_eq(kvp_netconf_method(&nc, AF_INET6), KVP_NETCONF_METHOD_AUTO);
}
END_TEST

/* Every malformed input is -EINVAL. */
static const struct bad_case {
	const char *what, *addrs, *subnets, *gws, *dns;
} bad_cases[] = {
	{ "not an address", "192.0.2.x", "255.255.255.0", "", "" },
	{ "octet out of range", "192.0.2.256", "24", "", "" },
	{ "short IPv4", "192.0.2", "24", "", "" },
	{ "leading zero", "192.0.2.010", "24", "", "" },
	{ "hostname", "example.com", "24", "", "" },
	{ "unspecified v4", "0.0.0.0", "24", "", "" },
	{ "loopback v4", "127.0.0.1", "8", "", "" },
	{ "multicast v4", "224.0.0.1", "24", "", "" },
	{ "broadcast", "255.255.255.255", "32", "", "" },
	{ "unspecified v6", "::", "64", "", "" },
	{ "loopback v6", "::1", "128", "", "" },
	{ "multicast v6", "ff02::1", "64", "", "" },
	{ "v4-mapped v6", "::ffff:192.0.2.1", "96", "", "" },
	{ "scoped v6", "fe80::1%eth0", "64", "", "" },
	{ "address with prefix", "192.0.2.10/24", "24", "", "" },
	{ "non-contiguous mask", "192.0.2.10", "255.0.255.0", "", "" },
	{ "mask with hole", "192.0.2.10", "255.255.254.128", "", "" },
	{ "v6 non-contiguous mask", "2001:db8::1", "ffff::ffff", "", "" },
	{ "prefix 33", "192.0.2.10", "33", "", "" },
	{ "prefix 129", "2001:db8::1", "129", "", "" },
	{ "negative prefix", "2001:db8::1", "-1", "", "" },
	{ "prefix junk", "2001:db8::1", "64x", "", "" },
	{ "v6 address with v4 mask", "2001:db8::1", "255.255.255.0", "", "" },
	{ "v4 address with v6 mask", "192.0.2.10", "ffff:ffff::", "", "" },
	{ "fewer subnets", "192.0.2.10;192.0.2.11", "24", "", "" },
	{ "more subnets", "192.0.2.10", "24;24", "", "" },
	{ "empty middle item", "192.0.2.10;;192.0.2.11", "24;24", "", "" },
	{ "comma separator", "192.0.2.10,192.0.2.11", "24", "", "" },
	{ "space separator", "192.0.2.10 192.0.2.11", "24", "", "" },
	{ "bad gateway", "192.0.2.10", "24", "192.0.2.1.1", "" },
	{ "gateway multicast", "192.0.2.10", "24", "224.0.0.9", "" },
	{ "bad dns", "192.0.2.10", "24", "", "8.8.8.8;bogus" },
	{ "dns loopback", "192.0.2.10", "24", "", "127.0.0.53" },
	{ "newline", "192.0.2.10\nDNS=1.2.3.4", "24", "", "" },
	{ "newline in dns", "192.0.2.10", "24", "", "192.0.2.53\n[ipv4]" },
	{ "quote", "192.0.2.10\"", "24", "", "" },
	{ "shell metachar", "192.0.2.10;$(reboot)", "24;24", "", "" },
	{ "backtick", "`id`", "24", "", "" },
	{ "path", "../../etc/passwd", "24", "", "" },
	{ "static without address", "", "", "192.0.2.1", "192.0.2.53" },
	{ "over-long item", "2001:0db8:0000:0000:0000:0000:0000:0001:0000:0000:0000:0000:0000:0000:0000:0000",
	  "64", "", "" },
};

START_TEST(kvp_netconf__parse_rejects_malformed)
{
	const struct bad_case *c = &bad_cases[_i];
	struct kvp_netconf nc;

	ck_assert_msg(parse(0, c->addrs, c->subnets, c->gws, c->dns, &nc) == -EINVAL, "%s accepted",
		      c->what);
}
END_TEST

START_TEST(kvp_netconf__parse_count_limits)
{
	char addrs[1024] = "", subnets[1024] = "", dns[2048] = "";
	struct kvp_netconf nc;
	int i;

	/* 64 addresses pass, 65 do not. */
	for (i = 0; i < KVP_NETCONF_MAX_ADDRS; i++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "10.0.%d.%d;", i / 250, i % 250 + 1);
		strcat(addrs, buf);
		strcat(subnets, "8;");
	}
	ck_assert_int_eq(parse(0, addrs, subnets, "", "", &nc), 0);
	ck_assert_uint_eq(nc.n_addrs, KVP_NETCONF_MAX_ADDRS);
	strcat(addrs, "10.9.9.9");
	strcat(subnets, "8");
	ck_assert_int_eq(parse(0, addrs, subnets, "", "", &nc), -EINVAL);

	for (i = 0; i <= KVP_NETCONF_MAX_DNS; i++) {
		char buf[32];

		snprintf(buf, sizeof(buf), "192.0.2.%d;", i + 1);
		strcat(dns, buf);
	}
	ck_assert_int_eq(parse(1, "", "", "", dns, &nc), -EINVAL);
	ck_assert_int_eq(parse(1, "", "", "192.0.2.1;192.0.2.2;192.0.2.3;192.0.2.4;192.0.2.5;"
				      "192.0.2.6;192.0.2.7;192.0.2.8;192.0.2.9;192.0.2.10;"
				      "192.0.2.11;192.0.2.12;192.0.2.13;192.0.2.14;192.0.2.15;"
				      "192.0.2.16;192.0.2.17", "", &nc), -EINVAL);
}
END_TEST

START_TEST(kvp_netconf__parse_rejects_unterminated)
{
	struct hv_kvp_ipaddr_value *ip = make_ip(1, "", "", "", "");
	struct kvp_netconf nc;

	/* Each field filled to the last byte, no NUL inside its array. */
	memset(ip->ip_addr, '1', sizeof(ip->ip_addr));
	ck_assert_int_eq(kvp_netconf_parse(ip, &nc), -EINVAL);
	SET(ip, ip_addr, "");
	memset(ip->sub_net, '1', sizeof(ip->sub_net));
	ck_assert_int_eq(kvp_netconf_parse(ip, &nc), -EINVAL);
	SET(ip, sub_net, "");
	memset(ip->gate_way, '1', sizeof(ip->gate_way));
	ck_assert_int_eq(kvp_netconf_parse(ip, &nc), -EINVAL);
	SET(ip, gate_way, "");
	memset(ip->dns_addr, '1', sizeof(ip->dns_addr));
	ck_assert_int_eq(kvp_netconf_parse(ip, &nc), -EINVAL);
	SET(ip, dns_addr, "");
	ck_assert_int_eq(kvp_netconf_parse(ip, &nc), 0);
	/* Oversized but terminated: garbage, rejected item by item. */
	memset(ip->dns_addr, ';', sizeof(ip->dns_addr) - 1);
	ck_assert_int_eq(kvp_netconf_parse(ip, &nc), -EINVAL);
	free(ip);
}
END_TEST

START_TEST(kvp_netconf__parse_leaves_output_on_error)
{
	struct kvp_netconf nc;

	memset(&nc, 0x5a, sizeof(nc));
	ck_assert_int_eq(parse(0, "192.0.2.10", "255.0.255.0", "", "", &nc), -EINVAL);
	ck_assert_uint_eq(((unsigned char *)&nc)[0], 0x5a);
	ck_assert_uint_eq(((unsigned char *)&nc)[sizeof(nc) - 1], 0x5a);
}
END_TEST

START_TEST(kvp_netconf__method_rules)
{
	struct kvp_netconf nc;

	/* DHCP on: IPv4 auto and its statics ignored, IPv6 statics still apply. */
	ck_assert_int_eq(parse(1, "192.0.2.10;2001:db8::10", "24;64", "192.0.2.1;2001:db8::1",
			       "192.0.2.53", &nc), 0);
	ck_assert_int_eq(kvp_netconf_method(&nc, AF_INET), KVP_NETCONF_METHOD_AUTO);
	ck_assert_int_eq(kvp_netconf_method(&nc, AF_INET6), KVP_NETCONF_METHOD_STATIC);
	ck_assert(!kvp_netconf_in_effect(&nc, KVP_NETCONF_ADDRESS, AF_INET));
	ck_assert(!kvp_netconf_in_effect(&nc, KVP_NETCONF_GATEWAY, AF_INET));
	ck_assert(kvp_netconf_in_effect(&nc, KVP_NETCONF_DNS, AF_INET));
	ck_assert(kvp_netconf_in_effect(&nc, KVP_NETCONF_GATEWAY, AF_INET6));

	/* IPv6 only, static: IPv4 disabled, its DNS servers unused. */
	ck_assert_int_eq(parse(0, "2001:db8::10", "64", "", "192.0.2.53", &nc), 0);
	ck_assert_int_eq(kvp_netconf_method(&nc, AF_INET), KVP_NETCONF_METHOD_DISABLED);
	ck_assert(!kvp_netconf_in_effect(&nc, KVP_NETCONF_DNS, AF_INET));

	/* IPv4 static: IPv6 automatic, an IPv6 gateway alone is not used. */
	ck_assert_int_eq(parse(0, "192.0.2.10", "24", "2001:db8::1", "", &nc), 0);
	ck_assert_int_eq(kvp_netconf_method(&nc, AF_INET6), KVP_NETCONF_METHOD_AUTO);
	ck_assert(!kvp_netconf_in_effect(&nc, KVP_NETCONF_GATEWAY, AF_INET6));
}
END_TEST

START_TEST(kvp_netconf__ifname_validation)
{
	static const char *const good[] = { "eth0", "enP1234s1", "eth0.100", "br-lan", "veth_a@b",
					    "x", "a23456789012345" };
	static const char *const bad[] = {
		"", "-eth0", ".", "..", ".hidden", "a234567890123456", "eth 0", "eth0\n", "eth\t0",
		"eth/0", "../eth0", "eth0;reboot", "eth$(x)", "eth`x`", "eth'0", "eth\"0", "eth:0",
		"eth#0", "eth=0", "eth[0]", "eth*", "eth\\0", "\xc3\xa9th0", "eth\x7f",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(kvp_netconf_ifname_valid(good[i]), "%s rejected", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!kvp_netconf_ifname_valid(bad[i]), "%s accepted", bad[i]);
	ck_assert(!kvp_netconf_ifname_valid(NULL));
}
END_TEST

START_TEST(kvp_netconf__backend_names)
{
	ck_assert_str_eq(kvp_netconf_backend_to_string(KVP_NETCONF_NETWORKD), "networkd");
	ck_assert_int_eq(kvp_netconf_backend_from_string("auto"), KVP_NETCONF_AUTO);
	ck_assert_int_eq(kvp_netconf_backend_from_string("NetworkManager"),
			 KVP_NETCONF_NETWORKMANAGER);
	ck_assert_int_eq(kvp_netconf_backend_from_string("systemd-networkd"), KVP_NETCONF_NETWORKD);
	ck_assert_int_eq(kvp_netconf_backend_from_string("ifupdown"), KVP_NETCONF_IFUPDOWN);
	ck_assert_int_eq(kvp_netconf_backend_from_string("hook"), KVP_NETCONF_HOOK);
	ck_assert_int_eq(kvp_netconf_backend_from_string("wicked"), -EINVAL);
	ck_assert_ptr_null(kvp_netconf_backend_to_string(_KVP_NETCONF_BACKEND_MAX));
}
END_TEST

/* ---- kvp_netconf_apply() end to end ---- */

static char calls[4096];

static void record(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void record(const char *fmt, ...)
{
	size_t n = strlen(calls);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(calls + n, sizeof(calls) - n, fmt, ap);
	va_end(ap);
}

static int fake_networkd_running(void *u)
{
	return 1;
}

static int fake_reload(void *u)
{
	record("Reload\n");
	return 0;
}

static int fake_reconfigure(void *u, int ifindex)
{
	record("ReconfigureLink %d\n", ifindex);
	return 0;
}

static int fake_nm_no_device(void *u, const char *ifname, char **ret)
{
	return -ESRCH;	/* NetworkManager not running */
}

static const struct kvp_netconf_ops fake_ops = {
	.nm_get_device_by_ip_iface = fake_nm_no_device,
	.networkd_running = fake_networkd_running,
	.networkd_reload = fake_reload,
	.networkd_reconfigure_link = fake_reconfigure,
};

static char *setup_root(void)
{
	char *root = tl_mkdtemp("netconf"), p[512];

	snprintf(p, sizeof(p), "%s/sys/class/net/eth0/ifindex", root);
	tl_write_file(p, "2\n");
	snprintf(p, sizeof(p), "%s/sys/class/net/eth0/address", root);
	tl_write_file(p, "00:15:5D:01:02:03\n");
	snprintf(p, sizeof(p), "%s/run/systemd/netif/links/2", root);
	tl_write_file(p, "# This is private data.\nADMIN_STATE=configured\nOPER_STATE=routable\n");
	return root;
}

START_TEST(kvp_netconf__apply_networkd_end_to_end)
{
	char *root = setup_root(), p[512], *text;
	struct kvp_netconf_options opts = { .root = root, .apply = 1, .ops = &fake_ops };
	struct hv_kvp_ipaddr_value *ip = make_ip(0, "192.0.2.10", "255.255.255.0", "192.0.2.1",
						 "192.0.2.53");

	calls[0] = '\0';
	ck_assert_int_eq(kvp_netconf_apply(&opts, "eth0", ip), 0);
	ck_assert_str_eq(calls, "Reload\nReconfigureLink 2\n");
	snprintf(p, sizeof(p), "%s/etc/systemd/network/10-hyperv-eth0.network", root);
	text = tl_read_file(p, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "MACAddress=00:15:5d:01:02:03\n"));	/* lowercased */
	ck_assert_ptr_nonnull(strstr(text, "Address=192.0.2.10/24\n"));
	free(text);
	free(ip);
	tl_rm_rf(root);
	free(root);
}
END_TEST

START_TEST(kvp_netconf__apply_invalid_writes_nothing)
{
	char *root = setup_root(), p[512];
	struct kvp_netconf_options opts = { .root = root, .apply = 1, .ops = &fake_ops };
	struct hv_kvp_ipaddr_value *ip = make_ip(0, "192.0.2.10", "255.255.255.0", "192.0.2.1",
						 "192.0.2.53;not-an-address");
	struct stat st;

	calls[0] = '\0';
	ck_assert_int_eq(kvp_netconf_apply(&opts, "eth0", ip), -EINVAL);
	ck_assert_str_eq(calls, "");
	snprintf(p, sizeof(p), "%s/etc", root);
	ck_assert_int_eq(stat(p, &st), -1);
	/* Hostile interface names never reach the file system either. */
	SET(ip, dns_addr, "192.0.2.53");
	ck_assert_int_eq(kvp_netconf_apply(&opts, "../eth0", ip), -EINVAL);
	ck_assert_int_eq(kvp_netconf_apply(&opts, "eth0\n[Match]", ip), -EINVAL);
	ck_assert_int_eq(stat(p, &st), -1);
	ck_assert_str_eq(calls, "");
	free(ip);
	tl_rm_rf(root);
	free(root);
}
END_TEST

START_TEST(kvp_netconf__apply_unknown_interface)
{
	char *root = setup_root();
	struct kvp_netconf_options opts = { .root = root, .apply = 1, .ops = &fake_ops };
	struct hv_kvp_ipaddr_value *ip = make_ip(1, "", "", "", "");

	ck_assert_int_eq(kvp_netconf_apply(&opts, "eth1", ip), -ENODEV);
	free(ip);
	tl_rm_rf(root);
	free(root);
}
END_TEST

START_TEST(kvp_netconf__apply_nothing_manages)
{
	char *root = tl_mkdtemp("netconf"), p[512];
	struct kvp_netconf_options opts = { .root = root, .apply = 1, .ops = &fake_ops,
					    .hook = "/nonexistent/hv_set_ifconfig" };
	struct hv_kvp_ipaddr_value *ip = make_ip(1, "", "", "", "");

	snprintf(p, sizeof(p), "%s/sys/class/net/eth0/ifindex", root);
	tl_write_file(p, "2\n");
	ck_assert_int_eq(kvp_netconf_apply(&opts, "eth0", ip), -EOPNOTSUPP);
	free(ip);
	tl_rm_rf(root);
	free(root);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kvp_netconf");
	TCase *tc;

#define TC(name, ...)                              \
	tc = tcase_create(#name);                  \
	tcase_add_test(tc, kvp_netconf__##name);   \
	suite_add_tcase(s, tc)

	TC(parse_mixed_families);
	TC(parse_subnet_forms);
	TC(parse_dhcp_alone);
	tc = tcase_create("parse_rejects_malformed");
	tcase_add_loop_test(tc, kvp_netconf__parse_rejects_malformed, 0,
			    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	suite_add_tcase(s, tc);
	TC(parse_count_limits);
	TC(parse_rejects_unterminated);
	TC(parse_leaves_output_on_error);
	TC(method_rules);
	TC(ifname_validation);
	TC(backend_names);
	TC(apply_networkd_end_to_end);
	TC(apply_invalid_writes_nothing);
	TC(apply_unknown_interface);
	TC(apply_nothing_manages);
	return tl_run_suite(s);
}
