/*
 * hvhost: Hyper-V synthetic SCSI controller (VSTOR host side)
 *
 * A VMBus device of class ba6163d9-04a1-4d29-b605-72e2ffb1dc7f that puts a
 * QEMU SCSI bus behind the VSTOR protocol (include/hyperv/vstor.h), so that
 * QEMU's own scsi-hd / scsi-cd / scsi-block attach to it with any block
 * back-end and the guest's stock hv_storvsc drives them:
 *
 *   -drive if=none,id=d0,file=disk.img,format=raw,discard=unmap
 *   -device hv-scsi,id=scsi0
 *   -device scsi-hd,drive=d0,bus=scsi0.0,channel=0,scsi-id=0,lun=0
 *
 * Addressing: an SRB's path_id, target_id and lun are the QEMU SCSI
 * device's channel, scsi-id and lun, unchanged.  Linux's storvsc scans
 * channels 0-7, targets 0-1 and LUNs 0-254 of a SCSI controller, so that is
 * the bus geometry; Hyper-V itself puts its disks at channel 0, target 0,
 * LUN n, and so should a configuration that wants more than two disks.
 *
 * Instance id: the instance= property; without it, a controller with a
 * qdev id gets a UUID derived from that id (name-based, SHA-1, in the
 * namespace HV_SCSI_DEFAULT_INSTANCE), so re-adding it gives the same
 * device and several controllers differ, and a controller without id gets
 * HV_SCSI_DEFAULT_INSTANCE.  Two controllers without id or instance= are
 * refused as duplicates by the VMBus.
 *
 * Channels: the primary channel plus up to channels-1 subchannels, offered
 * when the guest asks (CREATE_SUB_CHANNELS); each channel takes requests
 * and sends their completions on its own ring.
 *
 * Data: GPA-direct packets carry the page list of the guest buffer; the
 * VMBus core turns it into a QEMUSGList that is handed to the SCSI layer
 * (get_sg_list), which DMAs straight into guest memory: no bounce buffer.
 *
 * Flow control: before a request is taken off the ring, room for its
 * completion is reserved on the channel's send ring, so a completion never
 * waits for space; when the reservation fails the request stays in the
 * ring and the guest signals the channel once it has drained completions.
 * QEMU 7.2's vmbus_channel_send() asserted when a packet was sent while a
 * failed reservation was outstanding (ringbuf->wanted; patch 0026 fixes
 * the inverted assertion), so completions that finish in that window are
 * held back until a reservation succeeds again, which also keeps them in
 * order behind the request that could not be taken.
 *
 * Hot plug: adding or removing a LUN sends ENUMERATE_BUS; storvsc then
 * sends TEST UNIT READY to the LUNs it knows (a removed one answers
 * SRB_STATUS_INVALID_LUN, which makes storvsc remove it) and rescans.
 *
 * Everything runs in the main loop under the BQL: channel notifications,
 * SCSI completions, hot plug.  Migration is not supported.
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/units.h"
#include "qemu/uuid.h"
#include "qom/object.h"
#include "hw/boards.h"
#include "hw/hotplug.h"
#include "hw/qdev-properties.h"
#include "hw/hyperv/vmbus.h"
#include "hw/scsi/scsi.h"
#include "scsi/constants.h"
#include "scsi/utils.h"
#include "sysemu/dma.h"
#include "migration/blocker.h"
#include "hyperv/vstor.h"
#include "hv-ic-log.h"
#include "trace.h"

#define TYPE_HV_SCSI "hv-scsi"
OBJECT_DECLARE_SIMPLE_TYPE(HvScsi, HV_SCSI)

/* A SCSI bus whose device paths carry the controller's instance id. */

#define HV_SCSI_CLASS_ID            "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f"
/* Instance of a controller without id; namespace of the derived ones. */
#define HV_SCSI_DEFAULT_INSTANCE    "5d1e3f4a-8c2b-4e6f-9a70-3b8d2c1e0f51"

/* The bus geometry Linux's storvsc scans on a SCSI controller. */
#define HV_SCSI_MAX_PATH            7
#define HV_SCSI_MAX_TARGET          1
#define HV_SCSI_MAX_LUN             254

/* VMBus channels per controller (Hyper-V offers at most 64). */
#define HV_SCSI_MAX_CHANNELS        64
/*
 * Requests one channel has in flight.  Their completions are reserved on
 * the send ring, so this keeps the reservations well below the ring
 * (storvsc opens 128 KiB rings; a completion takes 88 bytes).
 */
#define HV_SCSI_QUEUE_DEPTH         256

/* Hyper-V pages: max-transfer is a multiple of them. */
#define HV_SCSI_PAGE_SIZE           4096u
#define HV_SCSI_DEFAULT_MAX_TRANSFER    (2 * MiB)
#define HV_SCSI_MIN_MAX_TRANSFER        (64 * KiB)
#define HV_SCSI_MAX_MAX_TRANSFER        (8 * MiB)

#define hv_scsi_log(s, fmt, ...) hv_ic_log(s, fmt, ##__VA_ARGS__)

typedef enum HvScsiState {
    HV_SCSI_WAIT_BEGIN,         /* channel open, BEGIN_INITIALIZATION next */
    HV_SCSI_WAIT_VERSION,       /* QUERY_PROTOCOL_VERSION until one fits */
    HV_SCSI_WAIT_PROPERTIES,    /* QUERY_PROPERTIES */
    HV_SCSI_WAIT_END,           /* CREATE_SUB_CHANNELS or END_INITIALIZATION */
    HV_SCSI_READY,              /* SRBs flow */
} HvScsiState;

typedef struct HvScsiVersion {
    uint16_t version;
    uint16_t packet_size;       /* struct vstor_packet as this version has it */
    uint8_t sense_size;
    bool multi_channel;
} HvScsiVersion;

/* What we speak, newest first (storvsc 6.x asks WIN10, WIN8.1, WIN8). */
static const HvScsiVersion hv_scsi_versions[] = {
    { VMSTOR_PROTO_VERSION_WIN10, sizeof(struct vstor_packet),
      VMSCSI_SENSE_BUFFER_SIZE, true },
    { VMSTOR_PROTO_VERSION_WIN8_1, sizeof(struct vstor_packet),
      VMSCSI_SENSE_BUFFER_SIZE, true },
    { VMSTOR_PROTO_VERSION_WIN8, sizeof(struct vstor_packet),
      VMSCSI_SENSE_BUFFER_SIZE, true },
    { VMSTOR_PROTO_VERSION_WIN7, VSTOR_PACKET_SIZE_WIN7,
      VMSCSI_SENSE_BUFFER_SIZE_WIN7, false },
    { VMSTOR_PROTO_VERSION_WIN6, VSTOR_PACKET_SIZE_WIN7,
      VMSCSI_SENSE_BUFFER_SIZE_WIN7, false },
};

