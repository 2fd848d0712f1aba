// SPDX-License-Identifier: MIT
/*
 * Command-line parsing for hvhost. Everything is checked here, before
 * anything connects to QEMU: a usage error never leaves half a job done.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "cleanup.h"
#include "log.h"
#include "util.h"

static const char *const pool_names[HVHOST_N_POOLS] = {
	"external", "guest", "auto", "auto_external", "auto_internal",
};

void hvhost_usage(FILE *f)
{
	fputs("Usage: hvhost [--json] [--dir DIR] [--qmp-timeout S] [-v] COMMAND ...\n"
	      "  DIR holds qmp.sock, agent.sock, console.log, qemu.log, qemu.pid\n"
	      "  (default: $HVHOST_DIR, else the current directory)\n"
	      "\n"
	      "  boot --kernel VMLINUZ --initrd INITRD [--append ARGS] [--smp N] [--mem MB]\n"
	      "       [--qemu BIN] [--mac MAC] [--no-hv] [--no-ics] [--device QEMU-DEVICE]...\n"
	      "       [--vmbus-version MAJOR.MINOR] [--disk FILE]...\n"
	      "       [--disk-controller hv|virtio-scsi] [--nic hv|virtio|none]...\n"
	      "       [--drive QEMU-DRIVE]...\n"
	      "                            start QEMU in the background, wait for QMP;\n"
	      "                            disk i is LUN i on scsi0, NIC i is nic<i> (MAC+i)\n"
	      "                            (BIN defaults to $HVHOST_QEMU"
#ifdef HVHOST_DEFAULT_QEMU
	      ", else " HVHOST_DEFAULT_QEMU
#endif
	      ")\n"
	      "  kvp list [POOL]           external|guest|auto|auto_external|auto_internal or 0-4\n"
	      "  kvp get POOL KEY\n"
	      "  kvp set POOL KEY VALUE [--type u32|u64]\n"
	      "  kvp delete POOL KEY\n"
	      "  ip get MAC\n"
	      "  ip set MAC ADAPTER-ID [--dhcp] [--address A/P]... [--gateway G]... [--dns D]...\n"
	      "  backup [--checkpoint [--checkpoint-dir DIR]] [--exec CMD]\n"
	      "                            check, freeze, snapshot every writable disk (to\n"
	      "                            DIR/<disk>-<UTC time>.qcow2), run CMD on the host,\n"
	      "                            thaw\n"
	      "  copy-vmfile SRC DEST [--force] [--create-full-path]\n"
	      "  stop-vm [--reboot] [--force] [--wait S]\n"
	      "  heartbeat | ics | timesync\n"
	      "  device-add TYPE[,PROP=VALUE...] [ID] | device-del ID\n"
	      "  disk-add FILE [--id ID] [--lun N] [--controller ID]\n"
	      "                            hot add a SCSI disk (default: scsi0, lowest free LUN,\n"
	      "                            ID disk<LUN>)\n"
	      "  disk-del ID [--wait S]    hot remove it (waits S for the guest, default 30)\n"
	      "  nic-add [--id ID] [--mac MAC] [--model hv|virtio]\n"
	      "                            hot add a NIC (default: hv, nic<N>, boot MAC + N)\n"
	      "  nic-del ID [--wait S]     hot remove it once the guest released it\n"
	      "  link ID up|down           set the NIC's link state\n"
	      "  exec [--timeout S] -- CMD...   run CMD in the guest; exits with its status\n"
	      "  wait-agent [--timeout S]\n"
	      "  quit\n"
	      "\n"
	      "Exit status: 0 success, 1 failure reported by QEMU or the guest, 2 usage error,\n"
	      "exec: the guest command's status, 124 on timeout.\n",
	      f);
}

int hvhost_parse_pool(const char *s, int *ret)
{
	for (int i = 0; i < HVHOST_N_POOLS; i++) {
		char digit[2] = { (char)('0' + i), '\0' };

		if (streq(s, pool_names[i]) || streq(s, digit)) {
			*ret = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *hvhost_pool_name(int pool)
{
	return pool >= 0 && pool < HVHOST_N_POOLS ? pool_names[pool] : "?";
}

int hvhost_parse_mac(const char *s, char ret[18])
{
	unsigned v[6];
	size_t len = strlen(s);
	char sep;

	if (len == 12) {
		for (size_t i = 0; i < 12; i++)
			if (unhexchar(s[i]) < 0)
				return -EINVAL;
		for (size_t i = 0; i < 6; i++)
			v[i] = (unsigned)(unhexchar(s[2 * i]) << 4 | unhexchar(s[2 * i + 1]));
	} else if (len == 17) {
		sep = s[2];
		if (sep != ':' && sep != '-')
			return -EINVAL;
		for (size_t i = 0; i < 6; i++) {
			int hi = unhexchar(s[3 * i]), lo = unhexchar(s[3 * i + 1]);

			if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != sep))
				return -EINVAL;
			v[i] = (unsigned)(hi << 4 | lo);
		}
	} else {
		return -EINVAL;
	}
	snprintf(ret, 18, "%02x:%02x:%02x:%02x:%02x:%02x", v[0], v[1], v[2], v[3], v[4], v[5]);
	return 0;
}

int hvhost_mac_add(const char *mac, int64_t n, char ret[18])
{
	char norm[18];
	uint64_t v = 0;

	if (hvhost_parse_mac(mac, norm) < 0)
		return -EINVAL;
	for (size_t i = 0; i < 6; i++)
		v = v << 8 | (uint64_t)(unhexchar(norm[3 * i]) << 4 | unhexchar(norm[3 * i + 1]));
	v = (v + (uint64_t)n) & 0xffffffffffffULL;
	snprintf(ret, 18, "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(v >> 40) & 0xff,
		 (unsigned)(v >> 32) & 0xff, (unsigned)(v >> 24) & 0xff, (unsigned)(v >> 16) & 0xff,
		 (unsigned)(v >> 8) & 0xff, (unsigned)v & 0xff);
	return 0;
}

int hvhost_probe_image(const char *path, const char **ret_format)
{
	static const unsigned char qcow2_magic[4] = { 'Q', 'F', 'I', 0xfb };
	unsigned char magic[4];
	struct stat st;
	ssize_t n;
	int fd;

	/* O_NONBLOCK: a FIFO must not hang the parser. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		n = -errno;
	} else if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		n = -EINVAL;
	} else if (access(path, W_OK) < 0) {
		/* QEMU opens disks read-write. */
		n = -errno;
	} else {
		n = loop_pread(fd, magic, sizeof(magic), 0);
	}
	safe_close(fd);
	if (n < 0)
		return (int)n;
	*ret_format =
		n == sizeof(magic) && !memcmp(magic, qcow2_magic, sizeof(magic)) ? "qcow2" : "raw";
	return 0;
}

