// SPDX-License-Identifier: MIT
/*
 * Intrinsic items (pool 2). Sources, as the upstream daemon reports them so
 * inventory tools see the same values:
 *   FullyQualifiedDomainName   canonical name of the hostname (resolver)
 *   IntegrationServicesVersion the version the kernel sent at registration
 *   NetworkAddressIPv4/IPv6    every non-loopback address, ';'-separated
 *   OSBuildNumber              uname release ("6.1.0-18-amd64")
 *   OSVersion                  uname release up to the first '-' ("6.1.0")
 *   OSName                     os-release NAME, else uname sysname
 *   OSMajorVersion             os-release VERSION_ID up to the first '.'
 *   OSMinorVersion             os-release VERSION_ID after the first '.'
 *   ProcessorArchitecture      uname machine
 *
 * Freshness: uname and gethostname are syscalls, done per request. The
 * os-release file is re-parsed only when its identity or mtime changes.
 * The FQDN needs the resolver, which can block for the resolver timeout;
 * it is resolved asynchronously (getaddrinfo_a) when the hostname changes
 * or the cached answer is older than FQDN_TTL, waiting at most
 * FQDN_WAIT for it; meanwhile the last good answer is used.
 */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "kvp-intrinsic.h"
#include "kvp-ipinfo.h"
#include "log.h"
#include "util.h"

#define FQDN_TTL_USEC (60 * USEC_PER_SEC)
#define FQDN_WAIT_MSEC 1000
#define OS_RELEASE_MAX (64 * 1024)

static const char *const item_keys[KVP_INTRINSIC_COUNT] = {
	[KVP_INTRINSIC_FQDN] = "FullyQualifiedDomainName",
	[KVP_INTRINSIC_INTEGRATION_SERVICES_VERSION] = "IntegrationServicesVersion",
	[KVP_INTRINSIC_NETWORK_ADDRESS_IPV4] = "NetworkAddressIPv4",
	[KVP_INTRINSIC_NETWORK_ADDRESS_IPV6] = "NetworkAddressIPv6",
	[KVP_INTRINSIC_OS_BUILD_NUMBER] = "OSBuildNumber",
	[KVP_INTRINSIC_OS_NAME] = "OSName",
	[KVP_INTRINSIC_OS_MAJOR_VERSION] = "OSMajorVersion",
	[KVP_INTRINSIC_OS_MINOR_VERSION] = "OSMinorVersion",
	[KVP_INTRINSIC_OS_VERSION] = "OSVersion",
	[KVP_INTRINSIC_PROCESSOR_ARCHITECTURE] = "ProcessorArchitecture",
};

struct os_release {
	bool loaded;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	char name[256];
	char version_id[128];
};

struct kvp_intrinsic {
	struct kvp_intrinsic_options opts;
	char *os_release_path;	/* the option, copied */
	char *fqdn_override;
	char version[64];
	struct os_release os;

	/* FQDN resolution */
	char host[HOST_NAME_MAX + 1];	/* hostname the cached fqdn belongs to */
	char fqdn[NI_MAXHOST];
	uint64_t resolved_at;
	bool in_flight;
	char req_host[HOST_NAME_MAX + 1];
	struct addrinfo req_hints;
	struct gaicb req;
};

const char *kvp_intrinsic_key(unsigned index)
{
	return index < KVP_INTRINSIC_COUNT ? item_keys[index] : NULL;
}

int kvp_intrinsic_new(const struct kvp_intrinsic_options *opts, struct kvp_intrinsic **ret)
{
	struct kvp_intrinsic *ki = calloc(1, sizeof(*ki));

	if (!ki)
		return -ENOMEM;
	if (opts)
		ki->opts = *opts;
	if (ki->opts.os_release) {
		ki->os_release_path = strdup(ki->opts.os_release);
		if (!ki->os_release_path)
			goto oom;
	}
	if (ki->opts.fqdn) {
		ki->fqdn_override = strdup(ki->opts.fqdn);
		if (!ki->fqdn_override)
			goto oom;
	}
	if (!ki->opts.uname)
		ki->opts.uname = uname;
	if (!ki->opts.gethostname)
		ki->opts.gethostname = gethostname;
	*ret = ki;
	return 0;
oom:
	kvp_intrinsic_free(ki);
	return -ENOMEM;
}

struct kvp_intrinsic *kvp_intrinsic_free(struct kvp_intrinsic *ki)
{
	if (!ki)
		return NULL;
	if (ki->in_flight) {
		const struct gaicb *list[] = { &ki->req };

		/* A lookup thread may still write into req: wait for it. */
		(void)gai_cancel(&ki->req);
		while (gai_error(&ki->req) == EAI_INPROGRESS)
			(void)gai_suspend(list, 1, NULL);
		if (ki->req.ar_result)
			freeaddrinfo(ki->req.ar_result);
	}
	free(ki->os_release_path);
	free(ki->fqdn_override);
	free(ki);
	return NULL;
}

