/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * File copy integration component, the chardev ABI (kernels up to 6.9):
 * messages the utility driver hands hv_fcopy_daemon on /dev/vmbus/hv_fcopy.
 * Every reply is one __s32 status. The same bodies ride inside IC messages
 * on the UIO path (6.10 and later).
 */
#ifndef _HYPERV_FCOPY_H
#define _HYPERV_FCOPY_H

#include "compiler.h"
#include "vmbus.h"

#define HV_FCOPY_VERSION_1	1
#define HV_FCOPY_MAX_PATH	260	/* UTF-16 units, NUL included */
#define HV_FCOPY_DATA_SIZE	6144	/* max bytes per WRITE */

enum hv_fcopy_op {
	HV_FCOPY_START_FILE_COPY = 0,
	HV_FCOPY_WRITE_TO_FILE = 1,
	HV_FCOPY_COMPLETE = 2,
	HV_FCOPY_CANCEL = 3,
};

/* START copy_flags */
#define HV_FCOPY_OVER_WRITE	0x1u
#define HV_FCOPY_CREATE_PATH	0x2u

struct hv_fcopy_hdr {
	__u32 operation;
	struct vmbus_guid service_id0;	/* unused */
	struct vmbus_guid service_id1;	/* unused */
} __packed;
HV_WIRE_SIZE(struct hv_fcopy_hdr, 36);

struct hv_fcopy_start {
	struct hv_fcopy_hdr hdr;
	__u16 file_name[HV_FCOPY_MAX_PATH];	/* UTF-16LE, NUL-terminated */
	__u16 path_name[HV_FCOPY_MAX_PATH];	/* UTF-16LE, NUL-terminated */
	__u32 copy_flags;
	__u64 file_size;
} __packed;
HV_WIRE_SIZE(struct hv_fcopy_start, 1088);
HV_WIRE_OFFSET(struct hv_fcopy_start, path_name, 556);
HV_WIRE_OFFSET(struct hv_fcopy_start, copy_flags, 1076);
HV_WIRE_OFFSET(struct hv_fcopy_start, file_size, 1080);

struct hv_fcopy_write {
	struct hv_fcopy_hdr hdr;
	__u32 pad;
	__u64 offset;
	__u32 size;
	__u8 data[HV_FCOPY_DATA_SIZE];
} __packed;
HV_WIRE_SIZE(struct hv_fcopy_write, 6196);
HV_WIRE_OFFSET(struct hv_fcopy_write, offset, 40);
HV_WIRE_OFFSET(struct hv_fcopy_write, data, 52);

#endif /* _HYPERV_FCOPY_H */
