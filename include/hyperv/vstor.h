/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * VSTOR: the storage protocol of Hyper-V's synthetic SCSI controller (VMBus
 * class ba6163d9-04a1-4d29-b605-72e2ffb1dc7f; the IDE accelerator, class
 * 32412632-86cb-44a2-9b5c-50d1417354f5, speaks it too).
 *
 * Every message is one struct vstor_packet carried in a VMBus packet. The
 * guest opens the primary channel and initialises the controller with
 * BEGIN_INITIALIZATION, QUERY_PROTOCOL_VERSION (newest version first, until
 * one is answered with status 0), QUERY_PROPERTIES and END_INITIALIZATION,
 * each answered by a COMPLETE_IO completion that carries the operation's
 * result in the same packet layout. It may then ask for subchannels
 * (CREATE_SUB_CHANNELS) and sends SCSI commands as EXECUTE_SRB: an in-band
 * packet when there is no data, a GPA-direct packet (the page list of the
 * data buffer) otherwise. The host completes each with COMPLETE_IO carrying
 * the SCSI status, the SRB status, sense data and the bytes transferred,
 * on the channel the request came on. Unsolicited host packets
 * (ENUMERATE_BUS, REMOVE_DEVICE) have transaction id 0 and ask the guest to
 * rescan the bus.
 *
 * The packet size depends on the negotiated protocol version: before WIN8
 * the SRB had no win8_extension, so a packet was VSTOR_PACKET_SIZE_WIN7
 * bytes; from WIN8 on it is sizeof(struct vstor_packet). Old guests sent the
 * short size during initialisation whatever version they asked for, so a
 * host answers each initialisation packet with the size the guest sent.
 */
#ifndef _HYPERV_VSTOR_H
#define _HYPERV_VSTOR_H

#include "compiler.h"

/* struct vmstorage_protocol_version.major_minor: major << 8 | minor */
#define VMSTOR_PROTO_VERSION(major, minor) \
	((__u16)((((major) & 0xff) << 8) | ((minor) & 0xff)))
#define VMSTOR_PROTO_VERSION_MAJOR(v)	(((v) >> 8) & 0xff)
#define VMSTOR_PROTO_VERSION_MINOR(v)	((v) & 0xff)

#define VMSTOR_PROTO_VERSION_WIN6	VMSTOR_PROTO_VERSION(2, 0)
#define VMSTOR_PROTO_VERSION_WIN7	VMSTOR_PROTO_VERSION(4, 2)
#define VMSTOR_PROTO_VERSION_WIN8	VMSTOR_PROTO_VERSION(5, 1)
#define VMSTOR_PROTO_VERSION_WIN8_1	VMSTOR_PROTO_VERSION(6, 0)
#define VMSTOR_PROTO_VERSION_WIN10	VMSTOR_PROTO_VERSION(6, 2)

/* struct vstor_packet.operation */
enum vstor_packet_operation {
	VSTOR_OPERATION_COMPLETE_IO		= 1,
	VSTOR_OPERATION_REMOVE_DEVICE		= 2,
	VSTOR_OPERATION_EXECUTE_SRB		= 3,
	VSTOR_OPERATION_RESET_LUN		= 4,
	VSTOR_OPERATION_RESET_ADAPTER		= 5,
	VSTOR_OPERATION_RESET_BUS		= 6,
	VSTOR_OPERATION_BEGIN_INITIALIZATION	= 7,
	VSTOR_OPERATION_END_INITIALIZATION	= 8,
	VSTOR_OPERATION_QUERY_PROTOCOL_VERSION	= 9,
	VSTOR_OPERATION_QUERY_PROPERTIES	= 10,
	VSTOR_OPERATION_ENUMERATE_BUS		= 11,
	VSTOR_OPERATION_FCHBA_DATA		= 12,
	VSTOR_OPERATION_CREATE_SUB_CHANNELS	= 13,
};

/* struct vstor_packet.flags: the sender wants a COMPLETE_IO back. */
#define VSTOR_FLAG_REQUEST_COMPLETION	0x1u

