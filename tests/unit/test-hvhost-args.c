// SPDX-License-Identifier: MIT
/*
 * hvhost's command line: what each command accepts, what it refuses as a
 * usage error (exit 2), and the small parsers behind it.
 */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "log.h"
#include "testlib.h"
#include "util.h"

static void quiet(int level, const char *message, void *userdata)
{
	(void)level;
	(void)message;
	(void)userdata;
}

/* The parsed arguments point into argv: both live until the test's teardown. */
static struct hvhost_args a;
static char *words[1024];
static size_t n_words;

static void teardown(void)
{
	hvhost_args_done(&a);
	for (size_t i = 0; i < n_words; i++)
		free(words[i]);
	n_words = 0;
}

/* Parse a NULL-terminated list of words (copied: getopt permutes argv). */
static int parse(struct hvhost_args *ret, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;
	const char *w;

	argv[argc++] = words[n_words++] = strdup("hvhost");
	va_start(ap, ret);
	while ((w = va_arg(ap, const char *)) && argc < 63)
		argv[argc++] = words[n_words++] = strdup(w);
	va_end(ap);
	argv[argc] = NULL;
	ck_assert_uint_lt(n_words, 1000);
	hvhost_args_done(ret);
	memset(ret, 0, sizeof(*ret));
	return hvhost_args_parse(argc, argv, ret);
}

START_TEST(args__global_options)
{
	ck_assert_int_eq(
		parse(&a, "--json", "--dir", "/tmp/vm", "--qmp-timeout", "2.5", "ics", NULL), 0);
	ck_assert(a.json);
	ck_assert_str_eq(a.dir, "/tmp/vm");
	ck_assert_uint_eq(a.qmp_timeout_usec, 2500000);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_ICS);
	hvhost_args_done(&a);

	ck_assert_int_eq(parse(&a, "heartbeat", NULL), 0);
	ck_assert(!a.json);
	ck_assert_ptr_null(a.dir);
	ck_assert_uint_eq(a.qmp_timeout_usec, 60ULL * USEC_PER_SEC);
	hvhost_args_done(&a);

	ck_assert_int_eq(parse(&a, "--help", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_HELP);
	ck_assert_int_eq(parse(&a, NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "--bogus", "ics", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "--dir", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "--qmp-timeout", "0", "ics", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "frobnicate", NULL), -EINVAL);
	/* Global options go before the command. */
	ck_assert_int_eq(parse(&a, "ics", "--json", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "ics", "extra", NULL), -EINVAL);
}
END_TEST

