// SPDX-License-Identifier: GPL-2.0
/*
 * VMBus ring buffers: one per direction of a channel, in pages shared with
 * the host. The layout, the packet format and all the index arithmetic are
 * in hvt_ring.h; this file maps the pages, moves packets in and out, and
 * decides when the host needs an interrupt.
 *
 * Mapping. The data area is mapped twice back to back after the control
 * page (control, d0..dn, d0..dn), so the bytes of a packet that runs past
 * the end of the data area are also contiguous in virtual memory. Every
 * access is then one memcpy() starting at a validated index (< datasize)
 * of a validated length (< datasize), which cannot leave the mapping; there
 * is no split-copy code to get wrong. The second copy costs virtual address
 * space only. It is also what the stock driver does, so anything that looks
 * at ring_buffer->buffer directly sees the same thing.
 *
 * Trust. The host can rewrite the control page and the data area at any
 * moment, including the indices we own. So:
 *  - inbound: the position we read from is priv_read_index, which lives in
 *    guest memory; the host's write_index is checked (in range, 8-aligned)
 *    on every use, each descriptor is copied out once and the copy checked
 *    (hvt_ring_peek()), and what callers get is a private copy whose
 *    descriptor is the one we checked;
 *  - outbound: write_index (ours, but in shared memory) and the host's
 *    read_index are checked before anything is written.
 * A bad value gets a rate-limited error naming the channel; the ring then
 * reads as empty (in-place iteration) or the call fails with -EIO.
 *
 * Locking. Writers to a channel's outbound ring serialize on
 * outbound.ring_lock (irqsave: drivers send from any context). Reads of the
 * inbound ring are not locked: a channel has one reader at a time, its
 * callback (or the driver's poll loop), as with the stock driver.
 * ring_buffer_mutex only keeps the mapping alive for
 * hv_ringbuffer_get_debuginfo() (sysfs) against hv_ringbuffer_cleanup().
 */
#include <linux/hyperv.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/reciprocal_div.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uio.h>
#include <linux/version.h>
#include <linux/vmalloc.h>
#include <asm/barrier.h>
#include <asm/mshyperv.h>

/*
 * Not used by this file: these complete types that <linux/hyperv.h>'s
 * structures point to, as the stock driver's files see them (through its
 * trace header and <asm/mshyperv.h>). genksyms folds every visible type into
 * an export's CRC, so without them our exports would not carry the stock
 * CRCs and modules built against the stock hv_vmbus would refuse to load.
 */
#include <linux/static_call.h>
#include <linux/tracepoint.h>

#include "vmbus_priv.h"
#include "hvt_ring.h"

static u32 ring_relid(const struct vmbus_channel *channel)
{
	return channel->offermsg.child_relid;
}

static u8 *ring_data(const struct hv_ring_buffer_info *rbi)
{
	return rbi->ring_buffer->buffer;
}

/* ---- mapping ----------------------------------------------------------- */

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
/*
 * Before 6.6, an SNP (vTOM) guest reaches the host-visible alias of its
 * pages above ms_hyperv.shared_gpa_boundary, so the ring is mapped by pfn
 * there. Later kernels decrypt the pages in place and map them normally.
 */
static void *ring_map_shared_alias(struct page *pages, u32 page_cnt)
{
	unsigned long base = page_to_pfn(pages) +
			     PFN_DOWN(ms_hyperv.shared_gpa_boundary);
	u32 data_pages = page_cnt - 1;
	unsigned long *pfns;
	void *va;
	u32 i;

	pfns = kvcalloc(2 * data_pages + 1, sizeof(*pfns), GFP_KERNEL);
	if (!pfns)
		return NULL;
	pfns[0] = base;
	for (i = 0; i < 2 * data_pages; i++)
		pfns[i + 1] = base + 1 + i % data_pages;
	va = vmap_pfn(pfns, 2 * data_pages + 1, PAGE_KERNEL);
	kvfree(pfns);
	return va;
}
#endif

