// SPDX-License-Identifier: GPL-2.0
/*
 * Channel management: offers and rescinds from the host, subchannels, the
 * relid map the interrupt handler reads, channel events, and the parts of
 * the <linux/hyperv.h> API that are about channels rather than I/O.
 *
 * Lifetime. A channel is created by its offer (on the ordered connection
 * workqueue) and put in vmbus_connection.channels[relid], which the
 * interrupt handler reads under RCU. A primary channel gets a device
 * (main.c); the device's release removes the channel. A subchannel hangs
 * off its primary's sc_list and goes with the primary, or on its own
 * rescind once it is closed. Removing a rescinded channel tells the host
 * (RELID_RELEASED) so that it may reuse the relid; a subchannel that went
 * with its primary before its rescind is released when the rescind comes.
 * The memory is freed after an RCU grace period, when no interrupt can
 * still see it.
 *
 * Locking. vmbus_connection.channel_mutex guards chn_list, every sc_list
 * and the relid map; channelmsg_lock guards the reply waiters.
 *
 * The includes are those the stock driver's file exporting the same
 * symbols has: the MODVERSIONS CRCs depend on the types a file can see.
 */
#include <linux/kernel.h>
#include <linux/interrupt.h>
#include <linux/sched.h>
#include <linux/wait.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/cpu.h>
#include <linux/hyperv.h>
#include <asm/mshyperv.h>
#include <linux/sched/isolation.h>
#include <linux/nospec.h>

#include "vmbus_priv.h"

DECLARE_COMPLETION(hvt_alloffers_done);

/*
 * Every device class this driver knows, indexed by enum vmbus_device_type
 * (struct hv_device's device_id). Other modules read it (uio_hv_generic:
 * the preferred ring size), so it is exported with the stock layout.
 */
const struct vmbus_device vmbus_devs[] = {
	[HV_IDE] = { .dev_type = HV_IDE, HV_IDE_GUID, .perf_device = true },
	[HV_SCSI] = { .dev_type = HV_SCSI, HV_SCSI_GUID, .perf_device = true,
		      .allowed_in_isolated = true },
	[HV_FC] = { .dev_type = HV_FC, HV_SYNTHFC_GUID, .perf_device = true },
	[HV_NIC] = { .dev_type = HV_NIC, HV_NIC_GUID, .perf_device = true,
		     .allowed_in_isolated = true },
	[HV_ND] = { .dev_type = HV_ND, HV_ND_GUID, .perf_device = true },
	[HV_PCIE] = { .dev_type = HV_PCIE, HV_PCIE_GUID },
	[HV_FB] = { .dev_type = HV_FB, HV_SYNTHVID_GUID },
	[HV_KBD] = { .dev_type = HV_KBD, HV_KBD_GUID },
	[HV_MOUSE] = { .dev_type = HV_MOUSE, HV_MOUSE_GUID },
	[HV_KVP] = { .dev_type = HV_KVP, HV_KVP_GUID },
	[HV_TS] = { .dev_type = HV_TS, HV_TS_GUID, .allowed_in_isolated = true },
	[HV_HB] = { .dev_type = HV_HB, HV_HEART_BEAT_GUID, .allowed_in_isolated = true },
	[HV_SHUTDOWN] = { .dev_type = HV_SHUTDOWN, HV_SHUTDOWN_GUID,
			  .allowed_in_isolated = true },
	/* File copy has always used 16 KiB rings. */
	[HV_FCOPY] = { .pref_ring_size = 0x4000, .dev_type = HV_FCOPY, HV_FCOPY_GUID },
	[HV_BACKUP] = { .dev_type = HV_BACKUP, HV_VSS_GUID },
	[HV_DM] = { .dev_type = HV_DM, HV_DM_GUID },
	/* Anything else: 64 KiB of ring plus its control page is plenty. */
	[HV_UNKNOWN] = { .pref_ring_size = 0x11000, .dev_type = HV_UNKNOWN },
};
EXPORT_SYMBOL_GPL(vmbus_devs);

