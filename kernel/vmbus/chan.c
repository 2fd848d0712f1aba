// SPDX-License-Identifier: GPL-2.0
/*
 * Channels: opening and closing, GPADLs, sending and receiving, and the
 * channel-level requests of <linux/hyperv.h>. Offers, rescinds and a
 * channel's lifetime and locking are offer.c's (see there).
 */

/* The includes of the stock file exporting these symbols (see offer.c). */
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

void vmbus_setevent(struct vmbus_channel *channel)
{
	/*
	 * With a monitor the host polls its pending bit (latency traded for
	 * fewer hypercalls), unless the driver asked for low latency.
	 */
	if (channel->offermsg.monitor_allocated && !channel->low_latency) {
		struct hv_monitor_page *mon = vmbus_connection.monitor_pages[1];

		sync_set_bit(channel->monitor_bit,
			     (unsigned long *)&mon->trigger_group[channel->monitor_grp].pending);
	} else {
		vmbus_set_event(channel);
	}
}
EXPORT_SYMBOL_GPL(vmbus_setevent);

/* ---- waiting on the host --------------------------------------------------- */

/*
 * The host must answer GPADL and open requests: its memory is at stake.
 * Wait for it (or for a rescind), warning now and then instead of giving
 * up and freeing pages the host may still use.
 */
static int hvt_wait_host(struct hvt_waiter *w, const char *what,
			 struct vmbus_channel *channel)
{
	bool answered = false;

	for (;;) {
		if (wait_for_completion_timeout(&w->done, HVT_MSG_TIMEOUT)) {
			answered = true;
			break;
		}
		if (vmbus_connection.conn_state != CONNECTED)
			break;
		pr_warn_ratelimited(HVT_LOG_PREFIX "channel %u: still waiting for %s\n",
				    channel->offermsg.child_relid, what);
	}
	hvt_waiter_disarm(w);
	if (!answered || w->cancelled || channel->rescind)
		return -ENODEV;
	return 0;
}

static struct hvt_waiter *hvt_waiter_new(struct vmbus_channel *channel)
{
	struct hvt_waiter *w = kzalloc(sizeof(*w), GFP_KERNEL);

	if (w)
		w->relid = channel->offermsg.child_relid;
	return w;
}

/* ---- GPADLs ----------------------------------------------------------------- */

/* PFNs that fit in a GPADL_HEADER (one range) and in each GPADL_BODY. */
#define HVT_GPADL_HDR_PFNS \
	((HV_MESSAGE_PAYLOAD_BYTE_COUNT - sizeof(struct vmbus_channel_gpadl_header) - \
	  sizeof(struct gpa_range)) / sizeof(u64))
#define HVT_GPADL_BODY_PFNS \
	((HV_MESSAGE_PAYLOAD_BYTE_COUNT - sizeof(struct vmbus_channel_gpadl_body)) / \
	 sizeof(u64))

static int hvt_gpadl_create(struct vmbus_channel *channel, void *kbuffer, u32 size,
			    struct vmbus_gpadl *gpadl)
{
	u32 npages = size >> HV_HYP_PAGE_SHIFT, done, i, n;
	struct vmbus_channel_gpadl_header *hdr;
	struct vmbus_channel_gpadl_body *body;
	struct gpa_range *range;
	struct hvt_waiter *w;
	u8 *buf;
	u32 handle;
	int ret;

	if (!size || size % HV_HYP_PAGE_SIZE || !PAGE_ALIGNED(kbuffer) ||
	    sizeof(struct gpa_range) + (u64)npages * sizeof(u64) > U16_MAX)
		return -EINVAL;
	if (channel->rescind)
		return -ENODEV;

	buf = kzalloc(HV_MESSAGE_PAYLOAD_BYTE_COUNT, GFP_KERNEL);
	w = hvt_waiter_new(channel);
	if (!buf || !w) {
		ret = -ENOMEM;
		goto out;
	}
	handle = atomic_inc_return(&vmbus_connection.next_gpadl_handle);

