/*
 * hvhost: Hyper-V synthetic network adapter, RNDIS side
 *
 * Control: INITIALIZE, QUERY, SET, RESET, KEEPALIVE and HALT from the
 * guest, answered through the receive buffer like received frames; unknown
 * OIDs get RNDIS_STATUS_NOT_SUPPORTED, as Hyper-V answers them.
 * Data: the per-packet info of transmitted frames (VLAN tag, checksum and
 * large-send requests, which the host carries out when it offered them) and
 * of received frames (checksums the host verified, the RSS hash), and the
 * Toeplitz hash that steers received frames to the guest's channels.
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */
#include "qemu/osdep.h"
#include "qemu/iov.h"
#include "qemu/log.h"
#include "net/checksum.h"
#include "net/net.h"
#include "hv-net.h"
#include "hv-ic-log.h"
#include "trace.h"

/* Link speed in 100 bit/s units: 10 Gbit/s. */
#define HV_NET_LINK_SPEED           100000000u
/* LSOv2 limits offered (Hyper-V's) */
#define HV_NET_LSO_MAX_SIZE         62780u
#define HV_NET_LSO_MIN_SEGS         2u

#define ETH_HLEN_                   14
#define ETHERTYPE_IPV4              0x0800
#define ETHERTYPE_IPV6              0x86dd
#define ETHERTYPE_VLAN              0x8100
#define IPPROTO_TCP_                6
#define IPPROTO_UDP_                17

static const uint32_t hv_net_oids[] = {
    RNDIS_OID_GEN_SUPPORTED_LIST,
    RNDIS_OID_GEN_HARDWARE_STATUS,
    RNDIS_OID_GEN_MEDIA_SUPPORTED,
    RNDIS_OID_GEN_MEDIA_IN_USE,
    RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE,
    RNDIS_OID_GEN_LINK_SPEED,
    RNDIS_OID_GEN_CURRENT_PACKET_FILTER,
    RNDIS_OID_GEN_MAXIMUM_TOTAL_SIZE,
    RNDIS_OID_GEN_MEDIA_CONNECT_STATUS,
    RNDIS_OID_GEN_RNDIS_CONFIG_PARAMETER,
    RNDIS_OID_802_3_PERMANENT_ADDRESS,
    RNDIS_OID_802_3_CURRENT_ADDRESS,
    RNDIS_OID_802_3_MULTICAST_LIST,
    RNDIS_OID_802_3_MAXIMUM_LIST_SIZE,
    OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES,
    OID_TCP_OFFLOAD_PARAMETERS,
    OID_GEN_RECEIVE_SCALE_CAPABILITIES,
    OID_GEN_RECEIVE_SCALE_PARAMETERS,
};

void hv_net_rndis_reset(HvNet *s)
{
    s->rndis_ready = false;
    s->filter = 0;
    memcpy(s->mac, s->conf.macaddr.a, 6);
    s->link_up = false;
    s->offl = (HvNetOffload){};
    s->rss = false;
    s->rss_hashinfo = 0;
    s->rss_itab_len = 0;
}

static bool hv_net_link_is_up(HvNet *s)
{
    return s->nic && !qemu_get_queue(s->nic)->link_down;
}

void hv_net_rndis_link_changed(HvNet *s)
{
    bool up = hv_net_link_is_up(s);
    struct {
        struct rndis_msg_header hdr;
        struct rndis_indicate_status ind;
    } QEMU_PACKED m = {};

    trace_hv_net_link(up, s->rndis_ready);
    if (!s->rndis_ready || up == s->link_up) {
        return;
    }
    s->link_up = up;
    m.hdr.msg_type = cpu_to_le32(RNDIS_MSG_INDICATE);
    m.hdr.msg_len = cpu_to_le32(sizeof(m));
    m.ind.status = cpu_to_le32(up ? RNDIS_STATUS_MEDIA_CONNECT
                                  : RNDIS_STATUS_MEDIA_DISCONNECT);
    hv_net_ctl_send(s, &m, sizeof(m));
}

/* ---- QUERY ------------------------------------------------------------- */

