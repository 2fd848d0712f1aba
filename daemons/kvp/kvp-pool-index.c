// SPDX-License-Identifier: MIT
/*
 * The pool store's in-memory index: the records in file order, each held
 * as its key and value only (memory follows the actual lengths, not
 * 2560 bytes a record), and a chained hash table from key to record.
 *
 * Keys come from the host and from other tools, so the hash is keyed
 * (SipHash-1-3 with a per-index random key): nobody can aim for one
 * bucket. Chains hold record indices; the table is kept at a load factor
 * of at most 1, so a lookup walks about one entry.
 *
 * Duplicate keys (written by foreign tools) are all in the table; a lookup
 * returns the lowest index, i.e. the first occurrence in the file, which is
 * what the upstream daemon's linear search finds. Records without a NUL in
 * the key field are kept (ENUMERATE shows them, a delete moving them keeps
 * their bytes) but no key can address them. An empty key is an ordinary
 * key: the host can set one, and the upstream daemon finds such a record
 * (and an all-zero one, which reads the same) by its key_size 1 compare.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "kvp-pool-internal.h"
#include "util.h"

#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static inline void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL64(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL64(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL64(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL64(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL64(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL64(v[2], 32);
}

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* SipHash-1-3 (one compression round, three finalization rounds). */
static uint64_t siphash13(const uint64_t key[2], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t v[4] = {
		key[0] ^ 0x736f6d6570736575ULL,
		key[1] ^ 0x646f72616e646f6dULL,
		key[0] ^ 0x6c7967656e657261ULL,
		key[1] ^ 0x7465646279746573ULL,
	};
	uint64_t b = (uint64_t)len << 56;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		uint64_t m = load_le64(p + i);

		v[3] ^= m;
		sip_round(v);
		v[0] ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)p[i + j] << (8 * j);
	v[3] ^= b;
	sip_round(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	sip_round(v);
	sip_round(v);
	sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

void kvp_index_init(struct kvp_index *ix)
{
	*ix = (struct kvp_index){ 0 };
	if (getrandom(ix->seed, sizeof(ix->seed), GRND_NONBLOCK) != (ssize_t)sizeof(ix->seed)) {
		/* Early boot without entropy: weaker, still unpredictable enough. */
		ix->seed[0] = now_usec(CLOCK_MONOTONIC) ^ ((uint64_t)getpid() << 32);
		ix->seed[1] = now_usec(CLOCK_REALTIME) ^ (uint64_t)(uintptr_t)ix;
	}
}

void kvp_index_clear(struct kvp_index *ix)
{
	for (uint32_t i = 0; i < ix->n; i++)
		free(ix->recs[i].data);
	free(ix->recs);
	free(ix->buckets);
	ix->recs = NULL;
	ix->buckets = NULL;
	ix->n = ix->cap = ix->n_buckets = 0;
}

static bool rec_addressable(const struct kvp_rec *r)
{
	return !(r->flags & KVP_REC_KEY_UNTERMINATED);
}

static void bucket_link(struct kvp_index *ix, uint32_t i)
{
	struct kvp_rec *r = &ix->recs[i];
	uint32_t b = r->hash & (ix->n_buckets - 1);

	r->next = ix->buckets[b];
	ix->buckets[b] = (int32_t)i;
}

/* Unlink record i from its chain. */
static void bucket_unlink(struct kvp_index *ix, uint32_t i)
{
	int32_t *pp = &ix->buckets[ix->recs[i].hash & (ix->n_buckets - 1)];

	while (*pp >= 0) {
		if ((uint32_t)*pp == i) {
			*pp = ix->recs[i].next;
			return;
		}
		pp = &ix->recs[*pp].next;
	}
}

/* In record i's chain, replace the link to i by a link to j (record i moves to j). */
static void bucket_renumber(struct kvp_index *ix, uint32_t i, uint32_t j)
{
	int32_t *pp = &ix->buckets[ix->recs[i].hash & (ix->n_buckets - 1)];

	while (*pp >= 0) {
		if ((uint32_t)*pp == i) {
			*pp = (int32_t)j;
			return;
		}
		pp = &ix->recs[*pp].next;
	}
}

static int rehash(struct kvp_index *ix, uint32_t n_buckets)
{
	int32_t *b = malloc(sizeof(*b) * n_buckets);

	if (!b)
		return -ENOMEM;
	free(ix->buckets);
	ix->buckets = b;
	ix->n_buckets = n_buckets;
	memset(b, 0xff, sizeof(*b) * n_buckets);
	for (uint32_t i = 0; i < ix->n; i++)
		if (rec_addressable(&ix->recs[i]))
			bucket_link(ix, i);
	return 0;
}

int kvp_index_reserve(struct kvp_index *ix, uint32_t n)
{
	uint32_t nb = 16;

	if (n > KVP_POOL_LOAD_MAX_RECORDS)
		return -EFBIG;
	if (n > ix->cap) {
		struct kvp_rec *nr = realloc(ix->recs, sizeof(*nr) * n);

		if (!nr)
			return -ENOMEM;
		ix->recs = nr;
		ix->cap = n;
	}
	while (nb < n)
		nb <<= 1;
	if (nb > ix->n_buckets)
		return rehash(ix, nb);
	return 0;
}

static int grow(struct kvp_index *ix)
{
	uint32_t want;

	if (ix->n < ix->cap && ix->n < ix->n_buckets)
		return 0;
	if (ix->n >= KVP_POOL_LOAD_MAX_RECORDS)
		return -EFBIG;
	want = ix->cap ? ix->cap * 2 : 16;
	return kvp_index_reserve(ix, MIN(want, KVP_POOL_LOAD_MAX_RECORDS));
}

static int push(struct kvp_index *ix, const void *key, size_t klen, const void *value,
		size_t vlen, uint8_t flags)
{
	struct kvp_rec *r;
	char *data;
	int ret;

	ret = grow(ix);
	if (ret < 0)
		return ret;
	data = malloc(klen + vlen + 2);
	if (!data)
		return -ENOMEM;
	memcpy(data, key, klen);
	data[klen] = '\0';
	memcpy(data + klen + 1, value, vlen);
	data[klen + 1 + vlen] = '\0';
	r = &ix->recs[ix->n];
	*r = (struct kvp_rec){
		.data = data,
		.klen = (uint16_t)klen,
		.vlen = (uint16_t)vlen,
		.flags = flags,
		.next = -1,
		.hash = (uint32_t)siphash13(ix->seed, key, klen),
	};
	if (rec_addressable(r))
		bucket_link(ix, ix->n);
	ix->n++;
	return 0;
}

int kvp_index_append_raw(struct kvp_index *ix, const uint8_t rec[KVP_RECORD_SIZE])
{
	const struct hv_kvp_record *r = (const void *)rec;
	size_t klen = bounded_strlen(r->key, sizeof(r->key));
	size_t vlen = bounded_strlen(r->value, sizeof(r->value));
	uint8_t flags = 0;

	if (klen == sizeof(r->key))
		flags |= KVP_REC_KEY_UNTERMINATED;
	if (vlen == sizeof(r->value))
		flags |= KVP_REC_VALUE_UNTERMINATED;
	return push(ix, r->key, klen, r->value, vlen, flags);
}

int kvp_index_append(struct kvp_index *ix, const char *key, size_t klen, const char *value,
		     size_t vlen)
{
	if (klen > KVP_POOL_MAX_KEY || vlen > KVP_POOL_MAX_VALUE)
		return -E2BIG;
	return push(ix, key, klen, value, vlen, 0);
}

int32_t kvp_index_find(const struct kvp_index *ix, const char *key, size_t klen)
{
	uint32_t h;
	int32_t best = -1;

	if (ix->n_buckets == 0)
		return -1;
	h = (uint32_t)siphash13(ix->seed, key, klen);
	for (int32_t i = ix->buckets[h & (ix->n_buckets - 1)]; i >= 0; i = ix->recs[i].next) {
		const struct kvp_rec *r = &ix->recs[i];

		if (r->hash == h && r->klen == klen && memcmp(r->data, key, klen) == 0 &&
		    (best < 0 || i < best))
			best = i;
	}
	return best;
}

int kvp_index_set_value(struct kvp_index *ix, uint32_t i, const char *value, size_t vlen)
{
	struct kvp_rec *r = &ix->recs[i];
	char *data;

	if (vlen > KVP_POOL_MAX_VALUE)
		return -E2BIG;
	data = malloc(r->klen + vlen + 2u);
	if (!data)
		return -ENOMEM;
	memcpy(data, r->data, r->klen + 1u);
	memcpy(data + r->klen + 1, value, vlen);
	data[r->klen + 1 + vlen] = '\0';
	free(r->data);
	r->data = data;
	r->vlen = (uint16_t)vlen;
	r->flags &= (uint8_t)~KVP_REC_VALUE_UNTERMINATED;
	return 0;
}

void kvp_index_remove_move_last(struct kvp_index *ix, uint32_t i)
{
	uint32_t last = ix->n - 1;

	if (rec_addressable(&ix->recs[i]))
		bucket_unlink(ix, i);
	free(ix->recs[i].data);
	if (i != last) {
		if (rec_addressable(&ix->recs[last]))
			bucket_renumber(ix, last, i);
		ix->recs[i] = ix->recs[last];
	}
	ix->n--;
}

void kvp_index_image(const struct kvp_index *ix, uint32_t i, uint8_t ret[KVP_RECORD_SIZE])
{
	const struct kvp_rec *r = &ix->recs[i];
	struct hv_kvp_record *out = (void *)ret;

	memset(ret, 0, KVP_RECORD_SIZE);
	/* klen/vlen never exceed the fields: 512 and 2048 for unterminated ones. */
	memcpy(out->key, kvp_rec_key(r), r->klen);
	memcpy(out->value, kvp_rec_value(r), r->vlen);
}
