// SPDX-License-Identifier: MIT
/*
 * disk-add and disk-del against the scripted QMP server: the LUN found in
 * QOM, the block node and the scsi-hd they ask for, and that a failure
 * leaves no block node behind.
 */
#include <check.h>
#include <errno.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "hvhost.h"
#include "log.h"
#include "test-hvhost-fake.h"
#include "testlib.h"
#include "util.h"

#define OK "{\"return\": {}, \"id\": %ID%}\n"
#define RET(v) "{\"return\": " v ", \"id\": %ID%}\n"
#define ERR(desc) \
	"{\"error\": {\"class\": \"GenericError\", \"desc\": \"" desc "\"}, \"id\": %ID%}\n"

/* An image file for the command line (parsed before the fake runs). */
static char *img_dir, *img;

static void images_setup(void)
{
	img_dir = tl_mkdtemp("hvhost-disk");
	ck_assert_int_ge(asprintf(&img, "%s/data.qcow2", img_dir), 0);
	tl_write_file(img, "QFI\xfb");
}

static void images_teardown(void)
{
	tl_rm_rf(img_dir);
	free(img_dir);
	free(img);
}

/* A path as json-c writes it into a request ("\/" for '/'). */
static char *jpath(const char *p)
{
	char *s = calloc(2 * strlen(p) + 1, 1), *o = s;

	for (; *p; p++) {
		if (*p == '/')
			*o++ = '\\';
		*o++ = *p;
	}
	return s;
}

/* before + the request's spelling of path + after. */
static char *expect(const char *before, const char *path, const char *after)
{
	_cleanup_free_ char *j = jpath(path);
	char *s;

	ck_assert_int_ge(asprintf(&s, "%s%s%s", before, j, after), 0);
	return s;
}

START_TEST(disk__add_takes_the_lowest_free_lun)
{
	static const struct fake_step steps[] = {
		FAKE_CAPS,
		{ "qom-list", RET("[{\"name\": \"type\", \"type\": \"string\"}, "
				  "{\"name\": \"scsi0\", \"type\": \"child<hv-scsi>\"}, "
				  "{\"name\": \"disk0\", \"type\": \"child<scsi-hd>\"}, "
				  "{\"name\": \"cd\", \"type\": \"child<scsi-cd>\"}, "
				  "{\"name\": \"other\", \"type\": \"child<scsi-hd>\"}, "
				  "{\"name\": \"nic0\", \"type\": \"child<virtio-net-pci>\"}]") },
		{ "qom-get", RET("\"/machine/peripheral/scsi0/scsi0.0\"") },
		{ "qom-get", RET("0") },
		{ "qom-get", RET("\"/machine/peripheral/scsi0/scsi0.0\"") },
		{ "qom-get", RET("2") },
		/* LUN 1 of another controller does not count. */
		{ "qom-get", RET("\"/machine/peripheral/scsi1/scsi1.0\"") },
		{ "qom-list", RET("[{\"name\": \"device[0]\", \"type\": \"child<scsi-hd>\"}]") },
		{ "qom-get", RET("\"/machine/peripheral/scsi0/virtio-backend/scsi0.0\"") },
		{ "qom-get", RET("3") },
		{ "blockdev-add", OK },
		{ "device_add", OK },
	};
	_cleanup_free_ char *want = NULL, *line = NULL;
	char *out;

	out = FAKE_RUN(steps, hvhost_cmd_disk_add, 0, "disk-add", img);
	ck_assert_str_eq(E.fake.mismatch, "");
	want = expect(
		"qmp_capabilities\n"
		"qom-list {\"path\":\"\\/machine\\/peripheral\"}\n"
		"qom-get {\"path\":\"\\/machine\\/peripheral\\/disk0\",\"property\":\"parent_bus\"}\n"
		"qom-get {\"path\":\"\\/machine\\/peripheral\\/disk0\",\"property\":\"lun\"}\n"
		"qom-get {\"path\":\"\\/machine\\/peripheral\\/cd\",\"property\":\"parent_bus\"}\n"
		"qom-get {\"path\":\"\\/machine\\/peripheral\\/cd\",\"property\":\"lun\"}\n"
		"qom-get {\"path\":\"\\/machine\\/peripheral\\/other\",\"property\":\"parent_bus\"}\n"
		"qom-list {\"path\":\"\\/machine\\/peripheral-anon\"}\n"
		"qom-get {\"path\":\"\\/machine\\/peripheral-anon\\/device[0]\","
		"\"property\":\"parent_bus\"}\n"
		"qom-get {\"path\":\"\\/machine\\/peripheral-anon\\/device[0]\",\"property\":\"lun\"}\n"
		"blockdev-add {\"driver\":\"qcow2\",\"node-name\":\"disk1\",\"discard\":\"unmap\","
		"\"file\":{\"driver\":\"file\",\"filename\":\"",
		img,
		"\"}}\n"
		"device_add {\"driver\":\"scsi-hd\",\"drive\":\"disk1\",\"bus\":\"scsi0.0\","
		"\"channel\":0,\"scsi-id\":0,\"lun\":1,\"id\":\"disk1\"}\n");
	ck_assert_str_eq(E.fake.all_args, want);
	ck_assert_int_ge(asprintf(&line, "added disk1: %s (qcow2) as LUN 1 on scsi0\n", img), 0);
	ck_assert_str_eq(out, line);
	free(out);
}
END_TEST