static uint32_t hv_net_query_hwcaps(HvNet *s, const uint8_t *in, uint32_t inlen,
                                    uint8_t *out, uint32_t *ret_len)
{
    struct ndis_offload caps = {};
    uint32_t size = NDIS_OFFLOAD_SIZE_6_0;
    uint8_t rev = NDIS_OFFLOAD_REVISION_1;

    /* The guest names the revision it understands in the input object. */
    if (inlen >= sizeof(struct ndis_object_header)) {
        uint16_t want = lduw_le_p(in + 2);

        if (want >= NDIS_OFFLOAD_SIZE_6_30 && in[1] >= NDIS_OFFLOAD_REVISION_3) {
            size = NDIS_OFFLOAD_SIZE_6_30;
            rev = NDIS_OFFLOAD_REVISION_3;
        } else if (want >= NDIS_OFFLOAD_SIZE_6_1 &&
                   in[1] >= NDIS_OFFLOAD_REVISION_2) {
            size = NDIS_OFFLOAD_SIZE_6_1;
            rev = NDIS_OFFLOAD_REVISION_2;
        }
    }
    caps.header.type = NDIS_OBJECT_TYPE_OFFLOAD;
    caps.header.revision = rev;
    caps.header.size = cpu_to_le16(size);
    if (s->offload) {
        const uint32_t csum4 = NDIS_CSUM_CAP_IP_OPTIONS |
            NDIS_CSUM_CAP_TCP_OPTIONS | NDIS_CSUM_CAP_TCP | NDIS_CSUM_CAP_UDP;
        const uint32_t csum6 = NDIS_CSUM_CAP_IP_OPTIONS |
            NDIS_CSUM_CAP_TCP_OPTIONS | NDIS_CSUM_CAP_TCP | NDIS_CSUM_CAP_UDP;

        caps.csum.ip4_txenc = cpu_to_le32(NDIS_OFFLOAD_ENCAP_8023);
        caps.csum.ip4_txcsum = cpu_to_le32(csum4);
        caps.csum.ip4_rxenc = cpu_to_le32(NDIS_OFFLOAD_ENCAP_8023);
        caps.csum.ip4_rxcsum = cpu_to_le32(csum4 | NDIS_CSUM_CAP_IP4);
        caps.csum.ip6_txenc = cpu_to_le32(NDIS_OFFLOAD_ENCAP_8023);
        caps.csum.ip6_txcsum = cpu_to_le32(csum6);
        caps.csum.ip6_rxenc = cpu_to_le32(NDIS_OFFLOAD_ENCAP_8023);
        caps.csum.ip6_rxcsum = cpu_to_le32(csum6);
        caps.lsov2.ip4_encap = cpu_to_le32(NDIS_OFFLOAD_ENCAP_8023);
        caps.lsov2.ip4_maxsz = cpu_to_le32(HV_NET_LSO_MAX_SIZE);
        caps.lsov2.ip4_minsg = cpu_to_le32(HV_NET_LSO_MIN_SEGS);
        caps.lsov2.ip6_encap = cpu_to_le32(NDIS_OFFLOAD_ENCAP_8023);
        caps.lsov2.ip6_maxsz = cpu_to_le32(HV_NET_LSO_MAX_SIZE);
        caps.lsov2.ip6_minsg = cpu_to_le32(HV_NET_LSO_MIN_SEGS);
        caps.lsov2.ip6_opts = cpu_to_le32(NDIS_LSOV2_CAP_IP6_EXT |
                                          NDIS_LSOV2_CAP_TCP6_OPTIONS);
    }
    memcpy(out, &caps, size);
    *ret_len = size;
    return RNDIS_STATUS_SUCCESS;
}

static uint32_t hv_net_query(HvNet *s, uint32_t oid, const uint8_t *in,
                             uint32_t inlen, uint8_t *out, uint32_t *ret_len)
{
    uint32_t v;

    switch (oid) {
    case RNDIS_OID_GEN_SUPPORTED_LIST: {
        unsigned i;

        for (i = 0; i < ARRAY_SIZE(hv_net_oids); i++) {
            stl_le_p(out + 4 * i, hv_net_oids[i]);
        }
        *ret_len = 4 * ARRAY_SIZE(hv_net_oids);
        return RNDIS_STATUS_SUCCESS;
    }
    case RNDIS_OID_GEN_HARDWARE_STATUS:
    case RNDIS_OID_GEN_MEDIA_SUPPORTED:
    case RNDIS_OID_GEN_MEDIA_IN_USE:
        v = 0;          /* ready; 802.3 */
        break;
    case RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE:
        v = s->mtu;     /* NDIS: the payload, without the MAC header */
        break;
    case RNDIS_OID_GEN_MAXIMUM_TOTAL_SIZE:
        v = s->mtu + ETH_HLEN_;
        break;
    case RNDIS_OID_GEN_LINK_SPEED:
        v = HV_NET_LINK_SPEED;
        break;
    case RNDIS_OID_GEN_CURRENT_PACKET_FILTER:
        v = s->filter;
        break;
    case RNDIS_OID_GEN_MEDIA_CONNECT_STATUS:
        s->link_up = hv_net_link_is_up(s);
        v = s->link_up ? RNDIS_MEDIA_STATE_CONNECTED
                       : RNDIS_MEDIA_STATE_DISCONNECTED;
        break;
    case RNDIS_OID_802_3_MAXIMUM_LIST_SIZE:
        v = 32;
        break;
    case RNDIS_OID_802_3_PERMANENT_ADDRESS:
        memcpy(out, s->conf.macaddr.a, 6);
        *ret_len = 6;
        return RNDIS_STATUS_SUCCESS;
    case RNDIS_OID_802_3_CURRENT_ADDRESS:
        memcpy(out, s->mac, 6);
        *ret_len = 6;
        return RNDIS_STATUS_SUCCESS;
    case OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES:
        return hv_net_query_hwcaps(s, in, inlen, out, ret_len);
    case OID_GEN_RECEIVE_SCALE_CAPABILITIES: {
        struct ndis_recv_scale_cap cap = {};
        uint16_t queues = hv_net_num_queues(s);

        if (queues < 2 || s->nvsp_version < NVSP_PROTOCOL_VERSION_5) {
            return RNDIS_STATUS_NOT_SUPPORTED;
        }
        cap.hdr.type = NDIS_OBJECT_TYPE_RSS_CAPABILITIES;
        cap.hdr.revision = NDIS_RECEIVE_SCALE_CAPABILITIES_REVISION_2;
        cap.hdr.size = cpu_to_le16(sizeof(cap));
        cap.cap_flag = cpu_to_le32(NDIS_RSS_CAPS_HASH_TYPE_TCP_IPV4 |
                                   NDIS_RSS_CAPS_HASH_TYPE_TCP_IPV6);
        cap.num_int_msg = cpu_to_le32(queues);
        cap.num_recv_que = cpu_to_le32(queues);
        cap.num_indirect_tabent = cpu_to_le16(NDIS_RSS_INDIRECTION_TABLE_MAX);
        memcpy(out, &cap, sizeof(cap));
        *ret_len = sizeof(cap);
        return RNDIS_STATUS_SUCCESS;
    }
    default:
        return RNDIS_STATUS_NOT_SUPPORTED;
    }
    stl_le_p(out, v);
    *ret_len = 4;
    return RNDIS_STATUS_SUCCESS;
}