START_TEST(args__boot)
{
	unsetenv("HVHOST_QEMU");
	ck_assert_int_eq(parse(&a, "boot", "--kernel", "k", "--initrd", "i", NULL), -EINVAL);
	setenv("HVHOST_QEMU", "/opt/q", 1);
	ck_assert_int_eq(parse(&a, "boot", "--kernel", "k", "--initrd", "i", NULL), 0);
	ck_assert_str_eq(a.qemu, "/opt/q");
	ck_assert_uint_eq(a.smp, HVHOST_DEFAULT_SMP);
	ck_assert_uint_eq(a.mem_mb, 1536);
	ck_assert_str_eq(a.mac, HVHOST_DEFAULT_MAC);
	ck_assert(!a.no_hv && !a.no_ics);
	hvhost_args_done(&a);

	ck_assert_int_eq(parse(&a, "boot", "--qemu", "/bin/q", "--kernel", "k", "--initrd", "i",
			       "--append", "quiet x=1", "--smp", "4", "--mem", "2048", "--no-hv",
			       "--no-ics", "--device", "e1000,id=x", "--device", "virtio-rng-pci",
			       "--mac", "52-54-00-AB-CD-EF", NULL),
			 0);
	ck_assert_str_eq(a.qemu, "/bin/q");
	ck_assert_str_eq(a.append, "quiet x=1");
	ck_assert_uint_eq(a.smp, 4);
	ck_assert_uint_eq(a.mem_mb, 2048);
	ck_assert(a.no_hv && a.no_ics);
	ck_assert_uint_eq(strv_length(a.devices), 2);
	ck_assert_str_eq(a.devices[0], "e1000,id=x");
	ck_assert_str_eq(a.mac, "52:54:00:ab:cd:ef");
	hvhost_args_done(&a);

	ck_assert_int_eq(parse(&a, "boot", "--initrd", "i", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "boot", "--kernel", "k", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "boot", "--kernel", "k", "--initrd", "i", "--smp", "0", NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&a, "boot", "--kernel", "k", "--initrd", "i", "--smp", "2x", NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&a, "boot", "--kernel", "k", "--initrd", "i", "--mem", "1", NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&a, "boot", "--kernel", "k", "--initrd", "i", "--mac", "zz", NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&a, "boot", "--kernel", "k", "--initrd", "i", "--device", "", NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&a, "boot", "--kernel", "k", "--initrd", "i", "stray", NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&a, "boot", "--kernel", NULL), -EINVAL);

	ck_assert_int_eq(parse(&a, "boot", "--qemu", "q", "--kernel", "k", "--initrd", "i",
			       "--vmbus-version", "4.0", NULL),
			 0);
	ck_assert_str_eq(a.vmbus_version, "4.0");
	hvhost_args_done(&a);
	/* Only MAJOR.MINOR: nothing else may ride into QEMU's option string. */
	ck_assert_int_eq(parse(&a, "boot", "--qemu", "q", "--kernel", "k", "--initrd", "i",
			       "--vmbus-version", "4", NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&a, "boot", "--qemu", "q", "--kernel", "k", "--initrd", "i",
			       "--vmbus-version", "4.0,irq=5", NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&a, "boot", "--qemu", "q", "--kernel", "k", "--initrd", "i",
			       "--vmbus-version", "4.0x", NULL),
			 -EINVAL);
	unsetenv("HVHOST_QEMU");
}
END_TEST

/* A directory with a raw image, a qcow2 image and things that are not images. */
static char *images;

static char *image(const char *name)
{
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s/%s", images, name), 0);
	ck_assert_uint_lt(n_words, 1000);
	words[n_words++] = p;
	return p;
}

static void images_setup(void)
{
	char *p;

	images = tl_mkdtemp("hvhost-args");
	p = image("root.img");
	tl_write_file(p, "\xeb\x63\x90 a boot sector");
	p = image("data.qcow2");
	tl_write_file(p, "QFI\xfb\x00\x00\x00\x03");
	p = image("empty.img");
	tl_write_file(p, "");
	p = image("fifo");
	ck_assert_int_eq(mkfifo(p, 0600), 0);
}

static void images_teardown(void)
{
	teardown();
	tl_rm_rf(images);
	free(images);
	images = NULL;
}

#define BOOT "boot", "--qemu", "q", "--kernel", "k", "--initrd", "i"

