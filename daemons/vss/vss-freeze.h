/* SPDX-License-Identifier: MIT */
/*
 * The freeze engine: FIFREEZE/FITHAW on the superblocks of a plan.
 *
 * Every filesystem is opened first (the descriptors pin the superblocks:
 * a lazy unmount cannot take a frozen filesystem out of reach). Freezing
 * runs in a worker thread, one filesystem after the other in plan order,
 * so the event loop (watchdog, signals, the auto-thaw timer) keeps running
 * while a freeze syncs a slow disk. Thawing is synchronous, in reverse
 * order, and may interrupt the worker: a freeze that completes after the
 * thaw started is undone by the worker itself, so an abandoned freeze
 * never leaves a filesystem frozen.
 *
 * Nothing here logs above debug level, and the worker never logs at all.
 */
#ifndef HV_VSS_FREEZE_H
#define HV_VSS_FREEZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "vss-mount.h"

/* The ioctls, replaceable so tests can inject refusals and stalls. */
struct vss_freezer_ops {
	/* FIFREEZE or FITHAW on fd: 0 or a negative errno. Called from the worker too. */
	int (*ioctl)(int fd, unsigned long request, void *userdata);
	void *userdata;
};

struct vss_freezer;

typedef void (*vss_freezer_done_fn)(struct vss_freezer *f, int result, void *userdata);

/*
 * Take ownership of plan and open every filesystem. A filesystem that
 * cannot be opened is recorded as failed (step "open"), the freezer is
 * still returned. ops may be NULL (the real ioctls).
 */
int vss_freezer_new(struct vss_plan *plan, const struct vss_freezer_ops *ops,
		    struct vss_freezer **ret);
/* Thaws anything still frozen, then frees; a running worker is detached. */
struct vss_freezer *vss_freezer_free(struct vss_freezer *f);

/*
 * Freeze everything in the worker; done(result) runs on the event loop
 * when the worker ends: 0 when all are frozen, else the first error (the
 * failed filesystem is vss_freezer_failed_index(); those before it stay
 * frozen until vss_freezer_thaw()), or -ECANCELED when vss_freezer_thaw()
 * interrupted it (the worker has then undone whatever it froze late).
 * Fails at once, freezing nothing, if a filesystem could not be opened.
 */
int vss_freezer_start(struct vss_freezer *f, sd_event *event, vss_freezer_done_fn done,
		      void *userdata);

/*
 * Stop the worker and thaw every frozen filesystem, last frozen first.
 * Returns 0 or the first thaw error (the others are still attempted).
 * A filesystem someone else already thawed counts as thawed.
 */
int vss_freezer_thaw(struct vss_freezer *f);

/*
 * The worker is still inside the kernel: after vss_freezer_thaw() this
 * means a freeze may yet complete (and be undone by the worker).
 */
bool vss_freezer_running(const struct vss_freezer *f);
/* Wait up to timeout_usec for the worker to end (exit path). 0 or -ETIMEDOUT. */
int vss_freezer_wait(struct vss_freezer *f, uint64_t timeout_usec);
size_t vss_freezer_count(const struct vss_freezer *f);
/* How many are frozen right now (from the event loop's point of view). */
size_t vss_freezer_frozen_count(const struct vss_freezer *f);
const struct vss_fs *vss_freezer_fs(const struct vss_freezer *f, size_t i);
/* The mount point the filesystem was opened through (NULL when it could not be). */
const char *vss_freezer_mount_point(const struct vss_freezer *f, size_t i);
bool vss_freezer_is_frozen(const struct vss_freezer *f, size_t i);
/*
 * Error of the failed step (0 if none) and the step's name: "open",
 * "freeze", "thaw", or "unsupported" for a filesystem that cannot be
 * frozen (EOPNOTSUPP: skipped, not a failure).
 */
int vss_freezer_error(const struct vss_freezer *f, size_t i, const char **ret_step);
/* Index of the filesystem that failed, or SIZE_MAX. */
size_t vss_freezer_failed_index(const struct vss_freezer *f);

/*
 * Open a mount point of a mount table entry for the ioctls: no side
 * effects on special files, and the opened object must really be that
 * mount (not something mounted over it, not a directory left behind).
 */
int vss_open_mount(const char *mount_point, int mount_id);

/*
 * Thaw a superblock recorded earlier (state file): found in t by device
 * number and type, or by mount point, type and source. Returns 1 if it was
 * frozen and is now thawed, 0 if it is not mounted or was not frozen, or a
 * negative errno. ret_path (optional) gets the path used.
 */
int vss_thaw_recorded(const struct vss_mount_table *t, unsigned major, unsigned minor,
		      const char *fstype, const char *source, const char *mount_point,
		      const struct vss_freezer_ops *ops, char **ret_path);

#endif /* HV_VSS_FREEZE_H */
