// SPDX-License-Identifier: MIT
/*
 * Base64 encoder and strict decoder. The decoder sees guest output, so it
 * rejects anything outside the alphabet, misplaced padding and non-zero
 * trailing bits rather than guessing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_encode(const void *data, size_t len, char **ret)
{
	const uint8_t *in = data;
	size_t out_len, i, o = 0;
	char *out;

	if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
		return -ENOMEM;
	out_len = (len + 2) / 3 * 4;
	out = malloc(out_len + 1);
	if (!out)
		return -ENOMEM;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = alphabet[v >> 18 & 0x3f];
		out[o++] = alphabet[v >> 12 & 0x3f];
		out[o++] = alphabet[v >> 6 & 0x3f];
		out[o++] = alphabet[v & 0x3f];
	}
	if (i < len) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		out[o++] = alphabet[v >> 18 & 0x3f];
		out[o++] = alphabet[v >> 12 & 0x3f];
		out[o++] = i + 1 < len ? alphabet[v >> 6 & 0x3f] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	*ret = out;
	return 0;
}

static int unbase64char(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int base64_decode(const char *text, size_t n, void **ret, size_t *ret_len)
{
	size_t pad = 0, chars, groups, o = 0;
	uint8_t *out;

	/* Up to two '=' at the very end, and only to complete a group. */
	while (pad < 2 && n > pad && text[n - 1 - pad] == '=')
		pad++;
	if (pad && n % 4 != 0)
		return -EINVAL;
	chars = n - pad;
	if (chars % 4 == 1)
		return -EINVAL;

	groups = chars / 4;
	out = malloc(groups * 3 + 3);
	if (!out)
		return -ENOMEM;

	for (size_t i = 0; i < chars; i += 4) {
		size_t left = chars - i < 4 ? chars - i : 4;
		uint32_t v = 0;

		for (size_t k = 0; k < 4; k++) {
			int d = k < left ? unbase64char(text[i + k]) : 0;

			if (d < 0) {
				free(out);
				return -EINVAL;
			}
			v = v << 6 | (uint32_t)d;
		}
		out[o++] = v >> 16 & 0xff;
		if (left > 2)
			out[o++] = v >> 8 & 0xff;
		if (left > 3)
			out[o++] = v & 0xff;
		/* The bits a short group does not use must be zero (canonical form). */
		if ((left == 2 && (v & 0xffff)) || (left == 3 && (v & 0xff))) {
			free(out);
			return -EINVAL;
		}
	}
	out[o] = 0;
	*ret = out;
	*ret_len = o;
	return 0;
}
