// SPDX-License-Identifier: MIT
/*
 * Guest agent client. The serial line is shared with whatever the guest
 * printed before: every line that is not an answer to us is ignored, and a
 * malformed answer to us is an error rather than a guess.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "base64.h"
#include "cleanup.h"
#include "log.h"
#include "qmp.h"
#include "util.h"

#define AGENT_READ_CHUNK 65536u
#define AGENT_PROBE_INTERVAL_USEC (3ULL * USEC_PER_SEC)

/* Decimal without sign or leading junk, as the agent writes it. */
static int parse_decimal(const char *s, size_t len, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (len == 0 || len > 20)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

enum agent_line_kind agent_parse_line(const char *line, size_t len, struct agent_answer *ret)
{
	const char *p, *end, *sp;
	struct agent_answer a = {};
	uint64_t v;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len >= strlen(AGENT_READY_LINE) &&
	    memcmp(line + len - strlen(AGENT_READY_LINE), AGENT_READY_LINE,
		   strlen(AGENT_READY_LINE)) == 0)
		return AGENT_LINE_READY;
	if (len < 2 || line[0] != 'R' || line[1] != ' ')
		return AGENT_LINE_OTHER;

	*ret = a;
	p = line + 2;
	end = line + len;

	sp = memchr(p, ' ', (size_t)(end - p));
	if (parse_decimal(p, (size_t)((sp ? sp : end) - p), UINT64_MAX, &v) < 0)
		return AGENT_LINE_BAD;
	ret->id = v;
	if (!sp)
		return AGENT_LINE_BAD;

	p = sp + 1;
	sp = memchr(p, ' ', (size_t)(end - p));
	if (parse_decimal(p, (size_t)((sp ? sp : end) - p), 255, &v) < 0)
		return AGENT_LINE_BAD;
	a.id = ret->id;
	a.status = (int)v;

	/* No output: "R id rc" or "R id rc ". */
	p = sp ? sp + 1 : end;
	if (memchr(p, ' ', (size_t)(end - p)))
		return AGENT_LINE_BAD;
	if (base64_decode(p, (size_t)(end - p), &a.output, &a.output_len) < 0)
		return AGENT_LINE_BAD;
	*ret = a;
	return AGENT_LINE_ANSWER;
}

void agent_answer_done(struct agent_answer *a)
{
	free(a->output);
	a->output = NULL;
	a->output_len = 0;
}

int agent_format_request(uint64_t id, const char *command, char **ret)
{
	_cleanup_free_ char *b64 = NULL;
	int r;

	r = base64_encode(command, strlen(command), &b64);
	if (r < 0)
		return r;
	if (asprintf(ret, "X %" PRIu64 " %s\n", id, b64) < 0)
		return -ENOMEM;
	return 0;
}

uint64_t agent_new_id(void)
{
	uint32_t v = 0;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v))
		v = (uint32_t)(now_usec(CLOCK_REALTIME) ^ (uint64_t)getpid() << 16);
	/* Leave room above for probe ids; never 0. */
	return (uint64_t)(v >> 1) + 1;
}

struct agent *agent_new(int fd)
{
	struct agent *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->fd = fd;
	return a;
}

struct agent *agent_free(struct agent *a)
{
	if (!a)
		return NULL;
	safe_close(a->fd);
	free(a->in.buf);
	free(a);
	return NULL;
}

int agent_open(const char *path, uint64_t timeout_usec, struct agent **ret)
{
	struct agent *a;
	int fd, r;

	/* The same unix-socket connect as QMP's, with its retries while QEMU starts. */
	r = qmp_unix_connect(path, timeout_usec, &fd);
	if (r < 0)
		return r;
	a = agent_new(fd);
	if (!a) {
		safe_close(fd);
		return -ENOMEM;
	}
	*ret = a;
	return 0;
}

