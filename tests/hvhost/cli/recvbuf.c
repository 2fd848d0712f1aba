// SPDX-License-Identifier: MIT
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "recvbuf.h"
#include "util.h"

static int remaining_ms(uint64_t deadline)
{
	uint64_t now = now_usec(CLOCK_MONOTONIC);

	if (now >= deadline)
		return 0;
	return (int)MIN((deadline - now + 999) / 1000, (uint64_t)INT32_MAX);
}

int recvbuf_fill(struct recvbuf *b, int fd, size_t chunk, uint64_t deadline,
		 const volatile sig_atomic_t *cancel)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int r;

	if (b->cap - b->len < chunk) {
		size_t cap = MAX(b->len + chunk, b->cap * 2);
		char *p = realloc(b->buf, cap);

		if (!p)
			return -ENOMEM;
		b->buf = p;
		b->cap = cap;
	}
	for (;;) {
		if (cancel && *cancel)
			return -EINTR;
		r = poll(&pfd, 1, remaining_ms(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		n = recv(fd, b->buf + b->len, b->cap - b->len, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		b->len += (size_t)n;
		return 0;
	}
}

void recvbuf_free(struct recvbuf *b)
{
	free(b->buf);
	*b = (struct recvbuf){ 0 };
}
