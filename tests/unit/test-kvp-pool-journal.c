// SPDX-License-Identifier: MIT
/*
 * The side journal: its format (checksums, torn entries), the roll-forward
 * of a pool image (torn writes finished, interrupted deletes completed,
 * foreign changes left alone), and the recovery rules through the store
 * (previous boot vs. cloud-init's boot-time truncation, same boot vs. a
 * foreign writer's later changes).
 */
#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvp-pool.h"
#include "test-kvp-pool-util.h"
#include "testlib.h"
#include "util.h"

static char *dir;

static void setup(void)
{
	dir = tl_mkdtemp("kvp-journal");
}

static void teardown(void)
{
	tl_rm_rf(dir);
	free(dir);
}

/* ---- building images and entries by hand ---- */

struct image {
	uint8_t *buf;
	size_t len;
};

static void img_records(struct image *img, const char *const *kv, size_t n)
{
	img->len = n * KT_RS;
	img->buf = calloc(n ? n : 1, KT_RS);
	for (size_t i = 0; i < n; i++)
		kt_record(img->buf + i * KT_RS, kv[2 * i], kv[2 * i + 1]);
}

static void img_append(struct image *img, const char *key, const char *value)
{
	img->buf = realloc(img->buf, img->len + KT_RS);
	kt_record(img->buf + img->len, key, value);
	img->len += KT_RS;
}

static void slot_crcs(const struct image *img, uint32_t slot, uint32_t crc[KVP_RECORD_SECTORS])
{
	uint8_t rec[KT_RS] = { 0 };

	if ((size_t)slot * KT_RS < img->len)
		memcpy(rec, img->buf + (size_t)slot * KT_RS,
		       MIN((size_t)KT_RS, img->len - (size_t)slot * KT_RS));
	kvp_record_sector_crcs(rec, crc);
}

/* The entry a SET of key=value against img would write, and img after it. */
static struct kvp_jentry entry_set(struct image *img, uint32_t slot, const char *key,
				   const char *value)
{
	struct kvp_jentry e = { .op = KVP_JOP_SET, .flags = KVP_JENTRY_HAS_RECORD, .slot = slot };
	uint32_t n = (uint32_t)(img->len / KT_RS);

	e.n_old = n;
	e.n_new = slot == n ? n + 1 : n;
	slot_crcs(img, slot, e.before_crc);
	if (n > 0)
		slot_crcs(img, n - 1, e.last_crc);
	kt_record(e.record, key, value);
	if (slot == n) {
		img->buf = realloc(img->buf, img->len + KT_RS);
		img->len += KT_RS;
	}
	memcpy(img->buf + (size_t)slot * KT_RS, e.record, KT_RS);
	return e;
}

static struct kvp_jentry entry_delete(struct image *img, uint32_t slot)
{
	struct kvp_jentry e = { .op = KVP_JOP_DELETE, .slot = slot };
	uint32_t n = (uint32_t)(img->len / KT_RS);

	e.n_old = n;
	e.n_new = n - 1;
	slot_crcs(img, slot, e.before_crc);
	slot_crcs(img, n - 1, e.last_crc);
	if (slot != n - 1) {
		e.flags = KVP_JENTRY_HAS_RECORD;
		memcpy(e.record, img->buf + (size_t)(n - 1) * KT_RS, KT_RS);
		memcpy(img->buf + (size_t)slot * KT_RS, e.record, KT_RS);
	}
	img->len -= KT_RS;
	return e;
}

static int replay(const struct kvp_jentry *run, size_t n, const struct image *in, struct image *out)
{
	return kvp_journal_replay(run, n, in->buf, in->len, &out->buf, &out->len);
}

static void assert_same(const struct image *a, const struct image *b)
{
	ck_assert_uint_eq(a->len, b->len);
	ck_assert_mem_eq(a->buf, b->buf, a->len);
}

static void img_free(struct image *img)
{
	free(img->buf);
	*img = (struct image){ 0 };
}

static struct image img_copy(const struct image *img)
{
	struct image c = { .buf = malloc(img->len ? img->len : 1), .len = img->len };

	memcpy(c.buf, img->buf, img->len);
	return c;
}