bool hvhost_id_valid(const char *id)
{
	/* QEMU's id_wellformed(). */
	if (!((*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z')))
		return false;
	for (const char *p = id; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._",
			    *p))
			return false;
	return true;
}

const char *hvhost_nic_driver(const char *model)
{
	if (streq(model, "hv"))
		return "hv-net";
	if (streq(model, "virtio"))
		return "virtio-net-pci";
	return NULL;
}

int hvhost_parse_seconds(const char *s, uint64_t *ret_usec)
{
	char *end;
	double d;

	if (!*s || strchr(" \t+-", *s))
		return -EINVAL;
	errno = 0;
	d = strtod(s, &end);
	if (errno || *end || !isfinite(d) || d < 0 || d > 1e7)
		return -EINVAL;
	*ret_usec = (uint64_t)(d * 1e6);
	return 0;
}

int hvhost_parse_address(const char *s, char **ret_address, char **ret_subnet)
{
	_cleanup_free_ char *addr = NULL, *subnet = NULL;
	unsigned char buf[16];
	const char *slash = strchr(s, '/');
	bool v6;
	uint32_t prefix;

	if (!slash || slash == s || !slash[1])
		return -EINVAL;
	addr = strndup(s, (size_t)(slash - s));
	if (!addr)
		return -ENOMEM;
	v6 = strchr(addr, ':') != NULL;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, buf) != 1)
		return -EINVAL;

	if (!v6 && inet_pton(AF_INET, slash + 1, buf) == 1) {
		/* A/255.255.255.0: take the mask as written. */
		subnet = strdup(slash + 1);
	} else {
		if (safe_atou32(slash + 1, &prefix) < 0 || prefix > (v6 ? 128u : 32u))
			return -EINVAL;
		if (v6) {
			if (asprintf(&subnet, "%u", prefix) < 0)
				subnet = NULL;
		} else {
			uint32_t mask = prefix ? ~0u << (32 - prefix) : 0;

			if (asprintf(&subnet, "%u.%u.%u.%u", mask >> 24, mask >> 16 & 0xff,
				     mask >> 8 & 0xff, mask & 0xff) < 0)
				subnet = NULL;
		}
	}
	if (!subnet)
		return -ENOMEM;
	*ret_address = TAKE_PTR(addr);
	*ret_subnet = TAKE_PTR(subnet);
	return 0;
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	log_error("%s", msg);
	return -EINVAL;
}

/* getopt_long over argv[0..argc) where argv[0] is the command's name. */
struct opt_loop {
	const char *cmd;
	int argc;
	char **argv;
};

static int bad_option(const struct opt_loop *l, int c, int index)
{
	const char *arg = index > 0 && index <= l->argc ? l->argv[index - 1] : "?";

	if (c == ':')
		log_error("%s: option '%s' needs an argument", l->cmd, arg);
	else
		log_error("%s: unknown option '%s'", l->cmd, arg);
	return -EINVAL;
}

