/* SPDX-License-Identifier: MIT */
/*
 * Application hooks: executables in /etc/hyperv-tools/vss-hooks.d/ (and
 * any other configured directory) run with one argument, the action:
 *
 *   freeze         before filesystems are frozen, in lexical order; a
 *                  non-zero exit or a timeout aborts the backup
 *   thaw           after filesystems are thawed, in reverse order, to every
 *                  hook whose "freeze" succeeded (also when the backup is
 *                  aborted, auto-thawed or the daemon is stopped)
 *   freeze-failed  after those thaws when a freeze failed, in reverse
 *                  order, to every hook that was run with "freeze"
 *
 * This is the argument contract of qemu-guest-agent's fsfreeze-hook.d
 * scripts, which can be used unchanged. Each hook runs in its own session
 * (the timeout kills the whole process group), stdin from /dev/null, stdout
 * and stderr captured in memory (never spooled to disk) and logged later.
 */
#ifndef HV_VSS_HOOKS_H
#define HV_VSS_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "util.h"

#define VSS_HOOK_FREEZE "freeze"
#define VSS_HOOK_THAW "thaw"
#define VSS_HOOK_FREEZE_FAILED "freeze-failed"

#define VSS_HOOK_OUTPUT_MAX (64u * 1024u)
/* After the timeout: SIGTERM to the group, then SIGKILL after this. */
#define VSS_HOOK_KILL_GRACE_USEC (5 * USEC_PER_SEC)

struct vss_hook {
	char *name;	/* file name: the sort key */
	char *path;
};

struct vss_hook_list {
	struct vss_hook *hooks;
	size_t n;
};

/*
 * Collect hooks from dirs (missing directories are fine): executable
 * regular files, no hidden files or package-manager leftovers (*~, .bak,
 * .dpkg-*, .rpmnew ...). A name found in an earlier directory hides the
 * same name in a later one. When running as root, a hook writable by
 * anyone but root is refused. Sorted by name (byte order).
 */
int vss_hooks_scan(char *const *dirs, struct vss_hook_list *ret);
void vss_hook_list_clear(struct vss_hook_list *l);
bool vss_hook_name_ignored(const char *name);

enum vss_hook_outcome {
	VSS_HOOK_NOT_RUN,
	VSS_HOOK_EXITED,	/* status = exit code */
	VSS_HOOK_KILLED,	/* status = signal */
	VSS_HOOK_TIMED_OUT,	/* killed after the timeout */
	VSS_HOOK_SPAWN_FAILED,	/* status = negative errno */
};

struct vss_hook_job {
	char *name;
	char *path;
	const char *action;
	enum vss_hook_outcome outcome;
	int status;
	char *output;		/* NUL-terminated, may be NULL */
	size_t output_len;
	bool output_truncated;
	uint64_t usec;		/* run time */
};

bool vss_hook_job_succeeded(const struct vss_hook_job *j);

struct vss_hook_run;
typedef void (*vss_hook_run_done_fn)(struct vss_hook_run *run, void *userdata);

/*
 * A sequence of hook invocations run one after the other on the event
 * loop. With stop_on_failure the first failure ends the run. done is
 * called from the event loop once the run is over (never from within
 * vss_hook_run_start() or vss_hook_run_cancel()); it may free the run.
 * SIGCHLD must be blocked.
 */
int vss_hook_run_new(sd_event *event, uint64_t timeout_usec, bool stop_on_failure,
		     vss_hook_run_done_fn done, void *userdata, struct vss_hook_run **ret);
int vss_hook_run_add(struct vss_hook_run *run, const char *name, const char *path,
		     const char *action);
/*
 * Optional: called right before a hook is started (started = true) and
 * when it is over (false), e.g. to record it in the state file.
 */
typedef void (*vss_hook_job_fn)(struct vss_hook_run *run, const struct vss_hook_job *job,
				bool started, void *userdata);
void vss_hook_run_set_job_callback(struct vss_hook_run *run, vss_hook_job_fn fn);
int vss_hook_run_start(struct vss_hook_run *run);
/* Stop: the running hook is terminated, the rest skipped. */
void vss_hook_run_cancel(struct vss_hook_run *run);
bool vss_hook_run_finished(const struct vss_hook_run *run);
size_t vss_hook_run_count(const struct vss_hook_run *run);
const struct vss_hook_job *vss_hook_run_job(const struct vss_hook_run *run, size_t i);
/* Log each invocation's outcome and captured output. */
void vss_hook_run_log(const struct vss_hook_run *run);
/* A hook still running is killed. */
struct vss_hook_run *vss_hook_run_free(struct vss_hook_run *run);

#endif /* HV_VSS_HOOKS_H */
