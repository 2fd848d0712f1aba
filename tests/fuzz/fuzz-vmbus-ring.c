// SPDX-License-Identifier: MIT
/*
 * The VMBus ring buffer as a reader and as a writer facing a peer that
 * controls every byte of the shared memory: control words (indices, mask,
 * pending_send_sz, features) and data. Input: 20 bytes of control words,
 * then the data area (one page; the rest zero).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "vmbus-ring.h"

#define RING_BYTES (2 * VMBUS_RING_PAGE_SIZE)

static uint8_t mem[RING_BYTES] __attribute__((aligned(4096)));
static uint8_t buf[RING_BYTES];

static void load(const uint8_t *data, size_t size)
{
	struct vmbus_ring_ctl *ctl = (struct vmbus_ring_ctl *)mem;
	uint32_t words[5] = { 0 };

	memset(mem, 0, sizeof(mem));
	memcpy(words, data, size < sizeof(words) ? size : sizeof(words));
	ctl->write_index = words[0];
	ctl->read_index = words[1];
	ctl->interrupt_mask = words[2];
	ctl->pending_send_sz = words[3];
	ctl->feature_bits = words[4];
	if (size > sizeof(words)) {
		size -= sizeof(words);
		memcpy(mem + VMBUS_RING_CTL_SIZE, data + sizeof(words),
		       size < VMBUS_RING_PAGE_SIZE ? size : VMBUS_RING_PAGE_SIZE);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmbus_ring r;
	struct vmbus_packet pkt;
	uint32_t n;
	bool signal;

	load(data, size);
	if (vmbus_ring_attach(&r, mem, RING_BYTES, VMBUS_RING_READER) == 0) {
		for (int i = 0; i < 64; i++) {
			int ret = vmbus_ring_recv(&r, buf, i % 2 ? sizeof(buf) : 64, &pkt);

			if (ret == 0 && (pkt.len > sizeof(buf) || pkt.offset > pkt.len))
				__builtin_trap();
			if (ret < 0 && ret != -ENOBUFS)
				break;
		}
		(void)vmbus_ring_recv_done(&r);
		(void)vmbus_ring_unmask(&r);
		(void)vmbus_ring_bytes_to_read(&r, &n);
	}

	load(data, size);
	if (vmbus_ring_attach(&r, mem, RING_BYTES, VMBUS_RING_WRITER) == 0) {
		uint32_t len = size > 24 ? data[20] | (uint32_t)data[21] << 8 : 100;

		for (int i = 0; i < 8; i++) {
			int ret = vmbus_ring_send(&r, VMBUS_PKT_DATA_INBAND, 0, (uint64_t)i, buf,
						  len % RING_BYTES, &signal);

			if (ret == -EAGAIN)
				(void)vmbus_ring_want_space(&r, vmbus_packet_size(len % RING_BYTES));
			else if (ret < 0)
				break;
		}
		(void)vmbus_ring_bytes_to_write(&r, &n);
	}
	return 0;
}