typedef struct HvScsiReq HvScsiReq;

typedef struct HvScsiChan {
    HvScsi *s;
    uint16_t idx;
    /* Bumped when the channel closes: older requests are not answered. */
    uint32_t epoch;
    QTAILQ_HEAD(, HvScsiReq) inflight;
    unsigned n_inflight;
    /* A reservation failed; completions wait in @held until one succeeds. */
    bool ring_full;
    QTAILQ_HEAD(, HvScsiReq) held;
    /* Reception stopped at HV_SCSI_QUEUE_DEPTH; resume on a completion. */
    bool throttled;
    uint64_t srbs;              /* SRBs taken from this channel */
} HvScsiChan;

struct HvScsiReq {
    VMBusChanReq vreq;          /* first: allocated by vmbus_channel_recv_peek */
    HvScsiChan *hc;
    uint32_t epoch;
    uint32_t reply_len;         /* COMPLETE_IO size, reserved on the ring */
    QTAILQ_ENTRY(HvScsiReq) next;
    bool listed;                /* on hc->inflight */
    SCSIRequest *sreq;
    uint32_t buf_len;           /* data buffer (vreq.sgl), trimmed to xfer */
    uint8_t sense_room;         /* sense bytes the guest takes */
    struct vstor_packet pkt;    /* the request, rewritten into the reply */
};

struct HvScsi {
    VMBusDevice parent_obj;

    SCSIBus bus;
    HvScsiChan *chans;
    uint16_t n_chans;

    /* properties */
    uint16_t channels;          /* 0: one per vCPU */
    uint32_t max_transfer;

    /* protocol state, owned by the primary channel */
    HvScsiState state;
    const HvScsiVersion *ver;
    bool enumerate_pending;     /* ENUMERATE_BUS not sent yet */
    uint32_t next_tag;

    Error *migration_blocker;
};

static DeviceRealize hv_scsi_parent_realize;

static const char *hv_scsi_id(HvScsi *s)
{
    return DEVICE(s)->id ?: TYPE_HV_SCSI;
}

/* ---- packets to the guest ------------------------------------------------ */

static uint32_t hv_scsi_packet_size(HvScsi *s)
{
    return s->ver ? s->ver->packet_size : sizeof(struct vstor_packet);
}

/*
 * The size of the answer to a packet of @msglen bytes: the negotiated size
 * once initialised, before that the size the guest sent (old storvsc sent
 * the short packets while it negotiated a WIN8 or newer version).
 */
static uint32_t hv_scsi_reply_len(HvScsi *s, uint32_t msglen)
{
    if (s->state == HV_SCSI_READY) {
        return hv_scsi_packet_size(s);
    }
    return MIN(MAX(msglen, VSTOR_PACKET_HEADER_SIZE),
               sizeof(struct vstor_packet));
}

static void hv_scsi_req_free(HvScsiReq *req)
{
    HvScsiChan *hc = req->hc;

    if (req->listed) {
        QTAILQ_REMOVE(&hc->inflight, req, next);
        req->listed = false;
        hc->n_inflight--;
        if (hc->throttled && req->epoch == hc->epoch) {
            /* Reception stopped on the queue depth: take more. */
            hc->throttled = false;
            vmbus_channel_notify_host(req->vreq.chan);
        }
    }
    if (req->sreq) {
        req->sreq->hba_private = NULL;
        scsi_req_unref(req->sreq);
        req->sreq = NULL;
    }
    vmbus_free_req(req);
}

static void hv_scsi_send_now(HvScsiReq *req)
{
    HvScsiChan *hc = req->hc;
    ssize_t r;

    r = vmbus_channel_send_completion(&req->vreq, &req->pkt, req->reply_len);
    if (r < 0) {
        hv_scsi_log(hc->s, "channel %u: completion lost: %s", hc->idx,
                    strerror(-r));
    }
    hv_scsi_req_free(req);
}

/* Answer @req with COMPLETE_IO and @status; frees @req. */
static void hv_scsi_reply(HvScsiReq *req, uint32_t status)
{
    HvScsiChan *hc = req->hc;

    if (!req->vreq.need_comp || req->epoch != hc->epoch ||
        !vmbus_channel_is_open(req->vreq.chan)) {
        hv_scsi_req_free(req);
        return;
    }
    req->pkt.operation = cpu_to_le32(VSTOR_OPERATION_COMPLETE_IO);
    req->pkt.flags = 0;
    req->pkt.status = cpu_to_le32(status);
    if (req->listed) {
        QTAILQ_REMOVE(&hc->inflight, req, next);
        req->listed = false;
        hc->n_inflight--;
        if (hc->throttled) {
            hc->throttled = false;
            vmbus_channel_notify_host(req->vreq.chan);
        }
    }
    if (hc->ring_full) {
        /* Its room is reserved, but vmbus.c must not send just now. */
        QTAILQ_INSERT_TAIL(&hc->held, req, next);
        return;
    }
    hv_scsi_send_now(req);
}

static void hv_scsi_send_held(HvScsiChan *hc)
{
    HvScsiReq *req;

    while (!hc->ring_full && (req = QTAILQ_FIRST(&hc->held))) {
        QTAILQ_REMOVE(&hc->held, req, next);
        hv_scsi_send_now(req);
    }
}

/*
 * Reserve room for a packet of @len bytes on @hc's send ring.  A success
 * clears a failure before it, so held completions may go out again.
 */
static bool hv_scsi_reserve(HvScsiChan *hc, uint32_t len)
{
    VMBusChannel *chan = vmbus_device_channel(VMBUS_DEVICE(hc->s), hc->idx);

    if (vmbus_channel_reserve(chan, 0, len)) {
        if (!hc->ring_full) {
            trace_hv_scsi_ring_full(hv_scsi_id(hc->s), hc->idx);
        }
        hc->ring_full = true;
        return false;
    }
    if (hc->ring_full) {
        hc->ring_full = false;
        hv_scsi_send_held(hc);
    }
    return true;
}

