// SPDX-License-Identifier: MIT
/*
 * backup: the host's side of a live backup (VSS): HOT_BACKUP check,
 * FREEZE, a checkpoint of every disk (checkpoint.c) and the host's
 * snapshot command while the guest is frozen, THAW.
 * Once a FREEZE may have reached the guest, THAW is sent whatever happens
 * next: a failing snapshot command, ^C or SIGTERM must not leave the
 * guest's filesystems frozen.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "cleanup.h"
#include "hvhost.h"
#include "log.h"
#include "util.h"

/* The guest may take 900 s to freeze (the kernel's VSS timeout); allow a margin. */
#define BACKUP_FREEZE_TIMEOUT_USEC (960ULL * USEC_PER_SEC)
#define BACKUP_THAW_CONNECT_TRIES 3

struct stage {
	const char *name;
	const char *command;
	json_object *ret; /* QMP return, with our fields added */
	uint32_t status;
	bool answered; /* the guest answered (status valid) */
	int error; /* QMP or protocol error */
};

static void stage_done(struct stage *s)
{
	json_object_put(s->ret);
	s->ret = NULL;
}

/* Run one VSS command and print "freeze: HV_S_OK, guest 12 ms, 15 ms". */
static int run_stage(struct hvhost *h, struct stage *s, uint64_t timeout_usec)
{
	uint64_t start = now_usec(CLOCK_MONOTONIC), elapsed;
	char buf[48];
	int r;

	r = hvhost_call(h, s->command, NULL, timeout_usec, &s->ret);
	elapsed = hvhost_elapsed_ms(start);
	if (r == 0)
		r = hvhost_get_u32(s->ret, s->command, "status", &s->status);
	if (r < 0) {
		s->error = r;
		if (!h->args->json)
			printf("%-7s failed after %" PRIu64 " ms\n", s->name, elapsed);
		if (!s->ret)
			s->ret = json_object_new_object();
		if (json_object_is_type(s->ret, json_type_object)) {
			json_object_object_add(s->ret, "error",
					       json_object_new_string(h->qmp && h->qmp->error_desc ?
									      h->qmp->error_desc :
									      strerror(-r)));
			json_object_object_add(s->ret, "elapsed-ms",
					       json_object_new_uint64(elapsed));
		}
		return r;
	}
	s->answered = true;
	json_object_object_add(s->ret, "status-name",
			       json_object_new_string(strempty(hvhost_status_name(s->status))));
	json_object_object_add(s->ret, "elapsed-ms", json_object_new_uint64(elapsed));
	if (!h->args->json) {
		json_object *v;

		printf("%-7s guest answered %s", s->name,
		       hvhost_status_text(s->status, buf, sizeof(buf)));
		if (json_object_object_get_ex(s->ret, "flags", &v) &&
		    json_object_is_type(v, json_type_int))
			printf(", flags 0x%" PRIx64, json_object_get_uint64(v));
		if (json_object_object_get_ex(s->ret, "ms", &v) &&
		    json_object_is_type(v, json_type_int))
			printf(", guest %" PRId64 " ms", json_object_get_int64(v));
		printf(", %" PRIu64 " ms\n", elapsed);
		fflush(stdout);
	}
	if (s->status != 0)
		return log_error_errno(EREMOTEIO, "%s: the guest answered %s", s->command,
				       hvhost_status_text(s->status, buf, sizeof(buf)));
	return 0;
}

