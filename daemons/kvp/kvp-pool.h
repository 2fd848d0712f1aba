/* SPDX-License-Identifier: MIT */
/*
 * KVP pool store: /var/lib/hyperv/.kvp_pool_<n>, byte-compatible with the
 * upstream daemon and with the tools that read and write these files
 * directly (cloud-init, WALinuxAgent, azure-init): a headerless array of
 * 2560-byte records (struct hv_kvp_record), NUL-terminated UTF-8, zero
 * padded, file length = 2560 x N.
 *
 * - Locks: every access takes flock(LOCK_EX) and an exclusive whole-file
 *   POSIX (OFD) lock, so neither kind of foreign writer can interleave.
 * - In-memory index: GET/ENUMERATE are O(1) and do not re-read the file;
 *   external changes are noticed cheaply and trigger a reload.
 * - Durability: a SET/DELETE that returned 0 survives kill -9 and power
 *   loss; a crash at any point never leaves a truncated or mixed record.
 *   Cost: about one fdatasync per change whatever the pool size.
 */
#ifndef HV_KVP_POOL_H
#define HV_KVP_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <hyperv/kvp.h>

struct kvp_pool;

/* Largest key/value in bytes excluding the NUL. */
#define KVP_POOL_MAX_KEY (HV_KVP_MAX_KEY_SIZE - 1)
#define KVP_POOL_MAX_VALUE (HV_KVP_MAX_VALUE_SIZE - 1)

/*
 * File operations the store performs, so tests can inject crashes and
 * faults between any two syscalls. NULL members mean the libc call; the
 * hooks behave like it (-1 and errno on failure) unless noted.
 */
struct kvp_pool_io {
	ssize_t (*pwrite)(int fd, const void *buf, size_t len, off_t off, void *userdata);
	int (*fdatasync)(int fd, void *userdata);
	int (*ftruncate)(int fd, off_t len, void *userdata);
	int (*fsync)(int fd, void *userdata);
	void *userdata;
	/* Extensions (NULL: the real thing). */
	/* lstat() of the pool file: tests simulate coarse timestamps with it. */
	int (*stat)(const char *path, struct stat *st, void *userdata);
	/* inotify_init1(): tests make it fail to exercise the fallback. */
	int (*inotify_init1)(int flags, void *userdata);
	/* This boot's id and start (CLOCK_REALTIME, usec); 0 or -errno. Tests simulate reboots. */
	int (*get_boot)(uint8_t ret_boot_id[16], uint64_t *ret_boot_usec, void *userdata);
};

/*
 * opts == NULL means { .durable = true }. durable = false skips the
 * fdatasync of the journal entry: still safe against kill -9, not against
 * power loss (tests, bulk loads).
 */
struct kvp_pool_options {
	bool durable;			/* fdatasync before a change returns (default true) */
	const struct kvp_pool_io *io;	/* NULL: libc */
	bool read_only;			/* CLI list/get: never create or write */
};

/*
 * Open (creating dir 0755 / file 0644 if needed) and recover from any
 * interrupted write. pool must be < HV_KVP_POOL_COUNT (-EINVAL). A
 * read-only open of a missing pool file fails with -ENOENT.
 */
int kvp_pool_open(const char *dir, unsigned pool, const struct kvp_pool_options *opts,
		  struct kvp_pool **ret);
struct kvp_pool *kvp_pool_free(struct kvp_pool *p);

/*
 * Values are copied into ret_value (size bytes, NUL-terminated; NULL just
 * tests presence); -ENOENT when absent, -ENOBUFS when size is too small.
 * A value stored without its NUL reads as its first 2047 bytes.
 */
int kvp_pool_get(struct kvp_pool *p, const char *key, char *ret_value, size_t size);
/*
 * Insert or overwrite; durable when it returns 0. -E2BIG for oversized
 * key/value, -EINVAL for a NULL key or value, -EROFS on a read-only pool,
 * -ENOSPC past 2^20 records.
 *
 * Keys are 0-511 bytes: the empty key is a key like any other (the host
 * can send one, and upstream's daemon stores it), so it addresses the
 * first record whose key field starts with a NUL, as upstream's compare
 * of key_size 1 bytes does.
 */
int kvp_pool_set(struct kvp_pool *p, const char *key, const char *value);
/* -ENOENT when absent. */
int kvp_pool_delete(struct kvp_pool *p, const char *key);
/*
 * The index-th record in file order; -ENOENT past the end, -ENOBUFS if a
 * buffer is too small (outputs untouched). Keys stored without their NUL
 * read as their first 511 bytes.
 */
int kvp_pool_enumerate(struct kvp_pool *p, uint32_t index, char *ret_key, size_t key_size,
		       char *ret_value, size_t value_size);
/* Number of records (after noticing external changes). */
int kvp_pool_count(struct kvp_pool *p, size_t *ret);
/*
 * Call fn for every record in file order, all under one lock: a consistent
 * snapshot even while others write. Keys and values are clipped like
 * kvp_pool_enumerate()'s. fn must not call into p; a negative return stops
 * the walk and is returned.
 */
int kvp_pool_foreach(struct kvp_pool *p,
		     int (*fn)(const char *key, const char *value, void *userdata),
		     void *userdata);

/* Path of the pool file, e.g. for messages. */
const char *kvp_pool_path(const struct kvp_pool *p);

/*
 * Changes are made durable by a side journal (.journal.kvp_pool_<n>) and
 * applied to the pool file without a sync; a checkpoint syncs the pool
 * file and empties the journal. It happens by itself when the journal
 * fills and in kvp_pool_free(); a daemon calls this when idle (e.g. 1 s
 * after the last change) so the journal stays short. Cheap when nothing is
 * pending.
 */
int kvp_pool_checkpoint(struct kvp_pool *p);
/* True when changes made through p await a checkpoint. */
bool kvp_pool_needs_checkpoint(const struct kvp_pool *p);

#endif /* HV_KVP_POOL_H */
