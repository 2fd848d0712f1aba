// SPDX-License-Identifier: MIT
/*
 * hv_vss_daemon's real loop over the fake kernel (kernel semantics on a
 * SOCK_SEQPACKET socket): registration, statuses, the hook protocol, the
 * answers in every state, auto-thaw, signals, device resets, crash
 * recovery and the CLI. Nothing is frozen here (the scope matches no
 * mount): the real freezes are in test-vss-fs.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hyperv/status.h>
#include <hyperv/vss.h>

#include "fake-kernel.h"
#include "log.h"
#include "test-vss-util.h"
#include "testlib.h"
#include "util.h"

static char *dir, *sock, *state, *hooks, *calls, *daemon_log, *out;
static struct fake_kernel *fk;
static pid_t daemon_pid;

static char *path_in(const char *name)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
	return p;
}

static void setup(void)
{
	dir = tl_mkdtemp("vss-daemon");
	sock = path_in("dev");
	state = path_in("run");
	hooks = path_in("hooks.d");
	calls = path_in("calls");
	daemon_log = path_in("daemon.log");
	out = path_in("cli.out");
	ck_assert_int_eq(mkdir(hooks, 0755), 0);
	fk = fk_new(sock);
	ck_assert_ptr_nonnull(fk);
	daemon_pid = 0;
}

static void teardown(void)
{
	if (daemon_pid > 0 && tl_kill_wait(daemon_pid, SIGKILL, 5000) < 0)
		fprintf(stderr, "daemon %d did not die\n", (int)daemon_pid);
	if (getenv("HV_TEST_VERBOSE")) {
		char *log = vt_read(daemon_log);

		fprintf(stderr, "--- daemon log ---\n%s\n", log);
		free(log);
	}
	fk = fk_free(fk);
	tl_rm_rf(dir);
	free(dir);
	free(sock);
	free(state);
	free(hooks);
	free(calls);
	free(daemon_log);
	free(out);
}

/* Start the daemon with the hook dir and a scope that matches nothing; register it. */
static void start(const char *const *extra)
{
	const char *args[32] = { "--hook-dir", hooks, "--include", "/nonexistent-hvtvss/*" };
	size_t n = 4;

	for (; extra && *extra; extra++)
		args[n++] = *extra;
	daemon_pid = vt_daemon_start(sock, state, daemon_log, args);
	ck_assert_int_gt(daemon_pid, 0);
	ck_assert_int_eq(vt_register(fk), 0);
}

static void stop(int sig, int want_status)
{
	ck_assert_int_eq(tl_kill_wait(daemon_pid, sig, VT_TIMEOUT_MS), want_status);
	daemon_pid = 0;
}

static void expect_calls(const char *want)
{
	if (!vt_wait_file(calls, want, false, VT_TIMEOUT_MS)) {
		char *got = vt_read(calls);

		ck_abort_msg("hook calls: got \"%s\", want \"%s\"", got, want);
	}
}

static char *status_output(bool json)
{
	const char *args[] = { "--status", json ? "--json" : NULL, NULL };

	(void)unlink(out);
	ck_assert_int_eq(vt_cli(state, out, args), 0);
	return vt_read(out);
}

static void expect_status(const char *fragment)
{
	char *s = status_output(true);

	ck_assert_msg(strstr(s, fragment), "status %s lacks %s", s, fragment);
	free(s);
}

START_TEST(vss_daemon__registers_and_answers_hot_backup)
{
	struct hv_vss_msg msg;

	start(NULL);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_HOT_BACKUP, VT_TIMEOUT_MS, &msg), HV_S_OK);
	ck_assert_uint_eq(msg.flags, HV_VSS_HBU_NO_AUTO_RECOVERY);
	stop(SIGTERM, 0);
}
END_TEST

