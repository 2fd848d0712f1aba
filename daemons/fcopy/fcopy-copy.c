// SPDX-License-Identifier: MIT
/*
 * Copy engine: temporary file, preallocation, paced writeback, fsync,
 * link/rename into place, cleanup.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hyperv/fcopy.h>

#include "cleanup.h"
#include "fcopy-copy.h"
#include "log.h"
#include "util.h"

#define JOURNAL_NAME	"fcopy-pending"
#define TMP_PREFIX	".hv_fcopy."
#define TMP_SUFFIX	".tmp"
#define JOURNAL_MAX	(64 * 1024)

struct fcopy_copy {
	struct fcopy_copy_config cfg;	/* allowed_roots and state_dir not owned */
	char **roots;			/* canonical allowed roots */
	char *journal;			/* journal path, NULL without a state dir */

	/* The copy in progress: fd >= 0. */
	int fd;
	int dir_fd;
	char *dir_path;			/* canonical destination directory */
	char *name;			/* final name in dir_fd */
	char *tmp_name;			/* named temporary file in dir_fd, or NULL */
	char *target;			/* dir_path/name, for logs */
	bool overwrite;
	bool keep_owner;		/* give the new file the replaced file's owner and mode */
	uid_t uid;
	gid_t gid;
	mode_t mode;
	bool writeback;			/* sync_file_range() works here */
	uint64_t file_size;
	uint64_t written;		/* sum of write sizes */
	uint64_t end;			/* highest byte written + 1 */
	uint64_t wb_started;		/* writeback started for [wb_waited, wb_started) */
	uint64_t wb_waited;		/* [0, wb_waited) is on disk */
	uint64_t start_usec;
};

static char *mfree(char *p)
{
	free(p);
	return NULL;
}

int fcopy_name_check(const char *name, bool backslash_separator)
{
	size_t len = strlen(name);

	if (len == 0 || len > NAME_MAX || streq(name, ".") || streq(name, ".."))
		return -EINVAL;
	if (strchr(name, '/') || (backslash_separator && strchr(name, '\\')))
		return -EINVAL;
	/*
	 * No controls, C0, DEL or C1 (U+0080-U+009F): Windows hosts cannot
	 * create such names, they would break the journal's lines, and a
	 * terminal listing the directory would act on them.
	 */
	if (!text_is_printable(name))
		return -EINVAL;
	return 0;
}

int fcopy_path_split(const char *dir, bool backslash_separator, bool allow_dotdot, char ***ret)
{
	_cleanup_strv_free_ char **comps = NULL;
	_cleanup_free_ char *copy = NULL;
	size_t n = 0;
	char *save = NULL;

	if (strlen(dir) >= PATH_MAX)
		return -ENAMETOOLONG;
	copy = strdup(dir);
	comps = calloc(1, sizeof(char *));
	if (!copy || !comps)
		return -ENOMEM;
	if (backslash_separator)
		for (char *p = copy; *p; p++)
			if (*p == '\\')
				*p = '/';
	if (copy[0] != '/')
		return -EINVAL;

	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int r;

		if (streq(c, "."))
			continue;
		if (streq(c, "..")) {
			if (!allow_dotdot)
				return -EACCES;
			if (n > 0) {
				free(comps[--n]);
				comps[n] = NULL;
			}
			continue;
		}
		r = fcopy_name_check(c, backslash_separator);
		if (r < 0)
			return r;
		r = strv_extend(&comps, c);
		if (r < 0)
			return r;
		n++;
	}
	*ret = TAKE_PTR(comps);
	return 0;
}

/* "/" + components joined by "/". */
static char *path_join(char *const *comps, size_t n)
{
	size_t len = 2;
	char *s, *p;

	for (size_t i = 0; i < n; i++)
		len += strlen(comps[i]) + 1;
	s = p = malloc(len);
	if (!s)
		return NULL;
	*p = '\0';
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "/%s", comps[i]);
	if (n == 0)
		strcpy(s, "/");
	return s;
}

static char *path_append(const char *dir, const char *name)
{
	char *s;

	if (asprintf(&s, "%s%s%s", dir, streq(dir, "/") ? "" : "/", name) < 0)
		return NULL;
	return s;
}

