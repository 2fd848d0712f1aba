// SPDX-License-Identifier: MIT
/*
 * copy-vmfile: Copy-VMFile. QEMU copies in the background; we poll
 * query-hv-fcopy, draw progress on a terminal, and cancel on ^C.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "hvhost.h"
#include "log.h"
#include "util.h"

#define FCOPY_POLL_USEC (200ULL * USEC_PER_MSEC)
#define FCOPY_CANCEL_WAIT_USEC (30ULL * USEC_PER_SEC)

struct fcopy_state {
	const char *state; /* points into obj */
	uint64_t bytes, total;
	uint32_t status;
	const char *error; /* NULL if absent */
	json_object *obj;
};

static void fcopy_state_done(struct fcopy_state *s)
{
	json_object_put(s->obj);
	*s = (struct fcopy_state){};
}

static int query(struct hvhost *h, struct fcopy_state *ret)
{
	struct fcopy_state s = {};
	json_object *v;
	int r;

	r = hvhost_call(h, "query-hv-fcopy", NULL, 0, &s.obj);
	if (r < 0)
		return r;
	if (hvhost_get_string(s.obj, "query-hv-fcopy", "state", &s.state) < 0 ||
	    hvhost_get_u64(s.obj, "query-hv-fcopy", "bytes", &s.bytes) < 0 ||
	    hvhost_get_u64(s.obj, "query-hv-fcopy", "total", &s.total) < 0) {
		fcopy_state_done(&s);
		return -EBADMSG;
	}
	/* status is the guest's last answer; absent before it gave one. */
	if (json_object_object_get_ex(s.obj, "status", &v) &&
	    json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0 &&
	    json_object_get_int64(v) <= UINT32_MAX)
		s.status = (uint32_t)json_object_get_int64(v);
	if (json_object_object_get_ex(s.obj, "error", &v) &&
	    json_object_is_type(v, json_type_string))
		s.error = json_object_get_string(v);
	*ret = s;
	return 0;
}

static double mib(uint64_t bytes)
{
	return (double)bytes / (1024.0 * 1024.0);
}

static double rate_mib(uint64_t bytes, uint64_t usec)
{
	return usec ? mib(bytes) / ((double)usec / USEC_PER_SEC) : 0.0;
}

static void show_progress(const struct fcopy_state *s, uint64_t usec)
{
	unsigned pct = s->total ? (unsigned)(MIN(s->bytes, s->total) * 100 / s->total) : 0;

	fprintf(stderr, "\r%8.1f / %.1f MiB  %3u%%  %6.2f MiB/s ", mib(s->bytes), mib(s->total),
		pct, rate_mib(s->bytes, usec));
	fflush(stderr);
}

static int make_source_path(const char *src, char **ret)
{
	struct stat st;
	char *abs;

	/* QEMU opens the file itself, from its own working directory. */
	abs = realpath(src, NULL);
	if (!abs)
		return log_error_errno(errno, "%s: %m", src);
	if (stat(abs, &st) < 0 || !S_ISREG(st.st_mode)) {
		free(abs);
		return log_error_errno(EINVAL, "%s is not a regular file", src);
	}
	*ret = abs;
	return 0;
}

int hvhost_cmd_copy_vmfile(struct hvhost *h)
{
	const struct hvhost_args *a = h->args;
	bool tty = isatty(STDERR_FILENO) == 1 && !a->json, cancelled = false;
	uint64_t start, last_change, last_bytes = 0, usec;
	_cleanup_free_ char *source = NULL;
	struct fcopy_state s = {};
	json_object *args, *doc;
	char buf[48];
	int r, ret = 0;

	r = make_source_path(a->source, &source);
	if (r < 0)
		return r;
	args = json_object_new_object();
	json_object_object_add(args, "source", json_object_new_string(source));
	json_object_object_add(args, "destination", json_object_new_string(a->destination));
	json_object_object_add(args, "force", json_object_new_boolean(a->force));
	json_object_object_add(args, "create-full-path",
			       json_object_new_boolean(a->create_full_path));

	hvhost_catch_signals();
	start = last_change = now_usec(CLOCK_MONOTONIC);
	r = hvhost_call(h, "hv-fcopy-start", args, 0, NULL);
	if (r < 0)
		return r;

	for (;;) {
		struct timespec ts = { 0, (long)(FCOPY_POLL_USEC * 1000) };
		uint64_t now;

		if (hvhost_interrupted && !cancelled) {
			cancelled = true;
			if (tty)
				fputs("\n", stderr);
			log_warning("interrupted: cancelling the copy");
			r = hvhost_call(h, "hv-fcopy-cancel", NULL, 0, NULL);
			if (r < 0) {
				ret = r;
				break;
			}
			last_change = now_usec(CLOCK_MONOTONIC);
		}
		fcopy_state_done(&s);
		r = query(h, &s);
		if (r < 0) {
			ret = r;
			break;
		}
		now = now_usec(CLOCK_MONOTONIC);
		if (!streq(s.state, "running") && !streq(s.state, "idle"))
			break;
		if (s.bytes != last_bytes) {
			last_bytes = s.bytes;
			last_change = now;
		}
		/* A guest that stops answering: QEMU's own timeouts should fail first. */
		if (now - last_change >
		    (cancelled ? FCOPY_CANCEL_WAIT_USEC : a->qmp_timeout_usec)) {
			if (cancelled) {
				ret = log_error_errno(ETIMEDOUT,
						      "the copy did not stop after cancel");
				break;
			}
			log_error("no progress for %.0f s: cancelling",
				  (double)a->qmp_timeout_usec / USEC_PER_SEC);
			(void)hvhost_call(h, "hv-fcopy-cancel", NULL, 0, NULL);
			cancelled = true;
			last_change = now;
		}
		if (tty && !cancelled)
			show_progress(&s, now - start);
		/* The sleep ends early on a signal; the loop then cancels. */
		(void)nanosleep(&ts, NULL);
	}
	usec = now_usec(CLOCK_MONOTONIC) - start;
	if (tty)
		fputs("\n", stderr);
	if (ret < 0) {
		fcopy_state_done(&s);
		return ret;
	}

	if (streq(s.state, "completed")) {
		if (!a->json)
			printf("copied %" PRIu64 " bytes in %.2f s (%.2f MiB/s)\n", s.bytes,
			       (double)usec / USEC_PER_SEC, rate_mib(s.bytes, usec));
	} else {
		if (streq(s.state, "cancelled"))
			ret = log_error_errno(ECANCELED, "copy cancelled after %" PRIu64 " bytes",
					      s.bytes);
		else
			ret = log_error_errno(EREMOTEIO, "copy %s after %" PRIu64 " bytes: %s%s%s",
					      s.state, s.bytes,
					      hvhost_status_text(s.status, buf, sizeof(buf)),
					      s.error ? ", " : "", strempty(s.error));
	}
	if (a->json) {
		doc = TAKE_PTR(s.obj);
		json_object_object_add(doc, "source", json_object_new_string(source));
		json_object_object_add(doc, "destination", json_object_new_string(a->destination));
		json_object_object_add(doc, "elapsed-ms",
				       json_object_new_uint64(usec / USEC_PER_MSEC));
		json_object_object_add(
			doc, "rate-bytes-per-s",
			json_object_new_uint64(
				usec ? (uint64_t)((double)s.bytes * USEC_PER_SEC / (double)usec) :
				       0));
		json_object_object_add(
			doc, "status-name",
			json_object_new_string(strempty(hvhost_status_name(s.status))));
		r = hvhost_json_print(doc);
		if (ret == 0)
			ret = r;
	}
	fcopy_state_done(&s);
	return ret;
}
