// SPDX-License-Identifier: MIT
/*
 * The pool store's side journal: its on-disk format and the pure roll-
 * forward of a pool image through a run of entries. The file-level journal
 * I/O (open, collect, append) is in kvp-pool-journal-file.c; why the
 * journal exists and when it is replayed is explained at the top of
 * kvp-pool.c.
 *
 * File .journal.kvp_pool_<n>, preallocated with real zeros (so an entry
 * write never changes the file size and fdatasync has no metadata to
 * flush), little-endian:
 *
 *   block 0 (4096): header, only its first sector (512 bytes) is used, so
 *     a header write is one sector and cannot tear:
 *       0  magic "HVKVPJH1"     8  crc32c of the sector (this field 0)
 *      12  version (1)         16  n_entries (K)
 *      24  clean_seq           32  applied_seq          40  boot_id[16]
 *   block 1 + (seq % K) (4096): entry seq
 *       0  magic "HVKVPJE1"     8  crc32c of bytes 0..2687 (this field 0)
 *      12  version (1)         16  op (1 SET, 2 DELETE)  20  flags
 *      24  seq                 32  pool inode number
 *      40  slot                44  n_old                48  n_new
 *      56  before_crc[5]       76  last_crc[5]
 *     128  record[2560] (the after-image, when flags has HAS_RECORD)
 *
 * An entry is one 4096-byte aligned write; a torn one fails its checksum
 * and is ignored: it was never acknowledged (the fdatasync that makes it
 * durable comes before anything is acknowledged or applied).
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "kvp-pool-internal.h"
#include "util.h"

#define JH_MAGIC "HVKVPJH1"
#define JE_MAGIC "HVKVPJE1"
#define J_VERSION 1u
#define JE_CRC_LEN (128u + KVP_RECORD_SIZE)
#define JE_RECORD_OFF 128u

/* ---- crc32c (Castagnoli), hardware instruction when the CPU has it ---- */

static uint32_t crc32c_table[8][256];

static void crc32c_init_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc32c_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc32c_table[t][i] = (crc32c_table[t - 1][i] >> 8) ^
					     crc32c_table[0][crc32c_table[t - 1][i] & 0xff];
}

static uint32_t crc32c_sw(uint32_t c, const uint8_t *p, size_t len)
{
	/* Slicing by 8. */
	while (len >= 8) {
		uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				   (uint32_t)p[3] << 24);

		c = crc32c_table[7][lo & 0xff] ^ crc32c_table[6][(lo >> 8) & 0xff] ^
		    crc32c_table[5][(lo >> 16) & 0xff] ^ crc32c_table[4][lo >> 24] ^
		    crc32c_table[3][p[4]] ^ crc32c_table[2][p[5]] ^ crc32c_table[1][p[6]] ^
		    crc32c_table[0][p[7]];
		p += 8;
		len -= 8;
	}
	while (len--)
		c = crc32c_table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
	return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t c, const uint8_t *p,
							      size_t len)
{
	uint64_t c64 = c;

	while (len >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c64 = __builtin_ia32_crc32di(c64, v);
		p += 8;
		len -= 8;
	}
	c = (uint32_t)c64;
	while (len--)
		c = __builtin_ia32_crc32qi(c, *p++);
	return c;
}
#endif

uint32_t kvp_crc32c(uint32_t crc, const void *buf, size_t len)
{
	static int mode; /* 0 unknown, 1 software, 2 hardware */

	if (mode == 0) {
		int m = 1;

#if defined(__x86_64__)
		__builtin_cpu_init();
		if (__builtin_cpu_supports("sse4.2"))
			m = 2;
#endif
		if (m == 1)
			crc32c_init_table();
		mode = m;
	}
#if defined(__x86_64__)
	if (mode == 2)
		return ~crc32c_hw(~crc, buf, len);
#endif
	return ~crc32c_sw(~crc, buf, len);
}

