/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * RNDIS as the Hyper-V synthetic NIC speaks it inside NVSP SEND_RNDIS_PKT
 * (nvsp.h): control requests and completions, data packets with their
 * per-packet info (PPI), status indications, and the NDIS objects carried
 * by the OIDs that Linux's netvsc queries and sets (offload capabilities and
 * parameters, receive-side scaling).
 *
 * Every message is struct rndis_msg_header followed by its body; msg_len
 * covers both.  Offsets inside a body (info_buf_offset, data_offset,
 * per_pkt_info_offset, ...) count from the start of the body, i.e. right
 * after the 8-byte header.  All integers are little endian.
 */
#ifndef _HYPERV_RNDIS_H
#define _HYPERV_RNDIS_H

#include "compiler.h"

/* Message types; a completion is its request's type | RNDIS_MSG_COMPLETION. */
#define RNDIS_MSG_PACKET		0x00000001u
#define RNDIS_MSG_INIT			0x00000002u
#define RNDIS_MSG_HALT			0x00000003u
#define RNDIS_MSG_QUERY			0x00000004u
#define RNDIS_MSG_SET			0x00000005u
#define RNDIS_MSG_RESET			0x00000006u
#define RNDIS_MSG_INDICATE		0x00000007u
#define RNDIS_MSG_KEEPALIVE		0x00000008u
#define RNDIS_MSG_COMPLETION		0x80000000u
#define RNDIS_MSG_INIT_C		(RNDIS_MSG_INIT | RNDIS_MSG_COMPLETION)
#define RNDIS_MSG_QUERY_C		(RNDIS_MSG_QUERY | RNDIS_MSG_COMPLETION)
#define RNDIS_MSG_SET_C			(RNDIS_MSG_SET | RNDIS_MSG_COMPLETION)
#define RNDIS_MSG_RESET_C		(RNDIS_MSG_RESET | RNDIS_MSG_COMPLETION)
#define RNDIS_MSG_KEEPALIVE_C		(RNDIS_MSG_KEEPALIVE | RNDIS_MSG_COMPLETION)

/* Status codes (NDIS_STATUS) */
#define RNDIS_STATUS_SUCCESS		0x00000000u
#define RNDIS_STATUS_PENDING		0x00000103u
#define RNDIS_STATUS_BUFFER_OVERFLOW	0x80000005u
#define RNDIS_STATUS_FAILURE		0xc0000001u
#define RNDIS_STATUS_RESOURCES		0xc000009au
#define RNDIS_STATUS_NOT_SUPPORTED	0xc00000bbu
#define RNDIS_STATUS_INVALID_LENGTH	0xc0010014u
#define RNDIS_STATUS_INVALID_DATA	0xc0010015u
#define RNDIS_STATUS_INVALID_OID	0xc0010017u
/* Indications (RNDIS_MSG_INDICATE status) */
#define RNDIS_STATUS_MEDIA_CONNECT	0x4001000bu
#define RNDIS_STATUS_MEDIA_DISCONNECT	0x4001000cu
#define RNDIS_STATUS_LINK_SPEED_CHANGE	0x40010013u
#define RNDIS_STATUS_NETWORK_CHANGE	0x40010018u

#define RNDIS_MAJOR_VERSION		1u
#define RNDIS_MINOR_VERSION		0u

struct rndis_msg_header {
	__u32 msg_type;			/* RNDIS_MSG_* */
	__u32 msg_len;			/* header included */
} __packed;
HV_WIRE_SIZE(struct rndis_msg_header, 8);

struct rndis_init_request {
	__u32 req_id;
	__u32 major_ver;
	__u32 minor_ver;
	__u32 max_xfer_size;
} __packed;
HV_WIRE_SIZE(struct rndis_init_request, 16);

#define RNDIS_DF_CONNECTIONLESS		0x00000001u
#define RNDIS_MEDIUM_802_3		0x00000000u

/*
 * The guest batches at most max_pkt_per_msg data messages in one send
 * section, each aligned to 1 << pkt_alignment_factor bytes.
 */
