/* SPDX-License-Identifier: MIT */
/*
 * The intrinsic items of the AUTO pool (pool 2): what Hyper-V shows as the
 * guest's OS, FQDN and addresses. The host enumerates them by index 0-9;
 * past the last one the answer is HV_S_CONT. Values are computed when
 * asked (cheap checks decide what to recompute), so a new hostname,
 * address or OS upgrade is reported without restarting the daemon.
 */
#ifndef HV_KVP_INTRINSIC_H
#define HV_KVP_INTRINSIC_H

#include <stddef.h>
#include <sys/utsname.h>

struct kvp_intrinsic;
struct kvp_ipinfo;

enum kvp_intrinsic_item {
	KVP_INTRINSIC_FQDN,
	KVP_INTRINSIC_INTEGRATION_SERVICES_VERSION,
	KVP_INTRINSIC_NETWORK_ADDRESS_IPV4,
	KVP_INTRINSIC_NETWORK_ADDRESS_IPV6,
	KVP_INTRINSIC_OS_BUILD_NUMBER,
	KVP_INTRINSIC_OS_NAME,
	KVP_INTRINSIC_OS_MAJOR_VERSION,
	KVP_INTRINSIC_OS_MINOR_VERSION,
	KVP_INTRINSIC_OS_VERSION,
	KVP_INTRINSIC_PROCESSOR_ARCHITECTURE,
	KVP_INTRINSIC_COUNT,
};

struct kvp_intrinsic_options {
	const char *os_release;		/* NULL: /etc/os-release, then /usr/lib/os-release */
	const char *fqdn;		/* fixed value instead of resolving the hostname */
	struct kvp_ipinfo *ipinfo;	/* source of the address items; NULL: empty */
	/* Test seams; NULL means the libc call. */
	int (*uname)(struct utsname *buf);
	int (*gethostname)(char *name, size_t len);
};

int kvp_intrinsic_new(const struct kvp_intrinsic_options *opts, struct kvp_intrinsic **ret);
struct kvp_intrinsic *kvp_intrinsic_free(struct kvp_intrinsic *ki);

/* The version string the kernel sent at registration (IntegrationServicesVersion). */
void kvp_intrinsic_set_version(struct kvp_intrinsic *ki, const char *version);

/* Item by index: its key name and current value. -ENOENT past the last item. */
int kvp_intrinsic_get(struct kvp_intrinsic *ki, unsigned index, const char **ret_key,
		      char *value, size_t size);
/* Item by key name; -ENOENT if key is not an intrinsic item. */
int kvp_intrinsic_lookup(struct kvp_intrinsic *ki, const char *key, char *value, size_t size);

const char *kvp_intrinsic_key(unsigned index);

#endif /* HV_KVP_INTRINSIC_H */