/* Control page, then the data pages twice. NULL on failure. */
static void *ring_map(struct page *pages, u32 page_cnt)
{
	u32 data_pages = page_cnt - 1;
	struct page **map;
	void *va;
	u32 i;

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
	if (hv_isolation_type_snp())
		return ring_map_shared_alias(pages, page_cnt);
#endif
	map = kvcalloc(2 * data_pages + 1, sizeof(*map), GFP_KERNEL);
	if (!map)
		return NULL;
	map[0] = pages;
	for (i = 0; i < 2 * data_pages; i++)
		map[i + 1] = nth_page(pages, 1 + i % data_pages);
	/* pgprot_decrypted() is PAGE_KERNEL unless memory encryption is on. */
	va = vmap(map, 2 * data_pages + 1, VM_MAP, pgprot_decrypted(PAGE_KERNEL));
	kvfree(map);
	return va;
}

/**
 * hv_ringbuffer_init() - map one direction of a channel's ring
 * @rbi: channel->outbound or channel->inbound
 * @pages: @page_cnt physically contiguous pages: control page, then data
 * @page_cnt: control page included; at least 2
 * @max_pkt_size: size of the private copy hv_pkt_iter_first() returns
 *	(pkt_buffer); 0 for none (the outbound ring)
 *
 * The ring starts empty with the pending_send_sz feature advertised. On an
 * isolated VM the pages must already be visible to the host.
 *
 * Context: process context; rbi->ring_buffer_mutex initialized
 * (hvt_ringbuffer_pre_init()).
 * Return: 0, -EINVAL for a bad geometry, -ENOMEM.
 */
int hv_ringbuffer_init(struct hv_ring_buffer_info *rbi, struct page *pages,
		       u32 page_cnt, u32 max_pkt_size)
{
	struct hv_ring_buffer *ring;
	void *pkt_buffer = NULL;
	u32 ring_size;

	BUILD_BUG_ON(sizeof(struct hv_ring_buffer) != PAGE_SIZE);
	BUILD_BUG_ON(sizeof(struct vmpacket_descriptor) != HVT_RING_DESC_SIZE);

	if (!pages || page_cnt < 2 || page_cnt > U32_MAX >> PAGE_SHIFT)
		return -EINVAL;
	ring_size = page_cnt << PAGE_SHIFT;

	if (max_pkt_size) {
		pkt_buffer = kvzalloc(max_pkt_size, GFP_KERNEL);
		if (!pkt_buffer)
			return -ENOMEM;
	}
	ring = ring_map(pages, page_cnt);
	if (!ring)
		goto err_free_pkt_buffer;

	/*
	 * The host does not look at the ring before the channel is opened, so
	 * this is the moment to forget whatever a previous open left: indices,
	 * mask, pending_send_sz. Memory that just became host-visible holds
	 * garbage: clear the data too.
	 */
	memset(ring, 0, PAGE_SIZE);
	if (hv_is_isolation_supported())
		memset(ring->buffer, 0, ring_size - PAGE_SIZE);
	ring->feature_bits.feat_pending_send_sz = 1;

	rbi->ring_size = ring_size;
	rbi->ring_datasize = ring_size - PAGE_SIZE;
	rbi->ring_size_div10_reciprocal = reciprocal_value(ring_size / 10);
	rbi->priv_read_index = 0;
	rbi->pkt_buffer = pkt_buffer;
	rbi->pkt_buffer_size = max_pkt_size;
	spin_lock_init(&rbi->ring_lock);

	/* Published last: sysfs readers test ring_buffer under the mutex. */
	mutex_lock(&rbi->ring_buffer_mutex);
	rbi->ring_buffer = ring;
	mutex_unlock(&rbi->ring_buffer_mutex);
	return 0;

err_free_pkt_buffer:
	kvfree(pkt_buffer);
	return -ENOMEM;
}

