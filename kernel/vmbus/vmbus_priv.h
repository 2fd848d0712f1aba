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

/*
 * What the stock driver's private header includes, and no more: the
 * MODVERSIONS CRC of an exported symbol covers every type its file can
 * see (see offer.c), so each file adds only what the stock file has.
 */
#include <linux/list.h>
#include <linux/bitops.h>
#include <asm/sync_bitops.h>
#include <asm/hyperv-tlfs.h>
#include <linux/atomic.h>
#include <linux/hyperv.h>
#include <linux/interrupt.h>
/*
 * Not used here, but part of what the stock driver's files see: the
 * symbol CRCs (MODVERSIONS) cover every type visible to the exporting
 * file, and struct module's expansion changes with this header.
 */
#include <linux/tracepoint.h>

#define HVT_LOG_PREFIX "hv_vmbus: "

struct kvec;

/* offer.c: the device classes, indexed by enum vmbus_device_type. */
extern const struct vmbus_device vmbus_devs[];

#include "vmbus_abi.h"

#define HVT_SINT		2	/* VMBus messages and channel events */
#define HVT_MAX_RELIDS		HV_EVENT_FLAGS_COUNT	/* one event bit each */
#define HVT_CONNECT_CPU		0	/* where the connection's messages go */
#define HVT_MSG_TIMEOUT		(30 * HZ)	/* a host reply we wait for */


/* ---- synic.c ------------------------------------------------------------ */

struct hvt_cpu {
	struct hv_message_page *msg_page;	/* SIMP */
	union hv_synic_event_flags *event_page;	/* SIEFP: one slot per SINT */
	void *post_page;			/* HvPostMessage input */
	struct tasklet_struct msg_dpc;		/* drains the SINT 2 slot */
};

extern struct hvt_cpu __percpu *hvt_cpus;

int hvt_synic_alloc(void);
void hvt_synic_free(void);
int hvt_synic_cpu_up(unsigned int cpu);
int hvt_synic_cpu_down(unsigned int cpu);
/* Turns this CPU's SynIC off without sleeping (crash, kexec). */
void hvt_synic_disable_local(void);
/* The handler the kernel's Hyper-V callback vector calls. */
void hvt_isr(void);
/*
 * HvPostMessage of @len bytes (<= 240) to the connection's message port.
 * Retries while the host is short of buffers; sleeps between tries only
 * when @can_sleep. 0, or -EAGAIN / -EIO / -ENODEV (not connected).
 */
int hvt_post_msg(const void *msg, size_t len, bool can_sleep);

/* ---- conn.c ------------------------------------------------------------- */

/*
 * A thread waiting for one host reply: the reply of @type that carries
 * @key (the relid, or the GPADL handle for the GPADL replies; nothing for
 * VERSION_RESPONSE and UNLOAD_RESPONSE). Set @relid before arming (or
 * INVALID_RELID). Replies nobody waits for are logged and dropped.
 */
struct hvt_waiter {
	struct list_head node;
	u32 type;
	u32 key;
	u32 relid;		/* cancelled by this channel's rescind */
	struct completion done;
	bool cancelled;		/* the channel was rescinded */
	u32 len;
	u8 reply[HV_MESSAGE_PAYLOAD_BYTE_COUNT];
};

void hvt_waiter_arm(struct hvt_waiter *w, u32 type, u32 key);
/*
 * Waits for the reply (removing @w from the list in every case): 0, or
 * -ENODEV when @relid's channel was rescinded meanwhile, -ETIMEDOUT.
 */
int hvt_waiter_wait(struct hvt_waiter *w, unsigned long timeout);
void hvt_waiter_disarm(struct hvt_waiter *w);
/* Wakes every waiter for @relid with -ENODEV (rescind). */
void hvt_waiters_cancel(u32 relid);

int hvt_connect(void);
/* UNLOAD: the host forgets every channel (module exit, kexec, crash). */
void hvt_unload(bool crash);
void hvt_disconnect(void);
void hvt_msg_dpc(unsigned long data);
/* REQUESTOFFERS, then waits for ALLOFFERS_DELIVERED and their devices. */
int hvt_request_offers(void);

/* ---- chan.c ------------------------------------------------------------- */

