// SPDX-License-Identifier: MIT
/*
 * fcopy messages: parsing on both transports' encodings, the status each
 * outcome gives the host, and whole copies through the dispatcher.
 */
#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hyperv/fcopy.h>
#include <hyperv/status.h>

#include "fcopy-host.h"
#include "fcopy-msg.h"
#include "log.h"
#include "testlib.h"

static char *base;
static struct fcopy_copy *c;
static struct fcopy_request req;

static void setup(void)
{
	const struct fcopy_copy_config cfg = {
		.file_mode = 0644,
		.dir_mode = 0755,
		.preallocate = true,
		.backslash_separator = true,
	};

	log_set_max_level(LOG_CRIT);
	base = tl_mkdtemp("fcopy-msg");
	ck_assert_int_eq(fcopy_copy_new(&cfg, &c), 0);
}

static void teardown(void)
{
	c = fcopy_copy_free(c);
	tl_rm_rf(base);
	free(base);
}

START_TEST(fcopy_msg__parses_start_in_utf16)
{
	struct hv_fcopy_start m;

	ck_assert_int_eq(fcopy_build_start(&m, true, "/tmp/d\xc3\xa9j\xc3\xa0",
					   "\xf0\x9f\x98\x80.txt", HV_FCOPY_OVER_WRITE, 12345),
			 0);
	ck_assert_int_eq(fcopy_msg_parse(FCOPY_NAMES_UTF16, &m, sizeof(m), &req), 0);
	ck_assert_uint_eq(req.op, HV_FCOPY_START_FILE_COPY);
	ck_assert_str_eq(req.path_name, "/tmp/d\xc3\xa9j\xc3\xa0");
	ck_assert_str_eq(req.file_name, "\xf0\x9f\x98\x80.txt");
	ck_assert_uint_eq(req.flags, HV_FCOPY_OVER_WRITE);
	ck_assert_uint_eq(req.file_size, 12345);
}
END_TEST

START_TEST(fcopy_msg__parses_start_in_utf8)
{
	struct hv_fcopy_start m;

	ck_assert_int_eq(fcopy_build_start(&m, false, "/srv", "caf\xc3\xa9", 0, 1), 0);
	ck_assert_int_eq(fcopy_msg_parse(FCOPY_NAMES_UTF8, &m, sizeof(m), &req), 0);
	ck_assert_str_eq(req.file_name, "caf\xc3\xa9");
	ck_assert_str_eq(req.path_name, "/srv");
}
END_TEST

START_TEST(fcopy_msg__refuses_bad_names)
{
	struct hv_fcopy_start m;
	uint8_t *p = (uint8_t *)&m;
	const size_t file_name = offsetof(struct hv_fcopy_start, file_name);

	/* A lone surrogate in a UTF-16 name. */
	ck_assert_int_eq(fcopy_build_start(&m, true, "/tmp", "ab", 0, 1), 0);
	p[file_name + 2] = 0x3d;
	p[file_name + 3] = 0xd8;
	ck_assert_int_eq(fcopy_msg_parse(FCOPY_NAMES_UTF16, &m, sizeof(m), &req), -EILSEQ);
	/* No NUL within the 260 units. */
	memset(p + file_name, 'a', HV_FCOPY_MAX_PATH * 2);
	ck_assert_int_eq(fcopy_msg_parse(FCOPY_NAMES_UTF16, &m, sizeof(m), &req), -ENAMETOOLONG);
	ck_assert_int_eq(fcopy_msg_parse(FCOPY_NAMES_UTF8, &m, sizeof(m), &req), -ENAMETOOLONG);
	/* Invalid UTF-8 from the chardev. */
	ck_assert_int_eq(fcopy_build_start(&m, false, "/tmp", "\xc0\xaf", 0, 1), 0);
	ck_assert_int_eq(fcopy_msg_parse(FCOPY_NAMES_UTF8, &m, sizeof(m), &req), -EILSEQ);
}
END_TEST

