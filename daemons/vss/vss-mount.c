// SPDX-License-Identifier: MIT
/*
 * mountinfo parsing and the freeze plan: which superblocks, in which order.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <dirent.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "util.h"
#include "vss-mount.h"

#define MOUNTINFO_MAX_SIZE (64u * 1024u * 1024u)
#define FILESYSTEMS_MAX_SIZE (256u * 1024u)
#define SYSFS_MAX_DEPTH 8

/* Shared with the host or a cluster: a freeze there can hang or reach other machines. */
static const char *const network_types[] = {
	"9p", "afs", "beegfs", "ceph", "cifs", "coda", "davfs", "gfs2", "glusterfs", "gpfs",
	"lustre", "ncpfs", "nfs", "nfs4", "ocfs2", "orangefs", "pvfs2", "smb3", "smbfs",
	"vboxsf", "virtiofs",
};

int vss_unescape(const char *s, char **ret)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (!out)
		return -ENOMEM;
	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			char c = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));

			/* A NUL would cut the string short: keep the escape as text. */
			if (c != '\0') {
				*o++ = c;
				s += 4;
				continue;
			}
		}
		*o++ = *s++;
	}
	*o = '\0';
	*ret = out;
	return 0;
}

int vss_escape(const char *s, char **ret)
{
	char *out = malloc(strlen(s) * 4 + 1), *o = out;

	if (!out)
		return -ENOMEM;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\\' || c < 0x20 || c == 0x7f) {
			sprintf(o, "\\%03o", c);
			o += 4;
		} else {
			*o++ = (char)c;
		}
	}
	*o = '\0';
	*ret = out;
	return 0;
}

bool vss_has_option(const char *options, const char *option)
{
	size_t n = strlen(option);

	if (!options)
		return false;
	for (const char *p = options; *p;) {
		size_t len = strcspn(p, ",");

		if (len == n && strncmp(p, option, n) == 0)
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

static void mount_clear(struct vss_mount *m)
{
	free(m->root);
	free(m->mount_point);
	free(m->mount_options);
	free(m->fstype);
	free(m->source);
	free(m->super_options);
	memset(m, 0, sizeof(*m));
}

void vss_mount_table_clear(struct vss_mount_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		mount_clear(&t->mounts[i]);
	free(t->mounts);
	t->mounts = NULL;
	t->n = 0;
}

const struct vss_mount *vss_mount_table_find_id(const struct vss_mount_table *t, int id)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->mounts[i].id == id)
			return &t->mounts[i];
	return NULL;
}