static u16 hvt_dev_type(const guid_t *guid)
{
	u16 i;

	for (i = HV_IDE; i < HV_UNKNOWN; i++)
		if (guid_equal(guid, &vmbus_devs[i].guid))
			return i;
	return HV_UNKNOWN;
}

/* ---- the relid map -------------------------------------------------------- */

struct vmbus_channel *hvt_relid2channel(u32 relid)
{
	if (relid >= HVT_MAX_RELIDS || !vmbus_connection.channels)
		return NULL;
	relid = array_index_nospec(relid, HVT_MAX_RELIDS);
	return READ_ONCE(vmbus_connection.channels[relid]);
}

static void hvt_map_relid(struct vmbus_channel *channel)
{
	/* Publish the initialised channel before the ISR can find it. */
	smp_store_release(&vmbus_connection.channels[channel->offermsg.child_relid],
			  channel);
}

static void hvt_unmap_relid(struct vmbus_channel *channel)
{
	u32 relid = channel->offermsg.child_relid;

	if (relid < HVT_MAX_RELIDS &&
	    READ_ONCE(vmbus_connection.channels[relid]) == channel)
		WRITE_ONCE(vmbus_connection.channels[relid], NULL);
}

/* ---- events --------------------------------------------------------------- */

/* Batched mode: drain, re-enable the host's interrupt, drain what raced. */
static void hvt_channel_tasklet(unsigned long data)
{
	struct vmbus_channel *channel = (struct vmbus_channel *)data;
	void (*callback)(void *context);
	unsigned int rounds;

	for (rounds = 0; rounds < 16; rounds++) {
		callback = READ_ONCE(channel->onchannel_callback);
		if (!callback)
			return;
		callback(channel->channel_callback_context);
		if (channel->callback_mode != HV_CALL_BATCHED)
			return;
		if (hv_end_read(&channel->inbound) == 0)
			return;
		hv_begin_read(&channel->inbound);
	}
	/* Still busy: let other tasklets run, come back. */
	tasklet_schedule(&channel->callback_event);
}

void hvt_channel_event(struct vmbus_channel *channel)
{
	void (*callback)(void *context);

	channel->interrupts++;
	callback = READ_ONCE(channel->onchannel_callback);
	if (!callback)
		return;

	switch (channel->callback_mode) {
	case HV_CALL_ISR:
		callback(channel->channel_callback_context);
		break;
	case HV_CALL_BATCHED:
		hv_begin_read(&channel->inbound);
		fallthrough;
	case HV_CALL_DIRECT:
		tasklet_schedule(&channel->callback_event);
		break;
	}
}

/* ---- creating and removing channels --------------------------------------- */

static struct vmbus_channel *hvt_channel_alloc(void)
{
	struct vmbus_channel *channel = kzalloc(sizeof(*channel), GFP_KERNEL);

	if (!channel)
		return NULL;
	spin_lock_init(&channel->sched_lock);
	init_completion(&channel->rescind_event);
	INIT_LIST_HEAD(&channel->listentry);
	INIT_LIST_HEAD(&channel->sc_list);
	tasklet_init(&channel->callback_event, hvt_channel_tasklet,
		     (unsigned long)channel);
	/* sysfs may read the rings before the channel is ever opened. */
	spin_lock_init(&channel->inbound.ring_lock);
	spin_lock_init(&channel->outbound.ring_lock);
	mutex_init(&channel->inbound.ring_buffer_mutex);
	mutex_init(&channel->outbound.ring_buffer_mutex);
	return channel;
}

static void hvt_channel_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct vmbus_channel, rcu));
}

/*
 * The last reference: sysfs.c's kobject release calls this for a channel
 * whose kobject was added, hvt_channel_free() directly otherwise.
 */
void hvt_channel_release_mem(struct vmbus_channel *channel)
{
	call_rcu(&channel->rcu, hvt_channel_free_rcu);
}