/* ---- SET ------------------------------------------------------------------ */

static uint32_t hv_net_set_offload(HvNet *s, const uint8_t *in, uint32_t len)
{
    const struct ndis_offload_params *p = (const void *)in;
    uint8_t v;

    if (len < offsetof(struct ndis_offload_params, flags) ||
        p->header.type != NDIS_OBJECT_TYPE_DEFAULT) {
        hv_ic_log(s, "malformed offload parameters (%" PRIu32 " bytes)", len);
        return RNDIS_STATUS_INVALID_DATA;
    }
    /* Only what was offered can be switched on. */
    v = p->tcp_ip_v4_csum;
    if (v) {
        s->offl.tx_csum_ip4 = s->offload &&
            (v == NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED ||
             v == NDIS_OFFLOAD_PARAMETERS_TX_ENABLED_RX_DISABLED);
    }
    v = p->tcp_ip_v6_csum;
    if (v) {
        s->offl.tx_csum_ip6 = s->offload &&
            (v == NDIS_OFFLOAD_PARAMETERS_TX_RX_ENABLED ||
             v == NDIS_OFFLOAD_PARAMETERS_TX_ENABLED_RX_DISABLED);
    }
    if (p->lso_v2_ipv4) {
        s->offl.lso_ip4 = s->offload &&
            p->lso_v2_ipv4 == NDIS_OFFLOAD_PARAMETERS_LSOV2_ENABLED;
    }
    if (p->lso_v2_ipv6) {
        s->offl.lso_ip6 = s->offload &&
            p->lso_v2_ipv6 == NDIS_OFFLOAD_PARAMETERS_LSOV2_ENABLED;
    }
    trace_hv_net_offload(s->offl.tx_csum_ip4, s->offl.tx_csum_ip6,
                         s->offl.lso_ip4, s->offl.lso_ip6);
    return RNDIS_STATUS_SUCCESS;
}

static uint32_t hv_net_set_rss(HvNet *s, const uint8_t *in, uint32_t len)
{
    const struct ndis_recv_scale_param *p = (const void *)in;
    uint16_t flag;
    uint32_t i, hashinfo, toff, tsize, koff, ksize;

    if (hv_net_num_queues(s) < 2) {
        return RNDIS_STATUS_NOT_SUPPORTED;
    }
    if (len < sizeof(*p) || p->hdr.type != NDIS_OBJECT_TYPE_RSS_PARAMETERS) {
        hv_ic_log(s, "malformed RSS parameters (%" PRIu32 " bytes)", len);
        return RNDIS_STATUS_INVALID_DATA;
    }
    flag = le16_to_cpu(p->flag);
    if (flag & NDIS_RSS_PARAM_FLAG_DISABLE_RSS) {
        s->rss = false;
        trace_hv_net_rss(false, 0, 0);
        return RNDIS_STATUS_SUCCESS;
    }
    hashinfo = le32_to_cpu(p->hashinfo);
    toff = le32_to_cpu(p->indirect_taboffset);
    tsize = le16_to_cpu(p->indirect_tabsize);
    koff = le32_to_cpu(p->hashkey_offset);
    ksize = le16_to_cpu(p->hashkey_size);
    if (!(flag & NDIS_RSS_PARAM_FLAG_HASH_INFO_UNCHANGED) &&
        (hashinfo & NDIS_HASH_FUNC_MASK) != NDIS_HASH_FUNC_TOEPLITZ) {
        hv_ic_log(s, "RSS hash function 0x%" PRIx32 " refused", hashinfo);
        return RNDIS_STATUS_INVALID_DATA;
    }
    if (!(flag & NDIS_RSS_PARAM_FLAG_ITABLE_UNCHANGED) &&
        (tsize < 4 || tsize % 4 || tsize / 4 > ARRAY_SIZE(s->rss_itab) ||
         toff > len || tsize > len - toff)) {
        hv_ic_log(s, "RSS indirection table %" PRIu32 "@%" PRIu32
                  " outside %" PRIu32 " bytes", tsize, toff, len);
        return RNDIS_STATUS_INVALID_DATA;
    }
    if (!(flag & NDIS_RSS_PARAM_FLAG_HASH_KEY_UNCHANGED) &&
        (ksize != NDIS_RSS_HASH_KEY_SIZE_MAX || koff > len ||
         ksize > len - koff)) {
        hv_ic_log(s, "RSS key %" PRIu32 "@%" PRIu32 " refused", ksize, koff);
        return RNDIS_STATUS_INVALID_DATA;
    }
    if (!(flag & NDIS_RSS_PARAM_FLAG_HASH_INFO_UNCHANGED)) {
        s->rss_hashinfo = hashinfo;
    }
    if (!(flag & NDIS_RSS_PARAM_FLAG_ITABLE_UNCHANGED)) {
        s->rss_itab_len = tsize / 4;
        for (i = 0; i < s->rss_itab_len; i++) {
            s->rss_itab[i] = ldl_le_p(in + toff + 4 * i);
        }
    }
    if (!(flag & NDIS_RSS_PARAM_FLAG_HASH_KEY_UNCHANGED)) {
        memcpy(s->rss_key, in + koff, NDIS_RSS_HASH_KEY_SIZE_MAX);
    }
    s->rss = s->rss_itab_len && (s->rss_hashinfo & ~NDIS_HASH_FUNC_MASK);
    trace_hv_net_rss(s->rss, s->rss_hashinfo, s->rss_itab_len);
    return RNDIS_STATUS_SUCCESS;
}

