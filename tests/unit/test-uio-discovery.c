// SPDX-License-Identifier: MIT
/*
 * Finding the fcopy channel's uio device with libudev, by class GUID,
 * against a fake sysfs mounted over /sys in a private mount namespace
 * (libudev only reads /sys). Needs root; exits 77 otherwise.
 */
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hyperv/vmbus.h>

#include "testlib.h"
#include "uio.h"

#define FCOPY_INSTANCE "eb765408-105f-49b6-b4aa-c123b64d17d4"
#define KVP_INSTANCE "242ff919-07db-4180-9c2e-b86cb68c8c55"

static void sys_mount(void)
{
	ck_assert_int_eq(mount("tmpfs", "/sys", "tmpfs", 0, "mode=0755"), 0);
	ck_assert_int_eq(mkdir("/sys/bus", 0755), 0);
	ck_assert_int_eq(mkdir("/sys/bus/vmbus", 0755), 0);
	ck_assert_int_eq(mkdir("/sys/bus/vmbus/devices", 0755), 0);
	ck_assert_int_eq(mkdir("/sys/class", 0755), 0);
	ck_assert_int_eq(mkdir("/sys/class/uio", 0755), 0);
	ck_assert_int_eq(mkdir("/sys/devices", 0755), 0);
	ck_assert_int_eq(mkdir("/sys/devices/VMBUS:00", 0755), 0);
}

static void sys_umount(void)
{
	ck_assert_int_eq(umount2("/sys", MNT_DETACH), 0);
}

static void link_to(const char *target, const char *path)
{
	ck_assert_msg(symlink(target, path) == 0, "symlink %s: %s", path, strerror(errno));
}

/* A VMBus device as the kernel shows it; with a uio child when uio >= 0. */
static void add_device(const char *instance, const char *class_id, int uio)
{
	char p[512], t[512];

	snprintf(p, sizeof(p), "/sys/devices/VMBUS:00/%s/class_id", instance);
	tl_write_file(p, class_id);
	snprintf(p, sizeof(p), "/sys/devices/VMBUS:00/%s/subsystem", instance);
	link_to("../../../bus/vmbus", p);
	snprintf(p, sizeof(p), "/sys/devices/VMBUS:00/%s/uevent", instance);
	tl_write_file(p, "");
	snprintf(p, sizeof(p), "/sys/bus/vmbus/devices/%s", instance);
	snprintf(t, sizeof(t), "../../../devices/VMBUS:00/%s", instance);
	link_to(t, p);
	if (uio < 0)
		return;

	snprintf(p, sizeof(p), "/sys/devices/VMBUS:00/%s/uio/uio%d/uevent", instance, uio);
	snprintf(t, sizeof(t), "MAJOR=240\nMINOR=%d\nDEVNAME=uio%d\n", uio, uio);
	tl_write_file(p, t);
	snprintf(p, sizeof(p), "/sys/devices/VMBUS:00/%s/uio/uio%d/maps/map0/size", instance, uio);
	tl_write_file(p, "0x8000\n");
	snprintf(p, sizeof(p), "/sys/devices/VMBUS:00/%s/uio/uio%d/subsystem", instance, uio);
	link_to("../../../../../class/uio", p);
	snprintf(p, sizeof(p), "/sys/class/uio/uio%d", uio);
	snprintf(t, sizeof(t), "../../devices/VMBUS:00/%s/uio/uio%d", instance, uio);
	link_to(t, p);
}

START_TEST(uio_discovery__finds_fcopy_by_class)
{
	struct uio_device_info info = { 0 };
	size_t ring = 0;

	sys_mount();
	add_device(KVP_INSTANCE, "{" VMBUS_CLASS_KVP_STR "}\n", 0);
	add_device(FCOPY_INSTANCE, "{" VMBUS_CLASS_FCOPY_STR "}\n", 1);
	ck_assert_int_eq(uio_find_vmbus_device(VMBUS_CLASS_FCOPY_STR, &info), 0);
	ck_assert_str_eq(info.devnode, "/dev/uio1");
	ck_assert_str_eq(info.vmbus_syspath, "/sys/devices/VMBUS:00/" FCOPY_INSTANCE);
	ck_assert_str_eq(info.uio_syspath, "/sys/devices/VMBUS:00/" FCOPY_INSTANCE "/uio/uio1");
	ck_assert_int_eq(uio_ring_size(info.vmbus_syspath, info.uio_syspath, 0, &ring), 0);
	ck_assert_uint_eq(ring, 16384);
	uio_device_info_done(&info);
	sys_umount();
}
END_TEST

START_TEST(uio_discovery__class_match_ignores_case)
{
	struct uio_device_info info = { 0 };

	sys_mount();
	add_device(FCOPY_INSTANCE, "{34D14BE3-DEE4-41C8-9AE7-6B174977C192}\n", 0);
	ck_assert_int_eq(uio_find_vmbus_device(VMBUS_CLASS_FCOPY_STR, &info), 0);
	ck_assert_str_eq(info.devnode, "/dev/uio0");
	uio_device_info_done(&info);
	sys_umount();
}
END_TEST

START_TEST(uio_discovery__unbound_device_is_enxio)
{
	struct uio_device_info info = { 0 };

	sys_mount();
	add_device(FCOPY_INSTANCE, "{" VMBUS_CLASS_FCOPY_STR "}\n", -1);
	ck_assert_int_eq(uio_find_vmbus_device(VMBUS_CLASS_FCOPY_STR, &info), -ENXIO);
	ck_assert_ptr_null(info.devnode);
	sys_umount();
}
END_TEST

START_TEST(uio_discovery__no_device_is_enodev)
{
	struct uio_device_info info = { 0 };

	sys_mount();
	add_device(KVP_INSTANCE, "{" VMBUS_CLASS_KVP_STR "}\n", 0);
	ck_assert_int_eq(uio_find_vmbus_device(VMBUS_CLASS_FCOPY_STR, &info), -ENODEV);
	sys_umount();
}
END_TEST

int main(void)
{
	Suite *s;
	TCase *tc;

	tl_require_root("mounts a fake sysfs in a private mount namespace");
	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0) {
		printf("SKIP: cannot make a private mount namespace: %s\n", strerror(errno));
		return TL_EXIT_SKIP;
	}
	/* libudev refuses a /sys that is not sysfs unless told this is a test. */
	setenv("SYSTEMD_DEVICE_VERIFY_SYSFS", "0", 1);

	s = suite_create("uio_discovery");
	tc = tcase_create("uio_discovery");
	tcase_add_test(tc, uio_discovery__finds_fcopy_by_class);
	tcase_add_test(tc, uio_discovery__class_match_ignores_case);
	tcase_add_test(tc, uio_discovery__unbound_device_is_enxio);
	tcase_add_test(tc, uio_discovery__no_device_is_enodev);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