static void hvt_channel_free(struct vmbus_channel *channel)
{
	tasklet_kill(&channel->callback_event);
	if (channel->kobj.state_in_sysfs)
		hvt_channel_kobj_del(channel);	/* ends in hvt_channel_release_mem */
	else
		hvt_channel_release_mem(channel);
}

static void hvt_release_relid(u32 relid)
{
	struct vmbus_channel_relid_released msg = {
		.header.msgtype = CHANNELMSG_RELID_RELEASED,
		.child_relid = relid,
	};

	if (vmbus_connection.conn_state == CONNECTED &&
	    hvt_post_msg(&msg, sizeof(msg), true))
		pr_warn_ratelimited(HVT_LOG_PREFIX "RELID_RELEASED %u not sent\n", relid);
}

/*
 * Interrupt CPUs. Performance channels (storage, network: every channel of
 * them, primaries and subchannels alike) are dealt CPUs one after another
 * from a single pool, NUMA node after NUMA node, as the stock driver
 * deals them: a CPU goes out again only when every CPU of its node has
 * gone out once (then the node's pool starts over), and a subchannel skips
 * a CPU that its own device already interrupts while another is left. So
 * one controller's queues land on different CPUs and two devices share
 * the load; the sysfs channel_vp_mapping comes out as with the stock
 * driver. A channel's CPU returns to the pool when the channel goes or
 * moves. The other channels interrupt the connect CPU. Under
 * cpus_read_lock and channel_mutex.
 */
static struct cpumask hvt_perf_dealt;	/* CPUs given out since their node's pool began */
static unsigned int hvt_perf_next_node;

static bool hvt_is_perf(const struct vmbus_channel *channel)
{
	return channel->device_id < HV_UNKNOWN && vmbus_devs[channel->device_id].perf_device;
}

/* Whether another channel of @channel's device interrupts @cpu. */
static bool hvt_device_uses_cpu(const struct vmbus_channel *channel,
				const struct vmbus_channel *primary, unsigned int cpu)
{
	const struct vmbus_channel *sc;

	if (!primary)
		return false;
	if (primary->target_cpu == cpu)
		return true;
	list_for_each_entry(sc, &primary->sc_list, sc_list)
		if (sc != channel && sc->target_cpu == cpu)
			return true;
	return false;
}

/* The next NUMA node, round-robin, that has an online CPU. */
static unsigned int hvt_next_perf_node(void)
{
	unsigned int k, node;

	for (k = 0; k < nr_node_ids; k++) {
		node = hvt_perf_next_node++ % nr_node_ids;
		if (node_online(node) && cpumask_intersects(cpumask_of_node(node), cpu_online_mask))
			return node;
	}
	return cpu_to_node(HVT_CONNECT_CPU);
}

/*
 * The CPUs of @node that may take device interrupts: its online ones,
 * the managed-IRQ housekeeping ones among them if there are any.
 */
static void hvt_node_irq_cpus(unsigned int node, struct cpumask *ret)
{
	const struct cpumask *hk = housekeeping_cpumask(HK_TYPE_MANAGED_IRQ);

	cpumask_and(ret, cpumask_of_node(node), cpu_online_mask);
	if (cpumask_intersects(ret, hk))
		cpumask_and(ret, ret, hk);
}

static u32 hvt_pick_cpu(struct vmbus_channel *channel,
			const struct vmbus_channel *primary)
{
	static struct cpumask avail;	/* channel_mutex */
	unsigned int ncpu = num_online_cpus(), cpu = HVT_CONNECT_CPU, i, node;

	if (!hvt_is_perf(channel))
		return HVT_CONNECT_CPU;
	for (i = 1; i <= ncpu + 1; i++) {
		node = hvt_next_perf_node();
		hvt_node_irq_cpus(node, &avail);
		cpumask_andnot(&avail, &avail, &hvt_perf_dealt);
		if (cpumask_empty(&avail)) {
			/* Every CPU of the node went out once: its pool starts over. */
			cpumask_andnot(&hvt_perf_dealt, &hvt_perf_dealt, cpumask_of_node(node));
			hvt_node_irq_cpus(node, &avail);
		}
		cpu = cpumask_first(&avail);
		if (cpu >= nr_cpu_ids)
			return HVT_CONNECT_CPU;
		cpumask_set_cpu(cpu, &hvt_perf_dealt);
		if (channel->offermsg.offer.sub_channel_index >= ncpu || i > ncpu ||
		    !hvt_device_uses_cpu(channel, primary, cpu))
			break;
	}
	return cpu;
}

