// SPDX-License-Identifier: MIT
/*
 * nic-add, nic-del and link against the scripted QMP server: the id and
 * MAC a new NIC gets, its netdev (deleted again when device_add fails, and
 * only after the guest released the NIC on nic-del), set_link.
 */
#include <check.h>
#include <errno.h>
#include <json.h>
#include <stdlib.h>
#include <string.h>

#include "hvhost.h"
#include "log.h"
#include "test-hvhost-fake.h"
#include "testlib.h"
#include "util.h"

#define OK "{\"return\": {}, \"id\": %ID%}\n"
#define RET(v) "{\"return\": " v ", \"id\": %ID%}\n"
#define ERR(desc) \
	"{\"error\": {\"class\": \"GenericError\", \"desc\": \"" desc "\"}, \"id\": %ID%}\n"
#define DELETED(id)                                                                     \
	"{\"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"" id "\", \"path\": " \
	"\"/machine/peripheral/" id "\"}, \"timestamp\": {}}\n"

START_TEST(nic__add_takes_the_next_id_and_mac)
{
	static const struct fake_step steps[] = {
		FAKE_CAPS,
		{ "qom-list", RET("[{\"name\": \"nic0\", \"type\": \"child<virtio-net-pci>\"}, "
				  "{\"name\": \"kvp\", \"type\": \"child<hv-kvp>\"}, "
				  "{\"name\": \"nic1\", \"type\": \"child<hv-net>\"}]") },
		{ "qom-get", RET("\"00:15:5d:00:00:10\"") },
		{ "netdev_add", OK },
		{ "device_add", OK },
	};
	static const struct fake_step after_del[] = {
		FAKE_CAPS,
		/* nic0 is gone: the MAC still counts from boot's (nic1's - 1). */
		{ "qom-list", RET("[{\"name\": \"nic1\", \"type\": \"child<hv-net>\"}]") },
		{ "qom-get", RET("\"00:15:5d:00:01:00\"") },
		{ "netdev_add", OK },
		{ "device_add", OK },
	};
	char *out;

	out = FAKE_RUN(steps, hvhost_cmd_nic_add, 0, "nic-add");
	ck_assert_str_eq(E.fake.mismatch, "");
	ck_assert_str_eq(
		E.fake.all_args,
		"qmp_capabilities\n"
		"qom-list {\"path\":\"\\/machine\\/peripheral\"}\n"
		"qom-get {\"path\":\"\\/machine\\/peripheral\\/nic0\",\"property\":\"mac\"}\n"
		"netdev_add {\"type\":\"user\",\"id\":\"nic2-net\",\"net\":\"10.0.4.0\\/24\"}\n"
		"device_add {\"driver\":\"hv-net\",\"netdev\":\"nic2-net\","
		"\"mac\":\"00:15:5d:00:00:12\",\"id\":\"nic2\"}\n");
	ck_assert_str_eq(out, "added nic2 (hv-net, MAC 00:15:5d:00:00:12, netdev nic2-net)\n");
	free(out);

	out = FAKE_RUN(after_del, hvhost_cmd_nic_add, 0, "nic-add", "--model", "virtio");
	ck_assert_str_eq(E.fake.last_args, "{\"driver\":\"virtio-net-pci\",\"netdev\":\"nic0-net\","
					   "\"mac\":\"00:15:5d:00:00:ff\",\"romfile\":\"\","
					   "\"id\":\"nic0\"}");
	free(out);
}
END_TEST

START_TEST(nic__add_with_id_and_mac)
{
	static const struct fake_step steps[] = {
		FAKE_CAPS,
		{ "qom-list", RET("[]") },
		{ "netdev_add", OK },
		{ "device_add", OK },
	};
	static const struct fake_step taken[] = {
		FAKE_CAPS,
		{ "qom-list", RET("[{\"name\": \"lan\", \"type\": \"child<hv-net>\"}]") },
	};
	json_object *doc, *v;
	char *out;

	out = FAKE_RUN(steps, hvhost_cmd_nic_add, 0, "--json", "nic-add", "--id", "lan", "--mac",
		       "52:54:00:AB:CD:EF");
	ck_assert_str_eq(E.fake.last_args, "{\"driver\":\"hv-net\",\"netdev\":\"lan-net\","
					   "\"mac\":\"52:54:00:ab:cd:ef\",\"id\":\"lan\"}");
	doc = json_tokener_parse(out);
	ck_assert_ptr_nonnull(doc);
	ck_assert(json_object_object_get_ex(doc, "id", &v));
	ck_assert_str_eq(json_object_get_string(v), "lan");
	ck_assert(json_object_object_get_ex(doc, "netdev", &v));
	ck_assert_str_eq(json_object_get_string(v), "lan-net");
	ck_assert(json_object_object_get_ex(doc, "mac", &v));
	ck_assert_str_eq(json_object_get_string(v), "52:54:00:ab:cd:ef");
	ck_assert(json_object_object_get_ex(doc, "driver", &v));
	ck_assert_str_eq(json_object_get_string(v), "hv-net");
	json_object_put(doc);
	free(out);

	/* An id that is taken: refused before anything is created. */
	out = FAKE_RUN(taken, hvhost_cmd_nic_add, -EEXIST, "nic-add", "--id", "lan");
	ck_assert_ptr_null(strstr(E.fake.all_args, "netdev_add"));
	free(out);
}
END_TEST

