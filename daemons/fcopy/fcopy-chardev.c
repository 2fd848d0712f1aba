// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hyperv/fcopy.h>

#include "daemon.h"
#include "fcopy-chardev.h"
#include "hvdev.h"
#include "log.h"

/*
 * The kernel forwards COMPLETE, CANCEL and unknown operations at the
 * length of the host's packet, which fits its two-page receive buffer.
 */
#define FCOPY_CHARDEV_MAX_MSG	(2 * 4096)

struct fcopy_chardev {
	hv_dev *dev;
	struct fcopy_handler handler;
};

static ssize_t build_register(void *buf, size_t size, void *userdata)
{
	const int32_t version = HV_FCOPY_VERSION_1;

	(void)userdata;
	if (size < sizeof(version))
		return -ENOBUFS;
	memcpy(buf, &version, sizeof(version));
	return sizeof(version);
}

static int check_register(const void *buf, size_t len, void *userdata)
{
	uint32_t version;

	(void)userdata;
	if (len != sizeof(version))
		return -EPROTO;
	memcpy(&version, buf, sizeof(version));
	return version == HV_FCOPY_VERSION_1 ? 0 : -EPROTO;
}

static ssize_t handle(hv_dev *dev, void *buf, size_t len, void *userdata)
{
	struct fcopy_chardev *c = userdata;
	int32_t status;

	(void)dev;
	status = (int32_t)c->handler.handle(FCOPY_NAMES_UTF8, buf, len, c->handler.userdata);
	memcpy(buf, &status, sizeof(status));
	return sizeof(status);
}

static void state_changed(hv_dev *dev, enum hv_dev_state state, void *userdata)
{
	struct fcopy_chardev *c = userdata;

	switch (state) {
	case HV_DEV_READY:
		log_info("Registered with the kernel on %s", hv_dev_get_path(dev));
		hv_notify_status("Registered on %s", hv_dev_get_path(dev));
		break;
	case HV_DEV_CLOSED:
		/* The kernel failed the host's transaction: nothing will complete it. */
		if (c->handler.reset)
			c->handler.reset(c->handler.userdata);
		break;
	case HV_DEV_REGISTERING:
		break;
	}
}

static const struct hv_dev_ops fcopy_dev_ops = {
	.name = "fcopy",
	.max_msg_size = FCOPY_CHARDEV_MAX_MSG,
	.build_register = build_register,
	.check_register = check_register,
	.handle = handle,
	.state_changed = state_changed,
};

int fcopy_chardev_new(sd_event *event, const char *path, const struct fcopy_handler *handler,
		      struct fcopy_chardev **ret)
{
	struct fcopy_chardev *c;
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->handler = *handler;
	r = hv_dev_new(event, path, &fcopy_dev_ops, c, &c->dev);
	if (r < 0) {
		free(c);
		return r;
	}
	*ret = c;
	return 0;
}

struct fcopy_chardev *fcopy_chardev_free(struct fcopy_chardev *c)
{
	if (!c)
		return NULL;
	hv_dev_free(c->dev);
	free(c);
	return NULL;
}

int fcopy_chardev_start(struct fcopy_chardev *c)
{
	return hv_dev_start(c->dev);
}
