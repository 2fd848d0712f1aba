// SPDX-License-Identifier: MIT
/*
 * hvhost: the administrator's console of the hvhost test host. Parses the
 * command line, runs one command, maps its result to the exit status:
 * 0 success, 1 a failure QEMU or the guest reported, 2 a usage error
 * (exec: the guest command's status, 124 on timeout).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "cleanup.h"
#include "hvhost.h"
#include "log.h"
#include "util.h"

#define EXIT_USAGE 2

static char last_error[1024];

/* Plain "hvhost: message" lines: this is a tool for people and scripts, not a daemon. */
static void cli_log_sink(int level, const char *message, void *userdata)
{
	(void)userdata;
	if (level <= LOG_ERR)
		snprintf(last_error, sizeof(last_error), "%s", message);
	fprintf(stderr, "hvhost: %s%s\n",
		level <= LOG_ERR     ? "" :
		level <= LOG_WARNING ? "warning: " :
				       "",
		message);
}

static int (*const commands[])(struct hvhost *h) = {
	[HVHOST_CMD_BOOT] = hvhost_cmd_boot,
	[HVHOST_CMD_KVP_LIST] = hvhost_cmd_kvp_list,
	[HVHOST_CMD_KVP_GET] = hvhost_cmd_kvp_get,
	[HVHOST_CMD_KVP_SET] = hvhost_cmd_kvp_set,
	[HVHOST_CMD_KVP_DELETE] = hvhost_cmd_kvp_delete,
	[HVHOST_CMD_IP_GET] = hvhost_cmd_ip_get,
	[HVHOST_CMD_IP_SET] = hvhost_cmd_ip_set,
	[HVHOST_CMD_BACKUP] = hvhost_cmd_backup,
	[HVHOST_CMD_COPY_VMFILE] = hvhost_cmd_copy_vmfile,
	[HVHOST_CMD_STOP_VM] = hvhost_cmd_stop_vm,
	[HVHOST_CMD_HEARTBEAT] = hvhost_cmd_heartbeat,
	[HVHOST_CMD_ICS] = hvhost_cmd_ics,
	[HVHOST_CMD_TIMESYNC] = hvhost_cmd_timesync,
	[HVHOST_CMD_DEVICE_ADD] = hvhost_cmd_device_add,
	[HVHOST_CMD_DEVICE_DEL] = hvhost_cmd_device_del,
	[HVHOST_CMD_DISK_ADD] = hvhost_cmd_disk_add,
	[HVHOST_CMD_DISK_DEL] = hvhost_cmd_disk_del,
	[HVHOST_CMD_NIC_ADD] = hvhost_cmd_nic_add,
	[HVHOST_CMD_NIC_DEL] = hvhost_cmd_nic_del,
	[HVHOST_CMD_LINK] = hvhost_cmd_link,
	[HVHOST_CMD_EXEC] = hvhost_cmd_exec,
	[HVHOST_CMD_WAIT_AGENT] = hvhost_cmd_wait_agent,
	[HVHOST_CMD_QUIT] = hvhost_cmd_quit,
};

/* DIR as an absolute path without trailing slashes (it need not exist yet). */
static int vm_dir(const char *dir, char **ret)
{
	_cleanup_free_ char *cwd = NULL;
	char *d;
	size_t n;

	if (!dir || !*dir)
		dir = getenv("HVHOST_DIR");
	if (!dir || !*dir)
		dir = ".";
	if (dir[0] == '/') {
		d = strdup(dir);
	} else {
		cwd = getcwd(NULL, 0);
		if (!cwd)
			return -errno;
		if (streq(dir, "."))
			d = strdup(cwd);
		else if (asprintf(&d, "%s/%s", cwd, dir) < 0)
			d = NULL;
	}
	if (!d)
		return -ENOMEM;
	n = strlen(d);
	while (n > 1 && d[n - 1] == '/')
		d[--n] = '\0';
	*ret = d;
	return 0;
}

static void print_error_document(struct hvhost *h)
{
	json_object *doc = json_object_new_object(), *err = json_object_new_object();

	if (h->qmp && h->qmp->error_class && h->qmp->error_desc) {
		json_object_object_add(err, "class", json_object_new_string(h->qmp->error_class));
		json_object_object_add(err, "desc", json_object_new_string(h->qmp->error_desc));
	} else {
		json_object_object_add(err, "class", json_object_new_string("hvhost"));
	}
	json_object_object_add(err, "message", json_object_new_string(last_error));
	json_object_object_add(doc, "error", err);
	(void)hvhost_json_print(doc);
}

int main(int argc, char **argv)
{
	struct hvhost_args args;
	struct hvhost h = {};
	int r, status;

	log_setup("hvhost", LOG_TARGET_STDERR);
	log_set_sink(cli_log_sink, NULL);

	r = hvhost_args_parse(argc, argv, &args);
	if (r == -EINVAL) {
		fputs("\n", stderr);
		hvhost_usage(stderr);
		return EXIT_USAGE;
	}
	if (r < 0) {
		log_error_errno(r, "%m");
		return EXIT_FAILURE;
	}
	if (args.cmd == HVHOST_CMD_HELP) {
		hvhost_usage(stdout);
		hvhost_args_done(&args);
		return EXIT_SUCCESS;
	}
	if (args.verbose)
		log_set_max_level(LOG_DEBUG);

	h.args = &args;
	r = vm_dir(args.dir, &h.dir);
	if (r < 0) {
		log_error_errno(r, "cannot find the VM directory: %m");
		hvhost_args_done(&args);
		return EXIT_FAILURE;
	}

	r = commands[args.cmd](&h);
	if (r < 0 && args.json && !hvhost_json_printed)
		print_error_document(&h);
	if (r < 0)
		status = h.exit_status ? h.exit_status : EXIT_FAILURE;
	else
		status = h.exit_status;

	qmp_free(h.qmp);
	free(h.dir);
	hvhost_args_done(&args);
	return status;
}
