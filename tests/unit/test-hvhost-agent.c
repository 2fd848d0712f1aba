// SPDX-License-Identifier: MIT
/*
 * hvhost's guest agent client: the line parser on canned lines, then
 * exec and wait-agent against a fake agent thread on a socketpair that
 * mixes its answers with console noise, half lines and stale answers.
 */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent.h"
#include "base64.h"
#include "log.h"
#include "testlib.h"
#include "util.h"

static void quiet(int level, const char *message, void *userdata)
{
	(void)level;
	(void)message;
	(void)userdata;
}

static enum agent_line_kind parse(const char *line, struct agent_answer *a)
{
	return agent_parse_line(line, strlen(line), a);
}

START_TEST(agent__parse_answers)
{
	struct agent_answer a = {};

	/* "hello\n" */
	ck_assert_int_eq(parse("R 17 0 aGVsbG8K", &a), AGENT_LINE_ANSWER);
	ck_assert_uint_eq(a.id, 17);
	ck_assert_int_eq(a.status, 0);
	ck_assert_uint_eq(a.output_len, 6);
	ck_assert_mem_eq(a.output, "hello\n", 6);
	agent_answer_done(&a);

	ck_assert_int_eq(parse("R 18446744073709551615 255 \r", &a), AGENT_LINE_ANSWER);
	ck_assert_uint_eq(a.id, UINT64_MAX);
	ck_assert_int_eq(a.status, 255);
	ck_assert_uint_eq(a.output_len, 0);
	agent_answer_done(&a);

	ck_assert_int_eq(parse("R 3 1", &a), AGENT_LINE_ANSWER);
	ck_assert_int_eq(a.status, 1);
	agent_answer_done(&a);
}
END_TEST

START_TEST(agent__parse_ignores_other_lines)
{
	struct agent_answer a = {};

	ck_assert_int_eq(parse("", &a), AGENT_LINE_OTHER);
	ck_assert_int_eq(parse("[    1.234] hv_vmbus: registering driver", &a), AGENT_LINE_OTHER);
	ck_assert_int_eq(parse("X 5 dHJ1ZQ==", &a), AGENT_LINE_OTHER); /* our own echo */
	ck_assert_int_eq(parse("R", &a), AGENT_LINE_OTHER);
	ck_assert_int_eq(parse("RR 1 0", &a), AGENT_LINE_OTHER);
	ck_assert_int_eq(parse("HVAGENT READY", &a), AGENT_LINE_READY);
	ck_assert_int_eq(parse("HVAGENT READY\r", &a), AGENT_LINE_READY);
	/* a reconnect sees the tail of a line, then the banner */
	ck_assert_int_eq(parse("Z3VhcmQ= HVAGENT READY", &a), AGENT_LINE_READY);
}
END_TEST

START_TEST(agent__parse_flags_malformed_answers)
{
	static const char *const bad[] = {
		"R ",		"R x 0 aGk=",	    "R 5",
		"R 5 ",		"R 5 256 aGk=",	    "R 5 -1 aGk=",
		"R 5 0x1 aGk=", "R 5 0 aGl", /* "hi" with non-zero unused bits: not canonical */
		"R 5 0 a!==",	"R 5 0 aGk= extra", "R 99999999999999999999 0",
		"R 5 0  aGk=",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct agent_answer a = {};

		ck_assert_msg(parse(bad[i], &a) == AGENT_LINE_BAD, "%s", bad[i]);
		ck_assert_ptr_null(a.output);
		if (strncmp(bad[i], "R 5", 3) == 0)
			ck_assert_msg(a.id == 5, "%s: id %" PRIu64, bad[i], a.id);
	}
}
END_TEST

START_TEST(agent__format_request)
{
	char *req = NULL;

	ck_assert_int_eq(agent_format_request(42, "echo hi | wc -c", &req), 0);
	ck_assert_str_eq(req, "X 42 ZWNobyBoaSB8IHdjIC1j\n");
	free(req);
	ck_assert_int_eq(agent_format_request(1, "", &req), 0);
	ck_assert_str_eq(req, "X 1 \n");
	free(req);
	ck_assert_uint_ne(agent_new_id(), 0);
}
END_TEST

