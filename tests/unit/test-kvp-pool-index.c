// SPDX-License-Identifier: MIT
/*
 * The pool store's in-memory index: lookups of the first occurrence,
 * removal by moving the last record, unaddressable records, images, and a
 * long random run checked against a plain array.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvp-pool-internal.h"
#include "testlib.h"
#include "util.h"

static void add(struct kvp_index *ix, const char *k, const char *v)
{
	ck_assert_int_eq(kvp_index_append(ix, k, strlen(k), v, strlen(v)), 0);
}

static int32_t find(const struct kvp_index *ix, const char *k)
{
	return kvp_index_find(ix, k, strlen(k));
}

START_TEST(kvp_pool_index__find_returns_first_occurrence)
{
	struct kvp_index ix;

	kvp_index_init(&ix);
	ck_assert_int_eq(find(&ix, "a"), -1);
	add(&ix, "a", "1");
	add(&ix, "b", "2");
	add(&ix, "a", "3");
	add(&ix, "ab", "4");
	ck_assert_int_eq(find(&ix, "a"), 0);
	ck_assert_int_eq(find(&ix, "ab"), 3);
	ck_assert_int_eq(find(&ix, "abc"), -1);
	/* Removing the first occurrence exposes the next one, at its new index. */
	kvp_index_remove_move_last(&ix, 0);
	ck_assert_str_eq(kvp_rec_key(&ix.recs[0]), "ab");
	ck_assert_int_eq(find(&ix, "a"), 2);
	ck_assert_str_eq(kvp_rec_value(&ix.recs[2]), "3");
	ck_assert_int_eq(find(&ix, "ab"), 0);
	kvp_index_clear(&ix);
	ck_assert_uint_eq(ix.n, 0);
}
END_TEST

/*
 * Records are kept whatever their bytes. One without a NUL in its key
 * field has no key that can address it; an empty key (an all-zero record
 * too) is addressed by "", as upstream's key_size 1 compare finds it.
 */
START_TEST(kvp_pool_index__unaddressable_records_kept)
{
	struct kvp_index ix;
	uint8_t rec[KVP_RECORD_SIZE], img[KVP_RECORD_SIZE];

	kvp_index_init(&ix);
	memset(rec, 'K', sizeof(rec));		/* no NUL anywhere */
	ck_assert_int_eq(kvp_index_append_raw(&ix, rec), 0);
	memset(rec, 0, sizeof(rec));		/* empty key */
	memcpy(rec + 512, "orphan", 6);
	ck_assert_int_eq(kvp_index_append_raw(&ix, rec), 0);
	ck_assert_uint_eq(ix.n, 2);
	ck_assert_uint_eq(ix.recs[0].klen, 512);
	ck_assert_uint_eq(ix.recs[0].vlen, 2048);
	ck_assert_uint_eq(ix.recs[0].flags, KVP_REC_KEY_UNTERMINATED | KVP_REC_VALUE_UNTERMINATED);
	ck_assert_int_eq(kvp_index_find(&ix, "", 0), 1);
	ck_assert_str_eq(kvp_rec_value(&ix.recs[1]), "orphan");
	memset(rec, 'K', 511);
	ck_assert_int_eq(kvp_index_find(&ix, (const char *)rec, 511), -1);
	/* Their image is the same bytes. */
	memset(rec, 'K', sizeof(rec));
	kvp_index_image(&ix, 0, img);
	ck_assert_mem_eq(img, rec, sizeof(rec));
	kvp_index_clear(&ix);
}
END_TEST

START_TEST(kvp_pool_index__image_zeroes_unused_bytes)
{
	struct kvp_index ix;
	uint8_t rec[KVP_RECORD_SIZE], img[KVP_RECORD_SIZE], want[KVP_RECORD_SIZE] = { 0 };

	kvp_index_init(&ix);
	memset(rec, 0xa5, sizeof(rec));
	memcpy(rec, "key", 4);
	memcpy(rec + 512, "value", 6);
	ck_assert_int_eq(kvp_index_append_raw(&ix, rec), 0);
	kvp_index_image(&ix, 0, img);
	memcpy(want, "key", 3);
	memcpy(want + 512, "value", 5);
	ck_assert_mem_eq(img, want, sizeof(want));
	ck_assert_int_eq(kvp_index_set_value(&ix, 0, "v2", 2), 0);
	kvp_index_image(&ix, 0, img);
	ck_assert_str_eq((char *)img + 512, "v2");
	ck_assert_int_eq(img[515], 0);
	kvp_index_clear(&ix);
}
END_TEST

