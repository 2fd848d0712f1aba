/* SPDX-License-Identifier: MIT */
/*
 * Make guest-controlled text safe to print on a terminal.
 */
#ifndef HVHOST_ESCAPE_H
#define HVHOST_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Copy len bytes of s into a malloc'ed string in which nothing can drive a
 * terminal: C0 controls, DEL, C1 controls (U+0080-U+009F), bidirectional
 * overrides and invalid UTF-8 are written as \n, \t, \xNN or \uNNNN, and a
 * backslash as \\. Valid printable UTF-8 passes through.
 */
int escape_terminal(const char *s, size_t len, char **ret);

/* Is s (len bytes) valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF)? */
bool utf8_is_valid(const char *s, size_t len);

#endif /* HVHOST_ESCAPE_H */
