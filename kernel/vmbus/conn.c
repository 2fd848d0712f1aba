// SPDX-License-Identifier: GPL-2.0
/*
 * The VMBus connection: version negotiation (INITIATE_CONTACT), the
 * dispatch of channel-management messages from SINT 2, the replies that
 * threads wait for, the offer request and UNLOAD.
 *
 * Every message from the host is checked against the size its type needs
 * before a handler sees it. Replies are matched to their waiter in the
 * tasklet; offers, rescinds and the end of the offers go, in arrival
 * order, to one ordered workqueue, since creating devices sleeps.
 */

/* The includes of the stock file exporting these symbols (see offer.c). */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/wait.h>
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/hyperv.h>
#include <linux/export.h>
#include <linux/io.h>
#include <linux/set_memory.h>
#include <asm/mshyperv.h>

#include "vmbus_priv.h"

/* Connection ids of the message port (TLFS / VMBus). */
#define HVT_MSG_CONN_ID		1	/* before 5.0 */
#define HVT_MSG_CONN_ID_4	4	/* INITIATE_CONTACT since 5.0 */

struct vmbus_connection vmbus_connection = {
	.conn_state = DISCONNECTED,
	.msg_conn_id = HVT_MSG_CONN_ID,
};
EXPORT_SYMBOL_GPL(vmbus_connection);

__u32 vmbus_proto_version;
EXPORT_SYMBOL_GPL(vmbus_proto_version);

/* Newest first; 4.0 (Windows 10) is the oldest this driver speaks. */
static const u32 hvt_versions[] = {
	VERSION_WIN10_V5_3,
	VERSION_WIN10_V5_2,
	VERSION_WIN10_V5_1,
	VERSION_WIN10_V5,
	VERSION_WIN10_V4_1,
	VERSION_WIN10,
};

/*
 * What each host-to-guest message must carry at least, and where a reply
 * keeps the value a waiter is matched on (offset after the header, or -1:
 * any). Types absent here are not sent by a host; they are refused.
 */
struct hvt_msg_kind {
	u8 min_len;
	s8 key_off;
	bool reply;
};

#define HDR sizeof(struct vmbus_channel_message_header)
static const struct hvt_msg_kind hvt_kinds[CHANNELMSG_COUNT] = {
	[CHANNELMSG_OFFERCHANNEL] = { sizeof(struct vmbus_channel_offer_channel), -1, false },
	[CHANNELMSG_RESCIND_CHANNELOFFER] = { sizeof(struct vmbus_channel_rescind_offer), -1, false },
	[CHANNELMSG_ALLOFFERS_DELIVERED] = { HDR, -1, false },
	[CHANNELMSG_OPENCHANNEL_RESULT] = { sizeof(struct vmbus_channel_open_result), 0, true },
	[CHANNELMSG_GPADL_CREATED] = { sizeof(struct vmbus_channel_gpadl_created), 4, true },
	[CHANNELMSG_GPADL_TORNDOWN] = { sizeof(struct vmbus_channel_gpadl_torndown), 0, true },
	[CHANNELMSG_VERSION_RESPONSE] = { sizeof(struct vmbus_channel_version_response), -1, true },
	[CHANNELMSG_UNLOAD_RESPONSE] = { HDR, -1, true },
	[CHANNELMSG_TL_CONNECT_RESULT] = { HDR, -1, false },
	[CHANNELMSG_MODIFYCHANNEL_RESPONSE] = { sizeof(struct vmbus_channel_modifychannel_response), 0, true },
};
#undef HDR

void vmbus_set_event(struct vmbus_channel *channel)
{
	u32 relid = channel->offermsg.child_relid;

	/* A shared interrupt says which channel through the interrupt page. */
	if (!channel->is_dedicated_interrupt && relid < HVT_MAX_RELIDS)
		sync_set_bit(relid, vmbus_connection.send_int_page);
	++channel->sig_events;
	hv_do_fast_hypercall8(HVCALL_SIGNAL_EVENT, channel->sig_event);
}
EXPORT_SYMBOL_GPL(vmbus_set_event);

/* ---- waiting for replies ------------------------------------------------ */

void hvt_waiter_arm(struct hvt_waiter *w, u32 type, u32 key)
{
	unsigned long flags;

	w->type = type;
	w->key = key;
	w->cancelled = false;
	w->len = 0;
	init_completion(&w->done);
	spin_lock_irqsave(&vmbus_connection.channelmsg_lock, flags);
	list_add_tail(&w->node, &vmbus_connection.chn_msg_list);
	spin_unlock_irqrestore(&vmbus_connection.channelmsg_lock, flags);
}

void hvt_waiter_disarm(struct hvt_waiter *w)
{
	unsigned long flags;

	spin_lock_irqsave(&vmbus_connection.channelmsg_lock, flags);
	list_del_init(&w->node);
	spin_unlock_irqrestore(&vmbus_connection.channelmsg_lock, flags);
}

