/*
 * hvhost: Hyper-V synthetic network adapter, host side (NetVSP)
 *
 * The guest's netvsc opens the primary channel and speaks NVSP (nvsp.h):
 * INIT (one version per try, newest first), SEND_NDIS_VER, SEND_NDIS_CONFIG,
 * then SEND_RECV_BUF and SEND_SEND_BUF hand over two GPADLs.  From then on
 * RNDIS messages travel inside SEND_RNDIS_PKT:
 *  - guest -> host: from a send-buffer section and/or page buffers (GPA
 *    direct), on any channel; the host completes each packet;
 *  - host -> guest: one RNDIS message per receive-buffer slot, announced by
 *    a transfer-page packet whose transaction id names the slot; the guest
 *    completes it on the channel it came on, and only then is the slot
 *    reused.  Frames wait in QEMU's net queue while no slot is free.
 * Subchannels (NVSP v5 SUBCHANNEL) are offered on request; received frames
 * are steered to them by the guest's RSS settings (hv-net-rndis.c).
 *
 * Everything runs in the main loop under the BQL: VMBus notifications, the
 * netdev's receive callbacks and the timers alike.
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qemu/bitmap.h"
#include "qemu/iov.h"
#include "qemu/log.h"
#include "qemu/units.h"
#include "hw/boards.h"
#include "hw/qdev-properties.h"
#include "sysemu/dma.h"
#include "net/net.h"
#include "hyperv/vmbus.h"
#include "hv-net.h"
#include "hv-ic-log.h"
#include "trace.h"

/* NVSP versions this host accepts, newest first. */
static const uint32_t hv_net_nvsp_versions[] = {
    NVSP_PROTOCOL_VERSION_61, NVSP_PROTOCOL_VERSION_6,
    NVSP_PROTOCOL_VERSION_5, NVSP_PROTOCOL_VERSION_4,
    NVSP_PROTOCOL_VERSION_2, NVSP_PROTOCOL_VERSION_1,
};

uint16_t hv_net_num_queues(HvNet *s)
{
    return VMBUS_DEVICE(s)->num_channels;
}

static VMBusChannel *hv_net_chan(HvNet *s, uint16_t idx)
{
    VMBusChannel *chan;

    if (idx >= VMBUS_DEVICE(s)->num_channels) {
        return NULL;
    }
    chan = vmbus_device_channel(VMBUS_DEVICE(s), idx);
    return chan && vmbus_channel_is_open(chan) ? chan : NULL;
}

static NetClientState *hv_net_nc(HvNet *s)
{
    return qemu_get_queue(s->nic);
}

/* ---- receive buffer ------------------------------------------------------ */

static bool hv_net_rx_ready(HvNet *s)
{
    return s->rx_gpadl && s->rndis_ready && hv_net_chan(s, 0);
}

static void hv_net_rx_buf_free(HvNet *s)
{
    vmbus_put_gpadl(s->rx_gpadl);
    s->rx_gpadl = NULL;
    g_free(s->rx_busy);
    s->rx_busy = NULL;
    g_free(s->rx_owner);
    s->rx_owner = NULL;
    s->rx_slots = 0;
    s->rx_free = 0;
    s->rx_hint = 0;
    /* Completions of slots handed out before now are stale. */
    s->rx_gen++;
}

static int64_t hv_net_rx_slot_get(HvNet *s, uint16_t qidx)
{
    unsigned long slot;

    if (!s->rx_free) {
        return -1;
    }
    slot = find_next_zero_bit(s->rx_busy, s->rx_slots, s->rx_hint);
    if (slot >= s->rx_slots) {
        slot = find_first_zero_bit(s->rx_busy, s->rx_slots);
        if (slot >= s->rx_slots) {
            return -1;
        }
    }
    set_bit(slot, s->rx_busy);
    s->rx_owner[slot] = qidx;
    s->rx_free--;
    s->rx_hint = slot + 1;
    return slot;
}

static void hv_net_rx_slot_put(HvNet *s, uint32_t slot)
{
    clear_bit(slot, s->rx_busy);
    s->rx_free++;
}

/*
 * Put one RNDIS message (@len bytes in @iov) into a free slot and tell the
 * guest on channel @qidx.  Returns 0, -ENOBUFS (no free slot), -ENOSPC (the
 * channel's ring is full: it signals us when it drains) or -EIO.
 */
