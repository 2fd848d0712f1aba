// SPDX-License-Identifier: MIT
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "testlib.h"
#include "util.h"

START_TEST(util__safe_ato_rejects_junk)
{
	uint32_t u;
	uint64_t v;
	int i;

	ck_assert_int_eq(safe_atou32("4294967295", &u), 0);
	ck_assert_uint_eq(u, 4294967295u);
	ck_assert_int_eq(safe_atou32("4294967296", &u), -ERANGE);
	ck_assert_int_eq(safe_atou32("-1", &u), -EINVAL);
	ck_assert_int_eq(safe_atou32(" 1", &u), -EINVAL);
	ck_assert_int_eq(safe_atou32("1x", &u), -EINVAL);
	ck_assert_int_eq(safe_atou32("", &u), -EINVAL);
	ck_assert_int_eq(safe_atou64("18446744073709551616", &v), -ERANGE);
	ck_assert_int_eq(safe_atoi("-12", &i), 0);
	ck_assert_int_eq(i, -12);
	ck_assert_int_eq(safe_atoi("99999999999", &i), -ERANGE);
}
END_TEST

START_TEST(util__strscpy_reports_truncation)
{
	char b[4];

	ck_assert_int_eq(strscpy(b, "abc", sizeof(b)), 0);
	ck_assert_str_eq(b, "abc");
	ck_assert_int_eq(strscpy(b, "abcd", sizeof(b)), -E2BIG);
	ck_assert_str_eq(b, "abc");
	ck_assert_uint_eq(bounded_strlen("abcdef", 3), 3);
	ck_assert_uint_eq(bounded_strlen("ab", 3), 2);
}
END_TEST

START_TEST(util__strv_split_skips_empty)
{
	char **l = NULL;

	ck_assert_int_eq(strv_split(";;a;bb;;c;", ";", &l), 0);
	ck_assert_uint_eq(strv_length(l), 3);
	ck_assert_str_eq(l[0], "a");
	ck_assert_str_eq(l[1], "bb");
	ck_assert_str_eq(l[2], "c");
	ck_assert(strv_contains(l, "bb"));
	ck_assert(!strv_contains(l, "b"));
	strv_free(l);
	ck_assert_int_eq(strv_split("", ";", &l), 0);
	ck_assert_uint_eq(strv_length(l), 0);
	strv_free(l);
}
END_TEST

START_TEST(util__write_file_atomic_replaces_and_keeps_mode)
{
	char *dir = tl_mkdtemp("util");
	char path[512];
	struct stat st;
	char *s;

	snprintf(path, sizeof(path), "%s/a/b/file", dir);
	ck_assert_int_eq(mkdir_parents(path, 0755), 0);
	ck_assert_int_eq(write_file_atomic(path, "one", 3, 0600), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(write_file_atomic(path, "two!", 4, 0600), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0644);
	s = tl_read_file(path, NULL);
	ck_assert_str_eq(s, "two!");
	free(s);
	ck_assert_int_eq(read_one_line_file(path, &s), 0);
	ck_assert_str_eq(s, "two!");
	free(s);
	tl_rm_rf(dir);
	free(dir);
}
END_TEST

START_TEST(util__read_full_file_limit)
{
	char *dir = tl_mkdtemp("util");
	char path[512];
	char *s = NULL;
	size_t n;

	snprintf(path, sizeof(path), "%s/f", dir);
	tl_write_file(path, "0123456789");
	ck_assert_int_eq(read_full_file(path, 9, &s, &n), -EFBIG);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(read_full_file(path, 10, &s, &n), 0);
	ck_assert_uint_eq(n, 10);
	free(s);
	tl_rm_rf(dir);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");

	tcase_add_test(tc, util__safe_ato_rejects_junk);
	tcase_add_test(tc, util__strscpy_reports_truncation);
	tcase_add_test(tc, util__strv_split_skips_empty);
	tcase_add_test(tc, util__write_file_atomic_replaces_and_keeps_mode);
	tcase_add_test(tc, util__read_full_file_limit);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
