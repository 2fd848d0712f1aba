/* SPDX-License-Identifier: MIT */
/*
 * hv_kvp_daemon configuration: /etc/hyperv-tools/kvp.conf, then the
 * command line on top.
 */
#ifndef HV_KVP_CONF_H
#define HV_KVP_CONF_H

#include <stdbool.h>
#include <stdint.h>

#include "kvp-netconf.h"

#define KVP_DEFAULT_CONFIG HV_SYSCONFDIR "/kvp.conf"
#define KVP_DEFAULT_DEVICE "/dev/vmbus/hv_kvp"
#define KVP_DEFAULT_POOL_DIR HV_STATEDIR
/* The kernel fails a request after 30 s; applying must finish well before. */
#define KVP_IPINJECTION_MAX_TIMEOUT_USEC (25 * 1000000ULL)

struct kvp_conf {
	char *device;		/* [KVP] Device= */
	char *pool_dir;		/* [KVP] PoolDirectory= */
	bool durable;		/* [KVP] DurableWrites= */
	int log_level;		/* [KVP] LogLevel= */

	bool ip_injection;	/* [IPInjection] Enable= */
	enum kvp_netconf_backend backend;	/* [IPInjection] Backend= */
	char *hook;		/* [IPInjection] Hook= */
	bool apply;		/* [IPInjection] Apply= */
	uint64_t apply_timeout;	/* [IPInjection] Timeout= (per program run) */

	char *os_release;	/* [Intrinsic] OSRelease= (default: /etc/os-release, /usr/lib/os-release) */
	char *fqdn;		/* [Intrinsic] FQDN= overrides the resolved name */
};

/* Defaults, then path (NULL: KVP_DEFAULT_CONFIG). 0 or -errno (unreadable file). */
int kvp_conf_load(struct kvp_conf *c, const char *path);
void kvp_conf_done(struct kvp_conf *c);

#endif /* HV_KVP_CONF_H */