/* @channel's CPU back to the pool (it goes, or moves away). */
static void hvt_perf_cpu_return(const struct vmbus_channel *channel)
{
	if (hvt_is_perf(channel) && channel->target_cpu < nr_cpu_ids)
		cpumask_clear_cpu(channel->target_cpu, &hvt_perf_dealt);
}

/*
 * Subchannels that went with their primary before the host rescinded them.
 * The host still waits for their RELID_RELEASED: it is sent when their
 * rescind comes (hvt_handle_rescind). Under channel_mutex.
 */
static DECLARE_BITMAP(hvt_orphan_relids, HVT_MAX_RELIDS);

/* Unlinks and frees @channel (and a primary's subchannels). Under channel_mutex. */
void hvt_channel_remove_locked(struct vmbus_channel *channel)
{
	struct vmbus_channel *sc, *tmp;
	bool release = channel->rescind;
	u32 relid = channel->offermsg.child_relid;

	lockdep_assert_held(&vmbus_connection.channel_mutex);
	if (channel->primary_channel) {
		/* A subchannel's sc_list is its node in the primary's list. */
		list_del_init(&channel->sc_list);
	} else {
		list_for_each_entry_safe(sc, tmp, &channel->sc_list, sc_list) {
			list_del_init(&sc->sc_list);
			sc->primary_channel = NULL;
			if (!sc->rescind && sc->offermsg.child_relid < HVT_MAX_RELIDS)
				__set_bit(sc->offermsg.child_relid, hvt_orphan_relids);
			hvt_channel_remove_locked(sc);
		}
		list_del_init(&channel->listentry);
	}
	hvt_unmap_relid(channel);
	hvt_perf_cpu_return(channel);
	if (release)
		hvt_release_relid(relid);
	hvt_channel_free(channel);
}

static void hvt_channel_remove(struct vmbus_channel *channel)
{
	mutex_lock(&vmbus_connection.channel_mutex);
	hvt_channel_remove_locked(channel);
	mutex_unlock(&vmbus_connection.channel_mutex);
}

void hvt_channel_device_gone(struct vmbus_channel *channel)
{
	channel->device_obj = NULL;
	hvt_channel_remove(channel);
}

void hvt_channels_free_all(void)
{
	struct vmbus_channel *channel, *tmp;

	mutex_lock(&vmbus_connection.channel_mutex);
	list_for_each_entry_safe(channel, tmp, &vmbus_connection.chn_list, listentry) {
		channel->rescind = false;	/* UNLOAD released every relid */
		hvt_channel_remove_locked(channel);
	}
	bitmap_zero(hvt_orphan_relids, HVT_MAX_RELIDS);
	mutex_unlock(&vmbus_connection.channel_mutex);
	rcu_barrier();
}

static void hvt_add_primary_work(struct work_struct *work)
{
	struct vmbus_channel *channel =
		container_of(work, struct vmbus_channel, add_channel_work);

	if (hvt_device_add(channel)) {
		pr_err(HVT_LOG_PREFIX "no device for channel %u\n",
		       channel->offermsg.child_relid);
		/* Nobody will use it: forget it, and let the host reuse it. */
		channel->rescind = true;
		hvt_channel_remove(channel);
		return;
	}
	WRITE_ONCE(channel->probe_done, true);
}

static void hvt_add_sub_work(struct work_struct *work)
{
	struct vmbus_channel *channel =
		container_of(work, struct vmbus_channel, add_channel_work);
	struct vmbus_channel *primary = channel->primary_channel;

	if (primary && primary->device_obj)
		hvt_channel_kobj_add(primary->device_obj, channel);
	if (primary && primary->sc_creation_callback)
		primary->sc_creation_callback(channel);
	WRITE_ONCE(channel->probe_done, true);
}

