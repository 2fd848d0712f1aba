// SPDX-License-Identifier: MIT
/*
 * hv_fcopy_daemon configuration: defaults, every key, and bad values that
 * warn and keep the default.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "fcopy-conf.h"
#include "log.h"
#include "testlib.h"

static char *dir;
static char path[600];
static struct fcopy_config cfg;

static void setup(void)
{
	log_set_max_level(LOG_CRIT);
	dir = tl_mkdtemp("fcopy-conf");
	snprintf(path, sizeof(path), "%s/fcopy.conf", dir);
	ck_assert_int_eq(fcopy_config_init(&cfg, "/var/lib/hyperv"), 0);
}

static void teardown(void)
{
	fcopy_config_done(&cfg);
	tl_rm_rf(dir);
	free(dir);
}

START_TEST(fcopy_conf__defaults_without_file)
{
	unsigned warnings = 99;

	ck_assert_int_eq(fcopy_config_load(&cfg, path, &warnings), 0);
	ck_assert_uint_eq(warnings, 0);
	ck_assert_int_eq(cfg.transport, FCOPY_TRANSPORT_AUTO);
	ck_assert_str_eq(cfg.device, "/dev/vmbus/hv_fcopy");
	ck_assert_ptr_null(cfg.uio_device);
	ck_assert_uint_eq(cfg.ring_size, 0);
	ck_assert_ptr_null(cfg.allowed_dirs);
	ck_assert_uint_eq(cfg.file_mode, 0644);
	ck_assert_uint_eq(cfg.dir_mode, 0755);
	ck_assert(cfg.preallocate);
	ck_assert(cfg.backslash_separator);
	ck_assert_uint_eq(cfg.writeback_bytes, 8u << 20);
	ck_assert_str_eq(cfg.state_dir, "/var/lib/hyperv");
}
END_TEST

START_TEST(fcopy_conf__every_key)
{
	unsigned warnings = 99;

	tl_write_file(path, "[Daemon]\nLogLevel=debug\n"
			    "[Transport]\nType=uio\nDevice=/dev/other\nUioDevice=/dev/uio3\n"
			    "UioRingFile=/tmp/rings\nRingSize=16K\nRingSizeTimeout=2s\n"
			    "[Copy]\nAllowedDirectories=/srv/in /home/shared\nFileMode=0600\n"
			    "DirectoryMode=0750\nPreallocate=no\nBackslashSeparator=no\n"
			    "WritebackBytes=1M\nIdleTimeout=30s\nStateDirectory=/run/fc\n");
	ck_assert_int_eq(fcopy_config_load(&cfg, path, &warnings), 0);
	ck_assert_uint_eq(warnings, 0);
	ck_assert_int_eq(cfg.log_level, LOG_DEBUG);
	ck_assert_int_eq(cfg.transport, FCOPY_TRANSPORT_UIO);
	ck_assert_str_eq(cfg.device, "/dev/other");
	ck_assert_str_eq(cfg.uio_device, "/dev/uio3");
	ck_assert_str_eq(cfg.uio_ring_file, "/tmp/rings");
	ck_assert_uint_eq(cfg.ring_size, 16384);
	ck_assert_uint_eq(cfg.ring_size_timeout_usec, 2000000);
	ck_assert_str_eq(cfg.allowed_dirs[0], "/srv/in");
	ck_assert_str_eq(cfg.allowed_dirs[1], "/home/shared");
	ck_assert_ptr_null(cfg.allowed_dirs[2]);
	ck_assert_uint_eq(cfg.file_mode, 0600);
	ck_assert_uint_eq(cfg.dir_mode, 0750);
	ck_assert(!cfg.preallocate);
	ck_assert(!cfg.backslash_separator);
	ck_assert_uint_eq(cfg.writeback_bytes, 1 << 20);
	ck_assert_uint_eq(cfg.idle_timeout_usec, 30000000);
	ck_assert_str_eq(cfg.state_dir, "/run/fc");
}
END_TEST

START_TEST(fcopy_conf__bad_values_keep_defaults)
{
	unsigned warnings = 0;

	tl_write_file(path, "[Transport]\nType=carrier-pigeon\nRingSize=lots\nDevice=relative\n"
			    "[Copy]\nFileMode=0999\nDirectoryMode=rwx\nPreallocate=maybe\n");
	ck_assert_int_eq(fcopy_config_load(&cfg, path, &warnings), 0);
	ck_assert_uint_eq(warnings, 6);
	ck_assert_int_eq(cfg.transport, FCOPY_TRANSPORT_AUTO);
	ck_assert_uint_eq(cfg.ring_size, 0);
	ck_assert_str_eq(cfg.device, "/dev/vmbus/hv_fcopy");
	ck_assert_uint_eq(cfg.file_mode, 0644);
	ck_assert_uint_eq(cfg.dir_mode, 0755);
	ck_assert(cfg.preallocate);
}
END_TEST

START_TEST(fcopy_conf__value_parsers)
{
	uint64_t v;
	uint32_t m;
	enum fcopy_transport t;

	ck_assert_int_eq(fcopy_parse_size("4096", &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(fcopy_parse_size("2g", &v), 0);
	ck_assert_uint_eq(v, 2ull << 30);
	ck_assert_int_eq(fcopy_parse_size("-1", &v), -EINVAL);
	ck_assert_int_eq(fcopy_parse_size("1T", &v), -EINVAL);
	ck_assert_int_eq(fcopy_parse_size("99999999999999999999", &v), -ERANGE);
	ck_assert_int_eq(fcopy_parse_mode("755", &m), 0);
	ck_assert_uint_eq(m, 0755);
	ck_assert_int_eq(fcopy_parse_mode("17777", &m), -EINVAL);
	ck_assert_int_eq(fcopy_parse_transport("ChArDeV", &t), 0);
	ck_assert_int_eq(t, FCOPY_TRANSPORT_CHARDEV);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fcopy_conf");
	TCase *tc = tcase_create("fcopy_conf");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fcopy_conf__defaults_without_file);
	tcase_add_test(tc, fcopy_conf__every_key);
	tcase_add_test(tc, fcopy_conf__bad_values_keep_defaults);
	tcase_add_test(tc, fcopy_conf__value_parsers);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
