// SPDX-License-Identifier: MIT
/*
 * A full disk: a small ext4 image loop-mounted in a private mount
 * namespace (the mount and its loop device go away with this process).
 * The host gets HV_ERROR_DISK_FULL, the space is given back at once, and
 * an old file being overwritten is untouched. Needs root; exits 77
 * otherwise.
 */
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <hyperv/fcopy.h>
#include <hyperv/status.h>

#include "fcopy-copy.h"
#include "fcopy-host.h"
#include "fcopy-msg.h"
#include "log.h"
#include "testlib.h"
#include "util.h"

#define BIG (16u << 20)

static char workdir[600], mnt[700], state[700];
static struct fcopy_copy *c;
static struct fcopy_copy_config cfg;

static uint64_t free_bytes(void)
{
	struct statvfs v;

	ck_assert_int_eq(statvfs(mnt, &v), 0);
	return (uint64_t)v.f_bavail * v.f_frsize;
}

static void setup(void)
{
	log_set_max_level(LOG_CRIT);
	cfg = (struct fcopy_copy_config){
		.file_mode = 0644,
		.dir_mode = 0755,
		.preallocate = true,
		.state_dir = state,
		.writeback_bytes = 1 << 20,
	};
	ck_assert_int_eq(fcopy_copy_new(&cfg, &c), 0);
}

static void teardown(void)
{
	char p[800];

	c = fcopy_copy_free(c);
	snprintf(p, sizeof(p), "%s/f", mnt);
	(void)unlink(p);
}

static void reopen(void)
{
	c = fcopy_copy_free(c);
	ck_assert_int_eq(fcopy_copy_new(&cfg, &c), 0);
}

/* Write up to n bytes; returns the first error. */
static int feed(uint64_t n)
{
	static uint8_t chunk[HV_FCOPY_DATA_SIZE];
	int r = 0;

	memset(chunk, 0x6b, sizeof(chunk));
	for (uint64_t off = 0; off < n && r == 0; off += sizeof(chunk))
		r = fcopy_copy_write(c, off, chunk, (uint32_t)MIN(n - off, sizeof(chunk)));
	return r;
}

START_TEST(fcopy_diskfull__preallocation_refuses_up_front)
{
	struct hv_fcopy_start msg;
	uint64_t before = free_bytes();

	ck_assert_int_eq(fcopy_build_start(&msg, true, mnt, "f", 0, BIG), 0);
	ck_assert_uint_eq(fcopy_msg_handle(c, FCOPY_NAMES_UTF16, &msg, sizeof(msg)),
			  HV_ERROR_DISK_FULL);
	ck_assert(!fcopy_copy_active(c));
	ck_assert_int_eq(system("test $(ls -A \"$HVT_MNT\" | wc -l) -eq 1"), 0);
	ck_assert_uint_ge(free_bytes() + 65536, before);
}
END_TEST

START_TEST(fcopy_diskfull__failed_write_gives_space_back)
{
	uint64_t before = free_bytes();
	struct hv_fcopy_write w;
	int r;

	cfg.preallocate = false;
	reopen();
	ck_assert_int_eq(fcopy_copy_start(c, mnt, "f", 0, BIG), 0);
	r = feed(BIG);
	ck_assert_int_eq(r, -ENOSPC);
	/* The copy is over, its blocks freed; the next WRITE has no copy. */
	ck_assert(!fcopy_copy_active(c));
	ck_assert_uint_ge(free_bytes() + 65536, before);
	fcopy_build_write(&w, 0, "x", 1);
	ck_assert_uint_eq(fcopy_msg_handle(c, FCOPY_NAMES_UTF16, &w, sizeof(w)), HV_E_FAIL);
}
END_TEST