/* ENUMERATE_BUS: the bus changed, the guest should rescan it. */
static void hv_scsi_send_enumerate(HvScsi *s)
{
    VMBusChannel *chan = vmbus_device_channel(VMBUS_DEVICE(s), 0);
    HvScsiChan *hc = &s->chans[0];
    struct vstor_packet pkt = {
        .operation = cpu_to_le32(VSTOR_OPERATION_ENUMERATE_BUS),
    };
    uint32_t len = hv_scsi_packet_size(s);
    ssize_t r;

    if (!s->enumerate_pending || s->state != HV_SCSI_READY ||
        !chan || !vmbus_channel_is_open(chan)) {
        return;
    }
    if (!hv_scsi_reserve(hc, len)) {
        return;                 /* retried when the guest drains the ring */
    }
    s->enumerate_pending = false;
    trace_hv_scsi_enumerate(hv_scsi_id(s));
    r = vmbus_channel_send(chan, VMBUS_PACKET_DATA_INBAND, NULL, 0, &pkt, len,
                           false, 0);
    if (r < 0) {
        hv_scsi_log(s, "ENUMERATE_BUS lost: %s", strerror(-r));
    }
}

static void hv_scsi_bus_changed(HvScsi *s)
{
    if (s->state != HV_SCSI_READY) {
        return;                 /* the guest scans once initialised */
    }
    s->enumerate_pending = true;
    hv_scsi_send_enumerate(s);
}

/* ---- SRB completion ------------------------------------------------------ */

/* The NTSTATUS Hyper-V puts in the packet beside an SRB status. */
static uint32_t hv_scsi_srb_nt_status(uint8_t srb_status)
{
    switch (SRB_STATUS_CODE(srb_status)) {
    case SRB_STATUS_SUCCESS:
        return VSTOR_STATUS_SUCCESS;
    case SRB_STATUS_BUSY:
        return VSTOR_STATUS_DEVICE_BUSY;
    case SRB_STATUS_INVALID_LUN:
    case SRB_STATUS_INVALID_TARGET_ID:
    case SRB_STATUS_NO_DEVICE:
    case SRB_STATUS_NO_HBA:
        return VSTOR_STATUS_DEVICE_DOES_NOT_EXIST;
    case SRB_STATUS_SELECTION_TIMEOUT:
        return VSTOR_STATUS_DEVICE_NOT_CONNECTED;
    case SRB_STATUS_INVALID_REQUEST:
    case SRB_STATUS_BAD_FUNCTION:
    case SRB_STATUS_BAD_SRB_BLOCK_LENGTH:
        return VSTOR_STATUS_INVALID_DEVICE_REQUEST;
    case SRB_STATUS_DATA_OVERRUN:
        return VSTOR_STATUS_BUFFER_OVERFLOW;
    case SRB_STATUS_ABORTED:
        return VSTOR_STATUS_CANCELLED;
    default:
        return VSTOR_STATUS_IO_DEVICE_ERROR;
    }
}

/*
 * Complete an SRB.  Underruns are SRB_STATUS_SUCCESS with the shorter
 * data_transfer_length, as Hyper-V answers them: storvsc derives the
 * residual from it, while any other SRB status would be logged as an error.
 */
static void hv_scsi_srb_done(HvScsiReq *req, uint8_t srb_status,
                             uint8_t scsi_status, const uint8_t *sense,
                             uint32_t sense_len, uint32_t transferred)
{
    struct vmscsi_request *srb = &req->pkt.vm_srb;

    sense_len = MIN(sense_len, req->sense_room);
    memset(srb->sense_data, 0, sizeof(srb->sense_data));
    if (sense_len) {
        memcpy(srb->sense_data, sense, sense_len);
        srb_status |= SRB_STATUS_AUTOSENSE_VALID;
    }
    srb->sense_info_length = sense_len;
    srb->srb_status = srb_status;
    srb->scsi_status = scsi_status;
    srb->data_transfer_length = cpu_to_le32(transferred);
    trace_hv_scsi_srb_done(hv_scsi_id(req->hc->s), req->hc->idx, srb_status,
                           scsi_status, transferred);
    hv_scsi_reply(req, hv_scsi_srb_nt_status(srb_status));
}

/* CHECK CONDITION with fixed-format sense. */
static void hv_scsi_srb_check(HvScsiReq *req, uint8_t srb_status,
                              SCSISense sense)
{
    uint8_t buf[SCSI_SENSE_LEN];
    int len = scsi_build_sense_buf(buf, sizeof(buf), sense, false);

    hv_scsi_srb_done(req, srb_status, CHECK_CONDITION, buf, len, 0);
}

static void hv_scsi_request_complete(SCSIRequest *sreq, size_t residual)
{
    HvScsiReq *req = sreq->hba_private;
    uint8_t sense[SCSI_SENSE_BUF_SIZE];
    uint32_t xfer, done;
    int sense_len;

    if (!req) {
        return;
    }
    xfer = sreq->cmd.mode == SCSI_XFER_NONE ? 0 : sreq->cmd.xfer;
    done = xfer - MIN(residual, xfer);
    switch (sreq->status) {
    case GOOD:
        hv_scsi_srb_done(req, SRB_STATUS_SUCCESS, GOOD, NULL, 0, done);
        break;
    case CHECK_CONDITION:
        sense_len = scsi_req_get_sense(sreq, sense, sizeof(sense));
        hv_scsi_srb_done(req, SRB_STATUS_ERROR, CHECK_CONDITION, sense,
                         MAX(sense_len, 0), 0);
        break;
    case BUSY:
    case TASK_SET_FULL:
        hv_scsi_srb_done(req, SRB_STATUS_BUSY, sreq->status, NULL, 0, 0);
        break;
    default:
        hv_scsi_srb_done(req, SRB_STATUS_ERROR, sreq->status, NULL, 0, 0);
        break;
    }
}

static void hv_scsi_request_cancelled(SCSIRequest *sreq)
{
    HvScsiReq *req = sreq->hba_private;

    if (!req) {
        return;
    }
    hv_scsi_srb_done(req, SRB_STATUS_ABORTED, GOOD, NULL, 0, 0);
}

