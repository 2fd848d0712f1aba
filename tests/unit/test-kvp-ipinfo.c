// SPDX-License-Identifier: MIT
/*
 * kvp-ipinfo.c against a real kernel: each test forks a child that enters a
 * fresh network namespace (unshare), builds veth pairs with chosen MACs,
 * addresses and routes through libnl, and checks GET_IP_INFO replies byte
 * for byte. The test process and the machine's own network are never
 * touched. The driver of an interface comes from a fake sysfs tree.
 *
 * Inside the child there is no check runner to report to: failures print
 * and _exit(1), and the parent asserts on the exit status.
 */
#include <net/if.h> /* before any <linux/if.h> */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>
#include <systemd/sd-event.h>

#include <hyperv/kvp.h>

#include "kvp-ipinfo.h"
#include "testlib.h"
#include "util.h"

#define DATA HV_SOURCE_DIR "/tests/unit/data/ipinfo"

#define MAC_ETH1 "00:15:5d:00:00:01"
#define MAC_ETH10 "00:15:5d:00:00:10"
#define MAC_SHARED "00:15:5d:00:00:20"
#define MAC_MANY "00:15:5d:00:00:99"

/* The fake sysfs tree (made by the parent, read by the child). */
static char *sysfs_dir;

/* ---- assertions usable in the namespace child ---- */

static void __attribute__((noreturn, format(printf, 3, 4)))
ns_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(1);
}