void kvp_record_sector_crcs(const uint8_t rec[KVP_RECORD_SIZE], uint32_t ret[KVP_RECORD_SECTORS])
{
	for (unsigned k = 0; k < KVP_RECORD_SECTORS; k++)
		ret[k] = kvp_crc32c(0, rec + k * KVP_SECTOR_SIZE, KVP_SECTOR_SIZE);
}

/* ---- encoding ---- */

static void put32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

void kvp_jheader_encode(const struct kvp_jheader *h, uint8_t ret[KVP_SECTOR_SIZE])
{
	memset(ret, 0, KVP_SECTOR_SIZE);
	memcpy(ret, JH_MAGIC, 8);
	put32(ret + 12, J_VERSION);
	put32(ret + 16, h->n_entries);
	put64(ret + 24, h->clean_seq);
	put64(ret + 32, h->applied_seq);
	memcpy(ret + 40, h->boot_id, 16);
	put32(ret + 8, kvp_crc32c(0, ret, KVP_SECTOR_SIZE));
}

int kvp_jheader_decode(const uint8_t buf[KVP_SECTOR_SIZE], struct kvp_jheader *ret)
{
	uint8_t tmp[KVP_SECTOR_SIZE];
	struct kvp_jheader h;

	if (memcmp(buf, JH_MAGIC, 8) != 0 || get32(buf + 12) != J_VERSION)
		return -EBADMSG;
	memcpy(tmp, buf, sizeof(tmp));
	memset(tmp + 8, 0, 4);
	if (kvp_crc32c(0, tmp, sizeof(tmp)) != get32(buf + 8))
		return -EBADMSG;
	h.n_entries = get32(buf + 16);
	h.clean_seq = get64(buf + 24);
	h.applied_seq = get64(buf + 32);
	memcpy(h.boot_id, buf + 40, 16);
	if (h.n_entries == 0 || h.n_entries > KVP_JOURNAL_MAX_ENTRIES)
		return -EBADMSG;
	*ret = h;
	return 0;
}

void kvp_jentry_encode(const struct kvp_jentry *e, uint8_t ret[KVP_JOURNAL_BLOCK])
{
	memset(ret, 0, KVP_JOURNAL_BLOCK);
	memcpy(ret, JE_MAGIC, 8);
	put32(ret + 12, J_VERSION);
	put32(ret + 16, e->op);
	put32(ret + 20, e->flags);
	put64(ret + 24, e->seq);
	put64(ret + 32, e->pool_ino);
	put32(ret + 40, e->slot);
	put32(ret + 44, e->n_old);
	put32(ret + 48, e->n_new);
	for (unsigned k = 0; k < KVP_RECORD_SECTORS; k++) {
		put32(ret + 56 + 4 * k, e->before_crc[k]);
		put32(ret + 76 + 4 * k, e->last_crc[k]);
	}
	if (e->flags & KVP_JENTRY_HAS_RECORD)
		memcpy(ret + JE_RECORD_OFF, e->record, KVP_RECORD_SIZE);
	put32(ret + 8, kvp_crc32c(0, ret, JE_CRC_LEN));
}

int kvp_jentry_decode(const uint8_t buf[KVP_JOURNAL_BLOCK], struct kvp_jentry *ret)
{
	uint8_t head[JE_RECORD_OFF];
	uint32_t crc;

	if (memcmp(buf, JE_MAGIC, 8) != 0 || get32(buf + 12) != J_VERSION)
		return -EBADMSG;
	memcpy(head, buf, sizeof(head));
	memset(head + 8, 0, 4);
	crc = kvp_crc32c(0, head, sizeof(head));
	crc = kvp_crc32c(crc, buf + JE_RECORD_OFF, KVP_RECORD_SIZE);
	if (crc != get32(buf + 8))
		return -EBADMSG;
	ret->op = get32(buf + 16);
	ret->flags = get32(buf + 20);
	ret->seq = get64(buf + 24);
	ret->pool_ino = get64(buf + 32);
	ret->slot = get32(buf + 40);
	ret->n_old = get32(buf + 44);
	ret->n_new = get32(buf + 48);
	for (unsigned k = 0; k < KVP_RECORD_SECTORS; k++) {
		ret->before_crc[k] = get32(buf + 56 + 4 * k);
		ret->last_crc[k] = get32(buf + 76 + 4 * k);
	}
	memcpy(ret->record, buf + JE_RECORD_OFF, KVP_RECORD_SIZE);
	return kvp_jentry_valid(ret) ? 0 : -EBADMSG;
}

