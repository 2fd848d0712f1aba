/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * NVSP: the network VSP protocol on the synthetic NIC's VMBus channels.
 *
 * Every message is an in-band (or GPA-direct, or transfer-page) packet whose
 * payload starts with struct nvsp_msg_header.  The guest (VSC) opens the
 * primary channel, negotiates a protocol version with INIT (one version per
 * attempt, newest first), reports its NDIS version and (v2+) its NDIS
 * configuration, then hands the host a receive buffer and a send buffer as
 * GPADLs.  RNDIS messages (rndis.h) then travel inside SEND_RNDIS_PKT:
 * guest -> host from a send-buffer section or from page buffers (GPA
 * direct), host -> guest as transfer-page packets that point into the
 * receive buffer.  Requests that want an answer set the VMBus "completion
 * requested" flag; the answer is a completion packet with the same
 * transaction id carrying the *_COMPLETE message.
 */
#ifndef _HYPERV_NVSP_H
#define _HYPERV_NVSP_H

#include "compiler.h"

/* Protocol versions (struct nvsp_msg_init), as the guest offers them. */
#define NVSP_PROTOCOL_VERSION_1		0x00000002u
#define NVSP_PROTOCOL_VERSION_2		0x00030002u
#define NVSP_PROTOCOL_VERSION_4		0x00040000u
#define NVSP_PROTOCOL_VERSION_5		0x00050000u
#define NVSP_PROTOCOL_VERSION_6		0x00060000u
#define NVSP_PROTOCOL_VERSION_61	0x00060001u

/* NDIS versions the guest reports with SEND_NDIS_VER (major << 16 | minor). */
#define NVSP_NDIS_VERSION_6_1		0x00060001u
#define NVSP_NDIS_VERSION_6_30		0x0006001eu

enum nvsp_msg_type {
	NVSP_MSG_TYPE_NONE			= 0,
	NVSP_MSG_TYPE_INIT			= 1,
	NVSP_MSG_TYPE_INIT_COMPLETE		= 2,

	/* version 1 */
	NVSP_MSG1_TYPE_SEND_NDIS_VER		= 100,
	NVSP_MSG1_TYPE_SEND_RECV_BUF		= 101,
	NVSP_MSG1_TYPE_SEND_RECV_BUF_COMPLETE	= 102,
	NVSP_MSG1_TYPE_REVOKE_RECV_BUF		= 103,
	NVSP_MSG1_TYPE_SEND_SEND_BUF		= 104,
	NVSP_MSG1_TYPE_SEND_SEND_BUF_COMPLETE	= 105,
	NVSP_MSG1_TYPE_REVOKE_SEND_BUF		= 106,
	NVSP_MSG1_TYPE_SEND_RNDIS_PKT		= 107,
	NVSP_MSG1_TYPE_SEND_RNDIS_PKT_COMPLETE	= 108,

	/* version 2 (chimney, VMQ and rx-buffer messages: never used by Linux) */
	NVSP_MSG2_TYPE_SEND_CHIMNEY_DELEGATED_BUF	= 109,
	NVSP_MSG2_TYPE_SEND_CHIMNEY_DELEGATED_BUF_COMP	= 110,
	NVSP_MSG2_TYPE_REVOKE_CHIMNEY_DELEGATED_BUF	= 111,
	NVSP_MSG2_TYPE_RESUME_CHIMNEY_RX_INDICATION	= 112,
	NVSP_MSG2_TYPE_TERMINATE_CHIMNEY		= 113,
	NVSP_MSG2_TYPE_TERMINATE_CHIMNEY_COMP		= 114,
	NVSP_MSG2_TYPE_INDICATE_CHIMNEY_EVENT		= 115,
	NVSP_MSG2_TYPE_SEND_CHIMNEY_PKT			= 116,
	NVSP_MSG2_TYPE_SEND_CHIMNEY_PKT_COMP		= 117,
	NVSP_MSG2_TYPE_POST_CHIMNEY_RECV_REQ		= 118,
	NVSP_MSG2_TYPE_POST_CHIMNEY_RECV_REQ_COMP	= 119,
	NVSP_MSG2_TYPE_ALLOC_RXBUF			= 120,
	NVSP_MSG2_TYPE_ALLOC_RXBUF_COMP			= 121,
	NVSP_MSG2_TYPE_FREE_RXBUF			= 122,
	NVSP_MSG2_TYPE_SEND_VMQ_RNDIS_PKT		= 123,
	NVSP_MSG2_TYPE_SEND_VMQ_RNDIS_PKT_COMP		= 124,
	NVSP_MSG2_TYPE_SEND_NDIS_CONFIG			= 125,
	NVSP_MSG2_TYPE_ALLOC_CHIMNEY_HANDLE		= 126,
	NVSP_MSG2_TYPE_ALLOC_CHIMNEY_HANDLE_COMP	= 127,