/**
 * hv_ringbuffer_cleanup() - unmap a ring set up by hv_ringbuffer_init()
 * @rbi: the ring; one never initialized (all zero) is fine
 *
 * The pages themselves belong to the caller.
 *
 * Context: process context, no reader or writer left on the ring.
 */
void hv_ringbuffer_cleanup(struct hv_ring_buffer_info *rbi)
{
	struct hv_ring_buffer *ring;

	mutex_lock(&rbi->ring_buffer_mutex);
	ring = rbi->ring_buffer;
	rbi->ring_buffer = NULL;
	mutex_unlock(&rbi->ring_buffer_mutex);
	if (ring)
		vunmap(ring);

	kvfree(rbi->pkt_buffer);
	rbi->pkt_buffer = NULL;
	rbi->pkt_buffer_size = 0;
}

/**
 * hvt_ringbuffer_pre_init() - prepare a new channel's ring bookkeeping
 * @channel: freshly allocated (zeroed) channel
 *
 * Makes hv_ringbuffer_get_debuginfo() and hv_ringbuffer_spinlock_busy()
 * safe on a channel whose rings are not (yet, or any more) mapped.
 *
 * Context: any; before the channel is visible to anyone.
 */
void hvt_ringbuffer_pre_init(struct vmbus_channel *channel)
{
	mutex_init(&channel->inbound.ring_buffer_mutex);
	mutex_init(&channel->outbound.ring_buffer_mutex);
	spin_lock_init(&channel->inbound.ring_lock);
	spin_lock_init(&channel->outbound.ring_lock);
}

/* ---- state for other modules ------------------------------------------- */

/**
 * hv_ringbuffer_get_debuginfo() - snapshot of a ring's indices and space
 * @ring_info: channel->inbound or channel->outbound
 * @debug_info: filled on success
 *
 * The indices are reported as found; the byte counts are 0 when the
 * indices are not valid.
 *
 * Context: process context (takes ring_buffer_mutex).
 * Return: 0, or -EINVAL when the ring is not mapped.
 */
int hv_ringbuffer_get_debuginfo(struct hv_ring_buffer_info *ring_info,
				struct hv_ring_buffer_debug_info *debug_info)
{
	struct hv_ring_buffer *ring;
	u32 read, write, size;

	mutex_lock(&ring_info->ring_buffer_mutex);
	ring = ring_info->ring_buffer;
	if (!ring) {
		mutex_unlock(&ring_info->ring_buffer_mutex);
		return -EINVAL;
	}
	read = READ_ONCE(ring->read_index);
	write = READ_ONCE(ring->write_index);
	size = ring_info->ring_datasize;
	debug_info->current_interrupt_mask = READ_ONCE(ring->interrupt_mask);
	debug_info->current_read_index = read;
	debug_info->current_write_index = write;
	if (hvt_ring_indices_ok(read, write, size)) {
		debug_info->bytes_avail_toread = hvt_ring_avail_read(read, write, size);
		debug_info->bytes_avail_towrite = hvt_ring_avail_write(read, write, size);
	} else {
		debug_info->bytes_avail_toread = 0;
		debug_info->bytes_avail_towrite = 0;
	}
	mutex_unlock(&ring_info->ring_buffer_mutex);
	return 0;
}
EXPORT_SYMBOL_GPL(hv_ringbuffer_get_debuginfo);

/**
 * hv_ringbuffer_spinlock_busy() - is someone writing to the channel?
 * @channel: the channel
 *
 * For callers that must not spin on the outbound ring lock (the panic path
 * of the Hyper-V framebuffer drivers): they skip the send if it is held.
 *
 * Context: any.
 * Return: true while the outbound ring lock is held.
 */
bool hv_ringbuffer_spinlock_busy(struct vmbus_channel *channel)
{
	return spin_is_locked(&channel->outbound.ring_lock);
}
EXPORT_SYMBOL_GPL(hv_ringbuffer_spinlock_busy);