/*
 * struct vstor_packet.status: NTSTATUS values. Hosts answer a protocol
 * version they do not speak with REVISION_MISMATCH and a request that does
 * not fit the controller's state with INVALID_DEVICE_STATE.
 */
#define VSTOR_STATUS_SUCCESS			0x00000000u
#define VSTOR_STATUS_BUFFER_OVERFLOW		0x80000005u
#define VSTOR_STATUS_DEVICE_BUSY		0x80000011u
#define VSTOR_STATUS_UNSUCCESSFUL		0xC0000001u
#define VSTOR_STATUS_INVALID_PARAMETER		0xC000000Du
#define VSTOR_STATUS_INVALID_DEVICE_REQUEST	0xC0000010u
#define VSTOR_STATUS_REVISION_MISMATCH		0xC0000059u
#define VSTOR_STATUS_DEVICE_NOT_CONNECTED	0xC000009Du
#define VSTOR_STATUS_IO_TIMEOUT			0xC00000B5u
#define VSTOR_STATUS_DEVICE_DOES_NOT_EXIST	0xC00000C0u
#define VSTOR_STATUS_CANCELLED			0xC0000120u
#define VSTOR_STATUS_INVALID_DEVICE_STATE	0xC0000184u
#define VSTOR_STATUS_IO_DEVICE_ERROR		0xC0000185u

/* struct vmscsi_request limits */
#define VMSCSI_MAX_CDB_LEN		16
#define VMSCSI_SENSE_BUFFER_SIZE	20	/* WIN8 and later */
#define VMSCSI_SENSE_BUFFER_SIZE_WIN7	18	/* before WIN8 */

/* struct vmscsi_request.data_in: the direction of the data buffer */
#define VMSCSI_DATA_OUT		0	/* guest to device (write) */
#define VMSCSI_DATA_IN		1	/* device to guest (read) */
#define VMSCSI_DATA_UNKNOWN	2	/* no data */

/*
 * struct vmscsi_request.srb_status: a 6-bit SRB status code and two flag
 * bits. Older Linux storvsc tested the code bits one by one as if they were
 * flags, so a host should stay with codes whose bits do not overlap
 * INVALID_LUN (0x20) unless it means it.
 */
#define SRB_STATUS_AUTOSENSE_VALID	0x80	/* sense_data is valid */
#define SRB_STATUS_QUEUE_FROZEN		0x40
#define SRB_STATUS_CODE(s)		((s) & 0x3f)

#define SRB_STATUS_PENDING		0x00
#define SRB_STATUS_SUCCESS		0x01
#define SRB_STATUS_ABORTED		0x02
#define SRB_STATUS_ABORT_FAILED		0x03
#define SRB_STATUS_ERROR		0x04
#define SRB_STATUS_BUSY			0x05
#define SRB_STATUS_INVALID_REQUEST	0x06
#define SRB_STATUS_INVALID_PATH_ID	0x07
#define SRB_STATUS_NO_DEVICE		0x08
#define SRB_STATUS_TIMEOUT		0x09
#define SRB_STATUS_SELECTION_TIMEOUT	0x0A
#define SRB_STATUS_COMMAND_TIMEOUT	0x0B
#define SRB_STATUS_MESSAGE_REJECTED	0x0D
#define SRB_STATUS_BUS_RESET		0x0E
#define SRB_STATUS_PARITY_ERROR		0x0F
#define SRB_STATUS_REQUEST_SENSE_FAILED	0x10
#define SRB_STATUS_NO_HBA		0x11
#define SRB_STATUS_DATA_OVERRUN		0x12	/* over- and underrun */
#define SRB_STATUS_UNEXPECTED_BUS_FREE	0x13
#define SRB_STATUS_PHASE_SEQUENCE_FAILURE 0x14
#define SRB_STATUS_BAD_SRB_BLOCK_LENGTH	0x15
#define SRB_STATUS_REQUEST_FLUSHED	0x16
#define SRB_STATUS_INVALID_LUN		0x20
#define SRB_STATUS_INVALID_TARGET_ID	0x21
#define SRB_STATUS_BAD_FUNCTION		0x22
#define SRB_STATUS_ERROR_RECOVERY	0x23
#define SRB_STATUS_NOT_POWERED		0x24
#define SRB_STATUS_LINK_DOWN		0x25
#define SRB_STATUS_INTERNAL_ERROR	0x30

