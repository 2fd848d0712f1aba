// SPDX-License-Identifier: MIT
/*
 * hv_vss_daemon: host-initiated backups for Hyper-V guests. Freezes the
 * filesystems while the host snapshots the disks, with application hooks,
 * and never leaves a filesystem frozen.
 *
 *   hv_vss_daemon [-n] [-d] [options]   serve /dev/vmbus/hv_vss
 *   hv_vss_daemon --thaw                thaw what a dead daemon left frozen
 *   hv_vss_daemon --status [--json]     frozen or thawed, since when, what
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "util.h"
#include "vss-conf.h"
#include "vss-hooks.h"
#include "vss-manager.h"
#include "vss-state.h"

enum command {
	COMMAND_DAEMON,
	COMMAND_THAW,
	COMMAND_STATUS,
};

struct args {
	enum command command;
	bool no_daemon;
	bool debug;
	bool json;
	bool no_hooks;
	const char *config_file;
	const char *device;
	const char *state_dir;
	const char *mountinfo;
	char **include;
	char **exclude;
	char **hook_dirs;
	uint64_t hook_timeout_usec;	/* 0: not given */
	uint64_t auto_thaw_usec;	/* 0: not given */
};

static void args_done(struct args *a)
{
	strv_free(a->include);
	strv_free(a->exclude);
	strv_free(a->hook_dirs);
}

static void help(void)
{
	printf("Usage: hv_vss_daemon [OPTIONS]\n"
	       "       hv_vss_daemon --thaw | --status [--json]\n"
	       "\n"
	       "Hyper-V VSS daemon: freezes filesystems for host-initiated backups.\n"
	       "\n"
	       "  -n, --no-daemon            Stay in the foreground\n"
	       "  -d, --debug                Log debug messages (--debug-enabled too)\n"
	       "  -h, --help                 Show this help\n"
	       "  -V, --version              Show the version\n"
	       "  -c, --config=FILE          Configuration file (default %s)\n"
	       "      --device=PATH          VSS device (default %s)\n"
	       "      --state-dir=DIR        State directory (default %s)\n"
	       "      --include=GLOB         Freeze only mount points matching GLOB (repeatable)\n"
	       "      --exclude=GLOB         Never freeze filesystems mounted at GLOB (repeatable)\n"
	       "      --hook-dir=DIR         Hook directory, replaces the configured ones (repeatable)\n"
	       "      --no-hooks             Run no hooks\n"
	       "      --hook-timeout=TIME    Time a hook may take (default 60s)\n"
	       "      --auto-thaw-timeout=TIME  Thaw without THAW after TIME (default 120s)\n"
	       "      --mountinfo=PATH       Mount table (default %s)\n"
	       "\n"
	       "Commands:\n"
	       "      --thaw                 Thaw what the state file records as frozen, run the\n"
	       "                             thaw hooks still owed, and exit (no device needed)\n"
	       "      --status               Show whether filesystems are frozen, since when, which\n"
	       "      --json                 With --status: print JSON\n",
	       VSS_DEFAULT_CONFIG_FILE, VSS_DEFAULT_DEVICE, VSS_DEFAULT_STATE_DIR,
	       VSS_DEFAULT_MOUNTINFO);
}

enum {
	ARG_DEVICE = 0x100,
	ARG_STATE_DIR,
	ARG_INCLUDE,
	ARG_EXCLUDE,
	ARG_HOOK_DIR,
	ARG_NO_HOOKS,
	ARG_HOOK_TIMEOUT,
	ARG_AUTO_THAW_TIMEOUT,
	ARG_MOUNTINFO,
	ARG_THAW,
	ARG_STATUS,
	ARG_JSON,
};

