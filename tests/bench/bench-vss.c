// SPDX-License-Identifier: MIT
/*
 * hv_vss_daemon freeze/thaw latency on loop-mounted ext4 (root only):
 * the real daemon over the fake kernel, time from the FREEZE request to
 * its answer plus THAW to its answer, median of ITERATIONS cycles, for one
 * and for sixteen filesystems. No hooks. For comparison, the bare ioctls
 * without the daemon (vss_raw_ioctl_ms_*). Prints "name: value unit"
 * lines, headline last.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hyperv/status.h>
#include <hyperv/vss.h>

#include "fake-kernel.h"

#define N_FS 16
#define ITERATIONS 20
#define WARMUP 2
#define TIMEOUT_MS 60000
#define DAEMON HV_BINARY_DIR "/daemons/vss/hv_vss_daemon"

static char base[512];
static char state_dir[600];	/* on tmpfs, like /run */
static int n_mounted;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int run(char *const argv[], const char *log)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP || flag == FTW_D)
		(void)rmdir(path);
	else
		(void)unlink(path);
	return 0;
}

static void cleanup(void)
{
	char path[700];

	if (!base[0])
		return;
	for (int i = n_mounted - 1; i >= 0; i--) {
		int fd;

		snprintf(path, sizeof(path), "%s/mnt/%02d", base, i);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			(void)ioctl(fd, FITHAW, 0);	/* never leave one frozen */
			close(fd);
		}
		for (int tries = 0; umount2(path, 0) < 0 && errno == EBUSY && tries < 50; tries++)
			usleep(100000);
		(void)umount2(path, MNT_DETACH);
	}
	n_mounted = 0;
	(void)nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (state_dir[0] && strcmp(state_dir + strlen(state_dir) - 4, "/run") != 0)
		(void)nftw(state_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	base[0] = '\0';
}

static void on_signal(int sig)
{
	cleanup();
	_exit(128 + sig);
}

static int make_fs(int i)
{
	char img[700], mp[700], log[700];
	int fd;

	snprintf(img, sizeof(img), "%s/%02d.img", base, i);
	snprintf(mp, sizeof(mp), "%s/mnt/%02d", base, i);
	snprintf(log, sizeof(log), "%s/tools.log", base);
	fd = open(img, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, 32 << 20) < 0)
		return -1;
	close(fd);
	{
		/* No lazy init: a background inode-table writer would be measured too. */
		char *argv[] = { "mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0",
				 img, NULL };

		if (run(argv, log) != 0)
			return -1;
	}
	if (mkdir(mp, 0755) < 0)
		return -1;
	{
		char *argv[] = { "mount", "-o", "loop", img, mp, NULL };

		if (run(argv, log) != 0)
			return -1;
	}
	n_mounted = i + 1;
	return 0;
}

