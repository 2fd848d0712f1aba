// SPDX-License-Identifier: MIT
/*
 * daemons/kvp/kvp-netconf-backend.c: which backend manages the link, what
 * each writer puts where, what it does to configuration already there, and
 * exactly which D-Bus methods / programs it would call (recorded ops, temp
 * root, no bus, nothing run).
 */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvp-netconf.h"
#include "testlib.h"

/* ---- recorded ops ---- */

static char calls[8192];
static char *root;
static int nm_managed = 1;	/* what the fake NM says about the device */
static int nm_present = 1;
static int networkd_up = 1;
static int run_status;

static void record(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void record(const char *fmt, ...)
{
	size_t n = strlen(calls);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(calls + n, sizeof(calls) - n, fmt, ap);
	va_end(ap);
}

/* Paths relative to the temp root, so expectations read like the real ones. */
static const char *rel(const char *path)
{
	size_t n = strlen(root);

	return strncmp(path, root, n) == 0 ? path + n : path;
}

static int f_get_device(void *u, const char *ifname, char **ret)
{
	record("GetDeviceByIpIface %s\n", ifname);
	if (!nm_present)
		return -ESRCH;
	*ret = strdup("/org/freedesktop/NetworkManager/Devices/2");
	return 0;
}

static int f_managed(void *u, const char *dev)
{
	record("Get %s Managed\n", dev);
	return nm_managed;
}

static int f_load(void *u, const char *filename)
{
	record("LoadConnections %s\n", rel(filename));
	return 0;
}

static int f_by_uuid(void *u, const char *uuid, char **ret)
{
	record("GetConnectionByUuid %s\n", strlen(uuid) == 36 ? "<uuid>" : uuid);
	*ret = strdup("/org/freedesktop/NetworkManager/Settings/7");
	return 0;
}

static int f_activate(void *u, const char *conn, const char *dev)
{
	record("ActivateConnection %s %s /\n", conn, dev);
	return 0;
}

static int f_networkd_running(void *u)
{
	return networkd_up;
}

static int f_reload(void *u)
{
	record("Reload\n");
	return 0;
}

static int f_reconfigure(void *u, int ifindex)
{
	record("ReconfigureLink %d\n", ifindex);
	return 0;
}

static int f_run(void *u, char *const argv[], uint64_t timeout)
{
	char p[512];

	record("run");
	for (int i = 0; argv[i]; i++)
		record(" %s", rel(argv[i]));
	/* Did the program see our file already? (ifdown must not) */
	snprintf(p, sizeof(p), "%s/etc/network/interfaces.d/hyperv-eth0", root);
	record(access(p, F_OK) == 0 ? " [new]\n" : " [old]\n");
	ck_assert_uint_gt(timeout, 0);
	return run_status;
}

static const struct kvp_netconf_ops ops = {
	.nm_get_device_by_ip_iface = f_get_device,
	.nm_device_get_managed = f_managed,
	.nm_load_connection = f_load,
	.nm_get_connection_by_uuid = f_by_uuid,
	.nm_activate_connection = f_activate,
	.networkd_running = f_networkd_running,
	.networkd_reload = f_reload,
	.networkd_reconfigure_link = f_reconfigure,
	.run = f_run,
};

/* ---- fixtures ---- */

static struct kvp_netconf_options opts;

static void setup(void)
{
	root = tl_mkdtemp("netconf-be");
	calls[0] = '\0';
	nm_managed = 1;
	nm_present = 1;
	networkd_up = 1;
	run_status = 0;
	opts = (struct kvp_netconf_options){ .root = root, .apply = 1, .ops = &ops,
					     .hook = "/nonexistent/hv_set_ifconfig" };
}

static void teardown(void)
{
	tl_rm_rf(root);
	free(root);
	root = NULL;
}

static void put(const char *path, const char *content)
{
	char p[512];

	snprintf(p, sizeof(p), "%s%s", root, path);
	tl_write_file(p, content);
}

static char *get(const char *path)
{
	char p[512];

	snprintf(p, sizeof(p), "%s%s", root, path);
	return tl_read_file(p, NULL);
}

static bool exists(const char *path)
{
	char p[512];

	snprintf(p, sizeof(p), "%s%s", root, path);
	return access(p, F_OK) == 0;
}

static void make_nc(struct kvp_netconf *nc)
{
	struct hv_kvp_ipaddr_value *ip = calloc(1, sizeof(*ip));

	strcpy((char *)ip->ip_addr, "192.0.2.10");
	strcpy((char *)ip->sub_net, "255.255.255.0");
	strcpy((char *)ip->gate_way, "192.0.2.1");
	strcpy((char *)ip->dns_addr, "192.0.2.53");
	ck_assert_int_eq(kvp_netconf_parse(ip, nc), 0);
	free(ip);
	strcpy(nc->ifname, "eth0");
	strcpy(nc->mac, "00:15:5d:01:02:03");
	nc->ifindex = 2;
}

static int detect(enum kvp_netconf_backend *b)
{
	struct kvp_netconf nc;

	make_nc(&nc);
	return kvp_netconf_detect(&opts, &nc, b);
}

/* ---- detection ---- */

START_TEST(kvp_netconf_backend__detect_explicit)
{
	enum kvp_netconf_backend b;

	opts.backend = KVP_NETCONF_IFUPDOWN;
	ck_assert_int_eq(detect(&b), 0);
	ck_assert_int_eq(b, KVP_NETCONF_IFUPDOWN);
	ck_assert_str_eq(calls, "");	/* nothing probed */
	opts.backend = (enum kvp_netconf_backend)42;
	ck_assert_int_eq(detect(&b), -EINVAL);
}
END_TEST

START_TEST(kvp_netconf_backend__detect_hook_first)
{
	enum kvp_netconf_backend b;
	char hook[512];

	snprintf(hook, sizeof(hook), "%s/hv_set_ifconfig", root);
	tl_write_file(hook, "#!/bin/sh\nexit 0\n");
	opts.hook = hook;
	/* Present but not executable: ignored. */
	ck_assert_int_eq(chmod(hook, 0644), 0);
	ck_assert_int_eq(detect(&b), 0);
	ck_assert_int_eq(b, KVP_NETCONF_NETWORKMANAGER);
	ck_assert_int_eq(chmod(hook, 0755), 0);
	calls[0] = '\0';
	ck_assert_int_eq(detect(&b), 0);
	ck_assert_int_eq(b, KVP_NETCONF_HOOK);
	ck_assert_str_eq(calls, "");
}
END_TEST

START_TEST(kvp_netconf_backend__detect_nm_managed)
{
	enum kvp_netconf_backend b;

	ck_assert_int_eq(detect(&b), 0);
	ck_assert_int_eq(b, KVP_NETCONF_NETWORKMANAGER);
	ck_assert_str_eq(calls, "GetDeviceByIpIface eth0\n"
				"Get /org/freedesktop/NetworkManager/Devices/2 Managed\n");
}
END_TEST

START_TEST(kvp_netconf_backend__detect_networkd)
{
	enum kvp_netconf_backend b;

	nm_managed = 0;	/* NM runs but leaves the device alone */
	put("/run/systemd/netif/links/2", "ADMIN_STATE=configured\nOPER_STATE=routable\n");
	ck_assert_int_eq(detect(&b), 0);
	ck_assert_int_eq(b, KVP_NETCONF_NETWORKD);

	/* networkd says unmanaged, or is not running (stale state file). */
	put("/run/systemd/netif/links/2", "ADMIN_STATE=unmanaged\n");
	ck_assert_int_eq(detect(&b), -EOPNOTSUPP);
	put("/run/systemd/netif/links/2", "ADMIN_STATE=configuring\n");
	networkd_up = 0;
	ck_assert_int_eq(detect(&b), -EOPNOTSUPP);
	networkd_up = -ENOENT;	/* no bus: trust the state file */
	ck_assert_int_eq(detect(&b), 0);
	ck_assert_int_eq(b, KVP_NETCONF_NETWORKD);
}
END_TEST

START_TEST(kvp_netconf_backend__detect_ifupdown)
{
	enum kvp_netconf_backend b;

	nm_present = 0;
	put("/etc/network/interfaces", "auto lo\niface lo inet loopback\n");
	ck_assert_int_eq(detect(&b), -EOPNOTSUPP);	/* not installed */
	put("/sbin/ifup", "");
	ck_assert_int_eq(detect(&b), 0);
	ck_assert_int_eq(b, KVP_NETCONF_IFUPDOWN);
}
END_TEST

/* ---- NetworkManager ---- */

START_TEST(kvp_netconf_backend__nm_writes_and_activates)
{
	struct kvp_netconf nc;
	struct stat st;
	char p[512], *text, uuid1[37];

	make_nc(&nc);
	ck_assert_int_eq(kvp_netconf_write_backend(&opts, &nc, KVP_NETCONF_NETWORKMANAGER), 0);
	ck_assert_str_eq(calls,
			 "LoadConnections /etc/NetworkManager/system-connections/hyperv-eth0.nmconnection\n"
			 "GetConnectionByUuid <uuid>\n"
			 "GetDeviceByIpIface eth0\n"
			 "ActivateConnection /org/freedesktop/NetworkManager/Settings/7 "
			 "/org/freedesktop/NetworkManager/Devices/2 /\n");
	snprintf(p, sizeof(p), "%s/etc/NetworkManager/system-connections/hyperv-eth0.nmconnection",
		 root);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	text = tl_read_file(p, NULL);
	ck_assert_ptr_nonnull(strstr(text, "interface-name=eth0\n"));
	ck_assert_ptr_nonnull(strstr(text, "address1=192.0.2.10/24\n"));
	memcpy(uuid1, strstr(text, "uuid=") + 5, 36);
	uuid1[36] = '\0';
	free(text);

	/* The next injection keeps the profile's identity. */
	calls[0] = '\0';
	opts.apply = 0;
	strcpy((char *)nc.ifname, "eth0");
	ck_assert_int_eq(kvp_netconf_write_backend(&opts, &nc, KVP_NETCONF_NETWORKMANAGER), 0);
	ck_assert_str_eq(calls, "");
	text = tl_read_file(p, NULL);
	ck_assert_ptr_nonnull(strstr(text, uuid1));
	free(text);
}
END_TEST

/* ---- systemd-networkd ---- */

START_TEST(kvp_netconf_backend__networkd_writes_and_reconfigures)
{
	struct kvp_netconf nc;
	char *text;

	make_nc(&nc);
	ck_assert_int_eq(kvp_netconf_write_backend(&opts, &nc, KVP_NETCONF_NETWORKD), 0);
	ck_assert_str_eq(calls, "Reload\nReconfigureLink 2\n");
	text = get("/etc/systemd/network/10-hyperv-eth0.network");
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "[Match]\nName=eth0\nMACAddress=00:15:5d:01:02:03\n"));
	free(text);
}
END_TEST

