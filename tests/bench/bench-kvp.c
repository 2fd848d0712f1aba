// SPDX-License-Identifier: MIT
/*
 * KVP benchmark, through hv_kvp_daemon's real request loop (the built
 * binary, over the kernel-semantics socket; no kernel):
 *
 *   kvp_get_ops_per_s            GETs of random keys in a 100-key pool
 *   kvp_set_ops_per_s_100_keys   durable SETs (overwrite) in a 100-key pool
 *   kvp_set_ops_per_s_10k_keys   durable SETs (overwrite) in a 10,000-key pool
 *   kvp_enumerate_10k_keys_s     a 10,000-key pool enumerated index by index
 *                                until HV_S_CONT, as the host does
 *   fsync_ceiling_per_s          2560-byte pwrite + fdatasync on the same
 *                                filesystem: the physical limit for durable SETs
 *   ipc_round_trip_floor_per_s   a bare 7432-byte request/reply between two
 *                                processes over the same kind of socket, no
 *                                work: the limit for GET and ENUMERATE here
 *   kvp_set_10k_per_fsync        headline: SET rate on 10k keys / fsync ceiling
 *
 * Each figure is the median of ROUNDS rounds.
 *
 * Usage: bench-kvp [DIR] (default: a directory under the build tree, which
 * should be on a real disk, not tmpfs).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hyperv/kvp.h>
#include <hyperv/status.h>

#include "fake-kernel.h"
#include "testlib.h"

#define DAEMON HV_BINARY_DIR "/daemons/kvp/hv_kvp_daemon"
#define TIMEOUT_MS 30000
#define ROUND_SECONDS 1.0
#define ROUNDS 5	/* report the median round: the disk is shared and noisy */

static struct fake_kernel *fk;
static pid_t daemon_pid;
static char dir[4096], pools[4200], sock[4200], conf[4200];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench-kvp: %s\n", what);
	if (daemon_pid > 0)
		kill(daemon_pid, SIGKILL);
	exit(1);
}

static void write_pool(unsigned pool, unsigned keys)
{
	struct hv_kvp_record rec;
	char path[4300];
	int fd;

	snprintf(path, sizeof(path), "%s/.kvp_pool_%u", pools, pool);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("cannot create pool file");
	for (unsigned i = 0; i < keys; i++) {
		memset(&rec, 0, sizeof(rec));
		snprintf((char *)rec.key, sizeof(rec.key), "bench-key-%06u", i);
		snprintf((char *)rec.value, sizeof(rec.value), "value %u of a benchmark pool", i);
		if (write(fd, &rec, sizeof(rec)) != (ssize_t)sizeof(rec))
			die("cannot write pool file");
	}
	if (fsync(fd) < 0)
		die("fsync");
	close(fd);
}

static void start_daemon(void)
{
	char *argv[] = { DAEMON, "-n", "--device", sock, "--pool-dir", pools, "-c", conf, NULL };
	struct hv_kvp_msg reg, answer;

	daemon_pid = tl_spawn(argv);
	if (daemon_pid < 0)
		die("cannot start the daemon");
	memset(&reg, 0, sizeof(reg));
	reg.hdr.operation = HV_KVP_OP_REGISTER1;
	answer = reg;
	strcpy((char *)answer.body.reg.version, HV_KVP_KERNEL_VERSION);
	if (fk_register(fk, sizeof(reg), &reg, 1, &answer, sizeof(answer), TIMEOUT_MS) < 0)
		die("registration failed");
}

static void stop_daemon(void)
{
	if (tl_kill_wait(daemon_pid, SIGTERM, TIMEOUT_MS) != 0)
		die("daemon did not exit cleanly");
	daemon_pid = 0;
}

static uint32_t transact(struct hv_kvp_msg *m)
{
	if (fk_transact(fk, m, sizeof(*m), m, sizeof(*m), TIMEOUT_MS) != (ssize_t)sizeof(*m))
		die("transaction failed");
	return (uint32_t)m->error;
}

