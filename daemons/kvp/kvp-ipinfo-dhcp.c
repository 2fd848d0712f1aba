// SPDX-License-Identifier: MIT
/*
 * GET_IP_INFO's dhcp_enabled: whether IPv4 on an interface is configured
 * by DHCP. There is no kernel answer to this; we ask whatever manages the
 * interface, through its own state on disk (no shell-outs, no helper
 * scripts), in this order:
 *
 *  1. systemd-networkd: /run/systemd/netif/links/<ifindex> names the
 *     .network file applied (NETWORK_FILE=) and a current DHCPv4 lease
 *     (DHCP_LEASE=). A lease means yes; otherwise the [Network] DHCP=
 *     setting of that file decides.
 *  2. NetworkManager: /run/NetworkManager/devices/<ifindex> ([device]
 *     managed=, connection-uuid=) leads to the profile (keyfile with that
 *     [connection] uuid= in NM's system-connections directories); its
 *     [ipv4] method= is "auto" for DHCP (also the default when absent).
 *  3. ifupdown: "iface <name> inet dhcp" in /etc/network/interfaces and
 *     the files it sources.
 *  4. dhclient started by anything else: an unexpired lease for the
 *     interface in dhclient's lease files.
 *
 * Every path is under state_root so tests can build a fake tree.
 */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "kvp-ipinfo-state.h"
#include "log.h"
#include "util.h"

/* ifupdown "source" nesting and file count limits (loops, huge trees). */
#define IFUPDOWN_MAX_DEPTH 4
#define IFUPDOWN_MAX_FILES 128

static const char *const nm_profile_dirs[] = {
	"/etc/NetworkManager/system-connections",
	"/run/NetworkManager/system-connections",
	"/usr/lib/NetworkManager/system-connections",
};

/* dhclient lease files as Debian/Ubuntu and RHEL/SUSE name them. */
static const char *const dhclient_lease_patterns[] = {
	"/var/lib/dhcp/dhclient.%s.leases",	"/var/lib/dhcp/dhclient.leases",
	"/var/lib/dhclient/dhclient-%s.leases", "/var/lib/dhclient/dhclient--%s.lease",
	"/var/lib/dhclient/dhclient.leases",
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *rooted(const char *root, const char *path)
{
	char *p;

	if (asprintf(&p, "%s%s", strempty(root), path) < 0)
		return NULL;
	return p;
}

static int read_state_file(const char *root, const char *path, char **ret, size_t *ret_size)
{
	_cleanup_free_ char *p = rooted(root, path);

	if (!p)
		return -ENOMEM;
	return read_full_file(p, KVP_IPINFO_MAX_STATE_FILE, ret, ret_size);
}

/* 1 (DHCP), 0 (static), -ENOENT (networkd does not manage ifindex). */
static int dhcp_networkd(const char *root, int ifindex)
{
	_cleanup_free_ char *text = NULL, *lease = NULL, *network = NULL, *ntext = NULL;
	_cleanup_free_ char *dhcp = NULL;
	char path[64];
	size_t size, nsize;
	int r;

	(void)snprintf(path, sizeof(path), KVP_IPINFO_NETWORKD_LINKS "/%d", ifindex);
	r = read_state_file(root, path, &text, &size);
	if (r < 0)
		return -ENOENT;
	/* NETWORK_FILE= is only written while a .network applies to the link. */
	r = kvp_ipinfo_parse_env(text, size, "NETWORK_FILE", &network);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || network[0] != '/')
		return -ENOENT;
	r = kvp_ipinfo_parse_env(text, size, "DHCP_LEASE", &lease);
	if (r == -ENOMEM)
		return r;
	if (r == 0 && lease[0])
		return 1;
	r = read_state_file(root, network, &ntext, &nsize);
	if (r < 0)
		return 0; /* managed, file gone: static as far as we can tell */
	r = kvp_ipinfo_parse_ini(ntext, nsize, "Network", "DHCP", &dhcp);
	if (r == -ENOMEM)
		return r;
	return r == 0 && kvp_ipinfo_networkd_dhcp4(dhcp);
}