START_TEST(kvp_netconf_backend__networkd_sorts_before_matching_files)
{
	struct kvp_netconf nc;

	make_nc(&nc);
	put("/etc/systemd/network/10-hyperv-eth0.network", "stale\n");
	/* Would match eth0 and sorts before 10-: ours must go first. */
	put("/run/systemd/network/05-netplan-eth0.network", "[Match]\nName=eth*\n[Network]\nDHCP=yes\n");
	/* Sorting first but not matching this link: no effect. */
	put("/etc/systemd/network/01-wlan.network", "[Match]\nName=wlan*\n");
	put("/etc/systemd/network/02-other-mac.network", "[Match]\nMACAddress=00:11:22:33:44:55\n");
	put("/etc/systemd/network/03-not-eth0.network", "[Match]\nName=!eth0\n");
	/* Matches but sorts after ours anyway. */
	put("/usr/lib/systemd/network/99-default.network", "[Network]\nDHCP=yes\n");
	/* Would match everything, but masked in /etc, or replaced by a non-matching /etc copy. */
	put("/usr/lib/systemd/network/00-masked.network", "[Network]\nDHCP=yes\n");
	put("/etc/systemd/network/00-masked.network", "");
	put("/usr/lib/systemd/network/00-replaced.network", "[Network]\nDHCP=yes\n");
	put("/etc/systemd/network/00-replaced.network", "[Match]\nName=lo\n");

	ck_assert_int_eq(kvp_netconf_write_backend(&opts, &nc, KVP_NETCONF_NETWORKD), 0);
	ck_assert(exists("/etc/systemd/network/04-hyperv-eth0.network"));
	ck_assert(!exists("/etc/systemd/network/10-hyperv-eth0.network"));	/* stale one gone */
	ck_assert(exists("/run/systemd/network/05-netplan-eth0.network"));	/* never touched */
}
END_TEST