	hdr = (void *)buf;
	hdr->header.msgtype = CHANNELMSG_GPADL_HEADER;
	hdr->child_relid = channel->offermsg.child_relid;
	hdr->gpadl = handle;
	hdr->range_buflen = sizeof(struct gpa_range) + npages * sizeof(u64);
	hdr->rangecount = 1;
	range = hdr->range;
	range->byte_count = size;
	range->byte_offset = 0;
	n = min_t(u32, npages, HVT_GPADL_HDR_PFNS);
	for (i = 0; i < n; i++)
		range->pfn_array[i] = virt_to_hvpfn((u8 *)kbuffer + i * HV_HYP_PAGE_SIZE);

	hvt_waiter_arm(w, CHANNELMSG_GPADL_CREATED, handle);
	ret = hvt_post_msg(buf, sizeof(*hdr) + sizeof(*range) + n * sizeof(u64), true);
	for (done = n, i = 1; !ret && done < npages; i++) {
		u32 j;

		memset(buf, 0, HV_MESSAGE_PAYLOAD_BYTE_COUNT);
		body = (void *)buf;
		body->header.msgtype = CHANNELMSG_GPADL_BODY;
		body->msgnumber = i;
		body->gpadl = handle;
		n = min_t(u32, npages - done, HVT_GPADL_BODY_PFNS);
		for (j = 0; j < n; j++)
			body->pfn[j] = virt_to_hvpfn((u8 *)kbuffer +
						     (done + j) * HV_HYP_PAGE_SIZE);
		ret = hvt_post_msg(buf, sizeof(*body) + n * sizeof(u64), true);
		done += n;
	}
	if (ret) {
		hvt_waiter_disarm(w);
		goto out;
	}
	ret = hvt_wait_host(w, "GPADL_CREATED", channel);
	if (ret)
		goto out;
	if (((struct vmbus_channel_gpadl_created *)w->reply)->creation_status) {
		pr_err_ratelimited(HVT_LOG_PREFIX "channel %u: the host refused a GPADL (%#x)\n",
				   channel->offermsg.child_relid,
				   ((struct vmbus_channel_gpadl_created *)w->reply)->creation_status);
		ret = -EDQUOT;
		goto out;
	}
	gpadl->gpadl_handle = handle;
	gpadl->buffer = kbuffer;
	gpadl->size = size;
out:
	kfree(w);
	kfree(buf);
	return ret;
}

int vmbus_establish_gpadl(struct vmbus_channel *channel, void *kbuffer,
			  u32 size, struct vmbus_gpadl *gpadl)
{
	return hvt_gpadl_create(channel, kbuffer, size, gpadl);
}
EXPORT_SYMBOL_GPL(vmbus_establish_gpadl);

int vmbus_teardown_gpadl(struct vmbus_channel *channel, struct vmbus_gpadl *gpadl)
{
	struct vmbus_channel_gpadl_teardown msg = {
		.header.msgtype = CHANNELMSG_GPADL_TEARDOWN,
		.child_relid = channel->offermsg.child_relid,
		.gpadl = gpadl->gpadl_handle,
	};
	struct hvt_waiter *w;
	int ret;

	/* A rescinded channel's GPADLs are gone with it on the host. */
	if (channel->rescind || vmbus_connection.conn_state != CONNECTED)
		goto done;
	w = hvt_waiter_new(channel);
	if (!w)
		return -ENOMEM;
	hvt_waiter_arm(w, CHANNELMSG_GPADL_TORNDOWN, gpadl->gpadl_handle);
	ret = hvt_post_msg(&msg, sizeof(msg), true);
	if (ret) {
		hvt_waiter_disarm(w);
		kfree(w);
		return ret;
	}
	hvt_wait_host(w, "GPADL_TORNDOWN", channel);
	kfree(w);
done:
	gpadl->gpadl_handle = 0;
	return 0;
}
EXPORT_SYMBOL_GPL(vmbus_teardown_gpadl);

