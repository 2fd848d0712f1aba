/* SPDX-License-Identifier: MIT */
/*
 * fcopy on /dev/vmbus/hv_fcopy (kernels up to 6.9): the daemon registers
 * with a 4-byte FCOPY_VERSION_1, the kernel answers the same; then each
 * read is one message (START with UTF-8 names, WRITE, COMPLETE, CANCEL)
 * and each reply one 4-byte status. Reopen and re-registration after
 * hibernation or a driver reload are the chardev transport's (hvdev.h).
 */
#ifndef HV_FCOPY_CHARDEV_H
#define HV_FCOPY_CHARDEV_H

#include <systemd/sd-event.h>

#include "fcopy-msg.h"

struct fcopy_chardev;

int fcopy_chardev_new(sd_event *event, const char *path, const struct fcopy_handler *handler,
		      struct fcopy_chardev **ret);
struct fcopy_chardev *fcopy_chardev_free(struct fcopy_chardev *c);
/* Open and register; failing to open at start-up is returned. */
int fcopy_chardev_start(struct fcopy_chardev *c);

#endif /* HV_FCOPY_CHARDEV_H */
