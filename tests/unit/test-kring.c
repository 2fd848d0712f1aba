// SPDX-License-Identifier: MIT
/*
 * kernel/common/hvt_ring.h, the index arithmetic of hv_vmbus's ring buffers:
 * free/used space with and without wrap, full and empty rings, index
 * advance, and the checks that stand between host-written indices and
 * descriptors and any memory access. The last tests drive a ring mapped
 * twice back to back, as ring.c maps it, through the same helpers.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hvt_ring.h"
#include "testlib.h"

#define SIZE 8192u /* a data area of two pages */

START_TEST(kring__empty_ring_has_nothing_to_read)
{
	uint32_t len = 1, off = 2;

	for (uint32_t i = 0; i < SIZE; i += 8) {
		ck_assert_uint_eq(hvt_ring_avail_read(i, i, SIZE), 0);
		ck_assert_uint_eq(hvt_ring_avail_write(i, i, SIZE), SIZE);
		ck_assert_int_eq(hvt_ring_peek(i, i, SIZE, 2, 2, SIZE, &len, &off), HVT_RING_EMPTY);
	}
	ck_assert_uint_eq(len, 1);
	ck_assert_uint_eq(off, 2);
}
END_TEST

START_TEST(kring__space_counts_across_the_wrap)
{
	/* No wrap: reader behind writer. */
	ck_assert_uint_eq(hvt_ring_avail_read(64, 256, SIZE), 192);
	ck_assert_uint_eq(hvt_ring_avail_write(64, 256, SIZE), SIZE - 192);
	/* Writer wrapped: 16 bytes before the end, 32 after the start. */
	ck_assert_uint_eq(hvt_ring_avail_read(SIZE - 16, 32, SIZE), 48);
	ck_assert_uint_eq(hvt_ring_avail_write(SIZE - 16, 32, SIZE), SIZE - 48);
	/* Most a ring can hold: one gap of 8 bytes. */
	ck_assert_uint_eq(hvt_ring_avail_read(8, 0, SIZE), SIZE - 8);
	ck_assert_uint_eq(hvt_ring_avail_write(8, 0, SIZE), 8);
	ck_assert_uint_eq(hvt_ring_distance(SIZE - 8, 0, SIZE), 8);
	ck_assert_uint_eq(hvt_ring_distance(0, SIZE - 8, SIZE), SIZE - 8);
}
END_TEST

START_TEST(kring__advance_wraps_at_the_end)
{
	ck_assert_uint_eq(hvt_ring_advance(0, 24, SIZE), 24);
	ck_assert_uint_eq(hvt_ring_advance(SIZE - 8, 8, SIZE), 0);
	ck_assert_uint_eq(hvt_ring_advance(SIZE - 8, 24, SIZE), 16);
	ck_assert_uint_eq(hvt_ring_advance(0, SIZE, SIZE), 0);
	ck_assert_uint_eq(hvt_ring_advance(SIZE - 8, SIZE, SIZE), SIZE - 8);
	/* Near 4 GiB nothing overflows 32 bits. */
	ck_assert_uint_eq(hvt_ring_advance(0xfffffff0u, 0xfffffff0u, 0xfffffff8u), 0xffffffe8u);
	ck_assert_uint_eq(hvt_ring_advance(0xfffffff0u, 8, 0xfffffff8u), 0);
}
END_TEST

START_TEST(kring__full_ring_refuses_an_exact_fill)
{
	uint32_t free_bytes = hvt_ring_avail_write(1024, 512, SIZE);

	ck_assert_uint_eq(free_bytes, 512);
	/* Filling every byte would make read == write: looks empty. */
	ck_assert(!hvt_ring_can_write(1024, 512, SIZE, free_bytes));
	ck_assert(hvt_ring_can_write(1024, 512, SIZE, free_bytes - 8));
	ck_assert(!hvt_ring_can_write(0, 0, SIZE, SIZE));
	ck_assert(hvt_ring_can_write(0, 0, SIZE, SIZE - 8));
	/* A full ring (one gap left) takes nothing. */
	ck_assert(!hvt_ring_can_write(8, 0, SIZE, 8));
	ck_assert(!hvt_ring_can_write(8, 0, SIZE, HVT_RING_MIN_PACKET));
}
END_TEST