static const char *const base_kv[] = { "a", "alpha", "b", "bravo", "c", "charlie",
				       "d", "delta" };

START_TEST(kvp_pool_journal__crc32c_known_vector)
{
	ck_assert_uint_eq(kvp_crc32c(0, "123456789", 9), 0xE3069283u);
	/* Incremental equals one-shot. */
	ck_assert_uint_eq(kvp_crc32c(kvp_crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
	ck_assert_uint_eq(kvp_crc32c(0, "", 0), 0);
}
END_TEST

START_TEST(kvp_pool_journal__entry_roundtrip_and_torn_rejected)
{
	struct image img;
	struct kvp_jentry e, d;
	struct kvp_jheader h = { .n_entries = 64, .clean_seq = 7, .applied_seq = 9 }, hd;
	uint8_t blk[KVP_JOURNAL_BLOCK], old[KVP_JOURNAL_BLOCK], sec[KVP_SECTOR_SIZE];

	img_records(&img, base_kv, 4);
	e = entry_set(&img, 1, "b", "new value");
	e.seq = 42;
	e.pool_ino = 1234;
	kvp_jentry_encode(&e, blk);
	ck_assert_int_eq(kvp_jentry_decode(blk, &d), 0);
	ck_assert_mem_eq(&d, &e, offsetof(struct kvp_jentry, record) + KT_RS);

	/* Any flipped bit fails the checksum. */
	blk[200] ^= 1;
	ck_assert_int_eq(kvp_jentry_decode(blk, &d), -EBADMSG);
	blk[200] ^= 1;
	/* A torn write: the new entry's first sectors over an older, different one. */
	e.seq = 42 - 64 + 64 * 2; /* the entry in this block a lap later */
	memset(e.record + 1600, 'o', 400);
	kvp_jentry_encode(&e, old);
	memcpy(old, blk, 3 * KVP_SECTOR_SIZE);
	ck_assert_int_eq(kvp_jentry_decode(old, &d), -EBADMSG);
	/* A well-formed checksum over an impossible change is refused too. */
	e.slot = 10;
	kvp_jentry_encode(&e, blk);
	ck_assert_int_eq(kvp_jentry_decode(blk, &d), -EBADMSG);

	memset(h.boot_id, 0x42, sizeof(h.boot_id));
	kvp_jheader_encode(&h, sec);
	ck_assert_int_eq(kvp_jheader_decode(sec, &hd), 0);
	ck_assert_uint_eq(hd.n_entries, 64);
	ck_assert_uint_eq(hd.clean_seq, 7);
	ck_assert_uint_eq(hd.applied_seq, 9);
	ck_assert_mem_eq(hd.boot_id, h.boot_id, sizeof(h.boot_id));
	sec[33] ^= 0x80;
	ck_assert_int_eq(kvp_jheader_decode(sec, &hd), -EBADMSG);
	img_free(&img);
}
END_TEST

START_TEST(kvp_pool_journal__replay_finishes_torn_overwrite)
{
	struct image img, before, want, out = { 0 };
	struct kvp_jentry e;

	img_records(&img, base_kv, 4);
	before = img_copy(&img);
	e = entry_set(&img, 1, "b", "a much longer value that reaches further into the record");
	memset(img.buf + KT_RS + 1024, 'x', 1500); /* touch every sector */
	memcpy(e.record + 1024, img.buf + KT_RS + 1024, 1500);
	want = img_copy(&img);

	/* Every mix of old and new sectors rolls forward to the new record. */
	for (unsigned mask = 0; mask < (1u << KVP_RECORD_SECTORS); mask++) {
		struct image torn = img_copy(&before);

		for (unsigned k = 0; k < KVP_RECORD_SECTORS; k++)
			if (mask & (1u << k))
				memcpy(torn.buf + KT_RS + k * 512, want.buf + KT_RS + k * 512, 512);
		ck_assert_int_eq(replay(&e, 1, &torn, &out), 0);
		assert_same(&out, &want);
		img_free(&out);
		img_free(&torn);
	}
	img_free(&img);
	img_free(&before);
	img_free(&want);
}
END_TEST

START_TEST(kvp_pool_journal__replay_completes_interrupted_delete)
{
	struct image img, mid, want, out = { 0 };
	struct kvp_jentry e;

	img_records(&img, base_kv, 4);
	mid = img_copy(&img);
	e = entry_delete(&img, 0); /* "d" moves into slot 0 */
	want = img_copy(&img);
	/* Killed between the move and the truncation: "d" is there twice. */
	memcpy(mid.buf, e.record, KT_RS);
	ck_assert_int_eq(replay(&e, 1, &mid, &out), 0);
	assert_same(&out, &want);
	img_free(&out);
	/* Or before the move: the same result. */
	img_free(&mid);
	img_records(&mid, base_kv, 4);
	ck_assert_int_eq(replay(&e, 1, &mid, &out), 0);
	assert_same(&out, &want);
	img_free(&out);
	/* Or all done already: nothing changes. */
	ck_assert_int_eq(replay(&e, 1, &want, &out), 0);
	assert_same(&out, &want);
	img_free(&out);
	img_free(&mid);
	img_free(&img);
	img_free(&want);
}
END_TEST

START_TEST(kvp_pool_journal__replay_keeps_foreign_append_after_delete)
{
	struct image img, mid, out = { 0 };
	struct kvp_jentry e;
	struct kt_pool kp;
	char *path;

	img_records(&img, base_kv, 4);
	mid = img_copy(&img);
	e = entry_delete(&img, 1);
	/* Killed after the move; then cloud-init appended two records. */
	memcpy(mid.buf + KT_RS, e.record, KT_RS);
	img_append(&mid, "CLOUD_INIT|1|start|x|1", "{}");
	img_append(&mid, "CLOUD_INIT|1|start|x|2", "{}");
	ck_assert_int_eq(replay(&e, 1, &mid, &out), 0);
	path = kt_pool_path(dir, 1);
	kt_write_bytes(path, out.buf, out.len);
	kt_read_pool(path, &kp);
	ck_assert_uint_eq(kp.n, 5);
	ck_assert_int_eq(kt_find(&kp, "b"), -1);
	ck_assert_int_eq(kt_find(&kp, "d"), 1);
	ck_assert_int_ge(kt_find(&kp, "CLOUD_INIT|1|start|x|1"), 0);
	ck_assert_int_ge(kt_find(&kp, "CLOUD_INIT|1|start|x|2"), 0);
	kt_pool_done(&kp);
	kt_assert_sane(path); /* no duplicate "d" */
	free(path);
	img_free(&out);
	img_free(&mid);
	img_free(&img);
}
END_TEST

START_TEST(kvp_pool_journal__replay_refuses_foreign_truncation)
{
	struct image img, other, out = { 0 };
	struct kvp_jentry run[2];

	img_records(&img, base_kv, 4);
	run[0] = entry_set(&img, 4, "e", "echo");	/* append */
	run[1] = entry_set(&img, 2, "c", "changed");	/* overwrite */
	/* cloud-init truncated the file: shorter than the run ever made it. */
	other.buf = malloc(1);
	other.len = 0;
	ck_assert_int_eq(replay(run, 2, &other, &out), -ESTALE);
	img_free(&other);
	/* ... and appended exactly as many records of its own: still refused. */
	other.len = 0;
	other.buf = NULL;
	for (unsigned i = 0; i < 4; i++) {
		char k[64];

		snprintf(k, sizeof(k), "CLOUD_INIT|2|start|y|%u", i);
		img_append(&other, k, "{}");
	}
	ck_assert_int_eq(replay(run, 2, &other, &out), -ESTALE);
	ck_assert_int_eq(replay(run, 1, &other, &out), -ESTALE);
	img_free(&other);
	img_free(&img);
}
END_TEST

START_TEST(kvp_pool_journal__replay_refuses_foreign_rewrite)
{
	struct image img, other, out = { 0 };
	struct kvp_jentry e;

	img_records(&img, base_kv, 4);
	other = img_copy(&img);
	e = entry_set(&img, 3, "d", "ours");
	/* The upstream daemon rewrote the file afterwards with another value. */
	kt_record(other.buf + 3 * KT_RS, "d", "theirs");
	ck_assert_int_eq(replay(&e, 1, &other, &out), -ESTALE);
	/* Or deleted "b" by moving "d" over it. */
	img_free(&other);
	other = img_copy(&img);
	memcpy(other.buf + KT_RS, other.buf + 3 * KT_RS, KT_RS);
	other.len -= KT_RS;
	ck_assert_int_eq(replay(&e, 1, &other, &out), -ESTALE);
	img_free(&other);
	img_free(&img);
}
END_TEST

START_TEST(kvp_pool_journal__replay_is_idempotent)
{
	struct image img, start, out1 = { 0 }, out2 = { 0 };
	struct kvp_jentry run[6];
	unsigned seed = 12345;

	img_records(&img, base_kv, 4);
	start = img_copy(&img);
	run[0] = entry_set(&img, 4, "e", "echo");
	run[1] = entry_delete(&img, 0);
	run[2] = entry_set(&img, 1, "b", "bravo 2");
	run[3] = entry_delete(&img, 3);
	run[4] = entry_set(&img, 3, "f", "foxtrot");
	run[5] = entry_set(&img, 0, "e", "echo 2");
	/* From the start, from the end, and from random mixes of the two. */
	for (unsigned round = 0; round < 200; round++) {
		struct image mix = img_copy(round % 2 ? &img : &start);

		for (size_t off = 0; round > 1 && off < MIN(mix.len, img.len); off += 512) {
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 2)
				memcpy(mix.buf + off, img.buf + off, 512);
		}
		ck_assert_int_eq(replay(run, 6, &mix, &out1), 0);
		assert_same(&out1, &img);
		ck_assert_int_eq(replay(run, 6, &out1, &out2), 0);
		assert_same(&out2, &out1);
		img_free(&out1);
		img_free(&out2);
		img_free(&mix);
	}
	img_free(&img);
	img_free(&start);
}
END_TEST

START_TEST(kvp_pool_journal__replay_rejects_broken_runs)
{
	struct image img, out = { 0 };
	struct kvp_jentry run[2];

	img_records(&img, base_kv, 4);
	run[0] = entry_set(&img, 4, "e", "echo");
	run[1] = entry_set(&img, 4, "e", "again");
	run[1].n_old = run[1].n_new = 7; /* does not start where run[0] ended */
	ck_assert_int_eq(replay(run, 2, &img, &out), -EINVAL);
	ck_assert_int_eq(replay(run, 0, &img, &out), -EINVAL);
	run[0].op = 9;
	ck_assert_int_eq(replay(run, 1, &img, &out), -EINVAL);
	img_free(&img);
}
END_TEST

/* ---- recovery through the store ---- */

static int fast_sync(int fd, void *u)
{
	(void)fd;
	(void)u;
	return 0;
}

static const struct kvp_pool_io boot_io = {
	.fdatasync = fast_sync,
	.fsync = fast_sync,
	.get_boot = kt_get_boot,
};

static struct kvp_pool *open_store(unsigned pool)
{
	struct kvp_pool_options o = { .durable = true, .io = &boot_io };
	struct kvp_pool *p;

	ck_assert_int_eq(kvp_pool_open(dir, pool, &o, &p), 0);
	return p;
}

/*
 * Leave pool 1 as a power cut would: the journal holds synced entries for
 * SETs of k0, k1 (and base), none of them checkpointed, and the pool file
 * lost every write since it held only "base" (or nothing).
 */
static void power_cut_after_sets(bool empty)
{
	static const char *const kv[] = { "base", "0" };
	char *path = kt_pool_path(dir, 1), *jpath = kt_journal_path(dir, 1);
	struct kvp_pool *p;
	char *journal;
	size_t jlen;

	kt_write_pairs(path, kv, empty ? 0 : 1);
	p = open_store(1);
	ck_assert_int_eq(kvp_pool_set(p, "k0", "v0"), 0);
	ck_assert_int_eq(kvp_pool_set(p, "k1", "v1"), 0);
	if (!empty)
		ck_assert_int_eq(kvp_pool_set(p, "base", "1"), 0);
	journal = tl_read_file(jpath, &jlen);
	kvp_pool_free(p); /* checkpoints, which the copy above predates */
	kt_write_bytes(jpath, journal, jlen);
	kt_write_pairs(path, kv, empty ? 0 : 1);
	free(journal);
	free(path);
	free(jpath);
}

START_TEST(kvp_pool_journal__previous_boot_entries_are_replayed)
{
	struct kvp_pool *p;
	char v[64];

	power_cut_after_sets(false);
	/* Booted after the pool was last written: nobody has used it since. */
	kt_reboot(now_usec(CLOCK_REALTIME) + 60 * USEC_PER_SEC);
	p = open_store(1);
	ck_assert_int_eq(kvp_pool_get(p, "k0", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "v0");
	ck_assert_int_eq(kvp_pool_get(p, "k1", v, sizeof(v)), 0);
	ck_assert_int_eq(kvp_pool_get(p, "base", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "1");
	kvp_pool_free(p);
	kt_assert_pool_sane(dir, 1);

	/* Into a pool that was empty: same. */
	power_cut_after_sets(true);
	kt_reboot(now_usec(CLOCK_REALTIME) + 60 * USEC_PER_SEC);
	p = open_store(1);
	ck_assert_int_eq(kvp_pool_get(p, "k1", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "v1");
	kvp_pool_free(p);
}
END_TEST

START_TEST(kvp_pool_journal__previous_boot_entries_yield_to_cloud_init_truncation)
{
	char *path = kt_pool_path(dir, 1), k[256];
	struct kvp_pool *p;
	size_t n;

	/*
	 * This boot started a minute ago; cloud-init truncated pool 1 just now.
	 * The pool was empty before our entries, so the file alone cannot tell
	 * a truncation from lost writes: the modification time does.
	 */
	power_cut_after_sets(true);
	kt_reboot(now_usec(CLOCK_REALTIME) - 60 * USEC_PER_SEC);
	kt_cloud_init_truncate(path);
	p = open_store(1);
	ck_assert_int_eq(kvp_pool_count(p, &n), 0);
	ck_assert_uint_eq(n, 0);
	kvp_pool_free(p);

	/* Same with its first events already appended, over a pool that had a record. */
	power_cut_after_sets(false);
	kt_reboot(now_usec(CLOCK_REALTIME) - 60 * USEC_PER_SEC);
	kt_cloud_init_truncate(path);
	kt_cloud_init_append(path, 0, 2);
	p = open_store(1);
	ck_assert_int_eq(kvp_pool_count(p, &n), 0);
	ck_assert_uint_eq(n, 2);
	kt_cloud_init_key(1, k, sizeof(k));
	ck_assert_int_eq(kvp_pool_get(p, k, NULL, 0), 0);
	ck_assert_int_eq(kvp_pool_get(p, "k0", NULL, 0), -ENOENT);
	kvp_pool_free(p);
	kt_assert_sane(path);
	free(path);
}
END_TEST

START_TEST(kvp_pool_journal__same_boot_keeps_foreign_changes)
{
	char *path = kt_pool_path(dir, 0);
	struct kvp_pool *a, *b;
	char v[64];
	size_t n;

	a = open_store(0);
	ck_assert_int_eq(kvp_pool_set(a, "host", "set by the host"), 0);
	ck_assert_int_eq(kvp_pool_set(a, "keep", "1"), 0);
	ck_assert(kvp_pool_needs_checkpoint(a));
	/* Another tool rewrites the file before our entries are checkpointed... */
	kt_upstream_set(path, "host", "changed by upstream");
	/* ... then another process (the CLI) opens the pool and recovers. */
	b = open_store(0);
	ck_assert_int_eq(kvp_pool_get(b, "host", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "changed by upstream");
	kvp_pool_free(b);
	ck_assert_int_eq(kvp_pool_get(a, "host", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "changed by upstream");
	kvp_pool_free(a);

	/*
	 * A foreign delete that takes the file back to where our entry found
	 * it cannot be told from a lost write by the file alone; the journal's
	 * applied mark for this boot says the entry was complete.
	 */
	kt_write_bytes(path, "", 0);
	a = open_store(0);
	ck_assert_int_eq(kvp_pool_set(a, "appended", "then deleted by someone"), 0);
	kt_write_bytes(path, "", 0);
	b = open_store(0);
	ck_assert_int_eq(kvp_pool_count(b, &n), 0);
	ck_assert_uint_eq(n, 0);
	kvp_pool_free(b);
	kvp_pool_free(a);
	free(path);
}
END_TEST

/* io that "kills" the process after a number of syscalls: everything after fails. */
struct dying {
	unsigned left;
};

static ssize_t dying_pwrite(int fd, const void *buf, size_t len, off_t off, void *u)
{
	struct dying *d = u;

	if (d->left == 0) {
		errno = EIO;
		return -1;
	}
	d->left--;
	return pwrite(fd, buf, len, off);
}

static int dying_ftruncate(int fd, off_t len, void *u)
{
	struct dying *d = u;

	if (d->left == 0) {
		errno = EIO;
		return -1;
	}
	d->left--;
	return ftruncate(fd, len);
}

static int dying_sync(int fd, void *u)
{
	struct dying *d = u;

	(void)fd;
	if (d->left == 0) {
		errno = EIO;
		return -1;
	}
	d->left--;
	return 0;
}

START_TEST(kvp_pool_journal__interrupted_delete_then_cloud_init_append)
{
	static const char *const kv[] = { "a", "1", "b", "2", "c", "3" };
	char *path = kt_pool_path(dir, 1);
	struct dying d = { .left = UINT32_MAX };
	struct kvp_pool_io io = {
		.pwrite = dying_pwrite,
		.ftruncate = dying_ftruncate,
		.fdatasync = dying_sync,
		.fsync = dying_sync,
		.get_boot = kt_get_boot,
		.userdata = &d,
	};
	struct kvp_pool_options o = { .durable = true, .io = &io };
	struct kvp_pool *p;
	struct kt_pool kp;
	char k[256];

	kt_write_pairs(path, kv, 3);
	ck_assert_int_eq(kvp_pool_open(dir, 1, &o, &p), 0);
	/* Entry, its sync, the move of "c" into slot 0; dead before the truncation. */
	d.left = 3;
	ck_assert_int_eq(kvp_pool_delete(p, "a"), -EIO);
	kvp_pool_free(p);
	kt_read_pool(path, &kp);
	ck_assert_uint_eq(kp.n, 3);
	ck_assert_str_eq(kp.keys[0], "c"); /* "c" twice: the state to repair */
	kt_pool_done(&kp);
	kt_cloud_init_append(path, 0, 1);

	p = open_store(1);
	kvp_pool_free(p);
	kt_read_pool(path, &kp);
	ck_assert_uint_eq(kp.n, 3);
	ck_assert_int_eq(kt_find(&kp, "a"), -1);
	ck_assert_int_ge(kt_find(&kp, "b"), 0);
	ck_assert_int_ge(kt_find(&kp, "c"), 0);
	kt_cloud_init_key(0, k, sizeof(k));
	ck_assert_int_ge(kt_find(&kp, k), 0);
	kt_pool_done(&kp);
	kt_assert_sane(path);
	free(path);
}
END_TEST

START_TEST(kvp_pool_journal__torn_entry_is_ignored)
{
	static const char *const kv[] = { "a", "1" };
	char *path = kt_pool_path(dir, 1), *jpath = kt_journal_path(dir, 1);
	struct dying d = { .left = UINT32_MAX };
	struct kvp_pool_io io = {
		.pwrite = dying_pwrite,
		.fdatasync = dying_sync,
		.fsync = dying_sync,
		.get_boot = kt_get_boot,
		.userdata = &d,
	};
	struct kvp_pool_options o = { .durable = true, .io = &io };
	struct kvp_pool *p;
	uint8_t blk[KVP_JOURNAL_BLOCK];
	int fd;

	kt_write_pairs(path, kv, 1);
	ck_assert_int_eq(kvp_pool_open(dir, 1, &o, &p), 0);
	ck_assert_int_eq(kvp_pool_set(p, "b", "2"), 0);
	d.left = 0;
	ck_assert_int_eq(kvp_pool_set(p, "c", "3"), -EIO);
	kvp_pool_free(p);
	/* Half of a well-formed entry for "c" lands in the next block, as if torn. */
	{
		struct kvp_jentry e = { .op = KVP_JOP_SET, .flags = KVP_JENTRY_HAS_RECORD,
					.slot = 2, .n_old = 2, .n_new = 3 };
		struct stat st;

		ck_assert_int_eq(stat(path, &st), 0);
		e.pool_ino = st.st_ino;
		char value[2001];

		memset(value, '3', sizeof(value) - 1);
		value[2000] = '\0';
		e.seq = 2;
		kt_record(e.record, "c", value); /* reaches past the torn half */
		kvp_jentry_encode(&e, blk);
		fd = open(jpath, O_WRONLY);
		ck_assert_int_eq(loop_pwrite(fd, blk, 1024, (off_t)(1 + 2) * KVP_JOURNAL_BLOCK), 0);
		close(fd);
	}
	kt_reboot(now_usec(CLOCK_REALTIME) + 60 * USEC_PER_SEC);
	p = open_store(1);
	ck_assert_int_eq(kvp_pool_get(p, "b", NULL, 0), 0);
	ck_assert_int_eq(kvp_pool_get(p, "c", NULL, 0), -ENOENT);
	ck_assert_int_eq(kvp_pool_set(p, "d", "4"), 0);
	kvp_pool_free(p);
	kt_assert_sane(path);
	free(path);
	free(jpath);
}
END_TEST

START_TEST(kvp_pool_journal__broken_journal_is_rebuilt)
{
	char *jpath = kt_journal_path(dir, 0);
	struct kvp_pool *p;
	char v[16];

	p = open_store(0);
	ck_assert_int_eq(kvp_pool_set(p, "a", "1"), 0);
	kvp_pool_free(p);
	tl_write_file(jpath, "garbage");
	p = open_store(0);
	ck_assert_int_eq(kvp_pool_get(p, "a", v, sizeof(v)), 0);
	ck_assert_int_eq(kvp_pool_set(p, "b", "2"), 0);
	kvp_pool_free(p);
	/* Entries belong to one pool file: a journal never replays onto another. */
	p = open_store(0);
	ck_assert_int_eq(kvp_pool_get(p, "b", v, sizeof(v)), 0);
	kvp_pool_free(p);
	free(jpath);
}
END_TEST

/* Power cut: the pool file lost its unsynced writes, the journal kept what was synced. */
static void power_cut(const char *path, const char *pool, size_t pool_len, const char *jpath,
		      const char *journal, size_t jlen)
{
	kt_write_bytes(path, pool, pool_len);
	kt_write_bytes(jpath, journal, jlen);
	kt_reboot(now_usec(CLOCK_REALTIME) + 60 * USEC_PER_SEC);
}

START_TEST(kvp_pool_journal__survives_pool_file_replaced_at_its_path)
{
	static const char *const kv[] = { "replaced", "yes" };
	char *path = kt_pool_path(dir, 0), *jpath = kt_journal_path(dir, 0), *tmp;
	char *pool_before, *journal;
	size_t pool_len, jlen;
	struct kvp_pool *a, *b;
	char v[16];

	a = open_store(0);
	ck_assert_int_eq(kvp_pool_set(a, "old", "file"), 0); /* not checkpointed */
	ck_assert_int_ge(asprintf(&tmp, "%s.new", path), 0);
	kt_write_pairs(tmp, kv, 1);
	ck_assert_int_eq(rename(tmp, path), 0);
	pool_before = tl_read_file(path, &pool_len);
	/* Another process writes to the new file while the first still has entries. */
	b = open_store(0);
	ck_assert_int_eq(kvp_pool_set(b, "new", "entry"), 0);
	journal = tl_read_file(jpath, &jlen);
	kvp_pool_free(b);
	ck_assert_int_eq(kvp_pool_get(a, "new", v, sizeof(v)), 0);
	kvp_pool_free(a);

	power_cut(path, pool_before, pool_len, jpath, journal, jlen);
	a = open_store(0);
	ck_assert_int_eq(kvp_pool_get(a, "new", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "entry");
	ck_assert_int_eq(kvp_pool_get(a, "replaced", v, sizeof(v)), 0);
	ck_assert_int_eq(kvp_pool_get(a, "old", NULL, 0), -ENOENT);
	kvp_pool_free(a);
	kt_assert_sane(path);
	free(pool_before);
	free(journal);
	free(tmp);
	free(path);
	free(jpath);
}
END_TEST

START_TEST(kvp_pool_journal__survives_journal_removed)
{
	char *path = kt_pool_path(dir, 0), *jpath = kt_journal_path(dir, 0);
	char *pool_before, *journal;
	size_t pool_len, jlen;
	struct kvp_pool *p;

	p = open_store(0);
	ck_assert_int_eq(kvp_pool_set(p, "a", "1"), 0);
	ck_assert_int_eq(kvp_pool_checkpoint(p), 0);
	pool_before = tl_read_file(path, &pool_len);
	ck_assert_int_eq(unlink(jpath), 0);
	ck_assert_int_eq(kvp_pool_set(p, "b", "2"), 0);
	journal = tl_read_file(jpath, &jlen);
	ck_assert_ptr_nonnull(journal);
	kvp_pool_free(p);

	power_cut(path, pool_before, pool_len, jpath, journal, jlen);
	p = open_store(0);
	ck_assert_int_eq(kvp_pool_get(p, "a", NULL, 0), 0);
	ck_assert_int_eq(kvp_pool_get(p, "b", NULL, 0), 0);
	kvp_pool_free(p);
	free(pool_before);
	free(journal);
	free(path);
	free(jpath);
}
END_TEST

static Suite *kvp_pool_journal_suite(void)
{
	Suite *s = suite_create("kvp_pool_journal");
	struct {
		const char *name;
		const TTest *test;
	} cases[] = {
		{ "kvp_pool_journal__crc32c_known_vector", kvp_pool_journal__crc32c_known_vector },
		{ "kvp_pool_journal__entry_roundtrip_and_torn_rejected",
		  kvp_pool_journal__entry_roundtrip_and_torn_rejected },
		{ "kvp_pool_journal__replay_finishes_torn_overwrite",
		  kvp_pool_journal__replay_finishes_torn_overwrite },
		{ "kvp_pool_journal__replay_completes_interrupted_delete",
		  kvp_pool_journal__replay_completes_interrupted_delete },
		{ "kvp_pool_journal__replay_keeps_foreign_append_after_delete",
		  kvp_pool_journal__replay_keeps_foreign_append_after_delete },
		{ "kvp_pool_journal__replay_refuses_foreign_truncation",
		  kvp_pool_journal__replay_refuses_foreign_truncation },
		{ "kvp_pool_journal__replay_refuses_foreign_rewrite",
		  kvp_pool_journal__replay_refuses_foreign_rewrite },
		{ "kvp_pool_journal__replay_is_idempotent",
		  kvp_pool_journal__replay_is_idempotent },
		{ "kvp_pool_journal__replay_rejects_broken_runs",
		  kvp_pool_journal__replay_rejects_broken_runs },
		{ "kvp_pool_journal__previous_boot_entries_are_replayed",
		  kvp_pool_journal__previous_boot_entries_are_replayed },
		{ "kvp_pool_journal__previous_boot_entries_yield_to_cloud_init_truncation",
		  kvp_pool_journal__previous_boot_entries_yield_to_cloud_init_truncation },
		{ "kvp_pool_journal__same_boot_keeps_foreign_changes",
		  kvp_pool_journal__same_boot_keeps_foreign_changes },
		{ "kvp_pool_journal__interrupted_delete_then_cloud_init_append",
		  kvp_pool_journal__interrupted_delete_then_cloud_init_append },
		{ "kvp_pool_journal__torn_entry_is_ignored",
		  kvp_pool_journal__torn_entry_is_ignored },
		{ "kvp_pool_journal__broken_journal_is_rebuilt",
		  kvp_pool_journal__broken_journal_is_rebuilt },
		{ "kvp_pool_journal__survives_pool_file_replaced_at_its_path",
		  kvp_pool_journal__survives_pool_file_replaced_at_its_path },
		{ "kvp_pool_journal__survives_journal_removed",
		  kvp_pool_journal__survives_journal_removed },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	return tl_run_suite(kvp_pool_journal_suite());
}
