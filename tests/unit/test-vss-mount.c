// SPDX-License-Identifier: MIT
/*
 * vss-mount.c: mountinfo parsing, candidate selection, superblock dedup
 * and the freeze order (loop images before the filesystem holding them,
 * root last).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "testlib.h"
#include "util.h"
#include "vss-mount.h"

#define DATA HV_SOURCE_DIR "/tests/unit/data/vss/"

static struct vss_mount_table load(const char *name)
{
	struct vss_mount_table t = { 0 };

	ck_assert_int_eq(vss_mountinfo_load(name, &t), 0);
	return t;
}

/* The plan's primary mount points, space separated. */
static char *plan_order(const struct vss_plan *p)
{
	char *s = calloc(1, 4096);

	for (size_t i = 0; i < p->n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, p->fs[i].mount_points[0]);
	}
	return s;
}

static void check_plan(const char *mountinfo, const struct vss_scope *scope, const char *want)
{
	struct vss_mount_table t = load(mountinfo);
	struct vss_plan p = { 0 };
	char *got;

	ck_assert_int_eq(vss_plan_build(&t, scope, &p), 0);
	got = plan_order(&p);
	ck_assert_str_eq(got, want);
	free(got);
	vss_plan_clear(&p);
	vss_mount_table_clear(&t);
}

START_TEST(vss_mount__parses_fields_and_escapes)
{
	struct vss_mount_table t = { 0 };
	unsigned bad = 0;
	char *text = tl_read_file(DATA "mountinfo-odd.txt", NULL);

	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(vss_mountinfo_parse(text, &t, &bad), 0);
	ck_assert_uint_eq(t.n, 3);
	ck_assert_uint_eq(bad, 5);
	ck_assert_int_eq(t.mounts[0].id, 15);
	ck_assert_int_eq(t.mounts[0].parent_id, 1);
	ck_assert_uint_eq(t.mounts[0].major, 8);
	ck_assert_uint_eq(t.mounts[0].minor, 1);
	ck_assert_str_eq(t.mounts[0].mount_point, "/");
	/* Optional fields before "-" are skipped. */
	ck_assert_str_eq(t.mounts[1].mount_point, "/z");
	ck_assert_str_eq(t.mounts[1].fstype, "ext4");
	ck_assert_str_eq(t.mounts[1].source, "/dev/sda3");
	ck_assert_str_eq(t.mounts[2].root, "/a\\b");
	ck_assert_str_eq(t.mounts[2].mount_point, "/tab\tand\nnewline");
	ck_assert_str_eq(t.mounts[2].source, "/dev/s p");
	ck_assert_ptr_eq(vss_mount_table_find_id(&t, 19), &t.mounts[1]);
	ck_assert_ptr_null(vss_mount_table_find_id(&t, 99));
	vss_mount_table_clear(&t);
	free(text);
}
END_TEST

START_TEST(vss_mount__escape_round_trips)
{
	static const char *const samples[] = { "", "/plain", "/a b", "a\tb\nc\\d", "\x01\x7f" };

	for (size_t i = 0; i < ELEMENTSOF(samples); i++) {
		char *e, *u;

		ck_assert_int_eq(vss_escape(samples[i], &e), 0);
		ck_assert_ptr_null(strpbrk(e, " \t\n"));
		ck_assert_int_eq(vss_unescape(e, &u), 0);
		ck_assert_str_eq(u, samples[i]);
		free(e);
		free(u);
	}
}
END_TEST

START_TEST(vss_mount__unescape_keeps_nul_and_bad_escapes)
{
	char *u;

	ck_assert_int_eq(vss_unescape("a\\000b\\9\\12", &u), 0);
	ck_assert_str_eq(u, "a\\000b\\9\\12");
	free(u);
}
END_TEST

