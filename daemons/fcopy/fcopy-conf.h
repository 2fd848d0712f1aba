/* SPDX-License-Identifier: MIT */
/*
 * hv_fcopy_daemon configuration: /etc/hyperv-tools/fcopy.conf, then the
 * command line on top.
 *
 *   [Daemon]    LogLevel=info
 *   [Transport] Type=auto|chardev|uio  Device=/dev/vmbus/hv_fcopy
 *               UioDevice=  UioRingFile=  RingSize=0  RingSizeTimeout=5s
 *   [Copy]      AllowedDirectories=  FileMode=0644  DirectoryMode=0755
 *               Preallocate=yes  BackslashSeparator=yes  WritebackBytes=8M
 *               IdleTimeout=10min  StateDirectory=/var/lib/hyperv
 */
#ifndef HV_FCOPY_CONF_H
#define HV_FCOPY_CONF_H

#include <stdbool.h>
#include <stdint.h>

#include <syslog.h>

#include "conf.h"
#include "util.h"

enum fcopy_transport {
	FCOPY_TRANSPORT_AUTO,	/* the chardev if the kernel has it, else UIO */
	FCOPY_TRANSPORT_CHARDEV,
	FCOPY_TRANSPORT_UIO,
};

#define FCOPY_DEFAULT_LOG_LEVEL		LOG_INFO
#define FCOPY_DEFAULT_CHARDEV		"/dev/vmbus/hv_fcopy"
#define FCOPY_DEFAULT_RING_TIMEOUT_USEC	(5 * USEC_PER_SEC)
#define FCOPY_DEFAULT_FILE_MODE		0644
#define FCOPY_DEFAULT_DIR_MODE		0755
#define FCOPY_DEFAULT_WRITEBACK_BYTES	(8u << 20)
#define FCOPY_DEFAULT_IDLE_USEC		(10 * 60 * USEC_PER_SEC)

struct fcopy_config {
	int log_level;
	enum fcopy_transport transport;
	char *device;			/* chardev path */
	char *uio_device;		/* NULL: find by class GUID */
	char *uio_ring_file;		/* NULL: map the uio device */
	uint64_t ring_size;		/* bytes per direction; 0: from sysfs */
	uint64_t ring_size_timeout_usec;
	char **allowed_dirs;		/* NULL: anywhere */
	uint32_t file_mode;
	uint32_t dir_mode;
	bool preallocate;
	bool backslash_separator;
	uint64_t writeback_bytes;
	uint64_t idle_timeout_usec;	/* drop a copy the host stopped feeding */
	char *state_dir;
};

/* Defaults; state_dir is the configured HV_STATEDIR. */
int fcopy_config_init(struct fcopy_config *c, const char *state_dir);
/* Apply a file on top (missing file: defaults stay). */
int fcopy_config_load(struct fcopy_config *c, const char *path, unsigned *ret_warnings);
void fcopy_config_done(struct fcopy_config *c);

/* Value parsers shared with the command line. */
int fcopy_parse_transport(const char *s, enum fcopy_transport *ret);
int fcopy_parse_size(const char *s, uint64_t *ret);	/* "8M", "16384", "1G" */
int fcopy_parse_mode(const char *s, uint32_t *ret);	/* octal, <= 07777 */

#endif /* HV_FCOPY_CONF_H */
