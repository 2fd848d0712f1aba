/*
 * hvhost: Hyper-V integration component (IC) framework for VMBus devices
 *
 * Negotiation, framing, one-at-a-time transactions with timeouts, and the
 * coroutine glue the QMP commands use to wait for the guest.
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "block/aio.h"
#include "hw/qdev-core.h"
#include "migration/vmstate.h"
#include "qapi/qapi-commands-hvhost.h"
#include "hv-ic.h"
#include "hv-ic-log.h"
#include "trace.h"

struct HvICRequest {
    QTAILQ_ENTRY(HvICRequest) next;
    uint16_t msgtype;
    uint8_t *buf;               /* pipe header + icmsg header + body */
    uint32_t len;
    uint64_t trans_id;
    uint32_t timeout_ms;        /* 0: wait for ever */
    HvICReplyFn *cb;
    void *opaque;
};

/* Hyper-V's framework versions, newest first. */
static const struct ic_version hv_ic_fw_versions[] = {
    { 3, 0 }, { 1, 0 },
};

/* Room for a negotiate offer: counts + up to 8 versions. */
#define HV_IC_NEGOTIATE_MAX_OFFER 8

/* ---- logging ---------------------------------------------------------- */

bool hv_ic_log_ratelimit(void)
{
    static int64_t window;
    static unsigned count;
    int64_t now = qemu_clock_get_ms(QEMU_CLOCK_REALTIME);

    if (now - window > 1000) {
        window = now;
        count = 0;
    }
    return ++count <= 10;
}

/* ---- text ------------------------------------------------------------- */

int hv_ic_utf8_to_utf16le(const char *s, uint8_t *dst, size_t max_units)
{
    g_autofree gunichar2 *u = NULL;
    glong n = 0;
    glong i;

    u = g_utf8_to_utf16(s, -1, NULL, &n, NULL);
    if (!u || (size_t)n + 1 > max_units) {
        return -1;
    }
    for (i = 0; i <= n; i++) {
        stw_le_p(dst + 2 * i, i < n ? u[i] : 0);
    }
    return (n + 1) * 2;
}

char *hv_ic_utf16le_to_utf8(const uint8_t *src, size_t max_units)
{
    g_autofree gunichar2 *u = g_new0(gunichar2, max_units + 1);
    size_t n;

    for (n = 0; n < max_units; n++) {
        u[n] = lduw_le_p(src + 2 * n);
        if (!u[n]) {
            break;
        }
    }
    return g_utf16_to_utf8(u, n, NULL, NULL, NULL);
}

/* ---- status names ------------------------------------------------------- */

const char *hv_ic_status_name(uint32_t status)
{
    switch (status) {
    case HV_S_OK: return "HV_S_OK";
    case HV_E_FAIL: return "HV_E_FAIL";
    case HV_S_CONT: return "HV_S_CONT";
    case HV_E_ACCESSDENIED: return "HV_E_ACCESSDENIED";
    case HV_ERROR_PATH_NOT_FOUND: return "HV_ERROR_PATH_NOT_FOUND";
    case HV_ERROR_NOT_SUPPORTED: return "HV_ERROR_NOT_SUPPORTED";
    case HV_ERROR_MACHINE_LOCKED: return "HV_ERROR_MACHINE_LOCKED";
    case HV_ERROR_DEVICE_NOT_CONNECTED: return "HV_ERROR_DEVICE_NOT_CONNECTED";
    case HV_INVALIDARG: return "HV_INVALIDARG";
    case HV_GUID_NOTFOUND: return "HV_GUID_NOTFOUND";
    case HV_ERROR_ALREADY_EXISTS: return "HV_ERROR_ALREADY_EXISTS";
    case HV_ERROR_DISK_FULL: return "HV_ERROR_DISK_FULL";
    default: return "unknown";
    }
}

void hv_ic_error_status(Error **errp, const char *what, uint32_t status)
{
    error_setg(errp, "%s: guest answered status 0x%08" PRIx32 " (%s)",
               what, status, hv_ic_status_name(status));
}