/* ---- guest -> host ----------------------------------------------------- */

/*
 * Writes @kv_list at @write (validated) and returns the index after it.
 * Each piece is shorter than the data area and starts inside it, so it
 * ends inside the second mapping.
 */
static u32 ring_copy_in(struct hv_ring_buffer_info *rbi, u32 write,
			const struct kvec *kv_list, u32 kv_count)
{
	u32 size = rbi->ring_datasize;
	u32 i;

	for (i = 0; i < kv_count; i++) {
		memcpy(ring_data(rbi) + write, kv_list[i].iov_base, kv_list[i].iov_len);
		write = hvt_ring_advance(write, kv_list[i].iov_len, size);
	}
	return write;
}

/*
 * The host sets interrupt_mask while it drains the ring and, once empty,
 * clears it and looks again. It wants an interrupt only when the ring goes
 * from empty to non-empty: when it had read everything up to @old_write
 * and is not draining now.
 */
static bool ring_host_needs_signal(struct hv_ring_buffer *ring, u32 old_write)
{
	/* Our new write_index before the mask: pairs with the host clearing
	 * the mask, then re-reading write_index.
	 */
	virt_mb();
	if (READ_ONCE(ring->interrupt_mask))
		return false;
	/* The mask before read_index: the host moves read_index, then unmasks. */
	virt_rmb();
	return READ_ONCE(ring->read_index) == old_write;
}

/**
 * hv_ringbuffer_write() - queue one packet to the host
 * @channel: the channel; its outbound ring
 * @kv_list: the packet in pieces, the first starting with its descriptor
 * @kv_count: number of pieces
 * @requestid: the caller's transaction id
 * @trans_id: if not NULL, receives the transaction id put in the packet
 *
 * Appends the packet and its trailer, then signals the host if it was idle.
 * When the packet asks for a completion and the channel has a
 * next_request_id_callback (vmbus_next_request_id() for drivers that use
 * the channel's request table), the id in the packet is what the callback
 * returns for @requestid, otherwise @requestid itself.
 *
 * Context: any; takes outbound.ring_lock with interrupts off.
 * Return: 0; -EAGAIN when there is no room now (or no free request id);
 * -ENODEV when the channel is rescinded or its ring unmapped; -EINVAL for
 * a packet that can never be sent; -EIO when the ring's indices are invalid.
 */
