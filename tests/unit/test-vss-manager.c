// SPDX-License-Identifier: MIT
/*
 * vss-manager.c in-process, its event loop in a thread, the test playing
 * the kernel over the fake device, and the ioctls injected (no root): a
 * freeze stuck in the kernel when auto-thaw or a stop gives up on it, a
 * refusal in the middle, a filesystem someone else froze.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hyperv/status.h>
#include <hyperv/vss.h>

#include "fake-kernel.h"
#include "log.h"
#include "test-vss-util.h"
#include "testlib.h"
#include "util.h"
#include "vss-conf.h"
#include "vss-fake-freezer.h"
#include "vss-manager.h"
#include "vss-state.h"

#define N_FS 2

static struct vss_fake_freezer fake;
static char *dir, *paths[N_FS];

/* What the daemon logged (the log sink runs on the event loop and the worker). */
static struct {
	pthread_mutex_t lock;
	char text[16384];
} logbuf = { .lock = PTHREAD_MUTEX_INITIALIZER };
static struct vss_config config;
static struct fake_kernel *fk;

static const struct vss_freezer_ops ops = { .ioctl = vss_fake_freezer_ioctl,
					     .userdata = &fake };

static void log_sink(int level, const char *message, void *userdata)
{
	(void)level;
	(void)userdata;
	pthread_mutex_lock(&logbuf.lock);
	if (strlen(logbuf.text) + strlen(message) + 2 < sizeof(logbuf.text)) {
		strcat(logbuf.text, message);
		strcat(logbuf.text, "\n");
	}
	pthread_mutex_unlock(&logbuf.lock);
}

static bool wait_calls(const char *want)
{
	for (int i = 0; i < 1500; i++) {
		bool ok;

		pthread_mutex_lock(&fake.lock);
		ok = streq(fake.calls, want);
		pthread_mutex_unlock(&fake.lock);
		if (ok)
			return true;
		usleep(10000);
	}
	return false;
}

static void expect_calls(const char *want)
{
	if (!wait_calls(want)) {
		pthread_mutex_lock(&fake.lock);
		ck_abort_msg("calls: got \"%s\", want \"%s\"", fake.calls, want);
	}
}

static void wait_stalled(void)
{
	if (!vss_fake_freezer_wait_stalled(&fake, 1500))
		ck_abort_msg("never stalled");
}

static void release_stall(void)
{
	vss_fake_freezer_release(&fake);
}

static enum vss_state_kind state_kind(void)
{
	struct vss_state st;
	enum vss_state_kind k;

	ck_assert_int_eq(vss_state_read(config.state_dir, &st), 0);
	k = st.kind;
	vss_state_clear(&st);
	return k;
}

static bool wait_state(enum vss_state_kind want)
{
	for (int i = 0; i < 1500; i++) {
		if (state_kind() == want)
			return true;
		usleep(10000);
	}
	return false;
}

/* ---- the daemon side, in a thread ---- */

struct daemon_side {
	pthread_t thread;
	int quit_fd;
	int result;
};

static struct daemon_side side;

static int on_quit(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	uint64_t v;

	(void)s;
	(void)revents;
	(void)!read(fd, &v, sizeof(v));
	vss_manager_stop(userdata);
	return 0;
}

static void *daemon_thread(void *userdata)
{
	struct daemon_side *d = userdata;
	struct vss_manager *m = NULL;
	sd_event_source *quit = NULL;
	sd_event *e = NULL;

	d->result = sd_event_new(&e);
	if (d->result >= 0)
		d->result = vss_manager_new(e, &config, &ops, &m);
	if (d->result >= 0)
		d->result = sd_event_add_io(e, &quit, d->quit_fd, EPOLLIN, on_quit, m);
	if (d->result >= 0)
		d->result = vss_manager_start(m);
	if (d->result >= 0)
		d->result = sd_event_loop(e);
	sd_event_source_unref(quit);
	vss_manager_free(m);
	sd_event_unref(e);
	return NULL;
}

static void daemon_start(void)
{
	side.quit_fd = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_eq(pthread_create(&side.thread, NULL, daemon_thread, &side), 0);
	ck_assert_int_eq(vt_register(fk), 0);
}