START_TEST(kvp_netconf_backend__networkd_refuses_unbeatable_file)
{
	struct kvp_netconf nc;

	make_nc(&nc);
	/* No [Match]: applies to every link, and nothing sorts before 00-a. */
	put("/etc/systemd/network/00-all.network", "[Network]\nDHCP=yes\n");
	ck_assert_int_eq(kvp_netconf_write_backend(&opts, &nc, KVP_NETCONF_NETWORKD), -EEXIST);
	ck_assert(!exists("/etc/systemd/network/10-hyperv-eth0.network"));
	ck_assert_str_eq(calls, "");

	/* A MAC match counts as a match too. */
	tl_rm_rf(root);
	ck_assert_int_eq(mkdir(root, 0700), 0);
	put("/etc/systemd/network/00-mac.network", "[Match]\nMACAddress=00:15:5D:01:02:03\n");
	ck_assert_int_eq(kvp_netconf_write_backend(&opts, &nc, KVP_NETCONF_NETWORKD), -EEXIST);
}
END_TEST

/* ---- ifupdown ---- */

static const char main_file[] =
	"# interfaces(5) file used by ifup(8) and ifdown(8)\n"
	"auto lo\n"
	"iface lo inet loopback\n"
	"\n"
	"auto eth0\n"
	"iface eth0 inet static\n"
	"\taddress 203.0.113.5/24\n"
	"\tgateway 203.0.113.1\n"
	"# a comment inside\n"
	"\n"
	"iface eth0 inet6 auto\n"
	"\n"
	"iface eth1 inet dhcp\n"
	"source /etc/network/interfaces.d/*\n";

