// SPDX-License-Identifier: MIT
/*
 * The VMBus ring buffer: packets in and out with wrap-around, a full ring,
 * interrupt mask and pending_send_sz signalling, and every kind of corrupt
 * ring the peer could present.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hyperv/vmbus.h>

#include "testlib.h"
#include "vmbus-ring.h"

#define RING_BYTES (3 * 4096) /* 8192 bytes of data */

static uint8_t *mem;
static struct vmbus_ring wr, rd;
static uint8_t buf[RING_BYTES];

static struct vmbus_ring_ctl *ctl(void)
{
	return (struct vmbus_ring_ctl *)mem;
}

static uint8_t *data(void)
{
	return mem + VMBUS_RING_CTL_SIZE;
}

static void setup(void)
{
	mem = aligned_alloc(4096, RING_BYTES);
	ck_assert_ptr_nonnull(mem);
	memset(mem, 0xa5, RING_BYTES);
	vmbus_ring_init(mem, RING_BYTES);
	ck_assert_int_eq(vmbus_ring_attach(&wr, mem, RING_BYTES, VMBUS_RING_WRITER), 0);
	ck_assert_int_eq(vmbus_ring_attach(&rd, mem, RING_BYTES, VMBUS_RING_READER), 0);
}

static void teardown(void)
{
	free(mem);
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31u + i * 7u);
}

static int send_n(size_t n, unsigned seed, bool *signal)
{
	uint8_t payload[RING_BYTES];
	bool ignored;

	fill(payload, n, seed);
	return vmbus_ring_send(&wr, VMBUS_PKT_DATA_INBAND, 0, seed, payload, (uint32_t)n,
			       signal ? signal : &ignored);
}

static void expect_packet(size_t n, unsigned seed)
{
	struct vmbus_packet pkt;
	uint8_t want[RING_BYTES];

	ck_assert_int_eq(vmbus_ring_recv(&rd, buf, sizeof(buf), &pkt), 0);
	ck_assert_uint_eq(pkt.type, VMBUS_PKT_DATA_INBAND);
	ck_assert_uint_eq(pkt.trans_id, seed);
	ck_assert_uint_eq(pkt.offset, 16);
	ck_assert_uint_eq(pkt.len, 16 + ((n + 7) & ~(size_t)7));
	fill(want, n, seed);
	ck_assert_mem_eq(buf + pkt.offset, want, n);
	/* Padding is zeroed, not stale ring bytes. */
	for (size_t i = n; i < pkt.len - pkt.offset; i++)
		ck_assert_uint_eq(buf[pkt.offset + i], 0);
}

START_TEST(vmbus_ring__attach_rejects_bad_geometry)
{
	struct vmbus_ring r;

	ck_assert_int_eq(vmbus_ring_attach(&r, mem, 4096, VMBUS_RING_READER), -EINVAL);
	ck_assert_int_eq(vmbus_ring_attach(&r, mem, RING_BYTES - 8, VMBUS_RING_READER), -EINVAL);
	ck_assert_int_eq(vmbus_ring_attach(&r, mem + 4, 2 * 4096, VMBUS_RING_READER), -EINVAL);
	ck_assert_int_eq(vmbus_ring_attach(&r, NULL, RING_BYTES, VMBUS_RING_READER), -EINVAL);
	ctl()->read_index = 8192;
	ck_assert_int_eq(vmbus_ring_attach(&r, mem, RING_BYTES, VMBUS_RING_READER), -EBADMSG);
	ctl()->read_index = 12;
	ck_assert_int_eq(vmbus_ring_attach(&r, mem, RING_BYTES, VMBUS_RING_READER), -EBADMSG);
	ctl()->read_index = 0;
	ctl()->write_index = 1 << 20;
	ck_assert_int_eq(vmbus_ring_attach(&r, mem, RING_BYTES, VMBUS_RING_WRITER), -EBADMSG);
}
END_TEST

