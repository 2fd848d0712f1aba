// SPDX-License-Identifier: MIT
/*
 * hv_vmbus's ring index arithmetic (kernel/common/hvt_ring.h) facing a host
 * that controls every index and every descriptor byte. Two parts:
 *  - the arithmetic alone, on arbitrary sizes and indices: whatever passes
 *    the checks yields ranges inside the data area and never laps the
 *    other side;
 *  - a reader on a data area mapped twice back to back (as ring.c maps it)
 *    between PROT_NONE guard pages: it follows the host's write index and
 *    descriptors the way ring.c does, and every copy it makes stays inside
 *    the mapping and inside what the host published.
 *
 * Input: 16 bytes of words (size, read, write, limit) for the arithmetic,
 * then the data area's contents (up to RING_SIZE bytes), then u32 write
 * indices the host moves to between packets.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hvt_ring.h"

#define RING_SIZE 8192u

#define CHECK(x)                              \
	do {                                  \
		if (!(x))                     \
			__builtin_trap();     \
	} while (0)

static uint8_t *ring; /* RING_SIZE bytes, then the same bytes again */

static void map_ring(void)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd = memfd_create("fuzz-kring", MFD_CLOEXEC);
	uint8_t *base;

	CHECK(fd >= 0);
	CHECK(ftruncate(fd, RING_SIZE) == 0);
	base = mmap(NULL, 2 * RING_SIZE + 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(base != MAP_FAILED);
	ring = base + page;
	CHECK(mmap(ring, RING_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) !=
	      MAP_FAILED);
	CHECK(mmap(ring + RING_SIZE, RING_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		   0) != MAP_FAILED);
	close(fd);
}

static uint32_t word(const uint8_t *data, size_t size, size_t at)
{
	uint32_t w = 0;

	if (at < size)
		memcpy(&w, data + at, size - at < 4 ? size - at : 4);
	return w;
}

static void arithmetic(uint32_t size, uint32_t read, uint32_t write, uint32_t limit)
{
	uint32_t len = 0, off = 0, used, free_bytes;
	enum hvt_ring_status st;

	st = hvt_ring_peek(read, write, size, (uint16_t)limit, (uint16_t)(limit >> 16), limit,
			   &len, &off);
	if (!hvt_ring_size_ok(size) || !hvt_ring_indices_ok(read, write, size)) {
		CHECK(st == HVT_RING_BAD_INDEX);
		return;
	}
	used = hvt_ring_avail_read(read, write, size);
	free_bytes = hvt_ring_avail_write(read, write, size);
	CHECK(used < size);
	CHECK(used + free_bytes == size);
	CHECK(free_bytes >= HVT_RING_ALIGN);
	if (st == HVT_RING_OK) {
		CHECK(off >= HVT_RING_DESC_SIZE && off <= len && len <= limit);
		CHECK(len + HVT_RING_TRAILER_SIZE <= used);
		CHECK(hvt_ring_index_ok(hvt_ring_advance(read, len + HVT_RING_TRAILER_SIZE, size),
					size));
		/* The reader does not pass the writer. */
		CHECK(hvt_ring_distance(read, hvt_ring_advance(read, len + 8, size), size) +
			      hvt_ring_avail_read(hvt_ring_advance(read, len + 8, size), write, size) ==
		      used);
	}
	/* A writer at @write with the host reading at @read. */
	len = limit & ~7u;
	if (hvt_ring_can_write(read, write, size, len)) {
		uint32_t next = hvt_ring_advance(write, len, size);

		CHECK(hvt_ring_index_ok(next, size));
		CHECK(hvt_ring_avail_read(read, next, size) == used + len);
		CHECK(len == 0 || next != read);
	}
	/* A reader's wake-up decision never underflows. */
	if (hvt_ring_read_should_signal(free_bytes, read % (free_bytes + 1), limit))
		CHECK(limit != 0 && free_bytes > limit);
}

static uint8_t copy[RING_SIZE];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t read = 0, write, limit;
	size_t fill, at;

	if (!ring)
		map_ring();

	arithmetic(word(data, size, 0), word(data, size, 4), word(data, size, 8),
		   word(data, size, 12));

	/* The host's data area and its first write index. */
	memset(ring, 0, RING_SIZE);
	at = size > 16 ? 16 : size;
	fill = size - at < RING_SIZE ? size - at : RING_SIZE;
	memcpy(ring, data + at, fill);
	at += fill;
	write = word(data, size, 8);
	limit = word(data, size, 12) % (RING_SIZE + 1);

	for (int i = 0; i < 256; i++) {
		uint32_t len, off, before;
		uint16_t desc[4];
		enum hvt_ring_status st;

		if (hvt_ring_indices_ok(read, write, RING_SIZE) && read != write)
			memcpy(desc, ring + read, sizeof(desc));
		else
			memset(desc, 0, sizeof(desc));
		st = hvt_ring_peek(read, write, RING_SIZE, desc[1], desc[2], limit, &len, &off);
		if (st == HVT_RING_OK) {
			CHECK(read < RING_SIZE);
			CHECK(read + len + HVT_RING_TRAILER_SIZE <= 2 * RING_SIZE);
			/* Through the second mapping, the bytes are the ring's own. */
			memcpy(copy, ring + read, len);
			for (uint32_t j = 0; j < len; j += 61)
				CHECK(copy[j] == ring[(read + j) % RING_SIZE]);
			before = hvt_ring_avail_read(read, write, RING_SIZE);
			read = hvt_ring_advance(read, len + HVT_RING_TRAILER_SIZE, RING_SIZE);
			CHECK(hvt_ring_index_ok(read, RING_SIZE));
			CHECK(hvt_ring_avail_read(read, write, RING_SIZE) ==
			      before - len - HVT_RING_TRAILER_SIZE);
		} else if (at + 4 <= size) {
			/* The host publishes more, or scribbles over its index. */
			write = word(data, size, at);
			at += 4;
		} else {
			break;
		}
	}
	return 0;
}