#define NS_CHECK(cond, ...)                                                            \
	do {                                                                           \
		if (!(cond))                                                           \
			ns_fail(__FILE__, __LINE__, "failed: " #cond " " __VA_ARGS__); \
	} while (0)
#define NS_STR_EQ(a, b)                                                                          \
	do {                                                                                     \
		const char *_a = (a), *_b = (b);                                                 \
		if (strcmp(_a, _b) != 0)                                                         \
			ns_fail(__FILE__, __LINE__, "%s:\n  got  \"%s\"\n  want \"%s\"", #a, _a, \
				_b);                                                             \
	} while (0)
#define NS_INT_EQ(a, b)                                                                 \
	do {                                                                            \
		long _a = (long)(a), _b = (long)(b);                                    \
		if (_a != _b)                                                           \
			ns_fail(__FILE__, __LINE__, "%s == %ld, want %ld", #a, _a, _b); \
	} while (0)

/* ---- building the namespace ---- */

static struct nl_sock *sk;

static void write_sysctl(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	NS_CHECK(fd >= 0, "(%s: %m)", path);
	NS_CHECK(write(fd, value, strlen(value)) == (ssize_t)strlen(value), "(%s)", path);
	close(fd);
}

static int ifindex(const char *name)
{
	int idx = (int)if_nametoindex(name);

	NS_CHECK(idx > 0, "(%s)", name);
	return idx;
}

static void link_set_up(const char *name, bool up)
{
	struct rtnl_link *old = NULL, *change = rtnl_link_alloc();
	int r;

	NS_CHECK(rtnl_link_get_kernel(sk, 0, name, &old) == 0, "(%s)", name);
	if (up)
		rtnl_link_set_flags(change, IFF_UP);
	else
		rtnl_link_unset_flags(change, IFF_UP);
	r = rtnl_link_change(sk, old, change, 0);
	NS_CHECK(r == 0, "(%s: %s)", name, nl_geterror(r));
	rtnl_link_put(old);
	rtnl_link_put(change);
}

static int add_veth(const char *name, const char *peer_name, const char *mac)
{
	struct rtnl_link *link = rtnl_link_veth_alloc();
	struct rtnl_link *peer;
	struct nl_addr *a = NULL;
	int r;

	if (!link)
		return -NLE_NOMEM;
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(link, name);
	rtnl_link_set_name(peer, peer_name);
	NS_CHECK(nl_addr_parse(mac, AF_LLC, &a) == 0);
	rtnl_link_set_addr(link, a);
	nl_addr_put(a);
	r = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer); /* get_peer took a reference */
	rtnl_link_veth_release(link);
	if (r < 0)
		return r;
	link_set_up(name, true);
	link_set_up(peer_name, true);
	return 0;
}

static int on_monitor_msg(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	int *want = arg;

	if (h->nlmsg_type == *want)
		*want = 0;
	return NL_OK;
}

/*
 * The kernel announces a new IPv6 address from its DAD work, after the
 * request that added it has returned (even with NODAD): wait until a
 * listener of our own has seen the announcement. The kernel multicasts it
 * to every listener at once, so kvp-ipinfo's socket then holds it too.
 */
static struct nl_sock *monitor_start(int *want)
{
	struct nl_sock *mon = nl_socket_alloc();

	NS_CHECK(mon && nl_connect(mon, NETLINK_ROUTE) == 0);
	nl_socket_disable_seq_check(mon);
	NS_CHECK(nl_socket_add_memberships(mon, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, 0) == 0);
	nl_socket_modify_cb(mon, NL_CB_VALID, NL_CB_CUSTOM, on_monitor_msg, want);
	return mon;
}

static void monitor_wait(struct nl_sock *mon, int *want)
{
	struct pollfd p = { .fd = nl_socket_get_fd(mon), .events = POLLIN };

	while (*want) {
		NS_CHECK(poll(&p, 1, 5000) == 1, "(no address notification within 5 s)");
		NS_CHECK(nl_recvmsgs_default(mon) >= 0);
	}
	nl_socket_free(mon);
}

static void addr_op(bool add, const char *dev, const char *cidr)
{
	struct rtnl_addr *addr = rtnl_addr_alloc();
	struct nl_addr *local = NULL;
	int want = add ? RTM_NEWADDR : RTM_DELADDR;
	struct nl_sock *mon = monitor_start(&want);
	int r;

	NS_CHECK(nl_addr_parse(cidr, AF_UNSPEC, &local) == 0, "(%s)", cidr);
	rtnl_addr_set_ifindex(addr, ifindex(dev));
	NS_CHECK(rtnl_addr_set_local(addr, local) == 0);
	if (nl_addr_get_family(local) == AF_INET6)
		rtnl_addr_set_flags(addr, IFA_F_NODAD);
	r = add ? rtnl_addr_add(sk, addr, 0) : rtnl_addr_delete(sk, addr, 0);
	NS_CHECK(r == 0, "(%s %s: %s)", dev, cidr, nl_geterror(r));
	nl_addr_put(local);
	rtnl_addr_put(addr);
	monitor_wait(mon, &want);
}

static void add_default_route(const char *dev, const char *gateway, uint32_t metric, uint32_t table)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = NULL, *gw = NULL;
	int family, r;

	NS_CHECK(nl_addr_parse(gateway, AF_UNSPEC, &gw) == 0, "(%s)", gateway);
	family = nl_addr_get_family(gw);
	NS_CHECK(nl_addr_parse(family == AF_INET ? "0.0.0.0/0" : "::/0", family, &dst) == 0);
	rtnl_route_set_family(rt, (uint8_t)family);
	NS_CHECK(rtnl_route_set_dst(rt, dst) == 0);
	rtnl_route_set_table(rt, table);
	rtnl_route_set_priority(rt, metric);
	rtnl_route_set_protocol(rt, RTPROT_STATIC);
	rtnl_route_set_scope(rt, RT_SCOPE_UNIVERSE);
	rtnl_route_set_type(rt, RTN_UNICAST);
	rtnl_route_nh_set_ifindex(nh, ifindex(dev));
	rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_add_nexthop(rt, nh);
	r = rtnl_route_add(sk, rt, NLM_F_CREATE | NLM_F_EXCL);
	NS_CHECK(r == 0, "(default via %s dev %s: %s)", gateway, dev, nl_geterror(r));
	nl_addr_put(dst);
	nl_addr_put(gw);
	rtnl_route_put(rt);
}

