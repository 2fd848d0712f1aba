// SPDX-License-Identifier: MIT
/*
 * hvhost's QMP client: message classification on canned JSON, then whole
 * exchanges against a scripted server on a socketpair (greeting,
 * capabilities, events between replies, errors, stale replies, timeouts,
 * hangups and garbage), and the checked getters for QMP answers.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hvhost.h"
#include "log.h"
#include "qmp.h"
#include "test-hvhost-fake.h"
#include "testlib.h"
#include "util.h"

#define SHORT_USEC (300ULL * USEC_PER_MSEC)

static void quiet(int level, const char *message, void *userdata)
{
	(void)level;
	(void)message;
	(void)userdata;
}

static json_object *J(const char *text)
{
	json_object *o = json_tokener_parse(text);

	ck_assert_msg(o != NULL, "bad test JSON: %s", text);
	return o;
}

static enum qmp_msg_kind classify(const char *text)
{
	json_object *o = J(text);
	enum qmp_msg_kind k = qmp_classify(o);

	json_object_put(o);
	return k;
}

START_TEST(qmp__classify_canned_messages)
{
	ck_assert_int_eq(classify(FAKE_GREETING), QMP_MSG_GREETING);
	ck_assert_int_eq(classify("{\"return\": {}}"), QMP_MSG_RETURN);
	ck_assert_int_eq(classify("{\"return\": [], \"id\": 3}"), QMP_MSG_RETURN);
	ck_assert_int_eq(classify("{\"return\": null}"), QMP_MSG_RETURN);
	ck_assert_int_eq(classify("{\"error\": {\"class\": \"GenericError\", \"desc\": \"x\"}}"),
			 QMP_MSG_ERROR);
	ck_assert_int_eq(classify("{\"error\": {\"desc\": \"no class\"}}"), QMP_MSG_ERROR);
	ck_assert_int_eq(classify("{\"error\": {\"class\": \"GenericError\"}}"), QMP_MSG_INVALID);
	ck_assert_int_eq(classify("{\"error\": \"flat\"}"), QMP_MSG_INVALID);
	ck_assert_int_eq(classify("{\"error\": {\"desc\": 5}}"), QMP_MSG_INVALID);
	ck_assert_int_eq(classify("{\"event\": \"SHUTDOWN\", \"data\": {}, \"timestamp\": {}}"),
			 QMP_MSG_EVENT);
	ck_assert_int_eq(classify("{\"event\": 7}"), QMP_MSG_INVALID);
	ck_assert_int_eq(classify("{\"QMP\": 1}"), QMP_MSG_INVALID);
	ck_assert_int_eq(classify("{\"hello\": 1}"), QMP_MSG_INVALID);
	ck_assert_int_eq(classify("[1, 2]"), QMP_MSG_INVALID);
	ck_assert_int_eq(qmp_classify(NULL), QMP_MSG_INVALID);
}
END_TEST

START_TEST(qmp__reply_matches_its_id)
{
	json_object *o;

	o = J("{\"return\": {}, \"id\": 5}");
	ck_assert(qmp_reply_matches(o, 5));
	ck_assert(!qmp_reply_matches(o, 6));
	json_object_put(o);
	o = J("{\"return\": {}}");
	ck_assert(qmp_reply_matches(o, 9));
	json_object_put(o);
	o = J("{\"return\": {}, \"id\": \"5\"}");
	ck_assert(!qmp_reply_matches(o, 5));
	json_object_put(o);
	o = J("{\"return\": {}, \"id\": -5}");
	ck_assert(!qmp_reply_matches(o, (uint64_t)-5));
	json_object_put(o);
}
END_TEST

START_TEST(qmp__error_describe)
{
	char *cls = NULL, *desc = NULL;
	json_object *o;

	o = J("{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x has not been "
	      "found\"}, \"id\": 1}");
	ck_assert_int_eq(qmp_error_describe(o, &cls, &desc), 0);
	ck_assert_str_eq(cls, "CommandNotFound");
	ck_assert_str_eq(desc, "The command x has not been found");
	free(cls);
	free(desc);
	json_object_put(o);

	o = J("{\"error\": {\"class\": 3, \"desc\": \"d\"}}");
	ck_assert_int_eq(qmp_error_describe(o, &cls, &desc), 0);
	ck_assert_str_eq(cls, "GenericError");
	free(cls);
	free(desc);
	json_object_put(o);

	o = J("{\"return\": {}}");
	ck_assert_int_eq(qmp_error_describe(o, &cls, &desc), -EINVAL);
	json_object_put(o);
}
END_TEST

START_TEST(qmp__parse_line_takes_one_object)
{
	static const char *const bad[] = {
		"", "   ", "{", "}", "[1]", "\"s\"", "42", "{} {}", "{}x", "{\"a\": 1,}", "nul",
	};
	json_object *o = NULL;

	ck_assert_int_eq(qmp_parse_line("{\"return\": {}}\r", 15, &o), 0);
	json_object_put(o);
	ck_assert_int_eq(qmp_parse_line(" {\"a\": [1, 2]}  ", 16, &o), 0);
	json_object_put(o);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = NULL;
		ck_assert_msg(qmp_parse_line(bad[i], strlen(bad[i]), &o) == -EPROTO, "%s", bad[i]);
		ck_assert_ptr_null(o);
	}
}
END_TEST

/* A client and a scripted server on a socketpair. */
static struct qmp *pair(struct fake_qmp *f, const struct fake_step *steps, size_t n,
			uint64_t timeout_usec)
{
	int sv[2];
	struct qmp *q;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	f->fd = sv[1];
	f->listen_fd = -1;
	f->steps = steps;
	f->n_steps = n;
	fake_qmp_start(f);
	q = qmp_new(sv[0], timeout_usec);
	ck_assert_ptr_nonnull(q);
	return q;
}

