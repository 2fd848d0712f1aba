/* SPDX-License-Identifier: MIT */
/*
 * backup --checkpoint: Hyper-V's production checkpoint on QEMU. While the
 * guest is frozen, one QMP transaction of blockdev-snapshot-sync actions,
 * one per writable disk, turns every disk's current image into the
 * read-only point-in-time image (the backup) and sends the writes to a new
 * qcow2 overlay, atomically across the disks.
 */
#ifndef HVHOST_CHECKPOINT_H
#define HVHOST_CHECKPOINT_H

#include <json.h>
#include <stdint.h>

#include "hvhost.h"

/* The overlays' node names start with this (ids start with a letter: not a stamp). */
#define HVHOST_CHECKPOINT_NODE_PREFIX "ck-"

enum hvhost_checkpoint_state {
	HVHOST_CHECKPOINT_NOT_TAKEN,
	HVHOST_CHECKPOINT_TAKEN,
	HVHOST_CHECKPOINT_UNKNOWN, /* the transaction got no answer: see query-block */
};

struct hvhost_checkpoint {
	json_object *disks; /* [{device, drive | node, checkpoint, overlay, overlay-node}] */
	enum hvhost_checkpoint_state state;
	uint64_t elapsed_ms;
	char *error; /* why it was not taken */
};

/*
 * The disks of a query-block answer to checkpoint: attached to a device,
 * with media, writable. Each gets the overlay DIR/<device>-<stamp>.qcow2.
 * -EBADMSG if the answer is not what QEMU sends.
 */
int hvhost_checkpoint_plan(json_object *blocks, const char *dir, const char *stamp,
			   json_object **ret_disks);
/* The "transaction" arguments for a plan: {actions: [blockdev-snapshot-sync...]}. */
json_object *hvhost_checkpoint_transaction(json_object *disks);
/* "20261202T101643Z" for the UTC time t. */
void hvhost_checkpoint_stamp(int64_t t, char ret[17]);

/* Before the freeze: the plan for this VM's disks (query-block), refused if empty. */
int hvhost_checkpoint_prepare(struct hvhost *h, struct hvhost_checkpoint *c);
/* While frozen: the transaction; prints per disk what became what. */
int hvhost_checkpoint_take(struct hvhost *h, struct hvhost_checkpoint *c);
/* c as a JSON document {taken (null: unknown), disks, elapsed-ms, error?}; empties c. */
json_object *hvhost_checkpoint_done(struct hvhost_checkpoint *c);

#endif /* HVHOST_CHECKPOINT_H */