/*
 *   eth1  00:15:5d:00:00:01  192.0.2.10/24, 198.51.100.7/25, 192.0.2.11/24
 *                            (secondary), 2001:db8:1::10/64, fe80::1/64
 *         default via 192.0.2.1 metric 100, via 198.51.100.1 metric 200,
 *         via 2001:db8:1::1; table 100: default via 192.0.2.254
 *   eth10 00:15:5d:00:00:10  203.0.113.5/24, 2001:db8:10::5/64
 *         default via 203.0.113.1 metric 300, via 2001:db8:10::1 metric 2048
 * Peers hvtipp1/hvtipp10 carry no addresses. No automatic link-local
 * addresses and no DAD, so the state is exactly what we add.
 */
static void build_namespace(void)
{
	int r;

	NS_CHECK(unshare(CLONE_NEWNET) == 0, "(%m)");
	write_sysctl("/proc/sys/net/ipv6/conf/default/addr_gen_mode", "1");
	write_sysctl("/proc/sys/net/ipv6/conf/default/accept_dad", "0");
	sk = nl_socket_alloc();
	NS_CHECK(sk && nl_connect(sk, NETLINK_ROUTE) == 0);
	link_set_up("lo", true);

	r = add_veth("eth1", "hvtipp1", MAC_ETH1);
	NS_CHECK(r == 0, "(veth: %s)", nl_geterror(r));
	NS_CHECK(add_veth("eth10", "hvtipp10", MAC_ETH10) == 0);
	addr_op(true, "eth1", "192.0.2.10/24");
	addr_op(true, "eth1", "198.51.100.7/25");
	addr_op(true, "eth1", "192.0.2.11/24");
	addr_op(true, "eth1", "2001:db8:1::10/64");
	addr_op(true, "eth1", "fe80::1/64");
	addr_op(true, "eth10", "203.0.113.5/24");
	addr_op(true, "eth10", "2001:db8:10::5/64");
	add_default_route("eth1", "192.0.2.1", 100, RT_TABLE_MAIN);
	add_default_route("eth1", "198.51.100.1", 200, RT_TABLE_MAIN);
	add_default_route("eth1", "192.0.2.254", 0, 100);
	add_default_route("eth1", "2001:db8:1::1", 1024, RT_TABLE_MAIN);
	add_default_route("eth10", "203.0.113.1", 300, RT_TABLE_MAIN);
	add_default_route("eth10", "2001:db8:10::1", 2048, RT_TABLE_MAIN);
}

static struct kvp_ipinfo *new_ipinfo(void)
{
	struct kvp_ipinfo_options o = {
		.resolv_conf = DATA "/netns-resolv.conf",
		/* Never the machine's /sys: it shows the host namespace's interfaces. */
		.sysfs_net = sysfs_dir ? sysfs_dir : DATA "/no-sysfs",
		.state_root = DATA "/netns-root",
		.use_resolved = KVP_IPINFO_RESOLVED_NEVER,
	};
	struct kvp_ipinfo *ii = NULL;
	int r = kvp_ipinfo_new(&o, &ii);

	NS_CHECK(r == 0, "(%d)", r);
	return ii;
}

/* Fork, build the namespace, run body there; the test asserts on the outcome. */
static void run_in_netns(void (*body)(void))
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sigset_t none;

		/* check's handlers would kill the whole process group. */
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		build_namespace();
		body();
		nl_socket_free(sk);
		fflush(NULL);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "namespace child failed (status 0x%x), see stderr", status);
}

/* ---- GET_IP_INFO helpers ---- */

static void put(void *field, size_t size, const char *s)
{
	memset(field, 0, size);
	memcpy(field, s, strlen(s));
}

#define PUT(ip, member, s) \
	put((char *)(ip) + offsetof(struct hv_kvp_ipaddr_value, member), sizeof((ip)->member), (s))
#define STR(ip, member) ((const char *)(ip) + offsetof(struct hv_kvp_ipaddr_value, member))

static void request(struct hv_kvp_msg *m, const char *adapter, __u8 family)
{
	memset(m, 0, sizeof(*m));
	m->hdr.operation = HV_KVP_OP_GET_IP_INFO;
	m->hdr.pool = 0;
	PUT(&m->body.ip, adapter_id, adapter);
	m->body.ip.addr_family = family;
}