static int parse_unsigned(const char *cmd, const char *what, const char *s, unsigned min,
			  unsigned max, unsigned *ret)
{
	uint32_t v;

	if (safe_atou32(s, &v) < 0 || v < min || v > max) {
		log_error("%s: %s must be a number from %u to %u, not '%s'", cmd, what, min, max,
			  s);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

static int bad_image(const char *what, const char *path, int r)
{
	if (r == -EINVAL)
		return usage_error("%s %s: not a regular file or block device", what, path);
	return usage_error("%s %s: %s", what, path, strerror(-r));
}

static int bad_id(const char *cmd, const char *id)
{
	return usage_error("%s: '%s' is not a QEMU id (a letter, then letters, digits, '-', '.', "
			   "'_')",
			   cmd, id);
}

static int want_args(const char *cmd, int have, int min, int max, const char *synopsis)
{
	if (have < min || have > max) {
		log_error("%s: %s arguments; usage: %s", cmd, have < min ? "missing" : "too many",
			  synopsis);
		return -EINVAL;
	}
	return 0;
}

enum {
	OPT_KERNEL = 0x100,
	OPT_INITRD,
	OPT_APPEND,
	OPT_SMP,
	OPT_MEM,
	OPT_QEMU,
	OPT_NO_HV,
	OPT_NO_ICS,
	OPT_DEVICE,
	OPT_MAC,
	OPT_VMBUS_VERSION,
	OPT_DISK,
	OPT_DISK_CONTROLLER,
	OPT_NIC,
	OPT_DRIVE,
	OPT_TYPE,
	OPT_DHCP,
	OPT_ADDRESS,
	OPT_GATEWAY,
	OPT_DNS,
	OPT_EXEC,
	OPT_FORCE,
	OPT_CREATE_FULL_PATH,
	OPT_REBOOT,
	OPT_WAIT,
	OPT_TIMEOUT,
	OPT_CHECKPOINT,
	OPT_CHECKPOINT_DIR,
	OPT_ID,
	OPT_LUN,
	OPT_CONTROLLER,
	OPT_MODEL,
	OPT_NIC_MAC,
	OPT_JSON,
	OPT_DIR,
	OPT_QMP_TIMEOUT,
	OPT_HELP,
};

static int parse_boot(int argc, char **argv, struct hvhost_args *a)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, OPT_KERNEL },
		{ "initrd", required_argument, NULL, OPT_INITRD },
		{ "append", required_argument, NULL, OPT_APPEND },
		{ "smp", required_argument, NULL, OPT_SMP },
		{ "mem", required_argument, NULL, OPT_MEM },
		{ "qemu", required_argument, NULL, OPT_QEMU },
		{ "no-hv", no_argument, NULL, OPT_NO_HV },
		{ "no-ics", no_argument, NULL, OPT_NO_ICS },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "mac", required_argument, NULL, OPT_MAC },
		{ "vmbus-version", required_argument, NULL, OPT_VMBUS_VERSION },
		{ "disk", required_argument, NULL, OPT_DISK },
		{ "disk-controller", required_argument, NULL, OPT_DISK_CONTROLLER },
		{ "nic", required_argument, NULL, OPT_NIC },
		{ "drive", required_argument, NULL, OPT_DRIVE },
		{},
	};
	struct opt_loop l = { "boot", argc, argv };
	const char *controller = NULL, *format;
	bool nic_none = false;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case OPT_KERNEL:
			a->kernel = optarg;
			break;
		case OPT_INITRD:
			a->initrd = optarg;
			break;
		case OPT_APPEND:
			a->append = optarg;
			break;
		case OPT_SMP:
			if (parse_unsigned("boot", "--smp", optarg, 1, 64, &a->smp) < 0)
				return -EINVAL;
			break;
		case OPT_MEM:
			if (parse_unsigned("boot", "--mem (MiB)", optarg, 64, 1048576, &a->mem_mb) <
			    0)
				return -EINVAL;
			break;
		case OPT_QEMU:
			a->qemu = optarg;
			break;
		case OPT_NO_HV:
			a->no_hv = true;
			break;
		case OPT_NO_ICS:
			a->no_ics = true;
			break;
		case OPT_VMBUS_VERSION: {
			unsigned major, minor;
			char junk;

			/* QEMU checks it is one it implements; here only the form. */
			if (sscanf(optarg, "%u.%u%c", &major, &minor, &junk) != 2 ||
			    strchr(optarg, ',') || major > 0xffff || minor > 0xffff)
				return usage_error("boot: --vmbus-version needs MAJOR.MINOR, e.g. 4.0");
			a->vmbus_version = optarg;
			break;
		}
		case OPT_DEVICE:
		case OPT_DRIVE: {
			/* Both go to QEMU verbatim. */
			const char *what = c == OPT_DRIVE ? "drive" : "device";

			if (!*optarg)
				return usage_error("boot: --%s needs a QEMU %s", what, what);
			r = strv_extend(c == OPT_DRIVE ? &a->drives : &a->devices, optarg);
			if (r < 0)
				return r;
			break;
		}
		case OPT_MAC:
			if (hvhost_parse_mac(optarg, a->mac) < 0)
				return usage_error("boot: '%s' is not a MAC address", optarg);
			a->mac_given = true;
			break;
		case OPT_DISK:
			r = hvhost_probe_image(optarg, &format);
			if (r < 0)
				return bad_image("boot: --disk", optarg, r);
			if (strv_length(a->disks) >= HVHOST_MAX_BOOT_DISKS)
				return usage_error("boot: at most %u --disk",
						   HVHOST_MAX_BOOT_DISKS);
			r = strv_extend(&a->disks, optarg);
			if (r == 0)
				r = strv_extend(&a->disk_formats, format);
			if (r < 0)
				return r;
			break;
		case OPT_DISK_CONTROLLER:
			if (!streq(optarg, "hv") && !streq(optarg, "virtio-scsi"))
				return usage_error(
					"boot: --disk-controller must be hv or virtio-scsi, not '%s'",
					optarg);
			controller = optarg;
			break;
		case OPT_NIC:
			if (streq(optarg, "none")) {
				nic_none = true;
				break;
			}
			if (!hvhost_nic_driver(optarg))
				return usage_error(
					"boot: --nic must be hv, virtio or none, not '%s'", optarg);
			if (strv_length(a->nics) >= HVHOST_MAX_BOOT_NICS)
				return usage_error("boot: at most %u --nic", HVHOST_MAX_BOOT_NICS);
			r = strv_extend(&a->nics, optarg);
			if (r < 0)
				return r;
			break;
		default:
			return bad_option(&l, c, optind);
		}
	}
	if (nic_none && a->nics)
		return usage_error("boot: --nic none means no NIC: not with other --nic");
	/* Today's default: one virtio NIC. */
	if (!nic_none && !a->nics) {
		r = strv_extend(&a->nics, "virtio");
		if (r < 0)
			return r;
	}
	if (a->no_hv && strv_contains(a->nics, "hv"))
		return usage_error("boot: --nic hv is a VMBus device: not with --no-hv");
	if (a->no_hv && streq_ptr(controller, "hv"))
		return usage_error(
			"boot: --disk-controller hv is a VMBus device: not with --no-hv");
	/* A controller when there are disks, or when asked for (disks hot added later). */
	if (controller || a->disks) {
		if (!controller)
			controller = a->no_hv ? "virtio-scsi" : "hv";
		a->disk_controller = streq(controller, "hv") ? "hv-scsi" : "virtio-scsi-pci";
	}
	if (want_args("boot", argc - optind, 0, 0, "boot --kernel VMLINUZ --initrd INITRD ...") < 0)
		return -EINVAL;
	if (!a->kernel || !*a->kernel)
		return usage_error("boot: --kernel VMLINUZ is required");
	if (!a->initrd || !*a->initrd)
		return usage_error("boot: --initrd INITRD is required");
	if (!a->qemu || !*a->qemu)
		a->qemu = getenv("HVHOST_QEMU");
