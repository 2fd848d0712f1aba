// SPDX-License-Identifier: MIT
/*
 * Terminal-safe rendering of guest strings (KVP keys and values, IP info,
 * device states). A guest sets pool 1 items at will; printing them raw
 * would let it move the cursor, retitle the window or hide text.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

/*
 * Decode one UTF-8 sequence at s (n bytes available). Returns its length
 * and the code point, or 0 if it is not valid (overlong, surrogate, beyond
 * U+10FFFF, truncated).
 */
static size_t utf8_decode(const uint8_t *s, size_t n, uint32_t *ret_cp)
{
	uint32_t cp, min;
	size_t len;

	if (s[0] < 0x80) {
		*ret_cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret_cp = cp;
	return len;
}

static bool needs_escape(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
	       /* bidi embeddings/overrides/isolates and line/paragraph separators */
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

int escape_terminal(const char *s, size_t len, char **ret)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t o = 0, cap;
	char *out;

	/* Worst case: every byte becomes \xNN, or a 3-byte sequence \uNNNN. */
	if (len > (SIZE_MAX - 1) / 4)
		return -ENOMEM;
	cap = len * 4 + 1;
	out = malloc(cap);
	if (!out)
		return -ENOMEM;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(p + i, len - i, &cp);

		if (n == 0) {
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", p[i]);
			i++;
			continue;
		}
		if (cp == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else if (cp == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (cp == '\t') {
			out[o++] = '\\';
			out[o++] = 't';
		} else if (cp == '\r') {
			out[o++] = '\\';
			out[o++] = 'r';
		} else if (cp < 0x80 && needs_escape(cp)) {
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", cp);
		} else if (needs_escape(cp)) {
			/* 2 or 3 bytes in, 6 out: within the 4-per-byte budget */
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", cp);
		} else {
			memcpy(out + o, p + i, n);
			o += n;
		}
		i += n;
	}
	out[o] = '\0';
	*ret = out;
	return 0;
}

bool utf8_is_valid(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(p + i, len - i, &cp);

		if (n == 0)
			return false;
		i += n;
	}
	return true;
}