static QEMUSGList *hv_scsi_get_sg_list(SCSIRequest *sreq)
{
    HvScsiReq *req = sreq->hba_private;

    return req && req->buf_len ? &req->vreq.sgl : NULL;
}

static void hv_scsi_transfer_data(SCSIRequest *sreq, uint32_t len)
{
    HvScsiReq *req = sreq->hba_private;

    /*
     * Unreachable: a command with data has a scatter/gather list (requests
     * whose transfer does not fit the guest's buffer are refused).
     */
    if (req) {
        hv_scsi_log(req->hc->s, "data phase without a buffer (%u bytes)", len);
    }
    scsi_req_cancel_async(sreq, NULL);
}

/* ---- SRB execution ------------------------------------------------------- */

/* Cut @sgl down to its first @len bytes. */
static void hv_scsi_sgl_trim(QEMUSGList *sgl, uint32_t len)
{
    dma_addr_t left = len;
    int i;

    for (i = 0; i < sgl->nsg && left; i++) {
        if (sgl->sg[i].len > left) {
            sgl->sg[i].len = left;
        }
        left -= sgl->sg[i].len;
    }
    sgl->nsg = i;
    sgl->size = len;
}

/* Copy a synthesised answer into the guest's buffer. */
static void hv_scsi_srb_data(HvScsiReq *req, void *data, uint32_t len,
                             uint32_t alloc)
{
    len = MIN(MIN(len, alloc), req->buf_len);
    if (len && dma_buf_read(data, len, NULL, &req->vreq.sgl,
                            MEMTXATTRS_UNSPECIFIED) != MEMTX_OK) {
        hv_scsi_srb_check(req, SRB_STATUS_ERROR,
                          SENSE_CODE(TARGET_FAILURE));
        return;
    }
    hv_scsi_srb_done(req, SRB_STATUS_SUCCESS, GOOD, NULL, 0, len);
}

/*
 * No device at this path and target: LUN 0 answers a standard INQUIRY
 * with "not present" (peripheral qualifier 3) and REPORT LUNS with an
 * empty list, so that scanning moves on; everything else is
 * SRB_STATUS_INVALID_LUN, which is also how storvsc learns that a LUN it
 * knows went away.
 */
static void hv_scsi_srb_no_target(HvScsiReq *req, const uint8_t *cdb)
{
    const struct vmscsi_request *srb = &req->pkt.vm_srb;
    uint8_t data[36] = {};

    if (cdb[0] == INQUIRY && req->buf_len && srb->data_in == VMSCSI_DATA_IN) {
        if ((cdb[1] & 0x1) || cdb[2]) {
            hv_scsi_srb_check(req, SRB_STATUS_ERROR,
                              SENSE_CODE(INVALID_FIELD));
            return;
        }
        data[0] = TYPE_NO_LUN;  /* peripheral qualifier 3, no device type */
        data[2] = 5;            /* SPC-3 */
        data[3] = 2;            /* response data format */
        data[4] = sizeof(data) - 5;
        hv_scsi_srb_data(req, data, sizeof(data), lduw_be_p(&cdb[3]));
        return;
    }
    if (cdb[0] == REPORT_LUNS && req->buf_len &&
        srb->data_in == VMSCSI_DATA_IN) {
        /* LUN list length 0 */
        hv_scsi_srb_data(req, data, 8, ldl_be_p(&cdb[6]));
        return;
    }
    hv_scsi_srb_done(req, SRB_STATUS_INVALID_LUN, CHECK_CONDITION, NULL, 0,
                     0);
}

static void hv_scsi_execute_srb(HvScsi *s, HvScsiReq *req)
{
    HvScsiChan *hc = req->hc;
    struct vmscsi_request *srb = &req->pkt.vm_srb;
    uint8_t cdb[VMSCSI_MAX_CDB_LEN] = {};
    uint32_t len = le32_to_cpu(srb->data_transfer_length);
    SCSIDevice *d;
    SCSIRequest *sreq;

    if (req->vreq.msglen < VSTOR_PACKET_SIZE_WIN7) {
        hv_scsi_log(s, "short EXECUTE_SRB packet (%u bytes)",
                    req->vreq.msglen);
        hv_scsi_reply(req, VSTOR_STATUS_INVALID_PARAMETER);
        return;
    }
    if (s->state != HV_SCSI_READY) {
        hv_scsi_log(s, "EXECUTE_SRB before END_INITIALIZATION");
        hv_scsi_reply(req, VSTOR_STATUS_INVALID_DEVICE_STATE);
        return;
    }
    hc->srbs++;
    req->sense_room = MIN(srb->sense_info_length, s->ver->sense_size);
    trace_hv_scsi_srb(hv_scsi_id(s), hc->idx, srb->path_id, srb->target_id,
                      srb->lun, srb->cdb[0], len);

    if (srb->cdb_length == 0 || srb->cdb_length > VMSCSI_MAX_CDB_LEN) {
        hv_scsi_log(s, "bad CDB length %u", srb->cdb_length);
        hv_scsi_srb_done(req, SRB_STATUS_INVALID_REQUEST, GOOD, NULL, 0, 0);
        return;
    }
    memcpy(cdb, srb->cdb, srb->cdb_length);

    /* The data buffer: the page list of a GPA-direct packet, or none. */
    if (req->vreq.pkt_type == VMBUS_PACKET_DATA_USING_GPA_DIRECT) {
        if (len > req->vreq.sgl.size || len > s->max_transfer) {
            hv_scsi_log(s, "data_transfer_length %u, buffer %" PRIu64
                        " bytes", len, (uint64_t)req->vreq.sgl.size);
            hv_scsi_srb_done(req, SRB_STATUS_INVALID_REQUEST, GOOD, NULL, 0,
                             0);
            return;
        }
        hv_scsi_sgl_trim(&req->vreq.sgl, len);
    } else if (len) {
        hv_scsi_log(s, "data_transfer_length %u without a page list", len);
        hv_scsi_srb_done(req, SRB_STATUS_INVALID_REQUEST, GOOD, NULL, 0, 0);
        return;
    }
    req->buf_len = len;
    if (len && srb->data_in != VMSCSI_DATA_IN &&
        srb->data_in != VMSCSI_DATA_OUT) {
        hv_scsi_log(s, "buffer of %u bytes with direction %u", len,
                    srb->data_in);
        hv_scsi_srb_done(req, SRB_STATUS_INVALID_REQUEST, GOOD, NULL, 0, 0);
        return;
    }

    d = scsi_device_get(&s->bus, srb->path_id, srb->target_id, srb->lun);
    if (!d) {
        hv_scsi_srb_no_target(req, cdb);
        return;
    }
    if (d->lun != srb->lun && cdb[0] != INQUIRY && cdb[0] != REPORT_LUNS) {
        /* The target's emulation answers INQUIRY and REPORT LUNS. */
        object_unref(OBJECT(d));
        hv_scsi_srb_done(req, SRB_STATUS_INVALID_LUN, CHECK_CONDITION, NULL,
                         0, 0);
        return;
    }
    sreq = scsi_req_new(d, ++s->next_tag, srb->lun, cdb, srb->cdb_length,
                        req);
    object_unref(OBJECT(d));

    if (sreq->cmd.mode != SCSI_XFER_NONE &&
        (sreq->cmd.mode != (srb->data_in == VMSCSI_DATA_IN ?
                            SCSI_XFER_FROM_DEV : SCSI_XFER_TO_DEV) ||
         sreq->cmd.xfer > len)) {
        hv_scsi_log(s, "CDB 0x%02x moves %zu bytes %s, the SRB %u bytes %s",
                    cdb[0], sreq->cmd.xfer,
                    sreq->cmd.mode == SCSI_XFER_FROM_DEV ? "in" : "out", len,
                    srb->data_in == VMSCSI_DATA_IN ? "in" : "out");
        sreq->hba_private = NULL;
        scsi_req_unref(sreq);
        hv_scsi_srb_check(req, SRB_STATUS_INVALID_REQUEST,
                          SENSE_CODE(INVALID_FIELD));
        return;
    }
    if (sreq->cmd.mode == SCSI_XFER_NONE) {
        req->buf_len = 0;
    } else if (sreq->cmd.xfer < len) {
        /* Never move more than the CDB asks for (a write past it). */
        hv_scsi_sgl_trim(&req->vreq.sgl, sreq->cmd.xfer);
        req->buf_len = sreq->cmd.xfer;
    }

    req->sreq = sreq;
    QTAILQ_INSERT_TAIL(&hc->inflight, req, next);
    req->listed = true;
    hc->n_inflight++;
    if (scsi_req_enqueue(sreq)) {
        scsi_req_continue(sreq);
    }
}