#ifdef HVHOST_DEFAULT_QEMU
	/* The build's choice (CMake's HVHOST_QEMU, what build-qemu.sh printed). */
	if (!a->qemu || !*a->qemu)
		a->qemu = HVHOST_DEFAULT_QEMU;
#endif
	if (!a->qemu || !*a->qemu)
		return usage_error("boot: no QEMU: give --qemu BIN or set HVHOST_QEMU");
	return 0;
}

static int parse_kvp(int argc, char **argv, struct hvhost_args *a)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, OPT_TYPE },
		{},
	};
	struct opt_loop l = { "kvp", argc, argv };
	const char *sub;
	int c, n;
	char **pos;

	if (argc < 2)
		return usage_error("kvp: missing subcommand (list, get, set, delete)");
	sub = argv[1];
	l.cmd = sub;
	argc--;
	argv++;
	l.argc = argc;
	l.argv = argv;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case OPT_TYPE:
			if (!streq(optarg, "u32") && !streq(optarg, "u64") &&
			    !streq(optarg, "string"))
				return usage_error("kvp set: --type must be u32 or u64, not '%s'",
						   optarg);
			a->value_type = streq(optarg, "string") ? NULL : optarg;
			break;
		default:
			return bad_option(&l, c, optind);
		}
	}
	pos = argv + optind;
	n = argc - optind;

	if (a->value_type && !streq(sub, "set"))
		return usage_error("kvp %s: --type is only for kvp set", sub);
	if (streq(sub, "list")) {
		a->cmd = HVHOST_CMD_KVP_LIST;
		if (want_args("kvp list", n, 0, 1, "kvp list [POOL]") < 0)
			return -EINVAL;
		a->pool = HVHOST_POOL_ALL;
	} else if (streq(sub, "get")) {
		a->cmd = HVHOST_CMD_KVP_GET;
		if (want_args("kvp get", n, 2, 2, "kvp get POOL KEY") < 0)
			return -EINVAL;
	} else if (streq(sub, "set")) {
		a->cmd = HVHOST_CMD_KVP_SET;
		if (want_args("kvp set", n, 3, 3, "kvp set POOL KEY VALUE [--type u32|u64]") < 0)
			return -EINVAL;
		a->value = pos[2];
	} else if (streq(sub, "delete")) {
		a->cmd = HVHOST_CMD_KVP_DELETE;
		if (want_args("kvp delete", n, 2, 2, "kvp delete POOL KEY") < 0)
			return -EINVAL;
	} else {
		return usage_error("kvp: unknown subcommand '%s' (list, get, set, delete)", sub);
	}
	if (n >= 1 && hvhost_parse_pool(pos[0], &a->pool) < 0)
		return usage_error("kvp: unknown pool '%s' (external, guest, auto, auto_external, "
				   "auto_internal or 0-4)",
				   pos[0]);
	if (n >= 2) {
		a->key = pos[1];
		if (!*a->key)
			return usage_error("kvp: the key must not be empty");
	}
	if (a->value_type) {
		uint64_t v64;
		uint32_t v32;

		if ((streq(a->value_type, "u32") && safe_atou32(a->value, &v32) < 0) ||
		    (streq(a->value_type, "u64") && safe_atou64(a->value, &v64) < 0))
			return usage_error("kvp set: '%s' is not a number of that type", a->value);
	}
	return 0;
}

