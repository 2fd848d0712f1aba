/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by the daemons and tools.
 */
#ifndef HV_UTIL_H
#define HV_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define ALIGN_TO(x, a) (((x) + (a)-1) & ~((__typeof__(x))(a)-1))

#define USEC_PER_SEC 1000000ULL
#define USEC_PER_MSEC 1000ULL
#define NSEC_PER_USEC 1000ULL
#define USEC_INFINITY UINT64_MAX

static inline bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

static inline bool streq_ptr(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return streq(a, b);
}

/* Returns a pointer past prefix in s, or NULL. */
static inline const char *startswith(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

static inline const char *strempty(const char *s)
{
	return s ? s : "";
}

uint64_t now_usec(clockid_t clock);

/* Value of a hex digit, or -1. */
static inline int unhexchar(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse decimal numbers: whole string, no sign for unsigned, range-checked. */
int safe_atou64(const char *s, uint64_t *ret);
int safe_atou32(const char *s, uint32_t *ret);
int safe_atoi(const char *s, int *ret);

/* Copy with truncation detection: -E2BIG (and a truncated, terminated dst) if it did not fit. */
int strscpy(char *dst, const char *src, size_t size);

/* Length of s up to max bytes (like strnlen, spelled out for clarity on untrusted buffers). */
size_t bounded_strlen(const void *s, size_t max);

/* Full-length I/O, retrying on EINTR and short transfers. */
int loop_write(int fd, const void *buf, size_t len);
ssize_t loop_read(int fd, void *buf, size_t len);
int loop_pwrite(int fd, const void *buf, size_t len, off_t off);
ssize_t loop_pread(int fd, void *buf, size_t len, off_t off);

/* Read a whole (small) file; fails with -EFBIG past max bytes. NUL-terminates. */
int read_full_file(const char *path, size_t max, char **ret, size_t *ret_size);
/* First line of a file, without the newline. */
int read_one_line_file(const char *path, char **ret);

/*
 * Write a file atomically: temp file in the same directory, fsync, rename,
 * fsync the directory. mode applies to a new file.
 */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

int mkdir_parents(const char *path, mode_t mode);	/* every directory above path */
int mkdir_p(const char *path, mode_t mode);		/* path and every directory above */
/* An O_RDONLY|O_DIRECTORY fd of the directory holding path, or -errno. */
int open_parent_directory(const char *path);
int fsync_directory_of(const char *path);

/* NULL-terminated string vectors. */
char **strv_free(char **l);
size_t strv_length(char *const *l);
int strv_push(char ***l, char *value);	/* takes ownership of value */
int strv_extend(char ***l, const char *value);
bool strv_contains(char *const *l, const char *s);
/* Split on any of separators, skipping empty fields. */
int strv_split(const char *s, const char *separators, char ***ret);
#define STRV_FOREACH(s, l) for (char *const *s = (l); s && *s; s++)

static inline void strv_freep(char ***l)
{
	strv_free(*l);
}
#define _cleanup_strv_free_ __attribute__((cleanup(strv_freep)))

/* Strip leading/trailing whitespace in place; returns s. */
char *strstrip(char *s);

/*
 * Text from the host, from pool files and other untrusted sources, before
 * it reaches a terminal or a log line. Controls are C0 (U+0000-U+001F),
 * DEL (U+007F) and C1 (U+0080-U+009F, UTF-8 c2 80 - c2 9f: CSI is c2 9b,
 * NEL c2 85); terminals act on all three.
 */

/* Length of the well-formed UTF-8 character at s (n bytes available), 0 if malformed. */
size_t utf8_char_len(const char *s, size_t n);

/* Whether s is well-formed UTF-8 without a control character. */
bool text_is_printable(const char *s);

/* Output size that lets escape_text() escape n input bytes without cutting them. */
#define ESCAPE_TEXT_SIZE(n) (4 * (size_t)(n) + 1)

/*
 * Escape s into buf: printable UTF-8 is kept; backslash, TAB, LF and CR
 * become \\, \t, \n, \r; every other control and every byte of malformed
 * UTF-8 becomes \xNN (a C1 control is two: \xc2\x9b). The result is one
 * line of printable text that names the original bytes exactly. Output that
 * does not fit size bytes is cut after a whole escape and ends in "...".
 * Returns buf, so that it can be a printf argument. s may be NULL, shown as
 * "(null)" like printf does.
 */
char *escape_text(const char *s, char *buf, size_t size);

#endif /* HV_UTIL_H */