START_TEST(vss_daemon__malformed_requests_get_a_clear_status)
{
	unsigned char small[5] = { HV_VSS_OP_FREEZE }, big[20] = { HV_VSS_OP_FREEZE };
	unsigned char reply[64];
	uint32_t status;

	start(NULL);
	ck_assert_int_eq(fk_transact(fk, small, sizeof(small), reply, sizeof(reply),
				     VT_TIMEOUT_MS), HV_VSS_MSG_SIZE);
	memcpy(&status, reply, 4);
	ck_assert_uint_eq(status, HV_INVALIDARG);
	ck_assert_int_eq(fk_transact(fk, big, sizeof(big), reply, sizeof(reply), VT_TIMEOUT_MS),
			 HV_VSS_MSG_SIZE);
	memcpy(&status, reply, 4);
	ck_assert_uint_eq(status, HV_INVALIDARG);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_GET_DM_INFO, VT_TIMEOUT_MS, NULL),
			 HV_ERROR_NOT_SUPPORTED);
	ck_assert_int_eq(vt_request(fk, 0xEE, VT_TIMEOUT_MS, NULL), HV_ERROR_NOT_SUPPORTED);
	/* Still serving. */
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_THAW, VT_TIMEOUT_MS, NULL), HV_S_OK);
	stop(SIGTERM, 0);
}
END_TEST

START_TEST(vss_daemon__freeze_thaw_runs_hooks_in_order)
{
	char *s;

	free(vt_hook(hooks, "20-b", calls, "echo b-says-$1"));
	free(vt_hook(hooks, "10-a", calls, NULL));
	free(vt_hook(hooks, "15-skip.dpkg-old", calls, NULL));
	start(NULL);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	expect_calls("10-a freeze\n20-b freeze\n");
	expect_status("\"state\":\"frozen\"");
	expect_status("\"hooks_owing_thaw\":[{\"name\":\"10-a\"");
	expect_status("\"daemon_running\":true");
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_THAW, VT_TIMEOUT_MS, NULL), HV_S_OK);
	expect_calls("10-a freeze\n20-b freeze\n20-b thaw\n10-a thaw\n");
	/* The state file is updated once the thaw hooks ran. */
	ck_assert(vt_wait_file(state, "", true, 0) || true);
	for (int i = 0; i < 100; i++) {
		s = status_output(true);
		if (strstr(s, "\"hooks_owing_thaw\":[]"))
			break;
		free(s);
		s = NULL;
		usleep(100000);
	}
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(strstr(s, "\"state\":\"thawed\""));
	ck_assert_ptr_nonnull(strstr(s, "\"result\":\"ok\""));
	free(s);
	stop(SIGTERM, 0);
	/* Hook output is logged (after thaw). */
	ck_assert(vt_wait_file(daemon_log, "hook 20-b freeze: b-says-freeze", true, 0));
	ck_assert(vt_wait_file(daemon_log, "hook 20-b thaw: b-says-thaw", true, 0));
}
END_TEST

START_TEST(vss_daemon__failing_hook_aborts_cleanly)
{
	free(vt_hook(hooks, "10-a", calls, NULL));
	free(vt_hook(hooks, "20-b", calls, "[ \"$1\" = freeze ] && exit 3; exit 0"));
	free(vt_hook(hooks, "30-c", calls, NULL));
	start(NULL);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_E_FAIL);
	/* Those that froze get "thaw", all that ran "freeze-failed"; 30-c never ran. */
	expect_calls("10-a freeze\n20-b freeze\n10-a thaw\n20-b freeze-failed\n10-a freeze-failed\n");
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_THAW, VT_TIMEOUT_MS, NULL), HV_S_OK);
	expect_status("\"result\":\"failed\"");
	ck_assert(vt_wait_file(daemon_log, "hook", true, 0));
	ck_assert(vt_wait_file(daemon_log, "failed with status 3", true, VT_TIMEOUT_MS));
	stop(SIGTERM, 0);
}
END_TEST

START_TEST(vss_daemon__hanging_hook_times_out)
{
	const char *extra[] = { "--hook-timeout", "1s", NULL };
	uint64_t t0;

	free(vt_hook(hooks, "10-a", calls, NULL));
	free(vt_hook(hooks, "20-hang", calls, "[ \"$1\" = freeze ] && sleep 600; exit 0"));
	start(extra);
	t0 = now_usec(CLOCK_MONOTONIC);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_E_FAIL);
	ck_assert_uint_lt(now_usec(CLOCK_MONOTONIC) - t0, 20 * USEC_PER_SEC);
	expect_calls("10-a freeze\n20-hang freeze\n10-a thaw\n20-hang freeze-failed\n"
		     "10-a freeze-failed\n");
	ck_assert(vt_wait_file(daemon_log, "timed out", true, VT_TIMEOUT_MS));
	stop(SIGTERM, 0);
}
END_TEST

