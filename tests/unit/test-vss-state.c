// SPDX-License-Identifier: MIT
/*
 * vss-state.c: the /run state file (format, lenient parse, atomic write)
 * and thawing what it records.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>

#include "log.h"
#include "testlib.h"
#include "util.h"
#include "vss-freeze.h"
#include "vss-state.h"

static char *dir;

static void setup(void)
{
	log_set_max_level(LOG_CRIT);
	dir = tl_mkdtemp("vss-state");
}

static void teardown(void)
{
	tl_rm_rf(dir);
	free(dir);
}

static void fill(struct vss_state *s)
{
	memset(s, 0, sizeof(*s));
	s->kind = VSS_STATE_FROZEN;
	s->since_usec = 1700000000123456ULL;
	s->pid = 4242;
	ck_assert_int_eq(vss_state_set_result(s, "ok"), 0);
	ck_assert_int_eq(vss_state_add_fs(s, 7, 3, "ext4", "/dev/loop3", "/mnt/a b"), 0);
	ck_assert_int_eq(vss_state_add_fs(s, 0, 44, "btrfs", "", "/"), 0);
	ck_assert_int_eq(vss_state_add_hook(s, "10-db", "/etc/hooks/10-db"), 0);
	ck_assert_int_eq(vss_state_add_hook(s, "20 web", "/etc/hooks/20 web"), 0);
}

START_TEST(vss_state__format_parse_round_trip)
{
	struct vss_state s, p;
	char *text;

	fill(&s);
	ck_assert_int_eq(vss_state_format(&s, &text), 0);
	ck_assert_ptr_nonnull(strstr(text, "state=frozen\n"));
	ck_assert_ptr_nonnull(strstr(text, "fs=7:3 ext4 /dev/loop3 /mnt/a\\040b\n"));
	ck_assert_int_eq(vss_state_parse(text, &p), 0);
	ck_assert_int_eq(p.kind, VSS_STATE_FROZEN);
	ck_assert_uint_eq(p.since_usec, 1700000000123456ULL);
	ck_assert_int_eq(p.pid, 4242);
	ck_assert_str_eq(p.result, "ok");
	ck_assert_uint_eq(p.n_fs, 2);
	ck_assert_str_eq(p.fs[0].mount_point, "/mnt/a b");
	ck_assert_uint_eq(p.fs[1].minor, 44);
	ck_assert_str_eq(p.fs[1].source, "");
	ck_assert_uint_eq(p.n_hooks, 2);
	ck_assert_str_eq(p.hooks[1].name, "20 web");
	ck_assert_str_eq(p.hooks[1].path, "/etc/hooks/20 web");
	vss_state_clear(&p);
	vss_state_clear(&s);
	free(text);
}
END_TEST

START_TEST(vss_state__parse_skips_bad_lines)
{
	struct vss_state p;
	const char *text = "# comment\n"
			   "version=1\n"
			   "state=bogus\n"
			   "since=-5\n"
			   "pid=abc\n"
			   "fs=7:3 ext4 /dev/loop3\n"
			   "fs=7:x ext4 /dev/loop3 /m\n"
			   "fs=7:3 ext4 /dev/loop3 relative\n"
			   "fs=8:1 xfs /dev/sda1 /ok\n"
			   "hook=onlyname\n"
			   "hook=n relative/path\n"
			   "unknown=1\n"
			   "no equals sign\n";

	ck_assert_int_eq(vss_state_parse(text, &p), 0);
	ck_assert_int_eq(p.kind, VSS_STATE_THAWED);
	ck_assert_uint_eq(p.since_usec, 0);
	ck_assert_int_eq(p.pid, 0);
	ck_assert_uint_eq(p.n_fs, 1);
	ck_assert_str_eq(p.fs[0].mount_point, "/ok");
	ck_assert_uint_eq(p.n_hooks, 0);
	vss_state_clear(&p);
}
END_TEST

START_TEST(vss_state__parse_rejects_other_files)
{
	struct vss_state p;

	ck_assert_int_eq(vss_state_parse("state=frozen\n", &p), -EINVAL);
	ck_assert_int_eq(vss_state_parse("version=2\nstate=frozen\n", &p), -EINVAL);
	ck_assert_int_eq(vss_state_parse("", &p), -EINVAL);
}
END_TEST

START_TEST(vss_state__write_read_and_missing)
{
	struct vss_state s, p;

	ck_assert_int_eq(vss_state_read(dir, &p), -ENOENT);
	fill(&s);
	ck_assert_int_eq(vss_state_write(dir, &s), 0);
	ck_assert_int_eq(vss_state_read(dir, &p), 0);
	ck_assert_uint_eq(p.n_fs, 2);
	vss_state_remove_hook(&p, "10-db");
	ck_assert_uint_eq(p.n_hooks, 1);
	ck_assert_str_eq(p.hooks[0].name, "20 web");
	vss_state_clear_fs(&p);
	p.kind = VSS_STATE_THAWED;
	ck_assert_int_eq(vss_state_write(dir, &p), 0);
	vss_state_clear(&p);
	ck_assert_int_eq(vss_state_read(dir, &p), 0);
	ck_assert_int_eq(p.kind, VSS_STATE_THAWED);
	ck_assert_uint_eq(p.n_fs, 0);
	ck_assert_uint_eq(p.n_hooks, 1);
	vss_state_clear(&p);
	vss_state_clear(&s);
}
END_TEST

struct calls {
	int thaws;
	int result;
};

static int fake_ioctl(int fd, unsigned long request, void *userdata)
{
	struct calls *c = userdata;

	(void)fd;
	ck_assert_uint_eq(request, FITHAW);
	c->thaws++;
	return c->result;
}

/* A mount table where mount_point (a plain directory) is the mount with its real id. */
static void write_mountinfo(const char *path, const char *mount_point)
{
	struct statx stx;
	char *text;

	ck_assert_int_eq(statx(AT_FDCWD, mount_point, 0, STATX_MNT_ID, &stx), 0);
	ck_assert_int_ge(asprintf(&text, "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
					 "%llu 1 8:9 / %s rw - xfs /dev/sdz rw\n",
				  (unsigned long long)stx.stx_mnt_id, mount_point), 0);
	tl_write_file(path, text);
	free(text);
}

