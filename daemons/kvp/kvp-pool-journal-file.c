// SPDX-License-Identifier: MIT
/*
 * The side journal as a file: creation and preallocation, header and entry
 * I/O, collecting the run of entries after the last checkpoint. Callers
 * hold the pool file's locks; the format is described in
 * kvp-pool-journal.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "kvp-pool-internal.h"
#include "log.h"
#include "util.h"

static off_t entry_offset(const struct kvp_journal *j, uint64_t seq)
{
	return (off_t)(1 + seq % j->n_entries) * KVP_JOURNAL_BLOCK;
}

static int write_zeros(const struct kvp_pool_io *io, int fd, off_t from, off_t to)
{
	static const uint8_t zeros[64 * 1024];

	while (from < to) {
		size_t n = (size_t)MIN((off_t)sizeof(zeros), to - from);
		int r = kvp_io_write_full(io, fd, zeros, n, from);

		if (r < 0)
			return r;
		from += (off_t)n;
	}
	return 0;
}

/* Through the io hooks, so that crash tests see the directory sync too. */
static int fsync_dir_of(const struct kvp_pool_io *io, const char *path)
{
	_cleanup_close_ int fd = open_parent_directory(path);

	if (fd < 0)
		return fd;
	return kvp_io_fsync(io, fd);
}

/* Zero the whole file, write a fresh header, make both durable. */
static int journal_init(struct kvp_journal *j, int fd, off_t size, const struct kvp_pool_io *io)
{
	struct kvp_jheader h = { .n_entries = KVP_JOURNAL_ENTRIES };
	off_t need = (off_t)(1 + KVP_JOURNAL_ENTRIES) * KVP_JOURNAL_BLOCK;
	uint8_t sec[KVP_SECTOR_SIZE];
	int r;

	/* Real zeros, not fallocate(): later entry writes then never allocate. */
	r = write_zeros(io, fd, 0, need);
	if (r < 0)
		return r;
	if (size > need) {
		r = kvp_io_ftruncate(io, fd, need);
		if (r < 0)
			return r;
	}
	kvp_jheader_encode(&h, sec);
	r = kvp_io_write_full(io, fd, sec, sizeof(sec), 0);
	if (r < 0)
		return r;
	r = kvp_io_fsync(io, fd);
	if (r < 0)
		return r;
	j->n_entries = h.n_entries;
	j->clean_seq = 0;
	j->next_seq = 1;
	return 0;
}

int kvp_journal_open(struct kvp_journal *j, const char *path, bool writable,
		     const struct kvp_pool_io *io)
{
	_cleanup_close_ int fd = -1;
	uint8_t sec[KVP_SECTOR_SIZE];
	struct kvp_jheader h;
	bool created = false;
	struct stat st;
	ssize_t n;
	int r;

	j->fd = -1;
	j->writable = writable;
	fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT && writable) {
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
		created = fd >= 0;
	}
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADF;

	n = kvp_read_zero_fill(fd, sec, sizeof(sec), 0);
	if (n < 0)
		return (int)n;
	r = kvp_jheader_decode(sec, &h);
	if (r < 0) {
		if (!writable)
			return -EBADMSG;
		if (!created && st.st_size > 0)
			log_debug("%s: unreadable journal header, starting a new journal", path);
		r = journal_init(j, fd, st.st_size, io);
		if (r < 0)
			return r;
		if (created) {
			r = fsync_dir_of(io, path);
			if (r < 0)
				return r;
		}
	} else {
		off_t need = (off_t)(1 + h.n_entries) * KVP_JOURNAL_BLOCK;

		/* Short file (copied, truncated): entries past EOF just do not exist. */
		if (writable && st.st_size < need) {
			r = write_zeros(io, fd, st.st_size, need);
			if (r >= 0)
				r = kvp_io_fsync(io, fd);
			if (r < 0)
				return r;
		}
		j->n_entries = h.n_entries;
		j->clean_seq = h.clean_seq;
		j->next_seq = h.clean_seq + 1;
	}
	j->dev = st.st_dev;
	j->ino = st.st_ino;
	j->locked = false;
	j->fd = TAKE_FD(fd);
	return 0;
}

void kvp_journal_close(struct kvp_journal *j)
{
	j->fd = safe_close(j->fd); /* drops its lock too */
	j->locked = false;
}

int kvp_journal_read_header(struct kvp_journal *j, struct kvp_jheader *ret)
{
	uint8_t sec[KVP_SECTOR_SIZE];
	ssize_t n;

	n = kvp_read_zero_fill(j->fd, sec, sizeof(sec), 0);
	if (n < 0)
		return (int)n;
	return kvp_jheader_decode(sec, ret);
}

int kvp_journal_write_header(struct kvp_journal *j, const struct kvp_pool_io *io,
			     const struct kvp_jheader *h)
{
	uint8_t sec[KVP_SECTOR_SIZE];
	int r;

	kvp_jheader_encode(h, sec);
	r = kvp_io_write_full(io, j->fd, sec, sizeof(sec), 0);
	if (r < 0)
		return r;
	j->clean_seq = h->clean_seq;
	return 0;
}

int kvp_journal_collect(struct kvp_journal *j, uint64_t after_seq, uint64_t pool_ino,
			struct kvp_jentry **ret, size_t *ret_n, uint64_t *ret_last)
{
	_cleanup_free_ struct kvp_jentry *run = NULL;
	_cleanup_free_ uint8_t *buf = NULL;
	uint64_t seq = after_seq + 1;
	size_t n = 0;

	*ret = NULL;
	*ret_n = 0;
	*ret_last = after_seq;
	buf = malloc(KVP_JOURNAL_BLOCK);
	if (!buf)
		return -ENOMEM;
	for (; seq - after_seq <= j->n_entries; seq++) {
		struct kvp_jentry e;
		ssize_t got;

		got = kvp_read_zero_fill(j->fd, buf, KVP_JOURNAL_BLOCK, entry_offset(j, seq));
		if (got < 0)
			return (int)got;
		if (kvp_jentry_decode(buf, &e) < 0 || e.seq != seq)
			break;
		if (e.pool_ino != pool_ino) {
			if (n > 0)
				break;
			continue; /* the file these were for is gone */
		}
		if (n > 0 && e.n_old != run[n - 1].n_new)
			break;
		if (!run) {
			run = malloc(sizeof(*run) * j->n_entries);
			if (!run)
				return -ENOMEM;
		}
		run[n++] = e;
	}
	*ret_last = seq - 1;
	*ret = TAKE_PTR(run);
	*ret_n = n;
	return 0;
}

int kvp_journal_write_entry(struct kvp_journal *j, const struct kvp_pool_io *io,
			    const struct kvp_jentry *e, bool sync)
{
	_cleanup_free_ uint8_t *buf = malloc(KVP_JOURNAL_BLOCK);
	int r;

	if (!buf)
		return -ENOMEM;
	kvp_jentry_encode(e, buf);
	r = kvp_io_write_full(io, j->fd, buf, KVP_JOURNAL_BLOCK, entry_offset(j, e->seq));
	if (r < 0)
		return r;
	if (sync)
		return kvp_io_fdatasync(io, j->fd);
	return 0;
}
