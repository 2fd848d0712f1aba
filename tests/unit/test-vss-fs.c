// SPDX-License-Identifier: MIT
/*
 * Real freezes (root only, exit 77 otherwise): loop-mounted ext4, xfs and
 * btrfs images (with a bind mount and a btrfs subvolume mount), a
 * filesystem that refuses to freeze, hooks that fail or hang, SIGTERM
 * while frozen, kill -9 while frozen followed by a restart or --thaw,
 * auto-thaw, a device reset. Each ends with every filesystem thawed and
 * writable, verified by writing to it from a child with a timeout (a write
 * to a frozen filesystem blocks).
 *
 * Safety: images live in the build tree, mounts under it; the daemon's
 * scope is restricted to those mounts (--include, and --exclude /). A
 * janitor in the parent process thaws, unmounts and detaches everything
 * under the test directory after each test, whatever happened in it.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hyperv/status.h>
#include <hyperv/vss.h>

#include "fake-kernel.h"
#include "test-vss-util.h"
#include "testlib.h"
#include "util.h"

/* ext4 and xfs "going down" ioctl: the filesystem shuts down and refuses to freeze. */
#define HV_FS_IOC_SHUTDOWN _IOR('X', 125, __u32)
#define HV_FS_SHUTDOWN_NOLOGFLUSH 2

#define WRITE_TIMEOUT_MS 10000

enum {
	W_EXT4 = 1 << 0,	/* mnt/ext4, plus mnt/bind: a bind mount of it */
	W_XFS = 1 << 1,		/* mnt/xfs */
	W_BTRFS = 1 << 2,	/* mnt/btrfs, plus mnt/btrfs-sub: subvolume "sub" */
	W_REFUSE = 1 << 3,	/* mnt/zz-refuse: ext4, shut down */
};

static char base[512];		/* set in the parent, inherited by the test child */
static char *sock, *state, *hooks, *calls, *daemon_log, *out, *mnt;
static struct fake_kernel *fk;
static pid_t daemon_pid;

static char *in_base(const char *name)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", base, name), 0);
	return p;
}

static char *in_mnt(const char *name)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/mnt/%s", base, name), 0);
	return p;
}

/* ---- janitor: runs in the parent after every test ---- */

static void thaw_quietly(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), unused = 0;

	if (fd < 0)
		return;
	(void)ioctl(fd, FITHAW, &unused);
	close(fd);
}

static void kill_recorded_pids(void)
{
	char path[600], line[64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/pids", base);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		pid_t pid = atoi(line);

		if (pid > 0)
			(void)kill(pid, SIGKILL);
	}
	fclose(f);
}

/* Our mounts, deepest first (mountinfo lists children after parents: walk it backwards). */
static int our_mounts(char ***ret)
{
	char *text = tl_read_file("/proc/self/mountinfo", NULL);
	char **list = NULL;
	size_t n = 0;

	for (char *line = text, *next; line && *line; line = next) {
		char mp[4096], *o = mp;
		char *f;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		/* 5th field, unescaped. */
		f = line;
		for (int i = 0; i < 4 && f; i++) {
			f = strchr(f, ' ');
			if (f)
				f++;
		}
		if (!f)
			continue;
		for (; *f && *f != ' ' && o < mp + sizeof(mp) - 1; f++) {
			if (f[0] == '\\' && f[1] && f[2] && f[3]) {
				*o++ = (char)(((f[1] - '0') << 6) | ((f[2] - '0') << 3) | (f[3] - '0'));
				f += 3;
			} else {
				*o++ = *f;
			}
		}
		*o = '\0';
		if (strncmp(mp, base, strlen(base)) == 0 && mp[strlen(base)] == '/') {
			list = realloc(list, (n + 2) * sizeof(char *));
			list[n++] = strdup(mp);
			list[n] = NULL;
		}
	}
	free(text);
	/* Reverse: last mounted first. */
	for (size_t i = 0; i < n / 2; i++) {
		char *t = list[i];

		list[i] = list[n - 1 - i];
		list[n - 1 - i] = t;
	}
	*ret = list;
	return (int)n;
}