static int parse_ip(int argc, char **argv, struct hvhost_args *a)
{
	static const struct option opts[] = {
		{ "dhcp", no_argument, NULL, OPT_DHCP },
		{ "address", required_argument, NULL, OPT_ADDRESS },
		{ "gateway", required_argument, NULL, OPT_GATEWAY },
		{ "dns", required_argument, NULL, OPT_DNS },
		{},
	};
	struct opt_loop l = { "ip", argc, argv };
	unsigned char buf[16];
	const char *sub;
	int c, n, r;
	char **pos;

	if (argc < 2)
		return usage_error("ip: missing subcommand (get, set)");
	sub = argv[1];
	argc--;
	argv++;
	l.cmd = sub;
	l.argc = argc;
	l.argv = argv;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		char *addr = NULL, *subnet = NULL;

		switch (c) {
		case OPT_DHCP:
			a->dhcp = true;
			break;
		case OPT_ADDRESS:
			r = hvhost_parse_address(optarg, &addr, &subnet);
			if (r == -ENOMEM)
				return r;
			if (r < 0)
				return usage_error("ip set: --address '%s' is not ADDRESS/PREFIX",
						   optarg);
			r = strv_push(&a->addresses, addr);
			if (r < 0) {
				free(addr);
				free(subnet);
				return r;
			}
			r = strv_push(&a->subnets, subnet);
			if (r < 0) {
				free(subnet);
				return r;
			}
			break;
		case OPT_GATEWAY:
		case OPT_DNS:
			if (inet_pton(strchr(optarg, ':') ? AF_INET6 : AF_INET, optarg, buf) != 1)
				return usage_error("ip set: '%s' is not an IP address", optarg);
			r = strv_extend(c == OPT_GATEWAY ? &a->gateways : &a->dns, optarg);
			if (r < 0)
				return r;
			break;
		default:
			return bad_option(&l, c, optind);
		}
	}
	pos = argv + optind;
	n = argc - optind;

	if (streq(sub, "get")) {
		a->cmd = HVHOST_CMD_IP_GET;
		if (a->dhcp || a->addresses || a->gateways || a->dns)
			return usage_error("ip get: options are only for ip set");
		if (want_args("ip get", n, 1, 1, "ip get MAC") < 0)
			return -EINVAL;
	} else if (streq(sub, "set")) {
		a->cmd = HVHOST_CMD_IP_SET;
		if (want_args("ip set", n, 2, 2,
			      "ip set MAC ADAPTER-ID [--dhcp] [--address A/P]... [--gateway G]... "
			      "[--dns D]...") < 0)
			return -EINVAL;
		a->adapter_id = pos[1];
		if (!*a->adapter_id)
			return usage_error("ip set: ADAPTER-ID must not be empty");
	} else {
		return usage_error("ip: unknown subcommand '%s' (get, set)", sub);
	}
	if (hvhost_parse_mac(pos[0], a->mac) < 0)
		return usage_error("ip: '%s' is not a MAC address", pos[0]);
	return 0;
}

