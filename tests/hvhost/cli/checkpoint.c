// SPDX-License-Identifier: MIT
/*
 * backup --checkpoint (checkpoint.h): which disks, the transaction that
 * snapshots them all at once, and what is said about it. QEMU's
 * blockdev-snapshot-sync creates the overlay (mode absolute-paths) with the
 * current image as its backing file: the image stays as it was at the
 * freeze, the guest writes go to the overlay. The overlay's node is named
 * HVHOST_CHECKPOINT_NODE_PREFIX<stamp>-<i> (QEMU wants a name when the disk
 * is a node of blockdev-add, and disk-del knows an overlay by it).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "checkpoint.h"
#include "cleanup.h"
#include "log.h"
#include "util.h"

void hvhost_checkpoint_stamp(int64_t t, char ret[17])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(ret, 17, "%Y%m%dT%H%M%SZ", &tm) == 0)
		snprintf(ret, 17, "%" PRId64, t);
}

static const char *member_string(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int bad_block(const char *what)
{
	log_error("query-block: an entry %s", what);
	return -EBADMSG;
}

int hvhost_checkpoint_plan(json_object *blocks, const char *dir, const char *stamp,
			   json_object **ret_disks)
{
	json_object *disks;

	if (!json_object_is_type(blocks, json_type_array))
		return bad_block("list is not a list");
	disks = json_object_new_array();
	if (!disks)
		return -ENOMEM;
	for (size_t i = 0; i < json_object_array_length(blocks); i++) {
		json_object *b = json_object_array_get_idx(blocks, i), *inserted, *ro, *d;
		const char *device, *qdev, *node, *file, *name = NULL;
		const char *names[3];
		char *overlay, *overlay_node;

		if (!json_object_is_type(b, json_type_object)) {
			json_object_put(disks);
			return bad_block("is not an object");
		}
		device = strempty(member_string(b, "device"));
		qdev = strempty(member_string(b, "qdev"));
		/* No media (an empty CD-ROM), or a backend no device uses: not a disk of the VM. */
		if (!json_object_object_get_ex(b, "inserted", &inserted) || !*qdev)
			continue;
		node = strempty(member_string(inserted, "node-name"));
		file = member_string(inserted, "file");
		if (!json_object_object_get_ex(inserted, "ro", &ro) ||
		    !json_object_is_type(ro, json_type_boolean) || !file || (!*device && !*node)) {
			json_object_put(disks);
			return bad_block("has no ro, file or name");
		}
		if (json_object_get_boolean(ro))
			continue;
		/* The name shown and put in the overlay's file name: a QEMU id, never a path. */
		names[0] = device;
		names[1] = qdev;
		names[2] = node;
		for (size_t k = 0; !name && k < ELEMENTSOF(names); k++)
			if (hvhost_id_valid(names[k]))
				name = names[k];
		if (asprintf(&overlay, "%s/%s-%s.qcow2", dir, name ? name : "disk", stamp) < 0) {
			json_object_put(disks);
			return -ENOMEM;
		}
		if (asprintf(&overlay_node, HVHOST_CHECKPOINT_NODE_PREFIX "%s-%zu", stamp,
			     json_object_array_length(disks)) < 0) {
			free(overlay);
			json_object_put(disks);
			return -ENOMEM;
		}
		d = json_object_new_object();
		json_object_object_add(d, "device", json_object_new_string(name ? name : qdev));
		/* A -drive backend is snapshot by its name, a blockdev-add one by its top node. */
		if (*device)
			json_object_object_add(d, "drive", json_object_new_string(device));
		else
			json_object_object_add(d, "node", json_object_new_string(node));
		json_object_object_add(d, "checkpoint", json_object_new_string(file));
		json_object_object_add(d, "overlay", json_object_new_string(overlay));
		json_object_object_add(d, "overlay-node", json_object_new_string(overlay_node));
		free(overlay);
		free(overlay_node);
		json_object_array_add(disks, d);
	}
	*ret_disks = disks;
	return 0;
}

json_object *hvhost_checkpoint_transaction(json_object *disks)
{
	json_object *args = json_object_new_object(), *actions = json_object_new_array();

	for (size_t i = 0; i < json_object_array_length(disks); i++) {
		json_object *d = json_object_array_get_idx(disks, i), *data, *action, *v;

		data = json_object_new_object();
		if (json_object_object_get_ex(d, "drive", &v))
			json_object_object_add(data, "device", json_object_get(v));
		else if (json_object_object_get_ex(d, "node", &v))
			json_object_object_add(data, "node-name", json_object_get(v));
		if (json_object_object_get_ex(d, "overlay-node", &v))
			json_object_object_add(data, "snapshot-node-name", json_object_get(v));
		if (json_object_object_get_ex(d, "overlay", &v))
			json_object_object_add(data, "snapshot-file", json_object_get(v));
		json_object_object_add(data, "format", json_object_new_string("qcow2"));
		action = json_object_new_object();
		json_object_object_add(action, "type",
				       json_object_new_string("blockdev-snapshot-sync"));
		json_object_object_add(action, "data", data);
		json_object_array_add(actions, action);
	}
	json_object_object_add(args, "actions", actions);
	return args;
}

