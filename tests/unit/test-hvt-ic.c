// SPDX-License-Identifier: MIT
/*
 * kernel/common/hvt_ic.h, what hv_utils checks and converts before any IC
 * message reaches a service or a daemon: the framing of a packet, the
 * NEGOTIATE body a host may lie about, UTF-16LE host text to UTF-8 and
 * back (unpaired surrogates, cuts at a character boundary, invalid UTF-8
 * from a daemon), fixed-size fields and the host's FILETIME.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hvt_ic.h"
#include "testlib.h"

/* A payload of @body_len body bytes after zeroed headers, message type @type. */
static uint8_t *ic_packet(uint16_t type, size_t body_len)
{
	uint8_t *p = calloc(1, HVT_IC_BODY_OFFSET + body_len);

	ck_assert_ptr_nonnull(p);
	hvt_put_le16(p + HVT_IC_OFF_MSGTYPE, type);
	return p;
}

/* A NEGOTIATE payload announcing @nfw + @nsrv versions, @room of them present. */
static uint8_t *negotiate(uint16_t nfw, uint16_t nsrv, const uint32_t *versions, size_t room,
			  size_t *len)
{
	size_t body = HVT_IC_NEGOTIATE_FIXED + room * HVT_IC_VERSION_SIZE;
	uint8_t *p = ic_packet(0, body);

	hvt_put_le16(p + HVT_IC_BODY_OFFSET, nfw);
	hvt_put_le16(p + HVT_IC_BODY_OFFSET + 2, nsrv);
	for (size_t i = 0; i < room; i++) {
		uint8_t *e = p + HVT_IC_BODY_OFFSET + HVT_IC_NEGOTIATE_FIXED + i * 4;

		hvt_put_le16(e, (uint16_t)(versions[i] >> 16));
		hvt_put_le16(e + 2, (uint16_t)versions[i]);
	}
	*len = HVT_IC_BODY_OFFSET + body;
	return p;
}

/* UTF-16LE bytes of @n code units. */
static void utf16(uint8_t *dst, const uint16_t *units, size_t n)
{
	for (size_t i = 0; i < n; i++)
		hvt_put_le16(dst + 2 * i, units[i]);
}

/* @units of @src convert to exactly @want, which the length prediction agrees with. */
static void expect_utf8(const uint8_t *src, size_t units, const char *want)
{
	char out[64];

	ck_assert_uint_eq(hvt_utf16le_to_utf8(src, units, out, sizeof(out)), strlen(want));
	ck_assert_str_eq(out, want);
	ck_assert_uint_eq(hvt_utf16le_utf8_len(src, units), strlen(want));
}

START_TEST(hvt_ic__little_endian_fields_at_any_alignment)
{
	uint8_t buf[16] = { 0 };

	for (size_t off = 0; off < 8; off++) {
		hvt_put_le64(buf + off, 0x0123456789abcdefull);
		ck_assert_uint_eq(buf[off], 0xef);
		ck_assert_uint_eq(buf[off + 7], 0x01);
		ck_assert_uint_eq(hvt_get_le64(buf + off), 0x0123456789abcdefull);
		ck_assert_uint_eq(hvt_get_le32(buf + off), 0x89abcdefu);
		ck_assert_uint_eq(hvt_get_le16(buf + off + 6), 0x0123);
	}
	hvt_put_le16(buf, 0xfffe);
	ck_assert_uint_eq(hvt_get_le16(buf), 0xfffe);
}
END_TEST

START_TEST(hvt_ic__a_payload_shorter_than_its_headers_is_refused)
{
	uint8_t *p = ic_packet(2, 0);
	struct hvt_ic_view v = { 7, 7 };

	for (size_t len = 0; len < HVT_IC_BODY_OFFSET; len++)
		ck_assert(!hvt_ic_parse(p, len, &v));
	ck_assert(!hvt_ic_parse(NULL, 100, &v));
	ck_assert_uint_eq(v.msgtype, 7); /* untouched when refused */
	ck_assert(hvt_ic_parse(p, HVT_IC_BODY_OFFSET, &v));
	ck_assert_uint_eq(v.msgtype, 2);
	ck_assert_uint_eq(v.body_len, 0);
	free(p);
}
END_TEST