static const char *hv_scsi_op_name(uint32_t op)
{
    switch (op) {
    case VSTOR_OPERATION_COMPLETE_IO: return "COMPLETE_IO";
    case VSTOR_OPERATION_REMOVE_DEVICE: return "REMOVE_DEVICE";
    case VSTOR_OPERATION_EXECUTE_SRB: return "EXECUTE_SRB";
    case VSTOR_OPERATION_RESET_LUN: return "RESET_LUN";
    case VSTOR_OPERATION_RESET_ADAPTER: return "RESET_ADAPTER";
    case VSTOR_OPERATION_RESET_BUS: return "RESET_BUS";
    case VSTOR_OPERATION_BEGIN_INITIALIZATION: return "BEGIN_INITIALIZATION";
    case VSTOR_OPERATION_END_INITIALIZATION: return "END_INITIALIZATION";
    case VSTOR_OPERATION_QUERY_PROTOCOL_VERSION:
        return "QUERY_PROTOCOL_VERSION";
    case VSTOR_OPERATION_QUERY_PROPERTIES: return "QUERY_PROPERTIES";
    case VSTOR_OPERATION_ENUMERATE_BUS: return "ENUMERATE_BUS";
    case VSTOR_OPERATION_FCHBA_DATA: return "FCHBA_DATA";
    case VSTOR_OPERATION_CREATE_SUB_CHANNELS: return "CREATE_SUB_CHANNELS";
    default: return "unknown";
    }
}

/* ---- resets -------------------------------------------------------------- */

/*
 * RESET_LUN cancels what is outstanding on that LUN, RESET_BUS on that
 * path and RESET_ADAPTER everything, on every channel; the SRBs complete
 * as SRB_STATUS_ABORTED once their cancellation finished, the reset's own
 * completion goes out at once.  The LUNs themselves are not reset (no unit
 * attention follows), as Hyper-V does not reset its disks either.  Linux's
 * storvsc sends RESET_BUS, with path 0, from its host reset handler and
 * then waits for all its requests to come back.
 */
static void hv_scsi_reset(HvScsi *s, HvScsiReq *req)
{
    uint32_t op = le32_to_cpu(req->pkt.operation);
    const struct vmscsi_request *srb = &req->pkt.vm_srb;
    HvScsiReq *r, *next;
    unsigned cancelled = 0;
    uint16_t i;

    for (i = 0; i < s->n_chans; i++) {
        QTAILQ_FOREACH_SAFE(r, &s->chans[i].inflight, next, next) {
            const struct vmscsi_request *rs = &r->pkt.vm_srb;

            if (!r->sreq || r->sreq->io_canceled) {
                continue;
            }
            if (op != VSTOR_OPERATION_RESET_ADAPTER &&
                (rs->path_id != srb->path_id ||
                 (op == VSTOR_OPERATION_RESET_LUN &&
                  (rs->target_id != srb->target_id ||
                   rs->lun != srb->lun)))) {
                continue;
            }
            cancelled++;
            scsi_req_cancel_async(r->sreq, NULL);
        }
    }
    trace_hv_scsi_reset(hv_scsi_id(s), hv_scsi_op_name(op), srb->path_id,
                        srb->target_id, srb->lun, cancelled);
    hv_scsi_reply(req, VSTOR_STATUS_SUCCESS);
}

/* ---- initialisation ------------------------------------------------------ */

static const HvScsiVersion *hv_scsi_find_version(uint16_t version)
{
    unsigned i;

    for (i = 0; i < ARRAY_SIZE(hv_scsi_versions); i++) {
        if (hv_scsi_versions[i].version == version) {
            return &hv_scsi_versions[i];
        }
    }
    return NULL;
}

static void hv_scsi_query_version(HvScsi *s, HvScsiReq *req)
{
    uint16_t version = le16_to_cpu(req->pkt.version.major_minor);
    const HvScsiVersion *v = hv_scsi_find_version(version);
    uint32_t status = v ? VSTOR_STATUS_SUCCESS
                        : VSTOR_STATUS_REVISION_MISMATCH;

    trace_hv_scsi_version(hv_scsi_id(s), VMSTOR_PROTO_VERSION_MAJOR(version),
                          VMSTOR_PROTO_VERSION_MINOR(version), status);
    if (v) {
        s->ver = v;
        s->state = HV_SCSI_WAIT_PROPERTIES;
    }
    hv_scsi_reply(req, status);
}

