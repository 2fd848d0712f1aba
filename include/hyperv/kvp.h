/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * KVP (key-value pair exchange) integration component: the message the
 * utility driver exchanges with hv_kvp_daemon over /dev/vmbus/hv_kvp, and
 * the pool file record. Every read and write on the device after the
 * handshake is exactly one struct hv_kvp_msg (7432 bytes).
 */
#ifndef _HYPERV_KVP_H
#define _HYPERV_KVP_H

#include "compiler.h"

#define HV_KVP_MAX_KEY_SIZE	512	/* bytes, UTF-8, NUL included */
#define HV_KVP_MAX_VALUE_SIZE	2048	/* bytes, UTF-8, NUL included */
#define HV_KVP_MAX_ADAPTER_ID	128	/* __u16 units */
#define HV_KVP_MAX_IP_ADDR	1024	/* __u16 units */
#define HV_KVP_MAX_GATEWAY	512	/* __u16 units */

/* Once converted to UTF-16 for the host, strings are capped (units, w/o NUL). */
#define HV_KVP_HOST_MAX_KEY_UNITS	254
#define HV_KVP_HOST_MAX_VALUE_UNITS	1022

enum hv_kvp_op {
	HV_KVP_OP_GET = 0,
	HV_KVP_OP_SET = 1,
	HV_KVP_OP_DELETE = 2,
	HV_KVP_OP_ENUMERATE = 3,
	HV_KVP_OP_GET_IP_INFO = 4,
	HV_KVP_OP_SET_IP_INFO = 5,
	HV_KVP_OP_REGISTER = 4,		/* pre-IP-injection daemons; not used */
	HV_KVP_OP_REGISTER1 = 100,
};
#define HV_KVP_OP_COUNT 6

enum hv_kvp_pool {
	HV_KVP_POOL_EXTERNAL = 0,	/* host data for the guest */
	HV_KVP_POOL_GUEST = 1,		/* guest data for the host */
	HV_KVP_POOL_AUTO = 2,		/* intrinsic, generated, never stored */
	HV_KVP_POOL_AUTO_EXTERNAL = 3,	/* host-provided: HostName, VirtualMachineId ... */
	HV_KVP_POOL_AUTO_INTERNAL = 4,
};
#define HV_KVP_POOL_COUNT 5

enum hv_kvp_value_type {
	HV_REG_SZ = 1,
	HV_REG_U32 = 4,
	HV_REG_U64 = 8,
};

enum hv_kvp_addr_family {
	HV_ADDR_FAMILY_NONE = 0,
	HV_ADDR_FAMILY_IPV4 = 1,
	HV_ADDR_FAMILY_IPV6 = 2,
};

/* The version string the kernel sends back in the REGISTER1 reply. */
#define HV_KVP_KERNEL_VERSION "3.1"

struct hv_kvp_hdr {
	__u8 operation;
	__u8 pool;
	__u16 pad;
} __packed;
HV_WIRE_SIZE(struct hv_kvp_hdr, 4);

/* GET, SET, and (after the index) ENUMERATE carry this. */
struct hv_kvp_exchg_value {
	__u32 value_type;
	__u32 key_size;		/* bytes including the NUL */
	__u32 value_size;	/* bytes including the NUL */
	__u8 key[HV_KVP_MAX_KEY_SIZE];
	union {
		__u8 value[HV_KVP_MAX_VALUE_SIZE];
		__u32 value_u32;
		__u64 value_u64;
	} __packed;
} __packed;
HV_WIRE_SIZE(struct hv_kvp_exchg_value, 2572);

struct hv_kvp_msg_enumerate {
	__u32 index;
	struct hv_kvp_exchg_value data;
} __packed;

struct hv_kvp_msg_delete {
	__u32 key_size;
	__u8 key[HV_KVP_MAX_KEY_SIZE];
} __packed;

struct hv_kvp_register {
	__u8 version[HV_KVP_MAX_KEY_SIZE];
} __packed;

/*
 * GET_IP_INFO / SET_IP_INFO. The arrays are declared in UTF-16 units, but
 * between driver and daemon they carry NUL-terminated UTF-8 (byte capacity
 * = 2 x units); lists are ';'-separated.
 */
struct hv_kvp_ipaddr_value {
	__u16 adapter_id[HV_KVP_MAX_ADAPTER_ID];
	__u8 addr_family;
	__u8 dhcp_enabled;
	__u16 ip_addr[HV_KVP_MAX_IP_ADDR];
	__u16 sub_net[HV_KVP_MAX_IP_ADDR];
	__u16 gate_way[HV_KVP_MAX_GATEWAY];
	__u16 dns_addr[HV_KVP_MAX_IP_ADDR];
} __packed;
HV_WIRE_SIZE(struct hv_kvp_ipaddr_value, 7426);

#define HV_KVP_MSG_SIZE 7432

struct hv_kvp_msg {
	union {
		struct hv_kvp_hdr hdr;
		__s32 error;	/* reply: status (HV_S_OK, HV_E_FAIL, ...) */
	} __packed;
	union {
		struct hv_kvp_exchg_value get;	/* GET: request key; reply value (see below) */
		struct hv_kvp_exchg_value set;
		struct hv_kvp_msg_delete del;
		struct hv_kvp_msg_enumerate enumerate;
		struct hv_kvp_ipaddr_value ip;
		struct hv_kvp_register reg;
		/* The body union is 4-byte aligned in the kernel's definition. */
		__u8 raw[HV_KVP_MSG_SIZE - 4];
	} __packed body;
} __packed;
HV_WIRE_SIZE(struct hv_kvp_msg, HV_KVP_MSG_SIZE);
HV_WIRE_OFFSET(struct hv_kvp_msg, body.get.key, 16);
HV_WIRE_OFFSET(struct hv_kvp_msg, body.get.value, 528);
HV_WIRE_OFFSET(struct hv_kvp_msg, body.enumerate.data.key, 20);
HV_WIRE_OFFSET(struct hv_kvp_msg, body.enumerate.data.value, 532);
HV_WIRE_OFFSET(struct hv_kvp_msg, body.ip.ip_addr, 262);
HV_WIRE_OFFSET(struct hv_kvp_msg, body.ip.sub_net, 2310);
HV_WIRE_OFFSET(struct hv_kvp_msg, body.ip.gate_way, 4358);
HV_WIRE_OFFSET(struct hv_kvp_msg, body.ip.dns_addr, 5382);

/*
 * The reply to GET: the mainline utility driver (kvp_respond_to_host())
 * reads the value of a GET reply through the ENUMERATE layout, i.e. at
 * body.enumerate.data.value (offset 532), not at body.get.value (528).
 * Daemons must write it there.
 */

/* Pool file record: key then value, NUL-terminated UTF-8, zero padded. */
struct hv_kvp_record {
	__u8 key[HV_KVP_MAX_KEY_SIZE];
	__u8 value[HV_KVP_MAX_VALUE_SIZE];
} __packed;
HV_WIRE_SIZE(struct hv_kvp_record, 2560);

#endif /* _HYPERV_KVP_H */