static int hv_net_hexdigit(uint16_t c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* RNDIS_CONFIG_PARAMETER "NetworkAddress": the guest's new MAC address. */
static uint32_t hv_net_set_config(HvNet *s, const uint8_t *in, uint32_t len)
{
    static const char name[] = "NetworkAddress";
    uint32_t noff, nlen, voff, vlen, i;
    uint8_t mac[6];

    if (len < sizeof(struct rndis_config_parameter_info)) {
        return RNDIS_STATUS_INVALID_DATA;
    }
    noff = ldl_le_p(in);
    nlen = ldl_le_p(in + 4);
    voff = ldl_le_p(in + 12);
    vlen = ldl_le_p(in + 16);
    if (noff > len || nlen > len - noff || voff > len || vlen > len - voff) {
        hv_ic_log(s, "config parameter outside its %" PRIu32 " bytes", len);
        return RNDIS_STATUS_INVALID_DATA;
    }
    if (nlen != 2 * strlen(name)) {
        return RNDIS_STATUS_NOT_SUPPORTED;
    }
    for (i = 0; i < strlen(name); i++) {
        if (lduw_le_p(in + noff + 2 * i) != (uint8_t)name[i]) {
            return RNDIS_STATUS_NOT_SUPPORTED;
        }
    }
    if (vlen != 4 * 6) {
        return RNDIS_STATUS_INVALID_DATA;
    }
    for (i = 0; i < 6; i++) {
        int hi = hv_net_hexdigit(lduw_le_p(in + voff + 4 * i));
        int lo = hv_net_hexdigit(lduw_le_p(in + voff + 4 * i + 2));

        if (hi < 0 || lo < 0) {
            return RNDIS_STATUS_INVALID_DATA;
        }
        mac[i] = hi << 4 | lo;
    }
    memcpy(s->mac, mac, 6);
    return RNDIS_STATUS_SUCCESS;
}

static uint32_t hv_net_set(HvNet *s, uint32_t oid, const uint8_t *in,
                           uint32_t len)
{
    switch (oid) {
    case RNDIS_OID_GEN_CURRENT_PACKET_FILTER:
        if (len < 4) {
            return RNDIS_STATUS_INVALID_LENGTH;
        }
        s->filter = ldl_le_p(in);
        trace_hv_net_filter(s->filter);
        return RNDIS_STATUS_SUCCESS;
    case RNDIS_OID_802_3_MULTICAST_LIST:
        /* All multicast is passed while the filter asks for it. */
        return RNDIS_STATUS_SUCCESS;
    case RNDIS_OID_GEN_RNDIS_CONFIG_PARAMETER:
        return hv_net_set_config(s, in, len);
    case OID_TCP_OFFLOAD_PARAMETERS:
        return hv_net_set_offload(s, in, len);
    case OID_GEN_RECEIVE_SCALE_PARAMETERS:
        return hv_net_set_rss(s, in, len);
    default:
        return RNDIS_STATUS_NOT_SUPPORTED;
    }
}

/* ---- control dispatch ----------------------------------------------------- */

/*
 * The information buffer of a QUERY or SET: @off counts from the start of
 * the request body (after the header).  NULL/0 when absent or outside.
 */
static const uint8_t *hv_net_info_buf(HvNet *s, const uint8_t *body,
                                      uint32_t body_len, uint32_t off,
                                      uint32_t len, uint32_t *ret_len)
{
    *ret_len = 0;
    if (!len) {
        return NULL;
    }
    if (off > body_len || len > body_len - off) {
        hv_ic_log(s, "information buffer %" PRIu32 "@%" PRIu32
                  " outside a %" PRIu32 "-byte request", len, off, body_len);
        return NULL;
    }
    *ret_len = len;
    return body + off;
}

void hv_net_rndis_control(HvNet *s, const uint8_t *msg, uint32_t len)
{
    uint32_t type = ldl_le_p(msg);
    const uint8_t *body = msg + sizeof(struct rndis_msg_header);
    uint32_t blen = len - sizeof(struct rndis_msg_header);
    uint8_t out[HV_NET_MAX_CTL_MSG] = {};
    uint8_t *obody = out + sizeof(struct rndis_msg_header);
    uint32_t olen, req_id = blen >= 4 ? ldl_le_p(body) : 0;
    uint32_t status = RNDIS_STATUS_SUCCESS, oid = 0;

    switch (type) {
    case RNDIS_MSG_INIT: {
        struct rndis_init_complete *c = (void *)obody;

        if (blen < sizeof(struct rndis_init_request)) {
            goto short_msg;
        }
        c->req_id = cpu_to_le32(req_id);
        c->status = cpu_to_le32(RNDIS_STATUS_SUCCESS);
        c->major_ver = cpu_to_le32(RNDIS_MAJOR_VERSION);
        c->minor_ver = cpu_to_le32(RNDIS_MINOR_VERSION);
        c->dev_flags = cpu_to_le32(RNDIS_DF_CONNECTIONLESS);
        c->medium = cpu_to_le32(RNDIS_MEDIUM_802_3);
        c->max_pkt_per_msg = cpu_to_le32(8);
        c->max_xfer_size = cpu_to_le32(HV_NET_MAX_TX_BYTES);
        c->pkt_alignment_factor = cpu_to_le32(3);
        olen = sizeof(*c);
        type = RNDIS_MSG_INIT_C;
        hv_net_rndis_reset(s);
        s->rndis_ready = true;
        s->link_up = hv_net_link_is_up(s);
        break;
    }
    case RNDIS_MSG_QUERY: {
        struct rndis_query_complete *c = (void *)obody;
        const uint8_t *in;
        uint32_t inlen, ilen = 0;

        if (blen < sizeof(struct rndis_query_request)) {
            goto short_msg;
        }
        oid = ldl_le_p(body + 4);
        in = hv_net_info_buf(s, body, blen, ldl_le_p(body + 12),
                             ldl_le_p(body + 8), &inlen);
        status = hv_net_query(s, oid, in, inlen, obody + sizeof(*c), &ilen);
        c->req_id = cpu_to_le32(req_id);
        c->status = cpu_to_le32(status);
        c->info_buflen = cpu_to_le32(ilen);
        c->info_buf_offset = cpu_to_le32(sizeof(*c));
        olen = sizeof(*c) + ilen;
        type = RNDIS_MSG_QUERY_C;
        break;
    }
    case RNDIS_MSG_SET: {
        struct rndis_set_complete *c = (void *)obody;
        const uint8_t *in;
        uint32_t inlen;

        if (blen < sizeof(struct rndis_set_request)) {
            goto short_msg;
        }
        oid = ldl_le_p(body + 4);
        in = hv_net_info_buf(s, body, blen, ldl_le_p(body + 12),
                             ldl_le_p(body + 8), &inlen);
        status = in ? hv_net_set(s, oid, in, inlen)
                    : RNDIS_STATUS_INVALID_LENGTH;
        c->req_id = cpu_to_le32(req_id);
        c->status = cpu_to_le32(status);
        olen = sizeof(*c);
        type = RNDIS_MSG_SET_C;
        break;
    }
    case RNDIS_MSG_RESET: {
        struct rndis_reset_complete *c = (void *)obody;

        c->status = cpu_to_le32(RNDIS_STATUS_SUCCESS);
        olen = sizeof(*c);
        type = RNDIS_MSG_RESET_C;
        break;
    }
    case RNDIS_MSG_KEEPALIVE: {
        struct rndis_keepalive_complete *c = (void *)obody;

        c->req_id = cpu_to_le32(req_id);
        c->status = cpu_to_le32(RNDIS_STATUS_SUCCESS);
        olen = sizeof(*c);
        type = RNDIS_MSG_KEEPALIVE_C;
        break;
    }
    case RNDIS_MSG_HALT:
        /* No completion: the guest stops using the device. */
        trace_hv_net_rndis_ctl(type, req_id, 0, 0);
        s->rndis_ready = false;
        s->filter = 0;
        return;
    default:
        hv_ic_log(s, "RNDIS message type 0x%08" PRIx32 " refused", type);
        return;
    }
    trace_hv_net_rndis_ctl(type, req_id, oid, status);
    stl_le_p(out, type);
    stl_le_p(out + 4, sizeof(struct rndis_msg_header) + olen);
    hv_net_ctl_send(s, out, sizeof(struct rndis_msg_header) + olen);
    if (type == RNDIS_MSG_SET_C && oid == RNDIS_OID_GEN_CURRENT_PACKET_FILTER) {
        hv_net_rx_kick(s);
    }
    return;

short_msg:
    hv_ic_log(s, "RNDIS message 0x%08" PRIx32 " of %" PRIu32 " bytes",
              type, len);
}

/* ---- checksums and segmentation --------------------------------------------- */

/* Sum of the pseudo header for an L4 length (IPv4 or IPv6). */
static uint32_t hv_net_pseudo_sum(const uint8_t *ip, bool v6, uint8_t proto,
                                  uint32_t l4len)
{
    uint32_t sum;

    if (v6) {
        sum = net_checksum_add(32, (uint8_t *)ip + 8);
    } else {
        sum = net_checksum_add(8, (uint8_t *)ip + 12);
    }
    return sum + proto + (l4len >> 16) + (l4len & 0xffff);
}

/* Fill in the TCP or UDP checksum of a linear frame. */
static void hv_net_l4_csum(uint8_t *frame, uint32_t ip_off, bool v6,
                           uint8_t proto, uint32_t l4_off, uint32_t len)
{
    uint32_t l4len = len - l4_off;
    uint32_t csum_at = l4_off + (proto == IPPROTO_TCP_ ? 16 : 6);
    uint32_t sum;
    uint16_t c;

    stw_be_p(frame + csum_at, 0);
    sum = hv_net_pseudo_sum(frame + ip_off, v6, proto, l4len) +
          net_checksum_add(l4len, frame + l4_off);
    c = net_checksum_finish(sum);
    if (proto == IPPROTO_UDP_ && !c) {
        c = 0xffff;
    }
    stw_be_p(frame + csum_at, c);
}

typedef struct HvNetL3 {
    uint32_t ip_off;
    bool v6;
} HvNetL3;

/* Where the IP header starts; false if the frame is no IPv4/IPv6. */
static bool hv_net_l3(const uint8_t *frame, uint32_t len, HvNetL3 *l3)
{
    uint32_t off = 12;
    uint16_t type;

    if (len < ETH_HLEN_) {
        return false;
    }
    type = lduw_be_p(frame + off);
    if (type == ETHERTYPE_VLAN) {
        if (len < ETH_HLEN_ + 4) {
            return false;
        }
        off += 4;
        type = lduw_be_p(frame + off);
    }
    l3->ip_off = off + 2;
    if (type == ETHERTYPE_IPV4 && len >= l3->ip_off + 20) {
        l3->v6 = false;
        return true;
    }
    if (type == ETHERTYPE_IPV6 && len >= l3->ip_off + 40) {
        l3->v6 = true;
        return true;
    }
    return false;
}

/* Send a frame, with the 802.1Q tag @tci inserted when @tci >= 0. */
static void hv_net_emit(HvNet *s, uint16_t qidx, uint8_t *frame, uint32_t len,
                        int tci)
{
    uint8_t tag[4];
    struct iovec iov[3] = {
        { .iov_base = frame, .iov_len = len },
    };

    if (tci < 0) {
        hv_net_send_frame(s, qidx, iov, 1);
        return;
    }
    stw_be_p(tag, ETHERTYPE_VLAN);
    stw_be_p(tag + 2, tci);
    iov[0].iov_len = 12;
    iov[1].iov_base = tag;
    iov[1].iov_len = 4;
    iov[2].iov_base = frame + 12;
    iov[2].iov_len = len - 12;
    hv_net_send_frame(s, qidx, iov, 3);
}

/*
 * Large send (LSOv2): cut a TCP frame into segments of at most @mss payload
 * bytes, each with its own IP length/id, sequence number, flags and
 * checksums.  The guest left the IPv4 length/checksum zero and seeded the
 * TCP checksum with the pseudo header; all of that is recomputed.
 */
static int hv_net_lso(HvNet *s, uint16_t qidx, uint8_t *frame, uint32_t len,
                      uint32_t mss, uint32_t tcp_off, int tci)
{
    uint8_t *seg = s->seg_buf;
    uint32_t hlen, seq, off, ip_id = 0;
    uint8_t flags;
    HvNetL3 l3;
    unsigned n;

    if (!hv_net_l3(frame, len, &l3) ||
        tcp_off < l3.ip_off + (l3.v6 ? 40 : 20) || len < tcp_off + 20) {
        return -EINVAL;
    }
    if (!l3.v6 && (frame[l3.ip_off + 9] != IPPROTO_TCP_ ||
                   (frame[l3.ip_off] & 0xf) * 4 != tcp_off - l3.ip_off)) {
        return -EINVAL;
    }
    hlen = tcp_off + (frame[tcp_off + 12] >> 4) * 4;
    if (hlen < tcp_off + 20 || hlen > len || mss < 8 ||
        hlen + mss > HV_NET_SEG_BUF) {
        return -EINVAL;
    }
    seq = ldl_be_p(frame + tcp_off + 4);
    flags = frame[tcp_off + 13];
    if (!l3.v6) {
        ip_id = lduw_be_p(frame + l3.ip_off + 4);
    }
    for (off = hlen, n = 0;; off += mss, n++) {
        uint32_t chunk = MIN(mss, len - off);
        uint32_t slen = hlen + chunk;
        bool last = off + chunk >= len;
        uint8_t *ip = seg + l3.ip_off;
        uint8_t f = flags;

        memcpy(seg, frame, hlen);
        memcpy(seg + hlen, frame + off, chunk);
        if (l3.v6) {
            stw_be_p(ip + 4, slen - l3.ip_off - 40);
        } else {
            stw_be_p(ip + 2, slen - l3.ip_off);
            stw_be_p(ip + 4, ip_id + n);
            stw_be_p(ip + 10, 0);
            stw_be_p(ip + 10, net_checksum_finish(
                         net_checksum_add(tcp_off - l3.ip_off, ip)));
        }
        stl_be_p(seg + tcp_off + 4, seq + n * mss);
        if (!last) {
            f &= ~(0x01 | 0x08);        /* FIN, PSH only on the last */
        }
        if (n) {
            f &= ~0x80;                 /* CWR only on the first */
        }
        seg[tcp_off + 13] = f;
        hv_net_l4_csum(seg, l3.ip_off, l3.v6, IPPROTO_TCP_, tcp_off, slen);
        hv_net_emit(s, qidx, seg, slen, tci);
        if (last) {
            break;
        }
    }
    return 0;
}

/* TX checksum request: compute the L4 checksum the guest left to us. */
static int hv_net_tx_csum(HvNet *s, uint8_t *frame, uint32_t len,
                          uint32_t info)
{
    uint32_t l4_off = (info >> NDIS_TXCSUM_TCP_OFFSET_SHIFT) &
                      NDIS_TXCSUM_TCP_OFFSET_MASK;
    uint8_t proto = (info & NDIS_TXCSUM_TCP) ? IPPROTO_TCP_ : IPPROTO_UDP_;
    HvNetL3 l3;

    if (!(info & (NDIS_TXCSUM_TCP | NDIS_TXCSUM_UDP))) {
        return 0;
    }
    if (!hv_net_l3(frame, len, &l3) ||
        !(l3.v6 ? s->offl.tx_csum_ip6 : s->offl.tx_csum_ip4) ||
        l4_off < l3.ip_off + (l3.v6 ? 40 : 20) ||
        len < l4_off + (proto == IPPROTO_TCP_ ? 20 : 8)) {
        return -EINVAL;
    }
    hv_net_l4_csum(frame, l3.ip_off, l3.v6, proto, l4_off, len);
    return 0;
}

/* ---- transmit ------------------------------------------------------------ */

int hv_net_rndis_tx(HvNet *s, uint16_t qidx, uint8_t *msg, uint32_t len)
{
    uint8_t *body = msg + sizeof(struct rndis_msg_header);
    uint32_t blen = len - sizeof(struct rndis_msg_header);
    uint32_t doff, dlen, poff, plen, csum = 0, lso = 0;
    bool has_csum = false, has_lso = false;
    int tci = -1;
    uint8_t *frame;

    if (blen < sizeof(struct rndis_packet)) {
        hv_ic_log(s, "RNDIS packet of %" PRIu32 " bytes", len);
        return -EINVAL;
    }
    doff = ldl_le_p(body);
    dlen = ldl_le_p(body + 4);
    poff = ldl_le_p(body + 20);
    plen = ldl_le_p(body + 24);
    if (doff > blen || dlen > blen - doff || dlen < ETH_HLEN_) {
        hv_ic_log(s, "RNDIS frame %" PRIu32 "@%" PRIu32 " outside %" PRIu32
                  " bytes", dlen, doff, blen);
        return -EINVAL;
    }
    if (plen && (poff > blen || plen > blen - poff)) {
        hv_ic_log(s, "RNDIS PPIs %" PRIu32 "@%" PRIu32 " outside %" PRIu32
                  " bytes", plen, poff, blen);
        return -EINVAL;
    }
    while (plen >= sizeof(struct rndis_ppi)) {
        const uint8_t *ppi = body + poff;
        uint32_t size = ldl_le_p(ppi);
        uint32_t type = ldl_le_p(ppi + 4);
        uint32_t off = ldl_le_p(ppi + 8);
        uint32_t v;

        if (size < sizeof(struct rndis_ppi) || size > plen ||
            off < sizeof(struct rndis_ppi) || off > size - 4) {
            hv_ic_log(s, "malformed PPI (size %" PRIu32 " offset %" PRIu32
                      ")", size, off);
            return -EINVAL;
        }
        v = ldl_le_p(ppi + off);
        switch (type) {
        case RNDIS_PPI_IEEE_8021Q:
            tci = ((v >> NDIS_8021Q_VLANID_SHIFT) & NDIS_8021Q_VLANID_MASK) |
                  ((v & NDIS_8021Q_PRI_MASK) << 13) |
                  ((v & NDIS_8021Q_CFI) ? 0x1000 : 0);
            break;
        case RNDIS_PPI_TCPIP_CHKSUM:
            csum = v;
            has_csum = true;
            break;
        case RNDIS_PPI_TCP_LARGESEND:
            lso = v;
            has_lso = true;
            break;
        default:
            break;      /* the hash value, ...: nothing to do */
        }
        poff += size;
        plen -= size;
    }
    frame = body + doff;
    if (has_lso && (lso & NDIS_LSO_TYPE_V2)) {
        bool v6 = lso & NDIS_LSO2_IPV6;

        if (!(v6 ? s->offl.lso_ip6 : s->offl.lso_ip4) ||
            hv_net_lso(s, qidx, frame, dlen, lso & NDIS_LSO2_MSS_MASK,
                       (lso >> NDIS_LSO2_TCP_OFFSET_SHIFT) &
                       NDIS_LSO2_TCP_OFFSET_MASK, tci) < 0) {
            hv_ic_log(s, "large send 0x%08" PRIx32 " refused", lso);
            return -EINVAL;
        }
        return 0;
    }
    if (has_csum && hv_net_tx_csum(s, frame, dlen, csum) < 0) {
        hv_ic_log(s, "checksum request 0x%08" PRIx32 " refused", csum);
        return -EINVAL;
    }
    hv_net_emit(s, qidx, frame, dlen, tci);
    return 0;
}

/* ---- receive ------------------------------------------------------------------ */

/* Toeplitz hash of @len input bytes with the guest's 40-byte key. */
static uint32_t hv_net_toeplitz(const uint8_t *key, const uint8_t *in,
                                unsigned len)
{
    uint32_t hash = 0, window = ldl_be_p(key);
    unsigned i, b;

    for (i = 0; i < len; i++) {
        for (b = 0; b < 8; b++) {
            unsigned kbit = 32 + i * 8 + b;

            if (in[i] & (0x80 >> b)) {
                hash ^= window;
            }
            window <<= 1;
            if (kbit < NDIS_RSS_HASH_KEY_SIZE_MAX * 8 &&
                (key[kbit / 8] & (0x80 >> (kbit % 8)))) {
                window |= 1;
            }
        }
    }
    return hash;
}

/*
 * Verify the IP header and TCP/UDP checksums of a received frame; returns
 * the NDIS_RXCSUM_* bits that may be told to the guest (only successes the
 * host really checked), 0 when nothing was verified.
 */
static uint32_t hv_net_rx_csum(const struct iovec *iov, int iovcnt,
                               size_t len, const uint8_t *h, uint32_t hlen,
                               const HvNetL3 *l3, uint8_t proto,
                               uint32_t l4_off)
{
    uint32_t l4len, sum, bits = 0;

    if (!l3->v6) {
        uint32_t ihl = (h[l3->ip_off] & 0xf) * 4;
        uint32_t tot = lduw_be_p(h + l3->ip_off + 2);

        if (ihl < 20 || l3->ip_off + ihl > hlen ||
            net_checksum_finish(net_checksum_add(ihl, (uint8_t *)h +
                                                 l3->ip_off))) {
            return 0;
        }
        bits |= NDIS_RXCSUM_IP_SUCCEEDED;
        if (tot < ihl || l3->ip_off + tot > len) {
            return bits;
        }
        l4len = tot - ihl;
    } else {
        l4len = lduw_be_p(h + l3->ip_off + 4) - (l4_off - l3->ip_off - 40);
        if (l4_off - l3->ip_off - 40 > lduw_be_p(h + l3->ip_off + 4) ||
            l4_off + l4len > len) {
            return 0;
        }
    }
    if (l4len < (proto == IPPROTO_TCP_ ? 20u : 8u)) {
        return bits;
    }
    if (proto == IPPROTO_UDP_ && !lduw_be_p(h + l4_off + 6)) {
        return bits;    /* UDP over IPv4 without a checksum */
    }
    sum = hv_net_pseudo_sum(h + l3->ip_off, l3->v6, proto, l4len) +
          net_checksum_add_iov(iov, iovcnt, l4_off, l4len, 0);
    if (net_checksum_finish(sum)) {
        return bits;
    }
    return bits | (proto == IPPROTO_TCP_ ? NDIS_RXCSUM_TCP_SUCCEEDED
                                        : NDIS_RXCSUM_UDP_SUCCEEDED);
}

static uint8_t *hv_net_add_ppi(uint8_t *p, uint32_t type, uint32_t value)
{
    stl_le_p(p, sizeof(struct rndis_ppi) + 4);
    stl_le_p(p + 4, type);
    stl_le_p(p + 8, sizeof(struct rndis_ppi));
    stl_le_p(p + 12, value);
    return p + sizeof(struct rndis_ppi) + 4;
}

uint32_t hv_net_rndis_rx_header(HvNet *s, uint8_t *hdr,
                                const struct iovec *iov, int iovcnt,
                                size_t frame_len, uint16_t *ret_queue)
{
    uint8_t h[128];
    uint32_t hlen = iov_to_buf(iov, iovcnt, 0, h, sizeof(h));
    uint8_t *ppi = hdr + RNDIS_PACKET_HEADER_SIZE;
    uint32_t csum = 0, hash = 0, ppi_len;
    bool hashed = false;
    HvNetL3 l3;

    *ret_queue = 0;
    if (hv_net_l3(h, hlen, &l3)) {
        uint8_t proto = 0;
        uint32_t l4_off = 0;
        bool frag = false;

        if (!l3.v6) {
            proto = h[l3.ip_off + 9];
            l4_off = l3.ip_off + (h[l3.ip_off] & 0xf) * 4;
            frag = lduw_be_p(h + l3.ip_off + 6) & 0x3fff;
        } else {
            proto = h[l3.ip_off + 6];      /* no extension headers */
            l4_off = l3.ip_off + 40;
        }
        if ((proto != IPPROTO_TCP_ && proto != IPPROTO_UDP_) || frag ||
            l4_off + 4 > hlen) {
            proto = 0;
        }
        if (proto && s->offload) {
            csum = hv_net_rx_csum(iov, iovcnt, frame_len, h, hlen, &l3,
                                  proto, l4_off);
        }
        if (s->rss) {
            uint8_t in[36];
            unsigned n = l3.v6 ? 32 : 8;
            bool l4 = proto && (s->rss_hashinfo & (l3.v6 ? NDIS_HASH_TCP_IPV6
                                                         : NDIS_HASH_TCP_IPV4));
            bool l3ok = s->rss_hashinfo & (l3.v6 ? NDIS_HASH_IPV6
                                                 : NDIS_HASH_IPV4);

            memcpy(in, h + l3.ip_off + (l3.v6 ? 8 : 12), n);
            if (l4) {
                memcpy(in + n, h + l4_off, 4);  /* source, destination port */
                n += 4;
            }
            if (l4 || l3ok) {
                hash = hv_net_toeplitz(s->rss_key, in, n);
                hashed = true;
                *ret_queue = s->rss_itab[hash % s->rss_itab_len];
            }
        }
    }
    if (csum) {
        ppi = hv_net_add_ppi(ppi, RNDIS_PPI_TCPIP_CHKSUM, csum);
    }
    if (hashed) {
        ppi = hv_net_add_ppi(ppi, RNDIS_PPI_NBL_HASH_VALUE, hash);
    }
    ppi_len = ppi - (hdr + RNDIS_PACKET_HEADER_SIZE);

    stl_le_p(hdr, RNDIS_MSG_PACKET);
    stl_le_p(hdr + 4, RNDIS_PACKET_HEADER_SIZE + ppi_len + frame_len);
    memset(hdr + 8, 0, sizeof(struct rndis_packet));
    stl_le_p(hdr + 8, sizeof(struct rndis_packet) + ppi_len);  /* data_offset */
    stl_le_p(hdr + 12, frame_len);                              /* data_len */
    if (ppi_len) {
        stl_le_p(hdr + 28, sizeof(struct rndis_packet));   /* ppi offset */
        stl_le_p(hdr + 32, ppi_len);
    }
    return RNDIS_PACKET_HEADER_SIZE + ppi_len;
}