START_TEST(vmbus_ring__send_then_recv_roundtrip)
{
	struct vmbus_packet pkt;

	ck_assert_int_eq(vmbus_ring_recv(&rd, buf, sizeof(buf), &pkt), -EAGAIN);
	ck_assert_int_eq(send_n(0, 1, NULL), 0);
	ck_assert_int_eq(send_n(1, 2, NULL), 0);
	ck_assert_int_eq(send_n(13, 3, NULL), 0);
	ck_assert_int_eq(send_n(64, 4, NULL), 0);
	expect_packet(0, 1);
	expect_packet(1, 2);
	expect_packet(13, 3);
	expect_packet(64, 4);
	ck_assert_int_eq(vmbus_ring_recv(&rd, buf, sizeof(buf), &pkt), -EAGAIN);
	(void)vmbus_ring_recv_done(&rd);
	ck_assert_uint_eq(ctl()->read_index, ctl()->write_index);
}
END_TEST

START_TEST(vmbus_ring__sendv_gathers_buffers)
{
	const struct vmbus_ring_buf bufs[] = {
		{ "abc", 3 }, { "", 0 }, { "defgh", 5 }, { "ij", 2 },
	};
	struct vmbus_packet pkt;
	bool signal;

	ck_assert_int_eq(vmbus_ring_sendv(&wr, VMBUS_PKT_COMPLETION, 1, 77, bufs, 4, &signal), 0);
	ck_assert_int_eq(vmbus_ring_recv(&rd, buf, sizeof(buf), &pkt), 0);
	ck_assert_uint_eq(pkt.type, VMBUS_PKT_COMPLETION);
	ck_assert_uint_eq(pkt.flags, 1);
	ck_assert_uint_eq(pkt.trans_id, 77);
	ck_assert_mem_eq(buf + pkt.offset, "abcdefghij", 10);
}
END_TEST

START_TEST(vmbus_ring__wraps_around_the_end)
{
	struct vmbus_packet pkt;
	size_t sizes[] = { 1000, 333, 4000, 17, 2048, 5000, 8, 700 };

	/* Many passes over the ring with odd sizes: every split position. */
	for (unsigned i = 0; i < 2000; i++) {
		size_t n = sizes[i % 8] + i % 13;

		ck_assert_int_eq(send_n(n, i, NULL), 0);
		expect_packet(n, i);
		(void)vmbus_ring_recv_done(&rd);
	}
	ck_assert_int_eq(vmbus_ring_recv(&rd, buf, sizeof(buf), &pkt), -EAGAIN);
	/* The trailer of a packet split across the end still names its start. */
	ck_assert_uint_lt(ctl()->write_index, 8192);
}
END_TEST

START_TEST(vmbus_ring__full_ring_refuses_then_accepts)
{
	uint32_t free_bytes;
	unsigned sent = 0;
	int r;

	/* 1000-byte payloads take 1024 ring bytes each. */
	while ((r = send_n(1000, sent, NULL)) == 0)
		sent++;
	ck_assert_int_eq(r, -EAGAIN);
	/* 8192 bytes: seven fit (7168), an eighth would leave no gap. */
	ck_assert_uint_eq(sent, 7);
	ck_assert_int_eq(vmbus_ring_bytes_to_write(&wr, &free_bytes), 0);
	ck_assert_uint_eq(free_bytes, 1024);
	/* A packet of exactly the free space would fill the ring: refused. */
	ck_assert_int_eq(send_n(1000, 99, NULL), -EAGAIN);
	ck_assert_int_eq(send_n(992, 99, NULL), 0);

	expect_packet(1000, 0);
	(void)vmbus_ring_recv_done(&rd);
	ck_assert_int_eq(send_n(1000, 100, NULL), 0);
	for (unsigned i = 1; i < 7; i++)
		expect_packet(1000, i);
	expect_packet(992, 99);
	expect_packet(1000, 100);
}
END_TEST

START_TEST(vmbus_ring__oversized_packet_is_emsgsize)
{
	ck_assert_uint_eq(vmbus_ring_max_payload(&wr), 8192 - 8 - 16 - 8);
	ck_assert_int_eq(send_n(vmbus_ring_max_payload(&wr) + 1, 1, NULL), -EMSGSIZE);
	ck_assert_int_eq(send_n(vmbus_ring_max_payload(&wr), 1, NULL), 0);
	expect_packet(vmbus_ring_max_payload(&wr), 1);
}
END_TEST

