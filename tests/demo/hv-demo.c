// SPDX-License-Identifier: MIT
/*
 * hv-demo: hyperv-tools' daemons at work, with this program playing the
 * Hyper-V host and the kernel's utility driver. The daemons are the real,
 * built binaries; they talk to stand-ins with the kernel devices' semantics
 * (a SOCK_SEQPACKET "device" for KVP and VSS, and for fcopy a VMBus ring
 * pair in a mapped file as uio_hv_generic exposes it on kernels >= 6.10).
 *
 *   1. VM inventory (KVP): what Hyper-V Manager learns about the guest.
 *   2. A host backup (VSS): freeze, snapshot window, thaw, with a hook.
 *   3. Copy-VMFile (fcopy): a file sent over the VMBus ring buffer.
 *
 * Usage: hv-demo [WORKDIR]   (default: build/demo)
 */
#include <ifaddrs.h>
#include <net/if.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hyperv/fcopy.h>
#include <hyperv/kvp.h>
#include <hyperv/status.h>
#include <hyperv/vss.h>

#include "fake-kernel.h"
#include "fcopy-host.h"

#define BIN HV_BINARY_DIR "/daemons"
#define TIMEOUT_MS 20000

static char work[4096];
static int failures;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static void heading(const char *title)
{
	bool tty = isatty(STDOUT_FILENO) == 1;

	say("\n%s== %s ==%s\n", tty ? "\033[1m" : "", title, tty ? "\033[0m" : "");
}

static void fail(const char *what, int error)
{
	say("  FAILED: %s%s%s\n", what, error ? ": " : "", error ? strerror(error < 0 ? -error : error) : "");
	failures++;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", work, name);
}

static void write_text(const char *file, const char *text, mode_t mode)
{
	FILE *f = fopen(file, "we");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		fail(file, errno);
		return;
	}
	(void)chmod(file, mode);
}

static pid_t spawn(char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, STDIN_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static int stop(pid_t pid)
{
	int status;

	if (pid <= 0)
		return -1;
	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- 1. KVP ---------------------------------------------------------- */

static struct hv_kvp_msg kmsg;

static uint32_t kvp_transact(struct fake_kernel *fk)
{
	if (fk_transact(fk, &kmsg, sizeof(kmsg), &kmsg, sizeof(kmsg), TIMEOUT_MS) !=
	    (ssize_t)sizeof(kmsg))
		return HV_E_FAIL;
	return (uint32_t)kmsg.error;
}

static uint32_t kvp_set(struct fake_kernel *fk, unsigned pool, const char *key, const char *value)
{
	memset(&kmsg, 0, sizeof(kmsg));
	kmsg.hdr.operation = HV_KVP_OP_SET;
	kmsg.hdr.pool = (__u8)pool;
	snprintf((char *)kmsg.body.set.key, sizeof(kmsg.body.set.key), "%s", key);
	kmsg.body.set.key_size = (__u32)strlen(key) + 1;
	snprintf((char *)kmsg.body.set.value, sizeof(kmsg.body.set.value), "%s", value);
	kmsg.body.set.value_size = (__u32)strlen(value) + 1;
	return kvp_transact(fk);
}

/* The first non-loopback interface with an IPv4 address, and its MAC in upper case. */
static bool first_nic_mac(char *mac, size_t size, char *ifname, size_t ifsize)
{
	struct ifaddrs *ifa, *i;
	bool found = false;

	if (getifaddrs(&ifa) < 0)
		return false;
	for (i = ifa; i && !found; i = i->ifa_next) {
		char p[512], buf[64] = "";
		FILE *f;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK))
			continue;
		snprintf(p, sizeof(p), "/sys/class/net/%s/address", i->ifa_name);
		f = fopen(p, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && strlen(buf) >= 17) {
			buf[17] = '\0';
			for (char *c = buf; *c; c++)
				if (*c >= 'a' && *c <= 'f')
					*c = (char)(*c - 32);
			snprintf(mac, size, "%s", buf);
			snprintf(ifname, ifsize, "%s", i->ifa_name);
			found = true;
		}
		fclose(f);
	}
	freeifaddrs(ifa);
	return found;
}

