// SPDX-License-Identifier: MIT
/*
 * hvhost's commands against a scripted QMP server on DIR/qmp.sock: what
 * they print, what they ask QEMU, and that backup thaws whatever happens
 * after a freeze.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvhost.h"
#include "log.h"
#include "test-hvhost-fake.h"
#include "testlib.h"
#include "util.h"

#define CAPS FAKE_CAPS

#define ENUM_REPLY(items) "{\"return\": [" items "], \"id\": %ID%}\n"

START_TEST(cmd__kvp_list_groups_pools_and_escapes)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "hv-kvp-enumerate",
		  ENUM_REPLY("{\"key\": \"OSName\", \"value\": \"Debian GNU/Linux\", \"type\": "
			     "\"string\"}") },
		{ "hv-kvp-enumerate",
		  ENUM_REPLY("{\"key\": \"evil\\u001b]0;x\\u0007\", \"value\": \"\\u009b2J\", "
			     "\"type\": \"string\"}, {\"key\": \"n\", \"value\": \"7\", \"type\": "
			     "\"u32\"}") },
		{ "hv-kvp-enumerate", ENUM_REPLY("") },
		{ "hv-kvp-enumerate",
		  ENUM_REPLY(
			  "{\"key\": \"HostName\", \"value\": \"hvhost\", \"type\": \"string\"}") },
		{ "hv-kvp-enumerate", ENUM_REPLY("") },
	};
	char *out;

	fake_vm_setup(steps, 6, "kvp", "list", NULL);
	ck_assert_int_eq(hvhost_cmd_kvp_list(&E.h), 0);
	out = fake_vm_finish();
	ck_assert_str_eq(out, "GuestIntrinsicExchangeItems (pool 2, auto)\n"
			      "  OSName = Debian GNU/Linux\n"
			      "GuestExchangeItems (pool 1, guest)\n"
			      "  evil\\x1b]0;x\\x07 = \\u009b2J\n"
			      "  n = 7 (u32)\n"
			      "HostExchangeItems (pool 0, external)\n"
			      "  (no items)\n"
			      "HostOnlyItems (pool 3, auto_external)\n"
			      "  HostName = hvhost\n"
			      "GuestInternalItems (pool 4, auto_internal)\n"
			      "  (no items)\n");
	ck_assert_str_eq(E.fake.mismatch, "");
	ck_assert_str_eq(E.fake.all_args, "qmp_capabilities\n"
					  "hv-kvp-enumerate {\"pool\":2}\n"
					  "hv-kvp-enumerate {\"pool\":1}\n"
					  "hv-kvp-enumerate {\"pool\":0}\n"
					  "hv-kvp-enumerate {\"pool\":3}\n"
					  "hv-kvp-enumerate {\"pool\":4}\n");
	free(out);
}
END_TEST

START_TEST(cmd__kvp_list_stops_at_command_not_found)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "hv-kvp-enumerate",
		  "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The "
		  "command hv-kvp-enumerate has not been found\"}, \"id\": %ID%}\n" },
	};
	char *out;

	fake_vm_setup(steps, 2, "kvp", "list", NULL);
	ck_assert_int_eq(hvhost_cmd_kvp_list(&E.h), -EREMOTEIO);
	out = fake_vm_finish();
	ck_assert_uint_eq(E.fake.done, 2);
	ck_assert_str_eq(out, "GuestIntrinsicExchangeItems (pool 2, auto)\n");
	free(out);
}
END_TEST

START_TEST(cmd__kvp_list_rejects_malformed_items)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "hv-kvp-enumerate", ENUM_REPLY("{\"value\": \"no key\"}, 5, {\"key\": \"k\", "
						 "\"value\": \"v\"}") },
	};
	char *out;

	fake_vm_setup(steps, 2, "kvp", "list", "guest", NULL);
	ck_assert_int_eq(hvhost_cmd_kvp_list(&E.h), -EBADMSG);
	out = fake_vm_finish();
	ck_assert_str_eq(out, "GuestExchangeItems (pool 1, guest)\n  k = v\n");
	free(out);
}
END_TEST

START_TEST(cmd__kvp_set_sends_type)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "hv-kvp-set", "{\"return\": {}, \"id\": %ID%}\n" },
	};
	char *out;

	fake_vm_setup(steps, 2, "kvp", "set", "external", "Count", "42", "--type", "u32", NULL);
	ck_assert_int_eq(hvhost_cmd_kvp_set(&E.h), 0);
	out = fake_vm_finish();
	ck_assert_str_eq(E.fake.last_args,
			 "{\"pool\":0,\"key\":\"Count\",\"value\":\"42\",\"type\":\"u32\"}");
	ck_assert_str_eq(out, "set Count in pool 0 (external)\n");
	free(out);
}
END_TEST

START_TEST(cmd__ip_get_prints_like_get_vmnetworkadapter)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "hv-kvp-get-ip-info",
		  "{\"return\": {\"adapter-id\": \"{4D36E972}\", \"mac\": \"00:15:5d:00:00:01\", "
		  "\"dhcp\": true, \"addresses\": [\"10.0.2.15\", \"fe80::215:5dff:fe00:1\"], "
		  "\"subnets\": [\"255.255.255.0\", \"64\"], \"gateways\": [\"10.0.2.2\"], "
		  "\"dns\": []}, \"id\": %ID%}\n" },
	};
	char *out;

	fake_vm_setup(steps, 2, "ip", "get", "00:15:5D:00:00:01", NULL);
	ck_assert_int_eq(hvhost_cmd_ip_get(&E.h), 0);
	out = fake_vm_finish();
	ck_assert_str_eq(E.fake.last_args, "{\"mac\":\"00:15:5d:00:00:01\"}");
	ck_assert_str_eq(out, "AdapterId       : {4D36E972}\n"
			      "MacAddress      : 00155D000001\n"
			      "DhcpEnabled     : True\n"
			      "IPAddresses     : {10.0.2.15, fe80::215:5dff:fe00:1}\n"
			      "Subnets         : {255.255.255.0, 64}\n"
			      "DefaultGateways : {10.0.2.2}\n"
			      "DnsServers      : {}\n");
	free(out);
}
END_TEST

START_TEST(cmd__ip_set_sends_lists)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "hv-kvp-set-ip-info", "{\"return\": {\"status\": 2147942487}, \"id\": %ID%}\n" },
	};
	char *out;

	fake_vm_setup(steps, 2, "ip", "set", "00:15:5d:00:00:01", "{A}", "--address", "10.0.0.5/24",
		      "--gateway", "10.0.0.1", "--dns", "10.0.0.53", NULL);
	ck_assert_int_eq(hvhost_cmd_ip_set(&E.h), -EREMOTEIO);
	out = fake_vm_finish();
	ck_assert_str_eq(E.fake.last_args,
			 "{\"adapter-id\":\"{A}\",\"mac\":\"00:15:5d:00:00:01\",\"dhcp\":false,"
			 "\"addresses\":[\"10.0.0.5\"],\"subnets\":[\"255.255.255.0\"],"
			 "\"gateways\":[\"10.0.0.1\"],\"dns\":[\"10.0.0.53\"]}");
	ck_assert_str_eq(out, "guest answered 0x80070057 (HV_INVALIDARG)\n");
	free(out);
}
END_TEST

/* The CLI lets go of QMP while the host command runs, and comes back for THAW. */
static const struct fake_step backup_ok[] = {
	CAPS,
	{ "hv-vss-check", "{\"return\": {\"status\": 0, \"flags\": 5}, \"id\": %ID%}\n" },
	{ "hv-vss-freeze", "{\"return\": {\"status\": 0, \"ms\": 12}, \"id\": %ID%}\n" },
	CAPS,
	{ "hv-vss-thaw", "{\"return\": {\"status\": 0, \"ms\": 3}, \"id\": %ID%}\n" },
};

