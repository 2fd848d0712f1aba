// SPDX-License-Identifier: MIT
/*
 * vss-freeze.c: the freeze engine with injected ioctls (no root needed):
 * order, rollback information, refusals, unsupported filesystems, and a
 * freeze stalled in the kernel while the event loop gives up on it.
 */
#include <check.h>
#include <errno.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "testlib.h"
#include "util.h"
#include "vss-fake-freezer.h"
#include "vss-freeze.h"

#define N_FS 3

static struct vss_fake_freezer fake;
static char *dir;
static char *paths[N_FS];

static const struct vss_freezer_ops ops = { .ioctl = vss_fake_freezer_ioctl,
					     .userdata = &fake };

static char *calls(void)
{
	return vss_fake_freezer_calls(&fake);
}

static void expect_calls(const char *want)
{
	char *got = calls();

	ck_assert_str_eq(got, want);
	free(got);
}

static void wait_stalled(void)
{
	if (!vss_fake_freezer_wait_stalled(&fake, 1000))
		ck_abort_msg("the worker never reached the stalled freeze");
}

static void setup(void)
{
	log_set_max_level(LOG_CRIT);
	vss_fake_freezer_init(&fake, paths, N_FS, true);
	dir = tl_mkdtemp("vss-freeze");
	for (int i = 0; i < N_FS; i++) {
		ck_assert_int_ge(asprintf(&paths[i], "%s/fs%d", dir, i), 0);
		ck_assert_int_eq(mkdir(paths[i], 0755), 0);
	}
}

static void teardown(void)
{
	vss_fake_freezer_done(&fake);
	for (int i = 0; i < N_FS; i++)
		free(paths[i]);
	tl_rm_rf(dir);
	free(dir);
}

static struct vss_plan make_plan(const char *missing)
{
	struct vss_plan p = { .n = N_FS };

	p.fs = calloc(N_FS, sizeof(*p.fs));
	for (int i = 0; i < N_FS; i++) {
		p.fs[i].major = 7;
		p.fs[i].minor = (unsigned)i;
		p.fs[i].fstype = strdup("ext4");
		p.fs[i].source = strdup("/dev/loopX");
		if (i == 1 && missing)
			ck_assert_int_eq(strv_extend(&p.fs[i].mount_points, missing), 0);
		ck_assert_int_eq(strv_extend(&p.fs[i].mount_points, paths[i]), 0);
		p.fs[i].mount_ids = calloc(2, sizeof(int));
		p.fs[i].mount_ids[0] = p.fs[i].mount_ids[1] = -1;	/* no mount id check */
	}
	return p;
}

struct result {
	int result;
	int calls;
};

static void on_done(struct vss_freezer *f, int result, void *userdata)
{
	struct result *r = userdata;

	(void)f;
	r->result = result;
	r->calls++;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	(void)userdata;
	ck_abort_msg("the freeze did not complete");
	return 0;
}

/* Run the loop until done was called. */
static void wait_done(sd_event *e, struct result *r)
{
	sd_event_source *t = NULL;

	ck_assert_int_eq(sd_event_add_time_relative(e, &t, CLOCK_MONOTONIC, 10 * USEC_PER_SEC, 0,
						    on_timeout, NULL), 0);
	while (r->calls == 0)
		ck_assert_int_ge(sd_event_run(e, UINT64_MAX), 0);
	sd_event_source_unref(t);
}

START_TEST(vss_freeze__freezes_in_order_thaws_in_reverse)
{
	struct vss_plan p = make_plan(NULL);
	struct result r = { .result = 1 };
	struct vss_freezer *f;
	sd_event *e;

	ck_assert_int_eq(sd_event_new(&e), 0);
	ck_assert_int_eq(vss_freezer_new(&p, &ops, &f), 0);
	ck_assert_ptr_null(p.fs);
	ck_assert_uint_eq(vss_freezer_count(f), N_FS);
	ck_assert_str_eq(vss_freezer_mount_point(f, 2), paths[2]);
	ck_assert_int_eq(vss_freezer_start(f, e, on_done, &r), 0);
	ck_assert(vss_freezer_running(f));
	wait_done(e, &r);
	ck_assert_int_eq(r.result, 0);
	ck_assert(!vss_freezer_running(f));
	ck_assert_uint_eq(vss_freezer_frozen_count(f), N_FS);
	ck_assert_uint_eq(vss_freezer_failed_index(f), SIZE_MAX);
	ck_assert_int_eq(vss_freezer_thaw(f), 0);
	ck_assert_uint_eq(vss_freezer_frozen_count(f), 0);
	expect_calls("F0 F1 F2 T2 T1 T0");
	/* One freeze per freezer. */
	ck_assert_int_eq(vss_freezer_start(f, e, on_done, &r), -EBUSY);
	vss_freezer_free(f);
	sd_event_unref(e);
}
END_TEST

