// SPDX-License-Identifier: MIT
/*
 * Latency of kvp-ipinfo queries against a private network namespace
 * (unshare; root needed): a veth with 4 addresses and 2 default routes,
 * plus 32 more veth pairs with one address each. Compares a query on the
 * kept caches with building the object (three kernel dumps) per query.
 */
#include <net/if.h> /* before any <linux/if.h> */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include <hyperv/kvp.h>

#include "kvp-ipinfo.h"
#include "util.h"

#define DATA HV_SOURCE_DIR "/tests/unit/data/ipinfo"
#define ROUNDS 2000

static struct nl_sock *sk;

static int veth(const char *name, const char *peer_name, const char *mac)
{
	struct rtnl_link *link = rtnl_link_veth_alloc(), *peer, *change;
	struct nl_addr *a = NULL;
	int r;

	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(link, name);
	rtnl_link_set_name(peer, peer_name);
	if (mac && nl_addr_parse(mac, AF_LLC, &a) == 0) {
		rtnl_link_set_addr(link, a);
		nl_addr_put(a);
	}
	r = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer);
	rtnl_link_veth_release(link);
	if (r < 0)
		return r;
	change = rtnl_link_alloc();
	rtnl_link_set_flags(change, IFF_UP);
	rtnl_link_set_name(change, name);
	r = rtnl_link_change(sk, change, change, 0);
	rtnl_link_put(change);
	return r;
}

static int addr(const char *dev, const char *cidr)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = NULL;
	int r = nl_addr_parse(cidr, AF_UNSPEC, &local);

	if (r < 0)
		return r;
	rtnl_addr_set_ifindex(a, (int)if_nametoindex(dev));
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_flags(a, IFA_F_NODAD);
	r = rtnl_addr_add(sk, a, 0);
	nl_addr_put(local);
	rtnl_addr_put(a);
	return r;
}

static int route(const char *dev, const char *gateway, uint32_t metric)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = NULL, *gw = NULL;
	int r;

	if (nl_addr_parse(gateway, AF_INET, &gw) < 0 ||
	    nl_addr_parse("0.0.0.0/0", AF_INET, &dst) < 0)
		return -1;
	rtnl_route_set_family(rt, AF_INET);
	rtnl_route_set_dst(rt, dst);
	rtnl_route_set_priority(rt, metric);
	rtnl_route_nh_set_ifindex(nh, (int)if_nametoindex(dev));
	rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_add_nexthop(rt, nh);
	r = rtnl_route_add(sk, rt, NLM_F_CREATE);
	nl_addr_put(dst);
	nl_addr_put(gw);
	rtnl_route_put(rt);
	return r;
}

static int build(void)
{
	char name[IF_NAMESIZE], peer[IF_NAMESIZE], cidr[32];

	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	sk = nl_socket_alloc();
	if (!sk || nl_connect(sk, NETLINK_ROUTE) < 0)
		return -1;
	if (veth("eth1", "hvtipp1", "00:15:5d:00:00:01") < 0 || addr("eth1", "192.0.2.10/24") < 0 ||
	    addr("eth1", "198.51.100.7/25") < 0 || addr("eth1", "2001:db8:1::10/64") < 0 ||
	    addr("eth1", "fe80::1/64") < 0 || route("eth1", "192.0.2.1", 100) < 0 ||
	    route("eth1", "198.51.100.1", 200) < 0)
		return -1;
	for (int i = 0; i < 32; i++) {
		snprintf(name, sizeof(name), "hvtipb%d", i);
		snprintf(peer, sizeof(peer), "hvtipbp%d", i);
		snprintf(cidr, sizeof(cidr), "10.%d.0.1/16", i);
		if (veth(name, peer, NULL) < 0 || addr(name, cidr) < 0)
			return -1;
	}
	return 0;
}

static const struct kvp_ipinfo_options opts = {
	.resolv_conf = DATA "/netns-resolv.conf",
	.sysfs_net = DATA "/no-sysfs",
	.state_root = DATA "/netns-root",
	.use_resolved = KVP_IPINFO_RESOLVED_NEVER,
};

static int query(struct kvp_ipinfo *ii)
{
	struct hv_kvp_msg m;

	memset(&m, 0, sizeof(m));
	memcpy(m.body.ip.adapter_id, "00:15:5D:00:00:01", 18);
	return kvp_ipinfo_get(ii, &m.body.ip);
}

int main(void)
{
	struct kvp_ipinfo *ii = NULL;
	char buf[HV_KVP_HOST_MAX_VALUE_UNITS + 1];
	uint64_t t0, t_get, t_addr, t_new;

	if (geteuid() != 0 || build() < 0) {
		printf("kvp-ipinfo: skipped (needs root, network namespaces and veth)\n");
		return 0;
	}

	t0 = now_usec(CLOCK_MONOTONIC);
	for (int i = 0; i < ROUNDS / 10; i++) {
		if (kvp_ipinfo_new(&opts, &ii) < 0 || query(ii) < 0)
			return 1;
		ii = kvp_ipinfo_free(ii);
	}
	t_new = now_usec(CLOCK_MONOTONIC) - t0;

	if (kvp_ipinfo_new(&opts, &ii) < 0)
		return 1;
	t0 = now_usec(CLOCK_MONOTONIC);
	for (int i = 0; i < ROUNDS; i++)
		if (query(ii) < 0)
			return 1;
	t_get = now_usec(CLOCK_MONOTONIC) - t0;
	t0 = now_usec(CLOCK_MONOTONIC);
	for (int i = 0; i < ROUNDS; i++)
		if (kvp_ipinfo_addresses(ii, AF_INET, buf, sizeof(buf)) < 0)
			return 1;
	t_addr = now_usec(CLOCK_MONOTONIC) - t0;
	kvp_ipinfo_free(ii);
	nl_socket_free(sk);

	printf("kvp-ipinfo new+get+free (3 dumps, 66 links): %.1f us\n",
	       (double)t_new / (ROUNDS / 10));
	printf("kvp-ipinfo addresses IPv4 (cached): %.1f us\n", (double)t_addr / ROUNDS);
	printf("kvp-ipinfo GET_IP_INFO (cached, resolv.conf, ifupdown): %.1f us\n",
	       (double)t_get / ROUNDS);
	return 0;
}
