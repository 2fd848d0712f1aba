/* SPDX-License-Identifier: MIT */
/*
 * The copy engine: one host-to-guest file copy at a time, atomic.
 *
 * The file is written into an unnamed temporary file (O_TMPFILE) in the
 * destination directory, or a named ".hv_fcopy.*.tmp" one where the
 * filesystem has no O_TMPFILE; space for the whole file is reserved at
 * START, data is pushed to disk while it arrives, and COMPLETE syncs the
 * file, then links or renames it over the target and syncs the directory.
 * Until then an existing target is untouched; a cancelled or failed copy,
 * or a daemon that dies, leaves nothing behind (named temporary files are
 * recorded in a journal in the state directory and removed at the next
 * start).
 *
 * Destination paths are walked from "/" (or from an allowed root) one
 * component at a time with O_NOFOLLOW: no symlink is ever followed below
 * the root. Errors are negative errnos; the message layer maps them to
 * host status codes.
 */
#ifndef HV_FCOPY_COPY_H
#define HV_FCOPY_COPY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct fcopy_copy;

struct fcopy_copy_config {
	char **allowed_roots;		/* absolute directories; NULL or empty: anywhere */
	mode_t file_mode;		/* a new file's mode (an overwrite keeps the old one's) */
	mode_t dir_mode;		/* directories made for CREATE_PATH */
	bool preallocate;		/* reserve file_size at START */
	bool backslash_separator;	/* '\' in the host's path separates components */
	const char *state_dir;		/* journal of named temp files; NULL: none */
	uint64_t writeback_bytes;	/* push data to disk every this many bytes; 0: at COMPLETE */
	bool named_tmp;			/* skip O_TMPFILE (what filesystems without it get) */
};

/*
 * Statistics of the copy in progress, or of the last one: target stays
 * valid until the next fcopy_copy_start() or fcopy_copy_free().
 */
struct fcopy_copy_stats {
	const char *target;		/* absolute destination path */
	uint64_t file_size;		/* announced by START */
	uint64_t written;		/* bytes written so far */
	uint64_t start_usec;		/* CLOCK_MONOTONIC at START */
};

int fcopy_copy_new(const struct fcopy_copy_config *config, struct fcopy_copy **ret);
/* Cancels a copy in progress. */
struct fcopy_copy *fcopy_copy_free(struct fcopy_copy *c);

/* Remove temporary files a previous instance left (from the journal). */
int fcopy_copy_clean_leftovers(struct fcopy_copy *c);

/*
 * Begin a copy of file_size bytes to dir/name (UTF-8, as the host sent
 * them; dir absolute). flags: HV_FCOPY_OVER_WRITE, HV_FCOPY_CREATE_PATH.
 * A copy still in progress is cancelled first.
 * Return: 0, -EINVAL (bad name or path), -EACCES (outside the allowed
 * roots, a ".." with roots configured, or denied), -ELOOP (a symlink in the
 * path), -ENOENT/-ENOTDIR (missing directory without CREATE_PATH),
 * -EEXIST (target exists, no OVER_WRITE), -EISDIR, -ENOSPC/-EDQUOT,
 * -EFBIG, other errnos from the filesystem.
 */
int fcopy_copy_start(struct fcopy_copy *c, const char *dir, const char *name, uint32_t flags,
		     uint64_t file_size);

/*
 * Write size bytes at offset. Writes past file_size are refused
 * (-EINVAL); -EBADF without a copy in progress. A failed write
 * (-ENOSPC ...) ends the copy and frees its space.
 */
int fcopy_copy_write(struct fcopy_copy *c, uint64_t offset, const void *data, uint32_t size);

/*
 * Make the copy durable and visible. -EPROTO when fewer than file_size
 * bytes arrived (the copy is discarded), -EEXIST when the target appeared
 * meanwhile and OVER_WRITE was not given, -EBADF without a copy.
 */
int fcopy_copy_complete(struct fcopy_copy *c);

/* Discard the copy in progress, if any; the target stays as it was. */
void fcopy_copy_cancel(struct fcopy_copy *c);

bool fcopy_copy_active(const struct fcopy_copy *c);
void fcopy_copy_get_stats(const struct fcopy_copy *c, struct fcopy_copy_stats *ret);

/*
 * Helpers for host-supplied names, exposed for tests and fuzzing.
 * Split an absolute directory path into components: empty and "."
 * components dropped, ".." resolved lexically (or refused with -EACCES when
 * !allow_dotdot), each component checked like a file name.
 */
int fcopy_path_split(const char *dir, bool backslash_separator, bool allow_dotdot,
		     char ***ret);
/*
 * A single file name: not empty, ".", "..", no separator, no control
 * character (C0, DEL or C1, see text_is_printable()).
 */
int fcopy_name_check(const char *name, bool backslash_separator);

#endif /* HV_FCOPY_COPY_H */
