/*
 * hvhost: shutdown integration component, host side
 *
 * SHUTDOWN body {reason_code, timeout_seconds, flags, display_message};
 * Linux's hv_utils reads flags as: bit 0 forced, bit 1 reboot (0/1 power
 * off, 2/3 reboot, 4/5 hibernate with message version 3.2) and answers
 * before it starts the shutdown.
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/cutils.h"
#include "qapi/qapi-commands-hvhost.h"
#include "hyperv/vmbus.h"
#include "hv-ic.h"
#include "hv-ic-log.h"

#define TYPE_HV_SHUTDOWN "hv-shutdown"

/* SHUTDOWN body (Linux's struct shutdown_msg_data). */
typedef struct QEMU_PACKED HvShutdownMsg {
    uint32_t reason_code;
    uint32_t timeout_seconds;
    uint32_t flags;
    uint8_t display_message[2048];
} HvShutdownMsg;
QEMU_BUILD_BUG_ON(sizeof(HvShutdownMsg) != 2060);

#define HV_SHUTDOWN_FLAG_FORCE  0x1u
#define HV_SHUTDOWN_FLAG_REBOOT 0x2u

static const struct ic_version hv_shutdown_versions[] = {
    { 3, 2 }, { 3, 1 }, { 3, 0 }, { 1, 0 },
};

HvIcStatus *coroutine_fn qmp_hv_shutdown(bool has_reboot, bool reboot,
                                         bool has_force, bool force,
                                         bool has_reason, uint32_t reason,
                                         bool has_id, const char *id,
                                         Error **errp)
{
    HvIC *ic = hv_ic_find(TYPE_HV_SHUTDOWN, has_id ? id : NULL, errp);
    g_autofree HvShutdownMsg *msg = g_new0(HvShutdownMsg, 1);
    HvIcStatus *ret = NULL;
    uint32_t status;

    if (!ic) {
        return NULL;
    }
    msg->reason_code = cpu_to_le32(has_reason ? reason : 0);
    msg->timeout_seconds = cpu_to_le32(0);
    msg->flags = cpu_to_le32((has_force && force ? HV_SHUTDOWN_FLAG_FORCE : 0) |
                             (has_reboot && reboot ? HV_SHUTDOWN_FLAG_REBOOT
                                                   : 0));
    pstrcpy((char *)msg->display_message, sizeof(msg->display_message),
            "hvhost");
    object_ref(OBJECT(ic));
    if (hv_ic_transact_co(ic, msg, sizeof(*msg), HV_IC_TIMEOUT_MS, &status,
                          NULL, NULL, errp) == 0) {
        ret = g_new0(HvIcStatus, 1);
        ret->status = status;
        ret->status_name = g_strdup(hv_ic_status_name(status));
    }
    object_unref(OBJECT(ic));
    return ret;
}

static void hv_shutdown_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VMBusDeviceClass *vdc = VMBUS_DEVICE_CLASS(klass);
    HvICClass *icc = HV_IC_CLASS(klass);

    dc->desc = "Hyper-V guest shutdown";
    qemu_uuid_parse(VMBUS_CLASS_SHUTDOWN_STR, &vdc->classid);
    icc->service = "shutdown";
    icc->msgtype = IC_MSGTYPE_SHUTDOWN;
    icc->versions = hv_shutdown_versions;
    icc->n_versions = ARRAY_SIZE(hv_shutdown_versions);
    icc->default_instance = "b6650ff7-33bc-4840-8048-e0676786f393";
}

static const TypeInfo hv_shutdown_type_info = {
    .name = TYPE_HV_SHUTDOWN,
    .parent = TYPE_HV_IC,
    .instance_size = sizeof(HvIC),
    .class_init = hv_shutdown_class_init,
};

static void hv_shutdown_register_types(void)
{
    type_register_static(&hv_shutdown_type_info);
}

type_init(hv_shutdown_register_types)