static int refuse(struct hvhost_checkpoint *c, int r, const char *why)
{
	free(c->error);
	c->error = strdup(why);
	return log_error_errno(r, "backup --checkpoint: %s", why);
}

int hvhost_checkpoint_prepare(struct hvhost *h, struct hvhost_checkpoint *c)
{
	_cleanup_free_ char *dir = NULL;
	json_object *blocks = NULL;
	char stamp[17];
	int r;

	c->state = HVHOST_CHECKPOINT_NOT_TAKEN;
	/* The overlays are QEMU's files: it runs elsewhere than our working directory. */
	if (hvhost_make_absolute(h->args->checkpoint_dir ? h->args->checkpoint_dir : h->dir, &dir) <
	    0)
		return log_oom();
	hvhost_checkpoint_stamp((int64_t)time(NULL), stamp);
	r = hvhost_call(h, "query-block", NULL, 0, &blocks);
	if (r == 0)
		r = hvhost_checkpoint_plan(blocks, dir, stamp, &c->disks);
	json_object_put(blocks);
	if (r < 0)
		return refuse(c, r, "cannot list the VM's disks");
	if (json_object_array_length(c->disks) == 0)
		return refuse(c, -ENOENT, "the VM has no writable disk");
	for (size_t i = 0; i < json_object_array_length(c->disks); i++) {
		json_object *v;

		(void)json_object_object_get_ex(json_object_array_get_idx(c->disks, i), "overlay",
						&v);
		/* QEMU would overwrite it: a checkpoint of the same second, or somebody's file. */
		if (access(json_object_get_string(v), F_OK) == 0)
			return refuse(c, -EEXIST, "an overlay file exists already");
	}
	return 0;
}

int hvhost_checkpoint_take(struct hvhost *h, struct hvhost_checkpoint *c)
{
	uint64_t start = now_usec(CLOCK_MONOTONIC);
	size_t n = json_object_array_length(c->disks);
	int r;

	r = hvhost_call(h, "transaction", hvhost_checkpoint_transaction(c->disks), 0, NULL);
	c->elapsed_ms = hvhost_elapsed_ms(start);
	if (r < 0) {
		/* A refused transaction changed nothing; one without an answer may have. */
		c->state =
			r == -EREMOTEIO ? HVHOST_CHECKPOINT_NOT_TAKEN : HVHOST_CHECKPOINT_UNKNOWN;
		/*
		 * QEMU creates the overlay files as it prepares each action and leaves
		 * them when a later one fails; prepare saw none of them exist.
		 */
		for (size_t i = 0; c->state == HVHOST_CHECKPOINT_NOT_TAKEN && i < n; i++)
			(void)unlink(
				member_string(json_object_array_get_idx(c->disks, i), "overlay"));
		free(c->error);
		c->error = strdup(h->qmp && h->qmp->error_desc ? h->qmp->error_desc : strerror(-r));
		if (!h->args->json)
			printf("%-7s failed after %" PRIu64 " ms\n", "checkpoint", c->elapsed_ms);
		return r;
	}
	c->state = HVHOST_CHECKPOINT_TAKEN;
	if (h->args->json)
		return 0;
	for (size_t i = 0; i < n; i++) {
		json_object *d = json_object_array_get_idx(c->disks, i);

		printf("checkpoint %s: %s -> %s\n", member_string(d, "device"),
		       member_string(d, "checkpoint"), member_string(d, "overlay"));
	}
	printf("checkpoint of %zu disk%s, %" PRIu64 " ms\n", n, n == 1 ? "" : "s", c->elapsed_ms);
	fflush(stdout);
	return 0;
}

json_object *hvhost_checkpoint_done(struct hvhost_checkpoint *c)
{
	json_object *doc = json_object_new_object();

	json_object_object_add(
		doc, "taken",
		c->state == HVHOST_CHECKPOINT_UNKNOWN ?
			NULL :
			json_object_new_boolean(c->state == HVHOST_CHECKPOINT_TAKEN));
	json_object_object_add(doc, "disks", c->disks ? c->disks : json_object_new_array());
	json_object_object_add(doc, "elapsed-ms", json_object_new_uint64(c->elapsed_ms));
	if (c->error)
		json_object_object_add(doc, "error", json_object_new_string(c->error));
	free(c->error);
	c->error = NULL;
	c->disks = NULL;
	return doc;
}