struct rndis_init_complete {
	__u32 req_id;
	__u32 status;
	__u32 major_ver;
	__u32 minor_ver;
	__u32 dev_flags;		/* RNDIS_DF_* */
	__u32 medium;			/* RNDIS_MEDIUM_* */
	__u32 max_pkt_per_msg;
	__u32 max_xfer_size;
	__u32 pkt_alignment_factor;
	__u32 af_list_offset;
	__u32 af_list_size;
} __packed;
HV_WIRE_SIZE(struct rndis_init_complete, 44);

/* HALT has no completion. */
struct rndis_halt_request {
	__u32 req_id;
} __packed;
HV_WIRE_SIZE(struct rndis_halt_request, 4);

struct rndis_query_request {
	__u32 req_id;
	__u32 oid;			/* RNDIS_OID_* / OID_* */
	__u32 info_buflen;		/* input object (NDIS header), if any */
	__u32 info_buf_offset;
	__u32 dev_vc_handle;
} __packed;
HV_WIRE_SIZE(struct rndis_query_request, 20);

struct rndis_query_complete {
	__u32 req_id;
	__u32 status;
	__u32 info_buflen;
	__u32 info_buf_offset;
} __packed;
HV_WIRE_SIZE(struct rndis_query_complete, 16);

struct rndis_set_request {
	__u32 req_id;
	__u32 oid;
	__u32 info_buflen;
	__u32 info_buf_offset;
	__u32 dev_vc_handle;
} __packed;
HV_WIRE_SIZE(struct rndis_set_request, 20);

struct rndis_set_complete {
	__u32 req_id;
	__u32 status;
} __packed;
HV_WIRE_SIZE(struct rndis_set_complete, 8);

struct rndis_reset_request {
	__u32 reserved;
} __packed;
HV_WIRE_SIZE(struct rndis_reset_request, 4);

struct rndis_reset_complete {
	__u32 status;
	__u32 addressing_reset;
} __packed;
HV_WIRE_SIZE(struct rndis_reset_complete, 8);

struct rndis_indicate_status {
	__u32 status;			/* RNDIS_STATUS_MEDIA_* ... */
	__u32 status_buflen;
	__u32 status_buf_offset;
} __packed;
HV_WIRE_SIZE(struct rndis_indicate_status, 12);

struct rndis_keepalive_request {
	__u32 req_id;
} __packed;
HV_WIRE_SIZE(struct rndis_keepalive_request, 4);

struct rndis_keepalive_complete {
	__u32 req_id;
	__u32 status;
} __packed;
HV_WIRE_SIZE(struct rndis_keepalive_complete, 8);

/* Data message; the frame is data_len bytes at data_offset. */
struct rndis_packet {
	__u32 data_offset;
	__u32 data_len;
	__u32 oob_data_offset;
	__u32 oob_data_len;
	__u32 num_oob_data_elements;
	__u32 per_pkt_info_offset;
	__u32 per_pkt_info_len;
	__u32 vc_handle;
	__u32 reserved;
} __packed;
HV_WIRE_SIZE(struct rndis_packet, 36);

/* Header + packet body: where the PPIs of a data message start. */
#define RNDIS_PACKET_HEADER_SIZE \
	(sizeof(struct rndis_msg_header) + sizeof(struct rndis_packet))

/*
 * Per-packet info element; its data is at ppi_offset from the element's
 * start, and size covers the element (header and data).
 */
struct rndis_ppi {
	__u32 size;
	__u32 type;			/* RNDIS_PPI_* | RNDIS_PPI_INTERNAL */
	__u32 ppi_offset;
} __packed;
HV_WIRE_SIZE(struct rndis_ppi, 12);

#define RNDIS_PPI_INTERNAL		0x80000000u	/* type bit 31 */
#define RNDIS_PPI_TYPE_MASK		0x7fffffffu