static const char main_expected[] =
	"# interfaces(5) file used by ifup(8) and ifdown(8)\n"
	"auto lo\n"
	"iface lo inet loopback\n"
	"\n"
	"auto eth0\n"
	"#hyperv-tools# iface eth0 inet static\n"
	"#hyperv-tools# \taddress 203.0.113.5/24\n"
	"#hyperv-tools# \tgateway 203.0.113.1\n"
	"# a comment inside\n"
	"\n"
	"#hyperv-tools# iface eth0 inet6 auto\n"
	"\n"
	"iface eth1 inet dhcp\n"
	"source /etc/network/interfaces.d/*\n";

START_TEST(kvp_netconf_backend__ifupdown_disables_old_stanzas)
{
	struct kvp_netconf nc;
	char *text;

	make_nc(&nc);
	put("/etc/network/interfaces", main_file);
	put("/etc/network/interfaces.d/50-cloud-init", "auto eth0\niface eth0 inet dhcp\n");
	put("/etc/network/interfaces.d/eth1", "iface eth1 inet dhcp\n");
	put("/usr/sbin/ifup", "");
	put("/usr/sbin/ifdown", "");

	ck_assert_int_eq(kvp_netconf_write_backend(&opts, &nc, KVP_NETCONF_IFUPDOWN), 0);
	/* ifdown with the old files, ifup with the new ones; argv, no shell. */
	ck_assert_str_eq(calls, "run /usr/sbin/ifdown -- eth0 [old]\n"
				"run /usr/sbin/ifup -- eth0 [new]\n");
	text = get("/etc/network/interfaces");
	ck_assert_str_eq(text, main_expected);
	free(text);
	text = get("/etc/network/interfaces.d/50-cloud-init");
	ck_assert_str_eq(text, "auto eth0\n#hyperv-tools# iface eth0 inet dhcp\n");
	free(text);
	text = get("/etc/network/interfaces.d/eth1");
	ck_assert_str_eq(text, "iface eth1 inet dhcp\n");
	free(text);
	text = get("/etc/network/interfaces.d/hyperv-eth0");
	ck_assert_ptr_nonnull(strstr(text, "iface eth0 inet static\n\taddress 192.0.2.10\n"));
	free(text);

	/* Idempotent: a second injection changes nothing else. */
	calls[0] = '\0';
	ck_assert_int_eq(kvp_netconf_write_backend(&opts, &nc, KVP_NETCONF_IFUPDOWN), 0);
	text = get("/etc/network/interfaces");
	ck_assert_str_eq(text, main_expected);
	free(text);
}
END_TEST

