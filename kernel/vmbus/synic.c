// SPDX-License-Identifier: GPL-2.0
/*
 * The synthetic interrupt controller, per CPU: the message page (SIMP), the
 * event-flags page (SIEFP) and SINT 2, which carries VMBus, programmed with
 * the kernel's Hyper-V callback vector. The interrupt handler scans the
 * event flags for channel relids and hands the message slot to a tasklet.
 * Posting messages to the host and signalling events are here too.
 */
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <asm/mshyperv.h>

#include "vmbus_priv.h"

struct hvt_cpu __percpu *hvt_cpus;

/*
 * The SynIC MSRs: read and written through hv_get/set_register on 6.1
 * and through hv_get/set_msr (with HV_MSR_* names) since 6.9.
 */
#ifdef HV_MSR_SIMP
#define HVT_SIMP	HV_MSR_SIMP
#define HVT_SIEFP	HV_MSR_SIEFP
#define HVT_SCONTROL	HV_MSR_SCONTROL
#define HVT_SINT_MSR(n)	(HV_MSR_SINT0 + (n))
#define hvt_rdmsr(r)	hv_get_msr(r)
#define hvt_wrmsr(r, v)	hv_set_msr(r, v)
#else
#define HVT_SIMP	HV_REGISTER_SIMP
#define HVT_SIEFP	HV_REGISTER_SIEFP
#define HVT_SCONTROL	HV_REGISTER_SCONTROL
#define HVT_SINT_MSR(n)	(HV_REGISTER_SINT0 + (n))
#define hvt_rdmsr(r)	hv_get_register(r)
#define hvt_wrmsr(r, v)	hv_set_register(r, v)
#endif

/* HvPostMessage's input (TLFS), in its own page so it never straddles one. */
struct hvt_post_input {
	u32 connection_id;
	u32 reserved;
	u32 message_type;
	u32 payload_size;
	u64 payload[HV_MESSAGE_PAYLOAD_QWORD_COUNT];
} __packed;

int hvt_synic_alloc(void)
{
	unsigned int cpu;

	hvt_cpus = alloc_percpu(struct hvt_cpu);
	if (!hvt_cpus)
		return -ENOMEM;

	for_each_present_cpu(cpu) {
		struct hvt_cpu *c = per_cpu_ptr(hvt_cpus, cpu);

		tasklet_init(&c->msg_dpc, hvt_msg_dpc, (unsigned long)c);
		c->msg_page = (void *)get_zeroed_page(GFP_KERNEL);
		c->event_page = (void *)get_zeroed_page(GFP_KERNEL);
		c->post_page = (void *)get_zeroed_page(GFP_KERNEL);
		if (!c->msg_page || !c->event_page || !c->post_page) {
			hvt_synic_free();
			return -ENOMEM;
		}
	}
	return 0;
}

void hvt_synic_free(void)
{
	unsigned int cpu;

	if (!hvt_cpus)
		return;
	for_each_present_cpu(cpu) {
		struct hvt_cpu *c = per_cpu_ptr(hvt_cpus, cpu);

		tasklet_kill(&c->msg_dpc);
		free_page((unsigned long)c->msg_page);
		free_page((unsigned long)c->event_page);
		free_page((unsigned long)c->post_page);
	}
	free_percpu(hvt_cpus);
	hvt_cpus = NULL;
}

int hvt_synic_cpu_up(unsigned int cpu)
{
	struct hvt_cpu *c = per_cpu_ptr(hvt_cpus, cpu);
	union hv_synic_simp simp;
	union hv_synic_siefp siefp;
	union hv_synic_sint sint;
	union hv_synic_scontrol sctrl;

	/* Runs on @cpu itself (a CPU hotplug callback). */
	simp.as_uint64 = hvt_rdmsr(HVT_SIMP);
	simp.simp_enabled = 1;
	simp.base_simp_gpa = virt_to_phys(c->msg_page) >> HV_HYP_PAGE_SHIFT;
	hvt_wrmsr(HVT_SIMP, simp.as_uint64);

	siefp.as_uint64 = hvt_rdmsr(HVT_SIEFP);
	siefp.siefp_enabled = 1;
	siefp.base_siefp_gpa = virt_to_phys(c->event_page) >> HV_HYP_PAGE_SHIFT;
	hvt_wrmsr(HVT_SIEFP, siefp.as_uint64);

	sint.as_uint64 = hvt_rdmsr(HVT_SINT_MSR(HVT_SINT));
	sint.vector = HYPERVISOR_CALLBACK_VECTOR;
	sint.masked = 0;
	sint.auto_eoi = !(ms_hyperv.hints & HV_DEPRECATING_AEOI_RECOMMENDED);
	hvt_wrmsr(HVT_SINT_MSR(HVT_SINT), sint.as_uint64);

	sctrl.as_uint64 = hvt_rdmsr(HVT_SCONTROL);
	sctrl.enable = 1;
	hvt_wrmsr(HVT_SCONTROL, sctrl.as_uint64);
	return 0;
}

