// SPDX-License-Identifier: MIT
/*
 * The default kvp_netconf_ops: one D-Bus method call per op on the system
 * bus (never auto-starting a service we were not asked to use), and
 * posix_spawn for programs: argv arrays, no shell, a timeout, output
 * captured for the log.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "cleanup.h"
#include "kvp-netconf.h"
#include "log.h"
#include "util.h"

extern char **environ;

#define NM_SERVICE "org.freedesktop.NetworkManager"
#define NM_PATH "/org/freedesktop/NetworkManager"
#define NM_SETTINGS_PATH "/org/freedesktop/NetworkManager/Settings"
#define NETWORKD_SERVICE "org.freedesktop.network1"
#define NETWORKD_PATH "/org/freedesktop/network1"
#define OUTPUT_MAX (64 * 1024)

/* ---- D-Bus ---- */

static int bus_open(sd_bus **ret)
{
	int r = sd_bus_open_system(ret);

	return r < 0 ? r : 0;
}

static int name_has_owner(sd_bus *bus, const char *name)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	int has, r;

	r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
			       "org.freedesktop.DBus", "NameHasOwner", NULL, &reply, "s", name);
	if (r < 0)
		return r;
	r = sd_bus_message_read(reply, "b", &has);
	return r < 0 ? r : has;
}

/*
 * Call a method without D-Bus activation: a manager that is not running
 * must not be started behind the admin's back.
 */
static int call(sd_bus *bus, const char *dest, const char *path, const char *iface,
		const char *member, sd_bus_message **ret_reply, const char *types, ...)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	va_list ap;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, dest, path, iface, member);
	if (r < 0)
		return r;
	r = sd_bus_message_set_auto_start(m, 0);
	if (r < 0)
		return r;
	if (types) {
		va_start(ap, types);
		r = sd_bus_message_appendv(m, types, ap);
		va_end(ap);
		if (r < 0)
			return r;
	}
	r = sd_bus_call(bus, m, 25 * USEC_PER_SEC, &error, ret_reply);
	if (r < 0)
		log_debug("netconf: %s.%s: %s", iface, member,
			  error.message ? error.message : "failed");
	return r < 0 ? r : 0;
}

static int read_path(sd_bus_message *reply, char **ret)
{
	const char *p;
	int r = sd_bus_message_read(reply, "o", &p);

	if (r < 0)
		return r;
	*ret = strdup(p);
	return *ret ? 0 : -ENOMEM;
}

static int nm_get_device_by_ip_iface(void *userdata, const char *ifname, char **ret_path)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	int r;

	r = bus_open(&bus);
	if (r < 0)
		return r;
	r = name_has_owner(bus, NM_SERVICE);
	if (r <= 0)
		return r < 0 ? r : -ESRCH;
	r = call(bus, NM_SERVICE, NM_PATH, NM_SERVICE, "GetDeviceByIpIface", &reply, "s", ifname);
	if (r < 0)
		return r;
	return read_path(reply, ret_path);
}

static int nm_device_get_managed(void *userdata, const char *device_path)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	int managed = 0, r;

	r = bus_open(&bus);
	if (r < 0)
		return r;
	r = sd_bus_get_property_trivial(bus, NM_SERVICE, device_path, NM_SERVICE ".Device",
					"Managed", &error, 'b', &managed);
	if (r < 0)
		return r;
	return managed ? 1 : 0;
}

static int nm_load_connection(void *userdata, const char *filename)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	const char *const files[] = { filename, NULL };
	int ok, r;

	r = bus_open(&bus);
	if (r < 0)
		return r;
	{
		_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;

		r = sd_bus_message_new_method_call(bus, &m, NM_SERVICE, NM_SETTINGS_PATH,
						   NM_SERVICE ".Settings", "LoadConnections");
		if (r < 0)
			return r;
		(void)sd_bus_message_set_auto_start(m, 0);
		r = sd_bus_message_append_strv(m, (char **)files);
		if (r < 0)
			return r;
		r = sd_bus_call(bus, m, 25 * USEC_PER_SEC, NULL, &reply);
		if (r < 0)
			return r;
	}
	/* (b status, as failures): a file it could not load is a failure. */
	r = sd_bus_message_read(reply, "b", &ok);
	if (r < 0)
		return r;
	r = sd_bus_message_enter_container(reply, 'a', "s");
	if (r < 0)
		return r;
	r = sd_bus_message_at_end(reply, false);
	if (r < 0)
		return r;
	return ok && r > 0 ? 0 : -EINVAL;
}

static int nm_get_connection_by_uuid(void *userdata, const char *uuid, char **ret_path)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	int r;

	r = bus_open(&bus);
	if (r < 0)
		return r;
	r = call(bus, NM_SERVICE, NM_SETTINGS_PATH, NM_SERVICE ".Settings", "GetConnectionByUuid",
		 &reply, "s", uuid);
	if (r < 0)
		return r;
	return read_path(reply, ret_path);
}

static int nm_activate_connection(void *userdata, const char *connection_path,
				  const char *device_path)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	int r;

	r = bus_open(&bus);
	if (r < 0)
		return r;
	return call(bus, NM_SERVICE, NM_PATH, NM_SERVICE, "ActivateConnection", NULL, "ooo",
		    connection_path, device_path, "/");
}

static int networkd_running(void *userdata)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	int r;

	r = bus_open(&bus);
	if (r < 0)
		return r;
	return name_has_owner(bus, NETWORKD_SERVICE);
}

static int networkd_reload(void *userdata)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	int r;

	r = bus_open(&bus);
	if (r < 0)
		return r;
	return call(bus, NETWORKD_SERVICE, NETWORKD_PATH, NETWORKD_SERVICE ".Manager", "Reload",
		    NULL, NULL);
}