START_TEST(cmd__backup_runs_the_stages)
{
	char *out;

	fake_vm_setup(backup_ok, 5, "backup", "--exec", "echo snapshot", NULL);
	ck_assert_int_eq(hvhost_cmd_backup(&E.h), 0);
	out = fake_vm_finish();
	ck_assert_str_eq(E.fake.mismatch, "");
	ck_assert_uint_eq(E.fake.done, 5);
	ck_assert_uint_eq(E.fake.reconnects, 1);
	ck_assert_ptr_nonnull(
		strstr(out, "check   guest answered 0x00000000 (HV_S_OK), flags 0x5"));
	ck_assert_ptr_nonnull(
		strstr(out, "freeze  guest answered 0x00000000 (HV_S_OK), guest 12 ms"));
	ck_assert_ptr_nonnull(strstr(out, "exec    echo snapshot\nsnapshot\n"
					  "exec    exited with status 0"));
	ck_assert_ptr_nonnull(
		strstr(out, "thaw    guest answered 0x00000000 (HV_S_OK), guest 3 ms"));
	ck_assert_ptr_nonnull(strstr(out, "backup succeeded\n"));
	free(out);
}
END_TEST

START_TEST(cmd__backup_thaws_when_the_host_command_fails)
{
	char *out;

	fake_vm_setup(backup_ok, 5, "backup", "--exec", "exit 3", NULL);
	ck_assert_int_lt(hvhost_cmd_backup(&E.h), 0);
	out = fake_vm_finish();
	ck_assert_uint_eq(E.fake.done, 5);
	ck_assert_ptr_nonnull(strstr(out, "exec    exited with status 3"));
	ck_assert_ptr_nonnull(strstr(out, "thaw    guest answered"));
	ck_assert_ptr_nonnull(strstr(out, "backup FAILED\n"));
	free(out);
}
END_TEST

