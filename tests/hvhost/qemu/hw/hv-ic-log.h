/*
 * hvhost: rate-limited guest error logging for the IC devices
 *
 * This work is licensed under the terms of the GNU GPL, version 2 or later.
 * See the COPYING file in the top-level directory.
 */
#ifndef HW_HYPERV_HVHOST_HV_IC_LOG_H
#define HW_HYPERV_HVHOST_HV_IC_LOG_H

#include "qemu/log.h"

/* True while fewer than 10 messages were logged in the last second. */
bool hv_ic_log_ratelimit(void);

/* Something the guest sent (or failed to send) that we refuse. */
#define hv_ic_log(ic, fmt, ...)                                           \
    do {                                                                  \
        if (hv_ic_log_ratelimit()) {                                      \
            qemu_log_mask(LOG_GUEST_ERROR, "%s: " fmt "\n",               \
                          object_get_typename(OBJECT(ic)), ##__VA_ARGS__); \
        }                                                                 \
    } while (0)

#endif