/* Commands whose only options are in this table and that take no words, or the few given. */
static int parse_simple(int argc, char **argv, struct hvhost_args *a, const char *synopsis, int min,
			int max, bool stop_at_word)
{
	static const struct option opts[] = {
		{ "exec", required_argument, NULL, OPT_EXEC },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "create-full-path", no_argument, NULL, OPT_CREATE_FULL_PATH },
		{ "reboot", no_argument, NULL, OPT_REBOOT },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "checkpoint", no_argument, NULL, OPT_CHECKPOINT },
		{ "checkpoint-dir", required_argument, NULL, OPT_CHECKPOINT_DIR },
		{ "id", required_argument, NULL, OPT_ID },
		{ "lun", required_argument, NULL, OPT_LUN },
		{ "controller", required_argument, NULL, OPT_CONTROLLER },
		{ "model", required_argument, NULL, OPT_MODEL },
		{ "mac", required_argument, NULL, OPT_NIC_MAC },
		{},
	};
	/* Which of the options above each command accepts. */
	static const struct {
		enum hvhost_cmd cmd;
		const char *allowed;
	} allowed[] = {
		{ HVHOST_CMD_BACKUP, "exec checkpoint checkpoint-dir" },
		{ HVHOST_CMD_DISK_ADD, "id lun controller" },
		{ HVHOST_CMD_DISK_DEL, "wait" },
		{ HVHOST_CMD_NIC_ADD, "id mac model" },
		{ HVHOST_CMD_NIC_DEL, "wait" },
		{ HVHOST_CMD_COPY_VMFILE, "force create-full-path" },
		{ HVHOST_CMD_STOP_VM, "reboot force wait" },
		{ HVHOST_CMD_EXEC, "timeout" },
		{ HVHOST_CMD_WAIT_AGENT, "timeout" },
	};
	struct opt_loop l = { argv[0], argc, argv };
	const char *ok = "";
	struct stat st;
	unsigned lun;
	int c, idx, n;

	for (size_t i = 0; i < ELEMENTSOF(allowed); i++)
		if (allowed[i].cmd == a->cmd)
			ok = allowed[i].allowed;

	optind = 0;
	while ((c = getopt_long(argc, argv, stop_at_word ? "+:" : ":", opts, &idx)) != -1) {
		const char *name;
		const char *hit;
		size_t len;

		if (c < OPT_EXEC || c > OPT_NIC_MAC)
			return bad_option(&l, c, optind);
		/* Accept an option only where it means something. */
		name = opts[c - OPT_EXEC].name;
		len = strlen(name);
		hit = strstr(ok, name);
		while (hit && ((hit != ok && hit[-1] != ' ') || (hit[len] && hit[len] != ' ')))
			hit = strstr(hit + 1, name);
		if (!hit) {
			log_error("%s: unknown option '--%s'", argv[0], name);
			return -EINVAL;
		}

		switch (c) {
		case OPT_EXEC:
			if (!*optarg)
				return usage_error("backup: --exec needs a command");
			a->exec_command = optarg;
			break;
		case OPT_FORCE:
			a->force = true;
			break;
		case OPT_CREATE_FULL_PATH:
			a->create_full_path = true;
			break;
		case OPT_REBOOT:
			a->reboot = true;
			break;
		case OPT_WAIT:
		case OPT_TIMEOUT:
			if (hvhost_parse_seconds(optarg, c == OPT_WAIT ? &a->wait_usec :
									 &a->timeout_usec) < 0 ||
			    (c == OPT_TIMEOUT && a->timeout_usec == 0))
				return usage_error("'%s' is not a (positive) number of seconds",
						   optarg);
			break;
		case OPT_CHECKPOINT:
			a->checkpoint = true;
			break;
		case OPT_CHECKPOINT_DIR:
			if (stat(optarg, &st) < 0 || !S_ISDIR(st.st_mode))
				return usage_error("backup: --checkpoint-dir %s is not a directory",
						   optarg);
			a->checkpoint_dir = optarg;
			break;
		case OPT_ID:
		case OPT_CONTROLLER:
			if (!hvhost_id_valid(optarg))
				return bad_id(argv[0], optarg);
			*(c == OPT_ID ? &a->device_id : &a->controller) = optarg;
			break;
		case OPT_LUN:
			if (parse_unsigned(argv[0], "--lun", optarg, 0, HVHOST_MAX_LUN, &lun) < 0)
				return -EINVAL;
			a->lun = (int)lun;
			break;
		case OPT_MODEL:
			if (!hvhost_nic_driver(optarg))
				return usage_error(
					"nic-add: --model must be hv or virtio, not '%s'", optarg);
			a->nic_model = optarg;
			break;
		case OPT_NIC_MAC:
			if (hvhost_parse_mac(optarg, a->mac) < 0)
				return usage_error("nic-add: '%s' is not a MAC address", optarg);
			a->mac_given = true;
			break;
		default:
			return bad_option(&l, c, optind);
		}
	}
	n = argc - optind;
	if (want_args(argv[0], n, min, max, synopsis) < 0)
		return -EINVAL;
	return optind;
}

