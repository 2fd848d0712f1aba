/* SPDX-License-Identifier: MIT */
/*
 * A scripted QMP server for hvhost's tests, on a thread: it greets, then
 * for each step reads one request, checks the command's name and writes
 * the step's reply with "%ID%" replaced by the request's id.
 */
#ifndef TEST_HVHOST_FAKE_H
#define TEST_HVHOST_FAKE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "hvhost.h"

struct fake_qmp;

struct fake_step {
	const char *expect; /* the "execute" name the request must carry */
	const char *reply; /* lines to send back ("%ID%" = the request's id); NULL: hang up */
	/* What QEMU would do before it answers (last_args holds the request's arguments). */
	void (*act)(struct fake_qmp *f);
};

struct fake_qmp {
	int fd; /* the server's end */
	int listen_fd; /* >= 0: accept one connection on it first */
	const char *greeting; /* NULL: the usual QEMU 7.2 greeting; "" none */
	const struct fake_step *steps;
	size_t n_steps;
	bool linger; /* after the last step, keep the connection open until EOF */
	pthread_t thread;
	/* results, read after fake_qmp_join() */
	size_t done; /* steps completed */
	unsigned reconnects; /* connections accepted after the first */
	char mismatch[256]; /* first unexpected request, "" if none */
	char last_args[4096]; /* "arguments" of the last request, as JSON */
	char all_args[16384]; /* every request's "execute arguments" line, for the tests */
};

#define FAKE_GREETING                                                                     \
	"{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, " \
	"\"package\": \"\"}, \"capabilities\": [\"oob\"]}}\n"

#define FAKE_CAPS                                                      \
	{                                                              \
		"qmp_capabilities", "{\"return\": {}, \"id\": %ID%}\n" \
	}

/* Start serving on fd (a socketpair end or an accepted connection). */
void fake_qmp_start(struct fake_qmp *f);
/* Wait for the script to end; closes the server's end. */
void fake_qmp_join(struct fake_qmp *f);

/*
 * A whole command against the fake: a VM directory whose qmp.sock the fake
 * serves (reconnects included), argv parsed as hvhost would, stdout
 * captured. One per test, in E.
 */
struct fake_vm {
	char *dir;
	int listen_fd;
	struct fake_qmp fake;
	struct hvhost_args args;
	struct hvhost h;
	char *words[32];
	size_t n_words;
	int saved_stdout;
	char *out_path;
};

extern struct fake_vm E;

/* Serve steps on E.dir/qmp.sock and parse the NULL-terminated words after "hvhost". */
void fake_vm_setup(const struct fake_step *steps, size_t n, ...);
/* End the session; returns what the command printed (caller frees). */
char *fake_vm_finish(void);
/*
 * fake_vm_setup, cmd, a check that it returned want, fake_vm_finish: what
 * cmd printed. FAKE_RUN(steps, cmd, want, words...) for a steps array.
 */
char *fake_vm_run(const struct fake_step *steps, size_t n, int (*cmd)(struct hvhost *h), int want,
		  ...);
#define FAKE_RUN(steps, cmd, want, ...) \
	fake_vm_run(steps, sizeof(steps) / sizeof((steps)[0]), cmd, want, __VA_ARGS__, NULL)
/* A log sink that drops everything (the tests check results, not messages). */
void fake_quiet_log(int level, const char *message, void *userdata);

#endif /* TEST_HVHOST_FAKE_H */
