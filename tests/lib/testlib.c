// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

char *tl_mkdtemp(const char *tag)
{
	const char *tmp = getenv("TMPDIR");
	char *p;

	if (asprintf(&p, "%s/hvt-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", tag) < 0)
		abort();
	if (!mkdtemp(p)) {
		fprintf(stderr, "mkdtemp %s: %m\n", p);
		abort();
	}
	return p;
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

void tl_rm_rf(const char *path)
{
	if (path)
		(void)nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

void tl_write_file(const char *path, const char *content)
{
	char *dir = strdup(path);
	FILE *f;

	for (char *s = dir + 1; *s; s++) {
		if (*s == '/') {
			*s = '\0';
			(void)mkdir(dir, 0755);
			*s = '/';
		}
	}
	free(dir);
	f = fopen(path, "we");
	ck_assert_msg(f != NULL, "cannot create %s: %s", path, strerror(errno));
	ck_assert_int_eq(fputs(content, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

char *tl_read_file(const char *path, size_t *ret_size)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t size = 0;

	if (!f)
		return NULL;
	for (;;) {
		char chunk[65536];
		size_t n = fread(chunk, 1, sizeof(chunk), f);
		char *nb;

		if (n == 0)
			break;
		nb = realloc(buf, size + n + 1);
		if (!nb)
			abort();
		buf = nb;
		memcpy(buf + size, chunk, n);
		size += n;
	}
	fclose(f);
	if (!buf)
		buf = calloc(1, 1);
	buf[size] = '\0';
	if (ret_size)
		*ret_size = size;
	return buf;
}

pid_t tl_spawn(char *const argv[])
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		sigset_t all;

		/* check may have blocked signals; the child starts clean. */
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		if (fd >= 0)
			dup2(fd, STDIN_FILENO);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %m\n", argv[0]);
		_exit(127);
	}
	return pid;
}

int tl_wait(pid_t pid, int timeout_ms)
{
	struct timespec start, now;
	int status;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		long elapsed;

		if (r == pid)
			break;
		if (r < 0)
			return -errno;
		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (timeout_ms >= 0 && elapsed > timeout_ms)
			return -ETIMEDOUT;
		(void)poll(NULL, 0, 5);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int tl_kill_wait(pid_t pid, int sig, int timeout_ms)
{
	if (kill(pid, sig) < 0)
		return -errno;
	return tl_wait(pid, timeout_ms);
}

void tl_require_root(const char *why)
{
	if (geteuid() == 0)
		return;
	printf("SKIP: needs root (%s)\n", why);
	exit(TL_EXIT_SKIP);
}

void tl_add_test(Suite *s, const char *name, const TTest *t)
{
	TCase *tc = tcase_create(name);

	tcase_add_test(tc, t);
	suite_add_tcase(s, tc);
}

int tl_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