START_TEST(vss_state__thaws_recorded_filesystems)
{
	struct calls calls = { 0 };
	struct vss_freezer_ops ops = { .ioctl = fake_ioctl, .userdata = &calls };
	struct vss_state s = { .kind = VSS_STATE_FROZEN };
	char *mountinfo;
	unsigned thawed = 0;

	/* A mounted directory stands in for the recorded filesystem (no real freeze). */
	ck_assert_int_ge(asprintf(&mountinfo, "%s/mountinfo", dir), 0);
	write_mountinfo(mountinfo, dir);
	ck_assert_int_eq(vss_state_add_fs(&s, 8, 9, "xfs", "/dev/sdz", "/old/place"), 0);
	ck_assert_int_eq(vss_state_add_fs(&s, 8, 77, "ext4", "/dev/gone", "/gone"), 0);

	/* Found by device number although the mount point changed; the missing one is skipped. */
	ck_assert_int_eq(vss_state_thaw_filesystems(&s, mountinfo, &ops, &thawed), 0);
	ck_assert_int_eq(calls.thaws, 1);
	ck_assert_uint_eq(thawed, 1);

	/* Not frozen (EINVAL): fine, nothing counted. */
	calls.result = -EINVAL;
	ck_assert_int_eq(vss_state_thaw_filesystems(&s, mountinfo, &ops, &thawed), 0);
	ck_assert_uint_eq(thawed, 0);

	/* A real failure is reported. */
	calls.result = -EIO;
	ck_assert_int_eq(vss_state_thaw_filesystems(&s, mountinfo, &ops, &thawed), -EIO);

	/* A thawed state thaws nothing. */
	s.kind = VSS_STATE_THAWED;
	calls.thaws = 0;
	ck_assert_int_eq(vss_state_thaw_filesystems(&s, mountinfo, &ops, &thawed), 0);
	ck_assert_int_eq(calls.thaws, 0);
	vss_state_clear(&s);
	free(mountinfo);
}
END_TEST

START_TEST(vss_state__thaw_by_mount_point_needs_same_source)
{
	struct calls calls = { 0 };
	struct vss_freezer_ops ops = { .ioctl = fake_ioctl, .userdata = &calls };
	struct vss_state s = { .kind = VSS_STATE_FREEZING };
	char *mountinfo;

	ck_assert_int_ge(asprintf(&mountinfo, "%s/mountinfo", dir), 0);
	write_mountinfo(mountinfo, dir);
	/* Other device number, same mount point and source: the same filesystem. */
	ck_assert_int_eq(vss_state_add_fs(&s, 8, 10, "xfs", "/dev/sdz", dir), 0);
	ck_assert_int_eq(vss_state_thaw_filesystems(&s, mountinfo, &ops, NULL), 0);
	ck_assert_int_eq(calls.thaws, 1);
	vss_state_clear(&s);

	/* Same mount point, other source: something else is mounted there now. */
	s = (struct vss_state){ .kind = VSS_STATE_FROZEN };
	ck_assert_int_eq(vss_state_add_fs(&s, 8, 10, "xfs", "/dev/other", dir), 0);
	ck_assert_int_eq(vss_state_thaw_filesystems(&s, mountinfo, &ops, NULL), 0);
	ck_assert_int_eq(calls.thaws, 1);
	vss_state_clear(&s);
	free(mountinfo);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vss-state");
	TCase *tc = tcase_create("state");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, vss_state__format_parse_round_trip);
	tcase_add_test(tc, vss_state__parse_skips_bad_lines);
	tcase_add_test(tc, vss_state__parse_rejects_other_files);
	tcase_add_test(tc, vss_state__write_read_and_missing);
	tcase_add_test(tc, vss_state__thaws_recorded_filesystems);
	tcase_add_test(tc, vss_state__thaw_by_mount_point_needs_same_source);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