int hv_ringbuffer_write(struct vmbus_channel *channel, const struct kvec *kv_list,
			u32 kv_count, u64 requestid, u64 *trans_id)
{
	struct hv_ring_buffer_info *rbi = &channel->outbound;
	const struct vmpacket_descriptor *desc;
	u64 rqst_id = VMBUS_NO_RQSTOR;
	u32 read, old_write, write, size, i;
	struct hv_ring_buffer *ring;
	size_t total = HVT_RING_TRAILER_SIZE;
	unsigned long flags;
	bool signal;
	u64 trailer, id;

	if (READ_ONCE(channel->rescind))
		return -ENODEV;
	if (!kv_count || kv_list[0].iov_len < sizeof(*desc))
		return -EINVAL;
	size = rbi->ring_datasize;
	if (!size)
		return -ENODEV;
	for (i = 0; i < kv_count; i++) {
		if (kv_list[i].iov_len >= size)
			return -EINVAL;
		total += kv_list[i].iov_len;
		if (total >= size)
			return -EINVAL;
	}
	/* Callers pad packets; an unaligned one would misalign write_index. */
	if (total % HVT_RING_ALIGN)
		return -EINVAL;
	desc = kv_list[0].iov_base;

	spin_lock_irqsave(&rbi->ring_lock, flags);
	ring = rbi->ring_buffer;
	if (!ring) {
		spin_unlock_irqrestore(&rbi->ring_lock, flags);
		return -ENODEV;
	}
	read = READ_ONCE(ring->read_index);
	old_write = READ_ONCE(ring->write_index);
	if (!hvt_ring_indices_ok(read, old_write, size)) {
		spin_unlock_irqrestore(&rbi->ring_lock, flags);
		pr_err_ratelimited(HVT_LOG_PREFIX
				   "channel %u: outbound ring indices read %u write %u outside %u bytes\n",
				   ring_relid(channel), read, old_write, size);
		return -EIO;
	}
	if (!hvt_ring_can_write(read, old_write, size, total)) {
		channel->out_full_total++;
		if (!channel->out_full_flag) {
			channel->out_full_first++;
			channel->out_full_flag = true;
		}
		spin_unlock_irqrestore(&rbi->ring_lock, flags);
		return -EAGAIN;
	}
	channel->out_full_flag = false;

	write = ring_copy_in(rbi, old_write, kv_list, kv_count);

	/*
	 * The id is taken only once the packet is in place and before the host
	 * can see it: from then on a completion may look the id up.
	 */
	if (desc->flags == VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED &&
	    channel->next_request_id_callback) {
		rqst_id = channel->next_request_id_callback(channel, requestid);
		if (rqst_id == VMBUS_RQST_ERROR) {
			spin_unlock_irqrestore(&rbi->ring_lock, flags);
			return -EAGAIN;
		}
	}
	id = rqst_id == VMBUS_NO_RQSTOR ? requestid : rqst_id;
	/* Stored, never read back: the ring copy is the host's to change. */
	WRITE_ONCE(((struct vmpacket_descriptor *)(ring_data(rbi) + old_write))->trans_id, id);

	trailer = (u64)old_write << 32;
	memcpy(ring_data(rbi) + write, &trailer, sizeof(trailer));
	write = hvt_ring_advance(write, sizeof(trailer), size);

	/* Packet bytes before the index that publishes them; the host reads
	 * write_index, then the data.
	 */
	virt_mb();
	WRITE_ONCE(ring->write_index, write);

	signal = ring_host_needs_signal(ring, old_write);
	if (signal)
		channel->intr_out_empty++;
	spin_unlock_irqrestore(&rbi->ring_lock, flags);

	if (signal)
		vmbus_setevent(channel);

	/*
	 * Rescinded while we wrote: the host will never complete the packet,
	 * so give its request id back now.
	 */
	if (READ_ONCE(channel->rescind)) {
		if (rqst_id != VMBUS_NO_RQSTOR && channel->request_addr_callback)
			(void)channel->request_addr_callback(channel, rqst_id);
		return -ENODEV;
	}
	if (trans_id)
		*trans_id = id;
	return 0;
}

/* ---- host -> guest ----------------------------------------------------- */

/*
 * The packet at priv_read_index, checked: its descriptor copied once to
 * *@desc, its length (without trailer) and payload offset. 0, -ENODATA when
 * nothing is published, -EIO (logged) when the ring or packet is invalid.
 */
static int ring_peek(struct vmbus_channel *channel, u32 limit,
		     struct vmpacket_descriptor *desc, u32 *ret_len, u32 *ret_offset)
{
	struct hv_ring_buffer_info *rbi = &channel->inbound;
	u32 read = rbi->priv_read_index;
	u32 size = rbi->ring_datasize;
	enum hvt_ring_status st;
	u32 write;

	if (!rbi->ring_buffer)
		return -ENODATA;
	/* Pairs with the host's release of write_index after the data. */
	write = virt_load_acquire(&rbi->ring_buffer->write_index);
	if (hvt_ring_indices_ok(read, write, size)) {
		if (read == write)
			return -ENODATA;
		/* In the mapping even when less is published: checked next. */
		memcpy(desc, ring_data(rbi) + read, sizeof(*desc));
	} else {
		memset(desc, 0, sizeof(*desc));
	}
	st = hvt_ring_peek(read, write, size, desc->offset8, desc->len8, limit,
			   ret_len, ret_offset);
	if (st == HVT_RING_OK)
		return 0;
	pr_err_ratelimited(HVT_LOG_PREFIX
			   "channel %u: inbound ring: %s (read %u write %u size %u len8 %u offset8 %u limit %u)\n",
			   ring_relid(channel), hvt_ring_status_str(st), read, write, size,
			   desc->len8, desc->offset8, limit);
	return -EIO;
}