static void hv_scsi_query_properties(HvScsi *s, HvScsiReq *req)
{
    struct vmstorage_channel_properties *p =
        &req->pkt.storage_channel_properties;
    uint16_t subchannels = s->ver->multi_channel ? s->n_chans - 1 : 0;

    memset(p, 0, sizeof(*p));
    p->max_channel_cnt = cpu_to_le16(subchannels);
    p->flags = cpu_to_le32(subchannels ?
                           STORAGE_CHANNEL_SUPPORTS_MULTI_CHANNEL : 0);
    p->max_transfer_bytes = cpu_to_le32(s->max_transfer);
    s->state = HV_SCSI_WAIT_END;
    hv_scsi_reply(req, VSTOR_STATUS_SUCCESS);
}

static void hv_scsi_create_subchannels(HvScsi *s, HvScsiReq *req)
{
    uint16_t count = le16_to_cpu(req->pkt.sub_channel_count);
    uint16_t offered;

    if (!s->ver || !s->ver->multi_channel || !count ||
        count > s->n_chans - 1) {
        hv_scsi_log(s, "CREATE_SUB_CHANNELS %u refused (%u offered)", count,
                    s->ver && s->ver->multi_channel ? s->n_chans - 1 : 0);
        hv_scsi_reply(req, VSTOR_STATUS_INVALID_PARAMETER);
        return;
    }
    offered = vmbus_device_offer_subchannels(VMBUS_DEVICE(s), count);
    trace_hv_scsi_subchannels(hv_scsi_id(s), count, offered);
    hv_scsi_reply(req, VSTOR_STATUS_SUCCESS);
}

/* Initialisation and control operations; they come on the primary channel. */
static void hv_scsi_control(HvScsi *s, HvScsiReq *req, uint32_t op)
{
    HvScsiState want;

    switch (op) {
    case VSTOR_OPERATION_BEGIN_INITIALIZATION:
        want = HV_SCSI_WAIT_BEGIN;
        break;
    case VSTOR_OPERATION_QUERY_PROTOCOL_VERSION:
        want = HV_SCSI_WAIT_VERSION;
        break;
    case VSTOR_OPERATION_QUERY_PROPERTIES:
        want = HV_SCSI_WAIT_PROPERTIES;
        break;
    case VSTOR_OPERATION_END_INITIALIZATION:
        want = HV_SCSI_WAIT_END;
        break;
    case VSTOR_OPERATION_CREATE_SUB_CHANNELS:
        if (s->state == HV_SCSI_WAIT_END || s->state == HV_SCSI_READY) {
            hv_scsi_create_subchannels(s, req);
            return;
        }
        want = HV_SCSI_WAIT_END;
        break;
    default:
        hv_scsi_log(s, "unknown operation %u", op);
        hv_scsi_reply(req, VSTOR_STATUS_INVALID_DEVICE_REQUEST);
        return;
    }
    if (s->state != want) {
        hv_scsi_log(s, "%s out of order", hv_scsi_op_name(op));
        hv_scsi_reply(req, VSTOR_STATUS_INVALID_DEVICE_STATE);
        return;
    }
    trace_hv_scsi_init(hv_scsi_id(s), hv_scsi_op_name(op));
    switch (op) {
    case VSTOR_OPERATION_BEGIN_INITIALIZATION:
        s->state = HV_SCSI_WAIT_VERSION;
        hv_scsi_reply(req, VSTOR_STATUS_SUCCESS);
        break;
    case VSTOR_OPERATION_QUERY_PROTOCOL_VERSION:
        hv_scsi_query_version(s, req);
        break;
    case VSTOR_OPERATION_QUERY_PROPERTIES:
        hv_scsi_query_properties(s, req);
        break;
    case VSTOR_OPERATION_END_INITIALIZATION:
        hv_scsi_reply(req, VSTOR_STATUS_SUCCESS);
        /* Changes before now are found by the guest's first scan. */
        s->state = HV_SCSI_READY;
        s->enumerate_pending = false;
        break;
    }
}

static void hv_scsi_handle_packet(HvScsi *s, HvScsiChan *hc, HvScsiReq *req)
{
    uint32_t op;

    memcpy(&req->pkt, req->vreq.msg,
           MIN(req->vreq.msglen, sizeof(req->pkt)));
    if (req->vreq.pkt_type != VMBUS_PACKET_DATA_INBAND &&
        req->vreq.pkt_type != VMBUS_PACKET_DATA_USING_GPA_DIRECT) {
        hv_scsi_log(s, "channel %u: unexpected packet type %u", hc->idx,
                    req->vreq.pkt_type);
        hv_scsi_req_free(req);
        return;
    }
    if (req->vreq.msglen < VSTOR_PACKET_HEADER_SIZE) {
        hv_scsi_log(s, "channel %u: short packet (%u bytes)", hc->idx,
                    req->vreq.msglen);
        hv_scsi_reply(req, VSTOR_STATUS_INVALID_PARAMETER);
        return;
    }
    op = le32_to_cpu(req->pkt.operation);
    if (op == VSTOR_OPERATION_EXECUTE_SRB) {
        hv_scsi_execute_srb(s, req);
        return;
    }
    if (req->vreq.pkt_type != VMBUS_PACKET_DATA_INBAND) {
        hv_scsi_log(s, "%s with a page list", hv_scsi_op_name(op));
        hv_scsi_reply(req, VSTOR_STATUS_INVALID_PARAMETER);
        return;
    }
    switch (op) {
    case VSTOR_OPERATION_RESET_LUN:
    case VSTOR_OPERATION_RESET_BUS:
    case VSTOR_OPERATION_RESET_ADAPTER:
        if (s->state != HV_SCSI_READY) {
            hv_scsi_log(s, "%s before END_INITIALIZATION",
                        hv_scsi_op_name(op));
            hv_scsi_reply(req, VSTOR_STATUS_INVALID_DEVICE_STATE);
            return;
        }
        hv_scsi_reset(s, req);
        return;
    }
    if (hc->idx != 0) {
        hv_scsi_log(s, "%s on subchannel %u", hv_scsi_op_name(op), hc->idx);
        hv_scsi_reply(req, VSTOR_STATUS_INVALID_DEVICE_STATE);
        return;
    }
    hv_scsi_control(s, req, op);
}