/* A plain array doing the same, the obvious way. */
struct plain {
	char key[64][16];
	char value[64][16];
	uint32_t n;
};

static int32_t plain_find(const struct plain *p, const char *k)
{
	for (uint32_t i = 0; i < p->n; i++)
		if (streq(p->key[i], k))
			return (int32_t)i;
	return -1;
}

START_TEST(kvp_pool_index__random_run_matches_linear_search)
{
	struct kvp_index ix;
	struct plain pl = { 0 };
	unsigned seed = 7;

	kvp_index_init(&ix);
	for (unsigned step = 0; step < 20000; step++) {
		char k[16], v[16];
		unsigned op;

		seed = seed * 1103515245u + 12345u;
		op = (seed >> 16) % 4;
		snprintf(k, sizeof(k), "k%u", (seed >> 8) % 40);
		snprintf(v, sizeof(v), "v%u", step);
		if (op < 2 && pl.n < 64) {
			/* Append, duplicates allowed, as a foreign tool may. */
			add(&ix, k, v);
			strcpy(pl.key[pl.n], k);
			strcpy(pl.value[pl.n++], v);
		} else if (op == 2 && pl.n > 0) {
			int32_t i = plain_find(&pl, k);

			ck_assert_int_eq(find(&ix, k), i);
			if (i >= 0) {
				kvp_index_remove_move_last(&ix, (uint32_t)i);
				pl.n--;
				memmove(pl.key[i], pl.key[pl.n], sizeof(pl.key[i]));
				memmove(pl.value[i], pl.value[pl.n], sizeof(pl.value[i]));
			}
		} else {
			int32_t i = plain_find(&pl, k);

			ck_assert_int_eq(find(&ix, k), i);
			if (i >= 0) {
				ck_assert_int_eq(kvp_index_set_value(&ix, (uint32_t)i, v,
								     strlen(v)),
						 0);
				strcpy(pl.value[i], v);
			}
		}
		ck_assert_uint_eq(ix.n, pl.n);
	}
	for (uint32_t i = 0; i < pl.n; i++) {
		ck_assert_str_eq(kvp_rec_key(&ix.recs[i]), pl.key[i]);
		ck_assert_str_eq(kvp_rec_value(&ix.recs[i]), pl.value[i]);
		ck_assert_int_eq(find(&ix, pl.key[i]), plain_find(&pl, pl.key[i]));
	}
	kvp_index_clear(&ix);
}
END_TEST

START_TEST(kvp_pool_index__many_keys)
{
	struct kvp_index ix;

	kvp_index_init(&ix);
	for (unsigned i = 0; i < 50000; i++) {
		char k[32];

		snprintf(k, sizeof(k), "key-%u", i);
		add(&ix, k, "v");
	}
	for (unsigned i = 0; i < 50000; i += 7) {
		char k[32];

		snprintf(k, sizeof(k), "key-%u", i);
		ck_assert_int_eq(find(&ix, k), (int32_t)i);
	}
	/* The table stays at a load factor of at most one. */
	ck_assert_uint_ge(ix.n_buckets, ix.n);
	kvp_index_clear(&ix);
}
END_TEST

static Suite *kvp_pool_index_suite(void)
{
	Suite *s = suite_create("kvp_pool_index");
	struct {
		const char *name;
		const TTest *test;
	} cases[] = {
		{ "kvp_pool_index__find_returns_first_occurrence",
		  kvp_pool_index__find_returns_first_occurrence },
		{ "kvp_pool_index__unaddressable_records_kept",
		  kvp_pool_index__unaddressable_records_kept },
		{ "kvp_pool_index__image_zeroes_unused_bytes",
		  kvp_pool_index__image_zeroes_unused_bytes },
		{ "kvp_pool_index__random_run_matches_linear_search",
		  kvp_pool_index__random_run_matches_linear_search },
		{ "kvp_pool_index__many_keys", kvp_pool_index__many_keys },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	return tl_run_suite(kvp_pool_index_suite());
}
