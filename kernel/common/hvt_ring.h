/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * VMBus ring buffer index arithmetic, with no kernel dependency, so the same
 * code runs in hv_vmbus (kernel/vmbus/ring.c), in its unit test and in its
 * fuzz target.
 *
 * A ring direction is a control page (struct hv_ring_buffer) followed by a
 * data area of @size bytes. read_index and write_index are byte offsets into
 * the data area; the ring is empty when they are equal, so a writer never
 * fills it completely. A packet is a descriptor (struct vmpacket_descriptor:
 * type, offset8, len8, flags, trans_id), its payload padded to 8 bytes, then
 * an 8-byte trailer holding the packet's start offset in its upper 32 bits.
 * len8 and offset8 count 8-byte units: len8 covers descriptor and payload
 * but not the trailer, offset8 is where the payload starts.
 *
 * Both indices of a ring and everything inside its data area may be written
 * by the host at any time. The helpers below assume nothing about their
 * arguments unless they say so: the *_ok() and hvt_ring_peek() checks are
 * what makes the other values safe to use.
 */
#ifndef HVT_RING_H
#define HVT_RING_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stdint.h>
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
#endif

/* Everything in the data area is in 8-byte units. */
#define HVT_RING_ALIGN		8u
/* sizeof(struct vmpacket_descriptor) */
#define HVT_RING_DESC_SIZE	16u
/* The u64 after each packet: its start offset << 32. */
#define HVT_RING_TRAILER_SIZE	8u
/* The smallest packet the host can publish: a bare descriptor + trailer. */
#define HVT_RING_MIN_PACKET	(HVT_RING_DESC_SIZE + HVT_RING_TRAILER_SIZE)

/* Why a packet cannot be read (hvt_ring_peek()). */
enum hvt_ring_status {
	HVT_RING_OK = 0,
	HVT_RING_EMPTY,		/* nothing published */
	HVT_RING_BAD_INDEX,	/* an index outside the data area or unaligned */
	HVT_RING_SHORT,		/* fewer bytes than the smallest packet */
	HVT_RING_BAD_LEN,	/* len8 shorter than the descriptor */
	HVT_RING_BAD_OFFSET,	/* offset8 inside the descriptor or past len8 */
	HVT_RING_TRUNCATED,	/* packet + trailer longer than what is published */
	HVT_RING_TOO_BIG,	/* longer than the reader's buffer */
};

static inline const char *hvt_ring_status_str(enum hvt_ring_status st)
{
	switch (st) {
	case HVT_RING_OK:
		return "ok";
	case HVT_RING_EMPTY:
		return "empty";
	case HVT_RING_BAD_INDEX:
		return "index outside the data area";
	case HVT_RING_SHORT:
		return "less than a packet published";
	case HVT_RING_BAD_LEN:
		return "packet length shorter than its descriptor";
	case HVT_RING_BAD_OFFSET:
		return "payload offset outside the packet";
	case HVT_RING_TRUNCATED:
		return "packet longer than the published bytes";
	case HVT_RING_TOO_BIG:
		return "packet longer than the reader's buffer";
	}
	return "unknown";
}

/* A data area the arithmetic below works for: non-empty, in 8-byte units. */
static inline bool hvt_ring_size_ok(u32 size)
{
	return size >= HVT_RING_MIN_PACKET && size % HVT_RING_ALIGN == 0;
}

/* @index points into a data area of @size bytes, at an 8-byte boundary. */
static inline bool hvt_ring_index_ok(u32 index, u32 size)
{
	return index < size && index % HVT_RING_ALIGN == 0;
}

static inline bool hvt_ring_indices_ok(u32 read, u32 write, u32 size)
{
	return hvt_ring_index_ok(read, size) && hvt_ring_index_ok(write, size);
}

/*
 * Bytes from @from forward to @to, going round the end: what lies between a
 * reader at @from and a writer at @to. Needs both indices below @size;
 * the result is then below @size.
 */
