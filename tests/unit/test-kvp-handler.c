// SPDX-License-Identifier: MIT
/*
 * The KVP handler, in process: every operation on every pool, and every
 * malformed request gets a clear status while the handler keeps serving.
 * What the mainline driver can forward is accepted (kvp_send_key(): an
 * empty key is key_size 1, a value of a type it does not convert is
 * value_size 0), and host text is escaped wherever it is logged.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "kvp-handler.h"
#include "kvp-intrinsic.h"
#include "kvp-msg.h"
#include "kvp-pool.h"
#include "log.h"
#include "testlib.h"

static char *dir;
static struct kvp_handler h;
static struct hv_kvp_msg m;

static void setup(void)
{
	struct kvp_pool_options po = { .durable = true };
	struct kvp_intrinsic_options io = { .fqdn = "vm1.example.test" };

	log_set_max_level(LOG_CRIT);
	dir = tl_mkdtemp("kvph");
	memset(&h, 0, sizeof(h));
	for (unsigned i = 0; i < HV_KVP_POOL_COUNT; i++)
		ck_assert_int_eq(kvp_pool_open(dir, i, &po, &h.pools[i]), 0);
	ck_assert_int_eq(kvp_intrinsic_new(&io, &h.intrinsic), 0);
	kvp_intrinsic_set_version(h.intrinsic, "3.1");
}

static void teardown(void)
{
	for (unsigned i = 0; i < HV_KVP_POOL_COUNT; i++)
		kvp_pool_free(h.pools[i]);
	kvp_intrinsic_free(h.intrinsic);
	tl_rm_rf(dir);
	free(dir);
}

static __u32 handle(void)
{
	__u32 st = kvp_handle_message(&h, &m, sizeof(m));

	ck_assert_uint_eq(st, msg_status(&m));
	return st;
}

static void set_ok(unsigned pool, const char *k, const char *v)
{
	msg_kv(&m, HV_KVP_OP_SET, pool, k, v);
	ck_assert_uint_eq(handle(), HV_S_OK);
}

START_TEST(kvp_handler__set_then_get_on_every_pool)
{
	for (unsigned pool = 0; pool < HV_KVP_POOL_COUNT; pool++) {
		char key[32], value[32];

		snprintf(key, sizeof(key), "key-%u", pool);
		snprintf(value, sizeof(value), "value-%u", pool);
		set_ok(pool, key, value);
		msg_kv(&m, HV_KVP_OP_GET, pool, key, NULL);
		ck_assert_uint_eq(handle(), HV_S_OK);
		/* GET answers in the ENUMERATE layout (offset 532), as the driver reads it. */
		ck_assert_str_eq(reply_value(&m), value);
		ck_assert_str_eq((const char *)&m + 532, value);
	}
}
END_TEST

START_TEST(kvp_handler__set_overwrites_and_survives_reopen)
{
	struct kvp_pool_options po = { .durable = true };
	char value[64];

	set_ok(1, "k", "one");
	set_ok(1, "k", "two");
	kvp_pool_free(h.pools[1]);
	ck_assert_int_eq(kvp_pool_open(dir, 1, &po, &h.pools[1]), 0);
	ck_assert_int_eq(kvp_pool_get(h.pools[1], "k", value, sizeof(value)), 0);
	ck_assert_str_eq(value, "two");
}
END_TEST

START_TEST(kvp_handler__get_missing_is_s_cont)
{
	msg_kv(&m, HV_KVP_OP_GET, 0, "absent", NULL);
	ck_assert_uint_eq(handle(), HV_S_CONT);
}
END_TEST

START_TEST(kvp_handler__delete)
{
	set_ok(0, "a", "1");
	msg_delete(&m, 0, "a");
	ck_assert_uint_eq(handle(), HV_S_OK);
	msg_delete(&m, 0, "a");
	ck_assert_uint_eq(handle(), HV_S_CONT);
	msg_kv(&m, HV_KVP_OP_GET, 0, "a", NULL);
	ck_assert_uint_eq(handle(), HV_S_CONT);
}
END_TEST

