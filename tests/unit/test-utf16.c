// SPDX-License-Identifier: MIT
/*
 * Strict UTF-16LE <-> UTF-8: every plane, surrogate pairs, and invalid
 * text refused rather than replaced.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "testlib.h"
#include "utf16.h"

/* Units to little-endian bytes. */
static size_t le(const uint16_t *units, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = (uint8_t)(units[i] & 0xff);
		out[2 * i + 1] = (uint8_t)(units[i] >> 8);
	}
	return n;
}

static int to_utf8(const uint16_t *units, size_t n, char *out, size_t size)
{
	uint8_t raw[64];

	le(units, n, raw);
	return utf16le_to_utf8(raw, n, out, size, NULL);
}

START_TEST(utf16__converts_every_plane)
{
	/* "aé日😀" : 1-, 2-, 3- and 4-byte UTF-8. */
	const uint16_t u[] = { 'a', 0x00e9, 0x65e5, 0xd83d, 0xde00, 0 };
	char out[32];
	size_t len;
	uint8_t raw[16];

	le(u, 6, raw);
	ck_assert_int_eq(utf16le_to_utf8(raw, 6, out, sizeof(out), &len), 0);
	ck_assert_str_eq(out, "a\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80");
	ck_assert_uint_eq(len, 10);
	ck_assert_uint_eq(utf16le_strnlen(raw, 6), 5);
}
END_TEST

START_TEST(utf16__stops_at_nul_and_needs_room)
{
	const uint16_t u[] = { 'a', 'b', 0, 'c' };
	char out[8];

	ck_assert_int_eq(to_utf8(u, 4, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "ab");
	ck_assert_int_eq(to_utf8(u, 1, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "a");
	memset(out, 'x', sizeof(out));
	ck_assert_int_eq(to_utf8(u, 4, out, 2), -ENOBUFS);
	ck_assert_int_eq(out[0], 'x'); /* untouched on failure */
	ck_assert_int_eq(to_utf8(u, 4, out, 3), 0);
}
END_TEST

START_TEST(utf16__unpaired_surrogates_are_eilseq)
{
	const uint16_t lone_high[] = { 'a', 0xd83d, 'b', 0 };
	const uint16_t lone_low[] = { 0xde00, 0 };
	const uint16_t high_at_end[] = { 'a', 0xd83d };
	const uint16_t high_high[] = { 0xd83d, 0xd83d, 0xde00, 0 };
	char out[32];

	ck_assert_int_eq(to_utf8(lone_high, 4, out, sizeof(out)), -EILSEQ);
	ck_assert_int_eq(to_utf8(lone_low, 2, out, sizeof(out)), -EILSEQ);
	ck_assert_int_eq(to_utf8(high_at_end, 2, out, sizeof(out)), -EILSEQ);
	ck_assert_int_eq(to_utf8(high_high, 4, out, sizeof(out)), -EILSEQ);
}
END_TEST

START_TEST(utf16__utf8_to_utf16_roundtrip)
{
	const char *s = "Datei \xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xf0\x9f\x98\x80.txt";
	uint8_t raw[128];
	char back[128];
	size_t units;

	ck_assert_int_eq(utf8_to_utf16le(s, strlen(s), raw, 64, &units), 0);
	ck_assert_uint_eq(units, 17);
	ck_assert_uint_eq(raw[2 * units], 0);
	ck_assert_uint_eq(raw[2 * units + 1], 0);
	ck_assert_int_eq(utf16le_to_utf8(raw, 64, back, sizeof(back), NULL), 0);
	ck_assert_str_eq(back, s);
	/* Room for the NUL unit is required. */
	ck_assert_int_eq(utf8_to_utf16le(s, strlen(s), raw, 17, NULL), -ENOBUFS);
	ck_assert_int_eq(utf8_to_utf16le(s, strlen(s), raw, 18, NULL), 0);
}
END_TEST

START_TEST(utf16__invalid_utf8_is_eilseq)
{
	static const char *const bad[] = {
		"\xc0\x80",		/* overlong NUL */
		"\xe0\x80\xaf",		/* overlong '/' */
		"\xed\xa0\x80",		/* encoded surrogate */
		"\xf4\x90\x80\x80",	/* past U+10FFFF */
		"\xe6\x97",		/* truncated */
		"\x80",			/* stray continuation */
		"\xff",
	};
	uint8_t raw[32];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(!utf8_is_valid(bad[i], strlen(bad[i])), "accepted #%zu", i);
		ck_assert_int_eq(utf8_to_utf16le(bad[i], strlen(bad[i]), raw, 16, NULL), -EILSEQ);
	}
	ck_assert(utf8_is_valid("\xf4\x8f\xbf\xbf", 4)); /* U+10FFFF */
	ck_assert(utf8_is_valid("", 0));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("utf16");
	TCase *tc = tcase_create("utf16");

	tcase_add_test(tc, utf16__converts_every_plane);
	tcase_add_test(tc, utf16__stops_at_nul_and_needs_room);
	tcase_add_test(tc, utf16__unpaired_surrogates_are_eilseq);
	tcase_add_test(tc, utf16__utf8_to_utf16_roundtrip);
	tcase_add_test(tc, utf16__invalid_utf8_is_eilseq);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
