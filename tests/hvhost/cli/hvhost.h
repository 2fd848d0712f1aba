/* SPDX-License-Identifier: MIT */
/*
 * hvhost: what the command implementations share. One hvhost per run: the
 * parsed arguments, the VM directory, the QMP connection (opened on first
 * use) and the exit status the command chose.
 */
#ifndef HVHOST_H
#define HVHOST_H

#include <errno.h>
#include <json.h>
#include <sys/types.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "args.h"
#include "qmp.h"

struct hvhost {
	const struct hvhost_args *args;
	char *dir; /* absolute */
	struct qmp *qmp;
	int exit_status; /* used when the command returns >= 0 */
};

/* Set by the SIGINT/SIGTERM handler that commands with cleanup to do install. */
extern volatile sig_atomic_t hvhost_interrupted;
/* Catch SIGINT and SIGTERM (no SA_RESTART) so that a command can finish its cleanup. */
void hvhost_catch_signals(void);

#define log_oom() log_error_errno(-ENOMEM, "out of memory")

/* DIR/name, malloc'ed. */
char *hvhost_path(const struct hvhost *h, const char *name);

/* The QMP connection, connecting on first use; logs why it failed. */
int hvhost_qmp(struct hvhost *h, struct qmp **ret);
/*
 * Execute a QMP command (args consumed); on failure log
 * "COMMAND: <desc> (<class>)" and return the error. timeout 0 = default.
 */
int hvhost_call(struct hvhost *h, const char *command, json_object *args, uint64_t timeout_usec,
		json_object **ret);
/* Log a QMP failure of command (used by hvhost_call and by callers that retry). */
int hvhost_log_qmp_error(struct hvhost *h, const char *command, int r);

/* Set once a JSON document went to stdout (main prints an error document otherwise). */
extern bool hvhost_json_printed;
/* --json: print doc (consumed) on stdout as one document. */
int hvhost_json_print(json_object *doc);

/* Print guest-controlled text safely (escape.h) to f. */
void hvhost_print_escaped(FILE *f, const char *s, size_t len);
/* Print a JSON value for humans: strings escaped, {major, minor} as M.m, else JSON text. */
void hvhost_print_value(FILE *f, json_object *v);

/* Name of an IC status (HV_S_OK ...) or NULL. */
const char *hvhost_status_name(uint32_t status);
/* "0x80004005 (HV_E_FAIL)" into buf. */
const char *hvhost_status_text(uint32_t status, char *buf, size_t size);

/* path made absolute against the working directory (QEMU's may differ). */
int hvhost_make_absolute(const char *path, char **ret);

/* command {key: name}: the commands whose one argument is a name (blockdev-del ...). */
int hvhost_call_name(struct hvhost *h, const char *command, const char *key, const char *name);
/*
 * device_add args (consumed) for a device on a backend made for it; when
 * QEMU refuses, undo_command {undo_key: name} deletes that backend again.
 */
int hvhost_device_add_on(struct hvhost *h, json_object *args, const char *undo_command,
			 const char *undo_key, const char *name);
/*
 * device_del id, then wait up to timeout_usec for its DEVICE_DELETED (a
 * VMBus device goes only once the guest released its channel). Logs why
 * not; -ETIMEDOUT when the device is still there.
 */
int hvhost_unplug(struct hvhost *h, const char *id, uint64_t timeout_usec);
/* qom-get of a property of a device: id (under /machine/peripheral) or a QOM path. */
int hvhost_qom_get(struct hvhost *h, const char *id, const char *property, json_object **ret);
/* qom-list of path: the array of {name, type}; -EBADMSG if it is not one. */
int hvhost_qom_children(struct hvhost *h, const char *path, json_object **ret);
/* A qom-list entry that is a child object: its name, its type after "child<" (type_len: up to '>'). */
bool hvhost_qom_child(json_object *entry, const char **ret_name, const char **ret_type,
		      size_t *ret_type_len);

/*
 * Checked getters for QMP answers: -EBADMSG (and a log line naming the
 * command and member) when the member is missing or of the wrong type.
 */
int hvhost_get_u32(json_object *obj, const char *command, const char *key, uint32_t *ret);
int hvhost_get_u64(json_object *obj, const char *command, const char *key, uint64_t *ret);
int hvhost_get_string(json_object *obj, const char *command, const char *key, const char **ret);
int hvhost_expect_object(json_object *obj, const char *command);
int hvhost_expect_array(json_object *obj, const char *command);

/* Milliseconds elapsed since start (CLOCK_MONOTONIC usec). */
uint64_t hvhost_elapsed_ms(uint64_t start);

/* boot.c: QEMU's pid from DIR/qemu.pid if that process is still this VM's QEMU; -ESRCH if not. */
int hvhost_qemu_pid(const struct hvhost *h, pid_t *ret);
/* Wait until pid has exited (or is a zombie nobody reaps); -ETIMEDOUT. */
int hvhost_wait_pid_gone(pid_t pid, uint64_t timeout_usec);
/* The QEMU command line boot runs (argv[0] = the binary). */
int hvhost_qemu_argv(const struct hvhost_args *a, const char *dir, char ***ret);
/* Escape a value for a QEMU option list (",," for ','). */
char *hvhost_qemu_opt_escape(const char *s);

/* cmd-vm.c: device_add's arguments for TYPE[,PROP=VALUE...] and ID (NULL: a default). */
int hvhost_device_add_args(const char *spec, const char *id, json_object **ret);

/* Commands (cmd-*.c, boot.c). Return 0 or -errno; set h->exit_status for other statuses. */
int hvhost_cmd_boot(struct hvhost *h);
int hvhost_cmd_quit(struct hvhost *h);
int hvhost_cmd_kvp_list(struct hvhost *h);
int hvhost_cmd_kvp_get(struct hvhost *h);
int hvhost_cmd_kvp_set(struct hvhost *h);
int hvhost_cmd_kvp_delete(struct hvhost *h);
int hvhost_cmd_ip_get(struct hvhost *h);
int hvhost_cmd_ip_set(struct hvhost *h);
int hvhost_cmd_backup(struct hvhost *h);
int hvhost_cmd_copy_vmfile(struct hvhost *h);
int hvhost_cmd_stop_vm(struct hvhost *h);
int hvhost_cmd_heartbeat(struct hvhost *h);
int hvhost_cmd_ics(struct hvhost *h);
int hvhost_cmd_timesync(struct hvhost *h);
int hvhost_cmd_device_add(struct hvhost *h);
int hvhost_cmd_device_del(struct hvhost *h);
int hvhost_cmd_disk_add(struct hvhost *h);
int hvhost_cmd_disk_del(struct hvhost *h);
int hvhost_cmd_nic_add(struct hvhost *h);
int hvhost_cmd_nic_del(struct hvhost *h);
int hvhost_cmd_link(struct hvhost *h);
int hvhost_cmd_exec(struct hvhost *h);
int hvhost_cmd_wait_agent(struct hvhost *h);

#endif /* HVHOST_H */
