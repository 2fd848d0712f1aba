// SPDX-License-Identifier: MIT
/*
 * What every hvhost command uses: the QMP connection with its error
 * messages, checked access to QMP answers, IC status names and safe
 * printing of guest strings.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "escape.h"
#include "hvhost.h"
#include "hyperv/status.h"
#include "log.h"
#include "util.h"

/* Connecting is immediate when QEMU runs; retrying only covers a QEMU still starting. */
#define HVHOST_CONNECT_TIMEOUT_USEC (5ULL * USEC_PER_SEC)

volatile sig_atomic_t hvhost_interrupted;
bool hvhost_json_printed;

static void on_signal(int sig)
{
	hvhost_interrupted = sig;
}

void hvhost_catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
}

char *hvhost_path(const struct hvhost *h, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", h->dir, name) < 0)
		return NULL;
	return p;
}

int hvhost_qmp(struct hvhost *h, struct qmp **ret)
{
	_cleanup_free_ char *path = hvhost_path(h, "qmp.sock");
	uint64_t timeout = h->args->qmp_timeout_usec;
	struct qmp *q;
	int fd, r;

	if (h->qmp) {
		*ret = h->qmp;
		return 0;
	}
	if (!path)
		return log_oom();
	r = qmp_unix_connect(path, MIN(timeout, HVHOST_CONNECT_TIMEOUT_USEC), &fd);
	if (r == -ENOENT)
		return log_error_errno(r, "no QMP socket %s: no VM booted in %s (hvhost boot)",
				       path, h->dir);
	if (r == -ECONNREFUSED)
		return log_error_errno(r, "nothing listens on %s: QEMU is not running", path);
	if (r < 0)
		return log_error_errno(r, "cannot connect to %s: %m", path);
	q = qmp_new(fd, timeout);
	if (!q) {
		safe_close(fd);
		return log_oom();
	}
	r = qmp_handshake(q);
	if (r == -ETIMEDOUT)
		log_error("no QMP greeting on %s within %.0f s (another QMP client connected?)",
			  path, (double)timeout / USEC_PER_SEC);
	else if (r < 0)
		(void)hvhost_log_qmp_error(h, "qmp_capabilities", r);
	if (r < 0) {
		if (q->error_desc && r != -EREMOTEIO)
			log_debug("QMP: %s", q->error_desc);
		qmp_free(q);
		return r;
	}
	h->qmp = q;
	*ret = q;
	return 0;
}

int hvhost_make_absolute(const char *path, char **ret)
{
	_cleanup_free_ char *cwd = NULL;

	if (path[0] == '/') {
		*ret = strdup(path);
		return *ret ? 0 : -ENOMEM;
	}
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return -errno;
	if (asprintf(ret, "%s/%s", cwd, path) < 0)
		return -ENOMEM;
	return 0;
}

int hvhost_log_qmp_error(struct hvhost *h, const char *command, int r)
{
	struct qmp *q = h->qmp;

	switch (r) {
	case -EREMOTEIO:
		if (q && q->error_class && streq(q->error_class, "CommandNotFound"))
			return log_error_errno(r,
					       "%s: %s (CommandNotFound: this QEMU lacks the "
					       "hvhost patches?)",
					       command, strempty(q->error_desc));
		return log_error_errno(r, "%s: %s (%s)", command,
				       q ? strempty(q->error_desc) : "error",
				       q ? strempty(q->error_class) : "?");
	case -ETIMEDOUT:
		return log_error_errno(r, "%s: no answer from QEMU in time", command);
	case -ECONNRESET:
		return log_error_errno(r, "%s: QEMU closed the QMP connection", command);
	case -EPROTO:
		return log_error_errno(r, "%s: QEMU's answer is not QMP", command);
	case -EINTR:
		return log_error_errno(r, "%s: interrupted", command);
	default:
		return log_error_errno(r, "%s: %m", command);
	}
}

int hvhost_call(struct hvhost *h, const char *command, json_object *args, uint64_t timeout_usec,
		json_object **ret)
{
	struct qmp *q;
	int r;

	r = hvhost_qmp(h, &q);
	if (r < 0) {
		json_object_put(args);
		return r;
	}
	r = qmp_execute_timeout(q, command, args, timeout_usec ? timeout_usec : q->timeout_usec,
				ret);
	if (r < 0)
		return hvhost_log_qmp_error(h, command, r);
	return 0;
}