START_TEST(kring__bad_indices_are_refused)
{
	const uint32_t bad[] = { SIZE, SIZE + 8, 4, SIZE - 4, 0x80000000u, UINT32_MAX };
	uint32_t len = 7, off = 7;

	ck_assert(hvt_ring_index_ok(0, SIZE));
	ck_assert(hvt_ring_index_ok(SIZE - 8, SIZE));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert(!hvt_ring_index_ok(bad[i], SIZE));
		ck_assert(!hvt_ring_indices_ok(bad[i], 0, SIZE));
		ck_assert(!hvt_ring_indices_ok(0, bad[i], SIZE));
		ck_assert_int_eq(hvt_ring_peek(bad[i], 0, SIZE, 2, 2, SIZE, &len, &off),
				 HVT_RING_BAD_INDEX);
		ck_assert_int_eq(hvt_ring_peek(0, bad[i], SIZE, 2, 2, SIZE, &len, &off),
				 HVT_RING_BAD_INDEX);
	}
	/* Equal but out of range is not "empty". */
	ck_assert_int_eq(hvt_ring_peek(SIZE, SIZE, SIZE, 2, 2, SIZE, &len, &off),
			 HVT_RING_BAD_INDEX);
	/* A data area the arithmetic cannot work with. */
	ck_assert(!hvt_ring_size_ok(0));
	ck_assert(!hvt_ring_size_ok(16));
	ck_assert(!hvt_ring_size_ok(SIZE + 4));
	ck_assert(hvt_ring_size_ok(SIZE));
	ck_assert_int_eq(hvt_ring_peek(0, 0, 0, 2, 2, SIZE, &len, &off), HVT_RING_BAD_INDEX);
	ck_assert_uint_eq(len, 7);
	ck_assert_uint_eq(off, 7);
}
END_TEST

START_TEST(kring__bad_descriptors_are_refused)
{
	uint32_t len = 7, off = 7;

	/* 64 bytes published at 0. */
	ck_assert_int_eq(hvt_ring_peek(0, 64, SIZE, 2, 0, SIZE, &len, &off), HVT_RING_BAD_LEN);
	ck_assert_int_eq(hvt_ring_peek(0, 64, SIZE, 2, 1, SIZE, &len, &off), HVT_RING_BAD_LEN);
	ck_assert_int_eq(hvt_ring_peek(0, 64, SIZE, 0, 4, SIZE, &len, &off), HVT_RING_BAD_OFFSET);
	ck_assert_int_eq(hvt_ring_peek(0, 64, SIZE, 1, 4, SIZE, &len, &off), HVT_RING_BAD_OFFSET);
	ck_assert_int_eq(hvt_ring_peek(0, 64, SIZE, 5, 4, SIZE, &len, &off), HVT_RING_BAD_OFFSET);
	ck_assert_int_eq(hvt_ring_peek(0, 64, SIZE, 0xffff, 0xffff, UINT32_MAX, &len, &off),
			 HVT_RING_TRUNCATED);
	/* 56 + 8 fits in 64; 64 leaves no room for the trailer. */
	ck_assert_int_eq(hvt_ring_peek(0, 64, SIZE, 2, 8, SIZE, &len, &off), HVT_RING_TRUNCATED);
	/* Less than descriptor + trailer published. */
	ck_assert_int_eq(hvt_ring_peek(0, 8, SIZE, 2, 2, SIZE, &len, &off), HVT_RING_SHORT);
	ck_assert_int_eq(hvt_ring_peek(0, 16, SIZE, 2, 2, SIZE, &len, &off), HVT_RING_SHORT);
	/* Larger than the reader can hold (pkt_buffer). */
	ck_assert_int_eq(hvt_ring_peek(0, 64, SIZE, 2, 7, 48, &len, &off), HVT_RING_TOO_BIG);
	/* The same checks across the wrap: 16 bytes before the end, 48 after. */
	ck_assert_int_eq(hvt_ring_peek(SIZE - 16, 48, SIZE, 2, 8, SIZE, &len, &off),
			 HVT_RING_TRUNCATED);
	ck_assert_uint_eq(len, 7);
	ck_assert_uint_eq(off, 7);
}
END_TEST

