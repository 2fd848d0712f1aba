// SPDX-License-Identifier: MIT
/*
 * KVP request handling. Facts this follows (struct hv_kvp_msg, as the
 * mainline utility driver produces and consumes it):
 *
 * - Requests: operation and pool in the header. Strings arrive as
 *   NUL-terminated UTF-8 with key_size/value_size = length + 1 (the driver
 *   converted them from UTF-16, kvp_send_key()). For SET the driver does
 *   not pass value_type on: REG_U32/REG_U64 values arrive already as
 *   decimal text.
 * - What kvp_send_key() can produce, and so what is accepted: key_size is
 *   always >= 1, the converted length plus one, so an empty key (the host
 *   sent none, or a NUL first) is key_size 1 and is a key like any other,
 *   as upstream's daemon stores it; key_size 0 never comes from the driver
 *   and is refused. value_size is 0 when the host's value_type is none of
 *   REG_SZ, REG_U32, REG_U64: the driver converts nothing and leaves the
 *   zeroed value. Upstream's daemon still answers such a SET with success
 *   and copies no value bytes; we store the key with an empty value.
 * - Replies: the status replaces the header (msg->error). The driver reads
 *   the reply of both GET and ENUMERATE through the ENUMERATE layout
 *   (body.enumerate.data.key / .value) and measures strings with strlen,
 *   so every string we return is NUL-terminated inside its field.
 * - Not found and end of enumeration are HV_S_CONT.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <hyperv/status.h>

#include "kvp-handler.h"
#include "kvp-intrinsic.h"
#include "kvp-ipinfo.h"
#include "kvp-netconf.h"
#include "kvp-pool.h"
#include "log.h"
#include "util.h"

/* Warnings about host input: at most LIMIT per WINDOW, then one summary. */
#define WARN_WINDOW_USEC (10 * USEC_PER_SEC)
#define WARN_LIMIT 10

static const char *const op_names[] = {
	[HV_KVP_OP_GET] = "GET",
	[HV_KVP_OP_SET] = "SET",
	[HV_KVP_OP_DELETE] = "DELETE",
	[HV_KVP_OP_ENUMERATE] = "ENUMERATE",
	[HV_KVP_OP_GET_IP_INFO] = "GET_IP_INFO",
	[HV_KVP_OP_SET_IP_INFO] = "SET_IP_INFO",
};

const char *kvp_op_to_string(unsigned op)
{
	return op < ELEMENTSOF(op_names) ? op_names[op] : "unknown";
}

static bool warn_allowed(void)
{
	static uint64_t window_start;
	static unsigned count, suppressed;
	uint64_t now = now_usec(CLOCK_MONOTONIC);

	if (now - window_start > WARN_WINDOW_USEC) {
		if (suppressed)
			log_warning("%u more malformed KVP requests were not logged", suppressed);
		window_start = now;
		count = suppressed = 0;
	}
	if (count < WARN_LIMIT) {
		count++;
		return true;
	}
	suppressed++;
	return false;
}