START_TEST(args__boot_disks_and_nics)
{
	const char *fmt = NULL;

	ck_assert_int_eq(parse(&a, BOOT, "--disk", image("root.img"), "--disk", image("data.qcow2"),
			       "--disk", image("empty.img"), NULL),
			 0);
	ck_assert_uint_eq(strv_length(a.disks), 3);
	ck_assert_str_eq(a.disks[1], image("data.qcow2"));
	ck_assert_str_eq(a.disk_formats[0], "raw");
	ck_assert_str_eq(a.disk_formats[1], "qcow2");
	ck_assert_str_eq(a.disk_formats[2], "raw");
	ck_assert_str_eq(a.disk_controller, "hv-scsi");
	/* Today's network: one virtio NIC. */
	ck_assert_uint_eq(strv_length(a.nics), 1);
	ck_assert_str_eq(a.nics[0], "virtio");
	ck_assert(!a.mac_given);

	/* Plain QEMU gets virtio-scsi; a controller only with disks or when asked for. */
	ck_assert_int_eq(parse(&a, BOOT, "--no-hv", "--disk", image("root.img"), NULL), 0);
	ck_assert_str_eq(a.disk_controller, "virtio-scsi-pci");
	ck_assert_int_eq(parse(&a, BOOT, NULL), 0);
	ck_assert_ptr_null(a.disk_controller);
	ck_assert_ptr_null(a.disks);
	ck_assert_int_eq(parse(&a, BOOT, "--disk-controller", "virtio-scsi", NULL), 0);
	ck_assert_str_eq(a.disk_controller, "virtio-scsi-pci");
	ck_assert_int_eq(parse(&a, BOOT, "--disk-controller", "hv", NULL), 0);
	ck_assert_str_eq(a.disk_controller, "hv-scsi");
	ck_assert_int_eq(parse(&a, BOOT, "--no-hv", "--disk-controller", "hv", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, BOOT, "--disk-controller", "lsi", NULL), -EINVAL);

	/* Missing, not a file, a FIFO (which must not hang the parser), empty. */
	ck_assert_int_eq(parse(&a, BOOT, "--disk", image("missing.img"), NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, BOOT, "--disk", images, NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, BOOT, "--disk", image("fifo"), NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, BOOT, "--disk", "", NULL), -EINVAL);
	if (geteuid() != 0) {
		ck_assert_int_eq(chmod(image("root.img"), 0400), 0);
		ck_assert_int_eq(hvhost_probe_image(image("root.img"), &fmt), -EACCES);
		ck_assert_ptr_null(fmt);
		ck_assert_int_eq(parse(&a, BOOT, "--disk", image("root.img"), NULL), -EINVAL);
	}

	ck_assert_int_eq(parse(&a, BOOT, "--nic", "hv", "--nic", "virtio", "--mac",
			       "00:15:5d:00:00:10", NULL),
			 0);
	ck_assert_uint_eq(strv_length(a.nics), 2);
	ck_assert_str_eq(a.nics[0], "hv");
	ck_assert_str_eq(a.nics[1], "virtio");
	ck_assert(a.mac_given);
	ck_assert_int_eq(parse(&a, BOOT, "--nic", "none", NULL), 0);
	ck_assert_ptr_null(a.nics);
	ck_assert_int_eq(parse(&a, BOOT, "--nic", "none", "--nic", "hv", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, BOOT, "--nic", "e1000", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, BOOT, "--no-hv", "--nic", "hv", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, BOOT, "--nic", "hv", "--nic", "hv", "--nic", "hv", "--nic", "hv",
			       "--nic", "hv", "--nic", "hv", "--nic", "hv", "--nic", "hv", NULL),
			 0);
	ck_assert_int_eq(parse(&a, BOOT, "--nic", "hv", "--nic", "hv", "--nic", "hv", "--nic", "hv",
			       "--nic", "hv", "--nic", "hv", "--nic", "hv", "--nic", "hv", "--nic",
			       "hv", NULL),
			 -EINVAL);

	ck_assert_int_eq(parse(&a, BOOT, "--drive", "if=none,id=vb,file=/x", "--device",
			       "virtio-blk-pci,drive=vb", NULL),
			 0);
	ck_assert_uint_eq(strv_length(a.drives), 1);
	ck_assert_str_eq(a.drives[0], "if=none,id=vb,file=/x");
	ck_assert_int_eq(parse(&a, BOOT, "--drive", "", NULL), -EINVAL);
}
END_TEST