int agent_send(struct agent *a, uint64_t id, const char *command)
{
	_cleanup_free_ char *req = NULL;
	const char *p;
	size_t left;
	int r;

	r = agent_format_request(id, command, &req);
	if (r < 0)
		return r;
	log_debug("agent -> %s", req);
	for (p = req, left = strlen(req); left > 0;) {
		ssize_t n = send(a->fd, p, left, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EPIPE ? -ECONNRESET : -errno;
		p += n;
		left -= (size_t)n;
	}
	return 0;
}

int agent_read_line(struct agent *a, uint64_t deadline, char **ret, size_t *ret_len)
{
	for (;;) {
		char *nl = a->in.len > a->scanned ?
				   memchr(a->in.buf + a->scanned, '\n', a->in.len - a->scanned) :
				   NULL;
		int r;

		if (nl) {
			size_t len = (size_t)(nl - a->in.buf);
			char *line = malloc(len + 1);

			if (!line)
				return -ENOMEM;
			memcpy(line, a->in.buf, len);
			line[len] = '\0';
			memmove(a->in.buf, nl + 1, a->in.len - len - 1);
			a->in.len -= len + 1;
			a->scanned = 0;
			*ret = line;
			*ret_len = len;
			return 0;
		}
		if (a->in.len >= AGENT_MAX_LINE) {
			/* Nobody sends that much in one line on purpose: drop it, keep reading. */
			log_debug("agent: dropping an over-long line");
			a->in.len = 0;
		}
		a->scanned = a->in.len;
		r = recvbuf_fill(&a->in, a->fd, AGENT_READ_CHUNK, deadline, a->cancel);
		if (r < 0)
			return r;
	}
}

int agent_exec(struct agent *a, uint64_t id, const char *command, uint64_t timeout_usec,
	       struct agent_answer *ret)
{
	uint64_t deadline = now_usec(CLOCK_MONOTONIC) + timeout_usec;
	int r;

	r = agent_send(a, id, command);
	if (r < 0)
		return r;
	for (;;) {
		_cleanup_free_ char *line = NULL;
		struct agent_answer ans = {};
		size_t len;

		r = agent_read_line(a, deadline, &line, &len);
		if (r < 0)
			return r;
		switch (agent_parse_line(line, len, &ans)) {
		case AGENT_LINE_ANSWER:
			if (ans.id == id) {
				*ret = ans;
				return 0;
			}
			log_debug("agent: ignoring the answer to request %" PRIu64, ans.id);
			agent_answer_done(&ans);
			break;
		case AGENT_LINE_BAD:
			if (ans.id == id)
				return -EBADMSG;
			break;
		case AGENT_LINE_READY:
			/* Restarted after it got our request? Then it will never answer. */
			log_debug("agent: the agent (re)started while a request was pending");
			break;
		case AGENT_LINE_OTHER:
		default:
			break;
		}
	}
}

int agent_wait_ready(struct agent *a, uint64_t first_id, uint64_t timeout_usec)
{
	uint64_t start = now_usec(CLOCK_MONOTONIC);
	uint64_t deadline = start + timeout_usec;
	uint64_t next_id = first_id, next_probe = start;
	int r;

	for (;;) {
		_cleanup_free_ char *line = NULL;
		struct agent_answer ans = {};
		uint64_t now = now_usec(CLOCK_MONOTONIC);
		size_t len;

		if (now >= deadline)
			return -ETIMEDOUT;
		if (now >= next_probe) {
			r = agent_send(a, next_id++, "true");
			if (r < 0)
				return r;
			next_probe = now + AGENT_PROBE_INTERVAL_USEC;
		}
		r = agent_read_line(a, MIN(deadline, next_probe), &line, &len);
		if (r == -ETIMEDOUT)
			continue;
		if (r < 0)
			return r;
		switch (agent_parse_line(line, len, &ans)) {
		case AGENT_LINE_READY:
			return 0;
		case AGENT_LINE_ANSWER:
			agent_answer_done(&ans);
			/* Any probe of ours answered: the agent is running commands. */
			if (ans.id >= first_id && ans.id < next_id && ans.status == 0)
				return 0;
			break;
		default:
			break;
		}
	}
}
