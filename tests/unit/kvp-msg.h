/* SPDX-License-Identifier: MIT */
/* Building and reading struct hv_kvp_msg in tests, as the utility driver does. */
#ifndef HV_TEST_KVP_MSG_H
#define HV_TEST_KVP_MSG_H

#include <string.h>

#include <hyperv/kvp.h>
#include <hyperv/status.h>

static inline void msg_init(struct hv_kvp_msg *m, unsigned op, unsigned pool)
{
	memset(m, 0, sizeof(*m));
	m->hdr.operation = (__u8)op;
	m->hdr.pool = (__u8)pool;
}

/* GET/SET: key_size/value_size = UTF-8 length + 1, as the driver sets them. */
static inline void msg_kv(struct hv_kvp_msg *m, unsigned op, unsigned pool, const char *key,
			  const char *value)
{
	msg_init(m, op, pool);
	strcpy((char *)m->body.set.key, key);
	m->body.set.key_size = (__u32)strlen(key) + 1;
	if (value) {
		strcpy((char *)m->body.set.value, value);
		m->body.set.value_size = (__u32)strlen(value) + 1;
	}
}

static inline void msg_delete(struct hv_kvp_msg *m, unsigned pool, const char *key)
{
	msg_init(m, HV_KVP_OP_DELETE, pool);
	strcpy((char *)m->body.del.key, key);
	m->body.del.key_size = (__u32)strlen(key) + 1;
}

static inline void msg_enumerate(struct hv_kvp_msg *m, unsigned pool, __u32 index)
{
	msg_init(m, HV_KVP_OP_ENUMERATE, pool);
	m->body.enumerate.index = index;
}

static inline __u32 msg_status(const struct hv_kvp_msg *m)
{
	return (__u32)m->error;
}

/* Where the driver reads replies of GET and ENUMERATE (kvp_respond_to_host). */
static inline const char *reply_key(const struct hv_kvp_msg *m)
{
	return (const char *)m->body.enumerate.data.key;
}

static inline const char *reply_value(const struct hv_kvp_msg *m)
{
	return (const char *)m->body.enumerate.data.value;
}

#endif