	/* version 4 */
	NVSP_MSG4_TYPE_SEND_VF_ASSOCIATION		= 128,
	NVSP_MSG4_TYPE_SWITCH_DATA_PATH			= 129,
	NVSP_MSG4_TYPE_UPLINK_CONNECT_STATE_DEPRECATED	= 130,

	/* version 5 */
	NVSP_MSG5_TYPE_OID_QUERY_EX			= 131,
	NVSP_MSG5_TYPE_OID_QUERY_EX_COMP		= 132,
	NVSP_MSG5_TYPE_SUBCHANNEL			= 133,
	NVSP_MSG5_TYPE_SEND_INDIRECTION_TABLE		= 134,

	/* version 6 (PacketDirect) */
	NVSP_MSG6_TYPE_PD_API				= 135,
	NVSP_MSG6_TYPE_PD_POST_BATCH			= 136,
};

/* Status in every *_COMPLETE message. */
enum nvsp_status {
	NVSP_STAT_NONE			= 0,
	NVSP_STAT_SUCCESS		= 1,
	NVSP_STAT_FAIL			= 2,
	NVSP_STAT_PROTOCOL_TOO_NEW	= 3,
	NVSP_STAT_PROTOCOL_TOO_OLD	= 4,
	NVSP_STAT_INVALID_RNDIS_PKT	= 5,
	NVSP_STAT_BUSY			= 6,
	NVSP_STAT_PROTOCOL_UNSUPPORTED	= 7,
};

struct nvsp_msg_header {
	__u32 msg_type;			/* enum nvsp_msg_type */
} __packed;
HV_WIRE_SIZE(struct nvsp_msg_header, 4);

/* INIT: the guest offers [min, max] (Linux: one version, min == max). */
struct nvsp_msg_init {
	__u32 min_protocol_ver;
	__u32 max_protocol_ver;
} __packed;
HV_WIRE_SIZE(struct nvsp_msg_init, 8);

struct nvsp_msg_init_complete {
	__u32 negotiated_protocol_ver;
	__u32 max_mdl_chain_len;
	__u32 status;			/* enum nvsp_status */
} __packed;
HV_WIRE_SIZE(struct nvsp_msg_init_complete, 12);

/* SEND_NDIS_VER (no answer). */
struct nvsp1_msg_send_ndis_version {
	__u32 ndis_major_ver;
	__u32 ndis_minor_ver;
} __packed;
HV_WIRE_SIZE(struct nvsp1_msg_send_ndis_version, 8);

/*
 * SEND_RECV_BUF: the receive buffer's GPADL and the id the host must put in
 * every transfer-page packet (xfer_pageset_id) that points into it.
 */
struct nvsp1_msg_send_recv_buf {
	__u32 gpadl_handle;
	__u16 id;
} __packed;
HV_WIRE_SIZE(struct nvsp1_msg_send_recv_buf, 6);

