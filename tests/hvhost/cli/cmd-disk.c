// SPDX-License-Identifier: MIT
/*
 * disk-add and disk-del: SCSI disks hot added to and removed from a running
 * VM's controller, as Hyper-V adds a virtual disk to a SCSI controller. A
 * disk of disk-add is a block node (blockdev-add) and a scsi-hd of the same
 * name on bus <controller>.0; boot's disk<i> are -drive backends of that
 * name, which QEMU deletes together with their scsi-hd.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checkpoint.h"
#include "cleanup.h"
#include "hvhost.h"
#include "log.h"
#include "util.h"

/* Where QOM keeps the devices of -device/device_add: with an id, and without. */
static const char *const peripheral_paths[] = { "/machine/peripheral", "/machine/peripheral-anon" };

/* A qom-get answer that must be a string / a number. */
static int qom_string(json_object *v, const char *property, const char **ret)
{
	if (!json_object_is_type(v, json_type_string)) {
		log_error("qom-get: '%s' is not a string", property);
		return -EBADMSG;
	}
	*ret = json_object_get_string(v);
	return 0;
}

static int qom_u32(json_object *v, const char *property, uint32_t *ret)
{
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
	    json_object_get_int64(v) > UINT32_MAX) {
		log_error("qom-get: '%s' is not a 32-bit number", property);
		return -EBADMSG;
	}
	*ret = (uint32_t)json_object_get_int64(v);
	return 0;
}

/* Is the bus at this QOM path (…/scsi0/scsi0.0, …/virtio-backend/scsi0.0) the bus named bus? */
static bool bus_is(const char *path, const char *bus)
{
	const char *last = strrchr(path, '/');

	return streq(last ? last + 1 : path, bus);
}

/*
 * Mark in used[] the LUNs of the SCSI devices (scsi-hd, scsi-cd, scsi-block,
 * scsi-generic: QOM types "scsi-*") below path whose parent bus is bus.
 * QOM is the one place QMP shows a device's LUN and bus.
 */
static int mark_used_luns(struct hvhost *h, const char *path, const char *bus, bool *used)
{
	json_object *list = NULL;
	int r;

	r = hvhost_qom_children(h, path, &list);
	if (r < 0)
		return r;
	for (size_t i = 0; r >= 0 && i < json_object_array_length(list); i++) {
		_cleanup_free_ char *dev = NULL;
		json_object *parent = NULL, *lun = NULL;
		const char *name, *type, *parent_path;
		size_t type_len;
		uint32_t n;

		if (!hvhost_qom_child(json_object_array_get_idx(list, i), &name, &type,
				      &type_len) ||
		    !startswith(type, "scsi-"))
			continue;
		if (asprintf(&dev, "%s/%s", path, name) < 0) {
			r = log_oom();
			break;
		}
		r = hvhost_qom_get(h, dev, "parent_bus", &parent);
		if (r == 0)
			r = qom_string(parent, "parent_bus", &parent_path);
		if (r == 0 && bus_is(parent_path, bus)) {
			r = hvhost_qom_get(h, dev, "lun", &lun);
			if (r == 0)
				r = qom_u32(lun, "lun", &n);
			if (r == 0 && n <= HVHOST_MAX_LUN)
				used[n] = true;
		}
		json_object_put(parent);
		json_object_put(lun);
	}
	json_object_put(list);
	return r;
}

static int lowest_free_lun(struct hvhost *h, const char *bus, int *ret)
{
	_cleanup_free_ bool *used = calloc(HVHOST_MAX_LUN + 1, sizeof(*used));
	int r;

	if (!used)
		return log_oom();
	for (size_t i = 0; i < ELEMENTSOF(peripheral_paths); i++) {
		r = mark_used_luns(h, peripheral_paths[i], bus, used);
		if (r < 0)
			return r;
	}
	for (unsigned lun = 0; lun <= HVHOST_MAX_LUN; lun++) {
		if (!used[lun]) {
			*ret = (int)lun;
			return 0;
		}
	}
	return log_error_errno(ENOSPC, "disk-add: no free LUN on %s", bus);
}