#define reject(h, fmt, ...)                                                   \
	({                                                                    \
		(h)->rejected++;                                              \
		if (warn_allowed())                                           \
			log_warning("Rejected KVP request: " fmt, ##__VA_ARGS__); \
		HV_INVALIDARG;                                                \
	})

/*
 * A host string field: NUL-terminated within its field, and its declared
 * size (bytes incl. NUL) agrees. Returns the length (0 for "") or -1.
 */
static int checked_string(const __u8 *field, size_t field_size, __u32 declared)
{
	size_t len = bounded_strlen(field, field_size);

	if (len == field_size)
		return -1;	/* unterminated */
	if (declared < 1 || declared > field_size || declared != len + 1)
		return -1;
	return (int)len;
}

static struct kvp_pool *pool_of(struct kvp_handler *h, unsigned pool)
{
	return pool < HV_KVP_POOL_COUNT ? h->pools[pool] : NULL;
}

static uint32_t pool_error(struct kvp_handler *h, int r, const char *what, const char *key)
{
	if (r == -ENOENT)
		return HV_S_CONT;
	h->failed++;
	log_struct(LOG_ERR, r, LOG_FIELDS({ "HV_KVP_KEY", log_text(key) }),
		   "KVP %s of \"%s\" failed: %m", what, log_text(key));
	return HV_E_FAIL;
}

/* Put key/value into the ENUMERATE layout of the reply. */
static void put_reply(struct hv_kvp_msg *msg, const char *key, const char *value)
{
	struct hv_kvp_exchg_value *d = &msg->body.enumerate.data;
	size_t vlen = strlen(value);

	memset(&msg->body, 0, sizeof(msg->body.enumerate));
	if (key) {
		size_t klen = strlen(key);

		memcpy(d->key, key, klen + 1);
		d->key_size = (__u32)klen + 1;
	}
	memcpy(d->value, value, vlen + 1);
	d->value_size = (__u32)vlen + 1;
	d->value_type = HV_REG_SZ;
}

static uint32_t do_get(struct kvp_handler *h, unsigned pool, struct hv_kvp_msg *msg)
{
	char key[HV_KVP_MAX_KEY_SIZE], value[HV_KVP_MAX_VALUE_SIZE];
	struct kvp_pool *p = pool_of(h, pool);
	int len, r;

	len = checked_string(msg->body.get.key, sizeof(msg->body.get.key), msg->body.get.key_size);
	if (len < 0)
		return reject(h, "GET with a malformed key (key_size %u)", msg->body.get.key_size);
	memcpy(key, msg->body.get.key, (size_t)len + 1);

	r = -ENOENT;
	if (pool == HV_KVP_POOL_AUTO && h->intrinsic)
		r = kvp_intrinsic_lookup(h->intrinsic, key, value, sizeof(value));
	if (r == -ENOENT) {
		if (!p)
			return HV_E_FAIL;
		r = kvp_pool_get(p, key, value, sizeof(value));
	}
	if (r < 0)
		return pool_error(h, r, "GET", key);
	put_reply(msg, NULL, value);
	return HV_S_OK;
}

static uint32_t do_set(struct kvp_handler *h, unsigned pool, struct hv_kvp_msg *msg)
{
	const struct hv_kvp_exchg_value *d = &msg->body.set;
	struct kvp_pool *p = pool_of(h, pool);
	const char *value;
	int klen, vlen, r;

	klen = checked_string(d->key, sizeof(d->key), d->key_size);
	if (klen < 0)
		return reject(h, "SET with a malformed key (key_size %u)", d->key_size);
	if (d->value_size == 0) {
		/* A value type the driver does not convert: no value bytes. */
		value = "";
		vlen = 0;
	} else {
		value = (const char *)d->value;
		vlen = checked_string(d->value, sizeof(d->value), d->value_size);
		if (vlen < 0)
			return reject(h, "SET of \"%s\" with a malformed value (value_size %u)",
				      log_text((const char *)d->key), d->value_size);
	}
	if (!p)
		return HV_E_FAIL;
	r = kvp_pool_set(p, (const char *)d->key, value);
	if (r < 0)
		return pool_error(h, r, "SET", (const char *)d->key);
	log_struct(LOG_DEBUG, 0, LOG_FIELDS({ "HV_KVP_KEY", log_text((const char *)d->key) }),
		   "Pool %u: set \"%s\" (%d bytes)", pool, log_text((const char *)d->key), vlen);
	return HV_S_OK;
}

static uint32_t do_delete(struct kvp_handler *h, unsigned pool, struct hv_kvp_msg *msg)
{
	struct kvp_pool *p = pool_of(h, pool);
	int len, r;

	len = checked_string(msg->body.del.key, sizeof(msg->body.del.key), msg->body.del.key_size);
	if (len < 0)
		return reject(h, "DELETE with a malformed key (key_size %u)",
			      msg->body.del.key_size);
	if (!p)
		return HV_E_FAIL;
	r = kvp_pool_delete(p, (const char *)msg->body.del.key);
	if (r < 0)
		return pool_error(h, r, "DELETE", (const char *)msg->body.del.key);
	log_debug("Pool %u: deleted \"%s\"", pool, log_text((const char *)msg->body.del.key));
	return HV_S_OK;
}

static uint32_t do_enumerate(struct kvp_handler *h, unsigned pool, struct hv_kvp_msg *msg)
{
	char key[HV_KVP_MAX_KEY_SIZE], value[HV_KVP_MAX_VALUE_SIZE];
	uint32_t index = msg->body.enumerate.index;
	struct kvp_pool *p = pool_of(h, pool);
	const char *ikey;
	int r;

	if (pool == HV_KVP_POOL_AUTO && h->intrinsic) {
		r = kvp_intrinsic_get(h->intrinsic, index, &ikey, value, sizeof(value));
		if (r == -ENOENT)
			return HV_S_CONT;
		if (r < 0) {
			h->failed++;
			log_error_errno(r, "Intrinsic item %u failed: %m", index);
			return HV_E_FAIL;
		}
		put_reply(msg, ikey, value);
		return HV_S_OK;
	}
	if (!p)
		return HV_E_FAIL;
	r = kvp_pool_enumerate(p, index, key, sizeof(key), value, sizeof(value));
	if (r == -ENOENT)
		return HV_S_CONT;
	if (r < 0)
		return pool_error(h, r, "ENUMERATE", "");
	put_reply(msg, key, value);
	return HV_S_OK;
}

/* adapter_id as the driver hands it: UTF-8 bytes in a u16 array. */
static int adapter_id(const struct hv_kvp_ipaddr_value *ip, char *buf, size_t size)
{
	size_t len = bounded_strlen(ip->adapter_id, sizeof(ip->adapter_id));

	if (len == 0 || len == sizeof(ip->adapter_id) || len >= size)
		return -EINVAL;
	memcpy(buf, ip->adapter_id, len);
	buf[len] = '\0';
	return 0;
}

static uint32_t do_get_ip_info(struct kvp_handler *h, struct hv_kvp_msg *msg)
{
	char mac[sizeof(msg->body.ip.adapter_id) + 1];
	int r;

	if (adapter_id(&msg->body.ip, mac, sizeof(mac)) < 0)
		return reject(h, "GET_IP_INFO with a malformed adapter id");
	if (msg->body.ip.addr_family > HV_ADDR_FAMILY_IPV6)
		return reject(h, "GET_IP_INFO with address family %u", msg->body.ip.addr_family);
	if (!h->ipinfo)
		return HV_E_FAIL;
	r = kvp_ipinfo_get(h->ipinfo, &msg->body.ip);
	if (r < 0) {
		h->failed++;
		if (r == -ENODEV)
			log_warning("GET_IP_INFO: no interface has MAC address %s", log_text(mac));
		else
			log_error_errno(r, "GET_IP_INFO for %s failed: %m", log_text(mac));
		return HV_E_FAIL;
	}
	return HV_S_OK;
}

static uint32_t do_set_ip_info(struct kvp_handler *h, struct hv_kvp_msg *msg)
{
	char adapter[sizeof(msg->body.ip.adapter_id) + 1];
	char ifname[IF_NAMESIZE];
	int r;

	if (adapter_id(&msg->body.ip, adapter, sizeof(adapter)) < 0)
		return reject(h, "SET_IP_INFO with a malformed adapter id");
	if (!h->ip_injection) {
		log_notice("SET_IP_INFO for %s refused: IP injection is disabled in the configuration",
			   log_text(adapter));
		return HV_ERROR_NOT_SUPPORTED;
	}
	if (!h->ipinfo)
		return HV_E_FAIL;
	/* SET_IP_INFO names the adapter by its VMBus instance GUID, not its MAC. */
	r = kvp_ipinfo_find_adapter(h->ipinfo, adapter, ifname, sizeof(ifname));
	if (r < 0) {
		h->failed++;
		log_warning("SET_IP_INFO: no network adapter %s", log_text(adapter));
		return HV_GUID_NOTFOUND;
	}
	r = kvp_netconf_apply(&h->netconf, ifname, &msg->body.ip);
	if (r == -EINVAL)
		return reject(h, "SET_IP_INFO for %s (%s) with invalid settings", ifname,
			      log_text(adapter));
	if (r < 0) {
		h->failed++;
		log_error_errno(r, "Configuring %s (%s) failed: %m", ifname, log_text(adapter));
		return HV_E_FAIL;
	}
	log_struct(LOG_NOTICE, 0, LOG_FIELDS({ "HV_KVP_INTERFACE", ifname }),
		   "Applied the host's IP configuration to %s (%s)", ifname, log_text(adapter));
	return HV_S_OK;
}

uint32_t kvp_handle_message(struct kvp_handler *h, struct hv_kvp_msg *msg, size_t len)
{
	unsigned op, pool;
	uint32_t status;

	if (len != HV_KVP_MSG_SIZE) {
		/* The caller's buffer is a whole message; only the length is wrong. */
		status = reject(h, "message of %zu bytes (expected %d)", len, HV_KVP_MSG_SIZE);
		goto out;
	}
	op = msg->hdr.operation;
	pool = msg->hdr.pool;
	if (op < HV_KVP_OP_COUNT)
		h->requests[op]++;

	switch (op) {
	case HV_KVP_OP_GET:
	case HV_KVP_OP_SET:
	case HV_KVP_OP_DELETE:
	case HV_KVP_OP_ENUMERATE:
		if (pool >= HV_KVP_POOL_COUNT) {
			status = reject(h, "%s on pool %u", kvp_op_to_string(op), pool);
			break;
		}
		status = op == HV_KVP_OP_GET	  ? do_get(h, pool, msg)
			 : op == HV_KVP_OP_SET	  ? do_set(h, pool, msg)
			 : op == HV_KVP_OP_DELETE ? do_delete(h, pool, msg)
						  : do_enumerate(h, pool, msg);
		break;
	case HV_KVP_OP_GET_IP_INFO:
		status = do_get_ip_info(h, msg);
		break;
	case HV_KVP_OP_SET_IP_INFO:
		status = do_set_ip_info(h, msg);
		break;
	default:
		h->rejected++;
		if (warn_allowed())
			log_warning("Rejected KVP request: unknown operation %u", op);
		status = HV_ERROR_NOT_SUPPORTED;
		break;
	}
out:
	msg->error = (__s32)status;
	return status;
}
