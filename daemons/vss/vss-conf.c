// SPDX-License-Identifier: MIT
/*
 * hv_vss_daemon configuration table and defaults.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "conf.h"
#include "vss-conf.h"

static const struct conf_item vss_conf_table[] = {
	CONF_ITEM("Daemon", "Device", conf_parse_path, struct vss_config, device),
	CONF_ITEM("Daemon", "StateDirectory", conf_parse_path, struct vss_config, state_dir),
	CONF_ITEM("Daemon", "LogLevel", conf_parse_log_level, struct vss_config, log_level),

	CONF_ITEM_ARG("Freeze", "AutoThawTimeout", conf_parse_usec, struct vss_config,
		      auto_thaw_usec, VSS_MAX_AUTO_THAW_USEC),
	CONF_ITEM("Freeze", "Include", conf_parse_strv, struct vss_config, include),
	CONF_ITEM("Freeze", "Exclude", conf_parse_strv, struct vss_config, exclude),
	CONF_ITEM("Freeze", "ExcludeTypes", conf_parse_strv, struct vss_config, exclude_types),
	CONF_ITEM("Freeze", "FreezeNetwork", conf_parse_bool, struct vss_config, freeze_network),
	CONF_ITEM("Freeze", "FreezeFuse", conf_parse_bool, struct vss_config, freeze_fuse),
	CONF_ITEM("Freeze", "MountInfo", conf_parse_path, struct vss_config, mountinfo),

	CONF_ITEM("Hooks", "Enabled", conf_parse_bool, struct vss_config, hooks_enabled),
	CONF_ITEM("Hooks", "Directory", conf_parse_strv, struct vss_config, hook_dirs),
	CONF_ITEM_ARG("Hooks", "Timeout", conf_parse_usec, struct vss_config, hook_timeout_usec,
		      VSS_MAX_HOOK_TIMEOUT_USEC),
};

int vss_config_init(struct vss_config *c)
{
	memset(c, 0, sizeof(*c));
	c->log_level = LOG_INFO;
	c->auto_thaw_usec = VSS_DEFAULT_AUTO_THAW_USEC;
	c->hooks_enabled = true;
	c->hook_timeout_usec = VSS_DEFAULT_HOOK_TIMEOUT_USEC;
	c->device = strdup(VSS_DEFAULT_DEVICE);
	c->state_dir = strdup(VSS_DEFAULT_STATE_DIR);
	c->mountinfo = strdup(VSS_DEFAULT_MOUNTINFO);
	if (!c->device || !c->state_dir || !c->mountinfo ||
	    strv_extend(&c->hook_dirs, VSS_DEFAULT_HOOK_DIR) < 0) {
		vss_config_done(c);
		return -ENOMEM;
	}
	return 0;
}

void vss_config_done(struct vss_config *c)
{
	free(c->device);
	free(c->state_dir);
	free(c->mountinfo);
	strv_free(c->include);
	strv_free(c->exclude);
	strv_free(c->exclude_types);
	strv_free(c->hook_dirs);
	memset(c, 0, sizeof(*c));
}

/*
 * Paths that must stay set: an empty assignment ("Device=") would leave
 * NULL behind, so it restores the default instead.
 */
static int restore_defaults(struct vss_config *c)
{
	static const struct {
		size_t offset;
		const char *value;
	} required[] = {
		{ offsetof(struct vss_config, device), VSS_DEFAULT_DEVICE },
		{ offsetof(struct vss_config, state_dir), VSS_DEFAULT_STATE_DIR },
		{ offsetof(struct vss_config, mountinfo), VSS_DEFAULT_MOUNTINFO },
	};

	for (size_t i = 0; i < ELEMENTSOF(required); i++) {
		char **p = (char **)((char *)c + required[i].offset);

		if (*p)
			continue;
		*p = strdup(required[i].value);
		if (!*p)
			return -ENOMEM;
	}
	return 0;
}

int vss_config_load(struct vss_config *c, const char *path, unsigned *ret_warnings)
{
	int r;

	r = conf_parse_file(path, vss_conf_table, ELEMENTSOF(vss_conf_table), c, ret_warnings);
	if (r == -ENOMEM)
		return r;
	/* An unreadable file was reported; the defaults apply. */
	return restore_defaults(c);
}

int vss_config_load_text(struct vss_config *c, const char *name, const char *text,
			 unsigned *ret_warnings)
{
	int r;

	r = conf_parse_text(name, text, vss_conf_table, ELEMENTSOF(vss_conf_table), c,
			    ret_warnings);
	if (r < 0)
		return r;
	return restore_defaults(c);
}
