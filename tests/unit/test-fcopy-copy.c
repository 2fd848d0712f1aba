// SPDX-License-Identifier: MIT
/*
 * The copy engine: atomic create and overwrite, cancel, CREATE_PATH,
 * symlinks, size limits, allowed roots, named temporary files and the
 * cleanup of what an interrupted daemon left.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hyperv/fcopy.h>

#include "fcopy-copy.h"
#include "log.h"
#include "testlib.h"
#include "util.h"

static char *base;
static char state[600];
static struct fcopy_copy *c;
static struct fcopy_copy_config cfg;

static void make_engine(void)
{
	c = fcopy_copy_free(c);
	ck_assert_int_eq(fcopy_copy_new(&cfg, &c), 0);
}

static void setup(void)
{
	log_set_max_level(LOG_CRIT);
	umask(077);
	base = tl_mkdtemp("fcopy-copy");
	snprintf(state, sizeof(state), "%s/state", base);
	cfg = (struct fcopy_copy_config){
		.file_mode = 0644,
		.dir_mode = 0755,
		.preallocate = true,
		.backslash_separator = true,
		.state_dir = state,
		.writeback_bytes = 64 * 1024,
	};
	c = NULL;
	make_engine();
}

static void teardown(void)
{
	c = fcopy_copy_free(c);
	tl_rm_rf(base);
	free(base);
}

static char *at(const char *rel)
{
	static char p[4][1024];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", base, rel);
	return p[i];
}

static void pattern(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)((i * 131u + seed) ^ (i >> 9));
}

/* Send n bytes of pattern(seed) in host-sized chunks. */
static int write_all(size_t n, unsigned seed)
{
	uint8_t *data = malloc(n ? n : 1);
	int r = 0;

	pattern(data, n, seed);
	for (size_t off = 0; off < n && r == 0; off += HV_FCOPY_DATA_SIZE)
		r = fcopy_copy_write(c, off, data + off, (uint32_t)MIN(n - off, HV_FCOPY_DATA_SIZE));
	free(data);
	return r;
}

static int copy(const char *dir, const char *name, uint32_t flags, size_t n, unsigned seed)
{
	int r = fcopy_copy_start(c, dir, name, flags, n);

	if (r == 0)
		r = write_all(n, seed);
	if (r == 0)
		r = fcopy_copy_complete(c);
	return r;
}

static void expect_content(const char *path, size_t n, unsigned seed)
{
	size_t size;
	char *got = tl_read_file(path, &size);
	uint8_t *want = malloc(n ? n : 1);

	ck_assert_msg(got != NULL, "%s missing", path);
	ck_assert_uint_eq(size, n);
	pattern(want, n, seed);
	ck_assert_mem_eq(got, want, n);
	free(got);
	free(want);
}

