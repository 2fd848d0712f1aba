// SPDX-License-Identifier: MIT
/*
 * fcopy message parsing and dispatch. Everything here comes from the host:
 * sizes are checked against the bytes actually received, names are decoded
 * strictly, fields are copied out of the (possibly unaligned) buffer.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include <hyperv/status.h>

#include "fcopy-msg.h"
#include "log.h"
#include "utf16.h"
#include "util.h"

/* Bytes a name field takes in struct hv_fcopy_start. */
#define NAME_FIELD_SIZE	(HV_FCOPY_MAX_PATH * sizeof(__u16))

static int decode_name(enum fcopy_names names, const uint8_t *field, char *out)
{
	size_t n;

	if (names == FCOPY_NAMES_UTF16) {
		n = utf16le_strnlen(field, HV_FCOPY_MAX_PATH);
		if (n == HV_FCOPY_MAX_PATH)
			return -ENAMETOOLONG;
		/* At most 259 units always fit FCOPY_NAME_BUF_SIZE. */
		return utf16le_to_utf8(field, n, out, FCOPY_NAME_BUF_SIZE, NULL);
	}
	n = bounded_strlen(field, NAME_FIELD_SIZE);
	if (n == NAME_FIELD_SIZE)
		return -ENAMETOOLONG;
	if (!utf8_is_valid((const char *)field, n))
		return -EILSEQ;
	memcpy(out, field, n);
	out[n] = '\0';
	return 0;
}

static uint32_t get_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

int fcopy_msg_parse(enum fcopy_names names, const void *msg, size_t len,
		    struct fcopy_request *ret)
{
	const uint8_t *p = msg;
	int r;

	if (len < sizeof(struct hv_fcopy_hdr))
		return -EBADMSG;
	ret->op = get_le32(p + offsetof(struct hv_fcopy_hdr, operation));

	switch (ret->op) {
	case HV_FCOPY_START_FILE_COPY:
		if (len < sizeof(struct hv_fcopy_start))
			return -EBADMSG;
		r = decode_name(names, p + offsetof(struct hv_fcopy_start, file_name),
				ret->file_name);
		if (r < 0)
			return r;
		r = decode_name(names, p + offsetof(struct hv_fcopy_start, path_name),
				ret->path_name);
		if (r < 0)
			return r;
		ret->flags = get_le32(p + offsetof(struct hv_fcopy_start, copy_flags));
		ret->file_size = get_le64(p + offsetof(struct hv_fcopy_start, file_size));
		return 0;

	case HV_FCOPY_WRITE_TO_FILE:
		if (len < offsetof(struct hv_fcopy_write, data))
			return -EBADMSG;
		ret->offset = get_le64(p + offsetof(struct hv_fcopy_write, offset));
		ret->size = get_le32(p + offsetof(struct hv_fcopy_write, size));
		if (ret->size > HV_FCOPY_DATA_SIZE ||
		    ret->size > len - offsetof(struct hv_fcopy_write, data))
			return -EINVAL;
		ret->data = p + offsetof(struct hv_fcopy_write, data);
		return 0;

	case HV_FCOPY_COMPLETE:
	case HV_FCOPY_CANCEL:
		return 0;

	default:
		return -EOPNOTSUPP;
	}
}

uint32_t fcopy_msg_status(int r)
{
	switch (r) {
	case 0:
		return HV_S_OK;
	case -EEXIST:
	case -EISDIR:
		return HV_ERROR_ALREADY_EXISTS;
	case -ENOSPC:
	case -EDQUOT:
		return HV_ERROR_DISK_FULL;
	case -EINVAL:
	case -EILSEQ:
	case -ENAMETOOLONG:
	case -EBADMSG:
	case -EFBIG:
		return HV_INVALIDARG;
	case -EACCES:
	case -EPERM:
	case -ELOOP:
	case -EROFS:
		return HV_E_ACCESSDENIED;
	case -ENOENT:
	case -ENOTDIR:
		return HV_ERROR_PATH_NOT_FOUND;
	case -EOPNOTSUPP:
		return HV_ERROR_NOT_SUPPORTED;
	default:
		return HV_E_FAIL;
	}
}

