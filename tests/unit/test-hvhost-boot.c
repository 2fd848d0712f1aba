// SPDX-License-Identifier: MIT
/*
 * hvhost boot: the QEMU command line of the contract
 * (tests/hvhost/README.md), with and without Hyper-V, and QEMU's option
 * escaping for the paths in it.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hvhost.h"
#include "log.h"
#include "testlib.h"
#include "util.h"

static char *one_virtio_nic[] = { "virtio", NULL };

static struct hvhost_args base(void)
{
	struct hvhost_args a = {
		.qemu = "/opt/hvhost/bin/qemu-system-x86_64",
		.kernel = "/k/vmlinuz",
		.initrd = "/k/initrd.img",
		.smp = 2,
		.mem_mb = 1536,
		.mac = "00:15:5d:00:00:01",
		.nics = one_virtio_nic, /* what args gives without --nic */
	};

	return a;
}

static char *joined(char **argv)
{
	size_t len = 1;
	char *s;

	STRV_FOREACH(w, argv)
		len += strlen(*w) + 1;
	s = calloc(1, len);
	STRV_FOREACH(w, argv) {
		strcat(s, *w);
		strcat(s, "|");
	}
	return s;
}

/* Does the argv contain this sequence of words (| separated, as joined() writes)? */
static bool has(const char *all, const char *seq)
{
	char *needle = NULL;
	bool r;

	if (asprintf(&needle, "|%s|", seq) < 0)
		return false;
	r = strstr(all, needle) != NULL || strncmp(all, needle + 1, strlen(needle) - 1) == 0;
	free(needle);
	return r;
}

START_TEST(boot__argv_matches_the_contract)
{
	struct hvhost_args a = base();
	char **argv = NULL, *all;

	ck_assert_int_eq(hvhost_qemu_argv(&a, "/run/vm", &argv), 0);
	all = joined(argv);
	ck_assert_str_eq(argv[0], "/opt/hvhost/bin/qemu-system-x86_64");
	ck_assert(has(all, "-accel|tcg,thread=multi"));
	ck_assert(has(all, "-machine|q35"));
	ck_assert(has(all, "-smp|2"));
	ck_assert(has(all, "-m|1536"));
	ck_assert(has(all, "-cpu|qemu64,hv-vpindex,hv-synic,hv-time,hv-relaxed"));
	ck_assert(has(all, "-nodefaults|-nographic|-no-user-config|-L|/usr/share/qemu|-L|"
			   "/usr/share/seabios"));
	ck_assert(has(all, "-device|vmbus-bridge"));
	ck_assert(has(all, "-device|hv-heartbeat,id=hb|-device|hv-shutdown,id=shutdown|-device|"
			   "hv-timesync,id=ts|-device|hv-kvp,id=kvp|-device|hv-vss,id=vss|-device|"
			   "hv-fcopy,id=fcopy"));
	ck_assert(has(all, "-chardev|file,id=con,path=/run/vm/console.log|-serial|chardev:con"));
	ck_assert(has(all, "-chardev|socket,id=agent,path=/run/vm/agent.sock,server=on,wait=off|"
			   "-device|isa-serial,chardev=agent"));
	ck_assert(has(all, "-qmp|unix:/run/vm/qmp.sock,server=on,wait=off"));
	ck_assert(has(all,
		      "-netdev|user,id=n0|-device|"
		      "virtio-net-pci,netdev=n0,romfile=,mac=00:15:5d:00:00:01,id=nic0|-kernel"));
	/* No disk, no controller, one NIC. */
	ck_assert(!strstr(all, "scsi"));
	ck_assert(!strstr(all, "-drive"));
	ck_assert(!strstr(all, "n1"));
	ck_assert(has(all, "-kernel|/k/vmlinuz|-initrd|/k/initrd.img|-append|"
			   "console=ttyS0 panic=-1"));
	ck_assert(!strstr(all, "kvm"));
	free(all);
	strv_free(argv);
}
END_TEST