/* enum ndis_per_pkt_info_type */
#define RNDIS_PPI_TCPIP_CHKSUM		0u
#define RNDIS_PPI_IPSEC			1u
#define RNDIS_PPI_TCP_LARGESEND		2u
#define RNDIS_PPI_CLASSIFICATION_HANDLE	3u
#define RNDIS_PPI_SG_LIST		5u
#define RNDIS_PPI_IEEE_8021Q		6u
#define RNDIS_PPI_ORIGINAL		7u
#define RNDIS_PPI_NBL_HASH_VALUE	8u
#define RNDIS_PPI_ORIGINAL_NET_BUFLIST	9u
#define RNDIS_PPI_CACHED_NET_BUFLIST	10u
#define RNDIS_PPI_SHORT_PKT_PADINFO	11u
/* internal (RNDIS_PPI_INTERNAL) type 1: receive-coalescing fragment id */
#define RNDIS_PPI_INTERNAL_PKTINFO_ID	1u

/*
 * TCPIP_CHKSUM data (struct ndis_tcp_ip_checksum_info, one __u32):
 * transmit requests from the guest, receive results from the host.
 */
#define NDIS_TXCSUM_IS_IPV4		(1u << 0)
#define NDIS_TXCSUM_IS_IPV6		(1u << 1)
#define NDIS_TXCSUM_TCP			(1u << 2)
#define NDIS_TXCSUM_UDP			(1u << 3)
#define NDIS_TXCSUM_IP_HEADER		(1u << 4)
#define NDIS_TXCSUM_TCP_OFFSET_SHIFT	16
#define NDIS_TXCSUM_TCP_OFFSET_MASK	0x3ffu

#define NDIS_RXCSUM_TCP_FAILED		(1u << 0)
#define NDIS_RXCSUM_UDP_FAILED		(1u << 1)
#define NDIS_RXCSUM_IP_FAILED		(1u << 2)
#define NDIS_RXCSUM_TCP_SUCCEEDED	(1u << 3)
#define NDIS_RXCSUM_UDP_SUCCEEDED	(1u << 4)
#define NDIS_RXCSUM_IP_SUCCEEDED	(1u << 5)
#define NDIS_RXCSUM_LOOPBACK		(1u << 6)
#define NDIS_RXCSUM_TCP_VALUE_INVALID	(1u << 7)
#define NDIS_RXCSUM_IP_VALUE_INVALID	(1u << 8)

/* TCP_LARGESEND data (struct ndis_tcp_lso_info, one __u32), LSOv2 transmit */
#define NDIS_LSO2_MSS_MASK		0x000fffffu
#define NDIS_LSO2_TCP_OFFSET_SHIFT	20
#define NDIS_LSO2_TCP_OFFSET_MASK	0x3ffu
#define NDIS_LSO_TYPE_V2		(1u << 30)
#define NDIS_LSO2_IPV6			(1u << 31)

/* IEEE_8021Q data (struct ndis_pkt_8021q_info, one __u32) */
#define NDIS_8021Q_PRI_MASK		0x7u
#define NDIS_8021Q_CFI			(1u << 3)
#define NDIS_8021Q_VLANID_SHIFT		4
#define NDIS_8021Q_VLANID_MASK		0xfffu