int hvhost_cmd_disk_add(struct hvhost *h)
{
	const struct hvhost_args *a = h->args;
	const char *controller = a->controller ? a->controller : HVHOST_SCSI_CONTROLLER;
	_cleanup_free_ char *file = NULL, *bus = NULL, *default_id = NULL;
	json_object *args, *proto;
	const char *id = a->device_id;
	struct stat st;
	int lun = a->lun, r;

	if (hvhost_make_absolute(a->disk_file, &file) < 0 || asprintf(&bus, "%s.0", controller) < 0)
		return log_oom();
	if (lun < 0) {
		r = lowest_free_lun(h, bus, &lun);
		if (r < 0)
			return r;
	}
	if (!id) {
		if (asprintf(&default_id, "disk%d", lun) < 0)
			return log_oom();
		id = default_id;
	}

	/* QEMU's "file" driver refuses block devices: those are "host_device". */
	proto = json_object_new_object();
	json_object_object_add(proto, "driver",
			       json_object_new_string(stat(file, &st) == 0 && S_ISBLK(st.st_mode) ?
							      "host_device" :
							      "file"));
	json_object_object_add(proto, "filename", json_object_new_string(file));
	args = json_object_new_object();
	json_object_object_add(args, "driver", json_object_new_string(a->disk_format));
	json_object_object_add(args, "node-name", json_object_new_string(id));
	json_object_object_add(args, "discard", json_object_new_string("unmap"));
	json_object_object_add(args, "file", proto);
	r = hvhost_call(h, "blockdev-add", args, 0, NULL);
	if (r < 0)
		return r;

	args = json_object_new_object();
	json_object_object_add(args, "driver", json_object_new_string("scsi-hd"));
	json_object_object_add(args, "drive", json_object_new_string(id));
	json_object_object_add(args, "bus", json_object_new_string(bus));
	json_object_object_add(args, "channel", json_object_new_int(0));
	json_object_object_add(args, "scsi-id", json_object_new_int(0));
	json_object_object_add(args, "lun", json_object_new_int(lun));
	json_object_object_add(args, "id", json_object_new_string(id));
	r = hvhost_device_add_on(h, args, "blockdev-del", "node-name", id);
	if (r < 0)
		return r;

	if (a->json) {
		json_object *doc = json_object_new_object();

		json_object_object_add(doc, "id", json_object_new_string(id));
		json_object_object_add(doc, "file", json_object_new_string(file));
		json_object_object_add(doc, "format", json_object_new_string(a->disk_format));
		json_object_object_add(doc, "controller", json_object_new_string(controller));
		json_object_object_add(doc, "lun", json_object_new_int(lun));
		json_object_object_add(doc, "added", json_object_new_boolean(true));
		return hvhost_json_print(doc);
	}
	printf("added %s: %s (%s) as LUN %d on %s\n", id, file, a->disk_format, lun, controller);
	return 0;
}

/*
 * The block backend of device id in a query-block answer: *ret_drive its
 * name (a -drive backend), or *ret_node the node to delete (blockdev-add).
 */
static int find_disk(json_object *blocks, const char *id, const char **ret_drive,
		     const char **ret_node)
{
	for (size_t i = 0; i < json_object_array_length(blocks); i++) {
		json_object *b = json_object_array_get_idx(blocks, i), *v, *inserted;
		const char *drive = "", *node = NULL;

		if (!json_object_object_get_ex(b, "qdev", &v) ||
		    !json_object_is_type(v, json_type_string) ||
		    !streq(json_object_get_string(v), id))
			continue;
		if (json_object_object_get_ex(b, "device", &v) &&
		    json_object_is_type(v, json_type_string))
			drive = json_object_get_string(v);
		if (json_object_object_get_ex(b, "inserted", &inserted) &&
		    json_object_object_get_ex(inserted, "node-name", &v) &&
		    json_object_is_type(v, json_type_string))
			node = json_object_get_string(v);
		if (*drive) {
			*ret_drive = drive;
			*ret_node = NULL;
			return 0;
		}
		/*
		 * On top a checkpoint's overlay (backup --checkpoint), which QEMU frees
		 * with the device, or a name QEMU made up: the node disk-add made is the
		 * one named like the device.
		 */
		*ret_drive = NULL;
		*ret_node = node && *node && node[0] != '#' &&
					    !startswith(node, HVHOST_CHECKPOINT_NODE_PREFIX) ?
				    node :
				    id;
		return 0;
	}
	return -ENOENT;
}

int hvhost_cmd_disk_del(struct hvhost *h)
{
	const struct hvhost_args *a = h->args;
	const char *id = a->device_id, *drive = NULL, *node = NULL;
	_cleanup_free_ char *drive_copy = NULL, *node_copy = NULL;
	json_object *blocks = NULL;
	int r;

	r = hvhost_call(h, "query-block", NULL, 0, &blocks);
	if (r == 0)
		r = hvhost_expect_array(blocks, "query-block");
	if (r == 0) {
		r = find_disk(blocks, id, &drive, &node);
		if (r < 0)
			log_error("disk-del: no disk %s (no block backend is attached to it)", id);
	}
	if (r == 0 &&
	    ((drive && !(drive_copy = strdup(drive))) || (node && !(node_copy = strdup(node)))))
		r = log_oom();
	json_object_put(blocks);
	if (r < 0)
		return r;

	r = hvhost_unplug(h, id, a->wait_usec);
	if (r < 0) {
		if (r == -ETIMEDOUT && node_copy)
			log_error("disk-del: block node %s is kept while %s exists", node_copy, id);
		return r;
	}
	/* A -drive backend QEMU deletes with its SCSI device; a blockdev-add node is ours. */
	if (node_copy) {
		r = hvhost_call_name(h, "blockdev-del", "node-name", node_copy);
		if (r < 0) {
			log_error("disk-del: %s is gone, but its block node %s is left", id,
				  node_copy);
			return r;
		}
	}

	if (a->json) {
		json_object *doc = json_object_new_object();

		json_object_object_add(doc, "id", json_object_new_string(id));
		json_object_object_add(doc, "drive",
				       drive_copy ? json_object_new_string(drive_copy) : NULL);
		json_object_object_add(doc, "node",
				       node_copy ? json_object_new_string(node_copy) : NULL);
		json_object_object_add(doc, "deleted", json_object_new_boolean(true));
		return hvhost_json_print(doc);
	}
	if (node_copy)
		printf("deleted %s and its block node %s\n", id, node_copy);
	else
		printf("deleted %s (QEMU deleted its drive %s with it)\n", id, drive_copy);
	return 0;
}