int hvhost_call_name(struct hvhost *h, const char *command, const char *key, const char *name)
{
	json_object *args = json_object_new_object();

	json_object_object_add(args, key, json_object_new_string(name));
	return hvhost_call(h, command, args, 0, NULL);
}

int hvhost_device_add_on(struct hvhost *h, json_object *args, const char *undo_command,
			 const char *undo_key, const char *name)
{
	_cleanup_free_ char *cls = NULL, *desc = NULL;
	int r = hvhost_call(h, "device_add", args, 0, NULL);

	if (r < 0 && h->qmp) {
		/* The error to report is device_add's, not the undo's. */
		cls = TAKE_PTR(h->qmp->error_class);
		desc = TAKE_PTR(h->qmp->error_desc);
	}
	/* No leftovers: the backend made for the device goes again. */
	if (r < 0 && hvhost_call_name(h, undo_command, undo_key, name) < 0)
		log_error("%s is left behind: %s it by hand", name, undo_command);
	if (r < 0 && h->qmp) {
		free(h->qmp->error_class);
		free(h->qmp->error_desc);
		h->qmp->error_class = TAKE_PTR(cls);
		h->qmp->error_desc = TAKE_PTR(desc);
	}
	return r;
}

int hvhost_unplug(struct hvhost *h, const char *id, uint64_t timeout_usec)
{
	int r;

	r = hvhost_call_name(h, "device_del", "id", id);
	if (r < 0)
		return r;
	/* The event may have come before the reply; qmp keeps it queued. */
	r = qmp_wait_event(h->qmp, "DEVICE_DELETED", "device", id, timeout_usec, NULL);
	if (r == -ETIMEDOUT)
		return log_error_errno(r,
				       "device_del: %s is still there after %.0f s (the guest has "
				       "not released it)",
				       id, (double)timeout_usec / USEC_PER_SEC);
	if (r < 0)
		return hvhost_log_qmp_error(h, "device_del", r);
	return 0;
}

static char *qom_path(const char *id)
{
	char *p;

	/* An id names a device of -device/device_add; a path is taken as it is. */
	if (id[0] == '/')
		return strdup(id);
	if (asprintf(&p, "/machine/peripheral/%s", id) < 0)
		return NULL;
	return p;
}

int hvhost_qom_get(struct hvhost *h, const char *id, const char *property, json_object **ret)
{
	_cleanup_free_ char *path = qom_path(id);
	json_object *args;

	if (!path)
		return log_oom();
	args = json_object_new_object();
	json_object_object_add(args, "path", json_object_new_string(path));
	json_object_object_add(args, "property", json_object_new_string(property));
	return hvhost_call(h, "qom-get", args, 0, ret);
}

int hvhost_qom_children(struct hvhost *h, const char *path, json_object **ret)
{
	json_object *args = json_object_new_object(), *list = NULL;
	int r;

	json_object_object_add(args, "path", json_object_new_string(path));
	r = hvhost_call(h, "qom-list", args, 0, &list);
	if (r == 0)
		r = hvhost_expect_array(list, "qom-list");
	if (r < 0) {
		json_object_put(list);
		return r;
	}
	*ret = list;
	return 0;
}

bool hvhost_qom_child(json_object *entry, const char **ret_name, const char **ret_type,
		      size_t *ret_type_len)
{
	json_object *name, *type;
	const char *t;
	size_t len;

	/* {"name": "disk0", "type": "child<scsi-hd>"} */
	if (!json_object_is_type(entry, json_type_object) ||
	    !json_object_object_get_ex(entry, "name", &name) ||
	    !json_object_is_type(name, json_type_string) ||
	    !json_object_object_get_ex(entry, "type", &type) ||
	    !json_object_is_type(type, json_type_string))
		return false;
	t = startswith(json_object_get_string(type), "child<");
	len = t ? strlen(t) : 0;
	if (len < 2 || t[len - 1] != '>')
		return false;
	*ret_name = json_object_get_string(name);
	*ret_type = t;
	*ret_type_len = len - 1;
	return true;
}

int hvhost_json_print(json_object *doc)
{
	const char *s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
								    JSON_C_TO_STRING_SPACED |
								    JSON_C_TO_STRING_NOSLASHESCAPE);
	int r = 0;

	if (!s || printf("%s\n", s) < 0 || fflush(stdout) != 0)
		r = -EIO;
	hvhost_json_printed = true;
	json_object_put(doc);
	return r;
}

void hvhost_print_escaped(FILE *f, const char *s, size_t len)
{
	_cleanup_free_ char *e = NULL;

	if (escape_terminal(s, len, &e) < 0) {
		fputs("<out of memory>", f);
		return;
	}
	fputs(e, f);
}