START_TEST(disk__add_given_lun_id_and_controller_asks_no_qom)
{
	static const struct fake_step steps[] = {
		FAKE_CAPS,
		{ "blockdev-add", OK },
		{ "device_add", OK },
	};
	json_object *doc, *v;
	char *out;

	out = FAKE_RUN(steps, hvhost_cmd_disk_add, 0, "--json", "disk-add", img, "--lun", "4",
		       "--id", "data", "--controller", "scsi1");
	ck_assert_str_eq(E.fake.mismatch, "");
	ck_assert_str_eq(E.fake.last_args,
			 "{\"driver\":\"scsi-hd\",\"drive\":\"data\",\"bus\":\"scsi1.0\","
			 "\"channel\":0,\"scsi-id\":0,\"lun\":4,\"id\":\"data\"}");
	doc = json_tokener_parse(out);
	ck_assert_ptr_nonnull(doc);
	ck_assert(json_object_object_get_ex(doc, "id", &v));
	ck_assert_str_eq(json_object_get_string(v), "data");
	ck_assert(json_object_object_get_ex(doc, "lun", &v));
	ck_assert_int_eq(json_object_get_int(v), 4);
	ck_assert(json_object_object_get_ex(doc, "controller", &v));
	ck_assert_str_eq(json_object_get_string(v), "scsi1");
	ck_assert(json_object_object_get_ex(doc, "format", &v));
	ck_assert_str_eq(json_object_get_string(v), "qcow2");
	ck_assert(json_object_object_get_ex(doc, "file", &v));
	ck_assert_str_eq(json_object_get_string(v), img);
	json_object_put(doc);
	free(out);
}
END_TEST

START_TEST(disk__add_leaves_no_node_when_device_add_fails)
{
	static const struct fake_step steps[] = {
		FAKE_CAPS,
		{ "blockdev-add", OK },
		{ "device_add", ERR("lun already used by 'disk0'") },
		{ "blockdev-del", OK },
	};
	static const struct fake_step refused[] = {
		FAKE_CAPS,
		{ "blockdev-add", ERR("Could not open 'x': Permission denied") },
	};
	char *out;

	out = FAKE_RUN(steps, hvhost_cmd_disk_add, -EREMOTEIO, "disk-add", img, "--lun", "0");
	ck_assert_uint_eq(E.fake.done, 4);
	ck_assert_str_eq(E.fake.last_args, "{\"node-name\":\"disk0\"}");
	ck_assert_str_eq(out, "");
	free(out);

	/* No node, nothing to undo: no device_add either. */
	out = FAKE_RUN(refused, hvhost_cmd_disk_add, -EREMOTEIO, "disk-add", img, "--lun", "0");
	ck_assert_ptr_null(strstr(E.fake.all_args, "device_add"));
	free(out);
}
END_TEST

START_TEST(disk__add_stops_when_qom_fails)
{
	static const struct fake_step steps[] = {
		FAKE_CAPS,
		{ "qom-list", RET("[{\"name\": \"disk0\", \"type\": \"child<scsi-hd>\"}]") },
		{ "qom-get", RET("7") },
	};
	char *out;

	/* parent_bus must be a path: a number is not QEMU talking. */
	out = FAKE_RUN(steps, hvhost_cmd_disk_add, -EBADMSG, "disk-add", img);
	ck_assert_ptr_null(strstr(E.fake.all_args, "blockdev-add"));
	free(out);
}
END_TEST

#define BLOCKS                                                                                  \
	RET("[{\"device\": \"disk0\", \"qdev\": \"disk0\", \"inserted\": {\"node-name\": "      \
	    "\"#block123\", \"file\": \"/img/root.img\", \"ro\": false}}, "                     \
	    "{\"device\": \"\", \"qdev\": \"disk1\", \"inserted\": {\"node-name\": \"disk1\", " \
	    "\"file\": \"/img/d1.qcow2\", \"ro\": false}}, "                                    \
	    "{\"device\": \"\", \"qdev\": \"disk2\", \"inserted\": {\"node-name\": "            \
	    "\"ck-20261202T101643Z-2\", \"file\": \"/vm/disk2-x.qcow2\", \"ro\": false}}]")

