// SPDX-License-Identifier: MIT
/*
 * hvhost's base64: the RFC 4648 vectors, round trips, and a strict decoder
 * for what the guest agent sends.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "testlib.h"

static const struct {
	const char *plain, *encoded;
} vectors[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

START_TEST(base64__encode_rfc4648_vectors)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		char *e = NULL;

		ck_assert_int_eq(base64_encode(vectors[i].plain, strlen(vectors[i].plain), &e), 0);
		ck_assert_str_eq(e, vectors[i].encoded);
		free(e);
	}
}
END_TEST

START_TEST(base64__decode_rfc4648_vectors)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		void *d = NULL;
		size_t n = 99;

		ck_assert_int_eq(
			base64_decode(vectors[i].encoded, strlen(vectors[i].encoded), &d, &n), 0);
		ck_assert_uint_eq(n, strlen(vectors[i].plain));
		ck_assert_mem_eq(d, vectors[i].plain, n);
		ck_assert_int_eq(((char *)d)[n], 0);
		free(d);
	}
}
END_TEST

START_TEST(base64__round_trips_every_byte_value)
{
	unsigned char in[259];
	char *e = NULL;
	void *d = NULL;
	size_t n;

	for (size_t len = 0; len <= sizeof(in); len++) {
		for (size_t i = 0; i < len; i++)
			in[i] = (unsigned char)(i * 7 + len);
		ck_assert_int_eq(base64_encode(in, len, &e), 0);
		ck_assert_uint_eq(strlen(e), (len + 2) / 3 * 4);
		ck_assert_int_eq(base64_decode(e, strlen(e), &d, &n), 0);
		ck_assert_uint_eq(n, len);
		ck_assert(len == 0 || memcmp(d, in, len) == 0);
		free(e);
		free(d);
	}
}
END_TEST

START_TEST(base64__decode_accepts_missing_padding)
{
	void *d = NULL;
	size_t n;

	ck_assert_int_eq(base64_decode("Zm8", 3, &d, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_mem_eq(d, "fo", 2);
	free(d);
	ck_assert_int_eq(base64_decode("Zg", 2, &d, &n), 0);
	ck_assert_uint_eq(n, 1);
	free(d);
}
END_TEST

START_TEST(base64__decode_rejects_junk)
{
	static const char *const bad[] = {
		"Zm9v!",	"Zm 9v", "Zm9v\n", "=",	   "Z",	   "Zm9vY",
		"Zg=",		"Zg===", "Z===",   "Zm=v", "Zh==", /* non-zero trailing bits */
		"Zm9=", /* ditto for a 3-char group */
		"Zm9vYg==Zm9v", "-_==",
	};
	void *d = (void *)0x1;
	size_t n = 7;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(base64_decode(bad[i], strlen(bad[i]), &d, &n) == -EINVAL, "%s",
			      bad[i]);
		/* outputs untouched on failure */
		ck_assert_ptr_eq(d, (void *)0x1);
		ck_assert_uint_eq(n, 7);
	}
}
END_TEST

START_TEST(base64__decode_respects_length)
{
	void *d = NULL;
	size_t n;

	/* Only the first 4 characters count; what follows is not read. */
	ck_assert_int_eq(base64_decode("Zm9v####", 4, &d, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_mem_eq(d, "foo", 3);
	free(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hvhost-base64");
	TCase *tc;

	tc = tcase_create("base64__encode_rfc4648_vectors");
	tcase_add_test(tc, base64__encode_rfc4648_vectors);
	suite_add_tcase(s, tc);
	tc = tcase_create("base64__decode_rfc4648_vectors");
	tcase_add_test(tc, base64__decode_rfc4648_vectors);
	suite_add_tcase(s, tc);
	tc = tcase_create("base64__round_trips_every_byte_value");
	tcase_add_test(tc, base64__round_trips_every_byte_value);
	suite_add_tcase(s, tc);
	tc = tcase_create("base64__decode_accepts_missing_padding");
	tcase_add_test(tc, base64__decode_accepts_missing_padding);
	suite_add_tcase(s, tc);
	tc = tcase_create("base64__decode_rejects_junk");
	tcase_add_test(tc, base64__decode_rejects_junk);
	suite_add_tcase(s, tc);
	tc = tcase_create("base64__decode_respects_length");
	tcase_add_test(tc, base64__decode_respects_length);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