START_TEST(kvp_handler__enumerate_pool_in_file_order)
{
	set_ok(3, "HostName", "host1");
	set_ok(3, "VirtualMachineName", "vm");
	msg_enumerate(&m, 3, 0);
	ck_assert_uint_eq(handle(), HV_S_OK);
	ck_assert_str_eq(reply_key(&m), "HostName");
	ck_assert_str_eq(reply_value(&m), "host1");
	ck_assert_uint_eq(m.body.enumerate.data.key_size, 9);
	ck_assert_uint_eq(m.body.enumerate.data.value_type, HV_REG_SZ);
	msg_enumerate(&m, 3, 1);
	ck_assert_uint_eq(handle(), HV_S_OK);
	ck_assert_str_eq(reply_key(&m), "VirtualMachineName");
	msg_enumerate(&m, 3, 2);
	ck_assert_uint_eq(handle(), HV_S_CONT);
	msg_enumerate(&m, 3, 0xffffffffu);
	ck_assert_uint_eq(handle(), HV_S_CONT);
}
END_TEST

START_TEST(kvp_handler__enumerate_auto_pool_is_intrinsic)
{
	struct utsname u;

	ck_assert_int_eq(uname(&u), 0);
	for (unsigned i = 0; i < 10; i++) {
		msg_enumerate(&m, HV_KVP_POOL_AUTO, i);
		ck_assert_uint_eq(handle(), HV_S_OK);
		ck_assert_str_eq(reply_key(&m), kvp_intrinsic_key(i));
		if (i == 0)
			ck_assert_str_eq(reply_value(&m), "vm1.example.test");
		if (i == 1)
			ck_assert_str_eq(reply_value(&m), "3.1");
		if (i == 4)
			ck_assert_str_eq(reply_value(&m), u.release);
	}
	msg_enumerate(&m, HV_KVP_POOL_AUTO, 10);
	ck_assert_uint_eq(handle(), HV_S_CONT);
	/* GET of an intrinsic name on pool 2 answers the live value. */
	msg_kv(&m, HV_KVP_OP_GET, HV_KVP_POOL_AUTO, "ProcessorArchitecture", NULL);
	ck_assert_uint_eq(handle(), HV_S_OK);
	ck_assert_str_eq(reply_value(&m), u.machine);
}
END_TEST

START_TEST(kvp_handler__u32_value_arrives_as_text)
{
	/* The driver turns REG_U32 into decimal text and leaves value_type 0. */
	set_ok(0, "Count", "4294967295");
	msg_kv(&m, HV_KVP_OP_GET, 0, "Count", NULL);
	ck_assert_uint_eq(handle(), HV_S_OK);
	ck_assert_str_eq(reply_value(&m), "4294967295");
}
END_TEST