static struct vmbus_channel *hvt_find_primary(const struct vmbus_channel_offer *offer)
{
	struct vmbus_channel *channel;

	list_for_each_entry(channel, &vmbus_connection.chn_list, listentry)
		if (guid_equal(&channel->offermsg.offer.if_type, &offer->if_type) &&
		    guid_equal(&channel->offermsg.offer.if_instance, &offer->if_instance))
			return channel;
	return NULL;
}

void hvt_handle_offer(const void *msg, u32 len)
{
	const struct vmbus_channel_offer_channel *offer = msg;
	struct vmbus_channel *channel, *primary;
	u32 relid = offer->child_relid;

	if (relid == 0 || relid >= HVT_MAX_RELIDS) {
		pr_err_ratelimited(HVT_LOG_PREFIX "offer with relid %u refused\n", relid);
		return;
	}
	if (offer->monitor_allocated && offer->monitorid >= 128) {
		pr_err_ratelimited(HVT_LOG_PREFIX "offer %u: monitor id %u refused\n",
				   relid, offer->monitorid);
		return;
	}

	channel = hvt_channel_alloc();
	if (!channel) {
		pr_err_ratelimited(HVT_LOG_PREFIX "no memory for channel %u\n", relid);
		return;
	}
	memcpy(&channel->offermsg, offer, sizeof(*offer));
	channel->monitor_grp = offer->monitorid / 32;
	channel->monitor_bit = offer->monitorid % 32;
	channel->is_dedicated_interrupt = offer->is_dedicated_interrupt;
	channel->sig_event = offer->connection_id;
	channel->device_id = hvt_dev_type(&offer->offer.if_type);
	channel->callback_mode = HV_CALL_BATCHED;
	channel->state = CHANNEL_OPEN_STATE;	/* offered, ready to open */

	/* The CPU choice must not race with CPU hotplug: that lock first. */
	cpus_read_lock();
	mutex_lock(&vmbus_connection.channel_mutex);
	if (hvt_relid2channel(relid)) {
		mutex_unlock(&vmbus_connection.channel_mutex);
		cpus_read_unlock();
		pr_err_ratelimited(HVT_LOG_PREFIX "second offer for relid %u refused\n", relid);
		hvt_channel_free(channel);
		return;
	}
	/* The host offers the relid again: it no longer waits for a release. */
	__clear_bit(relid, hvt_orphan_relids);
	primary = hvt_find_primary(&offer->offer);
	if (offer->offer.sub_channel_index) {
		if (!primary || primary->rescind) {
			mutex_unlock(&vmbus_connection.channel_mutex);
			cpus_read_unlock();
			pr_err_ratelimited(HVT_LOG_PREFIX "subchannel %u has no primary\n", relid);
			hvt_channel_free(channel);
			return;
		}
		channel->primary_channel = primary;
		channel->target_cpu = hvt_pick_cpu(channel, primary);
		list_add_tail(&channel->sc_list, &primary->sc_list);
		INIT_WORK(&channel->add_channel_work, hvt_add_sub_work);
	} else {
		if (primary) {
			mutex_unlock(&vmbus_connection.channel_mutex);
			cpus_read_unlock();
			pr_err_ratelimited(HVT_LOG_PREFIX "offer %u: instance %pUl is offered already\n",
					   relid, &offer->offer.if_instance);
			hvt_channel_free(channel);
			return;
		}
		channel->target_cpu = hvt_pick_cpu(channel, NULL);
		list_add_tail(&channel->listentry, &vmbus_connection.chn_list);
		INIT_WORK(&channel->add_channel_work, hvt_add_primary_work);
	}
	hvt_map_relid(channel);
	mutex_unlock(&vmbus_connection.channel_mutex);
	cpus_read_unlock();

	queue_work(channel->primary_channel ? vmbus_connection.handle_sub_chan_wq :
		   vmbus_connection.handle_primary_chan_wq,
		   &channel->add_channel_work);
}

