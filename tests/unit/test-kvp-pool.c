// SPDX-License-Identifier: MIT
/*
 * The pool store's API: file format and modes, validation, duplicates and
 * malformed records, change detection (including the same-tick rewrite),
 * durability cost, failures, and concurrent foreign writers.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "kvp-pool.h"
#include "test-kvp-pool-util.h"
#include "testlib.h"
#include "util.h"

static char *dir;

static void setup(void)
{
	dir = tl_mkdtemp("kvp-pool");
}

static void teardown(void)
{
	tl_rm_rf(dir);
	free(dir);
}

static struct kvp_pool *open_pool_io(unsigned n, const struct kvp_pool_io *io)
{
	struct kvp_pool_options o = { .durable = true, .io = io };
	struct kvp_pool *p = NULL;
	int r = kvp_pool_open(dir, n, &o, &p);

	ck_assert_msg(r == 0, "kvp_pool_open: %s", strerror(-r));
	return p;
}

static struct kvp_pool *open_pool(unsigned n)
{
	return open_pool_io(n, NULL);
}

static void assert_get(struct kvp_pool *p, const char *key, const char *want)
{
	char v[HV_KVP_MAX_VALUE_SIZE];
	int r = kvp_pool_get(p, key, v, sizeof(v));

	ck_assert_msg(r == 0, "get %s: %s", key, strerror(-r));
	ck_assert_str_eq(v, want);
}

static size_t count(struct kvp_pool *p)
{
	size_t n = 0;

	ck_assert_int_eq(kvp_pool_count(p, &n), 0);
	return n;
}

START_TEST(kvp_pool__open_creates_dir_and_file_with_modes)
{
	char *sub, *path;
	struct kvp_pool *p;
	struct kvp_pool_options o = { .durable = true };
	struct stat st;
	mode_t old;

	ck_assert_int_ge(asprintf(&sub, "%s/var/lib/hyperv", dir), 0);
	old = umask(077);
	ck_assert_int_eq(kvp_pool_open(sub, 1, &o, &p), 0);
	umask(old);
	ck_assert_int_eq(stat(sub, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0755);
	path = kt_pool_path(sub, 1);
	ck_assert_str_eq(kvp_pool_path(p), path);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(st.st_size, 0);
	/* An existing file keeps its mode through every kind of change. */
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(kvp_pool_set(p, "a", "1"), 0);
	ck_assert_int_eq(kvp_pool_set(p, "b", "2"), 0);
	ck_assert_int_eq(kvp_pool_delete(p, "a"), 0);
	kvp_pool_free(p);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	free(path);
	free(sub);
}
END_TEST

