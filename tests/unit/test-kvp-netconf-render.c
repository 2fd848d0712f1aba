// SPDX-License-Identifier: MIT
/*
 * daemons/kvp/kvp-netconf-render.c: every writer against golden files in
 * tests/unit/data/netconf/<case>.{nmconnection,network,interfaces,ifcfg}.
 * HV_UPDATE_GOLDEN=1 rewrites them (review the diff before committing).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvp-netconf.h"
#include "testlib.h"

static const struct golden_case {
	const char *name;
	int dhcp;
	const char *addrs, *subnets, *gws, *dns;
} cases[] = {
	{ "static4", 0, "192.0.2.10", "255.255.255.0", "192.0.2.1", "192.0.2.53;192.0.2.54" },
	{ "static6", 0, "2001:DB8:0:0::10", "64", "2001:db8::1", "2001:db8::53" },
	{ "dual", 0, "192.0.2.10;2001:db8::10", "255.255.255.0;64", "192.0.2.1;2001:db8::1",
	  "192.0.2.53;2001:db8::53" },
	{ "multi", 0, "192.0.2.10;2001:db8::10;192.0.2.11;198.51.100.7;2001:db8:1::10",
	  "255.255.255.0;64;255.255.255.0;255.255.255.128;/56",
	  "192.0.2.1;2001:db8::1;192.0.2.2;2001:db8::2", "192.0.2.53;192.0.2.54;2001:db8::53;" },
	{ "dhcp", 1, "", "", "", "" },
	{ "dnsonly", 1, "", "", "", "192.0.2.53;2001:db8::53" },
	/* DHCP with statics: IPv4 statics ignored, IPv6 statics applied. */
	{ "dhcp-static6", 1, "192.0.2.10;2001:db8::10", "255.255.255.0;64", "192.0.2.1;2001:db8::1",
	  "" },
	/* IPv6 only: IPv4 disabled, its gateway and DNS unused. */
	{ "v6only-v4dns", 0, "2001:db8::10", "64", "192.0.2.1;2001:db8::1", "192.0.2.53" },
};

static const struct writer {
	const char *ext;
	int (*render)(const struct kvp_netconf *nc, char **ret);
} writers[] = {
	{ "nmconnection", kvp_netconf_render_nm },
	{ "network", kvp_netconf_render_networkd },
	{ "interfaces", kvp_netconf_render_ifupdown },
	{ "ifcfg", kvp_netconf_render_ifcfg },
};

#define N_WRITERS (sizeof(writers) / sizeof(writers[0]))

static void set_field(void *field, size_t size, const char *s)
{
	memset(field, 0, size);
	memcpy(field, s, strlen(s));
}

static void load_case(const struct golden_case *c, struct kvp_netconf *nc)
{
	struct hv_kvp_ipaddr_value *ip = calloc(1, sizeof(*ip));

	ip->dhcp_enabled = (__u8)c->dhcp;
	set_field(ip->ip_addr, sizeof(ip->ip_addr), c->addrs);
	set_field(ip->sub_net, sizeof(ip->sub_net), c->subnets);
	set_field(ip->gate_way, sizeof(ip->gate_way), c->gws);
	set_field(ip->dns_addr, sizeof(ip->dns_addr), c->dns);
	ck_assert_int_eq(kvp_netconf_parse(ip, nc), 0);
	free(ip);
	strcpy(nc->ifname, "eth0");
	strcpy(nc->mac, "00:15:5d:01:02:03");
	nc->ifindex = 2;
	strcpy(nc->uuid, "5fb06bd0-0bb0-4c5b-9e4d-1b0e5a5b6c7d");
}

START_TEST(kvp_netconf_render__matches_golden)
{
	const struct golden_case *c = &cases[_i / N_WRITERS];
	const struct writer *w = &writers[_i % N_WRITERS];
	struct kvp_netconf nc;
	char path[1024], *text = NULL, *golden;

	load_case(c, &nc);
	ck_assert_int_eq(w->render(&nc, &text), 0);
	snprintf(path, sizeof(path), "%s/tests/unit/data/netconf/%s.%s", HV_SOURCE_DIR, c->name,
		 w->ext);
	if (getenv("HV_UPDATE_GOLDEN"))
		tl_write_file(path, text);
	golden = tl_read_file(path, NULL);
	ck_assert_msg(golden != NULL, "missing golden file %s", path);
	ck_assert_msg(strcmp(text, golden) == 0, "%s differs; got:\n%s", path, text);
	free(golden);
	free(text);
}
END_TEST

START_TEST(kvp_netconf_render__deterministic)
{
	const struct writer *w = &writers[_i];
	struct kvp_netconf nc;
	char *a = NULL, *b = NULL;

	load_case(&cases[3], &nc);
	ck_assert_int_eq(w->render(&nc, &a), 0);
	ck_assert_int_eq(w->render(&nc, &b), 0);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
}
END_TEST

START_TEST(kvp_netconf_render__without_mac)
{
	struct kvp_netconf nc;
	char *text = NULL;

	load_case(&cases[0], &nc);
	nc.mac[0] = '\0';
	ck_assert_int_eq(kvp_netconf_render_networkd(&nc, &text), 0);
	ck_assert_ptr_null(strstr(text, "MACAddress"));
	ck_assert_ptr_nonnull(strstr(text, "Name=eth0\n"));
	free(text);
	ck_assert_int_eq(kvp_netconf_render_nm(&nc, &text), 0);
	ck_assert_ptr_null(strstr(text, "[ethernet]"));
	free(text);
	ck_assert_int_eq(kvp_netconf_render_ifcfg(&nc, &text), 0);
	ck_assert_ptr_null(strstr(text, "HWADDR"));
	free(text);
}
END_TEST

/* Whatever the input, only one value per line and nothing but [0-9a-zA-Z.:/;=_ -\n#[]]. */
START_TEST(kvp_netconf_render__no_injection)
{
	const struct writer *w = &writers[_i];
	struct kvp_netconf nc;
	char *text = NULL;

	load_case(&cases[3], &nc);
	ck_assert_int_eq(w->render(&nc, &text), 0);
	for (const char *p = text; *p; p++)
		ck_assert_msg(strchr("\"'`$\\|&<>(){}*?!", *p) == NULL || *p == '\0',
			      "unexpected character '%c' in %s output", *p, w->ext);
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kvp_netconf_render");
	TCase *tc;

	tc = tcase_create("matches_golden");
	tcase_add_loop_test(tc, kvp_netconf_render__matches_golden, 0,
			    (int)(sizeof(cases) / sizeof(cases[0]) * N_WRITERS));
	suite_add_tcase(s, tc);
	tc = tcase_create("deterministic");
	tcase_add_loop_test(tc, kvp_netconf_render__deterministic, 0, (int)N_WRITERS);
	suite_add_tcase(s, tc);
	tc = tcase_create("without_mac");
	tcase_add_test(tc, kvp_netconf_render__without_mac);
	suite_add_tcase(s, tc);
	tc = tcase_create("no_injection");
	tcase_add_loop_test(tc, kvp_netconf_render__no_injection, 0, (int)N_WRITERS);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