const char *hv_ic_state_name(HvICState state)
{
    switch (state) {
    case HV_IC_CLOSED: return "closed";
    case HV_IC_NEGOTIATING: return "negotiating";
    case HV_IC_READY: return "ready";
    case HV_IC_FAILED: return "failed";
    }
    return "unknown";
}

bool hv_ic_is_ready(HvIC *ic)
{
    return ic->state == HV_IC_READY && !ic->unrealized;
}

/* ---- transactions ------------------------------------------------------ */

static VMBusChannel *hv_ic_chan(HvIC *ic)
{
    return vmbus_device_channel(VMBUS_DEVICE(ic), 0);
}

static void hv_ic_kick_later(HvIC *ic, int64_t delay_ms)
{
    if (!ic->unrealized) {
        timer_mod(ic->kick_timer,
                  qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + delay_ms);
    }
}

static HvICRequest *hv_ic_request_new(HvIC *ic, uint16_t msgtype,
                                      const void *body, uint32_t len,
                                      uint32_t timeout_ms,
                                      HvICReplyFn *cb, void *opaque)
{
    HvICRequest *req = g_new0(HvICRequest, 1);
    struct vmbuspipe_hdr *pipe;
    struct icmsg_hdr *hdr;

    req->msgtype = msgtype;
    req->len = IC_HDR_SIZE + len;
    req->buf = g_malloc0(req->len);
    req->timeout_ms = timeout_ms;
    req->cb = cb;
    req->opaque = opaque;

    pipe = (struct vmbuspipe_hdr *)req->buf;
    pipe->flags = cpu_to_le32(VMBUS_PIPE_TYPE_DATA);
    pipe->msgsize = cpu_to_le32(sizeof(struct icmsg_hdr) + len);

    hdr = (struct icmsg_hdr *)(req->buf + sizeof(*pipe));
    if (msgtype == IC_MSGTYPE_NEGOTIATE) {
        hdr->icverframe.major = cpu_to_le16(hv_ic_fw_versions[0].major);
        hdr->icverframe.minor = cpu_to_le16(hv_ic_fw_versions[0].minor);
    } else {
        hdr->icverframe.major = cpu_to_le16(ic->fw.major);
        hdr->icverframe.minor = cpu_to_le16(ic->fw.minor);
        hdr->icvermsg.major = cpu_to_le16(ic->ver.major);
        hdr->icvermsg.minor = cpu_to_le16(ic->ver.minor);
    }
    hdr->icmsgtype = cpu_to_le16(msgtype);
    hdr->icmsgsize = cpu_to_le16(len);
    hdr->icflags = IC_FLAG_TRANSACTION | IC_FLAG_REQUEST;
    memcpy(req->buf + IC_HDR_SIZE, body, len);
    return req;
}

static void hv_ic_request_free(HvICRequest *req)
{
    g_free(req->buf);
    g_free(req);
}

static void hv_ic_complete(HvIC *ic, HvICRequest *req, int err,
                           uint32_t status, const uint8_t *body, uint32_t len)
{
    trace_hv_ic_complete(HV_IC_GET_CLASS(ic)->service, req->trans_id, err,
                         status);
    if (req->cb) {
        req->cb(ic, req->opaque, err, status, body, len);
    }
    hv_ic_request_free(req);
}

static void hv_ic_fail_all(HvIC *ic, int err)
{
    HvICRequest *req;

    timer_del(ic->timeout_timer);
    if (ic->inflight) {
        req = ic->inflight;
        ic->inflight = NULL;
        hv_ic_complete(ic, req, err, 0, NULL, 0);
    }
    while ((req = QTAILQ_FIRST(&ic->queue))) {
        QTAILQ_REMOVE(&ic->queue, req, next);
        hv_ic_complete(ic, req, err, 0, NULL, 0);
    }
}

