// SPDX-License-Identifier: MIT
/*
 * vss-handler.c: every request gets a 12-byte reply with a clear status;
 * FREEZE is deferred or refused, THAW answered with the manager's status.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include <hyperv/status.h>
#include <hyperv/vss.h>

#include "log.h"
#include "testlib.h"
#include "util.h"
#include "vss-handler.h"

struct fake_manager {
	int freeze_result;
	uint32_t thaw_status;
	int freezes;
	int thaws;
	unsigned char last_op;
};

static int fake_freeze(const struct hv_vss_msg *req, void *userdata)
{
	struct fake_manager *m = userdata;

	m->freezes++;
	m->last_op = req->hdr.operation;
	return m->freeze_result;
}

static uint32_t fake_thaw(void *userdata)
{
	struct fake_manager *m = userdata;

	m->thaws++;
	return m->thaw_status;
}

static const struct vss_handler_ops ops = { .freeze = fake_freeze, .thaw = fake_thaw };

static uint32_t status_of(const unsigned char *buf)
{
	uint32_t s;

	memcpy(&s, buf, 4);
	return s;
}

static ssize_t request(struct fake_manager *m, unsigned op, size_t len, unsigned char *buf)
{
	memset(buf, 0xAA, 64);
	buf[0] = (unsigned char)op;
	return vss_handle(&ops, m, buf, len);
}

START_TEST(vss_handler__freeze_is_deferred)
{
	struct fake_manager m = { 0 };
	unsigned char buf[64];

	ck_assert_int_eq(request(&m, HV_VSS_OP_FREEZE, 12, buf), 0);
	ck_assert_int_eq(m.freezes, 1);
	ck_assert_uint_eq(m.last_op, HV_VSS_OP_FREEZE);
}
END_TEST

START_TEST(vss_handler__refused_freeze_is_hv_e_fail)
{
	struct fake_manager m = { .freeze_result = -EBUSY };
	unsigned char buf[64];

	ck_assert_int_eq(request(&m, HV_VSS_OP_FREEZE, 12, buf), VSS_REPLY_SIZE);
	ck_assert_uint_eq(status_of(buf), HV_E_FAIL);
}
END_TEST

START_TEST(vss_handler__thaw_answers_the_managers_status)
{
	struct fake_manager m = { .thaw_status = HV_S_OK };
	unsigned char buf[64];

	ck_assert_int_eq(request(&m, HV_VSS_OP_THAW, 12, buf), VSS_REPLY_SIZE);
	ck_assert_uint_eq(status_of(buf), HV_S_OK);
	/* The rest of the message goes back as it came. */
	ck_assert_uint_eq(buf[8], 0xAA);
	m.thaw_status = HV_E_FAIL;
	ck_assert_int_eq(request(&m, HV_VSS_OP_THAW, 12, buf), VSS_REPLY_SIZE);
	ck_assert_uint_eq(status_of(buf), HV_E_FAIL);
	ck_assert_int_eq(m.thaws, 2);
}
END_TEST

START_TEST(vss_handler__hot_backup_carries_capabilities)
{
	struct fake_manager m = { 0 };
	unsigned char buf[64];
	struct hv_vss_msg msg;

	ck_assert_int_eq(request(&m, HV_VSS_OP_HOT_BACKUP, 12, buf), VSS_REPLY_SIZE);
	memcpy(&msg, buf, sizeof(msg));
	ck_assert_uint_eq(status_of(buf), HV_S_OK);
	ck_assert_uint_eq(msg.flags, HV_VSS_HBU_NO_AUTO_RECOVERY);
	ck_assert_int_eq(m.freezes + m.thaws, 0);
}
END_TEST

START_TEST(vss_handler__unknown_operations_are_not_supported)
{
	static const unsigned ops_to_try[] = {
		HV_VSS_OP_CREATE, HV_VSS_OP_DELETE, HV_VSS_OP_GET_DM_INFO, HV_VSS_OP_BU_COMPLETE,
		HV_VSS_OP_AUTO_RECOVER, HV_VSS_OP_REGISTER1, 8, 200, 255,
	};
	struct fake_manager m = { 0 };
	unsigned char buf[64];

	for (size_t i = 0; i < ELEMENTSOF(ops_to_try); i++) {
		ck_assert_int_eq(request(&m, ops_to_try[i], 12, buf), VSS_REPLY_SIZE);
		ck_assert_uint_eq(status_of(buf), HV_ERROR_NOT_SUPPORTED);
	}
	ck_assert_int_eq(m.freezes + m.thaws, 0);
}
END_TEST

START_TEST(vss_handler__wrong_sizes_are_invalid)
{
	static const size_t sizes[] = { 0, 1, 4, 11, 13, 64 };
	struct fake_manager m = { 0 };
	unsigned char buf[64];

	for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
		ck_assert_int_eq(request(&m, HV_VSS_OP_FREEZE, sizes[i], buf), VSS_REPLY_SIZE);
		ck_assert_uint_eq(status_of(buf), HV_INVALIDARG);
	}
	/* A short request's missing bytes are not sent back as garbage. */
	ck_assert_int_eq(request(&m, HV_VSS_OP_FREEZE, 4, buf), VSS_REPLY_SIZE);
	for (size_t i = 4; i < 12; i++)
		ck_assert_uint_eq(buf[i], 0);
	ck_assert_int_eq(m.freezes, 0);
}
END_TEST

START_TEST(vss_handler__names_operations)
{
	ck_assert_str_eq(vss_op_to_string(HV_VSS_OP_FREEZE), "FREEZE");
	ck_assert_str_eq(vss_op_to_string(HV_VSS_OP_THAW), "THAW");
	ck_assert_str_eq(vss_op_to_string(HV_VSS_OP_HOT_BACKUP), "HOT_BACKUP");
	ck_assert_str_eq(vss_op_to_string(77), "unknown");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vss-handler");
	TCase *tc = tcase_create("handler");

	log_set_max_level(LOG_CRIT);
	tcase_add_test(tc, vss_handler__freeze_is_deferred);
	tcase_add_test(tc, vss_handler__refused_freeze_is_hv_e_fail);
	tcase_add_test(tc, vss_handler__thaw_answers_the_managers_status);
	tcase_add_test(tc, vss_handler__hot_backup_carries_capabilities);
	tcase_add_test(tc, vss_handler__unknown_operations_are_not_supported);
	tcase_add_test(tc, vss_handler__wrong_sizes_are_invalid);
	tcase_add_test(tc, vss_handler__names_operations);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