START_TEST(boot__no_hv_and_no_ics)
{
	struct hvhost_args a = base();
	char **argv = NULL, *all;

	a.no_hv = true;
	ck_assert_int_eq(hvhost_qemu_argv(&a, "/d", &argv), 0);
	all = joined(argv);
	ck_assert(has(all, "-cpu|qemu64"));
	ck_assert(!strstr(all, "hv-"));
	ck_assert(!strstr(all, "vmbus"));
	ck_assert(has(all, "-device|isa-serial,chardev=agent"));
	free(all);
	strv_free(argv);

	a = base();
	a.no_ics = true;
	ck_assert_int_eq(hvhost_qemu_argv(&a, "/d", &argv), 0);
	all = joined(argv);
	ck_assert(has(all, "-cpu|qemu64,hv-vpindex,hv-synic,hv-time,hv-relaxed"));
	ck_assert(has(all, "-device|vmbus-bridge|-chardev"));
	ck_assert(!strstr(all, "hv-kvp"));
	ck_assert(!strstr(all, "hv-heartbeat"));
	free(all);
	strv_free(argv);

	a = base();
	a.vmbus_version = "4.0";
	ck_assert_int_eq(hvhost_qemu_argv(&a, "/d", &argv), 0);
	all = joined(argv);
	ck_assert(has(all, "-device|vmbus-bridge,max-version=4.0|-device|hv-heartbeat,id=hb"));
	free(all);
	strv_free(argv);
}
END_TEST

START_TEST(boot__options_reach_qemu)
{
	struct hvhost_args a = base();
	char *devices[] = { "hv-kvp,id=kvp2,instance=x", "virtio-rng-pci", NULL };
	char **argv = NULL, *all;

	a.smp = 4;
	a.mem_mb = 4096;
	a.append = "quiet hvtest.scenario=kvp";
	a.devices = devices;
	memcpy(a.mac, "52:54:00:12:34:56", 18);
	ck_assert_int_eq(hvhost_qemu_argv(&a, "/d", &argv), 0);
	all = joined(argv);
	ck_assert(has(all, "-smp|4"));
	ck_assert(has(all, "-m|4096"));
	ck_assert(has(all, "-append|console=ttyS0 panic=-1 quiet hvtest.scenario=kvp"));
	ck_assert(has(all, "-device|hv-kvp,id=kvp2,instance=x|-device|virtio-rng-pci"));
	ck_assert(strstr(all, "mac=52:54:00:12:34:56"));
	free(all);
	strv_free(argv);
}
END_TEST

START_TEST(boot__disks_are_luns_on_scsi0)
{
	struct hvhost_args a = base();
	char *disks[] = { "/img/root.img", "/img/a,b.qcow2", NULL };
	char *formats[] = { "raw", "qcow2", NULL };
	char **argv = NULL, *all;

	a.disks = disks;
	a.disk_formats = formats;
	a.disk_controller = "hv-scsi";
	ck_assert_int_eq(hvhost_qemu_argv(&a, "/d", &argv), 0);
	all = joined(argv);
	ck_assert(has(all,
		      "-device|hv-scsi,id=scsi0|"
		      "-drive|if=none,id=disk0,file=/img/root.img,format=raw,cache=writeback,"
		      "discard=unmap|"
		      "-device|scsi-hd,drive=disk0,bus=scsi0.0,channel=0,scsi-id=0,lun=0,id=disk0|"
		      "-drive|if=none,id=disk1,file=/img/a,,b.qcow2,format=qcow2,cache=writeback,"
		      "discard=unmap|"
		      "-device|scsi-hd,drive=disk1,bus=scsi0.0,channel=0,scsi-id=0,lun=1,id=disk1|"
		      "-netdev|user,id=n0"));
	/* the controller once, before its disks */
	ck_assert_ptr_null(strstr(strstr(all, "hv-scsi,id=scsi0") + 1, "hv-scsi,id=scsi0"));
	free(all);
	strv_free(argv);

	/* The same image on plain QEMU; a controller without disks (for disk-add). */
	a.no_hv = true;
	a.disk_controller = "virtio-scsi-pci";
	ck_assert_int_eq(hvhost_qemu_argv(&a, "/d", &argv), 0);
	all = joined(argv);
	ck_assert(strstr(all, "|-device|virtio-scsi-pci,id=scsi0|-drive|if=none,id=disk0,"));
	ck_assert(!strstr(all, "hv-"));
	free(all);
	strv_free(argv);
	a.disks = NULL;
	a.disk_formats = NULL;
	ck_assert_int_eq(hvhost_qemu_argv(&a, "/d", &argv), 0);
	all = joined(argv);
	ck_assert(has(all, "-device|virtio-scsi-pci,id=scsi0|-netdev"));
	ck_assert(!strstr(all, "scsi-hd"));
	free(all);
	strv_free(argv);
}
END_TEST

