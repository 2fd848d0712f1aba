/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the check suites: scratch directories, child daemons, suite
 * runner with the conventions of this tree (exit 77 = skipped).
 */
#ifndef HV_TESTLIB_H
#define HV_TESTLIB_H

#include <check.h>
#include <stdbool.h>
#include <sys/types.h>

#define TL_EXIT_SKIP 77

/* A fresh directory under $TMPDIR (or /tmp); caller frees the string. */
char *tl_mkdtemp(const char *tag);
/* Remove a tree (unmounts nothing; tests unmount their own mounts). */
void tl_rm_rf(const char *path);
/* Write a whole file (creating parents). Aborts the test on failure. */
void tl_write_file(const char *path, const char *content);
/* Read a whole file into a malloc'ed NUL-terminated string, or NULL. */
char *tl_read_file(const char *path, size_t *ret_size);

/* fork+exec argv[0] with argv; stdin from /dev/null. Returns pid or -errno. */
pid_t tl_spawn(char *const argv[]);
/* Wait for a child; returns its exit status, 128+signal, or -ETIMEDOUT. */
int tl_wait(pid_t pid, int timeout_ms);
/* Send sig and wait; returns what tl_wait returns. */
int tl_kill_wait(pid_t pid, int sig, int timeout_ms);

/* Exit 77 with a message unless running as root. */
void tl_require_root(const char *why);

/* Add @t to @s in a TCase of its own named @name (one TCase per behaviour). */
void tl_add_test(Suite *s, const char *name, const TTest *t);

/* Run a suite; returns the process exit code (0 pass, 1 fail). */
int tl_run_suite(Suite *s);

#endif /* HV_TESTLIB_H */
