// SPDX-License-Identifier: MIT
/*
 * GET_IP_INFO's dns_addr: the DNS servers an interface uses.
 *
 * With systemd-resolved, servers are per link: we read the Manager's "DNS"
 * property (a(iiay): ifindex, address family, address bytes; ifindex 0 =
 * global) and report the link's own servers, or the global ones when the
 * link has none (resolved then sends that link's queries to them).
 *
 * Without resolved, resolv.conf's "nameserver" lines are the servers of
 * every interface. When resolv.conf only names resolved's stub listener
 * (127.0.0.53/54: a loopback address is useless to the host) but resolved
 * cannot be asked, the upstream servers it was given are in its uplink
 * file, /run/systemd/resolve/resolv.conf. A stub is never reported.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "kvp-ipinfo-state.h"
#include "log.h"
#include "util.h"

#define RESOLVED_NAME "org.freedesktop.resolve1"
#define RESOLVED_PATH "/org/freedesktop/resolve1"
#define RESOLVED_MANAGER "org.freedesktop.resolve1.Manager"
/* A KVP reply must reach the kernel within 30 s; a stuck bus must not eat that. */
#define BUS_TIMEOUT_USEC (500 * USEC_PER_MSEC)
#define MAX_RESOLV_CONF (64 * 1024)

static int bus_connect(const char *address, sd_bus **ret)
{
	sd_bus *bus = NULL;
	int r;

	if (!address) {
		r = sd_bus_open_system(&bus);
	} else {
		/* Peer-to-peer with the resolver itself (tests): no bus daemon, no Hello. */
		r = sd_bus_new(&bus);
		if (r >= 0)
			r = sd_bus_set_address(bus, address);
		if (r >= 0)
			r = sd_bus_start(bus);
	}
	if (r < 0) {
		sd_bus_unref(bus);
		return r;
	}
	(void)sd_bus_set_method_call_timeout(bus, BUS_TIMEOUT_USEC);
	*ret = bus;
	return 0;
}

static int resolved_running(sd_bus *bus)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	int has, r;

	/* Ask the bus rather than call resolved: a call could activate it. */
	r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
			       "org.freedesktop.DBus", "NameHasOwner", &error, &reply, "s",
			       RESOLVED_NAME);
	if (r < 0)
		return r;
	r = sd_bus_message_read(reply, "b", &has);
	return r < 0 ? r : has;
}

static int format_bus_address(int family, const void *data, size_t size, char *buf, size_t bufsize)
{
	if (!((family == AF_INET && size == 4) || (family == AF_INET6 && size == 16)))
		return -EINVAL;
	return inet_ntop(family, data, buf, (socklen_t)bufsize) ? 0 : -EINVAL;
}

static int resolved_dns(sd_bus *bus, int ifindex, char ***ret)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	_cleanup_strv_free_ char **link = NULL, **global = NULL;
	int r;

	r = sd_bus_get_property(bus, RESOLVED_NAME, RESOLVED_PATH, RESOLVED_MANAGER, "DNS", &error,
				&reply, "a(iiay)");
	if (r < 0)
		return log_debug_errno(r, "ipinfo: resolved DNS property: %s",
				       error.message ? error.message : "failed");
	r = sd_bus_message_enter_container(reply, 'a', "(iiay)");
	if (r < 0)
		return r;
	while ((r = sd_bus_message_enter_container(reply, 'r', "iiay")) > 0) {
		char addr[INET6_ADDRSTRLEN];
		const void *data;
		size_t size;
		int idx, family;

		r = sd_bus_message_read(reply, "ii", &idx, &family);
		if (r < 0)
			return r;
		r = sd_bus_message_read_array(reply, 'y', &data, &size);
		if (r < 0)
			return r;
		r = sd_bus_message_exit_container(reply);
		if (r < 0)
			return r;
		if (format_bus_address(family, data, size, addr, sizeof(addr)) < 0)
			continue;
		if (idx == ifindex && !strv_contains(link, addr)) {
			if (strv_extend(&link, addr) < 0)
				return -ENOMEM;
		} else if (idx == 0 && !strv_contains(global, addr)) {
			if (strv_extend(&global, addr) < 0)
				return -ENOMEM;
		}
	}
	if (r < 0)
		return r;
	r = sd_bus_message_exit_container(reply);
	if (r < 0)
		return r;
	if (link)
		*ret = TAKE_PTR(link);
	else if (global)
		*ret = TAKE_PTR(global);
	else
		*ret = calloc(1, sizeof(char *));
	return *ret ? 0 : -ENOMEM;
}

static int resolv_conf_file(const char *path, char ***ret)
{
	_cleanup_free_ char *text = NULL;
	size_t size;
	int r;

	r = read_full_file(path, MAX_RESOLV_CONF, &text, &size);
	if (r < 0)
		return r;
	return kvp_ipinfo_parse_resolv_conf(text, size, ret);
}

static void drop_stubs(char **l)
{
	char **w = l;

	STRV_FOREACH(s, l) {
		if (kvp_ipinfo_is_resolved_stub(*s))
			free(*s);
		else
			*w++ = *s;
	}
	if (w)
		*w = NULL;
}

static int resolv_conf_dns(const struct kvp_ipinfo_dns_opts *o, char ***ret)
{
	_cleanup_strv_free_ char **l = NULL;
	bool stub = false;
	int r;

	r = resolv_conf_file(o->resolv_conf, &l);
	if (r < 0 && r != -ENOENT)
		return r;
	STRV_FOREACH(s, l)
		if (kvp_ipinfo_is_resolved_stub(*s))
			stub = true;
	drop_stubs(l);
	if (stub && strv_length(l) == 0) {
		_cleanup_free_ char *uplink = NULL;

		if (asprintf(&uplink, "%s%s", strempty(o->state_root), KVP_IPINFO_RESOLVED_UPLINK) <
		    0)
			return -ENOMEM;
		strv_free(l);
		l = NULL;
		r = resolv_conf_file(uplink, &l);
		if (r < 0 && r != -ENOENT)
			return r;
		drop_stubs(l);
	}
	*ret = l ? TAKE_PTR(l) : calloc(1, sizeof(char *));
	return *ret ? 0 : -ENOMEM;
}

int kvp_ipinfo_dns_servers(const struct kvp_ipinfo_dns_opts *o, sd_bus **bus, int ifindex,
			   char ***ret)
{
	int r;

	if (o->use_resolved == KVP_IPINFO_RESOLVED_NEVER)
		return resolv_conf_dns(o, ret);

	if (!*bus) {
		r = bus_connect(o->bus_address, bus);
		if (r < 0) {
			log_debug_errno(r, "ipinfo: no bus for resolved: %m");
			return resolv_conf_dns(o, ret);
		}
	}
	if (o->use_resolved == KVP_IPINFO_RESOLVED_AUTO && !o->bus_address) {
		r = resolved_running(*bus);
		if (r <= 0) {
			if (r < 0)
				*bus = sd_bus_flush_close_unref(*bus);
			return resolv_conf_dns(o, ret);
		}
	}
	r = resolved_dns(*bus, ifindex, ret);
	if (r >= 0)
		return 0;
	/* Drop the connection: the next query reconnects (resolved restarted, bus gone). */
	*bus = sd_bus_flush_close_unref(*bus);
	if (r == -ENOMEM)
		return r;
	return resolv_conf_dns(o, ret);
}