static pid_t start_daemon(const char *sock, const char *include)
{
	const char *state = state_dir;
	char log[700];
	pid_t pid;

	snprintf(log, sizeof(log), "%s/daemon.log", base);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char *argv[] = { DAEMON, "-n", "--config", "/nonexistent/vss.conf", "--device",
				 (char *)sock, "--state-dir", (char *)state, "--no-hooks", "--include",
				 (char *)include, "--exclude", "/", NULL };
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static int request(struct fake_kernel *fk, unsigned op)
{
	struct hv_vss_msg msg = { 0 };
	uint32_t status;
	ssize_t n;

	msg.hdr.operation = (__u8)op;
	n = fk_transact(fk, &msg, sizeof(msg), &msg, sizeof(msg), TIMEOUT_MS);
	if (n != sizeof(msg))
		return -1;
	memcpy(&status, &msg, sizeof(status));
	return status == HV_S_OK ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Median freeze, thaw and freeze+thaw times for the filesystems matching include. */
static int measure(const char *tag, const char *include)
{
	static const unsigned char reg[1] = { HV_VSS_OP_REGISTER1 };
	static const unsigned char answer[4] = { HV_VSS_OP_REGISTER1, 0, 0, 0 };
	double freeze[ITERATIONS], thaw[ITERATIONS], total[ITERATIONS];
	char sock[700];
	struct fake_kernel *fk;
	pid_t pid;
	int status, r = -1;

	snprintf(sock, sizeof(sock), "%s/dev-%s", base, tag);
	fk = fk_new(sock);
	if (!fk)
		return -1;
	pid = start_daemon(sock, include);
	if (pid < 0 || fk_register(fk, HV_VSS_MSG_SIZE, reg, 1, answer, sizeof(answer),
				   TIMEOUT_MS) < 0) {
		fprintf(stderr, "the daemon did not register (see %s/daemon.log)\n", base);
		goto out;
	}
	for (int i = -WARMUP; i < ITERATIONS; i++) {
		double t0 = now_ms(), t1, t2;

		if (request(fk, HV_VSS_OP_FREEZE) < 0)
			goto out;
		t1 = now_ms();
		if (request(fk, HV_VSS_OP_THAW) < 0)
			goto out;
		t2 = now_ms();
		if (i < 0)
			continue;
		freeze[i] = t1 - t0;
		thaw[i] = t2 - t1;
		total[i] = t2 - t0;
	}
	printf("vss_freeze_ms_%s: %.2f ms\n", tag, median(freeze, ITERATIONS));
	printf("vss_thaw_ms_%s: %.2f ms\n", tag, median(thaw, ITERATIONS));
	printf("vss_freeze_thaw_ms_%s: %.2f ms\n", tag, median(total, ITERATIONS));
	fflush(stdout);
	r = 0;
out:
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
	}
	fk_free(fk);
	return r;
}

/* The kernel's part alone: FIFREEZE all, FITHAW all in reverse, no daemon. */
static int measure_raw(int n)
{
	double total[ITERATIONS];
	int fds[N_FS], unused = 0;

	for (int i = 0; i < n; i++) {
		char path[700];

		snprintf(path, sizeof(path), "%s/mnt/%02d", base, i);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			return -1;
	}
	for (int it = -WARMUP; it < ITERATIONS; it++) {
		double t0 = now_ms();

		for (int i = 0; i < n; i++)
			if (ioctl(fds[i], FIFREEZE, &unused) < 0)
				perror("FIFREEZE");
		for (int i = n - 1; i >= 0; i--)
			if (ioctl(fds[i], FITHAW, &unused) < 0)
				perror("FITHAW");
		if (it >= 0)
			total[it] = now_ms() - t0;
	}
	for (int i = 0; i < n; i++)
		close(fds[i]);
	printf("vss_raw_ioctl_ms_%dfs: %.2f ms\n", n, median(total, ITERATIONS));
	return 0;
}

int main(void)
{
	char include[700], mnt[700];
	int r = 0;

	if (geteuid() != 0) {
		/* Not a failure: "./run bench" goes on with the other benchmarks. */
		printf("# bench-vss skipped: needs root (it freezes loop-mounted filesystems)\n");
		return 0;
	}
	snprintf(base, sizeof(base), "%s/hvtvss-bench-XXXXXX", HV_BINARY_DIR);
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 1;
	}
	/* The state file lives on tmpfs in production (/run): measure that, not a disk's fsync. */
	snprintf(state_dir, sizeof(state_dir), "/dev/shm/hvtvss-bench-XXXXXX");
	if (!mkdtemp(state_dir)) {
		snprintf(state_dir, sizeof(state_dir), "%s/run", base);
		printf("# /dev/shm unavailable: state file on disk (%s)\n", state_dir);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	snprintf(mnt, sizeof(mnt), "%s/mnt", base);
	if (mkdir(mnt, 0755) < 0) {
		cleanup();
		return 1;
	}
	for (int i = 0; i < N_FS; i++) {
		if (make_fs(i) < 0) {
			fprintf(stderr, "cannot create filesystem %d (see %s/tools.log)\n", i, base);
			cleanup();
			return 1;
		}
	}
	/* The images' mkfs writes sit in the page cache of the disk below: flush them first. */
	{
		int fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd >= 0) {
			(void)syncfs(fd);
			close(fd);
		}
	}
	printf("vss_bench_iterations: %d cycles\n", ITERATIONS);
	r |= measure_raw(1);
	r |= measure_raw(N_FS);
	snprintf(include, sizeof(include), "%s/mnt/00", base);
	r |= measure("1fs", include);
	snprintf(include, sizeof(include), "%s/mnt/*", base);
	r |= measure("16fs", include);
	cleanup();
	return r ? 1 : 0;
}