START_TEST(cmd__backup_thaws_after_sigterm)
{
	char *out;

	/* The host command sends us SIGTERM: we still thaw, then report it. */
	fake_vm_setup(backup_ok, 5, "backup", "--exec", "kill -TERM $PPID; sleep 0.2", NULL);
	ck_assert_int_lt(hvhost_cmd_backup(&E.h), 0);
	out = fake_vm_finish();
	ck_assert_uint_eq(E.fake.done, 5);
	ck_assert_ptr_nonnull(strstr(out, "thaw    guest answered 0x00000000"));
	ck_assert_ptr_nonnull(strstr(out, "backup FAILED\n"));
	free(out);
	signal(SIGTERM, SIG_DFL);
	hvhost_interrupted = 0;
}
END_TEST

START_TEST(cmd__backup_thaws_after_a_failed_freeze)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "hv-vss-check", "{\"return\": {\"status\": 0, \"flags\": 5}, \"id\": %ID%}\n" },
		{ "hv-vss-freeze",
		  "{\"return\": {\"status\": 2147500037, \"ms\": 900}, \"id\": %ID%}\n" },
		{ "hv-vss-thaw", "{\"return\": {\"status\": 0, \"ms\": 1}, \"id\": %ID%}\n" },
	};
	char *out;

	fake_vm_setup(steps, 4, "backup", "--exec", "echo never", NULL);
	ck_assert_int_eq(hvhost_cmd_backup(&E.h), -EREMOTEIO);
	out = fake_vm_finish();
	ck_assert_uint_eq(E.fake.done, 4);
	ck_assert_ptr_null(strstr(out, "never"));
	ck_assert_ptr_nonnull(strstr(out, "freeze  guest answered 0x80004005 (HV_E_FAIL)"));
	free(out);
}
END_TEST

