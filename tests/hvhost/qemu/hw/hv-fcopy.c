/*
 * hvhost: file copy (Copy-VMFile, "Guest Service Interface") integration
 * component, host side
 *
 * A copy is START (file name and directory in UTF-16LE, flags, size),
 * WRITE chunks of at most 6144 bytes at increasing offsets, then COMPLETE;
 * CANCEL aborts it.  The guest answers each message with a status.  The
 * copy runs as a background job in the main loop: each answer sends the
 * next message, so at most one chunk is read from the host file at a time.
 * The same device serves the in-kernel driver (Linux up to 6.9) and the
 * uio_hv_generic daemon (6.10 and later).
 *
 * The destination is split as Hyper-V does: path_name is the directory,
 * file_name the last component (the guest joins them with '/'); a
 * destination ending in '/' takes the source's file name.
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-hvhost.h"
#include "hyperv/fcopy.h"
#include "hyperv/vmbus.h"
#include "hv-ic.h"
#include "hv-ic-log.h"
#include "trace.h"

#define TYPE_HV_FCOPY "hv-fcopy"
OBJECT_DECLARE_SIMPLE_TYPE(HvFcopy, HV_FCOPY)

struct HvFcopy {
    HvIC parent_obj;

    HvFcopyState state;
    char *source;
    char *destination;
    char *error;
    int fd;
    uint64_t total;
    uint64_t bytes;             /* acknowledged by the guest */
    uint32_t status;            /* the guest's last status */
    uint32_t chunk;             /* size of the WRITE in flight */
    bool cancel_requested;
};

static const struct ic_version hv_fcopy_versions[] = {
    { 1, 1 },
};

static void hv_fcopy_next(HvFcopy *fc);

static void hv_fcopy_trace(HvFcopy *fc)
{
    trace_hv_fcopy_state(HvFcopyState_str(fc->state), fc->bytes, fc->total,
                         fc->status);
}

static void hv_fcopy_close_file(HvFcopy *fc)
{
    if (fc->fd >= 0) {
        close(fc->fd);
        fc->fd = -1;
    }
}

