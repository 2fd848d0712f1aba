// SPDX-License-Identifier: MIT
/*
 * kvp-ipinfo-dns.c: DNS servers from resolv.conf files under
 * tests/unit/data/ipinfo/, and from a fake systemd-resolved speaking D-Bus
 * peer-to-peer on a private socket (no system bus needed).
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-bus.h>
#include <systemd/sd-id128.h>

#include "kvp-ipinfo-state.h"
#include "testlib.h"
#include "util.h"

#define DATA HV_SOURCE_DIR "/tests/unit/data/ipinfo"

static char *dns_of(const char *resolv_conf, const char *state_root, const char *bus_address,
		    enum kvp_ipinfo_resolved use_resolved, int ifindex)
{
	static char buf[1024];
	struct kvp_ipinfo_dns_opts o = {
		.resolv_conf = resolv_conf,
		.state_root = state_root,
		.bus_address = bus_address,
		.use_resolved = use_resolved,
	};
	struct kvp_ipinfo_list l;
	sd_bus *bus = NULL;
	char **servers = NULL;

	ck_assert_int_eq(kvp_ipinfo_dns_servers(&o, &bus, ifindex, &servers), 0);
	kvp_ipinfo_list_init(&l, buf, sizeof(buf));
	STRV_FOREACH(s, servers)
		ck_assert_int_eq(kvp_ipinfo_list_append(&l, *s), 0);
	strv_free(servers);
	sd_bus_flush_close_unref(bus);
	return buf;
}

START_TEST(kvp_ipinfo_dns__resolv_conf)
{
	ck_assert_str_eq(dns_of(DATA "/resolv/plain.conf", "", NULL, KVP_IPINFO_RESOLVED_NEVER, 2),
			 "192.0.2.53;2001:db8::53;fe80::1;203.0.113.53");
	ck_assert_str_eq(dns_of(DATA "/nonexistent.conf", "", NULL, KVP_IPINFO_RESOLVED_NEVER, 2), "");
}
END_TEST

START_TEST(kvp_ipinfo_dns__stub_falls_back_to_uplink)
{
	/* Only resolved's stub: its uplink servers are the answer. */
	ck_assert_str_eq(dns_of(DATA "/resolv/stub.conf", DATA "/stub-root", NULL, KVP_IPINFO_RESOLVED_NEVER, 2),
			 "192.0.2.201;2001:db8::201");
	/* No uplink file: nothing rather than a loopback address. */
	ck_assert_str_eq(dns_of(DATA "/resolv/stub.conf", DATA "/nm", NULL, KVP_IPINFO_RESOLVED_NEVER, 2), "");
	/* A stub next to real servers is just dropped. */
	ck_assert_str_eq(dns_of(DATA "/resolv/stub-and-real.conf", DATA "/stub-root", NULL, KVP_IPINFO_RESOLVED_NEVER, 2),
			 "192.0.2.1");
}
END_TEST

/* ---- fake systemd-resolved ---- */

struct fake_dns {
	int ifindex;
	int family;
	const char *addr;
	size_t len; /* bytes sent; 0: the family's size */
};

static const struct fake_dns fake_servers[] = {
	{ 2, AF_INET, "192.0.2.7", 0 },	   { 0, AF_INET, "198.51.100.1", 0 },
	{ 2, AF_INET6, "2001:db8::7", 0 }, { 2, AF_INET, "192.0.2.99", 3 }, /* malformed: skipped */
	{ 2, AF_INET, "192.0.2.7", 0 }, /* duplicate */
	{ 3, AF_INET, "203.0.113.3", 0 },
};