START_TEST(hvt_ic__the_body_length_is_what_arrived_not_what_the_host_claims)
{
	uint8_t *p = ic_packet(9, 12);
	struct hvt_ic_view v;

	hvt_put_le16(p + HVT_IC_OFF_MSGSIZE, 0xffff); /* icmsgsize lies */
	ck_assert(hvt_ic_parse(p, HVT_IC_BODY_OFFSET + 12, &v));
	ck_assert_uint_eq(v.msgtype, 9);
	ck_assert_uint_eq(v.body_len, 12);
	free(p);
}
END_TEST

START_TEST(hvt_ic__negotiate_counts_must_fit_what_arrived)
{
	const uint32_t vers[] = { 0x30000, 0x10000, 0x30002, 0x30001 };
	size_t len;
	uint8_t *p;

	/* Two framework and two service versions, all four present. */
	p = negotiate(2, 2, vers, 4, &len);
	ck_assert(hvt_ic_negotiate_valid(p, len));
	/* One byte short of the last version. */
	ck_assert(!hvt_ic_negotiate_valid(p, len - 1));
	free(p);
	/* Counts that announce more than the body holds. */
	p = negotiate(2, 3, vers, 4, &len);
	ck_assert(!hvt_ic_negotiate_valid(p, len));
	free(p);
	p = negotiate(0xffff, 0xffff, vers, 4, &len);
	ck_assert(!hvt_ic_negotiate_valid(p, len));
	free(p);
	/* No body for the fixed part. */
	p = ic_packet(0, 4);
	ck_assert(!hvt_ic_negotiate_valid(p, HVT_IC_BODY_OFFSET + 4));
	free(p);
	/* Zero versions is well-formed (and agrees on nothing). */
	p = negotiate(0, 0, vers, 0, &len);
	ck_assert(hvt_ic_negotiate_valid(p, len));
	ck_assert(!hvt_ic_negotiate_offers(p, false, 0x30000));
	free(p);
}
END_TEST

START_TEST(hvt_ic__negotiate_counts_beyond_linux_limit_are_refused_even_if_present)
{
	uint32_t *vers = calloc(HVT_IC_NEGOTIATE_MAX + 1, sizeof(*vers));
	size_t len;
	uint8_t *p;

	ck_assert_ptr_nonnull(vers);
	p = negotiate(HVT_IC_NEGOTIATE_MAX, 0, vers, HVT_IC_NEGOTIATE_MAX + 1, &len);
	ck_assert(hvt_ic_negotiate_valid(p, len));
	free(p);
	p = negotiate(HVT_IC_NEGOTIATE_MAX + 1, 0, vers, HVT_IC_NEGOTIATE_MAX + 1, &len);
	ck_assert(!hvt_ic_negotiate_valid(p, len));
	free(p);
	p = negotiate(0, HVT_IC_NEGOTIATE_MAX + 1, vers, HVT_IC_NEGOTIATE_MAX + 1, &len);
	ck_assert(!hvt_ic_negotiate_valid(p, len));
	free(p);
	free(vers);
}
END_TEST

START_TEST(hvt_ic__negotiate_offers_keeps_framework_and_service_lists_apart)
{
	/* Framework 3.0 and 1.0; service 3.2 and 3.1. */
	const uint32_t vers[] = { 0x30000, 0x10000, 0x30002, 0x30001 };
	size_t len;
	uint8_t *p = negotiate(2, 2, vers, 4, &len);

	ck_assert(hvt_ic_negotiate_offers(p, false, 0x30000));
	ck_assert(hvt_ic_negotiate_offers(p, false, 0x10000));
	ck_assert(!hvt_ic_negotiate_offers(p, false, 0x30002));
	ck_assert(hvt_ic_negotiate_offers(p, true, 0x30002));
	ck_assert(hvt_ic_negotiate_offers(p, true, 0x30001));
	ck_assert(!hvt_ic_negotiate_offers(p, true, 0x30000));
	/* Major and minor both count. */
	ck_assert(!hvt_ic_negotiate_offers(p, true, 0x20002));
	ck_assert(!hvt_ic_negotiate_offers(p, true, 0x30003));
	free(p);
}
END_TEST