static int hv_net_rx_put(HvNet *s, uint16_t qidx, const struct iovec *iov,
                         int iovcnt, size_t len)
{
    VMBusChannel *chan = hv_net_chan(s, qidx);
    struct {
        struct nvsp_xfer_page_header hdr;
        struct nvsp_xfer_page_range range;
    } QEMU_PACKED desc = {};
    struct nvsp_message msg = {};
    int64_t slot;
    ssize_t r;

    if (!chan) {
        return -EIO;
    }
    if (s->chan_held & (1u << qidx)) {
        /*
         * A completion is reserved on this ring: a failing reservation now
         * would trip the VMBus ring accounting.  Retried after the batch.
         */
        return -ENOSPC;
    }
    if (len > s->rx_slot_size) {
        return -EMSGSIZE;
    }
    slot = hv_net_rx_slot_get(s, qidx);
    if (slot < 0) {
        return -ENOBUFS;
    }
    /* Fill the slot first: a reservation must be followed by a send. */
    r = vmbus_iov_to_gpadl(chan, s->rx_gpadl, slot * s->rx_slot_size,
                           iov, iovcnt);
    if (r < 0) {
        hv_net_rx_slot_put(s, slot);
        return -EIO;
    }
    if (vmbus_channel_reserve(chan, sizeof(desc), sizeof(msg))) {
        hv_net_rx_slot_put(s, slot);
        return -ENOSPC;
    }
    desc.hdr.xfer_pageset_id = cpu_to_le16(s->rx_buf_id);
    desc.hdr.range_cnt = cpu_to_le32(1);
    desc.range.byte_count = cpu_to_le32(len);
    desc.range.byte_offset = cpu_to_le32(slot * s->rx_slot_size);
    msg.hdr.msg_type = cpu_to_le32(NVSP_MSG1_TYPE_SEND_RNDIS_PKT);
    msg.msg.send_rndis_pkt.channel_type = cpu_to_le32(NVSP_RNDIS_CHANNEL_DATA);
    msg.msg.send_rndis_pkt.send_buf_section_index =
        cpu_to_le32(NVSP_INVALID_SECTION_INDEX);
    r = vmbus_channel_send(chan, VMBUS_PACKET_DATA_USING_XFER_PAGES,
                           &desc, sizeof(desc), &msg, sizeof(msg), true,
                           ((uint64_t)s->rx_gen << 32) | (uint64_t)slot);
    if (r < 0) {
        hv_net_rx_slot_put(s, slot);
        return -EIO;
    }
    trace_hv_net_rx(qidx, slot, len);
    return 0;
}

/* The guest completed a transfer-page packet: its slot is free again. */
static void hv_net_rx_complete(HvNet *s, uint16_t qidx, uint64_t trans_id,
                               const uint8_t *msg, uint32_t len)
{
    uint32_t slot = (uint32_t)trans_id;

    if ((uint32_t)(trans_id >> 32) != s->rx_gen || !s->rx_gpadl) {
        return;     /* for a receive buffer that is gone */
    }
    if (slot >= s->rx_slots || !test_bit(slot, s->rx_busy) ||
        s->rx_owner[slot] != qidx) {
        hv_ic_log(s, "completion of slot %" PRIu32 " that was not handed"
                  " out on channel %u", slot, qidx);
        return;
    }
    if (len >= sizeof(struct nvsp_msg_header) + 4 &&
        ldl_le_p(msg + 4) != NVSP_STAT_SUCCESS) {
        trace_hv_net_rx_refused(qidx, slot, ldl_le_p(msg + 4));
    }
    hv_net_rx_slot_put(s, slot);
}

/* Free the slots handed out on a channel that went away. */
static void hv_net_rx_forget_queue(HvNet *s, uint16_t qidx)
{
    uint32_t slot;

    if (!s->rx_busy) {
        return;
    }
    for (slot = 0; slot < s->rx_slots; slot++) {
        if (test_bit(slot, s->rx_busy) && s->rx_owner[slot] == qidx) {
            hv_net_rx_slot_put(s, slot);
        }
    }
}

/* ---- control completions ---------------------------------------------- */

static void hv_net_ctl_flush(HvNet *s)
{
    HvNetCtlMsg *m;

    while ((m = QSIMPLEQ_FIRST(&s->ctl_queue))) {
        struct iovec iov = { .iov_base = m->data, .iov_len = m->len };

        int r;

        if (!s->rx_gpadl || !hv_net_chan(s, 0)) {
            return;
        }
        r = hv_net_rx_put(s, 0, &iov, 1, m->len);
        if (r == -ENOBUFS || r == -ENOSPC) {
            return;
        }
        QSIMPLEQ_REMOVE_HEAD(&s->ctl_queue, next);
        s->ctl_queued--;
        g_free(m);
    }
}

static void hv_net_ctl_drop_all(HvNet *s)
{
    HvNetCtlMsg *m;

    while ((m = QSIMPLEQ_FIRST(&s->ctl_queue))) {
        QSIMPLEQ_REMOVE_HEAD(&s->ctl_queue, next);
        g_free(m);
    }
    s->ctl_queued = 0;
}

void hv_net_ctl_send(HvNet *s, const void *msg, uint32_t len)
{
    HvNetCtlMsg *m;

    if (s->ctl_queued >= HV_NET_MAX_CTL_QUEUED) {
        hv_ic_log(s, "guest does not take control completions: dropped");
        return;
    }
    m = g_malloc(sizeof(*m) + len);
    m->len = len;
    memcpy(m->data, msg, len);
    QSIMPLEQ_INSERT_TAIL(&s->ctl_queue, m, next);
    s->ctl_queued++;
    hv_net_ctl_flush(s);
}

