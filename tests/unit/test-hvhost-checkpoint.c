// SPDX-License-Identifier: MIT
/*
 * backup --checkpoint: which disks query-block gives, the transaction that
 * snapshots them together while the guest is frozen, and that the guest is
 * thawed whatever becomes of the checkpoint.
 */
#include <check.h>
#include <errno.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "cleanup.h"
#include "hvhost.h"
#include "log.h"
#include "test-hvhost-fake.h"
#include "testlib.h"
#include "util.h"

#define OK "{\"return\": {}, \"id\": %ID%}\n"
#define RET(v) "{\"return\": " v ", \"id\": %ID%}\n"

/* boot's disk0 (-drive), a disk-add disk, a CD-ROM, an empty drive, a backend no device uses. */
#define BLOCKS_JSON                                                                            \
	"[{\"device\": \"disk0\", \"qdev\": \"disk0\", \"inserted\": {\"node-name\": "         \
	"\"#block123\", \"file\": \"/img/root.img\", \"ro\": false}}, "                        \
	"{\"device\": \"\", \"qdev\": \"disk1\", \"inserted\": {\"node-name\": \"disk1\", "    \
	"\"file\": \"/img/d1.qcow2\", \"ro\": false}}, "                                       \
	"{\"device\": \"cd0\", \"qdev\": \"cd0\", \"inserted\": {\"node-name\": \"#block5\", " \
	"\"file\": \"/img/x.iso\", \"ro\": true}}, "                                           \
	"{\"device\": \"cd1\", \"qdev\": \"cd1\"}, "                                           \
	"{\"device\": \"spare\", \"qdev\": \"\", \"inserted\": {\"node-name\": \"#block7\", "  \
	"\"file\": \"/img/spare.img\", \"ro\": false}}]"

#define CHECK_OK RET("{\"status\": 0, \"flags\": 5}")
#define FREEZE_OK RET("{\"status\": 0, \"ms\": 12}")
#define THAW_OK RET("{\"status\": 0, \"ms\": 3}")

START_TEST(checkpoint__plan_takes_the_writable_disks)
{
	json_object *blocks = json_tokener_parse(BLOCKS_JSON), *disks = NULL, *tx;

	ck_assert_ptr_nonnull(blocks);
	ck_assert_int_eq(hvhost_checkpoint_plan(blocks, "/vm", "20261202T101643Z", &disks), 0);
	ck_assert_str_eq(
		json_object_to_json_string_ext(disks, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE),
		"[{\"device\":\"disk0\",\"drive\":\"disk0\",\"checkpoint\":\"/img/root.img\","
		"\"overlay\":\"/vm/disk0-20261202T101643Z.qcow2\","
		"\"overlay-node\":\"ck-20261202T101643Z-0\"},"
		"{\"device\":\"disk1\",\"node\":\"disk1\",\"checkpoint\":\"/img/d1.qcow2\","
		"\"overlay\":\"/vm/disk1-20261202T101643Z.qcow2\","
		"\"overlay-node\":\"ck-20261202T101643Z-1\"}]");
	tx = hvhost_checkpoint_transaction(disks);
	ck_assert_str_eq(
		json_object_to_json_string_ext(tx, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE),
		"{\"actions\":["
		"{\"type\":\"blockdev-snapshot-sync\",\"data\":{\"device\":\"disk0\","
		"\"snapshot-node-name\":\"ck-20261202T101643Z-0\","
		"\"snapshot-file\":\"/vm/disk0-20261202T101643Z.qcow2\",\"format\":\"qcow2\"}},"
		"{\"type\":\"blockdev-snapshot-sync\",\"data\":{\"node-name\":\"disk1\","
		"\"snapshot-node-name\":\"ck-20261202T101643Z-1\","
		"\"snapshot-file\":\"/vm/disk1-20261202T101643Z.qcow2\",\"format\":\"qcow2\"}}"
		"]}");
	json_object_put(tx);
	json_object_put(disks);
	json_object_put(blocks);
}
END_TEST

