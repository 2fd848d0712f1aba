// SPDX-License-Identifier: MIT
/*
 * uio_hv_generic channels: discovery (libudev), ring size (sysfs), mapping
 * and interrupts.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libudev.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <hyperv/vmbus.h>

#include "cleanup.h"
#include "hvdev.h"
#include "log.h"
#include "uio.h"
#include "util.h"
#include "vmbus-ring.h"

#define RING_POLL_USEC	(50 * USEC_PER_MSEC)

struct uio {
	int fd;
	void *map;
	size_t map_size;
};

DEFINE_TRIVIAL_CLEANUP_FUNC(struct udev *, udev_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct udev_enumerate *, udev_enumerate_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct udev_device *, udev_device_unref)

void uio_device_info_done(struct uio_device_info *info)
{
	free(info->vmbus_syspath);
	free(info->uio_syspath);
	free(info->devnode);
	*info = (struct uio_device_info){ 0 };
}

/* The first uio device below the VMBus device, or NULL. */
static struct udev_device *find_uio_child(struct udev *udev, struct udev_device *parent)
{
	_cleanup_(udev_enumerate_unrefp) struct udev_enumerate *e = NULL;
	struct udev_list_entry *entry;

	e = udev_enumerate_new(udev);
	if (!e || udev_enumerate_add_match_subsystem(e, "uio") < 0 ||
	    udev_enumerate_add_match_parent(e, parent) < 0 || udev_enumerate_scan_devices(e) < 0)
		return NULL;
	udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e)) {
		struct udev_device *d = udev_device_new_from_syspath(udev,
								     udev_list_entry_get_name(entry));

		if (d)
			return d;
	}
	return NULL;
}

static int fill_info(struct udev_device *vmbus, struct udev_device *uio,
		     struct uio_device_info *ret)
{
	struct uio_device_info info = { 0 };
	const char *node = udev_device_get_devnode(uio);

	info.vmbus_syspath = strdup(udev_device_get_syspath(vmbus));
	info.uio_syspath = strdup(udev_device_get_syspath(uio));
	if (node)
		info.devnode = strdup(node);
	else if (asprintf(&info.devnode, "/dev/%s", udev_device_get_sysname(uio)) < 0)
		info.devnode = NULL;
	if (!info.vmbus_syspath || !info.uio_syspath || !info.devnode) {
		uio_device_info_done(&info);
		return -ENOMEM;
	}
	*ret = info;
	return 0;
}

int uio_find_vmbus_device(const char *class_guid, struct uio_device_info *ret)
{
	_cleanup_(udev_unrefp) struct udev *udev = NULL;
	_cleanup_(udev_enumerate_unrefp) struct udev_enumerate *e = NULL;
	struct udev_list_entry *entry;
	int r = -ENODEV;

	udev = udev_new();
	if (!udev)
		return -ENOMEM;
	e = udev_enumerate_new(udev);
	if (!e)
		return -ENOMEM;
	if (udev_enumerate_add_match_subsystem(e, "vmbus") < 0)
		return -ENOMEM;
	if (udev_enumerate_scan_devices(e) < 0)
		return -ENODEV;

	udev_list_entry_foreach(entry, udev_enumerate_get_list_entry(e)) {
		_cleanup_(udev_device_unrefp) struct udev_device *dev = NULL;
		_cleanup_(udev_device_unrefp) struct udev_device *uio = NULL;
		const char *class_id;
		size_t n;

		dev = udev_device_new_from_syspath(udev, udev_list_entry_get_name(entry));
		if (!dev)
			continue;
		/* sysfs prints "{xxxxxxxx-...}"; compare without braces, any case. */
		class_id = udev_device_get_sysattr_value(dev, "class_id");
		if (!class_id)
			continue;
		n = strlen(class_id);
		if (n != strlen(class_guid) + 2 || class_id[0] != '{' || class_id[n - 1] != '}' ||
		    strncasecmp(class_id + 1, class_guid, n - 2) != 0)
			continue;

		uio = find_uio_child(udev, dev);
		if (!uio) {
			log_debug("%s has no uio device (not bound to uio_hv_generic)",
				  udev_device_get_syspath(dev));
			r = -ENXIO;
			continue;
		}
		return fill_info(dev, uio, ret);
	}
	return r;
}