START_TEST(kring__well_formed_packets_are_accepted)
{
	uint32_t len = 0, off = 0;

	ck_assert_int_eq(hvt_ring_peek(0, 64, SIZE, 2, 7, SIZE, &len, &off), HVT_RING_OK);
	ck_assert_uint_eq(len, 56);
	ck_assert_uint_eq(off, 16);
	/* Exactly the reader's limit. */
	ck_assert_int_eq(hvt_ring_peek(0, 64, SIZE, 3, 7, 56, &len, &off), HVT_RING_OK);
	ck_assert_uint_eq(off, 24);
	/* No payload at all: offset == len. */
	ck_assert_int_eq(hvt_ring_peek(0, 24, SIZE, 2, 2, SIZE, &len, &off), HVT_RING_OK);
	ck_assert_uint_eq(len, 16);
	ck_assert_uint_eq(off, 16);
	/* Across the wrap. */
	ck_assert_int_eq(hvt_ring_peek(SIZE - 16, 48, SIZE, 2, 7, SIZE, &len, &off), HVT_RING_OK);
	ck_assert_uint_eq(len, 56);
	ck_assert_uint_eq(hvt_ring_advance(SIZE - 16, len + HVT_RING_TRAILER_SIZE, SIZE), 48);
}
END_TEST

START_TEST(kring__reader_signals_only_on_the_transition)
{
	/* The host waits for more than 1000 bytes. */
	ck_assert(hvt_ring_read_should_signal(1008, 100, 1000));
	ck_assert(hvt_ring_read_should_signal(1008, 1008, 1000));
	/* Before the read it already had enough: it was not waiting. */
	ck_assert(!hvt_ring_read_should_signal(2000, 100, 1000));
	/* After the read, still not enough; exactly the size asked is not enough. */
	ck_assert(!hvt_ring_read_should_signal(900, 100, 1000));
	ck_assert(!hvt_ring_read_should_signal(1000, 100, 1000));
	/* Nobody waiting. */
	ck_assert(!hvt_ring_read_should_signal(SIZE, SIZE, 0));
	/* Impossible inputs do not underflow: assume the host was waiting. */
	ck_assert(hvt_ring_read_should_signal(1008, UINT32_MAX, 1000));
}
END_TEST

START_TEST(kring__status_strings_are_distinct)
{
	for (int a = HVT_RING_OK; a <= HVT_RING_TOO_BIG; a++) {
		ck_assert_ptr_nonnull(hvt_ring_status_str(a));
		for (int b = a + 1; b <= HVT_RING_TOO_BIG; b++)
			ck_assert_str_ne(hvt_ring_status_str(a), hvt_ring_status_str(b));
	}
	ck_assert_str_eq(hvt_ring_status_str((enum hvt_ring_status)99), "unknown");
}
END_TEST

/* ---- a ring mapped twice, as ring.c maps it ------------------------------ */

/* PROT_NONE guard, data, data again (same pages), PROT_NONE guard. */
static uint8_t *map_twice(uint32_t size, void **ret_base)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd = memfd_create("kring", MFD_CLOEXEC);
	uint8_t *base, *data;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, size), 0);
	base = mmap(NULL, 2 * size + 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(base, MAP_FAILED);
	data = base + page;
	ck_assert_ptr_ne(mmap(data, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0),
			 MAP_FAILED);
	ck_assert_ptr_ne(mmap(data + size, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
			      fd, 0),
			 MAP_FAILED);
	close(fd);
	*ret_base = base;
	return data;
}

