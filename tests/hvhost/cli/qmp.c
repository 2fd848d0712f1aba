// SPDX-License-Identifier: MIT
/*
 * QMP client. QEMU writes one JSON object per line ("\r\n" terminated);
 * each line is parsed on its own, so a broken message costs one line, not
 * the connection's framing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "qmp.h"
#include "util.h"

#define QMP_READ_CHUNK 65536u
#define QMP_CONNECT_RETRY_USEC (100ULL * 1000ULL)

struct qmp *qmp_new(int fd, uint64_t timeout_usec)
{
	struct qmp *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->fd = fd;
	q->timeout_usec = timeout_usec ? timeout_usec : QMP_DEFAULT_TIMEOUT_USEC;
	q->next_id = 1;
	return q;
}

static void qmp_clear_error(struct qmp *q)
{
	free(q->error_class);
	free(q->error_desc);
	q->error_class = NULL;
	q->error_desc = NULL;
}

static void qmp_set_error(struct qmp *q, const char *cls, const char *desc)
{
	qmp_clear_error(q);
	q->error_class = strdup(cls);
	q->error_desc = strdup(desc);
}

struct qmp *qmp_free(struct qmp *q)
{
	if (!q)
		return NULL;
	safe_close(q->fd);
	for (size_t i = 0; i < q->n_events; i++)
		json_object_put(q->events[i]);
	qmp_clear_error(q);
	free(q->in.buf);
	free(q);
	return NULL;
}

int qmp_unix_connect(const char *path, uint64_t timeout_usec, int *ret_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint64_t deadline = now_usec(CLOCK_MONOTONIC) + timeout_usec;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);

	for (;;) {
		_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct timespec ts = { 0, (long)(QMP_CONNECT_RETRY_USEC * 1000) };

		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			*ret_fd = TAKE_FD(fd);
			return 0;
		}
		/* Not listening yet (QEMU starting) or a backlog that is full: retry. */
		if (errno != ENOENT && errno != ECONNREFUSED && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (now_usec(CLOCK_MONOTONIC) >= deadline)
			return -errno;
		(void)nanosleep(&ts, NULL);
	}
}

