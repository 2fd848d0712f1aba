// SPDX-License-Identifier: MIT
/*
 * Chardev transport: open, register, serve one request at a time, reopen.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "hvdev.h"
#include "log.h"
#include "util.h"

#define HV_DEV_REGISTER_TIMEOUT_USEC (10 * USEC_PER_SEC)
#define HV_DEV_RETRY_MIN_USEC (100 * USEC_PER_MSEC)
#define HV_DEV_RETRY_MAX_USEC (10 * USEC_PER_SEC)

struct hv_dev {
	sd_event *event;
	char *path;
	const struct hv_dev_ops *ops;
	void *userdata;

	int fd;
	enum hv_dev_state state;
	sd_event_source *io;
	sd_event_source *timer;	/* reopen after a failure, or registration timeout */
	uint64_t retry_usec;	/* next reopen delay */
	bool pending;		/* a deferred reply is owed for the current request */
	bool warned_open;	/* one warning per outage, not one per retry */

	uint64_t requests;
	unsigned registrations;
	unsigned char *buf;	/* ops->max_msg_size bytes */
};

int hv_dev_open_path(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		if (strscpy(sa.sun_path, path, sizeof(sa.sun_path)) < 0)
			return -ENAMETOOLONG;
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			return -errno;
		return TAKE_FD(fd);
	}
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	return TAKE_FD(fd);
}

static void set_state(hv_dev *dev, enum hv_dev_state state)
{
	if (dev->state == state)
		return;
	dev->state = state;
	if (dev->ops->state_changed)
		dev->ops->state_changed(dev, state, dev->userdata);
}

static int arm_timer(hv_dev *dev, uint64_t delay);
static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata);

/*
 * Arm the reopen timer with the current delay, then back off: the first
 * reopen after a working session is immediate (hibernation, driver
 * reload), then 100 ms, doubling up to 10 s.
 */
static void schedule_reopen(hv_dev *dev)
{
	(void)arm_timer(dev, dev->retry_usec);
	dev->retry_usec = MIN(MAX(dev->retry_usec * 2, HV_DEV_RETRY_MIN_USEC),
			      HV_DEV_RETRY_MAX_USEC);
}

static void close_device(hv_dev *dev)
{
	dev->io = sd_event_source_disable_unref(dev->io);
	dev->fd = safe_close(dev->fd);
	dev->pending = false;
}

void hv_dev_reset(hv_dev *dev, int error)
{
	if (dev->state == HV_DEV_CLOSED)
		return;
	if (error)
		log_warning_errno(error, "%s: device %s failed (%m), reopening", dev->ops->name,
				  dev->path);
	else
		log_info("%s: device %s closed, reopening", dev->ops->name, dev->path);
	close_device(dev);
	set_state(dev, HV_DEV_CLOSED);
	schedule_reopen(dev);
}

/* Open and write the registration; on success the state is REGISTERING. */
static int open_and_register(hv_dev *dev)
{
	_cleanup_close_ int fd = -1;
	ssize_t len;
	int r;

	fd = hv_dev_open_path(dev->path);
	if (fd < 0)
		return fd;

	len = dev->ops->build_register(dev->buf, dev->ops->max_msg_size, dev->userdata);
	if (len < 0)
		return (int)len;
	r = loop_write(fd, dev->buf, (size_t)len);
	if (r < 0)
		return r;

	r = sd_event_add_io(dev->event, &dev->io, fd, EPOLLIN, on_io, dev);
	if (r < 0)
		return r;
	(void)sd_event_source_set_description(dev->io, dev->ops->name);
	dev->fd = TAKE_FD(fd);
	set_state(dev, HV_DEV_REGISTERING);
	return arm_timer(dev, HV_DEV_REGISTER_TIMEOUT_USEC);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	hv_dev *dev = userdata;
	int r;

	(void)s;
	(void)usec;
	if (dev->state == HV_DEV_REGISTERING) {
		log_warning("%s: no answer to registration on %s", dev->ops->name, dev->path);
		hv_dev_reset(dev, ETIMEDOUT);
		return 0;
	}
	if (dev->state != HV_DEV_CLOSED)
		return 0;

	r = open_and_register(dev);
	if (r < 0) {
		close_device(dev);
		if (!dev->warned_open) {
			log_warning_errno(r, "%s: cannot reopen %s (%m); retrying", dev->ops->name,
					  dev->path);
			dev->warned_open = true;
		} else {
			log_debug_errno(r, "%s: cannot reopen %s: %m", dev->ops->name, dev->path);
		}
		schedule_reopen(dev);
	}
	return 0;
}