#define CAPS                                                           \
	{                                                              \
		"qmp_capabilities", "{\"return\": {}, \"id\": %ID%}\n" \
	}

START_TEST(qmp__handshake_and_execute_skip_events)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "query-hv-heartbeat",
		  "{\"event\": \"RESET\", \"data\": {\"guest\": true}, \"timestamp\": {}}\r\n"
		  "\r\n"
		  "{\"return\": {\"state\": \"ok\", \"sequence\": 12, \"last-ms\": 800}, "
		  "\"id\": %ID%}\r\n" },
	};
	struct fake_qmp f = { .greeting = NULL };
	struct qmp *q = pair(&f, steps, 2, 5 * USEC_PER_SEC);
	json_object *ret = NULL, *v, *ev = NULL;

	ck_assert_int_eq(qmp_handshake(q), 0);
	ck_assert_int_eq(qmp_execute(q, "query-hv-heartbeat", NULL, &ret), 0);
	ck_assert(json_object_object_get_ex(ret, "sequence", &v));
	ck_assert_int_eq(json_object_get_int(v), 12);
	json_object_put(ret);
	/* The event was kept for whoever waits for one. */
	ck_assert_uint_eq(q->n_events, 1);
	ck_assert_int_eq(qmp_wait_event(q, "RESET", NULL, NULL, SHORT_USEC, &ev), 0);
	ck_assert_uint_eq(q->n_events, 0);
	json_object_put(ev);
	fake_qmp_join(&f);
	ck_assert_str_eq(f.mismatch, "");
	qmp_free(q);
}
END_TEST

START_TEST(qmp__sends_arguments_and_ids)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "hv-kvp-get",
		  "{\"return\": {\"key\": \"k\", \"value\": \"v\"}, \"id\": %ID%}\n" },
	};
	struct fake_qmp f = {};
	struct qmp *q = pair(&f, steps, 2, 5 * USEC_PER_SEC);
	json_object *args = json_object_new_object(), *ret = NULL;

	ck_assert_int_eq(qmp_handshake(q), 0);
	json_object_object_add(args, "pool", json_object_new_int(1));
	json_object_object_add(args, "key", json_object_new_string("a\"b"));
	ck_assert_int_eq(qmp_execute(q, "hv-kvp-get", args, &ret), 0);
	json_object_put(ret);
	fake_qmp_join(&f);
	ck_assert_str_eq(f.last_args, "{\"pool\":1,\"key\":\"a\\\"b\"}");
	qmp_free(q);
}
END_TEST

