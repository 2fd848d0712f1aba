// SPDX-License-Identifier: MIT
/*
 * The /run state file: format, parse, atomic write, leftover thaw.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "log.h"
#include "util.h"
#include "vss-mount.h"
#include "vss-state.h"

#define STATE_MAX_SIZE (4u * 1024u * 1024u)
#define STATE_MAX_ENTRIES 65536

static const char *const kind_names[] = {
	[VSS_STATE_THAWED] = "thawed",
	[VSS_STATE_FREEZING] = "freezing",
	[VSS_STATE_FROZEN] = "frozen",
};

const char *vss_state_kind_to_string(enum vss_state_kind k)
{
	return (size_t)k < ELEMENTSOF(kind_names) ? kind_names[k] : "unknown";
}

static void state_fs_clear(struct vss_state_fs *f)
{
	free(f->fstype);
	free(f->source);
	free(f->mount_point);
}

void vss_state_clear_fs(struct vss_state *s)
{
	for (size_t i = 0; i < s->n_fs; i++)
		state_fs_clear(&s->fs[i]);
	free(s->fs);
	s->fs = NULL;
	s->n_fs = 0;
}

void vss_state_clear_hooks(struct vss_state *s)
{
	for (size_t i = 0; i < s->n_hooks; i++) {
		free(s->hooks[i].name);
		free(s->hooks[i].path);
	}
	free(s->hooks);
	s->hooks = NULL;
	s->n_hooks = 0;
}

void vss_state_clear(struct vss_state *s)
{
	vss_state_clear_fs(s);
	vss_state_clear_hooks(s);
	free(s->result);
	memset(s, 0, sizeof(*s));
}

int vss_state_set_result(struct vss_state *s, const char *result)
{
	char *r = NULL;

	if (result && !(r = strdup(result)))
		return -ENOMEM;
	free(s->result);
	s->result = r;
	return 0;
}

int vss_state_add_fs(struct vss_state *s, unsigned major, unsigned minor, const char *fstype,
		     const char *source, const char *mount_point)
{
	struct vss_state_fs *nf, f = { .major = major, .minor = minor };

	if (s->n_fs >= STATE_MAX_ENTRIES)
		return -E2BIG;
	f.fstype = strdup(fstype);
	f.source = strdup(source);
	f.mount_point = strdup(mount_point);
	nf = realloc(s->fs, (s->n_fs + 1) * sizeof(*nf));
	if (!f.fstype || !f.source || !f.mount_point || !nf) {
		state_fs_clear(&f);
		if (nf)
			s->fs = nf;
		return -ENOMEM;
	}
	s->fs = nf;
	s->fs[s->n_fs++] = f;
	return 0;
}

int vss_state_add_hook(struct vss_state *s, const char *name, const char *path)
{
	struct vss_state_hook *nh, h;

	if (s->n_hooks >= STATE_MAX_ENTRIES)
		return -E2BIG;
	h.name = strdup(name);
	h.path = strdup(path);
	nh = realloc(s->hooks, (s->n_hooks + 1) * sizeof(*nh));
	if (!h.name || !h.path || !nh) {
		free(h.name);
		free(h.path);
		if (nh)
			s->hooks = nh;
		return -ENOMEM;
	}
	s->hooks = nh;
	s->hooks[s->n_hooks++] = h;
	return 0;
}

void vss_state_remove_hook(struct vss_state *s, const char *name)
{
	size_t w = 0;

	for (size_t i = 0; i < s->n_hooks; i++) {
		if (streq(s->hooks[i].name, name)) {
			free(s->hooks[i].name);
			free(s->hooks[i].path);
			continue;
		}
		s->hooks[w++] = s->hooks[i];
	}
	s->n_hooks = w;
}

/* Append printf output to a growing buffer. */
struct buf {
	char *p;
	size_t len;
	size_t alloc;
	bool failed;
};

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return;
	for (;;) {
		size_t room = b->alloc - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t na = MAX(b->alloc * 2, b->len + (size_t)n + 256);
			char *np = realloc(b->p, na);

			if (!np) {
				b->failed = true;
				return;
			}
			b->p = np;
			b->alloc = na;
		}
	}
}

