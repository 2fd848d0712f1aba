// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * VMBus ring buffer: packet read/write with wrap-around, interrupt mask and
 * pending_send_sz flow control. Builds in userspace and in a kernel module.
 *
 * Signalling protocol (both ends follow it, so neither sleeps on work):
 * - A writer signals after publishing a packet only if the reader had
 *   consumed everything before it (read_index == the packet's offset) and
 *   has not masked interrupts.
 * - A reader clears its mask before sleeping and re-checks the ring.
 * - A writer that found no room stores pending_send_sz and re-checks; a
 *   reader that frees room signals when free space crosses that value.
 * Each side stores, fences, then loads the other side's field; the fences
 * pair up so that at least one side sees the other's store.
 */
#ifdef __KERNEL__
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <asm/barrier.h>

#define ring_load(p)			READ_ONCE(*(p))
#define ring_store(p, v)		WRITE_ONCE(*(p), (v))
#define ring_load_acquire(p)		smp_load_acquire(p)
#define ring_store_release(p, v)	smp_store_release((p), (v))
#define ring_mb()			virt_mb()
#else
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ring_load(p)			__atomic_load_n((p), __ATOMIC_RELAXED)
#define ring_store(p, v)		__atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define ring_load_acquire(p)		__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define ring_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define ring_mb()			__atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

#include "vmbus-ring.h"

#define DESC_SIZE	((__u32)sizeof(struct vmbus_packet_desc))
#define TRAILER_SIZE	((__u32)VMBUS_PKT_TRAILER_SIZE)
#define LEN8_MAX	0xffffu

/*
 * The control words are naturally aligned (attach checks the mapping), so
 * they are accessed as plain __u32 through the page, not through the
 * packed struct's members.
 */
#define CTL(r, field) \
	((__u32 *)((__u8 *)(r)->ctl + offsetof(struct vmbus_ring_ctl, field)))

static bool index_valid(const struct vmbus_ring *r, __u32 idx)
{
	return idx < r->size && (idx & 7u) == 0;
}

static __u32 advance(const struct vmbus_ring *r, __u32 idx, __u32 len)
{
	/* idx < size and len <= size: one subtraction wraps. */
	idx += len;
	if (idx >= r->size)
		idx -= r->size;
	return idx;
}

/* Bytes between the reader at rd and the writer at wr. */
static __u32 used_bytes(const struct vmbus_ring *r, __u32 wr, __u32 rd)
{
	return wr >= rd ? wr - rd : r->size - rd + wr;
}

/* Room for the writer; a packet fits only when strictly smaller. */
static __u32 free_bytes(const struct vmbus_ring *r, __u32 wr, __u32 rd)
{
	return r->size - used_bytes(r, wr, rd);
}

static void copy_from_ring(const struct vmbus_ring *r, __u32 pos, void *dst, __u32 len)
{
	__u32 first = r->size - pos;

	if (len <= first) {
		memcpy(dst, r->data + pos, len);
	} else {
		memcpy(dst, r->data + pos, first);
		memcpy((__u8 *)dst + first, r->data, len - first);
	}
}

static __u32 copy_to_ring(struct vmbus_ring *r, __u32 pos, const void *src, __u32 len)
{
	__u32 first = r->size - pos;

	if (len <= first) {
		memcpy(r->data + pos, src, len);
	} else {
		memcpy(r->data + pos, src, first);
		memcpy(r->data, (const __u8 *)src + first, len - first);
	}
	return advance(r, pos, len);
}

static __u32 zero_ring(struct vmbus_ring *r, __u32 pos, __u32 len)
{
	static const __u8 zeros[8];

	/* Only padding (< 8 bytes) goes through here. */
	return copy_to_ring(r, pos, zeros, len);
}

void vmbus_ring_init(void *mem, size_t bytes)
{
	struct vmbus_ring_ctl *ctl = mem;

	(void)bytes;
	memset(ctl, 0, sizeof(*ctl));
	ctl->feature_bits = VMBUS_RING_FEAT_PENDING_SEND_SZ;
}

int vmbus_ring_attach(struct vmbus_ring *r, void *mem, size_t bytes, enum vmbus_ring_role role)
{
	struct vmbus_ring tmp;
	__u32 idx;

	if (!mem || ((unsigned long)mem & 7u) || bytes % VMBUS_RING_PAGE_SIZE ||
	    bytes < VMBUS_RING_MIN_BYTES || bytes > VMBUS_RING_MAX_BYTES)
		return -EINVAL;
	if (role != VMBUS_RING_WRITER && role != VMBUS_RING_READER)
		return -EINVAL;

	tmp.ctl = mem;
	tmp.data = (__u8 *)mem + VMBUS_RING_CTL_SIZE;
	tmp.size = (__u32)(bytes - VMBUS_RING_CTL_SIZE);
	tmp.role = role;
	/* Start from our own index; the peer's is validated at every use. */
	idx = ring_load(role == VMBUS_RING_WRITER ? CTL(&tmp, write_index) :
						    CTL(&tmp, read_index));
	if (!index_valid(&tmp, idx))
		return -EBADMSG;
	tmp.pos = idx;
	tmp.committed = idx;
	*r = tmp;
	return 0;
}

__u32 vmbus_ring_max_payload(const struct vmbus_ring *r)
{
	/* total < size; the descriptor's len8 is 16 bits. */
	__u32 max = r->size - 8u - DESC_SIZE - TRAILER_SIZE;

	if (max > LEN8_MAX * 8u - DESC_SIZE)
		max = LEN8_MAX * 8u - DESC_SIZE;
	return max;
}

int vmbus_ring_bytes_to_write(const struct vmbus_ring *r, __u32 *ret)
{
	__u32 rd = ring_load_acquire(CTL(r, read_index));

	if (!index_valid(r, rd))
		return -EBADMSG;
	*ret = free_bytes(r, r->pos, rd);
	return 0;
}

int vmbus_ring_bytes_to_read(const struct vmbus_ring *r, __u32 *ret)
{
	__u32 wr = ring_load_acquire(CTL(r, write_index));

	if (!index_valid(r, wr))
		return -EBADMSG;
	*ret = used_bytes(r, wr, r->pos);
	return 0;
}

int vmbus_ring_sendv(struct vmbus_ring *r, __u16 type, __u16 flags, __u64 trans_id,
		     const struct vmbus_ring_buf *bufs, unsigned int n_bufs, bool *ret_signal)
{
	struct vmbus_packet_desc desc;
	__u32 payload = 0, total, rd, old, pos;
	__u64 trailer;

	*ret_signal = false;
	for (unsigned int i = 0; i < n_bufs; i++) {
		if (bufs[i].len > vmbus_ring_max_payload(r) - payload)
			return -EMSGSIZE;
		payload += bufs[i].len;
	}
	total = vmbus_packet_size(payload);

	/*
	 * Pairs with the reader's store-release of read_index: the bytes it
	 * handed back are no longer being read when we overwrite them.
	 */
	rd = ring_load_acquire(CTL(r, read_index));
	if (!index_valid(r, rd))
		return -EBADMSG;
	/* Filling the ring exactly would make it look empty: keep a gap. */
	if (free_bytes(r, r->pos, rd) <= total)
		return -EAGAIN;

	desc.type = type;
	desc.offset8 = (__u16)(DESC_SIZE / 8);
	desc.len8 = (__u16)((total - TRAILER_SIZE) / 8);
	desc.flags = flags;
	desc.trans_id = trans_id;

	old = r->pos;
	pos = copy_to_ring(r, old, &desc, DESC_SIZE);
	for (unsigned int i = 0; i < n_bufs; i++)
		if (bufs[i].len)
			pos = copy_to_ring(r, pos, bufs[i].base, bufs[i].len);
	pos = zero_ring(r, pos, ((payload + 7u) & ~7u) - payload);
	trailer = (__u64)old << 32;
	pos = copy_to_ring(r, pos, &trailer, TRAILER_SIZE);
	r->pos = pos;

	/* Publish: pairs with the reader's load-acquire of write_index. */
	ring_store_release(CTL(r, write_index), pos);
	/*
	 * Order the publication before reading the reader's state; pairs with
	 * the fence in vmbus_ring_unmask(): either the reader sees this packet
	 * before sleeping, or we see its cleared mask and signal.
	 */
	ring_mb();
	if (ring_load_acquire(CTL(r, interrupt_mask)))
		return 0;
	/* Signal only on the empty -> non-empty transition. */
	*ret_signal = ring_load_acquire(CTL(r, read_index)) == old;
	return 0;
}

int vmbus_ring_send(struct vmbus_ring *r, __u16 type, __u16 flags, __u64 trans_id,
		    const void *payload, __u32 len, bool *ret_signal)
{
	struct vmbus_ring_buf buf = { .base = payload, .len = len };

	return vmbus_ring_sendv(r, type, flags, trans_id, &buf, 1, ret_signal);
}

bool vmbus_ring_want_space(struct vmbus_ring *r, __u32 bytes)
{
	__u32 rd;

	ring_store(CTL(r, pending_send_sz), bytes);
	/*
	 * Pairs with the fence in vmbus_ring_recv_done(): either the reader
	 * sees our request after freeing room, or we see the room here.
	 */
	ring_mb();
	rd = ring_load_acquire(CTL(r, read_index));
	if (!index_valid(r, rd))
		return true;	/* let the next send report the corruption */
	return free_bytes(r, r->pos, rd) > bytes;
}

void vmbus_ring_clear_want_space(struct vmbus_ring *r)
{
	ring_store(CTL(r, pending_send_sz), 0);
}

int vmbus_ring_recv(struct vmbus_ring *r, void *buf, size_t size, struct vmbus_packet *ret)
{
	struct vmbus_packet_desc desc;
	__u32 wr, avail, len, offset;

	/* Pairs with the writer's store-release: the packet bytes are visible. */
	wr = ring_load_acquire(CTL(r, write_index));
	if (!index_valid(r, wr))
		return -EBADMSG;
	avail = used_bytes(r, wr, r->pos);
	if (avail == 0)
		return -EAGAIN;
	/* Writers publish whole packets: anything shorter is corruption. */
	if (avail < DESC_SIZE + TRAILER_SIZE)
		return -EBADMSG;

	/* Copy the descriptor once; the copy is what gets checked and used. */
	copy_from_ring(r, r->pos, &desc, DESC_SIZE);
	len = (__u32)desc.len8 * 8u;
	offset = (__u32)desc.offset8 * 8u;
	if (len < DESC_SIZE || offset < DESC_SIZE || offset > len || len > avail - TRAILER_SIZE)
		return -EBADMSG;
	if (len > size) {
		ret->len = len;
		return -ENOBUFS;
	}

	copy_from_ring(r, advance(r, r->pos, DESC_SIZE), (__u8 *)buf + DESC_SIZE,
		       len - DESC_SIZE);
	memcpy(buf, &desc, DESC_SIZE);
	/*
	 * The trailer is skipped, not checked: writers are not bound to fill
	 * it. Linux's writer stores the packet's offset there, but QEMU's VMBus
	 * host leaves it as it was, and Linux's own reader ignores it.
	 */

	ret->type = desc.type;
	ret->flags = desc.flags;
	ret->trans_id = desc.trans_id;
	ret->offset = offset;
	ret->len = len;
	r->pos = advance(r, r->pos, len + TRAILER_SIZE);
	return 0;
}

bool vmbus_ring_recv_done(struct vmbus_ring *r)
{
	__u32 pending, wr, old_read = r->committed;

	if (old_read == r->pos)
		return false;
	/*
	 * Every read of the packets consumed is done before their space is
	 * handed back; pairs with the writer's load-acquire of read_index.
	 */
	ring_store_release(CTL(r, read_index), r->pos);
	r->committed = r->pos;
	/* Pairs with the fence in vmbus_ring_want_space(). */
	ring_mb();

	if (!(ring_load(CTL(r, feature_bits)) & VMBUS_RING_FEAT_PENDING_SEND_SZ))
		return false;
	pending = ring_load_acquire(CTL(r, pending_send_sz));
	if (!pending)
		return false;
	wr = ring_load_acquire(CTL(r, write_index));
	if (!index_valid(r, wr))
		return false;
	/* Signal on the "not enough room" -> "enough room" transition only. */
	return free_bytes(r, wr, old_read) <= pending && free_bytes(r, wr, r->pos) > pending;
}

void vmbus_ring_mask(struct vmbus_ring *r)
{
	ring_store(CTL(r, interrupt_mask), 1);
}

bool vmbus_ring_unmask(struct vmbus_ring *r)
{
	__u32 wr;

	ring_store(CTL(r, interrupt_mask), 0);
	/* Pairs with the fence after the writer publishes write_index. */
	ring_mb();
	wr = ring_load_acquire(CTL(r, write_index));
	/* A corrupt index counts as data: the next recv reports it. */
	return wr != r->pos;
}