/* Slots or ring space came free: move what waits. */
void hv_net_rx_kick(HvNet *s)
{
    hv_net_ctl_flush(s);
    if (s->rx_wanted && s->rx_free > s->ctl_queued &&
        QSIMPLEQ_EMPTY(&s->ctl_queue)) {
        s->rx_wanted = false;
        qemu_flush_queued_packets(hv_net_nc(s));
    }
}

/* ---- netdev receive ------------------------------------------------------ */

static bool hv_net_can_receive(NetClientState *nc)
{
    HvNet *s = qemu_get_nic_opaque(nc);

    if (!hv_net_rx_ready(s)) {
        return true;    /* dropped in receive: nobody listens yet */
    }
    if (s->rx_free == 0 || !QSIMPLEQ_EMPTY(&s->ctl_queue)) {
        s->rx_wanted = true;
        return false;
    }
    return true;
}

static bool hv_net_filter_accepts(HvNet *s, const uint8_t *dst)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

    if (s->filter & NDIS_PACKET_TYPE_PROMISCUOUS) {
        return true;
    }
    if (!memcmp(dst, bcast, 6)) {
        return s->filter & NDIS_PACKET_TYPE_BROADCAST;
    }
    if (dst[0] & 1) {
        return s->filter & (NDIS_PACKET_TYPE_ALL_MULTICAST |
                            NDIS_PACKET_TYPE_MULTICAST);
    }
    return (s->filter & NDIS_PACKET_TYPE_DIRECTED) && !memcmp(dst, s->mac, 6);
}

static ssize_t hv_net_receive_iov(NetClientState *nc, const struct iovec *iov,
                                  int iovcnt)
{
    HvNet *s = qemu_get_nic_opaque(nc);
    size_t size = iov_size(iov, iovcnt);
    uint8_t hdr[HV_NET_RX_HDR_MAX];
    struct iovec *piov;
    uint8_t dst[6];
    uint32_t hlen;
    uint16_t qidx;
    int r;

    if (!hv_net_rx_ready(s) || size < 14 ||
        iov_to_buf(iov, iovcnt, 0, dst, 6) != 6 ||
        !hv_net_filter_accepts(s, dst)) {
        return size;
    }
    if (!QSIMPLEQ_EMPTY(&s->ctl_queue)) {
        s->rx_wanted = true;
        return 0;
    }
    hlen = hv_net_rndis_rx_header(s, hdr, iov, iovcnt, size, &qidx);
    if (!hv_net_chan(s, qidx)) {
        qidx = 0;
    }
    piov = g_newa(struct iovec, iovcnt + 1);
    piov[0].iov_base = hdr;
    piov[0].iov_len = hlen;
    memcpy(piov + 1, iov, iovcnt * sizeof(*iov));
    r = hv_net_rx_put(s, qidx, piov, iovcnt + 1, hlen + size);
    switch (r) {
    case 0:
        s->q[qidx].rx_packets++;
        s->q[qidx].rx_bytes += size;
        return size;
    case -ENOBUFS:
    case -ENOSPC:
        s->rx_wanted = true;
        return 0;
    default:
        s->rx_dropped++;
        return size;
    }
}

static ssize_t hv_net_receive(NetClientState *nc, const uint8_t *buf,
                              size_t size)
{
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = size };

    return hv_net_receive_iov(nc, &iov, 1);
}

static void hv_net_link_status_changed(NetClientState *nc)
{
    hv_net_rndis_link_changed(qemu_get_nic_opaque(nc));
}

/* ---- NVSP ------------------------------------------------------------------ */

static void hv_net_reply(HvNet *s, VMBusChanReq *req, struct nvsp_message *m)
{
    ssize_t r;

    if (!req->need_comp) {
        return;
    }
    /* Space was reserved before the request was taken off the ring. */
    s->chan_held &= ~(1u << vmbus_channel_idx(req->chan));
    r = vmbus_channel_send_completion(req, m, m ? sizeof(*m) : 0);
    if (r < 0) {
        hv_ic_log(s, "cannot complete NVSP request: %zd", r);
    }
}

/* Bytes of our completion to a request: must match the reservation. */
static uint32_t hv_net_reply_len(uint16_t qidx, uint32_t type)
{
    switch (type) {
    case NVSP_MSG1_TYPE_SEND_RNDIS_PKT:
        return sizeof(struct nvsp_message);
    case NVSP_MSG_TYPE_INIT:
    case NVSP_MSG1_TYPE_SEND_RECV_BUF:
    case NVSP_MSG1_TYPE_SEND_SEND_BUF:
    case NVSP_MSG5_TYPE_SUBCHANNEL:
        return qidx ? 0 : sizeof(struct nvsp_message);
    default:
        return 0;       /* an empty completion */
    }
}

