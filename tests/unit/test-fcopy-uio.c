// SPDX-License-Identifier: MIT
/*
 * hv_fcopy_daemon on the UIO path, end to end: the real daemon maps a
 * file standing in for /dev/uioN and a host-side ring writer plays
 * Hyper-V: negotiation, copies, back-to-back packets, a full TX ring,
 * rescind, a corrupt ring, SIGTERM mid-copy.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hyperv/fcopy.h>
#include <hyperv/ic.h>
#include <hyperv/status.h>

#include "fcopy-host.h"
#include "ic.h"
#include "testlib.h"
#include "util.h"

#define RING 16384	/* what Hyper-V gives the fcopy channel per direction */
#define TIMEOUT_MS 20000

static char *dir;
static char dst[600], state[600], conf[600];
static struct fcopy_host *host;
static pid_t daemon_pid;

static void start_daemon(void)
{
	const char *args[] = {
		"-c", conf, "-t", "uio", "--uio-device", fcopy_host_device(host),
		"--uio-ring", fcopy_host_ring_file(host), "--ring-size", "16K",
		"--state-dir", state, "-l", "warning", NULL,
	};

	daemon_pid = fcopy_spawn_daemon(args);
	ck_assert_int_gt(daemon_pid, 0);
	ck_assert_int_eq(fcopy_host_accept(host, TIMEOUT_MS), 0);
}

static void setup(void)
{
	dir = tl_mkdtemp("fcopy-uio");
	snprintf(dst, sizeof(dst), "%s/dst", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(conf, sizeof(conf), "%s/none.conf", dir);
	ck_assert_int_eq(mkdir(dst, 0755), 0);
	host = fcopy_host_new(dir, RING);
	ck_assert_ptr_nonnull(host);
	start_daemon();
}

static void teardown(void)
{
	if (daemon_pid > 0)
		ck_assert_int_eq(tl_kill_wait(daemon_pid, SIGTERM, TIMEOUT_MS), 0);
	host = fcopy_host_free(host);
	tl_rm_rf(dir);
	free(dir);
}

static uint32_t request(const void *msg, size_t len)
{
	uint32_t status = 0xdeadbeef;

	ck_assert_int_eq(fcopy_host_request(host, msg, len, &status, TIMEOUT_MS), 0);
	return status;
}

static uint32_t start(const char *name, uint32_t flags, uint64_t size)
{
	struct hv_fcopy_start m;

	ck_assert_int_eq(fcopy_build_start(&m, true, dst, name, flags, size), 0);
	return request(&m, sizeof(m));
}

static uint32_t simple(uint32_t op)
{
	struct hv_fcopy_hdr h;

	fcopy_build_simple(&h, op);
	return request(&h, sizeof(h));
}

static void pattern(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7u + seed + (i >> 11));
}

static void send_data(size_t n, unsigned seed)
{
	uint8_t *data = malloc(n);
	struct hv_fcopy_write w;

	pattern(data, n, seed);
	for (size_t off = 0; off < n; off += HV_FCOPY_DATA_SIZE) {
		uint32_t chunk = (uint32_t)MIN(n - off, HV_FCOPY_DATA_SIZE);

		fcopy_build_write(&w, off, data + off, chunk);
		/* Full-size messages, as the host sends them. */
		ck_assert_uint_eq(request(&w, sizeof(w)), HV_S_OK);
	}
	free(data);
}

static void expect_file(const char *name, size_t n, unsigned seed)
{
	char path[800];
	size_t size;
	char *got;
	uint8_t *want = malloc(n);

	snprintf(path, sizeof(path), "%s/%s", dst, name);
	got = tl_read_file(path, &size);
	ck_assert_msg(got != NULL, "%s missing", path);
	ck_assert_uint_eq(size, n);
	pattern(want, n, seed);
	ck_assert_mem_eq(got, want, n);
	free(got);
	free(want);
}

