// SPDX-License-Identifier: MIT
/*
 * The chardev transport against a fake kernel: registration, one request
 * at a time, deferred replies, reopen after every kind of device failure.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "fake-kernel.h"
#include "hvdev.h"
#include "log.h"
#include "testlib.h"
#include "util.h"

#define TIMEOUT_MS 5000

struct daemon_side {
	char path[256];
	int quit_fd;
	pthread_t thread;
	int start_result;
	hv_dev *dev;
	sd_event *event;
	sd_event_source *late;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool started;
};

static ssize_t build_register(void *buf, size_t size, void *u)
{
	(void)u;
	memcpy(buf, "REGISTER", 8);
	return 8;
}

static int check_register(const void *buf, size_t len, void *u)
{
	(void)u;
	return len == 4 && memcmp(buf, "OK!!", 4) == 0 ? 0 : -EPROTO;
}

static int on_late(sd_event_source *s, uint64_t usec, void *u)
{
	struct daemon_side *d = u;

	(void)s;
	(void)usec;
	ck_assert_int_eq(hv_dev_reply(d->dev, "LATE", 4), 0);
	/* A second reply for the same request is refused. */
	ck_assert_int_eq(hv_dev_reply(d->dev, "DUP", 3), -ESTALE);
	return 0;
}

static ssize_t handle(hv_dev *dev, void *buf, size_t len, void *u)
{
	struct daemon_side *d = u;
	char *s = buf;
	int n;

	if (len >= 5 && memcmp(s, "DEFER", 5) == 0) {
		uint64_t now;

		sd_event_now(d->event, CLOCK_MONOTONIC, &now);
		d->late = sd_event_source_unref(d->late);
		ck_assert_int_eq(sd_event_add_time(d->event, &d->late, CLOCK_MONOTONIC,
						   now + 50000, 0, on_late, d),
				 0);
		return 0;
	}
	if (len >= 4 && memcmp(s, "FAIL", 4) == 0)
		return -EIO;
	for (size_t i = 0; i < len; i++)
		s[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	n = snprintf(s + len, 64, "#%u", hv_dev_get_registrations(dev));
	return (ssize_t)len + n;
}

static const struct hv_dev_ops test_ops = {
	.name = "test",
	.max_msg_size = 256,
	.build_register = build_register,
	.check_register = check_register,
	.handle = handle,
};

static int on_quit(sd_event_source *s, int fd, uint32_t revents, void *u)
{
	(void)fd;
	(void)revents;
	(void)u;
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

static void *daemon_thread(void *u)
{
	struct daemon_side *d = u;

	ck_assert_int_eq(sd_event_new(&d->event), 0);
	ck_assert_int_eq(sd_event_add_io(d->event, NULL, d->quit_fd, EPOLLIN, on_quit, d), 0);
	ck_assert_int_eq(hv_dev_new(d->event, d->path, &test_ops, d, &d->dev), 0);
	d->start_result = hv_dev_start(d->dev);
	pthread_mutex_lock(&d->lock);
	d->started = true;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
	if (d->start_result == 0)
		sd_event_loop(d->event);
	d->late = sd_event_source_unref(d->late);
	hv_dev_free(d->dev);
	sd_event_unref(d->event);
	return NULL;
}

static void daemon_start(struct daemon_side *d, const char *path)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->path, sizeof(d->path), "%s", path);
	d->quit_fd = eventfd(0, EFD_CLOEXEC);
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->cond, NULL);
	ck_assert_int_eq(pthread_create(&d->thread, NULL, daemon_thread, d), 0);
	pthread_mutex_lock(&d->lock);
	while (!d->started)
		pthread_cond_wait(&d->cond, &d->lock);
	pthread_mutex_unlock(&d->lock);
}

static void daemon_stop(struct daemon_side *d)
{
	uint64_t one = 1;

	ck_assert_int_eq(write(d->quit_fd, &one, sizeof(one)), sizeof(one));
	pthread_join(d->thread, NULL);
	close(d->quit_fd);
}

static struct fake_kernel *fk;
static char *dir;
static char sock[512];

static void setup(void)
{
	log_set_max_level(LOG_ERR);
	dir = tl_mkdtemp("hvdev");
	snprintf(sock, sizeof(sock), "%s/dev", dir);
	fk = fk_new(sock);
	ck_assert_ptr_nonnull(fk);
}

static void teardown(void)
{
	fk = fk_free(fk);
	tl_rm_rf(dir);
	free(dir);
}