void hvt_handle_rescind(const void *msg, u32 len)
{
	const struct vmbus_channel_rescind_offer *rescind = msg;
	struct vmbus_channel *channel;
	unsigned long flags;

	mutex_lock(&vmbus_connection.channel_mutex);
	channel = hvt_relid2channel(rescind->child_relid);
	if (!channel && rescind->child_relid < HVT_MAX_RELIDS &&
	    __test_and_clear_bit(rescind->child_relid, hvt_orphan_relids)) {
		/* A subchannel that went with its primary: the host may reuse it now. */
		hvt_release_relid(rescind->child_relid);
		mutex_unlock(&vmbus_connection.channel_mutex);
		return;
	}
	if (!channel || channel->rescind_ref) {
		mutex_unlock(&vmbus_connection.channel_mutex);
		pr_warn_ratelimited(HVT_LOG_PREFIX "rescind of unknown relid %u\n",
				    rescind->child_relid);
		return;
	}
	channel->rescind_ref = true;
	mutex_unlock(&vmbus_connection.channel_mutex);

	/* The device (or the subchannel's callback) is there before it goes. */
	flush_work(&channel->add_channel_work);

	spin_lock_irqsave(&vmbus_connection.channelmsg_lock, flags);
	channel->rescind = true;
	spin_unlock_irqrestore(&vmbus_connection.channelmsg_lock, flags);
	hvt_waiters_cancel(channel->offermsg.child_relid);

	if (channel->chn_rescind_callback) {
		/* uio_hv_generic, hv_sock: they unregister the device themselves. */
		channel->chn_rescind_callback(channel);
		return;
	}
	if (!channel->primary_channel) {
		struct hv_device *dev = channel->device_obj;

		if (dev) {
			/* The device's release removes the channel. */
			vmbus_device_unregister(dev);
		} else {
			hvt_channel_remove(channel);
		}
		return;
	}
	/* A subchannel: an open one is removed by its driver's close. */
	mutex_lock(&vmbus_connection.channel_mutex);
	if (channel->state != CHANNEL_OPENED_STATE)
		hvt_channel_remove_locked(channel);
	else
		complete(&channel->rescind_event);
	mutex_unlock(&vmbus_connection.channel_mutex);
}

void hvt_handle_alloffers(void)
{
	complete_all(&hvt_alloffers_done);
}

void vmbus_set_sc_create_callback(struct vmbus_channel *primary_channel,
				  void (*sc_cr_cb)(struct vmbus_channel *new_sc))
{
	primary_channel->sc_creation_callback = sc_cr_cb;
}
EXPORT_SYMBOL_GPL(vmbus_set_sc_create_callback);

void vmbus_set_chn_rescind_callback(struct vmbus_channel *channel,
				    void (*chn_rescind_cb)(struct vmbus_channel *))
{
	channel->chn_rescind_callback = chn_rescind_cb;
}
EXPORT_SYMBOL_GPL(vmbus_set_chn_rescind_callback);

void vmbus_hvsock_device_unregister(struct vmbus_channel *channel)
{
	if (WARN_ON_ONCE(!is_hvsock_channel(channel)))
		return;
	/* Not reopened: the host rescinds a closed hv_sock channel anyway. */
	channel->rescind = true;
	vmbus_device_unregister(channel->device_obj);
}
EXPORT_SYMBOL_GPL(vmbus_hvsock_device_unregister);