static unsigned entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	ck_assert_int_eq(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

static void mkdir_at(const char *rel)
{
	ck_assert_int_eq(mkdir(at(rel), 0755), 0);
}

START_TEST(fcopy_copy__creates_new_file_with_mode)
{
	struct fcopy_copy_stats st;

	mkdir_at("dst");
	ck_assert_int_eq(copy(at("dst"), "a.bin", 0, 200000, 1), 0);
	expect_content(at("dst/a.bin"), 200000, 1);
	/* Exactly the configured mode, whatever the umask. */
	ck_assert_uint_eq(mode_of(at("dst/a.bin")), 0644);
	ck_assert_uint_eq(entries(at("dst")), 1);
	fcopy_copy_get_stats(c, &st);
	ck_assert_str_eq(st.target, at("dst/a.bin"));
	ck_assert_uint_eq(st.written, 200000);
	ck_assert(!fcopy_copy_active(c));
}
END_TEST

START_TEST(fcopy_copy__nothing_visible_until_complete)
{
	mkdir_at("dst");
	ck_assert_int_eq(fcopy_copy_start(c, at("dst"), "a.bin", 0, 100000), 0);
	ck_assert_int_eq(write_all(50000, 2), 0);
	ck_assert_uint_eq(entries(at("dst")), 0);
	ck_assert_int_eq(fcopy_copy_write(c, 50000, "x", 1), 0);
	ck_assert(fcopy_copy_active(c));
	fcopy_copy_cancel(c);
	ck_assert_uint_eq(entries(at("dst")), 0);
}
END_TEST

START_TEST(fcopy_copy__zero_length_file)
{
	ck_assert_int_eq(copy(base, "empty", 0, 0, 0), 0);
	expect_content(at("empty"), 0, 0);
}
END_TEST

START_TEST(fcopy_copy__existing_without_overwrite_is_eexist)
{
	char *s;

	tl_write_file(at("old.txt"), "old");
	ck_assert_int_eq(fcopy_copy_start(c, base, "old.txt", 0, 10), -EEXIST);
	ck_assert(!fcopy_copy_active(c));
	s = tl_read_file(at("old.txt"), NULL);
	ck_assert_str_eq(s, "old");
	free(s);
}
END_TEST

START_TEST(fcopy_copy__overwrite_keeps_old_until_complete)
{
	char *s;

	tl_write_file(at("f"), "old contents");
	ck_assert_int_eq(chmod(at("f"), 0640), 0);
	ck_assert_int_eq(fcopy_copy_start(c, base, "f", HV_FCOPY_OVER_WRITE, 30000), 0);
	ck_assert_int_eq(write_all(30000, 3), 0);
	s = tl_read_file(at("f"), NULL);
	ck_assert_str_eq(s, "old contents");
	free(s);
	ck_assert_int_eq(fcopy_copy_complete(c), 0);
	expect_content(at("f"), 30000, 3);
	/* The replaced file's mode is kept. */
	ck_assert_uint_eq(mode_of(at("f")), 0640);
	ck_assert_uint_eq(entries(base), 2); /* f and the state directory */
}
END_TEST

START_TEST(fcopy_copy__overwrite_then_cancel_keeps_old)
{
	char *s;

	tl_write_file(at("f"), "precious");
	ck_assert_int_eq(fcopy_copy_start(c, base, "f", HV_FCOPY_OVER_WRITE, 30000), 0);
	ck_assert_int_eq(write_all(20000, 4), 0);
	fcopy_copy_cancel(c);
	s = tl_read_file(at("f"), NULL);
	ck_assert_str_eq(s, "precious");
	free(s);
	ck_assert_uint_eq(entries(base), 2);
}
END_TEST

START_TEST(fcopy_copy__create_path_makes_directories)
{
	ck_assert_int_eq(fcopy_copy_start(c, at("a/b/c"), "f", 0, 1), -ENOENT);
	ck_assert_int_eq(access(at("a"), F_OK), -1);
	ck_assert_int_eq(copy(at("a/b/c"), "f", HV_FCOPY_CREATE_PATH, 5000, 5), 0);
	expect_content(at("a/b/c/f"), 5000, 5);
	ck_assert_uint_eq(mode_of(at("a/b")) & 0755, 0755);
}
END_TEST

START_TEST(fcopy_copy__file_in_path_is_enotdir)
{
	tl_write_file(at("plain"), "x");
	ck_assert_int_eq(fcopy_copy_start(c, at("plain/sub"), "f", HV_FCOPY_CREATE_PATH, 1),
			 -ENOTDIR);
}
END_TEST

START_TEST(fcopy_copy__symlink_in_path_is_refused)
{
	mkdir_at("real");
	ck_assert_int_eq(symlink("real", at("link")), 0);
	ck_assert_int_eq(fcopy_copy_start(c, at("link"), "f", 0, 1), -ELOOP);
	ck_assert_int_eq(fcopy_copy_start(c, at("link/sub"), "f", HV_FCOPY_CREATE_PATH, 1),
			 -ELOOP);
	ck_assert_uint_eq(entries(at("real")), 0);
}
END_TEST

START_TEST(fcopy_copy__overwrite_replaces_symlink_not_its_target)
{
	char *s;

	tl_write_file(at("secret"), "do not touch");
	ck_assert_int_eq(symlink("secret", at("t.txt")), 0);
	ck_assert_int_eq(copy(base, "t.txt", 0, 10, 6), -EEXIST);
	ck_assert_int_eq(copy(base, "t.txt", HV_FCOPY_OVER_WRITE, 10, 6), 0);
	expect_content(at("t.txt"), 10, 6);
	ck_assert_uint_eq(mode_of(at("t.txt")), 0644);
	s = tl_read_file(at("secret"), NULL);
	ck_assert_str_eq(s, "do not touch");
	free(s);
}
END_TEST

START_TEST(fcopy_copy__directory_target_is_eisdir)
{
	mkdir_at("d");
	ck_assert_int_eq(fcopy_copy_start(c, base, "d", HV_FCOPY_OVER_WRITE, 1), -EISDIR);
}
END_TEST

START_TEST(fcopy_copy__writes_past_size_are_refused)
{
	uint8_t buf[100] = { 0 };

	ck_assert_int_eq(fcopy_copy_start(c, base, "f", 0, 100), 0);
	ck_assert_int_eq(fcopy_copy_write(c, 90, buf, 20), -EINVAL);
	ck_assert_int_eq(fcopy_copy_write(c, 101, buf, 0), -EINVAL);
	ck_assert_int_eq(fcopy_copy_write(c, UINT64_MAX, buf, 2), -EINVAL);
	/* A refused write does not end the copy. */
	ck_assert_int_eq(fcopy_copy_write(c, 0, buf, 100), 0);
	ck_assert_int_eq(fcopy_copy_complete(c), 0);
	ck_assert_int_eq(fcopy_copy_start(c, base, "g", 0, (uint64_t)INT64_MAX + 1), -EFBIG);
}
END_TEST

START_TEST(fcopy_copy__short_copy_is_discarded)
{
	char *s;

	tl_write_file(at("f"), "keep me");
	ck_assert_int_eq(fcopy_copy_start(c, base, "f", HV_FCOPY_OVER_WRITE, 100000), 0);
	ck_assert_int_eq(write_all(60000, 7), 0);
	ck_assert_int_eq(fcopy_copy_complete(c), -EPROTO);
	ck_assert(!fcopy_copy_active(c));
	s = tl_read_file(at("f"), NULL);
	ck_assert_str_eq(s, "keep me");
	free(s);
	ck_assert_uint_eq(entries(base), 2);
}
END_TEST

START_TEST(fcopy_copy__without_copy_is_ebadf)
{
	ck_assert_int_eq(fcopy_copy_write(c, 0, "x", 1), -EBADF);
	ck_assert_int_eq(fcopy_copy_complete(c), -EBADF);
	fcopy_copy_cancel(c);
}
END_TEST

START_TEST(fcopy_copy__target_appearing_meanwhile_is_not_clobbered)
{
	char *s;

	ck_assert_int_eq(fcopy_copy_start(c, base, "f", 0, 10), 0);
	ck_assert_int_eq(write_all(10, 8), 0);
	tl_write_file(at("f"), "someone else");
	ck_assert_int_eq(fcopy_copy_complete(c), -EEXIST);
	s = tl_read_file(at("f"), NULL);
	ck_assert_str_eq(s, "someone else");
	free(s);
}
END_TEST

START_TEST(fcopy_copy__allowed_roots_confine_targets)
{
	char *roots[] = { at("in"), NULL };

	mkdir_at("in");
	mkdir_at("inx");
	mkdir_at("out");
	cfg.allowed_roots = roots;
	make_engine();
	ck_assert_int_eq(copy(at("in/sub"), "f", HV_FCOPY_CREATE_PATH, 10, 9), 0);
	expect_content(at("in/sub/f"), 10, 9);
	ck_assert_int_eq(fcopy_copy_start(c, at("out"), "f", 0, 1), -EACCES);
	ck_assert_int_eq(fcopy_copy_start(c, at("inx"), "f", 0, 1), -EACCES);
	ck_assert_int_eq(fcopy_copy_start(c, at("in/../out"), "f", 0, 1), -EACCES);
	ck_assert_int_eq(fcopy_copy_start(c, "/", "f", 0, 1), -EACCES);
	ck_assert_uint_eq(entries(at("out")), 0);
	ck_assert_uint_eq(entries(at("inx")), 0);
}
END_TEST

START_TEST(fcopy_copy__root_may_be_a_symlink)
{
	char *roots[] = { at("alias"), NULL };

	mkdir_at("real");
	ck_assert_int_eq(symlink("real", at("alias")), 0);
	cfg.allowed_roots = roots;
	make_engine();
	/* The admin's root may be a symlink; the host names it either way. */
	ck_assert_int_eq(copy(at("real"), "f", 0, 10, 10), 0);
	expect_content(at("real/f"), 10, 10);
	ck_assert_int_eq(copy(at("alias"), "g", 0, 10, 11), 0);
	expect_content(at("real/g"), 10, 11);
	/* Below the root, symlinks are still not followed. */
	ck_assert_int_eq(symlink("/", at("real/escape")), 0);
	ck_assert_int_eq(fcopy_copy_start(c, at("alias/escape/tmp"), "h", 0, 1), -ELOOP);
}
END_TEST

START_TEST(fcopy_copy__backslash_separates_host_paths)
{
	char path[1024];

	mkdir_at("w");
	snprintf(path, sizeof(path), "%s\\w\\", base);
	ck_assert_int_eq(copy(path, "f", 0, 10, 11), 0);
	expect_content(at("w/f"), 10, 11);
	cfg.backslash_separator = false;
	make_engine();
	ck_assert_int_eq(copy(at("w"), "a\\b", 0, 10, 12), 0);
	expect_content(at("w/a\\b"), 10, 12);
}
END_TEST

START_TEST(fcopy_copy__names_and_paths_are_checked)
{
	char **comps = NULL;

	ck_assert_int_eq(fcopy_name_check("ok.txt", true), 0);
	ck_assert_int_eq(fcopy_name_check("", true), -EINVAL);
	ck_assert_int_eq(fcopy_name_check(".", true), -EINVAL);
	ck_assert_int_eq(fcopy_name_check("..", true), -EINVAL);
	ck_assert_int_eq(fcopy_name_check("a/b", false), -EINVAL);
	ck_assert_int_eq(fcopy_name_check("a\\b", true), -EINVAL);
	ck_assert_int_eq(fcopy_name_check("a\\b", false), 0);
	ck_assert_int_eq(fcopy_name_check("line\nbreak", true), -EINVAL);
	ck_assert_int_eq(fcopy_name_check("del\x7f", true), -EINVAL);
	/* C1 controls (UTF-8 c2 80 - c2 9f) are controls too: NEL, CSI, the ends. */
	ck_assert_int_eq(fcopy_name_check("nel\xc2\x85.txt", true), -EINVAL);
	ck_assert_int_eq(fcopy_name_check("csi\xc2\x9b" "31m.txt", true), -EINVAL);
	ck_assert_int_eq(fcopy_name_check("\xc2\x80", true), -EINVAL);
	ck_assert_int_eq(fcopy_name_check("\xc2\x9f", true), -EINVAL);
	/* The characters right past them are text. */
	ck_assert_int_eq(fcopy_name_check("nbsp\xc2\xa0\xc2\xa9.txt", true), 0);

	ck_assert_int_eq(fcopy_path_split("relative/dir", true, true, &comps), -EINVAL);
	ck_assert_int_eq(fcopy_path_split("//a/./b/../c/", true, true, &comps), 0);
	ck_assert_uint_eq(strv_length(comps), 2);
	ck_assert_str_eq(comps[0], "a");
	ck_assert_str_eq(comps[1], "c");
	comps = strv_free(comps);
	ck_assert_int_eq(fcopy_path_split("/../..", true, true, &comps), 0);
	ck_assert_uint_eq(strv_length(comps), 0);
	comps = strv_free(comps);
	ck_assert_int_eq(fcopy_path_split("/a/..", true, false, &comps), -EACCES);
	ck_assert_int_eq(fcopy_path_split("/a/\x01", true, true, &comps), -EINVAL);
	ck_assert_int_eq(fcopy_path_split("/a/b\xc2\x9b/c", true, true, &comps), -EINVAL);
	ck_assert_ptr_null(comps);
}
END_TEST

static const char *find_tmp(const char *dir)
{
	static char name[256];
	DIR *d = opendir(dir);
	struct dirent *de;

	name[0] = '\0';
	while ((de = readdir(d)))
		if (startswith(de->d_name, ".hv_fcopy."))
			snprintf(name, sizeof(name), "%s", de->d_name);
	closedir(d);
	return name[0] ? name : NULL;
}

START_TEST(fcopy_copy__named_tmp_is_journaled_and_removed)
{
	char journal[700];

	snprintf(journal, sizeof(journal), "%s/fcopy-pending", state);
	cfg.named_tmp = true;
	make_engine();
	tl_write_file(at("f"), "old");
	ck_assert_int_eq(fcopy_copy_start(c, base, "f", HV_FCOPY_OVER_WRITE, 100), 0);
	ck_assert_ptr_nonnull(find_tmp(base));
	ck_assert_int_eq(access(journal, F_OK), 0);
	fcopy_copy_cancel(c);
	ck_assert_ptr_null(find_tmp(base));
	ck_assert_int_eq(access(journal, F_OK), -1);

	/* Overwrite and no-clobber through renames. */
	ck_assert_int_eq(copy(base, "f", HV_FCOPY_OVER_WRITE, 100, 13), 0);
	expect_content(at("f"), 100, 13);
	ck_assert_int_eq(fcopy_copy_start(c, base, "g", 0, 1), 0);
	ck_assert_int_eq(write_all(1, 14), 0);
	tl_write_file(at("g"), "mine");
	ck_assert_int_eq(fcopy_copy_complete(c), -EEXIST);
	ck_assert_ptr_null(find_tmp(base));
	ck_assert_int_eq(access(journal, F_OK), -1);
}
END_TEST

START_TEST(fcopy_copy__leftovers_of_a_dead_daemon_are_removed)
{
	pid_t pid;
	int status;

	cfg.named_tmp = true;
	make_engine();
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct fcopy_copy *dying = NULL;

		if (fcopy_copy_new(&cfg, &dying) < 0 ||
		    fcopy_copy_start(dying, base, "f", 0, 100) < 0 ||
		    fcopy_copy_write(dying, 0, "partial", 7) < 0)
			_exit(1);
		_exit(0); /* killed mid-copy: no cleanup */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_ptr_nonnull(find_tmp(base));

	ck_assert_int_eq(fcopy_copy_clean_leftovers(c), 0);
	ck_assert_ptr_null(find_tmp(base));
	ck_assert_int_eq(access(at("f"), F_OK), -1);
}
END_TEST

START_TEST(fcopy_copy__journal_never_removes_foreign_files)
{
	char journal[700], line[1100];

	tl_write_file(at("precious"), "x");
	tl_write_file(at(".hv_fcopy.1234.tmp.d/x"), "y");
	snprintf(journal, sizeof(journal), "%s/fcopy-pending", state);
	snprintf(line, sizeof(line), "%s\n%s\nrelative/.hv_fcopy.1.tmp\n%s\n", at("precious"),
		 at(".hv_fcopy.1234.tmp.d"), at(".hv_fcopy.abcd.tmp"));
	tl_write_file(journal, line);
	ck_assert_int_eq(fcopy_copy_clean_leftovers(c), 0);
	ck_assert_int_eq(access(at("precious"), F_OK), 0);
	ck_assert_int_eq(access(at(".hv_fcopy.1234.tmp.d/x"), F_OK), 0);
	ck_assert_int_eq(access(journal, F_OK), -1);
}
END_TEST

START_TEST(fcopy_copy__start_cancels_previous_copy)
{
	cfg.named_tmp = true;
	make_engine();
	ck_assert_int_eq(fcopy_copy_start(c, base, "a", 0, 10), 0);
	ck_assert_int_eq(copy(base, "b", 0, 10, 15), 0);
	ck_assert_int_eq(access(at("a"), F_OK), -1);
	ck_assert_ptr_null(find_tmp(base));
	expect_content(at("b"), 10, 15);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fcopy_copy");
	TCase *tc = tcase_create("fcopy_copy");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, fcopy_copy__creates_new_file_with_mode);
	tcase_add_test(tc, fcopy_copy__nothing_visible_until_complete);
	tcase_add_test(tc, fcopy_copy__zero_length_file);
	tcase_add_test(tc, fcopy_copy__existing_without_overwrite_is_eexist);
	tcase_add_test(tc, fcopy_copy__overwrite_keeps_old_until_complete);
	tcase_add_test(tc, fcopy_copy__overwrite_then_cancel_keeps_old);
	tcase_add_test(tc, fcopy_copy__create_path_makes_directories);
	tcase_add_test(tc, fcopy_copy__file_in_path_is_enotdir);
	tcase_add_test(tc, fcopy_copy__symlink_in_path_is_refused);
	tcase_add_test(tc, fcopy_copy__overwrite_replaces_symlink_not_its_target);
	tcase_add_test(tc, fcopy_copy__directory_target_is_eisdir);
	tcase_add_test(tc, fcopy_copy__writes_past_size_are_refused);
	tcase_add_test(tc, fcopy_copy__short_copy_is_discarded);
	tcase_add_test(tc, fcopy_copy__without_copy_is_ebadf);
	tcase_add_test(tc, fcopy_copy__target_appearing_meanwhile_is_not_clobbered);
	tcase_add_test(tc, fcopy_copy__allowed_roots_confine_targets);
	tcase_add_test(tc, fcopy_copy__root_may_be_a_symlink);
	tcase_add_test(tc, fcopy_copy__backslash_separates_host_paths);
	tcase_add_test(tc, fcopy_copy__names_and_paths_are_checked);
	tcase_add_test(tc, fcopy_copy__named_tmp_is_journaled_and_removed);
	tcase_add_test(tc, fcopy_copy__leftovers_of_a_dead_daemon_are_removed);
	tcase_add_test(tc, fcopy_copy__journal_never_removes_foreign_files);
	tcase_add_test(tc, fcopy_copy__start_cancels_previous_copy);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