/* ---- rings, open and close ---------------------------------------------------- */

int vmbus_alloc_ring(struct vmbus_channel *channel, u32 send_size, u32 recv_size)
{
	struct page *page;
	int order;

	if (!send_size || !recv_size || send_size % PAGE_SIZE || recv_size % PAGE_SIZE)
		return -EINVAL;
	order = get_order((size_t)send_size + recv_size);
	page = alloc_pages_node(cpu_to_node(channel->target_cpu),
				GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN, order);
	if (!page)
		page = alloc_pages(GFP_KERNEL | __GFP_ZERO, order);
	if (!page)
		return -ENOMEM;
	channel->ringbuffer_page = page;
	channel->ringbuffer_pagecount = (send_size + recv_size) >> PAGE_SHIFT;
	channel->ringbuffer_send_offset = send_size >> PAGE_SHIFT;
	return 0;
}
EXPORT_SYMBOL_GPL(vmbus_alloc_ring);

void vmbus_free_ring(struct vmbus_channel *channel)
{
	hv_ringbuffer_cleanup(&channel->outbound);
	hv_ringbuffer_cleanup(&channel->inbound);
	if (channel->ringbuffer_page) {
		__free_pages(channel->ringbuffer_page,
			     get_order((size_t)channel->ringbuffer_pagecount << PAGE_SHIFT));
		channel->ringbuffer_page = NULL;
	}
}
EXPORT_SYMBOL_GPL(vmbus_free_ring);

static void hvt_reset_callback(struct vmbus_channel *channel)
{
	unsigned long flags;

	/* No callback runs once this returns, and none starts again. */
	tasklet_disable(&channel->callback_event);
	spin_lock_irqsave(&channel->sched_lock, flags);
	WRITE_ONCE(channel->onchannel_callback, NULL);
	spin_unlock_irqrestore(&channel->sched_lock, flags);
	tasklet_enable(&channel->callback_event);
}