START_TEST(qmp__error_reply_is_eremoteio)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "hv-vss-freeze", "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The "
				   "command hv-vss-freeze has not been found\"}, \"id\": %ID%}\n" },
		{ "hv-vss-thaw", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"guest "
				 "answered status 0x80004005 (HV_E_FAIL)\"}, \"id\": %ID%}\n" },
		{ "query-status", "{\"return\": {\"status\": \"running\"}, \"id\": %ID%}\n" },
	};
	struct fake_qmp f = {};
	struct qmp *q = pair(&f, steps, 4, 5 * USEC_PER_SEC);
	json_object *ret = (json_object *)0x1;

	ck_assert_int_eq(qmp_handshake(q), 0);
	ck_assert_int_eq(qmp_execute(q, "hv-vss-freeze", NULL, &ret), -EREMOTEIO);
	ck_assert_ptr_eq(ret, (json_object *)0x1);
	ck_assert_str_eq(q->error_class, "CommandNotFound");
	ck_assert_str_eq(q->error_desc, "The command hv-vss-freeze has not been found");
	ck_assert_int_eq(qmp_execute(q, "hv-vss-thaw", NULL, NULL), -EREMOTEIO);
	ck_assert_str_eq(q->error_class, "GenericError");
	/* A later success clears the error. */
	ck_assert_int_eq(qmp_execute(q, "query-status", NULL, NULL), 0);
	ck_assert_ptr_null(q->error_class);
	fake_qmp_join(&f);
	ck_assert_str_eq(f.mismatch, "");
	qmp_free(q);
}
END_TEST

START_TEST(qmp__skips_stale_replies)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "query-hv-ics", "{\"return\": [\"stale\"], \"id\": 999}\n"
				  "{\"error\": {\"desc\": \"stale too\"}, \"id\": 998}\n"
				  "{\"QMP\": {}}\n"
				  "{\"return\": [], \"id\": %ID%}\n" },
	};
	struct fake_qmp f = {};
	struct qmp *q = pair(&f, steps, 2, 5 * USEC_PER_SEC);
	json_object *ret = NULL;

	ck_assert_int_eq(qmp_handshake(q), 0);
	ck_assert_int_eq(qmp_execute(q, "query-hv-ics", NULL, &ret), 0);
	ck_assert(json_object_is_type(ret, json_type_array));
	ck_assert_uint_eq(json_object_array_length(ret), 0);
	json_object_put(ret);
	fake_qmp_join(&f);
	qmp_free(q);
}
END_TEST

START_TEST(qmp__wait_event_before_and_after_reply)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "device_del",
		  "{\"event\": \"DEVICE_DELETED\", \"data\": {\"path\": \"/machine/peripheral/kvp/"
		  "bus\"}, \"timestamp\": {}}\n"
		  "{\"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"other\"}, \"timestamp\": {}}\n"
		  "{\"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"kvp\"}, \"timestamp\": {}}\n"
		  "{\"return\": {}, \"id\": %ID%}\n" },
		{ "device_del", "{\"return\": {}, \"id\": %ID%}\n" },
		{ NULL, "{\"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"vss\"}, "
			"\"timestamp\": {}}\n" },
	};
	struct fake_qmp f = { .linger = true };
	struct qmp *q = pair(&f, steps, 4, 5 * USEC_PER_SEC);
	json_object *ev = NULL, *v;

	ck_assert_int_eq(qmp_handshake(q), 0);
	ck_assert_int_eq(qmp_execute(q, "device_del", NULL, NULL), 0);
	ck_assert_uint_eq(q->n_events, 3);
	ck_assert_int_eq(qmp_wait_event(q, "DEVICE_DELETED", "device", "kvp", SHORT_USEC, &ev), 0);
	ck_assert(json_object_object_get_ex(ev, "data", &v));
	json_object_put(ev);
	ck_assert_uint_eq(q->n_events, 2);
	/* Second: the event comes after the reply. */
	ck_assert_int_eq(qmp_execute(q, "device_del", NULL, NULL), 0);
	ck_assert_int_eq(
		qmp_wait_event(q, "DEVICE_DELETED", "device", "vss", 5 * USEC_PER_SEC, NULL), 0);
	/* Nothing more comes: a timeout, not a hang. */
	ck_assert_int_eq(qmp_wait_event(q, "DEVICE_DELETED", "device", "fcopy", SHORT_USEC, NULL),
			 -ETIMEDOUT);
	qmp_free(q);
	fake_qmp_join(&f);
}
END_TEST

START_TEST(qmp__reply_timeout)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "hv-vss-freeze", "" },
	};
	struct fake_qmp f = { .linger = true };
	struct qmp *q = pair(&f, steps, 2, SHORT_USEC);
	uint64_t start;

	ck_assert_int_eq(qmp_handshake(q), 0);
	start = now_usec(CLOCK_MONOTONIC);
	ck_assert_int_eq(qmp_execute(q, "hv-vss-freeze", NULL, NULL), -ETIMEDOUT);
	ck_assert_uint_ge(now_usec(CLOCK_MONOTONIC) - start, SHORT_USEC - 10000);
	qmp_free(q);
	fake_qmp_join(&f);
}
END_TEST