static void hv_net_nvsp_init(HvNet *s, const struct nvsp_message *in,
                             struct nvsp_message *out)
{
    uint32_t min = le32_to_cpu(in->msg.init.min_protocol_ver);
    uint32_t max = le32_to_cpu(in->msg.init.max_protocol_ver);
    uint32_t ver = 0;
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(hv_net_nvsp_versions); i++) {
        if (hv_net_nvsp_versions[i] >= min && hv_net_nvsp_versions[i] <= max) {
            ver = hv_net_nvsp_versions[i];
            break;
        }
    }
    out->hdr.msg_type = cpu_to_le32(NVSP_MSG_TYPE_INIT_COMPLETE);
    if (!ver) {
        out->msg.init_complete.status = cpu_to_le32(NVSP_STAT_FAIL);
        trace_hv_net_nvsp_init(min, max, 0);
        return;
    }
    s->nvsp_version = ver;
    out->msg.init_complete.negotiated_protocol_ver = cpu_to_le32(ver);
    out->msg.init_complete.max_mdl_chain_len = cpu_to_le32(34);
    out->msg.init_complete.status = cpu_to_le32(NVSP_STAT_SUCCESS);
    trace_hv_net_nvsp_init(min, max, ver);
}

static uint32_t hv_net_recv_buf(HvNet *s, VMBusChannel *chan,
                                const struct nvsp_message *in,
                                struct nvsp_message *out)
{
    uint32_t gpadl_id = le32_to_cpu(in->msg.send_recv_buf.gpadl_handle);
    struct nvsp1_recv_buf_section *sec =
        &out->msg.send_recv_buf_complete.sections[0];
    uint32_t frame, len;
    VMBusGpadl *gpadl;

    out->hdr.msg_type = cpu_to_le32(NVSP_MSG1_TYPE_SEND_RECV_BUF_COMPLETE);
    if (!s->nvsp_version || s->rx_gpadl) {
        hv_ic_log(s, "SEND_RECV_BUF %s", s->rx_gpadl ? "while one is in use"
                  : "before INIT");
        return NVSP_STAT_FAIL;
    }
    gpadl = vmbus_get_gpadl(chan, gpadl_id);
    if (!gpadl) {
        hv_ic_log(s, "SEND_RECV_BUF: no GPADL %" PRIu32, gpadl_id);
        return NVSP_STAT_FAIL;
    }
    len = vmbus_gpadl_len(gpadl);
    /* A slot holds the largest frame either side may use, and its PPIs. */
    frame = MAX(s->guest_frame, s->mtu + 14) + 4;
    s->rx_slot_size = QEMU_ALIGN_UP(HV_NET_RX_HDR_MAX + MAX(frame, 1518u), 64);
    if (len / s->rx_slot_size < 16) {
        hv_ic_log(s, "SEND_RECV_BUF: %" PRIu32 " bytes is too small", len);
        vmbus_put_gpadl(gpadl);
        return NVSP_STAT_FAIL;
    }
    s->rx_gpadl = gpadl;
    s->rx_buf_id = le16_to_cpu(in->msg.send_recv_buf.id);
    s->rx_slots = len / s->rx_slot_size;
    s->rx_free = s->rx_slots;
    s->rx_hint = 0;
    s->rx_busy = bitmap_new(s->rx_slots);
    s->rx_owner = g_new0(uint8_t, s->rx_slots);
    out->msg.send_recv_buf_complete.num_sections = cpu_to_le32(1);
    sec->offset = 0;
    sec->sub_alloc_size = cpu_to_le32(s->rx_slot_size);
    sec->num_sub_allocs = cpu_to_le32(s->rx_slots);
    sec->end_offset = cpu_to_le32(s->rx_slots * s->rx_slot_size);
    trace_hv_net_recv_buf(gpadl_id, len, s->rx_slot_size, s->rx_slots);
    return NVSP_STAT_SUCCESS;
}

static uint32_t hv_net_send_buf(HvNet *s, VMBusChannel *chan,
                                const struct nvsp_message *in,
                                struct nvsp_message *out)
{
    uint32_t gpadl_id = le32_to_cpu(in->msg.send_send_buf.gpadl_handle);
    VMBusGpadl *gpadl;
    uint32_t len;

