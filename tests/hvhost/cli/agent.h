/* SPDX-License-Identifier: MIT */
/*
 * Client for the guest agent on the second serial port (agent.sock):
 *   host -> guest   X <id> <base64 of a /bin/sh command line>\n
 *   guest -> host   R <id> <exit status> <base64 of stdout+stderr>\n
 * and "HVAGENT READY\n" when the agent starts. Other lines are ignored.
 */
#ifndef HVHOST_AGENT_H
#define HVHOST_AGENT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "recvbuf.h"

#define AGENT_MAX_LINE (64u * 1024u * 1024u)
#define AGENT_READY_LINE "HVAGENT READY"

enum agent_line_kind {
	AGENT_LINE_OTHER, /* not an answer: ignore */
	AGENT_LINE_READY, /* the agent (re)started */
	AGENT_LINE_ANSWER, /* a well-formed R line */
	AGENT_LINE_BAD, /* starts with "R " but is malformed; id set if readable */
};

struct agent_answer {
	uint64_t id;
	int status; /* 0-255 */
	void *output; /* decoded, NUL after output_len bytes */
	size_t output_len;
};

struct agent {
	int fd;
	struct recvbuf in; /* bytes received, not yet a whole line */
	size_t scanned; /* in.buf[0..scanned) has no '\n' */
	const volatile sig_atomic_t *cancel;
};

/* Classify one line (without its '\n'; a trailing '\r' is dropped). */
enum agent_line_kind agent_parse_line(const char *line, size_t len, struct agent_answer *ret);
void agent_answer_done(struct agent_answer *a);

/* "X <id> <base64>\n", malloc'ed. */
int agent_format_request(uint64_t id, const char *command, char **ret);

struct agent *agent_new(int fd);
struct agent *agent_free(struct agent *a);
static inline void agent_freep(struct agent **a)
{
	agent_free(*a);
}
#define _cleanup_agent_ __attribute__((cleanup(agent_freep)))

int agent_open(const char *path, uint64_t timeout_usec, struct agent **ret);
int agent_send(struct agent *a, uint64_t id, const char *command);
/* Next line before the deadline (CLOCK_MONOTONIC usec); -ETIMEDOUT, -ECONNRESET. */
int agent_read_line(struct agent *a, uint64_t deadline, char **ret, size_t *ret_len);

/* Run command, wait for its answer. -ETIMEDOUT, -EBADMSG (a malformed answer to us). */
int agent_exec(struct agent *a, uint64_t id, const char *command, uint64_t timeout_usec,
	       struct agent_answer *ret);
/* Wait for "HVAGENT READY" or an answer to a probe ("true"), re-probing every few seconds. */
int agent_wait_ready(struct agent *a, uint64_t first_id, uint64_t timeout_usec);

/* A request id that a previous session's late answers are unlikely to share. */
uint64_t agent_new_id(void);

#endif /* HVHOST_AGENT_H */
