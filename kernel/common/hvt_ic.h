/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Integration component (IC) message checks and text conversion that do
 * not depend on the kernel: the same header builds in hv_utils and in a
 * userspace unit test. Everything here works on raw little-endian bytes,
 * so it needs no struct from <linux/hyperv.h> (whose names would clash
 * with the userspace headers) and never assumes alignment.
 *
 * Every input is host- or daemon-controlled: each function is bounded by
 * the lengths it is given and never reads or writes outside them.
 */
#ifndef _HVT_IC_H
#define _HVT_IC_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

/*
 * Framing of an IC packet's in-band payload: struct vmbuspipe_hdr (8
 * bytes), struct icmsg_hdr (20 bytes), then the service's body.
 */
#define HVT_IC_PIPE_HDR_SIZE	8u
#define HVT_IC_MSG_HDR_SIZE	20u
#define HVT_IC_BODY_OFFSET	(HVT_IC_PIPE_HDR_SIZE + HVT_IC_MSG_HDR_SIZE)

/* icmsg_hdr fields, as offsets from the start of the payload. */
#define HVT_IC_OFF_MSGTYPE	(HVT_IC_PIPE_HDR_SIZE + 4u)
#define HVT_IC_OFF_MSGSIZE	(HVT_IC_PIPE_HDR_SIZE + 10u)
#define HVT_IC_OFF_STATUS	(HVT_IC_PIPE_HDR_SIZE + 12u)
#define HVT_IC_OFF_FLAGS	(HVT_IC_PIPE_HDR_SIZE + 17u)

/* struct icmsg_negotiate: two counts, a reserved word, then the versions. */
#define HVT_IC_NEGOTIATE_FIXED	8u
#define HVT_IC_VERSION_SIZE	4u
/* Linux's services refuse offers listing more versions than this. */
#define HVT_IC_NEGOTIATE_MAX	100u

/* Windows FILETIME epoch (1601-01-01) to the Unix epoch, in 100 ns units. */
#define HVT_FILETIME_UNIX_DELTA	116444736000000000ull
#define HVT_INT64_MAX		0x7fffffffffffffffull

static inline uint16_t hvt_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t hvt_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
	       ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t hvt_get_le64(const uint8_t *p)
{
	return (uint64_t)hvt_get_le32(p) | ((uint64_t)hvt_get_le32(p + 4) << 32);
}

static inline void hvt_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void hvt_put_le32(uint8_t *p, uint32_t v)
{
	hvt_put_le16(p, (uint16_t)v);
	hvt_put_le16(p + 2, (uint16_t)(v >> 16));
}

static inline void hvt_put_le64(uint8_t *p, uint64_t v)
{
	hvt_put_le32(p, (uint32_t)v);
	hvt_put_le32(p + 4, (uint32_t)(v >> 32));
}

/* What a received IC payload turned out to be. */
struct hvt_ic_view {
	uint16_t msgtype;	/* icmsg_hdr.icmsgtype */
	uint32_t body_len;	/* bytes after the headers actually received */
};

/*
 * hvt_ic_parse() - check that @len bytes hold both headers and describe them.
 *
 * The body length comes from what was received, not from icmsgsize: the
 * host's own size field is never trusted to bound a read.
 * Return: true if the payload is long enough to be an IC message.
 */
static inline bool hvt_ic_parse(const uint8_t *pkt, size_t len, struct hvt_ic_view *ret)
{
	if (!pkt || len < HVT_IC_BODY_OFFSET)
		return false;
	ret->msgtype = hvt_get_le16(pkt + HVT_IC_OFF_MSGTYPE);
	ret->body_len = (uint32_t)(len - HVT_IC_BODY_OFFSET);
	return true;
}

/*
 * hvt_ic_negotiate_valid() - is a NEGOTIATE body self-consistent?
 *
 * Both counts must be within Linux's limit and every version they announce
 * must lie inside the received body, before anyone walks the list.
 */