static void detach_loops(void)
{
	DIR *d = opendir("/sys/block");
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[600], *backing;

		if (strncmp(de->d_name, "loop", 4) != 0)
			continue;
		snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file", de->d_name);
		backing = tl_read_file(path, NULL);
		if (backing && strncmp(backing, base, strlen(base)) == 0) {
			int fd;

			snprintf(path, sizeof(path), "/dev/%s", de->d_name);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				(void)ioctl(fd, LOOP_CLR_FD, 0);
				close(fd);
			}
		}
		free(backing);
	}
	closedir(d);
}

static void janitor(void)
{
	char **mounts = NULL;

	if (!base[0])
		return;
	kill_recorded_pids();
	/* Thaw first: writers blocked on a frozen filesystem, and umount, need it. */
	for (int pass = 0; pass < 2; pass++) {
		int n = our_mounts(&mounts);

		for (int i = 0; i < n; i++)
			thaw_quietly(mounts[i]);
		for (int i = 0; i < n; i++) {
			int tries = 0;

			while (umount2(mounts[i], 0) < 0 && errno == EBUSY && tries++ < 50)
				usleep(100000);
			(void)umount2(mounts[i], MNT_DETACH);
			free(mounts[i]);
		}
		free(mounts);
	}
	detach_loops();
	tl_rm_rf(base);
	base[0] = '\0';
}

static void make_base(void)
{
	snprintf(base, sizeof(base), "%s/hvtvss-fs-XXXXXX", HV_BINARY_DIR);
	ck_assert_ptr_nonnull(mkdtemp(base));
}

/* ---- world setup ---- */

static void run_tool(const char *const *argv)
{
	char *log = in_base("tools.log");
	pid_t pid;
	int status;

	{
		/* Output to tools.log, so a failure can be read there. */
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
			sigset_t none;

			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			if (fd >= 0) {
				dup2(fd, STDOUT_FILENO);
				dup2(fd, STDERR_FILENO);
			}
			execvp(argv[0], (char *const *)argv);
			fprintf(stderr, "exec %s: %m\n", argv[0]);
			_exit(127);
		}
	}
	status = tl_wait(pid, 120000);
	ck_assert_msg(status == 0, "%s failed with %d (is %s installed? see %s)", argv[0], status,
		      argv[0], log);
	free(log);
}

static void make_image(const char *name, const char *size_mb, const char *mkfs)
{
	char *img, *mp, size[32];
	int fd;

	ck_assert_int_ge(asprintf(&img, "%s/%s.img", base, name), 0);
	mp = in_mnt(name);
	fd = open(img, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, atoll(size_mb) * 1024 * 1024), 0);
	close(fd);
	snprintf(size, sizeof(size), "%s", size_mb);
	if (streq(mkfs, "ext4")) {
		const char *argv[] = { "mkfs.ext4", "-q", "-F", img, NULL };

		run_tool(argv);
	} else if (streq(mkfs, "xfs")) {
		const char *argv[] = { "mkfs.xfs", "-q", "-f", img, NULL };

		run_tool(argv);
	} else {
		const char *argv[] = { "mkfs.btrfs", "-q", "-f", img, NULL };

		run_tool(argv);
	}
	ck_assert_int_eq(mkdir(mp, 0755), 0);
	{
		/* -o loop: autoclear, the loop device goes away with the last unmount. */
		const char *argv[] = { "mount", "-o", "loop", img, mp, NULL };

		run_tool(argv);
	}
	free(img);
	free(mp);
}

/* The source device of the mount at path. */
static char *source_of(const char *path)
{
	char *text = tl_read_file("/proc/self/mountinfo", NULL), *found = NULL;
	char needle[600];

	snprintf(needle, sizeof(needle), " %s ", path);
	for (char *line = text, *next; line && *line; line = next) {
		char *dash, src[256];

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strstr(line, needle) || !(dash = strstr(line, " - ")))
			continue;
		if (sscanf(dash + 3, "%*s %255s", src) == 1) {
			free(found);
			found = strdup(src);
		}
	}
	free(text);
	ck_assert_ptr_nonnull(found);
	return found;
}