START_TEST(vss_mount__options_are_matched_as_tokens)
{
	ck_assert(vss_has_option("rw,relatime", "rw"));
	ck_assert(vss_has_option("relatime,ro", "ro"));
	ck_assert(!vss_has_option("rw,errors=remount-ro", "ro"));
	ck_assert(!vss_has_option("rootcontext=x", "ro"));
	ck_assert(!vss_has_option("", "ro"));
	ck_assert(!vss_has_option(NULL, "ro"));
}
END_TEST

START_TEST(vss_mount__classifies_filesystem_types)
{
	char *fs = tl_read_file(DATA "filesystems.txt", NULL);

	ck_assert_int_eq(vss_fs_classify("ext4", "/dev/sda1", fs), VSS_FS_BLOCK);
	ck_assert_int_eq(vss_fs_classify("tmpfs", "tmpfs", fs), VSS_FS_PSEUDO);
	ck_assert_int_eq(vss_fs_classify("nfs4", "srv:/", fs), VSS_FS_NETWORK);
	ck_assert_int_eq(vss_fs_classify("cifs", "//srv/x", fs), VSS_FS_NETWORK);
	ck_assert_int_eq(vss_fs_classify("fuse.sshfs", "u@h:/", fs), VSS_FS_FUSE);
	ck_assert_int_eq(vss_fs_classify("fuseblk", "/dev/sdc1", fs), VSS_FS_FUSE);
	/* Unknown to /proc/filesystems: the source decides. */
	ck_assert_int_eq(vss_fs_classify("weirdfs", "/dev/sda7", fs), VSS_FS_BLOCK);
	ck_assert_int_eq(vss_fs_classify("otherfs", "none", fs), VSS_FS_PSEUDO);
	ck_assert_int_eq(vss_fs_classify("xfs", "/dev/sdb", NULL), VSS_FS_BLOCK);
	free(fs);
}
END_TEST

START_TEST(vss_mount__plan_skips_and_dedups_root_last)
{
	struct vss_scope scope = { .filesystems = DATA "filesystems.txt", .sysfs = "/nonexistent" };

	/*
	 * Skipped: proc, sysfs, tmpfs (pseudo), nfs4, ceph, vboxsf (network),
	 * sshfs (FUSE), the iso and /mnt/ro (read-only superblocks), otherfs.
	 * /mnt/bind is root's superblock; /srv/data is /home's btrfs. A read-only
	 * mount of a writable superblock is still frozen. Root comes last.
	 */
	check_plan(DATA "mountinfo-basic.txt", &scope,
		   "/boot /boot/efi /home /var/lib/mysql /mnt/with space /mnt/ro-mount "
		   "/mnt/unknown-type /");
}
END_TEST

START_TEST(vss_mount__plan_keeps_every_mount_of_a_superblock)
{
	struct vss_scope scope = { .filesystems = DATA "filesystems.txt", .sysfs = "/nonexistent" };
	struct vss_mount_table t = load(DATA "mountinfo-basic.txt");
	struct vss_plan p = { 0 };
	const struct vss_fs *root, *btrfs;

	ck_assert_int_eq(vss_plan_build(&t, &scope, &p), 0);
	root = &p.fs[p.n - 1];
	ck_assert(root->is_root);
	ck_assert_str_eq(root->fstype, "ext4");
	ck_assert_str_eq(root->source, "/dev/sda1");
	ck_assert_uint_eq(strv_length(root->mount_points), 2);
	ck_assert_str_eq(root->mount_points[1], "/mnt/bind");
	ck_assert_int_eq(root->mount_ids[0], 27);
	ck_assert_int_eq(root->mount_ids[1], 34);
	btrfs = &p.fs[2];
	ck_assert_uint_eq(btrfs->major, 0);
	ck_assert_uint_eq(btrfs->minor, 40);
	ck_assert_uint_eq(strv_length(btrfs->mount_points), 2);
	ck_assert(!btrfs->is_root);
	vss_plan_clear(&p);
	vss_mount_table_clear(&t);
}
END_TEST

