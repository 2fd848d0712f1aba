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
	char mac[18]; /* boot --mac, ip get/set MAC: aa:bb:cc:dd:ee:ff */

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

	/* copy-vmfile */
	const char *source, *destination;
	bool force, create_full_path;

	/* stop-vm */
	bool reboot;
	uint64_t wait_usec;

	/* device-add / device-del */
	const char *device_type, *device_id;

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
/* Seconds, decimals allowed, 0 <= s <= 1e7 -> microseconds. */
int hvhost_parse_seconds(const char *s, uint64_t *ret_usec);
/* A/P -> address and subnet (dotted mask for IPv4, prefix length for IPv6, as KVP carries them). */
int hvhost_parse_address(const char *s, char **ret_address, char **ret_subnet);

void hvhost_usage(FILE *f);

#endif /* HVHOST_ARGS_H */