/* The whole reply must equal the expected one, byte for byte. */
static void expect_reply(struct kvp_ipinfo *ii, const char *adapter, __u8 family, const char *addrs,
			 const char *masks, const char *gws, const char *dns, __u8 dhcp,
			 __u8 families)
{
	struct hv_kvp_msg got, want;
	int r;

	request(&got, adapter, family);
	r = kvp_ipinfo_get(ii, &got.body.ip);
	NS_CHECK(r == 0, "(%s: %d)", adapter, r);

	request(&want, adapter, family);
	PUT(&want.body.ip, ip_addr, addrs);
	PUT(&want.body.ip, sub_net, masks);
	PUT(&want.body.ip, gate_way, gws);
	PUT(&want.body.ip, dns_addr, dns);
	want.body.ip.dhcp_enabled = dhcp;
	want.body.ip.addr_family = families;

	NS_STR_EQ(STR(&got.body.ip, adapter_id), adapter);
	NS_STR_EQ(STR(&got.body.ip, ip_addr), addrs);
	NS_STR_EQ(STR(&got.body.ip, sub_net), masks);
	NS_STR_EQ(STR(&got.body.ip, gate_way), gws);
	NS_STR_EQ(STR(&got.body.ip, dns_addr), dns);
	NS_INT_EQ(got.body.ip.dhcp_enabled, dhcp);
	NS_INT_EQ(got.body.ip.addr_family, families);
	NS_CHECK(memcmp(&got, &want, sizeof(got)) == 0, "(stray bytes in the reply)");
}

static size_t count_items(const char *s)
{
	size_t n = *s ? 1 : 0;

	for (; *s; s++)
		n += *s == ';';
	return n;
}

/* ---- tests ---- */

static void body_reply(void)
{
	struct kvp_ipinfo *ii = new_ipinfo();

	expect_reply(ii, "00:15:5D:00:00:01", HV_ADDR_FAMILY_NONE,
		     "192.0.2.10;198.51.100.7;192.0.2.11;2001:db8:1::10;fe80::1",
		     "255.255.255.0;255.255.255.128;255.255.255.0;/64;/64",
		     "192.0.2.1;198.51.100.1;2001:db8:1::1", "192.0.2.53;2001:db8::53", 1, 3);
	expect_reply(ii, "00:15:5D:00:00:01", HV_ADDR_FAMILY_IPV4,
		     "192.0.2.10;198.51.100.7;192.0.2.11",
		     "255.255.255.0;255.255.255.128;255.255.255.0", "192.0.2.1;198.51.100.1",
		     "192.0.2.53", 1, 1);
	expect_reply(ii, "00:15:5D:00:00:01", HV_ADDR_FAMILY_IPV6, "2001:db8:1::10;fe80::1",
		     "/64;/64", "2001:db8:1::1", "2001:db8::53", 1, 2);
	/* eth10 is not eth1 (upstream's prefix compare would mix them up). */
	expect_reply(ii, "00-15-5d-00-00-10", HV_ADDR_FAMILY_NONE, "203.0.113.5;2001:db8:10::5",
		     "255.255.255.0;/64", "203.0.113.1;2001:db8:10::1", "192.0.2.53;2001:db8::53",
		     0, 3);
	kvp_ipinfo_free(ii);
}

START_TEST(kvp_ipinfo__get_reply_byte_for_byte)
{
	run_in_netns(body_reply);
}
END_TEST