/* OIDs: general */
#define RNDIS_OID_GEN_SUPPORTED_LIST		0x00010101u
#define RNDIS_OID_GEN_HARDWARE_STATUS		0x00010102u
#define RNDIS_OID_GEN_MEDIA_SUPPORTED		0x00010103u
#define RNDIS_OID_GEN_MEDIA_IN_USE		0x00010104u
#define RNDIS_OID_GEN_MAXIMUM_LOOKAHEAD		0x00010105u
#define RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE	0x00010106u
#define RNDIS_OID_GEN_LINK_SPEED		0x00010107u
#define RNDIS_OID_GEN_TRANSMIT_BLOCK_SIZE	0x0001010au
#define RNDIS_OID_GEN_RECEIVE_BLOCK_SIZE	0x0001010bu
#define RNDIS_OID_GEN_VENDOR_ID			0x0001010cu
#define RNDIS_OID_GEN_VENDOR_DESCRIPTION	0x0001010du
#define RNDIS_OID_GEN_CURRENT_PACKET_FILTER	0x0001010eu
#define RNDIS_OID_GEN_CURRENT_LOOKAHEAD		0x0001010fu
#define RNDIS_OID_GEN_DRIVER_VERSION		0x00010110u
#define RNDIS_OID_GEN_MAXIMUM_TOTAL_SIZE	0x00010111u
#define RNDIS_OID_GEN_MAC_OPTIONS		0x00010113u
#define RNDIS_OID_GEN_MEDIA_CONNECT_STATUS	0x00010114u
#define RNDIS_OID_GEN_MAXIMUM_SEND_PACKETS	0x00010115u
#define RNDIS_OID_GEN_VENDOR_DRIVER_VERSION	0x00010116u
#define RNDIS_OID_GEN_NETWORK_LAYER_ADDRESSES	0x00010118u
#define RNDIS_OID_GEN_TRANSPORT_HEADER_OFFSET	0x00010119u
#define RNDIS_OID_GEN_RNDIS_CONFIG_PARAMETER	0x0001021bu
#define RNDIS_OID_GEN_PHYSICAL_MEDIUM		0x00010202u
#define RNDIS_OID_GEN_FRIENDLY_NAME		0x00020216u
/* OIDs: 802.3 */
#define RNDIS_OID_802_3_PERMANENT_ADDRESS	0x01010101u
#define RNDIS_OID_802_3_CURRENT_ADDRESS		0x01010102u
#define RNDIS_OID_802_3_MULTICAST_LIST		0x01010103u
#define RNDIS_OID_802_3_MAXIMUM_LIST_SIZE	0x01010104u
/* OIDs: NDIS 6 offload and receive-side scaling */
#define OID_GEN_RECEIVE_SCALE_CAPABILITIES	0x00010203u	/* query */
#define OID_GEN_RECEIVE_SCALE_PARAMETERS	0x00010204u	/* query, set */
#define OID_OFFLOAD_ENCAPSULATION		0x0101010au
#define OID_TCP_OFFLOAD_CURRENT_CONFIG		0xfc01020bu	/* query */
#define OID_TCP_OFFLOAD_PARAMETERS		0xfc01020cu	/* set */
#define OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES	0xfc01020du	/* query */

/* RNDIS_OID_GEN_MEDIA_CONNECT_STATUS values */
#define RNDIS_MEDIA_STATE_CONNECTED	0u
#define RNDIS_MEDIA_STATE_DISCONNECTED	1u

/* RNDIS_OID_GEN_CURRENT_PACKET_FILTER bits */
#define NDIS_PACKET_TYPE_DIRECTED	0x00000001u
#define NDIS_PACKET_TYPE_MULTICAST	0x00000002u
#define NDIS_PACKET_TYPE_ALL_MULTICAST	0x00000004u
#define NDIS_PACKET_TYPE_BROADCAST	0x00000008u
#define NDIS_PACKET_TYPE_PROMISCUOUS	0x00000020u

/*
 * RNDIS_OID_GEN_RNDIS_CONFIG_PARAMETER (set): a named parameter; name and
 * value offsets count from the start of this structure, lengths in bytes.
 * Linux sets "NetworkAddress" to 12 UTF-16LE hex digits.
 */
struct rndis_config_parameter_info {
	__u32 parameter_name_offset;
	__u32 parameter_name_length;
	__u32 parameter_type;		/* RNDIS_CONFIG_PARAM_TYPE_* */
	__u32 parameter_value_offset;
	__u32 parameter_value_length;
} __packed;
HV_WIRE_SIZE(struct rndis_config_parameter_info, 20);

#define RNDIS_CONFIG_PARAM_TYPE_INTEGER	0u
#define RNDIS_CONFIG_PARAM_TYPE_STRING	2u

/* NDIS object header that starts every NDIS 6 structure below. */
struct ndis_object_header {
	__u8 type;
	__u8 revision;
	__u16 size;
} __packed;
HV_WIRE_SIZE(struct ndis_object_header, 4);