START_TEST(boot__nics_count_up_from_the_mac)
{
	struct hvhost_args a = base();
	char *nics[] = { "hv", "virtio", "hv", NULL };
	char *drives[] = { "if=none,id=vb,file=/x.img", NULL };
	char *devices[] = { "virtio-blk-pci,drive=vb", NULL };
	char **argv = NULL, *all;

	a.nics = nics;
	a.drives = drives;
	a.devices = devices;
	memcpy(a.mac, "00:15:5d:00:00:ff", 18);
	ck_assert_int_eq(hvhost_qemu_argv(&a, "/d", &argv), 0);
	all = joined(argv);
	ck_assert(has(all,
		      "-netdev|user,id=n0|-device|hv-net,netdev=n0,mac=00:15:5d:00:00:ff,id=nic0|"
		      "-netdev|user,id=n1,net=10.0.3.0/24|-device|virtio-net-pci,netdev=n1,romfile=,"
		      "mac=00:15:5d:00:01:00,id=nic1|"
		      "-netdev|user,id=n2,net=10.0.4.0/24|-device|hv-net,netdev=n2,mac=00:15:5d:00:01:01,id=nic2|"
		      "-kernel"));
	/* --drive verbatim, before the --device that uses it */
	ck_assert(has(all, "-drive|if=none,id=vb,file=/x.img|-device|virtio-blk-pci,drive=vb"));
	free(all);
	strv_free(argv);

	/* --nic none */
	a.nics = NULL;
	ck_assert_int_eq(hvhost_qemu_argv(&a, "/d", &argv), 0);
	all = joined(argv);
	ck_assert(!strstr(all, "-netdev"));
	ck_assert(!strstr(all, "nic0"));
	free(all);
	strv_free(argv);

	/* Not a model args lets through. */
	nics[1] = "e1000";
	a.nics = nics;
	argv = NULL;
	ck_assert_int_eq(hvhost_qemu_argv(&a, "/d", &argv), -EINVAL);
	ck_assert_ptr_null(argv);
}
END_TEST

START_TEST(boot__paths_are_escaped_for_qemu)
{
	struct hvhost_args a = base();
	char **argv = NULL, *all, *e;

	ck_assert_int_eq(hvhost_qemu_argv(&a, "/tmp/a,b", &argv), 0);
	all = joined(argv);
	ck_assert(has(all, "-qmp|unix:/tmp/a,,b/qmp.sock,server=on,wait=off"));
	ck_assert(has(all, "-chardev|file,id=con,path=/tmp/a,,b/console.log"));
	free(all);
	strv_free(argv);

	e = hvhost_qemu_opt_escape(",a,,b,");
	ck_assert_str_eq(e, ",,a,,,,b,,");
	free(e);
	e = hvhost_qemu_opt_escape("");
	ck_assert_str_eq(e, "");
	free(e);
}
END_TEST

START_TEST(boot__device_add_arguments)
{
	json_object *args = NULL;

	ck_assert_int_eq(hvhost_device_add_args("hv-kvp", NULL, &args), 0);
	ck_assert_str_eq(json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN),
			 "{\"driver\":\"hv-kvp\",\"id\":\"kvp\"}");
	json_object_put(args);
	ck_assert_int_eq(hvhost_device_add_args("hv-fcopy", "fc2", &args), 0);
	ck_assert_str_eq(json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN),
			 "{\"driver\":\"hv-fcopy\",\"id\":\"fc2\"}");
	json_object_put(args);
	ck_assert_int_eq(hvhost_device_add_args("virtio-rng-pci,bus=rp1,x=", NULL, &args), 0);
	ck_assert_str_eq(json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN),
			 "{\"driver\":\"virtio-rng-pci\",\"bus\":\"rp1\",\"x\":\"\","
			 "\"id\":\"virtio-rng-pci\"}");
	json_object_put(args);
	args = NULL;
	ck_assert_int_eq(hvhost_device_add_args(",bus=x", NULL, &args), -EINVAL);
	ck_assert_int_eq(hvhost_device_add_args("a,bus", NULL, &args), -EINVAL);
	ck_assert_int_eq(hvhost_device_add_args("a,id=b", NULL, &args), -EINVAL);
	ck_assert_int_eq(hvhost_device_add_args("a,=b", NULL, &args), -EINVAL);
	ck_assert_ptr_null(args);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hvhost-boot");

	tl_add_test(s, "boot__argv_matches_the_contract", boot__argv_matches_the_contract);
	tl_add_test(s, "boot__no_hv_and_no_ics", boot__no_hv_and_no_ics);
	tl_add_test(s, "boot__options_reach_qemu", boot__options_reach_qemu);
	tl_add_test(s, "boot__disks_are_luns_on_scsi0", boot__disks_are_luns_on_scsi0);
	tl_add_test(s, "boot__nics_count_up_from_the_mac", boot__nics_count_up_from_the_mac);
	tl_add_test(s, "boot__paths_are_escaped_for_qemu", boot__paths_are_escaped_for_qemu);
	tl_add_test(s, "boot__device_add_arguments", boot__device_add_arguments);
	return tl_run_suite(s);
}