void hvhost_print_value(FILE *f, json_object *v)
{
	json_object *major, *minor;

	switch (json_object_get_type(v)) {
	case json_type_string:
		hvhost_print_escaped(f, json_object_get_string(v),
				     (size_t)json_object_get_string_len(v));
		return;
	case json_type_null:
		fputs("-", f);
		return;
	case json_type_object:
		if (json_object_object_get_ex(v, "major", &major) &&
		    json_object_object_get_ex(v, "minor", &minor) &&
		    json_object_is_type(major, json_type_int) &&
		    json_object_is_type(minor, json_type_int) &&
		    json_object_object_length(v) == 2) {
			fprintf(f, "%" PRId64 ".%" PRId64, json_object_get_int64(major),
				json_object_get_int64(minor));
			return;
		}
		break;
	default:
		break;
	}
	/* json-c escapes control characters in the text it writes. */
	fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), f);
}

const char *hvhost_status_name(uint32_t status)
{
	static const struct {
		uint32_t status;
		const char *name;
	} names[] = {
		{ HV_S_OK, "HV_S_OK" },
		{ HV_E_FAIL, "HV_E_FAIL" },
		{ HV_S_CONT, "HV_S_CONT" },
		{ HV_E_ACCESSDENIED, "HV_E_ACCESSDENIED" },
		{ HV_ERROR_PATH_NOT_FOUND, "HV_ERROR_PATH_NOT_FOUND" },
		{ HV_ERROR_NOT_SUPPORTED, "HV_ERROR_NOT_SUPPORTED" },
		{ HV_ERROR_MACHINE_LOCKED, "HV_ERROR_MACHINE_LOCKED" },
		{ HV_ERROR_DEVICE_NOT_CONNECTED, "HV_ERROR_DEVICE_NOT_CONNECTED" },
		{ HV_INVALIDARG, "HV_INVALIDARG" },
		{ HV_GUID_NOTFOUND, "HV_GUID_NOTFOUND" },
		{ HV_ERROR_ALREADY_EXISTS, "HV_ERROR_ALREADY_EXISTS" },
		{ HV_ERROR_DISK_FULL, "HV_ERROR_DISK_FULL" },
	};

	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (names[i].status == status)
			return names[i].name;
	return NULL;
}

const char *hvhost_status_text(uint32_t status, char *buf, size_t size)
{
	const char *name = hvhost_status_name(status);

	if (name)
		snprintf(buf, size, "0x%08" PRIx32 " (%s)", status, name);
	else
		snprintf(buf, size, "0x%08" PRIx32, status);
	return buf;
}

static int bad_member(const char *command, const char *key, const char *want)
{
	log_error("%s: QEMU's answer has no %s '%s'", command, want, key);
	return -EBADMSG;
}

int hvhost_get_u64(json_object *obj, const char *command, const char *key, uint64_t *ret)
{
	json_object *v;

	if (!json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_int))
		return bad_member(command, key, "number");
	/* json-c keeps negative numbers as int64; a status is never negative on the wire. */
	if (json_object_get_int64(v) < 0)
		return bad_member(command, key, "non-negative number");
	*ret = json_object_get_uint64(v);
	return 0;
}

int hvhost_get_u32(json_object *obj, const char *command, const char *key, uint32_t *ret)
{
	uint64_t v;
	int r;

	r = hvhost_get_u64(obj, command, key, &v);
	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return bad_member(command, key, "32-bit number");
	*ret = (uint32_t)v;
	return 0;
}

int hvhost_get_string(json_object *obj, const char *command, const char *key, const char **ret)
{
	json_object *v;

	if (!json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return bad_member(command, key, "string");
	*ret = json_object_get_string(v);
	return 0;
}

int hvhost_expect_object(json_object *obj, const char *command)
{
	if (!json_object_is_type(obj, json_type_object)) {
		log_error("%s: QEMU's answer is not an object", command);
		return -EBADMSG;
	}
	return 0;
}

int hvhost_expect_array(json_object *obj, const char *command)
{
	if (!json_object_is_type(obj, json_type_array)) {
		log_error("%s: QEMU's answer is not a list", command);
		return -EBADMSG;
	}
	return 0;
}

uint64_t hvhost_elapsed_ms(uint64_t start)
{
	return (now_usec(CLOCK_MONOTONIC) - start) / USEC_PER_MSEC;
}
