// SPDX-License-Identifier: MIT
/* kvp-ipinfo-parse.c and the ';' list builder: pure parsers, no I/O. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvp-ipinfo-state.h"
#include "testlib.h"
#include "util.h"

#define DATA HV_SOURCE_DIR "/tests/unit/data/ipinfo"
#define NOW ((time_t)1700000000)

static char *joined(char **l)
{
	static char buf[4096];
	struct kvp_ipinfo_list list;

	kvp_ipinfo_list_init(&list, buf, sizeof(buf));
	STRV_FOREACH(s, l)
		ck_assert_int_eq(kvp_ipinfo_list_append(&list, *s), 0);
	return buf;
}

static int parse_file(const char *rel, char ***ret)
{
	char path[512];
	size_t size;
	char *text;
	int r;

	snprintf(path, sizeof(path), DATA "/%s", rel);
	text = tl_read_file(path, &size);
	ck_assert_msg(text, "cannot read %s", path);
	r = kvp_ipinfo_parse_resolv_conf(text, size, ret);
	free(text);
	return r;
}

START_TEST(kvp_ipinfo_parse__list_truncates_at_separator)
{
	char buf[16];
	struct kvp_ipinfo_list l;

	kvp_ipinfo_list_init(&l, buf, sizeof(buf));
	ck_assert_int_eq(kvp_ipinfo_list_append(&l, "192.0.2.1"), 0);
	ck_assert_str_eq(buf, "192.0.2.1");
	/* 9 + ';' + 5 + NUL = 16: fits exactly. */
	ck_assert(kvp_ipinfo_list_fits(&l, 5));
	ck_assert(!kvp_ipinfo_list_fits(&l, 6));
	ck_assert_int_eq(kvp_ipinfo_list_append(&l, "10.0.0.1"), -E2BIG);
	ck_assert_str_eq(buf, "192.0.2.1");
	/* Closed: a shorter item must not slip in behind the gap. */
	ck_assert_int_eq(kvp_ipinfo_list_append(&l, "1.2"), -E2BIG);
	ck_assert_str_eq(buf, "192.0.2.1");

	kvp_ipinfo_list_init(&l, buf, 5);
	ck_assert_int_eq(kvp_ipinfo_list_append(&l, "1.2.3.4"), -E2BIG);
	ck_assert_str_eq(buf, "");
	kvp_ipinfo_list_init(&l, buf, sizeof(buf));
	ck_assert_int_eq(kvp_ipinfo_list_append(&l, ""), -E2BIG);
}
END_TEST

START_TEST(kvp_ipinfo_parse__resolv_conf_validates_and_canonicalises)
{
	char **l = NULL;

	ck_assert_int_eq(parse_file("resolv/plain.conf", &l), 0);
	/* Duplicates dropped, zone id dropped, junk and indented lines skipped. */
	ck_assert_str_eq(joined(l), "192.0.2.53;2001:db8::53;fe80::1;203.0.113.53");
	strv_free(l);

	ck_assert_int_eq(parse_file("resolv/stub.conf", &l), 0);
	ck_assert_str_eq(joined(l), "127.0.0.53");
	ck_assert(kvp_ipinfo_is_resolved_stub(l[0]));
	ck_assert(!kvp_ipinfo_is_resolved_stub("127.0.0.1"));
	strv_free(l);

	ck_assert_int_eq(kvp_ipinfo_parse_resolv_conf("nameserver 1.2.3.4", 10, &l), 0);
	ck_assert_uint_eq(strv_length(l), 0); /* length bounds the text */
	strv_free(l);
	ck_assert_int_eq(
		kvp_ipinfo_parse_resolv_conf("nameserver 1.2.3.4\0nameserver 5.6.7.8\n", 38, &l),
		0);
	ck_assert_str_eq(joined(l), "1.2.3.4");
	strv_free(l);
}
END_TEST

START_TEST(kvp_ipinfo_parse__env_and_ini_take_last_value)
{
	static const char env[] = "# c\nA=1\nB=\"quoted value\"\nA = 2 \nC\n=x\n";
	static const char ini[] = "[x]\nk=outside\n[ s ]\n; c\nk = one\nother=1\n[t]\nk=no\n"
				  "[s]\nk=two\n[broken\nk=three\n";
	char *v = NULL;

	ck_assert_int_eq(kvp_ipinfo_parse_env(env, sizeof(env) - 1, "A", &v), 0);
	ck_assert_str_eq(v, "2");
	free(v);
	ck_assert_int_eq(kvp_ipinfo_parse_env(env, sizeof(env) - 1, "B", &v), 0);
	ck_assert_str_eq(v, "quoted value");
	free(v);
	ck_assert_int_eq(kvp_ipinfo_parse_env(env, sizeof(env) - 1, "C", &v), -ENOENT);

	ck_assert_int_eq(kvp_ipinfo_parse_ini(ini, sizeof(ini) - 1, "s", "k", &v), 0);
	ck_assert_str_eq(v, "two");
	free(v);
	ck_assert_int_eq(kvp_ipinfo_parse_ini(ini, sizeof(ini) - 1, "t", "k", &v), 0);
	ck_assert_str_eq(v, "no");
	free(v);
	ck_assert_int_eq(kvp_ipinfo_parse_ini(ini, sizeof(ini) - 1, "s", "missing", &v), -ENOENT);
	ck_assert_int_eq(kvp_ipinfo_parse_ini("", 0, "s", "k", &v), -ENOENT);
}
END_TEST

