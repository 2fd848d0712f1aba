// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: arbitrary bytes as the message the kernel hands the
 * KVP daemon. The handler must answer every message with a known status
 * and NUL-terminated reply strings, and never crash, hang or leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hyperv/status.h>

#include "kvp-handler.h"
#include "kvp-intrinsic.h"
#include "kvp-pool.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/hvt-fuzz-kvp-XXXXXX";
static struct kvp_handler h;
static unsigned runs;

static void pools_reset(void)
{
	struct kvp_pool_options po = { .durable = false };
	char path[sizeof(dir) + 32];

	for (unsigned i = 0; i < HV_KVP_POOL_COUNT; i++) {
		h.pools[i] = kvp_pool_free(h.pools[i]);
		snprintf(path, sizeof(path), "%s/.kvp_pool_%u", dir, i);
		(void)unlink(path);
		snprintf(path, sizeof(path), "%s/.kvp_pool_%u.journal", dir, i);
		(void)unlink(path);
		if (kvp_pool_open(dir, i, &po, &h.pools[i]) < 0)
			abort();
	}
}

static void cleanup(void)
{
	pools_reset();
	for (unsigned i = 0; i < HV_KVP_POOL_COUNT; i++)
		h.pools[i] = kvp_pool_free(h.pools[i]);
	kvp_intrinsic_free(h.intrinsic);
	/* Best effort: the pool files of the last round. */
	for (unsigned i = 0; i < HV_KVP_POOL_COUNT; i++) {
		char path[sizeof(dir) + 32];

		snprintf(path, sizeof(path), "%s/.kvp_pool_%u", dir, i);
		(void)unlink(path);
		snprintf(path, sizeof(path), "%s/.kvp_pool_%u.journal", dir, i);
		(void)unlink(path);
	}
	(void)rmdir(dir);
}

static void init(void)
{
	struct kvp_intrinsic_options io = { .fqdn = "fuzz.example.test" };

	log_set_max_level(LOG_CRIT);
	if (!mkdtemp(dir))
		abort();
	if (kvp_intrinsic_new(&io, &h.intrinsic) < 0)
		abort();
	kvp_intrinsic_set_version(h.intrinsic, "3.1");
	h.ip_injection = false;
	pools_reset();
	atexit(cleanup);
}

static void check_terminated(const uint8_t *field, size_t size)
{
	if (!memchr(field, 0, size))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hv_kvp_msg msg;
	size_t len = HV_KVP_MSG_SIZE;
	unsigned op;
	uint32_t st;

	if (!h.intrinsic)
		init();
	if (++runs % 4096 == 0)
		pools_reset();

	memset(&msg, 0, sizeof(msg));
	memcpy(&msg, data, size < sizeof(msg) ? size : sizeof(msg));
	/* Inputs longer than a message also try a wrong length. */
	if (size > sizeof(msg))
		len = data[sizeof(msg)] % (sizeof(msg) + 1);
	op = msg.hdr.operation;

	st = kvp_handle_message(&h, &msg, len);
	if ((uint32_t)msg.error != st)
		abort();
	switch (st) {
	case HV_S_OK:
		if (op == HV_KVP_OP_GET || op == HV_KVP_OP_ENUMERATE) {
			check_terminated(msg.body.enumerate.data.key,
					 sizeof(msg.body.enumerate.data.key));
			check_terminated(msg.body.enumerate.data.value,
					 sizeof(msg.body.enumerate.data.value));
		}
		break;
	case HV_S_CONT:
	case HV_E_FAIL:
	case HV_INVALIDARG:
	case HV_ERROR_NOT_SUPPORTED:
		break;
	default:
		abort();
	}
	return 0;
}