/* struct vmscsi_win8_extension.srb_flags */
#define SRB_FLAGS_QUEUE_ACTION_ENABLE		0x00000002u
#define SRB_FLAGS_DISABLE_DISCONNECT		0x00000004u
#define SRB_FLAGS_DISABLE_SYNCH_TRANSFER	0x00000008u
#define SRB_FLAGS_BYPASS_FROZEN_QUEUE		0x00000010u
#define SRB_FLAGS_DISABLE_AUTOSENSE		0x00000020u
#define SRB_FLAGS_DATA_IN			0x00000040u
#define SRB_FLAGS_DATA_OUT			0x00000080u
#define SRB_FLAGS_NO_DATA_TRANSFER		0x00000000u
#define SRB_FLAGS_UNSPECIFIED_DIRECTION	\
	(SRB_FLAGS_DATA_IN | SRB_FLAGS_DATA_OUT)
#define SRB_FLAGS_NO_QUEUE_FREEZE		0x00000100u
#define SRB_FLAGS_ADAPTER_CACHE_ENABLE		0x00000200u
#define SRB_FLAGS_FREE_SENSE_BUFFER		0x00000400u
#define SRB_FLAGS_D3_PROCESSING			0x00000800u
#define SRB_FLAGS_IS_ACTIVE			0x00010000u
#define SRB_FLAGS_ALLOCATED_FROM_ZONE		0x00020000u
#define SRB_FLAGS_SGLIST_FROM_POOL		0x00040000u
#define SRB_FLAGS_BYPASS_LOCKED_QUEUE		0x00080000u
#define SRB_FLAGS_NO_KEEP_AWAKE			0x00100000u
#define SRB_FLAGS_PORT_DRIVER_ALLOCSENSE	0x00200000u
#define SRB_FLAGS_PORT_DRIVER_SENSEHASPORT	0x00400000u
#define SRB_FLAGS_DONT_START_NEXT_PACKET	0x00800000u
#define SRB_FLAGS_PORT_DRIVER_RESERVED		0x0F000000u
#define SRB_FLAGS_CLASS_DRIVER_RESERVED		0xF0000000u

/* struct vmscsi_win8_extension.queue_tag / queue_action */
#define SRB_QUEUE_TAG_UNTAGGED		0xff
#define SRB_SIMPLE_TAG_REQUEST		0x20
#define SRB_HEAD_OF_QUEUE_TAG_REQUEST	0x21
#define SRB_ORDERED_QUEUE_TAG_REQUEST	0x22

/* The part of the SRB added in WIN8. */
struct vmscsi_win8_extension {
	__u16 reserve;
	__u8 queue_tag;
	__u8 queue_action;
	__u32 srb_flags;		/* SRB_FLAGS_* */
	__u32 time_out_value;		/* seconds */
	__u32 queue_sort_key;
} __packed;
HV_WIRE_SIZE(struct vmscsi_win8_extension, 16);

/*
 * A SCSI request block (EXECUTE_SRB) and its completion (COMPLETE_IO): the
 * host rewrites srb_status, scsi_status, sense_info_length, sense_data and
 * data_transfer_length (bytes actually transferred).
 */
struct vmscsi_request {
	__u16 length;			/* sizeof the SRB the sender uses */
	__u8 srb_status;		/* SRB_STATUS_* (completion) */
	__u8 scsi_status;		/* SAM status (completion) */

	__u8 port_number;		/* the guest's host adapter number */
	__u8 path_id;			/* SCSI channel (bus) */
	__u8 target_id;
	__u8 lun;

