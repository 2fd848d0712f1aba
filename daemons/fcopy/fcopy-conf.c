// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fcopy-conf.h"
#include "util.h"

int fcopy_parse_transport(const char *s, enum fcopy_transport *ret)
{
	if (strcasecmp(s, "auto") == 0)
		*ret = FCOPY_TRANSPORT_AUTO;
	else if (strcasecmp(s, "chardev") == 0)
		*ret = FCOPY_TRANSPORT_CHARDEV;
	else if (strcasecmp(s, "uio") == 0)
		*ret = FCOPY_TRANSPORT_UIO;
	else
		return -EINVAL;
	return 0;
}

int fcopy_parse_size(const char *s, uint64_t *ret)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = { { "", 0 }, { "K", 10 }, { "M", 20 }, { "G", 30 } };
	char *end;
	uint64_t v;

	if (!(*s >= '0' && *s <= '9'))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	for (size_t i = 0; i < ELEMENTSOF(units); i++) {
		if (strcasecmp(end, units[i].suffix) != 0)
			continue;
		if (v > (UINT64_MAX >> units[i].shift))
			return -ERANGE;
		*ret = v << units[i].shift;
		return 0;
	}
	return -EINVAL;
}

int fcopy_parse_mode(const char *s, uint32_t *ret)
{
	char *end;
	unsigned long v;

	if (!(*s >= '0' && *s <= '7'))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno || *end || v > 07777)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

static int parse_transport(const struct conf_item *item, const char *value, void *data)
{
	(void)item;
	return fcopy_parse_transport(value, data);
}

static int parse_size(const struct conf_item *item, const char *value, void *data)
{
	(void)item;
	return fcopy_parse_size(value, data);
}

static int parse_mode(const struct conf_item *item, const char *value, void *data)
{
	(void)item;
	return fcopy_parse_mode(value, data);
}

static const struct conf_item fcopy_conf_table[] = {
	CONF_ITEM("Daemon", "LogLevel", conf_parse_log_level, struct fcopy_config, log_level),
	CONF_ITEM("Transport", "Type", parse_transport, struct fcopy_config, transport),
	CONF_ITEM("Transport", "Device", conf_parse_path, struct fcopy_config, device),
	CONF_ITEM("Transport", "UioDevice", conf_parse_path, struct fcopy_config, uio_device),
	CONF_ITEM("Transport", "UioRingFile", conf_parse_path, struct fcopy_config, uio_ring_file),
	CONF_ITEM("Transport", "RingSize", parse_size, struct fcopy_config, ring_size),
	CONF_ITEM("Transport", "RingSizeTimeout", conf_parse_usec, struct fcopy_config,
		  ring_size_timeout_usec),
	CONF_ITEM("Copy", "AllowedDirectories", conf_parse_strv, struct fcopy_config,
		  allowed_dirs),
	CONF_ITEM("Copy", "FileMode", parse_mode, struct fcopy_config, file_mode),
	CONF_ITEM("Copy", "DirectoryMode", parse_mode, struct fcopy_config, dir_mode),
	CONF_ITEM("Copy", "Preallocate", conf_parse_bool, struct fcopy_config, preallocate),
	CONF_ITEM("Copy", "BackslashSeparator", conf_parse_bool, struct fcopy_config,
		  backslash_separator),
	CONF_ITEM("Copy", "WritebackBytes", parse_size, struct fcopy_config, writeback_bytes),
	CONF_ITEM("Copy", "IdleTimeout", conf_parse_usec, struct fcopy_config, idle_timeout_usec),
	CONF_ITEM("Copy", "StateDirectory", conf_parse_path, struct fcopy_config, state_dir),
};

int fcopy_config_init(struct fcopy_config *c, const char *state_dir)
{
	*c = (struct fcopy_config){
		.log_level = FCOPY_DEFAULT_LOG_LEVEL,
		.transport = FCOPY_TRANSPORT_AUTO,
		.ring_size_timeout_usec = FCOPY_DEFAULT_RING_TIMEOUT_USEC,
		.file_mode = FCOPY_DEFAULT_FILE_MODE,
		.dir_mode = FCOPY_DEFAULT_DIR_MODE,
		.preallocate = true,
		.backslash_separator = true,
		.writeback_bytes = FCOPY_DEFAULT_WRITEBACK_BYTES,
		.idle_timeout_usec = FCOPY_DEFAULT_IDLE_USEC,
	};
	c->device = strdup(FCOPY_DEFAULT_CHARDEV);
	c->state_dir = strdup(state_dir);
	if (!c->device || !c->state_dir) {
		fcopy_config_done(c);
		return -ENOMEM;
	}
	return 0;
}

int fcopy_config_load(struct fcopy_config *c, const char *path, unsigned *ret_warnings)
{
	return conf_parse_file(path, fcopy_conf_table, ELEMENTSOF(fcopy_conf_table), c,
			       ret_warnings);
}

void fcopy_config_done(struct fcopy_config *c)
{
	free(c->device);
	free(c->uio_device);
	free(c->uio_ring_file);
	strv_free(c->allowed_dirs);
	free(c->state_dir);
	*c = (struct fcopy_config){ 0 };
}
