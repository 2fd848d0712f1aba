// SPDX-License-Identifier: MIT
/*
 * vss-hooks.c: hook discovery (order, leftovers, shadowing, permissions)
 * and the runner (arguments, captured output, failure, timeout with
 * SIGTERM then SIGKILL of the whole group, cancel, background children).
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "testlib.h"
#include "util.h"
#include "vss-hooks.h"

static char *dir;
static char *logfile;

static void setup(void)
{
	log_set_max_level(LOG_CRIT);
	dir = tl_mkdtemp("vss-hooks");
	ck_assert_int_ge(asprintf(&logfile, "%s/calls.log", dir), 0);
}

static void teardown(void)
{
	tl_rm_rf(dir);
	free(dir);
	free(logfile);
}

static char *hook(const char *sub, const char *name, mode_t mode, const char *body)
{
	char *path, *script;

	ck_assert_int_ge(asprintf(&path, "%s/%s/%s", dir, sub, name), 0);
	ck_assert_int_ge(asprintf(&script, "#!/bin/sh\necho \"%s $*\" >> '%s'\n%s\n", name,
				  logfile, body), 0);
	tl_write_file(path, script);
	ck_assert_int_eq(chmod(path, mode), 0);
	free(script);
	return path;
}

static char *subdir(const char *sub)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", dir, sub), 0);
	return p;
}

START_TEST(vss_hooks__scan_orders_and_filters)
{
	char *d1 = subdir("d1"), *d2 = subdir("d2"), *target, *link;
	char *dirs[] = { d1, d2, "/nonexistent/hooks", NULL };
	struct vss_hook_list l = { 0 };
	char *p;

	free(hook("d1", "20-b", 0755, "exit 0"));
	free(hook("d1", "10-a", 0755, "exit 0"));
	free(hook("d1", "30-c.dpkg-old", 0755, "exit 0"));
	free(hook("d1", "31-c~", 0755, "exit 0"));
	free(hook("d1", ".hidden", 0755, "exit 0"));
	free(hook("d1", "40-noexec", 0644, "exit 0"));
	free(hook("d2", "10-a", 0755, "exit 0"));
	free(hook("d2", "15-d", 0755, "exit 0"));
	target = hook("d2", "other.sample", 0755, "exit 0");
	ck_assert_int_ge(asprintf(&link, "%s/60-link", d1), 0);
	ck_assert_int_eq(symlink(target, link), 0);
	p = subdir("d1/50-dir");
	ck_assert_int_eq(mkdir(p, 0755), 0);
	free(p);
	free(hook("d1", "70-ww", 0755, "exit 0"));
	p = subdir("d1/70-ww");
	ck_assert_int_eq(chmod(p, 0777), 0);
	free(p);

	ck_assert_int_eq(vss_hooks_scan(dirs, &l), 0);
	ck_assert_uint_eq(l.n, geteuid() == 0 ? 4 : 5);
	ck_assert_str_eq(l.hooks[0].name, "10-a");
	ck_assert_ptr_nonnull(strstr(l.hooks[0].path, "/d1/10-a"));
	ck_assert_str_eq(l.hooks[1].name, "15-d");
	ck_assert_str_eq(l.hooks[2].name, "20-b");
	ck_assert_str_eq(l.hooks[3].name, "60-link");
	if (geteuid() != 0)
		ck_assert_str_eq(l.hooks[4].name, "70-ww");
	vss_hook_list_clear(&l);
	free(d1);
	free(d2);
	free(target);
	free(link);
}
END_TEST

START_TEST(vss_hooks__ignored_names)
{
	ck_assert(vss_hook_name_ignored(".x"));
	ck_assert(vss_hook_name_ignored("a.rpmnew"));
	ck_assert(vss_hook_name_ignored("a.dpkg-dist"));
	ck_assert(vss_hook_name_ignored("a~"));
	ck_assert(!vss_hook_name_ignored("10-mysql"));
	ck_assert(!vss_hook_name_ignored("bak"));
}
END_TEST

struct done {
	int calls;
	int started;
	int finished;
};

static void on_done(struct vss_hook_run *run, void *userdata)
{
	struct done *d = userdata;

	(void)run;
	d->calls++;
}

static void on_job(struct vss_hook_run *run, const struct vss_hook_job *job, bool started,
		   void *userdata)
{
	struct done *d = userdata;

	(void)run;
	(void)job;
	if (started)
		d->started++;
	else
		d->finished++;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	(void)userdata;
	ck_abort_msg("the hook run did not finish");
	return 0;
}

static uint64_t run_to_end(sd_event *e, struct vss_hook_run *run, struct done *d)
{
	sd_event_source *t = NULL;
	uint64_t start = now_usec(CLOCK_MONOTONIC);

	ck_assert_int_eq(sd_event_add_time_relative(e, &t, CLOCK_MONOTONIC, 30 * USEC_PER_SEC, 0,
						    on_timeout, NULL), 0);
	ck_assert_int_eq(vss_hook_run_start(run), 0);
	while (d->calls == 0)
		ck_assert_int_ge(sd_event_run(e, UINT64_MAX), 0);
	sd_event_source_unref(t);
	ck_assert(vss_hook_run_finished(run));
	return now_usec(CLOCK_MONOTONIC) - start;
}

static char *read_log(void)
{
	char *s = tl_read_file(logfile, NULL);

	return s ? s : strdup("");
}

START_TEST(vss_hooks__runs_in_order_with_action_and_captures_output)
{
	char *a = hook("h", "10-a", 0755,
		       "echo out-$1; echo err-$1 >&2; if read x; then echo stdin-not-null; fi");
	char *b = hook("h", "20-b", 0755, "pwd");
	struct done d = { 0 };
	struct vss_hook_run *run;
	const struct vss_hook_job *j;
	sd_event *e;
	char *log;

	ck_assert_int_eq(sd_event_new(&e), 0);
	ck_assert_int_eq(vss_hook_run_new(e, 10 * USEC_PER_SEC, true, on_done, &d, &run), 0);
	vss_hook_run_set_job_callback(run, on_job);
	ck_assert_int_eq(vss_hook_run_add(run, "20-b", b, VSS_HOOK_THAW), 0);
	ck_assert_int_eq(vss_hook_run_add(run, "10-a", a, VSS_HOOK_FREEZE_FAILED), 0);
	run_to_end(e, run, &d);
	ck_assert_int_eq(d.started, 2);
	ck_assert_int_eq(d.finished, 2);
	log = read_log();
	ck_assert_str_eq(log, "20-b thaw\n10-a freeze-failed\n");
	free(log);
	j = vss_hook_run_job(run, 0);
	ck_assert(vss_hook_job_succeeded(j));
	ck_assert_str_eq(j->output, "/\n");	/* runs in / */
	j = vss_hook_run_job(run, 1);
	ck_assert_int_eq(j->outcome, VSS_HOOK_EXITED);
	ck_assert_int_eq(j->status, 0);
	ck_assert_str_eq(j->output, "out-freeze-failed\nerr-freeze-failed\n");
	vss_hook_run_log(run);
	vss_hook_run_free(run);
	sd_event_unref(e);
	free(a);
	free(b);
}
END_TEST

