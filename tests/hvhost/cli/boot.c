// SPDX-License-Identifier: MIT
/*
 * boot and quit: the QEMU command line of the hvhost contract
 * (tests/hvhost/README.md), QEMU started detached with its output in
 * DIR/qemu.log, and the wait until QMP answers.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "hvhost.h"
#include "log.h"
#include "util.h"

#define BOOT_LOG_TAIL_LINES 20
#define BOOT_POLL_USEC (100ULL * USEC_PER_MSEC)
#define BOOT_KILL_WAIT_USEC (5ULL * USEC_PER_SEC)
#define BOOT_APPEND_BASE "console=ttyS0 panic=-1"

/* The integration components, with the ids the contract gives them. */
static const char *const ic_devices[] = {
	"hv-heartbeat,id=hb", "hv-shutdown,id=shutdown", "hv-timesync,id=ts",
	"hv-kvp,id=kvp",      "hv-vss,id=vss",		 "hv-fcopy,id=fcopy",
};

char *hvhost_qemu_opt_escape(const char *s)
{
	size_t n = strlen(s) + 1;
	char *e, *p;

	for (const char *c = s; *c; c++)
		n += *c == ',';
	e = p = malloc(n);
	if (!e)
		return NULL;
	for (const char *c = s; *c; c++) {
		*p++ = *c;
		if (*c == ',')
			*p++ = ',';
	}
	*p = '\0';
	return e;
}

