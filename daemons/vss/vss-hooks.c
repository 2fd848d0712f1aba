// SPDX-License-Identifier: MIT
/*
 * Hook discovery and the hook runner (posix_spawn + sd-event child sources).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "vss-hooks.h"

#define HOOK_LOG_MAX_LINES 200

extern char **environ;

/* Package-manager and editor leftovers (same list as fsfreeze-hook). */
static const char *const ignored_suffixes[] = {
	"~", ".bak", ".orig", ".rpmnew", ".rpmorig", ".rpmsave", ".sample", ".dpkg-old",
	".dpkg-new", ".dpkg-tmp", ".dpkg-dist", ".dpkg-bak", ".dpkg-backup", ".dpkg-remove",
	".swp",
};

bool vss_hook_name_ignored(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || name[0] == '.')
		return true;
	for (size_t i = 0; i < ELEMENTSOF(ignored_suffixes); i++) {
		size_t s = strlen(ignored_suffixes[i]);

		if (n > s && streq(name + n - s, ignored_suffixes[i]))
			return true;
	}
	return false;
}

void vss_hook_list_clear(struct vss_hook_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->hooks[i].name);
		free(l->hooks[i].path);
	}
	free(l->hooks);
	l->hooks = NULL;
	l->n = 0;
}

static int hook_cmp(const void *a, const void *b)
{
	return strcmp(((const struct vss_hook *)a)->name, ((const struct vss_hook *)b)->name);
}

static bool list_has(const struct vss_hook_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->hooks[i].name, name))
			return true;
	return false;
}

static int scan_dir(const char *dir, struct vss_hook_list *l)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;

	if (!d) {
		if (errno == ENOENT)
			return 0;
		return log_warning_errno(errno, "Cannot read hook directory %s: %m", dir);
	}
	while ((de = readdir(d))) {
		_cleanup_free_ char *path = NULL, *name = NULL;
		struct vss_hook *nh;
		struct stat st;

		if (vss_hook_name_ignored(de->d_name) || list_has(l, de->d_name))
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0)
			return -ENOMEM;
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
			continue;
		/* The daemon runs hooks as root: only root may be able to change them. */
		if (geteuid() == 0 && (st.st_uid != 0 || (st.st_mode & 0022))) {
			log_warning("Hook %s is writable by others than root, not running it", path);
			continue;
		}
		name = strdup(de->d_name);
		if (!name)
			return -ENOMEM;
		nh = realloc(l->hooks, (l->n + 1) * sizeof(*nh));
		if (!nh)
			return -ENOMEM;
		l->hooks = nh;
		l->hooks[l->n++] = (struct vss_hook){ .name = TAKE_PTR(name), .path = TAKE_PTR(path) };
	}
	return 0;
}

int vss_hooks_scan(char *const *dirs, struct vss_hook_list *ret)
{
	struct vss_hook_list l = { 0 };
	int r;

	STRV_FOREACH(dir, dirs) {
		r = scan_dir(*dir, &l);
		if (r == -ENOMEM) {
			vss_hook_list_clear(&l);
			return r;
		}
	}
	if (l.n > 1)
		qsort(l.hooks, l.n, sizeof(*l.hooks), hook_cmp);
	*ret = l;
	return 0;
}

bool vss_hook_job_succeeded(const struct vss_hook_job *j)
{
	return j->outcome == VSS_HOOK_EXITED && j->status == 0;
}

struct vss_hook_run {
	sd_event *event;
	uint64_t timeout_usec;
	bool stop_on_failure;
	vss_hook_run_done_fn done;
	vss_hook_job_fn job_fn;
	void *userdata;

	struct vss_hook_job *jobs;
	size_t n;
	size_t next;		/* next job to start */
	bool started;
	bool cancelled;
	bool finished;

	/* The running job, if any. */
	struct vss_hook_job *current;
	pid_t pid;
	int out_fd;
	bool timed_out;
	int kill_stage;		/* 0 none, 1 SIGTERM sent, 2 SIGKILL sent */
	uint64_t started_usec;
	sd_event_source *child_source;
	sd_event_source *out_source;
	sd_event_source *timer_source;
	sd_event_source *step_source;	/* defer: start the next job or finish */
};

static void job_clear(struct vss_hook_job *j)
{
	free(j->name);
	free(j->path);
	free(j->output);
}

static int on_step(sd_event_source *s, void *userdata);