START_TEST(kvp_netconf_backend__ifupdown_adds_source_line)
{
	struct kvp_netconf nc;
	char *text;

	make_nc(&nc);
	opts.apply = 0;
	put("/etc/network/interfaces", "auto lo\niface lo inet loopback");	/* no final newline */
	ck_assert_int_eq(kvp_netconf_write_backend(&opts, &nc, KVP_NETCONF_IFUPDOWN), 0);
	ck_assert_str_eq(calls, "");
	text = get("/etc/network/interfaces");
	ck_assert_str_eq(text, "auto lo\niface lo inet loopback\n"
			       "# Added by hv_kvp_daemon (Hyper-V IP injection)\n"
			       "source /etc/network/interfaces.d/hyperv-eth0\n");
	free(text);

	/* source-directory includes our (run-parts style) name: nothing added. */
	put("/etc/network/interfaces", "source-directory interfaces.d\n");
	ck_assert_int_eq(kvp_netconf_write_backend(&opts, &nc, KVP_NETCONF_IFUPDOWN), 0);
	text = get("/etc/network/interfaces");
	ck_assert_str_eq(text, "source-directory interfaces.d\n");
	free(text);
}
END_TEST

START_TEST(kvp_netconf_backend__ifupdown_ifup_failure)
{
	struct kvp_netconf nc;

	make_nc(&nc);
	put("/etc/network/interfaces", "source /etc/network/interfaces.d/*\n");
	put("/sbin/ifup", "");
	put("/sbin/ifdown", "");
	run_status = 1;
	ck_assert_int_eq(kvp_netconf_write_backend(&opts, &nc, KVP_NETCONF_IFUPDOWN), -EIO);
	ck_assert_str_eq(calls, "run /sbin/ifdown -- eth0 [old]\nrun /sbin/ifup -- eth0 [new]\n");
	/* ifupdown missing while asked to apply: nothing is run or written. */
	tl_rm_rf(root);
	ck_assert_int_eq(mkdir(root, 0700), 0);
	calls[0] = '\0';
	put("/etc/network/interfaces", "source /etc/network/interfaces.d/*\n");
	ck_assert_int_eq(kvp_netconf_write_backend(&opts, &nc, KVP_NETCONF_IFUPDOWN), -EOPNOTSUPP);
	ck_assert(!exists("/etc/network/interfaces.d/hyperv-eth0"));
	ck_assert_str_eq(calls, "");
}
END_TEST

/* ---- the hook, through the recorded run op ---- */

