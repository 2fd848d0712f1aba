// SPDX-License-Identifier: MIT
/*
 * VSS request validation and dispatch.
 */
#include <endian.h>
#include <string.h>

#include <hyperv/status.h>

#include "log.h"
#include "util.h"
#include "vss-handler.h"

const char *vss_op_to_string(unsigned op)
{
	switch (op) {
	case HV_VSS_OP_CREATE:
		return "CREATE";
	case HV_VSS_OP_DELETE:
		return "DELETE";
	case HV_VSS_OP_HOT_BACKUP:
		return "HOT_BACKUP";
	case HV_VSS_OP_GET_DM_INFO:
		return "GET_DM_INFO";
	case HV_VSS_OP_BU_COMPLETE:
		return "BU_COMPLETE";
	case HV_VSS_OP_FREEZE:
		return "FREEZE";
	case HV_VSS_OP_THAW:
		return "THAW";
	case HV_VSS_OP_AUTO_RECOVER:
		return "AUTO_RECOVER";
	case HV_VSS_OP_REGISTER:
		return "REGISTER";
	case HV_VSS_OP_REGISTER1:
		return "REGISTER1";
	default:
		return "unknown";
	}
}

void vss_reply_build(struct hv_vss_msg *msg, uint32_t status)
{
	/* hv_vss_msg.error overlays the header: the whole 12 bytes go back. */
	__s32 error = (__s32)htole32(status);

	memcpy(&msg->error, &error, sizeof(error));
}

ssize_t vss_handle(const struct vss_handler_ops *ops, void *userdata, void *buf, size_t len)
{
	struct hv_vss_msg *msg = buf;
	unsigned op;
	int r;

	if (len != HV_VSS_MSG_SIZE) {
		/* Keep what fits of the request, zero the rest, answer in the kernel's size. */
		if (len < HV_VSS_MSG_SIZE)
			memset((char *)buf + len, 0, HV_VSS_MSG_SIZE - len);
		log_debug("VSS message of %zu bytes, expected %d", len, HV_VSS_MSG_SIZE);
		vss_reply_build(msg, HV_INVALIDARG);
		return VSS_REPLY_SIZE;
	}

	op = msg->hdr.operation;
	switch (op) {
	case HV_VSS_OP_FREEZE:
		r = ops->freeze(msg, userdata);
		if (r == 0)
			return 0;
		vss_reply_build(msg, HV_E_FAIL);
		return VSS_REPLY_SIZE;
	case HV_VSS_OP_THAW:
		vss_reply_build(msg, ops->thaw(userdata));
		return VSS_REPLY_SIZE;
	case HV_VSS_OP_HOT_BACKUP:
		msg->flags = htole32(HV_VSS_HBU_NO_AUTO_RECOVERY);
		vss_reply_build(msg, HV_S_OK);
		return VSS_REPLY_SIZE;
	default:
		log_debug("VSS operation %u (%s) not supported", op, vss_op_to_string(op));
		vss_reply_build(msg, HV_ERROR_NOT_SUPPORTED);
		return VSS_REPLY_SIZE;
	}
}
