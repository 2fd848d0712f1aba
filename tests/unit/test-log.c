// SPDX-License-Identifier: MIT
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "testlib.h"

/* Capture stderr into a pipe, run fn, return what was written. */
static char *capture_stderr(void (*fn)(void))
{
	static char buf[65536];
	int p[2], saved;
	ssize_t n;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	saved = dup(STDERR_FILENO);
	dup2(p[1], STDERR_FILENO);
	close(p[1]);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void emit_levels(void)
{
	unsetenv("JOURNAL_STREAM");
	log_setup("hvtest", LOG_TARGET_STDERR);
	log_set_max_level(LOG_INFO);
	log_error("boom %d", 1);
	log_info("hello");
	log_debug("hidden");
}

START_TEST(log__stderr_has_priority_prefixes)
{
	char *out = capture_stderr(emit_levels);

	ck_assert_msg(strstr(out, "<3>boom 1\n") != NULL, "got: %s", out);
	ck_assert_msg(strstr(out, "<6>hello\n") != NULL, "got: %s", out);
	ck_assert_ptr_null(strstr(out, "hidden"));
}
END_TEST

static char last[256];

static void last_sink(int level, const char *msg, void *u)
{
	(void)level;
	(void)u;
	snprintf(last, sizeof(last), "%s", msg);
}

START_TEST(log__errno_returns_negative_and_formats_m)
{
	int r;

	log_setup("hvtest", LOG_TARGET_STDERR);
	log_set_sink(last_sink, NULL);
	r = log_error_errno(ENOENT, "open x: %m");
	ck_assert_int_eq(r, -ENOENT);
	ck_assert_str_eq(last, "open x: No such file or directory");
	r = log_error_errno(-EIO, "io: %m");
	ck_assert_int_eq(r, -EIO);
	/* Below the max level nothing is formatted, but the error still comes back. */
	log_set_max_level(LOG_ERR);
	ck_assert_int_eq(log_debug_errno(EAGAIN, "x"), -EAGAIN);
	log_set_max_level(LOG_INFO);
	log_set_sink(NULL, NULL);
}
END_TEST

static void emit_held(void)
{
	unsetenv("JOURNAL_STREAM");
	log_setup("hvtest", LOG_TARGET_STDERR);
	log_hold();
	log_info("while frozen %d", 1);
	log_struct(LOG_NOTICE, 0, LOG_FIELDS({ "HV_FS", "/mnt" }), "frozen %s", "/mnt");
	(void)!write(STDERR_FILENO, "MARK\n", 5);
	log_release();
}

START_TEST(log__hold_defers_until_release)
{
	char *out = capture_stderr(emit_held);
	char *mark = strstr(out, "MARK\n");

	ck_assert_ptr_nonnull(mark);
	/* Nothing before the mark: held messages came out only on release. */
	ck_assert_msg(mark == out, "output before release: %s", out);
	ck_assert_ptr_nonnull(strstr(mark, "<6>while frozen 1\n"));
	ck_assert_ptr_nonnull(strstr(mark, "<5>frozen /mnt\n"));
}
END_TEST

static void emit_flood(void)
{
	unsetenv("JOURNAL_STREAM");
	log_setup("hvtest", LOG_TARGET_STDERR);
	log_hold();
	for (int i = 0; i < 5000; i++)
		log_info("line %d", i);
	log_release();
}

START_TEST(log__hold_is_bounded_and_reports_drops)
{
	char *out = capture_stderr(emit_flood);

	ck_assert_ptr_nonnull(strstr(out, "<6>line 0\n"));
	ck_assert_ptr_null(strstr(out, "<6>line 4999\n"));
	ck_assert_msg(strstr(out, "log messages were dropped") != NULL, "%s", out + strlen(out) - 200);
}
END_TEST

/* What a hostile host would name a file or a key. */
static const char forged[] = "a.txt\n<3>hv_kvp_daemon: forged\r\x1b[2K\xc2\x9b" "2K\xc2\x85!";

static void emit_host_text(void)
{
	unsetenv("JOURNAL_STREAM");
	log_setup("hvtest", LOG_TARGET_STDERR);
	log_set_max_level(LOG_INFO);
	log_warning("Refusing copy to %s", log_text(forged));
	log_hold();
	log_struct(LOG_NOTICE, 0, LOG_FIELDS({ "HV_NAME", log_text(forged) }), "held %s",
		   log_text(forged));
	log_release();
}

START_TEST(log__host_text_cannot_forge_a_line)
{
	char *out = capture_stderr(emit_host_text);
	const char *esc = "a.txt\\n<3>hv_kvp_daemon: forged\\r\\x1b[2K\\xc2\\x9b2K\\xc2\\x85!";
	char *want;

	/* One line each, the host's bytes named, not acted on. */
	ck_assert_int_ge(asprintf(&want, "<4>Refusing copy to %s\n<5>held %s\n", esc, esc), 0);
	ck_assert_str_eq(out, want);
	free(want);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_test(tc, log__stderr_has_priority_prefixes);
	tcase_add_test(tc, log__errno_returns_negative_and_formats_m);
	tcase_add_test(tc, log__hold_defers_until_release);
	tcase_add_test(tc, log__hold_is_bounded_and_reports_drops);
	tcase_add_test(tc, log__host_text_cannot_forge_a_line);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