START_TEST(vss_mount__plan_network_and_fuse_on_request)
{
	struct vss_scope scope = { .filesystems = DATA "filesystems.txt", .sysfs = "/nonexistent",
				   .network = true, .fuse = true };

	check_plan(DATA "mountinfo-basic.txt", &scope,
		   "/boot /boot/efi /home /mnt/nfs /mnt/sshfs /var/lib/mysql /mnt/with space "
		   "/mnt/ro-mount /mnt/ceph /mnt/vbox /mnt/unknown-type /");
}
END_TEST

START_TEST(vss_mount__plan_include_matches_primary_mount_point)
{
	char *include[] = { "/mnt/*", NULL };
	struct vss_scope scope = { .filesystems = DATA "filesystems.txt", .sysfs = "/nonexistent",
				   .include = include };

	/* Root is bound at /mnt/bind, but mounted at "/": not included. */
	check_plan(DATA "mountinfo-basic.txt", &scope,
		   "/mnt/with space /mnt/ro-mount /mnt/unknown-type");
}
END_TEST

START_TEST(vss_mount__plan_exclude_matches_any_mount_point)
{
	char *exclude[] = { "/srv/*", "/boot", "/mnt/bind", NULL };
	char *types[] = { "vfat", "weird*", NULL };
	struct vss_scope scope = { .filesystems = DATA "filesystems.txt", .sysfs = "/nonexistent",
				   .exclude = exclude, .exclude_types = types };

	/* /srv/data excludes the whole btrfs, /mnt/bind the root filesystem. */
	check_plan(DATA "mountinfo-basic.txt", &scope,
		   "/var/lib/mysql /mnt/with space /mnt/ro-mount");
}
END_TEST

static char *sysfs;

static void mkfile(const char *rel, const char *content)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", sysfs, rel), 0);
	tl_write_file(p, content);
	free(p);
}

static void mklink(const char *target, const char *rel)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", sysfs, rel), 0);
	ck_assert_int_eq(symlink(target, p), 0);
	free(p);
}

static void sysfs_setup(void)
{
	log_set_max_level(LOG_ERR);
	sysfs = tl_mkdtemp("vss-sysfs");
	/* /mnt/a on loop1, image on /data; /data/b on loop2, image inside /mnt/a. */
	mkfile("devices/virtual/block/loop1/loop/backing_file", "/data/a.img\n");
	mkfile("devices/virtual/block/loop1/dev", "7:1\n");
	mkfile("devices/virtual/block/loop2/loop/backing_file", "/mnt/a/b.img\n");
	mkfile("devices/virtual/block/loop2/dev", "7:2\n");
	/* /mnt/dm: dm-0 over loop3, image on root. */
	mkfile("devices/virtual/block/loop3/loop/backing_file", "/var/c.img\n");
	mkfile("devices/virtual/block/loop3/dev", "7:3\n");
	mkfile("devices/virtual/block/dm-0/dev", "253:0\n");
	/* /mnt/part: first partition of loop4, image on /data. */
	mkfile("devices/virtual/block/loop4/loop/backing_file", "/data/d.img (deleted)\n");
	mkfile("devices/virtual/block/loop4/loop4p1/partition", "1\n");
	mkfile("devices/virtual/block/loop4/loop4p1/dev", "259:0\n");
	mkfile("dev/block/.keep", "");
	mklink("../../devices/virtual/block/loop1", "dev/block/7:1");
	mklink("../../devices/virtual/block/loop2", "dev/block/7:2");
	mklink("../../devices/virtual/block/loop3", "dev/block/7:3");
	mklink("../../devices/virtual/block/dm-0", "dev/block/253:0");
	mklink("../../devices/virtual/block/loop4/loop4p1", "dev/block/259:0");
	{
		char *p;

		ck_assert_int_ge(asprintf(&p, "%s/devices/virtual/block/dm-0/slaves", sysfs), 0);
		ck_assert_int_eq(mkdir(p, 0755), 0);
		free(p);
	}
	mklink("../../loop3", "devices/virtual/block/dm-0/slaves/loop3");
}

