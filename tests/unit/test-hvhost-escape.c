// SPDX-License-Identifier: MIT
/*
 * hvhost's terminal escaping: nothing a guest puts in a KVP key or value
 * reaches the terminal as a control sequence.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "testlib.h"

static void expect(const char *in, size_t len, const char *want)
{
	char *out = NULL;

	ck_assert_int_eq(escape_terminal(in, len, &out), 0);
	ck_assert_str_eq(out, want);
	free(out);
}

#define EXPECT(lit, want) expect(lit, sizeof(lit) - 1, want)

START_TEST(escape__printable_text_passes)
{
	EXPECT("", "");
	EXPECT("HostName = hv-01.example", "HostName = hv-01.example");
	EXPECT("gr\xc3\xbc\xc3\x9f dich \xe2\x82\xac \xf0\x9f\x98\x80",
	       "gr\xc3\xbc\xc3\x9f dich \xe2\x82\xac \xf0\x9f\x98\x80");
	/* U+00A0 is the first code point after C1 and is printable. */
	EXPECT("\xc2\xa0", "\xc2\xa0");
}
END_TEST

START_TEST(escape__c0_and_del_are_escaped)
{
	EXPECT("\x1b]0;owned\x07", "\\x1b]0;owned\\x07");
	EXPECT("a\nb\tc\rd", "a\\nb\\tc\\rd");
	EXPECT("x\x7fy", "x\\x7fy");
	EXPECT("nul\0here", "nul\\x00here");
	EXPECT("back\\slash", "back\\\\slash");
}
END_TEST

START_TEST(escape__c1_is_escaped)
{
	/* U+009B is CSI in C1: as UTF-8 and as a raw byte. */
	EXPECT("\xc2\x9b"
	       "31m",
	       "\\u009b31m");
	EXPECT("\xc2\x80\xc2\x9f", "\\u0080\\u009f");
	EXPECT("\x9b"
	       "31m",
	       "\\x9b31m");
}
END_TEST

START_TEST(escape__invalid_utf8_is_escaped_bytewise)
{
	EXPECT("\xc0\xaf", "\\xc0\\xaf"); /* overlong '/' */
	EXPECT("\xed\xa0\x80", "\\xed\\xa0\\x80"); /* surrogate */
	EXPECT("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* > U+10FFFF */
	EXPECT("ab\xe2\x82", "ab\\xe2\\x82"); /* truncated */
	EXPECT("\xff", "\\xff");
}
END_TEST

START_TEST(escape__bidi_overrides_are_escaped)
{
	EXPECT("file\xe2\x80\xaetxt.exe", "file\\u202etxt.exe");
	EXPECT("\xe2\x81\xa6x\xe2\x81\xa9", "\\u2066x\\u2069");
	EXPECT("\xe2\x80\xa8", "\\u2028");
}
END_TEST

START_TEST(escape__worst_case_fits)
{
	char in[300], *out = NULL;

	/* All raw C1 bytes, all \xNN: 4 output bytes per input byte. */
	memset(in, 0x9b, sizeof(in));
	ck_assert_int_eq(escape_terminal(in, sizeof(in), &out), 0);
	ck_assert_uint_eq(strlen(out), 4 * sizeof(in));
	free(out);
	/* Two-byte C1 sequences: 6 output bytes per 2 input bytes. */
	for (size_t i = 0; i + 1 < sizeof(in); i += 2) {
		in[i] = (char)0xc2;
		in[i + 1] = (char)0x85;
	}
	ck_assert_int_eq(escape_terminal(in, sizeof(in), &out), 0);
	ck_assert_uint_eq(strlen(out), 3 * sizeof(in));
	free(out);
}
END_TEST

START_TEST(escape__utf8_validity)
{
	ck_assert(utf8_is_valid("", 0));
	ck_assert(utf8_is_valid("a\xc3\xbc\xf0\x9f\x98\x80", 7));
	ck_assert(utf8_is_valid("\0", 1));
	ck_assert(!utf8_is_valid("\xc3", 1));
	ck_assert(!utf8_is_valid("\xed\xa0\x80", 3));
	ck_assert(!utf8_is_valid("\xe0\x80\x80", 3));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hvhost-escape");
	TCase *tc;

	tc = tcase_create("escape__printable_text_passes");
	tcase_add_test(tc, escape__printable_text_passes);
	suite_add_tcase(s, tc);
	tc = tcase_create("escape__c0_and_del_are_escaped");
	tcase_add_test(tc, escape__c0_and_del_are_escaped);
	suite_add_tcase(s, tc);
	tc = tcase_create("escape__c1_is_escaped");
	tcase_add_test(tc, escape__c1_is_escaped);
	suite_add_tcase(s, tc);
	tc = tcase_create("escape__invalid_utf8_is_escaped_bytewise");
	tcase_add_test(tc, escape__invalid_utf8_is_escaped_bytewise);
	suite_add_tcase(s, tc);
	tc = tcase_create("escape__bidi_overrides_are_escaped");
	tcase_add_test(tc, escape__bidi_overrides_are_escaped);
	suite_add_tcase(s, tc);
	tc = tcase_create("escape__worst_case_fits");
	tcase_add_test(tc, escape__worst_case_fits);
	suite_add_tcase(s, tc);
	tc = tcase_create("escape__utf8_validity");
	tcase_add_test(tc, escape__utf8_validity);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