static void hv_ic_kick(void *opaque)
{
    HvIC *ic = opaque;
    VMBusChannel *chan = hv_ic_chan(ic);
    HvICRequest *req;
    struct icmsg_hdr *hdr;
    ssize_t r;

    if (ic->inflight || ic->unrealized) {
        return;
    }
    req = QTAILQ_FIRST(&ic->queue);
    if (!req) {
        return;
    }
    if (!chan || !vmbus_channel_is_open(chan)) {
        hv_ic_fail_all(ic, -ENOTCONN);
        return;
    }
    if (vmbus_channel_reserve(chan, 0, req->len)) {
        /* The guest has not drained the ring yet: try again soon. */
        hv_ic_kick_later(ic, 10);
        return;
    }
    QTAILQ_REMOVE(&ic->queue, req, next);
    req->trans_id = ++ic->next_trans_id;
    hdr = (struct icmsg_hdr *)(req->buf + sizeof(struct vmbuspipe_hdr));
    hdr->ictransaction_id = (uint8_t)req->trans_id;
    ic->inflight = req;
    trace_hv_ic_send(HV_IC_GET_CLASS(ic)->service, req->msgtype,
                     req->trans_id, req->len);
    r = vmbus_channel_send(chan, VMBUS_PACKET_DATA_INBAND, NULL, 0,
                           req->buf, req->len, false, req->trans_id);
    if (r < 0) {
        ic->inflight = NULL;
        hv_ic_complete(ic, req, -EIO, 0, NULL, 0);
        hv_ic_kick_later(ic, 0);
        return;
    }
    if (req->timeout_ms) {
        timer_mod(ic->timeout_timer,
                  qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + req->timeout_ms);
    }
}

static void hv_ic_timeout(void *opaque)
{
    HvIC *ic = opaque;
    HvICRequest *req = ic->inflight;

    if (!req) {
        return;
    }
    hv_ic_log(ic, "no answer to transaction %" PRIu64 " (type %u) in %u ms",
              req->trans_id, req->msgtype, req->timeout_ms);
    ic->inflight = NULL;
    hv_ic_complete(ic, req, -ETIMEDOUT, 0, NULL, 0);
    hv_ic_kick(ic);
}

static int hv_ic_enqueue(HvIC *ic, HvICRequest *req)
{
    if (ic->unrealized) {
        hv_ic_request_free(req);
        return -ENOTCONN;
    }
    QTAILQ_INSERT_TAIL(&ic->queue, req, next);
    /* Never send (or fail) from the caller's context: callbacks may wake
     * coroutines, which must have yielded first. */
    hv_ic_kick_later(ic, 0);
    return 0;
}

int hv_ic_request(HvIC *ic, const void *body, uint32_t len,
                  uint32_t timeout_ms, HvICReplyFn *cb, void *opaque)
{
    HvICClass *icc = HV_IC_GET_CLASS(ic);

    if (!hv_ic_is_ready(ic)) {
        return -ENOTCONN;
    }
    return hv_ic_enqueue(ic, hv_ic_request_new(ic, icc->msgtype, body, len,
                                               timeout_ms, cb, opaque));
}

/* ---- negotiation -------------------------------------------------------- */

static bool hv_ic_version_in(const struct ic_version *v,
                             const struct ic_version *list, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++) {
        if (list[i].major == v->major && list[i].minor == v->minor) {
            return true;
        }
    }
    return false;
}