/* How the host carves the receive buffer (Linux accepts exactly one). */
struct nvsp1_recv_buf_section {
	__u32 offset;
	__u32 sub_alloc_size;
	__u32 num_sub_allocs;
	__u32 end_offset;
} __packed;
HV_WIRE_SIZE(struct nvsp1_recv_buf_section, 16);

struct nvsp1_msg_send_recv_buf_complete {
	__u32 status;
	__u32 num_sections;
	struct nvsp1_recv_buf_section sections[1];
} __packed;
HV_WIRE_SIZE(struct nvsp1_msg_send_recv_buf_complete, 24);

struct nvsp1_msg_revoke_recv_buf {
	__u16 id;
} __packed;
HV_WIRE_SIZE(struct nvsp1_msg_revoke_recv_buf, 2);

/* SEND_SEND_BUF: the guest sizes the buffer, the host sizes the sections. */
struct nvsp1_msg_send_send_buf {
	__u32 gpadl_handle;
	__u16 id;
} __packed;
HV_WIRE_SIZE(struct nvsp1_msg_send_send_buf, 6);

struct nvsp1_msg_send_send_buf_complete {
	__u32 status;
	__u32 section_size;
} __packed;
HV_WIRE_SIZE(struct nvsp1_msg_send_send_buf_complete, 8);

struct nvsp1_msg_revoke_send_buf {
	__u16 id;
} __packed;
HV_WIRE_SIZE(struct nvsp1_msg_revoke_send_buf, 2);

/* channel_type of SEND_RNDIS_PKT */
#define NVSP_RNDIS_CHANNEL_DATA		0u
#define NVSP_RNDIS_CHANNEL_CONTROL	1u

/* send_buf_section_index when the data did not use the send buffer */
#define NVSP_INVALID_SECTION_INDEX	0xffffffffu

/*
 * SEND_RNDIS_PKT: the RNDIS bytes are the send-buffer section's first
 * send_buf_section_size bytes (when an index is given), followed by the
 * packet's page buffers (GPA direct), if any.
 */
struct nvsp1_msg_send_rndis_pkt {
	__u32 channel_type;
	__u32 send_buf_section_index;
	__u32 send_buf_section_size;
} __packed;
HV_WIRE_SIZE(struct nvsp1_msg_send_rndis_pkt, 12);

struct nvsp1_msg_send_rndis_pkt_complete {
	__u32 status;
} __packed;
HV_WIRE_SIZE(struct nvsp1_msg_send_rndis_pkt_complete, 4);

/* SEND_NDIS_CONFIG capability bits */
#define NVSP_NDIS_CAP_VMQ		(1ull << 0)
#define NVSP_NDIS_CAP_CHIMNEY		(1ull << 1)
#define NVSP_NDIS_CAP_SRIOV		(1ull << 2)
#define NVSP_NDIS_CAP_IEEE8021Q		(1ull << 3)
#define NVSP_NDIS_CAP_CORRELATION_ID	(1ull << 4)
#define NVSP_NDIS_CAP_TEAMING		(1ull << 5)
#define NVSP_NDIS_CAP_VSUBNETID		(1ull << 6)
#define NVSP_NDIS_CAP_RSC		(1ull << 7)

/* SEND_NDIS_CONFIG (v2+, no answer): mtu is the frame size (MTU + 14). */
struct nvsp2_msg_send_ndis_config {
	__u32 mtu;
	__u32 reserved;
	__u64 capability;		/* NVSP_NDIS_CAP_* */
} __packed;
HV_WIRE_SIZE(struct nvsp2_msg_send_ndis_config, 16);

/* SEND_VF_ASSOCIATION (host -> guest): allocated 0 means no VF. */
struct nvsp4_msg_send_vf_association {
	__u32 allocated;
	__u32 serial;
} __packed;
HV_WIRE_SIZE(struct nvsp4_msg_send_vf_association, 8);

#define NVSP_DATAPATH_SYNTHETIC		0u
#define NVSP_DATAPATH_VF		1u