static int networkd_reconfigure_link(void *userdata, int ifindex)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	int r;

	r = bus_open(&bus);
	if (r < 0)
		return r;
	return call(bus, NETWORKD_SERVICE, NETWORKD_PATH, NETWORKD_SERVICE ".Manager",
		    "ReconfigureLink", NULL, "i", ifindex);
}

/* ---- programs ---- */

static void log_output(const char *prog, int status, char *out)
{
	char *save = NULL;

	/* Escaped: the output can echo what the host sent, and must not forge lines. */
	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		log_full(status == 0 ? LOG_DEBUG : LOG_WARNING, "netconf: %s: %s", prog,
			 log_text(l));
}

static int wait_deadline(pid_t pid, uint64_t deadline, int *ret_status)
{
	for (;;) {
		pid_t w = waitpid(pid, ret_status, WNOHANG);

		if (w == pid)
			return 0;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (now_usec(CLOCK_MONOTONIC) >= deadline)
			return -ETIME;
		(void)poll(NULL, 0, 10);
	}
}

static int spawn_prepare(int out_fd, posix_spawn_file_actions_t *fa, posix_spawnattr_t *attr)
{
	sigset_t none, all;
	int r;

	sigemptyset(&none);
	sigfillset(&all);
	r = posix_spawn_file_actions_init(fa);
	if (r)
		return -r;
	r = posix_spawnattr_init(attr);
	if (r) {
		posix_spawn_file_actions_destroy(fa);
		return -r;
	}
	if ((r = posix_spawn_file_actions_addopen(fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0)) ||
	    (r = posix_spawn_file_actions_adddup2(fa, out_fd, STDOUT_FILENO)) ||
	    (r = posix_spawn_file_actions_adddup2(fa, out_fd, STDERR_FILENO)) ||
	    /* Own process group, so a timeout kills the whole tree. */
	    (r = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
							POSIX_SPAWN_SETSIGDEF)) ||
	    (r = posix_spawnattr_setpgroup(attr, 0)) ||
	    (r = posix_spawnattr_setsigmask(attr, &none)) ||
	    (r = posix_spawnattr_setsigdefault(attr, &all))) {
		posix_spawn_file_actions_destroy(fa);
		posix_spawnattr_destroy(attr);
		return -r;
	}
	return 0;
}

int kvp_netconf_spawn(char *const argv[], uint64_t timeout_usec)
{
	_cleanup_close_ int rfd = -1, wfd = -1;
	_cleanup_free_ char *out = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	uint64_t deadline;
	size_t len = 0;
	int fds[2], status = 0, r;
	bool exited = false;
	pid_t pid;

	if (!argv || !argv[0] || argv[0][0] != '/')
		return -EINVAL;
	/* posix_spawn may report a missing program only as exit status 127. */
	if (access(argv[0], X_OK) < 0)
		return log_debug_errno(-errno, "netconf: cannot run %s", argv[0]);
	out = malloc(OUTPUT_MAX + 1);
	if (!out)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	rfd = fds[0];
	wfd = fds[1];
	r = spawn_prepare(wfd, &fa, &attr);
	if (r < 0)
		return r;
	r = posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r)
		return log_debug_errno(-r, "netconf: cannot run %s", argv[0]);
	wfd = safe_close(wfd);
	(void)fcntl(rfd, F_SETFL, O_NONBLOCK);

	deadline = now_usec(CLOCK_MONOTONIC) + timeout_usec;
	for (;;) {
		struct pollfd p = { .fd = rfd, .events = POLLIN };
		char chunk[4096];
		ssize_t n;

		/* A daemonized grandchild may hold the pipe: stop at the child's exit. */
		if (!exited && waitpid(pid, &status, WNOHANG) == pid)
			exited = true;
		n = read(rfd, chunk, sizeof(chunk));
		if (n > 0) {
			size_t take = MIN((size_t)n, OUTPUT_MAX - len);

			memcpy(out + len, chunk, take);
			len += take;
			continue;
		}
		if (n == 0 || exited)
			break;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			break;
		if (now_usec(CLOCK_MONOTONIC) >= deadline)
			break;
		(void)poll(&p, 1, 10);
	}
	out[len] = '\0';

	if (!exited) {
		r = wait_deadline(pid, deadline, &status);
		if (r == -ETIME) {
			(void)kill(-pid, SIGTERM);
			if (wait_deadline(pid, now_usec(CLOCK_MONOTONIC) + USEC_PER_SEC, &status) <
			    0) {
				(void)kill(-pid, SIGKILL);
				(void)waitpid(pid, &status, 0);
			}
			log_output(argv[0], -1, out);
			return log_debug_errno(-ETIME, "netconf: %s timed out", argv[0]);
		}
		if (r < 0)
			return r;
	}
	if (WIFSIGNALED(status)) {
		log_output(argv[0], -1, out);
		log_debug("netconf: %s killed by signal %d", argv[0], WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	log_output(argv[0], WEXITSTATUS(status), out);
	return WEXITSTATUS(status);
}

static int run(void *userdata, char *const argv[], uint64_t timeout_usec)
{
	return kvp_netconf_spawn(argv, timeout_usec);
}

const struct kvp_netconf_ops kvp_netconf_default_ops = {
	.nm_get_device_by_ip_iface = nm_get_device_by_ip_iface,
	.nm_device_get_managed = nm_device_get_managed,
	.nm_load_connection = nm_load_connection,
	.nm_get_connection_by_uuid = nm_get_connection_by_uuid,
	.nm_activate_connection = nm_activate_connection,
	.networkd_running = networkd_running,
	.networkd_reload = networkd_reload,
	.networkd_reconfigure_link = networkd_reconfigure_link,
	.run = run,
};