START_TEST(vmbus_ring__small_buffer_is_enobufs_and_keeps_packet)
{
	struct vmbus_packet pkt;

	ck_assert_int_eq(send_n(100, 5, NULL), 0);
	ck_assert_int_eq(vmbus_ring_recv(&rd, buf, 64, &pkt), -ENOBUFS);
	ck_assert_uint_eq(pkt.len, 16 + 104);
	expect_packet(100, 5);
}
END_TEST

/* Write raw bytes into the data area as a peer would, then publish. */
static void raw_packet(uint32_t at, uint16_t offset8, uint16_t len8, uint64_t trailer,
		       uint32_t publish)
{
	struct vmbus_packet_desc d = { .type = 6, .offset8 = offset8, .len8 = len8 };

	memcpy(data() + at, &d, sizeof(d));
	if (at + len8 * 8u + 8 <= 8192)
		memcpy(data() + at + len8 * 8u, &trailer, 8);
	ctl()->write_index = publish;
}

START_TEST(vmbus_ring__malformed_descriptors_are_ebadmsg)
{
	struct vmbus_packet pkt;

	/* Length past the data published. */
	raw_packet(0, 2, 10, 0, 64);
	ck_assert_int_eq(vmbus_ring_recv(&rd, buf, sizeof(buf), &pkt), -EBADMSG);
	/* Length past the whole ring. */
	raw_packet(0, 2, 0xffff, 0, 64);
	ck_assert_int_eq(vmbus_ring_recv(&rd, buf, sizeof(buf), &pkt), -EBADMSG);
	/* Header shorter than a descriptor. */
	raw_packet(0, 1, 4, 0, 40);
	ck_assert_int_eq(vmbus_ring_recv(&rd, buf, sizeof(buf), &pkt), -EBADMSG);
	/* Payload offset past the packet. */
	raw_packet(0, 5, 4, 0, 40);
	ck_assert_int_eq(vmbus_ring_recv(&rd, buf, sizeof(buf), &pkt), -EBADMSG);
	/* Total length shorter than a descriptor. */
	raw_packet(0, 0, 1, 0, 40);
	ck_assert_int_eq(vmbus_ring_recv(&rd, buf, sizeof(buf), &pkt), -EBADMSG);
	/* Nothing was consumed by any of these. */
	ck_assert_uint_eq(ctl()->read_index, 0);
	/* The well-formed version of the same packet is accepted. */
	raw_packet(0, 2, 4, 0, 40);
	ck_assert_int_eq(vmbus_ring_recv(&rd, buf, sizeof(buf), &pkt), 0);
}
END_TEST

START_TEST(vmbus_ring__partial_packet_is_ebadmsg)
{
	struct vmbus_packet pkt;

	/* Fewer bytes published than a descriptor and trailer. */
	raw_packet(0, 2, 2, 0, 16);
	ck_assert_int_eq(vmbus_ring_recv(&rd, buf, sizeof(buf), &pkt), -EBADMSG);
	/* A descriptor whose trailer is not published yet. */
	raw_packet(0, 2, 4, 0, 32);
	ck_assert_int_eq(vmbus_ring_recv(&rd, buf, sizeof(buf), &pkt), -EBADMSG);
}
END_TEST

START_TEST(vmbus_ring__trailer_is_not_trusted)
{
	struct vmbus_packet pkt;

	/*
	 * QEMU's VMBus host never writes the trailer: whatever the ring held
	 * there before must not stop the reader, and must not move it.
	 */
	raw_packet(0, 2, 4, (uint64_t)8 << 32, 40);
	ck_assert_int_eq(vmbus_ring_recv(&rd, buf, sizeof(buf), &pkt), 0);
	ck_assert_uint_eq(pkt.len, 32);
	ck_assert_uint_eq(rd.pos, 40);
}
END_TEST

