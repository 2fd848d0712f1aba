// SPDX-License-Identifier: MIT
/*
 * hv_fcopy_daemon on /dev/vmbus/hv_fcopy (kernels up to 6.9), end to end
 * against the kernel-semantics fake device: registration, copies with the
 * kernel's UTF-8 names and 4-byte status replies, and a device reset in
 * the middle of an overwrite.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hyperv/fcopy.h>
#include <hyperv/status.h>

#include "fake-kernel.h"
#include "fcopy-host.h"
#include "testlib.h"

#define TIMEOUT_MS 20000

static char *dir;
static char dst[600], sock[600], conf[600], state[600];
static struct fake_kernel *fk;
static pid_t daemon_pid;

static void registered(void)
{
	const int32_t version = HV_FCOPY_VERSION_1;

	ck_assert_int_eq(fk_register(fk, sizeof(version), &version, sizeof(version), &version,
				     sizeof(version), TIMEOUT_MS),
			 0);
}

static void setup(void)
{
	const char *args[] = { "-c", conf, "-t", "chardev", "--device", sock,
			       "--state-dir", state, "-l", "warning", NULL };

	dir = tl_mkdtemp("fcopy-chardev");
	snprintf(dst, sizeof(dst), "%s/dst", dir);
	snprintf(sock, sizeof(sock), "%s/hv_fcopy", dir);
	snprintf(conf, sizeof(conf), "%s/none.conf", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	ck_assert_int_eq(mkdir(dst, 0755), 0);
	fk = fk_new(sock);
	ck_assert_ptr_nonnull(fk);
	daemon_pid = fcopy_spawn_daemon(args);
	ck_assert_int_gt(daemon_pid, 0);
	registered();
}

static void teardown(void)
{
	ck_assert_int_eq(tl_kill_wait(daemon_pid, SIGTERM, TIMEOUT_MS), 0);
	fk = fk_free(fk);
	tl_rm_rf(dir);
	free(dir);
}

static uint32_t transact(const void *msg, size_t len)
{
	int32_t status = 0x7eadbeef;

	ck_assert_int_eq(fk_transact(fk, msg, len, &status, sizeof(status), TIMEOUT_MS),
			 sizeof(status));
	return (uint32_t)status;
}

static uint32_t start(const char *name, uint32_t flags, uint64_t size)
{
	struct hv_fcopy_start m;

	/* The kernel hands the daemon UTF-8 names. */
	ck_assert_int_eq(fcopy_build_start(&m, false, dst, name, flags, size), 0);
	return transact(&m, sizeof(m));
}

static uint32_t write_chunk(uint64_t off, const char *data)
{
	struct hv_fcopy_write w;

	fcopy_build_write(&w, off, data, (uint32_t)strlen(data));
	return transact(&w, sizeof(w));
}

static uint32_t simple(uint32_t op)
{
	/* COMPLETE/CANCEL come at the IC packet's length: header plus slack. */
	uint8_t msg[64] = { 0 };

	fcopy_build_simple((struct hv_fcopy_hdr *)msg, op);
	return transact(msg, sizeof(msg));
}

static void expect(const char *name, const char *content)
{
	char path[800], *got;

	snprintf(path, sizeof(path), "%s/%s", dst, name);
	got = tl_read_file(path, NULL);
	ck_assert_msg(got != NULL, "%s missing", path);
	ck_assert_str_eq(got, content);
	free(got);
}

START_TEST(fcopy_chardev__copies_a_file)
{
	char path[800];

	ck_assert_uint_eq(start("caf\xc3\xa9.txt", 0, 11), HV_S_OK);
	ck_assert_uint_eq(write_chunk(0, "hello "), HV_S_OK);
	ck_assert_uint_eq(write_chunk(6, "world"), HV_S_OK);
	ck_assert_uint_eq(simple(HV_FCOPY_COMPLETE), HV_S_OK);
	expect("caf\xc3\xa9.txt", "hello world");

	ck_assert_uint_eq(start("caf\xc3\xa9.txt", 0, 1), HV_ERROR_ALREADY_EXISTS);
	ck_assert_uint_eq(start("x", 0, 3), HV_S_OK);
	ck_assert_uint_eq(write_chunk(2, "too long"), HV_INVALIDARG);
	ck_assert_uint_eq(simple(HV_FCOPY_CANCEL), HV_S_OK);
	snprintf(path, sizeof(path), "%s/x", dst);
	ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

START_TEST(fcopy_chardev__device_reset_discards_copy_and_reregisters)
{
	char path[800];

	snprintf(path, sizeof(path), "%s/old", dst);
	tl_write_file(path, "old contents");
	ck_assert_uint_eq(start("old", HV_FCOPY_OVER_WRITE, 12), HV_S_OK);
	ck_assert_uint_eq(write_chunk(0, "new cont"), HV_S_OK);
	/* Hibernation or a driver reload: the kernel drops the daemon. */
	fk_reset(fk);
	registered();
	expect("old", "old contents");
	/* The copy is gone: its WRITE has nothing to go to. */
	ck_assert_uint_eq(write_chunk(8, "ents"), HV_E_FAIL);
	ck_assert_uint_eq(start("old", HV_FCOPY_OVER_WRITE, 4), HV_S_OK);
	ck_assert_uint_eq(write_chunk(0, "new!"), HV_S_OK);
	ck_assert_uint_eq(simple(HV_FCOPY_COMPLETE), HV_S_OK);
	expect("old", "new!");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fcopy_chardev");
	TCase *tc = tcase_create("fcopy_chardev");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, fcopy_chardev__copies_a_file);
	tcase_add_test(tc, fcopy_chardev__device_reset_discards_copy_and_reregisters);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