/*
 * Publishes priv_read_index as the ring's read_index, then wakes a host
 * writer that was waiting for the room just made (pending_send_sz), when
 * the host takes part in that protocol (feat_pending_send_sz).
 */
static void ring_commit_read(struct vmbus_channel *channel)
{
	struct hv_ring_buffer_info *rbi = &channel->inbound;
	struct hv_ring_buffer *ring = rbi->ring_buffer;
	u32 size = rbi->ring_datasize;
	u32 start, read, write, pending, free_now, bytes_read;

	if (!ring)
		return;
	read = rbi->priv_read_index;
	start = READ_ONCE(ring->read_index);
	/* Our loads of the packets before the host may reuse their bytes. */
	virt_store_release(&ring->read_index, read);

	if (!ring->feature_bits.feat_pending_send_sz)
		return;
	/*
	 * read_index before pending_send_sz: a host that set pending_send_sz
	 * after we sampled it must see our read_index when it re-checks the
	 * room, or neither side wakes the other.
	 */
	virt_mb();
	pending = READ_ONCE(ring->pending_send_sz);
	if (!pending)
		return;
	/* pending_send_sz before write_index (host sets, then re-reads). */
	virt_rmb();
	write = READ_ONCE(ring->write_index);
	if (!hvt_ring_indices_ok(read, write, size))
		return;	/* the next read reports it */
	free_now = hvt_ring_avail_write(read, write, size);
	/*
	 * A read_index we did not leave cannot say where this cycle began:
	 * assume the host was blocked (at worst one interrupt too many).
	 */
	if (hvt_ring_index_ok(start, size))
		bytes_read = hvt_ring_distance(start, read, size);
	else
		bytes_read = free_now;
	if (hvt_ring_read_should_signal(free_now, bytes_read, pending)) {
		channel->intr_in_full++;
		vmbus_setevent(channel);
	}
}

/**
 * hv_ringbuffer_read() - take one packet off the inbound ring
 * @channel: the channel
 * @buffer: where to copy it
 * @buflen: size of @buffer
 * @buffer_actual_len: bytes copied (0 when the ring is empty), or needed
 *	with -ENOBUFS
 * @requestid: the packet's transaction id
 * @raw: copy descriptor and payload, else the payload only
 *
 * A raw copy carries the descriptor as it was checked, not as the ring
 * holds it now.
 *
 * Context: the channel's reader (callback or poll loop); not concurrent
 * with another read or in-place iteration of the channel.
 * Return: 0, -EINVAL if @buflen is 0, -ENOBUFS when @buffer is too small
 * (the packet stays queued), -EIO when the ring or packet is invalid.
 */
int hv_ringbuffer_read(struct vmbus_channel *channel, void *buffer, u32 buflen,
		       u32 *buffer_actual_len, u64 *requestid, bool raw)
{
	struct hv_ring_buffer_info *rbi = &channel->inbound;
	struct vmpacket_descriptor desc;
	u32 len, offset, skip, n;
	int ret;

	if (unlikely(!buflen))
		return -EINVAL;
	*buffer_actual_len = 0;
	*requestid = 0;

	ret = ring_peek(channel, U32_MAX, &desc, &len, &offset);
	if (ret == -ENODATA)
		return 0;
	if (ret)
		return ret;

	skip = raw ? 0 : offset;
	n = len - skip;
	*buffer_actual_len = n;
	*requestid = desc.trans_id;
	if (n > buflen)
		return -ENOBUFS;
	memcpy(buffer, ring_data(rbi) + rbi->priv_read_index + skip, n);
	if (raw)
		memcpy(buffer, &desc, sizeof(desc));

	rbi->priv_read_index = hvt_ring_advance(rbi->priv_read_index,
						len + HVT_RING_TRAILER_SIZE,
						rbi->ring_datasize);
	ring_commit_read(channel);
	return 0;
}

