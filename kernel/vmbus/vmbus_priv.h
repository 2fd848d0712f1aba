/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv_vmbus internals shared by its files. Nothing here is seen by other
 * modules: what they use is <linux/hyperv.h>, implemented as the stock
 * driver implements it.
 *
 *   main.c     module init/exit, the bus type, driver registration, probe,
 *              uevent, the ACPI device and its MMIO ranges, interrupts
 *   synic.c    the per-CPU SynIC pages, HvPostMessage, HvSignalEvent
 *   conn.c     INITIATE_CONTACT and the version, message dispatch, UNLOAD
 *   chan.c     offers, rescind, subchannels, open/close, GPADLs, sending
 *   ring.c     ring buffers: write, read, in-place iteration, flow control
 *   request.c  the per-channel request-id table (struct vmbus_requestor)
 *   sysfs.c    /sys/bus/vmbus/devices/<dev>/ and its channels/<relid>/
 */
#ifndef HVT_VMBUS_PRIV_H
#define HVT_VMBUS_PRIV_H

#include <linux/hyperv.h>
#include <linux/uio.h>

#define HVT_LOG_PREFIX "hv_vmbus: "

/* ---- ring.c ------------------------------------------------------------- */

/*
 * Sets up one direction of a channel's ring: @pages are @page_cnt pages,
 * the first the control page (struct hv_ring_buffer), the rest the data.
 * @max_pkt_size bounds what the in-place reader copies out (pkt_buffer).
 * Returns 0 or -ENOMEM / -EINVAL.
 */
int hv_ringbuffer_init(struct hv_ring_buffer_info *rbi, struct page *pages,
		       u32 page_cnt, u32 max_pkt_size);
void hv_ringbuffer_cleanup(struct hv_ring_buffer_info *rbi);

/*
 * Writes one packet made of @kv_count pieces to the channel's outbound ring,
 * with its 8-byte trailer, and signals the host when it was waiting. When
 * the channel has a request table, @requestid is swapped for a table id and
 * the id used is stored in *@trans_id (may be NULL). Returns 0, -EAGAIN
 * (no room), -ENODEV (rescinded) or -EINVAL (a packet that can never fit).
 */
int hv_ringbuffer_write(struct vmbus_channel *channel, const struct kvec *kv_list,
			u32 kv_count, u64 requestid, u64 *trans_id);

/*
 * Reads one packet from the inbound ring: @raw copies it whole (descriptor
 * included), otherwise only its payload. *@buffer_actual_len is the length
 * copied, 0 when the ring is empty. -ENOBUFS when @buflen is too short (the
 * packet stays in the ring and *@buffer_actual_len says what it needs),
 * -EIO when the host's indices or descriptor are invalid.
 */
int hv_ringbuffer_read(struct vmbus_channel *channel, void *buffer, u32 buflen,
		       u32 *buffer_actual_len, u64 *requestid, bool raw);

/* ---- request.c ---------------------------------------------------------- */

/* Allocates / frees a request table of @size entries (0: none). */
int hvt_requestor_init(struct vmbus_requestor *rqstor, u32 size);
void hvt_requestor_free(struct vmbus_requestor *rqstor);

/*
 * chan.c: vmbus_setevent() (declared in <linux/hyperv.h>) tells the host the
 * channel has something for it: HvSignalEvent or the monitor page, as the
 * offer says. ring.c calls it after a write into an empty ring and when a
 * read makes the room a waiting host writer asked for (pending_send_sz).
 */

#endif /* HVT_VMBUS_PRIV_H */
