// SPDX-License-Identifier: MIT
/*
 * hv_vss_daemon's state machine (see vss-manager.h).
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hyperv/status.h>
#include <hyperv/vss.h>

#include "daemon.h"
#include "hvdev.h"
#include "log.h"
#include "util.h"
#include "vss-freeze.h"
#include "vss-handler.h"
#include "vss-hooks.h"
#include "vss-manager.h"
#include "vss-mount.h"
#include "vss-state.h"

/* Larger than any VSS message, so that an oversized one is seen as such. */
#define VSS_DEV_BUF_SIZE 64
/* How long an exiting daemon waits for a freeze stuck in the kernel to end. */
#define VSS_EXIT_WAIT_USEC (10 * USEC_PER_SEC)

enum phase {
	PHASE_IDLE,
	PHASE_FREEZE_HOOKS,	/* "freeze" hooks running */
	PHASE_FREEZING,		/* the worker is freezing filesystems */
	PHASE_FROZEN,
	PHASE_POST_HOOKS,	/* "thaw" / "freeze-failed" hooks running */
};

struct vss_manager {
	sd_event *event;
	const struct vss_config *config;
	struct vss_freezer_ops ops;
	bool have_ops;
	hv_dev *dev;
	enum phase phase;

	bool reply_owed;	/* a FREEZE waits for its answer */
	bool freeze_queued;	/* ... and for the post hooks to finish first */
	struct hv_vss_msg request;

	struct vss_hook_run *freeze_run;	/* kept until thaw, to log its output then */
	struct vss_hook_run *post_run;
	bool freeze_failed;	/* this cycle failed: hooks get "freeze-failed" */
	char *fail_reason;
	const char *abort_reason;	/* stop or device reset during the freeze hooks */

	struct vss_freezer *freezer;
	/* Given up while stuck in FIFREEZE: its worker undoes the freeze if it ever completes. */
	struct vss_freezer *abandoned;
	sd_event_source *auto_thaw_source;
	bool logs_held;
	bool auto_thawed;	/* answer the next THAW with HV_E_FAIL */
	bool stopping;

	struct vss_state state;	/* mirror of the state file */
	uint64_t freeze_start_usec;	/* CLOCK_MONOTONIC */
	uint64_t frozen_usec;
	unsigned n_ok;
	unsigned n_failed;
};

static void start_post_hooks(struct vss_manager *m);

static uint64_t mono_now(struct vss_manager *m)
{
	uint64_t now = 0;

	if (sd_event_now(m->event, CLOCK_MONOTONIC, &now) < 0)
		now = now_usec(CLOCK_MONOTONIC);
	return now;
}

static const char *phase_name(enum phase p)
{
	static const char *const names[] = {
		[PHASE_IDLE] = "idle",
		[PHASE_FREEZE_HOOKS] = "running freeze hooks",
		[PHASE_FREEZING] = "freezing",
		[PHASE_FROZEN] = "frozen",
		[PHASE_POST_HOOKS] = "running thaw hooks",
	};

	return names[p];
}

static void set_phase(struct vss_manager *m, enum phase p)
{
	m->phase = p;
	if (p == PHASE_FROZEN)
		hv_notify_status("Frozen: %zu filesystems", m->state.n_fs);
	else if (p == PHASE_IDLE)
		hv_notify_status("Waiting for backups (%u done, %u failed)", m->n_ok, m->n_failed);
	else
		hv_notify_status("Backup in progress: %s", phase_name(p));
}

static int write_state(struct vss_manager *m)
{
	int r;

	m->state.pid = getpid();
	/* Never called between freeze and thaw: recreating a removed directory is safe. */
	(void)mkdir_p(m->config->state_dir, 0755);
	r = vss_state_write(m->config->state_dir, &m->state);
	if (r < 0)
		log_warning_errno(r, "Cannot write the state file in %s: %m", m->config->state_dir);
	return r;
}