static void unmap_twice(void *base, uint32_t size)
{
	munmap(base, 2 * size + 2 * sysconf(_SC_PAGESIZE));
}

/* What hv_ringbuffer_write() does: descriptor + payload + pad + trailer. */
static int put(uint8_t *data, uint32_t size, uint32_t read, uint32_t *write,
	       const uint8_t *payload, uint32_t n)
{
	uint32_t padded = (n + 7) & ~7u;
	uint32_t total = HVT_RING_DESC_SIZE + padded + HVT_RING_TRAILER_SIZE;
	uint8_t desc[HVT_RING_DESC_SIZE] = { 6, 0, 2, 0 };
	uint64_t trailer = (uint64_t)*write << 32;
	uint32_t w = *write;

	if (!hvt_ring_can_write(read, w, size, total))
		return -1;
	desc[4] = (uint8_t)((HVT_RING_DESC_SIZE + padded) / 8);
	desc[5] = (uint8_t)((HVT_RING_DESC_SIZE + padded) / 8 >> 8);
	memcpy(data + w, desc, sizeof(desc));
	memcpy(data + w + sizeof(desc), payload, n);
	memset(data + w + sizeof(desc) + n, 0, padded - n);
	memcpy(data + w + sizeof(desc) + padded, &trailer, sizeof(trailer));
	*write = hvt_ring_advance(w, total, size);
	return 0;
}

/* What ring_peek() + hv_ringbuffer_read() do; returns the payload length. */
static int take(const uint8_t *data, uint32_t size, uint32_t *read, uint32_t write,
		uint8_t *out, uint32_t limit)
{
	uint16_t desc[4];
	uint32_t len, off;
	enum hvt_ring_status st;

	memcpy(desc, data + *read, sizeof(desc));
	st = hvt_ring_peek(*read, write, size, desc[1], desc[2], limit, &len, &off);
	if (st != HVT_RING_OK)
		return -(int)st;
	memcpy(out, data + *read + off, len - off);
	*read = hvt_ring_advance(*read, len + HVT_RING_TRAILER_SIZE, size);
	return (int)(len - off);
}

START_TEST(kring__double_mapping_makes_wrapped_packets_contiguous)
{
	static const uint32_t sizes[] = { 1000, 333, 4000, 17, 2048, 5000, 8, 0, 700 };
	uint8_t payload[SIZE], out[SIZE];
	uint32_t read = 0, write = 0, wraps = 0;
	void *base;
	uint8_t *data = map_twice(SIZE, &base);

	/* The second mapping shows the same bytes. */
	data[5] = 0x5a;
	ck_assert_uint_eq(data[SIZE + 5], 0x5a);

	for (uint32_t i = 0; i < 3000; i++) {
		uint32_t n = sizes[i % 9] + i % 13;
		uint32_t before = write;

		for (uint32_t j = 0; j < n; j++)
			payload[j] = (uint8_t)(i * 31 + j * 7);
		ck_assert_int_eq(put(data, SIZE, read, &write, payload, n), 0);
		if (write < before)
			wraps++;
		ck_assert_int_eq(take(data, SIZE, &read, write, out, SIZE), (int)((n + 7) & ~7u));
		ck_assert_mem_eq(out, payload, n);
		ck_assert_uint_eq(read, write);
	}
	ck_assert_uint_gt(wraps, 100);
	ck_assert_int_eq(take(data, SIZE, &read, write, out, SIZE), -HVT_RING_EMPTY);
	unmap_twice(base, SIZE);
}
END_TEST

