/*
 * hvhost: VSS (live backup) integration component, host side
 *
 * HOT_BACKUP asks whether the guest can take a live backup (the answer
 * carries capability flags), FREEZE quiesces the guest's file systems
 * (the guest allows itself 900 s), THAW resumes them.  Every message is
 * the 12-byte struct hv_vss_msg.
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-hvhost.h"
#include "hyperv/vss.h"
#include "hyperv/vmbus.h"
#include "hv-ic.h"
#include "hv-ic-log.h"

#define TYPE_HV_VSS "hv-vss"

static const struct ic_version hv_vss_versions[] = {
    { 5, 0 },
};

static int coroutine_fn hv_vss_op(const char *id, uint8_t op,
                                  uint32_t timeout_ms, uint32_t *ret_status,
                                  uint32_t *ret_flags, uint64_t *ret_ms,
                                  Error **errp)
{
    HvIC *ic = hv_ic_find(TYPE_HV_VSS, id, errp);
    struct hv_vss_msg msg = {};
    g_autofree uint8_t *body = NULL;
    int64_t start = qemu_clock_get_ms(QEMU_CLOCK_REALTIME);
    uint32_t len;
    int r;

    if (!ic) {
        return -1;
    }
    msg.hdr.operation = op;
    object_ref(OBJECT(ic));
    r = hv_ic_transact_co(ic, &msg, sizeof(msg), timeout_ms, ret_status,
                          &body, &len, errp);
    object_unref(OBJECT(ic));
    if (r < 0) {
        return -1;
    }
    *ret_ms = qemu_clock_get_ms(QEMU_CLOCK_REALTIME) - start;
    *ret_flags = 0;
    if (len >= sizeof(msg)) {
        *ret_flags = ldl_le_p(body + offsetof(struct hv_vss_msg, flags));
    } else if (*ret_status == HV_S_OK) {
        hv_ic_log(ic, "short VSS answer: %u bytes", len);
        error_setg(errp, "guest answered %u bytes, expected %zu", len,
                   sizeof(msg));
        return -1;
    }
    return 0;
}

HvVssCheck *coroutine_fn qmp_hv_vss_check(bool has_id, const char *id,
                                          Error **errp)
{
    uint32_t status, flags;
    uint64_t ms;
    HvVssCheck *ret;

    if (hv_vss_op(has_id ? id : NULL, HV_VSS_OP_HOT_BACKUP, HV_IC_TIMEOUT_MS,
                  &status, &flags, &ms, errp) < 0) {
        return NULL;
    }
    ret = g_new0(HvVssCheck, 1);
    ret->status = status;
    ret->status_name = g_strdup(hv_ic_status_name(status));
    ret->flags = flags;
    return ret;
}

static HvVssResult *coroutine_fn hv_vss_freeze_thaw(bool has_id,
                                                    const char *id,
                                                    uint8_t op,
                                                    uint32_t timeout_ms,
                                                    Error **errp)
{
    uint32_t status, flags;
    uint64_t ms;
    HvVssResult *ret;

    if (hv_vss_op(has_id ? id : NULL, op, timeout_ms, &status, &flags, &ms,
                  errp) < 0) {
        return NULL;
    }
    ret = g_new0(HvVssResult, 1);
    ret->status = status;
    ret->status_name = g_strdup(hv_ic_status_name(status));
    ret->ms = ms;
    return ret;
}

HvVssResult *coroutine_fn qmp_hv_vss_freeze(bool has_id, const char *id,
                                            Error **errp)
{
    return hv_vss_freeze_thaw(has_id, id, HV_VSS_OP_FREEZE,
                              HV_IC_FREEZE_TIMEOUT_MS, errp);
}

HvVssResult *coroutine_fn qmp_hv_vss_thaw(bool has_id, const char *id,
                                          Error **errp)
{
    return hv_vss_freeze_thaw(has_id, id, HV_VSS_OP_THAW, HV_IC_TIMEOUT_MS,
                              errp);
}

static void hv_vss_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VMBusDeviceClass *vdc = VMBUS_DEVICE_CLASS(klass);
    HvICClass *icc = HV_IC_CLASS(klass);

    dc->desc = "Hyper-V volume shadow copy (live backup)";
    qemu_uuid_parse(VMBUS_CLASS_VSS_STR, &vdc->classid);
    icc->service = "vss";
    icc->msgtype = IC_MSGTYPE_VSS;
    icc->versions = hv_vss_versions;
    icc->n_versions = ARRAY_SIZE(hv_vss_versions);
    icc->default_instance = "6f0ca27e-b9a8-4f37-9a5c-14bd0b77fa1d";
}

static const TypeInfo hv_vss_type_info = {
    .name = TYPE_HV_VSS,
    .parent = TYPE_HV_IC,
    .instance_size = sizeof(HvIC),
    .class_init = hv_vss_class_init,
};

static void hv_vss_register_types(void)
{
    type_register_static(&hv_vss_type_info);
}

type_init(hv_vss_register_types)