START_TEST(cmd__backup_no_thaw_without_vss)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "hv-vss-check", "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The "
				  "command hv-vss-check has not been found\"}, \"id\": %ID%}\n" },
	};
	char *out;

	fake_vm_setup(steps, 2, "backup", NULL);
	ck_assert_int_eq(hvhost_cmd_backup(&E.h), -EREMOTEIO);
	out = fake_vm_finish();
	ck_assert_str_eq(E.fake.all_args, "qmp_capabilities\nhv-vss-check\n");
	ck_assert_ptr_nonnull(strstr(out, "backup FAILED\n"));
	free(out);
}
END_TEST

START_TEST(cmd__copy_vmfile_polls_until_done)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "hv-fcopy-start", "{\"return\": {}, \"id\": %ID%}\n" },
		{ "query-hv-fcopy", "{\"return\": {\"state\": \"running\", \"bytes\": 6144, "
				    "\"total\": 10000, \"status\": 0}, \"id\": %ID%}\n" },
		{ "query-hv-fcopy", "{\"return\": {\"state\": \"completed\", \"bytes\": 10000, "
				    "\"total\": 10000, \"status\": 0}, \"id\": %ID%}\n" },
	};
	char *out;

	fake_vm_setup(steps, 4, "copy-vmfile", "/etc/hostname", "/tmp/x", "--force", NULL);
	ck_assert_int_eq(hvhost_cmd_copy_vmfile(&E.h), 0);
	out = fake_vm_finish();
	ck_assert_str_eq(E.fake.mismatch, "");
	/* an absolute host path: QEMU opens it from its own working directory */
	ck_assert_ptr_nonnull(strstr(E.fake.all_args, "{\"source\":\"\\/"));
	ck_assert_ptr_nonnull(strstr(E.fake.all_args,
				     "\"destination\":\"\\/tmp\\/x\",\"force\":true,"
				     "\"create-full-path\":false"));
	ck_assert_ptr_nonnull(strstr(out, "copied 10000 bytes in "));
	free(out);
}
END_TEST

START_TEST(cmd__copy_vmfile_reports_the_guest_status)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "hv-fcopy-start", "{\"return\": {}, \"id\": %ID%}\n" },
		{ "query-hv-fcopy",
		  "{\"return\": {\"state\": \"failed\", \"bytes\": 0, \"total\": 5, "
		  "\"status\": 2147942512, \"error\": \"disk full\"}, \"id\": %ID%}\n" },
	};
	char *out;

	fake_vm_setup(steps, 3, "copy-vmfile", "/etc/hostname", "/tmp/x", NULL);
	ck_assert_int_eq(hvhost_cmd_copy_vmfile(&E.h), -EREMOTEIO);
	out = fake_vm_finish();
	ck_assert_str_eq(out, "");
	free(out);
}
END_TEST

START_TEST(cmd__copy_vmfile_cancels_on_sigint)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "hv-fcopy-start", "{\"return\": {}, \"id\": %ID%}\n" },
		{ "hv-fcopy-cancel", "{\"return\": {}, \"id\": %ID%}\n" },
		{ "query-hv-fcopy", "{\"return\": {\"state\": \"running\", \"bytes\": 1, "
				    "\"total\": 100, \"status\": 0}, \"id\": %ID%}\n" },
		{ "query-hv-fcopy", "{\"return\": {\"state\": \"cancelled\", \"bytes\": 1, "
				    "\"total\": 100, \"status\": 0}, \"id\": %ID%}\n" },
	};
	char *out;

	fake_vm_setup(steps, 5, "copy-vmfile", "/etc/hostname", "/tmp/x", NULL);
	/* As if ^C came while the copy runs: the handler only sets the flag. */
	hvhost_catch_signals();
	raise(SIGINT);
	ck_assert_int_eq(hvhost_cmd_copy_vmfile(&E.h), -ECANCELED);
	out = fake_vm_finish();
	ck_assert_ptr_nonnull(strstr(E.fake.all_args, "hv-fcopy-cancel"));
	free(out);
	hvhost_interrupted = 0;
	signal(SIGINT, SIG_DFL);
}
END_TEST