START_TEST(vmbus_ring__bad_indices_are_ebadmsg)
{
	struct vmbus_packet pkt;
	uint32_t n;

	ctl()->write_index = 8192;
	ck_assert_int_eq(vmbus_ring_recv(&rd, buf, sizeof(buf), &pkt), -EBADMSG);
	ck_assert_int_eq(vmbus_ring_bytes_to_read(&rd, &n), -EBADMSG);
	ctl()->write_index = 4;
	ck_assert_int_eq(vmbus_ring_recv(&rd, buf, sizeof(buf), &pkt), -EBADMSG);
	ctl()->write_index = 0;

	ctl()->read_index = 0xfffffff8;
	ck_assert_int_eq(send_n(8, 1, NULL), -EBADMSG);
	ck_assert_int_eq(vmbus_ring_bytes_to_write(&wr, &n), -EBADMSG);
	ctl()->read_index = 3;
	ck_assert_int_eq(send_n(8, 1, NULL), -EBADMSG);
	/* The writer keeps its own index: a peer moving write_index is ignored. */
	ctl()->read_index = 0;
	ctl()->write_index = 4096;
	ck_assert_int_eq(send_n(8, 1, NULL), 0);
	ck_assert_uint_eq(ctl()->write_index, 32);
}
END_TEST

START_TEST(vmbus_ring__signals_only_idle_unmasked_reader)
{
	bool signal;

	/* Empty ring, reader listening: signal. */
	ck_assert_int_eq(send_n(8, 1, &signal), 0);
	ck_assert(signal);
	/* Not empty any more: the reader is already awake. */
	ck_assert_int_eq(send_n(8, 2, &signal), 0);
	ck_assert(!signal);
	expect_packet(8, 1);
	expect_packet(8, 2);
	(void)vmbus_ring_recv_done(&rd);

	/* Masked reader: no signal, and unmask reports the data. */
	vmbus_ring_mask(&rd);
	ck_assert_int_eq(send_n(8, 3, &signal), 0);
	ck_assert(!signal);
	ck_assert(vmbus_ring_unmask(&rd));
	expect_packet(8, 3);
	(void)vmbus_ring_recv_done(&rd);
	ck_assert(!vmbus_ring_unmask(&rd));
	ck_assert_int_eq(send_n(8, 4, &signal), 0);
	ck_assert(signal);
}
END_TEST

START_TEST(vmbus_ring__pending_send_size_signals_once_on_room)
{
	unsigned sent = 0;
	uint32_t need = vmbus_packet_size(3000);

	while (send_n(1000, sent, NULL) == 0)
		sent++;
	ck_assert_int_eq(send_n(3000, 50, NULL), -EAGAIN);
	ck_assert(!vmbus_ring_want_space(&wr, need));
	ck_assert_uint_eq(ctl()->pending_send_sz, need);

	/* 1024 + 1024 free: not enough for 3032 bytes and the gap. */
	expect_packet(1000, 0);
	ck_assert(!vmbus_ring_recv_done(&rd));
	/* 3072 free > 3032: the transition signals, once. */
	expect_packet(1000, 1);
	ck_assert(vmbus_ring_recv_done(&rd));
	expect_packet(1000, 2);
	ck_assert(!vmbus_ring_recv_done(&rd));

	ck_assert(vmbus_ring_want_space(&wr, need));
	ck_assert_int_eq(send_n(3000, 50, NULL), 0);
	vmbus_ring_clear_want_space(&wr);
	ck_assert_uint_eq(ctl()->pending_send_sz, 0);
}
END_TEST

START_TEST(vmbus_ring__pending_send_size_needs_feature_bit)
{
	unsigned sent = 0;

	ctl()->feature_bits = 0;
	while (send_n(1000, sent, NULL) == 0)
		sent++;
	(void)vmbus_ring_want_space(&wr, vmbus_packet_size(1000));
	for (unsigned i = 0; i < sent; i++) {
		expect_packet(1000, i);
		ck_assert(!vmbus_ring_recv_done(&rd));
	}
}
END_TEST

/* Two threads, one per end: ordering holds under real concurrency. */
#define STRESS_PACKETS 200000