int qmp_parse_line(const char *line, size_t len, json_object **ret)
{
	json_tokener *tok;
	json_object *obj;
	enum json_tokener_error jerr;

	if (len > INT32_MAX)
		return -EPROTO;
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	/* QEMU writes strict JSON; anything looser is not QEMU talking. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, line, (int)len);
	jerr = json_tokener_get_error(tok);
	/* Whatever follows the object on its line (only whitespace is fine). */
	if (obj && jerr == json_tokener_success) {
		size_t used = json_tokener_get_parse_end(tok);

		for (size_t i = used; i < len; i++) {
			if (!strchr(" \t\r\n", line[i])) {
				json_object_put(obj);
				obj = NULL;
				break;
			}
		}
	} else {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	if (!obj || !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return -EPROTO;
	}
	*ret = obj;
	return 0;
}

enum qmp_msg_kind qmp_classify(json_object *obj)
{
	json_object *v;

	if (!obj || !json_object_is_type(obj, json_type_object))
		return QMP_MSG_INVALID;
	if (json_object_object_get_ex(obj, "return", &v))
		return QMP_MSG_RETURN;
	if (json_object_object_get_ex(obj, "error", &v)) {
		json_object *desc;

		if (!json_object_is_type(v, json_type_object) ||
		    !json_object_object_get_ex(v, "desc", &desc) ||
		    !json_object_is_type(desc, json_type_string))
			return QMP_MSG_INVALID;
		return QMP_MSG_ERROR;
	}
	if (json_object_object_get_ex(obj, "event", &v))
		return json_object_is_type(v, json_type_string) ? QMP_MSG_EVENT : QMP_MSG_INVALID;
	if (json_object_object_get_ex(obj, "QMP", &v))
		return json_object_is_type(v, json_type_object) ? QMP_MSG_GREETING :
								  QMP_MSG_INVALID;
	return QMP_MSG_INVALID;
}

bool qmp_reply_matches(json_object *reply, uint64_t id)
{
	json_object *v;

	/* QEMU leaves the id out only when it could not read the request. */
	if (!json_object_object_get_ex(reply, "id", &v))
		return true;
	return json_object_is_type(v, json_type_int) && json_object_get_uint64(v) == id &&
	       json_object_get_int64(v) >= 0;
}

int qmp_error_describe(json_object *reply, char **ret_class, char **ret_desc)
{
	json_object *err, *cls, *desc;
	const char *c = "GenericError";
	char *a, *b;

	if (qmp_classify(reply) != QMP_MSG_ERROR)
		return -EINVAL;
	(void)json_object_object_get_ex(reply, "error", &err);
	(void)json_object_object_get_ex(err, "desc", &desc);
	if (json_object_object_get_ex(err, "class", &cls) &&
	    json_object_is_type(cls, json_type_string))
		c = json_object_get_string(cls);
	a = strdup(c);
	b = strdup(json_object_get_string(desc));
	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	*ret_class = a;
	*ret_desc = b;
	return 0;
}

/* One whole line from the buffer, if there is one; *ret is malloc'ed. */
static int take_line(struct qmp *q, char **ret, size_t *ret_len)
{
	char *nl =
		q->in.len > q->scanned ? memchr(q->in.buf + q->scanned, '\n', q->in.len - q->scanned) : NULL;
	size_t n;
	char *line;

	if (!nl) {
		q->scanned = q->in.len;
		return 0;
	}
	q->scanned = 0;
	n = (size_t)(nl - q->in.buf);
	line = malloc(n + 1);
	if (!line)
		return -ENOMEM;
	memcpy(line, q->in.buf, n);
	line[n] = '\0';
	memmove(q->in.buf, nl + 1, q->in.len - n - 1);
	q->in.len -= n + 1;
	*ret = line;
	*ret_len = n;
	return 1;
}

static int fill(struct qmp *q, uint64_t deadline)
{
	if (q->in.len >= QMP_MAX_LINE)
		return -EMSGSIZE;
	return recvbuf_fill(&q->in, q->fd, QMP_READ_CHUNK, deadline, q->cancel);
}

/* The next message QEMU sends, skipping blank lines. */
static int read_message(struct qmp *q, uint64_t deadline, json_object **ret)
{
	for (;;) {
		_cleanup_free_ char *line = NULL;
		size_t len;
		int r;

		r = take_line(q, &line, &len);
		if (r < 0)
			return r;
		if (r == 0) {
			r = fill(q, deadline);
			if (r < 0)
				return r;
			continue;
		}
		if (len == strspn(line, " \t\r"))
			continue;
		r = qmp_parse_line(line, len, ret);
		if (r < 0) {
			char shown[81];

			snprintf(shown, sizeof(shown), "%s", line);
			for (char *p = shown; *p; p++)
				if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
					*p = '?';
			qmp_set_error(q, "Protocol", "QEMU sent a line that is not a JSON object");
			log_debug("QMP: not JSON: %s", shown);
			return -EPROTO;
		}
		return 0;
	}
}

static void queue_event(struct qmp *q, json_object *ev)
{
	if (q->n_events == QMP_MAX_EVENTS) {
		json_object_put(q->events[0]);
		memmove(q->events, q->events + 1, (QMP_MAX_EVENTS - 1) * sizeof(q->events[0]));
		q->n_events--;
		q->events_dropped++;
	}
	q->events[q->n_events++] = ev;
}

static int send_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EPIPE ? -ECONNRESET : -errno;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int qmp_handshake(struct qmp *q)
{
	uint64_t deadline = now_usec(CLOCK_MONOTONIC) + q->timeout_usec;
	json_object *greeting = NULL;
	int r;

	r = read_message(q, deadline, &greeting);
	if (r < 0)
		return r;
	if (qmp_classify(greeting) != QMP_MSG_GREETING) {
		json_object_put(greeting);
		qmp_set_error(q, "Protocol", "the first message is not a QMP greeting");
		return -EPROTO;
	}
	json_object_put(greeting);
	return qmp_execute(q, "qmp_capabilities", NULL, NULL);
}

int qmp_open(const char *path, uint64_t timeout_usec, struct qmp **ret)
{
	_cleanup_qmp_ struct qmp *q = NULL;
	int fd, r;

	r = qmp_unix_connect(path, timeout_usec, &fd);
	if (r < 0)
		return r;
	q = qmp_new(fd, timeout_usec);
	if (!q) {
		safe_close(fd);
		return -ENOMEM;
	}
	r = qmp_handshake(q);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(q);
	return 0;
}

int qmp_execute_timeout(struct qmp *q, const char *command, json_object *args,
			uint64_t timeout_usec, json_object **ret)
{
	json_object *req = json_object_new_object();
	uint64_t id = q->next_id++;
	uint64_t deadline;
	_cleanup_free_ char *text = NULL;
	int r;

	qmp_clear_error(q);
	if (!req) {
		json_object_put(args);
		return -ENOMEM;
	}
	json_object_object_add(req, "execute", json_object_new_string(command));
	if (args)
		json_object_object_add(req, "arguments", args);
	json_object_object_add(req, "id", json_object_new_uint64(id));
	if (asprintf(&text, "%s\n", json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN)) <
	    0) {
		text = NULL;
		json_object_put(req);
		return -ENOMEM;
	}
	json_object_put(req);
	log_debug("QMP -> %s", text);

	r = send_all(q->fd, text, strlen(text));
	if (r < 0)
		return r;

	deadline = now_usec(CLOCK_MONOTONIC) + timeout_usec;
	for (;;) {
		json_object *msg = NULL;

		r = read_message(q, deadline, &msg);
		if (r < 0)
			return r;
		switch (qmp_classify(msg)) {
		case QMP_MSG_EVENT:
			queue_event(q, msg);
			continue;
		case QMP_MSG_RETURN:
			if (!qmp_reply_matches(msg, id))
				break;
			if (ret) {
				json_object *v;

				(void)json_object_object_get_ex(msg, "return", &v);
				*ret = json_object_get(v);
			}
			json_object_put(msg);
			return 0;
		case QMP_MSG_ERROR:
			if (!qmp_reply_matches(msg, id))
				break;
			qmp_clear_error(q);
			r = qmp_error_describe(msg, &q->error_class, &q->error_desc);
			json_object_put(msg);
			return r < 0 ? r : -EREMOTEIO;
		case QMP_MSG_GREETING:
			break;
		case QMP_MSG_INVALID:
		default:
			json_object_put(msg);
			qmp_set_error(q, "Protocol", "QEMU sent a message that is not QMP");
			return -EPROTO;
		}
		/* A stale reply (an earlier command of ours that timed out) or a greeting. */
		log_debug("QMP: skipping %s", json_object_to_json_string(msg));
		json_object_put(msg);
	}
}