int fcopy_copy_new(const struct fcopy_copy_config *config, struct fcopy_copy **ret)
{
	struct fcopy_copy *c;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cfg = *config;
	c->fd = -1;
	c->dir_fd = -1;

	/*
	 * Each root as configured (normalised) and as resolved: the host may
	 * name either spelling of a root that is reached through a symlink.
	 */
	STRV_FOREACH(root, config->allowed_roots) {
		_cleanup_strv_free_ char **comps = NULL;
		_cleanup_free_ char *lexical = NULL, *canonical = NULL;

		r = fcopy_path_split(*root, false, true, &comps);
		if (r < 0) {
			log_warning_errno(r, "Ignoring allowed directory %s: %m", *root);
			continue;
		}
		lexical = path_join(comps, strv_length(comps));
		if (!lexical) {
			r = -ENOMEM;
			goto fail;
		}
		canonical = realpath(lexical, NULL);
		if (!canonical)
			log_warning_errno(errno, "Allowed directory %s: %m", lexical);
		else if (!strv_contains(c->roots, canonical) && !streq(canonical, lexical)) {
			r = strv_push(&c->roots, canonical);
			if (r < 0)
				goto fail;
			canonical = NULL;
		}
		if (!strv_contains(c->roots, lexical)) {
			r = strv_push(&c->roots, lexical);
			if (r < 0)
				goto fail;
			lexical = NULL;
		}
	}

	if (config->state_dir) {
		r = mkdir_p(config->state_dir, 0755);
		if (r < 0)
			log_warning_errno(r, "Cannot create %s (%m)", config->state_dir);
		c->journal = path_append(config->state_dir, JOURNAL_NAME);
		if (!c->journal) {
			r = -ENOMEM;
			goto fail;
		}
	}
	*ret = c;
	return 0;
fail:
	fcopy_copy_free(c);
	return r;
}

struct fcopy_copy *fcopy_copy_free(struct fcopy_copy *c)
{
	if (!c)
		return NULL;
	fcopy_copy_cancel(c);
	strv_free(c->roots);
	free(c->journal);
	free(c->target);
	free(c);
	return NULL;
}

bool fcopy_copy_active(const struct fcopy_copy *c)
{
	return c->fd >= 0;
}

void fcopy_copy_get_stats(const struct fcopy_copy *c, struct fcopy_copy_stats *ret)
{
	ret->target = c->target;
	ret->file_size = c->file_size;
	ret->written = c->written;
	ret->start_usec = c->start_usec;
}

/* Journal: named temporary files that exist while a copy runs. */
static void journal_add(struct fcopy_copy *c, const char *tmp_name)
{
	_cleanup_free_ char *path = NULL, *line = NULL;
	int r;

	if (!c->journal)
		return;
	path = path_append(c->dir_path, tmp_name);
	if (!path || asprintf(&line, "%s\n", path) < 0) {
		log_warning("Out of memory recording %s", tmp_name);
		return;
	}
	r = write_file_atomic(c->journal, line, strlen(line), 0600);
	if (r < 0)
		log_warning_errno(r, "Cannot record %s in %s (%m); it stays behind if the daemon dies",
				  log_text(path), c->journal);
}

static void journal_clear(struct fcopy_copy *c)
{
	if (c->journal && unlink(c->journal) < 0 && errno != ENOENT)
		log_debug_errno(errno, "Cannot remove %s: %m", c->journal);
}

static bool is_tmp_name(const char *name)
{
	size_t len = strlen(name);

	return startswith(name, TMP_PREFIX) && len > strlen(TMP_PREFIX TMP_SUFFIX) &&
	       streq(name + len - strlen(TMP_SUFFIX), TMP_SUFFIX);
}