static int nm_profile_method(const char *root, const char *uuid, char **ret_method)
{
	for (size_t i = 0; i < ELEMENTSOF(nm_profile_dirs); i++) {
		_cleanup_free_ char *dir = rooted(root, nm_profile_dirs[i]);
		_cleanup_closedir_ DIR *d = NULL;
		struct dirent *de;

		if (!dir)
			return -ENOMEM;
		d = opendir(dir);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			_cleanup_free_ char *p = NULL, *text = NULL, *id = NULL, *method = NULL;
			size_t size;
			int r;

			if (de->d_name[0] == '.')
				continue;
			if (asprintf(&p, "%s/%s", dir, de->d_name) < 0)
				return -ENOMEM;
			if (read_full_file(p, KVP_IPINFO_MAX_STATE_FILE, &text, &size) < 0)
				continue;
			r = kvp_ipinfo_parse_ini(text, size, "connection", "uuid", &id);
			if (r == -ENOMEM)
				return r;
			if (r < 0 || strcasecmp(id, uuid) != 0)
				continue;
			r = kvp_ipinfo_parse_ini(text, size, "ipv4", "method", &method);
			if (r == -ENOMEM)
				return r;
			/* nm-settings(5): ipv4.method defaults to "auto". */
			*ret_method = r == 0 ? TAKE_PTR(method) : strdup("auto");
			return *ret_method ? 0 : -ENOMEM;
		}
	}
	return -ENOENT;
}

/* 1, 0, or -ENOENT (NetworkManager has no profile for ifindex). */
static int dhcp_networkmanager(const char *root, int ifindex)
{
	_cleanup_free_ char *text = NULL, *managed = NULL, *uuid = NULL, *method = NULL;
	char path[64];
	size_t size;
	int r;

	(void)snprintf(path, sizeof(path), KVP_IPINFO_NM_DEVICES "/%d", ifindex);
	if (read_state_file(root, path, &text, &size) < 0)
		return -ENOENT;
	r = kvp_ipinfo_parse_ini(text, size, "device", "managed", &managed);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || !(streq(managed, "true") || streq(managed, "1")))
		return -ENOENT;
	r = kvp_ipinfo_parse_ini(text, size, "device", "connection-uuid", &uuid);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || !uuid[0])
		return -ENOENT;
	r = nm_profile_method(root, uuid, &method);
	if (r < 0)
		return r == -ENOMEM ? r : -ENOENT;
	return streq(method, "auto");
}

struct ifupdown_walk {
	const char *root;
	const char *ifname;
	unsigned files;
	char *method;
};

static int ifupdown_file(struct ifupdown_walk *w, const char *path, unsigned depth);

/* "source" takes a glob; relative patterns are relative to /etc/network. */
static int ifupdown_source(struct ifupdown_walk *w, const char *pattern, unsigned depth)
{
	_cleanup_free_ char *abs = NULL, *full = NULL;
	glob_t g = { 0 };
	int r = 0;

	if (pattern[0] == '/')
		abs = strdup(pattern);
	else if (asprintf(&abs, "/etc/network/%s", pattern) < 0)
		abs = NULL;
	if (!abs)
		return -ENOMEM;
	full = rooted(w->root, abs);
	if (!full)
		return -ENOMEM;
	/* glob(3) sorts its result unless told not to. */
	if (glob(full, GLOB_NOESCAPE, NULL, &g) != 0) {
		globfree(&g);
		return 0;
	}
	for (size_t i = 0; i < g.gl_pathc && !w->method && r >= 0; i++) {
		const char *rel = g.gl_pathv[i] + strlen(strempty(w->root));

		r = ifupdown_file(w, rel, depth + 1);
	}
	globfree(&g);
	return r;
}