#define DELETED(id)                                                                     \
	"{\"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"" id "\", \"path\": " \
	"\"/machine/peripheral/" id "\"}, \"timestamp\": {}}\n"

START_TEST(disk__del_deletes_the_node_after_the_device)
{
	static const struct fake_step steps[] = {
		FAKE_CAPS,
		{ "query-block", BLOCKS },
		{ "device_del", OK },
		{ NULL, DELETED("disk0") DELETED("disk1") },
		{ "blockdev-del", OK },
	};
	static const struct fake_step legacy[] = {
		FAKE_CAPS,
		{ "query-block", BLOCKS },
		{ "device_del", OK DELETED("disk0") },
	};
	static const struct fake_step checkpointed[] = {
		FAKE_CAPS,
		{ "query-block", BLOCKS },
		{ "device_del", OK DELETED("disk2") },
		{ "blockdev-del", OK },
	};
	char *out;

	out = FAKE_RUN(steps, hvhost_cmd_disk_del, 0, "disk-del", "disk1");
	ck_assert_str_eq(E.fake.mismatch, "");
	ck_assert_str_eq(E.fake.all_args, "qmp_capabilities\nquery-block\n"
					  "device_del {\"id\":\"disk1\"}\n"
					  "blockdev-del {\"node-name\":\"disk1\"}\n");
	ck_assert_str_eq(out, "deleted disk1 and its block node disk1\n");
	free(out);

	/* boot's -drive: QEMU deletes it with its scsi-hd. */
	out = FAKE_RUN(legacy, hvhost_cmd_disk_del, 0, "disk-del", "disk0");
	ck_assert_ptr_null(strstr(E.fake.all_args, "blockdev-del"));
	ck_assert_str_eq(out, "deleted disk0 (QEMU deleted its drive disk0 with it)\n");
	free(out);

	/* After a checkpoint the top node is the overlay: the node of disk-add is the id. */
	out = FAKE_RUN(checkpointed, hvhost_cmd_disk_del, 0, "--json", "disk-del", "disk2");
	ck_assert_str_eq(E.fake.last_args, "{\"node-name\":\"disk2\"}");
	ck_assert_ptr_nonnull(strstr(out, "\"node\": \"disk2\""));
	ck_assert_ptr_nonnull(strstr(out, "\"drive\": null"));
	ck_assert_ptr_nonnull(strstr(out, "\"deleted\": true"));
	free(out);
}
END_TEST

START_TEST(disk__del_keeps_the_node_while_the_device_stays)
{
	static const struct fake_step steps[] = {
		FAKE_CAPS,
		{ "query-block", BLOCKS },
		{ "device_del", OK DELETED("disk0") },
	};
	static const struct fake_step unknown[] = {
		FAKE_CAPS,
		{ "query-block", BLOCKS },
	};
	char *out;

	/* No DEVICE_DELETED for disk1 (another device's does not count). */
	out = FAKE_RUN(steps, hvhost_cmd_disk_del, -ETIMEDOUT, "disk-del", "disk1", "--wait",
		       "0.3");
	ck_assert_ptr_null(strstr(E.fake.all_args, "blockdev-del"));
	ck_assert_str_eq(out, "");
	free(out);

	/* Not a disk: nothing is unplugged. */
	out = FAKE_RUN(unknown, hvhost_cmd_disk_del, -ENOENT, "disk-del", "nic0");
	ck_assert_str_eq(E.fake.all_args, "qmp_capabilities\nquery-block\n");
	free(out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hvhost-disk");
	const struct {
		const char *name;
		const TTest *test;
	} tests[] = {
		{ "disk__add_takes_the_lowest_free_lun", disk__add_takes_the_lowest_free_lun },
		{ "disk__add_given_lun_id_and_controller_asks_no_qom",
		  disk__add_given_lun_id_and_controller_asks_no_qom },
		{ "disk__add_leaves_no_node_when_device_add_fails",
		  disk__add_leaves_no_node_when_device_add_fails },
		{ "disk__add_stops_when_qom_fails", disk__add_stops_when_qom_fails },
		{ "disk__del_deletes_the_node_after_the_device",
		  disk__del_deletes_the_node_after_the_device },
		{ "disk__del_keeps_the_node_while_the_device_stays",
		  disk__del_keeps_the_node_while_the_device_stays },
	};

	log_set_sink(fake_quiet_log, NULL);
	for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
		TCase *tc = tcase_create(tests[i].name);

		tcase_add_checked_fixture(tc, images_setup, images_teardown);
		tcase_add_test(tc, tests[i].test);
		suite_add_tcase(s, tc);
	}
	return tl_run_suite(s);
}
