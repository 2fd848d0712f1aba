// SPDX-License-Identifier: GPL-2.0
/*
 * The per-channel request table (struct vmbus_requestor). A driver that
 * sets channel->rqstor_size before opening gets a table of that many
 * slots: each packet it sends with a completion requested carries the id
 * of a slot holding the driver's own value (usually a pointer) instead of
 * that value, so a host answering with a made-up transaction id can only
 * name a slot, never an address. Ids are slot + 1: 0 is what the host uses
 * for messages nobody asked for.
 *
 * req_bitmap says which slots are in use, req_arr holds their values.
 * next_request_id is where the search for a free slot resumes: slots are
 * handed out round-robin, so an id just completed is the last to be given
 * out again, and a late or duplicated completion from the host finds its
 * slot free (and is refused) rather than completing someone else's request.
 * The bitmap search is word-at-a-time and usually ends in the first word
 * looked at, since the slots ahead of the cursor were freed longest ago;
 * only a nearly full table (netvsc's have tens of thousands of slots) makes
 * it scan.
 *
 * All fields are protected by req_lock, which drivers also take themselves
 * (lock_requestor() in <linux/hyperv.h>) around __vmbus_request_addr_match().
 */
/*
 * The includes of the stock file that exports these symbols (channel.c):
 * MODVERSIONS CRCs cover every type the exporting file can see.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/wait.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/module.h>
#include <linux/hyperv.h>
#include <linux/uio.h>
#include <linux/interrupt.h>
#include <linux/set_memory.h>
#include <asm/page.h>
#include <asm/mshyperv.h>

#include "vmbus_priv.h"

/**
 * hvt_requestor_init() - allocate a channel's request table
 * @rqstor: &channel->requestor
 * @size: number of slots (channel->rqstor_size); 0 for no table
 *
 * Context: process context.
 * Return: 0 or -ENOMEM (then @rqstor is left without a table).
 */
int hvt_requestor_init(struct vmbus_requestor *rqstor, u32 size)
{
	rqstor->req_arr = NULL;
	rqstor->req_bitmap = NULL;
	rqstor->size = 0;
	rqstor->next_request_id = 0;
	spin_lock_init(&rqstor->req_lock);
	if (!size)
		return 0;

	rqstor->req_arr = kvcalloc(size, sizeof(*rqstor->req_arr), GFP_KERNEL);
	if (!rqstor->req_arr)
		return -ENOMEM;
	rqstor->req_bitmap = bitmap_zalloc(size, GFP_KERNEL);
	if (!rqstor->req_bitmap)
		goto err_free_arr;
	rqstor->size = size;
	return 0;

err_free_arr:
	kvfree(rqstor->req_arr);
	rqstor->req_arr = NULL;
	return -ENOMEM;
}

/**
 * hvt_requestor_free() - free a request table
 * @rqstor: the table; one never allocated (all zero) is fine
 *
 * Requests still outstanding are forgotten: their completions, if the
 * host sends any, are refused from now on.
 *
 * Context: process context; nobody else uses the table any more.
 */
void hvt_requestor_free(struct vmbus_requestor *rqstor)
{
	kvfree(rqstor->req_arr);
	bitmap_free(rqstor->req_bitmap);
	rqstor->req_arr = NULL;
	rqstor->req_bitmap = NULL;
	rqstor->size = 0;
	rqstor->next_request_id = 0;
}

/**
 * vmbus_next_request_id() - store a value in a free slot of the table
 * @channel: the channel whose table to use
 * @rqst_addr: the value the id will stand for
 *
 * Drivers install this as channel->next_request_id_callback; the ring
 * writer calls it for packets that ask for a completion.
 *
 * Context: any (takes req_lock with interrupts off).
 * Return: the id (>= 1) to put in the packet; VMBUS_NO_RQSTOR when the
 * channel has no table (send @rqst_addr itself); VMBUS_RQST_ERROR when
 * every slot is in use.
 */
