// SPDX-License-Identifier: MIT
/*
 * Everything the fcopy daemon parses from a packet's payload: IC headers,
 * version negotiation, fcopy messages with both name encodings, and the
 * destination path and name checks. No filesystem access.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hyperv/ic.h>

#include "fcopy-copy.h"
#include "fcopy-msg.h"
#include "ic.h"
#include "util.h"

static void check_destination(const struct fcopy_request *req)
{
	for (int mode = 0; mode < 4; mode++) {
		char **comps = NULL;

		(void)fcopy_name_check(req->file_name, mode & 1);
		if (fcopy_path_split(req->path_name, mode & 1, mode & 2, &comps) == 0)
			strv_free(comps);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ic_version fw[] = { IC_FRAMEWORK_VERSION_3_0, IC_FRAMEWORK_VERSION_1_0 };
	static const struct ic_version srv[] = { IC_FCOPY_VERSION_1_1 };
	struct fcopy_request req;
	struct ic_version a, b;
	struct ic_msg m;
	uint8_t *copy;

	/* A private, exactly sized copy: reads past the packet are caught. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);

	if (ic_msg_parse(copy, size, &m) == 0) {
		if (ic_msg_type(&m) == IC_MSGTYPE_NEGOTIATE) {
			(void)ic_negotiate(&m, fw, 2, srv, 1, &a, &b);
			(void)ic_negotiate_result(&m, &a, &b);
		} else {
			for (int enc = 0; enc < 2; enc++)
				if (fcopy_msg_parse(enc ? FCOPY_NAMES_UTF16 : FCOPY_NAMES_UTF8,
						    m.body, m.body_len, &req) == 0 &&
				    req.op == HV_FCOPY_START_FILE_COPY)
					check_destination(&req);
			ic_msg_respond(&m, fcopy_msg_status(-EINVAL));
		}
	}
	free(copy);
	return 0;
}