static void build_world(unsigned what)
{
	char *p, *q;

	ck_assert_int_eq(mkdir(mnt, 0755), 0);
	if (what & W_EXT4) {
		make_image("ext4", "32", "ext4");
		p = in_mnt("ext4");
		q = in_mnt("bind");
		ck_assert_int_eq(mkdir(q, 0755), 0);
		ck_assert_int_eq(mount(p, q, "none", MS_BIND, NULL), 0);
		free(p);
		free(q);
	}
	if (what & W_XFS)
		make_image("xfs", "320", "xfs");
	if (what & W_BTRFS) {
		char *sub, *src;

		make_image("btrfs", "256", "btrfs");
		p = in_mnt("btrfs");
		ck_assert_int_ge(asprintf(&sub, "%s/sub", p), 0);
		{
			const char *argv[] = { "btrfs", "-q", "subvolume", "create", sub, NULL };

			run_tool(argv);
		}
		src = source_of(p);
		q = in_mnt("btrfs-sub");
		ck_assert_int_eq(mkdir(q, 0755), 0);
		ck_assert_int_eq(mount(src, q, "btrfs", 0, "subvol=sub"), 0);
		free(src);
		free(sub);
		free(p);
		free(q);
	}
	if (what & W_REFUSE) {
		__u32 flags = HV_FS_SHUTDOWN_NOLOGFLUSH;
		int fd;

		make_image("zz-refuse", "32", "ext4");
		p = in_mnt("zz-refuse");
		fd = open(p, O_RDONLY | O_CLOEXEC);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(ioctl(fd, HV_FS_IOC_SHUTDOWN, &flags), 0);
		close(fd);
		free(p);
	}
}

/* ---- probes ---- */

/* FIFREEZE answers EBUSY on a frozen filesystem; on a thawed one the probe undoes itself. */
static bool is_frozen(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), unused = 0;
	bool frozen;

	ck_assert_int_ge(fd, 0);
	if (ioctl(fd, FIFREEZE, &unused) == 0) {
		ck_assert_int_eq(ioctl(fd, FITHAW, &unused), 0);
		frozen = false;
	} else {
		ck_assert_int_eq(errno, EBUSY);
		frozen = true;
	}
	close(fd);
	return frozen;
}

/* Write and sync a file from a child; a frozen filesystem makes it time out. */
static bool writable(const char *path)
{
	char *file;
	pid_t pid;
	int r;

	ck_assert_int_ge(asprintf(&file, "%s/probe-%d", path, (int)getpid()), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sigset_t none;

		/* exec: a plain process, not a copy of this one (checkers would judge the copy). */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execlp("sh", "sh", "-c", "printf 'written\\n' > \"$1\" && sync \"$1\"", "sh", file,
		       (char *)NULL);
		_exit(127);
	}
	r = tl_wait(pid, WRITE_TIMEOUT_MS);
	if (r == -ETIMEDOUT) {
		/* Stuck in the kernel until the janitor thaws; it is reaped by then or by init. */
		(void)kill(pid, SIGKILL);
		fprintf(stderr, "write to %s timed out: still frozen\n", path);
	}
	free(file);
	return r == 0;
}

static void expect_thawed_and_writable(const char *name)
{
	char *p = in_mnt(name);

	ck_assert_msg(!is_frozen(p), "%s is still frozen", p);
	ck_assert_msg(writable(p), "%s is not writable", p);
	free(p);
}

static void expect_frozen(const char *name)
{
	char *p = in_mnt(name);

	ck_assert_msg(is_frozen(p), "%s is not frozen", p);
	free(p);
}

static void wait_thawed(const char *name)
{
	char *p = in_mnt(name);

	for (int i = 0; i < 300 && is_frozen(p); i++)
		usleep(100000);
	free(p);
	expect_thawed_and_writable(name);
}