START_TEST(cmd__device_del_waits_for_the_event)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "device_del", "{\"return\": {}, \"id\": %ID%}\n" },
		{ NULL,
		  "{\"event\": \"DEVICE_DELETED\", \"data\": {\"path\": \"/machine/peripheral/"
		  "kvp/vmbus\"}, \"timestamp\": {}}\n"
		  "{\"event\": \"DEVICE_DELETED\", \"data\": {\"device\": \"kvp\", \"path\": "
		  "\"/machine/peripheral/kvp\"}, \"timestamp\": {}}\n" },
	};
	char *out;

	fake_vm_setup(steps, 3, "device-del", "kvp", NULL);
	ck_assert_int_eq(hvhost_cmd_device_del(&E.h), 0);
	out = fake_vm_finish();
	ck_assert_str_eq(E.fake.last_args, "{\"id\":\"kvp\"}");
	ck_assert_str_eq(out, "deleted kvp\n");
	free(out);
}
END_TEST

START_TEST(cmd__unexpected_answers_are_errors)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "query-hv-heartbeat", "{\"return\": [], \"id\": %ID%}\n" },
	};
	static const struct fake_step steps2[] = {
		CAPS,
		{ "hv-shutdown", "{\"return\": {\"status\": \"ok\"}, \"id\": %ID%}\n" },
	};
	static const struct fake_step steps3[] = {
		CAPS,
		{ "query-hv-ics",
		  "{\"return\": [{\"id\": \"kvp\", \"type\": \"hv-kvp\", \"state\": "
		  "\"ok\", \"framework\": {\"major\": 3, \"minor\": 0}, \"version\": "
		  "\"4.0\"}, 7], \"id\": %ID%}\n" },
	};
	char *out;

	fake_vm_setup(steps, 2, "heartbeat", NULL);
	ck_assert_int_eq(hvhost_cmd_heartbeat(&E.h), -EBADMSG);
	free(fake_vm_finish());
	fake_vm_setup(steps2, 2, "stop-vm", NULL);
	ck_assert_int_eq(hvhost_cmd_stop_vm(&E.h), -EBADMSG);
	free(fake_vm_finish());
	fake_vm_setup(steps3, 2, "ics", NULL);
	ck_assert_int_eq(hvhost_cmd_ics(&E.h), -EBADMSG);
	out = fake_vm_finish();
	ck_assert_ptr_nonnull(strstr(out, "kvp        hv-kvp         ok           3.0       4.0"));
	free(out);
}
END_TEST

START_TEST(cmd__json_prints_one_document)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "query-hv-heartbeat", "{\"return\": {\"state\": \"ok\", \"sequence\": 3, "
					"\"last-ms\": 10}, \"id\": %ID%}\n" },
	};
	json_object *doc, *v;
	char *out;

	fake_vm_setup(steps, 2, "--json", "heartbeat", NULL);
	ck_assert_int_eq(hvhost_cmd_heartbeat(&E.h), 0);
	out = fake_vm_finish();
	doc = json_tokener_parse(out);
	ck_assert_ptr_nonnull(doc);
	ck_assert(json_object_object_get_ex(doc, "sequence", &v));
	ck_assert_int_eq(json_object_get_int(v), 3);
	json_object_put(doc);
	free(out);
}
END_TEST

START_TEST(cmd__stop_vm_reboot_does_not_wait)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "hv-shutdown", "{\"return\": {\"status\": 0}, \"id\": %ID%}\n" },
	};
	char *out;

	fake_vm_setup(steps, 2, "stop-vm", "--reboot", "--force", NULL);
	ck_assert_int_eq(hvhost_cmd_stop_vm(&E.h), 0);
	out = fake_vm_finish();
	ck_assert_str_eq(E.fake.last_args, "{\"reboot\":true,\"force\":true}");
	ck_assert_str_eq(out, "guest answered 0x00000000 (HV_S_OK)\n");
	free(out);
}
END_TEST

