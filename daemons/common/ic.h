/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * Integration component framing on top of the ring: locate the IC headers
 * in an in-band payload, answer version negotiation, turn a request into
 * its response in place. The host half (building requests, reading the
 * negotiation answer) is here too, for hvhost and the test hosts.
 *
 * Lengths come from the packet actually received, never from the
 * host-written msgsize/icmsgsize fields.
 */
#ifndef HV_IC_H
#define HV_IC_H

#include <linux/types.h>
#ifndef __KERNEL__
#include <stdbool.h>
#include <stddef.h>
#endif

#include <hyperv/ic.h>

/* A parsed IC message; the pointers alias the caller's buffer. */
struct ic_msg {
	struct vmbuspipe_hdr *pipe;
	struct icmsg_hdr *hdr;
	__u8 *body;
	size_t body_len;	/* bytes after the IC headers */
	size_t len;		/* whole message: a response is sent back at this length */
};

/* Return: 0, or -EBADMSG when len cannot hold the IC headers. */
int ic_msg_parse(void *payload, size_t len, struct ic_msg *ret);

/* Turn the request into its response: status, icflags TRANSACTION|RESPONSE. */
void ic_msg_respond(struct ic_msg *m, __u32 status);

__u16 ic_msg_type(const struct ic_msg *m);

/*
 * Answer a NEGOTIATE request in place: pick the first of our framework
 * versions (fw, preferred first) that the host offers, and likewise for
 * the service versions, then rewrite the body to the one chosen pair
 * (counts 1/1, icmsgsize 16, status HV_S_OK). When nothing matches or the
 * offer is malformed, counts become 0/0 and status HV_E_FAIL.
 * Return: 0 (ret_fw/ret_srv set), -ENOPROTOOPT (no common version),
 * -EBADMSG (malformed offer).
 */
int ic_negotiate(struct ic_msg *m, const struct ic_version *fw, size_t n_fw,
		 const struct ic_version *srv, size_t n_srv, struct ic_version *ret_fw,
		 struct ic_version *ret_srv);

/*
 * Host side: build a request (vmbuspipe + icmsg headers + body) into buf.
 * Return: its length, or -ENOBUFS.
 */
int ic_build_request(void *buf, size_t size, __u16 type, struct ic_version frame,
		     struct ic_version msgver, __u8 transaction_id, const void *body,
		     size_t body_len);
/* Host side: a NEGOTIATE offering fw then srv versions. */
int ic_build_negotiate(void *buf, size_t size, const struct ic_version *fw, size_t n_fw,
		       const struct ic_version *srv, size_t n_srv);
/*
 * Host side: read the guest's answer to NEGOTIATE.
 * Return: 0, -ENOPROTOOPT (the guest refused), -EBADMSG (malformed answer).
 */
int ic_negotiate_result(const struct ic_msg *m, struct ic_version *ret_fw,
			struct ic_version *ret_srv);

#endif /* HV_IC_H */
