// SPDX-License-Identifier: MIT
/*
 * The VM as a whole: shutdown through the IC, the state of heartbeat,
 * time sync and the ICs, and VMBus device hot add/remove.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "hvhost.h"
#include "log.h"
#include "util.h"

/* The ids boot gives the integration components (tests/hvhost/README.md). */
static const struct {
	const char *type;
	const char *id;
} default_ids[] = {
	{ "hv-heartbeat", "hb" }, { "hv-shutdown", "shutdown" }, { "hv-timesync", "ts" },
	{ "hv-kvp", "kvp" },	  { "hv-vss", "vss" },		 { "hv-fcopy", "fcopy" },
};

int hvhost_cmd_stop_vm(struct hvhost *h)
{
	const struct hvhost_args *a = h->args;
	json_object *args = json_object_new_object(), *ret = NULL;
	bool have_pid, exited = false;
	uint32_t status;
	char buf[48];
	pid_t pid = 0;
	int r;

	have_pid = hvhost_qemu_pid(h, &pid) == 0;
	if (a->reboot)
		json_object_object_add(args, "reboot", json_object_new_boolean(true));
	if (a->force)
		json_object_object_add(args, "force", json_object_new_boolean(true));
	r = hvhost_call(h, "hv-shutdown", args, 0, &ret);
	if (r < 0)
		return r;
	r = hvhost_get_u32(ret, "hv-shutdown", "status", &status);
	if (r < 0) {
		json_object_put(ret);
		return r;
	}
	if (!a->json)
		printf("guest answered %s\n", hvhost_status_text(status, buf, sizeof(buf)));
	if (status != 0) {
		r = log_error_errno(EREMOTEIO, "the guest refused to %s",
				    a->reboot ? "reboot" : "shut down");
	} else if (!a->reboot && a->wait_usec > 0) {
		/* QEMU exits when the guest powers off; with no pid file, QMP's hangup says it. */
		if (have_pid)
			r = hvhost_wait_pid_gone(pid, a->wait_usec);
		else
			r = qmp_wait_hangup(h->qmp, a->wait_usec);
		if (r == -ETIMEDOUT)
			r = log_error_errno(r, "QEMU still runs %.0f s after the shutdown request",
					    (double)a->wait_usec / USEC_PER_SEC);
		else if (r < 0)
			r = log_error_errno(r, "waiting for QEMU to exit: %m");
		exited = r == 0;
		if (exited && !a->json)
			printf("QEMU has exited\n");
	}
	if (a->json) {
		int k;

		json_object_object_add(
			ret, "status-name",
			json_object_new_string(strempty(hvhost_status_name(status))));
		json_object_object_add(ret, "exited", json_object_new_boolean(exited));
		k = hvhost_json_print(ret);
		return r < 0 ? r : k;
	}
	json_object_put(ret);
	return r;
}

/* "name : value" lines for every member of a query's answer, in QEMU's order. */
static int print_members(struct hvhost *h, const char *command)
{
	json_object *ret = NULL;
	int r;

	r = hvhost_call(h, command, NULL, 0, &ret);
	if (r < 0)
		return r;
	r = hvhost_expect_object(ret, command);
	if (r < 0) {
		json_object_put(ret);
		return r;
	}
	if (h->args->json)
		return hvhost_json_print(ret);
	json_object_object_foreach(ret, key, val)
	{
		hvhost_print_escaped(stdout, key, strlen(key));
		printf("%*s: ", (int)(10 - MIN(strlen(key), 10)), "");
		hvhost_print_value(stdout, val);
		fputs("\n", stdout);
	}
	json_object_put(ret);
	return 0;
}

int hvhost_cmd_heartbeat(struct hvhost *h)
{
	return print_members(h, "query-hv-heartbeat");
}

int hvhost_cmd_timesync(struct hvhost *h)
{
	return print_members(h, "query-hv-timesync");
}

static void print_cell(json_object *obj, const char *key, int width)
{
	_cleanup_free_ char *text = NULL;
	size_t size = 0;
	json_object *v;
	FILE *f;

	/* Render into memory first so that the column width counts what is shown. */
	f = open_memstream(&text, &size);
	if (!f)
		return;
	if (json_object_object_get_ex(obj, key, &v))
		hvhost_print_value(f, v);
	else
		fputs("-", f);
	if (fclose(f) != 0 || !text)
		return;
	printf("%-*s ", width, text);
}

