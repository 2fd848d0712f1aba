/* SPDX-License-Identifier: MIT */
/*
 * The KVP request handler: one struct hv_kvp_msg from the kernel in, the
 * reply built in place (status in the first four bytes). Everything in the
 * message is host-controlled and checked before use; a malformed request
 * gets a status, never a crash, and the daemon keeps serving.
 */
#ifndef HV_KVP_HANDLER_H
#define HV_KVP_HANDLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hyperv/kvp.h>

#include "kvp-netconf.h"

struct kvp_pool;
struct kvp_intrinsic;
struct kvp_ipinfo;

struct kvp_handler {
	struct kvp_pool *pools[HV_KVP_POOL_COUNT];	/* NULL entries answer HV_E_FAIL */
	struct kvp_intrinsic *intrinsic;		/* pool 2 items; may be NULL */
	struct kvp_ipinfo *ipinfo;			/* GET/SET_IP_INFO; may be NULL */
	bool ip_injection;				/* SET_IP_INFO allowed */
	struct kvp_netconf_options netconf;

	/* Statistics, for STATUS= and tests. */
	uint64_t requests[HV_KVP_OP_COUNT];
	uint64_t rejected;		/* malformed requests */
	uint64_t failed;		/* well-formed, but could not be served */
};

/*
 * Handle one request of len bytes (the kernel always sends
 * HV_KVP_MSG_SIZE). The reply is always HV_KVP_MSG_SIZE bytes in msg.
 * Returns the status put in msg->error.
 */
uint32_t kvp_handle_message(struct kvp_handler *h, struct hv_kvp_msg *msg, size_t len);

const char *kvp_op_to_string(unsigned op);

#endif /* HV_KVP_HANDLER_H */