int vss_hook_run_new(sd_event *event, uint64_t timeout_usec, bool stop_on_failure,
		     vss_hook_run_done_fn done, void *userdata, struct vss_hook_run **ret)
{
	struct vss_hook_run *run = calloc(1, sizeof(*run));
	int r;

	if (!run)
		return -ENOMEM;
	run->event = sd_event_ref(event);
	run->timeout_usec = timeout_usec;
	run->stop_on_failure = stop_on_failure;
	run->done = done;
	run->userdata = userdata;
	run->pid = -1;
	run->out_fd = -1;
	r = sd_event_add_defer(event, &run->step_source, on_step, run);
	if (r < 0) {
		vss_hook_run_free(run);
		return r;
	}
	(void)sd_event_source_set_enabled(run->step_source, SD_EVENT_OFF);
	(void)sd_event_source_set_description(run->step_source, "vss-hook-step");
	*ret = run;
	return 0;
}

int vss_hook_run_add(struct vss_hook_run *run, const char *name, const char *path,
		     const char *action)
{
	struct vss_hook_job *nj;

	if (run->started)
		return -EBUSY;
	nj = realloc(run->jobs, (run->n + 1) * sizeof(*nj));
	if (!nj)
		return -ENOMEM;
	run->jobs = nj;
	nj = &run->jobs[run->n];
	*nj = (struct vss_hook_job){ .action = action };
	nj->name = strdup(name);
	nj->path = strdup(path);
	if (!nj->name || !nj->path) {
		job_clear(nj);
		return -ENOMEM;
	}
	run->n++;
	return 0;
}

void vss_hook_run_set_job_callback(struct vss_hook_run *run, vss_hook_job_fn fn)
{
	run->job_fn = fn;
}

static void schedule_step(struct vss_hook_run *run)
{
	(void)sd_event_source_set_enabled(run->step_source, SD_EVENT_ONESHOT);
}

static void drain_output(struct vss_hook_run *run)
{
	struct vss_hook_job *j = run->current;
	char scratch[4096];

	for (;;) {
		size_t room = VSS_HOOK_OUTPUT_MAX - j->output_len;
		ssize_t n;

		if (room > 0 && !j->output) {
			j->output = malloc(VSS_HOOK_OUTPUT_MAX + 1);
			if (!j->output)
				room = 0;
		}
		if (room > 0)
			n = read(run->out_fd, j->output + j->output_len, room);
		else
			n = read(run->out_fd, scratch, sizeof(scratch));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0 || errno != EAGAIN) {
				/* EOF: nobody holds the pipe any more. */
				run->out_source = sd_event_source_disable_unref(run->out_source);
				run->out_fd = safe_close(run->out_fd);
			}
			break;
		}
		if (room > 0)
			j->output_len += (size_t)n;
		else
			j->output_truncated = true;
	}
	if (j->output)
		j->output[j->output_len] = '\0';
}

static int on_output(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	(void)s;
	(void)fd;
	(void)revents;
	drain_output(userdata);
	return 0;
}

static void kill_group(struct vss_hook_run *run, int sig)
{
	if (run->pid > 0)
		(void)kill(-run->pid, sig);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata);

static void arm_grace(struct vss_hook_run *run)
{
	uint64_t now = 0;

	(void)sd_event_now(run->event, CLOCK_MONOTONIC, &now);
	if (run->timer_source) {
		(void)sd_event_source_set_time(run->timer_source, now + VSS_HOOK_KILL_GRACE_USEC);
		(void)sd_event_source_set_enabled(run->timer_source, SD_EVENT_ONESHOT);
	} else if (sd_event_add_time(run->event, &run->timer_source, CLOCK_MONOTONIC,
				     now + VSS_HOOK_KILL_GRACE_USEC, 0, on_timer, run) < 0) {
		kill_group(run, SIGKILL);
		run->kill_stage = 2;
	}
}