/* The host's command, with stdout kept off our JSON document. */
static int run_host_command(struct hvhost *h, const char *command, json_object **ret_doc)
{
	uint64_t start = now_usec(CLOCK_MONOTONIC), elapsed;
	json_object *doc = json_object_new_object();
	bool forwarded = false;
	int status = 0, code;
	pid_t pid, w;

	if (!h->args->json) {
		printf("exec    %s\n", command);
		fflush(stdout);
	}
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		int r = log_error_errno(errno, "fork: %m");

		json_object_object_add(doc, "command", json_object_new_string(command));
		json_object_object_add(doc, "error", json_object_new_string(strerror(-r)));
		*ret_doc = doc;
		return r;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		/* "hvhost exec ..." in the command finds this VM without --dir. */
		(void)setenv("HVHOST_DIR", h->dir, 1);
		if (h->args->json && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	for (;;) {
		w = waitpid(pid, &status, 0);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			break;
		/* SIGTERM for us: pass it on once, then wait for the command to end. */
		if (hvhost_interrupted && !forwarded) {
			(void)kill(pid, SIGTERM);
			forwarded = true;
		}
	}
	elapsed = hvhost_elapsed_ms(start);
	code = w != pid ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	json_object_object_add(doc, "command", json_object_new_string(command));
	json_object_object_add(doc, "status", json_object_new_int(code));
	json_object_object_add(doc, "elapsed-ms", json_object_new_uint64(elapsed));
	*ret_doc = doc;
	if (!h->args->json)
		printf("exec    exited with status %d, %" PRIu64 " ms\n", code, elapsed);
	if (code != 0) {
		log_error("host command failed with status %d: %s", code, command);
		return -ECHILD;
	}
	return 0;
}

int hvhost_cmd_backup(struct hvhost *h)
{
	const struct hvhost_args *a = h->args;
	struct stage check = { .name = "check", .command = "hv-vss-check" };
	struct stage freeze = { .name = "freeze", .command = "hv-vss-freeze" };
	struct stage thaw = { .name = "thaw", .command = "hv-vss-thaw" };
	struct hvhost_checkpoint cp = {};
	json_object *exec_doc = NULL, *doc;
	uint64_t frozen_at = 0, frozen_ms = 0;
	bool need_thaw = false;
	int ret = 0, r;

	/* From here on a signal only sets hvhost_interrupted: we decide when to stop. */
	hvhost_catch_signals();

	/* Which disks, before anything is frozen: a VM without any is refused unfrozen. */
	if (a->checkpoint)
		ret = hvhost_checkpoint_prepare(h, &cp);
	if (ret == 0)
		ret = run_stage(h, &check, 0);
	if (ret == 0 && !hvhost_interrupted) {
		frozen_at = now_usec(CLOCK_MONOTONIC);
		ret = run_stage(h, &freeze, MAX(BACKUP_FREEZE_TIMEOUT_USEC, a->qmp_timeout_usec));
		/*
		 * A guest that answered at all, or a FREEZE that timed out, may
		 * have frozen something: thaw. Only a command QEMU refused
		 * outright (unknown command, no device) cannot have.
		 */
		need_thaw = ret == 0 || freeze.answered || ret == -ETIMEDOUT || ret == -EINTR ||
			    (ret == -EREMOTEIO && h->qmp &&
			     !streq_ptr(h->qmp->error_class, "CommandNotFound") &&
			     !streq_ptr(h->qmp->error_class, "DeviceNotFound"));
		if (ret == 0 && a->checkpoint && !hvhost_interrupted)
			ret = hvhost_checkpoint_take(h, &cp);
		if (ret == 0 && a->exec_command && !hvhost_interrupted) {
			/*
			 * QEMU serves one QMP client at a time, and the host's
			 * snapshot command (blockdev-snapshot-sync ...) needs it.
			 */
			h->qmp = qmp_free(h->qmp);
			ret = run_host_command(h, a->exec_command, &exec_doc);
		}
	}
	if (need_thaw) {
		struct qmp *q;

		if (hvhost_interrupted)
			log_warning("interrupted: thawing the guest");
		/* Back on QMP; a command that still holds it gets a few chances to let go. */
		for (int i = 0; i < BACKUP_THAW_CONNECT_TRIES && !h->qmp; i++)
			if (hvhost_qmp(h, &q) < 0 && i + 1 < BACKUP_THAW_CONNECT_TRIES)
				log_warning("retrying to reach QMP for THAW");
		r = run_stage(h, &thaw, 0);
		frozen_ms = hvhost_elapsed_ms(frozen_at);
		if (ret == 0)
			ret = r;
		if (r < 0)
			log_error("THAW failed: the guest's filesystems may still be frozen; "
				  "retry with: hvhost backup");
	}
	if (ret == 0 && hvhost_interrupted)
		ret = log_error_errno(EINTR, "interrupted");

	if (a->json) {
		doc = json_object_new_object();
		if (check.ret)
			json_object_object_add(doc, "check", TAKE_PTR(check.ret));
		if (freeze.ret)
			json_object_object_add(doc, "freeze", TAKE_PTR(freeze.ret));
		if (a->checkpoint)
			json_object_object_add(doc, "checkpoint", hvhost_checkpoint_done(&cp));
		if (exec_doc)
			json_object_object_add(doc, "exec", TAKE_PTR(exec_doc));
		if (thaw.ret)
			json_object_object_add(doc, "thaw", TAKE_PTR(thaw.ret));
		if (need_thaw)
			json_object_object_add(doc, "frozen-ms", json_object_new_uint64(frozen_ms));
		json_object_object_add(doc, "ok", json_object_new_boolean(ret == 0));
		r = hvhost_json_print(doc);
		if (ret == 0)
			ret = r;
	} else {
		if (need_thaw)
			printf("frozen for %" PRIu64 " ms\n", frozen_ms);
		if (a->checkpoint)
			printf("%s\n",
			       cp.state == HVHOST_CHECKPOINT_TAKEN ?
				       "checkpoint taken: the images left of '->' are the "
				       "backup, the guest writes to the overlays" :
			       cp.state == HVHOST_CHECKPOINT_UNKNOWN ?
				       "checkpoint state UNKNOWN (QEMU did not answer): see "
				       "query-block" :
				       "NO checkpoint was taken");
		printf("backup %s\n", ret == 0 ? "succeeded" : "FAILED");
	}
	json_object_put(hvhost_checkpoint_done(&cp));
	json_object_put(exec_doc);
	stage_done(&check);
	stage_done(&freeze);
	stage_done(&thaw);
	return ret;
}
