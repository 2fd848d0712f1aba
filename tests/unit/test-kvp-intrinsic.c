// SPDX-License-Identifier: MIT
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kvp-intrinsic.h"
#include "testlib.h"

static char *dir;
static char os_release[512];
static char fake_host[64] = "localhost";

static int fake_uname(struct utsname *u)
{
	memset(u, 0, sizeof(*u));
	strcpy(u->sysname, "Linux");
	strcpy(u->release, "6.1.0-18-amd64");
	strcpy(u->machine, "x86_64");
	return 0;
}

static int fake_gethostname(char *name, size_t len)
{
	snprintf(name, len, "%s", fake_host);
	return 0;
}

static void setup(void)
{
	dir = tl_mkdtemp("intrinsic");
	snprintf(os_release, sizeof(os_release), "%s/os-release", dir);
	tl_write_file(os_release, "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
				  "NAME=\"Debian GNU/Linux\"\n"
				  "VERSION_ID=\"12.5\"\n"
				  "# NAME=Commented\n"
				  "ID=debian\n");
	strcpy(fake_host, "localhost");
}

static void teardown(void)
{
	tl_rm_rf(dir);
	free(dir);
}

static struct kvp_intrinsic *new_intrinsic(const char *fqdn)
{
	struct kvp_intrinsic_options o = {
		.os_release = os_release,
		.fqdn = fqdn,
		.uname = fake_uname,
		.gethostname = fake_gethostname,
	};
	struct kvp_intrinsic *ki = NULL;

	ck_assert_int_eq(kvp_intrinsic_new(&o, &ki), 0);
	kvp_intrinsic_set_version(ki, "3.1");
	return ki;
}

static const char *item(struct kvp_intrinsic *ki, unsigned i)
{
	static char value[2048];
	const char *key;

	ck_assert_int_eq(kvp_intrinsic_get(ki, i, &key, value, sizeof(value)), 0);
	ck_assert_str_eq(key, kvp_intrinsic_key(i));
	return value;
}

START_TEST(kvp_intrinsic__enumerates_the_ten_items_in_order)
{
	static const char *const keys[] = {
		"FullyQualifiedDomainName", "IntegrationServicesVersion", "NetworkAddressIPv4",
		"NetworkAddressIPv6", "OSBuildNumber", "OSName", "OSMajorVersion",
		"OSMinorVersion", "OSVersion", "ProcessorArchitecture",
	};
	struct kvp_intrinsic *ki = new_intrinsic("vm1.example.test");
	char value[64];
	const char *key;

	for (unsigned i = 0; i < 10; i++)
		ck_assert_str_eq(kvp_intrinsic_key(i), keys[i]);
	ck_assert_str_eq(item(ki, 0), "vm1.example.test");
	ck_assert_str_eq(item(ki, 1), "3.1");
	ck_assert_str_eq(item(ki, 2), "");	/* no network source */
	ck_assert_str_eq(item(ki, 4), "6.1.0-18-amd64");
	ck_assert_str_eq(item(ki, 5), "Debian GNU/Linux");
	ck_assert_str_eq(item(ki, 6), "12");
	ck_assert_str_eq(item(ki, 7), "5");
	ck_assert_str_eq(item(ki, 8), "6.1.0");
	ck_assert_str_eq(item(ki, 9), "x86_64");
	ck_assert_int_eq(kvp_intrinsic_get(ki, 10, &key, value, sizeof(value)), -ENOENT);
	ck_assert_int_eq(kvp_intrinsic_get(ki, 0xffffffffu, &key, value, sizeof(value)), -ENOENT);
	kvp_intrinsic_free(ki);
}
END_TEST

START_TEST(kvp_intrinsic__lookup_by_name)
{
	struct kvp_intrinsic *ki = new_intrinsic("vm1");
	char value[64];

	ck_assert_int_eq(kvp_intrinsic_lookup(ki, "OSName", value, sizeof(value)), 0);
	ck_assert_str_eq(value, "Debian GNU/Linux");
	ck_assert_int_eq(kvp_intrinsic_lookup(ki, "osname", value, sizeof(value)), -ENOENT);
	ck_assert_int_eq(kvp_intrinsic_lookup(ki, "Nope", value, sizeof(value)), -ENOENT);
	kvp_intrinsic_free(ki);
}
END_TEST

