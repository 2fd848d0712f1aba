// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "conf.h"
#include "kvp-conf.h"
#include "util.h"

static int parse_backend(const struct conf_item *item, const char *value, void *data)
{
	int b = kvp_netconf_backend_from_string(value);

	(void)item;
	if (b < 0)
		return b;
	*(enum kvp_netconf_backend *)data = (enum kvp_netconf_backend)b;
	return 0;
}

static const struct conf_item kvp_conf_table[] = {
	CONF_ITEM("KVP", "Device", conf_parse_path, struct kvp_conf, device),
	CONF_ITEM("KVP", "PoolDirectory", conf_parse_path, struct kvp_conf, pool_dir),
	CONF_ITEM("KVP", "DurableWrites", conf_parse_bool, struct kvp_conf, durable),
	CONF_ITEM("KVP", "LogLevel", conf_parse_log_level, struct kvp_conf, log_level),
	CONF_ITEM("IPInjection", "Enable", conf_parse_bool, struct kvp_conf, ip_injection),
	CONF_ITEM("IPInjection", "Backend", parse_backend, struct kvp_conf, backend),
	CONF_ITEM("IPInjection", "Hook", conf_parse_path, struct kvp_conf, hook),
	CONF_ITEM("IPInjection", "Apply", conf_parse_bool, struct kvp_conf, apply),
	CONF_ITEM_ARG("IPInjection", "Timeout", conf_parse_usec, struct kvp_conf, apply_timeout,
		      KVP_IPINJECTION_MAX_TIMEOUT_USEC),
	CONF_ITEM("Intrinsic", "OSRelease", conf_parse_path, struct kvp_conf, os_release),
	CONF_ITEM("Intrinsic", "FQDN", conf_parse_string, struct kvp_conf, fqdn),
};

int kvp_conf_load(struct kvp_conf *c, const char *path)
{
	*c = (struct kvp_conf){
		.device = strdup(KVP_DEFAULT_DEVICE),
		.pool_dir = strdup(KVP_DEFAULT_POOL_DIR),
		.durable = true,
		.log_level = LOG_INFO,
		.ip_injection = true,
		.backend = KVP_NETCONF_AUTO,
		.hook = strdup(KVP_NETCONF_DEFAULT_HOOK),
		.apply_timeout = KVP_NETCONF_DEFAULT_TIMEOUT_USEC,
		.apply = true,
	};
	if (!c->device || !c->pool_dir || !c->hook) {
		kvp_conf_done(c);
		return -ENOMEM;
	}
	return conf_parse_file(path ? path : KVP_DEFAULT_CONFIG, kvp_conf_table,
			       ELEMENTSOF(kvp_conf_table), c, NULL);
}

void kvp_conf_done(struct kvp_conf *c)
{
	free(c->device);
	free(c->pool_dir);
	free(c->hook);
	free(c->os_release);
	free(c->fqdn);
	*c = (struct kvp_conf){ 0 };
}
