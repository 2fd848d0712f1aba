// SPDX-License-Identifier: MIT
/*
 * Pool store micro-benchmark: durable SETs on a 100-key and a 10,000-key
 * pool (the cost should be about one fdatasync either way), GETs,
 * enumerating 10,000 keys index by index, and the filesystem's own ceiling
 * (2560-byte write + fdatasync in a loop) in the same directory.
 *
 *   bench-kvp-pool [DIR]    (default: a scratch directory in the build tree)
 *
 * Prints "name: value unit" lines, the headline (SETs on 10,000 keys) last.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kvp-pool.h"
#include "util.h"

#define RUN_USEC (2 * USEC_PER_SEC)

static unsigned syncs;

static int count_fdatasync(int fd, void *u)
{
	(void)u;
	syncs++;
	return fdatasync(fd);
}

static const struct kvp_pool_io counting_io = { .fdatasync = count_fdatasync };

static double seconds_since(uint64_t start)
{
	return (double)(now_usec(CLOCK_MONOTONIC) - start) / (double)USEC_PER_SEC;
}

static int die(const char *what, int r)
{
	fprintf(stderr, "bench-kvp-pool: %s: %s\n", what, strerror(r < 0 ? -r : r));
	exit(EXIT_FAILURE);
}

static double fsync_ceiling(const char *dir)
{
	char path[4096], rec[2560];
	unsigned n = 0;
	uint64_t start;
	int fd;

	snprintf(path, sizeof(path), "%s/fsync-ceiling", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die(path, errno);
	memset(rec, 'x', sizeof(rec));
	/* Allocate the block first, as the journal is preallocated. */
	if (pwrite(fd, rec, sizeof(rec), 0) != (ssize_t)sizeof(rec) || fsync(fd) < 0)
		die("write", errno);
	start = now_usec(CLOCK_MONOTONIC);
	do {
		rec[0] = (char)n;
		if (pwrite(fd, rec, sizeof(rec), 0) != (ssize_t)sizeof(rec) || fdatasync(fd) < 0)
			die("write", errno);
		n++;
	} while (now_usec(CLOCK_MONOTONIC) - start < RUN_USEC);
	close(fd);
	unlink(path);
	return n / seconds_since(start);
}

/* A pool of n keys key-<i>, loaded without syncing each change. */
static void fill(const char *dir, unsigned pool, unsigned n)
{
	struct kvp_pool_options o = { .durable = false };
	struct kvp_pool *p;
	int r;

	r = kvp_pool_open(dir, pool, &o, &p);
	if (r < 0)
		die("open", r);
	for (unsigned i = 0; i < n; i++) {
		char k[32], v[64];

		snprintf(k, sizeof(k), "key-%u", i);
		snprintf(v, sizeof(v), "initial value of key %u", i);
		r = kvp_pool_set(p, k, v);
		if (r < 0)
			die("set", r);
	}
	kvp_pool_free(p);
}

static struct kvp_pool *open_durable(const char *dir, unsigned pool)
{
	struct kvp_pool_options o = { .durable = true, .io = &counting_io };
	struct kvp_pool *p;
	int r = kvp_pool_open(dir, pool, &o, &p);

	if (r < 0)
		die("open", r);
	return p;
}

static double set_rate(const char *dir, unsigned pool, unsigned n_keys, double *ret_syncs)
{
	struct kvp_pool *p = open_durable(dir, pool);
	unsigned n = 0, seed = 1;
	uint64_t start;

	syncs = 0;
	start = now_usec(CLOCK_MONOTONIC);
	do {
		char k[32], v[64];
		int r;

		seed = seed * 1103515245u + 12345u;
		snprintf(k, sizeof(k), "key-%u", (seed >> 8) % n_keys);
		snprintf(v, sizeof(v), "value %u", n);
		r = kvp_pool_set(p, k, v);
		if (r < 0)
			die("set", r);
		n++;
	} while (now_usec(CLOCK_MONOTONIC) - start < RUN_USEC);
	*ret_syncs = (double)syncs / n;
	kvp_pool_free(p);
	return n / seconds_since(start);
}

static double get_rate(const char *dir, unsigned pool, unsigned n_keys)
{
	struct kvp_pool *p = open_durable(dir, pool);
	char v[HV_KVP_MAX_VALUE_SIZE];
	unsigned n = 0, seed = 7;
	uint64_t start = now_usec(CLOCK_MONOTONIC);

	do {
		for (unsigned i = 0; i < 1000; i++, n++) {
			char k[32];
			int r;

			seed = seed * 1103515245u + 12345u;
			snprintf(k, sizeof(k), "key-%u", (seed >> 8) % n_keys);
			r = kvp_pool_get(p, k, v, sizeof(v));
			if (r < 0)
				die("get", r);
		}
	} while (now_usec(CLOCK_MONOTONIC) - start < RUN_USEC / 2);
	kvp_pool_free(p);
	return n / seconds_since(start);
}

static double enumerate_time(const char *dir, unsigned pool, unsigned n_keys)
{
	struct kvp_pool *p = open_durable(dir, pool);
	char k[HV_KVP_MAX_KEY_SIZE], v[HV_KVP_MAX_VALUE_SIZE];
	uint64_t start = now_usec(CLOCK_MONOTONIC);
	double t;

	/* As the host does it: index by index until the end. */
	for (uint32_t i = 0;; i++) {
		int r = kvp_pool_enumerate(p, i, k, sizeof(k), v, sizeof(v));

		if (r == -ENOENT) {
			if (i != n_keys)
				die("enumerate count", EINVAL);
			break;
		}
		if (r < 0)
			die("enumerate", r);
	}
	t = seconds_since(start);
	kvp_pool_free(p);
	return t;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int main(int argc, char **argv)
{
	char scratch[] = HV_BINARY_DIR "/bench-kvp-pool.XXXXXX";
	const char *dir = argc > 1 ? argv[1] : NULL;
	double set100, set10k, syncs100, syncs10k, get, en, ceiling;

	if (!dir) {
		dir = mkdtemp(scratch);
		if (!dir)
			die(scratch, errno);
	}
	ceiling = fsync_ceiling(dir);
	fill(dir, 0, 100);
	fill(dir, 1, 10000);
	get = get_rate(dir, 1, 10000);
	en = enumerate_time(dir, 1, 10000);
	set100 = set_rate(dir, 0, 100, &syncs100);
	set10k = set_rate(dir, 1, 10000, &syncs10k);

	printf("fsync_ceiling_per_s: %.0f ops/s\n", ceiling);
	printf("pool_get_ops_per_s: %.0f ops/s\n", get);
	printf("pool_enumerate_10k_keys_s: %.4f s\n", en);
	printf("pool_set_fdatasyncs_per_op_100_keys: %.3f fdatasync/op\n", syncs100);
	printf("pool_set_fdatasyncs_per_op_10k_keys: %.3f fdatasync/op\n", syncs10k);
	printf("pool_set_ops_per_s_100_keys: %.0f ops/s\n", set100);
	printf("pool_set_ops_per_s_10k_keys: %.0f ops/s\n", set10k);

	if (dir == scratch)
		(void)nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