int hvt_waiter_wait(struct hvt_waiter *w, unsigned long timeout)
{
	unsigned long left = wait_for_completion_timeout(&w->done, timeout);

	hvt_waiter_disarm(w);
	if (w->cancelled)
		return -ENODEV;
	return left ? 0 : -ETIMEDOUT;
}

void hvt_waiters_cancel(u32 relid)
{
	struct hvt_waiter *w;
	unsigned long flags;

	spin_lock_irqsave(&vmbus_connection.channelmsg_lock, flags);
	list_for_each_entry(w, &vmbus_connection.chn_msg_list, node) {
		if (w->relid == relid && !completion_done(&w->done)) {
			w->cancelled = true;
			complete(&w->done);
		}
	}
	spin_unlock_irqrestore(&vmbus_connection.channelmsg_lock, flags);
}

/* A reply: to the first armed waiter of its type and key. */
static void hvt_deliver_reply(u32 type, const u8 *msg, u32 len, s8 key_off)
{
	struct hvt_waiter *w;
	unsigned long flags;
	u32 key = 0;
	bool found = false;

	if (key_off >= 0)
		memcpy(&key, msg + sizeof(struct vmbus_channel_message_header) + key_off,
		       sizeof(key));

	spin_lock_irqsave(&vmbus_connection.channelmsg_lock, flags);
	list_for_each_entry(w, &vmbus_connection.chn_msg_list, node) {
		if (w->type != type || completion_done(&w->done))
			continue;
		if (key_off >= 0 && w->key != key)
			continue;
		memcpy(w->reply, msg, len);
		w->len = len;
		complete(&w->done);
		found = true;
		break;
	}
	spin_unlock_irqrestore(&vmbus_connection.channelmsg_lock, flags);

	if (!found)
		pr_warn_ratelimited(HVT_LOG_PREFIX "unexpected reply: type %u key %#x\n",
				    type, key);
}

/* ---- message dispatch --------------------------------------------------- */

struct hvt_msg_work {
	struct work_struct work;
	u32 type;
	u32 len;
	u8 msg[HV_MESSAGE_PAYLOAD_BYTE_COUNT] __aligned(8);
};

static void hvt_msg_work_fn(struct work_struct *work)
{
	struct hvt_msg_work *mw = container_of(work, struct hvt_msg_work, work);

	switch (mw->type) {
	case CHANNELMSG_OFFERCHANNEL:
		hvt_handle_offer(mw->msg, mw->len);
		break;
	case CHANNELMSG_RESCIND_CHANNELOFFER:
		hvt_handle_rescind(mw->msg, mw->len);
		break;
	case CHANNELMSG_ALLOFFERS_DELIVERED:
		hvt_handle_alloffers();
		break;
	}
	atomic_dec(&vmbus_connection.offer_in_progress);
	kfree(mw);
}

void hvt_msg_dpc(unsigned long data)
{
	struct hvt_cpu *c = (struct hvt_cpu *)data;
	struct hv_message *slot = &c->msg_page->sint_message[HVT_SINT];
	struct vmbus_channel_message_header hdr;
	struct hv_message copy;
	const struct hvt_msg_kind *kind;
	struct hvt_msg_work *mw;
	u32 type, len;

	type = READ_ONCE(slot->header.message_type);
	if (type == HVMSG_NONE)
		return;
	memcpy(&copy, slot, sizeof(copy));
	/* Free the slot first: the host can queue the next message. */
	vmbus_signal_eom(slot, type);

	len = copy.header.payload_size;
	if (len > HV_MESSAGE_PAYLOAD_BYTE_COUNT || len < sizeof(hdr)) {
		pr_err_ratelimited(HVT_LOG_PREFIX "message of %u bytes dropped\n", len);
		return;
	}
	memcpy(&hdr, copy.u.payload, sizeof(hdr));
	if (hdr.msgtype >= CHANNELMSG_COUNT || !hvt_kinds[hdr.msgtype].min_len) {
		pr_err_ratelimited(HVT_LOG_PREFIX "unknown message type %u dropped\n",
				   hdr.msgtype);
		return;
	}
	kind = &hvt_kinds[hdr.msgtype];
	if (len < kind->min_len) {
		pr_err_ratelimited(HVT_LOG_PREFIX "message type %u: %u bytes, needs %u\n",
				   hdr.msgtype, len, kind->min_len);
		return;
	}

	if (kind->reply) {
		hvt_deliver_reply(hdr.msgtype, (const u8 *)copy.u.payload, len,
				  kind->key_off);
		return;
	}
	if (hdr.msgtype == CHANNELMSG_TL_CONNECT_RESULT)
		return;	/* hv_sock learns the result from the offer */

	mw = kmalloc(sizeof(*mw), GFP_ATOMIC);
	if (!mw) {
		pr_err_ratelimited(HVT_LOG_PREFIX "no memory for message type %u\n",
				   hdr.msgtype);
		return;
	}
	INIT_WORK(&mw->work, hvt_msg_work_fn);
	mw->type = hdr.msgtype;
	mw->len = len;
	memcpy(mw->msg, copy.u.payload, len);
	memset(mw->msg + len, 0, sizeof(mw->msg) - len);
	atomic_inc(&vmbus_connection.offer_in_progress);
	queue_work(vmbus_connection.work_queue, &mw->work);
}

