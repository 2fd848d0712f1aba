/* SPDX-License-Identifier: MIT */
/*
 * Table-driven parser for the daemons' INI-style configuration files
 * (/etc/hyperv-tools/<daemon>.conf):
 *
 *   # comment            ; comment
 *   [Section]
 *   Key = value
 *
 * Each daemon describes its config struct with a table of
 * {section, key, parser, offset}. A bad value or unknown key logs a warning
 * naming file and line, and keeps the default: a typo never stops a daemon.
 */
#ifndef HV_CONF_H
#define HV_CONF_H

#include <stddef.h>
#include <stdint.h>

struct conf_item;

/* Parse value into the field at data; return 0 or a negative errno (=> warning). */
typedef int (*conf_parse_fn)(const struct conf_item *item, const char *value, void *data);

struct conf_item {
	const char *section;
	const char *key;
	conf_parse_fn parse;
	size_t offset;		/* of the field within the config struct */
	uintptr_t arg;		/* parser-specific (e.g. max value) */
};

#define CONF_ITEM(sec, k, fn, type, field) \
	{ .section = (sec), .key = (k), .parse = (fn), .offset = offsetof(type, field) }
#define CONF_ITEM_ARG(sec, k, fn, type, field, a) \
	{ .section = (sec), .key = (k), .parse = (fn), .offset = offsetof(type, field), .arg = (a) }

/*
 * Parse path into conf. A missing file is not an error (defaults apply).
 * Returns 0, or a negative errno when the file exists but cannot be read.
 * ret_warnings (optional) counts values that were rejected.
 */
int conf_parse_file(const char *path, const struct conf_item *table, size_t n_items, void *conf,
		    unsigned *ret_warnings);
/* Same, from a string (name used in messages). */
int conf_parse_text(const char *name, const char *text, const struct conf_item *table,
		    size_t n_items, void *conf, unsigned *ret_warnings);

/* Parsers. */
int conf_parse_bool(const struct conf_item *item, const char *value, void *data);	/* bool */
int conf_parse_u32(const struct conf_item *item, const char *value, void *data);	/* uint32_t, arg = max (0: none) */
int conf_parse_usec(const struct conf_item *item, const char *value, void *data);	/* uint64_t usec: "30s", "500ms", "2min", "infinity" */
int conf_parse_string(const struct conf_item *item, const char *value, void *data);	/* char *, strdup'ed, "" => NULL */
int conf_parse_path(const struct conf_item *item, const char *value, void *data);	/* char *, must be absolute */
int conf_parse_strv(const struct conf_item *item, const char *value, void *data);	/* char **, whitespace/comma list; appends; "" resets */
int conf_parse_log_level(const struct conf_item *item, const char *value, void *data); /* int: debug/info/notice/warning/err */

/* Parse a time span such as "1.5s", "200ms", "3min", "1h", "infinity" into usec. */
int parse_usec(const char *s, uint64_t *ret);
int parse_bool(const char *s);	/* 1, 0, or -EINVAL */

#endif /* HV_CONF_H */
