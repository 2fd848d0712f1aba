// SPDX-License-Identifier: MIT
/*
 * hv_kvp_daemon's real request loop, end to end: the built binary talks to
 * a fake kernel with the device's semantics (registration first, one
 * 7432-byte message per read and per reply), reports READY=1 only after
 * the handshake, keeps serving after bad requests, registers again after a
 * device reset, and exits cleanly on SIGTERM.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fake-kernel.h"
#include "kvp-msg.h"
#include "testlib.h"

#define DAEMON HV_BINARY_DIR "/daemons/kvp/hv_kvp_daemon"
#define TIMEOUT_MS 10000

static char *dir;
static char sock[512], pools[512], conf[512], notify[512];
static struct fake_kernel *fk;
static int notify_fd = -1;
static pid_t pid;
static struct hv_kvp_msg m;

static void start_daemon(const char *device)
{
	char *argv[] = { DAEMON, "-n", "--device", (char *)device, "--pool-dir", pools,
			 "-c", conf, NULL };

	setenv("NOTIFY_SOCKET", notify, 1);
	pid = tl_spawn(argv);
	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_gt(pid, 0);
}

static void setup(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	dir = tl_mkdtemp("kvpd");
	snprintf(sock, sizeof(sock), "%s/hv_kvp", dir);
	snprintf(pools, sizeof(pools), "%s/pools", dir);
	snprintf(conf, sizeof(conf), "%s/kvp.conf", dir);
	snprintf(notify, sizeof(notify), "%s/notify", dir);
	tl_write_file(conf, "[Intrinsic]\nFQDN=vm1.example.test\n[IPInjection]\nEnable=no\n");
	fk = fk_new(sock);
	ck_assert_ptr_nonnull(fk);
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	strcpy(sa.sun_path, notify);
	ck_assert_int_eq(bind(notify_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	pid = 0;
}

static void teardown(void)
{
	if (pid > 0)
		(void)tl_kill_wait(pid, SIGKILL, TIMEOUT_MS);
	fk = fk_free(fk);
	close(notify_fd);
	tl_rm_rf(dir);
	free(dir);
}

/* The next sd_notify datagram, or "" on timeout. */
static const char *next_notify(int timeout_ms)
{
	static char buf[1024];
	struct pollfd p = { .fd = notify_fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, timeout_ms) <= 0)
		return "";
	n = recv(notify_fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void kernel_register(const char *version)
{
	struct hv_kvp_msg reg, answer;

	msg_init(&reg, HV_KVP_OP_REGISTER1, 0);
	msg_init(&answer, HV_KVP_OP_REGISTER1, 0);
	strcpy((char *)answer.body.reg.version, version);
	/* The daemon registers with a whole message, operation 100. */
	ck_assert_int_eq(fk_register(fk, sizeof(reg), &reg, 1, &answer, sizeof(answer), TIMEOUT_MS),
			 0);
}

static __u32 transact(void)
{
	ssize_t n = fk_transact(fk, &m, sizeof(m), &m, sizeof(m), TIMEOUT_MS);

	/* Every reply is exactly one whole message. */
	ck_assert_int_eq(n, (ssize_t)sizeof(m));
	return msg_status(&m);
}

START_TEST(kvp_daemon__ready_only_after_handshake)
{
	start_daemon(sock);
	ck_assert_str_eq(next_notify(500), "");
	kernel_register("3.1");
	ck_assert_ptr_nonnull(strstr(next_notify(TIMEOUT_MS), "READY=1"));
}
END_TEST

START_TEST(kvp_daemon__serves_every_operation)
{
	struct utsname u;
	char path[600];
	struct stat st;

	start_daemon(sock);
	kernel_register("3.1");

	msg_kv(&m, HV_KVP_OP_SET, 0, "HostData", "from the host");
	ck_assert_uint_eq(transact(), HV_S_OK);
	msg_kv(&m, HV_KVP_OP_GET, 0, "HostData", NULL);
	ck_assert_uint_eq(transact(), HV_S_OK);
	ck_assert_str_eq(reply_value(&m), "from the host");
	msg_enumerate(&m, 0, 0);
	ck_assert_uint_eq(transact(), HV_S_OK);
	ck_assert_str_eq(reply_key(&m), "HostData");
	msg_enumerate(&m, 0, 1);
	ck_assert_uint_eq(transact(), HV_S_CONT);

	/* The pool file is the upstream format: one 2560-byte record. */
	snprintf(path, sizeof(path), "%s/.kvp_pool_0", pools);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 2560);

	msg_delete(&m, 0, "HostData");
	ck_assert_uint_eq(transact(), HV_S_OK);
	msg_kv(&m, HV_KVP_OP_GET, 0, "HostData", NULL);
	ck_assert_uint_eq(transact(), HV_S_CONT);

	/* Intrinsic items, with the version the kernel sent. */
	ck_assert_int_eq(uname(&u), 0);
	msg_enumerate(&m, HV_KVP_POOL_AUTO, 0);
	ck_assert_uint_eq(transact(), HV_S_OK);
	ck_assert_str_eq(reply_key(&m), "FullyQualifiedDomainName");
	ck_assert_str_eq(reply_value(&m), "vm1.example.test");
	msg_enumerate(&m, HV_KVP_POOL_AUTO, 1);
	ck_assert_uint_eq(transact(), HV_S_OK);
	ck_assert_str_eq(reply_value(&m), "3.1");
	msg_enumerate(&m, HV_KVP_POOL_AUTO, 4);
	ck_assert_uint_eq(transact(), HV_S_OK);
	ck_assert_str_eq(reply_value(&m), u.release);
	msg_enumerate(&m, HV_KVP_POOL_AUTO, 10);
	ck_assert_uint_eq(transact(), HV_S_CONT);

	/* IP injection is disabled in this configuration. */
	msg_init(&m, HV_KVP_OP_SET_IP_INFO, 0);
	strcpy((char *)m.body.ip.adapter_id, "00:15:5D:00:00:01");
	ck_assert_uint_eq(transact(), HV_ERROR_NOT_SUPPORTED);
}
END_TEST