static void daemon_stop(void)
{
	uint64_t one = 1;

	ck_assert_int_eq(write(side.quit_fd, &one, sizeof(one)), sizeof(one));
	pthread_join(side.thread, NULL);
	close(side.quit_fd);
	ck_assert_int_eq(side.result, 0);
}

/* ---- fixture ---- */

static void setup(void)
{
	char *mountinfo, *text = NULL, *line, *include;

	vss_fake_freezer_init(&fake, paths, N_FS, false);
	logbuf.text[0] = '\0';
	log_set_sink(log_sink, NULL);
	log_set_max_level(LOG_DEBUG);

	dir = tl_mkdtemp("vss-manager");
	ck_assert_int_ge(asprintf(&mountinfo, "%s/mountinfo", dir), 0);
	text = strdup("");
	for (int i = 0; i < N_FS; i++) {
		struct statx stx;
		char *n;

		ck_assert_int_ge(asprintf(&paths[i], "%s/mnt/fs%d", dir, i), 0);
		ck_assert_int_eq(mkdir_p(paths[i], 0755), 0);
		ck_assert_int_eq(statx(AT_FDCWD, paths[i], 0, STATX_MNT_ID, &stx), 0);
		/* Both are directories of the same real mount, posing as two filesystems. */
		ck_assert_int_ge(asprintf(&line, "%llu 1 7:%d / %s rw - ext4 /dev/hvtvss%d rw\n",
					  (unsigned long long)stx.stx_mnt_id, 100 + i, paths[i], i), 0);
		ck_assert_int_ge(asprintf(&n, "%s%s", text, line), 0);
		free(text);
		free(line);
		text = n;
	}
	tl_write_file(mountinfo, text);
	free(text);

	ck_assert_int_eq(vss_config_init(&config), 0);
	free(config.device);
	ck_assert_int_ge(asprintf(&config.device, "%s/dev", dir), 0);
	free(config.state_dir);
	ck_assert_int_ge(asprintf(&config.state_dir, "%s/run", dir), 0);
	free(config.mountinfo);
	config.mountinfo = mountinfo;
	ck_assert_int_ge(asprintf(&include, "%s/mnt/*", dir), 0);
	ck_assert_int_eq(strv_push(&config.include, include), 0);
	config.hooks_enabled = false;
	config.auto_thaw_usec = 1 * USEC_PER_SEC;
	fk = fk_new(config.device);
	ck_assert_ptr_nonnull(fk);
}

static void teardown(void)
{
	fk = fk_free(fk);
	log_set_sink(NULL, NULL);
	vss_config_done(&config);
	vss_fake_freezer_done(&fake);
	for (int i = 0; i < N_FS; i++)
		free(paths[i]);
	tl_rm_rf(dir);
	free(dir);
}

/* ---- tests ---- */

START_TEST(vss_manager__freeze_and_thaw)
{
	daemon_start();
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	ck_assert_int_eq(state_kind(), VSS_STATE_FROZEN);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_THAW, VT_TIMEOUT_MS, NULL), HV_S_OK);
	expect_calls("F0 F1 T1 T0");
	ck_assert(wait_state(VSS_STATE_THAWED));
	daemon_stop();
}
END_TEST

START_TEST(vss_manager__stuck_freeze_is_undone_when_it_completes)
{
	fake.stall_index = 1;
	daemon_start();
	/* fs1's freeze never returns: auto-thaw gives up after 1 s, thaws fs0. */
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_E_FAIL);
	expect_calls("F0 T0");
	/* Until the kernel returns, fs1 may still end up frozen: the state says so. */
	ck_assert_int_eq(state_kind(), VSS_STATE_FROZEN);
	/* A new backup is refused meanwhile. */
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_E_FAIL);
	release_stall();
	/* The worker undoes the late freeze itself. */
	expect_calls("F0 T0 F1 T1");
	ck_assert(wait_state(VSS_STATE_THAWED));
	fake.stall_index = -1;
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_THAW, VT_TIMEOUT_MS, NULL), HV_S_OK);
	expect_calls("F0 T0 F1 T1 F0 F1 T1 T0");
	daemon_stop();
}
END_TEST

static void *release_later(void *unused)
{
	(void)unused;
	usleep(500000);
	release_stall();
	return NULL;
}