#define NDIS_OBJECT_TYPE_DEFAULT		0x80
#define NDIS_OBJECT_TYPE_RSS_CAPABILITIES	0x88
#define NDIS_OBJECT_TYPE_RSS_PARAMETERS		0x89
#define NDIS_OBJECT_TYPE_OFFLOAD		0xa7

/* ---- OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES: struct ndis_offload ---- */

#define NDIS_OFFLOAD_REVISION_1		1	/* NDIS 6.0 */
#define NDIS_OFFLOAD_REVISION_2		2	/* NDIS 6.1 */
#define NDIS_OFFLOAD_REVISION_3		3	/* NDIS 6.30 */

/* encapsulation bits of the *_encap / *_txenc / *_rxenc fields */
#define NDIS_OFFLOAD_ENCAP_NONE		0x0000u
#define NDIS_OFFLOAD_ENCAP_NULL		0x0001u
#define NDIS_OFFLOAD_ENCAP_8023		0x0002u
#define NDIS_OFFLOAD_ENCAP_8023PQ	0x0004u
#define NDIS_OFFLOAD_ENCAP_8023PQ_OOB	0x0008u
#define NDIS_OFFLOAD_ENCAP_RFC1483	0x0010u

/* checksum capability bits (ip4_txcsum ... ip6_rxcsum) */
#define NDIS_CSUM_CAP_IP_OPTIONS	0x001u	/* IPv6: extension headers */
#define NDIS_CSUM_CAP_TCP_OPTIONS	0x004u
#define NDIS_CSUM_CAP_TCP		0x010u
#define NDIS_CSUM_CAP_UDP		0x040u
#define NDIS_CSUM_CAP_IP4		0x100u

struct ndis_csum_offload {
	__u32 ip4_txenc;
	__u32 ip4_txcsum;
	__u32 ip4_rxenc;
	__u32 ip4_rxcsum;
	__u32 ip6_txenc;
	__u32 ip6_txcsum;
	__u32 ip6_rxenc;
	__u32 ip6_rxcsum;
} __packed;
HV_WIRE_SIZE(struct ndis_csum_offload, 32);

struct ndis_lsov1_offload {
	__u32 encap;
	__u32 maxsize;
	__u32 minsegs;
	__u32 opts;
} __packed;
HV_WIRE_SIZE(struct ndis_lsov1_offload, 16);

struct ndis_ipsecv1_offload {
	__u32 encap;
	__u32 ah_esp;
	__u32 xport_tun;
	__u32 ip4_opts;
	__u32 flags;
	__u32 ip4_ah;
	__u32 ip4_esp;
} __packed;
HV_WIRE_SIZE(struct ndis_ipsecv1_offload, 28);

#define NDIS_LSOV2_CAP_IP6_EXT		0x001u
#define NDIS_LSOV2_CAP_TCP6_OPTIONS	0x004u

struct ndis_lsov2_offload {
	__u32 ip4_encap;
	__u32 ip4_maxsz;
	__u32 ip4_minsg;
	__u32 ip6_encap;
	__u32 ip6_maxsz;
	__u32 ip6_minsg;
	__u32 ip6_opts;			/* NDIS_LSOV2_CAP_* */
} __packed;
HV_WIRE_SIZE(struct ndis_lsov2_offload, 28);

struct ndis_ipsecv2_offload {
	__u32 encap;
	__u8 ip6;
	__u8 ip4opt;
	__u8 ip6ext;
	__u8 ah;
	__u8 esp;
	__u8 ah_esp;
	__u8 xport;
	__u8 tun;
	__u8 xport_tun;
	__u8 lso;
	__u8 extseq;
	__u8 reserved;
	__u32 udp_esp;
	__u32 auth;
	__u32 crypto;
	__u32 sa_caps;
} __packed;
HV_WIRE_SIZE(struct ndis_ipsecv2_offload, 32);