static void register_ok(void)
{
	ck_assert_int_eq(fk_register(fk, 8, "REGISTER", 8, "OK!!", 4, TIMEOUT_MS), 0);
}

static void expect_reply(const char *req, const char *want)
{
	char buf[256];
	ssize_t n = fk_transact(fk, req, strlen(req), buf, sizeof(buf) - 1, TIMEOUT_MS);

	ck_assert_int_eq(n, (ssize_t)strlen(want));
	buf[n] = '\0';
	ck_assert_str_eq(buf, want);
}

START_TEST(hvdev__registers_then_serves_one_at_a_time)
{
	struct daemon_side d;

	daemon_start(&d, sock);
	ck_assert_int_eq(d.start_result, 0);
	register_ok();
	expect_reply("abc", "ABC#1");
	expect_reply("xyz", "XYZ#1");
	daemon_stop(&d);
}
END_TEST

START_TEST(hvdev__reopens_after_device_reset)
{
	struct daemon_side d;

	daemon_start(&d, sock);
	register_ok();
	expect_reply("a", "A#1");
	/* Hibernation / driver reload: the kernel side goes away. */
	fk_reset(fk);
	register_ok();
	expect_reply("b", "B#2");
	fk_reset(fk);
	register_ok();
	expect_reply("c", "C#3");
	daemon_stop(&d);
}
END_TEST

START_TEST(hvdev__refused_registration_is_retried)
{
	struct daemon_side d;
	char buf[64];

	daemon_start(&d, sock);
	ck_assert_int_eq(fk_accept(fk, TIMEOUT_MS), 0);
	ck_assert_int_eq(fk_recv(fk, buf, sizeof(buf), TIMEOUT_MS), 8);
	ck_assert_int_eq(fk_send(fk, "NO", 2), 0);
	/* The daemon hangs up and comes back. */
	ck_assert_int_eq(fk_recv(fk, buf, sizeof(buf), TIMEOUT_MS), -EPIPE);
	register_ok();
	expect_reply("q", "Q#1");
	daemon_stop(&d);
}
END_TEST

START_TEST(hvdev__deferred_reply_is_sent_later)
{
	struct daemon_side d;

	daemon_start(&d, sock);
	register_ok();
	expect_reply("DEFER", "LATE");
	expect_reply("after", "AFTER#1");
	daemon_stop(&d);
}
END_TEST

START_TEST(hvdev__handler_error_resets_device)
{
	struct daemon_side d;
	char buf[64];

	daemon_start(&d, sock);
	register_ok();
	ck_assert_int_eq(fk_send(fk, "FAIL", 4), 0);
	ck_assert_int_eq(fk_recv(fk, buf, sizeof(buf), TIMEOUT_MS), -EPIPE);
	register_ok();
	expect_reply("ok", "OK#2");
	daemon_stop(&d);
}
END_TEST

START_TEST(hvdev__missing_device_fails_start)
{
	struct daemon_side d;
	char path[600];

	snprintf(path, sizeof(path), "%s/nonexistent", dir);
	daemon_start(&d, path);
	ck_assert_int_eq(d.start_result, -ENOENT);
	daemon_stop(&d);
}
END_TEST

START_TEST(hvdev__no_answer_times_out_and_retries)
{
	struct daemon_side d;
	char buf[64];

	daemon_start(&d, sock);
	ck_assert_int_eq(fk_accept(fk, TIMEOUT_MS), 0);
	ck_assert_int_eq(fk_recv(fk, buf, sizeof(buf), TIMEOUT_MS), 8);
	/* Say nothing: after the registration timeout the daemon reconnects. */
	ck_assert_int_eq(fk_recv(fk, buf, sizeof(buf), 15000), -EPIPE);
	register_ok();
	expect_reply("z", "Z#1");
	daemon_stop(&d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hvdev");
	TCase *tc = tcase_create("hvdev");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hvdev__registers_then_serves_one_at_a_time);
	tcase_add_test(tc, hvdev__reopens_after_device_reset);
	tcase_add_test(tc, hvdev__refused_registration_is_retried);
	tcase_add_test(tc, hvdev__deferred_reply_is_sent_later);
	tcase_add_test(tc, hvdev__handler_error_resets_device);
	tcase_add_test(tc, hvdev__missing_device_fails_start);
	tcase_add_test(tc, hvdev__no_answer_times_out_and_retries);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
