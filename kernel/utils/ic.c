// SPDX-License-Identifier: GPL-2.0
/*
 * IC channel helpers shared by the services: take one packet off the ring,
 * check its framing before anything reads the body, answer NEGOTIATE and
 * foreign message types, and send replies (the request rewritten in place).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hyperv.h>
#include <linux/kernel.h>

#include "hvu.h"

const int hvu_fw_versions[2] = { UTIL_FW_VERSION, UTIL_WS2K8_FW_VERSION };

static struct icmsg_hdr *ic_hdr(struct hvu_dev *ud)
{
	return (struct icmsg_hdr *)(ud->buf + HVT_IC_PIPE_HDR_SIZE);
}

/**
 * hvu_ic_reply() - answer the request held in ud->buf.
 * @ud:		the device
 * @len:	bytes to send back: the request's length, the body rewritten
 * @req_id:	the request's transaction id
 * @status:	HV_S_OK or an HRESULT for the host
 *
 * Context: the service's receive path (it owns ud->buf).
 */
void hvu_ic_reply(struct hvu_dev *ud, u32 len, u64 req_id, u32 status)
{
	struct icmsg_hdr *hdr = ic_hdr(ud);
	int ret;

	hdr->status = status;
	hdr->icflags = ICMSGHDRFLAG_TRANSACTION | ICMSGHDRFLAG_RESPONSE;
	ret = vmbus_sendpacket(ud->chan, ud->buf, len, req_id, VM_PKT_DATA_INBAND, 0);
	if (ret)
		dev_err_ratelimited(&ud->hdev->device, "%s: reply not sent: %d\n",
				    ud->svc->name, ret);
}

/*
 * NEGOTIATE: the offer is checked here first (counts within bounds, every
 * version inside the packet); vmbus_prep_negotiate_resp() then picks ours
 * and rewrites the body. No match is answered with HV_E_FAIL.
 */
static void ic_negotiate(struct hvu_dev *ud, u32 len, u64 req_id, const struct hvu_versions *v)
{
	struct icmsg_hdr *hdr = ic_hdr(ud);
	int fw = 0, srv = 0;

	if (!hvt_ic_negotiate_valid(ud->buf, len)) {
		dev_warn_ratelimited(&ud->hdev->device, "%s: malformed version offer (%u bytes)\n",
				     ud->svc->name, len);
		/* Counts 0/0 where there is room for them: "nothing agreed". */
		if (len >= HVT_IC_BODY_OFFSET + 4) {
			hvt_put_le16(ud->buf + HVT_IC_BODY_OFFSET, 0);
			hvt_put_le16(ud->buf + HVT_IC_BODY_OFFSET + 2, 0);
		}
		hvu_ic_reply(ud, len, req_id, HV_E_FAIL);
		return;
	}
	if (!vmbus_prep_negotiate_resp(hdr, ud->buf, len, v->fw, v->nfw, v->srv, v->nsrv,
				       &fw, &srv)) {
		dev_warn_ratelimited(&ud->hdev->device, "%s: no common version with the host\n",
				     ud->svc->name);
		hvu_ic_reply(ud, len, req_id, HV_E_FAIL);
		return;
	}
	if (ud->srv_version != srv)
		dev_info(&ud->hdev->device, "%s IC version %d.%d\n", ud->svc->name,
			 srv >> 16, srv & 0xffff);
	ud->srv_version = srv;
	hvu_ic_reply(ud, len, req_id, HV_S_OK);
}

/**
 * hvu_ic_next() - the next message of the service's own type.
 * @ud:		the device
 * @msgtype:	the service's ICMSGTYPE_*
 * @v:		versions to negotiate
 * @ret:	the message, valid until the next call (it lives in ud->buf)
 *
 * Packets too short for the IC headers are dropped (there is no header to
 * answer in), NEGOTIATE is answered, other types get HV_E_FAIL.
 *
 * Context: the service's receive path; does not sleep.
 * Return: 1 with @ret filled, 0 when the ring is empty, or a negative errno
 * when reading failed.
 */
int hvu_ic_next(struct hvu_dev *ud, u16 msgtype, const struct hvu_versions *v,
		struct hvu_ic_msg *ret)
{
	for (;;) {
		struct hvt_ic_view view;
		u32 len;
		u64 req_id;
		int r;

		r = vmbus_recvpacket(ud->chan, ud->buf, ud->buf_size, &len, &req_id);
		if (r) {
			dev_err_ratelimited(&ud->hdev->device, "%s: receive failed: %d\n",
					    ud->svc->name, r);
			return r;
		}
		if (len == 0)
			return 0;
		if (!hvt_ic_parse(ud->buf, len, &view)) {
			dev_warn_ratelimited(&ud->hdev->device, "%s: %u-byte packet dropped\n",
					     ud->svc->name, len);
			continue;
		}
		if (view.msgtype == ICMSGTYPE_NEGOTIATE) {
			ic_negotiate(ud, len, req_id, v);
			continue;
		}
		if (view.msgtype != msgtype) {
			dev_warn_ratelimited(&ud->hdev->device, "%s: message type %u refused\n",
					     ud->svc->name, view.msgtype);
			hvu_ic_reply(ud, len, req_id, HV_E_FAIL);
			continue;
		}
		ret->len = len;
		ret->req_id = req_id;
		ret->body = ud->buf + HVT_IC_BODY_OFFSET;
		ret->body_len = view.body_len;
		return 1;
	}
}

/**
 * hvu_ic_serve() - drain the ring for a service that answers at once.
 * @ud:		the device
 * @msgtype:	the service's ICMSGTYPE_*
 * @v:		versions to negotiate
 * @handle:	builds the reply body in place, returns the status
 *
 * Context: the channel callback.
 */
void hvu_ic_serve(struct hvu_dev *ud, u16 msgtype, const struct hvu_versions *v,
		  u32 (*handle)(struct hvu_dev *ud, struct hvu_ic_msg *m))
{
	struct hvu_ic_msg m;

	while (hvu_ic_next(ud, msgtype, v, &m) > 0)
		hvu_ic_reply(ud, m.len, m.req_id, handle(ud, &m));
}
