// SPDX-License-Identifier: MIT
/*
 * Freeze engine: FIFREEZE in a worker thread, FITHAW on the event loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "util.h"
#include "vss-freeze.h"

struct slot {
	int fd;			/* immutable while the worker runs */
	const char *mount_point;	/* into plan; NULL when not opened */
	bool frozen;		/* core->lock */
	int error;		/* core->lock */
	const char *step;	/* core->lock */
};

/* Shared by the event loop and the worker; freed by whoever drops the last reference. */
struct core {
	pthread_mutex_t lock;
	unsigned refs;		/* lock */
	bool abort;		/* lock: the worker must stop and undo what it freezes */
	size_t failed;		/* lock: index of the failed filesystem or SIZE_MAX */
	int result;		/* lock */
	int efd;		/* the worker's "done" signal */
	struct vss_freezer_ops ops;
	struct vss_plan plan;
	struct slot *slots;
};

struct vss_freezer {
	struct core *core;
	pthread_t thread;
	bool running;		/* the worker was started and not joined */
	bool aborted;		/* vss_freezer_thaw() ran: done is not reported */
	sd_event_source *done_source;
	vss_freezer_done_fn done;
	void *userdata;
};

static int default_ioctl(int fd, unsigned long request, void *userdata)
{
	/* FIFREEZE/FITHAW take no argument; a valid pointer keeps checkers quiet about "_IOWR". */
	int unused = 0;

	(void)userdata;
	return ioctl(fd, request, &unused) < 0 ? -errno : 0;
}

static struct core *core_unref(struct core *c)
{
	bool last;

	if (!c)
		return NULL;
	pthread_mutex_lock(&c->lock);
	last = --c->refs == 0;
	pthread_mutex_unlock(&c->lock);
	if (!last)
		return NULL;
	for (size_t i = 0; i < c->plan.n; i++)
		safe_close(c->slots[i].fd);
	free(c->slots);
	vss_plan_clear(&c->plan);
	safe_close(c->efd);
	pthread_mutex_destroy(&c->lock);
	free(c);
	return NULL;
}