static int get_dns(sd_bus *bus, const char *path, const char *interface, const char *property,
		   sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	int r = sd_bus_message_open_container(reply, 'a', "(iiay)");

	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(fake_servers); i++) {
		const struct fake_dns *f = &fake_servers[i];
		unsigned char bin[16];
		size_t len = f->len ? f->len : f->family == AF_INET ? 4 : 16;

		ck_assert_int_eq(inet_pton(f->family, f->addr, bin), 1);
		r = sd_bus_message_open_container(reply, 'r', "iiay");
		if (r >= 0)
			r = sd_bus_message_append(reply, "ii", f->ifindex, f->family);
		if (r >= 0)
			r = sd_bus_message_append_array(reply, 'y', bin, len);
		if (r >= 0)
			r = sd_bus_message_close_container(reply);
	}
	return r < 0 ? r : sd_bus_message_close_container(reply);
}

static const sd_bus_vtable resolved_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("DNS", "a(iiay)", get_dns, 0, 0),
	SD_BUS_VTABLE_END,
};

static void serve(int fd)
{
	sd_bus *bus = NULL;
	sd_id128_t id;

	if (sd_id128_randomize(&id) < 0 || sd_bus_new(&bus) < 0 || sd_bus_set_fd(bus, fd, fd) < 0 ||
	    sd_bus_set_server(bus, 1, id) < 0 || sd_bus_start(bus) < 0 ||
	    sd_bus_add_object_vtable(bus, NULL, "/org/freedesktop/resolve1",
				     "org.freedesktop.resolve1.Manager", resolved_vtable, NULL) < 0)
		_exit(2);
	for (;;) {
		int r = sd_bus_process(bus, NULL);

		if (r < 0)
			break;
		if (r > 0)
			continue;
		if (sd_bus_wait(bus, UINT64_MAX) < 0)
			break;
	}
	sd_bus_flush_close_unref(bus);
}

static pid_t fake_resolved_start(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	ck_assert_int_ge(fd, 0);
	ck_assert_uint_lt(strlen(path), sizeof(sa.sun_path));
	strcpy(sa.sun_path, path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sigset_t none;

		/* check's runner handler would kill the whole process group. */
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (;;) {
			int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

			if (c < 0)
				_exit(1);
			serve(c);
		}
	}
	close(fd);
	return pid;
}

START_TEST(kvp_ipinfo_dns__resolved_per_link_then_global)
{
	char *dir = tl_mkdtemp("ipinfo-dns");
	char sock[512], address[600];
	pid_t pid;

	snprintf(sock, sizeof(sock), "%s/resolve.sock", dir);
	snprintf(address, sizeof(address), "unix:path=%s", sock);
	pid = fake_resolved_start(sock);

	/* The link's own servers, in order, without duplicates or junk. */
	ck_assert_str_eq(dns_of(DATA "/resolv/plain.conf", "", address, KVP_IPINFO_RESOLVED_ALWAYS, 2),
			 "192.0.2.7;2001:db8::7");
	ck_assert_str_eq(dns_of(DATA "/resolv/plain.conf", "", address, KVP_IPINFO_RESOLVED_ALWAYS, 3), "203.0.113.3");
	/* A link without servers of its own uses the global ones. */
	ck_assert_str_eq(dns_of(DATA "/resolv/plain.conf", "", address, KVP_IPINFO_RESOLVED_ALWAYS, 7), "198.51.100.1");

	tl_kill_wait(pid, SIGTERM, 5000);
	/* Resolver gone: resolv.conf answers. */
	ck_assert_str_eq(dns_of(DATA "/resolv/plain.conf", "", address, KVP_IPINFO_RESOLVED_ALWAYS, 2),
			 "192.0.2.53;2001:db8::53;fe80::1;203.0.113.53");
	tl_rm_rf(dir);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kvp-ipinfo-dns");
	struct {
		const char *name;
		const TTest *test;
	} cases[] = {
		{ "resolv_conf", kvp_ipinfo_dns__resolv_conf },
		{ "stub", kvp_ipinfo_dns__stub_falls_back_to_uplink },
		{ "resolved", kvp_ipinfo_dns__resolved_per_link_then_global },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return tl_run_suite(s);
}
