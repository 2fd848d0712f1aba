// SPDX-License-Identifier: MIT
/*
 * Fuzz the pool store's loading of an arbitrary pool file and journal
 * (recovery included), followed by a few operations.
 *
 * Input: flags:u8, pool_len:u16le, journal_len:u16le, pool bytes, journal
 * bytes, then operations until the end.
 *   flags bit 0: open read-only
 *   flags bit 1: the journal bytes describe entries compactly and the
 *                harness encodes them (checksums, seqs and the pool's inode
 *                right, so replay itself gets exercised); else raw bytes
 *   flags bit 2: the journal header claims this boot
 *   flags bit 3: this boot started at time 0 (so "modified since boot")
 * Compact journal: n_entries:u8 clean:u8 applied:u8 count:u8, then per
 * entry op:u8 slot:u8 n_old:u8 n_new:u8 flags:u8 crcs:u8 klen:u8 vlen:u8
 * key value; crcs bit 0/1: before/last checksums taken from the pool
 * bytes (else zero).
 * Operation: op:u8 klen:u8 vlen:u8 key value (op % 6: get, set, delete,
 * enumerate(klen), count, checkpoint).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvp-pool-internal.h"

static char *dir, *pool_path, *journal_path;
static const uint8_t boot_id[16] = { 1, 2, 3 };
static uint64_t boot_usec;

static int no_sync(int fd, void *u)
{
	(void)fd;
	(void)u;
	return 0;
}

static int no_inotify(int flags, void *u)
{
	(void)flags;
	(void)u;
	errno = ENOSYS;
	return -1;
}

static int get_boot(uint8_t ret_id[16], uint64_t *ret_usec, void *u)
{
	(void)u;
	memcpy(ret_id, boot_id, 16);
	*ret_usec = boot_usec;
	return 0;
}

static const struct kvp_pool_io io = {
	.fdatasync = no_sync,
	.fsync = no_sync,
	.inotify_init1 = no_inotify,
	.get_boot = get_boot,
};

static void init(void)
{
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	if (dir)
		return;
	if (asprintf(&dir, "%s/fuzz-kvp-pool-XXXXXX", base) < 0 || !mkdtemp(dir))
		abort();
	if (asprintf(&pool_path, "%s/.kvp_pool_1", dir) < 0 ||
	    asprintf(&journal_path, "%s/.journal.kvp_pool_1", dir) < 0)
		abort();
}

/* Replace a file's content in place (the inode stays). */
static void put_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		abort();
	if (len && pwrite(fd, buf, len, 0) != (ssize_t)len)
		abort();
	if (ftruncate(fd, (off_t)len) < 0)
		abort();
	close(fd);
}

struct reader {
	const uint8_t *p;
	size_t left;
};

static bool take(struct reader *r, void *out, size_t n)
{
	if (r->left < n)
		return false;
	if (out)
		memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return true;
}

static void slot_crcs(const uint8_t *pool, size_t len, uint32_t slot, uint32_t crc[5])
{
	uint8_t rec[KVP_RECORD_SIZE] = { 0 };
	size_t off = (size_t)slot * KVP_RECORD_SIZE;

	if (off < len)
		memcpy(rec, pool + off, len - off < KVP_RECORD_SIZE ? len - off : KVP_RECORD_SIZE);
	kvp_record_sector_crcs(rec, crc);
}