START_TEST(checkpoint__plan_refuses_what_qemu_does_not_send)
{
	static const char *const bad[] = {
		"{}",
		"[5]",
		/* no ro */
		"[{\"device\": \"d\", \"qdev\": \"d\", \"inserted\": {\"file\": \"/x\"}}]",
		/* no file */
		"[{\"device\": \"d\", \"qdev\": \"d\", \"inserted\": {\"ro\": false}}]",
		/* neither a drive nor a node name to snapshot by */
		"[{\"device\": \"\", \"qdev\": \"d\", \"inserted\": {\"file\": \"/x\", \"ro\": false}}]",
	};
	json_object *disks = NULL;

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		json_object *blocks = json_tokener_parse(bad[i]);

		ck_assert_ptr_nonnull(blocks);
		ck_assert_int_eq(hvhost_checkpoint_plan(blocks, "/vm", "s", &disks), -EBADMSG);
		json_object_put(blocks);
	}
	ck_assert_ptr_null(disks);
}
END_TEST

START_TEST(checkpoint__names_are_ids_and_stamps_are_utc)
{
	json_object *blocks, *disks = NULL, *d, *v;
	char stamp[17];

	/* A device without an id shows as a QOM path: the file name takes the node's name. */
	blocks = json_tokener_parse(
		"[{\"device\": \"\", \"qdev\": \"/machine/peripheral-anon/device[0]\", "
		"\"inserted\": {\"node-name\": \"data\", \"file\": \"/d.img\", \"ro\": false}}]");
	ck_assert_int_eq(hvhost_checkpoint_plan(blocks, "/vm", "S", &disks), 0);
	d = json_object_array_get_idx(disks, 0);
	ck_assert(json_object_object_get_ex(d, "overlay", &v));
	ck_assert_str_eq(json_object_get_string(v), "/vm/data-S.qcow2");
	json_object_put(disks);
	json_object_put(blocks);

	hvhost_checkpoint_stamp(0, stamp);
	ck_assert_str_eq(stamp, "19700101T000000Z");
	hvhost_checkpoint_stamp(1796206603, stamp);
	ck_assert_str_eq(stamp, "20261202T101643Z");
}
END_TEST

static char *ckdir;

static void ckdir_setup(void)
{
	ckdir = tl_mkdtemp("hvhost-ck");
}

static void ckdir_teardown(void)
{
	tl_rm_rf(ckdir);
	free(ckdir);
}

/* check, freeze, the transaction's answer (tx), thaw: a checkpoint as hvhost runs it. */
#define BACKUP_STEPS(tx)                                                              \
	FAKE_CAPS, { "query-block", RET(BLOCKS_JSON) }, { "hv-vss-check", CHECK_OK }, \
		{ "hv-vss-freeze", FREEZE_OK },                                       \
	{                                                                             \
		"transaction", tx                                                     \
	}

static const struct fake_step backup_ok[] = {
	BACKUP_STEPS(OK),
	{ "hv-vss-thaw", THAW_OK },
};

START_TEST(checkpoint__backup_snapshots_while_frozen)
{
	_cleanup_free_ char *line0 = NULL, *line1 = NULL;
	const char *p;
	char *out;

	out = FAKE_RUN(backup_ok, hvhost_cmd_backup, 0, "backup", "--checkpoint",
		       "--checkpoint-dir", ckdir);
	ck_assert_str_eq(E.fake.mismatch, "");
	ck_assert_uint_eq(E.fake.done, 6);
	/* The disks are known before the freeze; the snapshot comes between freeze and thaw. */
	ck_assert_ptr_nonnull(strstr(E.fake.all_args,
				     "qmp_capabilities\nquery-block\nhv-vss-check\n"
				     "hv-vss-freeze\ntransaction {\"actions\":["));
	ck_assert_ptr_nonnull(strstr(E.fake.all_args, "\"format\":\"qcow2\"}}]}\nhv-vss-thaw\n"));
	ck_assert_int_ge(asprintf(&line0, "checkpoint disk0: /img/root.img -> %s/disk0-", ckdir),
			 0);
	ck_assert_int_ge(asprintf(&line1, "checkpoint disk1: /img/d1.qcow2 -> %s/disk1-", ckdir),
			 0);
	p = strstr(out, "freeze  guest answered");
	ck_assert_ptr_nonnull(p);
	p = strstr(p, line0);
	ck_assert_ptr_nonnull(p);
	p = strstr(p, line1);
	ck_assert_ptr_nonnull(p);
	p = strstr(p, "checkpoint of 2 disks, ");
	ck_assert_ptr_nonnull(p);
	p = strstr(p, "thaw    guest answered 0x00000000");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(
		strstr(p, "checkpoint taken: the images left of '->' are the backup"));
	ck_assert_ptr_nonnull(strstr(p, "backup succeeded\n"));
	ck_assert_ptr_null(strstr(out, "cd0"));
	ck_assert_ptr_null(strstr(out, "spare"));
	free(out);
}
END_TEST