    out->hdr.msg_type = cpu_to_le32(NVSP_MSG1_TYPE_SEND_SEND_BUF_COMPLETE);
    if (!s->nvsp_version || s->tx_gpadl) {
        hv_ic_log(s, "SEND_SEND_BUF %s", s->tx_gpadl ? "while one is in use"
                  : "before INIT");
        return NVSP_STAT_FAIL;
    }
    gpadl = vmbus_get_gpadl(chan, gpadl_id);
    if (!gpadl) {
        hv_ic_log(s, "SEND_SEND_BUF: no GPADL %" PRIu32, gpadl_id);
        return NVSP_STAT_FAIL;
    }
    len = vmbus_gpadl_len(gpadl);
    if (len < HV_NET_SEND_SECTION_SIZE) {
        hv_ic_log(s, "SEND_SEND_BUF: %" PRIu32 " bytes is too small", len);
        vmbus_put_gpadl(gpadl);
        return NVSP_STAT_FAIL;
    }
    s->tx_gpadl = gpadl;
    s->tx_buf_id = le16_to_cpu(in->msg.send_send_buf.id);
    s->tx_sections = len / HV_NET_SEND_SECTION_SIZE;
    out->msg.send_send_buf_complete.section_size =
        cpu_to_le32(HV_NET_SEND_SECTION_SIZE);
    trace_hv_net_send_buf(gpadl_id, len, HV_NET_SEND_SECTION_SIZE,
                          s->tx_sections);
    return NVSP_STAT_SUCCESS;
}

static uint32_t hv_net_subchannels(HvNet *s, const struct nvsp_message *in,
                                   struct nvsp_message *out)
{
    uint32_t op = le32_to_cpu(in->msg.subchannel_req.op);
    uint32_t want = le32_to_cpu(in->msg.subchannel_req.num_subchannels);
    uint16_t n = 0;

    out->hdr.msg_type = cpu_to_le32(NVSP_MSG5_TYPE_SUBCHANNEL);
    if (s->nvsp_version < NVSP_PROTOCOL_VERSION_5 ||
        op != NVSP_SUBCHANNEL_ALLOCATE || !s->rndis_ready) {
        hv_ic_log(s, "SUBCHANNEL op %" PRIu32 " refused", op);
        return NVSP_STAT_FAIL;
    }
    want = MIN(want, (uint32_t)hv_net_num_queues(s) - 1);
    n = want ? vmbus_device_offer_subchannels(VMBUS_DEVICE(s), want) : 0;
    s->subchannels = n;
    out->msg.subchannel_complete.num_subchannels = cpu_to_le32(n);
    trace_hv_net_subchannels(want, n);
    return NVSP_STAT_SUCCESS;
}

/* SEND_RNDIS_PKT: gather the RNDIS bytes, then walk the messages in them. */
static uint32_t hv_net_rndis_pkt(HvNet *s, uint16_t qidx, VMBusChanReq *req,
                                 const struct nvsp_message *in)
{
    uint32_t index = le32_to_cpu(in->msg.send_rndis_pkt.send_buf_section_index);
    uint32_t ssize = le32_to_cpu(in->msg.send_rndis_pkt.send_buf_section_size);
    uint32_t total = 0, off;
    int i;

    if (index != NVSP_INVALID_SECTION_INDEX) {
        if (!s->tx_gpadl || index >= s->tx_sections ||
            ssize > HV_NET_SEND_SECTION_SIZE) {
            hv_ic_log(s, "bad send section %" PRIu32 " (%" PRIu32 " bytes)",
                      index, ssize);
            return NVSP_STAT_INVALID_RNDIS_PKT;
        }
        if (vmbus_gpadl_to_buf(req->chan, s->tx_gpadl,
                               index * HV_NET_SEND_SECTION_SIZE,
                               s->tx_buf, ssize)) {
            return NVSP_STAT_FAIL;
        }
        total = ssize;
    }
    if (req->pkt_type == VMBUS_PACKET_DATA_USING_GPA_DIRECT) {
        if (req->sgl.size > HV_NET_MAX_TX_BYTES - total) {
            hv_ic_log(s, "RNDIS packet of %" PRIu64 " bytes is too big",
                      (uint64_t)req->sgl.size + total);
            return NVSP_STAT_INVALID_RNDIS_PKT;
        }
        for (i = 0; i < req->sgl.nsg; i++) {
            if (dma_memory_read(req->sgl.as, req->sgl.sg[i].base,
                                s->tx_buf + total, req->sgl.sg[i].len,
                                MEMTXATTRS_UNSPECIFIED) != MEMTX_OK) {
                hv_ic_log(s, "page buffer outside guest memory");
                return NVSP_STAT_FAIL;
            }
            total += req->sgl.sg[i].len;
        }
    }
    for (off = 0; total - off >= sizeof(struct rndis_msg_header);) {
        uint32_t type = ldl_le_p(s->tx_buf + off);
        uint32_t len = ldl_le_p(s->tx_buf + off + 4);

        if (len < sizeof(struct rndis_msg_header) || len > total - off) {
            hv_ic_log(s, "RNDIS message of %" PRIu32 " bytes in %" PRIu32,
                      len, total - off);
            return NVSP_STAT_INVALID_RNDIS_PKT;
        }
        if (type == RNDIS_MSG_PACKET) {
            if (hv_net_rndis_tx(s, qidx, s->tx_buf + off, len) < 0) {
                s->tx_errors++;
            }
        } else {
            hv_net_rndis_control(s, s->tx_buf + off, len);
        }
        off += len;
    }
    return NVSP_STAT_SUCCESS;
}