START_TEST(kvp_handler__longest_key_and_value)
{
	char key[512], value[2048];

	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	memset(value, 'v', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	set_ok(1, key, value);
	msg_kv(&m, HV_KVP_OP_GET, 1, key, NULL);
	ck_assert_uint_eq(handle(), HV_S_OK);
	ck_assert_str_eq(reply_value(&m), value);
	msg_enumerate(&m, 1, 0);
	ck_assert_uint_eq(handle(), HV_S_OK);
	ck_assert_str_eq(reply_key(&m), key);
	ck_assert_str_eq(reply_value(&m), value);
}
END_TEST

/* Each malformed request: the stated status, nothing stored, next request fine. */
static void expect_rejected(__u32 status)
{
	size_t n;

	ck_assert_uint_eq(handle(), status);
	ck_assert_int_eq(kvp_pool_count(h.pools[0], &n), 0);
	ck_assert_uint_eq(n, 0);
	msg_kv(&m, HV_KVP_OP_SET, 1, "still", "serving");
	ck_assert_uint_eq(handle(), HV_S_OK);
}

START_TEST(kvp_handler__pool_out_of_range)
{
	for (unsigned pool = 5; pool < 256; pool += 50) {
		msg_kv(&m, HV_KVP_OP_SET, pool, "k", "v");
		expect_rejected(HV_INVALIDARG);
		msg_enumerate(&m, pool, 0);
		expect_rejected(HV_INVALIDARG);
	}
}
END_TEST

START_TEST(kvp_handler__unterminated_key)
{
	msg_kv(&m, HV_KVP_OP_SET, 0, "k", "v");
	memset(m.body.set.key, 'x', sizeof(m.body.set.key));
	m.body.set.key_size = 512;
	expect_rejected(HV_INVALIDARG);
	msg_kv(&m, HV_KVP_OP_GET, 0, "k", NULL);
	memset(m.body.get.key, 'x', sizeof(m.body.get.key));
	expect_rejected(HV_INVALIDARG);
	msg_delete(&m, 0, "k");
	memset(m.body.del.key, 'x', sizeof(m.body.del.key));
	expect_rejected(HV_INVALIDARG);
}
END_TEST

START_TEST(kvp_handler__sizes_out_of_range)
{
	static const __u32 bad_key_sizes[] = { 0, 1, 3, 513, 0xffffffffu };
	/* value_size 0 is what the driver sends for other value types: accepted. */
	static const __u32 bad_value_sizes[] = { 3, 2049, 0x80000000u };

	for (size_t i = 0; i < sizeof(bad_key_sizes) / sizeof(bad_key_sizes[0]); i++) {
		msg_kv(&m, HV_KVP_OP_SET, 0, "k", "v");
		m.body.set.key_size = bad_key_sizes[i];
		expect_rejected(HV_INVALIDARG);
	}
	for (size_t i = 0; i < sizeof(bad_value_sizes) / sizeof(bad_value_sizes[0]); i++) {
		msg_kv(&m, HV_KVP_OP_SET, 0, "k", "v");
		m.body.set.value_size = bad_value_sizes[i];
		expect_rejected(HV_INVALIDARG);
	}
	/* Unterminated value. */
	msg_kv(&m, HV_KVP_OP_SET, 0, "k", "v");
	memset(m.body.set.value, 'v', sizeof(m.body.set.value));
	m.body.set.value_size = 2048;
	expect_rejected(HV_INVALIDARG);
	/* key_size 0 never comes from the driver, whatever the key bytes. */
	msg_kv(&m, HV_KVP_OP_SET, 0, "", "v");
	m.body.set.key_size = 0;
	expect_rejected(HV_INVALIDARG);
	msg_kv(&m, HV_KVP_OP_GET, 0, "", NULL);
	m.body.get.key_size = 0;
	expect_rejected(HV_INVALIDARG);
	msg_delete(&m, 0, "");
	m.body.del.key_size = 0;
	expect_rejected(HV_INVALIDARG);
}
END_TEST

/*
 * A SET whose value_type is none of REG_SZ/REG_U32/REG_U64: the driver's
 * kvp_send_key() converts nothing, so value_size stays 0 (and the value
 * zeroed). Upstream's daemon answers success; the key is stored with an
 * empty value, new or overwritten, whatever bytes the value field holds.
 */
START_TEST(kvp_handler__set_with_value_size_0_stores_an_empty_value)
{
	char value[64];
	size_t n;

	msg_kv(&m, HV_KVP_OP_SET, 0, "Binary", NULL);
	ck_assert_uint_eq(m.body.set.value_size, 0);
	ck_assert_uint_eq(handle(), HV_S_OK);
	ck_assert_int_eq(kvp_pool_get(h.pools[0], "Binary", value, sizeof(value)), 0);
	ck_assert_str_eq(value, "");

	set_ok(0, "Was", "something");
	msg_kv(&m, HV_KVP_OP_SET, 0, "Was", NULL);
	memcpy(m.body.set.value, "stale", 6);	/* not announced: not stored */
	ck_assert_uint_eq(handle(), HV_S_OK);
	ck_assert_int_eq(kvp_pool_get(h.pools[0], "Was", value, sizeof(value)), 0);
	ck_assert_str_eq(value, "");
	ck_assert_int_eq(kvp_pool_count(h.pools[0], &n), 0);
	ck_assert_uint_eq(n, 2);

	msg_kv(&m, HV_KVP_OP_GET, 0, "Was", NULL);
	ck_assert_uint_eq(handle(), HV_S_OK);
	ck_assert_str_eq(reply_value(&m), "");
	ck_assert_uint_eq(m.body.enumerate.data.value_size, 1);
	ck_assert_uint_eq(h.rejected, 0);
}
END_TEST

/*
 * An empty UTF-16 key (key_size 0 from the host, or a NUL first) comes out
 * of kvp_send_key() as key_size 1 and key "": a key like any other, as in
 * upstream's daemon, for SET, GET, ENUMERATE and DELETE alike.
 */
START_TEST(kvp_handler__empty_key_is_a_key)
{
	msg_kv(&m, HV_KVP_OP_SET, 1, "", "nameless");
	ck_assert_uint_eq(m.body.set.key_size, 1);
	ck_assert_uint_eq(handle(), HV_S_OK);
	set_ok(1, "named", "x");
	msg_kv(&m, HV_KVP_OP_SET, 1, "", "again");
	ck_assert_uint_eq(handle(), HV_S_OK);

	msg_kv(&m, HV_KVP_OP_GET, 1, "", NULL);
	ck_assert_uint_eq(handle(), HV_S_OK);
	ck_assert_str_eq(reply_value(&m), "again");
	msg_enumerate(&m, 1, 0);
	ck_assert_uint_eq(handle(), HV_S_OK);
	ck_assert_str_eq(reply_key(&m), "");
	ck_assert_uint_eq(m.body.enumerate.data.key_size, 1);
	ck_assert_str_eq(reply_value(&m), "again");

	msg_delete(&m, 1, "");
	ck_assert_uint_eq(handle(), HV_S_OK);
	msg_kv(&m, HV_KVP_OP_GET, 1, "", NULL);
	ck_assert_uint_eq(handle(), HV_S_CONT);
	msg_enumerate(&m, 1, 0);
	ck_assert_uint_eq(handle(), HV_S_OK);
	ck_assert_str_eq(reply_key(&m), "named");
	ck_assert_uint_eq(h.rejected, 0);
}
END_TEST

/* ---- logs: host text escaped ---- */

static char logged[16384];

static void log_capture(int level, const char *msg, void *userdata)
{
	size_t n = strlen(logged);

	(void)userdata;
	snprintf(logged + n, sizeof(logged) - n, "<%d>%s\n", level, msg);
}

static void capture_logs(void)
{
	logged[0] = '\0';
	log_set_max_level(LOG_DEBUG);
	log_set_sink(log_capture, NULL);
}

static void uncapture_logs(void)
{
	log_set_sink(NULL, NULL);
	log_set_max_level(LOG_CRIT);
}

/* Every captured message is one line that carries no raw control. */
static void assert_logged_lines_clean(unsigned want_lines)
{
	unsigned lines = 0;

	for (const char *p = logged; *p; p++) {
		const unsigned char c = (unsigned char)*p;

		if (c == '\n') {
			lines++;
			continue;
		}
		ck_assert_msg(c >= 0x20 && c != 0x7f, "raw control 0x%02x logged: %s", c, logged);
		ck_assert_msg(!(c == 0xc2 && (unsigned char)p[1] < 0xa0), "raw C1 logged: %s",
			      logged);
	}
	ck_assert_msg(lines == want_lines, "%u lines, wanted %u: %s", lines, want_lines, logged);
}

START_TEST(kvp_handler__logs_escape_the_hosts_key)
{
	static const char key[] = "evil\n<3>forged line\x1b[2J\xc2\x9b" "31m\xc2\x85";
	static const char esc[] = "evil\\n<3>forged line\\x1b[2J\\xc2\\x9b31m\\xc2\\x85";

	capture_logs();
	/* Rejected SET: the key is in the warning. */
	msg_kv(&m, HV_KVP_OP_SET, 0, key, "v");
	m.body.set.value_size = 7;
	ck_assert_uint_eq(handle(), HV_INVALIDARG);
	assert_logged_lines_clean(1);
	ck_assert_msg(strstr(logged, esc), "%s", logged);
	ck_assert_ptr_nonnull(strstr(logged, "Rejected KVP request: SET of \""));

	/* Accepted SET and DELETE, logged at debug level. */
	logged[0] = '\0';
	set_ok(0, key, "v");
	msg_delete(&m, 0, key);
	ck_assert_uint_eq(handle(), HV_S_OK);
	assert_logged_lines_clean(2);
	ck_assert_msg(strstr(logged, esc), "%s", logged);
	uncapture_logs();
}
END_TEST

START_TEST(kvp_handler__logs_escape_the_hosts_adapter_id)
{
	capture_logs();
	h.ip_injection = false;
	msg_init(&m, HV_KVP_OP_SET_IP_INFO, 0);
	strcpy((char *)m.body.ip.adapter_id, "{guid}\n<2>injected");
	ck_assert_uint_eq(handle(), HV_ERROR_NOT_SUPPORTED);
	assert_logged_lines_clean(1);
	ck_assert_msg(strstr(logged, "{guid}\\n<2>injected refused"), "%s", logged);
	uncapture_logs();
}
END_TEST

START_TEST(kvp_handler__unknown_op)
{
	static const unsigned ops[] = { 6, 7, 99, 100, 101, 255 };

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		msg_kv(&m, ops[i], 0, "k", "v");
		expect_rejected(HV_ERROR_NOT_SUPPORTED);
	}
}
END_TEST