int hvt_channel_set_cpu(struct vmbus_channel *channel, u32 cpu)
{
	u32 old;
	int ret;

	if (vmbus_proto_version < VERSION_WIN10_V4_1)
		return -EIO;
	if (cpu >= nr_cpu_ids)
		return -EINVAL;
	cpus_read_lock();
	if (!cpu_online(cpu)) {
		ret = -EINVAL;
		goto out;
	}
	mutex_lock(&vmbus_connection.channel_mutex);
	old = channel->target_cpu;
	if (channel->state != CHANNEL_OPENED_STATE || channel->rescind) {
		ret = -EIO;
	} else if (cpu == old) {
		ret = 0;
	} else {
		ret = vmbus_send_modifychannel(channel, hv_cpu_number_to_vp_number(cpu));
		if (!ret) {
			hvt_perf_cpu_return(channel);
			if (hvt_is_perf(channel))
				cpumask_set_cpu(cpu, &hvt_perf_dealt);
			channel->target_cpu = cpu;
			if (channel->change_target_cpu_callback)
				channel->change_target_cpu_callback(channel, old, cpu);
		}
	}
	mutex_unlock(&vmbus_connection.channel_mutex);
out:
	cpus_read_unlock();
	return ret;
}

/*
 * The integration components' version negotiation: pick the newest
 * framework and service versions both sides have and rewrite the host's
 * NEGOTIATE message in place as the answer. @buf holds the whole packet
 * (the pipe header, the IC header at @icmsghdrp, then the version list).
 */
bool vmbus_prep_negotiate_resp(struct icmsg_hdr *icmsghdrp, u8 *buf, u32 buflen,
			       const int *fw_version, int fw_vercnt,
			       const int *srv_version, int srv_vercnt,
			       int *nego_fw_version, int *nego_srv_version)
{
	struct icmsg_negotiate *neg;
	u32 nfw, nsrv, fw = 0, srv = 0;
	bool fw_found = false, srv_found = false;
	int i;
	u32 j;

	/* Room for the counts and for the two versions of the answer. */
	if (buflen < ICMSG_HDR + sizeof(*neg) + 2 * sizeof(struct ic_version)) {
		pr_err_ratelimited(HVT_LOG_PREFIX "IC negotiate of %u bytes refused\n", buflen);
		return false;
	}
	icmsghdrp->icmsgsize = sizeof(*neg) + 2 * sizeof(struct ic_version);
	neg = (struct icmsg_negotiate *)&buf[ICMSG_HDR];
	nfw = neg->icframe_vercnt;
	nsrv = neg->icmsg_vercnt;

	if (nfw > IC_VERSION_NEGOTIATION_MAX_VER_COUNT ||
	    nsrv > IC_VERSION_NEGOTIATION_MAX_VER_COUNT ||
	    ICMSG_NEGOTIATE_PKT_SIZE(nfw, nsrv) > buflen) {
		pr_err_ratelimited(HVT_LOG_PREFIX "IC negotiate: %u+%u versions in %u bytes\n",
				   nfw, nsrv, buflen);
		nfw = nsrv = 0;
	}

	/* Ours are newest first: the first of ours the host lists wins. */
	for (i = 0; i < fw_vercnt && !fw_found; i++)
		for (j = 0; j < nfw; j++)
			if (neg->icversion_data[j].major == (fw_version[i] >> 16) &&
			    neg->icversion_data[j].minor == (fw_version[i] & 0xffff)) {
				fw = fw_version[i];
				fw_found = true;
				break;
			}
	for (i = 0; i < srv_vercnt && fw_found && !srv_found; i++)
		for (j = nfw; j < nfw + nsrv; j++)
			if (neg->icversion_data[j].major == (srv_version[i] >> 16) &&
			    neg->icversion_data[j].minor == (srv_version[i] & 0xffff)) {
				srv = srv_version[i];
				srv_found = true;
				break;
			}

	neg->icframe_vercnt = srv_found ? 1 : 0;
	neg->icmsg_vercnt = srv_found ? 1 : 0;
	neg->icversion_data[0].major = fw >> 16;
	neg->icversion_data[0].minor = fw & 0xffff;
	neg->icversion_data[1].major = srv >> 16;
	neg->icversion_data[1].minor = srv & 0xffff;
	if (nego_fw_version)
		*nego_fw_version = fw;
	if (nego_srv_version)
		*nego_srv_version = srv;
	return srv_found;
}
EXPORT_SYMBOL_GPL(vmbus_prep_negotiate_resp);