static void hv_ic_negotiated(HvIC *ic, void *opaque, int err, uint32_t status,
                             const uint8_t *body, uint32_t len)
{
    HvICClass *icc = HV_IC_GET_CLASS(ic);
    const struct icmsg_negotiate *neg = (const void *)body;
    struct ic_version fw, ver;

    if (err || ic->state != HV_IC_NEGOTIATING) {
        return;
    }
    if (status != HV_S_OK) {
        hv_ic_log(ic, "guest refused the negotiation: status 0x%08" PRIx32,
                  status);
        goto fail;
    }
    if (len < sizeof(*neg) + 2 * sizeof(struct ic_version) ||
        le16_to_cpu(neg->icframe_vercnt) != 1 ||
        le16_to_cpu(neg->icmsg_vercnt) != 1) {
        hv_ic_log(ic, "malformed negotiation answer (%u bytes)", len);
        goto fail;
    }
    fw.major = le16_to_cpu(neg->icversion_data[0].major);
    fw.minor = le16_to_cpu(neg->icversion_data[0].minor);
    ver.major = le16_to_cpu(neg->icversion_data[1].major);
    ver.minor = le16_to_cpu(neg->icversion_data[1].minor);
    if (!hv_ic_version_in(&fw, icc->fw_versions, icc->n_fw_versions) ||
        !hv_ic_version_in(&ver, icc->versions, icc->n_versions)) {
        hv_ic_log(ic, "guest chose versions never offered: framework %u.%u,"
                  " message %u.%u", fw.major, fw.minor, ver.major, ver.minor);
        goto fail;
    }
    ic->fw = fw;
    ic->ver = ver;
    ic->state = HV_IC_READY;
    trace_hv_ic_ready(icc->service, fw.major, fw.minor, ver.major, ver.minor);
    if (icc->ready) {
        icc->ready(ic);
    }
    return;
fail:
    ic->state = HV_IC_FAILED;
}

static void hv_ic_start_negotiation(HvIC *ic)
{
    HvICClass *icc = HV_IC_GET_CLASS(ic);
    uint8_t body[sizeof(struct icmsg_negotiate) +
                 HV_IC_NEGOTIATE_MAX_OFFER * sizeof(struct ic_version)] = {};
    struct icmsg_negotiate *neg = (void *)body;
    unsigned i, n = 0;

    neg->icframe_vercnt = cpu_to_le16(icc->n_fw_versions);
    neg->icmsg_vercnt = cpu_to_le16(icc->n_versions);
    for (i = 0; i < icc->n_fw_versions; i++, n++) {
        neg->icversion_data[n].major = cpu_to_le16(icc->fw_versions[i].major);
        neg->icversion_data[n].minor = cpu_to_le16(icc->fw_versions[i].minor);
    }
    for (i = 0; i < icc->n_versions; i++, n++) {
        neg->icversion_data[n].major = cpu_to_le16(icc->versions[i].major);
        neg->icversion_data[n].minor = cpu_to_le16(icc->versions[i].minor);
    }
    ic->state = HV_IC_NEGOTIATING;
    /* No timeout: KVP guests answer only once their daemon registered. */
    hv_ic_enqueue(ic, hv_ic_request_new(ic, IC_MSGTYPE_NEGOTIATE, body,
                                        sizeof(*neg) +
                                        n * sizeof(struct ic_version),
                                        0, hv_ic_negotiated, NULL));
}

/* ---- channel callbacks --------------------------------------------------- */

static void hv_ic_handle_packet(HvIC *ic, uint16_t pkt_type, uint64_t trans_id,
                                const uint8_t *msg, uint32_t len)
{
    const struct icmsg_hdr *hdr;
    HvICRequest *req = ic->inflight;
    uint16_t msgtype;

    if (pkt_type != VMBUS_PACKET_DATA_INBAND) {
        hv_ic_log(ic, "unexpected packet type %u", pkt_type);
        return;
    }
    if (len < IC_HDR_SIZE) {
        hv_ic_log(ic, "short packet (%u bytes)", len);
        return;
    }
    hdr = (const void *)(msg + sizeof(struct vmbuspipe_hdr));
    msgtype = le16_to_cpu(hdr->icmsgtype);
    if (!(hdr->icflags & IC_FLAG_RESPONSE) || (hdr->icflags & IC_FLAG_REQUEST)) {
        hv_ic_log(ic, "packet is no response (icflags 0x%x)", hdr->icflags);
        return;
    }
    if (!req || req->trans_id != trans_id ||
        hdr->ictransaction_id != (uint8_t)req->trans_id) {
        hv_ic_log(ic, "answer to unknown transaction %" PRIu64, trans_id);
        return;
    }
    if (msgtype != req->msgtype) {
        hv_ic_log(ic, "answer of type %u to a request of type %u",
                  msgtype, req->msgtype);
        return;
    }
    timer_del(ic->timeout_timer);
    ic->inflight = NULL;
    hv_ic_complete(ic, req, 0, le32_to_cpu(hdr->status), msg + IC_HDR_SIZE,
                   len - IC_HDR_SIZE);
    hv_ic_kick(ic);
}