/* ---- daemon ---- */

static void record_pid(pid_t pid)
{
	char *path = in_base("pids"), line[32];
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	ck_assert_int_ge(fd, 0);
	snprintf(line, sizeof(line), "%d\n", (int)pid);
	ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	close(fd);
	free(path);
}

static void start(const char *const *extra)
{
	char *include;
	const char *args[32];
	size_t n = 0;

	ck_assert_int_ge(asprintf(&include, "%s/*", mnt), 0);
	args[n++] = "--hook-dir";
	args[n++] = hooks;
	args[n++] = "--include";
	args[n++] = include;
	args[n++] = "--exclude";
	args[n++] = "/";
	for (; extra && *extra; extra++)
		args[n++] = *extra;
	args[n] = NULL;
	daemon_pid = vt_daemon_start(sock, state, daemon_log, args);
	ck_assert_int_gt(daemon_pid, 0);
	record_pid(daemon_pid);
	ck_assert_int_eq(vt_register(fk), 0);
	free(include);
}

static void stop(int sig, int want)
{
	ck_assert_int_eq(tl_kill_wait(daemon_pid, sig, VT_TIMEOUT_MS), want);
	daemon_pid = 0;
}

static char *status_json(void)
{
	const char *args[] = { "--status", "--json", NULL };

	(void)unlink(out);
	ck_assert_int_eq(vt_cli(state, out, args), 0);
	return vt_read(out);
}

/* The daemon's recorded set: only our mounts, and exactly n of them. */
static void expect_recorded(unsigned n)
{
	char *s = status_json(), *p = s;
	unsigned count = 0;

	while ((p = strstr(p, "\"mount_point\":\""))) {
		p += strlen("\"mount_point\":\"");
		ck_assert_msg(strncmp(p, mnt, strlen(mnt)) == 0,
			      "the daemon froze something outside the test: %s", s);
		count++;
	}
	ck_assert_msg(count == n, "recorded %u filesystems, want %u: %s", count, n, s);
	free(s);
}

static void expect_calls(const char *want)
{
	if (!vt_wait_file(calls, want, false, VT_TIMEOUT_MS)) {
		char *got = vt_read(calls);

		ck_abort_msg("hook calls: got \"%s\", want \"%s\"", got, want);
	}
}

/* ---- fixtures ---- */

static void world_setup(void)
{
	make_base();
	sock = in_base("dev");
	state = in_base("run");
	hooks = in_base("hooks.d");
	calls = in_base("calls");
	daemon_log = in_base("daemon.log");
	out = in_base("cli.out");
	mnt = in_base("mnt");
	ck_assert_int_eq(mkdir(hooks, 0755), 0);
}

static void world_teardown(void)
{
	if (getenv("HV_TEST_VERBOSE")) {
		char *log = vt_read(daemon_log);

		fprintf(stderr, "--- daemon log ---\n%s\n", log);
		free(log);
	}
	janitor();
	free(sock);
	free(state);
	free(hooks);
	free(calls);
	free(daemon_log);
	free(out);
	free(mnt);
}

/* In the test process: the fake kernel. */
static void test_setup(void)
{
	fk = fk_new(sock);
	ck_assert_ptr_nonnull(fk);
	daemon_pid = 0;
}

static void test_teardown(void)
{
	if (daemon_pid > 0)
		(void)tl_kill_wait(daemon_pid, SIGTERM, VT_TIMEOUT_MS);
	fk = fk_free(fk);
}

/* ---- tests ---- */

