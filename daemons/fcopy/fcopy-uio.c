// SPDX-License-Identifier: MIT
/*
 * fcopy over a uio_hv_generic channel: ring draining, IC negotiation,
 * replies with flow control.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <hyperv/ic.h>
#include <hyperv/status.h>
#include <hyperv/vmbus.h>

#include "daemon.h"
#include "fcopy-uio.h"
#include "ic.h"
#include "log.h"
#include "uio.h"
#include "util.h"
#include "vmbus-ring.h"

/* What Linux's fcopy offered: framework 3.0 (1.0 for old hosts), fcopy 1.1. */
static const struct ic_version fcopy_fw_versions[] = {
	IC_FRAMEWORK_VERSION_3_0,
	IC_FRAMEWORK_VERSION_1_0,
};
static const struct ic_version fcopy_srv_versions[] = {
	IC_FCOPY_VERSION_1_1,
};

struct fcopy_uio {
	sd_event *event;
	struct fcopy_handler handler;
	char *device;			/* configured, or found */
	char *ring_file;
	size_t ring_size;
	uint64_t ring_size_timeout_usec;

	struct uio *uio;
	sd_event_source *io;
	struct vmbus_ring tx;		/* guest -> host: replies */
	struct vmbus_ring rx;		/* host -> guest: requests */
	uint8_t *pkt;			/* the packet being served, replied in place */
	size_t pkt_size;

	/* A reply the TX ring had no room for; RX is not read meanwhile. */
	bool reply_pending;
	uint32_t reply_offset;
	uint32_t reply_len;
	uint64_t reply_trans_id;
	bool want_space;		/* pending_send_sz is set on TX */

	unsigned bad_packets;
};

/* -EIO means the channel is gone (rescinded): the caller ends quietly. */
static int signal_host(struct fcopy_uio *u)
{
	int r = uio_signal(u->uio);

	if (r < 0 && r != -EIO)
		return log_error_errno(r, "Cannot signal the host on %s: %m", u->device);
	return r;
}

/* Try to send the pending reply. -EAGAIN: wait for the host to make room. */
static int send_reply(struct fcopy_uio *u)
{
	bool signal;
	int r;

	for (;;) {
		r = vmbus_ring_send(&u->tx, VMBUS_PKT_DATA_INBAND, 0, u->reply_trans_id,
				    u->pkt + u->reply_offset, u->reply_len, &signal);
		if (r != -EAGAIN)
			break;
		/* Ask for a signal once the reply fits; re-check in case it already does. */
		u->want_space = true;
		if (!vmbus_ring_want_space(&u->tx, vmbus_packet_size(u->reply_len)))
			return -EAGAIN;
	}
	if (u->want_space) {
		vmbus_ring_clear_want_space(&u->tx);
		u->want_space = false;
	}
	if (r < 0)
		return log_error_errno(r, "Cannot send a reply on %s: %m", u->device);
	u->reply_pending = false;
	return signal ? signal_host(u) : 0;
}

static void answer_negotiate(struct fcopy_uio *u, struct ic_msg *m)
{
	struct ic_version fw, srv;
	int r;

	r = ic_negotiate(m, fcopy_fw_versions, ELEMENTSOF(fcopy_fw_versions), fcopy_srv_versions,
			 ELEMENTSOF(fcopy_srv_versions), &fw, &srv);
	if (r == 0)
		log_info("fcopy IC negotiated on %s: framework %u.%u, file copy %u.%u", u->device,
			 fw.major, fw.minor, srv.major, srv.minor);
	else
		log_warning_errno(r, "The host offered no usable fcopy IC version: %m");
}

/* Serve one packet; on return a reply may be pending. */
static void serve_packet(struct fcopy_uio *u, const struct vmbus_packet *pkt)
{
	uint32_t len = pkt->len - pkt->offset;
	struct ic_msg m;
	uint32_t status;

	if (pkt->type != VMBUS_PKT_DATA_INBAND || ic_msg_parse(u->pkt + pkt->offset, len, &m) < 0) {
		/* Nothing to answer without IC headers; warn once per start. */
		if (u->bad_packets++ == 0)
			log_warning("Ignoring a packet of type %u, %" PRIu32 " bytes, on %s",
				    pkt->type, len, u->device);
		return;
	}

	switch (ic_msg_type(&m)) {
	case IC_MSGTYPE_NEGOTIATE:
		answer_negotiate(u, &m);
		break;
	case IC_MSGTYPE_FCOPY:
		status = u->handler.handle(FCOPY_NAMES_UTF16, m.body, m.body_len,
					   u->handler.userdata);
		ic_msg_respond(&m, status);
		break;
	default:
		log_debug("Unexpected IC message type %u on %s", ic_msg_type(&m), u->device);
		ic_msg_respond(&m, HV_E_FAIL);
		break;
	}
	/* The response is the request rewritten in place, at its full length. */
	u->reply_pending = true;
	u->reply_offset = pkt->offset;
	u->reply_len = len;
	u->reply_trans_id = pkt->trans_id;
}

/*
 * Drain the RX ring: every packet queued is served before sleeping, the
 * interrupt masked meanwhile, then unmasked and the ring checked again
 * (the host does not signal a ring that was not empty).
 */