void kvp_intrinsic_set_version(struct kvp_intrinsic *ki, const char *version)
{
	(void)strscpy(ki->version, version, sizeof(ki->version));
}

/* os-release(5): KEY=value, value optionally quoted with shell-like escapes. */
static void os_release_unquote(char *value)
{
	char *r = value, *w = value;
	char quote = 0;

	if (*r == '"' || *r == '\'')
		quote = *r++;
	for (; *r; r++) {
		if (quote && *r == quote)
			break;
		if (quote == '"' && *r == '\\' && r[1] && strchr("\"\\$`", r[1]))
			r++;
		*w++ = *r;
	}
	*w = '\0';
}

static void os_release_parse(struct os_release *os, char *text)
{
	char *save = NULL;

	os->name[0] = '\0';
	os->version_id[0] = '\0';
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq, *key, *value;

		line = strstrip(line);
		if (*line == '#' || !(eq = strchr(line, '=')))
			continue;
		*eq = '\0';
		key = strstrip(line);
		value = eq + 1;
		os_release_unquote(value);
		if (streq(key, "NAME"))
			(void)strscpy(os->name, value, sizeof(os->name));
		else if (streq(key, "VERSION_ID"))
			(void)strscpy(os->version_id, value, sizeof(os->version_id));
	}
}

static void refresh_os_release(struct kvp_intrinsic *ki)
{
	const char *candidates[] = { "/etc/os-release", "/usr/lib/os-release" };
	const char *path = NULL;
	_cleanup_free_ char *text = NULL;
	struct stat st;

	if (ki->os_release_path) {
		if (stat(ki->os_release_path, &st) == 0)
			path = ki->os_release_path;
	} else {
		for (size_t i = 0; i < ELEMENTSOF(candidates) && !path; i++)
			if (stat(candidates[i], &st) == 0)
				path = candidates[i];
	}
	if (!path) {
		ki->os.loaded = false;
		ki->os.name[0] = ki->os.version_id[0] = '\0';
		return;
	}
	if (ki->os.loaded && ki->os.dev == st.st_dev && ki->os.ino == st.st_ino &&
	    ki->os.size == st.st_size && ki->os.mtime.tv_sec == st.st_mtim.tv_sec &&
	    ki->os.mtime.tv_nsec == st.st_mtim.tv_nsec)
		return;
	if (read_full_file(path, OS_RELEASE_MAX, &text, NULL) < 0) {
		log_debug("Cannot read %s", path);
		return;
	}
	os_release_parse(&ki->os, text);
	ki->os.loaded = true;
	ki->os.dev = st.st_dev;
	ki->os.ino = st.st_ino;
	ki->os.size = st.st_size;
	ki->os.mtime = st.st_mtim;
}

static void fqdn_collect(struct kvp_intrinsic *ki)
{
	int r = gai_error(&ki->req);

	if (r == EAI_INPROGRESS)
		return;
	ki->in_flight = false;
	if (r == 0 && ki->req.ar_result && ki->req.ar_result->ai_canonname &&
	    *ki->req.ar_result->ai_canonname) {
		(void)strscpy(ki->fqdn, ki->req.ar_result->ai_canonname, sizeof(ki->fqdn));
	} else {
		log_debug("Cannot resolve the canonical name of %s: %s", ki->req_host,
			  r ? gai_strerror(r) : "no canonical name");
		(void)strscpy(ki->fqdn, ki->req_host, sizeof(ki->fqdn));
	}
	(void)strscpy(ki->host, ki->req_host, sizeof(ki->host));
	ki->resolved_at = now_usec(CLOCK_MONOTONIC);
	if (ki->req.ar_result)
		freeaddrinfo(ki->req.ar_result);
	ki->req.ar_result = NULL;
}

static void fqdn_start(struct kvp_intrinsic *ki, const char *host)
{
	struct gaicb *list[] = { &ki->req };
	const struct gaicb *wait[] = { &ki->req };
	struct timespec timeout = { .tv_sec = FQDN_WAIT_MSEC / 1000,
				    .tv_nsec = (FQDN_WAIT_MSEC % 1000) * 1000000L };

	(void)strscpy(ki->req_host, host, sizeof(ki->req_host));
	ki->req_hints = (struct addrinfo){ .ai_flags = AI_CANONNAME, .ai_family = AF_UNSPEC,
					   .ai_socktype = SOCK_DGRAM };
	ki->req = (struct gaicb){ .ar_name = ki->req_host, .ar_request = &ki->req_hints };
	if (getaddrinfo_a(GAI_NOWAIT, list, 1, NULL) != 0) {
		(void)strscpy(ki->fqdn, host, sizeof(ki->fqdn));
		(void)strscpy(ki->host, host, sizeof(ki->host));
		ki->resolved_at = now_usec(CLOCK_MONOTONIC);
		return;
	}
	ki->in_flight = true;
	(void)gai_suspend(wait, 1, &timeout);
	fqdn_collect(ki);
}