static void body_unknown(void)
{
	static const char *const bad[] = {
		"00:15:5D:00:00:02",
		"00:15:5D:00:00",
		"00:15:5D:00:00:0",
		"00:15:5D:00:00:011",
		"00:15-5D:00:00:01",
		"",
		"hello",
		"00:15:5D:00:00:01:",
	};
	struct kvp_ipinfo *ii = new_ipinfo();
	struct hv_kvp_msg m, copy;
	char name[IF_NAMESIZE];

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		request(&m, bad[i], 0);
		memset(m.body.ip.ip_addr, 0x5a, sizeof(m.body.ip.ip_addr));
		copy = m;
		NS_INT_EQ(kvp_ipinfo_get(ii, &m.body.ip), -ENODEV);
		NS_CHECK(memcmp(&m, &copy, sizeof(m)) == 0, "(%s: reply touched)", bad[i]);
		NS_INT_EQ(kvp_ipinfo_find_adapter(ii, bad[i], name, sizeof(name)), -ENODEV);
	}
	/* An unterminated adapter_id from the host is bounded, not overrun. */
	memset(&m, 'A', sizeof(m));
	NS_INT_EQ(kvp_ipinfo_get(ii, &m.body.ip), -ENODEV);

	NS_INT_EQ(kvp_ipinfo_find_adapter(ii, "00:15:5d:00:00:01", name, sizeof(name)), 0);
	NS_STR_EQ(name, "eth1");
	NS_INT_EQ(kvp_ipinfo_find_adapter(ii, "00155D000010", name, sizeof(name)), 0);
	NS_STR_EQ(name, "eth10");
	NS_INT_EQ(kvp_ipinfo_find_adapter(ii, "00:15:5d:00:00:10", name, 5), -E2BIG);
	kvp_ipinfo_free(ii);
}

START_TEST(kvp_ipinfo__unknown_mac_is_enodev)
{
	run_in_netns(body_unknown);
}
END_TEST

static void body_change(void)
{
	struct kvp_ipinfo *ii = new_ipinfo();
	char buf[256];

	expect_reply(ii, "00:15:5D:00:00:01", HV_ADDR_FAMILY_IPV4,
		     "192.0.2.10;198.51.100.7;192.0.2.11",
		     "255.255.255.0;255.255.255.128;255.255.255.0", "192.0.2.1;198.51.100.1",
		     "192.0.2.53", 1, 1);
	/* Not attached to any loop: the query itself must pick the change up. */
	addr_op(true, "eth1", "192.0.2.12/24");
	addr_op(true, "eth1", "2001:db8:1::11/64");
	expect_reply(ii, "00:15:5D:00:00:01", HV_ADDR_FAMILY_NONE,
		     "192.0.2.10;198.51.100.7;192.0.2.11;192.0.2.12;2001:db8:1::10;"
		     "2001:db8:1::11;fe80::1",
		     "255.255.255.0;255.255.255.128;255.255.255.0;255.255.255.0;/64;/64;/64",
		     "192.0.2.1;198.51.100.1;2001:db8:1::1", "192.0.2.53;2001:db8::53", 1, 3);
	addr_op(false, "eth1", "198.51.100.7/25");
	NS_CHECK(kvp_ipinfo_addresses(ii, AF_INET, buf, sizeof(buf)) == 0);
	NS_STR_EQ(buf, "192.0.2.10;192.0.2.11;192.0.2.12;203.0.113.5");
	kvp_ipinfo_free(ii);
}

START_TEST(kvp_ipinfo__change_between_queries_is_seen)
{
	run_in_netns(body_change);
}
END_TEST

static void body_event(void)
{
	struct kvp_ipinfo *ii = new_ipinfo();
	sd_event *e = NULL;
	char buf[256];

	NS_CHECK(sd_event_new(&e) >= 0);
	NS_INT_EQ(kvp_ipinfo_attach_event(ii, e), 0);
	NS_INT_EQ(kvp_ipinfo_attach_event(ii, e), -EBUSY);
	addr_op(true, "eth10", "203.0.113.6/24");
	/* The loop applies the notification; nothing is left for the query. */
	NS_CHECK(sd_event_run(e, 2 * USEC_PER_SEC) > 0);
	NS_CHECK(sd_event_run(e, 0) == 0);
	NS_CHECK(kvp_ipinfo_addresses(ii, AF_INET, buf, sizeof(buf)) == 0);
	NS_STR_EQ(buf, "192.0.2.10;198.51.100.7;192.0.2.11;203.0.113.5;203.0.113.6");
	kvp_ipinfo_free(ii);
	sd_event_unref(e);
}

START_TEST(kvp_ipinfo__event_loop_applies_notifications)
{
	run_in_netns(body_event);
}
END_TEST