START_TEST(vss_daemon__thaw_with_nothing_frozen_is_ok)
{
	start(NULL);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_THAW, VT_TIMEOUT_MS, NULL), HV_S_OK);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_THAW, VT_TIMEOUT_MS, NULL), HV_S_OK);
	stop(SIGINT, 0);
}
END_TEST

START_TEST(vss_daemon__freeze_while_frozen_starts_over)
{
	free(vt_hook(hooks, "10-a", calls, NULL));
	start(NULL);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	expect_calls("10-a freeze\n10-a thaw\n10-a freeze\n");
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_THAW, VT_TIMEOUT_MS, NULL), HV_S_OK);
	expect_calls("10-a freeze\n10-a thaw\n10-a freeze\n10-a thaw\n");
	stop(SIGTERM, 0);
}
END_TEST

START_TEST(vss_daemon__freeze_waits_for_running_thaw_hooks)
{
	free(vt_hook(hooks, "10-a", calls, "[ \"$1\" = thaw ] && sleep 1; exit 0"));
	start(NULL);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	/* THAW is answered before its hooks ran ... */
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_THAW, VT_TIMEOUT_MS, NULL), HV_S_OK);
	/* ... and the next FREEZE waits for them. */
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	expect_calls("10-a freeze\n10-a thaw\n10-a freeze\n");
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_THAW, VT_TIMEOUT_MS, NULL), HV_S_OK);
	stop(SIGTERM, 0);
}
END_TEST

START_TEST(vss_daemon__auto_thaw_then_thaw_reports_failure)
{
	const char *extra[] = { "--auto-thaw-timeout", "1s", NULL };

	free(vt_hook(hooks, "10-a", calls, NULL));
	start(extra);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	expect_calls("10-a freeze\n10-a thaw\n");
	expect_status("\"result\":\"auto-thawed\"");
	/* The snapshot may have been taken unfrozen: the host must know. */
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_THAW, VT_TIMEOUT_MS, NULL), HV_E_FAIL);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_THAW, VT_TIMEOUT_MS, NULL), HV_S_OK);
	stop(SIGTERM, 0);
}
END_TEST

START_TEST(vss_daemon__device_reset_while_frozen_thaws)
{
	free(vt_hook(hooks, "10-a", calls, NULL));
	start(NULL);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	/* Hibernation or a driver reload: the kernel side goes away. */
	fk_reset(fk);
	expect_calls("10-a freeze\n10-a thaw\n");
	ck_assert_int_eq(vt_register(fk), 0);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_HOT_BACKUP, VT_TIMEOUT_MS, NULL), HV_S_OK);
	stop(SIGTERM, 0);
}
END_TEST

START_TEST(vss_daemon__sigterm_while_frozen_thaws_and_exits)
{
	char *s;

	free(vt_hook(hooks, "10-a", calls, NULL));
	start(NULL);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	stop(SIGTERM, 0);
	expect_calls("10-a freeze\n10-a thaw\n");
	s = status_output(false);
	ck_assert_ptr_nonnull(strstr(s, "State: thawed"));
	ck_assert_ptr_nonnull(strstr(s, "Daemon: not running"));
	ck_assert_ptr_null(strstr(s, "Hooks owing a thaw"));
	free(s);
}
END_TEST

START_TEST(vss_daemon__sigterm_during_freeze_hook_fails_the_freeze)
{
	free(vt_hook(hooks, "10-slow", calls, "[ \"$1\" = freeze ] && sleep 600; exit 0"));
	start(NULL);
	ck_assert_int_eq(vt_send(fk, HV_VSS_OP_FREEZE), 0);
	expect_calls("10-slow freeze\n");
	ck_assert_int_eq(kill(daemon_pid, SIGTERM), 0);
	ck_assert_int_eq(vt_reply(fk, VT_TIMEOUT_MS, NULL), HV_E_FAIL);
	ck_assert_int_eq(tl_wait(daemon_pid, VT_TIMEOUT_MS), 0);
	daemon_pid = 0;
	/* Its "freeze" did not succeed: no "thaw", but "freeze-failed". */
	expect_calls("10-slow freeze\n10-slow freeze-failed\n");
}
END_TEST