struct ndis_rsc_offload {
	__u8 ip4;
	__u8 ip6;
	__u8 reserved[2];
} __packed;
HV_WIRE_SIZE(struct ndis_rsc_offload, 4);

struct ndis_encap_offload {
	__u32 flags;
	__u32 maxhdr;
} __packed;
HV_WIRE_SIZE(struct ndis_encap_offload, 8);

struct ndis_offload {
	struct ndis_object_header header;
	struct ndis_csum_offload csum;
	struct ndis_lsov1_offload lsov1;
	struct ndis_ipsecv1_offload ipsecv1;
	struct ndis_lsov2_offload lsov2;
	__u32 flags;
	/* revision 2 (NDIS 6.1) and later */
	struct ndis_ipsecv2_offload ipsecv2;
	/* revision 3 (NDIS 6.30) and later */
	struct ndis_rsc_offload rsc;
	struct ndis_encap_offload encap_gre;
} __packed;
HV_WIRE_SIZE(struct ndis_offload, 156);
HV_WIRE_OFFSET(struct ndis_offload, ipsecv2, 112);
HV_WIRE_OFFSET(struct ndis_offload, rsc, 144);

/* Object sizes by revision (what the guest asks for in the query). */
#define NDIS_OFFLOAD_SIZE_6_0		112
#define NDIS_OFFLOAD_SIZE_6_1		144
#define NDIS_OFFLOAD_SIZE_6_30		156

/* ---- OID_TCP_OFFLOAD_PARAMETERS (set): struct ndis_offload_params ---- */

#define NDIS_OFFLOAD_PARAMETERS_REVISION_1	1
#define NDIS_OFFLOAD_PARAMETERS_REVISION_2	2
#define NDIS_OFFLOAD_PARAMETERS_REVISION_3	3

/* values of the checksum fields; 0 everywhere means "no change" */
#define NDIS_OFFLOAD_PARAMETERS_NO_CHANGE		0
#define NDIS_OFFLOAD_PARAMETERS_TX_RX_DISABLED		1
#define NDIS_OFFLOAD_PARAMETERS_TX_ENABLED_RX_DISABLED	2
#define NDIS_OFFLOAD_PARAMETERS_RX_ENABLED_TX_DISABLED	3
#define NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED		4
/* values of the LSO and RSC fields */
#define NDIS_OFFLOAD_PARAMETERS_LSOV2_DISABLED		1
#define NDIS_OFFLOAD_PARAMETERS_LSOV2_ENABLED		2
#define NDIS_OFFLOAD_PARAMETERS_RSC_DISABLED		1
#define NDIS_OFFLOAD_PARAMETERS_RSC_ENABLED		2

struct ndis_offload_params {
	struct ndis_object_header header;
	__u8 ip_v4_csum;
	__u8 tcp_ip_v4_csum;
	__u8 udp_ip_v4_csum;
	__u8 tcp_ip_v6_csum;
	__u8 udp_ip_v6_csum;
	__u8 lso_v1;
	__u8 ip_sec_v1;
	__u8 lso_v2_ipv4;
	__u8 lso_v2_ipv6;
	__u8 tcp_connection_ip_v4;
	__u8 tcp_connection_ip_v6;
	__u8 reserved;
	__u32 flags;
	/* revision 2 */
	__u8 ip_sec_v2;
	__u8 ip_sec_v2_ip_v4;
	/* revision 3 */
	__u8 rsc_ip_v4;
	__u8 rsc_ip_v6;
	__u8 encapsulated_packet_task_offload;
	__u8 encapsulation_types;
	__u8 reserved2[2];
} __packed;
HV_WIRE_SIZE(struct ndis_offload_params, 28);
HV_WIRE_OFFSET(struct ndis_offload_params, flags, 16);

/* What NVSP v4 and older guests send (up to ip_sec_v2_ip_v4). */
#define NDIS_OFFLOAD_PARAMS_SIZE_V4	22

/* ---- receive-side scaling ---- */