/* ---- channels ------------------------------------------------------------ */

static void hv_scsi_chan_notify(VMBusChannel *chan)
{
    HvScsi *s = HV_SCSI(vmbus_channel_device(chan));
    HvScsiChan *hc = &s->chans[vmbus_channel_idx(chan)];

    if (hc->idx == 0 && s->enumerate_pending) {
        hv_scsi_send_enumerate(s);
    }
    if (vmbus_channel_recv_start(chan)) {
        return;
    }
    for (;;) {
        HvScsiReq *req;
        uint32_t reply_len;

        if (hc->n_inflight >= HV_SCSI_QUEUE_DEPTH) {
            hc->throttled = true;
            break;
        }
        req = vmbus_channel_recv_peek(chan, sizeof(*req));
        if (!req) {
            break;
        }
        if (req->vreq.pkt_type != VMBUS_PACKET_DATA_INBAND &&
            req->vreq.pkt_type != VMBUS_PACKET_DATA_USING_GPA_DIRECT) {
            /* A completion (we never ask for one) is not answered. */
            req->vreq.need_comp = false;
        }
        reply_len = hv_scsi_reply_len(s, req->vreq.msglen);
        if (req->vreq.need_comp && !hv_scsi_reserve(hc, reply_len)) {
            /* Left in the ring; the guest signals once it made room. */
            vmbus_free_req(req);
            break;
        }
        vmbus_channel_recv_pop(chan);
        req->hc = hc;
        req->epoch = hc->epoch;
        req->reply_len = reply_len;
        hv_scsi_handle_packet(s, hc, req);
    }
    vmbus_channel_recv_done(chan);
}

/* Forget everything in flight on @hc: nothing goes back on this ring. */
static void hv_scsi_chan_drop(HvScsiChan *hc)
{
    HvScsiReq *req, *next;

    hc->epoch++;
    hc->ring_full = false;
    hc->throttled = false;
    while ((req = QTAILQ_FIRST(&hc->held))) {
        QTAILQ_REMOVE(&hc->held, req, next);
        hv_scsi_req_free(req);
    }
    /* The cancellations complete later and are dropped (epoch). */
    QTAILQ_FOREACH_SAFE(req, &hc->inflight, next, next) {
        if (req->sreq) {
            scsi_req_cancel_async(req->sreq, NULL);
        }
    }
}

static void hv_scsi_reset_protocol(HvScsi *s)
{
    s->state = HV_SCSI_WAIT_BEGIN;
    s->ver = NULL;
    s->enumerate_pending = false;
}

static int hv_scsi_open_channel(VMBusChannel *chan)
{
    HvScsi *s = HV_SCSI(vmbus_channel_device(chan));
    HvScsiChan *hc = &s->chans[vmbus_channel_idx(chan)];

    trace_hv_scsi_open(hv_scsi_id(s), hc->idx);
    hv_scsi_chan_drop(hc);
    hc->srbs = 0;
    if (hc->idx == 0) {
        hv_scsi_reset_protocol(s);
    }
    return 0;
}

static void hv_scsi_close_channel(VMBusChannel *chan)
{
    HvScsi *s = HV_SCSI(vmbus_channel_device(chan));
    HvScsiChan *hc = &s->chans[vmbus_channel_idx(chan)];

    trace_hv_scsi_close(hv_scsi_id(s), hc->idx);
    hv_scsi_chan_drop(hc);
    if (hc->idx == 0) {
        hv_scsi_reset_protocol(s);
    }
}

static uint16_t hv_scsi_num_channels(VMBusDevice *vdev)
{
    HvScsi *s = HV_SCSI(vdev);
    unsigned n = s->channels ?: current_machine->smp.cpus;

    return MAX(1, MIN(n, HV_SCSI_MAX_CHANNELS));
}

/* ---- hot plug of LUNs ------------------------------------------------------ */

static void hv_scsi_hotplug(HotplugHandler *hotplug_dev, DeviceState *dev,
                            Error **errp)
{
    hv_scsi_bus_changed(HV_SCSI(hotplug_dev));
}

static void hv_scsi_hotunplug(HotplugHandler *hotplug_dev, DeviceState *dev,
                              Error **errp)
{
    /* Unrealizing the LUN cancels its requests (SRB_STATUS_ABORTED). */
    qdev_simple_device_unplug_cb(hotplug_dev, dev, errp);
    hv_scsi_bus_changed(HV_SCSI(hotplug_dev));
}

static const struct SCSIBusInfo hv_scsi_scsi_info = {
    .tcq = true,
    .max_channel = HV_SCSI_MAX_PATH,
    .max_target = HV_SCSI_MAX_TARGET,
    .max_lun = HV_SCSI_MAX_LUN,
    .transfer_data = hv_scsi_transfer_data,
    .complete = hv_scsi_request_complete,
    .cancel = hv_scsi_request_cancelled,
    .get_sg_list = hv_scsi_get_sg_list,
};

/* ---- QOM ------------------------------------------------------------------ */

/*
 * A name-based (version 5) UUID of the qdev id in our namespace: stable
 * across runs and distinct per controller.
 */
static void hv_scsi_instance_from_id(const char *id, QemuUUID *ret_uuid)
{
    QemuUUID ns;
    g_autoptr(GChecksum) sha1 = g_checksum_new(G_CHECKSUM_SHA1);
    uint8_t digest[20];
    gsize len = sizeof(digest);

    qemu_uuid_parse(HV_SCSI_DEFAULT_INSTANCE, &ns);
    g_checksum_update(sha1, ns.data, sizeof(ns.data));
    g_checksum_update(sha1, (const guchar *)id, strlen(id));
    g_checksum_get_digest(sha1, digest, &len);
    memcpy(ret_uuid->data, digest, sizeof(ret_uuid->data));
    ret_uuid->data[6] = (ret_uuid->data[6] & 0x0f) | 0x50;
    ret_uuid->data[8] = (ret_uuid->data[8] & 0x3f) | 0x80;
}