static void body_flushed_routes(void)
{
	struct kvp_ipinfo *ii = new_ipinfo(), *fresh;

	expect_reply(ii, "00:15:5D:00:00:10", HV_ADDR_FAMILY_NONE, "203.0.113.5;2001:db8:10::5",
		     "255.255.255.0;/64", "203.0.113.1;2001:db8:10::1", "192.0.2.53;2001:db8::53",
		     0, 3);
	/*
	 * Down and up: the kernel drops eth10's IPv4 routes without telling
	 * anyone, and its IPv6 address (and with it the IPv6 route).
	 */
	link_set_up("eth10", false);
	link_set_up("eth10", true);
	expect_reply(ii, "00:15:5D:00:00:10", HV_ADDR_FAMILY_NONE, "203.0.113.5", "255.255.255.0",
		     "", "192.0.2.53;2001:db8::53", 0, 1);
	/* A fresh dump agrees with the cache. */
	fresh = new_ipinfo();
	expect_reply(fresh, "00:15:5D:00:00:10", HV_ADDR_FAMILY_NONE, "203.0.113.5",
		     "255.255.255.0", "", "192.0.2.53;2001:db8::53", 0, 1);
	kvp_ipinfo_free(fresh);
	kvp_ipinfo_free(ii);
}

START_TEST(kvp_ipinfo__silently_flushed_routes_are_dropped)
{
	run_in_netns(body_flushed_routes);
}
END_TEST

static void body_addresses(void)
{
	struct kvp_ipinfo *ii = new_ipinfo();
	char buf[256];

	NS_INT_EQ(kvp_ipinfo_addresses(ii, AF_INET, buf, sizeof(buf)), 0);
	NS_STR_EQ(buf, "192.0.2.10;198.51.100.7;192.0.2.11;203.0.113.5");
	NS_INT_EQ(kvp_ipinfo_addresses(ii, AF_INET6, buf, sizeof(buf)), 0);
	NS_STR_EQ(buf, "2001:db8:1::10;fe80::1;2001:db8:10::5");
	/* Truncated at a separator, never mid-address. */
	NS_INT_EQ(kvp_ipinfo_addresses(ii, AF_INET, buf, 40), 0);
	NS_STR_EQ(buf, "192.0.2.10;198.51.100.7;192.0.2.11");
	NS_INT_EQ(kvp_ipinfo_addresses(ii, AF_INET, buf, 11), 0);
	NS_STR_EQ(buf, "192.0.2.10");
	NS_INT_EQ(kvp_ipinfo_addresses(ii, AF_INET, buf, 10), 0);
	NS_STR_EQ(buf, "");
	NS_INT_EQ(kvp_ipinfo_addresses(ii, AF_UNSPEC, buf, sizeof(buf)), -EINVAL);
	/* Loopback addresses on a non-loopback link are still loopback. */
	addr_op(true, "eth10", "127.0.0.2/8");
	NS_INT_EQ(kvp_ipinfo_addresses(ii, AF_INET, buf, sizeof(buf)), 0);
	NS_STR_EQ(buf, "192.0.2.10;198.51.100.7;192.0.2.11;203.0.113.5");
	kvp_ipinfo_free(ii);
}

START_TEST(kvp_ipinfo__addresses_are_all_non_loopback)
{
	run_in_netns(body_addresses);
}
END_TEST

static void check_aligned(const struct hv_kvp_ipaddr_value *ip, size_t max_items)
{
	const char *addrs = STR(ip, ip_addr), *masks = STR(ip, sub_net);
	size_t n = count_items(addrs);

	NS_CHECK(strlen(addrs) < KVP_IPINFO_LIST_MAX, "(%zu)", strlen(addrs));
	NS_CHECK(strlen(masks) < KVP_IPINFO_LIST_MAX, "(%zu)", strlen(masks));
	NS_CHECK(n > 0 && n < max_items, "(%zu items)", n);
	NS_INT_EQ(count_items(masks), n);
	NS_CHECK(addrs[strlen(addrs) - 1] != ';' && masks[strlen(masks) - 1] != ';');
}