/* The hook's time is up: SIGTERM to its group, SIGKILL if still there after the grace time. */
static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct vss_hook_run *run = userdata;

	(void)s;
	(void)usec;
	if (run->kill_stage == 0) {
		log_debug("Hook %s timed out", run->current->name);
		run->timed_out = true;
		kill_group(run, SIGTERM);
		run->kill_stage = 1;
		arm_grace(run);
	} else {
		kill_group(run, SIGKILL);
		run->kill_stage = 2;
	}
	return 0;
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata)
{
	struct vss_hook_run *run = userdata;
	struct vss_hook_job *j = run->current;
	uint64_t now = 0;

	(void)s;
	if (si->si_code == CLD_EXITED) {
		j->outcome = VSS_HOOK_EXITED;
		j->status = si->si_status;
	} else {
		j->outcome = run->timed_out ? VSS_HOOK_TIMED_OUT : VSS_HOOK_KILLED;
		j->status = si->si_status;
	}
	(void)sd_event_now(run->event, CLOCK_MONOTONIC, &now);
	j->usec = now - run->started_usec;
	if (run->out_fd >= 0)
		drain_output(run);
	/*
	 * A background process the hook left behind may keep the pipe open:
	 * stop reading, it gets EPIPE. The child source is freed in the next
	 * step, after sd-event reaped the process.
	 */
	run->out_source = sd_event_source_disable_unref(run->out_source);
	run->out_fd = safe_close(run->out_fd);
	run->timer_source = sd_event_source_disable_unref(run->timer_source);
	/* A hook that was stopped takes whatever it started along; one that exited does not. */
	if (run->kill_stage > 0)
		kill_group(run, SIGKILL);
	run->pid = -1;
	schedule_step(run);
	return 0;
}

static int spawn_job(struct vss_hook_run *run, struct vss_hook_job *j)
{
	char *argv[] = { j->path, (char *)j->action, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int pipefd[2], r;
	sigset_t none, all;
	uint64_t now = 0;
	pid_t pid;

	/* posix_spawn reports exec failures too, but not under every runtime (valgrind). */
	if (access(j->path, X_OK) < 0)
		return -errno;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	(void)fcntl(pipefd[0], F_SETFL, O_NONBLOCK);

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&all);
	(void)posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	(void)posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	(void)posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
	(void)posix_spawn_file_actions_addchdir_np(&fa, "/");
	/* Own session: the timeout can kill everything the hook started. */
	(void)posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
						      POSIX_SPAWN_SETSIGDEF);
	(void)posix_spawnattr_setsigmask(&attr, &none);
	(void)posix_spawnattr_setsigdefault(&attr, &all);
	r = -posix_spawn(&pid, j->path, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	safe_close(pipefd[1]);
	if (r < 0) {
		safe_close(pipefd[0]);
		return r;
	}

	run->pid = pid;
	run->out_fd = pipefd[0];
	run->timed_out = false;
	run->kill_stage = 0;
	(void)sd_event_now(run->event, CLOCK_MONOTONIC, &now);
	run->started_usec = now;

	r = sd_event_add_child(run->event, &run->child_source, pid, WEXITED, on_child, run);
	if (r < 0)
		goto fail;
	/* Freed before it exited (daemon shutting down): killed and reaped. */
	(void)sd_event_source_set_child_process_own(run->child_source, true);
	r = sd_event_add_io(run->event, &run->out_source, run->out_fd, EPOLLIN, on_output, run);
	if (r < 0)
		goto fail;
	if (run->timeout_usec != USEC_INFINITY) {
		r = sd_event_add_time(run->event, &run->timer_source, CLOCK_MONOTONIC,
				      now + run->timeout_usec, 0, on_timer, run);
		if (r < 0)
			goto fail;
		(void)sd_event_source_set_enabled(run->timer_source, SD_EVENT_ONESHOT);
	}
	return 0;
fail:
	kill_group(run, SIGKILL);
	if (!run->child_source)
		(void)waitpid(pid, NULL, 0);
	run->child_source = sd_event_source_disable_unref(run->child_source);
	run->out_source = sd_event_source_disable_unref(run->out_source);
	run->timer_source = sd_event_source_disable_unref(run->timer_source);
	run->out_fd = safe_close(run->out_fd);
	run->pid = -1;
	return r;
}

static bool job_failed(const struct vss_hook_job *j)
{
	return j->outcome != VSS_HOOK_NOT_RUN && !vss_hook_job_succeeded(j);
}

static int on_step(sd_event_source *s, void *userdata)
{
	struct vss_hook_run *run = userdata;

	(void)s;
	run->child_source = sd_event_source_disable_unref(run->child_source);
	if (run->current) {
		bool failed = job_failed(run->current);

		if (run->job_fn)
			run->job_fn(run, run->current, false, run->userdata);
		run->current = NULL;
		if (failed && run->stop_on_failure)
			run->cancelled = true;
	}
	while (!run->cancelled && run->next < run->n) {
		struct vss_hook_job *j = &run->jobs[run->next++];
		int r;

		log_debug("Running hook %s %s", j->path, j->action);
		if (run->job_fn)
			run->job_fn(run, j, true, run->userdata);
		r = spawn_job(run, j);
		if (r >= 0) {
			run->current = j;
			return 0;
		}
		j->outcome = VSS_HOOK_SPAWN_FAILED;
		j->status = r;
		if (run->job_fn)
			run->job_fn(run, j, false, run->userdata);
		if (run->stop_on_failure)
			run->cancelled = true;
	}
	run->finished = true;
	if (run->done)
		run->done(run, run->userdata);	/* may free run */
	return 0;
}