START_TEST(checkpoint__backup_json_names_backup_and_overlay)
{
	json_object *doc, *cp, *disks, *d, *v;
	char *out;

	out = FAKE_RUN(backup_ok, hvhost_cmd_backup, 0, "--json", "backup", "--checkpoint");
	doc = json_tokener_parse(out);
	ck_assert_ptr_nonnull(doc);
	ck_assert(json_object_object_get_ex(doc, "ok", &v));
	ck_assert(json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(doc, "thaw", &v));
	ck_assert(json_object_object_get_ex(doc, "checkpoint", &cp));
	ck_assert(json_object_object_get_ex(cp, "taken", &v));
	ck_assert(json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(cp, "disks", &disks));
	ck_assert_uint_eq(json_object_array_length(disks), 2);
	d = json_object_array_get_idx(disks, 1);
	ck_assert(json_object_object_get_ex(d, "device", &v));
	ck_assert_str_eq(json_object_get_string(v), "disk1");
	ck_assert(json_object_object_get_ex(d, "checkpoint", &v));
	ck_assert_str_eq(json_object_get_string(v), "/img/d1.qcow2");
	ck_assert(json_object_object_get_ex(d, "overlay-node", &v));
	ck_assert(strncmp(json_object_get_string(v), "ck-", 3) == 0);
	ck_assert(json_object_object_get_ex(d, "overlay", &v));
	/* DIR defaults to the VM's directory (which fake_vm_finish removed). */
	ck_assert(strstr(json_object_get_string(v), "/disk1-"));
	ck_assert(strstr(json_object_get_string(v), "hvhost-cmd"));
	json_object_put(doc);
	free(out);
}
END_TEST

/* As QEMU does before a later action fails: create the first overlay file. */
static void create_first_overlay(struct fake_qmp *f)
{
	json_object *args = json_tokener_parse(f->last_args), *actions, *data, *file;

	ck_assert(json_object_object_get_ex(args, "actions", &actions));
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(actions, 0), "data", &data));
	ck_assert(json_object_object_get_ex(data, "snapshot-file", &file));
	tl_write_file(json_object_get_string(file), "QFI\xfb");
	json_object_put(args);
}

START_TEST(checkpoint__backup_thaws_when_the_transaction_fails)
{
	static const struct fake_step steps[] = {
		FAKE_CAPS,
		{ "query-block", RET(BLOCKS_JSON) },
		{ "hv-vss-check", CHECK_OK },
		{ "hv-vss-freeze", FREEZE_OK },
		{ "transaction",
		  "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Could not create file: "
		  "Permission denied\"}, \"id\": %ID%}\n",
		  create_first_overlay },
		{ "hv-vss-thaw", THAW_OK },
	};
	_cleanup_free_ char *ls = NULL;
	char *out;

	out = FAKE_RUN(steps, hvhost_cmd_backup, -EREMOTEIO, "backup", "--checkpoint",
		       "--checkpoint-dir", ckdir, "--exec", "echo never");
	/* No leftovers: the overlay QEMU made for the refused transaction is gone. */
	ck_assert_int_ge(asprintf(&ls, "test -z \"$(ls -A '%s')\"", ckdir), 0);
	ck_assert_int_eq(system(ls), 0);
	ck_assert_uint_eq(E.fake.done, 6);
	ck_assert_ptr_null(strstr(out, "never"));
	ck_assert_ptr_nonnull(strstr(out, "checkpoint failed after"));
	ck_assert_ptr_nonnull(strstr(out, "thaw    guest answered 0x00000000"));
	ck_assert_ptr_nonnull(strstr(out, "NO checkpoint was taken\nbackup FAILED\n"));
	free(out);
}
END_TEST

