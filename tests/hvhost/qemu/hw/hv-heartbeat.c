/*
 * hvhost: heartbeat integration component, host side
 *
 * Every @interval ms the host sends HEARTBEAT with a sequence number; the
 * guest returns it incremented by one.
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/qdev-properties.h"
#include "sysemu/runstate.h"
#include "qapi/qapi-commands-hvhost.h"
#include "hyperv/vmbus.h"
#include "hv-ic.h"
#include "hv-ic-log.h"
#include "trace.h"

#define TYPE_HV_HEARTBEAT "hv-heartbeat"
OBJECT_DECLARE_SIMPLE_TYPE(HvHeartbeat, HV_HEARTBEAT)

/* HEARTBEAT body (Linux's struct heartbeat_msg_data). */
typedef struct QEMU_PACKED HvHeartbeatMsg {
    uint64_t seq_num;
    uint32_t reserved[8];
} HvHeartbeatMsg;
QEMU_BUILD_BUG_ON(sizeof(HvHeartbeatMsg) != 40);

struct HvHeartbeat {
    HvIC parent_obj;
    uint32_t interval;          /* ms */

    QEMUTimer *timer;
    bool inflight;
    uint64_t sequence;          /* last value the guest returned */
    uint64_t answers;
    int64_t last_answer_ms;     /* QEMU_CLOCK_REALTIME, -1: never */
};

static const struct ic_version hv_heartbeat_versions[] = {
    { 3, 0 }, { 1, 0 },
};

static void hv_heartbeat_schedule(HvHeartbeat *hb)
{
    timer_mod(hb->timer, qemu_clock_get_ms(QEMU_CLOCK_REALTIME) +
              hb->interval);
}

static void hv_heartbeat_done(HvIC *ic, void *opaque, int err,
                              uint32_t status, const uint8_t *body,
                              uint32_t len)
{
    HvHeartbeat *hb = HV_HEARTBEAT(ic);
    uint64_t sent = (uintptr_t)opaque, seq;

    hb->inflight = false;
    trace_hv_heartbeat(sent, err, status);
    if (err) {
        return;
    }
    if (status != HV_S_OK || len < sizeof(HvHeartbeatMsg)) {
        hv_ic_log(ic, "bad heartbeat answer: status 0x%08" PRIx32
                  ", %u bytes", status, len);
        return;
    }
    seq = ldq_le_p(body);
    if (seq != sent + 1) {
        hv_ic_log(ic, "heartbeat sequence %" PRIu64 " answered with %" PRIu64,
                  sent, seq);
    }
    hb->sequence = seq;
    hb->answers++;
    hb->last_answer_ms = qemu_clock_get_ms(QEMU_CLOCK_REALTIME);
}

static void hv_heartbeat_tick(void *opaque)
{
    HvHeartbeat *hb = opaque;
    HvHeartbeatMsg msg = {};

    if (!hv_ic_is_ready(HV_IC(hb))) {
        return;
    }
    hv_heartbeat_schedule(hb);
    /* Nothing can answer while the VM is stopped. */
    if (hb->inflight || !runstate_is_running()) {
        return;
    }
    msg.seq_num = cpu_to_le64(hb->sequence);
    if (hv_ic_request(HV_IC(hb), &msg, sizeof(msg),
                      MAX(3 * hb->interval, 1000), hv_heartbeat_done,
                      (void *)(uintptr_t)hb->sequence) == 0) {
        hb->inflight = true;
    }
}

static void hv_heartbeat_ready(HvIC *ic)
{
    HvHeartbeat *hb = HV_HEARTBEAT(ic);

    hb->inflight = false;
    timer_mod(hb->timer, qemu_clock_get_ms(QEMU_CLOCK_REALTIME));
}

static void hv_heartbeat_closed(HvIC *ic)
{
    HvHeartbeat *hb = HV_HEARTBEAT(ic);

    if (hb->timer) {
        timer_del(hb->timer);
    }
    hb->inflight = false;
}

HvHeartbeatInfo *qmp_query_hv_heartbeat(bool has_id, const char *id,
                                        Error **errp)
{
    HvIC *ic = hv_ic_find(TYPE_HV_HEARTBEAT, has_id ? id : NULL, errp);
    HvHeartbeat *hb;
    HvHeartbeatInfo *info;
    int64_t now = qemu_clock_get_ms(QEMU_CLOCK_REALTIME);

    if (!ic) {
        return NULL;
    }
    hb = HV_HEARTBEAT(ic);
    info = g_new0(HvHeartbeatInfo, 1);
    info->sequence = hb->sequence;
    info->answers = hb->answers;
    info->last_ms = hb->last_answer_ms < 0 ? -1 : now - hb->last_answer_ms;
    if (!hv_ic_is_ready(ic)) {
        info->state = ic->state == HV_IC_FAILED ? HV_HEARTBEAT_STATE_NO_CONTACT
                                                : HV_HEARTBEAT_STATE_NEGOTIATING;
    } else if (hb->last_answer_ms >= 0 &&
               now - hb->last_answer_ms <= 3 * (int64_t)hb->interval) {
        info->state = HV_HEARTBEAT_STATE_OK;
    } else {
        info->state = HV_HEARTBEAT_STATE_NO_CONTACT;
    }
    return info;
}

static void hv_heartbeat_realize(HvIC *ic, Error **errp)
{
    HvHeartbeat *hb = HV_HEARTBEAT(ic);

    if (hb->interval < 10) {
        error_setg(errp, "interval must be at least 10 ms");
        return;
    }
    hb->last_answer_ms = -1;
    hb->timer = timer_new_ms(QEMU_CLOCK_REALTIME, hv_heartbeat_tick, hb);
}

static void hv_heartbeat_unrealize(HvIC *ic)
{
    HvHeartbeat *hb = HV_HEARTBEAT(ic);

    timer_free(hb->timer);
    hb->timer = NULL;
}

static Property hv_heartbeat_props[] = {
    DEFINE_PROP_UINT32("interval", HvHeartbeat, interval, 1000),
    DEFINE_PROP_END_OF_LIST()
};

static void hv_heartbeat_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VMBusDeviceClass *vdc = VMBUS_DEVICE_CLASS(klass);
    HvICClass *icc = HV_IC_CLASS(klass);

    dc->desc = "Hyper-V heartbeat";
    device_class_set_props(dc, hv_heartbeat_props);
    qemu_uuid_parse(VMBUS_CLASS_HEARTBEAT_STR, &vdc->classid);
    icc->service = "heartbeat";
    icc->msgtype = IC_MSGTYPE_HEARTBEAT;
    icc->versions = hv_heartbeat_versions;
    icc->n_versions = ARRAY_SIZE(hv_heartbeat_versions);
    icc->default_instance = "fd149e91-82e0-4a7d-afa6-2a4166cbd7c0";
    icc->realize = hv_heartbeat_realize;
    icc->unrealize = hv_heartbeat_unrealize;
    icc->ready = hv_heartbeat_ready;
    icc->closed = hv_heartbeat_closed;
}

static const TypeInfo hv_heartbeat_type_info = {
    .name = TYPE_HV_HEARTBEAT,
    .parent = TYPE_HV_IC,
    .instance_size = sizeof(HvHeartbeat),
    .class_init = hv_heartbeat_class_init,
};

static void hv_heartbeat_register_types(void)
{
    type_register_static(&hv_heartbeat_type_info);
}

type_init(hv_heartbeat_register_types)
