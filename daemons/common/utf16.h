/* SPDX-License-Identifier: MIT */
/*
 * Strict UTF-16LE <-> UTF-8 conversion for text the host sends or
 * expects (file names, KVP strings on the UIO path). Invalid input is an
 * error (-EILSEQ), never silently replaced: an unpaired surrogate, an
 * overlong or truncated UTF-8 sequence, a code point past U+10FFFF.
 * UTF-16 buffers are byte arrays (little-endian, any alignment).
 */
#ifndef HV_UTF16_H
#define HV_UTF16_H

#include <stdbool.h>
#include <stddef.h>

/* Units before the first NUL unit, or max_units when there is none. */
size_t utf16le_strnlen(const void *src, size_t max_units);

/*
 * Convert n_units UTF-16LE units (stopping early at a NUL unit) to UTF-8
 * in dst, NUL-terminated. *ret_len (optional) gets the UTF-8 length.
 * Return: 0, -EILSEQ, -ENOBUFS (dst_size too small; dst untouched).
 */
int utf16le_to_utf8(const void *src, size_t n_units, char *dst, size_t dst_size,
		    size_t *ret_len);

/*
 * Convert len bytes of UTF-8 to UTF-16LE in dst (dst_units units, a NUL
 * unit appended). *ret_units (optional) gets the units written before it.
 * Return: 0, -EILSEQ, -ENOBUFS.
 */
int utf8_to_utf16le(const char *src, size_t len, void *dst, size_t dst_units,
		    size_t *ret_units);

/* Whether len bytes are well-formed UTF-8 (no NUL check). */
bool utf8_is_valid(const char *s, size_t len);

#endif /* HV_UTF16_H */
