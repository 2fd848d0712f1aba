/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types that other modules see through hv_vmbus's exported data, laid out
 * as the stock driver lays them out.
 *
 * uio_hv_generic includes the stock driver's private header and reads the
 * exported `vmbus_connection` (the interrupt page, the host-to-guest
 * monitor page, the channel mutex). For it to load on this hv_vmbus the
 * structure must have the stock layout, and with MODVERSIONS the symbol's
 * CRC, computed from the declaration, must be the stock one: member names,
 * types and order are therefore fixed here, with everything they refer to.
 * The CRC is checked at build time (kernel/scripts/check-symvers.sh).
 * The layout is the same in 6.1 and 6.12.
 *
 * Only some members are used by this driver; the others stay zero.
 */
#ifndef HVT_VMBUS_ABI_H
#define HVT_VMBUS_ABI_H

#include <linux/list.h>
#include <linux/bitops.h>
#include <asm/sync_bitops.h>
#include <asm/hyperv-tlfs.h>
#include <linux/atomic.h>
#include <linux/hyperv.h>
#include <linux/interrupt.h>

/* One monitor trigger group: 32 pending bits and 32 armed bits. */
union hv_monitor_trigger_group {
	u64 as_uint64;
	struct {
		u32 pending;
		u32 armed;
	};
};

struct hv_monitor_parameter {
	union hv_connection_id connectionid;
	u16 flagnumber;
	u16 rsvdz;
};

union hv_monitor_trigger_state {
	u32 asu32;

	struct {
		u32 group_enable:4;
		u32 rsvdz:28;
	};
};

/* The monitor page (one 4 KiB page) as the TLFS defines it. */
struct hv_monitor_page {
	union hv_monitor_trigger_state trigger_state;
	u32 rsvdz1;

	union hv_monitor_trigger_group trigger_group[4];
	u64 rsvdz2[3];

	s32 next_checktime[4][32];

	u16 latency[4][32];
	u64 rsvdz3[32];

	struct hv_monitor_parameter parameter[4][32];

	u8 rsvdz4[1984];
};

enum vmbus_connect_state {
	DISCONNECTED,
	CONNECTING,
	CONNECTED,
	DISCONNECTING
};

struct vmbus_connection {
	u32 msg_conn_id;

	atomic_t offer_in_progress;

	enum vmbus_connect_state conn_state;

	atomic_t next_gpadl_handle;

	struct completion  unload_event;

	void *int_page;
	void *send_int_page;
	void *recv_int_page;

	struct hv_monitor_page *monitor_pages[2];
	struct list_head chn_msg_list;
	spinlock_t channelmsg_lock;

	struct list_head chn_list;
	struct mutex channel_mutex;

	struct vmbus_channel **channels;

	struct workqueue_struct *work_queue;
	struct workqueue_struct *handle_primary_chan_wq;
	struct workqueue_struct *handle_sub_chan_wq;
	struct workqueue_struct *rescind_work_queue;

	bool ignore_any_offer_msg;

	atomic_t nr_chan_close_on_suspend;
	struct completion ready_for_suspend_event;

	atomic_t nr_chan_fixup_on_resume;
	struct completion ready_for_resume_event;
};

extern struct vmbus_connection vmbus_connection;

#endif /* HVT_VMBUS_ABI_H */