/* Handle one guest packet; false when it must stay on the ring for later. */
static bool hv_net_handle(HvNet *s, VMBusChannel *chan, VMBusChanReq *req)
{
    uint16_t qidx = vmbus_channel_idx(chan);
    struct nvsp_message in = {}, out = {};
    uint32_t type, status;

    if (req->pkt_type == VMBUS_PACKET_COMP) {
        hv_net_rx_complete(s, qidx, req->transaction_id, req->msg,
                           req->msglen);
        return true;
    }
    if (req->msglen < sizeof(struct nvsp_msg_header)) {
        hv_ic_log(s, "NVSP message of %" PRIu32 " bytes", req->msglen);
        return true;
    }
    memcpy(&in, req->msg, MIN(req->msglen, sizeof(in)));
    type = le32_to_cpu(in.hdr.msg_type);
    if (type == NVSP_MSG1_TYPE_SEND_RNDIS_PKT && s->tx_blocked) {
        return false;   /* the netdev is full: resumed by hv_net_tx_done */
    }
    /* Room for our completion, so that it never has to be dropped. */
    if (req->need_comp) {
        if (vmbus_channel_reserve(chan, 0, hv_net_reply_len(qidx, type))) {
            return false;
        }
        s->chan_held |= 1u << qidx;
    }
    trace_hv_net_nvsp(qidx, type, req->msglen);

    if (type == NVSP_MSG1_TYPE_SEND_RNDIS_PKT) {
        status = hv_net_rndis_pkt(s, qidx, req, &in);
        out.hdr.msg_type = cpu_to_le32(NVSP_MSG1_TYPE_SEND_RNDIS_PKT_COMPLETE);
        out.msg.send_rndis_pkt_complete.status = cpu_to_le32(status);
        hv_net_reply(s, req, &out);
        return true;
    }
    if (qidx != 0) {
        hv_ic_log(s, "NVSP message %" PRIu32 " on subchannel %u", type, qidx);
        status = NVSP_STAT_FAIL;
        goto generic;
    }
    switch (type) {
    case NVSP_MSG_TYPE_INIT:
        hv_net_nvsp_init(s, &in, &out);
        hv_net_reply(s, req, &out);
        return true;
    case NVSP_MSG1_TYPE_SEND_NDIS_VER:
        s->ndis_version = le32_to_cpu(in.msg.send_ndis_ver.ndis_major_ver) << 16 |
                          (le32_to_cpu(in.msg.send_ndis_ver.ndis_minor_ver) &
                           0xffff);
        break;
    case NVSP_MSG2_TYPE_SEND_NDIS_CONFIG:
        s->guest_frame = MIN(le32_to_cpu(in.msg.send_ndis_config.mtu),
                             65535u + 14);
        trace_hv_net_ndis_config(s->guest_frame,
                                 le64_to_cpu(in.msg.send_ndis_config.capability));
        break;
    case NVSP_MSG1_TYPE_SEND_RECV_BUF:
        status = hv_net_recv_buf(s, chan, &in, &out);
        out.msg.send_recv_buf_complete.status = cpu_to_le32(status);
        hv_net_reply(s, req, &out);
        return true;
    case NVSP_MSG1_TYPE_REVOKE_RECV_BUF:
        if (s->rx_gpadl &&
            le16_to_cpu(in.msg.revoke_recv_buf.id) == s->rx_buf_id) {
            hv_net_rx_buf_free(s);
            hv_net_ctl_drop_all(s);
        }
        break;
    case NVSP_MSG1_TYPE_SEND_SEND_BUF:
        status = hv_net_send_buf(s, chan, &in, &out);
        out.msg.send_send_buf_complete.status = cpu_to_le32(status);
        hv_net_reply(s, req, &out);
        return true;
    case NVSP_MSG1_TYPE_REVOKE_SEND_BUF:
        if (s->tx_gpadl &&
            le16_to_cpu(in.msg.revoke_send_buf.id) == s->tx_buf_id) {
            vmbus_put_gpadl(s->tx_gpadl);
            s->tx_gpadl = NULL;
            s->tx_sections = 0;
        }
        break;
    case NVSP_MSG5_TYPE_SUBCHANNEL:
        status = hv_net_subchannels(s, &in, &out);
        out.msg.subchannel_complete.status = cpu_to_le32(status);
        hv_net_reply(s, req, &out);
        return true;
    case NVSP_MSG4_TYPE_SWITCH_DATA_PATH:
        /* There is no VF: the synthetic path stays; an empty completion. */
        trace_hv_net_switch_data_path(
            le32_to_cpu(in.msg.switch_data_path.active_datapath));
        hv_net_reply(s, req, NULL);
        return true;
    default:
        hv_ic_log(s, "unsupported NVSP message %" PRIu32, type);
        break;
    }
    status = NVSP_STAT_SUCCESS;
generic:
    (void)status;
    /* Nothing to say back, but a requested completion must come. */
    hv_net_reply(s, req, NULL);
    return true;
}