/**
 * hv_pkt_iter_first() - the next inbound packet, without consuming it
 * @channel: the channel
 *
 * Returns a copy in inbound.pkt_buffer, so the host cannot change it while
 * the driver parses it; its descriptor is the checked one (len8 and
 * offset8 consistent with the bytes copied). Valid until the next call on
 * the channel. Nothing is consumed until hv_pkt_iter_close().
 *
 * Context: the channel's reader; not concurrent with other reads of it.
 * Return: the copy, or NULL when the ring is empty, invalid (logged), or
 * the packet exceeds the channel's max_pkt_size (logged).
 */
struct vmpacket_descriptor *hv_pkt_iter_first(struct vmbus_channel *channel)
{
	struct hv_ring_buffer_info *rbi = &channel->inbound;
	struct vmpacket_descriptor desc, *copy = rbi->pkt_buffer;
	u32 len, offset;

	if (!copy)
		return NULL;
	if (ring_peek(channel, rbi->pkt_buffer_size, &desc, &len, &offset))
		return NULL;
	memcpy(copy, ring_data(rbi) + rbi->priv_read_index, len);
	*copy = desc;
	return copy;
}
EXPORT_SYMBOL_GPL(hv_pkt_iter_first);

/**
 * __hv_pkt_iter_next() - step over a packet and return the next one
 * @channel: the channel
 * @pkt: the packet hv_pkt_iter_first() or this function returned
 *
 * Moves the private read position past @pkt (the host still sees the
 * packet until hv_pkt_iter_close()).
 *
 * Context: the channel's reader.
 * Return: as hv_pkt_iter_first(); NULL also when @pkt does not fit what
 * the host has published (the position is then left alone).
 */
struct vmpacket_descriptor *__hv_pkt_iter_next(struct vmbus_channel *channel,
					       const struct vmpacket_descriptor *pkt)
{
	struct hv_ring_buffer_info *rbi = &channel->inbound;
	u32 read = rbi->priv_read_index;
	u32 size = rbi->ring_datasize;
	u32 len = (u32)pkt->len8 * HVT_RING_ALIGN;
	u32 write, avail = 0;

	if (!rbi->ring_buffer)
		return NULL;
	write = virt_load_acquire(&rbi->ring_buffer->write_index);
	if (hvt_ring_indices_ok(read, write, size))
		avail = hvt_ring_avail_read(read, write, size);
	/*
	 * Checked when it was copied; the host may have moved write_index
	 * back since, or the caller handed in something else.
	 */
	if (avail < HVT_RING_MIN_PACKET || len < HVT_RING_DESC_SIZE ||
	    len > avail - HVT_RING_TRAILER_SIZE) {
		pr_err_ratelimited(HVT_LOG_PREFIX
				   "channel %u: inbound ring: packet of %u bytes at %u no longer published (write %u size %u)\n",
				   ring_relid(channel), len, read, write, size);
		return NULL;
	}
	rbi->priv_read_index = hvt_ring_advance(read, len + HVT_RING_TRAILER_SIZE, size);
	return hv_pkt_iter_first(channel);
}
EXPORT_SYMBOL_GPL(__hv_pkt_iter_next);

/**
 * hv_pkt_iter_close() - give the packets iterated over back to the host
 * @channel: the channel
 *
 * Publishes the read position and signals a host writer waiting for room.
 *
 * Context: the channel's reader.
 */
void hv_pkt_iter_close(struct vmbus_channel *channel)
{
	ring_commit_read(channel);
}
EXPORT_SYMBOL_GPL(hv_pkt_iter_close);