START_TEST(vss_hooks__failure_stops_the_run)
{
	char *a = hook("h", "10-a", 0755, "exit 0");
	char *b = hook("h", "20-b", 0755, "exit 3");
	char *c = hook("h", "30-c", 0755, "exit 0");
	struct done d = { 0 };
	struct vss_hook_run *run;
	sd_event *e;
	char *log;

	ck_assert_int_eq(sd_event_new(&e), 0);
	ck_assert_int_eq(vss_hook_run_new(e, 10 * USEC_PER_SEC, true, on_done, &d, &run), 0);
	ck_assert_int_eq(vss_hook_run_add(run, "10-a", a, VSS_HOOK_FREEZE), 0);
	ck_assert_int_eq(vss_hook_run_add(run, "20-b", b, VSS_HOOK_FREEZE), 0);
	ck_assert_int_eq(vss_hook_run_add(run, "30-c", c, VSS_HOOK_FREEZE), 0);
	run_to_end(e, run, &d);
	log = read_log();
	ck_assert_str_eq(log, "10-a freeze\n20-b freeze\n");
	free(log);
	ck_assert_int_eq(vss_hook_run_job(run, 1)->outcome, VSS_HOOK_EXITED);
	ck_assert_int_eq(vss_hook_run_job(run, 1)->status, 3);
	ck_assert_int_eq(vss_hook_run_job(run, 2)->outcome, VSS_HOOK_NOT_RUN);
	vss_hook_run_free(run);
	sd_event_unref(e);
	free(a);
	free(b);
	free(c);
}
END_TEST