bool kvp_jentry_valid(const struct kvp_jentry *e)
{
	bool rec = e->flags & KVP_JENTRY_HAS_RECORD;

	if (e->flags & ~(uint32_t)KVP_JENTRY_HAS_RECORD)
		return false;
	if (e->n_old > KVP_POOL_LOAD_MAX_RECORDS || e->n_new > KVP_POOL_LOAD_MAX_RECORDS)
		return false;
	switch (e->op) {
	case KVP_JOP_SET:
		return rec && ((e->n_new == e->n_old && e->slot < e->n_old) ||
			       (e->n_new == e->n_old + 1 && e->slot == e->n_old));
	case KVP_JOP_DELETE:
		return e->n_old >= 1 && e->n_new == e->n_old - 1 && e->slot < e->n_old &&
		       rec == (e->slot != e->n_old - 1);
	default:
		return false;
	}
}

/* ---- roll-forward ---- */

/* One image a slot is known to have held during the run. */
struct slot_image {
	uint32_t slot;
	uint32_t crc[KVP_RECORD_SECTORS];
};

static int cmp_slot_image(const void *a, const void *b)
{
	const struct slot_image *x = a, *y = b;

	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* Last entry (index into run) writing each slot, sorted by slot. */
struct slot_writer {
	uint32_t slot;
	uint32_t entry;
};

static int cmp_slot_writer(const void *a, const void *b)
{
	const struct slot_writer *x = a, *y = b;

	if (x->slot != y->slot)
		return x->slot < y->slot ? -1 : 1;
	return x->entry < y->entry ? -1 : x->entry > y->entry;
}

static const struct slot_writer *find_writer(const struct slot_writer *w, size_t n, uint32_t slot)
{
	const struct slot_writer *found = NULL;
	size_t lo = 0, hi = n;

	/* Leftmost entry for slot, then walk to the last one (highest entry). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w[mid].slot < slot)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && w[lo].slot == slot; lo++)
		found = &w[lo];
	return found;
}

/* crc32c of the sector at off, bytes past len as zero. */
static uint32_t image_sector_crc(const uint8_t *img, size_t len, size_t off)
{
	uint8_t sec[KVP_SECTOR_SIZE];
	size_t have = len - off;

	if (have >= KVP_SECTOR_SIZE)
		return kvp_crc32c(0, img + off, KVP_SECTOR_SIZE);
	memset(sec, 0, sizeof(sec));
	memcpy(sec, img + off, have);
	return kvp_crc32c(0, sec, sizeof(sec));
}

/*
 * The run takes the file from n_0 = run[0].n_old records to n_final =
 * run[n-1].n_new, passing through counts in [lo, hi]. After a crash, a
 * kill -9 or a power cut, the file is some mix of the states along the
 * way: each slot the run wrote or looked at holds, sector by sector, one
 * of the images recorded for it (before, after, last-slot), and the file
 * length is within [lo, hi] records. That is checked first; anything else
 * means a foreign writer changed the file after our entries, and then the
 * file is left alone (-ESTALE): its changes win over our roll-forward.
 *
 * The one foreign change that is expected and kept is records appended
 * past hi (cloud-init appending after our delete): they are moved down to
 * follow our final records, so nothing is duplicated and nothing lost.
 *
 * The result: slots [0, n_final) hold the last image written to them by
 * the run, or their current bytes when the run never wrote them; then the
 * foreign tail. Applying it again gives the same file (idempotent).
 */
int kvp_journal_replay(const struct kvp_jentry *run, size_t n, const uint8_t *img, size_t len,
		       uint8_t **ret_img, size_t *ret_len)
{
	_cleanup_free_ struct slot_image *images = NULL;
	_cleanup_free_ struct slot_writer *writers = NULL;
	size_t n_images = 0, n_writers = 0;
	uint32_t lo, hi, n_final;
	size_t count = len / KVP_RECORD_SIZE;
	size_t foreign_off, foreign_len, new_len;
	uint8_t *out;

	if (n == 0 || n > KVP_JOURNAL_MAX_ENTRIES)
		return -EINVAL;
	lo = hi = run[0].n_old;
	for (size_t i = 0; i < n; i++) {
		if (!kvp_jentry_valid(&run[i]))
			return -EINVAL;
		if (i > 0 && run[i].n_old != run[i - 1].n_new)
			return -EINVAL;
		lo = MIN(lo, run[i].n_new);
		hi = MAX(hi, run[i].n_new);
	}
	n_final = run[n - 1].n_new;

	/* Shorter than the run ever made it: truncated by someone else. */
	if (count < lo)
		return -ESTALE;

	images = calloc(3 * n, sizeof(*images));
	writers = calloc(n, sizeof(*writers));
	if (!images || !writers)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct kvp_jentry *e = &run[i];

		if (e->flags & KVP_JENTRY_HAS_RECORD) {
			images[n_images].slot = e->slot;
			memcpy(images[n_images++].crc, e->before_crc, sizeof(e->before_crc));
			images[n_images].slot = e->slot;
			kvp_record_sector_crcs(e->record, images[n_images++].crc);
			writers[n_writers++] = (struct slot_writer){ e->slot, (uint32_t)i };
		}
		if (e->n_old > 0) {
			images[n_images].slot = e->n_old - 1;
			memcpy(images[n_images++].crc, e->last_crc, sizeof(e->last_crc));
		}
	}
	qsort(images, n_images, sizeof(*images), cmp_slot_image);
	qsort(writers, n_writers, sizeof(*writers), cmp_slot_writer);

	/* Every sector present in a slot the run touched must be one of its images. */
	for (size_t g = 0; g < n_images;) {
		size_t end = g;
		uint32_t slot = images[g].slot;

		while (end < n_images && images[end].slot == slot)
			end++;
		for (unsigned k = 0; k < KVP_RECORD_SECTORS; k++) {
			size_t off = (size_t)slot * KVP_RECORD_SIZE + k * KVP_SECTOR_SIZE;
			uint32_t crc;
			bool ok = false;

			if (off >= len)
				break;
			crc = image_sector_crc(img, len, off);
			for (size_t i = g; i < end && !ok; i++)
				ok = images[i].crc[k] == crc;
			if (!ok)
				return -ESTALE;
		}
		g = end;
	}

	foreign_off = (size_t)hi * KVP_RECORD_SIZE;
	foreign_len = len > foreign_off ? len - foreign_off : 0;
	new_len = (size_t)n_final * KVP_RECORD_SIZE + foreign_len;
	out = malloc(new_len ? new_len : 1);
	if (!out)
		return -ENOMEM;
	for (uint32_t s = 0; s < n_final; s++) {
		const struct slot_writer *w = find_writer(writers, n_writers, s);
		uint8_t *dst = out + (size_t)s * KVP_RECORD_SIZE;

		if (w)
			memcpy(dst, run[w->entry].record, KVP_RECORD_SIZE);
		else if ((size_t)(s + 1) * KVP_RECORD_SIZE <= len)
			memcpy(dst, img + (size_t)s * KVP_RECORD_SIZE, KVP_RECORD_SIZE);
		else {
			/* A slot the run neither wrote nor found: cannot be ours. */
			free(out);
			return -ESTALE;
		}
	}
	if (foreign_len)
		memcpy(out + (size_t)n_final * KVP_RECORD_SIZE, img + foreign_off, foreign_len);
	*ret_img = out;
	*ret_len = new_len;
	return 0;
}