int vss_hook_run_start(struct vss_hook_run *run)
{
	if (run->started)
		return -EBUSY;
	run->started = true;
	schedule_step(run);
	return 0;
}

void vss_hook_run_cancel(struct vss_hook_run *run)
{
	if (run->finished || run->cancelled)
		return;
	run->cancelled = true;
	if (run->current && run->pid > 0) {
		if (run->kill_stage == 0) {
			kill_group(run, SIGTERM);
			run->kill_stage = 1;
			arm_grace(run);
		}
	} else if (run->started) {
		schedule_step(run);
	}
}

bool vss_hook_run_finished(const struct vss_hook_run *run)
{
	return run->finished;
}

size_t vss_hook_run_count(const struct vss_hook_run *run)
{
	return run->n;
}

const struct vss_hook_job *vss_hook_run_job(const struct vss_hook_run *run, size_t i)
{
	return i < run->n ? &run->jobs[i] : NULL;
}

static void log_output(const struct vss_hook_job *j)
{
	unsigned lines = 0, skipped = 0;
	const char *p = j->output;

	if (!p)
		return;
	while (*p) {
		size_t len = strcspn(p, "\n");

		if (len > 0) {
			if (lines < HOOK_LOG_MAX_LINES)
				log_struct(LOG_INFO, 0,
					   LOG_FIELDS({ "HV_VSS_HOOK", j->name },
						      { "HV_VSS_HOOK_ACTION", j->action }),
					   "hook %s %s: %.*s", j->name, j->action, (int)len, p);
			else
				skipped++;
			lines++;
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	if (skipped || j->output_truncated)
		log_info("hook %s %s: output truncated", j->name, j->action);
}

void vss_hook_run_log(const struct vss_hook_run *run)
{
	for (size_t i = 0; i < run->n; i++) {
		const struct vss_hook_job *j = &run->jobs[i];
		unsigned long ms = (unsigned long)(j->usec / USEC_PER_MSEC);
		char status[16];

		snprintf(status, sizeof(status), "%d", j->status);
		switch (j->outcome) {
		case VSS_HOOK_NOT_RUN:
			continue;
		case VSS_HOOK_EXITED:
			log_struct(j->status == 0 ? LOG_INFO : LOG_WARNING, 0,
				   LOG_FIELDS({ "HV_VSS_HOOK", j->name },
					      { "HV_VSS_HOOK_ACTION", j->action },
					      { "HV_VSS_HOOK_STATUS", status }),
				   "Hook %s %s exited with status %d after %lu ms", j->path, j->action,
				   j->status, ms);
			break;
		case VSS_HOOK_KILLED:
			log_warning("Hook %s %s was killed by signal %d (%s) after %lu ms", j->path,
				    j->action, j->status, strsignal(j->status), ms);
			break;
		case VSS_HOOK_TIMED_OUT:
			log_warning("Hook %s %s timed out and was killed after %lu ms", j->path,
				    j->action, ms);
			break;
		case VSS_HOOK_SPAWN_FAILED:
			log_warning_errno(j->status, "Hook %s %s could not be started: %m", j->path,
					  j->action);
			break;
		}
		log_output(j);
	}
}

struct vss_hook_run *vss_hook_run_free(struct vss_hook_run *run)
{
	if (!run)
		return NULL;
	if (run->pid > 0)
		kill_group(run, SIGKILL);
	/* Owning the process: a still running hook is killed and reaped here. */
	sd_event_source_disable_unref(run->child_source);
	sd_event_source_disable_unref(run->out_source);
	sd_event_source_disable_unref(run->timer_source);
	sd_event_source_disable_unref(run->step_source);
	safe_close(run->out_fd);
	for (size_t i = 0; i < run->n; i++)
		job_clear(&run->jobs[i]);
	free(run->jobs);
	sd_event_unref(run->event);
	free(run);
	return NULL;
}