static void body_overflow(void)
{
	struct kvp_ipinfo *ii;
	struct hv_kvp_msg m;
	char cidr[64], *copy, *save = NULL;

	NS_CHECK(add_veth("hvtipov", "hvtippov", MAC_MANY) == 0);
	/* 100 IPv4 /32s: the masks (15 bytes each) overflow sub_net first. */
	for (int i = 1; i <= 100; i++) {
		snprintf(cidr, sizeof(cidr), "10.1.1.%d/32", i);
		addr_op(true, "hvtipov", cidr);
	}
	/* 100 long IPv6 /128s: ip_addr overflows first. */
	for (int i = 1; i <= 100; i++) {
		snprintf(cidr, sizeof(cidr), "2001:db8:ffff:ffff:ffff:ffff:ffff:%x/128",
			 0x1000 + i);
		addr_op(true, "hvtipov", cidr);
	}
	ii = new_ipinfo();

	request(&m, MAC_MANY, HV_ADDR_FAMILY_IPV4);
	NS_INT_EQ(kvp_ipinfo_get(ii, &m.body.ip), 0);
	check_aligned(&m.body.ip, 100);
	copy = strdup(STR(&m.body.ip, ip_addr));
	for (char *t = strtok_r(copy, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
		struct in_addr a;

		NS_CHECK(inet_pton(AF_INET, t, &a) == 1, "(%s)", t);
	}
	free(copy);
	NS_CHECK(strspn(STR(&m.body.ip, sub_net), "255.;") == strlen(STR(&m.body.ip, sub_net)));

	request(&m, MAC_MANY, HV_ADDR_FAMILY_IPV6);
	NS_INT_EQ(kvp_ipinfo_get(ii, &m.body.ip), 0);
	check_aligned(&m.body.ip, 100);
	copy = strdup(STR(&m.body.ip, ip_addr));
	for (char *t = strtok_r(copy, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
		struct in6_addr a;

		NS_CHECK(inet_pton(AF_INET6, t, &a) == 1, "(%s)", t);
	}
	/* The next address would not have fitted. */
	NS_CHECK(strlen(STR(&m.body.ip, ip_addr)) + 1 +
			 strlen("2001:db8:ffff:ffff:ffff:ffff:ffff:1000") >=
		 KVP_IPINFO_LIST_MAX);
	free(copy);
	kvp_ipinfo_free(ii);
}

START_TEST(kvp_ipinfo__overflow_truncates_at_separator)
{
	run_in_netns(body_overflow);
}
END_TEST

static void make_fake_sysfs(void)
{
	char path[512];

	sysfs_dir = tl_mkdtemp("hvtip-sysfs");
	snprintf(path, sizeof(path), "%s/hvtipnv/device/device_id", sysfs_dir);
	tl_write_file(path, "{1234ABCD-0000-1111-2222-333344445555}\n");
	snprintf(path, sizeof(path), "%s/hvtipnv/device/driver", sysfs_dir);
	ck_assert_int_eq(symlink("../../../../bus/vmbus/drivers/hv_netvsc", path), 0);
	snprintf(path, sizeof(path), "%s/hvtipvf/device/uevent", sysfs_dir);
	tl_write_file(path, "DRIVER=mlx5_core\n");
	snprintf(path, sizeof(path), "%s/hvtipvf/device/driver", sysfs_dir);
	ck_assert_int_eq(symlink("../../../../bus/pci/drivers/mlx5_core", path), 0);
}

static void body_shared_mac(void)
{
	struct kvp_ipinfo *ii;
	char name[IF_NAMESIZE], path[512];

	/* The VF comes first (lower ifindex); the synthetic NIC must still win. */
	NS_CHECK(add_veth("hvtipvf", "hvtippvf", MAC_SHARED) == 0);
	NS_CHECK(add_veth("hvtipnv", "hvtippnv", MAC_SHARED) == 0);
	NS_CHECK(ifindex("hvtipvf") < ifindex("hvtipnv"));
	ii = new_ipinfo();
	NS_INT_EQ(kvp_ipinfo_find_adapter(ii, "00:15:5D:00:00:20", name, sizeof(name)), 0);
	NS_STR_EQ(name, "hvtipnv");
	/* SET_IP_INFO's id: the VMBus device GUID, any case, braces optional. */
	NS_INT_EQ(kvp_ipinfo_find_adapter(ii, "{1234abcd-0000-1111-2222-333344445555}", name,
					  sizeof(name)),
		  0);
	NS_STR_EQ(name, "hvtipnv");
	NS_INT_EQ(kvp_ipinfo_find_adapter(ii, "1234ABCD-0000-1111-2222-333344445555", name,
					  sizeof(name)),
		  0);
	NS_STR_EQ(name, "hvtipnv");
	NS_INT_EQ(kvp_ipinfo_find_adapter(ii, "{1234abcd-0000-1111-2222-333344445556}", name,
					  sizeof(name)),
		  -ENODEV);

	/* No netvsc driver: the one that is not a VF (PCI physfn) wins. */
	snprintf(path, sizeof(path), "%s/hvtipnv/device/driver", sysfs_dir);
	NS_CHECK(unlink(path) == 0);
	snprintf(path, sizeof(path), "%s/hvtipvf/device/physfn", sysfs_dir);
	NS_CHECK(mkdir(path, 0755) == 0);
	NS_INT_EQ(kvp_ipinfo_find_adapter(ii, MAC_SHARED, name, sizeof(name)), 0);
	NS_STR_EQ(name, "hvtipnv");
	/* Nothing to tell them apart: the lowest ifindex. */
	NS_CHECK(rmdir(path) == 0);
	NS_INT_EQ(kvp_ipinfo_find_adapter(ii, MAC_SHARED, name, sizeof(name)), 0);
	NS_STR_EQ(name, "hvtipvf");
	kvp_ipinfo_free(ii);
}

START_TEST(kvp_ipinfo__netvsc_wins_over_vf)
{
	make_fake_sysfs();
	run_in_netns(body_shared_mac);
	tl_rm_rf(sysfs_dir);
	free(sysfs_dir);
	sysfs_dir = NULL;
}
END_TEST

/* Can this machine give us a namespace with veth? If not, skip and say why. */
static void require_netns(void)
{
	pid_t pid;
	int status;

	tl_require_root("network namespaces and veth");
	pid = fork();
	if (pid == 0) {
		struct nl_sock *s;
		int r;

		if (unshare(CLONE_NEWNET) < 0) {
			printf("SKIP: unshare(CLONE_NEWNET): %m\n");
			_exit(TL_EXIT_SKIP);
		}
		s = nl_socket_alloc();
		if (!s || nl_connect(s, NETLINK_ROUTE) < 0)
			_exit(TL_EXIT_SKIP);
		sk = s;
		r = add_veth("hvtipprobe", "hvtipprobe1", MAC_ETH1);
		if (r < 0) {
			printf("SKIP: cannot create veth: %s\n", nl_geterror(r));
			_exit(TL_EXIT_SKIP);
		}
		nl_socket_free(s);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fflush(stdout);
		exit(TL_EXIT_SKIP);
	}
}

int main(void)
{
	Suite *s;
	struct {
		const char *name;
		const TTest *test;
	} cases[] = {
		{ "get_reply", kvp_ipinfo__get_reply_byte_for_byte },
		{ "unknown_mac", kvp_ipinfo__unknown_mac_is_enodev },
		{ "change", kvp_ipinfo__change_between_queries_is_seen },
		{ "event", kvp_ipinfo__event_loop_applies_notifications },
		{ "flushed_routes", kvp_ipinfo__silently_flushed_routes_are_dropped },
		{ "addresses", kvp_ipinfo__addresses_are_all_non_loopback },
		{ "overflow", kvp_ipinfo__overflow_truncates_at_separator },
		{ "shared_mac", kvp_ipinfo__netvsc_wins_over_vf },
	};

	require_netns();
	s = suite_create("kvp-ipinfo");
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return tl_run_suite(s);
}