START_TEST(kvp_daemon__keeps_serving_after_malformed_requests)
{
	char small[100] = { 0 };
	char big[HV_KVP_MSG_SIZE + 64];

	start_daemon(sock);
	kernel_register("3.1");

	msg_kv(&m, HV_KVP_OP_SET, 9, "k", "v");
	ck_assert_uint_eq(transact(), HV_INVALIDARG);
	msg_kv(&m, HV_KVP_OP_SET, 1, "k", "v");
	memset(m.body.set.key, 'x', sizeof(m.body.set.key));
	ck_assert_uint_eq(transact(), HV_INVALIDARG);
	msg_kv(&m, 77, 1, "k", "v");
	ck_assert_uint_eq(transact(), HV_ERROR_NOT_SUPPORTED);

	/* A short message still gets a whole-message reply with a status. */
	ck_assert_int_eq(fk_transact(fk, small, sizeof(small), &m, sizeof(m), TIMEOUT_MS),
			 (ssize_t)sizeof(m));
	ck_assert_uint_eq(msg_status(&m), HV_INVALIDARG);
	/* An oversized one is cut at the device's message size, as read() does. */
	memset(big, 0, sizeof(big));
	ck_assert_int_eq(fk_transact(fk, big, sizeof(big), &m, sizeof(m), TIMEOUT_MS),
			 (ssize_t)sizeof(m));

	msg_kv(&m, HV_KVP_OP_SET, 1, "after", "ok");
	ck_assert_uint_eq(transact(), HV_S_OK);
}
END_TEST

START_TEST(kvp_daemon__registers_again_after_reset)
{
	start_daemon(sock);
	kernel_register("3.1");
	msg_kv(&m, HV_KVP_OP_SET, 1, "before", "reset");
	ck_assert_uint_eq(transact(), HV_S_OK);

	/* Hibernation or a driver reload: the kernel drops the daemon. */
	fk_reset(fk);
	kernel_register("3.1");
	msg_kv(&m, HV_KVP_OP_GET, 1, "before", NULL);
	ck_assert_uint_eq(transact(), HV_S_OK);
	ck_assert_str_eq(reply_value(&m), "reset");
}
END_TEST

START_TEST(kvp_daemon__sigterm_exits_cleanly_and_data_persists)
{
	start_daemon(sock);
	kernel_register("3.1");
	msg_kv(&m, HV_KVP_OP_SET, 1, "persist", "yes");
	ck_assert_uint_eq(transact(), HV_S_OK);
	ck_assert_int_eq(tl_kill_wait(pid, SIGTERM, TIMEOUT_MS), 0);
	pid = 0;

	start_daemon(sock);
	kernel_register("3.1");
	msg_kv(&m, HV_KVP_OP_GET, 1, "persist", NULL);
	ck_assert_uint_eq(transact(), HV_S_OK);
	ck_assert_str_eq(reply_value(&m), "yes");
}
END_TEST

START_TEST(kvp_daemon__missing_device_fails)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/no-such-device", dir);
	start_daemon(path);
	ck_assert_int_eq(tl_wait(pid, TIMEOUT_MS), 1);
	pid = 0;
}
END_TEST

START_TEST(kvp_daemon__usage_errors)
{
	char *bad[] = { DAEMON, "--no-such-option", NULL };
	char *extra[] = { DAEMON, "-n", "surplus", NULL };
	char *help[] = { DAEMON, "--help", NULL };

	ck_assert_int_eq(tl_wait(tl_spawn(bad), TIMEOUT_MS), 2);
	ck_assert_int_eq(tl_wait(tl_spawn(extra), TIMEOUT_MS), 2);
	ck_assert_int_eq(tl_wait(tl_spawn(help), TIMEOUT_MS), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kvp-daemon");
	TCase *tc = tcase_create("daemon");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, kvp_daemon__ready_only_after_handshake);
	tcase_add_test(tc, kvp_daemon__serves_every_operation);
	tcase_add_test(tc, kvp_daemon__keeps_serving_after_malformed_requests);
	tcase_add_test(tc, kvp_daemon__registers_again_after_reset);
	tcase_add_test(tc, kvp_daemon__sigterm_exits_cleanly_and_data_persists);
	tcase_add_test(tc, kvp_daemon__missing_device_fails);
	tcase_add_test(tc, kvp_daemon__usage_errors);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
