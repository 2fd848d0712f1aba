// SPDX-License-Identifier: MIT
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test-kvp-pool-util.h"
#include "testlib.h"
#include "util.h"

char *kt_pool_path(const char *dir, unsigned pool)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/.kvp_pool_%u", dir, pool), 0);
	return p;
}

char *kt_journal_path(const char *dir, unsigned pool)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/.journal.kvp_pool_%u", dir, pool), 0);
	return p;
}

void kt_record(uint8_t rec[KT_RS], const char *key, const char *value)
{
	memset(rec, 0, KT_RS);
	memcpy(rec, key, MIN(strlen(key), (size_t)HV_KVP_MAX_KEY_SIZE));
	memcpy(rec + HV_KVP_MAX_KEY_SIZE, value, MIN(strlen(value), (size_t)HV_KVP_MAX_VALUE_SIZE));
}

void kt_write_bytes(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	/*
	 * Write, then cut the excess: truncating to 0 first would make ext4
	 * (auto_da_alloc) flush the file on close, which makes tests slow.
	 */
	ck_assert_int_eq(loop_pwrite(fd, buf, len, 0), 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)len), 0);
	close(fd);
}

void kt_write_pairs(const char *path, const char *const *kv, size_t n)
{
	uint8_t *buf = calloc(n ? n : 1, KT_RS);

	for (size_t i = 0; i < n; i++)
		kt_record(buf + i * KT_RS, kv[2 * i], kv[2 * i + 1]);
	kt_write_bytes(path, buf, n * KT_RS);
	free(buf);
}

static bool tail_zero(const uint8_t *f, size_t size)
{
	size_t n = bounded_strlen(f, size);

	for (size_t i = n; i < size; i++)
		if (f[i])
			return false;
	return true;
}

void kt_read_pool(const char *path, struct kt_pool *ret)
{
	size_t len = 0;
	char *buf = tl_read_file(path, &len);

	ck_assert_msg(buf != NULL, "cannot read %s", path);
	*ret = (struct kt_pool){ .len = len, .n = len / KT_RS, .padding_zero = true };
	ret->keys = calloc(ret->n + 1, sizeof(char *));
	ret->values = calloc(ret->n + 1, sizeof(char *));
	for (size_t i = 0; i < ret->n; i++) {
		const uint8_t *r = (const uint8_t *)buf + i * KT_RS;

		ret->keys[i] = strndup((const char *)r, HV_KVP_MAX_KEY_SIZE);
		ret->values[i] = strndup((const char *)r + HV_KVP_MAX_KEY_SIZE,
					 HV_KVP_MAX_VALUE_SIZE);
		if (!tail_zero(r, HV_KVP_MAX_KEY_SIZE) ||
		    !tail_zero(r + HV_KVP_MAX_KEY_SIZE, HV_KVP_MAX_VALUE_SIZE))
			ret->padding_zero = false;
	}
	free(buf);
}

void kt_pool_done(struct kt_pool *kp)
{
	for (size_t i = 0; i < kp->n; i++) {
		free(kp->keys[i]);
		free(kp->values[i]);
	}
	free(kp->keys);
	free(kp->values);
	*kp = (struct kt_pool){ 0 };
}

int kt_find(const struct kt_pool *kp, const char *key)
{
	for (size_t i = 0; i < kp->n; i++)
		if (streq(kp->keys[i], key))
			return (int)i;
	return -1;
}

void kt_assert_sane(const char *path)
{
	struct kt_pool kp;

	kt_read_pool(path, &kp);
	ck_assert_msg(kp.len % KT_RS == 0, "%s: length %zu is not a multiple of 2560", path,
		      kp.len);
	ck_assert_msg(kp.padding_zero, "%s: unused bytes not zero", path);
	for (size_t i = 0; i < kp.n; i++)
		for (size_t j = i + 1; j < kp.n; j++)
			ck_assert_msg(!streq(kp.keys[i], kp.keys[j]),
				      "%s: duplicate key '%s' at %zu and %zu", path, kp.keys[i], i,
				      j);
	kt_pool_done(&kp);
}

void kt_assert_pool_sane(const char *dir, unsigned pool)
{
	char *path = kt_pool_path(dir, pool);

	kt_assert_sane(path);
	free(path);
}

void kt_cloud_init_key(unsigned i, char *buf, size_t size)
{
	snprintf(buf, size,
		 "CLOUD_INIT|1700000000|start|init-network/config-%u|"
		 "%08x-5e1f-4c3a-9d2b-%012x",
		 i, i * 2654435761u, i);
}