START_TEST(kvp_handler__wrong_length)
{
	size_t n;

	msg_kv(&m, HV_KVP_OP_SET, 0, "k", "v");
	ck_assert_uint_eq(kvp_handle_message(&h, &m, 100), HV_INVALIDARG);
	ck_assert_uint_eq(msg_status(&m), HV_INVALIDARG);
	ck_assert_int_eq(kvp_pool_count(h.pools[0], &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(kvp_handle_message(&h, &m, HV_KVP_MSG_SIZE + 1), HV_INVALIDARG);
}
END_TEST

START_TEST(kvp_handler__ip_info_without_network_state)
{
	msg_init(&m, HV_KVP_OP_GET_IP_INFO, 0);
	strcpy((char *)m.body.ip.adapter_id, "00:15:5D:00:00:01");
	m.body.ip.addr_family = HV_ADDR_FAMILY_IPV4;
	ck_assert_uint_eq(handle(), HV_E_FAIL);
	/* Malformed adapter id / family. */
	msg_init(&m, HV_KVP_OP_GET_IP_INFO, 0);
	ck_assert_uint_eq(handle(), HV_INVALIDARG);
	msg_init(&m, HV_KVP_OP_GET_IP_INFO, 0);
	memset(m.body.ip.adapter_id, 'A', sizeof(m.body.ip.adapter_id));
	ck_assert_uint_eq(handle(), HV_INVALIDARG);
	msg_init(&m, HV_KVP_OP_GET_IP_INFO, 0);
	strcpy((char *)m.body.ip.adapter_id, "00:15:5D:00:00:01");
	m.body.ip.addr_family = 7;
	ck_assert_uint_eq(handle(), HV_INVALIDARG);
}
END_TEST

START_TEST(kvp_handler__ip_injection_disabled)
{
	h.ip_injection = false;
	msg_init(&m, HV_KVP_OP_SET_IP_INFO, 0);
	strcpy((char *)m.body.ip.adapter_id, "00:15:5D:00:00:01");
	strcpy((char *)m.body.ip.ip_addr, "10.0.0.5");
	ck_assert_uint_eq(handle(), HV_ERROR_NOT_SUPPORTED);
}
END_TEST

START_TEST(kvp_handler__counts_requests)
{
	set_ok(0, "a", "b");
	msg_kv(&m, HV_KVP_OP_GET, 0, "a", NULL);
	handle();
	msg_kv(&m, 42, 0, "a", NULL);
	handle();
	ck_assert_uint_eq(h.requests[HV_KVP_OP_SET], 1);
	ck_assert_uint_eq(h.requests[HV_KVP_OP_GET], 1);
	ck_assert_uint_eq(h.rejected, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kvp-handler");
	TCase *ops = tcase_create("operations");
	TCase *bad = tcase_create("malformed");

	tcase_add_checked_fixture(ops, setup, teardown);
	tcase_add_test(ops, kvp_handler__set_then_get_on_every_pool);
	tcase_add_test(ops, kvp_handler__set_overwrites_and_survives_reopen);
	tcase_add_test(ops, kvp_handler__get_missing_is_s_cont);
	tcase_add_test(ops, kvp_handler__delete);
	tcase_add_test(ops, kvp_handler__enumerate_pool_in_file_order);
	tcase_add_test(ops, kvp_handler__enumerate_auto_pool_is_intrinsic);
	tcase_add_test(ops, kvp_handler__u32_value_arrives_as_text);
	tcase_add_test(ops, kvp_handler__longest_key_and_value);
	tcase_add_test(ops, kvp_handler__counts_requests);
	tcase_add_test(ops, kvp_handler__set_with_value_size_0_stores_an_empty_value);
	tcase_add_test(ops, kvp_handler__empty_key_is_a_key);
	tcase_add_test(ops, kvp_handler__logs_escape_the_hosts_key);
	tcase_add_test(ops, kvp_handler__logs_escape_the_hosts_adapter_id);
	suite_add_tcase(s, ops);

	tcase_add_checked_fixture(bad, setup, teardown);
	tcase_add_test(bad, kvp_handler__pool_out_of_range);
	tcase_add_test(bad, kvp_handler__unterminated_key);
	tcase_add_test(bad, kvp_handler__sizes_out_of_range);
	tcase_add_test(bad, kvp_handler__unknown_op);
	tcase_add_test(bad, kvp_handler__wrong_length);
	tcase_add_test(bad, kvp_handler__ip_info_without_network_state);
	tcase_add_test(bad, kvp_handler__ip_injection_disabled);
	suite_add_tcase(s, bad);
	return tl_run_suite(s);
}