static void hv_net_chan_notify(VMBusChannel *chan)
{
    HvNet *s = HV_NET(vmbus_channel_device(chan));
    VMBusChanReq *req;
    bool stalled = false;
    unsigned n;

    /*
     * The guest signals only when it writes into a ring it saw empty; a
     * packet written while this batch was being handled (before its read
     * index went out) brings no signal.  So look again after every batch
     * until one finds nothing.
     */
    do {
        if (vmbus_channel_recv_start(chan)) {
            break;
        }
        n = 0;
        while ((req = vmbus_channel_recv_peek(chan, sizeof(*req)))) {
            if (!hv_net_handle(s, chan, req)) {
                vmbus_free_req(req);
                stalled = true;
                break;
            }
            vmbus_channel_recv_pop(chan);
            vmbus_free_req(req);
            n++;
        }
        vmbus_channel_recv_done(chan);
    } while (n && !stalled);
    hv_net_rx_kick(s);
}

static void hv_net_tx_done(NetClientState *nc, ssize_t len)
{
    HvNet *s = qemu_get_nic_opaque(nc);
    uint16_t i;

    if (!s->tx_blocked) {
        return;
    }
    s->tx_blocked = false;
    for (i = 0; i < hv_net_num_queues(s); i++) {
        VMBusChannel *chan = hv_net_chan(s, i);

        if (chan) {
            vmbus_channel_notify_host(chan);
        }
    }
}

/* Send one frame (@iov) to the netdev; called from hv-net-rndis.c. */
int hv_net_send_frame(HvNet *s, uint16_t qidx, const struct iovec *iov,
                      int iovcnt)
{
    size_t len = iov_size(iov, iovcnt);

    s->q[qidx].tx_packets++;
    s->q[qidx].tx_bytes += len;
    trace_hv_net_tx(qidx, len);
    if (!qemu_sendv_packet_async(hv_net_nc(s), iov, iovcnt, hv_net_tx_done)) {
        /* Queued (copied) by the net layer: stop taking more for now. */
        s->tx_blocked = true;
    }
    return 0;
}

/* ---- channel and device lifetime ----------------------------------------- */

static void hv_net_reset_state(HvNet *s)
{
    hv_net_rx_buf_free(s);
    hv_net_ctl_drop_all(s);
    vmbus_put_gpadl(s->tx_gpadl);
    s->tx_gpadl = NULL;
    s->tx_sections = 0;
    s->tx_blocked = false;
    s->nvsp_version = 0;
    s->ndis_version = 0;
    s->guest_frame = 0;
    s->subchannels = 0;
    s->rx_wanted = false;
    hv_net_rndis_reset(s);
}

static int hv_net_open_channel(VMBusChannel *chan)
{
    HvNet *s = HV_NET(vmbus_channel_device(chan));
    uint16_t qidx = vmbus_channel_idx(chan);

    trace_hv_net_channel(qidx, true);
    if (qidx == 0) {
        hv_net_reset_state(s);
    }
    return 0;
}

static void hv_net_close_channel(VMBusChannel *chan)
{
    HvNet *s = HV_NET(vmbus_channel_device(chan));
    uint16_t qidx = vmbus_channel_idx(chan);

    trace_hv_net_channel(qidx, false);
    if (qidx == 0) {
        hv_net_reset_state(s);
    } else {
        hv_net_rx_forget_queue(s, qidx);
    }
}

/* The primary and the subchannels the device may offer (queues - 1). */
static uint16_t hv_net_num_channels(VMBusDevice *vdev)
{
    HvNet *s = HV_NET(vdev);
    uint16_t q = s->queues;

    if (!q) {
        q = MACHINE(qdev_get_machine())->smp.cpus;
    }
    return MAX(1, MIN(q, HV_NET_MAX_QUEUES));
}

static NetClientInfo hv_net_info = {
    .type = NET_CLIENT_DRIVER_NIC,
    .size = sizeof(NICState),
    .can_receive = hv_net_can_receive,
    .receive = hv_net_receive,
    .receive_iov = hv_net_receive_iov,
    .link_status_changed = hv_net_link_status_changed,
};

static void hv_net_vmdev_realize(VMBusDevice *vdev, Error **errp)
{
    HvNet *s = HV_NET(vdev);

    if (s->mtu < 68 || s->mtu > 65535 - 14) {
        error_setg(errp, "mtu must be 68..65521");
        return;
    }
    QSIMPLEQ_INIT(&s->ctl_queue);
    s->tx_buf = g_malloc(HV_NET_MAX_TX_BYTES);
    s->seg_buf = g_malloc(HV_NET_SEG_BUF);
    s->nic = qemu_new_nic(&hv_net_info, &s->conf,
                          object_get_typename(OBJECT(s)), DEVICE(s)->id,
                          &DEVICE(s)->mem_reentrancy_guard, s);
    qemu_format_nic_info_str(hv_net_nc(s), s->conf.macaddr.a);
    memcpy(s->mac, s->conf.macaddr.a, 6);
}