void kt_cloud_init_append(const char *path, unsigned first, unsigned n)
{
	size_t len = (size_t)n * KT_RS, off = 0;
	uint8_t *buf = calloc(n, KT_RS);
	int fd;

	for (unsigned i = 0; i < n; i++) {
		char key[256], value[1024];

		kt_cloud_init_key(first + i, key, sizeof(key));
		snprintf(value, sizeof(value),
			 "{\"name\":\"init-network/config-%u\",\"type\":\"start\","
			 "\"ts\":\"2023-11-14T22:13:20.%06uZ\",\"result\":\"SUCCESS\","
			 "\"msg\":\"running config-%u with frequency once-per-instance\"}",
			 first + i, first + i, first + i);
		kt_record(buf + (size_t)i * KT_RS, key, value);
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);
	/* Python's buffered writer: writes that ignore record boundaries. */
	while (off < len) {
		size_t chunk = MIN((size_t)1000, len - off);

		ck_assert_int_eq(loop_write(fd, buf + off, chunk), 0);
		off += chunk;
		sched_yield();
	}
	ck_assert_int_eq(flock(fd, LOCK_UN), 0);
	close(fd);
	free(buf);
}

void kt_cloud_init_truncate(const char *path)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	close(fd);
}

void kt_upstream_set(const char *path, const char *key, const char *value)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	size_t n, off = 0;
	int lock_fd, fd;
	struct stat st;
	uint8_t *recs;
	ssize_t got;
	size_t i;

	lock_fd = open(path, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(lock_fd, 0);
	ck_assert_int_eq(fcntl(lock_fd, F_SETLKW, &fl), 0);
	/*
	 * Read through the locked fd: closing any other fd of the file would
	 * drop a classic POSIX lock. (Upstream reads and rewrites in two
	 * separate locked sections; one section here, so that lost updates
	 * in this test can only be ours.)
	 */
	ck_assert_int_eq(fstat(lock_fd, &st), 0);
	n = (size_t)st.st_size / KT_RS;
	recs = malloc((n + 1) * KT_RS);
	got = loop_pread(lock_fd, recs, n * KT_RS, 0);
	ck_assert_int_eq(got, (ssize_t)(n * KT_RS));
	for (i = 0; i < n; i++)
		if (strncmp((char *)recs + i * KT_RS, key, HV_KVP_MAX_KEY_SIZE) == 0)
			break;
	if (i == n) {
		/* Fresh realloc'ed memory: upstream leaves whatever was there. */
		memset(recs + i * KT_RS, 0xa5, KT_RS);
		memcpy(recs + i * KT_RS, key, strlen(key) + 1);
		n++;
	}
	memcpy(recs + i * KT_RS + HV_KVP_MAX_KEY_SIZE, value, strlen(value) + 1);
	/* fopen("w") + fwrite() + fclose() on a second fd; the close drops the lock. */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	while (off < n * KT_RS) {
		size_t chunk = MIN((size_t)4096, n * KT_RS - off);

		ck_assert_int_eq(loop_write(fd, recs + off, chunk), 0);
		off += chunk;
		sched_yield();
	}
	close(fd);
	fl.l_type = F_UNLCK;
	(void)fcntl(lock_fd, F_SETLK, &fl);
	close(lock_fd);
	free(recs);
}

static ssize_t counter_pwrite(int fd, const void *buf, size_t len, off_t off, void *u)
{
	struct kt_counter *c = u;

	struct stat st;

	c->pwrites++;
	if (c->fail_count > 0 && fstat(fd, &st) == 0 && st.st_ino == c->fail_ino) {
		c->fail_count--;
		errno = c->fail_errno;
		return -1;
	}
	return pwrite(fd, buf, len, off);
}

static int counter_fdatasync(int fd, void *u)
{
	struct kt_counter *c = u;

	c->fdatasyncs++;
	return fdatasync(fd);
}

static int counter_fsync(int fd, void *u)
{
	struct kt_counter *c = u;

	c->fsyncs++;
	return fsync(fd);
}

static int counter_ftruncate(int fd, off_t len, void *u)
{
	struct kt_counter *c = u;

	c->ftruncates++;
	return ftruncate(fd, len);
}

void kt_counter_io(struct kt_counter *c, struct kvp_pool_io *io)
{
	*c = (struct kt_counter){ 0 };
	*io = (struct kvp_pool_io){
		.pwrite = counter_pwrite,
		.fdatasync = counter_fdatasync,
		.fsync = counter_fsync,
		.ftruncate = counter_ftruncate,
		.userdata = c,
	};
}

struct kt_boot kt_boot_now = { .id = { 0x6b, 0x74, 0x62, 0x6f, 0x6f, 0x74 }, .usec = 1 };

int kt_get_boot(uint8_t ret_id[16], uint64_t *ret_usec, void *userdata)
{
	(void)userdata;
	memcpy(ret_id, kt_boot_now.id, 16);
	*ret_usec = kt_boot_now.usec;
	return 0;
}

void kt_reboot(uint64_t boot_usec)
{
	for (unsigned i = 15; i > 0; i--)
		if (++kt_boot_now.id[i] != 0)
			break;
	kt_boot_now.usec = boot_usec;
}