START_TEST(vss_fs__freezes_ext4_xfs_btrfs_once_each)
{
	char *hook_body;

	build_world(W_EXT4 | W_XFS | W_BTRFS);
	/* Freeze hooks run before the freeze, thaw hooks after: both can write. */
	ck_assert_int_ge(asprintf(&hook_body, "echo $1 > \"%s/ext4/hook-$1\"", mnt), 0);
	free(vt_hook(hooks, "10-app", calls, hook_body));
	free(hook_body);
	start(NULL);

	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	/* Three superblocks: the bind mount and the subvolume share theirs. */
	expect_recorded(3);
	expect_frozen("ext4");
	expect_frozen("bind");
	expect_frozen("xfs");
	expect_frozen("btrfs");
	expect_frozen("btrfs-sub");
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_THAW, VT_TIMEOUT_MS, NULL), HV_S_OK);

	expect_thawed_and_writable("ext4");
	expect_thawed_and_writable("bind");
	expect_thawed_and_writable("xfs");
	expect_thawed_and_writable("btrfs");
	expect_thawed_and_writable("btrfs-sub");
	expect_calls("10-app freeze\n10-app thaw\n");
	{
		char *f = in_mnt("ext4/hook-thaw"), *g = in_mnt("ext4/hook-freeze");

		ck_assert(vt_wait_file(f, "thaw\n", false, VT_TIMEOUT_MS));
		ck_assert(vt_wait_file(g, "freeze\n", false, 0));
		free(f);
		free(g);
	}
	/* A second backup works the same. */
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	expect_frozen("xfs");
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_THAW, VT_TIMEOUT_MS, NULL), HV_S_OK);
	expect_thawed_and_writable("xfs");
	stop(SIGTERM, 0);
}
END_TEST

START_TEST(vss_fs__refusing_filesystem_rolls_back)
{
	build_world(W_EXT4 | W_XFS | W_REFUSE);
	free(vt_hook(hooks, "10-app", calls, NULL));
	start(NULL);

	/* ext4 and xfs freeze, the shut-down one refuses (EIO): everything is undone. */
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_E_FAIL);
	expect_thawed_and_writable("ext4");
	expect_thawed_and_writable("xfs");
	expect_calls("10-app freeze\n10-app thaw\n10-app freeze-failed\n");
	ck_assert(vt_wait_file(daemon_log, "zz-refuse", true, VT_TIMEOUT_MS));
	ck_assert(vt_wait_file(daemon_log, "Input/output error", true, VT_TIMEOUT_MS));
	/* The host sends no THAW after a failed freeze; if it did, nothing to do. */
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_THAW, VT_TIMEOUT_MS, NULL), HV_S_OK);
	stop(SIGTERM, 0);
}
END_TEST

START_TEST(vss_fs__failing_hook_freezes_nothing)
{
	build_world(W_EXT4);
	free(vt_hook(hooks, "10-app", calls, "[ \"$1\" = freeze ] && exit 1; exit 0"));
	start(NULL);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_E_FAIL);
	expect_thawed_and_writable("ext4");
	expect_calls("10-app freeze\n10-app freeze-failed\n");
	stop(SIGTERM, 0);
}
END_TEST

START_TEST(vss_fs__hanging_hook_times_out)
{
	const char *extra[] = { "--hook-timeout", "1s", NULL };

	build_world(W_EXT4);
	free(vt_hook(hooks, "10-app", calls, NULL));
	free(vt_hook(hooks, "20-hang", calls, "[ \"$1\" = freeze ] && sleep 600; exit 0"));
	start(extra);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_E_FAIL);
	expect_thawed_and_writable("ext4");
	expect_calls("10-app freeze\n20-hang freeze\n10-app thaw\n20-hang freeze-failed\n"
		     "10-app freeze-failed\n");
	stop(SIGTERM, 0);
}
END_TEST

START_TEST(vss_fs__sigterm_while_frozen_thaws)
{
	build_world(W_EXT4 | W_XFS);
	free(vt_hook(hooks, "10-app", calls, NULL));
	start(NULL);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	expect_frozen("ext4");
	expect_frozen("xfs");
	stop(SIGTERM, 0);
	expect_thawed_and_writable("ext4");
	expect_thawed_and_writable("xfs");
	expect_calls("10-app freeze\n10-app thaw\n");
}
END_TEST