static int parse_int_field(const char *s, int *ret)
{
	uint32_t v;
	int r = safe_atou32(s, &v);

	if (r < 0 || v > INT32_MAX)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

static int parse_devnum(const char *s, unsigned *ret_major, unsigned *ret_minor)
{
	_cleanup_free_ char *copy = strdup(s);
	uint32_t major, minor;
	char *colon;

	if (!copy)
		return -ENOMEM;
	colon = strchr(copy, ':');
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	if (safe_atou32(copy, &major) < 0 || safe_atou32(colon + 1, &minor) < 0)
		return -EINVAL;
	*ret_major = major;
	*ret_minor = minor;
	return 0;
}

/*
 * One line:
 *   id parent major:minor root mount_point mount_options [optional...] -
 *   fstype source super_options
 * Fields are separated by single spaces; spaces inside values are escaped.
 */
static int parse_line(char *line, struct vss_mount *ret)
{
	char *fields[64];
	size_t n = 0, dash = 0;
	struct vss_mount m = { 0 };
	int r;

	for (char *p = line; p && n < ELEMENTSOF(fields);)
		fields[n++] = strsep(&p, " ");
	for (size_t i = 6; i < n; i++) {
		if (streq(fields[i], "-")) {
			dash = i;
			break;
		}
	}
	/* 6 fixed fields, "-", then type, source, super options. */
	if (dash == 0 || n != dash + 4)
		return -EINVAL;

	if (parse_int_field(fields[0], &m.id) < 0 || parse_int_field(fields[1], &m.parent_id) < 0)
		return -EINVAL;
	r = parse_devnum(fields[2], &m.major, &m.minor);
	if (r < 0)
		return r;
	if (fields[4][0] != '/' || fields[dash + 1][0] == '\0')
		return -EINVAL;

	if (vss_unescape(fields[3], &m.root) < 0 || vss_unescape(fields[4], &m.mount_point) < 0 ||
	    vss_unescape(fields[dash + 1], &m.fstype) < 0 ||
	    vss_unescape(fields[dash + 2], &m.source) < 0 ||
	    !(m.mount_options = strdup(fields[5])) ||
	    !(m.super_options = strdup(fields[dash + 3]))) {
		mount_clear(&m);
		return -ENOMEM;
	}
	*ret = m;
	return 0;
}

int vss_mountinfo_parse(const char *text, struct vss_mount_table *ret, unsigned *ret_bad)
{
	_cleanup_free_ char *copy = strdup(text);
	struct vss_mount_table t = { 0 };
	size_t alloc = 0;
	unsigned bad = 0;
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	for (char *line = copy; line; line = save) {
		struct vss_mount m;
		int r;

		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		if (!*line)
			continue;
		r = parse_line(line, &m);
		if (r == -ENOMEM)
			goto fail_nomem;
		if (r < 0) {
			bad++;
			continue;
		}
		if (t.n == alloc) {
			size_t na = alloc ? alloc * 2 : 32;
			struct vss_mount *nm = realloc(t.mounts, na * sizeof(*nm));

			if (!nm) {
				mount_clear(&m);
				goto fail_nomem;
			}
			t.mounts = nm;
			alloc = na;
		}
		t.mounts[t.n++] = m;
	}
	*ret = t;
	if (ret_bad)
		*ret_bad = bad;
	return 0;
fail_nomem:
	vss_mount_table_clear(&t);
	return -ENOMEM;
}

int vss_mountinfo_load(const char *path, struct vss_mount_table *ret)
{
	_cleanup_free_ char *text = NULL;
	unsigned bad = 0;
	int r;

	r = read_full_file(path, MOUNTINFO_MAX_SIZE, &text, NULL);
	if (r < 0)
		return log_debug_errno(r, "Cannot read %s: %m", path);
	r = vss_mountinfo_parse(text, ret, &bad);
	if (r < 0)
		return r;
	if (bad)
		log_debug("%s: %u malformed lines ignored", path, bad);
	return 0;
}

/* Is name listed in /proc/filesystems text, and with "nodev"? -1 unknown, 0 block, 1 nodev. */
static int filesystems_nodev(const char *filesystems, const char *name)
{
	size_t n = strlen(name);

	if (!filesystems)
		return -1;
	for (const char *p = filesystems; *p;) {
		size_t len = strcspn(p, "\n");
		const char *tab = memchr(p, '\t', len);

		if (tab) {
			const char *fs = tab + 1;
			size_t fslen = len - (size_t)(fs - p);

			if (fslen == n && strncmp(fs, name, n) == 0)
				return tab - p == 5 && strncmp(p, "nodev", 5) == 0;
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	return -1;
}

enum vss_fs_class vss_fs_classify(const char *fstype, const char *source, const char *filesystems)
{
	_cleanup_free_ char *base = strdup(fstype);
	int nodev;

	if (!base)
		return VSS_FS_PSEUDO;
	if (streq(fstype, "fuse") || streq(fstype, "fuseblk") || startswith(fstype, "fuse."))
		return VSS_FS_FUSE;
	/* "nfs4", "cifs" ... and subtyped variants like "ceph.foo". */
	base[strcspn(base, ".")] = '\0';
	for (size_t i = 0; i < ELEMENTSOF(network_types); i++)
		if (streq(base, network_types[i]))
			return VSS_FS_NETWORK;
	nodev = filesystems_nodev(filesystems, fstype);
	if (nodev == 1)
		return VSS_FS_PSEUDO;
	if (nodev == 0)
		return VSS_FS_BLOCK;
	/* Not registered (or no /proc/filesystems): trust the source. */
	return startswith(source, "/dev/") ? VSS_FS_BLOCK : VSS_FS_PSEUDO;
}

static bool glob_match_any(char *const *globs, const char *s)
{
	STRV_FOREACH(g, globs)
		if (fnmatch(*g, s, 0) == 0)
			return true;
	return false;
}

void vss_fs_clear(struct vss_fs *fs)
{
	free(fs->fstype);
	free(fs->source);
	strv_free(fs->mount_points);
	free(fs->mount_ids);
	memset(fs, 0, sizeof(*fs));
}

void vss_plan_clear(struct vss_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		vss_fs_clear(&p->fs[i]);
	free(p->fs);
	p->fs = NULL;
	p->n = 0;
}

/* Per-superblock bookkeeping while building the plan. */
struct sb {
	struct vss_fs fs;
	bool excluded;		/* by a mount point or type */
	bool included;		/* its primary mount point is in scope */
	bool skip;		/* wrong class or read-only */
	bool front_is_root;	/* mount_points[0] shows the filesystem's root */
	size_t first;		/* index of its first mount in the table */
	/* ordering */
	size_t *after;		/* indices of superblocks frozen after this one */
	size_t n_after;
	unsigned n_before;	/* superblocks that must be frozen before this one */
	bool placed;
};

static int sb_add_mount(struct sb *s, const struct vss_mount *m)
{
	size_t n = strv_length(s->fs.mount_points);
	bool preferred = streq(m->root, "/") && !s->front_is_root;
	int *ids;
	int r;

	ids = realloc(s->fs.mount_ids, (n + 1) * sizeof(int));
	if (!ids)
		return -ENOMEM;
	s->fs.mount_ids = ids;
	r = strv_extend(&s->fs.mount_points, m->mount_point);
	if (r < 0)
		return r;
	if (preferred)
		s->front_is_root = true;
	if (preferred && n > 0) {
		/* Move to the front: a mount of the filesystem's root is the natural handle. */
		char *mp = s->fs.mount_points[n];

		memmove(&s->fs.mount_points[1], &s->fs.mount_points[0], n * sizeof(char *));
		memmove(&ids[1], &ids[0], n * sizeof(int));
		s->fs.mount_points[0] = mp;
		ids[0] = m->id;
	} else {
		ids[n] = m->id;
	}
	return 0;
}

/* The mount whose mount point is the longest prefix of path (the last one wins a tie). */
static const struct vss_mount *mount_containing(const struct vss_mount_table *t, const char *path)
{
	const struct vss_mount *best = NULL;
	size_t best_len = 0;

	for (size_t i = 0; i < t->n; i++) {
		const char *mp = t->mounts[i].mount_point;
		size_t len = strlen(mp);

		if (streq(mp, "/"))
			len = 0;
		else if (strncmp(path, mp, len) != 0 || (path[len] != '/' && path[len] != '\0'))
			continue;
		if (!best || len >= best_len) {
			best = &t->mounts[i];
			best_len = len;
		}
	}
	return best;
}

static int read_sysfs_line(const char *path, char **ret)
{
	_cleanup_free_ char *s = NULL;
	int r;

	r = read_full_file(path, 8192, &s, NULL);
	if (r < 0)
		return r;
	s[strcspn(s, "\n")] = '\0';
	*ret = TAKE_PTR(s);
	return 0;
}

/*
 * Files backing the block device major:minor through loop devices, at any
 * depth of dm/md stacking (slaves/) and partitions of loop devices.
 */
static int collect_backing_files(const char *sysfs, unsigned major, unsigned minor,
				 unsigned depth, char ***backing, bool *ret_on_loop)
{
	_cleanup_free_ char *base = NULL, *p = NULL, *file = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r;

	if (depth > SYSFS_MAX_DEPTH)
		return 0;
	if (asprintf(&base, "%s/dev/block/%u:%u", sysfs, major, minor) < 0)
		return -ENOMEM;

	for (int parent = 0; parent < 2; parent++) {
		free(p);
		if (asprintf(&p, "%s%s/loop/backing_file", base, parent ? "/.." : "") < 0)
			return -ENOMEM;
		r = read_sysfs_line(p, &file);
		if (r == -ENOMEM)
			return r;
		if (r >= 0) {
			*ret_on_loop = true;
			if (*file)
				return strv_push(backing, TAKE_PTR(file));
			return 0;
		}
		/* A partition of a loop device: the loop/ directory is its parent's. */
		free(p);
		if (asprintf(&p, "%s/partition", base) < 0)
			return -ENOMEM;
		if (access(p, F_OK) < 0)
			break;
	}

	free(p);
	if (asprintf(&p, "%s/slaves", base) < 0)
		return -ENOMEM;
	d = opendir(p);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		_cleanup_free_ char *devfile = NULL, *dev = NULL;
		unsigned smaj, smin;

		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&devfile, "%s/%s/dev", p, de->d_name) < 0)
			return -ENOMEM;
		if (read_sysfs_line(devfile, &dev) < 0)
			continue;
		if (parse_devnum(dev, &smaj, &smin) < 0)
			continue;
		r = collect_backing_files(sysfs, smaj, smin, depth + 1, backing, ret_on_loop);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The block device of a superblock: its own number, or (btrfs, anonymous 0:N) its source's. */
static bool sb_block_device(const struct sb *s, unsigned *ret_major, unsigned *ret_minor)
{
	struct stat st;

	if (s->fs.major != 0) {
		*ret_major = s->fs.major;
		*ret_minor = s->fs.minor;
		return true;
	}
	if (!startswith(s->fs.source, "/dev/") || stat(s->fs.source, &st) < 0 ||
	    !S_ISBLK(st.st_mode))
		return false;
	*ret_major = major(st.st_rdev);
	*ret_minor = minor(st.st_rdev);
	return true;
}

static int add_edge(struct sb *from, struct sb *to, size_t to_index)
{
	size_t *na;

	for (size_t i = 0; i < from->n_after; i++)
		if (from->after[i] == to_index)
			return 0;
	na = realloc(from->after, (from->n_after + 1) * sizeof(size_t));
	if (!na)
		return -ENOMEM;
	from->after = na;
	from->after[from->n_after++] = to_index;
	to->n_before++;
	return 0;
}

/* Edges "a filesystem in a loop image before the filesystem holding the image". */
static int order_loop_dependencies(const struct vss_mount_table *t, const struct vss_scope *scope,
				   struct sb *sbs, size_t n)
{
	const char *sysfs = scope->sysfs ? scope->sysfs : "/sys";

	for (size_t i = 0; i < n; i++) {
		_cleanup_strv_free_ char **backing = NULL;
		unsigned major, minor;
		int r;

		if (sbs[i].skip || !sb_block_device(&sbs[i], &major, &minor))
			continue;
		r = collect_backing_files(sysfs, major, minor, 0, &backing, &sbs[i].fs.on_loop);
		if (r < 0)
			return r;
		STRV_FOREACH(f, backing) {
			const struct vss_mount *m = mount_containing(t, *f);

			if (!m)
				continue;
			for (size_t j = 0; j < n; j++) {
				if (j == i || sbs[j].skip || sbs[j].fs.major != m->major ||
				    sbs[j].fs.minor != m->minor)
					continue;
				log_debug("%s is stored in %s: frozen before %s", sbs[i].fs.mount_points[0],
					  *f, sbs[j].fs.mount_points[0]);
				r = add_edge(&sbs[i], &sbs[j], j);
				if (r < 0)
					return r;
			}
		}
	}
	return 0;
}

/*
 * Pick the next superblock whose prerequisites are frozen: loop-stored
 * ones first (their writeback needs the filesystem below), root last,
 * otherwise mount order.
 */
static size_t pick_next(const struct sb *sbs, size_t n)
{
	size_t best = SIZE_MAX;
	int best_rank = 0;

	for (size_t i = 0; i < n; i++) {
		int rank;

		if (sbs[i].skip || sbs[i].placed || sbs[i].n_before > 0)
			continue;
		rank = sbs[i].fs.on_loop ? 0 : sbs[i].fs.is_root ? 2 : 1;
		if (best == SIZE_MAX || rank < best_rank) {
			best = i;
			best_rank = rank;
		}
	}
	return best;
}

static void sbs_free(struct sb *sbs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		vss_fs_clear(&sbs[i].fs);
		free(sbs[i].after);
	}
	free(sbs);
}

static bool scope_includes(const struct vss_scope *scope, const char *mount_point)
{
	if (!scope->include || !scope->include[0])
		return true;
	return glob_match_any(scope->include, mount_point);
}

int vss_plan_build(const struct vss_mount_table *t, const struct vss_scope *scope,
		   struct vss_plan *ret)
{
	_cleanup_free_ char *filesystems = NULL;
	struct vss_plan plan = { 0 };
	struct sb *sbs = NULL;
	size_t n = 0, remaining = 0;
	int r;

	if (read_full_file(scope->filesystems ? scope->filesystems : "/proc/filesystems",
			   FILESYSTEMS_MAX_SIZE, &filesystems, NULL) < 0)
		filesystems = NULL;

	sbs = calloc(t->n ? t->n : 1, sizeof(*sbs));
	if (!sbs)
		return -ENOMEM;

	for (size_t i = 0; i < t->n; i++) {
		const struct vss_mount *m = &t->mounts[i];
		struct sb *s = NULL;

		for (size_t j = 0; j < n; j++) {
			if (sbs[j].fs.major == m->major && sbs[j].fs.minor == m->minor) {
				s = &sbs[j];
				break;
			}
		}
		if (!s) {
			enum vss_fs_class class;

			s = &sbs[n++];
			s->fs.major = m->major;
			s->fs.minor = m->minor;
			s->first = i;
			s->fs.fstype = strdup(m->fstype);
			s->fs.source = strdup(m->source);
			if (!s->fs.fstype || !s->fs.source) {
				r = -ENOMEM;
				goto fail;
			}
			class = vss_fs_classify(m->fstype, m->source, filesystems);
			if (vss_has_option(m->super_options, "ro")) {
				log_debug("%s: read-only, skipped", m->mount_point);
				s->skip = true;
			} else if ((class == VSS_FS_PSEUDO) ||
				   (class == VSS_FS_NETWORK && !scope->network) ||
				   (class == VSS_FS_FUSE && !scope->fuse)) {
				log_debug("%s: %s filesystem %s, skipped", m->mount_point,
					  class == VSS_FS_NETWORK ? "network" :
					  class == VSS_FS_FUSE ? "FUSE" : "pseudo", m->fstype);
				s->skip = true;
			} else if (glob_match_any(scope->exclude_types, m->fstype)) {
				log_debug("%s: type %s excluded", m->mount_point, m->fstype);
				s->excluded = true;
			}
		}
		if (glob_match_any(scope->exclude, m->mount_point)) {
			log_debug("%s: excluded", m->mount_point);
			s->excluded = true;
		}
		if (streq(m->mount_point, "/"))
			s->fs.is_root = true;
		if (!s->skip) {
			r = sb_add_mount(s, m);
			if (r < 0)
				goto fail;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct sb *s = &sbs[i];

		/* Include is about where a filesystem is mounted, not where parts of it are bound. */
		if (!s->skip && !s->excluded && !scope_includes(scope, s->fs.mount_points[0]))
			log_debug("%s: not included", s->fs.mount_points[0]);
		else if (!s->skip && !s->excluded)
			s->included = true;
		if (!s->included)
			s->skip = true;
		else
			remaining++;
	}

	r = order_loop_dependencies(t, scope, sbs, n);
	if (r < 0)
		goto fail;

	plan.fs = calloc(remaining ? remaining : 1, sizeof(*plan.fs));
	if (!plan.fs) {
		r = -ENOMEM;
		goto fail;
	}
	while (plan.n < remaining) {
		size_t next = pick_next(sbs, n);

		if (next == SIZE_MAX) {
			/* A cycle cannot come from real stacking; keep mount order for the rest. */
			log_debug("Loop device dependencies form a cycle; using mount order");
			for (size_t i = 0; i < n; i++)
				sbs[i].n_before = 0;
			continue;
		}
		sbs[next].placed = true;
		for (size_t k = 0; k < sbs[next].n_after; k++)
			if (sbs[sbs[next].after[k]].n_before > 0)
				sbs[sbs[next].after[k]].n_before--;
		plan.fs[plan.n++] = sbs[next].fs;
		memset(&sbs[next].fs, 0, sizeof(sbs[next].fs));
	}
	sbs_free(sbs, n);
	*ret = plan;
	return 0;
fail:
	sbs_free(sbs, n);
	vss_plan_clear(&plan);
	return r;
}
