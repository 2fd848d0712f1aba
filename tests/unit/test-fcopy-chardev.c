// SPDX-License-Identifier: MIT
/*
 * hv_fcopy_daemon on /dev/vmbus/hv_fcopy (kernels up to 6.9), end to end
 * against the kernel-semantics fake device: registration, copies with the
 * kernel's UTF-8 names and 4-byte status replies, names with controls
 * (C0 and C1) refused and logged escaped, and a device reset in the middle
 * of an overwrite.
 */
#include <check.h>
#include <fcntl.h>
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
#include "util.h"

#define TIMEOUT_MS 20000

static char *dir;
static char dst[600], sock[600], conf[600], state[600], errlog[600];
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
	int fd, saved;
	const char *args[] = { "-c", conf, "-t", "chardev", "--device", sock,
			       "--state-dir", state, "-l", "warning", NULL };

	dir = tl_mkdtemp("fcopy-chardev");
	snprintf(dst, sizeof(dst), "%s/dst", dir);
	snprintf(sock, sizeof(sock), "%s/hv_fcopy", dir);
	snprintf(conf, sizeof(conf), "%s/none.conf", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(errlog, sizeof(errlog), "%s/daemon.err", dir);
	ck_assert_int_eq(mkdir(dst, 0755), 0);
	fk = fk_new(sock);
	ck_assert_ptr_nonnull(fk);
	/* The daemon's stderr (-n, not a tty: "<N>" lines) goes to errlog. */
	fd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	saved = dup(STDERR_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	daemon_pid = fcopy_spawn_daemon(args);
	ck_assert_int_eq(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	close(fd);
	ck_assert_int_gt(daemon_pid, 0);
	registered();
}

static void teardown(void)
{
	char *log;

	ck_assert_int_eq(tl_kill_wait(daemon_pid, SIGTERM, TIMEOUT_MS), 0);
	/* Keep what the daemon said where it would have gone. */
	log = tl_read_file(errlog, NULL);
	if (log)
		fputs(log, stderr);
	free(log);
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

/* A name the host chose to forge a log line with, and one to drive a terminal. */
#define FORGED_NAME "x.txt\n<3>hv_fcopy_daemon: forged"
#define C1_NAME "csi\xc2\x9b" "2J.txt"

START_TEST(fcopy_chardev__refuses_names_with_controls_and_logs_them_escaped)
{
	static const char *const names[] = { C1_NAME, "nel\xc2\x85.txt", "\xc2\x80", FORGED_NAME,
					      "tab\tname", "del\x7f" };
	unsigned lines = 0;
	char *log;

	/* Refused as other controls are, with HV_INVALIDARG; nothing is created. */
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		ck_assert_uint_eq(start(names[i], HV_FCOPY_CREATE_PATH, 1), HV_INVALIDARG);
	ck_assert_uint_eq(simple(HV_FCOPY_CANCEL), HV_S_OK);
	ck_assert_int_eq(access(dst, F_OK), 0);
	ck_assert_int_eq(rmdir(dst), 0);	/* empty */

	/* The daemon writes its log line before it replies: all of it is in. */
	log = tl_read_file(errlog, NULL);
	ck_assert_ptr_nonnull(log);
	/* Every line is one of the daemon's: "<4>Refusing copy to ...", one per name. */
	for (char *l = log, *nl; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		ck_assert_ptr_nonnull(nl);
		*nl = '\0';
		ck_assert_msg(startswith(l, "<4>Refusing copy to "), "forged line: %s", l);
		for (const unsigned char *u = (const unsigned char *)l; *u; u++)
			ck_assert_msg(*u >= 0x20 && *u != 0x7f &&
					      !(u[0] == 0xc2 && u[1] >= 0x80 && u[1] < 0xa0),
				      "raw control in: %s", l);
		lines++;
	}
	ck_assert_uint_eq(lines, sizeof(names) / sizeof(names[0]));
	free(log);
	log = tl_read_file(errlog, NULL);
	ck_assert_ptr_nonnull(strstr(log, "x.txt\\n<3>hv_fcopy_daemon: forged: Invalid argument"));
	ck_assert_ptr_nonnull(strstr(log, "csi\\xc2\\x9b2J.txt"));
	free(log);
	/* The errlog is printed again by teardown: start it afresh. */
	ck_assert_int_eq(truncate(errlog, 0), 0);
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
	tcase_add_test(tc, fcopy_chardev__refuses_names_with_controls_and_logs_them_escaped);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