START_TEST(vss_daemon__restart_after_kill_runs_owed_thaw_hooks)
{
	free(vt_hook(hooks, "10-a", calls, NULL));
	free(vt_hook(hooks, "20-b", calls, NULL));
	start(NULL);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	stop(SIGKILL, 128 + SIGKILL);
	expect_status("\"daemon_running\":false");
	expect_status("\"state\":\"frozen\"");
	start(NULL);
	expect_calls("10-a freeze\n20-b freeze\n20-b thaw\n10-a thaw\n");
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_THAW, VT_TIMEOUT_MS, NULL), HV_S_OK);
	expect_status("\"result\":\"recovered\"");
	stop(SIGTERM, 0);
}
END_TEST

START_TEST(vss_daemon__thaw_command_after_kill)
{
	const char *thaw[] = { "--thaw", NULL };
	char *s;

	free(vt_hook(hooks, "10-a", calls, NULL));
	start(NULL);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	stop(SIGKILL, 128 + SIGKILL);
	s = status_output(false);
	ck_assert_ptr_nonnull(strstr(s, "State: frozen"));
	ck_assert_ptr_nonnull(strstr(s, "hv_vss_daemon --thaw"));
	free(s);
	ck_assert_int_eq(vt_cli(state, out, thaw), 0);
	expect_calls("10-a freeze\n10-a thaw\n");
	expect_status("\"state\":\"thawed\"");
	expect_status("\"hooks_owing_thaw\":[]");
	/* Again: nothing left, still fine. */
	ck_assert_int_eq(vt_cli(state, out, thaw), 0);
	expect_calls("10-a freeze\n10-a thaw\n");
}
END_TEST

START_TEST(vss_daemon__thaw_command_without_state_is_a_no_op)
{
	const char *thaw[] = { "--thaw", NULL };
	char *s;

	ck_assert_int_eq(vt_cli(state, out, thaw), 0);
	s = status_output(false);
	ck_assert_ptr_nonnull(strstr(s, "State: thawed"));
	free(s);
	expect_status("\"since\":null");
}
END_TEST

START_TEST(vss_daemon__missing_device_exits_with_failure)
{
	const char *args[] = { "--hook-dir", hooks, NULL };
	char *missing = path_in("no-such-device");
	pid_t pid = vt_daemon_start(missing, state, daemon_log, args);

	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(tl_wait(pid, VT_TIMEOUT_MS), 1);
	free(missing);
}
END_TEST

START_TEST(vss_daemon__bad_arguments)
{
	const char *bad[] = { "--hook-timeout", "forever", NULL };
	const char *extra[] = { "stray", NULL };
	const char *help[] = { "--help", NULL };

	ck_assert_int_eq(vt_cli(state, out, bad), 1);
	ck_assert_int_eq(vt_cli(state, out, extra), 1);
	ck_assert_int_eq(vt_cli(state, out, help), 0);
	ck_assert(vt_wait_file(out, "--thaw", true, 0));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vss-daemon");
	TCase *tc = tcase_create("daemon");

	log_set_max_level(LOG_CRIT);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, vss_daemon__registers_and_answers_hot_backup);
	tcase_add_test(tc, vss_daemon__malformed_requests_get_a_clear_status);
	tcase_add_test(tc, vss_daemon__freeze_thaw_runs_hooks_in_order);
	tcase_add_test(tc, vss_daemon__failing_hook_aborts_cleanly);
	tcase_add_test(tc, vss_daemon__hanging_hook_times_out);
	tcase_add_test(tc, vss_daemon__thaw_with_nothing_frozen_is_ok);
	tcase_add_test(tc, vss_daemon__freeze_while_frozen_starts_over);
	tcase_add_test(tc, vss_daemon__freeze_waits_for_running_thaw_hooks);
	tcase_add_test(tc, vss_daemon__auto_thaw_then_thaw_reports_failure);
	tcase_add_test(tc, vss_daemon__device_reset_while_frozen_thaws);
	tcase_add_test(tc, vss_daemon__sigterm_while_frozen_thaws_and_exits);
	tcase_add_test(tc, vss_daemon__sigterm_during_freeze_hook_fails_the_freeze);
	tcase_add_test(tc, vss_daemon__restart_after_kill_runs_owed_thaw_hooks);
	tcase_add_test(tc, vss_daemon__thaw_command_after_kill);
	tcase_add_test(tc, vss_daemon__thaw_command_without_state_is_a_no_op);
	tcase_add_test(tc, vss_daemon__missing_device_exits_with_failure);
	tcase_add_test(tc, vss_daemon__bad_arguments);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
