/* SPDX-License-Identifier: MIT */
/*
 * A growing receive buffer on a stream socket, read with a deadline: what
 * the QMP client and the agent client both read their lines from.
 */
#pragma once

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct recvbuf {
	char *buf;
	size_t len; /* bytes held */
	size_t cap; /* bytes allocated */
};

/*
 * Waits until @deadline (CLOCK_MONOTONIC, usec) for @fd to be readable and
 * appends what one recv() returns, with room for at least @chunk bytes.
 * Returns 0 when bytes were appended, -ETIMEDOUT, -EINTR when *@cancel was
 * set, -ECONNRESET when the peer closed, -ENOMEM or another -errno.
 */
int recvbuf_fill(struct recvbuf *b, int fd, size_t chunk, uint64_t deadline,
		 const volatile sig_atomic_t *cancel);

void recvbuf_free(struct recvbuf *b);