static int push_fmt(char ***l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int push_fmt(char ***l, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	r = strv_push(l, s);
	if (r < 0)
		free(s);
	return r;
}

/* The SCSI controller scsi0 and disk i as LUN i on it, drive and device both disk<i>. */
static int push_disks(char ***l, const struct hvhost_args *a)
{
	size_t i = 0;
	int r = 0;

	if (!a->disk_controller)
		return 0;
	r |= strv_extend(l, "-device");
	r |= push_fmt(l, "%s,id=" HVHOST_SCSI_CONTROLLER, a->disk_controller);
	STRV_FOREACH(d, a->disks) {
		_cleanup_free_ char *file = hvhost_qemu_opt_escape(*d);

		if (!file || !a->disk_formats || !a->disk_formats[i])
			return -ENOMEM;
		r |= strv_extend(l, "-drive");
		r |= push_fmt(l,
			      "if=none,id=disk%zu,file=%s,format=%s,cache=writeback,discard=unmap",
			      i, file, a->disk_formats[i]);
		r |= strv_extend(l, "-device");
		r |= push_fmt(l,
			      "scsi-hd,drive=disk%zu,bus=" HVHOST_SCSI_CONTROLLER
			      ".0,channel=0,scsi-id=0,lun=%zu,id=disk%zu",
			      i, i, i);
		i++;
	}
	return r;
}

/*
 * NIC i: user networking n<i>, device nic<i> with the boot MAC + i. Each
 * user network has a subnet of its own, 10.0.(2 + i).0/24 (QEMU's default
 * for the first), so that a guest with two NICs has two routes, not two
 * interfaces with the same address.
 */
static int push_nics(char ***l, const struct hvhost_args *a)
{
	unsigned i = 0;
	int r = 0;

	STRV_FOREACH(m, a->nics) {
		const char *driver = hvhost_nic_driver(*m);
		char mac[18];

		if (!driver || hvhost_mac_add(a->mac, (int64_t)i, mac) < 0)
			return -EINVAL;
		r |= strv_extend(l, "-netdev");
		if (i == 0)
			r |= strv_extend(l, "user,id=n0");
		else
			r |= push_fmt(l, "user,id=n%u,net=10.0.%u.0/24", i, 2 + i);
		r |= strv_extend(l, "-device");
		/* romfile=: no option ROM (-nodefaults, and none is needed to boot from -kernel). */
		r |= push_fmt(l, "%s,netdev=n%u%s,mac=%s,id=nic%u", driver, i,
			      streq(*m, "virtio") ? ",romfile=" : "", mac, i);
		i++;
	}
	return r;
}

int hvhost_qemu_argv(const struct hvhost_args *a, const char *dir, char ***ret)
{
	_cleanup_strv_free_ char **l = NULL;
	_cleanup_free_ char *edir = hvhost_qemu_opt_escape(dir);
	int r = 0;

	if (!edir)
		return -ENOMEM;

	r |= strv_extend(&l, a->qemu);
	r |= strv_extend(&l, "-accel");
	r |= strv_extend(&l, "tcg,thread=multi");
	r |= strv_extend(&l, "-machine");
	r |= strv_extend(&l, "q35");
	r |= strv_extend(&l, "-smp");
	r |= push_fmt(&l, "%u", a->smp);
	r |= strv_extend(&l, "-m");
	r |= push_fmt(&l, "%u", a->mem_mb);
	r |= strv_extend(&l, "-cpu");
	/* The hv-* enlightenments as under KVM; none of them off Hyper-V. */
	r |= strv_extend(&l, a->no_hv ? "qemu64" : "qemu64,hv-vpindex,hv-synic,hv-time,hv-relaxed");
	r |= strv_extend(&l, "-nodefaults");
	r |= strv_extend(&l, "-nographic");
	r |= strv_extend(&l, "-no-user-config");
	r |= strv_extend(&l, "-L");
	r |= strv_extend(&l, "/usr/share/qemu");
	r |= strv_extend(&l, "-L");
	r |= strv_extend(&l, "/usr/share/seabios");
	if (!a->no_hv) {
		r |= strv_extend(&l, "-device");
		if (a->vmbus_version)
			r |= push_fmt(&l, "vmbus-bridge,max-version=%s", a->vmbus_version);
		else
			r |= strv_extend(&l, "vmbus-bridge");
		for (size_t i = 0; !a->no_ics && i < ELEMENTSOF(ic_devices); i++) {
			r |= strv_extend(&l, "-device");
			r |= strv_extend(&l, ic_devices[i]);
		}
	}
	r |= strv_extend(&l, "-chardev");
	r |= push_fmt(&l, "file,id=con,path=%s/console.log", edir);
	r |= strv_extend(&l, "-serial");
	r |= strv_extend(&l, "chardev:con");
	r |= strv_extend(&l, "-chardev");
	r |= push_fmt(&l, "socket,id=agent,path=%s/agent.sock,server=on,wait=off", edir);
	r |= strv_extend(&l, "-device");
	r |= strv_extend(&l, "isa-serial,chardev=agent");
	r |= strv_extend(&l, "-qmp");
	r |= push_fmt(&l, "unix:%s/qmp.sock,server=on,wait=off", edir);
	r |= push_disks(&l, a);
	r |= push_nics(&l, a);
	r |= strv_extend(&l, "-kernel");
	r |= strv_extend(&l, a->kernel);
	r |= strv_extend(&l, "-initrd");
	r |= strv_extend(&l, a->initrd);
	r |= strv_extend(&l, "-append");
	if (a->append && *a->append)
		r |= push_fmt(&l, BOOT_APPEND_BASE " %s", a->append);
	else
		r |= strv_extend(&l, BOOT_APPEND_BASE);
	STRV_FOREACH(d, a->drives) {
		r |= strv_extend(&l, "-drive");
		r |= strv_extend(&l, *d);
	}
	STRV_FOREACH(d, a->devices) {
		r |= strv_extend(&l, "-device");
		r |= strv_extend(&l, *d);
	}
	/* Every helper returns 0 or -errno: any failure leaves a bit set. */
	if (r)
		return r == -EINVAL ? -EINVAL : -ENOMEM;
	*ret = TAKE_PTR(l);
	return 0;
}

static int read_pid_file(const char *path, pid_t *ret)
{
	_cleanup_free_ char *line = NULL;
	uint32_t v;
	int r;

	r = read_one_line_file(path, &line);
	if (r < 0)
		return r;
	if (safe_atou32(strstrip(line), &v) < 0 || v < 2 || v > INT32_MAX)
		return -EBADMSG;
	*ret = (pid_t)v;
	return 0;
}

/* Alive and not a zombie: a QEMU nobody reaps stays in the table as 'Z'. */
static bool pid_alive(pid_t pid)
{
	char path[64];
	_cleanup_free_ char *stat = NULL;
	const char *paren;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_full_file(path, 4096, &stat, NULL) < 0)
		return kill(pid, 0) == 0 || errno != ESRCH;
	paren = strrchr(stat, ')');
	return !(paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X'));
}

int hvhost_qemu_pid(const struct hvhost *h, pid_t *ret)
{
	_cleanup_free_ char *pidfile = hvhost_path(h, "qemu.pid");
	_cleanup_free_ char *qmp = hvhost_path(h, "qmp.sock");
	_cleanup_free_ char *eqmp = NULL, *cmdline = NULL;
	char path[64];
	size_t size;
	pid_t pid;
	int r;

	if (!pidfile || !qmp)
		return -ENOMEM;
	r = read_pid_file(pidfile, &pid);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	if (!pid_alive(pid))
		return -ESRCH;
	/* Pids are reused: it must be the QEMU whose QMP socket is in DIR. */
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if (read_full_file(path, 1024 * 1024, &cmdline, &size) < 0)
		return -ESRCH;
	for (size_t i = 0; i < size; i++)
		if (!cmdline[i])
			cmdline[i] = ' ';
	eqmp = hvhost_qemu_opt_escape(qmp);
	if (!eqmp)
		return -ENOMEM;
	if (!strstr(cmdline, eqmp))
		return -ESRCH;
	*ret = pid;
	return 0;
}

int hvhost_wait_pid_gone(pid_t pid, uint64_t timeout_usec)
{
	uint64_t deadline = now_usec(CLOCK_MONOTONIC) + timeout_usec;
	struct timespec ts = { 0, (long)(BOOT_POLL_USEC * 1000) };

	while (pid_alive(pid)) {
		if (now_usec(CLOCK_MONOTONIC) >= deadline)
			return -ETIMEDOUT;
		(void)nanosleep(&ts, NULL);
	}
	return 0;
}

static void print_log_tail(const char *path)
{
	_cleanup_free_ char *text = NULL;
	size_t size, lines = 0;
	const char *start;

	if (read_full_file(path, 16 * 1024 * 1024, &text, &size) < 0 || size == 0) {
		log_error("(%s is empty)", path);
		return;
	}
	start = text + size;
	if (start > text && start[-1] == '\n')
		start--;
	while (start > text && lines < BOOT_LOG_TAIL_LINES) {
		start--;
		if (*start == '\n')
			lines++;
	}
	if (*start == '\n')
		start++;
	fprintf(stderr, "--- last lines of %s ---\n", path);
	/* Line by line, so that only what could drive the terminal is escaped. */
	while (*start) {
		const char *nl = strchr(start, '\n');
		size_t n = nl ? (size_t)(nl - start) : strlen(start);

		hvhost_print_escaped(stderr, start, n);
		fputs("\n", stderr);
		start += n + (nl ? 1 : 0);
	}
	fputs("---\n", stderr);
}

static int check_readable(const char *what, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return log_error_errno(errno, "%s %s: %m", what, path);
	if (!S_ISREG(st.st_mode))
		return log_error_errno(EINVAL, "%s %s is not a regular file", what, path);
	if (access(path, R_OK) < 0)
		return log_error_errno(errno, "%s %s: %m", what, path);
	return 0;
}

/* fork + setsid + exec; returns the pid once exec has succeeded. */
static int spawn_qemu(char **argv, const char *log_path, pid_t *ret)
{
	_cleanup_close_ int logfd = -1, nullfd = -1;
	int pipefd[2], err = 0;
	ssize_t n;
	pid_t pid;

	logfd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (logfd < 0)
		return log_error_errno(errno, "cannot create %s: %m", log_path);
	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nullfd < 0)
		return log_error_errno(errno, "/dev/null: %m");
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return log_error_errno(errno, "pipe: %m");

	pid = fork();
	if (pid < 0) {
		err = errno;
		safe_close(pipefd[0]);
		safe_close(pipefd[1]);
		return log_error_errno(err, "fork: %m");
	}
	if (pid == 0) {
		/* Own session: the terminal's ^C is for hvhost, not for the VM. */
		(void)setsid();
		if (dup2(nullfd, STDIN_FILENO) < 0 || dup2(logfd, STDOUT_FILENO) < 0 ||
		    dup2(logfd, STDERR_FILENO) < 0)
			err = errno;
		else {
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			signal(SIGPIPE, SIG_DFL);
			execvp(argv[0], argv);
			err = errno;
		}
		(void)!write(pipefd[1], &err, sizeof(err));
		_exit(127);
	}
	safe_close(pipefd[1]);
	/* EOF: exec succeeded (the pipe is close-on-exec); an int: why it did not. */
	do
		n = read(pipefd[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	safe_close(pipefd[0]);
	if (n == sizeof(err)) {
		(void)waitpid(pid, NULL, 0);
		return log_error_errno(err, "cannot run %s: %m", argv[0]);
	}
	*ret = pid;
	return 0;
}

static void stop_child(pid_t pid)
{
	uint64_t deadline = now_usec(CLOCK_MONOTONIC) + BOOT_KILL_WAIT_USEC;
	struct timespec ts = { 0, (long)(BOOT_POLL_USEC * 1000) };

	(void)kill(pid, SIGTERM);
	while (waitpid(pid, NULL, WNOHANG) == 0) {
		if (now_usec(CLOCK_MONOTONIC) >= deadline) {
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, NULL, 0);
			return;
		}
		(void)nanosleep(&ts, NULL);
	}
}

/* Poll until QMP greets us, QEMU exits, the timeout passes or a signal arrives. */
static int wait_qmp(struct hvhost *h, pid_t pid, const char *qmp_path, const char *log_path)
{
	uint64_t deadline = now_usec(CLOCK_MONOTONIC) + h->args->qmp_timeout_usec;
	int status, r, fd;

	for (;;) {
		struct timespec ts = { 0, (long)(BOOT_POLL_USEC * 1000) };
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid) {
			if (WIFEXITED(status))
				log_error("QEMU exited with status %d before QMP answered",
					  WEXITSTATUS(status));
			else
				log_error("QEMU was killed by signal %d before QMP answered",
					  WTERMSIG(status));
			print_log_tail(log_path);
			return -ECHILD;
		}
		if (hvhost_interrupted) {
			stop_child(pid);
			return log_error_errno(EINTR, "interrupted; QEMU stopped");
		}
		if (now_usec(CLOCK_MONOTONIC) >= deadline) {
			stop_child(pid);
			log_error("QMP did not answer on %s within %.0f s; QEMU stopped", qmp_path,
				  (double)h->args->qmp_timeout_usec / USEC_PER_SEC);
			print_log_tail(log_path);
			return -ETIMEDOUT;
		}
		r = qmp_unix_connect(qmp_path, 0, &fd);
		if (r == 0) {
			struct qmp *q = qmp_new(fd, h->args->qmp_timeout_usec);

			if (!q) {
				safe_close(fd);
				return log_oom();
			}
			r = qmp_handshake(q);
			if (r == 0) {
				h->qmp = q;
				return 0;
			}
			log_debug("QMP handshake failed (%d), retrying", r);
			qmp_free(q);
		}
		(void)nanosleep(&ts, NULL);
	}
}

