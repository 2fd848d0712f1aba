// SPDX-License-Identifier: MIT
/*
 * daemons/kvp/kvp-netconf-ops.c: running programs without a shell
 * (kvp_netconf_spawn: argv passed verbatim, exit status, timeout, output),
 * and the upstream hook contract end to end with a fake hv_set_ifconfig
 * that records its argv. The D-Bus ops need a bus and are not run here.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kvp-netconf.h"
#include "log.h"
#include "testlib.h"

static char *dir;

static void setup(void)
{
	dir = tl_mkdtemp("netconf-ops");
}

static void teardown(void)
{
	tl_rm_rf(dir);
	free(dir);
}

/* A script at dir/name; every "@DIR@" in body becomes dir. */
static char *script(const char *name, const char *body)
{
	char *path, text[4096] = "#!/bin/sh\n";
	const char *at;

	ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
	while ((at = strstr(body, "@DIR@"))) {
		strncat(text, body, (size_t)(at - body));
		strcat(text, dir);
		body = at + 5;
	}
	strcat(text, body);
	tl_write_file(path, text);
	ck_assert_int_eq(chmod(path, 0755), 0);
	return path;
}

static char *read_in(const char *name)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return tl_read_file(p, NULL);
}

static const char argv_recorder[] =
	"for a in \"$@\"; do printf '%s\\n' \"$a\"; done > @DIR@/argv\n";

START_TEST(kvp_netconf_ops__spawn_passes_argv_verbatim)
{
	char *prog = script("rec", argv_recorder), *got;
	char *argv[] = { prog, "a b", "$(touch pwned)", "x;y", "'q\"", "", NULL };

	ck_assert_int_eq(kvp_netconf_spawn(argv, 5 * 1000000ULL), 0);
	got = read_in("argv");
	ck_assert_str_eq(got, "a b\n$(touch pwned)\nx;y\n'q\"\n\n");
	free(got);
	ck_assert_ptr_null(read_in("pwned"));
	free(prog);
}
END_TEST

START_TEST(kvp_netconf_ops__spawn_exit_status_and_output)
{
	char *prog = script("fail", "echo out; echo err >&2; exit 7\n");
	char *argv[] = { prog, NULL };
	char *rel[] = { "sh", NULL };
	char *missing[] = { "/nonexistent/prog", NULL };

	ck_assert_int_eq(kvp_netconf_spawn(argv, 5 * 1000000ULL), 7);
	ck_assert_int_eq(kvp_netconf_spawn(rel, 5 * 1000000ULL), -EINVAL);	/* never a PATH search */
	ck_assert_int_lt(kvp_netconf_spawn(missing, 5 * 1000000ULL), 0);
	free(prog);
}
END_TEST

START_TEST(kvp_netconf_ops__spawn_timeout_kills_group)
{
	/* The child and a grandchild both sleep; the grandchild writes a file if it survives. */
	char *prog = script("slow", "(sleep 2; touch @DIR@/survived) &\nsleep 30\n");
	char *argv[] = { prog, NULL };
	struct timespec a, b;
	char *survived;

	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(kvp_netconf_spawn(argv, 300 * 1000ULL), -ETIME);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ck_assert_int_lt(b.tv_sec - a.tv_sec, 5);
	sleep(3);
	survived = read_in("survived");
	ck_assert_msg(survived == NULL, "a process of the timed-out group survived");
	free(prog);
}
END_TEST

START_TEST(kvp_netconf_ops__spawn_daemonizing_child)
{
	/* Exits at once but leaves a background process holding stdout. */
	char *prog = script("bg", "sleep 5 &\nexit 0\n");
	char *argv[] = { prog, NULL };
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(kvp_netconf_spawn(argv, 10 * 1000000ULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ck_assert_int_lt(b.tv_sec - a.tv_sec, 3);
	free(prog);
}
END_TEST

/* The whole contract: AUTO picks the executable hook, files in place, argv as upstream. */
START_TEST(kvp_netconf_ops__hook_end_to_end)
{
	char *hook = script("hv_set_ifconfig",
			    "for a in \"$@\"; do printf '%s\\n' \"$a\"; done > @DIR@/argv\n"
			    "cat \"$1\" > @DIR@/ifcfg.seen\ncat \"$2\" > @DIR@/nm.seen\n"
			    "echo configured \"$1\"\n");
	struct kvp_netconf_options opts = { .hook = hook, .root = dir, .apply = 1,
					    .state_dir = "/var/lib/hyperv" };
	struct hv_kvp_ipaddr_value *ip = calloc(1, sizeof(*ip));
	char p[512], *got, *expect;

	snprintf(p, sizeof(p), "%s/sys/class/net/eth0/ifindex", dir);
	tl_write_file(p, "2\n");
	snprintf(p, sizeof(p), "%s/sys/class/net/eth0/address", dir);
	tl_write_file(p, "00:15:5d:aa:bb:cc\n");
	strcpy((char *)ip->ip_addr, "192.0.2.10;2001:db8::10");
	strcpy((char *)ip->sub_net, "255.255.255.0;64");
	strcpy((char *)ip->gate_way, "192.0.2.1");
	strcpy((char *)ip->dns_addr, "192.0.2.53");

	ck_assert_int_eq(kvp_netconf_apply(&opts, "eth0", ip), 0);
	got = read_in("argv");
	ck_assert_int_ge(asprintf(&expect, "%s/var/lib/hyperv/ifcfg-eth0\n"
					   "%s/var/lib/hyperv/eth0.nmconnection\n", dir, dir), 0);
	ck_assert_str_eq(got, expect);
	free(got);
	free(expect);
	got = read_in("ifcfg.seen");
	ck_assert_str_eq(got, "HWADDR=00:15:5D:AA:BB:CC\nDEVICE=eth0\nBOOTPROTO=none\n"
			      "IPADDR0=192.0.2.10\nIPV6ADDR=2001:0db8:0000:0000:0000:0000:0000:0010\n"
			      "NETMASK0=255.255.255.0\nIPV6NETMASK=64\nGATEWAY=192.0.2.1\n"
			      "DNS1=192.0.2.53\n");
	free(got);
	got = read_in("nm.seen");
	ck_assert_ptr_nonnull(strstr(got, "[connection]\n"));
	ck_assert_ptr_nonnull(strstr(got, "interface-name=eth0\n"));
	ck_assert_ptr_nonnull(strstr(got, "mac-address=00:15:5d:aa:bb:cc\n"));
	free(got);

	/* A failing hook fails the request. */
	free(hook);
	hook = script("hv_set_ifconfig", "echo 'ifup: no such device' >&2\nexit 1\n");
	opts.hook = hook;
	ck_assert_int_eq(kvp_netconf_apply(&opts, "eth0", ip), -EIO);
	free(hook);
	free(ip);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kvp_netconf_ops");
	TCase *tc;

	log_set_max_level(LOG_DEBUG);
#define TC(name)                                                   \
	tc = tcase_create(#name);                                  \
	tcase_add_checked_fixture(tc, setup, teardown);            \
	tcase_set_timeout(tc, 30);                                 \
	tcase_add_test(tc, kvp_netconf_ops__##name);               \
	suite_add_tcase(s, tc)

	TC(spawn_passes_argv_verbatim);
	TC(spawn_exit_status_and_output);
	TC(spawn_timeout_kills_group);
	TC(spawn_daemonizing_child);
	TC(hook_end_to_end);
	return tl_run_suite(s);
}