static void hv_net_vmdev_unrealize(VMBusDevice *vdev)
{
    HvNet *s = HV_NET(vdev);

    hv_net_reset_state(s);
    qemu_del_nic(s->nic);
    s->nic = NULL;
    g_free(s->tx_buf);
    s->tx_buf = NULL;
    g_free(s->seg_buf);
    s->seg_buf = NULL;
}

static void hv_net_vmdev_reset(VMBusDevice *vdev)
{
    hv_net_reset_state(HV_NET(vdev));
}

/*
 * The instance id, unless given: a fixed prefix and the MAC address, so
 * that a NIC keeps its identity across boots and two NICs differ.
 */
static DeviceRealize hv_net_parent_realize;

static void hv_net_realize(DeviceState *dev, Error **errp)
{
    HvNet *s = HV_NET(dev);
    VMBusDevice *vdev = VMBUS_DEVICE(dev);

    qemu_macaddr_default_if_unset(&s->conf.macaddr);
    if (qemu_uuid_is_null(&vdev->instanceid)) {
        qemu_uuid_parse("5e1bd1a3-8f2c-4b6d-9a7e-000000000000",
                        &vdev->instanceid);
        memcpy(&vdev->instanceid.data[10], s->conf.macaddr.a, 6);
    }
    hv_net_parent_realize(dev, errp);
}

static void hv_net_get_stats(Object *obj, Visitor *v, const char *name,
                             void *opaque, Error **errp)
{
    HvNet *s = HV_NET(obj);
    g_autoptr(GString) str = g_string_new("");
    char *p;
    uint16_t i;

    for (i = 0; i < hv_net_num_queues(s); i++) {
        g_string_append_printf(str, "%sq%u rx %" PRIu64 "/%" PRIu64
                               " tx %" PRIu64 "/%" PRIu64, i ? "; " : "", i,
                               s->q[i].rx_packets, s->q[i].rx_bytes,
                               s->q[i].tx_packets, s->q[i].tx_bytes);
    }
    g_string_append_printf(str, "; rx-dropped %" PRIu64 " tx-errors %" PRIu64
                           " subchannels %u rss %d; slots %u free %u"
                           " waiting %d/%u tx-blocked %d held 0x%x",
                           s->rx_dropped, s->tx_errors, s->subchannels,
                           s->rss, s->rx_slots, s->rx_free, s->rx_wanted,
                           s->ctl_queued, s->tx_blocked, s->chan_held);
    p = str->str;
    visit_type_str(v, name, &p, errp);
}

static void hv_net_instance_init(Object *obj)
{
    VMBusDevice *vdev = VMBUS_DEVICE(obj);

    /* Null until set: realize derives it then. */
    memset(&vdev->instanceid, 0, sizeof(vdev->instanceid));
    object_property_add_alias(obj, "instance", obj, "instanceid");
    object_property_add(obj, "queue-stats", "str", hv_net_get_stats, NULL,
                        NULL, NULL);
}

static const VMStateDescription vmstate_hv_net = {
    .name = TYPE_HV_NET,
    .unmigratable = 1,
};

static Property hv_net_props[] = {
    DEFINE_NIC_PROPERTIES(HvNet, conf),
    DEFINE_PROP_UINT16("queues", HvNet, queues, 0),
    DEFINE_PROP_UINT32("mtu", HvNet, mtu, 1500),
    DEFINE_PROP_BOOL("offload", HvNet, offload, true),
    DEFINE_PROP_END_OF_LIST()
};

static void hv_net_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VMBusDeviceClass *vdc = VMBUS_DEVICE_CLASS(klass);

    dc->desc = "Hyper-V synthetic network adapter (netvsc)";
    dc->vmsd = &vmstate_hv_net;
    set_bit(DEVICE_CATEGORY_NETWORK, dc->categories);
    device_class_set_props(dc, hv_net_props);
    device_class_set_parent_realize(dc, hv_net_realize,
                                    &hv_net_parent_realize);
    qemu_uuid_parse(VMBUS_CLASS_NETWORK_STR, &vdc->classid);
    vdc->vmdev_realize = hv_net_vmdev_realize;
    vdc->vmdev_unrealize = hv_net_vmdev_unrealize;
    vdc->vmdev_reset = hv_net_vmdev_reset;
    vdc->num_channels = hv_net_num_channels;
    vdc->open_channel = hv_net_open_channel;
    vdc->close_channel = hv_net_close_channel;
    vdc->chan_notify_cb = hv_net_chan_notify;
    vdc->subchannels_on_request = true;
}

static const TypeInfo hv_net_type_info = {
    .name = TYPE_HV_NET,
    .parent = TYPE_VMBUS_DEVICE,
    .instance_size = sizeof(HvNet),
    .instance_init = hv_net_instance_init,
    .class_init = hv_net_class_init,
};

static void hv_net_register_types(void)
{
    type_register_static(&hv_net_type_info);
}

type_init(hv_net_register_types)
