/* SPDX-License-Identifier: MIT */
/*
 * A QMP client: one connection, one command in flight, asynchronous events
 * queued so that a caller can wait for one (DEVICE_DELETED) even when it
 * arrives before the command's reply.
 */
#ifndef HVHOST_QMP_H
#define HVHOST_QMP_H

#include <json.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "recvbuf.h"

#define QMP_DEFAULT_TIMEOUT_USEC (60ULL * 1000000ULL)
#define QMP_MAX_LINE (16u * 1024u * 1024u)
#define QMP_MAX_EVENTS 256u

enum qmp_msg_kind {
	QMP_MSG_INVALID, /* not a QMP message at all */
	QMP_MSG_GREETING, /* {"QMP": {...}} */
	QMP_MSG_RETURN, /* {"return": ..., "id"?} */
	QMP_MSG_ERROR, /* {"error": {"class", "desc"}, "id"?} */
	QMP_MSG_EVENT, /* {"event": "NAME", "data"?, "timestamp"} */
};

struct qmp {
	int fd;
	uint64_t timeout_usec; /* for connect and for each reply */
	/* When set and non-zero, waits return -EINTR (a signal asked to stop). */
	const volatile sig_atomic_t *cancel;

	struct recvbuf in; /* bytes received, not yet a whole line */
	size_t scanned; /* in.buf[0..scanned) has no '\n' */
	uint64_t next_id;

	json_object *events[QMP_MAX_EVENTS]; /* oldest first */
	size_t n_events;
	size_t events_dropped;

	/* The last QMP error: class and description, for the caller to print. */
	char *error_class;
	char *error_desc;
};

/* Take ownership of a connected stream socket (tests use a socketpair). */
struct qmp *qmp_new(int fd, uint64_t timeout_usec);
struct qmp *qmp_free(struct qmp *q);
static inline void qmp_freep(struct qmp **q)
{
	qmp_free(*q);
}
#define _cleanup_qmp_ __attribute__((cleanup(qmp_freep)))

/* connect(2) to a unix socket, retrying ECONNREFUSED/ENOENT until timeout_usec. */
int qmp_unix_connect(const char *path, uint64_t timeout_usec, int *ret_fd);

/* Read the greeting and negotiate capabilities: the connection is ready for commands. */
int qmp_handshake(struct qmp *q);
/* qmp_unix_connect + qmp_new + qmp_handshake. */
int qmp_open(const char *path, uint64_t timeout_usec, struct qmp **ret);

/*
 * Run a command. args (may be NULL) is always consumed. On success *ret (if
 * non-NULL) is the "return" value, with a reference of its own (json-c
 * represents a JSON null as NULL, so *ret may be NULL). A QMP error returns
 * -EREMOTEIO with q->error_class/error_desc set; -ETIMEDOUT, -ECONNRESET
 * (QEMU closed the socket), -EPROTO (an answer that is not QMP).
 */
int qmp_execute(struct qmp *q, const char *command, json_object *args, json_object **ret);
/* Same with its own reply timeout (FREEZE may take 900 s in the guest). */
int qmp_execute_timeout(struct qmp *q, const char *command, json_object *args,
			uint64_t timeout_usec, json_object **ret);

/*
 * Wait for an event named name whose data has the string member
 * data_key == data_value (both may be NULL to match any). Queued events are
 * looked at first. *ret (if non-NULL) gets the whole event.
 */
int qmp_wait_event(struct qmp *q, const char *name, const char *data_key, const char *data_value,
		   uint64_t timeout_usec, json_object **ret);

/* Wait until QEMU closes the connection (after "quit"); -ETIMEDOUT otherwise. */
int qmp_wait_hangup(struct qmp *q, uint64_t timeout_usec);

/*
 * Pure helpers, for the tests and the code above.
 * qmp_classify: what kind of message obj is; a message of known kind with
 * malformed members (an "error" that is not an object with a string
 * "desc") is QMP_MSG_INVALID.
 */
enum qmp_msg_kind qmp_classify(json_object *obj);
/* Does a reply belong to the command with this id? Replies without an id do. */
bool qmp_reply_matches(json_object *reply, uint64_t id);
/* "CommandNotFound: The command x has not been found" style text of an error reply. */
int qmp_error_describe(json_object *reply, char **ret_class, char **ret_desc);
/* Parse one line of QMP output into a JSON object; -EPROTO if it is not one. */
int qmp_parse_line(const char *line, size_t len, json_object **ret);

#endif /* HVHOST_QMP_H */
