// SPDX-License-Identifier: MIT
/*
 * IC framing and version negotiation, both halves: the guest's answer in
 * place and the host's request/answer helpers.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include <hyperv/status.h>

#include "ic.h"
#include "testlib.h"

static const struct ic_version guest_fw[] = { { 3, 0 }, { 1, 0 } };
static const struct ic_version guest_srv[] = { { 1, 1 } };

static uint8_t buf[512];

static int offer(const struct ic_version *fw, size_t n_fw, const struct ic_version *srv,
		 size_t n_srv, struct ic_msg *m)
{
	int len = ic_build_negotiate(buf, sizeof(buf), fw, n_fw, srv, n_srv);

	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(ic_msg_parse(buf, (size_t)len, m), 0);
	return len;
}

START_TEST(ic__negotiate_picks_our_preferred_versions)
{
	const struct ic_version fw[] = { { 1, 0 }, { 3, 0 } };
	const struct ic_version srv[] = { { 1, 0 }, { 1, 1 } };
	struct ic_version got_fw, got_srv, host_fw, host_srv;
	struct ic_msg m;

	offer(fw, 2, srv, 2, &m);
	ck_assert_int_eq(ic_negotiate(&m, guest_fw, 2, guest_srv, 1, &got_fw, &got_srv), 0);
	ck_assert_uint_eq(got_fw.major, 3);
	ck_assert_uint_eq(got_fw.minor, 0);
	ck_assert_uint_eq(got_srv.major, 1);
	ck_assert_uint_eq(got_srv.minor, 1);
	ck_assert_uint_eq(m.hdr->status, HV_S_OK);
	ck_assert_uint_eq(m.hdr->icflags, IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE);
	ck_assert_uint_eq(m.hdr->icmsgsize, 16);
	/* The host reads the same answer back. */
	ck_assert_int_eq(ic_negotiate_result(&m, &host_fw, &host_srv), 0);
	ck_assert_mem_eq(&host_fw, &got_fw, sizeof(got_fw));
	ck_assert_mem_eq(&host_srv, &got_srv, sizeof(got_srv));
}
END_TEST

START_TEST(ic__negotiate_falls_back_to_framework_1_0)
{
	const struct ic_version fw[] = { { 1, 0 } };
	const struct ic_version srv[] = { { 1, 1 } };
	struct ic_version got_fw, got_srv;
	struct ic_msg m;

	offer(fw, 1, srv, 1, &m);
	ck_assert_int_eq(ic_negotiate(&m, guest_fw, 2, guest_srv, 1, &got_fw, &got_srv), 0);
	ck_assert_uint_eq(got_fw.major, 1);
}
END_TEST

START_TEST(ic__negotiate_without_common_version_fails)
{
	const struct ic_version fw[] = { { 3, 0 } };
	const struct ic_version srv[] = { { 2, 0 }, { 1, 0 } };
	struct ic_version got_fw = { 9, 9 }, got_srv = { 9, 9 }, h1, h2;
	struct ic_msg m;
	uint16_t counts[2];

	offer(fw, 1, srv, 2, &m);
	ck_assert_int_eq(ic_negotiate(&m, guest_fw, 2, guest_srv, 1, &got_fw, &got_srv),
			 -ENOPROTOOPT);
	memcpy(counts, m.body, sizeof(counts));
	ck_assert_uint_eq(counts[0], 0);
	ck_assert_uint_eq(counts[1], 0);
	ck_assert_uint_eq(m.hdr->status, HV_E_FAIL);
	ck_assert_uint_eq(got_fw.major, 9); /* outputs untouched */
	ck_assert_int_eq(ic_negotiate_result(&m, &h1, &h2), -ENOPROTOOPT);
}
END_TEST

START_TEST(ic__negotiate_rejects_malformed_offers)
{
	const struct ic_version fw[] = { { 3, 0 } };
	const struct ic_version srv[] = { { 1, 1 } };
	struct ic_version a, b;
	struct ic_msg m;
	uint16_t counts[2];
	int len;

	/* Counts past the body. */
	len = offer(fw, 1, srv, 1, &m);
	counts[0] = 1;
	counts[1] = 5;
	memcpy(m.body, counts, sizeof(counts));
	ck_assert_int_eq(ic_negotiate(&m, guest_fw, 2, guest_srv, 1, &a, &b), -EBADMSG);
	ck_assert_uint_eq(m.hdr->status, HV_E_FAIL);

	/* More versions than any offer may carry. */
	(void)offer(fw, 1, srv, 1, &m);
	counts[0] = 101;
	counts[1] = 0;
	memcpy(m.body, counts, sizeof(counts));
	ck_assert_int_eq(ic_negotiate(&m, guest_fw, 2, guest_srv, 1, &a, &b), -EBADMSG);

	/* A body too short for the counts. */
	ck_assert_int_eq(ic_msg_parse(buf, IC_HDR_SIZE + 4, &m), 0);
	ck_assert_int_eq(ic_negotiate(&m, guest_fw, 2, guest_srv, 1, &a, &b), -EBADMSG);
	/* Shorter than the IC headers: not a message at all. */
	ck_assert_int_eq(ic_msg_parse(buf, IC_HDR_SIZE - 1, &m), -EBADMSG);
	ck_assert_int_eq(ic_msg_parse(buf, (size_t)len, &m), 0);
}
END_TEST

START_TEST(ic__request_and_response_framing)
{
	const struct ic_version frame = { 3, 0 }, msgver = { 1, 1 };
	struct ic_msg m;
	int len;

	len = ic_build_request(buf, sizeof(buf), IC_MSGTYPE_FCOPY, frame, msgver, 7, "body", 4);
	ck_assert_int_eq(len, IC_HDR_SIZE + 4);
	ck_assert_int_eq(ic_msg_parse(buf, (size_t)len, &m), 0);
	ck_assert_uint_eq(ic_msg_type(&m), IC_MSGTYPE_FCOPY);
	ck_assert_uint_eq(m.hdr->icflags, IC_FLAG_TRANSACTION | IC_FLAG_REQUEST);
	ck_assert_uint_eq(m.hdr->ictransaction_id, 7);
	ck_assert_uint_eq(m.pipe->msgsize, sizeof(struct icmsg_hdr) + 4);
	ck_assert_uint_eq(m.body_len, 4);
	ck_assert_mem_eq(m.body, "body", 4);
	ic_msg_respond(&m, HV_ERROR_DISK_FULL);
	ck_assert_uint_eq(m.hdr->status, HV_ERROR_DISK_FULL);
	ck_assert_uint_eq(m.hdr->icflags, IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE);
	ck_assert_int_eq(ic_build_request(buf, 30, IC_MSGTYPE_FCOPY, frame, msgver, 0, "body", 4),
			 -ENOBUFS);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ic");
	TCase *tc = tcase_create("ic");

	tcase_add_test(tc, ic__negotiate_picks_our_preferred_versions);
	tcase_add_test(tc, ic__negotiate_falls_back_to_framework_1_0);
	tcase_add_test(tc, ic__negotiate_without_common_version_fails);
	tcase_add_test(tc, ic__negotiate_rejects_malformed_offers);
	tcase_add_test(tc, ic__request_and_response_framing);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
