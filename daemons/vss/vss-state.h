/* SPDX-License-Identifier: MIT */
/*
 * The state file, <StateDirectory>/state (default /run/hyperv-tools/vss/):
 * what is (or may be) frozen and which hooks still owe a "thaw". Written
 * before anything is frozen and after everything is thawed, never in
 * between. A restarted daemon and "hv_vss_daemon --thaw" use it to thaw
 * leftovers after a crash; "hv_vss_daemon --status" shows it.
 *
 *   # hv_vss_daemon state
 *   version=1
 *   state=frozen                      thawed | freezing | frozen
 *   since=1700000000000000            CLOCK_REALTIME usec
 *   pid=1234
 *   result=ok                         of the last backup
 *   fs=8:1 ext4 /dev/sda1 /           major:minor type source mount point
 *   hook=10-db /etc/hyperv-tools/vss-hooks.d/10-db
 *
 * Fields are space separated; spaces, tabs, newlines and backslashes in
 * values are escaped as in mountinfo (\040 ...). Unknown keys and bad
 * lines are ignored.
 */
#ifndef HV_VSS_STATE_H
#define HV_VSS_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vss-freeze.h"

#define VSS_STATE_FILE "state"
#define VSS_STATE_VERSION 1

enum vss_state_kind {
	VSS_STATE_THAWED,
	VSS_STATE_FREEZING,	/* hooks running or filesystems being frozen */
	VSS_STATE_FROZEN,
};

struct vss_state_fs {
	unsigned major;
	unsigned minor;
	char *fstype;
	char *source;
	char *mount_point;
};

struct vss_state_hook {
	char *name;
	char *path;
};

struct vss_state {
	enum vss_state_kind kind;
	uint64_t since_usec;	/* CLOCK_REALTIME */
	pid_t pid;
	char *result;		/* "ok", "failed", "auto-thawed", "aborted" ... or NULL */
	struct vss_state_fs *fs;	/* freeze order; when thawed: the last set frozen */
	size_t n_fs;
	struct vss_state_hook *hooks;	/* hooks whose "freeze" ran and that owe a "thaw" */
	size_t n_hooks;
};

void vss_state_clear(struct vss_state *s);
int vss_state_set_result(struct vss_state *s, const char *result);
int vss_state_add_fs(struct vss_state *s, unsigned major, unsigned minor, const char *fstype,
		     const char *source, const char *mount_point);
int vss_state_add_hook(struct vss_state *s, const char *name, const char *path);
void vss_state_clear_fs(struct vss_state *s);
void vss_state_clear_hooks(struct vss_state *s);
/* Remove hook entries by name. */
void vss_state_remove_hook(struct vss_state *s, const char *name);

const char *vss_state_kind_to_string(enum vss_state_kind k);

int vss_state_format(const struct vss_state *s, char **ret);
/* Lenient: bad lines are skipped. -EINVAL if the text is not a state file at all. */
int vss_state_parse(const char *text, struct vss_state *ret);

/* <dir>/state. Read: -ENOENT when there is none. Write: atomic (rename). */
int vss_state_read(const char *dir, struct vss_state *ret);
int vss_state_write(const char *dir, const struct vss_state *s);

/*
 * Thaw every filesystem a state records as frozen or freezing, through
 * the current mount table (mountinfo path); in reverse freeze order.
 * Logs what it did. Returns 0 when nothing is left frozen, else the first
 * error. ret_thawed (optional) counts filesystems that were frozen.
 */
int vss_state_thaw_filesystems(const struct vss_state *s, const char *mountinfo,
			       const struct vss_freezer_ops *ops, unsigned *ret_thawed);

#endif /* HV_VSS_STATE_H */
