// SPDX-License-Identifier: MIT
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fake-kernel.h"

struct fake_kernel {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int listen_fd;
	int conn_fd;
};

struct fake_kernel *fk_new(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct fake_kernel *fk;

	if (strlen(path) >= sizeof(sa.sun_path))
		return NULL;
	fk = calloc(1, sizeof(*fk));
	if (!fk)
		return NULL;
	fk->conn_fd = -1;
	strcpy(fk->path, path);
	strcpy(sa.sun_path, path);
	(void)unlink(path);
	fk->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fk->listen_fd < 0)
		goto fail;
	if (bind(fk->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	if (listen(fk->listen_fd, 4) < 0)
		goto fail;
	return fk;
fail:
	if (fk->listen_fd >= 0)
		close(fk->listen_fd);
	free(fk);
	return NULL;
}

struct fake_kernel *fk_free(struct fake_kernel *fk)
{
	if (!fk)
		return NULL;
	fk_reset(fk);
	close(fk->listen_fd);
	(void)unlink(fk->path);
	free(fk);
	return NULL;
}

const char *fk_path(const struct fake_kernel *fk)
{
	return fk->path;
}

static int wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	return p.revents;
}

int fk_accept(struct fake_kernel *fk, int timeout_ms)
{
	int r, fd;

	fk_reset(fk);
	r = wait_fd(fk->listen_fd, POLLIN, timeout_ms);
	if (r < 0)
		return r;
	fd = accept4(fk->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	fk->conn_fd = fd;
	return 0;
}

bool fk_connected(const struct fake_kernel *fk)
{
	return fk->conn_fd >= 0;
}

ssize_t fk_recv(struct fake_kernel *fk, void *buf, size_t size, int timeout_ms)
{
	ssize_t n;
	int r;

	if (fk->conn_fd < 0)
		return -ENOTCONN;
	r = wait_fd(fk->conn_fd, POLLIN, timeout_ms);
	if (r < 0)
		return r;
	/* MSG_TRUNC: report the real length, so an oversized reply is caught. */
	n = recv(fk->conn_fd, buf, size, MSG_TRUNC);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE;
	if ((size_t)n > size)
		return -EMSGSIZE;
	return n;
}

int fk_send(struct fake_kernel *fk, const void *buf, size_t len)
{
	ssize_t n;

	if (fk->conn_fd < 0)
		return -ENOTCONN;
	n = send(fk->conn_fd, buf, len, MSG_NOSIGNAL);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

ssize_t fk_transact(struct fake_kernel *fk, const void *req, size_t req_len, void *reply,
		    size_t reply_size, int timeout_ms)
{
	int r = fk_send(fk, req, req_len);

	if (r < 0)
		return r;
	return fk_recv(fk, reply, reply_size, timeout_ms);
}

int fk_register(struct fake_kernel *fk, size_t reg_len, const void *reg_match,
		size_t reg_match_len, const void *answer, size_t answer_len, int timeout_ms)
{
	unsigned char *buf;
	ssize_t n;
	int r;

	r = fk_accept(fk, timeout_ms);
	if (r < 0)
		return r;
	buf = calloc(1, reg_len + 1);
	if (!buf)
		return -ENOMEM;
	n = fk_recv(fk, buf, reg_len + 1, timeout_ms);
	if (n < 0)
		r = (int)n;
	else if ((size_t)n != reg_len || memcmp(buf, reg_match, reg_match_len) != 0)
		r = -EPROTO;
	else
		r = fk_send(fk, answer, answer_len);
	free(buf);
	return r;
}

void fk_reset(struct fake_kernel *fk)
{
	if (fk->conn_fd >= 0) {
		close(fk->conn_fd);
		fk->conn_fd = -1;
	}
}
