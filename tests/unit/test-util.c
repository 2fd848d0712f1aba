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

static const char *esc(const char *s)
{
	static char buf[ESCAPE_TEXT_SIZE(256)];

	return escape_text(s, buf, sizeof(buf));
}

START_TEST(util__escape_text_names_every_control_byte)
{
	/* C0, DEL, the named escapes, and the backslash that makes them unambiguous. */
	ck_assert_str_eq(esc("plain text"), "plain text");
	ck_assert_str_eq(esc("a\tb\nc\rd\\e"), "a\\tb\\nc\\rd\\\\e");
	ck_assert_str_eq(esc("\x01\x1b[31m\x7f\x1f"), "\\x01\\x1b[31m\\x7f\\x1f");
	ck_assert_str_eq(esc("\n<3>forged"), "\\n<3>forged");
	/* C1 controls: U+0080, U+0085 (NEL), U+009B (CSI), U+009F, as UTF-8. */
	ck_assert_str_eq(esc("\xc2\x80|\xc2\x85|\xc2\x9b" "31m|\xc2\x9f"),
			 "\\xc2\\x80|\\xc2\\x85|\\xc2\\x9b31m|\\xc2\\x9f");
	/* The first character past them, and other non-ASCII text, stay as they are. */
	ck_assert_str_eq(esc("\xc2\xa0 caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
			 "\xc2\xa0 caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* Malformed UTF-8, byte by byte: stray, overlong, surrogate, truncated, past U+10FFFF. */
	ck_assert_str_eq(esc("\xff\x80"), "\\xff\\x80");
	ck_assert_str_eq(esc("\xc0\xaf\xc1\x9b"), "\\xc0\\xaf\\xc1\\x9b");
	ck_assert_str_eq(esc("\xed\xa0\x80"), "\\xed\\xa0\\x80");
	ck_assert_str_eq(esc("\xe2\x82"), "\\xe2\\x82");
	ck_assert_str_eq(esc("\xc2"), "\\xc2");
	ck_assert_str_eq(esc("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
	ck_assert_str_eq(esc(""), "");
	ck_assert_str_eq(esc(NULL), "(null)");
}
END_TEST

START_TEST(util__escape_text_cuts_after_a_whole_escape)
{
	char big[ESCAPE_TEXT_SIZE(511)], small[10], tiny[3] = "xy";
	char in[512];

	/* The worst case fits the documented size exactly. */
	memset(in, 0x01, 511);
	in[511] = '\0';
	ck_assert_uint_eq(strlen(escape_text(in, big, sizeof(big))), 4 * 511);
	/* Cut: whole escapes only, then "...", within the buffer. */
	ck_assert_str_eq(escape_text("\n\n\n\n", small, sizeof(small)), "\\n\\n\\n\\n");
	ck_assert_str_eq(escape_text("\n\n\n\n\n", small, sizeof(small)), "\\n\\n\\n...");
	ck_assert_str_eq(escape_text("\x01\x02\x03", small, sizeof(small)), "\\x01...");
	ck_assert_str_eq(escape_text("ab\xc2\x9b\xc2\x9b", small, sizeof(small)), "ab...");
	ck_assert_str_eq(escape_text("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", small,
				     sizeof(small)), "\xe2\x82\xac\xe2\x82\xac...");
	ck_assert_str_eq(escape_text("123456789", small, sizeof(small)), "123456789");
	ck_assert_str_eq(escape_text("1234567890", small, sizeof(small)), "123456...");
	ck_assert_str_eq(escape_text("\x01", small, 4), "...");
	ck_assert_str_eq(escape_text("x", tiny, sizeof(tiny)), "");
}
END_TEST

START_TEST(util__text_is_printable_refuses_c0_del_c1_and_bad_utf8)
{
	ck_assert(text_is_printable(""));
	ck_assert(text_is_printable("report.txt"));
	ck_assert(text_is_printable("caf\xc3\xa9 \xc2\xa0\xe2\x82\xac\xf0\x9f\x98\x80"));
	ck_assert(!text_is_printable("a\nb"));
	ck_assert(!text_is_printable("a\tb"));
	ck_assert(!text_is_printable("del\x7f"));
	ck_assert(!text_is_printable("nel\xc2\x85"));
	ck_assert(!text_is_printable("csi\xc2\x9b"));
	ck_assert(!text_is_printable("\xc2\x80"));
	ck_assert(!text_is_printable("\xc2\x9f"));
	ck_assert(!text_is_printable("\xc2"));
	ck_assert(!text_is_printable("\xc0\xaf"));
	ck_assert_uint_eq(utf8_char_len("\xf0\x9f\x98\x80", 4), 4);
	ck_assert_uint_eq(utf8_char_len("\xf0\x9f\x98\x80", 3), 0);
	ck_assert_uint_eq(utf8_char_len("\xc2\x9b", 2), 2);
	ck_assert_uint_eq(utf8_char_len("x", 0), 0);
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
	tcase_add_test(tc, util__escape_text_names_every_control_byte);
	tcase_add_test(tc, util__escape_text_cuts_after_a_whole_escape);
	tcase_add_test(tc, util__text_is_printable_refuses_c0_del_c1_and_bad_utf8);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