START_TEST(vss_manager__stop_waits_for_a_stuck_freeze)
{
	pthread_t t;

	fake.stall_index = 1;
	config.auto_thaw_usec = 60 * USEC_PER_SEC;
	daemon_start();
	ck_assert_int_eq(vt_send(fk, HV_VSS_OP_FREEZE), 0);
	wait_stalled();
	ck_assert_int_eq(pthread_create(&t, NULL, release_later, NULL), 0);
	/* SIGTERM: fs0 thawed, FREEZE failed, and the exit waits for fs1's freeze to end. */
	daemon_stop();
	ck_assert_int_eq(vt_reply(fk, VT_TIMEOUT_MS, NULL), HV_E_FAIL);
	pthread_join(t, NULL);
	expect_calls("F0 T0 F1 T1");
	ck_assert_int_eq(state_kind(), VSS_STATE_THAWED);
}
END_TEST

START_TEST(vss_manager__refusal_in_the_middle_rolls_back)
{
	fake.fail_index = 1;
	fake.fail_error = -EIO;
	daemon_start();
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_E_FAIL);
	expect_calls("F0 F1 T0");
	ck_assert(wait_state(VSS_STATE_THAWED));
	daemon_stop();
	ck_assert_ptr_nonnull(strstr(logbuf.text, "Input/output error"));
}
END_TEST

START_TEST(vss_manager__filesystem_frozen_by_someone_else)
{
	fake.fail_index = 0;
	fake.fail_error = -EBUSY;
	daemon_start();
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_E_FAIL);
	expect_calls("F0");
	daemon_stop();
	ck_assert_ptr_nonnull(strstr(logbuf.text, "already frozen by someone else"));
}
END_TEST

START_TEST(vss_manager__unsupported_filesystem_is_skipped)
{
	fake.fail_index = 0;
	fake.fail_error = -EOPNOTSUPP;
	daemon_start();
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_THAW, VT_TIMEOUT_MS, NULL), HV_S_OK);
	expect_calls("F0 F1 T1");
	daemon_stop();
	ck_assert_ptr_nonnull(strstr(logbuf.text, "does not support freezing"));
}
END_TEST

START_TEST(vss_manager__logs_are_held_while_frozen)
{
	char *logfile, *at_freeze, *after;
	int fd, saved;

	/* The test sink bypasses holding: watch real stderr output instead. */
	log_set_sink(NULL, NULL);
	log_setup("test-vss-manager", LOG_TARGET_STDERR);
	ck_assert_int_ge(asprintf(&logfile, "%s/stderr", dir), 0);
	fd = open(logfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	saved = dup(STDERR_FILENO);
	ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
	close(fd);

	daemon_start();
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_FREEZE, VT_TIMEOUT_MS, NULL), HV_S_OK);
	/* A request while frozen logs (debug), but nothing may come out yet. */
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_HOT_BACKUP, VT_TIMEOUT_MS, NULL), HV_S_OK);
	at_freeze = vt_read(logfile);
	ck_assert_int_eq(vt_request(fk, HV_VSS_OP_THAW, VT_TIMEOUT_MS, NULL), HV_S_OK);
	daemon_stop();
	after = vt_read(logfile);

	dup2(saved, STDERR_FILENO);
	close(saved);
	ck_assert_ptr_nonnull(strstr(at_freeze, "Freezing "));	/* before the freeze: fine */
	ck_assert_ptr_null(strstr(at_freeze, "Froze 2 filesystems"));
	ck_assert_ptr_null(strstr(at_freeze, "HOT_BACKUP"));
	ck_assert_ptr_nonnull(strstr(after, "Froze 2 filesystems"));
	ck_assert_ptr_nonnull(strstr(after, "HOT_BACKUP"));
	free(at_freeze);
	free(after);
	free(logfile);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vss-manager");
	TCase *tc = tcase_create("manager");
	sigset_t mask;

	/* Hooks are child event sources; the daemon thread inherits this mask. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, vss_manager__freeze_and_thaw);
	tcase_add_test(tc, vss_manager__stuck_freeze_is_undone_when_it_completes);
	tcase_add_test(tc, vss_manager__stop_waits_for_a_stuck_freeze);
	tcase_add_test(tc, vss_manager__refusal_in_the_middle_rolls_back);
	tcase_add_test(tc, vss_manager__filesystem_frozen_by_someone_else);
	tcase_add_test(tc, vss_manager__unsupported_filesystem_is_skipped);
	tcase_add_test(tc, vss_manager__logs_are_held_while_frozen);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