START_TEST(vss_hooks__without_stop_on_failure_all_run)
{
	char *a = hook("h", "10-a", 0755, "kill -KILL $$");
	char *missing = subdir("h/none");
	char *c = hook("h", "30-c", 0755, "exit 0");
	struct done d = { 0 };
	struct vss_hook_run *run;
	sd_event *e;

	ck_assert_int_eq(sd_event_new(&e), 0);
	ck_assert_int_eq(vss_hook_run_new(e, 10 * USEC_PER_SEC, false, on_done, &d, &run), 0);
	vss_hook_run_set_job_callback(run, on_job);
	ck_assert_int_eq(vss_hook_run_add(run, "10-a", a, VSS_HOOK_THAW), 0);
	ck_assert_int_eq(vss_hook_run_add(run, "none", missing, VSS_HOOK_THAW), 0);
	ck_assert_int_eq(vss_hook_run_add(run, "30-c", c, VSS_HOOK_THAW), 0);
	run_to_end(e, run, &d);
	ck_assert_int_eq(vss_hook_run_job(run, 0)->outcome, VSS_HOOK_KILLED);
	ck_assert_int_eq(vss_hook_run_job(run, 0)->status, SIGKILL);
	ck_assert_int_eq(vss_hook_run_job(run, 1)->outcome, VSS_HOOK_SPAWN_FAILED);
	ck_assert_int_eq(vss_hook_run_job(run, 1)->status, -ENOENT);
	ck_assert(vss_hook_job_succeeded(vss_hook_run_job(run, 2)));
	ck_assert_int_eq(d.started, 3);
	ck_assert_int_eq(d.finished, 3);
	vss_hook_run_log(run);
	vss_hook_run_free(run);
	sd_event_unref(e);
	free(a);
	free(missing);
	free(c);
}
END_TEST

static bool group_gone(const struct vss_hook_run *run, const char *pidfile)
{
	char *pid = tl_read_file(pidfile, NULL);
	bool gone;

	(void)run;
	ck_assert_ptr_nonnull(pid);
	gone = kill(-atoi(pid), 0) < 0 && errno == ESRCH;
	free(pid);
	return gone;
}

START_TEST(vss_hooks__timeout_kills_the_whole_group)
{
	char *pidfile = subdir("h.pid"), *body, *a;
	struct done d = { 0 };
	struct vss_hook_run *run;
	sd_event *e;
	uint64_t took;

	/* A background child in the same group that ignores SIGTERM, then hang. */
	ck_assert_int_ge(asprintf(&body, "echo $$ > '%s'; (trap '' TERM; sleep 60) & sleep 60",
				  pidfile), 0);
	a = hook("h", "10-hang", 0755, body);
	ck_assert_int_eq(sd_event_new(&e), 0);
	/* Long enough for the hook to start even under valgrind (ctest -T memcheck traces it). */
	ck_assert_int_eq(vss_hook_run_new(e, 3 * USEC_PER_SEC, true, on_done, &d, &run), 0);
	ck_assert_int_eq(vss_hook_run_add(run, "10-hang", a, VSS_HOOK_FREEZE), 0);
	took = run_to_end(e, run, &d);
	ck_assert_int_eq(vss_hook_run_job(run, 0)->outcome, VSS_HOOK_TIMED_OUT);
	ck_assert_uint_lt(took, 7 * USEC_PER_SEC);
	/* The group went too, the part that ignored SIGTERM included (allow it to die). */
	for (int i = 0; i < 100 && !group_gone(run, pidfile); i++)
		usleep(20000);
	ck_assert(group_gone(run, pidfile));
	vss_hook_run_log(run);
	vss_hook_run_free(run);
	sd_event_unref(e);
	free(body);
	free(a);
	free(pidfile);
}
END_TEST