/* ---- connecting ---------------------------------------------------------- */

static int hvt_try_version(u32 version)
{
	struct vmbus_channel_initiate_contact msg = {};
	struct vmbus_channel_version_response *resp;
	struct hvt_waiter *w;
	int ret;

	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;

	msg.header.msgtype = CHANNELMSG_INITIATE_CONTACT;
	msg.vmbus_version_requested = version;
	msg.target_vcpu = hv_cpu_number_to_vp_number(HVT_CONNECT_CPU);
	if (version >= VERSION_WIN10_V5) {
		/* Messages to SINT 2; the host picks the message port. */
		msg.msg_sint = HVT_SINT;
		vmbus_connection.msg_conn_id = HVT_MSG_CONN_ID_4;
	} else {
		msg.interrupt_page = virt_to_phys(vmbus_connection.int_page);
		vmbus_connection.msg_conn_id = HVT_MSG_CONN_ID;
	}
	msg.monitor_page1 = virt_to_phys(vmbus_connection.monitor_pages[0]);
	msg.monitor_page2 = virt_to_phys(vmbus_connection.monitor_pages[1]);

	w->relid = INVALID_RELID;
	hvt_waiter_arm(w, CHANNELMSG_VERSION_RESPONSE, 0);
	ret = hvt_post_msg(&msg, sizeof(msg), true);
	if (ret) {
		hvt_waiter_disarm(w);
		goto out;
	}
	ret = hvt_waiter_wait(w, 10 * HZ);
	if (ret)
		goto out;

	resp = (void *)w->reply;
	if (!resp->version_supported) {
		ret = -EPROTONOSUPPORT;
		goto out;
	}
	if (version >= VERSION_WIN10_V5)
		vmbus_connection.msg_conn_id = resp->msg_conn_id;
	vmbus_proto_version = version;
out:
	kfree(w);
	return ret;
}

static void hvt_conn_free(void)
{
	destroy_workqueue(vmbus_connection.work_queue);
	vmbus_connection.work_queue = NULL;
	if (vmbus_connection.handle_primary_chan_wq)
		destroy_workqueue(vmbus_connection.handle_primary_chan_wq);
	if (vmbus_connection.handle_sub_chan_wq)
		destroy_workqueue(vmbus_connection.handle_sub_chan_wq);
	if (vmbus_connection.rescind_work_queue)
		destroy_workqueue(vmbus_connection.rescind_work_queue);
	vmbus_connection.handle_primary_chan_wq = NULL;
	vmbus_connection.handle_sub_chan_wq = NULL;
	vmbus_connection.rescind_work_queue = NULL;
	free_page((unsigned long)vmbus_connection.int_page);
	free_page((unsigned long)vmbus_connection.monitor_pages[0]);
	free_page((unsigned long)vmbus_connection.monitor_pages[1]);
	vmbus_connection.int_page = NULL;
	vmbus_connection.monitor_pages[0] = NULL;
	vmbus_connection.monitor_pages[1] = NULL;
	kfree(vmbus_connection.channels);
	vmbus_connection.channels = NULL;
}