int vss_state_format(const struct vss_state *s, char **ret)
{
	struct buf b = { 0 };

	buf_printf(&b, "# hv_vss_daemon state: see hv_vss_daemon --status\n");
	buf_printf(&b, "version=%d\n", VSS_STATE_VERSION);
	buf_printf(&b, "state=%s\n", vss_state_kind_to_string(s->kind));
	buf_printf(&b, "since=%llu\n", (unsigned long long)s->since_usec);
	buf_printf(&b, "pid=%d\n", (int)s->pid);
	if (s->result) {
		_cleanup_free_ char *r = NULL;

		if (vss_escape(s->result, &r) < 0)
			b.failed = true;
		else
			buf_printf(&b, "result=%s\n", r);
	}
	for (size_t i = 0; i < s->n_fs && !b.failed; i++) {
		_cleanup_free_ char *t = NULL, *src = NULL, *mp = NULL;
		const struct vss_state_fs *f = &s->fs[i];

		if (vss_escape(f->fstype, &t) < 0 || vss_escape(f->source, &src) < 0 ||
		    vss_escape(f->mount_point, &mp) < 0) {
			b.failed = true;
			break;
		}
		/* An empty source still needs a field. */
		buf_printf(&b, "fs=%u:%u %s %s %s\n", f->major, f->minor, t, *src ? src : "\\000",
			   mp);
	}
	for (size_t i = 0; i < s->n_hooks && !b.failed; i++) {
		_cleanup_free_ char *name = NULL, *path = NULL;

		if (vss_escape(s->hooks[i].name, &name) < 0 ||
		    vss_escape(s->hooks[i].path, &path) < 0) {
			b.failed = true;
			break;
		}
		buf_printf(&b, "hook=%s %s\n", name, path);
	}
	if (b.failed) {
		free(b.p);
		return -ENOMEM;
	}
	*ret = b.p;
	return 0;
}

/* Split value into exactly n space-separated, unescaped fields. */
static int split_fields(const char *value, size_t n, char **ret)
{
	_cleanup_strv_free_ char **parts = NULL;
	size_t i;
	int r;

	r = strv_split(value, " ", &parts);
	if (r < 0)
		return r;
	if (strv_length(parts) != n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		/* "\000" stands for an empty field. */
		if (streq(parts[i], "\\000"))
			r = (ret[i] = strdup("")) ? 0 : -ENOMEM;
		else
			r = vss_unescape(parts[i], &ret[i]);
		if (r < 0) {
			while (i-- > 0)
				free(ret[i]);
			return r;
		}
	}
	return 0;
}

static int parse_fs(struct vss_state *s, const char *value)
{
	char *f[4] = { 0 };
	unsigned major, minor;
	char extra;
	int r;

	r = split_fields(value, 4, f);
	if (r < 0)
		return r;
	if (sscanf(f[0], "%u:%u%c", &major, &minor, &extra) != 2 || f[3][0] != '/' ||
	    f[1][0] == '\0')
		r = -EINVAL;
	else
		r = vss_state_add_fs(s, major, minor, f[1], f[2], f[3]);
	for (size_t i = 0; i < 4; i++)
		free(f[i]);
	return r;
}

static int parse_hook(struct vss_state *s, const char *value)
{
	char *f[2] = { 0 };
	int r;

	r = split_fields(value, 2, f);
	if (r < 0)
		return r;
	if (f[0][0] == '\0' || f[1][0] != '/')
		r = -EINVAL;
	else
		r = vss_state_add_hook(s, f[0], f[1]);
	free(f[0]);
	free(f[1]);
	return r;
}

