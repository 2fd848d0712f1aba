// SPDX-License-Identifier: GPL-2.0
/*
 * hv_utils: the Hyper-V integration components (shutdown, time sync,
 * heartbeat, KVP, VSS, file copy) as one VMBus driver. This file is the
 * driver: the device table, and bringing a service's channel up and down
 * around its own init/start/stop/free steps, for probe/remove and for
 * hibernation.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/hyperv.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/version.h>

#include "hvu.h"

/*
 * Each service keeps one global name (a /dev node, the PTP clock), so a
 * host offering a second device of a class gets it refused.
 */
static unsigned long hvu_busy;

static int hvu_open_channel(struct hvu_dev *ud)
{
	return vmbus_open(ud->chan, HVU_RING_SIZE, HVU_RING_SIZE, NULL, 0,
			  ud->svc->onchannel, ud);
}

static int hvu_probe(struct hv_device *hdev, const struct hv_vmbus_device_id *id)
{
	const struct hvu_service *svc = (const struct hvu_service *)id->driver_data;
	struct hvu_dev *ud;
	int ret;

	if (test_and_set_bit(svc->id, &hvu_busy)) {
		dev_warn(&hdev->device, "a second %s device is not supported\n", svc->name);
		return -EBUSY;
	}

	ud = kzalloc(sizeof(*ud), GFP_KERNEL);
	if (!ud) {
		ret = -ENOMEM;
		goto err_release_slot;
	}
	ud->hdev = hdev;
	ud->chan = hdev->channel;
	ud->svc = svc;
	ud->buf_size = svc->pkt_size;
	ud->buf = kzalloc(ud->buf_size, GFP_KERNEL);
	if (!ud->buf) {
		ret = -ENOMEM;
		goto err_free_dev;
	}

	ret = svc->init(ud);
	if (ret)
		goto err_free_buf;

	/*
	 * Packets up to pkt_size are copied out of the ring whole; the
	 * callback reads them itself, one at a time (KVP and friends serve a
	 * single host transaction at a time and leave the rest queued).
	 */
	ud->chan->max_pkt_size = svc->pkt_size;
	set_channel_read_mode(ud->chan, HV_CALL_DIRECT);
	hv_set_drvdata(hdev, ud);

	ret = hvu_open_channel(ud);
	if (ret) {
		dev_err(&hdev->device, "%s: cannot open the channel: %d\n", svc->name, ret);
		goto err_free_service;
	}

	if (svc->start) {
		ret = svc->start(ud);
		if (ret)
			goto err_close_channel;
	}
	return 0;

err_close_channel:
	if (svc->stop)
		svc->stop(ud);
	vmbus_close(ud->chan);
err_free_service:
	svc->free(ud);
err_free_buf:
	kfree(ud->buf);
err_free_dev:
	kfree(ud);
err_release_slot:
	clear_bit(svc->id, &hvu_busy);
	return ret == -ENOMEM ? ret : -ENODEV;
}

static void hvu_teardown(struct hv_device *hdev)
{
	struct hvu_dev *ud = hv_get_drvdata(hdev);
	const struct hvu_service *svc = ud->svc;

	if (svc->stop)
		svc->stop(ud);
	vmbus_close(ud->chan);
	svc->free(ud);
	kfree(ud->buf);
	kfree(ud);
	clear_bit(svc->id, &hvu_busy);
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
static void hvu_remove(struct hv_device *hdev)
{
	hvu_teardown(hdev);
}
#else
static int hvu_remove(struct hv_device *hdev)
{
	hvu_teardown(hdev);
	return 0;
}
#endif

/*
 * Hibernation. Userspace is frozen here and thawed only after resume, so
 * services fail what is in flight and tell their daemons to start over.
 */
static int hvu_suspend(struct hv_device *hdev)
{
	struct hvu_dev *ud = hv_get_drvdata(hdev);
	int ret;

	if (ud->svc->suspend) {
		ret = ud->svc->suspend(ud);
		if (ret)
			return ret;
	}
	vmbus_close(ud->chan);
	return 0;
}

static int hvu_resume(struct hv_device *hdev)
{
	struct hvu_dev *ud = hv_get_drvdata(hdev);
	int ret;

	if (ud->svc->resume) {
		ret = ud->svc->resume(ud);
		if (ret)
			return ret;
	}
	/* The host negotiates again on the new channel. */
	ud->srv_version = 0;
	return hvu_open_channel(ud);
}

#define HVU_ID(guid, service) { guid, .driver_data = (unsigned long)&(service) }

static const struct hv_vmbus_device_id hvu_id_table[] = {
	HVU_ID(HV_SHUTDOWN_GUID, hvu_shutdown_service),
	HVU_ID(HV_TS_GUID, hvu_timesync_service),
	HVU_ID(HV_HEART_BEAT_GUID, hvu_heartbeat_service),
	HVU_ID(HV_KVP_GUID, hvu_kvp_service),
	HVU_ID(HV_VSS_GUID, hvu_vss_service),
	/* Kept on 6.10+ too, where mainline left file copy to uio_hv_generic. */
	HVU_ID(HV_FCOPY_GUID, hvu_fcopy_service),
	{ },
};
MODULE_DEVICE_TABLE(vmbus, hvu_id_table);

static struct hv_driver hvu_driver = {
	.name = "hv_utils",
	.id_table = hvu_id_table,
	.probe = hvu_probe,
	.remove = hvu_remove,
	.suspend = hvu_suspend,
	.resume = hvu_resume,
	.driver = {
		.probe_type = PROBE_PREFER_ASYNCHRONOUS,
	},
};

static int __init hvu_init(void)
{
	return vmbus_driver_register(&hvu_driver);
}

static void __exit hvu_exit(void)
{
	vmbus_driver_unregister(&hvu_driver);
}

module_init(hvu_init);
module_exit(hvu_exit);

MODULE_DESCRIPTION("hyperv-tools: Hyper-V integration components (shutdown, time sync, heartbeat, KVP, VSS, file copy)");
MODULE_LICENSE("GPL");
