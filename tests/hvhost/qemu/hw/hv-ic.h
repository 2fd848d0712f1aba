/*
 * hvhost: Hyper-V integration component (IC) framework for VMBus devices
 *
 * Every utility device (heartbeat, shutdown, time sync, KVP, VSS, fcopy)
 * is a host-initiated request/response service on one VMBus channel: the
 * host negotiates the IC framework and message versions once the guest
 * opens the channel, then sends requests (icflags TRANSACTION | REQUEST)
 * one at a time; the guest rewrites each in place and sends it back
 * (TRANSACTION | RESPONSE).
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */
#ifndef HW_HYPERV_HVHOST_HV_IC_H
#define HW_HYPERV_HVHOST_HV_IC_H

#include "hw/hyperv/vmbus.h"
#include "qemu/queue.h"
#include "qemu/timer.h"
#include "qemu/coroutine.h"
#include "hyperv/ic.h"
#include "hyperv/status.h"

#define TYPE_HV_IC "hv-ic"
OBJECT_DECLARE_TYPE(HvIC, HvICClass, HV_IC)

typedef enum HvICState {
    HV_IC_CLOSED,       /* channel not open */
    HV_IC_NEGOTIATING,  /* NEGOTIATE sent, no answer yet */
    HV_IC_READY,        /* versions agreed, requests may flow */
    HV_IC_FAILED,       /* the guest refused or garbled the negotiation */
} HvICState;

/* Timeouts, a little longer than the guest kernel's own (HV_UTIL_TIMEOUT
 * 30 s, VSS freeze 900 s) so that the guest's own failure answer wins. */
#define HV_IC_TIMEOUT_MS            35000
#define HV_IC_FREEZE_TIMEOUT_MS     905000

/*
 * Called exactly once per request, always from the main loop and never from
 * within hv_ic_request().  @err is 0 when the guest answered (then @status
 * is its icmsg status and @body/@len the answer body, valid only during the
 * call), or -ETIMEDOUT, -ENOTCONN (channel closed / device gone), -EIO.
 */
typedef void HvICReplyFn(HvIC *ic, void *opaque, int err, uint32_t status,
                         const uint8_t *body, uint32_t len);

typedef struct HvICRequest HvICRequest;

struct HvICClass {
    VMBusDeviceClass parent_class;

    const char *service;                /* short name for logs: "kvp" */
    uint16_t msgtype;                   /* IC_MSGTYPE_* of requests */
    const struct ic_version *versions;  /* message versions offered */
    unsigned n_versions;
    const struct ic_version *fw_versions;   /* framework versions offered */
    unsigned n_fw_versions;
    const char *default_instance;       /* instance id unless instance= */

    /* Service state set-up and teardown (realize / unrealize). */
    void (*realize)(HvIC *ic, Error **errp);
    void (*unrealize)(HvIC *ic);
    /* The guest agreed on versions: the service may start. */
    void (*ready)(HvIC *ic);
    /* The channel went away (close, reset, unplug): forget guest state. */
    void (*closed)(HvIC *ic);
};

struct HvIC {
    VMBusDevice parent_obj;

    HvICState state;
    struct ic_version fw;       /* negotiated framework version */
    struct ic_version ver;      /* negotiated message version */

    QTAILQ_HEAD(, HvICRequest) queue;
    HvICRequest *inflight;
    uint64_t next_trans_id;
    QEMUTimer *timeout_timer;   /* inflight request */
    QEMUTimer *kick_timer;      /* deferred send / retry on full ring */
    QEMUTimer *open_timer;      /* negotiation once the channel is open */
    bool unrealized;
};

/* Queue a request with an IC body; the framework adds the headers. */
int hv_ic_request(HvIC *ic, const void *body, uint32_t len,
                  uint32_t timeout_ms, HvICReplyFn *cb, void *opaque);

/*
 * Coroutine helper for QMP commands: send a request and yield until the
 * answer or the timeout.  On success returns 0, with the guest's status and
 * a g_malloc'ed copy of the body (free it with g_free).  Local failures
 * (not negotiated, timeout, channel closed) set @errp and return -1.
 */
int coroutine_fn hv_ic_transact_co(HvIC *ic, const void *body, uint32_t len,
                                   uint32_t timeout_ms, uint32_t *ret_status,
                                   uint8_t **ret_body, uint32_t *ret_len,
                                   Error **errp);

/* Find a device of @typename: by qdev id, or the only one. */
HvIC *hv_ic_find(const char *typename, const char *id, Error **errp);

bool hv_ic_is_ready(HvIC *ic);
const char *hv_ic_state_name(HvICState state);
/* "HV_S_OK", "HV_E_FAIL", ... or "unknown" */
const char *hv_ic_status_name(uint32_t status);
/* A QMP error for a guest status that is not HV_S_OK. */
void hv_ic_error_status(Error **errp, const char *what, uint32_t status);

/* Text helpers: UTF-8 <-> UTF-16LE in a fixed wire buffer. */
/* Writes at most @max_units units including a NUL; returns bytes incl NUL,
 * or -1 when the text does not fit or is not valid UTF-8. */
int hv_ic_utf8_to_utf16le(const char *s, uint8_t *dst, size_t max_units);
/* Reads up to @max_units units or the first NUL; NULL on invalid text. */
char *hv_ic_utf16le_to_utf8(const uint8_t *src, size_t max_units);

#endif
