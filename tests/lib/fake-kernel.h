/* SPDX-License-Identifier: MIT */
/*
 * The kernel's end of a utility device, for tests: a SOCK_SEQPACKET socket
 * a daemon opens instead of /dev/vmbus/hv_*. Message boundaries are kept
 * (one message per read, like the device); the test plays the utility
 * driver: it takes the registration first, then hands one request at a time
 * and reads the reply. fk_reset() drops the daemon, as hibernation or a
 * driver reload does.
 */
#ifndef HV_FAKE_KERNEL_H
#define HV_FAKE_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct fake_kernel;

/* Listen at path (removed first if it exists). */
struct fake_kernel *fk_new(const char *path);
struct fake_kernel *fk_free(struct fake_kernel *fk);
const char *fk_path(const struct fake_kernel *fk);

/* Wait for a daemon to connect; a previous connection is dropped. 0 or -errno. */
int fk_accept(struct fake_kernel *fk, int timeout_ms);
bool fk_connected(const struct fake_kernel *fk);

/* One message from the daemon. Returns its length, -EMSGSIZE if it did not fit, -ETIMEDOUT, -EPIPE. */
ssize_t fk_recv(struct fake_kernel *fk, void *buf, size_t size, int timeout_ms);
/* One message to the daemon. */
int fk_send(struct fake_kernel *fk, const void *buf, size_t len);
/* Send a request and wait for the reply; returns the reply length. */
ssize_t fk_transact(struct fake_kernel *fk, const void *req, size_t req_len, void *reply,
		    size_t reply_size, int timeout_ms);

/*
 * Accept a daemon and complete its registration: expect a message of
 * exactly reg_len bytes whose first reg_match_len bytes equal reg_match,
 * answer with answer/answer_len. 0 or -errno (-EPROTO on a bad registration).
 */
int fk_register(struct fake_kernel *fk, size_t reg_len, const void *reg_match,
		size_t reg_match_len, const void *answer, size_t answer_len, int timeout_ms);

/* Drop the daemon's connection (device reset). */
void fk_reset(struct fake_kernel *fk);

#endif /* HV_FAKE_KERNEL_H */
