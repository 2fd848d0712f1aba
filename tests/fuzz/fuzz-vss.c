// SPDX-License-Identifier: MIT
/*
 * The VSS request handler on whatever the kernel (or a broken one) could
 * send. Input: a sequence of messages, each a length byte (0-63) and that
 * many bytes. Invariants: every answer is exactly one 12-byte message;
 * only a well-formed FREEZE may be deferred; statuses are the documented
 * ones; HOT_BACKUP carries its capability flags.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hyperv/status.h>
#include <hyperv/vss.h>

#include "log.h"
#include "vss-handler.h"

struct fake_manager {
	int freeze_result;
	uint32_t thaw_status;
	unsigned deferred;
};

static int fake_freeze(const struct hv_vss_msg *req, void *userdata)
{
	struct fake_manager *m = userdata;

	if (req->hdr.operation != HV_VSS_OP_FREEZE)
		abort();
	if (m->freeze_result == 0)
		m->deferred++;
	return m->freeze_result;
}

static uint32_t fake_thaw(void *userdata)
{
	return ((struct fake_manager *)userdata)->thaw_status;
}

static const struct vss_handler_ops ops = { .freeze = fake_freeze, .thaw = fake_thaw };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fake_manager m = { 0 };
	size_t off = 0;

	log_set_max_level(LOG_CRIT);
	while (off < size) {
		unsigned char buf[64];
		size_t len = data[off++] & 63u;
		unsigned before = m.deferred;
		uint32_t status;
		ssize_t n;
		int op;

		if (len > size - off)
			len = size - off;
		memset(buf, 0, sizeof(buf));
		memcpy(buf, data + off, len);
		off += len;
		op = len > 0 ? buf[0] : -1;
		/* The manager's answers vary with the input too. */
		m.freeze_result = (len > 1 && (buf[1] & 1)) ? -EIO : 0;
		m.thaw_status = (len > 1 && (buf[1] & 2)) ? HV_E_FAIL : HV_S_OK;

		n = vss_handle(&ops, &m, buf, len);
		if (n == 0) {
			if (len != HV_VSS_MSG_SIZE || op != HV_VSS_OP_FREEZE || m.deferred != before + 1)
				abort();
			/* The manager answers later, in the same 12 bytes. */
			vss_reply_build((struct hv_vss_msg *)buf, HV_S_OK);
			continue;
		}
		if (n != VSS_REPLY_SIZE || m.deferred != before)
			abort();
		memcpy(&status, buf, sizeof(status));
		if (len != HV_VSS_MSG_SIZE) {
			if (status != HV_INVALIDARG)
				abort();
		} else if (op == HV_VSS_OP_HOT_BACKUP) {
			struct hv_vss_msg msg;

			memcpy(&msg, buf, sizeof(msg));
			if (status != HV_S_OK || msg.flags != HV_VSS_HBU_NO_AUTO_RECOVERY)
				abort();
		} else if (op == HV_VSS_OP_FREEZE) {
			if (status != HV_E_FAIL)
				abort();
		} else if (op == HV_VSS_OP_THAW) {
			if (status != m.thaw_status)
				abort();
		} else if (status != HV_ERROR_NOT_SUPPORTED) {
			abort();
		}
	}
	return 0;
}
