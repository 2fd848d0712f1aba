/* SPDX-License-Identifier: MIT */
/*
 * The hvhost command line, parsed into one structure without side effects
 * (the unit tests drive it with canned argv vectors).
 */
#ifndef HVHOST_ARGS_H
#define HVHOST_ARGS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define HVHOST_DEFAULT_SMP 2u
#define HVHOST_DEFAULT_MEM_MB 1536u
#define HVHOST_DEFAULT_MAC "00:15:5d:00:00:01" /* Hyper-V's OUI, as a Hyper-V NIC has */
#define HVHOST_DEFAULT_EXEC_TIMEOUT_USEC (600ULL * 1000000ULL)
#define HVHOST_DEFAULT_AGENT_TIMEOUT_USEC (300ULL * 1000000ULL)
#define HVHOST_DEFAULT_STOP_WAIT_USEC (120ULL * 1000000ULL)
#define HVHOST_DEFAULT_UNPLUG_WAIT_USEC (30ULL * 1000000ULL) /* disk-del, nic-del --wait */
#define HVHOST_SCSI_CONTROLLER "scsi0" /* boot's SCSI controller; its bus is scsi0.0 */
#define HVHOST_MAX_BOOT_DISKS 64u /* LUNs boot gives: Hyper-V's disks per SCSI controller */
#define HVHOST_MAX_BOOT_NICS 8u /* Hyper-V's synthetic network adapters per VM */
#define HVHOST_MAX_LUN 16383u /* virtio-scsi's; QEMU checks its controller's own limit */
#define HVHOST_POOL_ALL (-1)
#define HVHOST_N_POOLS 5

enum hvhost_cmd {
	HVHOST_CMD_BOOT,
	HVHOST_CMD_KVP_LIST,
	HVHOST_CMD_KVP_GET,
	HVHOST_CMD_KVP_SET,
	HVHOST_CMD_KVP_DELETE,
	HVHOST_CMD_IP_GET,
	HVHOST_CMD_IP_SET,
	HVHOST_CMD_BACKUP,
	HVHOST_CMD_COPY_VMFILE,
	HVHOST_CMD_STOP_VM,
	HVHOST_CMD_HEARTBEAT,
	HVHOST_CMD_ICS,
	HVHOST_CMD_TIMESYNC,
	HVHOST_CMD_DEVICE_ADD,
	HVHOST_CMD_DEVICE_DEL,
	HVHOST_CMD_DISK_ADD,
	HVHOST_CMD_DISK_DEL,
	HVHOST_CMD_NIC_ADD,
	HVHOST_CMD_NIC_DEL,
	HVHOST_CMD_LINK,
	HVHOST_CMD_EXEC,
	HVHOST_CMD_WAIT_AGENT,
	HVHOST_CMD_QUIT,
	HVHOST_CMD_HELP,
};

struct hvhost_args {
	/* global */
	bool json;
	const char *dir; /* NULL: $HVHOST_DIR, else "." */
	uint64_t qmp_timeout_usec;
	bool verbose;
	enum hvhost_cmd cmd;

	/* boot */
	const char *kernel, *initrd, *append, *qemu;
	const char *vmbus_version; /* boot --vmbus-version: newest protocol offered */
	unsigned smp, mem_mb;
	bool no_hv, no_ics;
	char **devices; /* extra -device arguments */
	char **drives; /* extra -drive arguments, verbatim */
	char **disks; /* --disk FILE: LUN i on scsi0 */
	char **disk_formats; /* "raw" or "qcow2" for each of disks, from the file's magic */
	const char *disk_controller; /* QEMU driver of scsi0 (hv-scsi ...); NULL: no controller */
	char **nics; /* --nic: "hv" or "virtio" for NIC i; empty for --nic none */
	char mac[18]; /* boot/nic-add --mac, ip get/set MAC: aa:bb:cc:dd:ee:ff */
	bool mac_given; /* --mac was on the command line */

	/* kvp */
	int pool; /* 0-4, or HVHOST_POOL_ALL */
	const char *key, *value;
	const char *value_type; /* NULL (string), "u32", "u64" */

	/* ip set */
	const char *adapter_id;
	bool dhcp;
	char **addresses, **subnets, **gateways, **dns;

	/* backup */
	const char *exec_command; /* --exec CMD, run with /bin/sh -c */
	bool checkpoint; /* --checkpoint: blockdev-snapshot-sync of every writable disk */
	const char *checkpoint_dir; /* --checkpoint-dir DIR; NULL: the VM directory */

	/* copy-vmfile */
	const char *source, *destination;
	bool force, create_full_path;

	/* stop-vm */
	bool reboot;
	uint64_t wait_usec;

	/* device-add / device-del; disk-*, nic-* and link: the device's id */
	const char *device_type, *device_id;

	/* disk-add */
	const char *disk_file, *disk_format;
	const char *controller; /* --controller ID (default scsi0) */
	int lun; /* --lun N; -1: the lowest free one */

	/* nic-add */
	const char *nic_model; /* "hv" (default) or "virtio" */

	/* link */
	bool link_up;

	/* exec / wait-agent */
	char *command; /* exec: the words after "--" joined by spaces */
	uint64_t timeout_usec;
};

/*
 * Parse argv. Returns 0, or -EINVAL for a usage error after printing what
 * is wrong (the caller prints the usage and exits 2), -ENOMEM.
 */
int hvhost_args_parse(int argc, char **argv, struct hvhost_args *ret);
void hvhost_args_done(struct hvhost_args *a);

/* "guest", "1" ... -> 1; -EINVAL for anything else. */
int hvhost_parse_pool(const char *s, int *ret);
const char *hvhost_pool_name(int pool);
/* aa:bb:cc:dd:ee:ff, aa-bb-..., or 12 hex digits (as Hyper-V writes it) -> lower-case colons. */
int hvhost_parse_mac(const char *s, char ret[18]);
/* mac + n, the 48 bits as one number (the last byte carries into the ones before; n may be < 0). */
int hvhost_mac_add(const char *mac, int64_t n, char ret[18]);
/* A disk image FILE: readable and writable regular file or block device; "qcow2" or "raw". */
int hvhost_probe_image(const char *path, const char **ret_format);
/* QEMU's rule for ids (letter first, then letters, digits, '-', '.', '_'). */
bool hvhost_id_valid(const char *id);
/* QEMU's NIC for a --nic / --model word: "hv" -> hv-net, "virtio" -> virtio-net-pci. */
const char *hvhost_nic_driver(const char *model);
/* Seconds, decimals allowed, 0 <= s <= 1e7 -> microseconds. */
int hvhost_parse_seconds(const char *s, uint64_t *ret_usec);
/* A/P -> address and subnet (dotted mask for IPv4, prefix length for IPv6, as KVP carries them). */
int hvhost_parse_address(const char *s, char **ret_address, char **ret_subnet);

void hvhost_usage(FILE *f);

#endif /* HVHOST_ARGS_H */