static void demo_kvp(void)
{
	char sock[4200], pools[4200], conf[4200], cli_out[4200];
	static const char *const host_data[][2] = {
		{ "HostName", "hv-host-01.contoso.test" },
		{ "PhysicalHostName", "HV-HOST-01" },
		{ "VirtualMachineName", "web-frontend" },
		{ "VirtualMachineId", "6fd1b2b4-3c1e-4a44-9d0e-2f0a7f1c2b77" },
	};
	struct hv_kvp_msg reg, answer;
	struct fake_kernel *fk;
	char mac[32], ifname[256];
	double t0;
	pid_t pid;

	heading("1. VM inventory over KVP (hv_kvp_daemon)");
	path(sock, sizeof(sock), "hv_kvp");
	path(pools, sizeof(pools), "kvp-pools");
	path(conf, sizeof(conf), "kvp.conf");
	mkdir(pools, 0755);
	write_text(conf, "[KVP]\nLogLevel=warning\n[IPInjection]\nEnable=no\n", 0644);
	fk = fk_new(sock);
	if (!fk)
		return fail("kernel socket", errno);
	{
		char *argv[] = { BIN "/kvp/hv_kvp_daemon", "-n", "-c", conf, "--device", sock,
				 "--pool-dir", pools, NULL };

		pid = spawn(argv);
	}
	memset(&reg, 0, sizeof(reg));
	reg.hdr.operation = HV_KVP_OP_REGISTER1;
	answer = reg;
	strcpy((char *)answer.body.reg.version, HV_KVP_KERNEL_VERSION);
	t0 = now();
	if (fk_register(fk, sizeof(reg), &reg, 1, &answer, sizeof(answer), TIMEOUT_MS) < 0) {
		fail("hv_kvp_daemon did not register", 0);
		goto out;
	}
	say("hv_kvp_daemon registered with the \"kernel\" in %.0f ms (KVP version %s)\n",
	    (now() - t0) * 1000, HV_KVP_KERNEL_VERSION);

	say("\nThe host pushes facts about itself (pool 3, AutoExternal):\n");
	for (size_t i = 0; i < sizeof(host_data) / sizeof(host_data[0]); i++) {
		uint32_t st = kvp_set(fk, HV_KVP_POOL_AUTO_EXTERNAL, host_data[i][0],
				      host_data[i][1]);

		say("  SET %-20s = %-40s %s\n", host_data[i][0], host_data[i][1],
		    st == HV_S_OK ? "ok" : "FAILED");
		if (st != HV_S_OK)
			failures++;
	}
	kvp_set(fk, HV_KVP_POOL_EXTERNAL, "BackupPolicy", "nightly");

	say("\nThe host reads the guest's intrinsic items (pool 2), as Hyper-V Manager does:\n");
	t0 = now();
	for (unsigned i = 0;; i++) {
		memset(&kmsg, 0, sizeof(kmsg));
		kmsg.hdr.operation = HV_KVP_OP_ENUMERATE;
		kmsg.hdr.pool = HV_KVP_POOL_AUTO;
		kmsg.body.enumerate.index = i;
		if (kvp_transact(fk) != HV_S_OK) {
			if (i != 10)
				fail("intrinsic enumeration", 0);
			break;
		}
		say("  %-28s %s\n", (char *)kmsg.body.enumerate.data.key,
		    (char *)kmsg.body.enumerate.data.value);
	}
	say("  (10 items + end of enumeration in %.1f ms)\n", (now() - t0) * 1000);

	if (first_nic_mac(mac, sizeof(mac), ifname, sizeof(ifname))) {
		memset(&kmsg, 0, sizeof(kmsg));
		kmsg.hdr.operation = HV_KVP_OP_GET_IP_INFO;
		snprintf((char *)kmsg.body.ip.adapter_id, sizeof(kmsg.body.ip.adapter_id), "%s",
			 mac);
		say("\nThe host asks for the IP configuration of adapter %s (%s here):\n", mac,
		    ifname);
		if (kvp_transact(fk) == HV_S_OK) {
			say("  addresses  %s\n", (char *)kmsg.body.ip.ip_addr);
			say("  subnets    %s\n", (char *)kmsg.body.ip.sub_net);
			say("  gateways   %s\n", (char *)kmsg.body.ip.gate_way);
			say("  dns        %s\n", (char *)kmsg.body.ip.dns_addr);
			say("  dhcp       %s\n", kmsg.body.ip.dhcp_enabled ? "yes" : "no");
		} else {
			say("  (no answer: %s)\n", "the adapter has no configuration");
		}
	}

	say("\nInside the guest, tools read what the host sent with hv-kvp:\n");
	path(cli_out, sizeof(cli_out), "hv-kvp.out");
	{
		char cmd[9000];

		snprintf(cmd, sizeof(cmd), "%s/kvp/hv-kvp --pool-dir %s list auto_external", BIN,
			 pools);
		say("  $ hv-kvp list auto_external\n");
		fflush(stdout);
		if (system(cmd) != 0)
			fail("hv-kvp", 0);
	}
out:
	if (stop(pid) != 0)
		fail("hv_kvp_daemon did not exit cleanly", 0);
	fk_free(fk);
}