static void hv_fcopy_finish(HvFcopy *fc, HvFcopyState state,
                            const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void hv_fcopy_finish(HvFcopy *fc, HvFcopyState state,
                            const char *fmt, ...)
{
    fc->state = state;
    g_free(fc->error);
    fc->error = NULL;
    if (fmt) {
        va_list ap;

        va_start(ap, fmt);
        fc->error = g_strdup_vprintf(fmt, ap);
        va_end(ap);
    }
    hv_fcopy_close_file(fc);
    hv_fcopy_trace(fc);
}

static void hv_fcopy_cancel_done(HvIC *ic, void *opaque, int err,
                                 uint32_t status, const uint8_t *body,
                                 uint32_t len)
{
    HvFcopy *fc = HV_FCOPY(ic);

    /* After a failure the CANCEL only tidies the guest up. */
    if (fc->state == HV_FCOPY_STATE_RUNNING) {
        if (!err) {
            fc->status = status;
        }
        hv_fcopy_finish(fc, HV_FCOPY_STATE_CANCELLED, NULL);
    }
}

static void hv_fcopy_send_cancel(HvFcopy *fc)
{
    struct hv_fcopy_hdr msg = {
        .operation = cpu_to_le32(HV_FCOPY_CANCEL),
    };

    if (hv_ic_request(HV_IC(fc), &msg, sizeof(msg), HV_IC_TIMEOUT_MS,
                      hv_fcopy_cancel_done, NULL) < 0 &&
        fc->state == HV_FCOPY_STATE_RUNNING) {
        hv_fcopy_finish(fc, HV_FCOPY_STATE_CANCELLED, NULL);
    }
}

/* Answer to START, WRITE or COMPLETE. */
static void hv_fcopy_done(HvIC *ic, void *opaque, int err, uint32_t status,
                          const uint8_t *body, uint32_t len)
{
    HvFcopy *fc = HV_FCOPY(ic);
    uint32_t op = (uintptr_t)opaque;
    static const char *const names[] = { "START", "WRITE", "COMPLETE" };

    if (fc->state != HV_FCOPY_STATE_RUNNING) {
        return;
    }
    if (err) {
        hv_fcopy_finish(fc, HV_FCOPY_STATE_FAILED, "%s: %s", names[op],
                        err == -ETIMEDOUT ? "timed out waiting for the guest"
                                          : "channel closed");
        return;
    }
    fc->status = status;
    if (status != HV_S_OK) {
        hv_fcopy_finish(fc, HV_FCOPY_STATE_FAILED,
                        "%s: guest answered status 0x%08" PRIx32 " (%s)",
                        names[op], status, hv_ic_status_name(status));
        if (op == HV_FCOPY_WRITE_TO_FILE) {
            hv_fcopy_send_cancel(fc);
        }
        return;
    }
    switch (op) {
    case HV_FCOPY_WRITE_TO_FILE:
        fc->bytes += fc->chunk;
        fc->chunk = 0;
        break;
    case HV_FCOPY_COMPLETE:
        hv_fcopy_finish(fc, HV_FCOPY_STATE_COMPLETED, NULL);
        return;
    }
    hv_fcopy_next(fc);
}

static void hv_fcopy_next(HvFcopy *fc)
{
    HvIC *ic = HV_IC(fc);
    g_autofree struct hv_fcopy_write *msg = NULL;
    uint32_t op;
    ssize_t n;
    int r;

    if (fc->cancel_requested) {
        hv_fcopy_send_cancel(fc);
        return;
    }
    if (fc->bytes < fc->total) {
        msg = g_new0(struct hv_fcopy_write, 1);
        n = pread(fc->fd, msg->data,
                  MIN(fc->total - fc->bytes, HV_FCOPY_DATA_SIZE), fc->bytes);
        if (n <= 0) {
            hv_fcopy_finish(fc, HV_FCOPY_STATE_FAILED, "%s: %s", fc->source,
                            n < 0 ? strerror(errno) : "file shrank");
            hv_fcopy_send_cancel(fc);
            return;
        }
        op = HV_FCOPY_WRITE_TO_FILE;
        msg->hdr.operation = cpu_to_le32(op);
        msg->offset = cpu_to_le64(fc->bytes);
        msg->size = cpu_to_le32(n);
        fc->chunk = n;
        r = hv_ic_request(ic, msg, sizeof(*msg), HV_IC_TIMEOUT_MS,
                          hv_fcopy_done, (void *)(uintptr_t)op);
    } else {
        struct hv_fcopy_hdr hdr = {
            .operation = cpu_to_le32(HV_FCOPY_COMPLETE),
        };

        op = HV_FCOPY_COMPLETE;
        r = hv_ic_request(ic, &hdr, sizeof(hdr), HV_IC_TIMEOUT_MS,
                          hv_fcopy_done, (void *)(uintptr_t)op);
    }
    if (r < 0) {
        hv_fcopy_finish(fc, HV_FCOPY_STATE_FAILED, "channel closed");
    }
}

/* Split the guest destination into directory and file name. */
static bool hv_fcopy_split(const char *source, const char *destination,
                           char **ret_path, char **ret_name, Error **errp)
{
    const char *slash = strrchr(destination, '/');
    g_autofree char *path = NULL, *name = NULL;

    if (!slash) {
        error_setg(errp, "destination '%s' must be an absolute guest path",
                   destination);
        return false;
    }
    path = slash == destination ? g_strdup("/")
                                : g_strndup(destination, slash - destination);
    name = slash[1] ? g_strdup(slash + 1) : g_path_get_basename(source);
    if (!*name || !strcmp(name, ".") || !strcmp(name, "..") ||
        !strcmp(name, "/")) {
        error_setg(errp, "no file name in destination '%s'", destination);
        return false;
    }
    *ret_path = g_steal_pointer(&path);
    *ret_name = g_steal_pointer(&name);
    return true;
}

void qmp_hv_fcopy_start(const char *source, const char *destination,
                        bool has_force, bool force,
                        bool has_create_full_path, bool create_full_path,
                        bool has_id, const char *id, Error **errp)
{
    HvIC *ic = hv_ic_find(TYPE_HV_FCOPY, has_id ? id : NULL, errp);
    g_autofree struct hv_fcopy_start *msg = NULL;
    g_autofree char *path = NULL, *name = NULL;
    uint32_t op = HV_FCOPY_START_FILE_COPY;
    HvFcopy *fc;
    struct stat st;
    int fd;

    if (!ic) {
        return;
    }
    fc = HV_FCOPY(ic);
    if (fc->state == HV_FCOPY_STATE_RUNNING) {
        error_setg(errp, "a copy is running (%s -> %s)", fc->source,
                   fc->destination);
        return;
    }
    if (!hv_ic_is_ready(ic)) {
        error_setg(errp, "%s: IC not negotiated (state %s)",
                   DEVICE(ic)->id ?: TYPE_HV_FCOPY,
                   hv_ic_state_name(ic->state));
        return;
    }
    if (!hv_fcopy_split(source, destination, &path, &name, errp)) {
        return;
    }
    msg = g_new0(struct hv_fcopy_start, 1);
    if (hv_ic_utf8_to_utf16le(name, (uint8_t *)msg->file_name,
                              HV_FCOPY_MAX_PATH) < 0 ||
        hv_ic_utf8_to_utf16le(path, (uint8_t *)msg->path_name,
                              HV_FCOPY_MAX_PATH) < 0) {
        error_setg(errp, "destination '%s': a component is longer than %u"
                   " UTF-16 units or not UTF-8", destination,
                   HV_FCOPY_MAX_PATH - 1);
        return;
    }
    fd = qemu_open(source, O_RDONLY, errp);
    if (fd < 0) {
        return;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        error_setg(errp, "'%s' is not a regular file", source);
        close(fd);
        return;
    }
    msg->hdr.operation = cpu_to_le32(op);
    msg->copy_flags = cpu_to_le32((has_force && force ? HV_FCOPY_OVER_WRITE
                                                      : 0) |
                                  (has_create_full_path && create_full_path ?
                                   HV_FCOPY_CREATE_PATH : 0));
    msg->file_size = cpu_to_le64(st.st_size);
    if (hv_ic_request(ic, msg, sizeof(*msg), HV_IC_TIMEOUT_MS, hv_fcopy_done,
                      (void *)(uintptr_t)op) < 0) {
        error_setg(errp, "cannot queue the request");
        close(fd);
        return;
    }
    hv_fcopy_close_file(fc);
    fc->fd = fd;
    g_free(fc->source);
    fc->source = g_strdup(source);
    g_free(fc->destination);
    fc->destination = g_strdup_printf("%s%s%s", path,
                                      g_str_has_suffix(path, "/") ? "" : "/",
                                      name);
    g_free(fc->error);
    fc->error = NULL;
    fc->total = st.st_size;
    fc->bytes = 0;
    fc->chunk = 0;
    fc->status = HV_S_OK;
    fc->cancel_requested = false;
    fc->state = HV_FCOPY_STATE_RUNNING;
    hv_fcopy_trace(fc);
}

void qmp_hv_fcopy_cancel(bool has_id, const char *id, Error **errp)
{
    HvIC *ic = hv_ic_find(TYPE_HV_FCOPY, has_id ? id : NULL, errp);
    HvFcopy *fc;

    if (!ic) {
        return;
    }
    fc = HV_FCOPY(ic);
    if (fc->state != HV_FCOPY_STATE_RUNNING) {
        error_setg(errp, "no copy is running");
        return;
    }
    /* Takes effect at the guest's next answer: one message at a time. */
    fc->cancel_requested = true;
}

HvFcopyInfo *qmp_query_hv_fcopy(bool has_id, const char *id, Error **errp)
{
    HvIC *ic = hv_ic_find(TYPE_HV_FCOPY, has_id ? id : NULL, errp);
    HvFcopy *fc;
    HvFcopyInfo *info;

    if (!ic) {
        return NULL;
    }
    fc = HV_FCOPY(ic);
    info = g_new0(HvFcopyInfo, 1);
    info->state = fc->state;
    info->bytes = fc->bytes;
    info->total = fc->total;
    info->status = fc->status;
    info->status_name = g_strdup(hv_ic_status_name(fc->status));
    info->has_error = fc->error != NULL;
    info->error = g_strdup(fc->error);
    info->has_source = fc->source != NULL;
    info->source = g_strdup(fc->source);
    info->has_destination = fc->destination != NULL;
    info->destination = g_strdup(fc->destination);
    return info;
}

static void hv_fcopy_closed(HvIC *ic)
{
    HvFcopy *fc = HV_FCOPY(ic);

    if (fc->state == HV_FCOPY_STATE_RUNNING) {
        hv_fcopy_finish(fc, HV_FCOPY_STATE_FAILED, "channel closed");
    }
}

static void hv_fcopy_realize(HvIC *ic, Error **errp)
{
    HvFcopy *fc = HV_FCOPY(ic);

    fc->fd = -1;
    fc->state = HV_FCOPY_STATE_IDLE;
}

static void hv_fcopy_unrealize(HvIC *ic)
{
    HvFcopy *fc = HV_FCOPY(ic);

    hv_fcopy_close_file(fc);
    g_free(fc->source);
    fc->source = NULL;
    g_free(fc->destination);
    fc->destination = NULL;
    g_free(fc->error);
    fc->error = NULL;
}

static void hv_fcopy_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VMBusDeviceClass *vdc = VMBUS_DEVICE_CLASS(klass);
    HvICClass *icc = HV_IC_CLASS(klass);

    dc->desc = "Hyper-V file copy (guest service interface)";
    qemu_uuid_parse(VMBUS_CLASS_FCOPY_STR, &vdc->classid);
    icc->service = "fcopy";
    icc->msgtype = IC_MSGTYPE_FCOPY;
    icc->versions = hv_fcopy_versions;
    icc->n_versions = ARRAY_SIZE(hv_fcopy_versions);
    /* The instance id Hyper-V uses for this channel. */
    icc->default_instance = "eb765408-105f-49b6-b4aa-c123b64d17d4";
    icc->realize = hv_fcopy_realize;
    icc->unrealize = hv_fcopy_unrealize;
    icc->closed = hv_fcopy_closed;
}

static const TypeInfo hv_fcopy_type_info = {
    .name = TYPE_HV_FCOPY,
    .parent = TYPE_HV_IC,
    .instance_size = sizeof(HvFcopy),
    .class_init = hv_fcopy_class_init,
};

static void hv_fcopy_register_types(void)
{
    type_register_static(&hv_fcopy_type_info);
}

type_init(hv_fcopy_register_types)