static inline u32 hvt_ring_distance(u32 from, u32 to, u32 size)
{
	return to >= from ? to - from : size - from + to;
}

/* Bytes published and not yet consumed. Needs hvt_ring_indices_ok(). */
static inline u32 hvt_ring_avail_read(u32 read, u32 write, u32 size)
{
	return hvt_ring_distance(read, write, size);
}

/*
 * Bytes a writer may use, counting the gap that keeps a full ring from
 * looking empty: a packet of N bytes fits only if this is > N (see
 * hvt_ring_can_write()). Needs hvt_ring_indices_ok(); result in 1..size.
 */
static inline u32 hvt_ring_avail_write(u32 read, u32 write, u32 size)
{
	return size - hvt_ring_avail_read(read, write, size);
}

/* @len bytes (trailer included) fit without making the ring look empty. */
static inline bool hvt_ring_can_write(u32 read, u32 write, u32 size, u32 len)
{
	return hvt_ring_avail_write(read, write, size) > len;
}

/*
 * @index moved forward by @len, round the end. Needs @index < @size and
 * @len <= @size; written so that neither can overflow 32 bits.
 */
static inline u32 hvt_ring_advance(u32 index, u32 len, u32 size)
{
	u32 to_end = size - index;

	return len >= to_end ? len - to_end : index + len;
}

/*
 * Checks the packet a reader at @read would take next, the host having
 * published up to @write. @offset8 and @len8 are the descriptor's fields as
 * read (once) from the ring at @read, @limit the most the reader can hold.
 * On HVT_RING_OK, *@ret_len is the packet's length without trailer, and
 * *@ret_offset where its payload starts: 16 <= offset <= len <= limit, and
 * len + trailer <= the published bytes, so bytes [read, read + len + 8) are
 * the host's packet and the next one starts at
 * hvt_ring_advance(read, len + 8, size). Outputs are untouched otherwise.
 */
static inline enum hvt_ring_status hvt_ring_peek(u32 read, u32 write, u32 size,
						 u16 offset8, u16 len8, u32 limit,
						 u32 *ret_len, u32 *ret_offset)
{
	u32 avail, len, offset;

	if (!hvt_ring_size_ok(size) || !hvt_ring_indices_ok(read, write, size))
		return HVT_RING_BAD_INDEX;
	avail = hvt_ring_avail_read(read, write, size);
	if (avail == 0)
		return HVT_RING_EMPTY;
	if (avail < HVT_RING_MIN_PACKET)
		return HVT_RING_SHORT;

	/* u16 << 3 fits easily in 32 bits: at most 524280. */
	len = (u32)len8 * HVT_RING_ALIGN;
	offset = (u32)offset8 * HVT_RING_ALIGN;
	if (len < HVT_RING_DESC_SIZE)
		return HVT_RING_BAD_LEN;
	if (offset < HVT_RING_DESC_SIZE || offset > len)
		return HVT_RING_BAD_OFFSET;
	if (len > avail - HVT_RING_TRAILER_SIZE)
		return HVT_RING_TRUNCATED;
	if (len > limit)
		return HVT_RING_TOO_BIG;

	*ret_len = len;
	*ret_offset = offset;
	return HVT_RING_OK;
}

/*
 * After a reader consumed @bytes_read bytes and now sees @free_now bytes
 * free for the host, should it wake a host writer that asked for
 * @pending_sz bytes (pending_send_sz)? Only on the transition from "not
 * enough" to "enough": a host already woken, or still short of room, gets
 * no interrupt (hosts throttle guests that signal needlessly). "Enough" is
 * strictly more than asked, as for any writer (hvt_ring_can_write()).
 */
static inline bool hvt_ring_read_should_signal(u32 free_now, u32 bytes_read,
					       u32 pending_sz)
{
	if (pending_sz == 0 || free_now <= pending_sz)
		return false;
	/* Impossible with sane indices; without them, the host was waiting. */
	if (bytes_read > free_now)
		return true;
	return free_now - bytes_read <= pending_sz;
}

#endif /* HVT_RING_H */