START_TEST(qmp__hangup_is_econnreset)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "quit", "{\"return\": {}, \"id\": %ID%}\n{\"event\": \"SHUTDOWN\"}\n" },
		{ NULL, NULL },
	};
	static const struct fake_step steps2[] = {
		CAPS,
		{ "query-hv-ics", NULL },
	};
	struct fake_qmp f = {};
	struct qmp *q = pair(&f, steps, 3, 5 * USEC_PER_SEC);

	ck_assert_int_eq(qmp_handshake(q), 0);
	ck_assert_int_eq(qmp_execute(q, "quit", NULL, NULL), 0);
	ck_assert_int_eq(qmp_wait_hangup(q, 5 * USEC_PER_SEC), 0);
	ck_assert_int_eq(qmp_execute(q, "query-hv-ics", NULL, NULL), -ECONNRESET);
	qmp_free(q);
	fake_qmp_join(&f);

	q = pair(&f, steps2, 2, 5 * USEC_PER_SEC);
	ck_assert_int_eq(qmp_handshake(q), 0);
	ck_assert_int_eq(qmp_execute(q, "query-hv-ics", NULL, NULL), -ECONNRESET);
	qmp_free(q);
	fake_qmp_join(&f);
}
END_TEST

START_TEST(qmp__garbage_is_eproto)
{
	static const struct fake_step bad_greeting[] = { { NULL, NULL } };
	static const struct fake_step junk[] = {
		CAPS,
		{ "query-hv-ics", "Hello from not-QEMU \x1b[2J\n" },
	};
	static const struct fake_step not_qmp[] = {
		CAPS,
		{ "query-hv-ics", "{\"bogus\": 1}\n" },
	};
	struct fake_qmp f = { .greeting = "{\"return\": {}}\n" };
	struct qmp *q = pair(&f, bad_greeting, 1, 5 * USEC_PER_SEC);

	ck_assert_int_eq(qmp_handshake(q), -EPROTO);
	qmp_free(q);
	fake_qmp_join(&f);

	f = (struct fake_qmp){ .greeting = NULL, .linger = true };
	q = pair(&f, junk, 2, 5 * USEC_PER_SEC);
	ck_assert_int_eq(qmp_handshake(q), 0);
	ck_assert_int_eq(qmp_execute(q, "query-hv-ics", NULL, NULL), -EPROTO);
	ck_assert_ptr_nonnull(q->error_desc);
	qmp_free(q);
	fake_qmp_join(&f);

	f = (struct fake_qmp){ .greeting = NULL, .linger = true };
	q = pair(&f, not_qmp, 2, 5 * USEC_PER_SEC);
	ck_assert_int_eq(qmp_handshake(q), 0);
	ck_assert_int_eq(qmp_execute(q, "query-hv-ics", NULL, NULL), -EPROTO);
	qmp_free(q);
	fake_qmp_join(&f);
}
END_TEST

static void *flood(void *userdata)
{
	int fd = *(int *)userdata;
	static char chunk[65536];

	memset(chunk, 'x', sizeof(chunk));
	/* A "line" that never ends, beyond QMP_MAX_LINE; stops when the client hangs up. */
	for (size_t sent = 0; sent <= QMP_MAX_LINE + sizeof(chunk); sent += sizeof(chunk))
		if (send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL) <= 0)
			break;
	return NULL;
}

START_TEST(qmp__endless_line_is_refused)
{
	int sv[2];
	pthread_t t;
	struct qmp *q;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, flood, &sv[1]), 0);
	q = qmp_new(sv[0], 10 * USEC_PER_SEC);
	ck_assert_int_eq(qmp_handshake(q), -EMSGSIZE);
	qmp_free(q);
	pthread_join(t, NULL);
	close(sv[1]);
}
END_TEST

START_TEST(qmp__unix_connect_errors)
{
	char *dir = tl_mkdtemp("hvhost-qmp"), *path = NULL, longp[200];
	struct fake_qmp f = {};
	static const struct fake_step steps[] = { CAPS };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct qmp *q = NULL;
	int fd, lfd;

	ck_assert_int_eq(asprintf(&path, "%s/qmp.sock", dir) > 0, 1);
	ck_assert_int_eq(qmp_unix_connect(path, 0, &fd), -ENOENT);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	ck_assert_int_eq(qmp_unix_connect(longp, 0, &fd), -ENAMETOOLONG);

	/* A real listener: qmp_open does connect, greeting and capabilities. */
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	strcpy(sa.sun_path, path);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(lfd, 1), 0);
	f.fd = -1;
	f.listen_fd = lfd;
	f.steps = steps;
	f.n_steps = 1;
	fake_qmp_start(&f);
	ck_assert_int_eq(qmp_open(path, 5 * USEC_PER_SEC, &q), 0);
	fake_qmp_join(&f);
	qmp_free(q);
	close(lfd);
	/* Nobody listens any more: refused, after the retries. */
	ck_assert_int_eq(qmp_unix_connect(path, 200 * USEC_PER_MSEC, &fd), -ECONNREFUSED);
	free(path);
	tl_rm_rf(dir);
	free(dir);
}
END_TEST