/* The guest's side: answers each request after writing what `before` says. */
struct fake_agent {
	int fd;
	const char *banner; /* written first, may be NULL */
	const char *before; /* written before each answer ("%ID%" = the request's id) */
	int status;
	const char *output;
	bool answer; /* false: read requests, never answer */
	bool hangup; /* shut the connection down after max_requests */
	unsigned max_requests;
	pthread_t thread;
	char last_command[256];
	unsigned requests;
};

static void put(int fd, const char *s)
{
	(void)!send(fd, s, strlen(s), MSG_NOSIGNAL);
}

static void *agent_thread(void *userdata)
{
	struct fake_agent *f = userdata;
	char line[4096];
	size_t len = 0;

	if (f->banner)
		put(f->fd, f->banner);
	while (f->requests < f->max_requests) {
		char c, *sp, *b64, *out = NULL;
		unsigned long long id;
		void *cmd = NULL;
		size_t n;
		ssize_t r = read(f->fd, &c, 1);

		if (r <= 0)
			break;
		if (c != '\n') {
			if (len < sizeof(line) - 1)
				line[len++] = c;
			continue;
		}
		line[len] = '\0';
		len = 0;
		if (sscanf(line, "X %llu", &id) != 1)
			continue;
		f->requests++;
		sp = strchr(line + 2, ' ');
		b64 = sp ? sp + 1 : (char *)"";
		if (base64_decode(b64, strlen(b64), &cmd, &n) == 0) {
			snprintf(f->last_command, sizeof(f->last_command), "%s", (char *)cmd);
			free(cmd);
		}
		if (!f->answer)
			continue;
		if (f->before) {
			char buf[1024], ids[32];
			const char *p = strstr(f->before, "%ID%");

			snprintf(ids, sizeof(ids), "%llu", id);
			if (p)
				snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - f->before),
					 f->before, ids, p + 4);
			else
				snprintf(buf, sizeof(buf), "%s", f->before);
			put(f->fd, buf);
		}
		(void)base64_encode(f->output, strlen(f->output), &out);
		snprintf(line, sizeof(line), "R %llu %d %s\n", id, f->status, out);
		free(out);
		/* Split the answer over two writes: the client must reassemble lines. */
		n = strlen(line) / 2;
		(void)!send(f->fd, line, n, MSG_NOSIGNAL);
		usleep(10000);
		put(f->fd, line + n);
	}
	if (f->hangup)
		shutdown(f->fd, SHUT_RDWR);
	return NULL;
}

static struct agent *start(struct fake_agent *f)
{
	int sv[2];
	struct agent *a;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	f->fd = sv[1];
	if (!f->max_requests)
		f->max_requests = 1;
	ck_assert_int_eq(pthread_create(&f->thread, NULL, agent_thread, f), 0);
	a = agent_new(sv[0]);
	ck_assert_ptr_nonnull(a);
	return a;
}

static void stop(struct fake_agent *f, struct agent *a)
{
	agent_free(a); /* EOF for the thread if it still reads */
	pthread_join(f->thread, NULL);
	close(f->fd);
}

START_TEST(agent__exec_skips_noise_and_stale_answers)
{
	struct fake_agent f = {
		.banner = "tail of an old line\nHVAGENT READY\n",
		.before = "[  12.5] random console text\nR 1 0 c3RhbGU=\nR %ID%x 0\nR 1 9\n",
		.status = 3,
		.output = "out\nerr\n",
		.answer = true,
	};
	struct agent *a = start(&f);
	struct agent_answer ans = {};

	ck_assert_int_eq(
		agent_exec(a, 4242, "echo out; echo err >&2; exit 3", 5 * USEC_PER_SEC, &ans), 0);
	ck_assert_uint_eq(ans.id, 4242);
	ck_assert_int_eq(ans.status, 3);
	ck_assert_uint_eq(ans.output_len, 8);
	ck_assert_mem_eq(ans.output, "out\nerr\n", 8);
	agent_answer_done(&ans);
	stop(&f, a);
	ck_assert_str_eq(f.last_command, "echo out; echo err >&2; exit 3");
}
END_TEST