START_TEST(fcopy_diskfull__write_failure_maps_to_disk_full)
{
	static const uint8_t chunk[HV_FCOPY_DATA_SIZE];
	struct hv_fcopy_start s;
	struct hv_fcopy_write w;
	uint32_t status = HV_S_OK;

	cfg.preallocate = false;
	reopen();
	ck_assert_int_eq(fcopy_build_start(&s, true, mnt, "f", 0, BIG), 0);
	ck_assert_uint_eq(fcopy_msg_handle(c, FCOPY_NAMES_UTF16, &s, sizeof(s)), HV_S_OK);
	for (uint64_t off = 0; off < BIG && status == HV_S_OK; off += HV_FCOPY_DATA_SIZE) {
		fcopy_build_write(&w, off, chunk, HV_FCOPY_DATA_SIZE);
		status = fcopy_msg_handle(c, FCOPY_NAMES_UTF16, &w, sizeof(w));
	}
	ck_assert_uint_eq(status, HV_ERROR_DISK_FULL);
}
END_TEST

START_TEST(fcopy_diskfull__overwrite_keeps_old_file)
{
	char path[800];
	char *s;

	snprintf(path, sizeof(path), "%s/f", mnt);
	tl_write_file(path, "the old file");
	for (int named = 0; named < 2; named++) {
		cfg.preallocate = false;
		cfg.named_tmp = named;
		reopen();
		ck_assert_int_eq(fcopy_copy_start(c, mnt, "f", HV_FCOPY_OVER_WRITE, BIG), 0);
		ck_assert_int_eq(feed(BIG), -ENOSPC);
		s = tl_read_file(path, NULL);
		ck_assert_str_eq(s, "the old file");
		free(s);
		/* Nothing else left on the filesystem but lost+found. */
		ck_assert_int_eq(system("test $(ls -A \"$HVT_MNT\" | wc -l) -eq 2"), 0);
	}
}
END_TEST

int main(void)
{
	Suite *s;
	TCase *tc;
	char cmd[4096];
	int r;

	tl_require_root("mounts a small ext4 image on a loop device");
	if (system("command -v mkfs.ext4 >/dev/null && command -v mount >/dev/null") != 0) {
		printf("SKIP: needs mkfs.ext4 and mount\n");
		return TL_EXIT_SKIP;
	}
	/* The mount lives and dies with this process's private namespace. */
	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0) {
		printf("SKIP: cannot make a private mount namespace: %s\n", strerror(errno));
		return TL_EXIT_SKIP;
	}

	snprintf(workdir, sizeof(workdir), "%s/hvtfc-XXXXXX", HV_BINARY_DIR);
	if (!mkdtemp(workdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(mnt, sizeof(mnt), "%s/mnt", workdir);
	snprintf(state, sizeof(state), "%s/state", workdir);
	(void)mkdir(mnt, 0755);
	setenv("HVT_MNT", mnt, 1);
	snprintf(cmd, sizeof(cmd),
		 "truncate -s 8M '%s/img' && mkfs.ext4 -q -F '%s/img' >/dev/null 2>&1 && "
		 "mount -o loop '%s/img' '%s'", workdir, workdir, workdir, mnt);
	r = system(cmd);
	if (r != 0) {
		printf("SKIP: cannot loop-mount an ext4 image\n");
		tl_rm_rf(workdir);
		return TL_EXIT_SKIP;
	}

	s = suite_create("fcopy_diskfull");
	tc = tcase_create("fcopy_diskfull");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, fcopy_diskfull__preallocation_refuses_up_front);
	tcase_add_test(tc, fcopy_diskfull__failed_write_gives_space_back);
	tcase_add_test(tc, fcopy_diskfull__write_failure_maps_to_disk_full);
	tcase_add_test(tc, fcopy_diskfull__overwrite_keeps_old_file);
	suite_add_tcase(s, tc);
	r = tl_run_suite(s);

	/* Unmounting detaches the loop device (mount -o loop sets autoclear). */
	if (umount2(mnt, 0) < 0)
		fprintf(stderr, "umount %s: %m\n", mnt);
	tl_rm_rf(workdir);
	return r;
}
