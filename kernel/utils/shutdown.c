// SPDX-License-Identifier: GPL-2.0
/*
 * Shutdown IC: the host asks for a power-off, a reboot or a hibernation.
 * The answer goes back first; the action runs afterwards from a work item
 * (orderly_poweroff()/orderly_reboot() start userspace's own shutdown;
 * hibernation is left to userspace through a uevent, as the stock driver
 * does).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hyperv.h>
#include <linux/kobject.h>
#include <linux/reboot.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <asm/mshyperv.h>

#include "hvu.h"

/* struct shutdown_msg_data: reason_code u32, timeout_seconds u32, flags u32 */
#define SD_OFF_FLAGS		8u
#define SD_NEED			12u

/* flags: what to do, bit 0 "forced" (Linux always proceeds the same way) */
#define SD_FLAG_FORCE		0x1u
#define SD_ACTION_SHUTDOWN	0x0u
#define SD_ACTION_REBOOT	0x2u
#define SD_ACTION_HIBERNATE	0x4u

static const int sd_versions[] = {
	(3 << 16) | 2,		/* hibernation requests */
	(3 << 16) | 1,
	(3 << 16) | 0,
	(1 << 16) | 0,
};

static const struct hvu_versions sd_vers = {
	.fw = hvu_fw_versions, .nfw = ARRAY_SIZE(hvu_fw_versions),
	.srv = sd_versions, .nsrv = ARRAY_SIZE(sd_versions),
};

struct sd_state {
	struct hvu_dev *ud;
	bool can_hibernate;
	struct work_struct poweroff_work;
	struct work_struct reboot_work;
	struct work_struct hibernate_work;
	struct work_struct *pending;	/* receive path only */
};

static void sd_poweroff(struct work_struct *work)
{
	orderly_poweroff(true);
}

static void sd_reboot(struct work_struct *work)
{
	orderly_reboot();
}

static void sd_hibernate(struct work_struct *work)
{
	struct sd_state *st = container_of(work, struct sd_state, hibernate_work);
	char event[] = "EVENT=hibernate";
	char *envp[] = { event, NULL };

	kobject_uevent_env(&st->ud->hdev->device.kobj, KOBJ_CHANGE, envp);
	dev_info(&st->ud->hdev->device, "hibernation uevent sent\n");
}

static u32 sd_handle(struct hvu_dev *ud, struct hvu_ic_msg *m)
{
	struct sd_state *st = ud->priv;
	u32 flags;

	if (m->body_len < SD_NEED) {
		dev_warn_ratelimited(&ud->hdev->device, "shutdown: %u-byte request refused\n",
				     m->body_len);
		return HV_E_FAIL;
	}
	flags = hvt_get_le32(m->body + SD_OFF_FLAGS);
	switch (flags & ~SD_FLAG_FORCE) {
	case SD_ACTION_SHUTDOWN:
		dev_info(&ud->hdev->device, "shutdown requested by the host\n");
		st->pending = &st->poweroff_work;
		return HV_S_OK;
	case SD_ACTION_REBOOT:
		dev_info(&ud->hdev->device, "restart requested by the host\n");
		st->pending = &st->reboot_work;
		return HV_S_OK;
	case SD_ACTION_HIBERNATE:
		dev_info(&ud->hdev->device, "hibernation requested by the host%s\n",
			 st->can_hibernate ? "" : ": not supported here");
		if (!st->can_hibernate)
			return HV_E_FAIL;
		st->pending = &st->hibernate_work;
		return HV_S_OK;
	default:
		dev_warn_ratelimited(&ud->hdev->device, "shutdown: unknown flags %#x refused\n",
				     flags);
		return HV_E_FAIL;
	}
}

static void sd_onchannel(void *context)
{
	struct hvu_dev *ud = context;
	struct sd_state *st = ud->priv;
	struct hvu_ic_msg m;

	while (hvu_ic_next(ud, ICMSGTYPE_SHUTDOWN, &sd_vers, &m) > 0) {
		st->pending = NULL;
		hvu_ic_reply(ud, m.len, m.req_id, sd_handle(ud, &m));
		/* Acted on only once the host has its answer. */
		if (st->pending)
			schedule_work(st->pending);
	}
}

static int sd_init(struct hvu_dev *ud)
{
	struct sd_state *st;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->ud = ud;
	st->can_hibernate = hv_is_hibernation_supported();
	INIT_WORK(&st->poweroff_work, sd_poweroff);
	INIT_WORK(&st->reboot_work, sd_reboot);
	INIT_WORK(&st->hibernate_work, sd_hibernate);
	ud->priv = st;
	return 0;
}

static void sd_free(struct hvu_dev *ud)
{
	struct sd_state *st = ud->priv;

	/* The channel is closed: nothing can queue these any more. */
	cancel_work_sync(&st->poweroff_work);
	cancel_work_sync(&st->reboot_work);
	cancel_work_sync(&st->hibernate_work);
	kfree(st);
	ud->priv = NULL;
}

const struct hvu_service hvu_shutdown_service = {
	.name = "shutdown",
	.id = HVU_SHUTDOWN,
	.init = sd_init,
	.free = sd_free,
	.onchannel = sd_onchannel,
	.pkt_size = HV_HYP_PAGE_SIZE,
};
