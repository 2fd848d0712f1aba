// SPDX-License-Identifier: MIT
/*
 * exec and wait-agent: commands in the guest through the agent on its
 * second serial port, for scenario scripts on the host.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "base64.h"
#include "cleanup.h"
#include "escape.h"
#include "hvhost.h"
#include "log.h"
#include "util.h"

#define AGENT_CONNECT_TIMEOUT_USEC (5ULL * USEC_PER_SEC)
#define EXIT_TIMEOUT 124 /* as timeout(1) */

static int open_agent(struct hvhost *h, uint64_t timeout_usec, struct agent **ret)
{
	_cleanup_free_ char *path = hvhost_path(h, "agent.sock");
	int r;

	if (!path)
		return log_oom();
	r = agent_open(path, timeout_usec, ret);
	if (r == -ENOENT)
		return log_error_errno(r, "no agent socket %s: no VM booted in %s (hvhost boot)",
				       path, h->dir);
	if (r == -ECONNREFUSED)
		return log_error_errno(r, "nothing listens on %s: QEMU is not running", path);
	if (r < 0)
		return log_error_errno(r, "cannot connect to %s: %m", path);
	return 0;
}

int hvhost_cmd_exec(struct hvhost *h)
{
	const struct hvhost_args *a = h->args;
	_cleanup_agent_ struct agent *ag = NULL;
	struct agent_answer ans = {};
	uint64_t id = agent_new_id();
	int r;

	r = open_agent(h, MIN(a->timeout_usec, AGENT_CONNECT_TIMEOUT_USEC), &ag);
	if (r < 0)
		return r;
	r = agent_exec(ag, id, a->command, a->timeout_usec, &ans);
	if (r == -ETIMEDOUT) {
		h->exit_status = EXIT_TIMEOUT;
		log_error("exec: no answer from the guest agent within %.0f s",
			  (double)a->timeout_usec / USEC_PER_SEC);
		return r;
	}
	if (r == -EBADMSG)
		return log_error_errno(r, "exec: the guest agent's answer is malformed");
	if (r == -ECONNRESET)
		return log_error_errno(r, "exec: QEMU closed the agent socket");
	if (r < 0)
		return log_error_errno(r, "exec: %m");

	if (a->json) {
		json_object *doc = json_object_new_object();
		_cleanup_free_ char *b64 = NULL;

		json_object_object_add(doc, "id", json_object_new_uint64(ans.id));
		json_object_object_add(doc, "status", json_object_new_int(ans.status));
		/* JSON strings are Unicode: binary output goes as base64. */
		if (utf8_is_valid(ans.output, ans.output_len))
			json_object_object_add(
				doc, "output",
				json_object_new_string_len(ans.output, (int)ans.output_len));
		else if (base64_encode(ans.output, ans.output_len, &b64) == 0)
			json_object_object_add(doc, "output-base64", json_object_new_string(b64));
		r = hvhost_json_print(doc);
	} else {
		if (ans.output_len &&
		    fwrite(ans.output, 1, ans.output_len, stdout) != ans.output_len)
			r = -EIO;
		if (fflush(stdout) != 0)
			r = -EIO;
	}
	h->exit_status = ans.status;
	agent_answer_done(&ans);
	if (r < 0)
		return log_error_errno(r, "exec: writing the output: %m");
	return 0;
}

int hvhost_cmd_wait_agent(struct hvhost *h)
{
	const struct hvhost_args *a = h->args;
	_cleanup_agent_ struct agent *ag = NULL;
	uint64_t start = now_usec(CLOCK_MONOTONIC), used;
	int r;

	r = open_agent(h, a->timeout_usec, &ag);
	if (r < 0)
		return r;
	used = now_usec(CLOCK_MONOTONIC) - start;
	r = agent_wait_ready(ag, agent_new_id(),
			     a->timeout_usec > used ? a->timeout_usec - used : 0);
	if (r == -ETIMEDOUT)
		return log_error_errno(r, "the guest agent did not answer within %.0f s",
				       (double)a->timeout_usec / USEC_PER_SEC);
	if (r == -ECONNRESET)
		return log_error_errno(r, "QEMU closed the agent socket");
	if (r < 0)
		return log_error_errno(r, "waiting for the guest agent: %m");
	used = now_usec(CLOCK_MONOTONIC) - start;
	if (a->json) {
		json_object *doc = json_object_new_object();

		json_object_object_add(doc, "ready", json_object_new_boolean(true));
		json_object_object_add(doc, "elapsed-ms", json_object_new_uint64(used / 1000));
		return hvhost_json_print(doc);
	}
	printf("guest agent ready after %.1f s\n", (double)used / USEC_PER_SEC);
	return 0;
}
