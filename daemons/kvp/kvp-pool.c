// SPDX-License-Identifier: MIT
/*
 * KVP pool store. The pool files are a de facto ABI: cloud-init,
 * WALinuxAgent and others read and write /var/lib/hyperv/.kvp_pool_<n>
 * directly, so the file stays a bare array of 2560-byte records and every
 * durability mechanism lives beside it.
 *
 * Locks. Every operation takes flock(LOCK_EX) (what cloud-init takes) and
 * then an exclusive whole-file OFD lock (F_OFD_SETLKW; it conflicts with
 * the classic fcntl locks of the upstream daemon but, unlike them, is not
 * dropped when some other fd of the file is closed), always in that order,
 * and drops both before returning. Read-only openers use a shared OFD lock
 * (their fd is not writable), which still excludes every writer. After
 * locking we lstat() the path: if it is no longer our inode (replaced or
 * removed by someone), we reopen and lock again. Last comes an OFD lock on
 * our journal (below), which only matters when the pool file was replaced
 * at its path: two processes then hold locks on two different inodes, and
 * the journal, shared by path, must still have one writer at a time.
 *
 * In-memory index (kvp-pool-index.c). Records in file order, ENUMERATE
 * index i is the i-th record, and a hash from key to its first occurrence:
 * GET/SET/DELETE act on the first occurrence of a duplicated key, as the
 * upstream daemon's linear search does; the others stay visible to
 * ENUMERATE and surface when the first is deleted. Records without a NUL
 * in their key or value field are kept byte for byte (and moved intact by
 * a delete) but no key reaches an unterminated key; an unterminated value
 * reads as its first 2047 bytes.
 *
 * Change detection. Under the lock we compare (st_dev, st_ino, st_size,
 * st_mtim, st_ctim) with the snapshot taken when we last released the
 * lock, and reload the file when they differ. That alone misses a foreign
 * in-place rewrite (same size) within the same timestamp tick as our last
 * look, so we also keep an inotify watch on the pool inode (IN_MODIFY,
 * IN_ATTRIB, IN_DELETE_SELF, IN_MOVE_SELF), drained under the lock: events
 * seen when we take the lock mean a change; after our own writes we drain
 * again, so our own events are discarded, and take the new snapshot. When
 * inotify is unavailable (instance limit), a snapshot whose mtime or ctime
 * is less than KVP_RACY_USEC old is "racy" (as git's index): the next
 * operation reloads regardless.
 *
 * Crash safety with one fsync per change. Writing a record in place is
 * not atomic (records straddle pages, kill -9 stops a write between pages,
 * a power cut tears it at any sector), appending can leave a partial
 * record, and a delete is two steps (move the last record into the hole,
 * truncate), like upstream's. So each change is first written as one
 * checksummed 4 KiB entry into a preallocated side journal,
 * .journal.kvp_pool_<n> (format in kvp-pool-journal.c), and fdatasync'ed:
 * that is the one sync a SET costs and the point after which it is
 * acknowledged. The change is then applied to the pool file in place
 * without a sync, and the journal header's applied_seq notes that it was
 * (not synced either: the header records the boot id with it, and only
 * counts within that boot, where the page cache is what every reader
 * sees). A checkpoint (fdatasync the pool file, then mark every entry
 * clean in the header) runs when the journal is full (64 entries), in
 * kvp_pool_checkpoint() (the daemon's idle timer) and when a pool is
 * freed. Each entry holds the after-image of the slot it writes plus
 * per-sector checksums of that slot and of the file's last record before
 * the change, and the record counts before and after.
 *
 * Recovery runs at open and whenever a process, under the lock, finds
 * entries it did not know about (the pool file changed, so it rereads the
 * journal header and the run of entries after clean_seq):
 *  - same boot: only entries after applied_seq are replayed, i.e. a
 *    change whose writer died in the middle of applying it; everything
 *    before was complete in the page cache, and whatever foreign writers
 *    did since stays as it is.
 *  - previous boot (power cut, crash): if the pool file was modified
 *    during this boot, someone (cloud-init truncating pool 1 at boot) has
 *    used it since and the entries are dropped; otherwise they all are
 *    replayed.
 * Replay (kvp_journal_replay) is conditional: the file must look like a
 * mix of the states the entries describe (each sector of every slot they
 * touched matches one of the recorded images, the length is within the
 * counts they went through); anything else is a foreign change made after
 * them, and the file is left alone. Records appended past our range
 * (cloud-init appending after our delete) are kept and moved down. Replay
 * is idempotent, so a crash during recovery just means doing it again.
 * Torn journal entries fail their checksum and end the run. Entries carry
 * the pool's inode number, so a journal never replays onto a replaced
 * file (leading entries for a former inode are passed over). A writer
 * that finds the journal removed or replaced at its path reopens it, so
 * entries always go where recovery looks. Read-only openers never write:
 * they replay into the image they load.
 *
 * All file writes go through struct kvp_pool_io so tests can stop the
 * store between any two syscalls and simulate every outcome of a power
 * cut. New files are 0644 (the directory 0755); an existing pool keeps its
 * mode. One thread per struct kvp_pool; processes share everything above
 * through the files and locks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "kvp-pool-internal.h"
#include "log.h"
#include "util.h"

/* Fallback without inotify: timestamps this close to now may hide a change. */
#define KVP_RACY_USEC (2 * USEC_PER_SEC)
/* Records read per pread() when loading. */
#define KVP_LOAD_CHUNK 64u