static const char *refusal_reason(int r)
{
	switch (r) {
	case -EACCES:
		return "outside the allowed directories, or permission denied";
	case -ELOOP:
		return "a symlink in the destination path (not followed)";
	case -EEXIST:
		return "the file exists and the host did not ask to overwrite it";
	case -EISDIR:
		return "a directory of that name exists";
	case -ENOENT:
		return "the directory does not exist and the host did not ask to create it";
	default:
		return NULL;
	}
}

static uint32_t handle_start(struct fcopy_copy *copy, const struct fcopy_request *req)
{
	const char *reason;
	int r;

	r = fcopy_copy_start(copy, req->path_name, req->file_name, req->flags, req->file_size);
	if (r == 0) {
		struct fcopy_copy_stats st;

		fcopy_copy_get_stats(copy, &st);
		log_info("Receiving %s (%" PRIu64 " bytes%s)", log_text(st.target), req->file_size,
			 req->flags & HV_FCOPY_OVER_WRITE ? ", overwrite" : "");
		return HV_S_OK;
	}
	reason = refusal_reason(r);
	if (reason)
		log_warning("Refusing copy to %s / %s: %s", log_text(req->path_name),
			    log_text(req->file_name), reason);
	else
		log_warning_errno(r, "Refusing copy to %s / %s: %m", log_text(req->path_name),
				  log_text(req->file_name));
	return fcopy_msg_status(r);
}

static uint32_t handle_complete(struct fcopy_copy *copy)
{
	struct fcopy_copy_stats st;
	uint64_t usec;
	int r;

	if (!fcopy_copy_active(copy)) {
		log_warning("Host completed a copy that is not in progress");
		return fcopy_msg_status(-EBADF);
	}
	/* The target name outlives the copy, until the next START. */
	fcopy_copy_get_stats(copy, &st);
	r = fcopy_copy_complete(copy);
	if (r == -EPROTO) {
		log_warning("Discarding copy to %s: %" PRIu64 " of %" PRIu64 " bytes arrived",
			    log_text(st.target), st.written, st.file_size);
		return fcopy_msg_status(r);
	}
	if (r < 0) {
		log_warning_errno(r, "Cannot complete copy to %s: %m", log_text(st.target));
		return fcopy_msg_status(r);
	}
	usec = now_usec(CLOCK_MONOTONIC) - st.start_usec;
	log_info("Copied %s: %" PRIu64 " bytes in %.2f s", log_text(st.target), st.file_size,
		 (double)usec / USEC_PER_SEC);
	return HV_S_OK;
}

uint32_t fcopy_msg_handle(struct fcopy_copy *copy, enum fcopy_names names, const void *msg,
			  size_t len)
{
	struct fcopy_request req;
	int r;

	r = fcopy_msg_parse(names, msg, len, &req);
	if (r < 0) {
		log_warning_errno(r, "Malformed fcopy message (%zu bytes): %m", len);
		return fcopy_msg_status(r);
	}

	switch (req.op) {
	case HV_FCOPY_START_FILE_COPY:
		return handle_start(copy, &req);

	case HV_FCOPY_WRITE_TO_FILE: {
		bool active = fcopy_copy_active(copy);
		struct fcopy_copy_stats st;

		fcopy_copy_get_stats(copy, &st);
		r = fcopy_copy_write(copy, req.offset, req.data, req.size);
		if (r < 0 && active)
			log_warning_errno(r, "Copy to %s failed at offset %" PRIu64 " (%" PRIu32
					  " bytes): %m", log_text(strempty(st.target)), req.offset, req.size);
		else if (r < 0)
			log_debug("Host wrote to a copy that is not in progress");
		return fcopy_msg_status(r);
	}

	case HV_FCOPY_COMPLETE:
		return handle_complete(copy);

	case HV_FCOPY_CANCEL:
		if (fcopy_copy_active(copy)) {
			struct fcopy_copy_stats st;

			fcopy_copy_get_stats(copy, &st);
			log_info("Host cancelled the copy to %s", log_text(strempty(st.target)));
			fcopy_copy_cancel(copy);
		}
		return HV_S_OK;
	}
	return fcopy_msg_status(-EOPNOTSUPP);
}
