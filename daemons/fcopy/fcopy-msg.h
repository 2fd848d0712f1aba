/* SPDX-License-Identifier: MIT */
/*
 * fcopy messages (struct hv_fcopy_hdr and friends, include/hyperv/fcopy.h):
 * parsing, dispatch to the copy engine, and the status the host gets.
 *
 * The same messages arrive on both transports with one difference: on the
 * chardev (kernels up to 6.9) the kernel has already converted START's
 * names to UTF-8 (at most 259 bytes each, NUL-terminated in the 520-byte
 * fields); on UIO they are the host's UTF-16LE, NUL-terminated within 260
 * units. Both are validated strictly here.
 */
#ifndef HV_FCOPY_MSG_H
#define HV_FCOPY_MSG_H

#include <stddef.h>
#include <stdint.h>

#include <hyperv/fcopy.h>

#include "fcopy-copy.h"

enum fcopy_names {
	FCOPY_NAMES_UTF8,	/* chardev: converted by the kernel */
	FCOPY_NAMES_UTF16,	/* UIO: as the host sent them */
};

/* Worst case: 259 BMP units at 3 bytes each, plus NUL. */
#define FCOPY_NAME_BUF_SIZE	(3 * (HV_FCOPY_MAX_PATH - 1) + 1)

struct fcopy_request {
	uint32_t op;			/* enum hv_fcopy_op */
	/* START */
	char file_name[FCOPY_NAME_BUF_SIZE];	/* UTF-8 */
	char path_name[FCOPY_NAME_BUF_SIZE];	/* UTF-8 */
	uint32_t flags;
	uint64_t file_size;
	/* WRITE */
	uint64_t offset;
	uint32_t size;
	const uint8_t *data;		/* points into the message */
};

/*
 * Parse one message of len bytes. Return: 0, -EBADMSG (too short for its
 * operation), -EINVAL (WRITE size past the chunk limit or past the bytes
 * received), -EILSEQ (names not valid text), -ENAMETOOLONG (a name without
 * its NUL), -EOPNOTSUPP (unknown operation).
 */
int fcopy_msg_parse(enum fcopy_names names, const void *msg, size_t len,
		    struct fcopy_request *ret);

/* The host status for an engine or parser result. */
uint32_t fcopy_msg_status(int r);

/*
 * What a transport calls: handle() runs one message and returns the host
 * status; reset() says the host end went away (drop any copy in progress).
 */
struct fcopy_handler {
	uint32_t (*handle)(enum fcopy_names names, const void *msg, size_t len, void *userdata);
	void (*reset)(void *userdata);
	void *userdata;
};

/* Parse, run and log one message; returns the status for the host. */
uint32_t fcopy_msg_handle(struct fcopy_copy *copy, enum fcopy_names names, const void *msg,
			  size_t len);

#endif /* HV_FCOPY_MSG_H */
