/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the hv_vss_daemon tests: run the real binary against the
 * fake kernel (optionally under $HV_TEST_WRAPPER, e.g. valgrind), talk
 * VSS to it, run its CLI, write hooks.
 */
#ifndef HV_TEST_VSS_UTIL_H
#define HV_TEST_VSS_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <hyperv/vss.h>

#include "fake-kernel.h"

#define VT_TIMEOUT_MS 30000
#define VT_DAEMON HV_BINARY_DIR "/daemons/vss/hv_vss_daemon"

/*
 * Start the daemon in the foreground: --device sock --state-dir state_dir,
 * no config file, plus the NULL-terminated extra arguments. stdout and
 * stderr go to log (appended). It gets SIGTERM if the test process dies.
 */
pid_t vt_daemon_start(const char *sock, const char *state_dir, const char *log,
		      const char *const *extra);
/* Run the CLI (--thaw, --status ...) to completion; output to out_file; returns exit status. */
int vt_cli(const char *state_dir, const char *out_file, const char *const *args);

/* Complete the VSS registration (12-byte op 129, answered with u32 129). */
int vt_register(struct fake_kernel *fk);
/* Send op, wait for the 12-byte reply; returns the status or a negative errno. */
int64_t vt_request(struct fake_kernel *fk, unsigned op, int timeout_ms, struct hv_vss_msg *ret);
/* Send op without waiting. */
int vt_send(struct fake_kernel *fk, unsigned op);
/* Wait for the reply to what vt_send() sent. */
int64_t vt_reply(struct fake_kernel *fk, int timeout_ms, struct hv_vss_msg *ret);

/* A hook script in dir: appends "<name> <action>" to log, then body. */
char *vt_hook(const char *dir, const char *name, const char *log, const char *body);
/* Poll until the file's content equals (or contains) want. */
bool vt_wait_file(const char *path, const char *want, bool contains, int timeout_ms);
/* Read a file, "" if missing. */
char *vt_read(const char *path);

#endif /* HV_TEST_VSS_UTIL_H */
