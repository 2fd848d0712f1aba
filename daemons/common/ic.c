// SPDX-License-Identifier: (GPL-2.0 OR MIT)
/*
 * Integration component framing and version negotiation. Builds in
 * userspace and in a kernel module.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <string.h>
#endif

#include <hyperv/status.h>

#include "ic.h"

/* Wire fields are little-endian. */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define le16(x) __builtin_bswap16(x)
#define le32(x) __builtin_bswap32(x)
#else
#define le16(x) (x)
#define le32(x) (x)
#endif

int ic_msg_parse(void *payload, size_t len, struct ic_msg *ret)
{
	__u8 *p = payload;

	if (!payload || len < IC_HDR_SIZE)
		return -EBADMSG;
	ret->pipe = (struct vmbuspipe_hdr *)p;
	ret->hdr = (struct icmsg_hdr *)(p + sizeof(struct vmbuspipe_hdr));
	ret->body = p + IC_HDR_SIZE;
	ret->body_len = len - IC_HDR_SIZE;
	ret->len = len;
	return 0;
}

__u16 ic_msg_type(const struct ic_msg *m)
{
	return le16(m->hdr->icmsgtype);
}

void ic_msg_respond(struct ic_msg *m, __u32 status)
{
	m->hdr->status = le32(status);
	m->hdr->icflags = IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE;
}

static struct ic_version version_at(const struct ic_msg *m, size_t i)
{
	struct ic_version v;

	memcpy(&v, m->body + sizeof(struct icmsg_negotiate) + i * sizeof(v), sizeof(v));
	v.major = le16(v.major);
	v.minor = le16(v.minor);
	return v;
}

static void set_version_at(struct ic_msg *m, size_t i, struct ic_version v)
{
	v.major = le16(v.major);
	v.minor = le16(v.minor);
	memcpy(m->body + sizeof(struct icmsg_negotiate) + i * sizeof(v), &v, sizeof(v));
}

/* First of ours (in our order of preference) found in the host's [from, to). */
static bool pick(const struct ic_msg *m, size_t from, size_t to, const struct ic_version *ours,
		 size_t n_ours, struct ic_version *ret)
{
	for (size_t i = 0; i < n_ours; i++) {
		for (size_t j = from; j < to; j++) {
			struct ic_version v = version_at(m, j);

			if (v.major == ours[i].major && v.minor == ours[i].minor) {
				*ret = v;
				return true;
			}
		}
	}
	return false;
}

int ic_negotiate(struct ic_msg *m, const struct ic_version *fw, size_t n_fw,
		 const struct ic_version *srv, size_t n_srv, struct ic_version *ret_fw,
		 struct ic_version *ret_srv)
{
	struct icmsg_negotiate neg;
	struct ic_version chosen_fw, chosen_srv;
	size_t n_frame, n_msg;
	int r = 0;

	if (m->body_len < sizeof(neg)) {
		ic_msg_respond(m, HV_E_FAIL);
		return -EBADMSG;
	}
	memcpy(&neg, m->body, sizeof(neg));
	n_frame = le16(neg.icframe_vercnt);
	n_msg = le16(neg.icmsg_vercnt);

	if (n_frame > IC_NEGOTIATE_MAX_VERSIONS || n_msg > IC_NEGOTIATE_MAX_VERSIONS ||
	    sizeof(neg) + (n_frame + n_msg) * sizeof(struct ic_version) > m->body_len ||
	    m->body_len < IC_NEGOTIATE_RESPONSE_SIZE)
		r = -EBADMSG;
	else if (!pick(m, 0, n_frame, fw, n_fw, &chosen_fw) ||
		 !pick(m, n_frame, n_frame + n_msg, srv, n_srv, &chosen_srv))
		r = -ENOPROTOOPT;

	neg.icframe_vercnt = le16(r == 0 ? 1 : 0);
	neg.icmsg_vercnt = neg.icframe_vercnt;
	memcpy(m->body, &neg, sizeof(neg));
	if (r == 0) {
		set_version_at(m, 0, chosen_fw);
		set_version_at(m, 1, chosen_srv);
		m->hdr->icmsgsize = le16((__u16)IC_NEGOTIATE_RESPONSE_SIZE);
		*ret_fw = chosen_fw;
		*ret_srv = chosen_srv;
	} else {
		m->hdr->icmsgsize = le16((__u16)sizeof(neg));
	}
	ic_msg_respond(m, r == 0 ? HV_S_OK : HV_E_FAIL);
	return r;
}