int vss_state_parse(const char *text, struct vss_state *ret)
{
	_cleanup_free_ char *copy = strdup(text);
	struct vss_state s = { 0 };
	bool have_version = false;
	char *save = NULL;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	for (char *line = copy; line; line = save) {
		char *eq, *key, *value;

		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		if (!*line || *line == '#')
			continue;
		eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		key = line;
		value = eq + 1;

		if (streq(key, "version")) {
			uint32_t v;

			if (safe_atou32(value, &v) < 0 || v != VSS_STATE_VERSION) {
				r = -EINVAL;
				goto fail;
			}
			have_version = true;
		} else if (streq(key, "state")) {
			for (size_t i = 0; i < ELEMENTSOF(kind_names); i++)
				if (streq(value, kind_names[i]))
					s.kind = (enum vss_state_kind)i;
		} else if (streq(key, "since")) {
			uint64_t v;

			if (safe_atou64(value, &v) == 0)
				s.since_usec = v;
		} else if (streq(key, "pid")) {
			int v;

			if (safe_atoi(value, &v) == 0 && v > 0)
				s.pid = v;
		} else if (streq(key, "result")) {
			_cleanup_free_ char *v = NULL;

			r = vss_unescape(value, &v);
			if (r < 0)
				goto fail;
			r = vss_state_set_result(&s, v);
		} else if (streq(key, "fs")) {
			r = parse_fs(&s, value);
		} else if (streq(key, "hook")) {
			r = parse_hook(&s, value);
		}
		if (r == -ENOMEM)
			goto fail;
		r = 0;
	}
	if (!have_version) {
		r = -EINVAL;
		goto fail;
	}
	*ret = s;
	return 0;
fail:
	vss_state_clear(&s);
	return r;
}

static char *state_path(const char *dir)
{
	char *p;

	if (asprintf(&p, "%s/" VSS_STATE_FILE, dir) < 0)
		return NULL;
	return p;
}

int vss_state_read(const char *dir, struct vss_state *ret)
{
	_cleanup_free_ char *path = state_path(dir), *text = NULL;
	int r;

	if (!path)
		return -ENOMEM;
	r = read_full_file(path, STATE_MAX_SIZE, &text, NULL);
	if (r < 0)
		return r;
	return vss_state_parse(text, ret);
}

int vss_state_write(const char *dir, const struct vss_state *s)
{
	_cleanup_free_ char *path = state_path(dir), *text = NULL;
	int r;

	if (!path)
		return -ENOMEM;
	r = vss_state_format(s, &text);
	if (r < 0)
		return r;
	return write_file_atomic(path, text, strlen(text), 0644);
}

int vss_state_thaw_filesystems(const struct vss_state *s, const char *mountinfo,
			       const struct vss_freezer_ops *ops, unsigned *ret_thawed)
{
	struct vss_mount_table t = { 0 };
	unsigned thawed = 0;
	int result = 0, r;

	if (ret_thawed)
		*ret_thawed = 0;
	if (s->kind == VSS_STATE_THAWED || s->n_fs == 0)
		return 0;
	r = vss_mountinfo_load(mountinfo, &t);
	if (r < 0)
		return log_error_errno(r, "Cannot read %s to thaw leftovers: %m", mountinfo);

	for (size_t k = s->n_fs; k-- > 0;) {
		const struct vss_state_fs *f = &s->fs[k];
		_cleanup_free_ char *path = NULL;

		r = vss_thaw_recorded(&t, f->major, f->minor, f->fstype, f->source, f->mount_point,
				      ops, &path);
		if (r > 0) {
			thawed++;
			log_notice("Thawed %s (%s on %s), left frozen by an earlier run",
				   path ? path : f->mount_point, f->fstype, f->source);
		} else if (r == 0) {
			log_debug("%s (%s): not frozen or not mounted any more", f->mount_point,
				  f->fstype);
		} else {
			log_error_errno(r, "Cannot thaw %s (%s on %s): %m", f->mount_point,
					f->fstype, f->source);
			if (result == 0)
				result = r;
		}
	}
	vss_mount_table_clear(&t);
	if (ret_thawed)
		*ret_thawed = thawed;
	return result;
}