int hvhost_cmd_ics(struct hvhost *h)
{
	json_object *ret = NULL;
	int r;

	r = hvhost_call(h, "query-hv-ics", NULL, 0, &ret);
	if (r < 0)
		return r;
	r = hvhost_expect_array(ret, "query-hv-ics");
	if (r < 0) {
		json_object_put(ret);
		return r;
	}
	if (h->args->json) {
		json_object *doc = json_object_new_object();

		json_object_object_add(doc, "ics", ret);
		return hvhost_json_print(doc);
	}
	printf("%-10s %-14s %-12s %-9s %s\n", "ID", "TYPE", "STATE", "FRAMEWORK", "VERSION");
	for (size_t i = 0; i < json_object_array_length(ret); i++) {
		json_object *ic = json_object_array_get_idx(ret, i);

		if (!json_object_is_type(ic, json_type_object)) {
			log_error("query-hv-ics: an entry is not an object");
			r = -EBADMSG;
			continue;
		}
		print_cell(ic, "id", 10);
		print_cell(ic, "type", 14);
		print_cell(ic, "state", 12);
		print_cell(ic, "framework", 9);
		print_cell(ic, "version", 0);
		fputs("\n", stdout);
	}
	if (json_object_array_length(ret) == 0)
		printf("(no integration components)\n");
	json_object_put(ret);
	return r;
}

static int print_device_result(struct hvhost *h, const char *what, const char *type, const char *id)
{
	if (h->args->json) {
		json_object *doc = json_object_new_object();

		if (type)
			json_object_object_add(doc, "driver", json_object_new_string(type));
		json_object_object_add(doc, "id", json_object_new_string(id));
		json_object_object_add(doc, what, json_object_new_boolean(true));
		return hvhost_json_print(doc);
	}
	if (type)
		printf("%s %s as %s\n", what, type, id);
	else
		printf("%s %s\n", what, id);
	return 0;
}

int hvhost_device_add_args(const char *spec, const char *id, json_object **ret)
{
	_cleanup_free_ char *copy = strdup(spec);
	json_object *args;
	char *p, *driver;

	if (!copy)
		return -ENOMEM;
	/* TYPE[,prop=value...]: string properties, e.g. bus=rp1 for a PCI device. */
	p = copy;
	driver = strsep(&p, ",");
	if (!*driver)
		return -EINVAL;
	args = json_object_new_object();
	json_object_object_add(args, "driver", json_object_new_string(driver));
	while (p) {
		char *prop = strsep(&p, ","), *eq = strchr(prop, '=');

		if (!eq || eq == prop || streq(prop, "driver") || startswith(prop, "driver=") ||
		    startswith(prop, "id=")) {
			json_object_put(args);
			return -EINVAL;
		}
		*eq = '\0';
		json_object_object_add(args, prop, json_object_new_string(eq + 1));
	}
	if (!id) {
		/* Without an id QEMU could not remove it again: the contract's ids, else TYPE. */
		for (size_t i = 0; i < ELEMENTSOF(default_ids); i++)
			if (streq(driver, default_ids[i].type))
				id = default_ids[i].id;
		if (!id)
			id = driver;
	}
	json_object_object_add(args, "id", json_object_new_string(id));
	*ret = args;
	return 0;
}

int hvhost_cmd_device_add(struct hvhost *h)
{
	const struct hvhost_args *a = h->args;
	json_object *args = NULL, *v;
	_cleanup_free_ char *id = NULL;
	int r;

	r = hvhost_device_add_args(a->device_type, a->device_id, &args);
	if (r == -EINVAL)
		return log_error_errno(r, "device-add: '%s' is not TYPE[,PROPERTY=VALUE...]",
				       a->device_type);
	if (r < 0)
		return log_oom();
	(void)json_object_object_get_ex(args, "id", &v);
	id = strdup(json_object_get_string(v));
	(void)json_object_object_get_ex(args, "driver", &v);
	r = hvhost_call(h, "device_add", json_object_get(args), 0, NULL);
	if (r < 0 || !id) {
		json_object_put(args);
		return r < 0 ? r : log_oom();
	}
	r = print_device_result(h, "added", json_object_get_string(v), id);
	json_object_put(args);
	return r;
}

int hvhost_cmd_device_del(struct hvhost *h)
{
	const struct hvhost_args *a = h->args;
	int r;

	r = hvhost_unplug(h, a->device_id, a->qmp_timeout_usec);
	if (r < 0)
		return r;
	return print_device_result(h, "deleted", NULL, a->device_id);
}