static int hvt_open(struct vmbus_channel *channel, void *userdata, u32 userdatalen,
		    void (*onchannel_callback)(void *context), void *context)
{
	struct vmbus_channel_open_channel *msg;
	struct vmbus_channel_open_result *res;
	struct page *page = channel->ringbuffer_page;
	u32 send_pages = channel->ringbuffer_send_offset;
	u32 pages = channel->ringbuffer_pagecount;
	struct hvt_waiter *w = NULL;
	int ret;

	if (userdatalen > MAX_USER_DEFINED_BYTES || !page || !send_pages ||
	    send_pages >= pages)
		return -EINVAL;
	if (channel->rescind)
		return -ENODEV;
	if (channel->state != CHANNEL_OPEN_STATE)
		return -EINVAL;
	channel->state = CHANNEL_OPENING_STATE;
	channel->onchannel_callback = onchannel_callback;
	channel->channel_callback_context = context;
	if (!channel->max_pkt_size)
		channel->max_pkt_size = VMBUS_DEFAULT_MAX_PKT_SIZE;

	ret = hv_ringbuffer_init(&channel->outbound, page, send_pages, 0);
	if (ret)
		goto fail;
	ret = hv_ringbuffer_init(&channel->inbound, &page[send_pages],
				 pages - send_pages, channel->max_pkt_size);
	if (ret)
		goto fail;
	ret = hvt_requestor_init(&channel->requestor, channel->rqstor_size);
	if (ret)
		goto fail;

	ret = hvt_gpadl_create(channel, page_address(page), pages << PAGE_SHIFT,
			       &channel->ringbuffer_gpadlhandle);
	if (ret)
		goto fail_rqstor;

	msg = kzalloc(sizeof(*msg), GFP_KERNEL);
	w = hvt_waiter_new(channel);
	if (!msg || !w) {
		kfree(msg);
		ret = -ENOMEM;
		goto fail_gpadl;
	}
	msg->header.msgtype = CHANNELMSG_OPENCHANNEL;
	msg->child_relid = channel->offermsg.child_relid;
	msg->openid = channel->offermsg.child_relid;
	msg->ringbuffer_gpadlhandle = channel->ringbuffer_gpadlhandle.gpadl_handle;
	msg->target_vp = hv_cpu_number_to_vp_number(channel->target_cpu);
	msg->downstream_ringbuffer_pageoffset = send_pages;
	if (userdatalen)
		memcpy(msg->userdata, userdata, userdatalen);

	hvt_waiter_arm(w, CHANNELMSG_OPENCHANNEL_RESULT, channel->offermsg.child_relid);
	ret = hvt_post_msg(msg, sizeof(*msg), true);
	kfree(msg);
	if (ret) {
		hvt_waiter_disarm(w);
		goto fail_gpadl;
	}
	ret = hvt_wait_host(w, "OPENCHANNEL_RESULT", channel);
	if (ret)
		goto fail_gpadl;
	res = (void *)w->reply;
	if (res->status) {
		pr_err_ratelimited(HVT_LOG_PREFIX "channel %u: the host refused to open it (%#x)\n",
				   channel->offermsg.child_relid, res->status);
		ret = -EAGAIN;
		goto fail_gpadl;
	}
	kfree(w);
	channel->state = CHANNEL_OPENED_STATE;
	return 0;

fail_gpadl:
	kfree(w);
	vmbus_teardown_gpadl(channel, &channel->ringbuffer_gpadlhandle);
fail_rqstor:
	hvt_requestor_free(&channel->requestor);
fail:
	hvt_reset_callback(channel);
	hv_ringbuffer_cleanup(&channel->outbound);
	hv_ringbuffer_cleanup(&channel->inbound);
	channel->state = CHANNEL_OPEN_STATE;
	return ret;
}

int vmbus_connect_ring(struct vmbus_channel *channel,
		       void (*onchannel_callback)(void *context), void *context)
{
	return hvt_open(channel, NULL, 0, onchannel_callback, context);
}
EXPORT_SYMBOL_GPL(vmbus_connect_ring);

int vmbus_open(struct vmbus_channel *channel, u32 send_ringbuffersize,
	       u32 recv_ringbuffersize, void *userdata, u32 userdatalen,
	       void (*onchannel_callback)(void *context), void *context)
{
	int ret;

	ret = vmbus_alloc_ring(channel, send_ringbuffersize, recv_ringbuffersize);
	if (ret)
		return ret;
	ret = hvt_open(channel, userdata, userdatalen, onchannel_callback, context);
	if (ret)
		vmbus_free_ring(channel);
	return ret;
}
EXPORT_SYMBOL_GPL(vmbus_open);

/* Closes one channel; its ring pages stay (vmbus_free_ring frees them). */
static int hvt_close_one(struct vmbus_channel *channel)
{
	struct vmbus_channel_close_channel msg = {
		.header.msgtype = CHANNELMSG_CLOSECHANNEL,
		.child_relid = channel->offermsg.child_relid,
	};
	int ret = 0;

	hvt_reset_callback(channel);
	if (channel->state != CHANNEL_OPENED_STATE)
		return -EINVAL;
	channel->state = CHANNEL_OPEN_STATE;

	if (!channel->rescind && vmbus_connection.conn_state == CONNECTED) {
		ret = hvt_post_msg(&msg, sizeof(msg), true);
		if (ret) {
			/* The host still has the ring: keep its pages. */
			pr_err(HVT_LOG_PREFIX "channel %u: CLOSECHANNEL failed (%d)\n",
			       channel->offermsg.child_relid, ret);
			return ret;
		}
	}
	if (channel->ringbuffer_gpadlhandle.gpadl_handle) {
		ret = vmbus_teardown_gpadl(channel, &channel->ringbuffer_gpadlhandle);
		if (ret) {
			pr_err(HVT_LOG_PREFIX "channel %u: ring GPADL teardown failed (%d)\n",
			       channel->offermsg.child_relid, ret);
			return ret;
		}
	}
	hvt_requestor_free(&channel->requestor);
	return 0;
}