/* 1: continue, 0: exit successfully (--help), negative: usage error. */
static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option options[] = {
		{ "no-daemon", no_argument, NULL, 'n' },
		{ "debug-enabled", no_argument, NULL, 'd' },	/* upstream's spelling */
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "config", required_argument, NULL, 'c' },
		{ "device", required_argument, NULL, ARG_DEVICE },
		{ "state-dir", required_argument, NULL, ARG_STATE_DIR },
		{ "include", required_argument, NULL, ARG_INCLUDE },
		{ "exclude", required_argument, NULL, ARG_EXCLUDE },
		{ "hook-dir", required_argument, NULL, ARG_HOOK_DIR },
		{ "no-hooks", no_argument, NULL, ARG_NO_HOOKS },
		{ "hook-timeout", required_argument, NULL, ARG_HOOK_TIMEOUT },
		{ "auto-thaw-timeout", required_argument, NULL, ARG_AUTO_THAW_TIMEOUT },
		{ "mountinfo", required_argument, NULL, ARG_MOUNTINFO },
		{ "thaw", no_argument, NULL, ARG_THAW },
		{ "status", no_argument, NULL, ARG_STATUS },
		{ "json", no_argument, NULL, ARG_JSON },
		{}
	};
	int c, r;

	while ((c = getopt_long(argc, argv, "ndhVc:", options, NULL)) >= 0) {
		switch (c) {
		case 'n':
			a->no_daemon = true;
			break;
		case 'd':
			a->debug = true;
			break;
		case 'h':
			help();
			return 0;
		case 'V':
			printf("hv_vss_daemon (hyperv-tools) %s\n", HV_VERSION);
			return 0;
		case 'c':
			a->config_file = optarg;
			break;
		case ARG_DEVICE:
			a->device = optarg;
			break;
		case ARG_STATE_DIR:
			a->state_dir = optarg;
			break;
		case ARG_MOUNTINFO:
			a->mountinfo = optarg;
			break;
		case ARG_INCLUDE:
		case ARG_EXCLUDE:
		case ARG_HOOK_DIR:
			r = strv_extend(c == ARG_INCLUDE ? &a->include :
					c == ARG_EXCLUDE ? &a->exclude : &a->hook_dirs, optarg);
			if (r < 0)
				return log_error_errno(r, "Out of memory");
			break;
		case ARG_NO_HOOKS:
			a->no_hooks = true;
			break;
		case ARG_HOOK_TIMEOUT:
		case ARG_AUTO_THAW_TIMEOUT: {
			uint64_t v;
			uint64_t max = c == ARG_HOOK_TIMEOUT ? VSS_MAX_HOOK_TIMEOUT_USEC :
							       VSS_MAX_AUTO_THAW_USEC;

			if (parse_usec(optarg, &v) < 0 || v == 0 || v > max)
				return log_error_errno(EINVAL, "Invalid time span for --%s: %s "
						       "(at most %llu s)",
						       c == ARG_HOOK_TIMEOUT ? "hook-timeout" :
									       "auto-thaw-timeout",
						       optarg,
						       (unsigned long long)(max / USEC_PER_SEC));
			if (c == ARG_HOOK_TIMEOUT)
				a->hook_timeout_usec = v;
			else
				a->auto_thaw_usec = v;
			break;
		}
		case ARG_THAW:
			a->command = COMMAND_THAW;
			break;
		case ARG_STATUS:
			a->command = COMMAND_STATUS;
			break;
		case ARG_JSON:
			a->json = true;
			break;
		default:
			fprintf(stderr, "Try 'hv_vss_daemon --help'.\n");
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hv_vss_daemon: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	return 1;
}

static int set_string(char **field, const char *value)
{
	char *s;

	if (!value)
		return 0;
	s = strdup(value);
	if (!s)
		return -ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

static int set_strv(char ***field, char **value)
{
	char **copy = NULL;

	if (!value)
		return 0;
	STRV_FOREACH(s, value)
		if (strv_extend(&copy, *s) < 0) {
			strv_free(copy);
			return -ENOMEM;
		}
	strv_free(*field);
	*field = copy;
	return 0;
}

/* The command line overrides the file. */
static int apply_args(const struct args *a, struct vss_config *c)
{
	if (set_string(&c->device, a->device) < 0 || set_string(&c->state_dir, a->state_dir) < 0 ||
	    set_string(&c->mountinfo, a->mountinfo) < 0 || set_strv(&c->include, a->include) < 0 ||
	    set_strv(&c->exclude, a->exclude) < 0 || set_strv(&c->hook_dirs, a->hook_dirs) < 0)
		return -ENOMEM;
	if (a->no_hooks)
		c->hooks_enabled = false;
	if (a->hook_timeout_usec)
		c->hook_timeout_usec = a->hook_timeout_usec;
	if (a->auto_thaw_usec)
		c->auto_thaw_usec = a->auto_thaw_usec;
	if (a->debug)
		c->log_level = LOG_DEBUG;
	return 0;
}

static void on_thaw_hooks_done(struct vss_hook_run *run, void *userdata)
{
	(void)run;
	(void)sd_event_exit(userdata, 0);
}

/* The thaw hooks a dead daemon owed, run to completion. */
static int run_owed_hooks(const struct vss_config *c, struct vss_state *st)
{
	_cleanup_(sd_event_unrefp) sd_event *e = NULL;
	struct vss_hook_run *run = NULL;
	sigset_t mask;
	int r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	r = sd_event_new(&e);
	if (r < 0)
		return r;
	r = vss_hook_run_new(e, c->hook_timeout_usec, false, on_thaw_hooks_done, e, &run);
	for (size_t k = st->n_hooks; r >= 0 && k-- > 0;)
		r = vss_hook_run_add(run, st->hooks[k].name, st->hooks[k].path, VSS_HOOK_THAW);
	if (r >= 0)
		r = vss_hook_run_start(run);
	if (r >= 0)
		r = sd_event_loop(e);
	if (run) {
		vss_hook_run_log(run);
		vss_hook_run_free(run);
	}
	return r;
}

static int command_thaw(const struct vss_config *c)
{
	struct vss_state st = { 0 };
	unsigned thawed = 0;
	int r, result;

	r = vss_state_read(c->state_dir, &st);
	if (r == -ENOENT) {
		log_info("Nothing recorded in %s: nothing to thaw", c->state_dir);
		return 0;
	}
	if (r < 0)
		return log_error_errno(r, "Cannot read the state file in %s: %m", c->state_dir);

	result = vss_state_thaw_filesystems(&st, c->mountinfo, NULL, &thawed);
	if (st.n_hooks > 0) {
		log_info("Running %zu thaw hooks still owed", st.n_hooks);
		r = run_owed_hooks(c, &st);
		if (r < 0)
			log_warning_errno(r, "Cannot run the thaw hooks: %m");
		vss_state_clear_hooks(&st);
	}
	if (st.kind != VSS_STATE_THAWED) {
		st.kind = result < 0 ? VSS_STATE_FROZEN : VSS_STATE_THAWED;
		st.since_usec = now_usec(CLOCK_REALTIME);
		(void)vss_state_set_result(&st, "recovered");
	}
	r = vss_state_write(c->state_dir, &st);
	if (r < 0)
		log_warning_errno(r, "Cannot update the state file in %s: %m", c->state_dir);
	if (result == 0)
		log_info("%u filesystems were frozen and are thawed now", thawed);
	vss_state_clear(&st);
	return result;
}

/* Is pid an hv_vss_daemon (possibly under a wrapper such as valgrind)? */
static bool daemon_alive(pid_t pid)
{
	_cleanup_free_ char *path = NULL, *cmdline = NULL;
	size_t size = 0;

	if (pid <= 0 || (kill(pid, 0) < 0 && errno != EPERM))
		return false;
	if (asprintf(&path, "/proc/%d/cmdline", (int)pid) < 0)
		return false;
	if (read_full_file(path, 64 * 1024, &cmdline, &size) < 0)
		return false;
	for (size_t off = 0; off < size; off += strlen(cmdline + off) + 1) {
		const char *arg = cmdline + off, *slash = strrchr(arg, '/');

		if (streq(slash ? slash + 1 : arg, "hv_vss_daemon"))
			return true;
	}
	return false;
}

static void format_time(uint64_t usec, char *buf, size_t size, bool iso)
{
	time_t t = (time_t)(usec / USEC_PER_SEC);
	struct tm tm;

	if (!usec || !(iso ? gmtime_r(&t, &tm) : localtime_r(&t, &tm))) {
		snprintf(buf, size, "n/a");
		return;
	}
	strftime(buf, size, iso ? "%Y-%m-%dT%H:%M:%SZ" : "%a %Y-%m-%d %H:%M:%S %Z", &tm);
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void status_json(const struct vss_state *st, bool recorded, bool alive)
{
	char iso[64];

	format_time(st->since_usec, iso, sizeof(iso), true);
	printf("{\"state\":\"%s\",", recorded ? vss_state_kind_to_string(st->kind) : "thawed");
	if (st->since_usec)
		printf("\"since\":\"%s\",\"since_usec\":%llu,", iso,
		       (unsigned long long)st->since_usec);
	else
		printf("\"since\":null,\"since_usec\":null,");
	printf("\"daemon_pid\":%d,\"daemon_running\":%s,\"result\":", (int)st->pid,
	       alive ? "true" : "false");
	if (st->result)
		json_string(stdout, st->result);
	else
		printf("null");
	printf(",\"filesystems\":[");
	for (size_t i = 0; i < st->n_fs; i++) {
		printf("%s{\"mount_point\":", i ? "," : "");
		json_string(stdout, st->fs[i].mount_point);
		printf(",\"type\":");
		json_string(stdout, st->fs[i].fstype);
		printf(",\"source\":");
		json_string(stdout, st->fs[i].source);
		printf(",\"device\":\"%u:%u\"}", st->fs[i].major, st->fs[i].minor);
	}
	printf("],\"hooks_owing_thaw\":[");
	for (size_t i = 0; i < st->n_hooks; i++) {
		printf("%s{\"name\":", i ? "," : "");
		json_string(stdout, st->hooks[i].name);
		printf(",\"path\":");
		json_string(stdout, st->hooks[i].path);
		printf("}");
	}
	printf("]}\n");
}

static void status_text(const struct vss_state *st, bool recorded, bool alive)
{
	bool frozen = recorded && st->kind != VSS_STATE_THAWED;
	char when[96];

	format_time(st->since_usec, when, sizeof(when), false);
	printf("State: %s\n", recorded ? vss_state_kind_to_string(st->kind) : "thawed");
	if (!recorded) {
		printf("No backup recorded since boot.\n");
		return;
	}
	if (st->since_usec) {
		uint64_t now = now_usec(CLOCK_REALTIME);

		printf("Since: %s (%llu s ago)\n", when,
		       (unsigned long long)(now > st->since_usec ?
						    (now - st->since_usec) / USEC_PER_SEC : 0));
	}
	printf("Daemon: %s", alive ? "running" : "not running");
	if (st->pid > 0)
		printf(" (pid %d)", (int)st->pid);
	printf("\n");
	if (st->result)
		printf("Last result: %s\n", st->result);
	if (st->n_fs > 0) {
		printf("%s:\n", frozen ? "Frozen filesystems" : "Last frozen filesystems");
		for (size_t i = 0; i < st->n_fs; i++)
			printf("  %-30s %-8s %s (%u:%u)\n", st->fs[i].mount_point, st->fs[i].fstype,
			       st->fs[i].source, st->fs[i].major, st->fs[i].minor);
	}
	if (st->n_hooks > 0) {
		printf("Hooks owing a thaw:\n");
		for (size_t i = 0; i < st->n_hooks; i++)
			printf("  %s\n", st->hooks[i].path);
	}
	if ((frozen || st->n_hooks > 0) && !alive)
		printf("The daemon is not running: \"hv_vss_daemon --thaw\" thaws and runs the "
		       "owed hooks.\n");
}

static int command_status(const struct vss_config *c, bool json)
{
	struct vss_state st = { 0 };
	bool recorded = true;
	int r;

	r = vss_state_read(c->state_dir, &st);
	if (r == -ENOENT)
		recorded = false;
	else if (r < 0)
		return log_error_errno(r, "Cannot read the state file in %s: %m", c->state_dir);
	if (json)
		status_json(&st, recorded, daemon_alive(st.pid));
	else
		status_text(&st, recorded, daemon_alive(st.pid));
	vss_state_clear(&st);
	return fflush(stdout) == 0 ? 0 : -EIO;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct vss_manager **m = userdata;

	log_info("Received %s", strsignal((int)si->ssi_signo));
	if (*m)
		vss_manager_stop(*m);
	else
		(void)sd_event_exit(sd_event_source_get_event(s), 0);
	return 0;
}

static int run_daemon(const struct vss_config *c, bool no_daemon)
{
	_cleanup_(sd_event_unrefp) sd_event *e = NULL;
	struct vss_manager *m = NULL;
	sigset_t mask;
	int r;

	r = hv_daemonize(no_daemon);
	if (r < 0)
		return r;
	/* Detached, stderr is /dev/null: log to the journal (stderr if there is none). */
	if (!no_daemon)
		log_setup("hv_vss_daemon", LOG_TARGET_JOURNAL);
	/* Hooks are child event sources: SIGCHLD is blocked before any thread exists. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return log_error_errno(errno, "Cannot block SIGCHLD: %m");

	r = hv_event_new(on_signal, &m, &e);
	if (r < 0)
		return r;
	r = vss_manager_new(e, c, NULL, &m);
	if (r < 0)
		return log_error_errno(r, "Out of memory");
	r = vss_manager_start(m);
	if (r < 0)
		goto out;
	hv_notify_ready("Waiting for backups");
	log_info("hyperv-tools %s VSS daemon started (pid %d)", HV_VERSION, (int)getpid());
	r = sd_event_loop(e);
	if (r < 0)
		log_error_errno(r, "Event loop failed: %m");
out:
	m = vss_manager_free(m);
	return r;
}

int main(int argc, char **argv)
{
	struct args a = { .config_file = VSS_DEFAULT_CONFIG_FILE };
	struct vss_config c;
	int r;

	log_setup("hv_vss_daemon", LOG_TARGET_AUTO);
	r = vss_config_init(&c);
	if (r < 0) {
		log_error_errno(r, "Out of memory");
		return EXIT_FAILURE;
	}
	r = parse_args(argc, argv, &a);
	if (r <= 0)
		goto out;
	if (a.debug)
		log_set_max_level(LOG_DEBUG);
	r = vss_config_load(&c, a.config_file, NULL);
	if (r >= 0)
		r = apply_args(&a, &c);
	if (r < 0) {
		log_error_errno(r, "Out of memory");
		goto out;
	}
	log_set_max_level(c.log_level);

	switch (a.command) {
	case COMMAND_STATUS:
		r = command_status(&c, a.json);
		break;
	case COMMAND_THAW:
		r = command_thaw(&c);
		break;
	case COMMAND_DAEMON:
		r = run_daemon(&c, a.no_daemon);
		break;
	}
out:
	vss_config_done(&c);
	args_done(&a);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