START_TEST(kring__ring_fills_then_drains_in_order)
{
	uint8_t payload[1000], out[SIZE];
	uint32_t read = 0, write = 0, sent = 0;
	void *base;
	uint8_t *data = map_twice(SIZE, &base);

	memset(payload, 0xab, sizeof(payload));
	/* 1000 bytes take 16 + 1000 + 8 = 1024: seven fit, an eighth would fill it. */
	while (put(data, SIZE, read, &write, payload, sizeof(payload)) == 0)
		sent++;
	ck_assert_uint_eq(sent, 7);
	ck_assert_uint_eq(hvt_ring_avail_write(read, write, SIZE), 1024);
	ck_assert_int_eq(put(data, SIZE, read, &write, payload, 992), 0);
	ck_assert_uint_eq(hvt_ring_avail_write(read, write, SIZE), 8);
	/* Too small a reader buffer: refused, nothing consumed. */
	ck_assert_int_eq(take(data, SIZE, &read, write, out, 64), -HVT_RING_TOO_BIG);
	ck_assert_uint_eq(read, 0);
	for (uint32_t i = 0; i < 7; i++)
		ck_assert_int_eq(take(data, SIZE, &read, write, out, SIZE), 1000);
	ck_assert_int_eq(take(data, SIZE, &read, write, out, SIZE), 992);
	ck_assert_int_eq(take(data, SIZE, &read, write, out, SIZE), -HVT_RING_EMPTY);
	unmap_twice(base, SIZE);
}
END_TEST

START_TEST(kring__corrupt_ring_is_refused_before_any_access)
{
	uint8_t payload[64] = { 1 }, out[SIZE];
	uint32_t read = 0, write = 0;
	void *base;
	uint8_t *data = map_twice(SIZE, &base);

	ck_assert_int_eq(put(data, SIZE, read, &write, payload, sizeof(payload)), 0);
	/* The host claims a packet far longer than what it published. */
	data[4] = 0xff;
	data[5] = 0xff;
	ck_assert_int_eq(take(data, SIZE, &read, write, out, UINT32_MAX), -HVT_RING_TRUNCATED);
	data[4] = 10;
	data[5] = 0;
	data[2] = 11; /* payload offset past the end of the 80-byte packet */
	ck_assert_int_eq(take(data, SIZE, &read, write, out, SIZE), -HVT_RING_BAD_OFFSET);
	/* A write index beyond the data area or unaligned. */
	ck_assert_int_eq(take(data, SIZE, &read, SIZE + 64, out, SIZE), -HVT_RING_BAD_INDEX);
	ck_assert_int_eq(take(data, SIZE, &read, 44, out, SIZE), -HVT_RING_BAD_INDEX);
	ck_assert_uint_eq(read, 0);
	unmap_twice(base, SIZE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kring");

	tl_add_test(s, "kring__empty_ring_has_nothing_to_read",
		    kring__empty_ring_has_nothing_to_read);
	tl_add_test(s, "kring__space_counts_across_the_wrap", kring__space_counts_across_the_wrap);
	tl_add_test(s, "kring__advance_wraps_at_the_end", kring__advance_wraps_at_the_end);
	tl_add_test(s, "kring__full_ring_refuses_an_exact_fill",
		    kring__full_ring_refuses_an_exact_fill);
	tl_add_test(s, "kring__bad_indices_are_refused", kring__bad_indices_are_refused);
	tl_add_test(s, "kring__bad_descriptors_are_refused", kring__bad_descriptors_are_refused);
	tl_add_test(s, "kring__well_formed_packets_are_accepted",
		    kring__well_formed_packets_are_accepted);
	tl_add_test(s, "kring__reader_signals_only_on_the_transition",
		    kring__reader_signals_only_on_the_transition);
	tl_add_test(s, "kring__status_strings_are_distinct", kring__status_strings_are_distinct);
	tl_add_test(s, "kring__double_mapping_makes_wrapped_packets_contiguous",
		    kring__double_mapping_makes_wrapped_packets_contiguous);
	tl_add_test(s, "kring__ring_fills_then_drains_in_order",
		    kring__ring_fills_then_drains_in_order);
	tl_add_test(s, "kring__corrupt_ring_is_refused_before_any_access",
		    kring__corrupt_ring_is_refused_before_any_access);
	return tl_run_suite(s);
}
