// SPDX-License-Identifier: GPL-2.0
/*
 * Heartbeat IC: the host sends a sequence number every few seconds; the
 * guest proves it is alive by returning it plus one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hyperv.h>

#include "hvu.h"

/*
 * struct heartbeat_msg_data: seq_num u64, then reserved words the host
 * need not send, so only the sequence number is required.
 */
#define HB_NEED		8u

static const int hb_versions[] = {
	(3 << 16) | 0,
	(1 << 16) | 0,
};

static const struct hvu_versions hb_vers = {
	.fw = hvu_fw_versions, .nfw = ARRAY_SIZE(hvu_fw_versions),
	.srv = hb_versions, .nsrv = ARRAY_SIZE(hb_versions),
};

static u32 hb_handle(struct hvu_dev *ud, struct hvu_ic_msg *m)
{
	if (m->body_len < HB_NEED) {
		dev_warn_ratelimited(&ud->hdev->device, "heartbeat: %u-byte request refused\n",
				     m->body_len);
		return HV_E_FAIL;
	}
	hvt_put_le64(m->body, hvt_get_le64(m->body) + 1);
	return HV_S_OK;
}

static void hb_onchannel(void *context)
{
	hvu_ic_serve(context, ICMSGTYPE_HEARTBEAT, &hb_vers, hb_handle);
}

static int hb_init(struct hvu_dev *ud)
{
	return 0;
}

static void hb_free(struct hvu_dev *ud)
{
}

const struct hvu_service hvu_heartbeat_service = {
	.name = "heartbeat",
	.id = HVU_HEARTBEAT,
	.init = hb_init,
	.free = hb_free,
	.onchannel = hb_onchannel,
	.pkt_size = HV_HYP_PAGE_SIZE,
};