START_TEST(kvp_pool__open_rejects_bad_arguments)
{
	struct kvp_pool *p = NULL;

	ck_assert_int_eq(kvp_pool_open(dir, HV_KVP_POOL_COUNT, NULL, &p), -EINVAL);
	ck_assert_int_eq(kvp_pool_open(dir, UINT32_MAX, NULL, &p), -EINVAL);
	ck_assert_int_eq(kvp_pool_open(NULL, 0, NULL, &p), -EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_ptr_null(kvp_pool_free(NULL));
}
END_TEST

START_TEST(kvp_pool__set_then_get)
{
	struct kvp_pool *p = open_pool(0);
	char *path = kt_pool_path(dir, 0);
	struct kt_pool kp;

	ck_assert_int_eq(kvp_pool_set(p, "HostName", "host-01.example"), 0);
	assert_get(p, "HostName", "host-01.example");
	ck_assert_int_eq(kvp_pool_set(p, "Empty", ""), 0);
	assert_get(p, "Empty", "");
	ck_assert_uint_eq(count(p), 2);
	kt_read_pool(path, &kp);
	ck_assert_uint_eq(kp.len, 2 * KT_RS);
	ck_assert_str_eq(kp.keys[0], "HostName");
	ck_assert_str_eq(kp.values[0], "host-01.example");
	ck_assert(kp.padding_zero);
	kt_pool_done(&kp);
	kvp_pool_free(p);
	/* And from a fresh process view. */
	p = open_pool(0);
	assert_get(p, "HostName", "host-01.example");
	kvp_pool_free(p);
	free(path);
}
END_TEST

START_TEST(kvp_pool__set_overwrites_existing)
{
	struct kvp_pool *p = open_pool(1);
	char *path = kt_pool_path(dir, 1);
	struct kt_pool kp;

	ck_assert_int_eq(kvp_pool_set(p, "a", "a long first value, longer than the next"), 0);
	ck_assert_int_eq(kvp_pool_set(p, "b", "2"), 0);
	ck_assert_int_eq(kvp_pool_set(p, "a", "short"), 0);
	ck_assert_uint_eq(count(p), 2);
	assert_get(p, "a", "short");
	kt_read_pool(path, &kp);
	ck_assert_uint_eq(kp.n, 2);
	ck_assert_str_eq(kp.keys[0], "a");
	ck_assert_str_eq(kp.values[0], "short");
	/* The tail of the longer old value is gone, not left behind the NUL. */
	ck_assert(kp.padding_zero);
	kt_pool_done(&kp);
	kvp_pool_free(p);
	free(path);
}
END_TEST

START_TEST(kvp_pool__set_validates_sizes)
{
	struct kvp_pool *p = open_pool(1);
	char key[HV_KVP_MAX_KEY_SIZE + 1], value[HV_KVP_MAX_VALUE_SIZE + 1];
	char got[HV_KVP_MAX_VALUE_SIZE];

	memset(key, 'k', sizeof(key));
	memset(value, 'v', sizeof(value));
	key[512] = value[2048] = '\0';
	ck_assert_int_eq(kvp_pool_set(p, NULL, "x"), -EINVAL);
	ck_assert_int_eq(kvp_pool_set(p, "k", NULL), -EINVAL);
	ck_assert_int_eq(kvp_pool_set(p, key, "x"), -E2BIG);
	ck_assert_int_eq(kvp_pool_set(p, "k", value), -E2BIG);
	ck_assert_int_eq(kvp_pool_get(p, key, got, sizeof(got)), -E2BIG);
	ck_assert_int_eq(kvp_pool_delete(p, key), -E2BIG);
	ck_assert_uint_eq(count(p), 0);
	key[511] = value[2047] = '\0';
	ck_assert_int_eq(kvp_pool_set(p, key, value), 0);
	ck_assert_int_eq(kvp_pool_get(p, key, got, sizeof(got)), 0);
	ck_assert_uint_eq(strlen(got), 2047);
	kvp_pool_free(p);
	kt_assert_pool_sane(dir, 1);
}
END_TEST

/*
 * The empty key is a key (the host can send one; upstream's daemon stores
 * it): set, get, overwrite, delete. It addresses the first record whose key
 * field starts with a NUL, as upstream's compare of key_size 1 bytes does,
 * so a foreign all-zero record reads as "" = "".
 */
START_TEST(kvp_pool__empty_key_is_a_key)
{
	char *path = kt_pool_path(dir, 0);
	uint8_t img[2 * KT_RS];
	struct kvp_pool *p = open_pool(1);
	char key[8];

	ck_assert_int_eq(kvp_pool_set(p, "", "nameless"), 0);
	ck_assert_int_eq(kvp_pool_set(p, "named", "n"), 0);
	assert_get(p, "", "nameless");
	ck_assert_int_eq(kvp_pool_set(p, "", "renamed"), 0);
	ck_assert_uint_eq(count(p), 2);
	assert_get(p, "", "renamed");
	ck_assert_int_eq(kvp_pool_enumerate(p, 0, key, sizeof(key), NULL, 0), 0);
	ck_assert_str_eq(key, "");
	ck_assert_int_eq(kvp_pool_delete(p, ""), 0);
	ck_assert_int_eq(kvp_pool_get(p, "", NULL, 0), -ENOENT);
	ck_assert_int_eq(kvp_pool_delete(p, ""), -ENOENT);
	ck_assert_uint_eq(count(p), 1);
	kvp_pool_free(p);
	kt_assert_pool_sane(dir, 1);

	kt_record(img, "k", "v");
	memset(img + KT_RS, 0, KT_RS);
	kt_write_bytes(path, img, sizeof(img));
	p = open_pool(0);
	assert_get(p, "", "");
	ck_assert_int_eq(kvp_pool_set(p, "", "now set"), 0);
	ck_assert_uint_eq(count(p), 2);
	assert_get(p, "", "now set");
	kvp_pool_free(p);
	free(path);
}
END_TEST

START_TEST(kvp_pool__get_reports_missing_and_small_buffer)
{
	struct kvp_pool *p = open_pool(0);
	char small[4] = "xyz";

	ck_assert_int_eq(kvp_pool_get(p, "nope", small, sizeof(small)), -ENOENT);
	ck_assert_int_eq(kvp_pool_set(p, "k", "abcd"), 0);
	ck_assert_int_eq(kvp_pool_get(p, "k", small, sizeof(small)), -ENOBUFS);
	ck_assert_str_eq(small, "xyz");
	ck_assert_int_eq(kvp_pool_enumerate(p, 0, small, sizeof(small), small, 2), -ENOBUFS);
	ck_assert_str_eq(small, "xyz");
	kvp_pool_free(p);
}
END_TEST

START_TEST(kvp_pool__delete_moves_last_into_hole)
{
	static const char *const kv[] = { "a", "1", "b", "2", "c", "3", "d", "4" };
	char *path = kt_pool_path(dir, 0);
	struct kvp_pool *p;
	struct kt_pool kp;

	kt_write_pairs(path, kv, 4);
	p = open_pool(0);
	ck_assert_int_eq(kvp_pool_delete(p, "b"), 0);
	ck_assert_int_eq(kvp_pool_delete(p, "b"), -ENOENT);
	kt_read_pool(path, &kp);
	ck_assert_uint_eq(kp.len, 3 * KT_RS);
	ck_assert_str_eq(kp.keys[0], "a");
	ck_assert_str_eq(kp.keys[1], "d");
	ck_assert_str_eq(kp.values[1], "4");
	ck_assert_str_eq(kp.keys[2], "c");
	kt_pool_done(&kp);
	ck_assert_int_eq(kvp_pool_delete(p, "c"), 0); /* the last one: just shorter */
	ck_assert_int_eq(kvp_pool_delete(p, "a"), 0);
	ck_assert_int_eq(kvp_pool_get(p, "a", NULL, 0), -ENOENT);
	assert_get(p, "d", "4");
	ck_assert_int_eq(kvp_pool_delete(p, "d"), 0);
	ck_assert_uint_eq(count(p), 0);
	kvp_pool_free(p);
	kt_read_pool(path, &kp);
	ck_assert_uint_eq(kp.len, 0);
	kt_pool_done(&kp);
	free(path);
}
END_TEST

START_TEST(kvp_pool__enumerate_in_file_order)
{
	static const char *const kv[] = { "one", "1", "two", "2", "three", "3" };
	char *path = kt_pool_path(dir, 3);
	char k[HV_KVP_MAX_KEY_SIZE], v[HV_KVP_MAX_VALUE_SIZE];
	struct kvp_pool *p;

	kt_write_pairs(path, kv, 3);
	p = open_pool(3);
	for (uint32_t i = 0; i < 3; i++) {
		ck_assert_int_eq(kvp_pool_enumerate(p, i, k, sizeof(k), v, sizeof(v)), 0);
		ck_assert_str_eq(k, kv[2 * i]);
		ck_assert_str_eq(v, kv[2 * i + 1]);
	}
	ck_assert_int_eq(kvp_pool_enumerate(p, 3, k, sizeof(k), v, sizeof(v)), -ENOENT);
	ck_assert_int_eq(kvp_pool_enumerate(p, UINT32_MAX, k, sizeof(k), v, sizeof(v)), -ENOENT);
	kvp_pool_free(p);
	free(path);
}
END_TEST

START_TEST(kvp_pool__reads_file_written_like_cloud_init)
{
	char *path = kt_pool_path(dir, 1);
	char key[600], v[HV_KVP_MAX_VALUE_SIZE], k[HV_KVP_MAX_KEY_SIZE];
	uint8_t rec[KT_RS];
	struct kvp_pool *p;
	int fd;

	kt_cloud_init_append(path, 0, 40);
	/*
	 * Python's struct.pack("512s2048s") truncates without a terminator: a
	 * 512-byte key and a 2048-byte value come out unterminated.
	 */
	memset(key, 'K', 512);
	key[512] = '\0';
	memset(v, 'V', 2047);
	v[2047] = '\0';
	kt_record(rec, key, "x");
	fd = open(path, O_WRONLY | O_APPEND);
	ck_assert_int_eq(loop_write(fd, rec, KT_RS), 0);
	kt_record(rec, "CLOUD_INIT|1700000000|diagnostic|big|0", v);
	rec[KT_RS - 1] = 'V';
	ck_assert_int_eq(loop_write(fd, rec, KT_RS), 0);
	close(fd);

	p = open_pool(1);
	ck_assert_uint_eq(count(p), 42);
	for (unsigned i = 0; i < 40; i++) {
		kt_cloud_init_key(i, k, sizeof(k));
		ck_assert_int_eq(kvp_pool_get(p, k, v, sizeof(v)), 0);
		ck_assert(startswith(v, "{\"name\":\"init-network/config-"));
		ck_assert_uint_lt(strlen(v), 1024);
	}
	/* The unterminated key is kept, listed, clipped, and unreachable by key. */
	ck_assert_int_eq(kvp_pool_enumerate(p, 40, k, sizeof(k), v, sizeof(v)), 0);
	ck_assert_uint_eq(strlen(k), 511);
	ck_assert_int_eq(kvp_pool_get(p, k, v, sizeof(v)), -ENOENT);
	/* The unterminated value reads as its first 2047 bytes. */
	ck_assert_int_eq(kvp_pool_get(p, "CLOUD_INIT|1700000000|diagnostic|big|0", v, sizeof(v)),
			 0);
	ck_assert_uint_eq(strlen(v), 2047);
	/* Our own writes go next to theirs without disturbing them. */
	ck_assert_int_eq(kvp_pool_set(p, "mine", "1"), 0);
	ck_assert_uint_eq(count(p), 43);
	kvp_pool_free(p);
	free(path);
}
END_TEST

START_TEST(kvp_pool__duplicates_act_on_first)
{
	static const char *const kv[] = { "k", "first", "x", "0", "k", "second" };
	char *path = kt_pool_path(dir, 0);
	char k[HV_KVP_MAX_KEY_SIZE], v[HV_KVP_MAX_VALUE_SIZE];
	struct kvp_pool *p;
	struct kt_pool kp;

	kt_write_pairs(path, kv, 3);
	p = open_pool(0);
	assert_get(p, "k", "first");
	ck_assert_int_eq(kvp_pool_set(p, "k", "updated"), 0);
	kt_read_pool(path, &kp);
	ck_assert_str_eq(kp.values[0], "updated");
	ck_assert_str_eq(kp.values[2], "second");
	kt_pool_done(&kp);
	/* Deleting the first occurrence brings the next one to the surface. */
	ck_assert_int_eq(kvp_pool_delete(p, "k"), 0);
	assert_get(p, "k", "second");
	ck_assert_int_eq(kvp_pool_enumerate(p, 0, k, sizeof(k), v, sizeof(v)), 0);
	ck_assert_str_eq(k, "k");
	ck_assert_uint_eq(count(p), 2);
	kvp_pool_free(p);
	free(path);
}
END_TEST

START_TEST(kvp_pool__malformed_records_survive)
{
	char *path = kt_pool_path(dir, 0);
	uint8_t img[3 * KT_RS + 1000], moved[KT_RS];
	char v[HV_KVP_MAX_VALUE_SIZE];
	struct kvp_pool *p;
	size_t len;
	char *after;

	kt_record(img, "n", "normal");
	kt_record(img + KT_RS, "v", "");
	memset(img + KT_RS + 512, 'V', 2048);		/* unterminated value */
	memset(img + 2 * KT_RS, 'K', 512);		/* unterminated key */
	for (unsigned i = 512; i < KT_RS; i++)
		img[2 * KT_RS + i] = (uint8_t)(i % 255 + 1); /* and no NUL in the value */
	memcpy(moved, img + 2 * KT_RS, KT_RS);
	memset(img + 3 * KT_RS, 0x5a, 1000);		/* a torn foreign append */
	kt_write_bytes(path, img, sizeof(img));

	p = open_pool(0);
	ck_assert_uint_eq(count(p), 3);
	ck_assert_int_eq(kvp_pool_get(p, "v", v, sizeof(v)), 0);
	ck_assert_uint_eq(strlen(v), 2047);
	/* Deleting "n" moves the malformed last record into slot 0 byte for byte. */
	ck_assert_int_eq(kvp_pool_delete(p, "n"), 0);
	kvp_pool_free(p);
	after = tl_read_file(path, &len);
	ck_assert_uint_eq(len, 2 * KT_RS);
	ck_assert_mem_eq(after, moved, KT_RS);
	free(after);

	/* An append over a torn tail leaves whole records. */
	kt_write_bytes(path, img, sizeof(img));
	p = open_pool(0);
	ck_assert_int_eq(kvp_pool_set(p, "new", "1"), 0);
	kvp_pool_free(p);
	after = tl_read_file(path, &len);
	ck_assert_uint_eq(len, 4 * KT_RS);
	ck_assert_mem_eq(after, img, 3 * KT_RS);
	ck_assert_str_eq(after + 3 * KT_RS, "new");
	free(after);
	free(path);
}
END_TEST

START_TEST(kvp_pool__reads_upstream_garbage_padding)
{
	char *path = kt_pool_path(dir, 0);
	struct kvp_pool *p;
	struct kt_pool kp;

	kt_write_bytes(path, "", 0);
	kt_upstream_set(path, "PhysicalHostName", "HOST-A-LONG-NAME");
	kt_upstream_set(path, "PhysicalHostName", "HOST-B");
	kt_upstream_set(path, "Other", "o");
	kt_read_pool(path, &kp);
	ck_assert(!kp.padding_zero); /* what upstream leaves behind */
	kt_pool_done(&kp);
	p = open_pool(0);
	assert_get(p, "PhysicalHostName", "HOST-B");
	ck_assert_int_eq(kvp_pool_set(p, "PhysicalHostName", "HOST-C"), 0);
	ck_assert_int_eq(kvp_pool_set(p, "Other", "p"), 0);
	kvp_pool_free(p);
	kt_assert_sane(path); /* our rewrites zero the unused bytes */
	free(path);
}
END_TEST

START_TEST(kvp_pool__sees_foreign_changes)
{
	char *path = kt_pool_path(dir, 1);
	struct kvp_pool *p = open_pool(1);
	char k[256];

	ck_assert_int_eq(kvp_pool_set(p, "mine", "1"), 0);
	kt_cloud_init_append(path, 0, 5);
	ck_assert_uint_eq(count(p), 6);
	kt_cloud_init_key(3, k, sizeof(k));
	ck_assert_int_eq(kvp_pool_get(p, k, NULL, 0), 0);
	kt_upstream_set(path, "mine", "changed by upstream");
	assert_get(p, "mine", "changed by upstream");
	kt_cloud_init_truncate(path);
	ck_assert_uint_eq(count(p), 0);
	ck_assert_int_eq(kvp_pool_get(p, "mine", NULL, 0), -ENOENT);
	ck_assert_int_eq(kvp_pool_set(p, "again", "2"), 0);
	ck_assert_uint_eq(count(p), 1);
	kvp_pool_free(p);
	kt_assert_sane(path);
	free(path);
}
END_TEST

/* A filesystem whose timestamps never move: only size and identity tell. */
static int frozen_stat(const char *path, struct stat *st, void *u)
{
	(void)u;
	if (lstat(path, st) < 0)
		return -1;
	st->st_mtim = st->st_ctim = (struct timespec){ .tv_sec = 1000000 };
	return 0;
}

/* Rewrite record slot's value in place, same size, like a foreign writer. */
static void rewrite_in_place(const char *path, unsigned slot, const char *key, const char *value)
{
	uint8_t rec[KT_RS];
	int fd = open(path, O_WRONLY);

	kt_record(rec, key, value);
	ck_assert_int_eq(loop_pwrite(fd, rec, KT_RS, (off_t)slot * KT_RS), 0);
	close(fd);
}

START_TEST(kvp_pool__sees_same_tick_rewrite_with_inotify)
{
	struct kvp_pool_io io = { .stat = frozen_stat };
	char *path = kt_pool_path(dir, 0);
	struct kvp_pool *p = open_pool_io(0, &io);

	ck_assert_int_eq(kvp_pool_set(p, "a", "1"), 0);
	ck_assert_int_eq(kvp_pool_set(p, "b", "2"), 0);
	assert_get(p, "a", "1");
	/* Same size, same (frozen) timestamps: only the inotify watch can tell. */
	rewrite_in_place(path, 0, "a", "9");
	assert_get(p, "a", "9");
	rewrite_in_place(path, 1, "b", "8");
	assert_get(p, "b", "8");
	/* Our own writes are not mistaken for foreign ones, and do not hide them. */
	ck_assert_int_eq(kvp_pool_set(p, "a", "3"), 0);
	rewrite_in_place(path, 1, "b", "7");
	assert_get(p, "b", "7");
	kvp_pool_free(p);
	free(path);
}
END_TEST

/* Timestamps in whole seconds (ext3-style): a rewrite in the same second is invisible. */
static int coarse_stat(const char *path, struct stat *st, void *u)
{
	(void)u;
	if (lstat(path, st) < 0)
		return -1;
	st->st_mtim.tv_nsec = 0;
	st->st_ctim.tv_nsec = 0;
	return 0;
}

static int no_inotify(int flags, void *u)
{
	(void)flags;
	(void)u;
	errno = EMFILE;
	return -1;
}

START_TEST(kvp_pool__sees_same_tick_rewrite_without_inotify)
{
	struct kvp_pool_io io = { .stat = coarse_stat, .inotify_init1 = no_inotify };
	char *path = kt_pool_path(dir, 0);
	struct kvp_pool *p = open_pool_io(0, &io);

	ck_assert_int_eq(kvp_pool_set(p, "a", "1"), 0);
	assert_get(p, "a", "1");
	rewrite_in_place(path, 0, "a", "9");
	/* Most likely the same second: the racy-snapshot rule must reload anyway. */
	assert_get(p, "a", "9");
	ck_assert_int_eq(kvp_pool_set(p, "a", "2"), 0);
	rewrite_in_place(path, 0, "a", "5");
	assert_get(p, "a", "5");
	kvp_pool_free(p);
	free(path);
}
END_TEST

START_TEST(kvp_pool__follows_replaced_file)
{
	static const char *const kv[] = { "new", "file" };
	char *path = kt_pool_path(dir, 0), *tmp;
	struct kvp_pool *p = open_pool(0);
	struct kt_pool kp;

	ck_assert_int_eq(kvp_pool_set(p, "old", "file"), 0);
	ck_assert_int_ge(asprintf(&tmp, "%s.tmp", path), 0);
	kt_write_pairs(tmp, kv, 1);
	ck_assert_int_eq(rename(tmp, path), 0);
	assert_get(p, "new", "file");
	ck_assert_int_eq(kvp_pool_get(p, "old", NULL, 0), -ENOENT);
	ck_assert_int_eq(kvp_pool_set(p, "more", "x"), 0);
	kt_read_pool(path, &kp);
	ck_assert_uint_eq(kp.n, 2);
	ck_assert_str_eq(kp.keys[1], "more");
	kt_pool_done(&kp);
	/* Removed: a writer creates it again. */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_uint_eq(count(p), 0);
	ck_assert_int_eq(kvp_pool_set(p, "fresh", "y"), 0);
	kvp_pool_free(p);
	p = open_pool(0);
	assert_get(p, "fresh", "y");
	kvp_pool_free(p);
	free(tmp);
	free(path);
}
END_TEST

static unsigned count_files(const char *d)
{
	_cleanup_closedir_ DIR *dd = opendir(d);
	struct dirent *de;
	unsigned n = 0;

	if (!dd)
		return 0;
	while ((de = readdir(dd)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			n++;
	return n;
}

START_TEST(kvp_pool__read_only_never_writes)
{
	struct kvp_pool_options ro = { .read_only = true };
	struct kvp_pool *p = NULL, *w;
	char *path = kt_pool_path(dir, 4), *sub;
	struct stat before, after;

	ck_assert_int_ge(asprintf(&sub, "%s/missing", dir), 0);
	ck_assert_int_eq(kvp_pool_open(sub, 4, &ro, &p), -ENOENT);
	ck_assert_int_eq(kvp_pool_open(dir, 4, &ro, &p), -ENOENT);
	ck_assert_uint_eq(count_files(dir), 0);

	w = open_pool(4);
	ck_assert_int_eq(kvp_pool_set(w, "k", "v"), 0);
	/* The writer still has un-checkpointed entries: readers are fine with that. */
	ck_assert(kvp_pool_needs_checkpoint(w));
	ck_assert_int_eq(stat(path, &before), 0);
	ck_assert_int_eq(kvp_pool_open(dir, 4, &ro, &p), 0);
	assert_get(p, "k", "v");
	ck_assert_int_eq(kvp_pool_set(p, "k", "x"), -EROFS);
	ck_assert_int_eq(kvp_pool_delete(p, "k"), -EROFS);
	ck_assert_int_eq(kvp_pool_checkpoint(p), 0);
	ck_assert(!kvp_pool_needs_checkpoint(p));
	ck_assert_int_eq(kvp_pool_set(w, "k2", "v2"), 0);
	assert_get(p, "k2", "v2");
	kvp_pool_free(p);
	ck_assert_int_eq(stat(path, &after), 0);
	ck_assert_int_eq(after.st_size, 2 * KT_RS);
	kvp_pool_free(w);
	free(sub);
	free(path);
}
END_TEST

static void prefill(unsigned pool, unsigned n)
{
	char *path = kt_pool_path(dir, pool);
	uint8_t *img = calloc(n, KT_RS);

	for (unsigned i = 0; i < n; i++) {
		char k[32], v[32];

		snprintf(k, sizeof(k), "key-%u", i);
		snprintf(v, sizeof(v), "value-%u", i);
		kt_record(img + (size_t)i * KT_RS, k, v);
	}
	kt_write_bytes(path, img, (size_t)n * KT_RS);
	free(img);
	free(path);
}

static void assert_one_sync_per_set(unsigned n_keys)
{
	struct kt_counter c;
	struct kvp_pool_io io;
	struct kvp_pool *p;

	prefill(0, n_keys);
	kt_counter_io(&c, &io);
	p = open_pool_io(0, &io);
	c.fdatasyncs = c.fsyncs = 0;
	for (unsigned i = 0; i < 20; i++) {
		char k[32];

		/* Half overwrite existing keys, half append new ones. */
		snprintf(k, sizeof(k), i % 2 ? "key-%u" : "new-%u", i * 37 % n_keys);
		ck_assert_int_eq(kvp_pool_set(p, k, "v"), 0);
		ck_assert_uint_eq(c.fdatasyncs, i + 1);
	}
	ck_assert_int_eq(kvp_pool_delete(p, "key-1"), 0);
	ck_assert_uint_eq(c.fdatasyncs, 21);
	ck_assert_uint_eq(c.fsyncs, 0);
	/* The checkpoint: one more, for the pool file. */
	ck_assert(kvp_pool_needs_checkpoint(p));
	ck_assert_int_eq(kvp_pool_checkpoint(p), 0);
	ck_assert_uint_eq(c.fdatasyncs, 22);
	ck_assert(!kvp_pool_needs_checkpoint(p));
	ck_assert_int_eq(kvp_pool_checkpoint(p), 0);
	ck_assert_uint_eq(c.fdatasyncs, 22);
	/* A full journal checkpoints by itself: 64 changes cost 65 syncs. */
	c.fdatasyncs = 0;
	for (unsigned i = 0; i < 64; i++)
		ck_assert_int_eq(kvp_pool_set(p, "key-2", i % 2 ? "a" : "b"), 0);
	ck_assert_uint_eq(c.fdatasyncs, 64);
	ck_assert_int_eq(kvp_pool_set(p, "key-2", "c"), 0);
	ck_assert_uint_eq(c.fdatasyncs, 66);
	kvp_pool_free(p);
}

START_TEST(kvp_pool__set_costs_one_fdatasync)
{
	assert_one_sync_per_set(100);
	assert_one_sync_per_set(10000);
}
END_TEST

START_TEST(kvp_pool__failed_write_is_undone)
{
	char *path = kt_pool_path(dir, 1);
	struct kt_counter c;
	struct kvp_pool_io io;
	struct kvp_pool *p;
	struct stat st;

	kt_counter_io(&c, &io);
	p = open_pool_io(1, &io);
	ck_assert_int_eq(kvp_pool_set(p, "a", "1"), 0);
	ck_assert_int_eq(kvp_pool_set(p, "b", "2"), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	c.fail_ino = st.st_ino;
	c.fail_errno = ENOSPC;
	c.fail_count = 1;
	ck_assert_int_eq(kvp_pool_set(p, "a", "changed"), -ENOSPC);
	c.fail_count = 1;
	ck_assert_int_eq(kvp_pool_set(p, "c", "appended"), -ENOSPC);
	c.fail_count = 1;
	ck_assert_int_eq(kvp_pool_delete(p, "a"), -ENOSPC);
	assert_get(p, "a", "1");
	ck_assert_int_eq(kvp_pool_get(p, "c", NULL, 0), -ENOENT);
	ck_assert_uint_eq(count(p), 2);
	ck_assert_int_eq(kvp_pool_set(p, "d", "works again"), 0);
	kvp_pool_free(p);
	p = open_pool(1);
	assert_get(p, "a", "1");
	assert_get(p, "d", "works again");
	ck_assert_int_eq(kvp_pool_get(p, "c", NULL, 0), -ENOENT);
	kvp_pool_free(p);
	kt_assert_sane(path);
	free(path);
}
END_TEST

START_TEST(kvp_pool__two_handles_share_one_file)
{
	struct kvp_pool *a = open_pool(0), *b = open_pool(0);
	char k[HV_KVP_MAX_KEY_SIZE], v[HV_KVP_MAX_VALUE_SIZE];

	ck_assert_int_eq(kvp_pool_set(a, "x", "1"), 0);
	assert_get(b, "x", "1");
	ck_assert_int_eq(kvp_pool_set(b, "y", "2"), 0);
	ck_assert_int_eq(kvp_pool_set(b, "x", "3"), 0);
	assert_get(a, "x", "3");
	ck_assert_int_eq(kvp_pool_delete(a, "x"), 0);
	ck_assert_int_eq(kvp_pool_get(b, "x", NULL, 0), -ENOENT);
	ck_assert_int_eq(kvp_pool_enumerate(b, 0, k, sizeof(k), v, sizeof(v)), 0);
	ck_assert_str_eq(k, "y");
	/* Interleaved changes from both keep one journal sequence. */
	for (unsigned i = 0; i < 100; i++) {
		char key[16];

		snprintf(key, sizeof(key), "k%u", i % 7);
		ck_assert_int_eq(kvp_pool_set(i % 2 ? a : b, key, i % 3 ? "p" : "q"), 0);
		if (i % 5 == 0)
			ck_assert_int_eq(kvp_pool_delete(i % 2 ? b : a, key), 0);
	}
	kvp_pool_free(a);
	kvp_pool_free(b);
	kt_assert_pool_sane(dir, 0);
}
END_TEST

/* ---- concurrent processes ---- */

static pid_t fork_child(void (*fn)(unsigned), unsigned arg)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	return pid;
}

static void wait_ok(pid_t pid)
{
	int r = tl_wait(pid, 60000);

	ck_assert_msg(r == 0, "child %d: %d", (int)pid, r);
}

static unsigned target_pool = 1;

static void store_writer(unsigned id)
{
	struct kvp_pool_options o = { .durable = true };
	struct kvp_pool *p;

	if (kvp_pool_open(dir, target_pool, &o, &p) < 0)
		_exit(2);
	for (unsigned i = 0; i < 60; i++) {
		char k[32], v[32];

		snprintf(k, sizeof(k), "store%u-%u", id, i % 20);
		snprintf(v, sizeof(v), "v%u", i);
		if (kvp_pool_set(p, k, v) < 0)
			_exit(3);
		snprintf(v, sizeof(v), "%u-%u", id, i);
		if (kvp_pool_set(p, "shared", v) < 0)
			_exit(4);
		if (i % 9 == 4) {
			snprintf(k, sizeof(k), "store%u-%u", id, (i + 7) % 20);
			if (kvp_pool_delete(p, k) < 0 && (i + 7) % 20 < i)
				_exit(5);
			snprintf(k, sizeof(k), "store%u-%u", id, (i + 7) % 20);
			if (kvp_pool_set(p, k, "back") < 0)
				_exit(6);
		}
	}
	kvp_pool_free(p);
}

/* What store_writer(id) leaves: every key of its 20 with its last value. */
static void assert_store_writer_result(struct kvp_pool *p, unsigned id)
{
	for (unsigned k = 0; k < 20; k++) {
		char key[32], v[HV_KVP_MAX_VALUE_SIZE], want[32];
		unsigned last = 40 + k;

		snprintf(key, sizeof(key), "store%u-%u", id, k);
		snprintf(want, sizeof(want), "v%u", last);
		/* A late delete-and-set leaves "back" instead. */
		for (unsigned i = last + 1; i < 60; i++)
			if (i % 9 == 4 && (i + 7) % 20 == k)
				snprintf(want, sizeof(want), "back");
		ck_assert_int_eq(kvp_pool_get(p, key, v, sizeof(v)), 0);
		ck_assert_str_eq(v, want);
	}
}

START_TEST(kvp_pool__concurrent_stores)
{
	pid_t pids[3];
	struct kvp_pool *p;
	char v[64];

	target_pool = 1;
	for (unsigned i = 0; i < 3; i++)
		pids[i] = fork_child(store_writer, i);
	for (unsigned i = 0; i < 3; i++)
		wait_ok(pids[i]);
	p = open_pool(1);
	for (unsigned i = 0; i < 3; i++)
		assert_store_writer_result(p, i);
	ck_assert_int_eq(kvp_pool_get(p, "shared", v, sizeof(v)), 0);
	ck_assert(streq(v, "0-59") || streq(v, "1-59") || streq(v, "2-59"));
	ck_assert_uint_eq(count(p), 61);
	kvp_pool_free(p);
	kt_assert_pool_sane(dir, 1);
}
END_TEST

static void cloud_init_writer(unsigned batches)
{
	char *path = kt_pool_path(dir, 1);

	for (unsigned b = 0; b < batches; b++)
		kt_cloud_init_append(path, b * 5, 5);
	free(path);
}

START_TEST(kvp_pool__cloud_init_writer_concurrent)
{
	struct kvp_pool *p = open_pool(1);
	char *path = kt_pool_path(dir, 1);
	struct kt_pool kp;
	pid_t ci, st;

	kvp_pool_free(p);
	target_pool = 1;
	ci = fork_child(cloud_init_writer, 30);
	st = fork_child(store_writer, 7);
	wait_ok(ci);
	wait_ok(st);
	kt_assert_sane(path);
	kt_read_pool(path, &kp);
	ck_assert_uint_eq(kp.n, 150 + 21);
	for (unsigned i = 0; i < 150; i++) {
		char k[256], want[64];
		int at;

		kt_cloud_init_key(i, k, sizeof(k));
		at = kt_find(&kp, k);
		ck_assert_msg(at >= 0, "cloud-init record %u lost", i);
		snprintf(want, sizeof(want), "{\"name\":\"init-network/config-%u\",", i);
		ck_assert(startswith(kp.values[at], want));
	}
	kt_pool_done(&kp);
	p = open_pool(1);
	assert_store_writer_result(p, 7);
	ck_assert_uint_eq(count(p), 171);
	kvp_pool_free(p);
	free(path);
}
END_TEST

static void upstream_writer(unsigned rounds)
{
	char *path = kt_pool_path(dir, 0);

	for (unsigned r = 0; r < rounds; r++) {
		char k[32], v[32];

		snprintf(k, sizeof(k), "UP%u", r % 15);
		snprintf(v, sizeof(v), "round-%u", r);
		kt_upstream_set(path, k, v);
	}
	free(path);
}

START_TEST(kvp_pool__upstream_writer_concurrent)
{
	struct kvp_pool *p;
	pid_t up, st;

	kvp_pool_free(open_pool(0)); /* the file exists from here */
	target_pool = 0;
	up = fork_child(upstream_writer, 60);
	st = fork_child(store_writer, 3);
	/* And this process reads along. */
	p = open_pool(0);
	for (unsigned i = 0; i < 50; i++) {
		char k[HV_KVP_MAX_KEY_SIZE], v[HV_KVP_MAX_VALUE_SIZE];
		size_t n = count(p);

		for (uint32_t j = 0; j < n; j++) {
			int r = kvp_pool_enumerate(p, j, k, sizeof(k), v, sizeof(v));

			ck_assert(r == 0 || r == -ENOENT);
			ck_assert(r < 0 || startswith(k, "UP") || startswith(k, "store3-") ||
				  streq(k, "shared"));
		}
	}
	wait_ok(up);
	wait_ok(st);
	for (unsigned k = 0; k < 15; k++) {
		char key[32], want[32];

		snprintf(key, sizeof(key), "UP%u", k);
		snprintf(want, sizeof(want), "round-%u", 45 + k);
		assert_get(p, key, want);
	}
	assert_store_writer_result(p, 3);
	ck_assert_uint_eq(count(p), 15 + 21);
	kvp_pool_free(p);
}
END_TEST

static Suite *kvp_pool_suite(void)
{
	Suite *s = suite_create("kvp_pool");
	struct {
		const char *name;
		const TTest *test;
	} cases[] = {
		{ "kvp_pool__open_creates_dir_and_file_with_modes",
		  kvp_pool__open_creates_dir_and_file_with_modes },
		{ "kvp_pool__open_rejects_bad_arguments", kvp_pool__open_rejects_bad_arguments },
		{ "kvp_pool__set_then_get", kvp_pool__set_then_get },
		{ "kvp_pool__set_overwrites_existing", kvp_pool__set_overwrites_existing },
		{ "kvp_pool__set_validates_sizes", kvp_pool__set_validates_sizes },
		{ "kvp_pool__empty_key_is_a_key", kvp_pool__empty_key_is_a_key },
		{ "kvp_pool__get_reports_missing_and_small_buffer",
		  kvp_pool__get_reports_missing_and_small_buffer },
		{ "kvp_pool__delete_moves_last_into_hole", kvp_pool__delete_moves_last_into_hole },
		{ "kvp_pool__enumerate_in_file_order", kvp_pool__enumerate_in_file_order },
		{ "kvp_pool__reads_file_written_like_cloud_init",
		  kvp_pool__reads_file_written_like_cloud_init },
		{ "kvp_pool__duplicates_act_on_first", kvp_pool__duplicates_act_on_first },
		{ "kvp_pool__malformed_records_survive", kvp_pool__malformed_records_survive },
		{ "kvp_pool__reads_upstream_garbage_padding",
		  kvp_pool__reads_upstream_garbage_padding },
		{ "kvp_pool__sees_foreign_changes", kvp_pool__sees_foreign_changes },
		{ "kvp_pool__sees_same_tick_rewrite_with_inotify",
		  kvp_pool__sees_same_tick_rewrite_with_inotify },
		{ "kvp_pool__sees_same_tick_rewrite_without_inotify",
		  kvp_pool__sees_same_tick_rewrite_without_inotify },
		{ "kvp_pool__follows_replaced_file", kvp_pool__follows_replaced_file },
		{ "kvp_pool__read_only_never_writes", kvp_pool__read_only_never_writes },
		{ "kvp_pool__set_costs_one_fdatasync", kvp_pool__set_costs_one_fdatasync },
		{ "kvp_pool__failed_write_is_undone", kvp_pool__failed_write_is_undone },
		{ "kvp_pool__two_handles_share_one_file", kvp_pool__two_handles_share_one_file },
		{ "kvp_pool__concurrent_stores", kvp_pool__concurrent_stores },
		{ "kvp_pool__cloud_init_writer_concurrent",
		  kvp_pool__cloud_init_writer_concurrent },
		{ "kvp_pool__upstream_writer_concurrent", kvp_pool__upstream_writer_concurrent },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_set_timeout(tc, 120);
		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	return tl_run_suite(kvp_pool_suite());
}