START_TEST(args__hot_plug_commands)
{
	char long_id[40];

	ck_assert_int_eq(parse(&a, "disk-add", image("data.qcow2"), NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_DISK_ADD);
	ck_assert_str_eq(a.disk_file, image("data.qcow2"));
	ck_assert_str_eq(a.disk_format, "qcow2");
	ck_assert_int_eq(a.lun, -1);
	ck_assert_ptr_null(a.device_id);
	ck_assert_ptr_null(a.controller);
	ck_assert_int_eq(parse(&a, "disk-add", "--id", "data_1", "--lun", "7", "--controller",
			       "scsi1", image("root.img"), NULL),
			 0);
	ck_assert_str_eq(a.device_id, "data_1");
	ck_assert_int_eq(a.lun, 7);
	ck_assert_str_eq(a.controller, "scsi1");
	ck_assert_str_eq(a.disk_format, "raw");
	ck_assert_int_eq(parse(&a, "disk-add", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "disk-add", image("missing.img"), NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "disk-add", image("root.img"), "--lun", "16384", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "disk-add", image("root.img"), "--lun", "-1", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "disk-add", image("root.img"), "--id", "0disk", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "disk-add", image("root.img"), "--id", "a/b", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "disk-add", image("root.img"), "--controller", "", NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&a, "disk-add", image("root.img"), "--wait", "1", NULL), -EINVAL);
	memset(long_id, 'd', 32);
	long_id[32] = '\0';
	ck_assert_int_eq(parse(&a, "disk-add", image("root.img"), "--id", long_id, NULL), -EINVAL);
	long_id[31] = '\0';
	ck_assert_int_eq(parse(&a, "disk-add", image("root.img"), "--id", long_id, NULL), 0);

	ck_assert_int_eq(parse(&a, "disk-del", "disk1", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_DISK_DEL);
	ck_assert_str_eq(a.device_id, "disk1");
	ck_assert_uint_eq(a.wait_usec, HVHOST_DEFAULT_UNPLUG_WAIT_USEC);
	ck_assert_int_eq(parse(&a, "disk-del", "disk1", "--wait", "2.5", NULL), 0);
	ck_assert_uint_eq(a.wait_usec, 2500000);
	ck_assert_int_eq(parse(&a, "disk-del", "disk1", "--wait", "0", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "disk-del", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "disk-del", "/machine/x", NULL), -EINVAL);

	ck_assert_int_eq(parse(&a, "nic-add", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_NIC_ADD);
	ck_assert_str_eq(a.nic_model, "hv");
	ck_assert_ptr_null(a.device_id);
	ck_assert(!a.mac_given);
	ck_assert_int_eq(parse(&a, "nic-add", "--id", "lan", "--mac", "52:54:00:00:00:09",
			       "--model", "virtio", NULL),
			 0);
	ck_assert_str_eq(a.device_id, "lan");
	ck_assert_str_eq(a.mac, "52:54:00:00:00:09");
	ck_assert(a.mac_given);
	ck_assert_str_eq(a.nic_model, "virtio");
	ck_assert_int_eq(parse(&a, "nic-add", "--model", "e1000", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "nic-add", "--mac", "zz", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "nic-add", "nic1", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "nic-add", "--lun", "1", NULL), -EINVAL);

	ck_assert_int_eq(parse(&a, "nic-del", "nic1", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_NIC_DEL);
	ck_assert_uint_eq(a.wait_usec, HVHOST_DEFAULT_UNPLUG_WAIT_USEC);
	ck_assert_int_eq(parse(&a, "nic-del", NULL), -EINVAL);

	ck_assert_int_eq(parse(&a, "link", "nic0", "down", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_LINK);
	ck_assert_str_eq(a.device_id, "nic0");
	ck_assert(!a.link_up);
	ck_assert_int_eq(parse(&a, "link", "nic0", "up", NULL), 0);
	ck_assert(a.link_up);
	ck_assert_int_eq(parse(&a, "link", "nic0", "sideways", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "link", "nic0", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "link", "nic0", "up", "--wait", "1", NULL), -EINVAL);

	ck_assert_int_eq(parse(&a, "backup", "--checkpoint", NULL), 0);
	ck_assert(a.checkpoint);
	ck_assert_ptr_null(a.checkpoint_dir);
	ck_assert_int_eq(parse(&a, "backup", "--checkpoint", "--checkpoint-dir", images, "--exec",
			       "true", NULL),
			 0);
	ck_assert_str_eq(a.checkpoint_dir, images);
	ck_assert_str_eq(a.exec_command, "true");
	ck_assert_int_eq(parse(&a, "backup", "--checkpoint-dir", images, NULL), -EINVAL);
	ck_assert_int_eq(
		parse(&a, "backup", "--checkpoint", "--checkpoint-dir", image("missing"), NULL),
		-EINVAL);
	ck_assert_int_eq(
		parse(&a, "backup", "--checkpoint", "--checkpoint-dir", image("root.img"), NULL),
		-EINVAL);
}
END_TEST

START_TEST(args__kvp)
{
	ck_assert_int_eq(parse(&a, "kvp", "list", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_KVP_LIST);
	ck_assert_int_eq(a.pool, HVHOST_POOL_ALL);
	ck_assert_int_eq(parse(&a, "kvp", "list", "auto_external", NULL), 0);
	ck_assert_int_eq(a.pool, 3);
	ck_assert_int_eq(parse(&a, "kvp", "get", "guest", "Key", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_KVP_GET);
	ck_assert_int_eq(a.pool, 1);
	ck_assert_str_eq(a.key, "Key");
	ck_assert_int_eq(parse(&a, "kvp", "set", "0", "K", "V", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_KVP_SET);
	ck_assert_int_eq(a.pool, 0);
	ck_assert_str_eq(a.value, "V");
	ck_assert_ptr_null(a.value_type);
	ck_assert_int_eq(parse(&a, "kvp", "set", "--type", "u32", "external", "K", "42", NULL), 0);
	ck_assert_str_eq(a.value_type, "u32");
	ck_assert_int_eq(parse(&a, "kvp", "set", "external", "K", "18446744073709551615", "--type",
			       "u64", NULL),
			 0);
	ck_assert_str_eq(a.value_type, "u64");
	ck_assert_int_eq(parse(&a, "kvp", "delete", "auto_internal", "K", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_KVP_DELETE);
	ck_assert_int_eq(a.pool, 4);
	/* A value that looks like an option, after "--". */
	ck_assert_int_eq(parse(&a, "kvp", "set", "0", "K", "--", "-5", NULL), 0);
	ck_assert_str_eq(a.value, "-5");

	ck_assert_int_eq(parse(&a, "kvp", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "frob", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "list", "5", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "list", "guest", "x", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "get", "guest", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "get", "guest", "", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "set", "0", "K", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "set", "0", "K", "x", "--type", "u32", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "set", "0", "K", "4294967296", "--type", "u32", NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "set", "0", "K", "1", "--type", "u8", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "get", "0", "K", "--type", "u32", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "kvp", "delete", "0", NULL), -EINVAL);
}
END_TEST

START_TEST(args__ip)
{
	ck_assert_int_eq(parse(&a, "ip", "get", "00155D000001", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_IP_GET);
	ck_assert_str_eq(a.mac, "00:15:5d:00:00:01");
	hvhost_args_done(&a);

	ck_assert_int_eq(parse(&a, "ip", "set", "00:15:5d:00:00:01", "{AD-1}", "--address",
			       "10.0.0.5/24", "--address", "fd00::5/64", "--address",
			       "192.168.1.2/255.255.0.0", "--gateway", "10.0.0.1", "--dns",
			       "1.1.1.1", "--dns", "2606:4700::1111", NULL),
			 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_IP_SET);
	ck_assert_str_eq(a.adapter_id, "{AD-1}");
	ck_assert(!a.dhcp);
	ck_assert_uint_eq(strv_length(a.addresses), 3);
	ck_assert_str_eq(a.addresses[0], "10.0.0.5");
	ck_assert_str_eq(a.subnets[0], "255.255.255.0");
	ck_assert_str_eq(a.addresses[1], "fd00::5");
	ck_assert_str_eq(a.subnets[1], "64");
	ck_assert_str_eq(a.subnets[2], "255.255.0.0");
	ck_assert_str_eq(a.gateways[0], "10.0.0.1");
	ck_assert_uint_eq(strv_length(a.dns), 2);
	hvhost_args_done(&a);

	ck_assert_int_eq(parse(&a, "ip", "set", "00:15:5d:00:00:01", "X", "--dhcp", NULL), 0);
	ck_assert(a.dhcp);
	ck_assert_ptr_null(a.addresses);
	hvhost_args_done(&a);

	ck_assert_int_eq(parse(&a, "ip", "get", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "ip", "get", "00:15:5d:00:00", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "ip", "get", "00:15:5d:00:00:01", "--dhcp", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "ip", "set", "00:15:5d:00:00:01", NULL), -EINVAL);
	ck_assert_int_eq(
		parse(&a, "ip", "set", "00:15:5d:00:00:01", "X", "--address", "10.0.0.5", NULL),
		-EINVAL);
	ck_assert_int_eq(
		parse(&a, "ip", "set", "00:15:5d:00:00:01", "X", "--gateway", "1.2.3", NULL),
		-EINVAL);
	ck_assert_int_eq(parse(&a, "ip", "set", "00:15:5d:00:00:01", "X", "--dns", "x", NULL),
			 -EINVAL);
	ck_assert_int_eq(parse(&a, "ip", "frob", NULL), -EINVAL);
}
END_TEST

START_TEST(args__other_commands)
{
	ck_assert_int_eq(parse(&a, "backup", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_BACKUP);
	ck_assert_ptr_null(a.exec_command);
	ck_assert_int_eq(parse(&a, "backup", "--exec", "lvcreate -s x", NULL), 0);
	ck_assert_str_eq(a.exec_command, "lvcreate -s x");
	ck_assert_int_eq(parse(&a, "backup", "--exec", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "backup", "--force", NULL), -EINVAL);

	ck_assert_int_eq(
		parse(&a, "copy-vmfile", "a", "/tmp/b", "--force", "--create-full-path", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_COPY_VMFILE);
	ck_assert_str_eq(a.source, "a");
	ck_assert_str_eq(a.destination, "/tmp/b");
	ck_assert(a.force && a.create_full_path);
	ck_assert_int_eq(parse(&a, "copy-vmfile", "a", NULL), -EINVAL);

	ck_assert_int_eq(parse(&a, "stop-vm", NULL), 0);
	ck_assert(!a.reboot && !a.force);
	ck_assert_uint_eq(a.wait_usec, HVHOST_DEFAULT_STOP_WAIT_USEC);
	ck_assert_int_eq(parse(&a, "stop-vm", "--reboot", "--force", "--wait", "0", NULL), 0);
	ck_assert(a.reboot && a.force);
	ck_assert_uint_eq(a.wait_usec, 0);
	ck_assert_int_eq(parse(&a, "stop-vm", "--wait", "-1", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "stop-vm", "--timeout", "1", NULL), -EINVAL);

	ck_assert_int_eq(parse(&a, "device-add", "hv-kvp", NULL), 0);
	ck_assert_str_eq(a.device_type, "hv-kvp");
	ck_assert_ptr_null(a.device_id);
	ck_assert_int_eq(parse(&a, "device-add", "virtio-rng-pci,bus=rp1", "rng", NULL), 0);
	ck_assert_str_eq(a.device_id, "rng");
	ck_assert_int_eq(parse(&a, "device-add", "x,bus", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "device-add", "x,id=y", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "device-add", ",x=y", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "device-add", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "device-del", "kvp", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_DEVICE_DEL);
	ck_assert_int_eq(parse(&a, "device-del", NULL), -EINVAL);

	ck_assert_int_eq(parse(&a, "wait-agent", NULL), 0);
	ck_assert_uint_eq(a.timeout_usec, HVHOST_DEFAULT_AGENT_TIMEOUT_USEC);
	ck_assert_int_eq(parse(&a, "wait-agent", "--timeout", "30", NULL), 0);
	ck_assert_uint_eq(a.timeout_usec, 30 * USEC_PER_SEC);
	ck_assert_int_eq(parse(&a, "quit", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_QUIT);
	ck_assert_int_eq(parse(&a, "heartbeat", "--force", NULL), -EINVAL);
}
END_TEST

START_TEST(args__exec_takes_the_rest_verbatim)
{
	ck_assert_int_eq(
		parse(&a, "exec", "--timeout", "5", "--", "ls", "-l", "--timeout", "/", NULL), 0);
	ck_assert_int_eq(a.cmd, HVHOST_CMD_EXEC);
	ck_assert_uint_eq(a.timeout_usec, 5 * USEC_PER_SEC);
	ck_assert_str_eq(a.command, "ls -l --timeout /");
	hvhost_args_done(&a);

	ck_assert_int_eq(parse(&a, "exec", "echo $HOME | wc -c", NULL), 0);
	ck_assert_str_eq(a.command, "echo $HOME | wc -c");
	ck_assert_uint_eq(a.timeout_usec, HVHOST_DEFAULT_EXEC_TIMEOUT_USEC);
	hvhost_args_done(&a);

	ck_assert_int_eq(parse(&a, "exec", "--", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "exec", "--", "", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "exec", "--timeout", "0", "--", "true", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "exec", "--timeout", "x", "--", "true", NULL), -EINVAL);
	ck_assert_int_eq(parse(&a, "exec", "--frob", "--", "true", NULL), -EINVAL);
}
END_TEST

START_TEST(args__small_parsers)
{
	char mac[18], *addr = NULL, *subnet = NULL;
	uint64_t usec;
	int pool;

	ck_assert_int_eq(hvhost_parse_pool("external", &pool), 0);
	ck_assert_int_eq(pool, 0);
	ck_assert_int_eq(hvhost_parse_pool("4", &pool), 0);
	ck_assert_int_eq(pool, 4);
	ck_assert_int_eq(hvhost_parse_pool("04", &pool), -EINVAL);
	ck_assert_int_eq(hvhost_parse_pool("Guest", &pool), -EINVAL);
	ck_assert_str_eq(hvhost_pool_name(3), "auto_external");
	ck_assert_str_eq(hvhost_pool_name(9), "?");

	ck_assert_int_eq(hvhost_parse_mac("AA:bb:CC:dd:EE:ff", mac), 0);
	ck_assert_str_eq(mac, "aa:bb:cc:dd:ee:ff");
	ck_assert_int_eq(hvhost_parse_mac("aa:bb-cc:dd:ee:ff", mac), -EINVAL);
	ck_assert_int_eq(hvhost_parse_mac("aa:bb:cc:dd:ee:fg", mac), -EINVAL);
	ck_assert_int_eq(hvhost_parse_mac("aabbccddeef", mac), -EINVAL);
	ck_assert_int_eq(hvhost_parse_mac("", mac), -EINVAL);

	/* NIC i's MAC: the last byte carries into the ones before. */
	ck_assert_int_eq(hvhost_mac_add("00:15:5d:00:00:01", 2, mac), 0);
	ck_assert_str_eq(mac, "00:15:5d:00:00:03");
	ck_assert_int_eq(hvhost_mac_add("00:15:5D:00:00:FF", 1, mac), 0);
	ck_assert_str_eq(mac, "00:15:5d:00:01:00");
	ck_assert_int_eq(hvhost_mac_add("00:15:5d:ff:ff:ff", 1, mac), 0);
	ck_assert_str_eq(mac, "00:15:5e:00:00:00");
	ck_assert_int_eq(hvhost_mac_add("00:15:5d:00:01:00", -1, mac), 0);
	ck_assert_str_eq(mac, "00:15:5d:00:00:ff");
	ck_assert_int_eq(hvhost_mac_add("ff:ff:ff:ff:ff:ff", 1, mac), 0);
	ck_assert_str_eq(mac, "00:00:00:00:00:00");
	ck_assert_int_eq(hvhost_mac_add("00:15:5d", 1, mac), -EINVAL);

	ck_assert(hvhost_id_valid("disk0"));
	ck_assert(hvhost_id_valid("a-b.c_d"));
	ck_assert(!hvhost_id_valid(""));
	ck_assert(!hvhost_id_valid("0disk"));
	ck_assert(!hvhost_id_valid("-x"));
	ck_assert(!hvhost_id_valid("a,b"));
	ck_assert(!hvhost_id_valid("a b"));
	ck_assert(!hvhost_id_valid("#block1"));
	ck_assert_str_eq(hvhost_nic_driver("hv"), "hv-net");
	ck_assert_str_eq(hvhost_nic_driver("virtio"), "virtio-net-pci");
	ck_assert_ptr_null(hvhost_nic_driver("none"));

	ck_assert_int_eq(hvhost_parse_seconds("1.25", &usec), 0);
	ck_assert_uint_eq(usec, 1250000);
	ck_assert_int_eq(hvhost_parse_seconds("0", &usec), 0);
	ck_assert_uint_eq(usec, 0);
	ck_assert_int_eq(hvhost_parse_seconds("-1", &usec), -EINVAL);
	ck_assert_int_eq(hvhost_parse_seconds("nan", &usec), -EINVAL);
	ck_assert_int_eq(hvhost_parse_seconds("inf", &usec), -EINVAL);
	ck_assert_int_eq(hvhost_parse_seconds("1e99", &usec), -EINVAL);
	ck_assert_int_eq(hvhost_parse_seconds("5s", &usec), -EINVAL);
	ck_assert_int_eq(hvhost_parse_seconds("", &usec), -EINVAL);

	ck_assert_int_eq(hvhost_parse_address("10.1.2.3/0", &addr, &subnet), 0);
	ck_assert_str_eq(addr, "10.1.2.3");
	ck_assert_str_eq(subnet, "0.0.0.0");
	free(addr);
	free(subnet);
	ck_assert_int_eq(hvhost_parse_address("10.1.2.3/32", &addr, &subnet), 0);
	ck_assert_str_eq(subnet, "255.255.255.255");
	free(addr);
	free(subnet);
	ck_assert_int_eq(hvhost_parse_address("10.1.2.3/20", &addr, &subnet), 0);
	ck_assert_str_eq(subnet, "255.255.240.0");
	free(addr);
	free(subnet);
	ck_assert_int_eq(hvhost_parse_address("::1/128", &addr, &subnet), 0);
	ck_assert_str_eq(subnet, "128");
	free(addr);
	free(subnet);
	addr = subnet = NULL;
	ck_assert_int_eq(hvhost_parse_address("10.1.2.3/33", &addr, &subnet), -EINVAL);
	ck_assert_int_eq(hvhost_parse_address("::1/129", &addr, &subnet), -EINVAL);
	ck_assert_int_eq(hvhost_parse_address("10.1.2/24", &addr, &subnet), -EINVAL);
	ck_assert_int_eq(hvhost_parse_address("/24", &addr, &subnet), -EINVAL);
	ck_assert_int_eq(hvhost_parse_address("10.1.2.3/", &addr, &subnet), -EINVAL);
	ck_assert_int_eq(hvhost_parse_address("::1/255.0.0.0", &addr, &subnet), -EINVAL);
	ck_assert_ptr_null(addr);
	ck_assert_ptr_null(subnet);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hvhost-args");
	const struct {
		const char *name;
		const TTest *test;
		void (*setup)(void);
		void (*teardown)(void);
	} tests[] = {
		{ "args__global_options", args__global_options, NULL, teardown },
		{ "args__boot", args__boot, NULL, teardown },
		{ "args__boot_disks_and_nics", args__boot_disks_and_nics, images_setup,
		  images_teardown },
		{ "args__hot_plug_commands", args__hot_plug_commands, images_setup,
		  images_teardown },
		{ "args__kvp", args__kvp, NULL, teardown },
		{ "args__ip", args__ip, NULL, teardown },
		{ "args__other_commands", args__other_commands, NULL, teardown },
		{ "args__exec_takes_the_rest_verbatim", args__exec_takes_the_rest_verbatim, NULL,
		  teardown },
		{ "args__small_parsers", args__small_parsers, NULL, teardown },
	};

	log_set_sink(quiet, NULL);
	/* The parsed arguments point into the words: teardown frees both. */
	for (size_t i = 0; i < ELEMENTSOF(tests); i++) {
		TCase *tc = tcase_create(tests[i].name);

		tcase_add_checked_fixture(tc, tests[i].setup, tests[i].teardown);
		tcase_add_test(tc, tests[i].test);
		suite_add_tcase(s, tc);
	}
	return tl_run_suite(s);
}