static void current_fqdn(struct kvp_intrinsic *ki, char *value, size_t size)
{
	char host[HOST_NAME_MAX + 1] = "";

	if (ki->fqdn_override) {
		(void)strscpy(value, ki->fqdn_override, size);
		return;
	}
	if (ki->opts.gethostname(host, sizeof(host)) < 0 || !*host)
		(void)strscpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';

	if (ki->in_flight)
		fqdn_collect(ki);
	if (!ki->in_flight &&
	    (!streq(host, ki->host) ||
	     now_usec(CLOCK_MONOTONIC) - ki->resolved_at > FQDN_TTL_USEC))
		fqdn_start(ki, host);

	/* While a lookup for a new name is still running, the bare hostname is the truth. */
	(void)strscpy(value, streq(host, ki->host) ? ki->fqdn : host, size);
}

static void split_version_id(const char *version_id, bool major, char *value, size_t size)
{
	const char *dot = strchr(version_id, '.');

	if (major) {
		size_t n = dot ? (size_t)(dot - version_id) : strlen(version_id);

		if (n >= size)
			n = size - 1;
		memcpy(value, version_id, n);
		value[n] = '\0';
	} else {
		(void)strscpy(value, dot ? dot + 1 : "", size);
	}
}

static int item_value(struct kvp_intrinsic *ki, unsigned index, char *value, size_t size)
{
	struct utsname u;

	value[0] = '\0';
	switch (index) {
	case KVP_INTRINSIC_FQDN:
		current_fqdn(ki, value, size);
		return 0;
	case KVP_INTRINSIC_INTEGRATION_SERVICES_VERSION:
		(void)strscpy(value, ki->version, size);
		return 0;
	case KVP_INTRINSIC_NETWORK_ADDRESS_IPV4:
	case KVP_INTRINSIC_NETWORK_ADDRESS_IPV6:
		if (!ki->opts.ipinfo)
			return 0;
		/* The driver keeps at most HV_KVP_HOST_MAX_VALUE_UNITS of a value:
		 * cut the list at a separator rather than mid-address. */
		return kvp_ipinfo_addresses(ki->opts.ipinfo,
					    index == KVP_INTRINSIC_NETWORK_ADDRESS_IPV4 ? AF_INET
											: AF_INET6,
					    value, MIN(size, HV_KVP_HOST_MAX_VALUE_UNITS + 1));
	case KVP_INTRINSIC_OS_NAME:
	case KVP_INTRINSIC_OS_MAJOR_VERSION:
	case KVP_INTRINSIC_OS_MINOR_VERSION:
		refresh_os_release(ki);
		if (index != KVP_INTRINSIC_OS_NAME) {
			split_version_id(ki->os.version_id,
					 index == KVP_INTRINSIC_OS_MAJOR_VERSION, value, size);
			return 0;
		}
		if (ki->os.name[0]) {
			(void)strscpy(value, ki->os.name, size);
			return 0;
		}
		/* No os-release: the kernel's name, as upstream reports it. */
		if (ki->opts.uname(&u) < 0)
			return -errno;
		(void)strscpy(value, u.sysname, size);
		return 0;
	case KVP_INTRINSIC_OS_BUILD_NUMBER:
	case KVP_INTRINSIC_OS_VERSION:
	case KVP_INTRINSIC_PROCESSOR_ARCHITECTURE:
		if (ki->opts.uname(&u) < 0)
			return -errno;
		if (index == KVP_INTRINSIC_PROCESSOR_ARCHITECTURE) {
			(void)strscpy(value, u.machine, size);
		} else {
			(void)strscpy(value, u.release, size);
			if (index == KVP_INTRINSIC_OS_VERSION)
				value[strcspn(value, "-")] = '\0';
		}
		return 0;
	default:
		return -ENOENT;
	}
}

int kvp_intrinsic_get(struct kvp_intrinsic *ki, unsigned index, const char **ret_key,
		      char *value, size_t size)
{
	int r;

	if (index >= KVP_INTRINSIC_COUNT)
		return -ENOENT;
	r = item_value(ki, index, value, size);
	if (r < 0)
		return r;
	*ret_key = item_keys[index];
	return 0;
}

int kvp_intrinsic_lookup(struct kvp_intrinsic *ki, const char *key, char *value, size_t size)
{
	for (unsigned i = 0; i < KVP_INTRINSIC_COUNT; i++)
		if (streq(key, item_keys[i]))
			return item_value(ki, i, value, size);
	return -ENOENT;
}
