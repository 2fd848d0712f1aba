// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <hyperv/vmbus.h>

#include "fcopy-host.h"
#include "ic.h"
#include "testlib.h"
#include "utf16.h"
#include "vmbus-ring.h"

struct fcopy_host {
	char dev_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *ring_path;
	int listen_fd;
	int conn_fd;
	uint8_t *map;
	size_t ring_size;
	struct vmbus_ring to_guest;	/* the guest's RX ring: the host writes */
	struct vmbus_ring from_guest;	/* the guest's TX ring: the host reads */
	uint8_t *pkt;
	uint8_t *msg;
	uint64_t trans_id;
	unsigned signals;
};

struct fcopy_host *fcopy_host_new(const char *dir, size_t ring_size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct fcopy_host *h;
	int fd;

	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->listen_fd = h->conn_fd = -1;
	h->ring_size = ring_size;
	if (snprintf(h->dev_path, sizeof(h->dev_path), "%s/uio0", dir) >= (int)sizeof(h->dev_path) ||
	    asprintf(&h->ring_path, "%s/rings", dir) < 0)
		goto fail;

	fd = open(h->ring_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	if (ftruncate(fd, (off_t)(2 * ring_size)) < 0) {
		close(fd);
		goto fail;
	}
	h->map = mmap(NULL, 2 * ring_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (h->map == MAP_FAILED) {
		h->map = NULL;
		goto fail;
	}
	/* What the guest kernel does at channel open: fresh control pages. */
	vmbus_ring_init(h->map, ring_size);
	vmbus_ring_init(h->map + ring_size, ring_size);
	if (vmbus_ring_attach(&h->from_guest, h->map, ring_size, VMBUS_RING_READER) < 0 ||
	    vmbus_ring_attach(&h->to_guest, h->map + ring_size, ring_size, VMBUS_RING_WRITER) < 0)
		goto fail;
	h->pkt = malloc(ring_size);
	h->msg = malloc(ring_size);
	if (!h->pkt || !h->msg)
		goto fail;

	strcpy(sa.sun_path, h->dev_path);
	(void)unlink(h->dev_path);
	h->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (h->listen_fd < 0 || bind(h->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(h->listen_fd, 2) < 0)
		goto fail;
	return h;
fail:
	fcopy_host_free(h);
	return NULL;
}

struct fcopy_host *fcopy_host_free(struct fcopy_host *h)
{
	if (!h)
		return NULL;
	fcopy_host_rescind(h);
	if (h->listen_fd >= 0)
		close(h->listen_fd);
	(void)unlink(h->dev_path);
	if (h->map)
		munmap(h->map, 2 * h->ring_size);
	if (h->ring_path)
		(void)unlink(h->ring_path);
	free(h->ring_path);
	free(h->pkt);
	free(h->msg);
	free(h);
	return NULL;
}

const char *fcopy_host_device(const struct fcopy_host *h)
{
	return h->dev_path;
}

const char *fcopy_host_ring_file(const struct fcopy_host *h)
{
	return h->ring_path;
}

unsigned fcopy_host_signals_received(const struct fcopy_host *h)
{
	return h->signals;
}

/* A control word of a ring, by byte offset (the page is aligned). */
static uint32_t *ctl_word(uint8_t *ring, size_t offset)
{
	return (uint32_t *)(void *)(ring + offset);
}

uint32_t fcopy_host_guest_pending_send(const struct fcopy_host *h)
{
	return __atomic_load_n(ctl_word(h->map, offsetof(struct vmbus_ring_ctl, pending_send_sz)),
			       __ATOMIC_ACQUIRE);
}

static int signal_guest(struct fcopy_host *h);

int fcopy_host_corrupt_ring(struct fcopy_host *h)
{
	uint8_t *rx = h->map + h->ring_size;
	struct vmbus_packet_desc d = { .type = VMBUS_PKT_DATA_INBAND, .offset8 = 2, .len8 = 200 };
	uint32_t *wi = ctl_word(rx, offsetof(struct vmbus_ring_ctl, write_index));
	uint32_t pos = __atomic_load_n(wi, __ATOMIC_RELAXED);

	memcpy(rx + VMBUS_RING_CTL_SIZE + pos, &d, sizeof(d));
	__atomic_store_n(wi, pos + 32, __ATOMIC_RELEASE);
	return signal_guest(h);
}

static int wait_fd(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r == 0 ? -ETIMEDOUT : 0;
}

int fcopy_host_accept(struct fcopy_host *h, int timeout_ms)
{
	int r = wait_fd(h->listen_fd, timeout_ms);

	if (r < 0)
		return r;
	fcopy_host_rescind(h);
	h->conn_fd = accept4(h->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	return h->conn_fd < 0 ? -errno : 0;
}

void fcopy_host_rescind(struct fcopy_host *h)
{
	if (h->conn_fd >= 0)
		close(h->conn_fd);
	h->conn_fd = -1;
}

static int signal_guest(struct fcopy_host *h)
{
	const uint32_t one = 1;

	if (send(h->conn_fd, &one, sizeof(one), MSG_NOSIGNAL) != sizeof(one))
		return -EPIPE;
	return 0;
}

/* Wait for at least one signal from the guest and consume all queued. */
static int wait_signal(struct fcopy_host *h, int timeout_ms)
{
	uint32_t v;
	ssize_t n;
	int r;

	r = wait_fd(h->conn_fd, timeout_ms);
	if (r < 0)
		return r;
	do {
		n = recv(h->conn_fd, &v, sizeof(v), MSG_DONTWAIT);
		if (n == sizeof(v))
			h->signals++;
	} while (n == sizeof(v));
	if (n == 0)
		return -EPIPE;
	if (n < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

int fcopy_host_send(struct fcopy_host *h, const void *payload, size_t len, uint64_t trans_id,
		    int timeout_ms)
{
	bool signal, asked = false;
	int r;

	for (;;) {
		r = vmbus_ring_send(&h->to_guest, VMBUS_PKT_DATA_INBAND, 0, trans_id, payload,
				    (uint32_t)len, &signal);
		if (r != -EAGAIN)
			break;
		asked = true;
		if (vmbus_ring_want_space(&h->to_guest, vmbus_packet_size((uint32_t)len)))
			continue;
		r = wait_signal(h, timeout_ms);
		if (r < 0)
			return r;
	}
	if (asked)
		vmbus_ring_clear_want_space(&h->to_guest);
	if (r < 0)
		return r;
	return signal ? signal_guest(h) : 0;
}

int fcopy_host_recv(struct fcopy_host *h, void *buf, size_t size, uint64_t *ret_trans_id,
		    int timeout_ms)
{
	struct vmbus_packet pkt;
	uint32_t len;
	int r;

	/* The host never masks: the guest signals every empty -> non-empty. */
	for (;;) {
		r = vmbus_ring_recv(&h->from_guest, h->pkt, h->ring_size, &pkt);
		if (r != -EAGAIN)
			break;
		if (vmbus_ring_unmask(&h->from_guest))
			continue;
		r = wait_signal(h, timeout_ms);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	if (vmbus_ring_recv_done(&h->from_guest)) {
		r = signal_guest(h);
		if (r < 0)
			return r;
	}
	len = pkt.len - pkt.offset;
	if (len > size)
		return -ENOBUFS;
	memcpy(buf, h->pkt + pkt.offset, len);
	*ret_trans_id = pkt.trans_id;
	return (int)len;
}

/* Send an IC message of len bytes from h->msg and read the response into h->msg. */
static int transact(struct fcopy_host *h, size_t len, struct ic_msg *ret, int timeout_ms)
{
	uint64_t id = ++h->trans_id, got_id;
	int r;

	r = fcopy_host_send(h, h->msg, len, id, timeout_ms);
	if (r < 0)
		return r;
	r = fcopy_host_recv(h, h->msg, h->ring_size, &got_id, timeout_ms);
	if (r < 0)
		return r;
	/* The guest answers in place: same length (8-byte padded), same id. */
	if (got_id != id || (size_t)r != ((len + 7) & ~(size_t)7))
		return -EPROTO;
	if (ic_msg_parse(h->msg, (size_t)r, ret) < 0 ||
	    ret->hdr->icflags != (IC_FLAG_TRANSACTION | IC_FLAG_RESPONSE))
		return -EPROTO;
	return 0;
}

int fcopy_host_negotiate(struct fcopy_host *h, struct ic_version *ret_fw,
			 struct ic_version *ret_srv, int timeout_ms)
{
	/* Offers like a Windows host's: several framework and service versions. */
	static const struct ic_version fw[] = { { 1, 0 }, { 3, 0 } };
	static const struct ic_version srv[] = { { 1, 0 }, { 1, 1 } };
	struct ic_msg m;
	int len, r;

	len = ic_build_negotiate(h->msg, h->ring_size, fw, 2, srv, 2);
	if (len < 0)
		return len;
	r = transact(h, (size_t)len, &m, timeout_ms);
	if (r < 0)
		return r;
	return ic_negotiate_result(&m, ret_fw, ret_srv);
}

int fcopy_host_request(struct fcopy_host *h, const void *msg, size_t len, uint32_t *ret_status,
		       int timeout_ms)
{
	static const struct ic_version frame = IC_FRAMEWORK_VERSION_3_0;
	static const struct ic_version fcopy = IC_FCOPY_VERSION_1_1;
	struct ic_msg m;
	int n, r;

	n = ic_build_request(h->msg, h->ring_size, IC_MSGTYPE_FCOPY, frame, fcopy,
			     (uint8_t)h->trans_id, msg, len);
	if (n < 0)
		return n;
	r = transact(h, (size_t)n, &m, timeout_ms);
	if (r < 0)
		return r;
	if (ic_msg_type(&m) != IC_MSGTYPE_FCOPY)
		return -EPROTO;
	*ret_status = m.hdr->status;
	return 0;
}

static int put_name(uint8_t *field, bool utf16, const char *s)
{
	const size_t field_size = HV_FCOPY_MAX_PATH * sizeof(uint16_t);

	if (utf16)
		return utf8_to_utf16le(s, strlen(s), field, HV_FCOPY_MAX_PATH, NULL);
	if (strlen(s) >= field_size)
		return -ENOBUFS;
	memcpy(field, s, strlen(s) + 1);
	return 0;
}

int fcopy_build_start(struct hv_fcopy_start *msg, bool names_utf16, const char *path,
		      const char *name, uint32_t flags, uint64_t file_size)
{
	uint8_t *p = (uint8_t *)msg;
	int r;

	memset(msg, 0, sizeof(*msg));
	msg->hdr.operation = HV_FCOPY_START_FILE_COPY;
	r = put_name(p + offsetof(struct hv_fcopy_start, file_name), names_utf16, name);
	if (r == 0)
		r = put_name(p + offsetof(struct hv_fcopy_start, path_name), names_utf16, path);
	msg->copy_flags = flags;
	msg->file_size = file_size;
	return r;
}

void fcopy_build_write(struct hv_fcopy_write *msg, uint64_t offset, const void *data,
		       uint32_t size)
{
	uint32_t n = size <= HV_FCOPY_DATA_SIZE ? size : HV_FCOPY_DATA_SIZE;

	memset(msg, 0, offsetof(struct hv_fcopy_write, data));
	msg->hdr.operation = HV_FCOPY_WRITE_TO_FILE;
	msg->offset = offset;
	msg->size = size;
	if (n)
		memcpy(msg->data, data, n);
	/* The whole message goes out: no stale bytes after the data. */
	memset(msg->data + n, 0, HV_FCOPY_DATA_SIZE - n);
}

void fcopy_build_simple(struct hv_fcopy_hdr *msg, uint32_t op)
{
	memset(msg, 0, sizeof(*msg));
	msg->operation = op;
}

int fcopy_spawn_daemon(const char *const *args)
{
	const char *wrapper = getenv("HV_TEST_WRAPPER");
	char *argv[64], *words = NULL, *save = NULL;
	size_t n = 0;
	pid_t pid;

	if (wrapper && *wrapper) {
		words = strdup(wrapper);
		if (!words)
			return -ENOMEM;
		for (char *w = strtok_r(words, " ", &save); w && n < 16; w = strtok_r(NULL, " ", &save))
			argv[n++] = w;
	}
	argv[n++] = (char *)HV_BINARY_DIR "/daemons/fcopy/hv_fcopy_daemon";
	argv[n++] = (char *)"-n";
	for (size_t i = 0; args[i] && n < 63; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	pid = tl_spawn(argv);
	free(words);
	return pid;
}
