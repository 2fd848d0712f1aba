/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * VMBus channel ring buffers and device class GUIDs: the layout both ends
 * of a channel share (guest kernel or UIO daemon on one side, the host or
 * hvhost on the other).
 *
 * A channel has two rings, one per direction. Each ring is a 4096-byte
 * control page followed by the data area; indices are byte offsets into
 * the data area, always multiples of 8. A packet is a descriptor, its
 * payload padded to 8 bytes, then an 8-byte trailer holding the packet's
 * start offset in the upper 32 bits. The writer owns write_index and
 * pending_send_sz, the reader owns read_index and interrupt_mask.
 */
#ifndef _HYPERV_VMBUS_H
#define _HYPERV_VMBUS_H

#include "compiler.h"

#define VMBUS_RING_PAGE_SIZE		4096
#define VMBUS_RING_CTL_SIZE		VMBUS_RING_PAGE_SIZE

/* Control page at the start of each ring (struct hv_ring_buffer). */
struct vmbus_ring_ctl {
	__u32 write_index;	/* next byte the writer fills */
	__u32 read_index;	/* next byte the reader consumes */
	__u32 interrupt_mask;	/* reader: 1 = do not signal me on empty -> non-empty */
	__u32 pending_send_sz;	/* writer: signal me once this many bytes are free */
	__u32 reserved1[12];
	__u32 feature_bits;	/* VMBUS_RING_FEAT_* */
	__u8 reserved2[4028];
} __packed;
HV_WIRE_SIZE(struct vmbus_ring_ctl, VMBUS_RING_CTL_SIZE);
HV_WIRE_OFFSET(struct vmbus_ring_ctl, read_index, 4);
HV_WIRE_OFFSET(struct vmbus_ring_ctl, interrupt_mask, 8);
HV_WIRE_OFFSET(struct vmbus_ring_ctl, pending_send_sz, 12);
HV_WIRE_OFFSET(struct vmbus_ring_ctl, feature_bits, 64);

/* feature_bits: the ring's owner honours pending_send_sz (flow control). */
#define VMBUS_RING_FEAT_PENDING_SEND_SZ	0x1u

/* Packet descriptor (struct vmpacket_descriptor). Lengths in 8-byte units. */
struct vmbus_packet_desc {
	__u16 type;		/* VMBUS_PKT_* */
	__u16 offset8;		/* payload offset from the descriptor start */
	__u16 len8;		/* descriptor + payload + padding, trailer excluded */
	__u16 flags;		/* VMBUS_PKT_FLAG_* */
	__u64 trans_id;
} __packed;
HV_WIRE_SIZE(struct vmbus_packet_desc, 16);

/* After every packet: (__u64)start_offset << 32. */
#define VMBUS_PKT_TRAILER_SIZE		8

enum vmbus_packet_type {
	VMBUS_PKT_DATA_INBAND = 6,
	VMBUS_PKT_DATA_XFER_PAGES = 7,
	VMBUS_PKT_DATA_GPA_DIRECT = 9,
	VMBUS_PKT_COMPLETION = 11,
};

#define VMBUS_PKT_FLAG_COMPLETION_REQUESTED	0x1u

/*
 * GUIDs as they appear on the wire (offers, class_id): the first three
 * fields little-endian, the last eight bytes in order.
 */
struct vmbus_guid {
	__u8 b[16];
} __packed;
HV_WIRE_SIZE(struct vmbus_guid, 16);

#define VMBUS_GUID_INIT(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7)			\
	{ { (a) & 0xff, ((a) >> 8) & 0xff, ((a) >> 16) & 0xff, ((a) >> 24) & 0xff,	\
	    (b) & 0xff, ((b) >> 8) & 0xff, (c) & 0xff, ((c) >> 8) & 0xff,		\
	    (d0), (d1), (d2), (d3), (d4), (d5), (d6), (d7) } }

/* Device classes (offer interface type), also as sysfs prints them. */
#define VMBUS_CLASS_NETWORK_STR		"f8615163-df3e-46c5-913f-f2d2f965ed0e"
#define VMBUS_CLASS_SCSI_STR		"ba6163d9-04a1-4d29-b605-72e2ffb1dc7f"
#define VMBUS_CLASS_IDE_STR		"32412632-86cb-44a2-9b5c-50d1417354f5"
#define VMBUS_CLASS_SHUTDOWN_STR	"0e0b6031-5213-4934-818b-38d90ced39db"
#define VMBUS_CLASS_TIMESYNC_STR	"9527e630-d0ae-497b-adce-e80ab0175caf"
#define VMBUS_CLASS_HEARTBEAT_STR	"57164f39-9115-4e78-ab55-382f3bd5422d"
#define VMBUS_CLASS_KVP_STR		"a9a0f4e7-5a45-4d96-b827-8a841e8c03e6"
#define VMBUS_CLASS_VSS_STR		"35fa2e29-ea23-4236-96ae-3a6ebacba440"
#define VMBUS_CLASS_FCOPY_STR		"34d14be3-dee4-41c8-9ae7-6b174977c192"
#define VMBUS_CLASS_DM_STR		"525074dc-8985-46e2-8057-a307dc18a502"

#define VMBUS_CLASS_NETWORK	VMBUS_GUID_INIT(0xf8615163, 0xdf3e, 0x46c5, 0x91, 0x3f, \
						0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e)
#define VMBUS_CLASS_SCSI	VMBUS_GUID_INIT(0xba6163d9, 0x04a1, 0x4d29, 0xb6, 0x05, \
						0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f)
#define VMBUS_CLASS_IDE		VMBUS_GUID_INIT(0x32412632, 0x86cb, 0x44a2, 0x9b, 0x5c, \
						0x50, 0xd1, 0x41, 0x73, 0x54, 0xf5)
#define VMBUS_CLASS_SHUTDOWN	VMBUS_GUID_INIT(0x0e0b6031, 0x5213, 0x4934, 0x81, 0x8b, \
						0x38, 0xd9, 0x0c, 0xed, 0x39, 0xdb)
#define VMBUS_CLASS_TIMESYNC	VMBUS_GUID_INIT(0x9527e630, 0xd0ae, 0x497b, 0xad, 0xce, \
						0xe8, 0x0a, 0xb0, 0x17, 0x5c, 0xaf)
#define VMBUS_CLASS_HEARTBEAT	VMBUS_GUID_INIT(0x57164f39, 0x9115, 0x4e78, 0xab, 0x55, \
						0x38, 0x2f, 0x3b, 0xd5, 0x42, 0x2d)
#define VMBUS_CLASS_KVP		VMBUS_GUID_INIT(0xa9a0f4e7, 0x5a45, 0x4d96, 0xb8, 0x27, \
						0x8a, 0x84, 0x1e, 0x8c, 0x03, 0xe6)
#define VMBUS_CLASS_VSS		VMBUS_GUID_INIT(0x35fa2e29, 0xea23, 0x4236, 0x96, 0xae, \
						0x3a, 0x6e, 0xba, 0xcb, 0xa4, 0x40)
#define VMBUS_CLASS_FCOPY	VMBUS_GUID_INIT(0x34d14be3, 0xdee4, 0x41c8, 0x9a, 0xe7, \
						0x6b, 0x17, 0x49, 0x77, 0xc1, 0x92)
#define VMBUS_CLASS_DM		VMBUS_GUID_INIT(0x525074dc, 0x8985, 0x46e2, 0x80, 0x57, \
						0xa3, 0x07, 0xdc, 0x18, 0xa5, 0x02)

#endif /* _HYPERV_VMBUS_H */
