// SPDX-License-Identifier: MIT
/*
 * hvhost's command line: what each command accepts, what it refuses as a
 * usage error (exit 2), and the small parsers behind it.
 */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "log.h"
#include "testlib.h"
#include "util.h"

static void quiet(int level, const char *message, void *userdata)
{
	(void)level;
	(void)message;
	(void)userdata;
}

/* The parsed arguments point into argv: both live until the test's teardown. */
static struct hvhost_args a;
static char *words[1024];
static size_t n_words;

static void teardown(void)
{
	hvhost_args_done(&a);
	for (size_t i = 0; i < n_words; i++)
		free(words[i]);
	n_words = 0;
}

/* Parse a NULL-terminated list of words (copied: getopt permutes argv). */
static int parse(struct hvhost_args *ret, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;
	const char *w;

	argv[argc++] = words[n_words++] = strdup("hvhost");
	va_start(ap, ret);
	while ((w = va_arg(ap, const char *)) && argc < 63)
		argv[argc++] = words[n_words++] = strdup(w);
	va_end(ap);
	argv[argc] = NULL;
	ck_assert_uint_lt(n_words, 1000);
	hvhost_args_done(ret);
	memset(ret, 0, sizeof(*ret));
	return hvhost_args_parse(argc, argv, ret);
}

START_TEST(args__global_options)
{
	ck_assert_int_eq(
		parse(&a, "--json", "--dir", "/tmp/vm", "--qmp-timeout", "2.5", "ics", NULL), 0);
	ck_assert(a.json);
	ck_assert_str_eq(a.dir, "/tmp/vm");
	ck_assert_uint_eq(a.qmp_timeout_usec, 2500000);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_ICS);
	hvhost_args_done(&a);

	ck_assert_int_eq(parse(&a, "heartbeat", NULL), 0);
	ck_assert(!a.json);
	ck_assert_ptr_null(a.dir);
	ck_assert_uint_eq(a.qmp_timeout_usec, 60ULL * USEC_PER_SEC);
	hvhost_args_done(&a);

	ck_assert_int_eq(parse(&a, "--help", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_HELP);
	ck_assert_int_eq(parse(&a, NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "--bogus", "ics", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "--dir", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "--qmp-timeout", "0", "ics", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "frobnicate", NULL), -EINVAL);
	/* Global options go before the command. */
	ck_assert_int_eq(parse(&a, "ics", "--json", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "ics", "extra", NULL), -EINVAL);
}
END_TEST

START_TEST(args__boot)
{
	unsetenv("HVHOST_QEMU");
	ck_assert_int_eq(parse(&a, "boot", "--kernel", "k", "--initrd", "i", NULL), -EINVAL);
	setenv("HVHOST_QEMU", "/opt/q", 1);
	ck_assert_int_eq(parse(&a, "boot", "--kernel", "k", "--initrd", "i", NULL), 0);
	ck_assert_str_eq(a.qemu, "/opt/q");
	ck_assert_uint_eq(a.smp, HVHOST_DEFAULT_SMP);
	ck_assert_uint_eq(a.mem_mb, 1536);
	ck_assert_str_eq(a.mac, HVHOST_DEFAULT_MAC);
	ck_assert(!a.no_hv && !a.no_ics);
	hvhost_args_done(&a);

	ck_assert_int_eq(parse(&a, "boot", "--qemu", "/bin/q", "--kernel", "k", "--initrd", "i",
			       "--append", "quiet x=1", "--smp", "4", "--mem", "2048", "--no-hv",
			       "--no-ics", "--device", "e1000,id=x", "--device", "virtio-rng-pci",
			       "--mac", "52-54-00-AB-CD-EF", NULL),
			 0);
	ck_assert_str_eq(a.qemu, "/bin/q");
	ck_assert_str_eq(a.append, "quiet x=1");
	ck_assert_uint_eq(a.smp, 4);
	ck_assert_uint_eq(a.mem_mb, 2048);
	ck_assert(a.no_hv && a.no_ics);
	ck_assert_uint_eq(strv_length(a.devices), 2);
	ck_assert_str_eq(a.devices[0], "e1000,id=x");
	ck_assert_str_eq(a.mac, "52:54:00:ab:cd:ef");
	hvhost_args_done(&a);

	ck_assert_int_eq(parse(&a, "boot", "--initrd", "i", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "boot", "--kernel", "k", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "boot", "--kernel", "k", "--initrd", "i", "--smp", "0", NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&a, "boot", "--kernel", "k", "--initrd", "i", "--smp", "2x", NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&a, "boot", "--kernel", "k", "--initrd", "i", "--mem", "1", NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&a, "boot", "--kernel", "k", "--initrd", "i", "--mac", "zz", NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&a, "boot", "--kernel", "k", "--initrd", "i", "--device", "", NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&a, "boot", "--kernel", "k", "--initrd", "i", "stray", NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&a, "boot", "--kernel", NULL), -EINVAL);

	ck_assert_int_eq(parse(&a, "boot", "--qemu", "q", "--kernel", "k", "--initrd", "i",
			       "--vmbus-version", "4.0", NULL),
			 0);
	ck_assert_str_eq(a.vmbus_version, "4.0");
	hvhost_args_done(&a);
	/* Only MAJOR.MINOR: nothing else may ride into QEMU's option string. */
	ck_assert_int_eq(parse(&a, "boot", "--qemu", "q", "--kernel", "k", "--initrd", "i",
			       "--vmbus-version", "4", NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&a, "boot", "--qemu", "q", "--kernel", "k", "--initrd", "i",
			       "--vmbus-version", "4.0,irq=5", NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&a, "boot", "--qemu", "q", "--kernel", "k", "--initrd", "i",
			       "--vmbus-version", "4.0x", NULL),
			 -EINVAL);
	unsetenv("HVHOST_QEMU");
}
END_TEST