static int join_words(char **words, int n, char **ret)
{
	size_t len = 1;
	char *s, *p;

	for (int i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	s = p = malloc(len);
	if (!s)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		size_t l = strlen(words[i]);

		if (i)
			*p++ = ' ';
		memcpy(p, words[i], l);
		p += l;
	}
	*p = '\0';
	*ret = s;
	return 0;
}

/* TYPE[,PROP=VALUE...] with neither driver= nor id= among the properties. */
static bool device_spec_valid(const char *spec)
{
	const char *p = strchr(spec, ',');

	if (p == spec)
		return false;
	while (p) {
		const char *prop = p + 1, *next = strchr(prop, ','), *eq = strchr(prop, '=');
		size_t len = next ? (size_t)(next - prop) : strlen(prop);

		if (!eq || eq == prop || (size_t)(eq - prop) >= len ||
		    startswith(prop, "driver=") || startswith(prop, "id="))
			return false;
		p = next;
	}
	return true;
}

static const struct {
	const char *name;
	enum hvhost_cmd cmd;
	const char *synopsis;
	int min, max;
} simple_cmds[] = {
	{ "backup", HVHOST_CMD_BACKUP, "backup [--checkpoint [--checkpoint-dir DIR]] [--exec CMD]",
	  0, 0 },
	{ "copy-vmfile", HVHOST_CMD_COPY_VMFILE,
	  "copy-vmfile SRC DEST [--force] [--create-full-path]", 2, 2 },
	{ "stop-vm", HVHOST_CMD_STOP_VM, "stop-vm [--reboot] [--force] [--wait S]", 0, 0 },
	{ "heartbeat", HVHOST_CMD_HEARTBEAT, "heartbeat", 0, 0 },
	{ "ics", HVHOST_CMD_ICS, "ics", 0, 0 },
	{ "timesync", HVHOST_CMD_TIMESYNC, "timesync", 0, 0 },
	{ "device-add", HVHOST_CMD_DEVICE_ADD, "device-add TYPE[,PROP=VALUE...] [ID]", 1, 2 },
	{ "device-del", HVHOST_CMD_DEVICE_DEL, "device-del ID", 1, 1 },
	{ "disk-add", HVHOST_CMD_DISK_ADD, "disk-add FILE [--id ID] [--lun N] [--controller ID]", 1,
	  1 },
	{ "disk-del", HVHOST_CMD_DISK_DEL, "disk-del ID [--wait S]", 1, 1 },
	{ "nic-add", HVHOST_CMD_NIC_ADD, "nic-add [--id ID] [--mac MAC] [--model hv|virtio]", 0,
	  0 },
	{ "nic-del", HVHOST_CMD_NIC_DEL, "nic-del ID [--wait S]", 1, 1 },
	{ "link", HVHOST_CMD_LINK, "link ID up|down", 2, 2 },
	{ "exec", HVHOST_CMD_EXEC, "exec [--timeout S] -- CMD...", 1, INT32_MAX },
	{ "wait-agent", HVHOST_CMD_WAIT_AGENT, "wait-agent [--timeout S]", 0, 0 },
	{ "quit", HVHOST_CMD_QUIT, "quit", 0, 0 },
};