int hvt_connect(void)
{
	struct vmbus_connection *vc = &vmbus_connection;
	unsigned int i;
	int ret = -ENOMEM;

	INIT_LIST_HEAD(&vc->chn_msg_list);
	spin_lock_init(&vc->channelmsg_lock);
	INIT_LIST_HEAD(&vc->chn_list);
	mutex_init(&vc->channel_mutex);
	init_completion(&vc->unload_event);
	init_completion(&vc->ready_for_suspend_event);
	init_completion(&vc->ready_for_resume_event);
	atomic_set(&vc->offer_in_progress, 0);
	/* GPADL handles: any non-zero value the guest picks. */
	atomic_set(&vc->next_gpadl_handle, 0xE1E10);

	vc->work_queue = alloc_ordered_workqueue("hv_vmbus_con", 0);
	if (!vc->work_queue)
		return -ENOMEM;
	vc->handle_primary_chan_wq = alloc_workqueue("hv_pri_chan", 0, 0);
	vc->handle_sub_chan_wq = alloc_workqueue("hv_sub_chan", 0, 0);
	vc->rescind_work_queue = alloc_workqueue("hv_vmbus_rescind", 0, 0);
	vc->int_page = (void *)get_zeroed_page(GFP_KERNEL);
	vc->monitor_pages[0] = (void *)get_zeroed_page(GFP_KERNEL);
	vc->monitor_pages[1] = (void *)get_zeroed_page(GFP_KERNEL);
	vc->channels = kcalloc(HVT_MAX_RELIDS, sizeof(*vc->channels), GFP_KERNEL);
	if (!vc->handle_primary_chan_wq || !vc->handle_sub_chan_wq ||
	    !vc->rescind_work_queue || !vc->int_page || !vc->monitor_pages[0] ||
	    !vc->monitor_pages[1] || !vc->channels)
		goto fail;
	vc->recv_int_page = vc->int_page;
	vc->send_int_page = (u8 *)vc->int_page + PAGE_SIZE / 2;

	vc->conn_state = CONNECTING;
	ret = -ECONNREFUSED;
	for (i = 0; i < ARRAY_SIZE(hvt_versions); i++) {
		ret = hvt_try_version(hvt_versions[i]);
		if (ret == 0 || ret == -ENOMEM || ret == -ETIMEDOUT)
			break;
	}
	if (ret) {
		pr_err(HVT_LOG_PREFIX "the host accepted no VMBus version (%d)\n", ret);
		vc->conn_state = DISCONNECTED;
		goto fail;
	}
	vc->conn_state = CONNECTED;
	pr_info(HVT_LOG_PREFIX "VMBus version %u.%u\n",
		vmbus_proto_version >> 16, vmbus_proto_version & 0xffff);
	return 0;

fail:
	hvt_conn_free();
	return ret;
}

int hvt_request_offers(void)
{
	struct vmbus_channel_message_header msg = {
		.msgtype = CHANNELMSG_REQUESTOFFERS,
	};
	int ret;

	reinit_completion(&hvt_alloffers_done);
	ret = hvt_post_msg(&msg, sizeof(msg), true);
	if (ret)
		return ret;
	/*
	 * ALLOFFERS_DELIVERED is queued behind every offer: once it has run,
	 * each offer's channel exists; flushing the device work then waits
	 * for the devices themselves, so drivers find them at once.
	 */
	if (!wait_for_completion_timeout(&hvt_alloffers_done, 60 * HZ)) {
		pr_warn(HVT_LOG_PREFIX "the host did not finish its offers in 60 s\n");
		return 0;
	}
	flush_workqueue(vmbus_connection.handle_primary_chan_wq);
	return 0;
}

/*
 * In a crash or kexec nothing else runs: poll every CPU's message slot
 * for the reply (it comes to the connect CPU, but look everywhere).
 */
static bool hvt_poll_unload_response(void)
{
	unsigned int cpu;
	bool seen = false;

	for_each_present_cpu(cpu) {
		struct hvt_cpu *c = per_cpu_ptr(hvt_cpus, cpu);
		struct hv_message *slot;
		struct vmbus_channel_message_header hdr;
		u32 type;

		if (!c->msg_page)
			continue;
		slot = &c->msg_page->sint_message[HVT_SINT];
		type = READ_ONCE(slot->header.message_type);
		if (type == HVMSG_NONE)
			continue;
		memcpy(&hdr, slot->u.payload, sizeof(hdr));
		if (hdr.msgtype == CHANNELMSG_UNLOAD_RESPONSE)
			seen = true;
		vmbus_signal_eom(slot, type);
	}
	return seen;
}

void hvt_unload(bool crash)
{
	struct vmbus_channel_message_header msg = {
		.msgtype = CHANNELMSG_UNLOAD,
	};
	struct hvt_waiter *w = NULL;
	unsigned int i;

	if (vmbus_connection.conn_state != CONNECTED)
		return;
	vmbus_connection.conn_state = DISCONNECTING;

	if (!crash) {
		w = kzalloc(sizeof(*w), GFP_KERNEL);
		if (w) {
			w->relid = INVALID_RELID;
			hvt_waiter_arm(w, CHANNELMSG_UNLOAD_RESPONSE, 0);
		}
	}
	if (hvt_post_msg(&msg, sizeof(msg), !crash)) {
		if (w)
			hvt_waiter_disarm(w);
		goto out;
	}
	if (w) {
		if (hvt_waiter_wait(w, 10 * HZ))
			pr_warn(HVT_LOG_PREFIX "no UNLOAD_RESPONSE from the host\n");
	} else {
		/* Up to 10 s, as a crash kernel can afford to wait. */
		for (i = 0; i < 1000 && !hvt_poll_unload_response(); i++)
			mdelay(10);
	}
out:
	kfree(w);
	vmbus_connection.conn_state = DISCONNECTED;
}

void hvt_disconnect(void)
{
	hvt_unload(false);
	hvt_conn_free();
}