START_TEST(hvt_ic__utf16_to_utf8_covers_every_sequence_length)
{
	/* "aé€" and U+1F600 as a surrogate pair, then a NUL and more. */
	const uint16_t u[] = { 'a', 0xe9, 0x20ac, 0xd83d, 0xde00, 0, 'x' };
	uint8_t src[sizeof(u)];

	utf16(src, u, 7);
	expect_utf8(src, 7, "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	/* Without a NUL the units given bound it. */
	expect_utf8(src, 2, "a\xc3\xa9");
}
END_TEST

START_TEST(hvt_ic__unpaired_surrogates_are_dropped)
{
	/* A lone low, a high followed by a letter, a high at the very end. */
	const uint16_t u[] = { 0xdc00, 'a', 0xd800, 'b', 0xdbff };
	const uint16_t pair[] = { 'z', 0xd83d, 0xde00 };
	uint8_t src[sizeof(u)], src2[sizeof(pair)];

	utf16(src, u, 5);
	expect_utf8(src, 5, "ab");
	/* A pair cut by the unit count is an unpaired high surrogate. */
	utf16(src2, pair, 3);
	expect_utf8(src2, 2, "z");
	expect_utf8(src2, 3, "z\xf0\x9f\x98\x80");
}
END_TEST

START_TEST(hvt_ic__utf8_output_is_cut_only_between_characters)
{
	/* "é€" then U+1F600: 2 + 3 + 4 bytes. */
	const uint16_t u[] = { 0xe9, 0x20ac, 0xd83d, 0xde00 };
	uint8_t src[sizeof(u)];
	static const size_t want[] = { 0, 0, 0, 2, 2, 2, 5, 5, 5, 5, 9 };
	char out[16];

	utf16(src, u, 4);
	ck_assert_uint_eq(hvt_utf16le_to_utf8(src, 4, out, 0), 0);
	for (size_t size = 1; size < sizeof(want) / sizeof(want[0]); size++) {
		memset(out, 0x55, sizeof(out));
		ck_assert_uint_eq(hvt_utf16le_to_utf8(src, 4, out, size), want[size]);
		ck_assert_uint_eq(out[want[size]], '\0');
		ck_assert_uint_eq((uint8_t)out[size], 0x55); /* nothing past the buffer */
		ck_assert(hvt_utf8_valid(out, want[size]));
	}
}
END_TEST

START_TEST(hvt_ic__utf8_decode_refuses_what_is_not_utf8)
{
	static const struct {
		const char *s;
		size_t len;
		size_t want;
		uint32_t cp;
	} cases[] = {
		{ "A", 1, 1, 'A' },
		{ "\xc3\xa9", 2, 2, 0xe9 },
		{ "\xe2\x82\xac", 3, 3, 0x20ac },
		{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff },
		{ "\xc0\x80", 2, 0, 0 },	 /* overlong NUL */
		{ "\xc1\xbf", 2, 0, 0 },	 /* overlong */
		{ "\xe0\x80\x80", 3, 0, 0 },	 /* overlong */
		{ "\xf0\x80\x80\x80", 4, 0, 0 }, /* overlong */
		{ "\xed\xa0\x80", 3, 0, 0 },	 /* a surrogate */
		{ "\xf4\x90\x80\x80", 4, 0, 0 }, /* beyond U+10FFFF */
		{ "\x80", 1, 0, 0 },		 /* a continuation alone */
		{ "\xff", 1, 0, 0 },
		{ "\xe2\x82", 2, 0, 0 },	 /* truncated by the length */
		{ "\xe2\x28\xac", 3, 0, 0 },	 /* not a continuation */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t cp = 0xdead;
		size_t n = hvt_utf8_decode((const uint8_t *)cases[i].s, cases[i].len, &cp);

		ck_assert_msg(n == cases[i].want, "case %zu: %zu, not %zu", i, n, cases[i].want);
		if (n)
			ck_assert_uint_eq(cp, cases[i].cp);
		ck_assert(hvt_utf8_valid(cases[i].s, cases[i].len) == (n == cases[i].len));
	}
	ck_assert(hvt_utf8_valid("", 0));
	ck_assert(hvt_utf8_valid("ok \xc3\xa9", 5));
	ck_assert(!hvt_utf8_valid("ok \xc3", 4));
}
END_TEST

START_TEST(hvt_ic__utf8_to_utf16_round_trips_and_refuses_invalid_text)
{
	const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	uint8_t u[32];
	char back[32];

	ck_assert_int_eq(hvt_utf8_to_utf16le(s, strlen(s), u, 16), 5);
	ck_assert_uint_eq(hvt_get_le16(u + 6), 0xd83d);
	ck_assert_uint_eq(hvt_get_le16(u + 8), 0xde00);
	ck_assert_uint_eq(hvt_get_le16(u + 10), 0);
	ck_assert_uint_eq(hvt_utf16le_to_utf8(u, 16, back, sizeof(back)), strlen(s));
	ck_assert_str_eq(back, s);
	/* It stops at a NUL inside the given length. */
	ck_assert_int_eq(hvt_utf8_to_utf16le("ab\0cd", 5, u, 16), 2);
	/* Invalid UTF-8 anywhere: -1 and an empty string, not a prefix. */
	hvt_put_le16(u, 'q');
	ck_assert_int_eq(hvt_utf8_to_utf16le("ok\xc0\x80", 4, u, 16), -1);
	ck_assert_uint_eq(hvt_get_le16(u), 0);
	ck_assert_int_eq(hvt_utf8_to_utf16le("x", 1, u, 0), -1);
}
END_TEST

START_TEST(hvt_ic__utf16_output_never_splits_a_surrogate_pair)
{
	const char *s = "a\xf0\x9f\x98\x80" "b";
	uint8_t u[16];

	memset(u, 0x55, sizeof(u));
	ck_assert_int_eq(hvt_utf8_to_utf16le(s, strlen(s), u, 1), 0);
	ck_assert_uint_eq(hvt_get_le16(u), 0);
	ck_assert_int_eq(hvt_utf8_to_utf16le(s, strlen(s), u, 2), 1);
	ck_assert_int_eq(hvt_utf8_to_utf16le(s, strlen(s), u, 3), 1); /* the pair does not fit */
	ck_assert_uint_eq(hvt_get_le16(u + 2), 0);
	ck_assert_uint_eq(u[6], 0x55); /* nothing past the room given */
	ck_assert_int_eq(hvt_utf8_to_utf16le(s, strlen(s), u, 4), 3);
	ck_assert_int_eq(hvt_utf8_to_utf16le(s, strlen(s), u, 5), 4);
}
END_TEST

START_TEST(hvt_ic__every_code_point_survives_both_conversions)
{
	for (uint32_t c = 1; c <= 0x10ffff; c += (c < 0x11000 ? 1 : 97)) {
		char in[5] = { 0 }, back[8];
		uint8_t u[8];
		size_t n;

		if (c >= 0xd800 && c <= 0xdfff)
			continue;
		n = hvt_utf8_len(c);
		switch (n) {
		case 1:
			in[0] = (char)c;
			break;
		case 2:
			in[0] = (char)(0xc0 | (c >> 6));
			in[1] = (char)(0x80 | (c & 0x3f));
			break;
		case 3:
			in[0] = (char)(0xe0 | (c >> 12));
			in[1] = (char)(0x80 | ((c >> 6) & 0x3f));
			in[2] = (char)(0x80 | (c & 0x3f));
			break;
		default:
			in[0] = (char)(0xf0 | (c >> 18));
			in[1] = (char)(0x80 | ((c >> 12) & 0x3f));
			in[2] = (char)(0x80 | ((c >> 6) & 0x3f));
			in[3] = (char)(0x80 | (c & 0x3f));
			break;
		}
		ck_assert_int_eq(hvt_utf8_to_utf16le(in, n, u, 4), c >= 0x10000 ? 2 : 1);
		ck_assert_uint_eq(hvt_utf16le_utf8_len(u, 4), n);
		ck_assert_uint_eq(hvt_utf16le_to_utf8(u, 4, back, sizeof(back)), n);
		ck_assert_msg(memcmp(in, back, n + 1) == 0, "U+%04X", c);
	}
}
END_TEST

START_TEST(hvt_ic__field_strlen_stays_inside_the_field)
{
	char f[4] = { 'a', 'b', 'c', 'd' }; /* no NUL */

	ck_assert_uint_eq(hvt_field_strlen(f, sizeof(f)), 4);
	ck_assert_uint_eq(hvt_field_strlen(f, 2), 2);
	f[1] = '\0';
	ck_assert_uint_eq(hvt_field_strlen(f, sizeof(f)), 1);
	ck_assert_uint_eq(hvt_field_strlen(f, 0), 0);
}
END_TEST

START_TEST(hvt_ic__filetime_converts_and_refuses_impossible_times)
{
	int64_t ns = 42;

	ck_assert(hvt_filetime_to_unix_ns(HVT_FILETIME_UNIX_DELTA, &ns));
	ck_assert_int_eq(ns, 0);
	/* 2026-12-03 00:00:00 UTC is 1796256000 s after 1970. */
	ck_assert(hvt_filetime_to_unix_ns(HVT_FILETIME_UNIX_DELTA + 17962560000000000ull, &ns));
	ck_assert_int_eq(ns, 1796256000ll * 1000000000ll);
	ns = 42;
	ck_assert(!hvt_filetime_to_unix_ns(HVT_FILETIME_UNIX_DELTA - 1, &ns));
	ck_assert(!hvt_filetime_to_unix_ns(0, &ns));
	ck_assert(!hvt_filetime_to_unix_ns(UINT64_MAX, &ns));
	ck_assert_int_eq(ns, 42); /* untouched when refused */
	/* The last time that fits in signed 64-bit nanoseconds, and one past it. */
	ck_assert(hvt_filetime_to_unix_ns(HVT_FILETIME_UNIX_DELTA + HVT_INT64_MAX / 100, &ns));
	ck_assert_int_eq(ns, (int64_t)(HVT_INT64_MAX / 100) * 100);
	ck_assert(!hvt_filetime_to_unix_ns(HVT_FILETIME_UNIX_DELTA + HVT_INT64_MAX / 100 + 1, &ns));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hvt_ic");

	tl_add_test(s, "hvt_ic__little_endian_fields_at_any_alignment",
		    hvt_ic__little_endian_fields_at_any_alignment);
	tl_add_test(s, "hvt_ic__a_payload_shorter_than_its_headers_is_refused",
		    hvt_ic__a_payload_shorter_than_its_headers_is_refused);
	tl_add_test(s, "hvt_ic__the_body_length_is_what_arrived_not_what_the_host_claims",
		    hvt_ic__the_body_length_is_what_arrived_not_what_the_host_claims);
	tl_add_test(s, "hvt_ic__negotiate_counts_must_fit_what_arrived",
		    hvt_ic__negotiate_counts_must_fit_what_arrived);
	tl_add_test(s, "hvt_ic__negotiate_counts_beyond_linux_limit_are_refused_even_if_present",
		    hvt_ic__negotiate_counts_beyond_linux_limit_are_refused_even_if_present);
	tl_add_test(s, "hvt_ic__negotiate_offers_keeps_framework_and_service_lists_apart",
		    hvt_ic__negotiate_offers_keeps_framework_and_service_lists_apart);
	tl_add_test(s, "hvt_ic__utf16_to_utf8_covers_every_sequence_length",
		    hvt_ic__utf16_to_utf8_covers_every_sequence_length);
	tl_add_test(s, "hvt_ic__unpaired_surrogates_are_dropped",
		    hvt_ic__unpaired_surrogates_are_dropped);
	tl_add_test(s, "hvt_ic__utf8_output_is_cut_only_between_characters",
		    hvt_ic__utf8_output_is_cut_only_between_characters);
	tl_add_test(s, "hvt_ic__utf8_decode_refuses_what_is_not_utf8",
		    hvt_ic__utf8_decode_refuses_what_is_not_utf8);
	tl_add_test(s, "hvt_ic__utf8_to_utf16_round_trips_and_refuses_invalid_text",
		    hvt_ic__utf8_to_utf16_round_trips_and_refuses_invalid_text);
	tl_add_test(s, "hvt_ic__utf16_output_never_splits_a_surrogate_pair",
		    hvt_ic__utf16_output_never_splits_a_surrogate_pair);
	tl_add_test(s, "hvt_ic__every_code_point_survives_both_conversions",
		    hvt_ic__every_code_point_survives_both_conversions);
	tl_add_test(s, "hvt_ic__field_strlen_stays_inside_the_field",
		    hvt_ic__field_strlen_stays_inside_the_field);
	tl_add_test(s, "hvt_ic__filetime_converts_and_refuses_impossible_times",
		    hvt_ic__filetime_converts_and_refuses_impossible_times);
	return tl_run_suite(s);
}
