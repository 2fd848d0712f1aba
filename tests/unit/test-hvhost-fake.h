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

struct fake_step {
	const char *expect; /* the "execute" name the request must carry */
	const char *reply; /* lines to send back ("%ID%" = the request's id); NULL: hang up */
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

/* Start serving on fd (a socketpair end or an accepted connection). */
void fake_qmp_start(struct fake_qmp *f);
/* Wait for the script to end; closes the server's end. */
void fake_qmp_join(struct fake_qmp *f);

#endif /* TEST_HVHOST_FAKE_H */