int vss_open_mount(const char *mount_point, int mount_id)
{
	_cleanup_close_ int path_fd = -1;
	char proc[64];
	struct statx stx;
	struct stat st;
	int fd;

	/* O_PATH first: opening a device node or FIFO for real could have side effects. */
	path_fd = open(mount_point, O_PATH | O_CLOEXEC);
	if (path_fd < 0)
		return -errno;
	if (fstat(path_fd, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		return -ENOTDIR;
	if (mount_id >= 0 && statx(path_fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) == 0 &&
	    (stx.stx_mask & STATX_MNT_ID) && stx.stx_mnt_id != (uint64_t)mount_id)
		return -ESTALE;	/* overmounted, or the mount is gone */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", path_fd);
	fd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	return fd;
}

int vss_freezer_new(struct vss_plan *plan, const struct vss_freezer_ops *ops,
		    struct vss_freezer **ret)
{
	struct vss_freezer *f;
	struct core *c;

	f = calloc(1, sizeof(*f));
	c = calloc(1, sizeof(*c));
	if (!f || !c) {
		free(f);
		free(c);
		return -ENOMEM;
	}
	c->slots = calloc(plan->n ? plan->n : 1, sizeof(*c->slots));
	if (!c->slots) {
		free(f);
		free(c);
		return -ENOMEM;
	}
	pthread_mutex_init(&c->lock, NULL);
	c->refs = 1;
	c->efd = -1;
	c->failed = SIZE_MAX;
	c->ops = ops ? *ops : (struct vss_freezer_ops){ .ioctl = default_ioctl };
	if (!c->ops.ioctl)
		c->ops.ioctl = default_ioctl;
	c->plan = *plan;
	*plan = (struct vss_plan){ 0 };
	f->core = c;

	for (size_t i = 0; i < c->plan.n; i++) {
		const struct vss_fs *fs = &c->plan.fs[i];
		struct slot *s = &c->slots[i];
		int fd = -ENOENT;

		s->fd = -1;
		for (size_t k = 0; fs->mount_points && fs->mount_points[k]; k++) {
			fd = vss_open_mount(fs->mount_points[k], fs->mount_ids[k]);
			if (fd >= 0) {
				s->fd = fd;
				s->mount_point = fs->mount_points[k];
				break;
			}
			log_debug_errno(fd, "Cannot open %s: %m", fs->mount_points[k]);
		}
		if (s->fd < 0) {
			s->error = fd;
			s->step = "open";
			if (c->failed == SIZE_MAX) {
				c->failed = i;
				c->result = fd;
			}
		}
	}
	*ret = f;
	return 0;
}

static void *worker(void *userdata)
{
	struct core *c = userdata;
	uint64_t one = 1;

	for (size_t i = 0; i < c->plan.n; i++) {
		struct slot *s = &c->slots[i];
		int r;

		pthread_mutex_lock(&c->lock);
		if (c->abort) {
			pthread_mutex_unlock(&c->lock);
			break;
		}
		pthread_mutex_unlock(&c->lock);

		r = c->ops.ioctl(s->fd, FIFREEZE, c->ops.userdata);

		pthread_mutex_lock(&c->lock);
		if (r == -EOPNOTSUPP) {
			/* vfat and friends: nothing to freeze there, not a failure. */
			s->error = r;
			s->step = "unsupported";
			pthread_mutex_unlock(&c->lock);
			continue;
		}
		if (r < 0) {
			s->error = r;
			s->step = "freeze";
			c->failed = i;
			c->result = r;
			pthread_mutex_unlock(&c->lock);
			break;
		}
		if (c->abort) {
			/* The event loop gave up on this freeze meanwhile: undo it ourselves. */
			(void)c->ops.ioctl(s->fd, FITHAW, c->ops.userdata);
		} else {
			s->frozen = true;
		}
		pthread_mutex_unlock(&c->lock);
	}
	(void)!write(c->efd, &one, sizeof(one));
	core_unref(c);
	return NULL;
}

static void join_worker(struct vss_freezer *f)
{
	if (!f->running)
		return;
	pthread_join(f->thread, NULL);
	f->running = false;
	f->done_source = sd_event_source_disable_unref(f->done_source);
}

static int on_worker_done(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct vss_freezer *f = userdata;
	uint64_t v;
	int result;

	(void)s;
	(void)revents;
	(void)!read(fd, &v, sizeof(v));
	join_worker(f);
	if (!f->done)
		return 0;
	pthread_mutex_lock(&f->core->lock);
	result = f->aborted ? -ECANCELED : f->core->result;
	pthread_mutex_unlock(&f->core->lock);
	f->done(f, result, f->userdata);
	return 0;
}

int vss_freezer_start(struct vss_freezer *f, sd_event *event, vss_freezer_done_fn done,
		      void *userdata)
{
	struct core *c = f->core;
	sigset_t all, saved;
	int r;

	/* One freeze per freezer: after a thaw, build a new one. */
	if (f->running || c->abort)
		return -EBUSY;
	if (c->failed != SIZE_MAX)
		return c->result;

	c->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->efd < 0)
		return -errno;
	r = sd_event_add_io(event, &f->done_source, c->efd, EPOLLIN, on_worker_done, f);
	if (r < 0)
		return r;
	(void)sd_event_source_set_description(f->done_source, "vss-freezer");
	f->done = done;
	f->userdata = userdata;

	pthread_mutex_lock(&c->lock);
	c->refs++;
	pthread_mutex_unlock(&c->lock);

	/* The worker takes no signals: they belong to the event loop. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &saved);
	r = -pthread_create(&f->thread, NULL, worker, c);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (r < 0) {
		f->done_source = sd_event_source_disable_unref(f->done_source);
		core_unref(c);
		return r;
	}
	f->running = true;
	return 0;
}

int vss_freezer_thaw(struct vss_freezer *f)
{
	struct core *c = f->core;
	bool *frozen;
	int result = 0;

	frozen = calloc(c->plan.n ? c->plan.n : 1, sizeof(bool));
	pthread_mutex_lock(&c->lock);
	c->abort = true;
	/*
	 * From here on the worker sets no frozen flag: what it freezes now it
	 * thaws itself. Without memory for the copy, read the flags under the
	 * lock one by one below (they cannot change any more).
	 */
	for (size_t i = 0; frozen && i < c->plan.n; i++)
		frozen[i] = c->slots[i].frozen;
	pthread_mutex_unlock(&c->lock);
	if (f->running)
		f->aborted = true;

	for (size_t k = c->plan.n; k-- > 0;) {
		struct slot *s = &c->slots[k];
		bool was_frozen;
		int r;

		if (frozen) {
			was_frozen = frozen[k];
		} else {
			pthread_mutex_lock(&c->lock);
			was_frozen = s->frozen;
			pthread_mutex_unlock(&c->lock);
		}
		if (!was_frozen)
			continue;
		r = c->ops.ioctl(s->fd, FITHAW, c->ops.userdata);
		pthread_mutex_lock(&c->lock);
		if (r < 0 && r != -EINVAL) {
			/* Still frozen: keep the flag so a later attempt retries. */
			s->error = r;
			s->step = "thaw";
			if (result == 0)
				result = r;
		} else {
			s->frozen = false;
		}
		pthread_mutex_unlock(&c->lock);
	}
	free(frozen);
	return result;
}

int vss_freezer_wait(struct vss_freezer *f, uint64_t timeout_usec)
{
	struct timespec deadline;
	uint64_t t;
	int r;

	if (!f->running)
		return 0;
	t = now_usec(CLOCK_REALTIME) + timeout_usec;
	deadline.tv_sec = (time_t)(t / USEC_PER_SEC);
	deadline.tv_nsec = (long)(t % USEC_PER_SEC * NSEC_PER_USEC);
	r = pthread_timedjoin_np(f->thread, NULL, &deadline);
	if (r != 0)
		return -r;
	f->running = false;
	f->done_source = sd_event_source_disable_unref(f->done_source);
	return 0;
}

struct vss_freezer *vss_freezer_free(struct vss_freezer *f)
{
	if (!f)
		return NULL;
	if (vss_freezer_frozen_count(f) > 0 || f->running)
		(void)vss_freezer_thaw(f);
	if (f->running) {
		/* Stuck in the kernel: it will undo its freeze and drop its reference. */
		pthread_detach(f->thread);
		f->done_source = sd_event_source_disable_unref(f->done_source);
	}
	core_unref(f->core);
	free(f);
	return NULL;
}

bool vss_freezer_running(const struct vss_freezer *f)
{
	return f->running;
}

size_t vss_freezer_count(const struct vss_freezer *f)
{
	return f->core->plan.n;
}

size_t vss_freezer_frozen_count(const struct vss_freezer *f)
{
	size_t n = 0;

	pthread_mutex_lock(&f->core->lock);
	for (size_t i = 0; i < f->core->plan.n; i++)
		n += f->core->slots[i].frozen;
	pthread_mutex_unlock(&f->core->lock);
	return n;
}

const struct vss_fs *vss_freezer_fs(const struct vss_freezer *f, size_t i)
{
	return i < f->core->plan.n ? &f->core->plan.fs[i] : NULL;
}

const char *vss_freezer_mount_point(const struct vss_freezer *f, size_t i)
{
	return i < f->core->plan.n ? f->core->slots[i].mount_point : NULL;
}

bool vss_freezer_is_frozen(const struct vss_freezer *f, size_t i)
{
	bool frozen;

	if (i >= f->core->plan.n)
		return false;
	pthread_mutex_lock(&f->core->lock);
	frozen = f->core->slots[i].frozen;
	pthread_mutex_unlock(&f->core->lock);
	return frozen;
}

int vss_freezer_error(const struct vss_freezer *f, size_t i, const char **ret_step)
{
	int error;

	if (i >= f->core->plan.n)
		return 0;
	pthread_mutex_lock(&f->core->lock);
	error = f->core->slots[i].error;
	if (ret_step)
		*ret_step = f->core->slots[i].step;
	pthread_mutex_unlock(&f->core->lock);
	return error;
}

size_t vss_freezer_failed_index(const struct vss_freezer *f)
{
	size_t i;

	pthread_mutex_lock(&f->core->lock);
	i = f->core->failed;
	pthread_mutex_unlock(&f->core->lock);
	return i;
}

static const struct vss_mount *find_recorded(const struct vss_mount_table *t, unsigned major,
					     unsigned minor, const char *fstype,
					     const char *source, const char *mount_point,
					     size_t *iter)
{
	/* Two passes over the table: by device number first, then by mount point. */
	for (; *iter < 2 * t->n; (*iter)++) {
		const struct vss_mount *m = &t->mounts[*iter % t->n];

		if (!streq(m->fstype, fstype))
			continue;
		if (*iter < t->n) {
			if (m->major == major && m->minor == minor) {
				(*iter)++;
				return m;
			}
		} else if (mount_point && source && streq(m->mount_point, mount_point) &&
			   streq(m->source, source)) {
			(*iter)++;
			return m;
		}
	}
	return NULL;
}

int vss_thaw_recorded(const struct vss_mount_table *t, unsigned major, unsigned minor,
		      const char *fstype, const char *source, const char *mount_point,
		      const struct vss_freezer_ops *ops, char **ret_path)
{
	int (*do_ioctl)(int, unsigned long, void *) = ops && ops->ioctl ? ops->ioctl : default_ioctl;
	void *ud = ops ? ops->userdata : NULL;
	const struct vss_mount *m;
	size_t iter = 0;
	int last = 0;

	while ((m = find_recorded(t, major, minor, fstype, source, mount_point, &iter))) {
		_cleanup_close_ int fd = vss_open_mount(m->mount_point, m->id);
		int r;

		if (fd < 0) {
			last = fd;
			continue;
		}
		r = do_ioctl(fd, FITHAW, ud);
		if (ret_path && !*ret_path)
			*ret_path = strdup(m->mount_point);
		if (r == 0)
			return 1;
		if (r == -EINVAL)
			return 0;	/* not frozen */
		return r;
	}
	return last;
}
