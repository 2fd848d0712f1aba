/*
 * hvhost: time synchronization integration component, host side
 *
 * Every @interval ms the host sends a TIMESYNC sample: the host's UTC time
 * in 100 ns units since 1601 and, with message version 4, the partition
 * reference time (100 ns units) at which it was taken.  The first sample
 * after negotiation carries ICTIMESYNCFLAG_SYNC (the guest steps its clock),
 * the later ones ICTIMESYNCFLAG_SAMPLE.
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

#define TYPE_HV_TIMESYNC "hv-timesync"
OBJECT_DECLARE_SIMPLE_TYPE(HvTimesync, HV_TIMESYNC)

/* Message version 4 (Linux's struct ictimesync_ref_data). */
typedef struct QEMU_PACKED HvTimesyncRefMsg {
    uint64_t parenttime;
    uint64_t vmreferencetime;
    uint8_t flags;
    int8_t leapflags;
    int8_t stratum;
    uint8_t reserved[3];
} HvTimesyncRefMsg;
QEMU_BUILD_BUG_ON(sizeof(HvTimesyncRefMsg) != 22);

/* Message versions 1 and 3 (Linux's struct ictimesync_data). */
typedef struct QEMU_PACKED HvTimesyncMsg {
    uint64_t parenttime;
    uint64_t childtime;
    uint64_t roundtriptime;
    uint8_t flags;
} HvTimesyncMsg;
QEMU_BUILD_BUG_ON(sizeof(HvTimesyncMsg) != 25);

#define HV_TIMESYNC_FLAG_SYNC   0x1u
#define HV_TIMESYNC_FLAG_SAMPLE 0x2u

/* 100 ns units between 1601-01-01 and 1970-01-01. */
#define HV_TIMESYNC_EPOCH_DELTA 116444736000000000ULL

struct HvTimesync {
    HvIC parent_obj;
    uint32_t interval;

    QEMUTimer *timer;
    bool inflight;
    bool synced;                /* the SYNC sample was acknowledged */
    uint64_t samples;
};

static const struct ic_version hv_timesync_versions[] = {
    { 4, 0 }, { 3, 0 }, { 1, 0 },
};

static void hv_timesync_done(HvIC *ic, void *opaque, int err, uint32_t status,
                             const uint8_t *body, uint32_t len)
{
    HvTimesync *ts = HV_TIMESYNC(ic);

    ts->inflight = false;
    if (err) {
        return;
    }
    if (status != HV_S_OK) {
        hv_ic_log(ic, "time sample refused: status 0x%08" PRIx32, status);
        return;
    }
    ts->synced = true;
    ts->samples++;
}

static void hv_timesync_tick(void *opaque)
{
    HvTimesync *ts = opaque;
    HvIC *ic = HV_IC(ts);
    /* The reference time Hyper-V guests read: 100 ns of guest time. */
    uint64_t ref = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) / 100;
    uint64_t host = (uint64_t)g_get_real_time() * 10 + HV_TIMESYNC_EPOCH_DELTA;
    uint8_t flags = ts->synced ? HV_TIMESYNC_FLAG_SAMPLE : HV_TIMESYNC_FLAG_SYNC;
    int r;

    if (!hv_ic_is_ready(ic)) {
        return;
    }
    timer_mod(ts->timer, qemu_clock_get_ms(QEMU_CLOCK_REALTIME) +
              ts->interval);
    /* Nothing can answer while the VM is stopped. */
    if (ts->inflight || !runstate_is_running()) {
        return;
    }
    trace_hv_timesync_sample(host, ref, flags);
    if (ic->ver.major >= 4) {
        HvTimesyncRefMsg msg = {
            .parenttime = cpu_to_le64(host),
            .vmreferencetime = cpu_to_le64(ref),
            .flags = flags,
        };
        r = hv_ic_request(ic, &msg, sizeof(msg), HV_IC_TIMEOUT_MS,
                          hv_timesync_done, NULL);
    } else {
        HvTimesyncMsg msg = {
            .parenttime = cpu_to_le64(host),
            .flags = flags,
        };
        r = hv_ic_request(ic, &msg, sizeof(msg), HV_IC_TIMEOUT_MS,
                          hv_timesync_done, NULL);
    }
    ts->inflight = r == 0;
}

static void hv_timesync_ready(HvIC *ic)
{
    HvTimesync *ts = HV_TIMESYNC(ic);

    ts->inflight = false;
    ts->synced = false;
    timer_mod(ts->timer, qemu_clock_get_ms(QEMU_CLOCK_REALTIME));
}

static void hv_timesync_closed(HvIC *ic)
{
    HvTimesync *ts = HV_TIMESYNC(ic);

    if (ts->timer) {
        timer_del(ts->timer);
    }
    ts->inflight = false;
}

HvTimesyncInfo *qmp_query_hv_timesync(bool has_id, const char *id,
                                      Error **errp)
{
    HvIC *ic = hv_ic_find(TYPE_HV_TIMESYNC, has_id ? id : NULL, errp);
    HvTimesyncInfo *info;

    if (!ic) {
        return NULL;
    }
    info = g_new0(HvTimesyncInfo, 1);
    info->samples = HV_TIMESYNC(ic)->samples;
    info->state = g_strdup(hv_ic_state_name(ic->state));
    return info;
}

static void hv_timesync_realize(HvIC *ic, Error **errp)
{
    HvTimesync *ts = HV_TIMESYNC(ic);

    if (ts->interval < 100) {
        error_setg(errp, "interval must be at least 100 ms");
        return;
    }
    ts->timer = timer_new_ms(QEMU_CLOCK_REALTIME, hv_timesync_tick, ts);
}

static void hv_timesync_unrealize(HvIC *ic)
{
    HvTimesync *ts = HV_TIMESYNC(ic);

    timer_free(ts->timer);
    ts->timer = NULL;
}

static Property hv_timesync_props[] = {
    DEFINE_PROP_UINT32("interval", HvTimesync, interval, 5000),
    DEFINE_PROP_END_OF_LIST()
};

static void hv_timesync_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VMBusDeviceClass *vdc = VMBUS_DEVICE_CLASS(klass);
    HvICClass *icc = HV_IC_CLASS(klass);

    dc->desc = "Hyper-V time synchronization";
    device_class_set_props(dc, hv_timesync_props);
    qemu_uuid_parse(VMBUS_CLASS_TIMESYNC_STR, &vdc->classid);
    icc->service = "timesync";
    icc->msgtype = IC_MSGTYPE_TIMESYNC;
    icc->versions = hv_timesync_versions;
    icc->n_versions = ARRAY_SIZE(hv_timesync_versions);
    icc->default_instance = "2dd1ce17-079e-403c-b352-a1921ee207ee";
    icc->realize = hv_timesync_realize;
    icc->unrealize = hv_timesync_unrealize;
    icc->ready = hv_timesync_ready;
    icc->closed = hv_timesync_closed;
}

static const TypeInfo hv_timesync_type_info = {
    .name = TYPE_HV_TIMESYNC,
    .parent = TYPE_HV_IC,
    .instance_size = sizeof(HvTimesync),
    .class_init = hv_timesync_class_init,
};

static void hv_timesync_register_types(void)
{
    type_register_static(&hv_timesync_type_info);
}

type_init(hv_timesync_register_types)