static void hv_ic_chan_notify(VMBusChannel *chan)
{
    HvIC *ic = HV_IC(vmbus_channel_device(chan));

    for (;;) {
        VMBusChanReq *vreq;
        g_autofree uint8_t *copy = NULL;
        uint16_t type;
        uint64_t trans_id;
        uint32_t len;

        if (vmbus_channel_recv_start(chan)) {
            return;
        }
        vreq = vmbus_channel_recv_peek(chan, sizeof(*vreq));
        if (!vreq) {
            vmbus_channel_recv_done(chan);
            return;
        }
        type = vreq->pkt_type;
        trans_id = vreq->transaction_id;
        len = vreq->msglen;
        copy = g_memdup2(vreq->msg, len);
        vmbus_channel_recv_pop(chan);
        vmbus_free_req(vreq);
        vmbus_channel_recv_done(chan);
        hv_ic_handle_packet(ic, type, trans_id, copy, len);
    }
}

static void hv_ic_opened_cb(void *opaque)
{
    HvIC *ic = opaque;
    VMBusChannel *chan = hv_ic_chan(ic);

    if (ic->state != HV_IC_CLOSED || !chan || !vmbus_channel_is_open(chan)) {
        return;
    }
    hv_ic_start_negotiation(ic);
}

static int hv_ic_open_channel(VMBusChannel *chan)
{
    HvIC *ic = HV_IC(vmbus_channel_device(chan));

    trace_hv_ic_open(HV_IC_GET_CLASS(ic)->service);
    ic->state = HV_IC_CLOSED;
    /* The channel becomes usable only once the open result went out. */
    timer_mod(ic->open_timer, qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) + 1);
    return 0;
}

static void hv_ic_reset_state(HvIC *ic)
{
    HvICClass *icc = HV_IC_GET_CLASS(ic);

    ic->state = HV_IC_CLOSED;
    if (ic->open_timer) {
        timer_del(ic->open_timer);
    }
    ic->fw = (struct ic_version){};
    ic->ver = (struct ic_version){};
    hv_ic_fail_all(ic, -ENOTCONN);
    if (icc->closed) {
        icc->closed(ic);
    }
}

static void hv_ic_close_channel(VMBusChannel *chan)
{
    HvIC *ic = HV_IC(vmbus_channel_device(chan));

    trace_hv_ic_close(HV_IC_GET_CLASS(ic)->service);
    hv_ic_reset_state(ic);
}

static uint16_t hv_ic_num_channels(VMBusDevice *vdev)
{
    return 1;
}

static void hv_ic_free_timers(HvIC *ic)
{
    timer_free(ic->timeout_timer);
    ic->timeout_timer = NULL;
    timer_free(ic->kick_timer);
    ic->kick_timer = NULL;
    timer_free(ic->open_timer);
    ic->open_timer = NULL;
}