START_TEST(cmd__stop_vm_waits_for_qemu_to_exit)
{
	static const struct fake_step steps[] = {
		CAPS,
		{ "hv-shutdown", "{\"return\": {\"status\": 0}, \"id\": %ID%}\n"
				 "{\"event\": \"SHUTDOWN\", \"data\": {\"guest\": true}, "
				 "\"timestamp\": {}}\n" },
		{ NULL, NULL },
	};
	static const struct fake_step refused[] = {
		CAPS,
		{ "hv-shutdown", "{\"return\": {\"status\": 2147500037}, \"id\": %ID%}\n" },
	};
	char *out;

	/* No pid file: QEMU's hangup on QMP says it exited. */
	fake_vm_setup(steps, 3, "stop-vm", "--wait", "5", NULL);
	ck_assert_int_eq(hvhost_cmd_stop_vm(&E.h), 0);
	out = fake_vm_finish();
	ck_assert_str_eq(E.fake.last_args, "{}");
	ck_assert_str_eq(out, "guest answered 0x00000000 (HV_S_OK)\nQEMU has exited\n");
	free(out);

	fake_vm_setup(refused, 2, "stop-vm", NULL);
	ck_assert_int_eq(hvhost_cmd_stop_vm(&E.h), -EREMOTEIO);
	out = fake_vm_finish();
	ck_assert_str_eq(out, "guest answered 0x80004005 (HV_E_FAIL)\n");
	free(out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hvhost-cmd");

	log_set_sink(fake_quiet_log, NULL);
	tl_add_test(s, "cmd__kvp_list_groups_pools_and_escapes", cmd__kvp_list_groups_pools_and_escapes);
	tl_add_test(s, "cmd__kvp_list_stops_at_command_not_found",
	    cmd__kvp_list_stops_at_command_not_found);
	tl_add_test(s, "cmd__kvp_list_rejects_malformed_items", cmd__kvp_list_rejects_malformed_items);
	tl_add_test(s, "cmd__kvp_set_sends_type", cmd__kvp_set_sends_type);
	tl_add_test(s, "cmd__ip_get_prints_like_get_vmnetworkadapter",
	    cmd__ip_get_prints_like_get_vmnetworkadapter);
	tl_add_test(s, "cmd__ip_set_sends_lists", cmd__ip_set_sends_lists);
	tl_add_test(s, "cmd__backup_runs_the_stages", cmd__backup_runs_the_stages);
	tl_add_test(s, "cmd__backup_thaws_when_the_host_command_fails",
	    cmd__backup_thaws_when_the_host_command_fails);
	tl_add_test(s, "cmd__backup_thaws_after_sigterm", cmd__backup_thaws_after_sigterm);
	tl_add_test(s, "cmd__backup_thaws_after_a_failed_freeze", cmd__backup_thaws_after_a_failed_freeze);
	tl_add_test(s, "cmd__backup_no_thaw_without_vss", cmd__backup_no_thaw_without_vss);
	tl_add_test(s, "cmd__copy_vmfile_polls_until_done", cmd__copy_vmfile_polls_until_done);
	tl_add_test(s, "cmd__copy_vmfile_reports_the_guest_status",
	    cmd__copy_vmfile_reports_the_guest_status);
	tl_add_test(s, "cmd__copy_vmfile_cancels_on_sigint", cmd__copy_vmfile_cancels_on_sigint);
	tl_add_test(s, "cmd__device_del_waits_for_the_event", cmd__device_del_waits_for_the_event);
	tl_add_test(s, "cmd__unexpected_answers_are_errors", cmd__unexpected_answers_are_errors);
	tl_add_test(s, "cmd__json_prints_one_document", cmd__json_prints_one_document);
	tl_add_test(s, "cmd__stop_vm_reboot_does_not_wait", cmd__stop_vm_reboot_does_not_wait);
	tl_add_test(s, "cmd__stop_vm_waits_for_qemu_to_exit", cmd__stop_vm_waits_for_qemu_to_exit);
	return tl_run_suite(s);
}