/* Encode the compact journal description into a real journal file. */
static void build_journal(struct reader *r, const uint8_t *pool, size_t pool_len, bool this_boot)
{
	uint8_t hdr[4], sec[KVP_SECTOR_SIZE];
	struct kvp_jheader h = { 0 };
	struct kvp_jentry *e = calloc(1, sizeof(*e));
	uint8_t *file, count;
	size_t file_len;
	struct stat st;

	if (!e)
		abort();
	if (!take(r, hdr, sizeof(hdr)) || stat(pool_path, &st) < 0) {
		free(e);
		put_file(journal_path, "", 0);
		return;
	}
	h.n_entries = 1 + hdr[0] % 8;
	h.clean_seq = hdr[1];
	h.applied_seq = hdr[2];
	if (this_boot)
		memcpy(h.boot_id, boot_id, 16);
	count = hdr[3] % (h.n_entries + 1);
	file_len = (1 + (size_t)h.n_entries) * KVP_JOURNAL_BLOCK;
	file = calloc(1, file_len);
	if (!file)
		abort();
	kvp_jheader_encode(&h, sec);
	memcpy(file, sec, sizeof(sec));
	for (uint8_t i = 0; i < count; i++) {
		uint8_t d[8];
		char key[256] = { 0 }, value[256] = { 0 };

		if (!take(r, d, sizeof(d)) || !take(r, key, d[6]) || !take(r, value, d[7]))
			break;
		*e = (struct kvp_jentry){
			.seq = h.clean_seq + 1 + i,
			.pool_ino = st.st_ino,
			.op = 1 + d[0] % 2,
			.slot = d[1],
			.n_old = d[2],
			.n_new = d[3],
			.flags = d[4] & 1,
		};
		if (d[5] & 1)
			slot_crcs(pool, pool_len, e->slot, e->before_crc);
		if ((d[5] & 2) && e->n_old > 0)
			slot_crcs(pool, pool_len, e->n_old - 1, e->last_crc);
		memcpy(e->record, key, strnlen(key, sizeof(key)));
		memcpy(e->record + HV_KVP_MAX_KEY_SIZE, value, strnlen(value, sizeof(value)));
		kvp_jentry_encode(e, file + (1 + e->seq % h.n_entries) * KVP_JOURNAL_BLOCK);
	}
	put_file(journal_path, file, file_len);
	free(file);
	free(e);
}

static void run_ops(struct kvp_pool *p, struct reader *r)
{
	char k[KVP_POOL_MAX_KEY + 1], v[KVP_POOL_MAX_VALUE + 1];

	for (unsigned n = 0; n < 16; n++) {
		uint8_t d[3];
		char key[256] = { 0 }, value[256] = { 0 };
		size_t count;
		int ret;

		if (!take(r, d, sizeof(d)) || !take(r, key, d[1]) || !take(r, value, d[2]))
			return;
		switch (d[0] % 6) {
		case 0:
			(void)kvp_pool_get(p, key, v, sizeof(v));
			break;
		case 1:
			ret = kvp_pool_set(p, key, value);
			/* What was set reads back (keys are terminated in the buffer). */
			if (ret == 0 &&
			    (kvp_pool_get(p, key, v, sizeof(v)) != 0 || strcmp(v, value) != 0))
				abort();
			break;
		case 2:
			(void)kvp_pool_delete(p, key);
			break;
		case 3:
			(void)kvp_pool_enumerate(p, d[1], k, sizeof(k), v, sizeof(v));
			break;
		case 4:
			(void)kvp_pool_count(p, &count);
			break;
		default:
			(void)kvp_pool_checkpoint(p);
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	struct kvp_pool_options o = { .durable = true, .io = &io };
	struct kvp_pool *p;
	uint8_t flags, len[4];
	uint16_t pool_len, journal_len;
	const uint8_t *pool;
	struct reader jr;

	init();
	if (!take(&r, &flags, 1) || !take(&r, len, sizeof(len)))
		return 0;
	pool_len = (uint16_t)(len[0] | len[1] << 8);
	journal_len = (uint16_t)(len[2] | len[3] << 8);
	pool = r.p;
	if (!take(&r, NULL, pool_len))
		return 0;
	jr = (struct reader){ r.p, journal_len };
	if (!take(&r, NULL, journal_len))
		return 0;

	put_file(pool_path, pool, pool_len);
	if (flags & 2)
		build_journal(&jr, pool, pool_len, flags & 4);
	else
		put_file(journal_path, jr.p, journal_len);
	boot_usec = flags & 8 ? 0 : UINT64_MAX;
	o.read_only = flags & 1;

	if (kvp_pool_open(dir, 1, &o, &p) < 0)
		return 0;
	run_ops(p, &r);
	kvp_pool_free(p);
	return 0;
}