START_TEST(vss_freeze__stops_at_the_first_refusal)
{
	struct vss_plan p = make_plan(NULL);
	struct result r = { 0 };
	struct vss_freezer *f;
	const char *step = NULL;
	sd_event *e;

	fake.fail_index = 1;
	fake.fail_error = -EIO;
	ck_assert_int_eq(sd_event_new(&e), 0);
	ck_assert_int_eq(vss_freezer_new(&p, &ops, &f), 0);
	ck_assert_int_eq(vss_freezer_start(f, e, on_done, &r), 0);
	wait_done(e, &r);
	ck_assert_int_eq(r.result, -EIO);
	ck_assert_uint_eq(vss_freezer_failed_index(f), 1);
	ck_assert_int_eq(vss_freezer_error(f, 1, &step), -EIO);
	ck_assert_str_eq(step, "freeze");
	ck_assert(vss_freezer_is_frozen(f, 0));
	ck_assert(!vss_freezer_is_frozen(f, 1));
	ck_assert_int_eq(vss_freezer_thaw(f), 0);
	expect_calls("F0 F1 T0");
	vss_freezer_free(f);
	sd_event_unref(e);
}
END_TEST

START_TEST(vss_freeze__skips_filesystems_without_freeze_support)
{
	struct vss_plan p = make_plan(NULL);
	struct result r = { .result = 1 };
	struct vss_freezer *f;
	const char *step = NULL;
	sd_event *e;

	fake.fail_index = 1;
	fake.fail_error = -EOPNOTSUPP;
	ck_assert_int_eq(sd_event_new(&e), 0);
	ck_assert_int_eq(vss_freezer_new(&p, &ops, &f), 0);
	ck_assert_int_eq(vss_freezer_start(f, e, on_done, &r), 0);
	wait_done(e, &r);
	ck_assert_int_eq(r.result, 0);
	ck_assert_int_eq(vss_freezer_error(f, 1, &step), -EOPNOTSUPP);
	ck_assert_str_eq(step, "unsupported");
	ck_assert_uint_eq(vss_freezer_frozen_count(f), 2);
	/* Freeing thaws. */
	vss_freezer_free(f);
	expect_calls("F0 F1 F2 T2 T0");
	sd_event_unref(e);
}
END_TEST

START_TEST(vss_freeze__unopenable_filesystem_fails_before_freezing)
{
	struct vss_plan p = make_plan(NULL);
	struct result r = { 0 };
	struct vss_freezer *f;
	const char *step = NULL;
	sd_event *e;

	tl_rm_rf(paths[2]);
	ck_assert_int_eq(sd_event_new(&e), 0);
	ck_assert_int_eq(vss_freezer_new(&p, &ops, &f), 0);
	ck_assert_ptr_null(vss_freezer_mount_point(f, 2));
	ck_assert_int_eq(vss_freezer_start(f, e, on_done, &r), -ENOENT);
	ck_assert_uint_eq(vss_freezer_failed_index(f), 2);
	ck_assert_int_eq(vss_freezer_error(f, 2, &step), -ENOENT);
	ck_assert_str_eq(step, "open");
	ck_assert_int_eq(r.calls, 0);
	expect_calls("");
	vss_freezer_free(f);
	sd_event_unref(e);
}
END_TEST

START_TEST(vss_freeze__falls_back_to_another_mount_point)
{
	char *gone;
	struct vss_plan p;
	struct vss_freezer *f;

	ck_assert_int_ge(asprintf(&gone, "%s/not-there", dir), 0);
	p = make_plan(gone);
	ck_assert_int_eq(vss_freezer_new(&p, &ops, &f), 0);
	ck_assert_str_eq(vss_freezer_mount_point(f, 1), paths[1]);
	vss_freezer_free(f);
	free(gone);
}
END_TEST