START_TEST(vss_hooks__sigterm_ignored_gets_sigkill)
{
	char *a = hook("h", "10-stubborn", 0755, "trap '' TERM; while :; do sleep 0.1; done");
	struct done d = { 0 };
	struct vss_hook_run *run;
	sd_event *e;
	uint64_t took;

	ck_assert_int_eq(sd_event_new(&e), 0);
	ck_assert_int_eq(vss_hook_run_new(e, 3 * USEC_PER_SEC, true, on_done, &d, &run), 0);
	ck_assert_int_eq(vss_hook_run_add(run, "10-stubborn", a, VSS_HOOK_FREEZE), 0);
	took = run_to_end(e, run, &d);
	ck_assert_int_eq(vss_hook_run_job(run, 0)->outcome, VSS_HOOK_TIMED_OUT);
	ck_assert_int_eq(vss_hook_run_job(run, 0)->status, SIGKILL);
	ck_assert_uint_ge(took, VSS_HOOK_KILL_GRACE_USEC);
	vss_hook_run_free(run);
	sd_event_unref(e);
	free(a);
}
END_TEST

/* Cancel once the hook is running (it logged its call), however slowly it started. */
static int on_cancel(sd_event_source *s, uint64_t usec, void *userdata)
{
	char *log = tl_read_file(logfile, NULL);
	bool started = log && strstr(log, "10-slow freeze");

	free(log);
	if (!started) {
		(void)sd_event_source_set_time(s, usec + 50 * USEC_PER_MSEC);
		(void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
		return 0;
	}
	vss_hook_run_cancel(userdata);
	return 0;
}

START_TEST(vss_hooks__cancel_stops_the_running_hook)
{
	char *a = hook("h", "10-slow", 0755, "sleep 60");
	char *b = hook("h", "20-never", 0755, "exit 0");
	struct done d = { 0 };
	struct vss_hook_run *run;
	sd_event_source *t;
	sd_event *e;
	char *log;

	ck_assert_int_eq(sd_event_new(&e), 0);
	ck_assert_int_eq(vss_hook_run_new(e, 60 * USEC_PER_SEC, false, on_done, &d, &run), 0);
	ck_assert_int_eq(vss_hook_run_add(run, "10-slow", a, VSS_HOOK_FREEZE), 0);
	ck_assert_int_eq(vss_hook_run_add(run, "20-never", b, VSS_HOOK_FREEZE), 0);
	ck_assert_int_eq(sd_event_add_time_relative(e, &t, CLOCK_MONOTONIC, 50 * USEC_PER_MSEC,
						    0, on_cancel, run), 0);
	run_to_end(e, run, &d);
	ck_assert_int_eq(vss_hook_run_job(run, 0)->outcome, VSS_HOOK_KILLED);
	ck_assert_int_eq(vss_hook_run_job(run, 0)->status, SIGTERM);
	ck_assert_int_eq(vss_hook_run_job(run, 1)->outcome, VSS_HOOK_NOT_RUN);
	log = read_log();
	ck_assert_str_eq(log, "10-slow freeze\n");
	free(log);
	sd_event_source_unref(t);
	vss_hook_run_free(run);
	sd_event_unref(e);
	free(a);
	free(b);
}
END_TEST

START_TEST(vss_hooks__background_child_does_not_hold_the_run)
{
	/* A freeze hook may leave a lock holder running until "thaw". */
	char *a = hook("h", "10-bg", 0755, "sleep 3 & echo started");
	struct done d = { 0 };
	struct vss_hook_run *run;
	sd_event *e;
	uint64_t took;

	ck_assert_int_eq(sd_event_new(&e), 0);
	ck_assert_int_eq(vss_hook_run_new(e, 10 * USEC_PER_SEC, true, on_done, &d, &run), 0);
	ck_assert_int_eq(vss_hook_run_add(run, "10-bg", a, VSS_HOOK_FREEZE), 0);
	took = run_to_end(e, run, &d);
	ck_assert(vss_hook_job_succeeded(vss_hook_run_job(run, 0)));
	ck_assert_uint_lt(took, 2 * USEC_PER_SEC);
	ck_assert_str_eq(vss_hook_run_job(run, 0)->output, "started\n");
	vss_hook_run_free(run);
	sd_event_unref(e);
	free(a);
}
END_TEST

START_TEST(vss_hooks__output_is_capped)
{
	char *a = hook("h", "10-loud", 0755, "head -c 200000 /dev/zero | tr '\\0' x");
	struct done d = { 0 };
	struct vss_hook_run *run;
	sd_event *e;

	ck_assert_int_eq(sd_event_new(&e), 0);
	ck_assert_int_eq(vss_hook_run_new(e, 10 * USEC_PER_SEC, true, on_done, &d, &run), 0);
	ck_assert_int_eq(vss_hook_run_add(run, "10-loud", a, VSS_HOOK_FREEZE), 0);
	run_to_end(e, run, &d);
	ck_assert(vss_hook_job_succeeded(vss_hook_run_job(run, 0)));
	ck_assert_uint_eq(vss_hook_run_job(run, 0)->output_len, VSS_HOOK_OUTPUT_MAX);
	ck_assert(vss_hook_run_job(run, 0)->output_truncated);
	vss_hook_run_free(run);
	sd_event_unref(e);
	free(a);
}
END_TEST

START_TEST(vss_hooks__empty_run_finishes)
{
	struct done d = { 0 };
	struct vss_hook_run *run;
	sd_event *e;

	ck_assert_int_eq(sd_event_new(&e), 0);
	ck_assert_int_eq(vss_hook_run_new(e, 10 * USEC_PER_SEC, true, on_done, &d, &run), 0);
	run_to_end(e, run, &d);
	ck_assert_int_eq(d.calls, 1);
	ck_assert_uint_eq(vss_hook_run_count(run), 0);
	vss_hook_run_free(run);
	sd_event_unref(e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vss-hooks");
	TCase *scan = tcase_create("scan");
	TCase *run = tcase_create("run");
	sigset_t mask;

	/* The runner uses sd-event child sources. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	tcase_add_checked_fixture(scan, setup, teardown);
	tcase_add_test(scan, vss_hooks__scan_orders_and_filters);
	tcase_add_test(scan, vss_hooks__ignored_names);
	suite_add_tcase(s, scan);

	tcase_add_checked_fixture(run, setup, teardown);
	tcase_set_timeout(run, 60);
	tcase_add_test(run, vss_hooks__runs_in_order_with_action_and_captures_output);
	tcase_add_test(run, vss_hooks__failure_stops_the_run);
	tcase_add_test(run, vss_hooks__without_stop_on_failure_all_run);
	tcase_add_test(run, vss_hooks__timeout_kills_the_whole_group);
	tcase_add_test(run, vss_hooks__sigterm_ignored_gets_sigkill);
	tcase_add_test(run, vss_hooks__cancel_stops_the_running_hook);
	tcase_add_test(run, vss_hooks__background_child_does_not_hold_the_run);
	tcase_add_test(run, vss_hooks__output_is_capped);
	tcase_add_test(run, vss_hooks__empty_run_finishes);
	suite_add_tcase(s, run);
	return tl_run_suite(s);
}