int qmp_execute(struct qmp *q, const char *command, json_object *args, json_object **ret)
{
	return qmp_execute_timeout(q, command, args, q->timeout_usec, ret);
}

static bool event_matches(json_object *ev, const char *name, const char *data_key,
			  const char *data_value)
{
	json_object *v, *data;

	if (!json_object_object_get_ex(ev, "event", &v) ||
	    !json_object_is_type(v, json_type_string))
		return false;
	if (name && !streq(json_object_get_string(v), name))
		return false;
	if (!data_key)
		return true;
	if (!json_object_object_get_ex(ev, "data", &data) ||
	    !json_object_is_type(data, json_type_object) ||
	    !json_object_object_get_ex(data, data_key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return false;
	return !data_value || streq(json_object_get_string(v), data_value);
}

int qmp_wait_event(struct qmp *q, const char *name, const char *data_key, const char *data_value,
		   uint64_t timeout_usec, json_object **ret)
{
	uint64_t deadline = now_usec(CLOCK_MONOTONIC) + timeout_usec;
	int r;

	for (size_t i = 0; i < q->n_events; i++) {
		json_object *ev = q->events[i];

		if (!event_matches(ev, name, data_key, data_value))
			continue;
		memmove(q->events + i, q->events + i + 1,
			(q->n_events - i - 1) * sizeof(q->events[0]));
		q->n_events--;
		if (ret)
			*ret = ev;
		else
			json_object_put(ev);
		return 0;
	}

	for (;;) {
		json_object *msg = NULL;

		r = read_message(q, deadline, &msg);
		if (r < 0)
			return r;
		if (qmp_classify(msg) == QMP_MSG_EVENT) {
			if (event_matches(msg, name, data_key, data_value)) {
				if (ret)
					*ret = msg;
				else
					json_object_put(msg);
				return 0;
			}
			queue_event(q, msg);
			continue;
		}
		json_object_put(msg);
	}
}

int qmp_wait_hangup(struct qmp *q, uint64_t timeout_usec)
{
	uint64_t deadline = now_usec(CLOCK_MONOTONIC) + timeout_usec;

	for (;;) {
		json_object *msg = NULL;
		int r = read_message(q, deadline, &msg);

		if (r == -ECONNRESET)
			return 0;
		if (r < 0 && r != -EPROTO)
			return r;
		json_object_put(msg);
	}
}