START_TEST(fcopy_msg__refuses_short_and_oversized_messages)
{
	struct hv_fcopy_write w;
	struct hv_fcopy_start m;

	ck_assert_int_eq(fcopy_build_start(&m, true, "/tmp", "a", 0, 1), 0);
	ck_assert_int_eq(fcopy_msg_parse(FCOPY_NAMES_UTF16, &m, sizeof(m) - 1, &req), -EBADMSG);
	ck_assert_int_eq(fcopy_msg_parse(FCOPY_NAMES_UTF16, &m, 35, &req), -EBADMSG);

	fcopy_build_write(&w, 0, "abc", 3);
	ck_assert_int_eq(fcopy_msg_parse(FCOPY_NAMES_UTF16, &w, 52 + 3, &req), 0);
	ck_assert_uint_eq(req.size, 3);
	ck_assert_mem_eq(req.data, "abc", 3);
	/* Size past the bytes received, or past the chunk limit. */
	ck_assert_int_eq(fcopy_msg_parse(FCOPY_NAMES_UTF16, &w, 52 + 2, &req), -EINVAL);
	ck_assert_int_eq(fcopy_msg_parse(FCOPY_NAMES_UTF16, &w, 51, &req), -EBADMSG);
	w.size = HV_FCOPY_DATA_SIZE + 1;
	ck_assert_int_eq(fcopy_msg_parse(FCOPY_NAMES_UTF16, &w, sizeof(w), &req), -EINVAL);

	w.hdr.operation = 42;
	ck_assert_int_eq(fcopy_msg_parse(FCOPY_NAMES_UTF16, &w, sizeof(w), &req), -EOPNOTSUPP);
}
END_TEST

START_TEST(fcopy_msg__status_for_each_outcome)
{
	ck_assert_uint_eq(fcopy_msg_status(0), HV_S_OK);
	ck_assert_uint_eq(fcopy_msg_status(-EEXIST), HV_ERROR_ALREADY_EXISTS);
	ck_assert_uint_eq(fcopy_msg_status(-ENOSPC), HV_ERROR_DISK_FULL);
	ck_assert_uint_eq(fcopy_msg_status(-EDQUOT), HV_ERROR_DISK_FULL);
	ck_assert_uint_eq(fcopy_msg_status(-EINVAL), HV_INVALIDARG);
	ck_assert_uint_eq(fcopy_msg_status(-EILSEQ), HV_INVALIDARG);
	ck_assert_uint_eq(fcopy_msg_status(-EACCES), HV_E_ACCESSDENIED);
	ck_assert_uint_eq(fcopy_msg_status(-ELOOP), HV_E_ACCESSDENIED);
	ck_assert_uint_eq(fcopy_msg_status(-ENOENT), HV_ERROR_PATH_NOT_FOUND);
	ck_assert_uint_eq(fcopy_msg_status(-EOPNOTSUPP), HV_ERROR_NOT_SUPPORTED);
	ck_assert_uint_eq(fcopy_msg_status(-EBADF), HV_E_FAIL);
	ck_assert_uint_eq(fcopy_msg_status(-EPROTO), HV_E_FAIL);
}
END_TEST

static uint32_t handle(const void *msg, size_t len)
{
	return fcopy_msg_handle(c, FCOPY_NAMES_UTF16, msg, len);
}

START_TEST(fcopy_msg__dispatches_a_whole_copy)
{
	struct hv_fcopy_start s;
	struct hv_fcopy_write w;
	struct hv_fcopy_hdr h;
	char path[1024], *got;

	ck_assert_int_eq(fcopy_build_start(&s, true, base, "hello.txt", 0, 11), 0);
	ck_assert_uint_eq(handle(&s, sizeof(s)), HV_S_OK);
	fcopy_build_write(&w, 0, "hello ", 6);
	ck_assert_uint_eq(handle(&w, sizeof(w)), HV_S_OK);
	fcopy_build_write(&w, 6, "world", 5);
	ck_assert_uint_eq(handle(&w, sizeof(w)), HV_S_OK);
	fcopy_build_write(&w, 11, "!", 1);
	ck_assert_uint_eq(handle(&w, sizeof(w)), HV_INVALIDARG);
	fcopy_build_simple(&h, HV_FCOPY_COMPLETE);
	ck_assert_uint_eq(handle(&h, sizeof(h)), HV_S_OK);
	snprintf(path, sizeof(path), "%s/hello.txt", base);
	got = tl_read_file(path, NULL);
	ck_assert_str_eq(got, "hello world");
	free(got);

	/* Again without OVER_WRITE: refused, the file stays. */
	ck_assert_uint_eq(handle(&s, sizeof(s)), HV_ERROR_ALREADY_EXISTS);
	/* COMPLETE and WRITE without a copy; CANCEL is always fine. */
	ck_assert_uint_eq(handle(&h, sizeof(h)), HV_E_FAIL);
	ck_assert_uint_eq(handle(&w, sizeof(w)), HV_E_FAIL);
	fcopy_build_simple(&h, HV_FCOPY_CANCEL);
	ck_assert_uint_eq(handle(&h, sizeof(h)), HV_S_OK);
	/* Unknown operations and garbage. */
	fcopy_build_simple(&h, 9);
	ck_assert_uint_eq(handle(&h, sizeof(h)), HV_ERROR_NOT_SUPPORTED);
	ck_assert_uint_eq(handle("x", 1), HV_INVALIDARG);
}
END_TEST