START_TEST(kvp_intrinsic__os_release_change_is_seen)
{
	struct kvp_intrinsic *ki = new_intrinsic("vm1");

	ck_assert_str_eq(item(ki, 6), "12");
	/* An upgrade rewrites the file (new inode, as package managers do). */
	ck_assert_int_eq(unlink(os_release), 0);
	tl_write_file(os_release, "NAME='Debian GNU/Linux'\nVERSION_ID=13\n");
	ck_assert_str_eq(item(ki, 6), "13");
	ck_assert_str_eq(item(ki, 7), "");
	ck_assert_str_eq(item(ki, 5), "Debian GNU/Linux");
	kvp_intrinsic_free(ki);
}
END_TEST

START_TEST(kvp_intrinsic__os_release_quoting)
{
	struct kvp_intrinsic *ki;

	tl_write_file(os_release, "NAME=\"A \\\"quoted\\\" \\$name\"\nVERSION_ID=22.04.3\n"
				  "garbage line\n=novalue\n");
	ki = new_intrinsic("vm1");
	ck_assert_str_eq(item(ki, 5), "A \"quoted\" $name");
	ck_assert_str_eq(item(ki, 6), "22");
	ck_assert_str_eq(item(ki, 7), "04.3");
	kvp_intrinsic_free(ki);
}
END_TEST

START_TEST(kvp_intrinsic__no_os_release_falls_back_to_uname)
{
	struct kvp_intrinsic *ki;

	ck_assert_int_eq(unlink(os_release), 0);
	ki = new_intrinsic("vm1");
	ck_assert_str_eq(item(ki, 5), "Linux");
	ck_assert_str_eq(item(ki, 6), "");
	kvp_intrinsic_free(ki);
}
END_TEST

START_TEST(kvp_intrinsic__fqdn_follows_hostname)
{
	struct kvp_intrinsic *ki = new_intrinsic(NULL);
	const char *v;

	/* localhost resolves through /etc/hosts on every machine. */
	v = item(ki, 0);
	ck_assert_msg(strncmp(v, "localhost", 9) == 0, "got %s", v);
	/* A name that cannot resolve is reported as it is. */
	strcpy(fake_host, "hvt-no-such-host.invalid");
	ck_assert_str_eq(item(ki, 0), "hvt-no-such-host.invalid");
	strcpy(fake_host, "localhost");
	v = item(ki, 0);
	ck_assert_msg(strncmp(v, "localhost", 9) == 0, "got %s", v);
	kvp_intrinsic_free(ki);
}
END_TEST

START_TEST(kvp_intrinsic__values_fit_small_buffers)
{
	struct kvp_intrinsic *ki = new_intrinsic("a-very-long-host-name.example.test");
	char value[8];
	const char *key;

	for (unsigned i = 0; i < 10; i++) {
		ck_assert_int_eq(kvp_intrinsic_get(ki, i, &key, value, sizeof(value)), 0);
		ck_assert_uint_lt(strlen(value), sizeof(value));
	}
	kvp_intrinsic_free(ki);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kvp-intrinsic");
	TCase *tc = tcase_create("intrinsic");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, kvp_intrinsic__enumerates_the_ten_items_in_order);
	tcase_add_test(tc, kvp_intrinsic__lookup_by_name);
	tcase_add_test(tc, kvp_intrinsic__os_release_change_is_seen);
	tcase_add_test(tc, kvp_intrinsic__os_release_quoting);
	tcase_add_test(tc, kvp_intrinsic__no_os_release_falls_back_to_uname);
	tcase_add_test(tc, kvp_intrinsic__fqdn_follows_hostname);
	tcase_add_test(tc, kvp_intrinsic__values_fit_small_buffers);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