static int process(struct fcopy_uio *u)
{
	struct vmbus_packet pkt;
	int r;

	for (;;) {
		/* A reply waiting for room goes first; RX is not read meanwhile. */
		if (u->reply_pending) {
			r = send_reply(u);
			if (r == -EAGAIN) {
				/* The host's "room on TX" signal is this same interrupt. */
				(void)vmbus_ring_unmask(&u->rx);
				return 0;
			}
			if (r < 0)
				return r;
		}

		vmbus_ring_mask(&u->rx);
		r = vmbus_ring_recv(&u->rx, u->pkt, u->pkt_size, &pkt);
		if (r == -EAGAIN) {
			if (!vmbus_ring_unmask(&u->rx))
				return 0;
			continue;
		}
		if (r < 0)
			return log_error_errno(r, "Corrupt RX ring on %s: %m", u->device);
		serve_packet(u, &pkt);
		/* Hand the room back before a possibly slow reply. */
		if (vmbus_ring_recv_done(&u->rx)) {
			r = signal_host(u);
			if (r < 0)
				return r;
		}
	}
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct fcopy_uio *u = userdata;
	int r;

	(void)s;
	(void)fd;
	(void)revents;
	r = uio_ack(u->uio);
	if (r == 0 || r == -EAGAIN)
		r = process(u);
	if (r >= 0)
		return 0;

	/* Reading or signalling fails with EIO once the channel is rescinded. */
	if (r == -EIO) {
		log_notice("The fcopy channel on %s was rescinded; exiting", u->device);
		r = 0;
	} else {
		log_error_errno(r, "Stopping file copy on %s: %m", u->device);
	}
	if (u->handler.reset)
		u->handler.reset(u->handler.userdata);
	return sd_event_exit(u->event, r);
}

static int find_device(struct fcopy_uio *u, struct uio_device_info *info)
{
	int r;

	if (u->device) {
		/* A real device given by path: its sysfs still knows the ring size. */
		if (!u->ring_size)
			return uio_device_info_from_devnode(u->device, info);
		return 0;
	}
	r = uio_find_vmbus_device(VMBUS_CLASS_FCOPY_STR, info);
	if (r == -ENXIO)
		return log_error_errno(r, "The fcopy device is not bound to uio_hv_generic: "
				       "modprobe uio_hv_generic and write " VMBUS_CLASS_FCOPY_STR
				       " to /sys/bus/vmbus/drivers/uio_hv_generic/new_id");
	if (r == -ENODEV)
		return log_error_errno(r, "No file copy device: no uio_hv_generic channel of class "
				       VMBUS_CLASS_FCOPY_STR " (kernels 6.10 and later) and no "
				       "/dev/vmbus/hv_fcopy (up to 6.9). Is the Guest Service "
				       "Interface enabled for this VM?");
	if (r < 0)
		return log_error_errno(r, "Cannot look for the fcopy device: %m");
	u->device = strdup(info->devnode);
	if (!u->device)
		return -ENOMEM;
	return 0;
}

int fcopy_uio_start(struct fcopy_uio *u)
{
	struct uio_device_info info = { 0 };
	uint8_t *map;
	int r;

	r = find_device(u, &info);
	if (r < 0)
		goto out;
	if (!u->ring_size) {
		r = uio_ring_size(info.vmbus_syspath, info.uio_syspath, u->ring_size_timeout_usec,
				  &u->ring_size);
		if (r < 0) {
			log_error_errno(r, "Cannot learn the ring size of %s from sysfs (%m); "
					"set RingSize=", u->device);
			goto out;
		}
	}
	r = uio_ring_size_check(u->ring_size);
	if (r < 0) {
		log_error("Invalid ring size %zu for %s", u->ring_size, u->device);
		goto out;
	}

	r = uio_open(u->device, u->ring_file, 2 * u->ring_size, &u->uio);
	if (r == -EBUSY) {
		log_error_errno(r, "%s is served by another process: is another daemon running?",
				u->device);
		goto out;
	}
	if (r < 0) {
		log_error_errno(r, "Cannot open %s: %m", u->device);
		goto out;
	}
	/* Map 0: the TX ring (ours to write), then the RX ring. */
	map = uio_get_map(u->uio);
	r = vmbus_ring_attach(&u->tx, map, u->ring_size, VMBUS_RING_WRITER);
	if (r == 0)
		r = vmbus_ring_attach(&u->rx, map + u->ring_size, u->ring_size, VMBUS_RING_READER);
	if (r < 0) {
		log_error_errno(r, "Unusable rings on %s: %m", u->device);
		goto out;
	}
	u->pkt_size = u->ring_size;
	u->pkt = malloc(u->pkt_size);
	if (!u->pkt) {
		r = -ENOMEM;
		goto out;
	}

	r = sd_event_add_io(u->event, &u->io, uio_get_fd(u->uio), EPOLLIN, on_io, u);
	if (r < 0)
		goto out;
	(void)sd_event_source_set_description(u->io, "fcopy-uio");

	log_info("Serving file copy on %s (rings of %zu bytes)", u->device, u->ring_size);
	/* The host may have queued requests before we opened the channel. */
	r = process(u);
out:
	uio_device_info_done(&info);
	return r;
}

int fcopy_uio_new(sd_event *event, const struct fcopy_uio_config *config,
		  const struct fcopy_handler *handler, struct fcopy_uio **ret)
{
	struct fcopy_uio *u;

	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->event = sd_event_ref(event);
	u->handler = *handler;
	u->ring_size = config->ring_size;
	u->ring_size_timeout_usec = config->ring_size_timeout_usec;
	if ((config->device && !(u->device = strdup(config->device))) ||
	    (config->ring_file && !(u->ring_file = strdup(config->ring_file)))) {
		fcopy_uio_free(u);
		return -ENOMEM;
	}
	*ret = u;
	return 0;
}

struct fcopy_uio *fcopy_uio_free(struct fcopy_uio *u)
{
	if (!u)
		return NULL;
	sd_event_source_disable_unref(u->io);
	uio_free(u->uio);
	sd_event_unref(u->event);
	free(u->pkt);
	free(u->device);
	free(u->ring_file);
	free(u);
	return NULL;
}

const char *fcopy_uio_get_device(const struct fcopy_uio *u)
{
	return u->device;
}