int fcopy_copy_clean_leftovers(struct fcopy_copy *c)
{
	_cleanup_free_ char *text = NULL;
	char *save = NULL;
	int r;

	if (!c->journal)
		return 0;
	r = read_full_file(c->journal, JOURNAL_MAX, &text, NULL);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return log_warning_errno(r, "Cannot read %s: %m", c->journal);

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *base = strrchr(line, '/');
		struct stat st;

		/* Only ever remove what this daemon names its temporary files. */
		if (line[0] != '/' || !base || !is_tmp_name(base + 1)) {
			log_warning("Ignoring unexpected entry in %s: %s", c->journal,
				    log_text(line));
			continue;
		}
		if (lstat(line, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (unlink(line) < 0)
			log_warning_errno(errno, "Cannot remove %s: %m", log_text(line));
		else
			log_info("Removed %s, left by an interrupted copy", log_text(line));
	}
	journal_clear(c);
	return 0;
}

static void reset(struct fcopy_copy *c)
{
	c->fd = safe_close(c->fd);
	c->dir_fd = safe_close(c->dir_fd);
	c->dir_path = mfree(c->dir_path);
	c->name = mfree(c->name);
	c->tmp_name = mfree(c->tmp_name);
}

void fcopy_copy_cancel(struct fcopy_copy *c)
{
	if (!fcopy_copy_active(c))
		return;
	if (c->tmp_name && unlinkat(c->dir_fd, c->tmp_name, 0) < 0 && errno != ENOENT)
		log_warning_errno(errno, "Cannot remove %s/%s: %m", log_text(c->dir_path),
				  c->tmp_name);
	if (c->tmp_name)
		journal_clear(c);
	reset(c);
}

/* Open the destination directory, walking comps[skip..n) below root_path. */
static int open_destination(struct fcopy_copy *c, const char *root_path, char *const *comps,
			    size_t skip, size_t n, bool create, int *ret_fd)
{
	_cleanup_close_ int fd = -1;

	/* The root is trusted configuration: symlinks in it are followed. */
	fd = open(root_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (size_t i = skip; i < n; i++) {
		const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
		bool created = false;
		struct stat st;
		int next;

		next = openat(fd, comps[i], flags);
		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, comps[i], c->cfg.dir_mode) == 0)
				created = true;
			else if (errno != EEXIST)
				return -errno;
			next = openat(fd, comps[i], flags);
		}
		if (next < 0) {
			int r = -errno;

			/* O_DIRECTORY reports a symlink as ENOTDIR: say what it is. */
			if (r == -ENOTDIR && fstatat(fd, comps[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				r = -ELOOP;
			return r;
		}
		if (created) {
			/* The configured mode, not the umask's; durable like the file will be. */
			(void)fchmod(next, c->cfg.dir_mode);
			(void)fsync(fd);
		}
		safe_close(fd);
		fd = next;
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* Longest allowed root containing comps; its component count, or -EACCES. */
static int match_root(struct fcopy_copy *c, char *const *comps, size_t n, const char **ret_root)
{
	int best = -EACCES;

	STRV_FOREACH(root, c->roots) {
		_cleanup_strv_free_ char **rc = NULL;
		size_t m;
		bool match = true;

		if (fcopy_path_split(*root, false, true, &rc) < 0)
			continue;
		m = strv_length(rc);
		if (m > n)
			continue;
		for (size_t i = 0; i < m && match; i++)
			match = streq(rc[i], comps[i]);
		if (match && (int)m > best) {
			best = (int)m;
			*ret_root = *root;
		}
	}
	return best;
}

static int random_tmp_name(char **ret)
{
	uint8_t rnd[8];

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return -errno;
	if (asprintf(ret, TMP_PREFIX "%02x%02x%02x%02x%02x%02x%02x%02x" TMP_SUFFIX, rnd[0], rnd[1],
		     rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]) < 0)
		return -ENOMEM;
	return 0;
}

/* A named temporary file in the destination, journaled before it exists. */
static int create_named_tmp(struct fcopy_copy *c, mode_t mode)
{
	for (int attempt = 0; attempt < 16; attempt++) {
		_cleanup_free_ char *name = NULL;
		int fd, r;

		r = random_tmp_name(&name);
		if (r < 0)
			return r;
		journal_add(c, name);
		fd = openat(c->dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0) {
			r = -errno;
			journal_clear(c);
			return r;
		}
		c->tmp_name = TAKE_PTR(name);
		return fd;
	}
	journal_clear(c);
	return -EEXIST;
}

static int create_tmp(struct fcopy_copy *c)
{
	mode_t mode = c->keep_owner ? c->mode : c->cfg.file_mode;
	int fd;

	if (c->cfg.named_tmp) {
		fd = -1;
		errno = EOPNOTSUPP;
	} else {
		fd = openat(c->dir_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
	}
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		log_debug("No O_TMPFILE in %s, using a named temporary file",
			  log_text(c->dir_path));
		fd = create_named_tmp(c, mode);
		if (fd < 0)
			return fd;
	} else if (fd < 0) {
		return -errno;
	}
	c->fd = fd;

	if (c->keep_owner && fchown(fd, c->uid, c->gid) < 0)
		log_debug_errno(errno, "Cannot give %s its owner back: %m", log_text(c->target));
	/* Exactly the mode asked for, whatever the umask. */
	if (fchmod(fd, mode) < 0)
		return -errno;
	return 0;
}

static int preallocate(struct fcopy_copy *c)
{
	if (!c->cfg.preallocate || c->file_size == 0)
		return 0;
	/* KEEP_SIZE: the file's size grows with the data actually written. */
	if (fallocate(c->fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)c->file_size) < 0) {
		if (errno == EOPNOTSUPP || errno == ENOSYS)
			return 0;
		return -errno;
	}
	return 0;
}

int fcopy_copy_start(struct fcopy_copy *c, const char *dir, const char *name, uint32_t flags,
		     uint64_t file_size)
{
	_cleanup_strv_free_ char **comps = NULL;
	bool have_roots = c->roots && c->roots[0];
	const char *root = "/";
	size_t n, skip = 0;
	struct stat st;
	int r;

	fcopy_copy_cancel(c);
	c->target = mfree(c->target);
	c->file_size = c->written = c->end = 0;

	r = fcopy_name_check(name, c->cfg.backslash_separator);
	if (r < 0)
		return r;
	if (file_size > INT64_MAX)
		return -EFBIG;
	/* With roots configured, ".." could only be an attempt to leave them. */
	r = fcopy_path_split(dir, c->cfg.backslash_separator, !have_roots, &comps);
	if (r < 0)
		return r;
	n = strv_length(comps);
	if (have_roots) {
		r = match_root(c, comps, n, &root);
		if (r < 0)
			return r;
		skip = (size_t)r;
	}

	c->dir_path = path_join(comps, n);
	c->name = strdup(name);
	c->target = c->dir_path ? path_append(c->dir_path, name) : NULL;
	if (!c->dir_path || !c->name || !c->target) {
		r = -ENOMEM;
		goto fail;
	}

	r = open_destination(c, root, comps, skip, n, flags & HV_FCOPY_CREATE_PATH, &c->dir_fd);
	if (r < 0)
		goto fail;

	c->overwrite = flags & HV_FCOPY_OVER_WRITE;
	c->keep_owner = false;
	if (fstatat(c->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISDIR(st.st_mode)) {
			r = -EISDIR;
			goto fail;
		}
		if (!c->overwrite) {
			r = -EEXIST;
			goto fail;
		}
		/* Replacing a symlink replaces the link, never what it points to. */
		if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
			r = -EPERM;
			goto fail;
		}
		if (S_ISREG(st.st_mode)) {
			c->keep_owner = true;
			c->uid = st.st_uid;
			c->gid = st.st_gid;
			c->mode = st.st_mode & 07777;
		}
	} else if (errno != ENOENT) {
		r = -errno;
		goto fail;
	}

	r = create_tmp(c);
	if (r < 0)
		goto fail;
	c->file_size = file_size;
	r = preallocate(c);
	if (r < 0)
		goto fail;

	c->writeback = c->cfg.writeback_bytes > 0;
	c->wb_started = c->wb_waited = 0;
	c->start_usec = now_usec(CLOCK_MONOTONIC);
	return 0;
fail:
	fcopy_copy_cancel(c);
	reset(c);
	return r;
}

/*
 * Keep the dirty data bounded: start writeback of each window as it fills
 * and wait for the one before, so the disk works while data arrives and
 * COMPLETE's fsync has little left to do.
 */
static int push_to_disk(struct fcopy_copy *c)
{
	const unsigned wait = SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
			      SYNC_FILE_RANGE_WAIT_AFTER;

	if (!c->writeback || c->end < c->wb_started + c->cfg.writeback_bytes)
		return 0;
	if (sync_file_range(c->fd, (off_t)c->wb_started, (off_t)(c->end - c->wb_started),
			    SYNC_FILE_RANGE_WRITE) < 0)
		goto fail;
	if (c->wb_started > c->wb_waited &&
	    sync_file_range(c->fd, (off_t)c->wb_waited, (off_t)(c->wb_started - c->wb_waited),
			    wait) < 0)
		goto fail;
	c->wb_waited = c->wb_started;
	c->wb_started = c->end;
	return 0;
fail:
	if (errno == EINVAL || errno == ESPIPE || errno == ENOSYS || errno == EOPNOTSUPP) {
		c->writeback = false;
		return 0;
	}
	return -errno;
}

int fcopy_copy_write(struct fcopy_copy *c, uint64_t offset, const void *data, uint32_t size)
{
	int r;

	if (!fcopy_copy_active(c))
		return -EBADF;
	if (offset > c->file_size || size > c->file_size - offset)
		return -EINVAL;
	if (size == 0)
		return 0;

	r = loop_pwrite(c->fd, data, size, (off_t)offset);
	if (r == 0)
		r = push_to_disk(c);
	if (r < 0) {
		/* Give the space back now; the host cancels or gives up next. */
		fcopy_copy_cancel(c);
		return r;
	}
	c->written += size;
	c->end = MAX(c->end, offset + size);
	return 0;
}

/* Give the unnamed temporary file a name in the destination directory. */
static int link_tmpfile(struct fcopy_copy *c, const char *name)
{
	char proc[64];

	if (linkat(c->fd, "", c->dir_fd, name, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOENT && errno != EPERM)
		return -errno;
	/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc works without. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", c->fd);
	if (linkat(AT_FDCWD, proc, c->dir_fd, name, AT_SYMLINK_FOLLOW) < 0)
		return -errno;
	return 0;
}

/* Put a named temporary file in place; without overwrite, never clobber. */
static int rename_into_place(struct fcopy_copy *c)
{
	if (c->overwrite) {
		if (renameat(c->dir_fd, c->tmp_name, c->dir_fd, c->name) < 0)
			return -errno;
		return 0;
	}
	if (renameat2(c->dir_fd, c->tmp_name, c->dir_fd, c->name, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* No RENAME_NOREPLACE on this filesystem: link (fails on EEXIST), unlink. */
	if (linkat(c->dir_fd, c->tmp_name, c->dir_fd, c->name, 0) < 0)
		return -errno;
	(void)unlinkat(c->dir_fd, c->tmp_name, 0);
	return 0;
}

static int publish(struct fcopy_copy *c)
{
	int r;

	if (c->tmp_name)
		return rename_into_place(c);

	/* Unnamed file: link it straight to the target when that is free. */
	r = link_tmpfile(c, c->name);
	if (r != -EEXIST || !c->overwrite)
		return r;

	/* Overwrite: link under a temporary name, then rename over the target. */
	for (int attempt = 0; attempt < 16; attempt++) {
		r = random_tmp_name(&c->tmp_name);
		if (r < 0)
			return r;
		journal_add(c, c->tmp_name);
		r = link_tmpfile(c, c->tmp_name);
		if (r == 0)
			return rename_into_place(c);
		journal_clear(c);
		c->tmp_name = mfree(c->tmp_name);
		if (r != -EEXIST)
			return r;
	}
	return -EEXIST;
}

int fcopy_copy_complete(struct fcopy_copy *c)
{
	int r;

	if (!fcopy_copy_active(c))
		return -EBADF;
	/* A short copy must not replace anything. */
	if (c->end != c->file_size || c->written < c->file_size) {
		log_debug("%s: %" PRIu64 " of %" PRIu64 " bytes arrived", log_text(c->target),
			  c->end, c->file_size);
		r = -EPROTO;
		goto fail;
	}
	if (fsync(c->fd) < 0) {
		r = -errno;
		goto fail;
	}
	r = publish(c);
	if (r < 0)
		goto fail;
	if (fsync(c->dir_fd) < 0)
		log_warning_errno(errno, "Cannot sync %s: %m", log_text(c->dir_path));
	if (c->tmp_name)
		journal_clear(c);
	reset(c);
	return 0;
fail:
	fcopy_copy_cancel(c);
	return r;
}
