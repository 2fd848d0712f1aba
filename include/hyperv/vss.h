/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * VSS (backup) integration component: the 12-byte message exchanged with
 * hv_vss_daemon over /dev/vmbus/hv_vss.
 */
#ifndef _HYPERV_VSS_H
#define _HYPERV_VSS_H

#include "compiler.h"

enum hv_vss_op {
	HV_VSS_OP_CREATE = 0,
	HV_VSS_OP_DELETE = 1,
	HV_VSS_OP_HOT_BACKUP = 2,
	HV_VSS_OP_GET_DM_INFO = 3,
	HV_VSS_OP_BU_COMPLETE = 4,
	HV_VSS_OP_FREEZE = 5,
	HV_VSS_OP_THAW = 6,
	HV_VSS_OP_AUTO_RECOVER = 7,
	HV_VSS_OP_REGISTER = 128,	/* pre-5.0 daemons; not used */
	HV_VSS_OP_REGISTER1 = 129,
};

/* HOT_BACKUP reply capability flags. */
#define HV_VSS_HBU_NO_AUTO_RECOVERY	0x00000005u

#define HV_VSS_MSG_SIZE 12

struct hv_vss_msg {
	union {
		struct {
			__u8 operation;
			__u8 reserved[7];
		} __packed hdr;
		__s32 error;	/* reply: status */
	} __packed;
	__u32 flags;		/* HOT_BACKUP reply: capability flags */
} __packed;
HV_WIRE_SIZE(struct hv_vss_msg, HV_VSS_MSG_SIZE);
HV_WIRE_OFFSET(struct hv_vss_msg, flags, 8);

/* The kernel answers VSS registration with a bare __u32 (the op). */
#define HV_VSS_REGISTER_REPLY_SIZE 4

#endif /* _HYPERV_VSS_H */
