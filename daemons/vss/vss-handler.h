/* SPDX-License-Identifier: MIT */
/*
 * One request from /dev/vmbus/hv_vss (struct hv_vss_msg, 12 bytes):
 * validation, dispatch, and the reply the kernel forwards to the host.
 *
 * - FREEZE and THAW go to the manager; FREEZE is answered later (the
 *   manager runs hooks and freezes in the background), THAW at once.
 * - HOT_BACKUP is answered HV_S_OK with the capability flags
 *   (VSS_HBU_NO_AUTO_RECOVERY; the mainline kernel sets them itself too).
 * - A message that is not 12 bytes gets HV_INVALIDARG, an operation the
 *   daemon does not implement HV_ERROR_NOT_SUPPORTED. Either way the reply
 *   is a full 12-byte message: the kernel accepts nothing else.
 *
 * Pure: no I/O, no logging above debug. This is what the fuzz target drives.
 */
#ifndef HV_VSS_HANDLER_H
#define HV_VSS_HANDLER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <hyperv/vss.h>

struct vss_handler_ops {
	/*
	 * Start a freeze. 0: the reply is deferred (the manager answers
	 * with vss_reply_build() later); a negative errno: answer HV_E_FAIL now.
	 */
	int (*freeze)(const struct hv_vss_msg *request, void *userdata);
	/* Thaw; returns the status to answer (HV_S_OK, HV_E_FAIL ...). */
	uint32_t (*thaw)(void *userdata);
};

/* Every reply is this long; buffers handed to vss_handle() must hold it. */
#define VSS_REPLY_SIZE HV_VSS_MSG_SIZE

/*
 * Handle the request in buf (len bytes; buf holds at least
 * VSS_REPLY_SIZE). Returns the reply length (written to buf), or 0 when
 * the reply was deferred.
 */
ssize_t vss_handle(const struct vss_handler_ops *ops, void *userdata, void *buf, size_t len);

/* Turn a request into its reply: status in the first 4 bytes, the rest kept. */
void vss_reply_build(struct hv_vss_msg *msg, uint32_t status);

const char *vss_op_to_string(unsigned op);

#endif /* HV_VSS_HANDLER_H */