#define NDIS_RECEIVE_SCALE_CAPABILITIES_REVISION_2	2
#define NDIS_RECEIVE_SCALE_PARAMETERS_REVISION_2	2

/* cap_flag bits */
#define NDIS_RSS_CAPS_MESSAGE_SIGNALED_INTERRUPTS	0x01000000u
#define NDIS_RSS_CAPS_CLASSIFICATION_AT_ISR		0x02000000u
#define NDIS_RSS_CAPS_CLASSIFICATION_AT_DPC		0x04000000u
#define NDIS_RSS_CAPS_USING_MSI_X			0x08000000u
#define NDIS_RSS_CAPS_RSS_AVAILABLE_ON_PORTS		0x10000000u
#define NDIS_RSS_CAPS_SUPPORTS_MSI_X			0x20000000u
#define NDIS_RSS_CAPS_HASH_TYPE_TCP_IPV4		0x00000100u
#define NDIS_RSS_CAPS_HASH_TYPE_TCP_IPV6		0x00000200u
#define NDIS_RSS_CAPS_HASH_TYPE_TCP_IPV6_EX		0x00000400u

/* OID_GEN_RECEIVE_SCALE_CAPABILITIES (query) */
struct ndis_recv_scale_cap {
	struct ndis_object_header hdr;
	__u32 cap_flag;
	__u32 num_int_msg;
	__u32 num_recv_que;		/* 1 + the subchannels the host offers */
	__u16 num_indirect_tabent;
} __packed;
HV_WIRE_SIZE(struct ndis_recv_scale_cap, 18);

/* flag bits of struct ndis_recv_scale_param */
#define NDIS_RSS_PARAM_FLAG_BASE_CPU_UNCHANGED	0x0001u
#define NDIS_RSS_PARAM_FLAG_HASH_INFO_UNCHANGED	0x0002u
#define NDIS_RSS_PARAM_FLAG_ITABLE_UNCHANGED	0x0004u
#define NDIS_RSS_PARAM_FLAG_HASH_KEY_UNCHANGED	0x0008u
#define NDIS_RSS_PARAM_FLAG_DISABLE_RSS		0x0010u

/* hashinfo: function and hash types */
#define NDIS_HASH_FUNC_TOEPLITZ		0x00000001u
#define NDIS_HASH_FUNC_MASK		0x000000ffu
#define NDIS_HASH_IPV4			0x00000100u
#define NDIS_HASH_TCP_IPV4		0x00000200u
#define NDIS_HASH_IPV6			0x00000400u
#define NDIS_HASH_IPV6_EX		0x00000800u
#define NDIS_HASH_TCP_IPV6		0x00001000u
#define NDIS_HASH_TCP_IPV6_EX		0x00002000u

#define NDIS_RSS_HASH_KEY_SIZE_MAX	40
#define NDIS_RSS_INDIRECTION_TABLE_MAX	128	/* entries, revision 2 */

/*
 * OID_GEN_RECEIVE_SCALE_PARAMETERS (set): the indirection table (__u32
 * channel numbers) and the hash key are at offsets from the start of this
 * structure, sizes in bytes.
 */
struct ndis_recv_scale_param {
	struct ndis_object_header hdr;
	__u16 flag;			/* NDIS_RSS_PARAM_FLAG_* */
	__u16 base_cpu_number;
	__u32 hashinfo;			/* NDIS_HASH_* */
	__u16 indirect_tabsize;
	__u16 reserved1;
	__u32 indirect_taboffset;
	__u16 hashkey_size;
	__u16 reserved2;
	__u32 hashkey_offset;
	__u32 processor_masks_offset;
	__u32 num_processor_masks;
	__u32 processor_masks_entry_size;
} __packed;
HV_WIRE_SIZE(struct ndis_recv_scale_param, 40);
HV_WIRE_OFFSET(struct ndis_recv_scale_param, indirect_taboffset, 16);
HV_WIRE_OFFSET(struct ndis_recv_scale_param, hashkey_offset, 24);

#endif /* _HYPERV_RNDIS_H */