int hvhost_cmd_boot(struct hvhost *h)
{
	_cleanup_free_ char *qmp_path = hvhost_path(h, "qmp.sock");
	_cleanup_free_ char *agent_path = hvhost_path(h, "agent.sock");
	_cleanup_free_ char *log_path = hvhost_path(h, "qemu.log");
	_cleanup_free_ char *pid_path = hvhost_path(h, "qemu.pid");
	_cleanup_free_ char *console_path = hvhost_path(h, "console.log");
	_cleanup_free_ char *kernel = NULL, *initrd = NULL, *pidtext = NULL;
	_cleanup_strv_free_ char **argv = NULL, **disks = NULL;
	struct hvhost_args a = *h->args;
	pid_t pid;
	int r, fd;

	if (!qmp_path || !agent_path || !log_path || !pid_path || !console_path)
		return log_oom();
	if (strlen(qmp_path) >= 108 || strlen(agent_path) >= 108)
		return log_error_errno(ENAMETOOLONG,
				       "%s is too long for a unix socket path (108 bytes)",
				       agent_path);
	r = check_readable("kernel", a.kernel);
	if (r < 0)
		return r;
	r = check_readable("initrd", a.initrd);
	if (r < 0)
		return r;
	/* QEMU keeps our working directory, but the paths must not depend on it. */
	if (hvhost_make_absolute(a.kernel, &kernel) < 0 ||
	    hvhost_make_absolute(a.initrd, &initrd) < 0)
		return log_oom();
	a.kernel = kernel;
	a.initrd = initrd;
	STRV_FOREACH(d, a.disks) {
		char *abs;

		if (hvhost_make_absolute(*d, &abs) < 0 || strv_push(&disks, abs) < 0)
			return log_oom();
	}
	if (disks)
		a.disks = disks;

	r = mkdir_p(h->dir, 0755);
	if (r < 0)
		return log_error_errno(r, "cannot create %s: %m", h->dir);
	if (hvhost_qemu_pid(h, &pid) == 0)
		return log_error_errno(EEXIST, "a VM is already running in %s (QEMU pid %d)",
				       h->dir, (int)pid);
	/* A QEMU we have no pid of (pid file removed) that still listens: do not cut it off. */
	if (qmp_unix_connect(qmp_path, 0, &fd) == 0) {
		safe_close(fd);
		return log_error_errno(
			EEXIST, "something already listens on %s: quit that VM first", qmp_path);
	}
	/* Leftovers of a QEMU that is gone: a stale socket would only refuse connections. */
	(void)unlink(qmp_path);
	(void)unlink(agent_path);
	(void)unlink(pid_path);

	r = hvhost_qemu_argv(&a, h->dir, &argv);
	if (r < 0)
		return log_oom();
	if (log_get_max_level() >= LOG_DEBUG)
		STRV_FOREACH(s, argv)
			log_debug("argv: %s", *s);

	hvhost_catch_signals();
	r = spawn_qemu(argv, log_path, &pid);
	if (r < 0)
		return r;
	if (asprintf(&pidtext, "%d\n", (int)pid) < 0)
		pidtext = NULL;
	if (!pidtext || write_file_atomic(pid_path, pidtext, strlen(pidtext), 0644) < 0)
		log_warning("cannot write %s: QEMU runs as pid %d", pid_path, (int)pid);

	r = wait_qmp(h, pid, qmp_path, log_path);
	if (r < 0) {
		(void)unlink(pid_path);
		return r;
	}

	if (h->args->json) {
		json_object *doc = json_object_new_object(), *jargv = json_object_new_array();

		STRV_FOREACH(s, argv)
			json_object_array_add(jargv, json_object_new_string(*s));
		json_object_object_add(doc, "pid", json_object_new_int(pid));
		json_object_object_add(doc, "dir", json_object_new_string(h->dir));
		json_object_object_add(doc, "qmp", json_object_new_string(qmp_path));
		json_object_object_add(doc, "agent", json_object_new_string(agent_path));
		json_object_object_add(doc, "console", json_object_new_string(console_path));
		json_object_object_add(doc, "log", json_object_new_string(log_path));
		json_object_object_add(doc, "hv", json_object_new_boolean(!a.no_hv));
		json_object_object_add(doc, "argv", jargv);
		return hvhost_json_print(doc);
	}
	printf("QEMU is running (pid %d)%s\n"
	       "  qmp      %s\n"
	       "  agent    %s\n"
	       "  console  %s\n"
	       "  log      %s\n",
	       (int)pid, a.no_hv ? ", without Hyper-V" : "", qmp_path, agent_path, console_path,
	       log_path);
	return 0;
}