static unsigned dst_entries(void)
{
	DIR *d = opendir(dst);
	struct dirent *de;
	unsigned n = 0;

	/* Hidden temporary files count too. */
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

START_TEST(fcopy_uio__negotiates_then_copies)
{
	/* A UTF-16 name beyond the BMP: "données-😀.bin". */
	const char *name = "donn\xc3\xa9" "es-\xf0\x9f\x98\x80.bin";
	struct ic_version fw, srv;

	ck_assert_int_eq(fcopy_host_negotiate(host, &fw, &srv, TIMEOUT_MS), 0);
	ck_assert_uint_eq(fw.major, 3);
	ck_assert_uint_eq(fw.minor, 0);
	ck_assert_uint_eq(srv.major, 1);
	ck_assert_uint_eq(srv.minor, 1);

	ck_assert_uint_eq(start(name, 0, 200000), HV_S_OK);
	send_data(200000, 1);
	ck_assert_uint_eq(simple(HV_FCOPY_COMPLETE), HV_S_OK);
	expect_file(name, 200000, 1);

	/* Once more without OVER_WRITE: refused; with it: replaced. */
	ck_assert_uint_eq(start(name, 0, 10), HV_ERROR_ALREADY_EXISTS);
	ck_assert_uint_eq(start(name, HV_FCOPY_OVER_WRITE, 10), HV_S_OK);
	send_data(10, 2);
	ck_assert_uint_eq(simple(HV_FCOPY_COMPLETE), HV_S_OK);
	expect_file(name, 10, 2);
	ck_assert_uint_eq(dst_entries(), 1);
}
END_TEST

/*
 * The host's UTF-16 names with controls: C1 (U+0085 NEL, U+009B CSI,
 * U+0080, U+009F) is refused exactly like C0 and DEL, with HV_INVALIDARG,
 * in the name and in the directory; U+00A0 past them is text.
 */
START_TEST(fcopy_uio__refuses_names_with_controls)
{
	static const char *const names[] = { "nel\xc2\x85.txt", "csi\xc2\x9b" "2J.txt",
					      "\xc2\x80", "end\xc2\x9f", "nl\nname", "del\x7f" };
	struct hv_fcopy_start m;
	char path[800];

	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		ck_assert_uint_eq(start(names[i], HV_FCOPY_CREATE_PATH, 1), HV_INVALIDARG);
	snprintf(path, sizeof(path), "%s/sub\xc2\x9b", dst);
	ck_assert_int_eq(fcopy_build_start(&m, true, path, "ok", HV_FCOPY_CREATE_PATH, 1), 0);
	ck_assert_uint_eq(request(&m, sizeof(m)), HV_INVALIDARG);
	ck_assert_uint_eq(dst_entries(), 0);

	ck_assert_uint_eq(start("nbsp\xc2\xa0.txt", 0, 5), HV_S_OK);
	send_data(5, 7);
	ck_assert_uint_eq(simple(HV_FCOPY_COMPLETE), HV_S_OK);
	expect_file("nbsp\xc2\xa0.txt", 5, 7);
}
END_TEST

/* Queue a request without waiting for its answer. */
static void enqueue(uint8_t *buf, uint64_t id, uint16_t type, const void *body, size_t len)
{
	const struct ic_version frame = { 3, 0 }, ver = { 1, 1 };
	int n = ic_build_request(buf, RING, type, frame, ver, (uint8_t)id, body, len);

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(fcopy_host_send(host, buf, (size_t)n, id, TIMEOUT_MS), 0);
}

static uint32_t answer(uint64_t want_id)
{
	static uint8_t buf[RING];
	uint64_t id = 0;
	struct ic_msg m;
	int n;

	n = fcopy_host_recv(host, buf, sizeof(buf), &id, TIMEOUT_MS);
	ck_assert_int_gt(n, 0);
	ck_assert_uint_eq(id, want_id);
	ck_assert_int_eq(ic_msg_parse(buf, (size_t)n, &m), 0);
	ck_assert_uint_eq(m.hdr->icflags, IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE);
	return m.hdr->status;
}

START_TEST(fcopy_uio__drains_back_to_back_packets)
{
	static uint8_t buf[RING];
	struct hv_fcopy_start s;
	struct hv_fcopy_write w;
	struct hv_fcopy_hdr h;

	/* The host signals only the first; the daemon must serve all four. */
	ck_assert_int_eq(fcopy_build_start(&s, true, dst, "burst", 0, 100), 0);
	enqueue(buf, 11, IC_MSGTYPE_FCOPY, &s, sizeof(s));
	fcopy_build_write(&w, 0, "0123456789", 10);
	memset(w.data + 10, 'z', 90);
	w.size = 100;
	/* A WRITE cut after its data, as the packet needs no more. */
	enqueue(buf, 12, IC_MSGTYPE_FCOPY, &w, offsetof(struct hv_fcopy_write, data) + 100);
	fcopy_build_simple(&h, HV_FCOPY_COMPLETE);
	enqueue(buf, 13, IC_MSGTYPE_FCOPY, &h, sizeof(h));
	enqueue(buf, 14, IC_MSGTYPE_HEARTBEAT, "\0\0\0\0\0\0\0\0", 8);

	ck_assert_uint_eq(answer(11), HV_S_OK);
	ck_assert_uint_eq(answer(12), HV_S_OK);
	ck_assert_uint_eq(answer(13), HV_S_OK);
	/* Not a file copy message: answered, with a failure. */
	ck_assert_uint_eq(answer(14), HV_E_FAIL);
}
END_TEST

START_TEST(fcopy_uio__full_tx_ring_waits_for_room)
{
	static uint8_t buf[RING];
	struct hv_fcopy_hdr h;
	uint64_t id = 100;

	fcopy_build_simple(&h, HV_FCOPY_CANCEL);
	/* Each answer takes 88 bytes of the 12 KiB TX ring: 100 fit... */
	for (int i = 0; i < 100; i++)
		enqueue(buf, id++, IC_MSGTYPE_FCOPY, &h, sizeof(h));
	/* ...and the next 100 do not, until the host reads. */
	for (int i = 0; i < 100; i++)
		enqueue(buf, id++, IC_MSGTYPE_FCOPY, &h, sizeof(h));
	for (int tries = 0; !fcopy_host_guest_pending_send(host) && tries < 2000; tries++)
		usleep(1000);
	ck_assert_uint_eq(fcopy_host_guest_pending_send(host), 88);

	for (uint64_t want = 100; want < id; want++)
		ck_assert_uint_eq(answer(want), HV_S_OK);
	/* The daemon cleared its request once the answers went through. */
	ck_assert_uint_eq(fcopy_host_guest_pending_send(host), 0);
	ck_assert_uint_eq(simple(HV_FCOPY_CANCEL), HV_S_OK);
}
END_TEST

START_TEST(fcopy_uio__rescind_exits_cleanly_and_keeps_old_file)
{
	char path[800], *s;

	snprintf(path, sizeof(path), "%s/old", dst);
	tl_write_file(path, "old contents");
	ck_assert_uint_eq(start("old", HV_FCOPY_OVER_WRITE, 100000), HV_S_OK);
	send_data(50000, 3);
	fcopy_host_rescind(host);
	ck_assert_int_eq(tl_wait(daemon_pid, TIMEOUT_MS), 0);
	daemon_pid = 0;
	s = tl_read_file(path, NULL);
	ck_assert_str_eq(s, "old contents");
	free(s);
	ck_assert_uint_eq(dst_entries(), 1);
}
END_TEST

START_TEST(fcopy_uio__corrupt_ring_is_an_error_not_a_crash)
{
	ck_assert_int_eq(fcopy_host_corrupt_ring(host), 0);
	/* Exit status 1, not a signal; a wrapper's 99 would be a leak or bad access. */
	ck_assert_int_eq(tl_wait(daemon_pid, TIMEOUT_MS), 1);
	daemon_pid = 0;
}
END_TEST

START_TEST(fcopy_uio__sigterm_mid_copy_leaves_nothing)
{
	ck_assert_uint_eq(start("partial", 0, 100000), HV_S_OK);
	send_data(30000, 4);
	ck_assert_int_eq(tl_kill_wait(daemon_pid, SIGTERM, TIMEOUT_MS), 0);
	daemon_pid = 0;
	ck_assert_uint_eq(dst_entries(), 0);
}
END_TEST

/* Rescind, then bring the device back: fresh rings, a new daemon. */
static void restart_daemon(void)
{
	fcopy_host_rescind(host);
	ck_assert_int_eq(tl_wait(daemon_pid, TIMEOUT_MS), 0);
	host = fcopy_host_free(host);
	host = fcopy_host_new(dir, RING);
	ck_assert_ptr_nonnull(host);
	start_daemon();
}

START_TEST(fcopy_uio__restart_after_rescind_serves_again)
{
	ck_assert_uint_eq(simple(HV_FCOPY_CANCEL), HV_S_OK);
	restart_daemon();
	ck_assert_uint_eq(start("again", 0, 5), HV_S_OK);
	send_data(5, 5);
	ck_assert_uint_eq(simple(HV_FCOPY_COMPLETE), HV_S_OK);
	expect_file("again", 5, 5);
}
END_TEST

START_TEST(fcopy_uio__idle_copy_is_discarded)
{
	struct hv_fcopy_write w;

	tl_write_file(conf, "[Copy]\nIdleTimeout=1s\n");
	restart_daemon();
	ck_assert_uint_eq(start("stalled", 0, 100000), HV_S_OK);
	send_data(10000, 6);
	/* The host goes quiet; the timer has a second of slack. */
	sleep(3);
	/* The copy is gone: the next chunk has nowhere to go. */
	fcopy_build_write(&w, 10000, "more", 4);
	ck_assert_uint_eq(request(&w, sizeof(w)), HV_E_FAIL);
	ck_assert_uint_eq(dst_entries(), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fcopy_uio");
	TCase *tc = tcase_create("fcopy_uio");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, fcopy_uio__negotiates_then_copies);
	tcase_add_test(tc, fcopy_uio__refuses_names_with_controls);
	tcase_add_test(tc, fcopy_uio__drains_back_to_back_packets);
	tcase_add_test(tc, fcopy_uio__full_tx_ring_waits_for_room);
	tcase_add_test(tc, fcopy_uio__rescind_exits_cleanly_and_keeps_old_file);
	tcase_add_test(tc, fcopy_uio__corrupt_ring_is_an_error_not_a_crash);
	tcase_add_test(tc, fcopy_uio__sigterm_mid_copy_leaves_nothing);
	tcase_add_test(tc, fcopy_uio__restart_after_rescind_serves_again);
	tcase_add_test(tc, fcopy_uio__idle_copy_is_discarded);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