static inline bool hvt_ic_negotiate_valid(const uint8_t *pkt, size_t len)
{
	struct hvt_ic_view v;
	uint32_t nfw, nsrv;

	if (!hvt_ic_parse(pkt, len, &v) || v.body_len < HVT_IC_NEGOTIATE_FIXED)
		return false;
	nfw = hvt_get_le16(pkt + HVT_IC_BODY_OFFSET);
	nsrv = hvt_get_le16(pkt + HVT_IC_BODY_OFFSET + 2);
	if (nfw > HVT_IC_NEGOTIATE_MAX || nsrv > HVT_IC_NEGOTIATE_MAX)
		return false;
	return HVT_IC_NEGOTIATE_FIXED + (nfw + nsrv) * HVT_IC_VERSION_SIZE <= v.body_len;
}

/*
 * hvt_ic_negotiate_offers() - does the offer list @version (major << 16 |
 * minor) among its framework (@service false) or service versions?
 * Only meaningful on a body hvt_ic_negotiate_valid() accepted.
 */
static inline bool hvt_ic_negotiate_offers(const uint8_t *pkt, bool service, uint32_t version)
{
	const uint8_t *body = pkt + HVT_IC_BODY_OFFSET;
	uint32_t nfw = hvt_get_le16(body), nsrv = hvt_get_le16(body + 2);
	uint32_t first = service ? nfw : 0, count = service ? nsrv : nfw, i;

	for (i = first; i < first + count; i++) {
		const uint8_t *e = body + HVT_IC_NEGOTIATE_FIXED + i * HVT_IC_VERSION_SIZE;

		if (hvt_get_le16(e) == (version >> 16) && hvt_get_le16(e + 2) == (version & 0xffff))
			return true;
	}
	return false;
}