int uio_device_info_from_devnode(const char *devnode, struct uio_device_info *ret)
{
	struct uio_device_info info = { 0 };
	_cleanup_free_ char *link = NULL, *parent = NULL;
	struct stat st;
	int r;

	if (stat(devnode, &st) < 0)
		return -errno;
	if (!S_ISCHR(st.st_mode))
		return -ENOTTY;
	if (asprintf(&link, "/sys/dev/char/%u:%u", major(st.st_rdev), minor(st.st_rdev)) < 0)
		return -ENOMEM;
	info.uio_syspath = realpath(link, NULL);
	if (!info.uio_syspath)
		return -errno;
	/* The uio device's parent is the VMBus device. */
	if (asprintf(&parent, "%s/device", info.uio_syspath) < 0) {
		r = -ENOMEM;
		goto fail;
	}
	info.vmbus_syspath = realpath(parent, NULL);
	info.devnode = strdup(devnode);
	if (!info.devnode) {
		r = -ENOMEM;
		goto fail;
	}
	*ret = info;
	return 0;
fail:
	uio_device_info_done(&info);
	return r;
}

int uio_ring_size_check(uint64_t bytes)
{
	if (bytes % VMBUS_RING_PAGE_SIZE || bytes < VMBUS_RING_MIN_BYTES ||
	    bytes > VMBUS_RING_MAX_BYTES)
		return -EINVAL;
	return 0;
}

static int halve(uint64_t total, size_t *ret)
{
	if (total % 2 || uio_ring_size_check(total / 2) < 0)
		return -EINVAL;
	*ret = (size_t)(total / 2);
	return 0;
}

/* Size of map 0, if it is the ring mapping. */
static int map0_size(const char *uio_syspath, uint64_t *ret)
{
	_cleanup_free_ char *path = NULL, *name = NULL, *value = NULL;
	char *end;
	int r;

	if (asprintf(&name, "%s/maps/map0/name", uio_syspath) < 0 ||
	    asprintf(&path, "%s/maps/map0/size", uio_syspath) < 0)
		return -ENOMEM;
	/* uio_hv_generic names it; older kernels may not export names. */
	if (read_one_line_file(name, &value) == 0 && !streq(value, "txrx_rings"))
		return -ENOENT;
	free(value);
	value = NULL;
	r = read_one_line_file(path, &value);
	if (r < 0)
		return r;
	errno = 0;
	*ret = strtoull(value, &end, 0);
	if (errno || end == value || *end)
		return -EINVAL;
	return 0;
}

/* Size of the primary channel's "ring" attribute, if it exists yet. */
static int ring_attr_size(const char *vmbus_syspath, uint64_t *ret)
{
	_cleanup_free_ char *idpath = NULL, *relid = NULL, *path = NULL, *dir = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	struct stat st;

	/* The primary channel's directory is named after its relid ("id"). */
	if (asprintf(&idpath, "%s/id", vmbus_syspath) < 0)
		return -ENOMEM;
	if (read_one_line_file(idpath, &relid) == 0) {
		if (asprintf(&path, "%s/channels/%s/ring", vmbus_syspath, relid) < 0)
			return -ENOMEM;
		if (stat(path, &st) < 0)
			return -errno;
		*ret = (uint64_t)st.st_size;
		return 0;
	}

	if (asprintf(&dir, "%s/channels", vmbus_syspath) < 0)
		return -ENOMEM;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL;

		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&p, "%s/%s/ring", dir, de->d_name) < 0)
			return -ENOMEM;
		if (stat(p, &st) == 0) {
			*ret = (uint64_t)st.st_size;
			return 0;
		}
	}
	return -ENOENT;
}

