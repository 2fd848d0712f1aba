/* SPDX-License-Identifier: MIT */
/*
 * The chardev transport: one daemon's end of a utility driver device
 * (/dev/vmbus/hv_kvp, hv_vss, hv_fcopy) on an sd-event loop.
 *
 * Device semantics (PROTOCOL.md section 1): the daemon registers first,
 * the kernel answers; then the kernel hands one request at a time, one per
 * read(), and waits for the reply written back in one write(). Errors on
 * the device (hibernation, driver reload) are handled here: close, reopen,
 * register again, with backoff; the daemon only sees state changes.
 *
 * The same code also drives a SOCK_SEQPACKET unix socket when the device
 * path names one: tests put a "kernel" with identical semantics on the
 * other end (tests/lib/fake-kernel.h), so the daemons' real request loops
 * run without a kernel.
 */
#ifndef HV_HVDEV_H
#define HV_HVDEV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

typedef struct hv_dev hv_dev;

enum hv_dev_state {
	HV_DEV_CLOSED,		/* not open; a reopen may be scheduled */
	HV_DEV_REGISTERING,	/* open, registration written, waiting for the answer */
	HV_DEV_READY,		/* registered, serving requests */
};

struct hv_dev_ops {
	const char *name;	/* for logs: "kvp", "vss", "fcopy" */
	size_t max_msg_size;	/* largest message the kernel sends */
	/* Build the registration message in buf; return its length or a negative errno. */
	ssize_t (*build_register)(void *buf, size_t size, void *userdata);
	/* Check the kernel's answer to registration: 0, or a negative errno. */
	int (*check_register)(const void *buf, size_t len, void *userdata);
	/*
	 * Handle one request of len bytes in buf. Either build the reply in buf
	 * (which is max_msg_size bytes) and return its length, or return 0 and
	 * call hv_dev_reply() later (the device is not read meanwhile). A
	 * negative errno resets the device.
	 */
	ssize_t (*handle)(hv_dev *dev, void *buf, size_t len, void *userdata);
	/* Optional: called on every state change. */
	void (*state_changed)(hv_dev *dev, enum hv_dev_state state, void *userdata);
};

int hv_dev_new(sd_event *event, const char *path, const struct hv_dev_ops *ops, void *userdata,
	       hv_dev **ret);
hv_dev *hv_dev_free(hv_dev *dev);

/*
 * Open and register. Failing to open at start-up is returned (the daemon
 * exits: wrong machine, or another instance holds the device); failures
 * after that are retried.
 */
int hv_dev_start(hv_dev *dev);

/* Send a deferred reply. -ESTALE if the device was reset since the request. */
int hv_dev_reply(hv_dev *dev, const void *buf, size_t len);

/* Close and reopen now (e.g. after the daemon noticed the kernel went away). */
void hv_dev_reset(hv_dev *dev, int error);

enum hv_dev_state hv_dev_get_state(const hv_dev *dev);
const char *hv_dev_get_path(const hv_dev *dev);
/* Requests served since start (for STATUS= and tests). */
uint64_t hv_dev_get_requests(const hv_dev *dev);
/* Times the device was (re)registered. */
unsigned hv_dev_get_registrations(const hv_dev *dev);

/* Open a device path: a character device, or a SOCK_SEQPACKET socket (tests). */
int hv_dev_open_path(const char *path);

static inline void hv_dev_freep(hv_dev **p)
{
	hv_dev_free(*p);
}

#endif /* HV_HVDEV_H */