START_TEST(qmp__checked_getters)
{
	json_object *o = J("{\"status\": 2147500037, \"neg\": -1, \"big\": 4294967296, "
			   "\"s\": \"x\", \"n\": null, \"f\": 1.5}");
	const char *s;
	uint32_t u;
	uint64_t v;
	char buf[48];

	ck_assert_int_eq(hvhost_get_u32(o, "t", "status", &u), 0);
	ck_assert_uint_eq(u, 0x80004005u);
	u = 7;
	ck_assert_int_eq(hvhost_get_u32(o, "t", "neg", &u), -EBADMSG);
	ck_assert_int_eq(hvhost_get_u32(o, "t", "big", &u), -EBADMSG);
	ck_assert_int_eq(hvhost_get_u32(o, "t", "missing", &u), -EBADMSG);
	ck_assert_int_eq(hvhost_get_u32(o, "t", "s", &u), -EBADMSG);
	ck_assert_int_eq(hvhost_get_u32(o, "t", "f", &u), -EBADMSG);
	ck_assert_uint_eq(u, 7);
	ck_assert_int_eq(hvhost_get_u64(o, "t", "big", &v), 0);
	ck_assert_uint_eq(v, 4294967296ULL);
	ck_assert_int_eq(hvhost_get_string(o, "t", "s", &s), 0);
	ck_assert_str_eq(s, "x");
	ck_assert_int_eq(hvhost_get_string(o, "t", "n", &s), -EBADMSG);
	ck_assert_int_eq(hvhost_get_u32(NULL, "t", "status", &u), -EBADMSG);
	ck_assert_int_eq(hvhost_expect_object(o, "t"), 0);
	ck_assert_int_eq(hvhost_expect_array(o, "t"), -EBADMSG);
	ck_assert_int_eq(hvhost_expect_object(NULL, "t"), -EBADMSG);
	json_object_put(o);

	ck_assert_str_eq(hvhost_status_text(0x80004005u, buf, sizeof(buf)),
			 "0x80004005 (HV_E_FAIL)");
	ck_assert_str_eq(hvhost_status_text(0, buf, sizeof(buf)), "0x00000000 (HV_S_OK)");
	ck_assert_str_eq(hvhost_status_text(0x80070103u, buf, sizeof(buf)),
			 "0x80070103 (HV_S_CONT)");
	ck_assert_str_eq(hvhost_status_text(0x12345678u, buf, sizeof(buf)), "0x12345678");
	ck_assert_ptr_null(hvhost_status_name(1));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hvhost-qmp");

	log_set_sink(quiet, NULL);
	tl_add_test(s, "qmp__classify_canned_messages", qmp__classify_canned_messages);
	tl_add_test(s, "qmp__reply_matches_its_id", qmp__reply_matches_its_id);
	tl_add_test(s, "qmp__error_describe", qmp__error_describe);
	tl_add_test(s, "qmp__parse_line_takes_one_object", qmp__parse_line_takes_one_object);
	tl_add_test(s, "qmp__handshake_and_execute_skip_events", qmp__handshake_and_execute_skip_events);
	tl_add_test(s, "qmp__sends_arguments_and_ids", qmp__sends_arguments_and_ids);
	tl_add_test(s, "qmp__error_reply_is_eremoteio", qmp__error_reply_is_eremoteio);
	tl_add_test(s, "qmp__skips_stale_replies", qmp__skips_stale_replies);
	tl_add_test(s, "qmp__wait_event_before_and_after_reply", qmp__wait_event_before_and_after_reply);
	tl_add_test(s, "qmp__reply_timeout", qmp__reply_timeout);
	tl_add_test(s, "qmp__hangup_is_econnreset", qmp__hangup_is_econnreset);
	tl_add_test(s, "qmp__garbage_is_eproto", qmp__garbage_is_eproto);
	tl_add_test(s, "qmp__endless_line_is_refused", qmp__endless_line_is_refused);
	tl_add_test(s, "qmp__unix_connect_errors", qmp__unix_connect_errors);
	tl_add_test(s, "qmp__checked_getters", qmp__checked_getters);
	return tl_run_suite(s);
}