int vmbus_disconnect_ring(struct vmbus_channel *channel)
{
	struct vmbus_channel *sc, *tmp;
	int ret;

	if (channel->primary_channel)
		return -EINVAL;

	list_for_each_entry_safe(sc, tmp, &channel->sc_list, sc_list) {
		if (sc->rescind && sc->state == CHANNEL_OPENED_STATE)
			wait_for_completion(&sc->rescind_event);
		mutex_lock(&vmbus_connection.channel_mutex);
		if (hvt_close_one(sc) == 0) {
			vmbus_free_ring(sc);
			if (sc->rescind)
				hvt_channel_remove_locked(sc);
		}
		mutex_unlock(&vmbus_connection.channel_mutex);
	}

	mutex_lock(&vmbus_connection.channel_mutex);
	ret = hvt_close_one(channel);
	mutex_unlock(&vmbus_connection.channel_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(vmbus_disconnect_ring);

void vmbus_close(struct vmbus_channel *channel)
{
	if (channel->primary_channel) {
		/* A subchannel alone: the primary's close frees it. */
		mutex_lock(&vmbus_connection.channel_mutex);
		if (hvt_close_one(channel) == 0)
			vmbus_free_ring(channel);
		mutex_unlock(&vmbus_connection.channel_mutex);
		return;
	}
	if (vmbus_disconnect_ring(channel) == 0)
		vmbus_free_ring(channel);
}
EXPORT_SYMBOL_GPL(vmbus_close);

/* ---- sending and receiving ------------------------------------------------------ */

int vmbus_sendpacket_getid(struct vmbus_channel *channel, void *buffer,
			   u32 bufferlen, u64 requestid, u64 *trans_id,
			   enum vmbus_packet_type type, u32 flags)
{
	struct vmpacket_descriptor desc;
	u32 packetlen = sizeof(desc) + bufferlen;
	u32 aligned = ALIGN(packetlen, sizeof(u64));
	struct kvec kv[3];
	u64 pad = 0;

	if (bufferlen > U16_MAX * 8U - sizeof(desc))
		return -EINVAL;
	desc.type = type;
	desc.offset8 = sizeof(desc) >> 3;
	desc.len8 = aligned >> 3;
	desc.flags = flags;
	desc.trans_id = VMBUS_RQST_ERROR;	/* the ring writer fills it in */

	kv[0].iov_base = &desc;
	kv[0].iov_len = sizeof(desc);
	kv[1].iov_base = buffer;
	kv[1].iov_len = bufferlen;
	kv[2].iov_base = &pad;
	kv[2].iov_len = aligned - packetlen;
	return hv_ringbuffer_write(channel, kv, 3, requestid, trans_id);
}
EXPORT_SYMBOL(vmbus_sendpacket_getid);

int vmbus_sendpacket(struct vmbus_channel *channel, void *buffer, u32 bufferlen,
		     u64 requestid, enum vmbus_packet_type type, u32 flags)
{
	return vmbus_sendpacket_getid(channel, buffer, bufferlen, requestid, NULL,
				      type, flags);
}
EXPORT_SYMBOL(vmbus_sendpacket);

int vmbus_sendpacket_mpb_desc(struct vmbus_channel *channel,
			      struct vmbus_packet_mpb_array *desc, u32 desc_size,
			      void *buffer, u32 bufferlen, u64 requestid)
{
	u32 packetlen = desc_size + bufferlen;
	u32 aligned = ALIGN(packetlen, sizeof(u64));
	struct kvec kv[3];
	u64 pad = 0;

	if (desc_size < sizeof(*desc) || desc_size % 8 || aligned > U16_MAX * 8U)
		return -EINVAL;
	desc->type = VM_PKT_DATA_USING_GPA_DIRECT;
	desc->flags = VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED;
	desc->dataoffset8 = desc_size >> 3;
	desc->length8 = aligned >> 3;
	desc->transactionid = VMBUS_RQST_ERROR;
	desc->reserved = 0;
	desc->rangecount = 1;

	kv[0].iov_base = desc;
	kv[0].iov_len = desc_size;
	kv[1].iov_base = buffer;
	kv[1].iov_len = bufferlen;
	kv[2].iov_base = &pad;
	kv[2].iov_len = aligned - packetlen;
	return hv_ringbuffer_write(channel, kv, 3, requestid, NULL);
}
EXPORT_SYMBOL_GPL(vmbus_sendpacket_mpb_desc);

int vmbus_recvpacket(struct vmbus_channel *channel, void *buffer, u32 bufferlen,
		     u32 *buffer_actual_len, u64 *requestid)
{
	return hv_ringbuffer_read(channel, buffer, bufferlen, buffer_actual_len,
				  requestid, false);
}
EXPORT_SYMBOL(vmbus_recvpacket);

int vmbus_recvpacket_raw(struct vmbus_channel *channel, void *buffer,
			 u32 bufferlen, u32 *buffer_actual_len, u64 *requestid)
{
	return hv_ringbuffer_read(channel, buffer, bufferlen, buffer_actual_len,
				  requestid, true);
}
EXPORT_SYMBOL_GPL(vmbus_recvpacket_raw);

/* ---- other requests --------------------------------------------------------------- */

int vmbus_send_tl_connect_request(const guid_t *shv_guest_servie_id,
				  const guid_t *shv_host_servie_id)
{
	struct vmbus_channel_tl_connect_request msg = {
		.header.msgtype = CHANNELMSG_TL_CONNECT_REQUEST,
		.guest_endpoint_id = *shv_guest_servie_id,
		.host_service_id = *shv_host_servie_id,
	};

	return hvt_post_msg(&msg, sizeof(msg), true);
}
EXPORT_SYMBOL_GPL(vmbus_send_tl_connect_request);

int vmbus_send_modifychannel(struct vmbus_channel *channel, u32 target_vp)
{
	struct vmbus_channel_modifychannel msg = {
		.header.msgtype = CHANNELMSG_MODIFYCHANNEL,
		.child_relid = channel->offermsg.child_relid,
		.target_vp = target_vp,
	};
	struct vmbus_channel_modifychannel_response *resp;
	struct hvt_waiter *w;
	int ret;

	if (vmbus_proto_version < VERSION_WIN10_V4_1)
		return -EINVAL;
	/* Before 5.3 the host does not answer. */
	if (vmbus_proto_version < VERSION_WIN10_V5_3)
		return hvt_post_msg(&msg, sizeof(msg), true);

	w = hvt_waiter_new(channel);
	if (!w)
		return -ENOMEM;
	hvt_waiter_arm(w, CHANNELMSG_MODIFYCHANNEL_RESPONSE, msg.child_relid);
	ret = hvt_post_msg(&msg, sizeof(msg), true);
	if (ret) {
		hvt_waiter_disarm(w);
		goto out;
	}
	ret = hvt_waiter_wait(w, HVT_MSG_TIMEOUT);
	if (ret)
		goto out;
	resp = (void *)w->reply;
	if (resp->status) {
		pr_err_ratelimited(HVT_LOG_PREFIX "channel %u: MODIFYCHANNEL refused (%#x)\n",
				   msg.child_relid, resp->status);
		ret = -EINVAL;
	}
out:
	kfree(w);
	return ret;
}
EXPORT_SYMBOL_GPL(vmbus_send_modifychannel);