START_TEST(vss_fs__kill9_while_frozen_then_restart_thaws)
{
	build_world(W_EXT4 | W_BTRFS);
	free(vt_hook(hooks, "10-app", calls, NULL));
	start(NULL);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	stop(SIGKILL, 128 + SIGKILL);
	/* Really left frozen... */
	expect_frozen("ext4");
	expect_frozen("btrfs-sub");
	/* ... until the daemon comes back. */
	start(NULL);
	wait_thawed("ext4");
	wait_thawed("btrfs");
	expect_thawed_and_writable("btrfs-sub");
	expect_calls("10-app freeze\n10-app thaw\n");
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_THAW, VT_TIMEOUT_MS, NULL), HV_S_OK);
	expect_thawed_and_writable("ext4");
	stop(SIGTERM, 0);
}
END_TEST

START_TEST(vss_fs__kill9_then_thaw_command_after_a_move)
{
	const char *thaw[] = { "--thaw", NULL };
	char *from, *to;

	build_world(W_EXT4 | W_XFS);
	start(NULL);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	stop(SIGKILL, 128 + SIGKILL);
	expect_frozen("xfs");
	/* The mount table changed meanwhile: xfs moved elsewhere. */
	from = in_mnt("xfs");
	to = in_mnt("xfs-moved");
	ck_assert_int_eq(mkdir(to, 0755), 0);
	ck_assert_int_eq(mount(from, to, "none", MS_MOVE, NULL), 0);
	/* As ExecStopPost would: no device needed. */
	ck_assert_int_eq(vt_cli(state, out, thaw), 0);
	expect_thawed_and_writable("xfs-moved");
	expect_thawed_and_writable("ext4");
	expect_thawed_and_writable("bind");
	/* Nothing left: --thaw is a no-op. */
	ck_assert_int_eq(vt_cli(state, out, thaw), 0);
	free(from);
	free(to);
}
END_TEST

START_TEST(vss_fs__auto_thaw)
{
	const char *extra[] = { "--auto-thaw-timeout", "2s", NULL };

	build_world(W_EXT4);
	start(extra);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	expect_frozen("ext4");
	wait_thawed("ext4");
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_THAW, VT_TIMEOUT_MS, NULL), HV_E_FAIL);
	stop(SIGTERM, 0);
}
END_TEST

START_TEST(vss_fs__device_reset_while_frozen_thaws)
{
	build_world(W_XFS);
	start(NULL);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	expect_frozen("xfs");
	fk_reset(fk);
	wait_thawed("xfs");
	ck_assert_int_eq(vt_register(fk), 0);
	stop(SIGTERM, 0);
}
END_TEST

static void add(Suite *s, const char *name, const TTest *test)
{
	TCase *tc = tcase_create(name);

	/* Unchecked: the world is built and torn down in the parent, whatever the test did. */
	tcase_add_unchecked_fixture(tc, world_setup, world_teardown);
	tcase_add_checked_fixture(tc, test_setup, test_teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test);
	suite_add_tcase(s, tc);
}

int main(void)
{
	Suite *s = suite_create("vss-fs");

	tl_require_root("freezes loop-mounted filesystems");
	if (access("/dev/loop-control", F_OK) < 0) {
		printf("SKIP: no loop device support (/dev/loop-control)\n");
		return TL_EXIT_SKIP;
	}
	add(s, "ext4_xfs_btrfs", vss_fs__freezes_ext4_xfs_btrfs_once_each);
	add(s, "refuse", vss_fs__refusing_filesystem_rolls_back);
	add(s, "failing_hook", vss_fs__failing_hook_freezes_nothing);
	add(s, "hanging_hook", vss_fs__hanging_hook_times_out);
	add(s, "sigterm", vss_fs__sigterm_while_frozen_thaws);
	add(s, "kill9_restart", vss_fs__kill9_while_frozen_then_restart_thaws);
	add(s, "kill9_thaw", vss_fs__kill9_then_thaw_command_after_a_move);
	add(s, "auto_thaw", vss_fs__auto_thaw);
	add(s, "device_reset", vss_fs__device_reset_while_frozen_thaws);
	return tl_run_suite(s);
}