/* Bytes of the UTF-8 form of code point @c (which is valid Unicode). */
static inline size_t hvt_utf8_len(uint32_t c)
{
	return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

/*
 * hvt_utf16le_to_utf8() - convert host text to NUL-terminated UTF-8.
 * @src:	UTF-16LE, @src_units code units at most (stops at a NUL unit)
 * @dst:	output, @dst_size bytes including the terminating NUL
 *
 * A character that does not fit whole ends the string (no sequence is cut).
 * Unpaired surrogates are dropped, as the kernel's own utf16s_to_utf8s()
 * does, so the output is always valid UTF-8.
 * Return: bytes written, not counting the NUL (0 if @dst_size is 0).
 */
static inline size_t hvt_utf16le_to_utf8(const uint8_t *src, size_t src_units,
					 char *dst, size_t dst_size)
{
	size_t i = 0, out = 0;

	if (dst_size == 0)
		return 0;
	while (i < src_units) {
		uint32_t c = hvt_get_le16(src + 2 * i++);
		size_t n;

		if (c == 0)
			break;
		if (c >= 0xdc00 && c <= 0xdfff)
			continue;	/* a low surrogate with no high one */
		if (c >= 0xd800 && c <= 0xdbff) {
			uint32_t lo = i < src_units ? hvt_get_le16(src + 2 * i) : 0;

			if (lo < 0xdc00 || lo > 0xdfff)
				continue;	/* a high surrogate with no low one */
			i++;
			c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
		}
		n = hvt_utf8_len(c);
		if (n + 1 > dst_size - out)
			break;
		switch (n) {
		case 1:
			dst[out++] = (char)c;
			break;
		case 2:
			dst[out++] = (char)(0xc0 | (c >> 6));
			dst[out++] = (char)(0x80 | (c & 0x3f));
			break;
		case 3:
			dst[out++] = (char)(0xe0 | (c >> 12));
			dst[out++] = (char)(0x80 | ((c >> 6) & 0x3f));
			dst[out++] = (char)(0x80 | (c & 0x3f));
			break;
		default:
			dst[out++] = (char)(0xf0 | (c >> 18));
			dst[out++] = (char)(0x80 | ((c >> 12) & 0x3f));
			dst[out++] = (char)(0x80 | ((c >> 6) & 0x3f));
			dst[out++] = (char)(0x80 | (c & 0x3f));
			break;
		}
	}
	dst[out] = '\0';
	return out;
}

/*
 * hvt_utf16le_utf8_len() - bytes hvt_utf16le_to_utf8() needs for all of
 * @src (without the NUL), so a caller can refuse text that would be cut.
 */
static inline size_t hvt_utf16le_utf8_len(const uint8_t *src, size_t src_units)
{
	size_t i = 0, len = 0;

	while (i < src_units) {
		uint32_t c = hvt_get_le16(src + 2 * i++);

		if (c == 0)
			break;
		if (c >= 0xdc00 && c <= 0xdfff)
			continue;
		if (c >= 0xd800 && c <= 0xdbff) {
			uint32_t lo = i < src_units ? hvt_get_le16(src + 2 * i) : 0;

			if (lo < 0xdc00 || lo > 0xdfff)
				continue;
			i++;
			c = 0x10000;
		}
		len += hvt_utf8_len(c);
	}
	return len;
}

/*
 * hvt_utf8_decode() - one code point from @len bytes at @s.
 * Return: the sequence length, or 0 for an invalid, overlong, truncated or
 * surrogate sequence or a value beyond U+10FFFF.
 */
static inline size_t hvt_utf8_decode(const uint8_t *s, size_t len, uint32_t *ret)
{
	uint32_t c = s[0], min;
	size_t n, k;

	if (c < 0x80) {
		*ret = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (k = 1; k < n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[k] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*ret = c;
	return n;
}

/* hvt_utf8_valid() - are the @len bytes at @s valid UTF-8 throughout? */
static inline bool hvt_utf8_valid(const char *s, size_t len)
{
	size_t i = 0, n;
	uint32_t c;

	for (; i < len; i += n) {
		n = hvt_utf8_decode((const uint8_t *)s + i, len - i, &c);
		if (n == 0)
			return false;
	}
	return true;
}

/*
 * hvt_utf8_to_utf16le() - convert daemon text to NUL-terminated UTF-16LE.
 * @src:	UTF-8, @src_len bytes at most (stops at a NUL byte)
 * @dst:	output, room for @dst_units code units including the NUL
 *
 * Text that does not fit is cut at a character boundary (a surrogate pair
 * is never split), as the host's fields have fixed sizes.
 * Return: units written, not counting the NUL; -1 if @src is not valid
 * UTF-8 (then @dst holds an empty string) or @dst_units is 0.
 */
static inline long hvt_utf8_to_utf16le(const char *src, size_t src_len,
				       uint8_t *dst, size_t dst_units)
{
	const uint8_t *s = (const uint8_t *)src;
	size_t i = 0, out = 0;

	if (dst_units == 0)
		return -1;
	while (i < src_len && s[i]) {
		uint32_t c;
		size_t n = hvt_utf8_decode(s + i, src_len - i, &c);

		if (n == 0) {
			hvt_put_le16(dst, 0);
			return -1;
		}
		i += n;
		if (c >= 0x10000) {
			if (out + 2 + 1 > dst_units)
				break;
			c -= 0x10000;
			hvt_put_le16(dst + 2 * out++, (uint16_t)(0xd800 | (c >> 10)));
			hvt_put_le16(dst + 2 * out++, (uint16_t)(0xdc00 | (c & 0x3ff)));
		} else {
			if (out + 1 + 1 > dst_units)
				break;
			hvt_put_le16(dst + 2 * out++, (uint16_t)c);
		}
	}
	hvt_put_le16(dst + 2 * out, 0);
	return (long)out;
}

/* Length of the NUL-terminated string in a @size-byte field, at most @size. */
static inline size_t hvt_field_strlen(const char *s, size_t size)
{
	size_t n = 0;

	while (n < size && s[n])
		n++;
	return n;
}

/*
 * hvt_filetime_to_unix_ns() - host time (100 ns units since 1601) to
 * nanoseconds since 1970.
 * Return: false if the time predates 1970 or does not fit in 64 signed bits
 * of nanoseconds, which no honest host sends.
 */
static inline bool hvt_filetime_to_unix_ns(uint64_t filetime, int64_t *ret_ns)
{
	uint64_t since_1970;

	if (filetime < HVT_FILETIME_UNIX_DELTA)
		return false;
	since_1970 = filetime - HVT_FILETIME_UNIX_DELTA;
	if (since_1970 > HVT_INT64_MAX / 100)
		return false;
	*ret_ns = (int64_t)(since_1970 * 100);
	return true;
}

#endif /* _HVT_IC_H */