/* SWITCH_DATA_PATH: answered, when asked, by an empty completion. */
struct nvsp4_msg_switch_data_path {
	__u32 active_datapath;
} __packed;
HV_WIRE_SIZE(struct nvsp4_msg_switch_data_path, 4);

#define NVSP_SUBCHANNEL_NONE		0u
#define NVSP_SUBCHANNEL_ALLOCATE	1u

struct nvsp5_msg_subchannel_request {
	__u32 op;			/* NVSP_SUBCHANNEL_* */
	__u32 num_subchannels;
} __packed;
HV_WIRE_SIZE(struct nvsp5_msg_subchannel_request, 8);

/* num_subchannels: what the host will offer (at most what was asked). */
struct nvsp5_msg_subchannel_complete {
	__u32 status;
	__u32 num_subchannels;
} __packed;
HV_WIRE_SIZE(struct nvsp5_msg_subchannel_complete, 8);

/* SEND_INDIRECTION_TABLE (host -> guest): count channel numbers at offset. */
struct nvsp5_msg_send_indirection_table {
	__u32 count;
	__u32 offset;			/* from the start of the NVSP message */
} __packed;
HV_WIRE_SIZE(struct nvsp5_msg_send_indirection_table, 8);

/*
 * The whole message as Linux sends and expects it: the header and a 36-byte
 * body (its largest body is the v6 PacketDirect completion).  Linux checks
 * completions against the sizes of its own bodies, so the host always
 * answers with the full 40 bytes.
 */
#define NVSP_MSG_BODY_SIZE		36

struct nvsp_message {
	struct nvsp_msg_header hdr;
	union {
		struct nvsp_msg_init init;
		struct nvsp_msg_init_complete init_complete;
		struct nvsp1_msg_send_ndis_version send_ndis_ver;
		struct nvsp1_msg_send_recv_buf send_recv_buf;
		struct nvsp1_msg_send_recv_buf_complete send_recv_buf_complete;
		struct nvsp1_msg_revoke_recv_buf revoke_recv_buf;
		struct nvsp1_msg_send_send_buf send_send_buf;
		struct nvsp1_msg_send_send_buf_complete send_send_buf_complete;
		struct nvsp1_msg_revoke_send_buf revoke_send_buf;
		struct nvsp1_msg_send_rndis_pkt send_rndis_pkt;
		struct nvsp1_msg_send_rndis_pkt_complete send_rndis_pkt_complete;
		struct nvsp2_msg_send_ndis_config send_ndis_config;
		struct nvsp4_msg_send_vf_association vf_assoc;
		struct nvsp4_msg_switch_data_path switch_data_path;
		struct nvsp5_msg_subchannel_request subchannel_req;
		struct nvsp5_msg_subchannel_complete subchannel_complete;
		struct nvsp5_msg_send_indirection_table send_table;
		__u8 raw[NVSP_MSG_BODY_SIZE];
	} msg;
} __packed;
HV_WIRE_SIZE(struct nvsp_message, 40);

/* Transfer-page packet (VMBus type 7) header after the packet descriptor. */
struct nvsp_xfer_page_range {
	__u32 byte_count;
	__u32 byte_offset;		/* into the receive buffer */
} __packed;
HV_WIRE_SIZE(struct nvsp_xfer_page_range, 8);

struct nvsp_xfer_page_header {
	__u16 xfer_pageset_id;		/* the id from SEND_RECV_BUF */
	__u8 sender_owns_set;
	__u8 reserved;
	__u32 range_cnt;		/* one RNDIS message per range */
	struct nvsp_xfer_page_range ranges[];
} __packed;
HV_WIRE_SIZE(struct nvsp_xfer_page_header, 8);

/* Linux's defaults for the two buffers (hyperv_net.h) */
#define NVSP_LINUX_RECV_SECTION_SIZE	1728
#define NVSP_LINUX_SEND_SECTION_SIZE	6144

#endif /* _HYPERV_NVSP_H */
