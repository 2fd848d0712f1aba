// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "cleanup.h"
#include "conf.h"
#include "log.h"
#include "util.h"

#define CONF_MAX_SIZE (1024 * 1024)

int parse_bool(const char *s)
{
	static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
	static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

	for (size_t i = 0; i < ELEMENTSOF(yes); i++)
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
	for (size_t i = 0; i < ELEMENTSOF(no); i++)
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	return -EINVAL;
}

int parse_usec(const char *s, uint64_t *ret)
{
	static const struct {
		const char *suffix;
		uint64_t usec;
	} units[] = {
		{ "us", 1 },		{ "usec", 1 },
		{ "ms", USEC_PER_MSEC },	{ "msec", USEC_PER_MSEC },
		{ "s", USEC_PER_SEC },	{ "sec", USEC_PER_SEC },	{ "", USEC_PER_SEC },
		{ "m", 60 * USEC_PER_SEC },	{ "min", 60 * USEC_PER_SEC },
		{ "h", 3600 * USEC_PER_SEC },	{ "hour", 3600 * USEC_PER_SEC },
	};
	char *end;
	double v;

	if (strcasecmp(s, "infinity") == 0) {
		*ret = USEC_INFINITY;
		return 0;
	}
	if (!(*s >= '0' && *s <= '9'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || !isfinite(v) || v < 0)
		return -EINVAL;
	while (*end == ' ')
		end++;
	for (size_t i = 0; i < ELEMENTSOF(units); i++) {
		if (strcasecmp(end, units[i].suffix) != 0)
			continue;
		if (v * (double)units[i].usec >= (double)UINT64_MAX)
			return -ERANGE;
		*ret = (uint64_t)(v * (double)units[i].usec);
		return 0;
	}
	return -EINVAL;
}

int conf_parse_bool(const struct conf_item *item, const char *value, void *data)
{
	int b = parse_bool(value);

	(void)item;
	if (b < 0)
		return b;
	*(bool *)data = b;
	return 0;
}

int conf_parse_u32(const struct conf_item *item, const char *value, void *data)
{
	uint32_t v;
	int r;

	r = safe_atou32(value, &v);
	if (r < 0)
		return r;
	if (item->arg && v > item->arg)
		return -ERANGE;
	*(uint32_t *)data = v;
	return 0;
}

int conf_parse_usec(const struct conf_item *item, const char *value, void *data)
{
	uint64_t v;
	int r;

	r = parse_usec(value, &v);
	if (r < 0)
		return r;
	if (item->arg && v > item->arg)
		return -ERANGE;
	*(uint64_t *)data = v;
	return 0;
}

int conf_parse_string(const struct conf_item *item, const char *value, void *data)
{
	char **p = data;
	char *s = NULL;

	(void)item;
	if (*value) {
		s = strdup(value);
		if (!s)
			return -ENOMEM;
	}
	free(*p);
	*p = s;
	return 0;
}

int conf_parse_path(const struct conf_item *item, const char *value, void *data)
{
	if (*value && value[0] != '/')
		return -EINVAL;
	return conf_parse_string(item, value, data);
}

int conf_parse_strv(const struct conf_item *item, const char *value, void *data)
{
	_cleanup_strv_free_ char **add = NULL;
	char ***p = data;
	int r;

	(void)item;
	if (!*value) {
		*p = strv_free(*p);
		return 0;
	}
	r = strv_split(value, " \t,", &add);
	if (r < 0)
		return r;
	STRV_FOREACH(s, add) {
		r = strv_extend(p, *s);
		if (r < 0)
			return r;
	}
	return 0;
}

int conf_parse_log_level(const struct conf_item *item, const char *value, void *data)
{
	static const char *const names[] = {
		[LOG_EMERG] = "emerg", [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
		[LOG_ERR] = "err", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
		[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
	};

	(void)item;
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		if (strcasecmp(value, names[i]) == 0 ||
		    (i == LOG_ERR && strcasecmp(value, "error") == 0)) {
			*(int *)data = (int)i;
			return 0;
		}
	}
	return -EINVAL;
}

static const struct conf_item *find_item(const struct conf_item *table, size_t n,
					 const char *section, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(table[i].section, section) == 0 && strcasecmp(table[i].key, key) == 0)
			return &table[i];
	return NULL;
}

int conf_parse_text(const char *name, const char *text, const struct conf_item *table,
		      size_t n_items, void *conf, unsigned *ret_warnings)
{
	_cleanup_free_ char *copy = strdup(text);
	_cleanup_free_ char *section = strdup("");
	unsigned warnings = 0, lineno = 0;
	char *save = NULL;

	if (!copy || !section)
		return -ENOMEM;

	for (char *line = copy; line; line = save) {
		const struct conf_item *item;
		char *eq, *key, *value;
		int r;

		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		lineno++;
		line = strstrip(line);
		if (!*line || *line == '#' || *line == ';')
			continue;

		if (*line == '[') {
			char *end = strchr(line, ']');

			if (!end || end[1] != '\0') {
				log_warning("%s:%u: malformed section header, ignoring: %s", name,
					    lineno, line);
				warnings++;
				continue;
			}
			*end = '\0';
			free(section);
			section = strdup(strstrip(line + 1));
			if (!section)
				return -ENOMEM;
			continue;
		}

		eq = strchr(line, '=');
		if (!eq) {
			log_warning("%s:%u: expected Key=Value, ignoring: %s", name, lineno, line);
			warnings++;
			continue;
		}
		*eq = '\0';
		key = strstrip(line);
		value = strstrip(eq + 1);

		item = find_item(table, n_items, section, key);
		if (!item) {
			log_warning("%s:%u: unknown setting [%s] %s, ignoring", name, lineno,
				    section, key);
			warnings++;
			continue;
		}
		r = item->parse(item, value, (char *)conf + item->offset);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			log_warning("%s:%u: invalid value for [%s] %s=%s (%s), keeping the default",
				    name, lineno, item->section, item->key, value, strerror(-r));
			warnings++;
		}
	}
	if (ret_warnings)
		*ret_warnings = warnings;
	return 0;
}

int conf_parse_file(const char *path, const struct conf_item *table, size_t n_items, void *conf,
		    unsigned *ret_warnings)
{
	_cleanup_free_ char *text = NULL;
	size_t size;
	int r;

	if (ret_warnings)
		*ret_warnings = 0;
	r = read_full_file(path, CONF_MAX_SIZE, &text, &size);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return log_warning_errno(r, "Cannot read %s: %m", path);
	if (strlen(text) != size)
		return log_warning_errno(EINVAL, "%s contains a NUL byte, ignoring the file", path);
	return conf_parse_text(path, text, table, n_items, conf, ret_warnings);
}