static void hv_scsi_realize(DeviceState *dev, Error **errp)
{
    VMBusDevice *vdev = VMBUS_DEVICE(dev);

    if (qemu_uuid_is_null(&vdev->instanceid)) {
        if (dev->id) {
            hv_scsi_instance_from_id(dev->id, &vdev->instanceid);
        } else {
            qemu_uuid_parse(HV_SCSI_DEFAULT_INSTANCE, &vdev->instanceid);
        }
    }
    hv_scsi_parent_realize(dev, errp);
}

static void hv_scsi_vmdev_realize(VMBusDevice *vdev, Error **errp)
{
    HvScsi *s = HV_SCSI(vdev);
    uint16_t i;

    if (s->channels > HV_SCSI_MAX_CHANNELS) {
        error_setg(errp, "channels must be 1 to %u (0: one per vCPU)",
                   HV_SCSI_MAX_CHANNELS);
        return;
    }
    if (s->max_transfer < HV_SCSI_MIN_MAX_TRANSFER ||
        s->max_transfer > HV_SCSI_MAX_MAX_TRANSFER ||
        s->max_transfer % HV_SCSI_PAGE_SIZE) {
        error_setg(errp, "max-transfer must be a multiple of %u from %u to"
                   " %u bytes", HV_SCSI_PAGE_SIZE,
                   (unsigned)HV_SCSI_MIN_MAX_TRANSFER,
                   (unsigned)HV_SCSI_MAX_MAX_TRANSFER);
        return;
    }
    /* The in-flight requests and the rings' state are not migrated. */
    error_setg(&s->migration_blocker, "%s: migration is not supported",
               TYPE_HV_SCSI);
    if (migrate_add_blocker(s->migration_blocker, errp) < 0) {
        error_free(s->migration_blocker);
        s->migration_blocker = NULL;
        return;
    }
    s->n_chans = vdev->num_channels;
    s->chans = g_new0(HvScsiChan, s->n_chans);
    for (i = 0; i < s->n_chans; i++) {
        s->chans[i].s = s;
        s->chans[i].idx = i;
        QTAILQ_INIT(&s->chans[i].inflight);
        QTAILQ_INIT(&s->chans[i].held);
    }
    hv_scsi_reset_protocol(s);
    /* Named "<id>.0"; its disks' paths start with our instance id. */
    scsi_bus_init(&s->bus, sizeof(s->bus), DEVICE(s), &hv_scsi_scsi_info);
    qbus_set_hotplug_handler(BUS(&s->bus), OBJECT(s));
}

static void hv_scsi_vmdev_unrealize(VMBusDevice *vdev)
{
    HvScsi *s = HV_SCSI(vdev);
    uint16_t i;

    /* The LUNs are gone already: their requests were cancelled. */
    for (i = 0; i < s->n_chans; i++) {
        hv_scsi_chan_drop(&s->chans[i]);
    }
    g_free(s->chans);
    s->chans = NULL;
    s->n_chans = 0;
    migrate_del_blocker(s->migration_blocker);
    error_free(s->migration_blocker);
    s->migration_blocker = NULL;
}

static void hv_scsi_vmdev_reset(VMBusDevice *vdev)
{
    HvScsi *s = HV_SCSI(vdev);
    uint16_t i;

    for (i = 0; i < s->n_chans; i++) {
        hv_scsi_chan_drop(&s->chans[i]);
    }
    hv_scsi_reset_protocol(s);
}

/* "io-counts": SRBs taken per channel, "0:123 1:45" (for tests). */
static char *hv_scsi_get_io_counts(Object *obj, Error **errp)
{
    HvScsi *s = HV_SCSI(obj);
    GString *str = g_string_new("");
    uint16_t i;

    for (i = 0; i < s->n_chans; i++) {
        g_string_append_printf(str, "%s%u:%" PRIu64, i ? " " : "", i,
                               s->chans[i].srbs);
    }
    return g_string_free(str, false);
}

static void hv_scsi_instance_init(Object *obj)
{
    VMBusDevice *vdev = VMBUS_DEVICE(obj);

    /* Null until realize picks the default (see the top of the file). */
    memset(&vdev->instanceid, 0, sizeof(vdev->instanceid));
    object_property_add_alias(obj, "instance", obj, "instanceid");
    object_property_add_str(obj, "io-counts", hv_scsi_get_io_counts, NULL);
}

static Property hv_scsi_props[] = {
    DEFINE_PROP_UINT16("channels", HvScsi, channels, 0),
    DEFINE_PROP_UINT32("max-transfer", HvScsi, max_transfer,
                       HV_SCSI_DEFAULT_MAX_TRANSFER),
    DEFINE_PROP_END_OF_LIST()
};

static void hv_scsi_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VMBusDeviceClass *vdc = VMBUS_DEVICE_CLASS(klass);
    HotplugHandlerClass *hc = HOTPLUG_HANDLER_CLASS(klass);

    dc->desc = "Hyper-V synthetic SCSI controller";
    device_class_set_props(dc, hv_scsi_props);
    set_bit(DEVICE_CATEGORY_STORAGE, dc->categories);
    device_class_set_parent_realize(dc, hv_scsi_realize,
                                    &hv_scsi_parent_realize);

    qemu_uuid_parse(HV_SCSI_CLASS_ID, &vdc->classid);
    vdc->vmdev_realize = hv_scsi_vmdev_realize;
    vdc->vmdev_unrealize = hv_scsi_vmdev_unrealize;
    vdc->vmdev_reset = hv_scsi_vmdev_reset;
    vdc->num_channels = hv_scsi_num_channels;
    vdc->subchannels_on_request = true;
    vdc->open_channel = hv_scsi_open_channel;
    vdc->close_channel = hv_scsi_close_channel;
    vdc->chan_notify_cb = hv_scsi_chan_notify;

    hc->plug = hv_scsi_hotplug;
    hc->unplug = hv_scsi_hotunplug;
}

static const TypeInfo hv_scsi_type_info = {
    .name = TYPE_HV_SCSI,
    .parent = TYPE_VMBUS_DEVICE,
    .instance_size = sizeof(HvScsi),
    .instance_init = hv_scsi_instance_init,
    .class_init = hv_scsi_class_init,
    .interfaces = (InterfaceInfo[]) {
        { TYPE_HOTPLUG_HANDLER },
        { }
    },
};

static void hv_scsi_register_types(void)
{
    type_register_static(&hv_scsi_type_info);
}

type_init(hv_scsi_register_types)