START_TEST(checkpoint__backup_thaws_when_the_transaction_gets_no_answer)
{
	static const struct fake_step steps[] = {
		BACKUP_STEPS(""),
		{ "hv-vss-thaw", THAW_OK },
	};
	json_object *doc, *cp, *v;
	char *out;

	fake_vm_setup(steps, ELEMENTSOF(steps), "--json", "backup", "--checkpoint", NULL);
	E.args.qmp_timeout_usec = 300 * USEC_PER_MSEC;
	ck_assert_int_eq(hvhost_cmd_backup(&E.h), -ETIMEDOUT);
	out = fake_vm_finish();
	ck_assert_uint_eq(E.fake.done, 6);
	doc = json_tokener_parse(out);
	ck_assert_ptr_nonnull(doc);
	ck_assert(json_object_object_get_ex(doc, "ok", &v));
	ck_assert(!json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(doc, "thaw", &v));
	ck_assert(json_object_object_get_ex(doc, "checkpoint", &cp));
	/* Unknown: null, not false. */
	ck_assert(json_object_object_get_ex(cp, "taken", &v));
	ck_assert_ptr_null(v);
	ck_assert(json_object_object_get_ex(cp, "error", &v));
	json_object_put(doc);
	free(out);
}
END_TEST

START_TEST(checkpoint__backup_with_exec_after_the_snapshot)
{
	static const struct fake_step steps[] = {
		BACKUP_STEPS(OK),
		FAKE_CAPS,
		{ "hv-vss-thaw", THAW_OK },
	};
	const char *p;
	char *out;

	out = FAKE_RUN(steps, hvhost_cmd_backup, 0, "backup", "--checkpoint", "--exec",
		       "echo copying");
	ck_assert_uint_eq(E.fake.done, 7);
	ck_assert_uint_eq(E.fake.reconnects, 1);
	p = strstr(out, "checkpoint of 2 disks");
	ck_assert_ptr_nonnull(p);
	p = strstr(p, "exec    echo copying\ncopying\n");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(strstr(p, "thaw    guest answered"));
	free(out);
}
END_TEST

START_TEST(checkpoint__backup_refuses_a_vm_without_disks_unfrozen)
{
	static const struct fake_step steps[] = {
		FAKE_CAPS,
		{ "query-block",
		  RET("[{\"device\": \"cd0\", \"qdev\": \"cd0\", \"inserted\": "
		      "{\"node-name\": \"#b\", \"file\": \"/x.iso\", \"ro\": true}}]") },
	};
	char *out;

	out = FAKE_RUN(steps, hvhost_cmd_backup, -ENOENT, "backup", "--checkpoint");
	ck_assert_str_eq(E.fake.all_args, "qmp_capabilities\nquery-block\n");
	ck_assert_str_eq(out, "NO checkpoint was taken\nbackup FAILED\n");
	free(out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hvhost-checkpoint");
	TCase *tc;

	log_set_sink(fake_quiet_log, NULL);
	tl_add_test(s, "checkpoint__plan_takes_the_writable_disks",
		    checkpoint__plan_takes_the_writable_disks);
	tl_add_test(s, "checkpoint__plan_refuses_what_qemu_does_not_send",
		    checkpoint__plan_refuses_what_qemu_does_not_send);
	tl_add_test(s, "checkpoint__names_are_ids_and_stamps_are_utc",
		    checkpoint__names_are_ids_and_stamps_are_utc);
	tc = tcase_create("checkpoint__backup_snapshots_while_frozen");
	tcase_add_checked_fixture(tc, ckdir_setup, ckdir_teardown);
	tcase_add_test(tc, checkpoint__backup_snapshots_while_frozen);
	suite_add_tcase(s, tc);
	tl_add_test(s, "checkpoint__backup_json_names_backup_and_overlay",
		    checkpoint__backup_json_names_backup_and_overlay);
	tc = tcase_create("checkpoint__backup_thaws_when_the_transaction_fails");
	tcase_add_checked_fixture(tc, ckdir_setup, ckdir_teardown);
	tcase_add_test(tc, checkpoint__backup_thaws_when_the_transaction_fails);
	suite_add_tcase(s, tc);
	tl_add_test(s, "checkpoint__backup_thaws_when_the_transaction_gets_no_answer",
		    checkpoint__backup_thaws_when_the_transaction_gets_no_answer);
	tl_add_test(s, "checkpoint__backup_with_exec_after_the_snapshot",
		    checkpoint__backup_with_exec_after_the_snapshot);
	tl_add_test(s, "checkpoint__backup_refuses_a_vm_without_disks_unfrozen",
		    checkpoint__backup_refuses_a_vm_without_disks_unfrozen);
	return tl_run_suite(s);
}
