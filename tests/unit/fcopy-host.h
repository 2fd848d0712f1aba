/* SPDX-License-Identifier: MIT */
/*
 * The host's end of an fcopy channel, for tests and the benchmark.
 *
 * UIO: a regular file holding both rings stands in for /dev/uioN's map 0,
 * a SOCK_SEQPACKET socket for its interrupt (4-byte messages each way;
 * closing it is a rescind). The host writes requests into the guest's RX
 * ring and reads replies from its TX ring with the same ring library the
 * daemon uses, following the same signalling rules.
 *
 * Also: builders for the fcopy messages themselves (both name encodings).
 * The benchmark uses this too.
 */
#ifndef HV_TEST_FCOPY_HOST_H
#define HV_TEST_FCOPY_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <hyperv/fcopy.h>
#include <hyperv/ic.h>

struct fcopy_host;

/* Create dir/uio0 (socket) and dir/rings (2 x ring_size bytes). NULL on failure. */
struct fcopy_host *fcopy_host_new(const char *dir, size_t ring_size);
struct fcopy_host *fcopy_host_free(struct fcopy_host *h);
const char *fcopy_host_device(const struct fcopy_host *h);
const char *fcopy_host_ring_file(const struct fcopy_host *h);

/* Wait for the daemon to open the "device". 0 or -errno. */
int fcopy_host_accept(struct fcopy_host *h, int timeout_ms);
/* Close the interrupt socket: what a rescind looks like to the daemon. */
void fcopy_host_rescind(struct fcopy_host *h);

/* Put one in-band packet on the guest's RX ring (waits for room). 0 or -errno. */
int fcopy_host_send(struct fcopy_host *h, const void *payload, size_t len, uint64_t trans_id,
		    int timeout_ms);
/*
 * Take one packet from the guest's TX ring, waiting for it. Returns the
 * payload length copied into buf, -ETIMEDOUT, -EPIPE (daemon gone), or
 * another -errno; *ret_trans_id gets the packet's transaction id.
 */
int fcopy_host_recv(struct fcopy_host *h, void *buf, size_t size, uint64_t *ret_trans_id,
		    int timeout_ms);

/* Send an IC NEGOTIATE and read the answer. 0, -ENOPROTOOPT, -errno. */
int fcopy_host_negotiate(struct fcopy_host *h, struct ic_version *ret_fw,
			 struct ic_version *ret_srv, int timeout_ms);
/*
 * Send one fcopy message wrapped in IC headers and wait for the answer.
 * Returns 0 and the status in *ret_status, or -errno (-EPROTO: the answer
 * was not a well-formed response to this request).
 */
int fcopy_host_request(struct fcopy_host *h, const void *msg, size_t len, uint32_t *ret_status,
		       int timeout_ms);

/* Ring bookkeeping, for tests that want to see the flow control work. */
unsigned fcopy_host_signals_received(const struct fcopy_host *h);
/* pending_send_sz the guest set on its TX ring (nonzero: it waits for room). */
uint32_t fcopy_host_guest_pending_send(const struct fcopy_host *h);
/* Publish a descriptor whose length runs past the data, and signal. */
int fcopy_host_corrupt_ring(struct fcopy_host *h);

/*
 * Start build/daemons/fcopy/hv_fcopy_daemon -n with args (NULL-terminated),
 * under $HV_TEST_WRAPPER when set, an absolute command with its options
 * (e.g. "/usr/bin/valgrind --error-exitcode=99"). Returns the pid or -errno.
 */
int fcopy_spawn_daemon(const char *const *args);

/*
 * Message builders. names_utf16: UIO encoding, else the chardev's UTF-8.
 * Return 0, or -errno when a name does not fit.
 */
int fcopy_build_start(struct hv_fcopy_start *msg, bool names_utf16, const char *path,
		      const char *name, uint32_t flags, uint64_t file_size);
void fcopy_build_write(struct hv_fcopy_write *msg, uint64_t offset, const void *data,
		       uint32_t size);
void fcopy_build_simple(struct hv_fcopy_hdr *msg, uint32_t op);

#endif /* HV_TEST_FCOPY_HOST_H */