int hvhost_cmd_quit(struct hvhost *h)
{
	_cleanup_free_ char *pid_path = hvhost_path(h, "qemu.pid");
	struct qmp *q;
	pid_t pid = 0;
	bool have_pid;
	int r;

	if (!pid_path)
		return log_oom();
	have_pid = hvhost_qemu_pid(h, &pid) == 0;
	r = hvhost_call(h, "quit", NULL, 0, NULL);
	if (r < 0)
		return r;
	q = h->qmp;
	r = qmp_wait_hangup(q, h->args->qmp_timeout_usec);
	if (r < 0)
		log_warning("QEMU still holds the QMP connection after quit");
	if (have_pid) {
		r = hvhost_wait_pid_gone(pid, h->args->qmp_timeout_usec);
		if (r < 0)
			return log_error_errno(r, "QEMU (pid %d) did not exit", (int)pid);
		(void)unlink(pid_path);
	}
	if (h->args->json) {
		json_object *doc = json_object_new_object();

		json_object_object_add(doc, "quit", json_object_new_boolean(true));
		if (have_pid)
			json_object_object_add(doc, "pid", json_object_new_int(pid));
		return hvhost_json_print(doc);
	}
	if (have_pid)
		printf("QEMU (pid %d) has exited\n", (int)pid);
	else
		printf("QEMU quit\n");
	return 0;
}