static void *stress_writer(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < STRESS_PACKETS; i++) {
		uint8_t payload[300];
		size_t n = 1 + i % 297;
		bool signal;
		int r;

		fill(payload, n, i);
		while ((r = vmbus_ring_send(&wr, 6, 0, i, payload, (uint32_t)n, &signal)) ==
		       -EAGAIN)
			;
		ck_assert_int_eq(r, 0);
	}
	return NULL;
}

START_TEST(vmbus_ring__concurrent_writer_and_reader)
{
	pthread_t t;
	unsigned got = 0;

	ck_assert_int_eq(pthread_create(&t, NULL, stress_writer, NULL), 0);
	while (got < STRESS_PACKETS) {
		struct vmbus_packet pkt;
		uint8_t want[300];
		size_t n = 1 + got % 297;
		int r = vmbus_ring_recv(&rd, buf, sizeof(buf), &pkt);

		if (r == -EAGAIN) {
			(void)vmbus_ring_recv_done(&rd);
			continue;
		}
		ck_assert_int_eq(r, 0);
		ck_assert_uint_eq(pkt.trans_id, got);
		fill(want, n, got);
		ck_assert_mem_eq(buf + pkt.offset, want, n);
		got++;
	}
	pthread_join(t, NULL);
}
END_TEST

/* The wire form of each class GUID spells the same GUID as its string. */
static void guid_to_string(const struct vmbus_guid *g, char out[37])
{
	const uint8_t *b = g->b;

	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

START_TEST(vmbus__class_guids_match_their_strings)
{
	static const struct {
		struct vmbus_guid guid;
		const char *str;
	} classes[] = {
		{ VMBUS_CLASS_NETWORK, VMBUS_CLASS_NETWORK_STR },
		{ VMBUS_CLASS_SCSI, VMBUS_CLASS_SCSI_STR },
		{ VMBUS_CLASS_IDE, VMBUS_CLASS_IDE_STR },
		{ VMBUS_CLASS_SHUTDOWN, VMBUS_CLASS_SHUTDOWN_STR },
		{ VMBUS_CLASS_TIMESYNC, VMBUS_CLASS_TIMESYNC_STR },
		{ VMBUS_CLASS_HEARTBEAT, VMBUS_CLASS_HEARTBEAT_STR },
		{ VMBUS_CLASS_KVP, VMBUS_CLASS_KVP_STR },
		{ VMBUS_CLASS_VSS, VMBUS_CLASS_VSS_STR },
		{ VMBUS_CLASS_FCOPY, VMBUS_CLASS_FCOPY_STR },
		{ VMBUS_CLASS_DM, VMBUS_CLASS_DM_STR },
	};
	char s[37];

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		guid_to_string(&classes[i].guid, s);
		ck_assert_str_eq(s, classes[i].str);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmbus_ring");
	TCase *tc = tcase_create("vmbus_ring");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, vmbus_ring__attach_rejects_bad_geometry);
	tcase_add_test(tc, vmbus_ring__send_then_recv_roundtrip);
	tcase_add_test(tc, vmbus_ring__sendv_gathers_buffers);
	tcase_add_test(tc, vmbus_ring__wraps_around_the_end);
	tcase_add_test(tc, vmbus_ring__full_ring_refuses_then_accepts);
	tcase_add_test(tc, vmbus_ring__oversized_packet_is_emsgsize);
	tcase_add_test(tc, vmbus_ring__small_buffer_is_enobufs_and_keeps_packet);
	tcase_add_test(tc, vmbus_ring__malformed_descriptors_are_ebadmsg);
	tcase_add_test(tc, vmbus_ring__partial_packet_is_ebadmsg);
	tcase_add_test(tc, vmbus_ring__trailer_is_not_trusted);
	tcase_add_test(tc, vmbus_ring__bad_indices_are_ebadmsg);
	tcase_add_test(tc, vmbus_ring__signals_only_idle_unmasked_reader);
	tcase_add_test(tc, vmbus_ring__pending_send_size_signals_once_on_room);
	tcase_add_test(tc, vmbus_ring__pending_send_size_needs_feature_bit);
	tcase_add_test(tc, vmbus_ring__concurrent_writer_and_reader);
	tcase_add_test(tc, vmbus__class_guids_match_their_strings);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
