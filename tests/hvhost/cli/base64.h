/* SPDX-License-Identifier: MIT */
/*
 * Base64 (RFC 4648, standard alphabet, padded) for the guest agent's lines.
 */
#ifndef HVHOST_BASE64_H
#define HVHOST_BASE64_H

#include <stddef.h>

/* Encode len bytes; *ret is a malloc'ed NUL-terminated string. */
int base64_encode(const void *data, size_t len, char **ret);

/*
 * Decode n characters of text (whitespace is not allowed: the agent protocol
 * puts the whole payload in one field). Padding is optional on the last
 * group. *ret is malloc'ed with a NUL after the *ret_len bytes. -EINVAL on
 * anything that is not base64.
 */
int base64_decode(const char *text, size_t n, void **ret, size_t *ret_len);

#endif /* HVHOST_BASE64_H */
