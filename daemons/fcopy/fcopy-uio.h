/* SPDX-License-Identifier: MIT */
/*
 * fcopy over uio_hv_generic (kernels 6.10 and later): the daemon runs the
 * channel itself. Every wake-up drains every packet in the RX ring: IC
 * version negotiation (framework 3.0 or 1.0, fcopy 1.1) and fcopy
 * messages (UTF-16 names), each answered in place on the TX ring with the
 * host's transaction id. When the TX ring is full the reply waits, with
 * pending_send_sz set, for the host to make room; nothing spins.
 *
 * A rescinded channel (EIO on the device) ends the event loop with 0: the
 * daemon exits and is started again when the device comes back. A corrupt
 * ring ends it with -EBADMSG.
 */
#ifndef HV_FCOPY_UIO_H
#define HV_FCOPY_UIO_H

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "fcopy-msg.h"

struct fcopy_uio;

struct fcopy_uio_config {
	const char *device;		/* NULL: find the fcopy device by class GUID */
	const char *ring_file;		/* NULL: map the device itself */
	size_t ring_size;		/* bytes per direction; 0: from sysfs */
	uint64_t ring_size_timeout_usec;
};

int fcopy_uio_new(sd_event *event, const struct fcopy_uio_config *config,
		  const struct fcopy_handler *handler, struct fcopy_uio **ret);
struct fcopy_uio *fcopy_uio_free(struct fcopy_uio *u);

/* Find (unless configured), open and map the device, serve what is queued. */
int fcopy_uio_start(struct fcopy_uio *u);

const char *fcopy_uio_get_device(const struct fcopy_uio *u);

#endif /* HV_FCOPY_UIO_H */
