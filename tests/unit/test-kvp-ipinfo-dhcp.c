// SPDX-License-Identifier: MIT
/*
 * kvp-ipinfo-dhcp.c: DHCP state from fake state trees under
 * tests/unit/data/ipinfo/ (networkd, NetworkManager, ifupdown, dhclient).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kvp-ipinfo-state.h"
#include "testlib.h"
#include "util.h"

#define DATA HV_SOURCE_DIR "/tests/unit/data/ipinfo"
#define NOW ((time_t)1700000000)

static void expect(const char *root, int ifindex, const char *ifname, int dhcp,
		   enum kvp_ipinfo_dhcp_source source)
{
	enum kvp_ipinfo_dhcp_source got = 99;
	int r;

	r = kvp_ipinfo_dhcp_enabled(root, ifindex, ifname, NOW, &got);
	ck_assert_msg(r == dhcp && got == source,
		      "%s ifindex %d (%s): dhcp %d from %d, want %d from %d", root, ifindex, ifname,
		      r, got, dhcp, source);
}

START_TEST(kvp_ipinfo_dhcp__networkd)
{
	/* Lease present; DHCP=ipv6 only; DHCP=ipv4 as the last assignment. */
	expect(DATA "/networkd", 2, "eth0", 1, KVP_IPINFO_DHCP_NETWORKD);
	expect(DATA "/networkd", 3, "eth1", 0, KVP_IPINFO_DHCP_NETWORKD);
	expect(DATA "/networkd", 4, "eth2", 1, KVP_IPINFO_DHCP_NETWORKD);
	/* Unmanaged or unknown to networkd: nobody else answers either. */
	expect(DATA "/networkd", 5, "eth3", 0, KVP_IPINFO_DHCP_NONE);
	expect(DATA "/networkd", 9, "eth9", 0, KVP_IPINFO_DHCP_NONE);
}
END_TEST

START_TEST(kvp_ipinfo_dhcp__networkmanager)
{
	expect(DATA "/nm", 2, "eth0", 1, KVP_IPINFO_DHCP_NETWORKMANAGER);
	expect(DATA "/nm", 3, "eth1", 0, KVP_IPINFO_DHCP_NETWORKMANAGER);
	/* Runtime profile without [ipv4]: method defaults to auto. */
	expect(DATA "/nm", 4, "eth2", 1, KVP_IPINFO_DHCP_NETWORKMANAGER);
	/* managed=false, and a profile that does not exist: not NM's answer. */
	expect(DATA "/nm", 5, "eth3", 0, KVP_IPINFO_DHCP_NONE);
	expect(DATA "/nm", 6, "eth4", 0, KVP_IPINFO_DHCP_NONE);
}
END_TEST

START_TEST(kvp_ipinfo_dhcp__ifupdown)
{
	expect(DATA "/ifupdown", 2, "eth0", 1, KVP_IPINFO_DHCP_IFUPDOWN);
	/* From "source interfaces.d/<glob>" (relative to /etc/network). */
	expect(DATA "/ifupdown", 3, "eth1", 0, KVP_IPINFO_DHCP_IFUPDOWN);
	/* From source-directory; eth3.conf is not a run-parts name. */
	expect(DATA "/ifupdown", 4, "eth2", 1, KVP_IPINFO_DHCP_IFUPDOWN);
	expect(DATA "/ifupdown", 5, "eth3", 0, KVP_IPINFO_DHCP_NONE);
	expect(DATA "/ifupdown", 6, "eth4", 1, KVP_IPINFO_DHCP_IFUPDOWN);
	/* Exact names: eth10 is static, eth1 must not be read as eth10. */
	expect(DATA "/ifupdown", 7, "eth10", 0, KVP_IPINFO_DHCP_IFUPDOWN);
	expect(DATA "/ifupdown", 8, "eth5", 0, KVP_IPINFO_DHCP_NONE);
}
END_TEST

START_TEST(kvp_ipinfo_dhcp__dhclient)
{
	expect(DATA "/dhclient", 2, "eth0", 1, KVP_IPINFO_DHCP_DHCLIENT);
	expect(DATA "/dhclient", 3, "eth1", 0, KVP_IPINFO_DHCP_NONE);
	expect(DATA "/dhclient", 4, "eth5", 1, KVP_IPINFO_DHCP_DHCLIENT);
	expect(DATA "/dhclient", 5, "eth6", 1, KVP_IPINFO_DHCP_DHCLIENT);
	expect(DATA "/dhclient", 6, "eth7", 0, KVP_IPINFO_DHCP_NONE);
	expect(DATA "/dhclient", 7, "eth9", 0, KVP_IPINFO_DHCP_NONE);
}
END_TEST

START_TEST(kvp_ipinfo_dhcp__manager_order)
{
	char *root = tl_mkdtemp("ipinfo-dhcp");
	char path[512];

	/* networkd says static, ifupdown says dhcp: networkd manages it. */
	snprintf(path, sizeof(path), "%s/run/systemd/netif/links/2", root);
	tl_write_file(path, "NETWORK_FILE=/etc/systemd/network/a.network\n");
	snprintf(path, sizeof(path), "%s/etc/systemd/network/a.network", root);
	tl_write_file(path, "[Network]\nAddress=192.0.2.1/24\n");
	snprintf(path, sizeof(path), "%s/etc/network/interfaces", root);
	tl_write_file(path, "iface eth0 inet dhcp\niface eth1 inet dhcp\n");
	snprintf(path, sizeof(path), "%s/var/lib/dhcp/dhclient.eth1.leases", root);
	tl_write_file(path, "lease { interface \"eth1\"; expire never; }\n");
	expect(root, 2, "eth0", 0, KVP_IPINFO_DHCP_NETWORKD);
	expect(root, 3, "eth1", 1, KVP_IPINFO_DHCP_IFUPDOWN);
	/* A .network file that vanished: managed, static as far as we know. */
	snprintf(path, sizeof(path), "%s/etc/systemd/network/a.network", root);
	ck_assert_int_eq(unlink(path), 0);
	expect(root, 2, "eth0", 0, KVP_IPINFO_DHCP_NETWORKD);
	/* A sourcing loop ends. */
	snprintf(path, sizeof(path), "%s/etc/network/interfaces", root);
	tl_write_file(path, "source /etc/network/interfaces\n");
	expect(root, 4, "eth2", 0, KVP_IPINFO_DHCP_NONE);
	tl_rm_rf(root);
	free(root);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kvp-ipinfo-dhcp");
	struct {
		const char *name;
		const TTest *test;
	} cases[] = {
		{ "networkd", kvp_ipinfo_dhcp__networkd },
		{ "networkmanager", kvp_ipinfo_dhcp__networkmanager },
		{ "ifupdown", kvp_ipinfo_dhcp__ifupdown },
		{ "dhclient", kvp_ipinfo_dhcp__dhclient },
		{ "manager_order", kvp_ipinfo_dhcp__manager_order },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return tl_run_suite(s);
}