static int arm_timer(hv_dev *dev, uint64_t delay)
{
	uint64_t now;
	int r;

	r = sd_event_now(dev->event, CLOCK_MONOTONIC, &now);
	if (r < 0)
		now = now_usec(CLOCK_MONOTONIC);
	if (!dev->timer) {
		r = sd_event_add_time(dev->event, &dev->timer, CLOCK_MONOTONIC, now + delay, 0,
				      on_timer, dev);
		if (r < 0)
			return log_error_errno(r, "%s: cannot arm timer: %m", dev->ops->name);
		return 0;
	}
	r = sd_event_source_set_time(dev->timer, now + delay);
	if (r < 0)
		return r;
	return sd_event_source_set_enabled(dev->timer, SD_EVENT_ONESHOT);
}

static int write_reply(hv_dev *dev, const void *buf, size_t len)
{
	int r;

	r = loop_write(dev->fd, buf, len);
	if (r < 0) {
		hv_dev_reset(dev, r);
		return r;
	}
	dev->requests++;
	return 0;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	hv_dev *dev = userdata;
	ssize_t n;
	int r;

	(void)s;
	if (!(revents & EPOLLIN)) {
		hv_dev_reset(dev, (revents & EPOLLERR) ? EIO : 0);
		return 0;
	}

	n = read(fd, dev->buf, dev->ops->max_msg_size);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		hv_dev_reset(dev, errno);
		return 0;
	}
	if (n == 0) {
		hv_dev_reset(dev, 0);
		return 0;
	}

	if (dev->state == HV_DEV_REGISTERING) {
		r = dev->ops->check_register(dev->buf, (size_t)n, dev->userdata);
		if (r < 0) {
			log_error_errno(r, "%s: the kernel refused registration on %s: %m",
					dev->ops->name, dev->path);
			hv_dev_reset(dev, r);
			return 0;
		}
		(void)sd_event_source_set_enabled(dev->timer, SD_EVENT_OFF);
		dev->registrations++;
		dev->retry_usec = 0;
		dev->warned_open = false;
		log_debug("%s: registered on %s", dev->ops->name, dev->path);
		set_state(dev, HV_DEV_READY);
		return 0;
	}

	n = dev->ops->handle(dev, dev->buf, (size_t)n, dev->userdata);
	if (n < 0) {
		hv_dev_reset(dev, (int)n);
		return 0;
	}
	if (n == 0) {
		/* Deferred: stop reading until hv_dev_reply(). */
		dev->pending = true;
		(void)sd_event_source_set_enabled(dev->io, SD_EVENT_OFF);
		return 0;
	}
	if ((size_t)n > dev->ops->max_msg_size) {
		hv_dev_reset(dev, EMSGSIZE);
		return 0;
	}
	(void)write_reply(dev, dev->buf, (size_t)n);
	return 0;
}

int hv_dev_reply(hv_dev *dev, const void *buf, size_t len)
{
	int r;

	if (dev->state != HV_DEV_READY || !dev->pending)
		return -ESTALE;
	dev->pending = false;
	r = write_reply(dev, buf, len);
	if (r < 0)
		return r;
	return sd_event_source_set_enabled(dev->io, SD_EVENT_ON);
}

int hv_dev_new(sd_event *event, const char *path, const struct hv_dev_ops *ops, void *userdata,
	       hv_dev **ret)
{
	hv_dev *dev;

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->fd = -1;
	dev->event = sd_event_ref(event);
	dev->ops = ops;
	dev->userdata = userdata;
	dev->path = strdup(path);
	dev->buf = calloc(1, ops->max_msg_size);
	if (!dev->path || !dev->buf) {
		hv_dev_free(dev);
		return -ENOMEM;
	}
	*ret = dev;
	return 0;
}

int hv_dev_start(hv_dev *dev)
{
	int r;

	r = open_and_register(dev);
	if (r < 0) {
		close_device(dev);
		if (r == -EBUSY)
			return log_error_errno(r, "%s: %s is busy: is another daemon running?",
					       dev->ops->name, dev->path);
		return log_error_errno(r, "%s: cannot open %s: %m", dev->ops->name, dev->path);
	}
	return 0;
}

hv_dev *hv_dev_free(hv_dev *dev)
{
	if (!dev)
		return NULL;
	close_device(dev);
	sd_event_source_disable_unref(dev->timer);
	sd_event_unref(dev->event);
	free(dev->path);
	free(dev->buf);
	free(dev);
	return NULL;
}

enum hv_dev_state hv_dev_get_state(const hv_dev *dev)
{
	return dev->state;
}

const char *hv_dev_get_path(const hv_dev *dev)
{
	return dev->path;
}

uint64_t hv_dev_get_requests(const hv_dev *dev)
{
	return dev->requests;
}

unsigned hv_dev_get_registrations(const hv_dev *dev)
{
	return dev->registrations;
}
