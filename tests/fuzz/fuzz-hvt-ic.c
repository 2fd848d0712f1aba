// SPDX-License-Identifier: MIT
/*
 * hv_utils' IC checks and text conversions (kernel/common/hvt_ic.h) facing
 * a host that writes every byte. The input is used three ways:
 *  - as an IC payload of exactly its length (a heap copy, so a read past
 *    it is caught): whatever hvt_ic_negotiate_valid() accepts is walked
 *    for every version it announces without leaving the payload;
 *  - as UTF-16LE host text, converted into buffers of every size up to a
 *    bound: the output is valid UTF-8, NUL-terminated inside the buffer,
 *    never longer than the length hvt_utf16le_utf8_len() predicts, and
 *    equal to it when it fits;
 *  - as UTF-8 daemon text: when it converts, converting back yields the
 *    same characters up to the cut.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hvt_ic.h"

#define CHECK(x)                              \
	do {                                  \
		if (!(x))                     \
			__builtin_trap();     \
	} while (0)

static void ic_packet(const uint8_t *data, size_t size)
{
	uint8_t *p = malloc(size ? size : 1);
	struct hvt_ic_view v;

	CHECK(p);
	memcpy(p, data, size);
	if (hvt_ic_parse(p, size, &v))
		CHECK(v.body_len == size - HVT_IC_BODY_OFFSET);
	if (hvt_ic_negotiate_valid(p, size)) {
		uint32_t nfw = hvt_get_le16(p + HVT_IC_BODY_OFFSET);
		uint32_t nsrv = hvt_get_le16(p + HVT_IC_BODY_OFFSET + 2);

		CHECK(nfw <= HVT_IC_NEGOTIATE_MAX && nsrv <= HVT_IC_NEGOTIATE_MAX);
		/* Every version the counts name lies inside the payload. */
		CHECK(HVT_IC_BODY_OFFSET + HVT_IC_NEGOTIATE_FIXED +
			      (nfw + nsrv) * HVT_IC_VERSION_SIZE <= size);
		(void)hvt_ic_negotiate_offers(p, false, 0x30000);
		(void)hvt_ic_negotiate_offers(p, true, 0x40000);
	}
	free(p);
}

static void host_text(const uint8_t *data, size_t size)
{
	size_t units = size / 2, want = hvt_utf16le_utf8_len(data, units);
	char out[80];

	for (size_t room = 0; room <= sizeof(out); room++) {
		char *dst = malloc(room ? room : 1);
		size_t n;

		CHECK(dst);
		n = hvt_utf16le_to_utf8(data, units, dst, room);
		if (room == 0) {
			CHECK(n == 0);
		} else {
			CHECK(n < room && dst[n] == '\0');
			CHECK(strlen(dst) == n);
			CHECK(hvt_utf8_valid(dst, n));
			CHECK(n <= want);
			if (want < room)
				CHECK(n == want);
		}
		free(dst);
	}
}

static void daemon_text(const uint8_t *data, size_t size)
{
	const size_t units = 32;
	size_t len = strnlen((const char *)data, size), m;
	uint8_t u[2 * 32];
	char back[4 * 32];
	long n = hvt_utf8_to_utf16le((const char *)data, size, u, units);

	if (n < 0) {
		CHECK(hvt_get_le16(u) == 0);
		CHECK(!hvt_utf8_valid((const char *)data, len));
		return;
	}
	CHECK((size_t)n < units && hvt_get_le16(u + 2 * n) == 0);
	m = hvt_utf16le_to_utf8(u, (size_t)n, back, sizeof(back));
	/* The characters that fit come back byte for byte... */
	CHECK(m <= len && memcmp(back, data, m) == 0);
	/* ...and all of them when even a pair had room left (no cut). */
	if ((size_t)n + 3 <= units)
		CHECK(m == len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ic_packet(data, size);
	host_text(data, size);
	daemon_text(data, size);
	return 0;
}
