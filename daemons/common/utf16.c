// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "utf16.h"

static uint16_t unit_at(const void *src, size_t i)
{
	const uint8_t *p = (const uint8_t *)src + 2 * i;

	return (uint16_t)(p[0] | (p[1] << 8));
}

static bool is_high_surrogate(uint32_t u)
{
	return u >= 0xd800 && u <= 0xdbff;
}

static bool is_low_surrogate(uint32_t u)
{
	return u >= 0xdc00 && u <= 0xdfff;
}

size_t utf16le_strnlen(const void *src, size_t max_units)
{
	size_t n = 0;

	while (n < max_units && unit_at(src, n) != 0)
		n++;
	return n;
}

static size_t utf8_encode(uint32_t cp, uint8_t out[4])
{
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xc0 | (cp >> 6));
		out[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xe0 | (cp >> 12));
		out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (uint8_t)(0xf0 | (cp >> 18));
	out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

int utf16le_to_utf8(const void *src, size_t n_units, char *dst, size_t dst_size,
		    size_t *ret_len)
{
	size_t len = 0, i;

	n_units = utf16le_strnlen(src, n_units);
	/* Validate and measure first, so dst is untouched on failure. */
	for (int pass = 0; pass < 2; pass++) {
		len = 0;
		for (i = 0; i < n_units; i++) {
			uint32_t cp = unit_at(src, i);
			uint8_t enc[4];
			size_t n;

			if (is_high_surrogate(cp)) {
				uint32_t lo = i + 1 < n_units ? unit_at(src, i + 1) : 0;

				if (!is_low_surrogate(lo))
					return -EILSEQ;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i++;
			} else if (is_low_surrogate(cp)) {
				return -EILSEQ;
			}
			n = utf8_encode(cp, enc);
			if (pass == 1)
				memcpy(dst + len, enc, n);
			len += n;
		}
		if (pass == 0 && len + 1 > dst_size)
			return -ENOBUFS;
	}
	dst[len] = '\0';
	if (ret_len)
		*ret_len = len;
	return 0;
}

/* Decode one code point at s[0..len); 0 on malformed input, else its length. */
static size_t utf8_decode(const uint8_t *s, size_t len, uint32_t *ret)
{
	uint32_t cp, min;
	size_t n;

	if (s[0] < 0x80) {
		*ret = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
		min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
		min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret = cp;
	return n;
}

bool utf8_is_valid(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_decode(p + i, len - i, &cp);

		if (!n)
			return false;
		i += n;
	}
	return true;
}

int utf8_to_utf16le(const char *src, size_t len, void *dst, size_t dst_units,
		    size_t *ret_units)
{
	const uint8_t *p = (const uint8_t *)src;
	uint8_t *out = dst;
	size_t units = 0;

	if (!utf8_is_valid(src, len))
		return -EILSEQ;
	for (size_t i = 0; i < len;) {
		uint32_t cp;

		i += utf8_decode(p + i, len - i, &cp);
		units += cp >= 0x10000 ? 2 : 1;
	}
	if (units + 1 > dst_units)
		return -ENOBUFS;

	units = 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		uint16_t u[2];
		size_t n = 1;

		i += utf8_decode(p + i, len - i, &cp);
		if (cp >= 0x10000) {
			u[0] = (uint16_t)(0xd800 + ((cp - 0x10000) >> 10));
			u[1] = (uint16_t)(0xdc00 + ((cp - 0x10000) & 0x3ff));
			n = 2;
		} else {
			u[0] = (uint16_t)cp;
		}
		for (size_t k = 0; k < n; k++, units++) {
			out[2 * units] = (uint8_t)(u[k] & 0xff);
			out[2 * units + 1] = (uint8_t)(u[k] >> 8);
		}
	}
	out[2 * units] = 0;
	out[2 * units + 1] = 0;
	if (ret_units)
		*ret_units = units;
	return 0;
}