static void sysfs_teardown(void)
{
	tl_rm_rf(sysfs);
	free(sysfs);
}

START_TEST(vss_mount__plan_freezes_loop_images_before_their_host)
{
	struct vss_scope scope = { .filesystems = DATA "filesystems.txt", .sysfs = sysfs };
	struct vss_mount_table t = load(DATA "mountinfo-loop.txt");
	struct vss_plan p = { 0 };
	char *got;

	/*
	 * /data/b lives in /mnt/a, which lives in /data; /mnt/part also in
	 * /data; /mnt/dm (dm over a loop) lives in root.
	 */
	ck_assert_int_eq(vss_plan_build(&t, &scope, &p), 0);
	got = plan_order(&p);
	ck_assert_str_eq(got, "/data/b /mnt/a /mnt/dm /mnt/part /data /");
	ck_assert(p.fs[0].on_loop);
	ck_assert(p.fs[2].on_loop);
	ck_assert(p.fs[3].on_loop);
	ck_assert(!p.fs[4].on_loop);
	free(got);
	vss_plan_clear(&p);
	vss_mount_table_clear(&t);
}
END_TEST

START_TEST(vss_mount__plan_of_empty_table_is_empty)
{
	struct vss_scope scope = { 0 };
	struct vss_mount_table t = { 0 };
	struct vss_plan p = { 0 };

	ck_assert_int_eq(vss_mountinfo_parse("", &t, NULL), 0);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_int_eq(vss_plan_build(&t, &scope, &p), 0);
	ck_assert_uint_eq(p.n, 0);
	vss_plan_clear(&p);
	vss_mount_table_clear(&t);
}
END_TEST

START_TEST(vss_mount__loads_the_real_mount_table)
{
	struct vss_scope scope = { 0 };
	struct vss_mount_table t = load("/proc/self/mountinfo");
	struct vss_plan p = { 0 };

	ck_assert_uint_gt(t.n, 0);
	ck_assert_int_eq(vss_plan_build(&t, &scope, &p), 0);
	/* Planning only: nothing is frozen here. */
	for (size_t i = 0; i < p.n; i++)
		ck_assert_ptr_nonnull(p.fs[i].mount_points[0]);
	vss_plan_clear(&p);
	vss_mount_table_clear(&t);
	ck_assert_int_eq(vss_mountinfo_load("/nonexistent/mountinfo", &t), -ENOENT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vss-mount");
	TCase *tc = tcase_create("parse");
	TCase *plan = tcase_create("plan");
	TCase *loop = tcase_create("loop");

	tcase_add_test(tc, vss_mount__parses_fields_and_escapes);
	tcase_add_test(tc, vss_mount__escape_round_trips);
	tcase_add_test(tc, vss_mount__unescape_keeps_nul_and_bad_escapes);
	tcase_add_test(tc, vss_mount__options_are_matched_as_tokens);
	tcase_add_test(tc, vss_mount__classifies_filesystem_types);
	suite_add_tcase(s, tc);

	tcase_add_test(plan, vss_mount__plan_skips_and_dedups_root_last);
	tcase_add_test(plan, vss_mount__plan_keeps_every_mount_of_a_superblock);
	tcase_add_test(plan, vss_mount__plan_network_and_fuse_on_request);
	tcase_add_test(plan, vss_mount__plan_include_matches_primary_mount_point);
	tcase_add_test(plan, vss_mount__plan_exclude_matches_any_mount_point);
	tcase_add_test(plan, vss_mount__plan_of_empty_table_is_empty);
	tcase_add_test(plan, vss_mount__loads_the_real_mount_table);
	suite_add_tcase(s, plan);

	tcase_add_checked_fixture(loop, sysfs_setup, sysfs_teardown);
	tcase_add_test(loop, vss_mount__plan_freezes_loop_images_before_their_host);
	suite_add_tcase(s, loop);
	return tl_run_suite(s);
}