START_TEST(args__kvp)
{
	ck_assert_int_eq(parse(&a, "kvp", "list", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_KVP_LIST);
	ck_assert_int_eq(a.pool, HVHOST_POOL_ALL);
	ck_assert_int_eq(parse(&a, "kvp", "list", "auto_external", NULL), 0);
	ck_assert_int_eq(a.pool, 3);
	ck_assert_int_eq(parse(&a, "kvp", "get", "guest", "Key", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_KVP_GET);
	ck_assert_int_eq(a.pool, 1);
	ck_assert_str_eq(a.key, "Key");
	ck_assert_int_eq(parse(&a, "kvp", "set", "0", "K", "V", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_KVP_SET);
	ck_assert_int_eq(a.pool, 0);
	ck_assert_str_eq(a.value, "V");
	ck_assert_ptr_null(a.value_type);
	ck_assert_int_eq(parse(&a, "kvp", "set", "--type", "u32", "external", "K", "42", NULL), 0);
	ck_assert_str_eq(a.value_type, "u32");
	ck_assert_int_eq(parse(&a, "kvp", "set", "external", "K", "18446744073709551615", "--type",
			       "u64", NULL),
			 0);
	ck_assert_str_eq(a.value_type, "u64");
	ck_assert_int_eq(parse(&a, "kvp", "delete", "auto_internal", "K", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_KVP_DELETE);
	ck_assert_int_eq(a.pool, 4);
	/* A value that looks like an option, after "--". */
	ck_assert_int_eq(parse(&a, "kvp", "set", "0", "K", "--", "-5", NULL), 0);
	ck_assert_str_eq(a.value, "-5");

	ck_assert_int_eq(parse(&a, "kvp", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "frob", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "list", "5", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "list", "guest", "x", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "get", "guest", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "get", "guest", "", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "set", "0", "K", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "set", "0", "K", "x", "--type", "u32", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "set", "0", "K", "4294967296", "--type", "u32", NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "set", "0", "K", "1", "--type", "u8", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "get", "0", "K", "--type", "u32", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "delete", "0", NULL), -EINVAL);
}
END_TEST

START_TEST(args__ip)
{
	ck_assert_int_eq(parse(&a, "ip", "get", "00155D000001", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_IP_GET);
	ck_assert_str_eq(a.mac, "00:15:5d:00:00:01");
	hvhost_args_done(&a);

	ck_assert_int_eq(parse(&a, "ip", "set", "00:15:5d:00:00:01", "{AD-1}", "--address",
			       "10.0.0.5/24", "--address", "fd00::5/64", "--address",
			       "192.168.1.2/255.255.0.0", "--gateway", "10.0.0.1", "--dns",
			       "1.1.1.1", "--dns", "2606:4700::1111", NULL),
			 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_IP_SET);
	ck_assert_str_eq(a.adapter_id, "{AD-1}");
	ck_assert(!a.dhcp);
	ck_assert_uint_eq(strv_length(a.addresses), 3);
	ck_assert_str_eq(a.addresses[0], "10.0.0.5");
	ck_assert_str_eq(a.subnets[0], "255.255.255.0");
	ck_assert_str_eq(a.addresses[1], "fd00::5");
	ck_assert_str_eq(a.subnets[1], "64");
	ck_assert_str_eq(a.subnets[2], "255.255.0.0");
	ck_assert_str_eq(a.gateways[0], "10.0.0.1");
	ck_assert_uint_eq(strv_length(a.dns), 2);
	hvhost_args_done(&a);

	ck_assert_int_eq(parse(&a, "ip", "set", "00:15:5d:00:00:01", "X", "--dhcp", NULL), 0);
	ck_assert(a.dhcp);
	ck_assert_ptr_null(a.addresses);
	hvhost_args_done(&a);

	ck_assert_int_eq(parse(&a, "ip", "get", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "ip", "get", "00:15:5d:00:00", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "ip", "get", "00:15:5d:00:00:01", "--dhcp", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "ip", "set", "00:15:5d:00:00:01", NULL), -EINVAL);
	ck_assert_int_eq(
		parse(&a, "ip", "set", "00:15:5d:00:00:01", "X", "--address", "10.0.0.5", NULL),
		-EINVAL);
	ck_assert_int_eq(
		parse(&a, "ip", "set", "00:15:5d:00:00:01", "X", "--gateway", "1.2.3", NULL),
		-EINVAL);
	ck_assert_int_eq(parse(&a, "ip", "set", "00:15:5d:00:00:01", "X", "--dns", "x", NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&a, "ip", "frob", NULL), -EINVAL);
}
END_TEST

START_TEST(args__other_commands)
{
	ck_assert_int_eq(parse(&a, "backup", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_BACKUP);
	ck_assert_ptr_null(a.exec_command);
	ck_assert_int_eq(parse(&a, "backup", "--exec", "lvcreate -s x", NULL), 0);
	ck_assert_str_eq(a.exec_command, "lvcreate -s x");
	ck_assert_int_eq(parse(&a, "backup", "--exec", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "backup", "--force", NULL), -EINVAL);

	ck_assert_int_eq(
		parse(&a, "copy-vmfile", "a", "/tmp/b", "--force", "--create-full-path", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_COPY_VMFILE);
	ck_assert_str_eq(a.source, "a");
	ck_assert_str_eq(a.destination, "/tmp/b");
	ck_assert(a.force && a.create_full_path);
	ck_assert_int_eq(parse(&a, "copy-vmfile", "a", NULL), -EINVAL);

	ck_assert_int_eq(parse(&a, "stop-vm", NULL), 0);
	ck_assert(!a.reboot && !a.force);
	ck_assert_uint_eq(a.wait_usec, HVHOST_DEFAULT_STOP_WAIT_USEC);
	ck_assert_int_eq(parse(&a, "stop-vm", "--reboot", "--force", "--wait", "0", NULL), 0);
	ck_assert(a.reboot && a.force);
	ck_assert_uint_eq(a.wait_usec, 0);
	ck_assert_int_eq(parse(&a, "stop-vm", "--wait", "-1", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "stop-vm", "--timeout", "1", NULL), -EINVAL);

	ck_assert_int_eq(parse(&a, "device-add", "hv-kvp", NULL), 0);
	ck_assert_str_eq(a.device_type, "hv-kvp");
	ck_assert_ptr_null(a.device_id);
	ck_assert_int_eq(parse(&a, "device-add", "virtio-rng-pci,bus=rp1", "rng", NULL), 0);
	ck_assert_str_eq(a.device_id, "rng");
	ck_assert_int_eq(parse(&a, "device-add", "x,bus", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "device-add", "x,id=y", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "device-add", ",x=y", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "device-add", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "device-del", "kvp", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_DEVICE_DEL);
	ck_assert_int_eq(parse(&a, "device-del", NULL), -EINVAL);

	ck_assert_int_eq(parse(&a, "wait-agent", NULL), 0);
	ck_assert_uint_eq(a.timeout_usec, HVHOST_DEFAULT_AGENT_TIMEOUT_USEC);
	ck_assert_int_eq(parse(&a, "wait-agent", "--timeout", "30", NULL), 0);
	ck_assert_uint_eq(a.timeout_usec, 30 * USEC_PER_SEC);
	ck_assert_int_eq(parse(&a, "quit", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_QUIT);
	ck_assert_int_eq(parse(&a, "heartbeat", "--force", NULL), -EINVAL);
}
END_TEST

START_TEST(args__exec_takes_the_rest_verbatim)
{
	ck_assert_int_eq(
		parse(&a, "exec", "--timeout", "5", "--", "ls", "-l", "--timeout", "/", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_EXEC);
	ck_assert_uint_eq(a.timeout_usec, 5 * USEC_PER_SEC);
	ck_assert_str_eq(a.command, "ls -l --timeout /");
	hvhost_args_done(&a);

	ck_assert_int_eq(parse(&a, "exec", "echo $HOME | wc -c", NULL), 0);
	ck_assert_str_eq(a.command, "echo $HOME | wc -c");
	ck_assert_uint_eq(a.timeout_usec, HVHOST_DEFAULT_EXEC_TIMEOUT_USEC);
	hvhost_args_done(&a);

	ck_assert_int_eq(parse(&a, "exec", "--", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "exec", "--", "", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "exec", "--timeout", "0", "--", "true", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "exec", "--timeout", "x", "--", "true", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "exec", "--frob", "--", "true", NULL), -EINVAL);
}
END_TEST

START_TEST(args__small_parsers)
{
	char mac[18], *addr = NULL, *subnet = NULL;
	uint64_t usec;
	int pool;

	ck_assert_int_eq(hvhost_parse_pool("external", &pool), 0);
	ck_assert_int_eq(pool, 0);
	ck_assert_int_eq(hvhost_parse_pool("4", &pool), 0);
	ck_assert_int_eq(pool, 4);
	ck_assert_int_eq(hvhost_parse_pool("04", &pool), -EINVAL);
	ck_assert_int_eq(hvhost_parse_pool("Guest", &pool), -EINVAL);
	ck_assert_str_eq(hvhost_pool_name(3), "auto_external");
	ck_assert_str_eq(hvhost_pool_name(9), "?");

	ck_assert_int_eq(hvhost_parse_mac("AA:bb:CC:dd:EE:ff", mac), 0);
	ck_assert_str_eq(mac, "aa:bb:cc:dd:ee:ff");
	ck_assert_int_eq(hvhost_parse_mac("aa:bb-cc:dd:ee:ff", mac), -EINVAL);
	ck_assert_int_eq(hvhost_parse_mac("aa:bb:cc:dd:ee:fg", mac), -EINVAL);
	ck_assert_int_eq(hvhost_parse_mac("aabbccddeef", mac), -EINVAL);
	ck_assert_int_eq(hvhost_parse_mac("", mac), -EINVAL);

	ck_assert_int_eq(hvhost_parse_seconds("1.25", &usec), 0);
	ck_assert_uint_eq(usec, 1250000);
	ck_assert_int_eq(hvhost_parse_seconds("0", &usec), 0);
	ck_assert_uint_eq(usec, 0);
	ck_assert_int_eq(hvhost_parse_seconds("-1", &usec), -EINVAL);
	ck_assert_int_eq(hvhost_parse_seconds("nan", &usec), -EINVAL);
	ck_assert_int_eq(hvhost_parse_seconds("inf", &usec), -EINVAL);
	ck_assert_int_eq(hvhost_parse_seconds("1e99", &usec), -EINVAL);
	ck_assert_int_eq(hvhost_parse_seconds("5s", &usec), -EINVAL);
	ck_assert_int_eq(hvhost_parse_seconds("", &usec), -EINVAL);

	ck_assert_int_eq(hvhost_parse_address("10.1.2.3/0", &addr, &subnet), 0);
	ck_assert_str_eq(addr, "10.1.2.3");
	ck_assert_str_eq(subnet, "0.0.0.0");
	free(addr);
	free(subnet);
	ck_assert_int_eq(hvhost_parse_address("10.1.2.3/32", &addr, &subnet), 0);
	ck_assert_str_eq(subnet, "255.255.255.255");
	free(addr);
	free(subnet);
	ck_assert_int_eq(hvhost_parse_address("10.1.2.3/20", &addr, &subnet), 0);
	ck_assert_str_eq(subnet, "255.255.240.0");
	free(addr);
	free(subnet);
	ck_assert_int_eq(hvhost_parse_address("::1/128", &addr, &subnet), 0);
	ck_assert_str_eq(subnet, "128");
	free(addr);
	free(subnet);
	addr = subnet = NULL;
	ck_assert_int_eq(hvhost_parse_address("10.1.2.3/33", &addr, &subnet), -EINVAL);
	ck_assert_int_eq(hvhost_parse_address("::1/129", &addr, &subnet), -EINVAL);
	ck_assert_int_eq(hvhost_parse_address("10.1.2/24", &addr, &subnet), -EINVAL);
	ck_assert_int_eq(hvhost_parse_address("/24", &addr, &subnet), -EINVAL);
	ck_assert_int_eq(hvhost_parse_address("10.1.2.3/", &addr, &subnet), -EINVAL);
	ck_assert_int_eq(hvhost_parse_address("::1/255.0.0.0", &addr, &subnet), -EINVAL);
	ck_assert_ptr_null(addr);
	ck_assert_ptr_null(subnet);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hvhost-args");
	TCase *tc;

	log_set_sink(quiet, NULL);
	tc = tcase_create("args__global_options");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, args__global_options);
	suite_add_tcase(s, tc);
	tc = tcase_create("args__boot");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, args__boot);
	suite_add_tcase(s, tc);
	tc = tcase_create("args__kvp");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, args__kvp);
	suite_add_tcase(s, tc);
	tc = tcase_create("args__ip");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, args__ip);
	suite_add_tcase(s, tc);
	tc = tcase_create("args__other_commands");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, args__other_commands);
	suite_add_tcase(s, tc);
	tc = tcase_create("args__exec_takes_the_rest_verbatim");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, args__exec_takes_the_rest_verbatim);
	suite_add_tcase(s, tc);
	tc = tcase_create("args__small_parsers");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, args__small_parsers);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