START_TEST(kvp_netconf_backend__hook_files_and_argv)
{
	struct kvp_netconf nc;
	char hook[512], *text;
	struct stat st;

	make_nc(&nc);
	snprintf(hook, sizeof(hook), "%s/hv_set_ifconfig", root);
	tl_write_file(hook, "#!/bin/sh\n");
	ck_assert_int_eq(chmod(hook, 0755), 0);
	opts.hook = hook;
	opts.state_dir = "/var/lib/hyperv";	/* the default is the build's HV_STATEDIR */
	ck_assert_int_eq(kvp_netconf_write_backend(&opts, &nc, KVP_NETCONF_HOOK), 0);
	ck_assert_str_eq(calls, "run /hv_set_ifconfig /var/lib/hyperv/ifcfg-eth0 "
				"/var/lib/hyperv/eth0.nmconnection [old]\n");
	text = get("/var/lib/hyperv/ifcfg-eth0");
	ck_assert_str_eq(text, "HWADDR=00:15:5D:01:02:03\nDEVICE=eth0\nBOOTPROTO=none\n"
			       "IPADDR0=192.0.2.10\nNETMASK0=255.255.255.0\nGATEWAY=192.0.2.1\n"
			       "DNS1=192.0.2.53\n");
	free(text);
	ck_assert(exists("/var/lib/hyperv/eth0.nmconnection"));
	{
		char p[512];

		snprintf(p, sizeof(p), "%s/var/lib/hyperv/eth0.nmconnection", root);
		ck_assert_int_eq(stat(p, &st), 0);
		ck_assert_uint_eq(st.st_mode & 07777, 0600);
	}

	/* A failing hook is an error; a missing one too. */
	run_status = 3;
	ck_assert_int_eq(kvp_netconf_write_backend(&opts, &nc, KVP_NETCONF_HOOK), -EIO);
	opts.hook = "/nonexistent/hv_set_ifconfig";
	ck_assert_int_eq(kvp_netconf_write_backend(&opts, &nc, KVP_NETCONF_HOOK), -ENOENT);
	opts.state_dir = "/srv/state";
	opts.hook = hook;
	run_status = 0;
	calls[0] = '\0';
	ck_assert_int_eq(kvp_netconf_write_backend(&opts, &nc, KVP_NETCONF_HOOK), 0);
	ck_assert_str_eq(calls, "run /hv_set_ifconfig /srv/state/ifcfg-eth0 "
				"/srv/state/eth0.nmconnection [old]\n");
}
END_TEST

START_TEST(kvp_netconf_backend__rejects_bad_link_name)
{
	struct kvp_netconf nc;

	make_nc(&nc);
	strcpy(nc.ifname, "../x");
	for (int b = KVP_NETCONF_NETWORKMANAGER; b < _KVP_NETCONF_BACKEND_MAX; b++)
		ck_assert_int_eq(kvp_netconf_write_backend(&opts, &nc, (enum kvp_netconf_backend)b),
				 -EINVAL);
	make_nc(&nc);
	ck_assert_int_eq(kvp_netconf_write_backend(&opts, &nc, KVP_NETCONF_AUTO), -EINVAL);
	ck_assert_str_eq(calls, "");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kvp_netconf_backend");
	TCase *tc;

#define TC(name)                                                   \
	tc = tcase_create(#name);                                  \
	tcase_add_checked_fixture(tc, setup, teardown);            \
	tcase_add_test(tc, kvp_netconf_backend__##name);           \
	suite_add_tcase(s, tc)

	TC(detect_explicit);
	TC(detect_hook_first);
	TC(detect_nm_managed);
	TC(detect_networkd);
	TC(detect_ifupdown);
	TC(nm_writes_and_activates);
	TC(networkd_writes_and_reconfigures);
	TC(networkd_sorts_before_matching_files);
	TC(networkd_refuses_unbeatable_file);
	TC(ifupdown_disables_old_stanzas);
	TC(ifupdown_adds_source_line);
	TC(ifupdown_ifup_failure);
	TC(hook_files_and_argv);
	TC(rejects_bad_link_name);
	return tl_run_suite(s);
}