START_TEST(nic__add_leaves_no_netdev_when_device_add_fails)
{
	static const struct fake_step steps[] = {
		FAKE_CAPS,
		{ "qom-list", RET("[]") },
		{ "netdev_add", OK },
		{ "device_add", ERR("'hv-net' is not a valid device model name") },
		{ "netdev_del", OK },
	};
	char *out;

	fake_vm_setup(steps, ELEMENTSOF(steps), "nic-add", NULL);
	ck_assert_int_eq(hvhost_cmd_nic_add(&E.h), -EREMOTEIO);
	/* What --json reports is device_add's error, not the undo's success. */
	ck_assert_str_eq(E.h.qmp->error_desc, "'hv-net' is not a valid device model name");
	out = fake_vm_finish();
	ck_assert_uint_eq(E.fake.done, 5);
	ck_assert_str_eq(E.fake.last_args, "{\"id\":\"nic0-net\"}");
	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

START_TEST(nic__del_deletes_the_netdev_once_the_guest_let_go)
{
	static const struct fake_step steps[] = {
		FAKE_CAPS,
		{ "qom-get", RET("\"n1\"") },
		{ "device_del", OK },
		/* Later, and after other events: the guest released the VMBus channel. */
		{ NULL, "{\"event\": \"NIC_RX_FILTER_CHANGED\", \"data\": {\"name\": \"nic1\"}, "
			"\"timestamp\": {}}\n" DELETED("nic2") DELETED("nic1") },
		{ "netdev_del", OK },
	};
	char *out;

	out = FAKE_RUN(steps, hvhost_cmd_nic_del, 0, "nic-del", "nic1");
	ck_assert_str_eq(E.fake.mismatch, "");
	ck_assert_str_eq(
		E.fake.all_args,
		"qmp_capabilities\n"
		"qom-get {\"path\":\"\\/machine\\/peripheral\\/nic1\",\"property\":\"netdev\"}\n"
		"device_del {\"id\":\"nic1\"}\n"
		"netdev_del {\"id\":\"n1\"}\n");
	ck_assert_str_eq(out, "deleted nic1 and its netdev n1\n");
	free(out);
}
END_TEST

START_TEST(nic__del_keeps_the_netdev_while_the_nic_stays)
{
	static const struct fake_step steps[] = {
		FAKE_CAPS,
		{ "qom-get", RET("\"nic1-net\"") },
		{ "device_del", OK },
	};
	static const struct fake_step not_a_nic[] = {
		FAKE_CAPS,
		{ "qom-get", ERR("Property 'hv-kvp.netdev' not found") },
	};
	static const struct fake_step refused[] = {
		FAKE_CAPS,
		{ "qom-get", RET("\"n0\"") },
		{ "device_del", ERR("Bus 'pcie.0' does not support hotplugging") },
	};
	char *out;

	out = FAKE_RUN(steps, hvhost_cmd_nic_del, -ETIMEDOUT, "nic-del", "nic1", "--wait", "0.3");
	ck_assert_ptr_null(strstr(E.fake.all_args, "netdev_del"));
	ck_assert_str_eq(out, "");
	free(out);

	out = FAKE_RUN(not_a_nic, hvhost_cmd_nic_del, -EREMOTEIO, "nic-del", "kvp");
	ck_assert_ptr_null(strstr(E.fake.all_args, "device_del"));
	free(out);

	out = FAKE_RUN(refused, hvhost_cmd_nic_del, -EREMOTEIO, "nic-del", "nic0");
	ck_assert_ptr_null(strstr(E.fake.all_args, "netdev_del"));
	free(out);
}
END_TEST

START_TEST(nic__link_sets_the_state)
{
	static const struct fake_step steps[] = {
		FAKE_CAPS,
		{ "set_link", OK },
	};
	static const struct fake_step missing[] = {
		FAKE_CAPS,
		{ "set_link", "{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"Device "
			      "'nic7' not found\"}, \"id\": %ID%}\n" },
	};
	char *out;

	out = FAKE_RUN(steps, hvhost_cmd_link, 0, "link", "nic0", "down");
	ck_assert_str_eq(E.fake.last_args, "{\"name\":\"nic0\",\"up\":false}");
	ck_assert_str_eq(out, "nic0: link down\n");
	free(out);

	out = FAKE_RUN(steps, hvhost_cmd_link, 0, "--json", "link", "nic0", "up");
	ck_assert_str_eq(E.fake.last_args, "{\"name\":\"nic0\",\"up\":true}");
	ck_assert_ptr_nonnull(strstr(out, "\"up\": true"));
	free(out);

	out = FAKE_RUN(missing, hvhost_cmd_link, -EREMOTEIO, "link", "nic7", "up");
	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hvhost-nic");

	log_set_sink(fake_quiet_log, NULL);
	tl_add_test(s, "nic__add_takes_the_next_id_and_mac", nic__add_takes_the_next_id_and_mac);
	tl_add_test(s, "nic__add_with_id_and_mac", nic__add_with_id_and_mac);
	tl_add_test(s, "nic__add_leaves_no_netdev_when_device_add_fails",
		    nic__add_leaves_no_netdev_when_device_add_fails);
	tl_add_test(s, "nic__del_deletes_the_netdev_once_the_guest_let_go",
		    nic__del_deletes_the_netdev_once_the_guest_let_go);
	tl_add_test(s, "nic__del_keeps_the_netdev_while_the_nic_stays",
		    nic__del_keeps_the_netdev_while_the_nic_stays);
	tl_add_test(s, "nic__link_sets_the_state", nic__link_sets_the_state);
	return tl_run_suite(s);
}