int ic_build_request(void *buf, size_t size, __u16 type, struct ic_version frame,
		     struct ic_version msgver, __u8 transaction_id, const void *body,
		     size_t body_len)
{
	struct vmbuspipe_hdr pipe;
	struct icmsg_hdr hdr;
	__u8 *p = buf;

	if (body_len > 0xffff || size < IC_HDR_SIZE + body_len)
		return -ENOBUFS;
	memset(&pipe, 0, sizeof(pipe));
	pipe.flags = le32(VMBUS_PIPE_TYPE_DATA);
	pipe.msgsize = le32((__u32)(sizeof(hdr) + body_len));
	memset(&hdr, 0, sizeof(hdr));
	hdr.icverframe.major = le16(frame.major);
	hdr.icverframe.minor = le16(frame.minor);
	hdr.icmsgtype = le16(type);
	hdr.icvermsg.major = le16(msgver.major);
	hdr.icvermsg.minor = le16(msgver.minor);
	hdr.icmsgsize = le16((__u16)body_len);
	hdr.ictransaction_id = transaction_id;
	hdr.icflags = IC_FLAG_TRANSACTION | IC_FLAG_REQUEST;
	memcpy(p, &pipe, sizeof(pipe));
	memcpy(p + sizeof(pipe), &hdr, sizeof(hdr));
	if (body_len)
		memcpy(p + IC_HDR_SIZE, body, body_len);
	return (int)(IC_HDR_SIZE + body_len);
}

int ic_build_negotiate(void *buf, size_t size, const struct ic_version *fw, size_t n_fw,
		       const struct ic_version *srv, size_t n_srv)
{
	struct icmsg_negotiate neg = { 0 };
	const struct ic_version zero = { 0, 0 };
	size_t body_len = sizeof(neg) + (n_fw + n_srv) * sizeof(struct ic_version);
	struct ic_msg m;
	int len;

	if (n_fw > IC_NEGOTIATE_MAX_VERSIONS || n_srv > IC_NEGOTIATE_MAX_VERSIONS)
		return -EINVAL;
	/* The answer is written over the offer: leave room for it. */
	if (body_len < IC_NEGOTIATE_RESPONSE_SIZE)
		body_len = IC_NEGOTIATE_RESPONSE_SIZE;
	len = ic_build_request(buf, size, IC_MSGTYPE_NEGOTIATE, zero, zero, 0, NULL, 0);
	if (len < 0 || size < (size_t)len + body_len)
		return -ENOBUFS;
	memset((__u8 *)buf + len, 0, body_len);
	(void)ic_msg_parse(buf, (size_t)len + body_len, &m);
	m.hdr->icmsgsize = le16((__u16)body_len);
	m.pipe->msgsize = le32((__u32)(sizeof(struct icmsg_hdr) + body_len));
	neg.icframe_vercnt = le16((__u16)n_fw);
	neg.icmsg_vercnt = le16((__u16)n_srv);
	memcpy(m.body, &neg, sizeof(neg));
	for (size_t i = 0; i < n_fw; i++)
		set_version_at(&m, i, fw[i]);
	for (size_t i = 0; i < n_srv; i++)
		set_version_at(&m, n_fw + i, srv[i]);
	return (int)m.len;
}

int ic_negotiate_result(const struct ic_msg *m, struct ic_version *ret_fw,
			struct ic_version *ret_srv)
{
	struct icmsg_negotiate neg;

	if (ic_msg_type(m) != IC_MSGTYPE_NEGOTIATE || m->body_len < sizeof(neg) ||
	    !(m->hdr->icflags & IC_FLAG_RESPONSE))
		return -EBADMSG;
	memcpy(&neg, m->body, sizeof(neg));
	if (le32(m->hdr->status) != HV_S_OK || le16(neg.icframe_vercnt) != 1 ||
	    le16(neg.icmsg_vercnt) != 1)
		return -ENOPROTOOPT;
	if (m->body_len < IC_NEGOTIATE_RESPONSE_SIZE)
		return -EBADMSG;
	*ret_fw = version_at(m, 0);
	*ret_srv = version_at(m, 1);
	return 0;
}