static void fill_kv(struct hv_kvp_msg *m, unsigned op, unsigned pool, unsigned key,
		    unsigned value)
{
	int n;

	memset(m, 0, sizeof(*m));
	m->hdr.operation = (__u8)op;
	m->hdr.pool = (__u8)pool;
	n = snprintf((char *)m->body.set.key, sizeof(m->body.set.key), "bench-key-%06u", key);
	m->body.set.key_size = (__u32)n + 1;
	n = snprintf((char *)m->body.set.value, sizeof(m->body.set.value), "new value %u", value);
	m->body.set.value_size = (__u32)n + 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static double ops_per_s(unsigned op, unsigned pool, unsigned keys)
{
	double rounds[ROUNDS];
	struct hv_kvp_msg m;
	unsigned long n = 0;

	for (int r = 0; r < ROUNDS; r++) {
		double start = now(), t;
		unsigned long done = 0;

		do {
			for (int i = 0; i < 16; i++, n++, done++) {
				fill_kv(&m, op, pool, (unsigned)rand() % keys, (unsigned)n);
				if (transact(&m) != HV_S_OK)
					die("request failed");
			}
			t = now() - start;
		} while (t < ROUND_SECONDS);
		rounds[r] = (double)done / t;
	}
	return median(rounds, ROUNDS);
}

static double enumerate_s(unsigned pool, unsigned keys)
{
	double rounds[ROUNDS];
	struct hv_kvp_msg m;

	for (int r = 0; r < ROUNDS; r++) {
		double start = now();
		unsigned i;

		for (i = 0;; i++) {
			memset(&m, 0, sizeof(m));
			m.hdr.operation = HV_KVP_OP_ENUMERATE;
			m.hdr.pool = (__u8)pool;
			m.body.enumerate.index = i;
			if (transact(&m) != HV_S_OK)
				break;
		}
		if (i != keys)
			die("enumeration returned the wrong number of records");
		rounds[r] = now() - start;
	}
	return median(rounds, ROUNDS);
}

static double fsync_ceiling(void)
{
	double rounds[ROUNDS];
	struct hv_kvp_record rec;
	char path[4300];
	unsigned long n = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/fsync-probe", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("cannot create the fsync probe");
	memset(&rec, 'x', sizeof(rec));
	for (int r = 0; r < ROUNDS; r++) {
		double start = now(), t;
		unsigned long done = 0;

		do {
			if (pwrite(fd, &rec, sizeof(rec),
				   (off_t)(n % 100) * (off_t)sizeof(rec)) != (ssize_t)sizeof(rec) ||
			    fdatasync(fd) < 0)
				die("fsync probe failed");
			n++;
			done++;
			t = now() - start;
		} while (t < ROUND_SECONDS);
		rounds[r] = (double)done / t;
	}
	close(fd);
	unlink(path);
	return median(rounds, ROUNDS);
}

/* Two processes bouncing a whole KVP message: the transport's own cost. */
static double ipc_floor(void)
{
	static struct hv_kvp_msg m;
	double rounds[ROUNDS];
	int sv[2];
	pid_t echo;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair");
	echo = fork();
	if (echo < 0)
		die("fork");
	if (echo == 0) {
		close(sv[0]);
		for (;;) {
			ssize_t n = read(sv[1], &m, sizeof(m));

			if (n <= 0 || write(sv[1], &m, (size_t)n) != n)
				_exit(0);
		}
	}
	close(sv[1]);
	for (int r = 0; r < ROUNDS; r++) {
		double start = now(), t;
		unsigned long done = 0;

		do {
			if (write(sv[0], &m, sizeof(m)) != (ssize_t)sizeof(m) ||
			    read(sv[0], &m, sizeof(m)) != (ssize_t)sizeof(m))
				die("ipc probe failed");
			done++;
			t = now() - start;
		} while (t < ROUND_SECONDS);
		rounds[r] = (double)done / t;
	}
	close(sv[0]);
	waitpid(echo, NULL, 0);
	return median(rounds, ROUNDS);
}

int main(int argc, char **argv)
{
	double get, set100, set10k, enum10k, ceiling, floor;
	FILE *f;

	if (argc > 1)
		snprintf(dir, sizeof(dir), "%s", argv[1]);
	else
		snprintf(dir, sizeof(dir), "%s/bench-kvp.tmp", HV_BINARY_DIR);
	tl_rm_rf(dir);
	if (mkdir(dir, 0755) < 0)
		die("cannot create the bench directory");
	snprintf(pools, sizeof(pools), "%s/pools", dir);
	snprintf(sock, sizeof(sock), "%s/hv_kvp", dir);
	snprintf(conf, sizeof(conf), "%s/kvp.conf", dir);
	mkdir(pools, 0755);
	f = fopen(conf, "we");
	if (!f || fputs("[KVP]\nLogLevel=warning\n[Intrinsic]\nFQDN=bench.example.test\n[IPInjection]\nEnable=no\n", f) < 0 ||
	    fclose(f) != 0)
		die("cannot write the configuration");
	fk = fk_new(sock);
	if (!fk)
		die("cannot create the kernel socket");
	srand(1);

	write_pool(0, 100);
	write_pool(1, 10000);
	start_daemon();
	get = ops_per_s(HV_KVP_OP_GET, 0, 100);
	set100 = ops_per_s(HV_KVP_OP_SET, 0, 100);
	set10k = ops_per_s(HV_KVP_OP_SET, 1, 10000);
	enum10k = enumerate_s(1, 10000);
	stop_daemon();
	ceiling = fsync_ceiling();
	floor = ipc_floor();

	printf("kvp_get_ops_per_s: %.0f ops/s\n", get);
	printf("kvp_set_ops_per_s_100_keys: %.0f ops/s\n", set100);
	printf("kvp_set_ops_per_s_10k_keys: %.0f ops/s\n", set10k);
	printf("kvp_enumerate_10k_keys_s: %.3f s\n", enum10k);
	printf("fsync_ceiling_per_s: %.0f ops/s\n", ceiling);
	printf("ipc_round_trip_floor_per_s: %.0f ops/s\n", floor);
	printf("kvp_get_vs_ipc_floor: %.2f ratio\n", get / floor);
	printf("kvp_set_10k_per_fsync: %.2f ratio\n", set10k / ceiling);

	fk_free(fk);
	tl_rm_rf(dir);
	return 0;
}