START_TEST(agent__exec_malformed_answer_to_us_fails)
{
	struct fake_agent f = {
		.before = "R %ID% 0 !!!\n",
		.output = "",
		.answer = true,
	};
	struct agent *a = start(&f);
	struct agent_answer ans = {};

	ck_assert_int_eq(agent_exec(a, 77, "true", 5 * USEC_PER_SEC, &ans), -EBADMSG);
	ck_assert_ptr_null(ans.output);
	stop(&f, a);
}
END_TEST

START_TEST(agent__exec_times_out)
{
	struct fake_agent f = { .answer = false };
	struct agent *a = start(&f);
	struct agent_answer ans = {};
	uint64_t t0 = now_usec(CLOCK_MONOTONIC);

	ck_assert_int_eq(agent_exec(a, 5, "sleep 100", 300 * USEC_PER_MSEC, &ans), -ETIMEDOUT);
	ck_assert_uint_ge(now_usec(CLOCK_MONOTONIC) - t0, 290 * USEC_PER_MSEC);
	stop(&f, a);
}
END_TEST

START_TEST(agent__exec_sees_hangup)
{
	struct fake_agent f = { .answer = false, .max_requests = 1, .hangup = true };
	struct agent *a = start(&f);
	struct agent_answer ans = {};
	int sv[2];

	/* QEMU drops the connection while the command runs. */
	ck_assert_int_eq(agent_exec(a, 5, "true", 5 * USEC_PER_SEC, &ans), -ECONNRESET);
	stop(&f, a);

	/* ... or before we could send. */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	close(sv[1]);
	a = agent_new(sv[0]);
	ck_assert_int_eq(agent_exec(a, 5, "true", 5 * USEC_PER_SEC, &ans), -ECONNRESET);
	agent_free(a);
}
END_TEST

START_TEST(agent__wait_ready_on_banner)
{
	struct fake_agent f = { .banner = "boot noise\nHVAGENT READY\n", .answer = false };
	struct agent *a = start(&f);

	ck_assert_int_eq(agent_wait_ready(a, 100, 5 * USEC_PER_SEC), 0);
	stop(&f, a);
}
END_TEST

START_TEST(agent__wait_ready_on_probe_answer)
{
	struct fake_agent f = { .answer = true, .output = "", .status = 0 };
	struct agent *a = start(&f);

	ck_assert_int_eq(agent_wait_ready(a, 100, 5 * USEC_PER_SEC), 0);
	stop(&f, a);
	ck_assert_str_eq(f.last_command, "true");
}
END_TEST

START_TEST(agent__wait_ready_times_out)
{
	struct fake_agent f = { .answer = false, .max_requests = 100 };
	struct agent *a = start(&f);

	ck_assert_int_eq(agent_wait_ready(a, 100, 300 * USEC_PER_MSEC), -ETIMEDOUT);
	stop(&f, a);
	ck_assert_uint_ge(f.requests, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hvhost-agent");

	log_set_sink(quiet, NULL);
	tl_add_test(s, "agent__parse_answers", agent__parse_answers);
	tl_add_test(s, "agent__parse_ignores_other_lines", agent__parse_ignores_other_lines);
	tl_add_test(s, "agent__parse_flags_malformed_answers", agent__parse_flags_malformed_answers);
	tl_add_test(s, "agent__format_request", agent__format_request);
	tl_add_test(s, "agent__exec_skips_noise_and_stale_answers",
	    agent__exec_skips_noise_and_stale_answers);
	tl_add_test(s, "agent__exec_malformed_answer_to_us_fails",
	    agent__exec_malformed_answer_to_us_fails);
	tl_add_test(s, "agent__exec_times_out", agent__exec_times_out);
	tl_add_test(s, "agent__exec_sees_hangup", agent__exec_sees_hangup);
	tl_add_test(s, "agent__wait_ready_on_banner", agent__wait_ready_on_banner);
	tl_add_test(s, "agent__wait_ready_on_probe_answer", agent__wait_ready_on_probe_answer);
	tl_add_test(s, "agent__wait_ready_times_out", agent__wait_ready_times_out);
	return tl_run_suite(s);
}
