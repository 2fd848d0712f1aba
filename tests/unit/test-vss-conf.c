// SPDX-License-Identifier: MIT
/*
 * vss-conf.c: defaults, every key, and bad values keeping the default.
 */
#include <check.h>
#include <string.h>

#include "log.h"
#include "testlib.h"
#include "util.h"
#include "vss-conf.h"

START_TEST(vss_conf__defaults)
{
	struct vss_config c;

	ck_assert_int_eq(vss_config_init(&c), 0);
	ck_assert_str_eq(c.device, "/dev/vmbus/hv_vss");
	ck_assert_str_eq(c.state_dir, "/run/hyperv-tools/vss");
	ck_assert_str_eq(c.mountinfo, "/proc/self/mountinfo");
	ck_assert_uint_eq(c.auto_thaw_usec, 120 * USEC_PER_SEC);
	ck_assert_uint_eq(c.hook_timeout_usec, 60 * USEC_PER_SEC);
	ck_assert(c.hooks_enabled);
	ck_assert(!c.freeze_network);
	ck_assert(!c.freeze_fuse);
	ck_assert_ptr_null(c.include);
	ck_assert_uint_eq(strv_length(c.hook_dirs), 1);
	ck_assert_str_eq(c.hook_dirs[0], VSS_DEFAULT_HOOK_DIR);
	vss_config_done(&c);
}
END_TEST

START_TEST(vss_conf__every_key)
{
	const char *text = "[Daemon]\n"
			   "Device=/run/test/dev\n"
			   "StateDirectory=/run/test/state\n"
			   "LogLevel=debug\n"
			   "[Freeze]\n"
			   "AutoThawTimeout=30s\n"
			   "Include=/srv/* /data\n"
			   "Exclude=/var/lib/docker/*\n"
			   "ExcludeTypes=vfat\n"
			   "FreezeNetwork=yes\n"
			   "FreezeFuse=true\n"
			   "MountInfo=/tmp/mountinfo\n"
			   "[Hooks]\n"
			   "Enabled=no\n"
			   "Directory=\n"
			   "Directory=/etc/qemu/fsfreeze-hook.d\n"
			   "Timeout=2min\n";
	struct vss_config c;
	unsigned warnings = 1;

	ck_assert_int_eq(vss_config_init(&c), 0);
	ck_assert_int_eq(vss_config_load_text(&c, "test", text, &warnings), 0);
	ck_assert_uint_eq(warnings, 0);
	ck_assert_str_eq(c.device, "/run/test/dev");
	ck_assert_str_eq(c.state_dir, "/run/test/state");
	ck_assert_int_eq(c.log_level, LOG_DEBUG);
	ck_assert_uint_eq(c.auto_thaw_usec, 30 * USEC_PER_SEC);
	ck_assert_uint_eq(strv_length(c.include), 2);
	ck_assert_str_eq(c.include[1], "/data");
	ck_assert_str_eq(c.exclude[0], "/var/lib/docker/*");
	ck_assert_str_eq(c.exclude_types[0], "vfat");
	ck_assert(c.freeze_network);
	ck_assert(c.freeze_fuse);
	ck_assert_str_eq(c.mountinfo, "/tmp/mountinfo");
	ck_assert(!c.hooks_enabled);
	ck_assert_uint_eq(strv_length(c.hook_dirs), 1);
	ck_assert_str_eq(c.hook_dirs[0], "/etc/qemu/fsfreeze-hook.d");
	ck_assert_uint_eq(c.hook_timeout_usec, 120 * USEC_PER_SEC);
	vss_config_done(&c);
}
END_TEST

START_TEST(vss_conf__bad_values_keep_defaults)
{
	const char *text = "[Daemon]\n"
			   "Device=relative/path\n"
			   "StateDirectory=\n"
			   "[Freeze]\n"
			   "AutoThawTimeout=1000s\n"
			   "FreezeNetwork=maybe\n"
			   "[Hooks]\n"
			   "Timeout=infinity\n"
			   "Unknown=1\n";
	struct vss_config c;
	unsigned warnings = 0;

	ck_assert_int_eq(vss_config_init(&c), 0);
	ck_assert_int_eq(vss_config_load_text(&c, "test", text, &warnings), 0);
	ck_assert_uint_eq(warnings, 5);
	ck_assert_str_eq(c.device, "/dev/vmbus/hv_vss");
	/* An empty path falls back to the default rather than to nothing. */
	ck_assert_str_eq(c.state_dir, "/run/hyperv-tools/vss");
	ck_assert_uint_eq(c.auto_thaw_usec, 120 * USEC_PER_SEC);
	ck_assert(!c.freeze_network);
	ck_assert_uint_eq(c.hook_timeout_usec, 60 * USEC_PER_SEC);
	vss_config_done(&c);
}
END_TEST

START_TEST(vss_conf__missing_file_is_fine)
{
	struct vss_config c;

	ck_assert_int_eq(vss_config_init(&c), 0);
	ck_assert_int_eq(vss_config_load(&c, "/nonexistent/vss.conf", NULL), 0);
	ck_assert_str_eq(c.device, "/dev/vmbus/hv_vss");
	vss_config_done(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vss-conf");
	TCase *tc = tcase_create("conf");

	log_set_max_level(LOG_CRIT);
	tcase_add_test(tc, vss_conf__defaults);
	tcase_add_test(tc, vss_conf__every_key);
	tcase_add_test(tc, vss_conf__bad_values_keep_defaults);
	tcase_add_test(tc, vss_conf__missing_file_is_fine);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
