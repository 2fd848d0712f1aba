/* SPDX-License-Identifier: MIT */
/*
 * Internals of the KVP pool store, shared by kvp-pool.c (files, locks,
 * change detection, operations), kvp-pool-index.c (the in-memory index)
 * and kvp-pool-journal.c (the side journal and its recovery). The unit
 * tests and the fuzz target include it; nothing else should.
 */
#ifndef HV_KVP_POOL_INTERNAL_H
#define HV_KVP_POOL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "kvp-pool.h"

#define KVP_RECORD_SIZE 2560u	/* sizeof(struct hv_kvp_record) */
#define KVP_SECTOR_SIZE 512u
/* Records start at multiples of 2560 = 5 x 512: every record is whole sectors. */
#define KVP_RECORD_SECTORS (KVP_RECORD_SIZE / KVP_SECTOR_SIZE)

/* A pool never grows past this many records by our hand (-ENOSPC). */
#define KVP_POOL_MAX_RECORDS (1u << 20)
/* Files with more records than this are refused (-EFBIG): 40 GiB. */
#define KVP_POOL_LOAD_MAX_RECORDS (1u << 24)

uint32_t kvp_crc32c(uint32_t crc, const void *buf, size_t len);
/* crc32c of each 512-byte sector of a record image. */
void kvp_record_sector_crcs(const uint8_t rec[KVP_RECORD_SIZE], uint32_t ret[KVP_RECORD_SECTORS]);

/* ---- in-memory index (kvp-pool-index.c) ---- */

#define KVP_REC_KEY_UNTERMINATED 0x1	/* no NUL in the 512-byte key field */
#define KVP_REC_VALUE_UNTERMINATED 0x2	/* no NUL in the 2048-byte value field */

struct kvp_rec {
	char *data;		/* key bytes, NUL, value bytes, NUL: klen + vlen + 2 bytes */
	uint32_t hash;
	int32_t next;		/* next record in the same hash bucket, -1 at the end */
	uint16_t klen;		/* up to 512 (unterminated key) */
	uint16_t vlen;		/* up to 2048 (unterminated value) */
	uint8_t flags;
};

/*
 * Records in file order (index i = the i-th 2560-byte record of the file)
 * plus a chained hash table over the records whose key is addressable
 * (terminated; the empty key included). Duplicate keys all sit in the table; a lookup
 * returns the lowest index.
 */
struct kvp_index {
	struct kvp_rec *recs;
	uint32_t n, cap;
	int32_t *buckets;
	uint32_t n_buckets;	/* power of two, or 0 */
	uint64_t seed[2];
};

void kvp_index_init(struct kvp_index *ix);
void kvp_index_clear(struct kvp_index *ix);
int kvp_index_reserve(struct kvp_index *ix, uint32_t n);
/* Parse one 2560-byte record from a file and append it (any bytes are accepted). */
int kvp_index_append_raw(struct kvp_index *ix, const uint8_t rec[KVP_RECORD_SIZE]);
int kvp_index_append(struct kvp_index *ix, const char *key, size_t klen, const char *value,
		     size_t vlen);
/* Lowest index whose key equals key[0..klen), or -1. */
int32_t kvp_index_find(const struct kvp_index *ix, const char *key, size_t klen);
int kvp_index_set_value(struct kvp_index *ix, uint32_t i, const char *value, size_t vlen);
/* Remove record i the way the file does it: the last record moves into its place. */
void kvp_index_remove_move_last(struct kvp_index *ix, uint32_t i);
/* The canonical 2560-byte image of record i: fields copied, every unused byte zero. */
void kvp_index_image(const struct kvp_index *ix, uint32_t i, uint8_t ret[KVP_RECORD_SIZE]);

static inline const char *kvp_rec_key(const struct kvp_rec *r)
{
	return r->data;
}

static inline const char *kvp_rec_value(const struct kvp_rec *r)
{
	return r->data + r->klen + 1;
}

/* ---- journal (kvp-pool-journal.c) ---- */

#define KVP_JOURNAL_BLOCK 4096u
#define KVP_JOURNAL_ENTRIES 64u		/* entries between two checkpoints */
#define KVP_JOURNAL_MAX_ENTRIES 1024u	/* accepted from an existing file's header */

enum kvp_jop {
	KVP_JOP_SET = 1,	/* write record at slot; n_new = n_old (overwrite) or n_old + 1 */
	KVP_JOP_DELETE = 2,	/* (move the last record to slot,) then drop the last slot */
};

#define KVP_JENTRY_HAS_RECORD 0x1

