// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

uint64_t now_usec(clockid_t clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / NSEC_PER_USEC;
}

int safe_atou64(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end != '\0')
		return -EINVAL;
	*ret = v;
	return 0;
}

int safe_atou32(const char *s, uint32_t *ret)
{
	uint64_t v;
	int r;

	r = safe_atou64(s, &v);
	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

int safe_atoi(const char *s, int *ret)
{
	long v;
	char *end;

	if (!s || !*s || isspace((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno == ERANGE || v < INT_MIN || v > INT_MAX)
		return -ERANGE;
	if (*end != '\0')
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

int strscpy(char *dst, const char *src, size_t size)
{
	size_t n;

	if (size == 0)
		return -E2BIG;
	n = strnlen(src, size);
	if (n == size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

size_t bounded_strlen(const void *s, size_t max)
{
	const char *p = memchr(s, '\0', max);

	return p ? (size_t)(p - (const char *)s) : max;
}

int loop_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t loop_read(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, p + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int loop_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, off);

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

ssize_t loop_pread(int fd, void *buf, size_t len, off_t off)
{
	char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, p + done, len - done, off + (off_t)done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int read_full_file(const char *path, size_t max, char **ret, size_t *ret_size)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t size = 0, alloc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (size + 1 >= alloc) {
			size_t na = alloc ? alloc * 2 : 4096;
			char *nb;

			if (alloc > max + 1)
				return -EFBIG;
			nb = realloc(buf, na);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			alloc = na;
		}
		n = read(fd, buf + size, alloc - size - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		size += (size_t)n;
		if (size > max)
			return -EFBIG;
	}
	buf[size] = '\0';
	*ret = TAKE_PTR(buf);
	if (ret_size)
		*ret_size = size;
	return 0;
}

int read_one_line_file(const char *path, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	int r;

	r = read_full_file(path, 64 * 1024, &buf, NULL);
	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

int open_parent_directory(const char *path)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash;
	int fd;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int fsync_directory_of(const char *path)
{
	_cleanup_close_ int fd = open_parent_directory(path);

	if (fd < 0)
		return fd;
	if (fsync(fd) < 0)
		return -errno;
	return 0;
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Keep an existing file's mode. */
	if (stat(path, &st) == 0)
		mode = st.st_mode & 07777;
	if (fchmod(fd, mode) < 0) {
		r = -errno;
		goto fail;
	}
	r = loop_write(fd, data, len);
	if (r < 0)
		goto fail;
	if (fsync(fd) < 0) {
		r = -errno;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		r = -errno;
		goto fail;
	}
	return fsync_directory_of(path);
fail:
	(void)unlink(tmp);
	return r;
}

int mkdir_parents(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	return 0;
}

int mkdir_p(const char *path, mode_t mode)
{
	int r = mkdir_parents(path, mode);

	if (r < 0)
		return r;
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

char **strv_free(char **l)
{
	STRV_FOREACH(s, l)
		free(*s);
	free(l);
	return NULL;
}

size_t strv_length(char *const *l)
{
	size_t n = 0;

	STRV_FOREACH(s, l)
		n++;
	return n;
}

int strv_push(char ***l, char *value)
{
	size_t n = strv_length(*l);
	char **nl;

	nl = realloc(*l, sizeof(char *) * (n + 2));
	if (!nl)
		return -ENOMEM;
	nl[n] = value;
	nl[n + 1] = NULL;
	*l = nl;
	return 0;
}

int strv_extend(char ***l, const char *value)
{
	char *v = strdup(value);
	int r;

	if (!v)
		return -ENOMEM;
	r = strv_push(l, v);
	if (r < 0)
		free(v);
	return r;
}

bool strv_contains(char *const *l, const char *s)
{
	STRV_FOREACH(i, l)
		if (streq(*i, s))
			return true;
	return false;
}

int strv_split(const char *s, const char *separators, char ***ret)
{
	_cleanup_strv_free_ char **l = NULL;
	int r;

	/* An empty list is an allocated, empty vector, not NULL. */
	l = calloc(1, sizeof(char *));
	if (!l)
		return -ENOMEM;
	while (*s) {
		char *item;
		size_t n;

		s += strspn(s, separators);
		n = strcspn(s, separators);
		if (n == 0)
			break;
		item = strndup(s, n);
		if (!item)
			return -ENOMEM;
		r = strv_push(&l, item);
		if (r < 0) {
			free(item);
			return r;
		}
		s += n;
	}
	*ret = TAKE_PTR(l);
	return 0;
}

char *strstrip(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

size_t utf8_char_len(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp;
	size_t len;

	if (n == 0)
		return 0;
	if (u[0] < 0x80)
		return 1;
	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		len = 2, cp = u[0] & 0x1f;
	else if (u[0] >= 0xe0 && u[0] <= 0xef)
		len = 3, cp = u[0] & 0x0f;
	else if (u[0] >= 0xf0 && u[0] <= 0xf4)
		len = 4, cp = u[0] & 0x07;
	else
		return 0;	/* continuation byte, overlong lead (c0, c1) or past U+10FFFF */
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (u[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates, past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Whether the well-formed character of len bytes at u is a C0, DEL or C1 control. */
static bool char_is_control(const unsigned char *u, size_t len)
{
	if (len == 1)
		return u[0] < 0x20 || u[0] == 0x7f;
	return len == 2 && u[0] == 0xc2 && u[1] < 0xa0;
}

bool text_is_printable(const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		size_t len = utf8_char_len(s, n);

		if (len == 0 || char_is_control((const unsigned char *)s, len))
			return false;
		s += len;
		n -= len;
	}
	return true;
}

char *escape_text(const char *s, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u;
	size_t n, pos = 0, cut = 0;

	if (!s)
		s = "(null)";	/* what printf would show */
	u = (const unsigned char *)s;
	n = strlen(s);
	/* Room for at least "..." and the NUL, or nothing sensible can be written. */
	if (size < 4) {
		if (size > 0)
			buf[0] = '\0';
		return buf;
	}
	while (n > 0) {
		size_t len = utf8_char_len((const char *)u, n), plen = 0;
		char piece[8];	/* the longest: a C1 control, \xc2\x9b */

		if (len == 0 || char_is_control(u, len)) {
			/* Name each byte: one of malformed text, all of a control. */
			len = len ? len : 1;
			for (size_t i = 0; i < len; i++) {
				unsigned char c = u[i];

				piece[plen++] = '\\';
				if (c == '\t' || c == '\n' || c == '\r') {
					piece[plen++] = c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
					continue;
				}
				piece[plen++] = 'x';
				piece[plen++] = hex[c >> 4];
				piece[plen++] = hex[c & 0xf];
			}
		} else if (u[0] == '\\') {
			piece[plen++] = '\\';
			piece[plen++] = '\\';
		} else {
			memcpy(piece, u, len);
			plen = len;
		}
		if (pos + plen + 1 > size) {
			/* cut always leaves room for the marker. */
			memcpy(buf + cut, "...", 4);
			return buf;
		}
		memcpy(buf + pos, piece, plen);
		pos += plen;
		if (pos + 4 <= size)
			cut = pos;
		u += len;
		n -= len;
	}
	buf[pos] = '\0';
	return buf;
}