/* Masks SINT 2 and unmaps the pages on this CPU; never sleeps. */
void hvt_synic_disable_local(void)
{
	union hv_synic_simp simp;
	union hv_synic_siefp siefp;
	union hv_synic_sint sint;

	sint.as_uint64 = hvt_rdmsr(HVT_SINT_MSR(HVT_SINT));
	sint.masked = 1;
	hvt_wrmsr(HVT_SINT_MSR(HVT_SINT), sint.as_uint64);

	simp.as_uint64 = hvt_rdmsr(HVT_SIMP);
	simp.simp_enabled = 0;
	simp.base_simp_gpa = 0;
	hvt_wrmsr(HVT_SIMP, simp.as_uint64);

	siefp.as_uint64 = hvt_rdmsr(HVT_SIEFP);
	siefp.siefp_enabled = 0;
	siefp.base_siefp_gpa = 0;
	hvt_wrmsr(HVT_SIEFP, siefp.as_uint64);
	/*
	 * SCONTROL stays enabled: the built-in code's synthetic timers, if
	 * any, and the next load of this module share it.
	 */
}

int hvt_synic_cpu_down(unsigned int cpu)
{
	struct vmbus_channel *channel, *sc;
	bool busy = false;

	/*
	 * A CPU that a channel's interrupts are bound to cannot go while
	 * connected: the host would keep signalling it. Module unload has
	 * closed every channel before it gets here.
	 */
	if (vmbus_connection.conn_state == CONNECTED) {
		mutex_lock(&vmbus_connection.channel_mutex);
		list_for_each_entry(channel, &vmbus_connection.chn_list, listentry) {
			if (channel->target_cpu == cpu &&
			    channel->state == CHANNEL_OPENED_STATE)
				busy = true;
			list_for_each_entry(sc, &channel->sc_list, sc_list)
				if (sc->target_cpu == cpu &&
				    sc->state == CHANNEL_OPENED_STATE)
					busy = true;
		}
		mutex_unlock(&vmbus_connection.channel_mutex);
		if (busy || cpu == HVT_CONNECT_CPU)
			return -EBUSY;
	}
	hvt_synic_disable_local();
	return 0;
}

void hvt_isr(void)
{
	struct hvt_cpu *c = this_cpu_ptr(hvt_cpus);
	unsigned long *flags;
	unsigned int w;

	if (unlikely(!c->event_page))
		return;

	/*
	 * Since protocol 2.4 (Windows 8) the host sets the channel's relid bit
	 * in SINT 2's event flags: claim each word, then serve its bits.
	 */
	flags = c->event_page[HVT_SINT].flags;
	for (w = 0; w < HV_EVENT_FLAGS_LONG_COUNT; w++) {
		unsigned long pending;
		unsigned int bit;

		if (!READ_ONCE(flags[w]))
			continue;
		pending = xchg(&flags[w], 0);
		for_each_set_bit(bit, &pending, BITS_PER_LONG) {
			u32 relid = w * BITS_PER_LONG + bit;
			struct vmbus_channel *channel;

			rcu_read_lock();
			channel = hvt_relid2channel(relid);
			if (channel)
				hvt_channel_event(channel);
			rcu_read_unlock();
		}
	}

	if (READ_ONCE(c->msg_page->sint_message[HVT_SINT].header.message_type) !=
	    HVMSG_NONE)
		tasklet_schedule(&c->msg_dpc);

	add_interrupt_randomness(HYPERVISOR_CALLBACK_VECTOR);
}

int hvt_post_msg(const void *msg, size_t len, bool can_sleep)
{
	unsigned int tries;
	u64 status = HV_STATUS_INVALID_PARAMETER;

	if (len > HV_MESSAGE_PAYLOAD_BYTE_COUNT)
		return -EINVAL;

	for (tries = 0; tries < 20; tries++) {
		struct hvt_post_input *in;
		unsigned long flags;

		local_irq_save(flags);
		in = this_cpu_ptr(hvt_cpus)->post_page;
		in->connection_id = vmbus_connection.msg_conn_id;
		in->reserved = 0;
		in->message_type = 1;	/* VMBus channel-management */
		in->payload_size = len;
		memcpy(in->payload, msg, len);
		status = hv_do_hypercall(HVCALL_POST_MESSAGE, in, NULL) &
			 HV_HYPERCALL_RESULT_MASK;
		local_irq_restore(flags);

		switch (status) {
		case HV_STATUS_SUCCESS:
			return 0;
		case HV_STATUS_INSUFFICIENT_MEMORY:
		case HV_STATUS_INSUFFICIENT_BUFFERS:
			/* The host's queue is full: back off and retry. */
			if (can_sleep)
				msleep(min(1U << tries, 1000U));
			else
				udelay(100);
			continue;
		default:
			pr_err_ratelimited(HVT_LOG_PREFIX "HvPostMessage failed: status %llu\n",
					   status);
			return -EIO;
		}
	}
	pr_err_ratelimited(HVT_LOG_PREFIX "HvPostMessage: host out of buffers\n");
	return -EAGAIN;
}