START_TEST(fcopy_msg__cancel_discards_the_copy)
{
	struct hv_fcopy_start s;
	struct hv_fcopy_hdr h;

	ck_assert_int_eq(fcopy_build_start(&s, true, base, "gone", 0, 100), 0);
	ck_assert_uint_eq(handle(&s, sizeof(s)), HV_S_OK);
	fcopy_build_simple(&h, HV_FCOPY_CANCEL);
	ck_assert_uint_eq(handle(&h, sizeof(h)), HV_S_OK);
	ck_assert(!fcopy_copy_active(c));
	/* A relative destination is not a destination. */
	ck_assert_int_eq(fcopy_build_start(&s, true, "tmp", "x", 0, 1), 0);
	ck_assert_uint_eq(handle(&s, sizeof(s)), HV_INVALIDARG);
}
END_TEST

static char logged[8192];

static void log_capture(int level, const char *msg, void *userdata)
{
	size_t n = strlen(logged);

	(void)userdata;
	snprintf(logged + n, sizeof(logged) - n, "<%d>%s\n", level, msg);
}

/* The host's names in log lines: escaped, one line per message, both encodings. */
START_TEST(fcopy_msg__logs_escape_the_hosts_names)
{
	static const char forged[] = "\n<3>hv_fcopy_daemon: Copied /etc/shadow\xc2\x9b" "2K";
	static const char esc[] = "\\n<3>hv_fcopy_daemon: Copied /etc/shadow\\xc2\\x9b2K";
	struct hv_fcopy_start s;
	char path[1024];
	unsigned lines = 0;

	log_set_max_level(LOG_DEBUG);
	log_set_sink(log_capture, NULL);
	snprintf(path, sizeof(path), "%s/dir%s", base, forged);
	for (int utf16 = 0; utf16 < 2; utf16++) {
		ck_assert_int_eq(fcopy_build_start(&s, utf16, path, forged, 0, 1), 0);
		ck_assert_uint_eq(fcopy_msg_handle(c, utf16 ? FCOPY_NAMES_UTF16 : FCOPY_NAMES_UTF8,
						   &s, sizeof(s)),
				  HV_INVALIDARG);
	}
	/* A good copy logs its target too. */
	ck_assert_int_eq(fcopy_build_start(&s, true, base, "fine.txt", 0, 0), 0);
	ck_assert_uint_eq(handle(&s, sizeof(s)), HV_S_OK);
	log_set_sink(NULL, NULL);
	log_set_max_level(LOG_CRIT);

	for (const char *p = logged; *p; p++) {
		ck_assert_msg((unsigned char)*p >= 0x20 || *p == '\n', "raw control: %s", logged);
		lines += *p == '\n';
	}
	ck_assert_msg(lines == 3, "%s", logged);
	ck_assert_msg(strstr(logged, "<4>Refusing copy to "), "%s", logged);
	ck_assert_msg(strstr(logged, esc), "%s", logged);
	ck_assert_msg(strstr(logged, "<6>Receiving ") && strstr(logged, "/fine.txt (0 bytes)"), "%s",
		      logged);
	ck_assert_ptr_null(strstr(logged, "\xc2\x9b"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fcopy_msg");
	TCase *tc = tcase_create("fcopy_msg");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fcopy_msg__parses_start_in_utf16);
	tcase_add_test(tc, fcopy_msg__parses_start_in_utf8);
	tcase_add_test(tc, fcopy_msg__refuses_bad_names);
	tcase_add_test(tc, fcopy_msg__refuses_short_and_oversized_messages);
	tcase_add_test(tc, fcopy_msg__status_for_each_outcome);
	tcase_add_test(tc, fcopy_msg__dispatches_a_whole_copy);
	tcase_add_test(tc, fcopy_msg__cancel_discards_the_copy);
	tcase_add_test(tc, fcopy_msg__logs_escape_the_hosts_names);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