START_TEST(vss_freeze__thaw_during_a_stalled_freeze_undoes_it)
{
	struct vss_plan p = make_plan(NULL);
	struct result r = { 0 };
	struct vss_freezer *f;
	sd_event *e;

	/* FIFREEZE of fs1 hangs (a disk that does not answer)... */
	fake.stall_index = 1;
	ck_assert_int_eq(sd_event_new(&e), 0);
	ck_assert_int_eq(vss_freezer_new(&p, &ops, &f), 0);
	ck_assert_int_eq(vss_freezer_start(f, e, on_done, &r), 0);
	wait_stalled();
	expect_calls("F0");
	/* ... the event loop gives up (auto-thaw): fs0 thawed at once ... */
	ck_assert_int_eq(vss_freezer_thaw(f), 0);
	expect_calls("F0 T0");
	ck_assert(vss_freezer_running(f));
	/* ... and when the kernel finally completes fs1's freeze, the worker undoes it. */
	vss_fake_freezer_release(&fake);
	while (vss_freezer_running(f))
		ck_assert_int_ge(sd_event_run(e, 100 * USEC_PER_MSEC), 0);
	expect_calls("F0 T0 F1 T1");
	/* The end of the abandoned freeze is reported as cancelled. */
	ck_assert_int_eq(r.calls, 1);
	ck_assert_int_eq(r.result, -ECANCELED);
	ck_assert_uint_eq(vss_freezer_frozen_count(f), 0);
	vss_freezer_free(f);
	sd_event_unref(e);
}
END_TEST

START_TEST(vss_freeze__free_during_a_stalled_freeze_detaches_the_worker)
{
	struct vss_plan p = make_plan(NULL);
	struct result r = { 0 };
	struct vss_freezer *f;
	sd_event *e;
	char *got = NULL;

	fake.stall_index = 0;
	ck_assert_int_eq(sd_event_new(&e), 0);
	ck_assert_int_eq(vss_freezer_new(&p, &ops, &f), 0);
	ck_assert_int_eq(vss_freezer_start(f, e, on_done, &r), 0);
	wait_stalled();
	vss_freezer_free(f);
	vss_fake_freezer_release(&fake);
	for (int i = 0; i < 500; i++) {
		free(got);
		got = calls();
		if (streq(got, "F0 T0"))
			break;
		usleep(10000);
	}
	ck_assert_str_eq(got, "F0 T0");
	free(got);
	/* Give the detached worker time to drop its reference before the leak check. */
	usleep(100000);
	sd_event_unref(e);
}
END_TEST

START_TEST(vss_freeze__wait_for_a_stalled_worker)
{
	struct vss_plan p = make_plan(NULL);
	struct result r = { 0 };
	struct vss_freezer *f;
	sd_event *e;

	fake.stall_index = 2;
	ck_assert_int_eq(sd_event_new(&e), 0);
	ck_assert_int_eq(vss_freezer_new(&p, &ops, &f), 0);
	ck_assert_int_eq(vss_freezer_wait(f, 0), 0);	/* not started: nothing to wait for */
	ck_assert_int_eq(vss_freezer_start(f, e, on_done, &r), 0);
	wait_stalled();
	ck_assert_int_eq(vss_freezer_thaw(f), 0);
	ck_assert_int_eq(vss_freezer_wait(f, 50 * USEC_PER_MSEC), -ETIMEDOUT);
	vss_fake_freezer_release(&fake);
	ck_assert_int_eq(vss_freezer_wait(f, 10 * USEC_PER_SEC), 0);
	ck_assert(!vss_freezer_running(f));
	expect_calls("F0 F1 T1 T0 F2 T2");
	vss_freezer_free(f);
	sd_event_unref(e);
}
END_TEST

START_TEST(vss_freeze__open_mount_refuses_special_files_and_other_mounts)
{
	char *fifo;

	ck_assert_int_ge(asprintf(&fifo, "%s/fifo", dir), 0);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(vss_open_mount(fifo, -1), -ENOTDIR);
	ck_assert_int_eq(vss_open_mount("/nonexistent/x", -1), -ENOENT);
	/* The directory is on some mount, certainly not on mount id 0. */
	ck_assert_int_eq(vss_open_mount(dir, 0), -ESTALE);
	free(fifo);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vss-freeze");
	TCase *tc = tcase_create("freezer");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, vss_freeze__freezes_in_order_thaws_in_reverse);
	tcase_add_test(tc, vss_freeze__stops_at_the_first_refusal);
	tcase_add_test(tc, vss_freeze__skips_filesystems_without_freeze_support);
	tcase_add_test(tc, vss_freeze__unopenable_filesystem_fails_before_freezing);
	tcase_add_test(tc, vss_freeze__falls_back_to_another_mount_point);
	tcase_add_test(tc, vss_freeze__thaw_during_a_stalled_freeze_undoes_it);
	tcase_add_test(tc, vss_freeze__free_during_a_stalled_freeze_detaches_the_worker);
	tcase_add_test(tc, vss_freeze__wait_for_a_stalled_worker);
	tcase_add_test(tc, vss_freeze__open_mount_refuses_special_files_and_other_mounts);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
