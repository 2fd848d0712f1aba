/* SPDX-License-Identifier: MIT */
/*
 * hv_vss_daemon configuration: /etc/hyperv-tools/vss.conf, overridden by
 * the command line. A bad value warns and keeps the default.
 */
#ifndef HV_VSS_CONF_H
#define HV_VSS_CONF_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

#ifndef HV_SYSCONFDIR
#define HV_SYSCONFDIR "/etc/hyperv-tools"
#endif

#define VSS_DEFAULT_CONFIG_FILE HV_SYSCONFDIR "/vss.conf"
#define VSS_DEFAULT_DEVICE "/dev/vmbus/hv_vss"
/* /run is tmpfs: the state file is never on a filesystem the daemon freezes. */
#define VSS_DEFAULT_STATE_DIR "/run/hyperv-tools/vss"
#define VSS_DEFAULT_HOOK_DIR HV_SYSCONFDIR "/vss-hooks.d"
#define VSS_DEFAULT_MOUNTINFO "/proc/self/mountinfo"
/*
 * Longest time filesystems stay frozen without a THAW. The kernel gives a
 * FREEZE 900 s; a host snapshot takes seconds. Past this the daemon thaws
 * on its own and reports the backup as failed.
 */
#define VSS_DEFAULT_AUTO_THAW_USEC (120 * USEC_PER_SEC)
/* Upper bound for AutoThawTimeout: stay under the kernel's FREEZE timeout. */
#define VSS_MAX_AUTO_THAW_USEC (850 * USEC_PER_SEC)
#define VSS_DEFAULT_HOOK_TIMEOUT_USEC (60 * USEC_PER_SEC)
#define VSS_MAX_HOOK_TIMEOUT_USEC (800 * USEC_PER_SEC)

struct vss_config {
	/* [Daemon] */
	char *device;		/* Device= */
	char *state_dir;	/* StateDirectory= */
	int log_level;		/* LogLevel= */

	/* [Freeze] */
	uint64_t auto_thaw_usec;	/* AutoThawTimeout= */
	char **include;		/* Include=: mount point globs; empty = every mount */
	char **exclude;		/* Exclude=: mount point globs */
	char **exclude_types;	/* ExcludeTypes=: filesystem type globs */
	bool freeze_network;	/* FreezeNetwork= */
	bool freeze_fuse;	/* FreezeFuse= */
	char *mountinfo;	/* MountInfo= */

	/* [Hooks] */
	bool hooks_enabled;	/* Enabled= */
	char **hook_dirs;	/* Directory= (list) */
	uint64_t hook_timeout_usec;	/* Timeout= */
};

/* Defaults. 0 or -ENOMEM. */
int vss_config_init(struct vss_config *c);
void vss_config_done(struct vss_config *c);

/* Parse a file into c (missing file: defaults stay). */
int vss_config_load(struct vss_config *c, const char *path, unsigned *ret_warnings);
/* Same, from text (tests). */
int vss_config_load_text(struct vss_config *c, const char *name, const char *text,
			 unsigned *ret_warnings);

#endif /* HV_VSS_CONF_H */