static void hv_ic_vmdev_realize(VMBusDevice *vdev, Error **errp)
{
    HvIC *ic = HV_IC(vdev);

    QTAILQ_INIT(&ic->queue);
    ic->unrealized = false;
    ic->state = HV_IC_CLOSED;
    ic->timeout_timer = timer_new_ms(QEMU_CLOCK_REALTIME, hv_ic_timeout, ic);
    /* Real time: a stopped VM still times requests out. */
    ic->kick_timer = timer_new_ms(QEMU_CLOCK_REALTIME, hv_ic_kick, ic);
    ic->open_timer = timer_new_ms(QEMU_CLOCK_VIRTUAL, hv_ic_opened_cb, ic);
    if (HV_IC_GET_CLASS(ic)->realize) {
        Error *err = NULL;

        HV_IC_GET_CLASS(ic)->realize(ic, &err);
        if (err) {
            error_propagate(errp, err);
            ic->unrealized = true;
            hv_ic_free_timers(ic);
        }
    }
}

static void hv_ic_vmdev_unrealize(VMBusDevice *vdev)
{
    HvIC *ic = HV_IC(vdev);

    hv_ic_reset_state(ic);
    ic->unrealized = true;
    if (HV_IC_GET_CLASS(ic)->unrealize) {
        HV_IC_GET_CLASS(ic)->unrealize(ic);
    }
    hv_ic_free_timers(ic);
}

static void hv_ic_vmdev_reset(VMBusDevice *vdev)
{
    hv_ic_reset_state(HV_IC(vdev));
}

/* ---- coroutine glue ------------------------------------------------------ */

typedef struct HvICWait {
    Coroutine *co;
    int err;
    uint32_t status;
    uint8_t *body;
    uint32_t len;
} HvICWait;

static void hv_ic_wait_done(HvIC *ic, void *opaque, int err, uint32_t status,
                            const uint8_t *body, uint32_t len)
{
    HvICWait *w = opaque;

    w->err = err;
    w->status = status;
    w->body = body ? g_memdup2(body, len) : NULL;
    w->len = body ? len : 0;
    /* Resume the command from a bottom half, not from inside the IC. */
    aio_co_schedule(qemu_get_aio_context(), w->co);
}

int coroutine_fn hv_ic_transact_co(HvIC *ic, const void *body, uint32_t len,
                                   uint32_t timeout_ms, uint32_t *ret_status,
                                   uint8_t **ret_body, uint32_t *ret_len,
                                   Error **errp)
{
    HvICClass *icc = HV_IC_GET_CLASS(ic);
    HvICWait w = { .co = qemu_coroutine_self() };
    const char *id = DEVICE(ic)->id ?: object_get_typename(OBJECT(ic));

    if (!hv_ic_is_ready(ic)) {
        error_setg(errp, "%s: IC not negotiated (state %s)", id,
                   hv_ic_state_name(ic->state));
        return -1;
    }
    if (hv_ic_request(ic, body, len, timeout_ms, hv_ic_wait_done, &w) < 0) {
        error_setg(errp, "%s: cannot queue the request", id);
        return -1;
    }
    qemu_coroutine_yield();
    switch (w.err) {
    case 0:
        break;
    case -ETIMEDOUT:
        error_setg(errp, "%s: timed out after %u ms waiting for the guest",
                   id, timeout_ms);
        return -1;
    case -ENOTCONN:
        error_setg(errp, "%s: channel closed before the guest answered", id);
        return -1;
    default:
        error_setg(errp, "%s: %s request failed: %s", id, icc->service,
                   strerror(-w.err));
        return -1;
    }
    *ret_status = w.status;
    if (ret_body) {
        *ret_body = w.body;
        *ret_len = w.len;
    } else {
        g_free(w.body);
    }
    return 0;
}

/* ---- lookup and QMP ------------------------------------------------------ */

typedef struct HvICFind {
    const char *typename;
    HvIC *found;
    unsigned count;
} HvICFind;

static int hv_ic_find_one(Object *obj, void *opaque)
{
    HvICFind *f = opaque;

    if (object_dynamic_cast(obj, f->typename) &&
        DEVICE(obj)->realized) {
        f->found = HV_IC(obj);
        f->count++;
    }
    return 0;
}