u64 vmbus_next_request_id(struct vmbus_channel *channel, u64 rqst_addr)
{
	struct vmbus_requestor *rqstor = &channel->requestor;
	unsigned long flags, slot;
	u32 size;

	if (!channel->rqstor_size)
		return VMBUS_NO_RQSTOR;

	spin_lock_irqsave(&rqstor->req_lock, flags);
	size = rqstor->size;
	if (!size) {
		/* rqstor_size set after the channel was opened, or no memory. */
		spin_unlock_irqrestore(&rqstor->req_lock, flags);
		pr_err_ratelimited(HVT_LOG_PREFIX "channel %u: no request table\n",
				   channel->offermsg.child_relid);
		return VMBUS_RQST_ERROR;
	}
	slot = rqstor->next_request_id < size ? rqstor->next_request_id : 0;
	slot = find_next_zero_bit(rqstor->req_bitmap, size, slot);
	if (slot >= size)
		slot = find_first_zero_bit(rqstor->req_bitmap, size);
	if (slot >= size) {
		spin_unlock_irqrestore(&rqstor->req_lock, flags);
		return VMBUS_RQST_ERROR;
	}
	__set_bit(slot, rqstor->req_bitmap);
	rqstor->req_arr[slot] = rqst_addr;
	rqstor->next_request_id = slot + 1 < size ? slot + 1 : 0;
	spin_unlock_irqrestore(&rqstor->req_lock, flags);

	return (u64)slot + 1;
}
EXPORT_SYMBOL_GPL(vmbus_next_request_id);

/**
 * __vmbus_request_addr_match() - look up a host's transaction id, and free
 *	its slot if it holds the expected value
 * @channel: the channel
 * @trans_id: the id from the host's packet (untrusted)
 * @rqst_addr: the value expected in the slot, or VMBUS_RQST_ADDR_ANY
 *
 * The slot is freed when its value is @rqst_addr (or for any value with
 * VMBUS_RQST_ADDR_ANY); otherwise it stays in use.
 *
 * Context: req_lock held (lock_requestor()).
 * Return: the slot's value; VMBUS_NO_RQSTOR when the channel has no table;
 * VMBUS_RQST_ERROR for an id that names no request in flight (0, out of
 * range, or a free slot: the last two logged).
 */
u64 __vmbus_request_addr_match(struct vmbus_channel *channel, u64 trans_id,
			       u64 rqst_addr)
{
	struct vmbus_requestor *rqstor = &channel->requestor;
	u64 slot, value;

	if (!channel->rqstor_size)
		return VMBUS_NO_RQSTOR;
	/* The host's unsolicited messages carry 0: not an error to log. */
	if (!trans_id)
		return VMBUS_RQST_ERROR;

	lockdep_assert_held(&rqstor->req_lock);
	slot = trans_id - 1;
	if (slot >= rqstor->size || !test_bit(slot, rqstor->req_bitmap)) {
		pr_err_ratelimited(HVT_LOG_PREFIX
				   "channel %u: host completed request id %llu, which is not in flight (table of %u)\n",
				   channel->offermsg.child_relid, trans_id, rqstor->size);
		return VMBUS_RQST_ERROR;
	}
	value = rqstor->req_arr[slot];
	if (rqst_addr == VMBUS_RQST_ADDR_ANY || rqst_addr == value)
		__clear_bit(slot, rqstor->req_bitmap);
	return value;
}
EXPORT_SYMBOL_GPL(__vmbus_request_addr_match);

/**
 * vmbus_request_addr_match() - __vmbus_request_addr_match() taking req_lock
 * @channel: the channel
 * @trans_id: the id from the host's packet (untrusted)
 * @rqst_addr: the value expected in the slot, or VMBUS_RQST_ADDR_ANY
 *
 * Context: any (takes req_lock with interrupts off).
 * Return: as __vmbus_request_addr_match().
 */
u64 vmbus_request_addr_match(struct vmbus_channel *channel, u64 trans_id,
			     u64 rqst_addr)
{
	struct vmbus_requestor *rqstor = &channel->requestor;
	unsigned long flags;
	u64 value;

	if (!channel->rqstor_size)
		return VMBUS_NO_RQSTOR;
	spin_lock_irqsave(&rqstor->req_lock, flags);
	value = __vmbus_request_addr_match(channel, trans_id, rqst_addr);
	spin_unlock_irqrestore(&rqstor->req_lock, flags);
	return value;
}
EXPORT_SYMBOL_GPL(vmbus_request_addr_match);

/**
 * vmbus_request_addr() - take back the value behind a host's transaction id
 * @channel: the channel
 * @trans_id: the id from the host's packet (untrusted)
 *
 * Frees the slot whatever it holds. Drivers install this as
 * channel->request_addr_callback.
 *
 * Context: any (takes req_lock with interrupts off).
 * Return: as __vmbus_request_addr_match().
 */
u64 vmbus_request_addr(struct vmbus_channel *channel, u64 trans_id)
{
	return vmbus_request_addr_match(channel, trans_id, VMBUS_RQST_ADDR_ANY);
}
EXPORT_SYMBOL_GPL(vmbus_request_addr);