static int parse_command(int argc, char **argv, struct hvhost_args *a)
{
	const char *name = argv[0];
	int first, r;

	if (streq(name, "boot")) {
		a->cmd = HVHOST_CMD_BOOT;
		return parse_boot(argc, argv, a);
	}
	if (streq(name, "kvp"))
		return parse_kvp(argc, argv, a);
	if (streq(name, "ip"))
		return parse_ip(argc, argv, a);
	if (streq(name, "help")) {
		a->cmd = HVHOST_CMD_HELP;
		return 0;
	}

	for (size_t i = 0; i < ELEMENTSOF(simple_cmds); i++) {
		if (!streq(name, simple_cmds[i].name))
			continue;
		a->cmd = simple_cmds[i].cmd;
		if (a->cmd == HVHOST_CMD_DISK_DEL || a->cmd == HVHOST_CMD_NIC_DEL)
			a->wait_usec = HVHOST_DEFAULT_UNPLUG_WAIT_USEC;
		first = parse_simple(argc, argv, a, simple_cmds[i].synopsis, simple_cmds[i].min,
				     simple_cmds[i].max, a->cmd == HVHOST_CMD_EXEC);
		if (first < 0)
			return first;
		switch (a->cmd) {
		case HVHOST_CMD_COPY_VMFILE:
			a->source = argv[first];
			a->destination = argv[first + 1];
			if (!*a->source || !*a->destination)
				return usage_error("copy-vmfile: empty path");
			break;
		case HVHOST_CMD_DEVICE_ADD:
			a->device_type = argv[first];
			a->device_id = first + 1 < argc ? argv[first + 1] : NULL;
			if (!*a->device_type || (a->device_id && !*a->device_id))
				return usage_error("device-add: empty TYPE or ID");
			if (!device_spec_valid(a->device_type))
				return usage_error(
					"device-add: '%s' is not TYPE[,PROPERTY=VALUE...]",
					a->device_type);
			break;
		case HVHOST_CMD_DEVICE_DEL:
			a->device_id = argv[first];
			if (!*a->device_id)
				return usage_error("device-del: empty ID");
			break;
		case HVHOST_CMD_BACKUP:
			if (a->checkpoint_dir && !a->checkpoint)
				return usage_error(
					"backup: --checkpoint-dir goes with --checkpoint");
			break;
		case HVHOST_CMD_DISK_ADD:
			a->disk_file = argv[first];
			r = hvhost_probe_image(a->disk_file, &a->disk_format);
			if (r < 0)
				return bad_image("disk-add:", a->disk_file, r);
			/* The id is also the block node's name, which QEMU caps at 31 bytes. */
			if (a->device_id && strlen(a->device_id) > 31)
				return usage_error("disk-add: --id %s is longer than 31 characters",
						   a->device_id);
			break;
		case HVHOST_CMD_DISK_DEL:
		case HVHOST_CMD_NIC_DEL:
		case HVHOST_CMD_LINK:
			a->device_id = argv[first];
			if (!hvhost_id_valid(a->device_id))
				return bad_id(name, a->device_id);
			if (a->cmd != HVHOST_CMD_LINK && a->wait_usec == 0)
				return usage_error("%s: --wait must be more than 0 s", name);
			if (a->cmd == HVHOST_CMD_LINK) {
				if (!streq(argv[first + 1], "up") &&
				    !streq(argv[first + 1], "down"))
					return usage_error(
						"link: the state is up or down, not '%s'",
						argv[first + 1]);
				a->link_up = streq(argv[first + 1], "up");
			}
			break;
		case HVHOST_CMD_NIC_ADD:
			if (!a->nic_model)
				a->nic_model = "hv";
			break;
		case HVHOST_CMD_EXEC:
			if (join_words(argv + first, argc - first, &a->command) < 0)
				return -ENOMEM;
			if (!*a->command)
				return usage_error("exec: empty command");
			break;
		default:
			break;
		}
		return 0;
	}
	return usage_error("unknown command '%s'", name);
}

int hvhost_args_parse(int argc, char **argv, struct hvhost_args *ret)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "dir", required_argument, NULL, OPT_DIR },
		{ "qmp-timeout", required_argument, NULL, OPT_QMP_TIMEOUT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, OPT_HELP },
		{},
	};
	struct hvhost_args a = {
		.qmp_timeout_usec = 60ULL * USEC_PER_SEC,
		.smp = HVHOST_DEFAULT_SMP,
		.mem_mb = HVHOST_DEFAULT_MEM_MB,
		.mac = HVHOST_DEFAULT_MAC,
		.pool = HVHOST_POOL_ALL,
		.wait_usec = HVHOST_DEFAULT_STOP_WAIT_USEC,
		.lun = -1,
	};
	struct opt_loop l = { "hvhost", argc, argv };
	bool help = false;
	int c, r;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+:vh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			a.json = true;
			break;
		case OPT_DIR:
			if (!*optarg)
				return usage_error("--dir needs a directory");
			a.dir = optarg;
			break;
		case OPT_QMP_TIMEOUT:
			if (hvhost_parse_seconds(optarg, &a.qmp_timeout_usec) < 0 ||
			    a.qmp_timeout_usec == 0)
				return usage_error("--qmp-timeout: '%s' is not a number of seconds",
						   optarg);
			break;
		case 'v':
			a.verbose = true;
			break;
		case 'h':
		case OPT_HELP:
			help = true;
			break;
		default:
			return bad_option(&l, c, optind);
		}
	}
	if (help) {
		a.cmd = HVHOST_CMD_HELP;
		*ret = a;
		return 0;
	}
	if (optind >= argc)
		return usage_error("no command given");

	r = parse_command(argc - optind, argv + optind, &a);
	if (r < 0) {
		hvhost_args_done(&a);
		return r;
	}
	if (a.cmd == HVHOST_CMD_EXEC && !a.timeout_usec)
		a.timeout_usec = HVHOST_DEFAULT_EXEC_TIMEOUT_USEC;
	if (a.cmd == HVHOST_CMD_WAIT_AGENT && !a.timeout_usec)
		a.timeout_usec = HVHOST_DEFAULT_AGENT_TIMEOUT_USEC;
	*ret = a;
	return 0;
}

void hvhost_args_done(struct hvhost_args *a)
{
	a->devices = strv_free(a->devices);
	a->drives = strv_free(a->drives);
	a->disks = strv_free(a->disks);
	a->disk_formats = strv_free(a->disk_formats);
	a->nics = strv_free(a->nics);
	a->addresses = strv_free(a->addresses);
	a->subnets = strv_free(a->subnets);
	a->gateways = strv_free(a->gateways);
	a->dns = strv_free(a->dns);
	free(a->command);
	a->command = NULL;
}
