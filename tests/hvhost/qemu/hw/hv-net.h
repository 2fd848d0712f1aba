/*
 * hvhost: Hyper-V synthetic network adapter (NVSP + RNDIS over VMBus)
 *
 * hv-net.c runs the VMBus channels, NVSP and the receive/send buffers;
 * hv-net-rndis.c answers the RNDIS control messages, builds and parses the
 * per-packet info, and does the receive-side scaling hash.
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */
#ifndef HW_HYPERV_HVHOST_HV_NET_H
#define HW_HYPERV_HVHOST_HV_NET_H

#include "hw/hyperv/vmbus.h"
#include "net/net.h"
#include "qemu/queue.h"
#include "hyperv/nvsp.h"
#include "hyperv/rndis.h"

#define TYPE_HV_NET "hv-net"
OBJECT_DECLARE_SIMPLE_TYPE(HvNet, HV_NET)

/* Channels: the primary and up to 15 subchannels (vRSS). */
#define HV_NET_MAX_QUEUES           16
/* Send-buffer section size the host hands out (what Hyper-V uses). */
#define HV_NET_SEND_SECTION_SIZE    NVSP_LINUX_SEND_SECTION_SIZE
/* The longest RNDIS byte stream one SEND_RNDIS_PKT may carry. */
#define HV_NET_MAX_TX_BYTES         (256 * 1024)
/* Control completions queued for the receive buffer, at most. */
#define HV_NET_MAX_CTL_QUEUED       64
/* Largest segment cut from a large send (headers + MSS). */
#define HV_NET_SEG_BUF              (64 * 1024 + 256)
/* Largest control completion we build. */
#define HV_NET_MAX_CTL_MSG          512
/* RNDIS header + packet + the PPIs the host adds on receive. */
#define HV_NET_RX_PPI_MAX           (2 * (sizeof(struct rndis_ppi) + 4))
#define HV_NET_RX_HDR_MAX           (RNDIS_PACKET_HEADER_SIZE + HV_NET_RX_PPI_MAX)

typedef struct HvNetCtlMsg {
    QSIMPLEQ_ENTRY(HvNetCtlMsg) next;
    uint32_t len;
    uint8_t data[];
} HvNetCtlMsg;

typedef struct HvNetQueue {
    uint64_t rx_packets;
    uint64_t rx_bytes;
    uint64_t tx_packets;
    uint64_t tx_bytes;
} HvNetQueue;

/* What the guest asked the host to do on transmit (OID_TCP_OFFLOAD_PARAMETERS). */
typedef struct HvNetOffload {
    bool tx_csum_ip4;       /* TCP and UDP over IPv4 */
    bool tx_csum_ip6;
    bool lso_ip4;
    bool lso_ip6;
} HvNetOffload;

struct HvNet {
    VMBusDevice parent_obj;

    /* properties */
    NICConf conf;
    uint16_t queues;            /* 0: one per vCPU */
    uint32_t mtu;               /* reported as the maximum frame size */
    bool offload;               /* offer TX checksum and LSOv2 */

    NICState *nic;

    /* NVSP */
    uint32_t nvsp_version;      /* 0 until INIT succeeded */
    uint32_t ndis_version;
    uint32_t guest_frame;       /* SEND_NDIS_CONFIG mtu (frame size) */

    /* receive buffer: fixed slots, one RNDIS message each */
    VMBusGpadl *rx_gpadl;
    uint16_t rx_buf_id;
    uint32_t rx_slot_size;
    uint32_t rx_slots;
    uint32_t rx_free;
    uint32_t rx_hint;
    uint32_t rx_gen;            /* upper half of transfer-page trans ids */
    unsigned long *rx_busy;
    uint8_t *rx_owner;          /* channel index per busy slot */
    bool rx_wanted;             /* the net layer holds frames for us */

    /* send buffer */
    VMBusGpadl *tx_gpadl;
    uint16_t tx_buf_id;
    uint32_t tx_sections;
    uint8_t *tx_buf;            /* linear copy of one SEND_RNDIS_PKT */
    uint8_t *seg_buf;           /* one large-send segment */
    bool tx_blocked;            /* netdev queue full: wait for tx done */
    uint32_t chan_held;         /* channels with a completion reserved */

    /* RNDIS */
    bool rndis_ready;
    uint32_t filter;
    uint8_t mac[6];             /* current address (NetworkAddress) */
    bool link_up;               /* as last told to the guest */
    QSIMPLEQ_HEAD(, HvNetCtlMsg) ctl_queue;
    uint32_t ctl_queued;
    HvNetOffload offl;

    /* receive-side scaling */
    bool rss;
    uint32_t rss_hashinfo;
    uint8_t rss_key[NDIS_RSS_HASH_KEY_SIZE_MAX];
    uint32_t rss_itab[NDIS_RSS_INDIRECTION_TABLE_MAX * 2];
    uint32_t rss_itab_len;
    uint16_t subchannels;       /* offered to the guest */

    HvNetQueue q[HV_NET_MAX_QUEUES];
    uint64_t rx_dropped;
    uint64_t tx_errors;
};

/* hv-net.c */
uint16_t hv_net_num_queues(HvNet *s);
/* Queue an RNDIS control completion / indication for the guest. */
void hv_net_ctl_send(HvNet *s, const void *msg, uint32_t len);
void hv_net_rx_kick(HvNet *s);
/* Hand one frame to the netdev. */
int hv_net_send_frame(HvNet *s, uint16_t qidx, const struct iovec *iov,
                      int iovcnt);

/* hv-net-rndis.c */
void hv_net_rndis_control(HvNet *s, const uint8_t *msg, uint32_t len);
void hv_net_rndis_link_changed(HvNet *s);
void hv_net_rndis_reset(HvNet *s);
/* Parse one data message from the guest and send its frame(s). */
int hv_net_rndis_tx(HvNet *s, uint16_t qidx, uint8_t *msg, uint32_t len);
/* Build the RNDIS PACKET header (+ PPIs) for a received frame. */
uint32_t hv_net_rndis_rx_header(HvNet *s, uint8_t *hdr,
                                const struct iovec *iov, int iovcnt,
                                size_t frame_len, uint16_t *ret_queue);

#endif
