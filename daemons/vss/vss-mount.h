/* SPDX-License-Identifier: MIT */
/*
 * What gets frozen: /proc/self/mountinfo parsed into a mount table, then
 * reduced to a plan of superblocks in a safe freeze order.
 *
 * - One entry per superblock (mountinfo's major:minor is the superblock's
 *   device: bind mounts and btrfs subvolumes share it).
 * - Candidates: writable superblocks of filesystems that live on a block
 *   device (no "nodev" in /proc/filesystems). Read-only superblocks,
 *   pseudo filesystems, configured exclusions are skipped; network and
 *   FUSE filesystems unless asked for (a hung freeze there must not hang
 *   the backup).
 * - Order: a filesystem stored in a loop image (directly or under dm/md)
 *   is frozen before the filesystem holding the image, whose freeze would
 *   otherwise block the loop device's writeback forever. Root comes last
 *   unless that rule needs otherwise. Thaw is the exact reverse.
 */
#ifndef HV_VSS_MOUNT_H
#define HV_VSS_MOUNT_H

#include <stdbool.h>
#include <stddef.h>

struct vss_mount {
	int id;
	int parent_id;
	unsigned major;
	unsigned minor;
	char *root;		/* path inside the filesystem ("/", "/sub" ...) */
	char *mount_point;	/* unescaped */
	char *mount_options;
	char *fstype;		/* "ext4", "fuse.sshfs" ... */
	char *source;		/* unescaped, may be "" */
	char *super_options;
};

struct vss_mount_table {
	struct vss_mount *mounts;
	size_t n;
};

/*
 * Parse mountinfo text. Malformed lines are skipped and counted in
 * ret_bad (optional). 0 or -ENOMEM.
 */
int vss_mountinfo_parse(const char *text, struct vss_mount_table *ret, unsigned *ret_bad);
int vss_mountinfo_load(const char *path, struct vss_mount_table *ret);
void vss_mount_table_clear(struct vss_mount_table *t);
/* The mount with this id, or NULL. */
const struct vss_mount *vss_mount_table_find_id(const struct vss_mount_table *t, int id);

/* mountinfo's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
int vss_unescape(const char *s, char **ret);
int vss_escape(const char *s, char **ret);

/* Is the option token present in a comma-separated option string? */
bool vss_has_option(const char *options, const char *option);

/* Which filesystems are in scope. */
struct vss_scope {
	/*
	 * Mount point globs (fnmatch, '*' matches '/' too). Include is matched
	 * against a filesystem's primary mount point (the first showing its
	 * root directory; bind mounts of subdirectories do not count); NULL or
	 * empty: every filesystem. Exclude skips a filesystem when any of its
	 * mount points matches.
	 */
	char *const *include;
	char *const *exclude;
	char *const *exclude_types;	/* fstype globs */
	bool network;		/* freeze NFS, CIFS, Ceph ... */
	bool fuse;		/* freeze FUSE filesystems */
	const char *filesystems;	/* default /proc/filesystems */
	const char *sysfs;	/* default /sys */
};

/* One superblock to freeze. */
struct vss_fs {
	unsigned major;
	unsigned minor;
	char *fstype;
	char *source;
	char **mount_points;	/* every mount of this superblock, the primary first */
	int *mount_ids;		/* parallel to mount_points */
	bool is_root;		/* mounted on "/" */
	bool on_loop;		/* stored in a loop image */
};

struct vss_plan {
	struct vss_fs *fs;	/* freeze order */
	size_t n;
};

/* Build the plan from a mount table. 0 or -ENOMEM. */
int vss_plan_build(const struct vss_mount_table *t, const struct vss_scope *scope,
		   struct vss_plan *ret);
void vss_plan_clear(struct vss_plan *p);
void vss_fs_clear(struct vss_fs *fs);

/* Why a filesystem type is or is not frozen by default. */
enum vss_fs_class {
	VSS_FS_BLOCK,		/* on a block device: candidate */
	VSS_FS_PSEUDO,		/* no backing device */
	VSS_FS_NETWORK,
	VSS_FS_FUSE,
};
enum vss_fs_class vss_fs_classify(const char *fstype, const char *source, const char *filesystems);

#endif /* HV_VSS_MOUNT_H */