struct kvp_pool {
	char *path;
	char *journal_path;
	unsigned pool;
	bool read_only;
	bool durable;
	const struct kvp_pool_io *io;

	int fd;			/* the pool file; identity dev/ino */
	dev_t dev;
	ino_t ino;
	int inotify_fd;		/* -1: racy-timestamp fallback */
	int watch;

	struct stat cur;	/* lstat() taken under the current lock */
	struct stat snap;	/* as we left the file */
	bool snap_valid;	/* false forces a reload (and journal check) */
	bool snap_racy;
	off_t file_len;		/* bytes the file has as far as the index knows */

	struct kvp_index ix;
	struct kvp_journal journal;

	uint8_t boot_id[16];
	uint64_t boot_usec;
};

/* ---- io indirection ---- */

ssize_t kvp_io_pwrite(const struct kvp_pool_io *io, int fd, const void *buf, size_t len,
		      off_t off)
{
	if (io && io->pwrite)
		return io->pwrite(fd, buf, len, off, io->userdata);
	return pwrite(fd, buf, len, off);
}

int kvp_io_write_full(const struct kvp_pool_io *io, int fd, const void *buf, size_t len,
		      off_t off)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = kvp_io_pwrite(io, fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

int kvp_io_fdatasync(const struct kvp_pool_io *io, int fd)
{
	int r = io && io->fdatasync ? io->fdatasync(fd, io->userdata) : fdatasync(fd);

	return r < 0 ? -errno : 0;
}

int kvp_io_fsync(const struct kvp_pool_io *io, int fd)
{
	int r = io && io->fsync ? io->fsync(fd, io->userdata) : fsync(fd);

	return r < 0 ? -errno : 0;
}

int kvp_io_ftruncate(const struct kvp_pool_io *io, int fd, off_t len)
{
	int r = io && io->ftruncate ? io->ftruncate(fd, len, io->userdata) : ftruncate(fd, len);

	return r < 0 ? -errno : 0;
}

static int io_stat(const struct kvp_pool *p, struct stat *st)
{
	int r = p->io && p->io->stat ? p->io->stat(p->path, st, p->io->userdata)
				     : lstat(p->path, st);

	return r < 0 ? -errno : 0;
}

ssize_t kvp_read_zero_fill(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = loop_pread(fd, buf, len, off);

	if (n < 0)
		return n;
	memset((uint8_t *)buf + n, 0, len - (size_t)n);
	return n;
}

/* ---- boot identity ---- */

static int default_boot(uint8_t ret_id[16], uint64_t *ret_usec)
{
	_cleanup_free_ char *s = NULL;
	uint64_t boot_elapsed, now;
	unsigned n = 0;
	int r;

	r = read_one_line_file("/proc/sys/kernel/random/boot_id", &s);
	if (r < 0)
		return r;
	for (const char *c = s; *c && n < 32; c++) {
		int v;

		if (*c == '-')
			continue;
		v = unhexchar(*c);
		if (v < 0)
			return -EINVAL;
		if (n % 2 == 0)
			ret_id[n / 2] = (uint8_t)(v << 4);
		else
			ret_id[n / 2] |= (uint8_t)v;
		n++;
	}
	if (n != 32)
		return -EINVAL;
	now = now_usec(CLOCK_REALTIME);
	boot_elapsed = now_usec(CLOCK_BOOTTIME);
	*ret_usec = now > boot_elapsed ? now - boot_elapsed : 0;
	return 0;
}

static void get_boot(struct kvp_pool *p)
{
	int r;

	if (p->io && p->io->get_boot)
		r = p->io->get_boot(p->boot_id, &p->boot_usec, p->io->userdata);
	else
		r = default_boot(p->boot_id, &p->boot_usec);
	if (r < 0) {
		/*
		 * Unknown boot: every other process then looks like another
		 * boot, so foreign journal entries go through the previous-boot
		 * rule. Safe, if less precise.
		 */
		log_debug_errno(r, "Cannot read the boot id, using a random one: %m");
		if (getrandom(p->boot_id, sizeof(p->boot_id), 0) != (ssize_t)sizeof(p->boot_id))
			for (unsigned i = 0; i < sizeof(p->boot_id); i++)
				p->boot_id[i] = (uint8_t)(now_usec(CLOCK_MONOTONIC) >> (i % 8));
		p->boot_usec = now_usec(CLOCK_REALTIME) - now_usec(CLOCK_BOOTTIME);
	}
}

static uint64_t timespec_usec(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * USEC_PER_SEC + (uint64_t)ts->tv_nsec / NSEC_PER_USEC;
}

/* ---- locks ---- */

static int lock_fd(int fd, bool shared)
{
	struct flock fl = {
		.l_type = shared ? F_RDLCK : F_WRLCK,
		.l_whence = SEEK_SET,
	};
	int r;

	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return -errno;
	while (fcntl(fd, F_OFD_SETLKW, &fl) < 0) {
		if (errno == EINTR)
			continue;
		r = -errno;
		(void)flock(fd, LOCK_UN);
		return r;
	}
	return 0;
}

static void unlock_fd(int fd)
{
	struct flock fl = {
		.l_type = F_UNLCK,
		.l_whence = SEEK_SET,
	};

	(void)fcntl(fd, F_OFD_SETLK, &fl);
	(void)flock(fd, LOCK_UN);
}

/*
 * The journal's own OFD lock, always taken after the pool file's locks.
 * Normally redundant, but when the pool file is replaced at its path, two
 * processes can hold the locks of two different pool inodes at once; the
 * journal, shared by path, must still see one writer at a time.
 */
static int journal_lock(struct kvp_journal *j)
{
	struct flock fl = {
		.l_type = j->writable ? F_WRLCK : F_RDLCK,
		.l_whence = SEEK_SET,
	};

	if (j->fd < 0 || j->locked)
		return 0;
	while (fcntl(j->fd, F_OFD_SETLKW, &fl) < 0)
		if (errno != EINTR)
			return -errno;
	j->locked = true;
	return 0;
}

static void journal_unlock(struct kvp_journal *j)
{
	struct flock fl = {
		.l_type = F_UNLCK,
		.l_whence = SEEK_SET,
	};

	if (!j->locked)
		return;
	(void)fcntl(j->fd, F_OFD_SETLK, &fl);
	j->locked = false;
}

/* ---- change detection ---- */

static void watch_setup(struct kvp_pool *p)
{
	const uint32_t mask = IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
	char proc[64];

	if (p->inotify_fd < 0)
		return;
	if (p->watch >= 0)
		(void)inotify_rm_watch(p->inotify_fd, p->watch);
	/* Through /proc the watch is on our very inode, whatever the path now names. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", p->fd);
	p->watch = inotify_add_watch(p->inotify_fd, proc, mask);
	if (p->watch < 0)
		p->watch = inotify_add_watch(p->inotify_fd, p->path, mask);
	if (p->watch < 0) {
		log_debug("%s: inotify watch failed (%m), using timestamps only", p->path);
		p->inotify_fd = safe_close(p->inotify_fd);
	}
}

/* Discard pending events; true if there were any (or the queue is unusable). */
static bool watch_drain(struct kvp_pool *p)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool any = false;

	if (p->inotify_fd < 0)
		return false;
	for (;;) {
		ssize_t n = read(p->inotify_fd, buf, sizeof(buf));

		if (n > 0) {
			any = true;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			any = true;
		return any;
	}
}

static bool stat_same(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static bool stat_racy(const struct stat *st)
{
	uint64_t now = now_usec(CLOCK_REALTIME);
	uint64_t t = MAX(timespec_usec(&st->st_mtim), timespec_usec(&st->st_ctim));

	return t + KVP_RACY_USEC > now;
}

/* ---- opening ---- */

static int open_pool_file(struct kvp_pool *p)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	if (p->read_only)
		fd = open(p->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	else {
		fd = open(p->path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
		if (fd < 0 && errno == ENOENT) {
			fd = open(p->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
				  0644);
			if (fd >= 0) {
				/* 0644 whatever the umask; the entry must survive a power cut. */
				if (fchmod(fd, 0644) < 0)
					return -errno;
				r = kvp_io_fsync(p->io, fd);
				if (r >= 0)
					r = fsync_directory_of(p->path);
				if (r < 0)
					return r;
			} else if (errno == EEXIST)
				fd = open(p->path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
		}
	}
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADF;
	p->fd = safe_close(p->fd);
	p->fd = TAKE_FD(fd);
	p->dev = st.st_dev;
	p->ino = st.st_ino;
	p->snap_valid = false;
	watch_setup(p);
	return 0;
}

/* ---- loading ---- */

static int load_image(struct kvp_index *ix, const uint8_t *img, size_t len)
{
	size_t n = len / KVP_RECORD_SIZE;
	int r;

	kvp_index_clear(ix);
	r = kvp_index_reserve(ix, (uint32_t)MIN(n, (size_t)KVP_POOL_LOAD_MAX_RECORDS + 1));
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = kvp_index_append_raw(ix, img + i * KVP_RECORD_SIZE);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Build the index from the file; sets file_len to the bytes found. */
static int load_file(struct kvp_pool *p)
{
	_cleanup_free_ uint8_t *buf = NULL;
	off_t off = 0;
	int r;

	kvp_index_clear(&p->ix);
	if (p->cur.st_size / KVP_RECORD_SIZE > KVP_POOL_LOAD_MAX_RECORDS)
		return -EFBIG;
	r = kvp_index_reserve(&p->ix, (uint32_t)(p->cur.st_size / KVP_RECORD_SIZE));
	if (r < 0)
		return r;
	buf = malloc((size_t)KVP_LOAD_CHUNK * KVP_RECORD_SIZE);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = loop_pread(p->fd, buf, (size_t)KVP_LOAD_CHUNK * KVP_RECORD_SIZE, off);

		if (n < 0)
			return (int)n;
		for (ssize_t i = 0; i + (ssize_t)KVP_RECORD_SIZE <= n; i += KVP_RECORD_SIZE) {
			r = kvp_index_append_raw(&p->ix, buf + i);
			if (r < 0)
				return r;
		}
		off += n;
		if (n < (ssize_t)((size_t)KVP_LOAD_CHUNK * KVP_RECORD_SIZE))
			break;
	}
	/* A partial trailing record (a torn foreign append) is not a record. */
	p->file_len = off;
	return 0;
}

static int read_whole(int fd, off_t size_hint, uint8_t **ret, size_t *ret_len)
{
	size_t cap = (size_t)size_hint + KVP_RECORD_SIZE, len = 0;
	_cleanup_free_ uint8_t *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			uint8_t *nb = realloc(buf, cap * 2);

			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap *= 2;
		}
		n = loop_pread(fd, buf + len, cap - len, (off_t)len);
		if (n < 0)
			return (int)n;
		len += (size_t)n;
		if (n == 0 || len < cap)
			break;
	}
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

/* Write what differs between the file as read and as it must be. */
static int write_image_diff(struct kvp_pool *p, const uint8_t *old, size_t old_len,
			    const uint8_t *new, size_t new_len)
{
	int r;

	for (size_t off = 0; off < new_len; off += KVP_RECORD_SIZE) {
		size_t n = MIN((size_t)KVP_RECORD_SIZE, new_len - off);

		if (off + n <= old_len && memcmp(old + off, new + off, n) == 0)
			continue;
		r = kvp_io_write_full(p->io, p->fd, new + off, n, (off_t)off);
		if (r < 0)
			return r;
	}
	if (new_len != old_len)
		return kvp_io_ftruncate(p->io, p->fd, (off_t)new_len);
	return 0;
}

/* ---- journal state ---- */

static int journal_header(struct kvp_pool *p, uint64_t clean, uint64_t applied)
{
	struct kvp_jheader h = {
		.n_entries = p->journal.n_entries,
		.clean_seq = clean,
		.applied_seq = applied,
	};

	memcpy(h.boot_id, p->boot_id, sizeof(h.boot_id));
	return kvp_journal_write_header(&p->journal, p->io, &h);
}

/*
 * Mark every entry up to last clean. Entries before it may be acknowledged
 * changes that are only in the page cache: the pool file is synced first.
 */
static int journal_retire(struct kvp_pool *p, uint64_t last)
{
	int r = kvp_io_fdatasync(p->io, p->fd);

	if (r < 0)
		return r;
	return journal_header(p, last, last);
}

static int checkpoint_locked(struct kvp_pool *p)
{
	uint64_t last = p->journal.next_seq - 1;

	if (p->read_only || p->journal.fd < 0 || last <= p->journal.clean_seq)
		return 0;
	return journal_retire(p, last);
}

/*
 * Bring our view of the journal up to date, recovering from interrupted
 * changes (see the top of the file). For a read-only opener that needs a
 * replay, *ret_img and *ret_len is the replayed file to load instead of the
 * file itself. *ret_wrote tells whether the pool file was written.
 */
static int journal_sync(struct kvp_pool *p, uint8_t **ret_img, size_t *ret_len, bool *ret_wrote)
{
	_cleanup_free_ struct kvp_jentry *run = NULL;
	_cleanup_free_ uint8_t *img = NULL, *new_img = NULL;
	size_t n_run = 0, len = 0, new_len = 0;
	const struct kvp_jentry *suffix;
	struct kvp_jheader h;
	uint64_t last, start;
	size_t n_suffix;
	bool same_boot;
	int r;

	*ret_img = NULL;
	*ret_wrote = false;
	if (p->journal.fd < 0) {
		r = kvp_journal_open(&p->journal, p->journal_path, !p->read_only, p->io);
		if (r < 0) {
			if (p->read_only)
				return 0; /* nothing to learn from: read the pool as it is */
			return r;
		}
	}
	r = journal_lock(&p->journal);
	if (r < 0)
		return r;
	r = kvp_journal_read_header(&p->journal, &h);
	if (r < 0) {
		if (p->read_only)
			return 0;
		/* Someone broke the header under us: reopening re-initializes it in place. */
		kvp_journal_close(&p->journal);
		r = kvp_journal_open(&p->journal, p->journal_path, true, p->io);
		if (r >= 0)
			r = journal_lock(&p->journal);
		if (r >= 0)
			r = kvp_journal_read_header(&p->journal, &h);
		if (r < 0)
			return r;
	}
	p->journal.n_entries = h.n_entries;
	p->journal.clean_seq = h.clean_seq;
	/*
	 * In this boot, entries up to applied_seq were complete; only what
	 * follows (a change whose writer died applying it) needs looking at.
	 * From a previous boot, everything after the checkpoint does.
	 */
	same_boot = memcmp(h.boot_id, p->boot_id, sizeof(h.boot_id)) == 0;
	start = h.clean_seq;
	if (same_boot && h.applied_seq > h.clean_seq &&
	    h.applied_seq - h.clean_seq < h.n_entries)
		start = h.applied_seq;
	r = kvp_journal_collect(&p->journal, start, (uint64_t)p->ino, &run, &n_run, &last);
	if (r < 0)
		return r;
	p->journal.next_seq = last + 1;
	suffix = run;
	n_suffix = n_run;

	if (n_suffix == 0) {
		if (!p->read_only && !same_boot)
			return journal_header(p, h.clean_seq, h.clean_seq);
		return 0;
	}
	if (!same_boot && timespec_usec(&p->cur.st_mtim) >= p->boot_usec) {
		log_debug("%s: modified since boot by another writer, dropping %zu journal "
			  "entries of a previous boot", p->path, n_suffix);
		return p->read_only ? 0 : journal_retire(p, last);
	}

	r = read_whole(p->fd, p->cur.st_size, &img, &len);
	if (r < 0)
		return r;
	r = kvp_journal_replay(suffix, n_suffix, img, len, &new_img, &new_len);
	if (r == -ESTALE || r == -EINVAL) {
		log_debug("%s: changed by another writer after %zu journal entries, not replaying",
			  p->path, n_suffix);
		return p->read_only ? 0 : journal_retire(p, last);
	}
	if (r < 0)
		return r;
	log_debug("%s: replaying %zu journal entries", p->path, n_suffix);
	if (p->read_only) {
		*ret_img = TAKE_PTR(new_img);
		*ret_len = new_len;
		return 0;
	}
	if (!same_boot) {
		/* Decided for this boot: a crash during the replay replays again. */
		r = journal_header(p, h.clean_seq, h.clean_seq);
		if (r < 0)
			return r;
	}
	*ret_wrote = true;
	r = write_image_diff(p, img, len, new_img, new_len);
	if (r < 0)
		return r;
	return journal_retire(p, last);
}

/* ---- one operation: lock, notice changes, ..., unlock ---- */

/* Under the lock, with p->cur fresh: reload (and recover) if the file changed. */
static int pool_refresh(struct kvp_pool *p, bool changed)
{
	_cleanup_free_ uint8_t *img = NULL;
	bool wrote = false;
	size_t len = 0;
	int r;

	if (p->snap_valid && !p->snap_racy && !changed && stat_same(&p->cur, &p->snap))
		return 0;

	p->snap_valid = false;
	r = journal_sync(p, &img, &len, &wrote);
	if (r < 0)
		return r;
	if (wrote) {
		(void)watch_drain(p);
		r = io_stat(p, &p->cur);
		if (r < 0)
			return r;
	}
	if (img) {
		r = load_image(&p->ix, img, len);
		p->file_len = (off_t)len;
	} else
		r = load_file(p);
	if (r < 0)
		return r;
	p->snap = p->cur;
	/* A lockless writer (cloud-init's truncation) may have raced the read. */
	p->snap_valid = img || p->cur.st_size == p->file_len;
	p->snap_racy = p->inotify_fd < 0 && stat_racy(&p->snap);
	return 0;
}

/* With the pool locked: lock the journal, after making sure it is still the one at its path. */
static int journal_begin(struct kvp_pool *p)
{
	struct stat st;

	if (p->journal.fd < 0)
		return 0; /* opened (and locked) by the refresh */
	if (!p->read_only && (stat(p->journal_path, &st) < 0 || st.st_dev != p->journal.dev ||
			      st.st_ino != p->journal.ino)) {
		/* Removed or replaced: entries must go where recovery will look. */
		kvp_journal_close(&p->journal);
		p->snap_valid = false;
		return 0;
	}
	return journal_lock(&p->journal);
}

static int pool_begin(struct kvp_pool *p)
{
	for (unsigned attempt = 0;; attempt++) {
		bool changed;
		int r;

		r = lock_fd(p->fd, p->read_only);
		if (r < 0)
			return r;
		/* Events queued before this drain are changes made before we locked. */
		changed = watch_drain(p);
		r = io_stat(p, &p->cur);
		if (r == 0 && p->cur.st_dev == p->dev && p->cur.st_ino == p->ino) {
			r = journal_begin(p);
			if (r >= 0)
				r = pool_refresh(p, changed);
			if (r == 0)
				return 0;
			p->snap_valid = false;
			journal_unlock(&p->journal);
			unlock_fd(p->fd);
			return r;
		}
		unlock_fd(p->fd);
		if (r < 0 && r != -ENOENT)
			return r;
		if (r == -ENOENT && p->read_only)
			return -ENOENT; /* removed; a reader does not recreate it */
		/* Replaced or removed by someone: follow the path. */
		if (attempt >= 8)
			return -EBUSY;
		r = open_pool_file(p);
		if (r < 0)
			return r;
	}
}

static void pool_end(struct kvp_pool *p, bool wrote)
{
	if (wrote) {
		struct stat st;

		(void)watch_drain(p);
		if (io_stat(p, &st) == 0 && st.st_ino == p->ino && st.st_dev == p->dev) {
			p->snap = st;
			p->snap_valid = p->snap_valid && st.st_size == p->file_len;
		} else
			p->snap_valid = false;
		p->snap_racy = p->inotify_fd < 0 && stat_racy(&p->snap);
	}
	journal_unlock(&p->journal);
	unlock_fd(p->fd);
}

/*
 * Reads without the locks. While the inotify watch is in place, an empty
 * event queue means nobody has written, truncated, replaced or re-linked
 * the pool file since we last looked under the lock: a completed write
 * queues its event before it returns, and our own events were drained
 * under the lock. So the index is the file, and GET/ENUMERATE need none of
 * the eight syscalls of pool_begin()/pool_end(). A foreign write still in
 * progress has not returned to its writer either; answering from before it
 * is a valid order. FIONREAD only peeks: pool_begin() still sees the
 * events. Without inotify, with a racy or invalid snapshot, or with
 * anything queued, the locked path runs.
 */
static bool pool_quiet(const struct kvp_pool *p)
{
	int pending = 0;

	if (p->inotify_fd < 0 || !p->snap_valid || p->snap_racy)
		return false;
	return ioctl(p->inotify_fd, FIONREAD, &pending) == 0 && pending == 0;
}

static int read_begin(struct kvp_pool *p, bool *ret_locked)
{
	*ret_locked = !pool_quiet(p);
	return *ret_locked ? pool_begin(p) : 0;
}

static void read_end(struct kvp_pool *p, bool locked)
{
	if (locked)
		pool_end(p, false);
}

/* ---- public API ---- */

int kvp_pool_open(const char *dir, unsigned pool, const struct kvp_pool_options *opts,
		  struct kvp_pool **ret)
{
	struct kvp_pool *p;
	int r;

	if (!dir || !ret || pool >= HV_KVP_POOL_COUNT)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->fd = -1;
	p->inotify_fd = -1;
	p->watch = -1;
	p->journal.fd = -1;
	p->pool = pool;
	p->durable = opts ? opts->durable : true;
	p->read_only = opts ? opts->read_only : false;
	p->io = opts ? opts->io : NULL;
	kvp_index_init(&p->ix);
	if (asprintf(&p->path, "%s/.kvp_pool_%u", dir, pool) < 0) {
		p->path = NULL;
		r = -ENOMEM;
		goto fail;
	}
	if (asprintf(&p->journal_path, "%s/.journal.kvp_pool_%u", dir, pool) < 0) {
		p->journal_path = NULL;
		r = -ENOMEM;
		goto fail;
	}
	get_boot(p);
	if (!p->read_only && access(dir, F_OK) < 0) {
		r = mkdir_p(dir, 0755);
		/* 0755 whatever the umask: other tools read the pools as other users. */
		if (r >= 0 && chmod(dir, 0755) < 0)
			r = -errno;
		if (r < 0)
			goto fail;
	}
	p->inotify_fd = p->io && p->io->inotify_init1
				? p->io->inotify_init1(IN_NONBLOCK | IN_CLOEXEC, p->io->userdata)
				: inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (p->inotify_fd < 0)
		log_debug("%s: no inotify (%m), using timestamps only", p->path);
	r = open_pool_file(p);
	if (r < 0)
		goto fail;
	r = pool_begin(p);
	if (r < 0)
		goto fail;
	pool_end(p, false);
	*ret = p;
	return 0;
fail:
	kvp_journal_close(&p->journal); /* nothing to checkpoint */
	kvp_pool_free(p);
	return r;
}

struct kvp_pool *kvp_pool_free(struct kvp_pool *p)
{
	if (!p)
		return NULL;
	if (p->fd >= 0 && kvp_pool_needs_checkpoint(p))
		(void)kvp_pool_checkpoint(p);
	kvp_index_clear(&p->ix);
	kvp_journal_close(&p->journal);
	safe_close(p->inotify_fd);
	safe_close(p->fd);
	free(p->path);
	free(p->journal_path);
	free(p);
	return NULL;
}

const char *kvp_pool_path(const struct kvp_pool *p)
{
	return p->path;
}

static int check_key(const char *key, size_t *ret_len)
{
	size_t n;

	if (!key)
		return -EINVAL;
	n = strnlen(key, KVP_POOL_MAX_KEY + 1);
	if (n > KVP_POOL_MAX_KEY)
		return -E2BIG;
	*ret_len = n;
	return 0;
}

/* Copy a field read from a file, clipped to what a NUL-terminated reader can see. */
static int copy_out(char *dst, size_t size, const char *src, size_t len, size_t max)
{
	len = MIN(len, max);
	if (!dst)
		return 0;
	if (len + 1 > size)
		return -ENOBUFS;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

int kvp_pool_get(struct kvp_pool *p, const char *key, char *ret_value, size_t size)
{
	bool locked;
	size_t klen;
	int32_t i;
	int r;

	r = check_key(key, &klen);
	if (r < 0)
		return r;
	r = read_begin(p, &locked);
	if (r < 0)
		return r;
	i = kvp_index_find(&p->ix, key, klen);
	if (i < 0)
		r = -ENOENT;
	else {
		const struct kvp_rec *rec = &p->ix.recs[i];

		r = copy_out(ret_value, size, kvp_rec_value(rec), rec->vlen, KVP_POOL_MAX_VALUE);
	}
	read_end(p, locked);
	return r;
}

int kvp_pool_enumerate(struct kvp_pool *p, uint32_t index, char *ret_key, size_t key_size,
		       char *ret_value, size_t value_size)
{
	const struct kvp_rec *rec;
	bool locked;
	int r;

	r = read_begin(p, &locked);
	if (r < 0)
		return r;
	if (index >= p->ix.n)
		r = -ENOENT;
	else {
		rec = &p->ix.recs[index];
		/* Check both sizes first: outputs stay untouched on failure. */
		if ((ret_key && MIN(rec->klen, KVP_POOL_MAX_KEY) + 1u > key_size) ||
		    (ret_value && MIN(rec->vlen, KVP_POOL_MAX_VALUE) + 1u > value_size))
			r = -ENOBUFS;
		else {
			(void)copy_out(ret_key, key_size, kvp_rec_key(rec), rec->klen,
				       KVP_POOL_MAX_KEY);
			(void)copy_out(ret_value, value_size, kvp_rec_value(rec), rec->vlen,
				       KVP_POOL_MAX_VALUE);
		}
	}
	read_end(p, locked);
	return r;
}

int kvp_pool_count(struct kvp_pool *p, size_t *ret)
{
	bool locked;
	int r = read_begin(p, &locked);

	if (r < 0)
		return r;
	*ret = p->ix.n;
	read_end(p, locked);
	return 0;
}

int kvp_pool_foreach(struct kvp_pool *p,
		     int (*fn)(const char *key, const char *value, void *userdata),
		     void *userdata)
{
	int r = pool_begin(p);

	if (r < 0)
		return r;
	for (uint32_t i = 0; i < p->ix.n && r >= 0; i++) {
		const struct kvp_rec *rec = &p->ix.recs[i];
		char key[KVP_POOL_MAX_KEY + 1], value[KVP_POOL_MAX_VALUE + 1];
		const char *k = kvp_rec_key(rec), *v = kvp_rec_value(rec);

		/* Only unterminated fields are longer than that and need a copy. */
		if (rec->klen > KVP_POOL_MAX_KEY) {
			(void)copy_out(key, sizeof(key), k, rec->klen, KVP_POOL_MAX_KEY);
			k = key;
		}
		if (rec->vlen > KVP_POOL_MAX_VALUE) {
			(void)copy_out(value, sizeof(value), v, rec->vlen, KVP_POOL_MAX_VALUE);
			v = value;
		}
		r = fn(k, v, userdata);
	}
	pool_end(p, false);
	return r < 0 ? r : 0;
}

/* Slot `slot` as on disk now (past EOF: zeros), and its sector checksums. */
static int read_slot(struct kvp_pool *p, uint32_t slot, uint8_t buf[KVP_RECORD_SIZE],
		     uint32_t crc[KVP_RECORD_SECTORS])
{
	ssize_t n = kvp_read_zero_fill(p->fd, buf, KVP_RECORD_SIZE,
				       (off_t)slot * KVP_RECORD_SIZE);

	if (n < 0)
		return (int)n;
	kvp_record_sector_crcs(buf, crc);
	return 0;
}

/*
 * Journal e, then apply it to the pool file. On return 0 the change is
 * durable (if p->durable) and in the file. before/old_len are the slot
 * and file length as they were, to undo a failed apply.
 */
static int commit(struct kvp_pool *p, struct kvp_jentry *e, const uint8_t *before)
{
	off_t old_len = p->file_len, slot_off = (off_t)e->slot * KVP_RECORD_SIZE;
	int r;

	if (p->journal.next_seq - 1 - p->journal.clean_seq >= p->journal.n_entries) {
		r = checkpoint_locked(p);
		if (r < 0)
			return r;
	}
	e->seq = p->journal.next_seq;
	e->pool_ino = (uint64_t)p->ino;
	r = kvp_journal_write_entry(&p->journal, p->io, e, p->durable);
	if (r < 0)
		return r;
	p->journal.next_seq++;

	/* The entry is durable: from here on, recovery can finish the change. */
	if (e->flags & KVP_JENTRY_HAS_RECORD) {
		r = kvp_io_write_full(p->io, p->fd, e->record, KVP_RECORD_SIZE, slot_off);
		if (r < 0)
			goto undo;
	}
	if (e->n_new < e->n_old) {
		r = kvp_io_ftruncate(p->io, p->fd, (off_t)e->n_new * KVP_RECORD_SIZE);
		if (r < 0)
			goto undo;
		p->file_len = (off_t)e->n_new * KVP_RECORD_SIZE;
	} else
		p->file_len = MAX(p->file_len, slot_off + (off_t)KVP_RECORD_SIZE);
	/* Not synced: it only counts within this boot (see the top of the file). */
	(void)journal_header(p, p->journal.clean_seq, e->seq);
	return 0;

undo:
	/*
	 * Put the slot and the length back, then retire the entry durably so
	 * that nobody replays a change we report as failed. If that fails
	 * too, the entry stays un-applied and the next operation's recovery
	 * completes the change instead: consistent either way.
	 */
	p->snap_valid = false;
	if (slot_off < old_len &&
	    kvp_io_write_full(p->io, p->fd, before, (size_t)MIN((off_t)KVP_RECORD_SIZE,
								 old_len - slot_off),
			      slot_off) < 0)
		return r;
	if (kvp_io_ftruncate(p->io, p->fd, old_len) < 0)
		return r;
	if (kvp_io_fdatasync(p->io, p->fd) < 0)
		return r;
	if (journal_header(p, e->seq, e->seq) < 0)
		return r;
	(void)kvp_io_fdatasync(p->io, p->journal.fd);
	return r;
}

int kvp_pool_set(struct kvp_pool *p, const char *key, const char *value)
{
	_cleanup_free_ struct kvp_jentry *e = NULL;
	uint8_t before[KVP_RECORD_SIZE], last[KVP_RECORD_SIZE];
	struct hv_kvp_record *rec;
	size_t klen, vlen;
	int32_t i;
	uint32_t n;
	int r;

	r = check_key(key, &klen);
	if (r < 0)
		return r;
	if (!value)
		return -EINVAL;
	vlen = strnlen(value, KVP_POOL_MAX_VALUE + 1);
	if (vlen > KVP_POOL_MAX_VALUE)
		return -E2BIG;
	if (p->read_only)
		return -EROFS;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;

	r = pool_begin(p);
	if (r < 0)
		return r;
	n = p->ix.n;
	i = kvp_index_find(&p->ix, key, klen);
	if (i < 0 && n >= KVP_POOL_MAX_RECORDS) {
		r = -ENOSPC;
		goto out;
	}
	e->op = KVP_JOP_SET;
	e->flags = KVP_JENTRY_HAS_RECORD;
	e->slot = i >= 0 ? (uint32_t)i : n;
	e->n_old = n;
	e->n_new = i >= 0 ? n : n + 1;
	rec = (struct hv_kvp_record *)e->record;
	memcpy(rec->key, key, klen);
	memcpy(rec->value, value, vlen);
	r = read_slot(p, e->slot, before, e->before_crc);
	if (r < 0)
		goto out;
	if (n > 0) {
		r = read_slot(p, n - 1, last, e->last_crc);
		if (r < 0)
			goto out;
	}
	r = commit(p, e, before);
	if (r < 0)
		goto out;
	if (i >= 0)
		r = kvp_index_set_value(&p->ix, (uint32_t)i, value, vlen);
	else
		r = kvp_index_append(&p->ix, key, klen, value, vlen);
	if (r < 0) {
		/* The change is made and durable; only our copy is behind. */
		p->snap_valid = false;
		r = 0;
	}
out:
	pool_end(p, true);
	return r;
}

int kvp_pool_delete(struct kvp_pool *p, const char *key)
{
	_cleanup_free_ struct kvp_jentry *e = NULL;
	uint8_t before[KVP_RECORD_SIZE], last[KVP_RECORD_SIZE];
	size_t klen;
	int32_t i;
	uint32_t n;
	int r;

	r = check_key(key, &klen);
	if (r < 0)
		return r;
	if (p->read_only)
		return -EROFS;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;

	r = pool_begin(p);
	if (r < 0)
		return r;
	i = kvp_index_find(&p->ix, key, klen);
	if (i < 0) {
		pool_end(p, false);
		return -ENOENT;
	}
	n = p->ix.n;
	e->op = KVP_JOP_DELETE;
	e->slot = (uint32_t)i;
	e->n_old = n;
	e->n_new = n - 1;
	r = read_slot(p, e->slot, before, e->before_crc);
	if (r < 0)
		goto out;
	r = read_slot(p, n - 1, last, e->last_crc);
	if (r < 0)
		goto out;
	if ((uint32_t)i != n - 1) {
		/* The last record moves into the hole, its unused bytes zeroed. */
		e->flags = KVP_JENTRY_HAS_RECORD;
		kvp_index_image(&p->ix, n - 1, e->record);
	}
	r = commit(p, e, before);
	if (r < 0)
		goto out;
	kvp_index_remove_move_last(&p->ix, (uint32_t)i);
out:
	pool_end(p, true);
	return r;
}

int kvp_pool_checkpoint(struct kvp_pool *p)
{
	int r;

	if (p->read_only)
		return 0;
	r = pool_begin(p);
	if (r < 0)
		return r;
	r = checkpoint_locked(p);
	pool_end(p, false);
	return r;
}

bool kvp_pool_needs_checkpoint(const struct kvp_pool *p)
{
	return !p->read_only && p->journal.fd >= 0 &&
	       p->journal.next_seq - 1 > p->journal.clean_seq;
}