/* ---- 2. VSS ------------------------------------------------------------ */

static int run_argv(char *const argv[])
{
	int status;
	pid_t pid = spawn(argv);

	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static uint32_t vss_request(struct fake_kernel *fk, unsigned op, double *ret_ms)
{
	struct hv_vss_msg m = { 0 };
	double t0 = now();

	m.hdr.operation = (__u8)op;
	if (fk_transact(fk, &m, sizeof(m), &m, sizeof(m), 120000) != (ssize_t)sizeof(m))
		return HV_E_FAIL;
	if (ret_ms)
		*ret_ms = (now() - t0) * 1000;
	return (uint32_t)m.error;
}

static void show_file(const char *file, const char *indent)
{
	char line[1024];
	FILE *f = fopen(file, "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		say("%s%s", indent, line);
	fclose(f);
}

static void demo_vss(void)
{
	char dir[4200], img[4300], mnt[4300], hooks[4300], hook[4400], hooklog[4300];
	char sock[4300], state[4300], conf[4300], daemonlog[4300], probe[4400];
	char script[9000];
	struct hv_vss_msg reg = { 0 };
	__u32 reg_answer = HV_VSS_OP_REGISTER1;
	struct fake_kernel *fk = NULL;
	bool mounted = false;
	pid_t pid = -1, writer = -1;
	double ms;
	int status;

	heading("2. A host backup over VSS (hv_vss_daemon)");
	if (geteuid() != 0) {
		say("Skipped: freezing a filesystem needs root (run ./run demo as root).\n");
		return;
	}
	path(dir, sizeof(dir), "vss");
	snprintf(img, sizeof(img), "%s/data.img", dir);
	snprintf(mnt, sizeof(mnt), "%s/data", dir);
	snprintf(hooks, sizeof(hooks), "%s/hooks.d", dir);
	snprintf(hook, sizeof(hook), "%s/10-database", hooks);
	snprintf(hooklog, sizeof(hooklog), "%s/hook.log", dir);
	snprintf(sock, sizeof(sock), "%s/hv_vss", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(conf, sizeof(conf), "%s/vss.conf", dir);
	snprintf(daemonlog, sizeof(daemonlog), "%s/daemon.log", dir);
	snprintf(probe, sizeof(probe), "%s/written-during-backup", mnt);
	mkdir(dir, 0755);
	mkdir(mnt, 0755);
	mkdir(hooks, 0755);
	mkdir(state, 0755);
	(void)umount2(mnt, MNT_DETACH);
	unlink(img);
	unlink(hooklog);

	/* A data disk: an ext4 image, loop-mounted. */
	{
		char *truncate_argv[] = { "/usr/bin/truncate", "-s", "64M", img, NULL };
		char *mkfs_argv[] = { "/sbin/mkfs.ext4", "-q", "-F", img, NULL };
		char *mount_argv[] = { "/bin/mount", "-o", "loop", img, mnt, NULL };

		if (run_argv(truncate_argv) != 0 || run_argv(mkfs_argv) != 0 ||
		    run_argv(mount_argv) != 0)
			return fail("cannot create and mount the demo filesystem", 0);
		mounted = true;
	}
	/* An application hook, as a database would install one. */
	snprintf(script, sizeof(script),
		 "#!/bin/sh\n"
		 "# Application-consistent backups: flush before the freeze, resume after.\n"
		 "echo \"$(date +%%T.%%3N) database hook: $1\" >> '%s'\n"
		 "echo \"database: $1 done\"\n",
		 hooklog);
	write_text(hook, script, 0755);
	write_text(conf, "[Daemon]\nLogLevel=info\n", 0644);

	fk = fk_new(sock);
	if (!fk) {
		fail("kernel socket", errno);
		goto out;
	}
	pid = fork();
	if (pid == 0) {
		int log = open(daemonlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (log >= 0)
			dup2(log, STDERR_FILENO);
		execl(BIN "/vss/hv_vss_daemon", "hv_vss_daemon", "-n", "-c", conf, "--device",
		      sock, "--state-dir", state, "--include", mnt, "--exclude", "/",
		      "--hook-dir", hooks, (char *)NULL);
		_exit(127);
	}
	reg.hdr.operation = HV_VSS_OP_REGISTER1;
	if (fk_register(fk, sizeof(reg), &reg, 1, &reg_answer, sizeof(reg_answer), TIMEOUT_MS) <
	    0) {
		fail("hv_vss_daemon did not register", 0);
		goto out;
	}
	say("hv_vss_daemon registered; it will freeze only the demo disk %s\n", mnt);

	{
		struct hv_vss_msg m = { 0 };

		m.hdr.operation = HV_VSS_OP_HOT_BACKUP;
		if (fk_transact(fk, &m, sizeof(m), &m, sizeof(m), TIMEOUT_MS) == sizeof(m))
			say("Host: HOT_BACKUP -> status %#x, capability flags %#x\n",
			    (unsigned)m.error, m.flags);
	}

	if (vss_request(fk, HV_VSS_OP_FREEZE, &ms) != HV_S_OK) {
		fail("FREEZE", 0);
		goto out;
	}
	say("Host: FREEZE -> frozen in %.1f ms (freeze hooks ran first)\n", ms);
	say("Guest: hv_vss_daemon --status\n");
	{
		char *argv[] = { BIN "/vss/hv_vss_daemon", "--status", "--state-dir", state, NULL };

		fflush(stdout);
		if (run_argv(argv) != 0)
			fail("--status", 0);
	}

	/* An application keeps writing: its write waits until the thaw. */
	writer = fork();
	if (writer == 0) {
		int fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		_exit(fd >= 0 && write(fd, "after\n", 6) == 6 && fsync(fd) == 0 ? 0 : 1);
	}
	usleep(500 * 1000);
	if (waitpid(writer, &status, WNOHANG) == 0)
		say("Guest: an application's write to %s is waiting: the disk is stable "
		    "for the snapshot\n", mnt);
	else
		fail("a write went through while frozen", 0);
	say("Host: (snapshots the disk)\n");

	if (vss_request(fk, HV_VSS_OP_THAW, &ms) != HV_S_OK) {
		fail("THAW", 0);
		goto out;
	}
	say("Host: THAW -> thawed in %.1f ms\n", ms);
	if (waitpid(writer, &status, 0) == writer && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0)
		say("Guest: the waiting write completed after the thaw\n");
	else
		fail("the write did not complete after the thaw", 0);
	writer = -1;
	usleep(200 * 1000); /* thaw hooks run after the THAW answer */
	say("The database hook's own log:\n");
	show_file(hooklog, "  ");
out:
	if (writer > 0)
		waitpid(writer, NULL, 0);
	if (pid > 0) {
		if (stop(pid) != 0)
			fail("hv_vss_daemon did not exit cleanly", 0);
		say("hv_vss_daemon's log (held in memory while frozen, written after the thaw):\n");
		show_file(daemonlog, "  ");
	}
	if (fk)
		fk_free(fk);
	if (mounted && umount(mnt) < 0)
		fail("unmount", errno);
}

/* ---- 3. fcopy ---------------------------------------------------------- */

static int fcopy_send_file(struct fcopy_host *h, const char *src, const char *dst_dir,
			   const char *name, size_t *ret_bytes)
{
	static struct hv_fcopy_write w;
	struct hv_fcopy_start start;
	struct hv_fcopy_hdr done;
	uint32_t status;
	struct stat st;
	uint64_t off = 0;
	int fd, r;

	fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	r = fcopy_build_start(&start, true, dst_dir, name,
			      HV_FCOPY_OVER_WRITE | HV_FCOPY_CREATE_PATH, (uint64_t)st.st_size);
	if (r == 0)
		r = fcopy_host_request(h, &start, sizeof(start), &status, TIMEOUT_MS);
	if (r == 0 && status != HV_S_OK)
		r = -EIO;
	while (r == 0 && off < (uint64_t)st.st_size) {
		char data[HV_FCOPY_DATA_SIZE];
		ssize_t n = pread(fd, data, sizeof(data), (off_t)off);

		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		fcopy_build_write(&w, off, data, (uint32_t)n);
		r = fcopy_host_request(h, &w, sizeof(w), &status, TIMEOUT_MS);
		if (r == 0 && status != HV_S_OK)
			r = -EIO;
		off += (uint64_t)n;
	}
	if (r == 0) {
		fcopy_build_simple(&done, HV_FCOPY_COMPLETE);
		r = fcopy_host_request(h, &done, sizeof(done), &status, TIMEOUT_MS);
		if (r == 0 && status != HV_S_OK)
			r = -EIO;
	}
	close(fd);
	*ret_bytes = (size_t)off;
	return r;
}

static bool same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "re"), *fb = fopen(b, "re");
	bool same = fa && fb;
	int ca, cb;

	while (same) {
		ca = fgetc(fa);
		cb = fgetc(fb);
		if (ca != cb)
			same = false;
		if (ca == EOF)
			break;
	}
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

static void demo_fcopy(void)
{
	char dst[4200], state[4200], conf[4200], target[4400];
	const char *src = HV_SOURCE_DIR "/README.md";
	struct ic_version fw, srv;
	struct fcopy_host *h;
	size_t bytes = 0;
	double t0;
	pid_t pid;
	int r;

	heading("3. Copy-VMFile over the VMBus ring (hv_fcopy_daemon, kernels >= 6.10)");
	path(dst, sizeof(dst), "copied");
	path(state, sizeof(state), "fcopy-state");
	path(conf, sizeof(conf), "fcopy.conf");
	write_text(conf, "", 0644);
	mkdir(state, 0755);
	h = fcopy_host_new(work, 16384);
	if (!h)
		return fail("ring setup", errno);
	{
		const char *args[] = { "-c", conf, "-t", "uio", "--uio-device", fcopy_host_device(h),
				       "--uio-ring", fcopy_host_ring_file(h), "--ring-size", "16K",
				       "--state-dir", state, "-l", "warning", NULL };

		pid = fcopy_spawn_daemon(args);
	}
	r = fcopy_host_accept(h, TIMEOUT_MS);
	if (r == 0)
		r = fcopy_host_negotiate(h, &fw, &srv, TIMEOUT_MS);
	if (r < 0) {
		fail("negotiation", r);
		goto out;
	}
	say("Negotiated framework %u.%u, file copy %u.%u with hv_fcopy_daemon\n", fw.major,
	    fw.minor, srv.major, srv.minor);
	say("Host: Copy-VMFile -SourcePath README.md -DestinationPath %s -CreateFullPath -Force\n",
	    dst);
	t0 = now();
	r = fcopy_send_file(h, src, dst, "README.md", &bytes);
	if (r < 0) {
		fail("copy", r);
		goto out;
	}
	snprintf(target, sizeof(target), "%s/README.md", dst);
	say("  %zu bytes in %zu chunks, %.1f ms; written to a temporary file, fsynced, renamed\n",
	    bytes, (bytes + HV_FCOPY_DATA_SIZE - 1) / HV_FCOPY_DATA_SIZE, (now() - t0) * 1000);
	if (same_file(src, target))
		say("  %s is identical to the source\n", target);
	else
		fail("the copy differs from the source", 0);
out:
	if (stop(pid) != 0)
		fail("hv_fcopy_daemon did not exit cleanly", 0);
	fcopy_host_free(h);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		snprintf(work, sizeof(work), "%s", argv[1]);
	else
		snprintf(work, sizeof(work), "%s/demo", HV_BINARY_DIR);
	(void)mkdir(work, 0755);

	say("hyperv-tools demo: the real daemons, with this program as the Hyper-V host\n"
	    "and the kernel's utility driver (no Hyper-V host is needed).\n");
	demo_kvp();
#ifdef HV_DEMO_VSS
	demo_vss();
#endif
	demo_fcopy();

	if (failures) {
		say("\n%d step(s) failed\n", failures);
		return 1;
	}
	say("\nAll done. Work files are in %s\n", work);
	return 0;
}