/* A decoded journal entry: one change to the pool file. */
struct kvp_jentry {
	uint64_t seq;
	uint64_t pool_ino;	/* the pool file the entry belongs to */
	uint32_t op;
	uint32_t slot;		/* record written (SET) or removed (DELETE) */
	uint32_t n_old;		/* whole records in the file before the change */
	uint32_t n_new;		/* and after it */
	uint32_t flags;
	/* Slot `slot` as it was on disk before the change (bytes past EOF read as zero). */
	uint32_t before_crc[KVP_RECORD_SECTORS];
	/* Slot n_old - 1 as it was on disk before the change (if n_old > 0). */
	uint32_t last_crc[KVP_RECORD_SECTORS];
	/* After-image written at `slot` (KVP_JENTRY_HAS_RECORD). */
	uint8_t record[KVP_RECORD_SIZE];
};

struct kvp_jheader {
	uint32_t n_entries;
	uint64_t clean_seq;	/* entries <= clean_seq are in the pool file, synced (or dropped) */
	uint64_t applied_seq;	/* in boot boot_id, entries <= applied_seq were fully applied */
	uint8_t boot_id[16];
};

/* The journal file as one process sees it; touched under the pool's locks and its own. */
struct kvp_journal {
	int fd;			/* -1: none (read-only, and no journal file) */
	dev_t dev;		/* identity of fd */
	ino_t ino;
	bool writable;
	bool locked;
	uint32_t n_entries;	/* K, from the header */
	uint64_t next_seq;	/* seq of the next entry this process writes */
	uint64_t clean_seq;	/* the header's clean_seq as last read or written */
};

/*
 * Open the journal at path. Writable: create and preallocate it if
 * missing, re-initialize it if its header is unreadable (fsyncs, then the
 * directory). Read-only: -ENOENT if missing, -EBADMSG if unusable.
 */
int kvp_journal_open(struct kvp_journal *j, const char *path, bool writable,
		     const struct kvp_pool_io *io);
void kvp_journal_close(struct kvp_journal *j);
int kvp_journal_read_header(struct kvp_journal *j, struct kvp_jheader *ret);
int kvp_journal_write_header(struct kvp_journal *j, const struct kvp_pool_io *io,
			     const struct kvp_jheader *h);
/*
 * The entries after after_seq that form a valid run: consecutive seqs,
 * good checksums, this pool inode, each starting where the previous ended.
 * Leading entries for another inode (a pool file since replaced at its
 * path) are passed over; the run stops at the first entry that does not
 * fit. *ret is malloc'ed (NULL when none); *ret_last is the seq of the
 * last entry passed over or collected (after_seq if none).
 */
int kvp_journal_collect(struct kvp_journal *j, uint64_t after_seq, uint64_t pool_ino,
			struct kvp_jentry **ret, size_t *ret_n, uint64_t *ret_last);
/* Write e (e->seq set by the caller) into its block, fdatasync when sync. */
int kvp_journal_write_entry(struct kvp_journal *j, const struct kvp_pool_io *io,
			    const struct kvp_jentry *e, bool sync);

/* Serialization, exposed for tests and the fuzz target. */
void kvp_jheader_encode(const struct kvp_jheader *h, uint8_t ret[KVP_SECTOR_SIZE]);
int kvp_jheader_decode(const uint8_t buf[KVP_SECTOR_SIZE], struct kvp_jheader *ret);
void kvp_jentry_encode(const struct kvp_jentry *e, uint8_t ret[KVP_JOURNAL_BLOCK]);
int kvp_jentry_decode(const uint8_t buf[KVP_JOURNAL_BLOCK], struct kvp_jentry *ret);
/* Structural checks on one entry and on the link between consecutive entries. */
bool kvp_jentry_valid(const struct kvp_jentry *e);

/*
 * Roll a pool image forward through a run of entries (consecutive, each
 * starting where the previous one ended). img/len is the file as found.
 * On success *ret_img and *ret_len is the file as it must be (malloc'ed);
 * -ESTALE when the file holds changes the run cannot explain (a foreign
 * writer came after the entries), in which case nothing must be written.
 */
int kvp_journal_replay(const struct kvp_jentry *run, size_t n, const uint8_t *img, size_t len,
		       uint8_t **ret_img, size_t *ret_len);

/* ---- the store (kvp-pool.c) ---- */

/* The io indirection, with libc defaults. */
ssize_t kvp_io_pwrite(const struct kvp_pool_io *io, int fd, const void *buf, size_t len,
		      off_t off);
int kvp_io_write_full(const struct kvp_pool_io *io, int fd, const void *buf, size_t len,
		      off_t off);
int kvp_io_fdatasync(const struct kvp_pool_io *io, int fd);
int kvp_io_fsync(const struct kvp_pool_io *io, int fd);
int kvp_io_ftruncate(const struct kvp_pool_io *io, int fd, off_t len);
/* Read len bytes at off; bytes past EOF read as zero. Returns bytes present or -errno. */
ssize_t kvp_read_zero_fill(int fd, void *buf, size_t len, off_t off);

#endif /* HV_KVP_POOL_INTERNAL_H */