int uio_ring_size(const char *vmbus_syspath, const char *uio_syspath, uint64_t timeout_usec,
		  size_t *ret)
{
	uint64_t total = 0, deadline = now_usec(CLOCK_MONOTONIC) + timeout_usec;
	int r;

	/*
	 * map0 is exact on every kernel and exists as soon as the uio device
	 * does. The "ring" attribute reported a fixed 4 MiB, whatever the
	 * ring, until a 2025 kernel fix: it is only the fallback.
	 */
	if (uio_syspath) {
		r = map0_size(uio_syspath, &total);
		if (r == 0)
			return halve(total, ret);
		if (r != -ENOENT)
			return r;
	}
	if (!vmbus_syspath)
		return -ENOENT;

	for (;;) {
		r = ring_attr_size(vmbus_syspath, &total);
		if (r == 0)
			return halve(total, ret);
		if (now_usec(CLOCK_MONOTONIC) >= deadline)
			return -ENOENT;
		/* It appears shortly after the device (created after probe). */
		(void)usleep(RING_POLL_USEC);
	}
}

int uio_open(const char *dev_path, const char *map_path, size_t map_bytes, struct uio **ret)
{
	_cleanup_close_ int fd = -1, map_fd = -1;
	struct uio *u;
	void *map;
	int flags;

	if (map_bytes == 0)
		return -EINVAL;
	fd = hv_dev_open_path(dev_path);
	if (fd < 0)
		return fd;
	/*
	 * uio lets any number of processes open the device; two serving the
	 * same rings would corrupt them. Our daemons take this lock.
	 */
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK)
		return -EBUSY;
	/* Interrupts are consumed from an event loop. */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;

	if (map_path) {
		struct stat st;

		map_fd = open(map_path, O_RDWR | O_CLOEXEC | O_NOCTTY);
		if (map_fd < 0)
			return -errno;
		/* A short regular file would fault (SIGBUS) instead of failing here. */
		if (fstat(map_fd, &st) < 0)
			return -errno;
		if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < map_bytes)
			return -EINVAL;
	}
	map = mmap(NULL, map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, map_path ? map_fd : fd, 0);
	if (map == MAP_FAILED)
		return -errno;

	u = calloc(1, sizeof(*u));
	if (!u) {
		munmap(map, map_bytes);
		return -ENOMEM;
	}
	u->fd = TAKE_FD(fd);
	u->map = map;
	u->map_size = map_bytes;
	*ret = u;
	return 0;
}

struct uio *uio_free(struct uio *u)
{
	if (!u)
		return NULL;
	if (u->map)
		munmap(u->map, u->map_size);
	safe_close(u->fd);
	free(u);
	return NULL;
}

int uio_get_fd(const struct uio *u)
{
	return u->fd;
}

void *uio_get_map(const struct uio *u)
{
	return u->map;
}

size_t uio_get_map_size(const struct uio *u)
{
	return u->map_size;
}

int uio_ack(struct uio *u)
{
	for (;;) {
		uint32_t count;
		/*
		 * One read resets a uio device's count. A test socket may hold
		 * more: those wake the loop again, harmlessly.
		 */
		ssize_t n = read(u->fd, &count, sizeof(count));

		if (n == sizeof(count))
			return 0;
		if (n >= 0)
			return -EIO;	/* EOF or a short read: the other end is gone */
		if (errno == EINTR)
			continue;
		/*
		 * uio answers EIO once the channel is rescinded; a test socket
		 * whose host closed with our signals unread, ECONNRESET.
		 */
		if (errno == ECONNRESET)
			return -EIO;
		return -errno;
	}
}

int uio_signal(struct uio *u)
{
	const uint32_t one = 1;

	for (;;) {
		ssize_t n = write(u->fd, &one, sizeof(one));

		if (n == sizeof(one))
			return 0;
		if (n >= 0)
			return -EIO;
		if (errno == EINTR)
			continue;
		/* A test host that has not read its earlier signals will wake anyway. */
		if (errno == EAGAIN)
			return 0;
		if (errno == EPIPE || errno == ECONNRESET || errno == ENODEV)
			return -EIO;
		return -errno;
	}
}