/* source-directory: every file whose name is [A-Za-z0-9_-]+ (run-parts). */
static int ifupdown_source_dir(struct ifupdown_walk *w, const char *dir, unsigned depth)
{
	_cleanup_free_ char *abs = NULL, *full = NULL;
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r = 0;

	if (dir[0] == '/')
		abs = strdup(dir);
	else if (asprintf(&abs, "/etc/network/%s", dir) < 0)
		abs = NULL;
	if (!abs)
		return -ENOMEM;
	full = rooted(w->root, abs);
	if (!full)
		return -ENOMEM;
	d = opendir(full);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '\0' ||
		    strspn(de->d_name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				       "0123456789_-") != strlen(de->d_name))
			continue;
		if (strv_extend(&names, de->d_name) < 0)
			return -ENOMEM;
	}
	if (names)
		qsort(names, strv_length(names), sizeof(char *), cmp_str);
	STRV_FOREACH(n, names) {
		_cleanup_free_ char *p = NULL;

		if (w->method || r < 0)
			break;
		if (asprintf(&p, "%s/%s", abs, *n) < 0)
			return -ENOMEM;
		r = ifupdown_file(w, p, depth + 1);
	}
	return r;
}

static int ifupdown_file(struct ifupdown_walk *w, const char *path, unsigned depth)
{
	_cleanup_strv_free_ char **sources = NULL, **dirs = NULL;
	_cleanup_free_ char *text = NULL;
	size_t size;
	int r;

	if (depth > IFUPDOWN_MAX_DEPTH || ++w->files > IFUPDOWN_MAX_FILES)
		return 0;
	if (read_state_file(w->root, path, &text, &size) < 0)
		return 0;
	r = kvp_ipinfo_parse_ifupdown(text, size, w->ifname, &w->method, &sources, &dirs);
	if (r == -ENOMEM)
		return r;
	if (w->method)
		return 0;
	/* Sourced files are read where the directive stands; order is close enough. */
	STRV_FOREACH(s, sources) {
		r = ifupdown_source(w, *s, depth);
		if (r < 0 || w->method)
			return r;
	}
	STRV_FOREACH(s, dirs) {
		r = ifupdown_source_dir(w, *s, depth);
		if (r < 0 || w->method)
			return r;
	}
	return 0;
}

/* 1, 0, or -ENOENT (no "iface <name> inet" stanza). */
static int dhcp_ifupdown(const char *root, const char *ifname)
{
	struct ifupdown_walk w = { .root = root, .ifname = ifname };
	int r;

	r = ifupdown_file(&w, KVP_IPINFO_IFUPDOWN_INTERFACES, 0);
	if (r < 0) {
		free(w.method);
		return r;
	}
	if (!w.method)
		return -ENOENT;
	r = streq(w.method, "dhcp");
	free(w.method);
	return r;
}

static int dhcp_dhclient(const char *root, const char *ifname, time_t now)
{
	for (size_t i = 0; i < ELEMENTSOF(dhclient_lease_patterns); i++) {
		_cleanup_free_ char *text = NULL;
		char path[PATH_MAX];
		size_t size;
		int r;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		r = snprintf(path, sizeof(path), dhclient_lease_patterns[i], ifname);
#pragma GCC diagnostic pop
		if (r < 0 || (size_t)r >= sizeof(path))
			continue;
		if (read_state_file(root, path, &text, &size) < 0)
			continue;
		r = kvp_ipinfo_parse_dhclient_leases(text, size, ifname, now);
		if (r != 0)
			return r;
	}
	return 0;
}

int kvp_ipinfo_dhcp_enabled(const char *state_root, int ifindex, const char *ifname, time_t now,
			    enum kvp_ipinfo_dhcp_source *ret_source)
{
	enum kvp_ipinfo_dhcp_source src = KVP_IPINFO_DHCP_NONE;
	int r;

	r = dhcp_networkd(state_root, ifindex);
	if (r != -ENOENT) {
		src = KVP_IPINFO_DHCP_NETWORKD;
		goto done;
	}
	r = dhcp_networkmanager(state_root, ifindex);
	if (r != -ENOENT) {
		src = KVP_IPINFO_DHCP_NETWORKMANAGER;
		goto done;
	}
	r = dhcp_ifupdown(state_root, ifname);
	if (r != -ENOENT) {
		src = KVP_IPINFO_DHCP_IFUPDOWN;
		goto done;
	}
	r = dhcp_dhclient(state_root, ifname, now);
	if (r > 0)
		src = KVP_IPINFO_DHCP_DHCLIENT;
done:
	if (r < 0) {
		log_debug_errno(r, "ipinfo: DHCP state of %s unknown: %m", ifname);
		r = 0;
	}
	if (ret_source)
		*ret_source = src;
	return r;
}
