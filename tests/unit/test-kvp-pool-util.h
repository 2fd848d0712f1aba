/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the pool store suites: raw pool files, invariant checks, and
 * foreign writers that behave like cloud-init's KVP reporter and like the
 * upstream hv_kvp_daemon.
 */
#ifndef HV_TEST_KVP_POOL_UTIL_H
#define HV_TEST_KVP_POOL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kvp-pool-internal.h"

#define KT_RS KVP_RECORD_SIZE

/* "<dir>/.kvp_pool_<n>", malloc'ed. */
char *kt_pool_path(const char *dir, unsigned pool);
char *kt_journal_path(const char *dir, unsigned pool);

/* A zero-padded record (key/value copied with memcpy of strlen bytes, clipped to the field). */
void kt_record(uint8_t rec[KT_RS], const char *key, const char *value);
/* Replace the file's content with len bytes (in place: the inode stays). */
void kt_write_bytes(const char *path, const void *buf, size_t len);
/* Write n key/value pairs (kv[2i], kv[2i+1]) as a fresh pool file. */
void kt_write_pairs(const char *path, const char *const *kv, size_t n);

struct kt_pool {
	size_t len;		/* file length */
	size_t n;		/* whole records */
	char **keys;		/* NUL-terminated (clipped at the field) */
	char **values;
	bool padding_zero;	/* every byte after the first NUL of each field is 0 */
};
void kt_read_pool(const char *path, struct kt_pool *ret);
void kt_pool_done(struct kt_pool *kp);
/* Index of key in kp, or -1. */
int kt_find(const struct kt_pool *kp, const char *key);
/* Length multiple of 2560, no duplicate keys, unused bytes zero. */
void kt_assert_sane(const char *path);
void kt_assert_pool_sane(const char *dir, unsigned pool);

/*
 * cloud-init's reporter: flock(LOCK_EX) only, open O_APPEND, the records
 * written with several write() calls (Python's buffered writer), keys
 * CLOUD_INIT|<boot epoch>|<event>|<name>|<uuid>, compact JSON values
 * under 1024 bytes. Appends n events numbered from first.
 */
void kt_cloud_init_append(const char *path, unsigned first, unsigned n);
/* cloud-init's boot-time truncation: open(O_TRUNC), no lock at all. */
void kt_cloud_init_truncate(const char *path);
/* The key kt_cloud_init_append uses for event i. */
void kt_cloud_init_key(unsigned i, char *buf, size_t size);

/*
 * The upstream daemon: classic fcntl(F_SETLKW) whole-file write lock only,
 * reads every record, changes one in memory (in place or appended, garbage
 * after the NUL as upstream leaves it), rewrites the whole file through
 * O_TRUNC and several writes.
 */
void kt_upstream_set(const char *path, const char *key, const char *value);

/* io hooks counting fdatasync/fsync calls (and doing them). */
struct kt_counter {
	unsigned fdatasyncs;
	unsigned fsyncs;
	unsigned pwrites;
	unsigned ftruncates;
	int fail_errno;		/* pwrites to fail_ino fail with it, fail_count times */
	unsigned fail_count;
	ino_t fail_ino;
};
void kt_counter_io(struct kt_counter *c, struct kvp_pool_io *io);

/* Boot identity hook: returns kt_boot_now (tests "reboot" by changing it). */
struct kt_boot {
	uint8_t id[16];
	uint64_t usec;
};
extern struct kt_boot kt_boot_now;
int kt_get_boot(uint8_t ret_id[16], uint64_t *ret_usec, void *userdata);
/* A new boot id that started at boot_usec. */
void kt_reboot(uint64_t boot_usec);

#endif /* HV_TEST_KVP_POOL_UTIL_H */
