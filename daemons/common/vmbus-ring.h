/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * VMBus ring buffer: one direction of a channel, for either end.
 *
 * The same code serves the guest (a UIO daemon mapping its channel's
 * rings) and the host (hvhost, the test hosts): a side writes one ring and
 * reads the other. Nothing here does I/O or signalling; every call that may
 * require the peer to be woken returns that decision, and the caller
 * signals in whatever way its transport provides (a write to /dev/uioN, a
 * hypercall, an eventfd).
 *
 * Everything the peer can change is untrusted: indices are validated on
 * every load, packets are copied out once and checked (descriptor lengths
 * against the data published, the trailer against the packet's offset)
 * before they are returned. A corrupt ring yields -EBADMSG, never a read or
 * write outside the mapping.
 *
 * Memory ordering uses C11-style acquire/release and full fences (GCC/Clang
 * __atomic builtins in userspace, smp_* and virt_mb() in the kernel), so
 * the code is correct on weakly ordered CPUs (aarch64) as well as x86.
 * One thread per ring end; callers serialise their own use.
 */
#ifndef HV_VMBUS_RING_H
#define HV_VMBUS_RING_H

#include <linux/types.h>
#ifndef __KERNEL__
#include <stdbool.h>
#include <stddef.h>
#endif

#include <hyperv/vmbus.h>

enum vmbus_ring_role {
	VMBUS_RING_WRITER,
	VMBUS_RING_READER,
};

/* One end of one ring. Fields are private to the ring code. */
struct vmbus_ring {
	struct vmbus_ring_ctl *ctl;	/* shared control page */
	__u8 *data;			/* shared data area */
	__u32 size;			/* data area bytes */
	enum vmbus_ring_role role;
	__u32 pos;			/* writer: next write; reader: next read */
	__u32 committed;		/* reader: last position published in read_index */
};

/* A gather element for vmbus_ring_sendv(). */
struct vmbus_ring_buf {
	const void *base;
	__u32 len;
};

/* A packet returned by vmbus_ring_recv(). */
struct vmbus_packet {
	__u16 type;		/* VMBUS_PKT_* */
	__u16 flags;
	__u64 trans_id;
	__u32 offset;		/* payload offset in the copied packet */
	__u32 len;		/* bytes copied: descriptor, payload, padding */
};

/* Smallest ring: the control page and one data page. */
#define VMBUS_RING_MIN_BYTES	(2 * VMBUS_RING_PAGE_SIZE)
/* Largest ring handled; indices stay far from 32-bit overflow. */
#define VMBUS_RING_MAX_BYTES	(1u << 30)

/* Ring bytes a packet with this payload takes, descriptor and trailer included. */
static inline __u32 vmbus_packet_size(__u32 payload_len)
{
	return (__u32)sizeof(struct vmbus_packet_desc) + ((payload_len + 7u) & ~7u) +
	       VMBUS_PKT_TRAILER_SIZE;
}

/*
 * Initialise a ring's control page, as the ring's owner does before the
 * channel opens: indices 0, interrupts unmasked, flow control advertised.
 * Only for memory this side owns (tests, a host allocating rings).
 */
void vmbus_ring_init(void *mem, size_t bytes);

/*
 * Attach to a ring of `bytes` bytes (control page + data area) at mem,
 * which must be 8-byte aligned; bytes a multiple of the page size between
 * VMBUS_RING_MIN_BYTES and VMBUS_RING_MAX_BYTES. The shared memory is not
 * modified. Return: 0, -EINVAL (bad geometry), -EBADMSG (this role's index
 * in the control page is out of range).
 */
int vmbus_ring_attach(struct vmbus_ring *r, void *mem, size_t bytes, enum vmbus_ring_role role);

/* Largest payload a single packet can carry in this ring. */
__u32 vmbus_ring_max_payload(const struct vmbus_ring *r);

/*
 * Writer: append one packet (descriptor, the payload gathered from bufs,
 * zero padding, trailer) and publish it.
 * *ret_signal is set when the reader must be signalled: it was idle (ring
 * empty before this packet) and has not masked interrupts.
 * Return: 0, -EAGAIN (not enough room now: see vmbus_ring_want_space()),
 * -EMSGSIZE (can never fit), -EBADMSG (the reader's index is corrupt).
 */
int vmbus_ring_sendv(struct vmbus_ring *r, __u16 type, __u16 flags, __u64 trans_id,
		     const struct vmbus_ring_buf *bufs, unsigned int n_bufs, bool *ret_signal);
int vmbus_ring_send(struct vmbus_ring *r, __u16 type, __u16 flags, __u64 trans_id,
		    const void *payload, __u32 len, bool *ret_signal);

/*
 * Writer flow control: ask the reader to signal once `bytes` (a
 * vmbus_packet_size()) are free. Returns true when that room is already
 * there (retry the send now instead of waiting). Clear the request with
 * vmbus_ring_clear_want_space() once the send went through.
 */
bool vmbus_ring_want_space(struct vmbus_ring *r, __u32 bytes);
void vmbus_ring_clear_want_space(struct vmbus_ring *r);

/*
 * Reader: copy the next packet into buf (descriptor included) and advance
 * past it. The space goes back to the writer at vmbus_ring_recv_done().
 * Return: 0, -EAGAIN (empty), -ENOBUFS (buf too small; ret->len is the
 * size needed, nothing consumed), -EBADMSG (corrupt ring: lengths past the
 * data published, bad descriptor offsets, wrong trailer, bad index).
 */
int vmbus_ring_recv(struct vmbus_ring *r, void *buf, size_t size, struct vmbus_packet *ret);

/*
 * Reader: hand the space of every packet received so far back to the
 * writer. Returns true when the writer must be signalled: it asked for
 * room (pending_send_sz) and this commit is what made enough.
 */
bool vmbus_ring_recv_done(struct vmbus_ring *r);

/*
 * Reader: interrupt mask. Mask while draining, unmask before sleeping;
 * vmbus_ring_unmask() returns true when data arrived meanwhile (the writer
 * may not have signalled it: drain again instead of sleeping).
 */
void vmbus_ring_mask(struct vmbus_ring *r);
bool vmbus_ring_unmask(struct vmbus_ring *r);

/* Bytes published and not yet received (reader), or free for the writer. */
int vmbus_ring_bytes_to_read(const struct vmbus_ring *r, __u32 *ret);
int vmbus_ring_bytes_to_write(const struct vmbus_ring *r, __u32 *ret);

#endif /* HV_VMBUS_RING_H */