	__u8 cdb_length;
	__u8 sense_info_length;		/* request: room; completion: valid bytes */
	__u8 data_in;			/* VMSCSI_DATA_* */
	__u8 reserved;

	__u32 data_transfer_length;	/* request: buffer size; completion: done */

	union {
		__u8 cdb[VMSCSI_MAX_CDB_LEN];			/* request */
		__u8 sense_data[VMSCSI_SENSE_BUFFER_SIZE];	/* completion */
		__u8 reserved_array[VMSCSI_SENSE_BUFFER_SIZE];
	};

	struct vmscsi_win8_extension win8_extension;	/* WIN8 and later */
} __packed;
HV_WIRE_SIZE(struct vmscsi_request, 52);
HV_WIRE_OFFSET(struct vmscsi_request, data_transfer_length, 12);
HV_WIRE_OFFSET(struct vmscsi_request, cdb, 16);
HV_WIRE_OFFSET(struct vmscsi_request, win8_extension, 36);

/* Size of the SRB before WIN8 (no win8_extension). */
#define VMSCSI_REQUEST_SIZE_WIN7	36

/* struct vmstorage_channel_properties.flags */
#define STORAGE_CHANNEL_SUPPORTS_MULTI_CHANNEL	0x1u

/* QUERY_PROPERTIES answer. */
struct vmstorage_channel_properties {
	__u32 reserved;
	__u16 max_channel_cnt;		/* subchannels the guest may ask for */
	__u16 reserved1;
	__u32 flags;			/* STORAGE_CHANNEL_SUPPORTS_* */
	__u32 max_transfer_bytes;	/* largest data buffer of one SRB */
	__u64 reserved2;
} __packed;
HV_WIRE_SIZE(struct vmstorage_channel_properties, 24);

/*
 * Properties in the offer's user-defined area (IDE accelerator channels)
 * and in the open message.
 */
#define STORAGE_CHANNEL_REMOVABLE_FLAG		0x1u
#define STORAGE_CHANNEL_EMULATED_IDE_FLAG	0x2u

/* QUERY_PROTOCOL_VERSION request and answer. */
struct vmstorage_protocol_version {
	__u16 major_minor;		/* VMSTOR_PROTO_VERSION() */
	__u16 revision;			/* Windows build revision; 0 */
} __packed;
HV_WIRE_SIZE(struct vmstorage_protocol_version, 4);

/* FCHBA_DATA answer (synthetic Fibre Channel adapters only). */
struct vstor_fc_wwn_packet {
	__u8 primary_active;
	__u8 reserved1[3];
	__u8 primary_port_wwn[8];
	__u8 primary_node_wwn[8];
	__u8 secondary_port_wwn[8];
	__u8 secondary_node_wwn[8];
} __packed;
HV_WIRE_SIZE(struct vstor_fc_wwn_packet, 36);

struct vstor_packet {
	__u32 operation;		/* enum vstor_packet_operation */
	__u32 flags;			/* VSTOR_FLAG_* */
	__u32 status;			/* VSTOR_STATUS_* (completion) */
	union {
		struct vmscsi_request vm_srb;
		struct vmstorage_channel_properties storage_channel_properties;
		struct vmstorage_protocol_version version;
		struct vstor_fc_wwn_packet wwn_packet;
		__u16 sub_channel_count;	/* CREATE_SUB_CHANNELS */
		__u8 buffer[52];
	};
} __packed;
HV_WIRE_SIZE(struct vstor_packet, 64);
HV_WIRE_OFFSET(struct vstor_packet, vm_srb, 12);

/* Header of a packet: operation, flags, status. */
#define VSTOR_PACKET_HEADER_SIZE	12
/* Packet size before WIN8 (the SRB without win8_extension). */
#define VSTOR_PACKET_SIZE_WIN7 \
	(VSTOR_PACKET_HEADER_SIZE + VMSCSI_REQUEST_SIZE_WIN7)

#endif /* _HYPERV_VSTOR_H */
