// SPDX-License-Identifier: MIT
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hyperv/vss.h>

#include "test-vss-util.h"
#include "testlib.h"

static pid_t spawn(char **argv, const char *out)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* A test that dies must not leave a daemon (and maybe frozen filesystems) behind. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %m\n", argv[0]);
		_exit(127);
	}
	return pid;
}

/* argv = $HV_TEST_WRAPPER words, then base, then extra. */
static char **build_argv(const char *const *base, const char *const *extra, bool wrap)
{
	const char *wrapper = wrap ? getenv("HV_TEST_WRAPPER") : NULL;
	char **argv = calloc(128, sizeof(char *));
	size_t n = 0;

	if (wrapper && *wrapper) {
		char *copy = strdup(wrapper), *save = NULL;

		for (char *w = strtok_r(copy, " ", &save); w && n < 32; w = strtok_r(NULL, " ", &save))
			argv[n++] = strdup(w);
		free(copy);
	}
	for (; base && *base && n < 100; base++)
		argv[n++] = strdup(*base);
	for (; extra && *extra && n < 126; extra++)
		argv[n++] = strdup(*extra);
	return argv;
}

static void free_argv(char **argv)
{
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

pid_t vt_daemon_start(const char *sock, const char *state_dir, const char *log,
		      const char *const *extra)
{
	const char *base[] = { VT_DAEMON, "-n", "-d", "--config", "/nonexistent/vss.conf",
			       "--device", sock, "--state-dir", state_dir, NULL };
	char **argv = build_argv(base, extra, true);
	pid_t pid = spawn(argv, log);

	free_argv(argv);
	return pid;
}

int vt_cli(const char *state_dir, const char *out_file, const char *const *args)
{
	const char *base[] = { VT_DAEMON, "--config", "/nonexistent/vss.conf", "--state-dir",
			       state_dir, NULL };
	char **argv = build_argv(base, args, true);
	pid_t pid = spawn(argv, out_file);

	free_argv(argv);
	if (pid < 0)
		return pid;
	return tl_wait(pid, VT_TIMEOUT_MS * 2);
}

int vt_register(struct fake_kernel *fk)
{
	static const unsigned char reg[1] = { HV_VSS_OP_REGISTER1 };
	static const unsigned char answer[4] = { HV_VSS_OP_REGISTER1, 0, 0, 0 };

	return fk_register(fk, HV_VSS_MSG_SIZE, reg, 1, answer, sizeof(answer), VT_TIMEOUT_MS);
}

int vt_send(struct fake_kernel *fk, unsigned op)
{
	struct hv_vss_msg msg = { 0 };

	msg.hdr.operation = (__u8)op;
	return fk_send(fk, &msg, sizeof(msg));
}

int64_t vt_reply(struct fake_kernel *fk, int timeout_ms, struct hv_vss_msg *ret)
{
	struct hv_vss_msg msg;
	ssize_t n;
	uint32_t status;

	n = fk_recv(fk, &msg, sizeof(msg), timeout_ms);
	if (n < 0)
		return n;
	if (n != sizeof(msg))
		return -EMSGSIZE;
	memcpy(&status, &msg, sizeof(status));
	if (ret)
		*ret = msg;
	return status;
}

int64_t vt_request(struct fake_kernel *fk, unsigned op, int timeout_ms, struct hv_vss_msg *ret)
{
	int r = vt_send(fk, op);

	if (r < 0)
		return r;
	return vt_reply(fk, timeout_ms, ret);
}

char *vt_hook(const char *dir, const char *name, const char *log, const char *body)
{
	char *path, *script;

	ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
	ck_assert_int_ge(asprintf(&script, "#!/bin/sh\necho \"%s $*\" >> '%s'\n%s\n", name, log,
				  body ? body : ""), 0);
	tl_write_file(path, script);
	ck_assert_int_eq(chmod(path, 0755), 0);
	free(script);
	return path;
}

char *vt_read(const char *path)
{
	char *s = tl_read_file(path, NULL);

	return s ? s : strdup("");
}

bool vt_wait_file(const char *path, const char *want, bool contains, int timeout_ms)
{
	for (int waited = 0;; waited += 20) {
		char *s = vt_read(path);
		bool ok = contains ? strstr(s, want) != NULL : strcmp(s, want) == 0;

		free(s);
		if (ok)
			return true;
		if (waited >= timeout_ms)
			return false;
		(void)poll(NULL, 0, 20);
	}
}