START_TEST(kvp_ipinfo_parse__networkd_dhcp_values)
{
	ck_assert(kvp_ipinfo_networkd_dhcp4("yes"));
	ck_assert(kvp_ipinfo_networkd_dhcp4("IPv4"));
	ck_assert(kvp_ipinfo_networkd_dhcp4("both"));
	ck_assert(kvp_ipinfo_networkd_dhcp4("true"));
	ck_assert(!kvp_ipinfo_networkd_dhcp4("ipv6"));
	ck_assert(!kvp_ipinfo_networkd_dhcp4("no"));
	ck_assert(!kvp_ipinfo_networkd_dhcp4(""));
}
END_TEST

START_TEST(kvp_ipinfo_parse__ifupdown_exact_names_and_sources)
{
	static const char text[] = "source a/*\nsource-directory /x.d\n"
				   "iface eth10 inet dhcp\n"
				   "iface eth1 inet6 auto\n"
				   "   # iface eth1 inet dhcp\n"
				   "iface eth1 \\\ninet static\n"
				   "iface eth1 inet dhcp\n"
				   "iface\n";
	char **src = NULL, **dirs = NULL, *m = NULL;

	ck_assert_int_eq(kvp_ipinfo_parse_ifupdown(text, sizeof(text) - 1, "eth1", &m, &src, &dirs),
			 0);
	ck_assert_str_eq(m, "static"); /* first inet stanza, continuation joined */
	free(m);
	ck_assert_str_eq(joined(src), "a/*");
	ck_assert_str_eq(joined(dirs), "/x.d");
	strv_free(src);
	strv_free(dirs);
	ck_assert_int_eq(kvp_ipinfo_parse_ifupdown(text, sizeof(text) - 1, "eth10", &m, NULL, NULL),
			 0);
	ck_assert_str_eq(m, "dhcp");
	free(m);
	ck_assert_int_eq(kvp_ipinfo_parse_ifupdown(text, sizeof(text) - 1, "eth", &m, NULL, NULL),
			 -ENOENT);
}
END_TEST

START_TEST(kvp_ipinfo_parse__dhclient_leases_expiry)
{
	static const char text[] =
		"lease { interface \"eth0\"; expire 4 2023/11/14 22:13:21; }\n"
		"lease { interface \"eth1\"; expire 4 2023/11/14 22:13:20; }\n" /* == NOW */
		"lease { interface \"eth2\"; expire epoch 1700000001; # comment } {\n}\n"
		"lease { interface \"eth3\"; expire 4 2023/13/14 22:13:21; }\n" /* bad date */
		"lease { interface \"e\\\"th4\"; expire never; }\n"
		"lease { expire never; interface \"eth5\"; option x \"}\"; }\n"
		"lease6 { interface \"eth6\"; }\n"
		"lease { interface \"eth7\"; expire never; \n"; /* unterminated */

	ck_assert_int_eq(kvp_ipinfo_parse_dhclient_leases(text, sizeof(text) - 1, "eth0", NOW), 1);
	ck_assert_int_eq(kvp_ipinfo_parse_dhclient_leases(text, sizeof(text) - 1, "eth1", NOW), 0);
	ck_assert_int_eq(kvp_ipinfo_parse_dhclient_leases(text, sizeof(text) - 1, "eth2", NOW), 1);
	ck_assert_int_eq(kvp_ipinfo_parse_dhclient_leases(text, sizeof(text) - 1, "eth3", NOW), 0);
	ck_assert_int_eq(kvp_ipinfo_parse_dhclient_leases(text, sizeof(text) - 1, "e\"th4", NOW),
			 1);
	ck_assert_int_eq(kvp_ipinfo_parse_dhclient_leases(text, sizeof(text) - 1, "eth5", NOW), 1);
	ck_assert_int_eq(kvp_ipinfo_parse_dhclient_leases(text, sizeof(text) - 1, "eth6", NOW), 0);
	ck_assert_int_eq(kvp_ipinfo_parse_dhclient_leases(text, sizeof(text) - 1, "eth7", NOW), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kvp-ipinfo-parse");
	struct {
		const char *name;
		const TTest *test;
	} cases[] = {
		{ "list", kvp_ipinfo_parse__list_truncates_at_separator },
		{ "resolv_conf", kvp_ipinfo_parse__resolv_conf_validates_and_canonicalises },
		{ "env_ini", kvp_ipinfo_parse__env_and_ini_take_last_value },
		{ "networkd_dhcp", kvp_ipinfo_parse__networkd_dhcp_values },
		{ "ifupdown", kvp_ipinfo_parse__ifupdown_exact_names_and_sources },
		{ "dhclient", kvp_ipinfo_parse__dhclient_leases_expiry },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return tl_run_suite(s);
}