static void reply(struct vss_manager *m, uint32_t status)
{
	struct hv_vss_msg msg;
	int r;

	if (!m->reply_owed)
		return;
	m->reply_owed = false;
	msg = m->request;
	vss_reply_build(&msg, status);
	r = hv_dev_reply(m->dev, &msg, sizeof(msg));
	if (r < 0)
		log_debug_errno(r, "Cannot answer FREEZE: %m");
}

static void set_fail_reason(struct vss_manager *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_fail_reason(struct vss_manager *m, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	m->freeze_failed = true;
	if (m->fail_reason)
		return;	/* the first reason is the real one */
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	m->fail_reason = s;
}

/*
 * Thaw whatever is frozen, end the hold on logging, record the outcome,
 * and start the post hooks. Every path out of a freeze goes through here.
 * Returns the thaw result (0, or the first FITHAW error).
 */
static int thaw_everything(struct vss_manager *m, const char *result)
{
	size_t n_frozen = 0;
	int r = 0;

	m->auto_thaw_source = sd_event_source_disable_unref(m->auto_thaw_source);
	if (m->freezer) {
		n_frozen = vss_freezer_frozen_count(m->freezer);
		r = vss_freezer_thaw(m->freezer);
	}
	/* Nothing is frozen (or what is left cannot be thawed): logging may reach the disk again. */
	if (m->logs_held) {
		log_release();
		m->logs_held = false;
	}

	if (m->freezer) {
		for (size_t i = 0; i < vss_freezer_count(m->freezer); i++) {
			const char *step = NULL;
			int e = vss_freezer_error(m->freezer, i, &step);

			if (e < 0 && step && streq(step, "unsupported"))
				log_info("%s (%s) does not support freezing: not frozen",
					 vss_freezer_mount_point(m->freezer, i),
					 vss_freezer_fs(m->freezer, i)->fstype);
			else if (e < 0 && step && streq(step, "thaw"))
				log_error_errno(e, "Cannot thaw %s: %m; it stays frozen, "
						"try \"hv_vss_daemon --thaw\"",
						vss_freezer_mount_point(m->freezer, i));
		}
		if (n_frozen > 0)
			log_info("Thawed %zu filesystems, frozen for %llu ms", n_frozen,
				 (unsigned long long)((mono_now(m) - m->freeze_start_usec) /
						      USEC_PER_MSEC));
	}
	if (m->fail_reason)
		log_error("Freeze failed: %s", m->fail_reason);
	if (m->freeze_run)
		vss_hook_run_log(m->freeze_run);

	if (m->freeze_failed)
		m->n_failed++;
	else
		m->n_ok++;
	if (m->freezer && vss_freezer_running(m->freezer)) {
		log_warning("A freeze is stuck in the kernel; it is undone as soon as it completes");
		m->abandoned = m->freezer;
		m->freezer = NULL;
	}
	m->freezer = vss_freezer_free(m->freezer);
	/* Until a stuck freeze is over, the state file keeps saying "may be frozen". */
	m->state.kind = r < 0 || m->abandoned ? VSS_STATE_FROZEN : VSS_STATE_THAWED;
	m->state.since_usec = now_usec(CLOCK_REALTIME);
	(void)vss_state_set_result(&m->state, m->freeze_failed ? "failed" : result);
	start_post_hooks(m);
	return r;
}

/* A freeze did not happen: thaw what was frozen, answer HV_E_FAIL. */
static void fail_freeze(struct vss_manager *m)
{
	if (!m->fail_reason)
		set_fail_reason(m, "unknown error");
	(void)thaw_everything(m, "failed");
	reply(m, HV_E_FAIL);
}

static void continue_after_post(struct vss_manager *m);

static void on_post_hook_job(struct vss_hook_run *run, const struct vss_hook_job *job,
			     bool started, void *userdata)
{
	struct vss_manager *m = userdata;

	(void)run;
	/* A "thaw" that ran (well or not) is no longer owed. */
	if (started || !streq(job->action, VSS_HOOK_THAW))
		return;
	vss_state_remove_hook(&m->state, job->name);
	(void)write_state(m);
}

static void on_post_hooks_done(struct vss_hook_run *run, void *userdata)
{
	struct vss_manager *m = userdata;
	bool had_jobs = vss_hook_run_count(run) > 0;

	vss_hook_run_log(run);
	m->post_run = vss_hook_run_free(run);
	vss_state_clear_hooks(&m->state);
	if (had_jobs)
		(void)write_state(m);
	set_phase(m, PHASE_IDLE);
	continue_after_post(m);
}

/*
 * "thaw" to every hook that owes one (state.hooks, in freeze order:
 * called in reverse), then "freeze-failed" to every hook run with "freeze"
 * in a failed cycle.
 */
static void start_post_hooks(struct vss_manager *m)
{
	struct vss_hook_run *run = NULL;
	int r;

	r = vss_hook_run_new(m->event, m->config->hook_timeout_usec, false, on_post_hooks_done, m,
			     &run);
	for (size_t k = m->state.n_hooks; r >= 0 && k-- > 0;)
		r = vss_hook_run_add(run, m->state.hooks[k].name, m->state.hooks[k].path,
				     VSS_HOOK_THAW);
	if (m->freeze_failed && m->freeze_run) {
		for (size_t k = vss_hook_run_count(m->freeze_run); r >= 0 && k-- > 0;) {
			const struct vss_hook_job *j = vss_hook_run_job(m->freeze_run, k);

			if (j->outcome != VSS_HOOK_NOT_RUN)
				r = vss_hook_run_add(run, j->name, j->path, VSS_HOOK_FREEZE_FAILED);
		}
	}
	m->freeze_run = vss_hook_run_free(m->freeze_run);
	m->freeze_failed = false;
	free(m->fail_reason);
	m->fail_reason = NULL;
	(void)write_state(m);
	if (r >= 0) {
		vss_hook_run_set_job_callback(run, on_post_hook_job);
		r = vss_hook_run_start(run);
	}
	if (r < 0) {
		log_error_errno(r, "Cannot run the thaw hooks: %m");
		vss_hook_run_free(run);
		vss_state_clear_hooks(&m->state);
		(void)write_state(m);
		set_phase(m, PHASE_IDLE);
		continue_after_post(m);
		return;
	}
	m->post_run = run;
	set_phase(m, PHASE_POST_HOOKS);
}

static int on_auto_thaw(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct vss_manager *m = userdata;
	bool was_frozen = m->phase == PHASE_FROZEN;

	(void)s;
	(void)usec;
	m->auto_thaw_source = sd_event_source_disable_unref(m->auto_thaw_source);
	if (m->phase != PHASE_FROZEN && m->phase != PHASE_FREEZING)
		return 0;
	if (!was_frozen)
		set_fail_reason(m, "the filesystems could not be frozen within %llu s",
				(unsigned long long)(m->config->auto_thaw_usec / USEC_PER_SEC));
	m->auto_thawed = was_frozen;
	(void)thaw_everything(m, "auto-thawed");
	if (was_frozen)
		log_warning("No THAW within %llu s: filesystems thawed automatically; the "
			    "backup is reported as failed",
			    (unsigned long long)(m->config->auto_thaw_usec / USEC_PER_SEC));
	reply(m, HV_E_FAIL);
	return 0;
}

/* A freeze given up while stuck in the kernel has ended (and undone itself). */
static void on_abandoned_done(struct vss_manager *m)
{
	m->abandoned = vss_freezer_free(m->abandoned);
	log_notice("The stuck freeze completed and was undone");
	if (m->phase == PHASE_FREEZING || m->phase == PHASE_FROZEN || m->freezer)
		return;
	m->state.kind = VSS_STATE_THAWED;
	(void)write_state(m);
}

static void on_frozen(struct vss_freezer *f, int result, void *userdata)
{
	struct vss_manager *m = userdata;

	if (f == m->abandoned) {
		on_abandoned_done(m);
		return;
	}
	if (f != m->freezer || result == -ECANCELED)
		return;
	if (result == 0) {
		m->frozen_usec = mono_now(m);
		set_phase(m, PHASE_FROZEN);
		/* Held: flushed after thaw. */
		log_info("Froze %zu filesystems in %llu ms", vss_freezer_count(f),
			 (unsigned long long)((m->frozen_usec - m->freeze_start_usec) /
					      USEC_PER_MSEC));
		reply(m, HV_S_OK);
		return;
	}

	{
		size_t i = vss_freezer_failed_index(f);
		const struct vss_fs *fs = vss_freezer_fs(f, i);
		const char *step = "freeze";
		int e = vss_freezer_error(f, i, &step);

		if (!fs)
			set_fail_reason(m, "%s", strerror(-result));
		else if (e == -EBUSY && streq(step, "freeze"))
			set_fail_reason(m, "%s (%s on %s) is already frozen by someone else "
					"(\"fsfreeze -u %s\" releases it)",
					fs->mount_points ? fs->mount_points[0] : "?", fs->fstype,
					fs->source, fs->mount_points ? fs->mount_points[0] : "?");
		else
			set_fail_reason(m, "cannot %s %s (%s on %s): %s", step ? step : "freeze",
					vss_freezer_mount_point(f, i) ? vss_freezer_mount_point(f, i) :
					(fs->mount_points ? fs->mount_points[0] : "?"),
					fs->fstype, fs->source, strerror(-(e ? e : result)));
	}
	fail_freeze(m);
}

static int start_fs_freeze(struct vss_manager *m)
{
	const struct vss_config *c = m->config;
	struct vss_scope scope = {
		.include = c->include,
		.exclude = c->exclude,
		.exclude_types = c->exclude_types,
		.network = c->freeze_network,
		.fuse = c->freeze_fuse,
	};
	struct vss_mount_table t = { 0 };
	struct vss_plan plan = { 0 };
	uint64_t now;
	int r;

	r = vss_mountinfo_load(c->mountinfo, &t);
	if (r < 0) {
		set_fail_reason(m, "cannot read %s: %s", c->mountinfo, strerror(-r));
		return r;
	}
	r = vss_plan_build(&t, &scope, &plan);
	vss_mount_table_clear(&t);
	if (r < 0) {
		set_fail_reason(m, "cannot plan the freeze: %s", strerror(-r));
		return r;
	}
	r = vss_freezer_new(&plan, m->have_ops ? &m->ops : NULL, &m->freezer);
	if (r < 0) {
		vss_plan_clear(&plan);
		set_fail_reason(m, "%s", strerror(-r));
		return r;
	}

	vss_state_clear_fs(&m->state);
	for (size_t i = 0; i < vss_freezer_count(m->freezer); i++) {
		const struct vss_fs *fs = vss_freezer_fs(m->freezer, i);
		const char *mp = vss_freezer_mount_point(m->freezer, i);

		r = vss_state_add_fs(&m->state, fs->major, fs->minor, fs->fstype, fs->source,
				     mp ? mp : fs->mount_points[0]);
		if (r < 0) {
			set_fail_reason(m, "%s", strerror(-r));
			return r;
		}
		log_info("Freezing %s (%s on %s)%s", mp ? mp : fs->mount_points[0], fs->fstype,
			 fs->source, fs->is_root ? ", the root filesystem" : "");
	}
	/* Recorded before the first FIFREEZE: a crash from here on is recoverable. */
	m->state.kind = VSS_STATE_FROZEN;
	m->state.since_usec = now_usec(CLOCK_REALTIME);
	r = write_state(m);
	if (r < 0) {
		set_fail_reason(m, "cannot record the freeze in %s (refusing to freeze "
				"what could not be recovered): %s", c->state_dir, strerror(-r));
		return r;
	}

	now = mono_now(m);
	r = sd_event_add_time(m->event, &m->auto_thaw_source, CLOCK_MONOTONIC,
			      now + c->auto_thaw_usec, 0, on_auto_thaw, m);
	if (r < 0) {
		set_fail_reason(m, "cannot arm the auto-thaw timer: %s", strerror(-r));
		return r;
	}
	(void)sd_event_source_set_description(m->auto_thaw_source, "vss-auto-thaw");

	log_hold();
	m->logs_held = true;
	m->freeze_start_usec = now;
	set_phase(m, PHASE_FREEZING);
	r = vss_freezer_start(m->freezer, m->event, on_frozen, m);
	if (r < 0)
		on_frozen(m->freezer, r, m);	/* a filesystem could not be opened */
	return 0;
}

static void on_freeze_hook_job(struct vss_hook_run *run, const struct vss_hook_job *job,
			       bool started, void *userdata)
{
	struct vss_manager *m = userdata;

	(void)run;
	/*
	 * Recorded before it starts: after a crash, a hook interrupted in
	 * "freeze" gets a "thaw". One that failed gets "freeze-failed" instead.
	 */
	if (started)
		(void)vss_state_add_hook(&m->state, job->name, job->path);
	else if (vss_hook_job_succeeded(job))
		return;
	else
		vss_state_remove_hook(&m->state, job->name);
	(void)write_state(m);
}

static void on_freeze_hooks_done(struct vss_hook_run *run, void *userdata)
{
	struct vss_manager *m = userdata;

	for (size_t i = 0; i < vss_hook_run_count(run); i++) {
		const struct vss_hook_job *j = vss_hook_run_job(run, i);

		if (j->outcome == VSS_HOOK_NOT_RUN || vss_hook_job_succeeded(j))
			continue;
		if (j->outcome == VSS_HOOK_TIMED_OUT)
			set_fail_reason(m, "hook %s timed out", j->path);
		else if (j->outcome == VSS_HOOK_SPAWN_FAILED)
			set_fail_reason(m, "hook %s could not be started: %s", j->path,
					strerror(-j->status));
		else if (j->outcome == VSS_HOOK_KILLED)
			set_fail_reason(m, "hook %s was killed by signal %d", j->path, j->status);
		else
			set_fail_reason(m, "hook %s failed with status %d", j->path, j->status);
	}
	if (m->abort_reason)
		set_fail_reason(m, "%s", m->abort_reason);
	if (m->freeze_failed || start_fs_freeze(m) < 0)
		fail_freeze(m);
}

static int begin_freeze(struct vss_manager *m)
{
	struct vss_hook_list hooks = { 0 };
	int r;

	if (m->abandoned)
		return log_error_errno(EBUSY, "Refusing to freeze: an earlier freeze is still stuck "
					      "in the kernel");
	m->freeze_failed = false;
	m->abort_reason = NULL;
	m->auto_thawed = false;
	m->freeze_start_usec = mono_now(m);
	vss_state_clear_fs(&m->state);
	vss_state_clear_hooks(&m->state);
	m->state.kind = VSS_STATE_FREEZING;
	m->state.since_usec = now_usec(CLOCK_REALTIME);
	(void)vss_state_set_result(&m->state, NULL);
	r = write_state(m);
	if (r < 0)
		return log_error_errno(r, "Refusing to freeze: the state file cannot be written");

	if (m->config->hooks_enabled) {
		r = vss_hooks_scan(m->config->hook_dirs, &hooks);
		if (r < 0)
			return log_error_errno(r, "Cannot list hooks: %m");
	}
	r = vss_hook_run_new(m->event, m->config->hook_timeout_usec, true, on_freeze_hooks_done, m,
			     &m->freeze_run);
	for (size_t i = 0; r >= 0 && i < hooks.n; i++)
		r = vss_hook_run_add(m->freeze_run, hooks.hooks[i].name, hooks.hooks[i].path,
				     VSS_HOOK_FREEZE);
	if (r >= 0) {
		vss_hook_run_set_job_callback(m->freeze_run, on_freeze_hook_job);
		r = vss_hook_run_start(m->freeze_run);
	}
	if (r < 0) {
		vss_hook_list_clear(&hooks);
		m->freeze_run = vss_hook_run_free(m->freeze_run);
		return log_error_errno(r, "Cannot run the freeze hooks: %m");
	}
	log_info("FREEZE requested: %zu freeze hooks to run", hooks.n);
	vss_hook_list_clear(&hooks);
	set_phase(m, PHASE_FREEZE_HOOKS);
	return 0;
}

/* The freeze could not even start: record it and say so. */
static void begin_freeze_failed(struct vss_manager *m, int r)
{
	m->n_failed++;
	m->state.kind = VSS_STATE_THAWED;
	m->state.since_usec = now_usec(CLOCK_REALTIME);
	(void)vss_state_set_result(&m->state, "failed");
	(void)write_state(m);
	log_error_errno(r, "FREEZE failed: %m");
}

static void continue_after_post(struct vss_manager *m)
{
	int r;

	if (m->stopping) {
		reply(m, HV_E_FAIL);
		(void)sd_event_exit(m->event, 0);
		return;
	}
	if (!m->freeze_queued)
		return;
	m->freeze_queued = false;
	r = begin_freeze(m);
	if (r < 0) {
		begin_freeze_failed(m, r);
		reply(m, HV_E_FAIL);
	}
}

static int handler_freeze(const struct hv_vss_msg *request, void *userdata)
{
	struct vss_manager *m = userdata;
	int r;

	if (m->stopping)
		return log_warning_errno(ESHUTDOWN, "FREEZE refused: the daemon is stopping");
	m->request = *request;
	switch (m->phase) {
	case PHASE_IDLE:
		r = begin_freeze(m);
		if (r < 0) {
			begin_freeze_failed(m, r);
			return r;
		}
		m->reply_owed = true;
		return 0;
	case PHASE_FROZEN:
		/* The host lost a THAW (its transaction timed out): start over cleanly. */
		log_warning("FREEZE while frozen: thawing, then freezing again");
		m->reply_owed = true;
		m->freeze_queued = true;
		(void)thaw_everything(m, "ok");
		return 0;
	case PHASE_POST_HOOKS:
		log_info("FREEZE requested: waiting for the thaw hooks of the last backup");
		m->reply_owed = true;
		m->freeze_queued = true;
		return 0;
	default:
		/* The kernel sends one request at a time: unreachable. */
		return -EBUSY;
	}
}

static uint32_t handler_thaw(void *userdata)
{
	struct vss_manager *m = userdata;

	switch (m->phase) {
	case PHASE_FROZEN:
		if (thaw_everything(m, "ok") < 0)
			return HV_E_FAIL;
		log_info("THAW: backup complete");
		return HV_S_OK;
	case PHASE_IDLE:
	case PHASE_POST_HOOKS:
		if (m->auto_thawed) {
			m->auto_thawed = false;
			log_warning("THAW after an automatic thaw: reporting failure, the snapshot "
				    "may not be consistent");
			return HV_E_FAIL;
		}
		log_info("THAW with nothing frozen");
		return HV_S_OK;
	default:
		return HV_E_FAIL;
	}
}

static const struct vss_handler_ops handler_ops = {
	.freeze = handler_freeze,
	.thaw = handler_thaw,
};

static ssize_t dev_build_register(void *buf, size_t size, void *userdata)
{
	struct hv_vss_msg msg = { 0 };

	(void)userdata;
	if (size < sizeof(msg))
		return -ENOBUFS;
	msg.hdr.operation = HV_VSS_OP_REGISTER1;
	memcpy(buf, &msg, sizeof(msg));
	return sizeof(msg);
}

static int dev_check_register(const void *buf, size_t len, void *userdata)
{
	uint32_t version;

	(void)userdata;
	/* The kernel answers a bare u32 (its VSS_OP_REGISTER1); any value is accepted, as upstream. */
	if (len != HV_VSS_REGISTER_REPLY_SIZE)
		return -EPROTO;
	memcpy(&version, buf, sizeof(version));
	log_debug("VSS kernel module version %u", le32toh(version));
	return 0;
}

static ssize_t dev_handle(hv_dev *dev, void *buf, size_t len, void *userdata)
{
	(void)dev;
	if (len >= 1)
		log_debug("VSS request %s (%zu bytes)",
			  vss_op_to_string(((const unsigned char *)buf)[0]), len);
	return vss_handle(&handler_ops, userdata, buf, len);
}

static void dev_state_changed(hv_dev *dev, enum hv_dev_state state, void *userdata)
{
	struct vss_manager *m = userdata;

	if (state == HV_DEV_READY) {
		log_info("Registered with the kernel on %s", hv_dev_get_path(dev));
		return;
	}
	if (state != HV_DEV_CLOSED)
		return;
	/* The kernel failed the pending transaction: the host sends no THAW for it. */
	m->reply_owed = false;
	m->freeze_queued = false;
	switch (m->phase) {
	case PHASE_FREEZE_HOOKS:
		m->abort_reason = "the device was reset";
		vss_hook_run_cancel(m->freeze_run);
		break;
	case PHASE_FREEZING:
	case PHASE_FROZEN:
		if (m->phase == PHASE_FREEZING)
			set_fail_reason(m, "the device was reset");
		(void)thaw_everything(m, "aborted");
		log_warning("The device was reset while frozen: filesystems thawed");
		break;
	default:
		break;
	}
}

static const struct hv_dev_ops vss_dev_ops = {
	.name = "vss",
	.max_msg_size = VSS_DEV_BUF_SIZE,
	.build_register = dev_build_register,
	.check_register = dev_check_register,
	.handle = dev_handle,
	.state_changed = dev_state_changed,
};

int vss_manager_new(sd_event *event, const struct vss_config *config,
		    const struct vss_freezer_ops *ops, struct vss_manager **ret)
{
	struct vss_manager *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->event = sd_event_ref(event);
	m->config = config;
	if (ops) {
		m->ops = *ops;
		m->have_ops = true;
	}
	*ret = m;
	return 0;
}

/* Thaw what an earlier run left frozen, and run the thaw hooks it owed. */
static void recover(struct vss_manager *m)
{
	struct vss_state old = { 0 };
	unsigned thawed = 0;
	int r;

	r = vss_state_read(m->config->state_dir, &old);
	if (r < 0) {
		if (r != -ENOENT)
			log_warning_errno(r, "Ignoring unreadable state file in %s: %m",
					  m->config->state_dir);
		m->state.kind = VSS_STATE_THAWED;
		m->state.since_usec = now_usec(CLOCK_REALTIME);
		(void)write_state(m);
		return;
	}
	vss_state_clear(&m->state);
	m->state = old;
	if (m->state.kind != VSS_STATE_THAWED) {
		log_notice("An earlier run (pid %d) was %s: thawing what it left", (int)m->state.pid,
			   vss_state_kind_to_string(m->state.kind));
		r = vss_state_thaw_filesystems(&m->state, m->config->mountinfo,
					       m->have_ops ? &m->ops : NULL, &thawed);
		m->state.kind = r < 0 ? VSS_STATE_FROZEN : VSS_STATE_THAWED;
		m->state.since_usec = now_usec(CLOCK_REALTIME);
		(void)vss_state_set_result(&m->state, "recovered");
	}
	if (m->state.n_hooks > 0) {
		log_notice("Running the thaw hooks an earlier run owed");
		start_post_hooks(m);
		return;
	}
	(void)write_state(m);
}

int vss_manager_start(struct vss_manager *m)
{
	int r;

	r = mkdir_p(m->config->state_dir, 0755);
	if (r < 0)
		return log_error_errno(r, "Cannot create %s: %m", m->config->state_dir);
	r = hv_dev_new(m->event, m->config->device, &vss_dev_ops, m, &m->dev);
	if (r < 0)
		return log_error_errno(r, "Cannot set up the device: %m");
	/* The device is exclusive: once it is open, no other instance is freezing. */
	r = hv_dev_start(m->dev);
	if (r < 0)
		return r;
	recover(m);
	set_phase(m, m->phase);
	return 0;
}

void vss_manager_stop(struct vss_manager *m)
{
	if (m->stopping) {
		/* Second signal: filesystems are thawed already; skip the hooks. */
		log_notice("Stopping now, skipping the remaining hooks");
		if (m->freeze_run)
			vss_hook_run_cancel(m->freeze_run);
		if (m->post_run)
			vss_hook_run_cancel(m->post_run);
		if (m->phase == PHASE_IDLE)
			(void)sd_event_exit(m->event, 0);
		return;
	}
	m->stopping = true;
	hv_notify_stopping();
	switch (m->phase) {
	case PHASE_IDLE:
		(void)sd_event_exit(m->event, 0);
		break;
	case PHASE_FREEZE_HOOKS:
		m->abort_reason = "the daemon is stopping";
		vss_hook_run_cancel(m->freeze_run);
		break;
	case PHASE_FREEZING:
	case PHASE_FROZEN:
		if (m->phase == PHASE_FREEZING)
			set_fail_reason(m, "the daemon is stopping");
		(void)thaw_everything(m, "aborted");
		log_notice("Stopping while frozen: filesystems thawed");
		reply(m, HV_E_FAIL);
		break;
	case PHASE_POST_HOOKS:
		m->freeze_queued = false;
		reply(m, HV_E_FAIL);
		break;
	}
}

struct vss_manager *vss_manager_free(struct vss_manager *m)
{
	bool thaw_failed = false, changed;

	if (!m)
		return NULL;
	changed = m->freezer || m->abandoned;
	/*
	 * Last line of defence: never leave with anything frozen. Hooks still
	 * owed a "thaw" stay in the state file for the next start or --thaw.
	 */
	m->auto_thaw_source = sd_event_source_disable_unref(m->auto_thaw_source);
	if (m->freezer) {
		thaw_failed = vss_freezer_thaw(m->freezer) < 0;
		(void)vss_state_set_result(&m->state, "aborted");
		if (vss_freezer_running(m->freezer) && !m->abandoned) {
			m->abandoned = m->freezer;
			m->freezer = NULL;
		}
		m->freezer = vss_freezer_free(m->freezer);
		m->state.kind = VSS_STATE_THAWED;
	}
	if (m->logs_held) {
		log_release();
		m->logs_held = false;
	}
	if (m->abandoned) {
		/*
		 * Exiting would not stop a freeze stuck in the kernel, only the
		 * undo that follows it: give it a moment.
		 */
		if (vss_freezer_wait(m->abandoned, VSS_EXIT_WAIT_USEC) < 0) {
			log_error("A freeze is still stuck in the kernel; \"hv_vss_daemon --thaw\" "
				  "thaws it once it completes");
			thaw_failed = true;
		} else {
			m->state.kind = VSS_STATE_THAWED;
		}
		m->abandoned = vss_freezer_free(m->abandoned);
	}
	if (thaw_failed)
		m->state.kind = VSS_STATE_FROZEN;
	if (changed)
		m->state.since_usec = now_usec(CLOCK_REALTIME);
	m->post_run = vss_hook_run_free(m->post_run);
	m->freeze_run = vss_hook_run_free(m->freeze_run);
	m->dev = hv_dev_free(m->dev);
	if (m->state.pid == getpid())
		(void)write_state(m);
	vss_state_clear(&m->state);
	free(m->fail_reason);
	sd_event_unref(m->event);
	free(m);
	return NULL;
}
