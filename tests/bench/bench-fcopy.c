// SPDX-License-Identifier: MIT
/*
 * File copy throughput over the UIO path: the real hv_fcopy_daemon serves
 * a host-side ring writer (this process) through 16 KiB rings, as Hyper-V
 * sizes the fcopy channel, one 6 KiB WRITE per round trip like the host.
 * The same amount is then written by dd with conv=fsync into the same
 * directory, in the same run, for comparison. Rounds alternate the two
 * (a shared disk is noisy); the figures are the medians.
 *
 *   bench-fcopy [BYTES]    default 1 GiB; FCOPY_BENCH_DIR picks the
 *                          directory (default: a temporary one in the
 *                          build tree, i.e. on the build's filesystem),
 *                          FCOPY_BENCH_ROUNDS the rounds (default 3),
 *                          FCOPY_BENCH_CONF a daemon configuration file
 *
 * Output: "name: value unit" lines, the headline last. MB = 10^6 bytes.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hyperv/fcopy.h>
#include <hyperv/status.h>

#include "fcopy-host.h"

#define RING 16384
#define TIMEOUT_MS 60000
#define MAX_ROUNDS 15

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int die(const char *what, int r)
{
	fprintf(stderr, "bench-fcopy: %s: %s\n", what, strerror(r < 0 ? -r : r));
	return 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int request(struct fcopy_host *h, const void *msg, size_t len)
{
	uint32_t status;
	int r = fcopy_host_request(h, msg, len, &status, TIMEOUT_MS);

	if (r < 0)
		return r;
	return status == HV_S_OK ? 0 : -EIO;
}

/* The host's side of one copy; returns seconds from START to COMPLETE's answer. */
static int host_copy(struct fcopy_host *h, const char *dir, uint64_t bytes, double *ret_secs)
{
	static struct hv_fcopy_write w;
	struct hv_fcopy_start s;
	struct hv_fcopy_hdr c;
	uint8_t data[HV_FCOPY_DATA_SIZE];
	double t0;
	int r;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 131u + 17u);
	r = fcopy_build_start(&s, true, dir, "fcopy.bin", 0, bytes);
	if (r < 0)
		return r;
	t0 = now();
	r = request(h, &s, sizeof(s));
	for (uint64_t off = 0; r == 0 && off < bytes; off += HV_FCOPY_DATA_SIZE) {
		uint32_t n = bytes - off < HV_FCOPY_DATA_SIZE ? (uint32_t)(bytes - off)
							      : HV_FCOPY_DATA_SIZE;

		data[0] = (uint8_t)(off >> 13); /* not the same page over and over */
		fcopy_build_write(&w, off, data, n);
		r = request(h, &w, sizeof(w));
	}
	if (r == 0) {
		fcopy_build_simple(&c, HV_FCOPY_COMPLETE);
		r = request(h, &c, sizeof(c));
	}
	*ret_secs = now() - t0;
	return r;
}

static int run_dd(const char *dir, uint64_t bytes, double *ret_secs)
{
	char of[800], count[64];
	double t0 = now();
	int status;
	pid_t pid;

	snprintf(of, sizeof(of), "of=%s/dd.bin", dir);
	snprintf(count, sizeof(count), "count=%llu", (unsigned long long)(bytes >> 20));
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("dd", "dd", "if=/dev/zero", of, "bs=1M", count, "conv=fsync", "status=none",
		       (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	*ret_secs = now() - t0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

int main(int argc, char **argv)
{
	uint64_t bytes = argc > 1 ? strtoull(argv[1], NULL, 0) : 1ull << 30;
	const char *parent = getenv("FCOPY_BENCH_DIR");
	const char *daemon_conf = getenv("FCOPY_BENCH_CONF");
	const char *rounds_env = getenv("FCOPY_BENCH_ROUNDS");
	char dir[600], dst[700], state[700], conf[700], fpath[800], dpath[800];
	double fcopy_secs[MAX_ROUNDS], dd_secs[MAX_ROUNDS], f, d;
	int rounds = rounds_env ? atoi(rounds_env) : 3;
	struct fcopy_host *h;
	struct ic_version fw, srv;
	int r, status, done = 0;
	pid_t pid;

	/* dd writes whole MiB: measure the same amount both ways. */
	bytes &= ~((1ull << 20) - 1);
	if (bytes == 0 || rounds < 1 || rounds > MAX_ROUNDS)
		return die("arguments", EINVAL);
	snprintf(dir, sizeof(dir), "%s/hvtfc-bench-XXXXXX", parent ? parent : HV_BINARY_DIR);
	if (!mkdtemp(dir))
		return die(dir, errno);
	snprintf(dst, sizeof(dst), "%s/dst", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(conf, sizeof(conf), "%s/none.conf", dir);
	snprintf(fpath, sizeof(fpath), "%s/fcopy.bin", dst);
	snprintf(dpath, sizeof(dpath), "%s/dd.bin", dst);
	if (mkdir(dst, 0755) < 0)
		return die(dst, errno);

	h = fcopy_host_new(dir, RING);
	if (!h)
		return die("host", ENOMEM);
	{
		const char *args[] = { "-c", daemon_conf ? daemon_conf : conf, "-t", "uio",
				       "--uio-device", fcopy_host_device(h),
				       "--uio-ring", fcopy_host_ring_file(h), "--ring-size", "16K",
				       "--state-dir", state, "-l", "warning", NULL };

		pid = fcopy_spawn_daemon(args);
	}
	if (pid < 0)
		return die("spawn hv_fcopy_daemon", pid);
	r = fcopy_host_accept(h, TIMEOUT_MS);
	if (r == 0)
		r = fcopy_host_negotiate(h, &fw, &srv, TIMEOUT_MS);

	/* Alternate the two, each into an empty directory with a clean cache. */
	for (; r == 0 && done < rounds; done++) {
		sync();
		r = host_copy(h, dst, bytes, &fcopy_secs[done]);
		(void)unlink(fpath);
		if (r < 0)
			break;
		sync();
		r = run_dd(dst, bytes, &dd_secs[done]);
		(void)unlink(dpath);
	}

	(void)kill(pid, SIGTERM);
	(void)waitpid(pid, &status, 0);
	h = fcopy_host_free(h);
	(void)rmdir(dst);
	(void)rmdir(state);
	(void)rmdir(dir);
	if (r < 0)
		return die("copy", r);

	f = median(fcopy_secs, rounds);
	d = median(dd_secs, rounds);
	printf("fcopy_bytes: %llu bytes\n", (unsigned long long)bytes);
	printf("fcopy_rounds: %d rounds\n", rounds);
	printf("fcopy_round_trips: %llu requests\n",
	       (unsigned long long)((bytes + HV_FCOPY_DATA_SIZE - 1) / HV_FCOPY_DATA_SIZE + 2));
	printf("fcopy_uio_seconds: %.2f s\n", f);
	printf("dd_seconds: %.2f s\n", d);
	printf("fcopy_uio_mb_per_s: %.1f MB/s\n", (double)bytes / 1e6 / f);
	printf("dd_mb_per_s: %.1f MB/s\n", (double)bytes / 1e6 / d);
	printf("fcopy_vs_dd_ratio: %.2f\n", d / f);
	return 0;
}