HvIC *hv_ic_find(const char *typename, const char *id, Error **errp)
{
    HvICFind f = { .typename = typename };

    if (id) {
        Object *obj = object_resolve_path_component(
            container_get(qdev_get_machine(), "/peripheral"), id);
        if (!obj || !object_dynamic_cast(obj, typename) ||
            !DEVICE(obj)->realized) {
            error_setg(errp, "no %s device with id '%s'", typename, id);
            return NULL;
        }
        return HV_IC(obj);
    }
    object_child_foreach_recursive(object_get_root(), hv_ic_find_one, &f);
    if (!f.count) {
        error_setg(errp, "no %s device", typename);
        return NULL;
    }
    if (f.count > 1) {
        error_setg(errp, "%u %s devices: select one with 'id'", f.count,
                   typename);
        return NULL;
    }
    return f.found;
}

static int hv_ic_list_one(Object *obj, void *opaque)
{
    HvIcInfoList ***tail = opaque;
    HvIC *ic;
    HvIcInfo *info;

    if (!object_dynamic_cast(obj, TYPE_HV_IC) || !DEVICE(obj)->realized) {
        return 0;
    }
    ic = HV_IC(obj);
    info = g_new0(HvIcInfo, 1);
    info->id = g_strdup(DEVICE(obj)->id ?: "");
    info->type = g_strdup(object_get_typename(obj));
    info->state = g_strdup(hv_ic_state_name(ic->state));
    if (ic->state == HV_IC_READY) {
        info->has_framework = true;
        info->has_version = true;
        info->framework = g_strdup_printf("%u.%u", ic->fw.major,
                                          ic->fw.minor);
        info->version = g_strdup_printf("%u.%u", ic->ver.major, ic->ver.minor);
    }
    info->path = object_get_canonical_path(obj);
    QAPI_LIST_APPEND(*tail, info);
    return 0;
}

HvIcInfoList *qmp_query_hv_ics(Error **errp)
{
    HvIcInfoList *list = NULL, **tail = &list;

    object_child_foreach_recursive(object_get_root(), hv_ic_list_one, &tail);
    return list;
}

/* ---- QOM ------------------------------------------------------------------ */

static const VMStateDescription vmstate_hv_ic = {
    .name = TYPE_HV_IC,
    .unmigratable = 1,
};

static void hv_ic_instance_init(Object *obj)
{
    HvICClass *icc = HV_IC_GET_CLASS(obj);
    VMBusDevice *vdev = VMBUS_DEVICE(obj);

    /* A fixed default per class: a re-added device is the same device. */
    if (icc->default_instance) {
        qemu_uuid_parse(icc->default_instance, &vdev->instanceid);
    }
    object_property_add_alias(obj, "instance", obj, "instanceid");
}

static void hv_ic_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VMBusDeviceClass *vdc = VMBUS_DEVICE_CLASS(klass);
    HvICClass *icc = HV_IC_CLASS(klass);

    dc->vmsd = &vmstate_hv_ic;
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    vdc->vmdev_realize = hv_ic_vmdev_realize;
    vdc->vmdev_unrealize = hv_ic_vmdev_unrealize;
    vdc->vmdev_reset = hv_ic_vmdev_reset;
    vdc->num_channels = hv_ic_num_channels;
    vdc->open_channel = hv_ic_open_channel;
    vdc->close_channel = hv_ic_close_channel;
    vdc->chan_notify_cb = hv_ic_chan_notify;
    icc->fw_versions = hv_ic_fw_versions;
    icc->n_fw_versions = ARRAY_SIZE(hv_ic_fw_versions);
}

static const TypeInfo hv_ic_type_info = {
    .name = TYPE_HV_IC,
    .parent = TYPE_VMBUS_DEVICE,
    .instance_size = sizeof(HvIC),
    .instance_init = hv_ic_instance_init,
    .class_size = sizeof(HvICClass),
    .class_init = hv_ic_class_init,
    .abstract = true,
};

static void hv_ic_register_types(void)
{
    type_register_static(&hv_ic_type_info);
}

type_init(hv_ic_register_types)
