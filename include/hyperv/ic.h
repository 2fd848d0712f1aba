/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Integration component (IC) framing: what rides inside the in-band
 * packets of the utility channels (shutdown, time sync, heartbeat, KVP,
 * VSS, fcopy). Every message is a vmbuspipe_hdr, an icmsg_hdr, then the
 * service's body; the answer is the same buffer rewritten in place
 * (status, icflags = TRANSACTION | RESPONSE) and sent back.
 */
#ifndef _HYPERV_IC_H
#define _HYPERV_IC_H

#include "compiler.h"

/* struct vmbuspipe_hdr */
struct vmbuspipe_hdr {
	__u32 flags;		/* VMBUS_PIPE_TYPE_* */
	__u32 msgsize;		/* bytes after this header */
} __packed;
HV_WIRE_SIZE(struct vmbuspipe_hdr, 8);

#define VMBUS_PIPE_TYPE_DATA	1u

struct ic_version {
	__u16 major;
	__u16 minor;
} __packed;
HV_WIRE_SIZE(struct ic_version, 4);

/* struct icmsg_hdr */
struct icmsg_hdr {
	struct ic_version icverframe;	/* framework version */
	__u16 icmsgtype;		/* IC_MSGTYPE_* */
	struct ic_version icvermsg;	/* service message version */
	__u16 icmsgsize;		/* body bytes */
	__u32 status;			/* HV_S_OK, HV_E_FAIL ... (status.h) */
	__u8 ictransaction_id;
	__u8 icflags;			/* IC_FLAG_* */
	__u8 reserved[2];
} __packed;
HV_WIRE_SIZE(struct icmsg_hdr, 20);
HV_WIRE_OFFSET(struct icmsg_hdr, icmsgsize, 10);
HV_WIRE_OFFSET(struct icmsg_hdr, status, 12);
HV_WIRE_OFFSET(struct icmsg_hdr, icflags, 17);

/* Offset of the body from the start of the in-band payload. */
#define IC_HDR_SIZE	(sizeof(struct vmbuspipe_hdr) + sizeof(struct icmsg_hdr))

enum ic_msgtype {
	IC_MSGTYPE_NEGOTIATE = 0,
	IC_MSGTYPE_HEARTBEAT = 1,
	IC_MSGTYPE_KVP = 2,
	IC_MSGTYPE_SHUTDOWN = 3,
	IC_MSGTYPE_TIMESYNC = 4,
	IC_MSGTYPE_VSS = 5,
	IC_MSGTYPE_FCOPY = 7,
};

#define IC_FLAG_TRANSACTION	0x1u
#define IC_FLAG_REQUEST		0x2u
#define IC_FLAG_RESPONSE	0x4u

/*
 * NEGOTIATE body (struct icmsg_negotiate): icframe_vercnt framework
 * versions, then icmsg_vercnt service versions. The answer keeps one of
 * each (counts 1/1, icmsgsize 16), or counts 0/0 and status HV_E_FAIL.
 */
struct icmsg_negotiate {
	__u16 icframe_vercnt;
	__u16 icmsg_vercnt;
	__u32 reserved;
	struct ic_version icversion_data[];
} __packed;
HV_WIRE_SIZE(struct icmsg_negotiate, 8);

/* Linux's services never accept more versions than this in one offer. */
#define IC_NEGOTIATE_MAX_VERSIONS	100
/* Body size of a negotiation answer: one framework and one service version. */
#define IC_NEGOTIATE_RESPONSE_SIZE	(sizeof(struct icmsg_negotiate) + 2 * sizeof(struct ic_version))

/* Framework versions a guest service offers, newest first. */
#define IC_FRAMEWORK_VERSION_3_0	{ 3, 0 }
#define IC_FRAMEWORK_VERSION_1_0	{ 1, 0 }
/* File copy service version (WIN8_SRV_VERSION in Linux's hv_fcopy). */
#define IC_FCOPY_VERSION_1_1		{ 1, 1 }

#endif /* _HYPERV_IC_H */