void hvt_handle_offer(const void *msg, u32 len);
void hvt_handle_rescind(const void *msg, u32 len);
void hvt_handle_alloffers(void);
/* The channel of @relid, under rcu_read_lock or channel_mutex. */
struct vmbus_channel *hvt_relid2channel(u32 relid);
/* An event for @channel arrived: run or schedule its callback. */
void hvt_channel_event(struct vmbus_channel *channel);
/* Frees every channel (module exit, after UNLOAD). */
void hvt_channels_free_all(void);
/* MODIFYCHANNEL to @cpu, for the channel's sysfs "cpu" attribute. */
int hvt_channel_set_cpu(struct vmbus_channel *channel, u32 cpu);
/* The device's release: the channel goes with it. */
void hvt_channel_device_gone(struct vmbus_channel *channel);
/*
 * Frees the channel's memory after an RCU grace period. For a channel whose
 * kobject was added (hvt_channel_kobj_add) the kobject's release calls it;
 * for any other, chan.c does.
 */
void hvt_channel_release_mem(struct vmbus_channel *channel);
extern struct completion hvt_alloffers_done;

/* Unlinks and frees a channel and its subchannels; channel_mutex held. */
void hvt_channel_remove_locked(struct vmbus_channel *channel);

/* ---- main.c ------------------------------------------------------------- */

extern struct bus_type hvt_bus;
/* Creates and registers the device of a primary channel. */
int hvt_device_add(struct vmbus_channel *channel);
/* Exported (uio_hv_generic, hv_sock); the stock driver declares it privately. */
void vmbus_device_unregister(struct hv_device *device_obj);

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

/* ---- sysfs.c ------------------------------------------------------------ */

/*
 * The attribute groups of every VMBus device (the bus type's dev_groups)
 * and of every driver (drv_groups: new_id, remove_id), as the stock driver
 * has them under /sys/bus/vmbus/.
 */
extern const struct attribute_group *hvt_dev_groups[];
extern const struct attribute_group *hvt_drv_groups[];

/*
 * A driver's ids added through new_id: the entry matching @guid, else NULL.
 * main.c's match and probe consult it after the driver's own id_table.
 * The returned entry lives until remove_id or driver unregistration.
 */
const struct hv_vmbus_device_id *hvt_dynid_match(struct hv_driver *drv, const guid_t *guid);
/* Frees every dynamic id of @drv (driver unregistration). */
void hvt_dynids_free(struct hv_driver *drv);

/*
 * channels/<relid>/ under the device, with the per-channel attributes
 * (ring sizes and state, cpu, pending/interrupt counts...). chan.c adds it
 * when a channel (primary or sub) is opened... as the stock driver does:
 * for the primary when the device registers, for a subchannel when it is
 * offered. _del undoes it; it is safe on a channel never added.
 */
int hvt_channel_kobj_add(struct hv_device *dev, struct vmbus_channel *channel);
void hvt_channel_kobj_del(struct vmbus_channel *channel);

/* debugfs: /sys/kernel/debug/hyperv/<device>/ with channel state. */
void hvt_debugfs_init(void);
void hvt_debugfs_exit(void);
void hvt_debugfs_add_device(struct hv_device *dev);
void hvt_debugfs_remove_device(struct hv_device *dev);

/*
 * The bus type's bus_groups: /sys/bus/vmbus/hibernation ("1" when the host
 * lets this VM hibernate), the one bus attribute of the stock driver.
 */
extern const struct attribute_group *hvt_bus_groups[];

#include <linux/version.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
/*
 * Exported for 6.12's uio_hv_generic, which declares them in the stock
 * driver's private header (not in <linux/hyperv.h>): they show and hide
 * channels/<relid>/ring, mapped by @hv_mmap_ring_buffer. The prototypes
 * must stay exactly these, the MODVERSIONS CRCs are computed from them.
 */
int hv_create_ring_sysfs(struct vmbus_channel *channel,
			 int (*hv_mmap_ring_buffer)(struct vmbus_channel *channel,
						    struct vm_area_struct *vma));
int hv_remove_ring_sysfs(struct vmbus_channel *channel);
#endif

/* ---- ring.c (additions) -------------------------------------------------- */

/*
 * Initializes both rings' ring_buffer_mutex and ring_lock. chan.c calls it
 * once when it allocates a channel, before the channel is visible (sysfs may
 * call hv_ringbuffer_get_debuginfo() on a channel that was never opened).
 */
void hvt_ringbuffer_pre_init(struct vmbus_channel *channel);

#endif /* HVT_VMBUS_PRIV_H */
