/* SPDX-License-Identifier: MIT */
/*
 * A VMBus channel bound to uio_hv_generic (fcopy on kernels 6.10 and
 * later): find the device by class GUID, learn its ring size, map the
 * rings, wait for and send interrupts.
 *
 * /dev/uioN semantics: a 4-byte read blocks until the host signalled
 * (it returns the interrupt count; EIO once the channel is rescinded);
 * a 4-byte write of 1 re-enables the interrupt and signals the host.
 * Map 0 ("txrx_rings") at offset 0 holds the TX ring (guest to host)
 * then the RX ring, each of the same size.
 *
 * Tests stand in for the device with a SOCK_SEQPACKET unix socket (4-byte
 * messages both ways, EOF for a rescind) and a regular file holding the
 * rings: uio_open() accepts a socket path and a separate map path; the
 * code path is otherwise the one used in production.
 */
#ifndef HV_UIO_H
#define HV_UIO_H

#include <stddef.h>
#include <stdint.h>

struct uio;

struct uio_device_info {
	char *vmbus_syspath;	/* /sys/devices/.../<instance GUID> */
	char *uio_syspath;	/* .../uio/uioN */
	char *devnode;		/* /dev/uioN */
};

void uio_device_info_done(struct uio_device_info *info);

/*
 * Find the VMBus device of a class (GUID string, e.g.
 * VMBUS_CLASS_FCOPY_STR) that has a uio device, through libudev.
 * Return: 0, -ENODEV (no such device), -ENXIO (the device exists but is
 * not bound to uio_hv_generic), or another negative errno.
 */
int uio_find_vmbus_device(const char *class_guid, struct uio_device_info *ret);

/*
 * The sysfs paths of a uio character device given by path. -ENOTTY when
 * it is not a character device (a test socket).
 */
int uio_device_info_from_devnode(const char *devnode, struct uio_device_info *ret);

/*
 * Bytes per ring direction, from sysfs: the size of map 0 ("txrx_rings")
 * halved, else the channel's "ring" attribute halved (it is created late,
 * so wait up to timeout_usec for it). Return: 0, -ENOENT (neither
 * appeared), -EINVAL (a size that is not two valid rings).
 */
int uio_ring_size(const char *vmbus_syspath, const char *uio_syspath, uint64_t timeout_usec,
		  size_t *ret);

/* Whether a per-direction ring size is usable (page multiple, sane bounds). */
int uio_ring_size_check(uint64_t bytes);

/*
 * Open dev_path (the uio character device, or a test socket) and map
 * map_bytes of map_path at offset 0 (map_path NULL: the device itself).
 * -EBUSY when another process serves the device (an exclusive flock).
 */
int uio_open(const char *dev_path, const char *map_path, size_t map_bytes, struct uio **ret);
struct uio *uio_free(struct uio *u);

/* Poll this for POLLIN: an interrupt is pending. */
int uio_get_fd(const struct uio *u);
void *uio_get_map(const struct uio *u);
size_t uio_get_map_size(const struct uio *u);

/*
 * Consume the pending interrupt (one read, as the event loop wakes).
 * Return: 0, -EAGAIN (none), -EIO (the channel was rescinded or the
 * device went away), other errnos.
 */
int uio_ack(struct uio *u);

/* Signal the host. -EIO when the device went away. */
int uio_signal(struct uio *u);

static inline void uio_freep(struct uio **u)
{
	uio_free(*u);
}

#endif /* HV_UIO_H */
