// SPDX-License-Identifier: GPL-2.0
/*
 * VSS (backup) IC. For a host-initiated backup the host asks the guest to
 * freeze its filesystems (FREEZE), snapshots the disks and asks to thaw
 * (THAW); HOT_BACKUP asks whether a live backup is possible. These three
 * go to hv_vss_daemon on /dev/vmbus/hv_vss as a 12-byte struct hv_vss_msg;
 * the rest of the protocol is answered here. One host transaction at a
 * time, in process context under st->lock, as KVP does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hyperv.h>
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "hvu.h"

/* Freezing every filesystem may take long; the host allows 15 minutes. */
#define VSS_FREEZE_TIMEOUT	(15 * 60 * HZ)

static const int vss_fw_versions[] = { UTIL_FW_VERSION };
static const int vss_versions[] = { (5 << 16) | 0 };

static const struct hvu_versions vss_vers = {
	.fw = vss_fw_versions, .nfw = ARRAY_SIZE(vss_fw_versions),
	.srv = vss_versions, .nsrv = ARRAY_SIZE(vss_versions),
};

enum vss_daemon_state {
	VSS_DAEMON_NONE,
	VSS_DAEMON_REGISTERING,	/* registration answered, not yet read */
	VSS_DAEMON_READY,
};

struct vss_state {
	struct hvu_dev *ud;
	struct hvu_cdev *cdev;
	struct work_struct rx_work;
	struct delayed_work timeout_work;

	struct mutex lock;		/* protects everything below */
	bool live;			/* channel open, not being removed */
	enum vss_daemon_state daemon;
	/* The host transaction the daemon has (its request is in ud->buf): */
	bool txn;
	bool txn_read;
	u8 txn_op;
	u32 txn_len;
	u64 txn_req_id;
	unsigned long txn_deadline;
};

static struct hv_vss_msg *vss_host_msg(struct vss_state *st)
{
	return (struct hv_vss_msg *)(st->ud->buf + HVT_IC_BODY_OFFSET);
}

/*
 * One host request. Return: true once it is with the daemon (nothing to
 * answer yet); false with *ret_status the answer.
 */
static bool vss_handle(struct vss_state *st, struct hvu_ic_msg *m, u32 *ret_status)
{
	struct device *dev = &st->ud->hdev->device;
	struct hv_vss_msg *in = (struct hv_vss_msg *)m->body;
	struct hv_vss_msg out = { };
	unsigned long timeout;
	u8 op;
	int ret;

	*ret_status = HV_E_FAIL;
	if (m->body_len < sizeof(*in)) {
		dev_warn_ratelimited(dev, "VSS: %u-byte request refused\n", m->body_len);
		return false;
	}
	op = in->vss_hdr.operation;
	switch (op) {
	case VSS_OP_FREEZE:
	case VSS_OP_THAW:
	case VSS_OP_HOT_BACKUP:
		break;
	case VSS_OP_GET_DM_INFO:
		in->dm_info.flags = 0;
		fallthrough;
	case VSS_OP_CREATE:
	case VSS_OP_DELETE:
	case VSS_OP_BU_COMPLETE:
	case VSS_OP_AUTO_RECOVER:
		/* Nothing for the guest to do, as in the stock driver. */
		*ret_status = HV_S_OK;
		return false;
	default:
		dev_warn_ratelimited(dev, "VSS: unknown operation %u refused\n", op);
		return false;
	}
	if (st->daemon != VSS_DAEMON_READY) {
		dev_warn_ratelimited(dev, "VSS: no daemon for operation %u\n", op);
		return false;
	}

	out.vss_hdr.operation = op;
	ret = hvu_cdev_send(st->cdev, &out, sizeof(out), false);
	if (ret) {
		dev_warn_ratelimited(dev, "VSS: request not passed to the daemon: %d\n", ret);
		return false;
	}
	timeout = op == VSS_OP_FREEZE ? VSS_FREEZE_TIMEOUT : HVU_DAEMON_TIMEOUT;
	st->txn = true;
	st->txn_read = false;
	st->txn_op = op;
	st->txn_len = m->len;
	st->txn_req_id = m->req_id;
	st->txn_deadline = jiffies + timeout;
	schedule_delayed_work(&st->timeout_work, timeout);
	return true;
}

/* Answer the transaction and look for the next one. Called under st->lock. */
static void vss_finish(struct vss_state *st, u32 status)
{
	if (!st->txn)
		return;
	st->txn = false;
	if (!st->live)
		return;
	/*
	 * HOT_BACKUP's answer carries the guest's capabilities: Linux has no
	 * VSS auto-recovery. (Stock means to add this too, but tests a byte
	 * the daemon's status has overwritten; this tests the request.)
	 */
	if (st->txn_op == VSS_OP_HOT_BACKUP)
		vss_host_msg(st)->vss_cf.flags = VSS_HBU_NO_AUTO_RECOVERY;
	hvu_ic_reply(st->ud, st->txn_len, st->txn_req_id, status);
	schedule_work(&st->rx_work);
}

static void vss_rx_work(struct work_struct *work)
{
	struct vss_state *st = container_of(work, struct vss_state, rx_work);
	struct hvu_ic_msg m;
	u32 status;

	mutex_lock(&st->lock);
	if (!st->live || st->txn)
		goto out;
	while (hvu_ic_next(st->ud, ICMSGTYPE_VSS, &vss_vers, &m) > 0) {
		if (vss_handle(st, &m, &status))
			break;		/* with the daemon; the rest waits */
		hvu_ic_reply(st->ud, m.len, m.req_id, status);
	}
out:
	mutex_unlock(&st->lock);
}

static void vss_timeout_work(struct work_struct *work)
{
	struct vss_state *st = container_of(to_delayed_work(work), struct vss_state,
					    timeout_work);

	mutex_lock(&st->lock);
	if (st->txn && time_after_eq(jiffies, st->txn_deadline)) {
		dev_warn(&st->ud->hdev->device,
			 "VSS: daemon did not answer operation %u in time, host request failed\n",
			 st->txn_op);
		hvu_cdev_flush(st->cdev);
		vss_finish(st, HV_E_FAIL);
	}
	mutex_unlock(&st->lock);
}

static void vss_onchannel(void *context)
{
	struct hvu_dev *ud = context;
	struct vss_state *st = ud->priv;

	schedule_work(&st->rx_work);
}

static int vss_daemon_write(void *owner, const void *buf, size_t len)
{
	struct vss_state *st = owner;
	const struct hv_vss_msg *msg = buf;
	u32 ours = VSS_OP_REGISTER1;
	int ret = 0;

	if (len != sizeof(*msg))
		return -EINVAL;

	mutex_lock(&st->lock);
	if (st->daemon == VSS_DAEMON_READY && st->txn && st->txn_read) {
		cancel_delayed_work(&st->timeout_work);
		vss_finish(st, (u32)msg->error);
	} else if (st->txn) {
		/* Registering again in the middle of a transaction. */
		ret = -EINVAL;
	} else if (msg->vss_hdr.operation == VSS_OP_REGISTER1) {
		/* This daemon expects our version back before it is ready. */
		ret = hvu_cdev_send(st->cdev, &ours, sizeof(ours), false);
		if (!ret)
			st->daemon = VSS_DAEMON_REGISTERING;
	} else if (msg->vss_hdr.operation == VSS_OP_REGISTER) {
		/* The oldest daemons expect no answer. */
		st->daemon = VSS_DAEMON_READY;
		schedule_work(&st->rx_work);
	} else {
		ret = -EINVAL;
	}
	mutex_unlock(&st->lock);
	return ret;
}

static void vss_daemon_read_done(void *owner)
{
	struct vss_state *st = owner;

	mutex_lock(&st->lock);
	if (st->daemon == VSS_DAEMON_REGISTERING) {
		st->daemon = VSS_DAEMON_READY;
		dev_info(&st->ud->hdev->device, "VSS: daemon registered\n");
		if (st->live)
			schedule_work(&st->rx_work);
	} else if (st->txn) {
		st->txn_read = true;
	}
	mutex_unlock(&st->lock);
}

static void vss_daemon_release(void *owner)
{
	struct vss_state *st = owner;

	mutex_lock(&st->lock);
	st->daemon = VSS_DAEMON_NONE;
	if (st->txn) {
		cancel_delayed_work(&st->timeout_work);
		vss_finish(st, HV_E_FAIL);
	}
	mutex_unlock(&st->lock);
}

static const struct hvu_cdev_ops vss_cdev_ops = {
	.write = vss_daemon_write,
	.read_done = vss_daemon_read_done,
	.release = vss_daemon_release,
};

static int vss_init(struct hvu_dev *ud)
{
	struct vss_state *st;

	/* VSS 5.0 needs a host of the Windows 8.1 / 2012 R2 generation. */
	if (vmbus_proto_version < VERSION_WIN8_1) {
		dev_warn(&ud->hdev->device, "VSS: not supported on this host version\n");
		return -EOPNOTSUPP;
	}
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->ud = ud;
	mutex_init(&st->lock);
	INIT_WORK(&st->rx_work, vss_rx_work);
	INIT_DELAYED_WORK(&st->timeout_work, vss_timeout_work);
	st->live = true;
	ud->priv = st;
	return 0;
}

static int vss_start(struct hvu_dev *ud)
{
	struct vss_state *st = ud->priv;

	st->cdev = hvu_cdev_create("vmbus/hv_vss", &vss_cdev_ops, st, sizeof(struct hv_vss_msg));
	return st->cdev ? 0 : -ENOMEM;
}

static void vss_cancel_all(struct vss_state *st)
{
	cancel_work_sync(&st->rx_work);
	cancel_delayed_work_sync(&st->timeout_work);
}

static void vss_stop(struct hvu_dev *ud)
{
	struct vss_state *st = ud->priv;

	mutex_lock(&st->lock);
	st->live = false;
	mutex_unlock(&st->lock);
	hvu_cdev_destroy(st->cdev);
	st->cdev = NULL;
	vss_cancel_all(st);
}

static void vss_free(struct hvu_dev *ud)
{
	struct vss_state *st = ud->priv;

	vss_cancel_all(st);
	kfree(st);
	ud->priv = NULL;
}

static int vss_suspend(struct hvu_dev *ud)
{
	struct vss_state *st = ud->priv;
	struct hv_vss_msg thaw = { };

	/*
	 * The daemon may have frozen the filesystems: hand it a THAW in
	 * place of whatever waits, and make it start over (its next write
	 * gets EINVAL, it reopens and registers again).
	 */
	mutex_lock(&st->lock);
	st->live = false;
	st->txn = false;
	if (st->daemon != VSS_DAEMON_NONE) {
		thaw.vss_hdr.operation = VSS_OP_THAW;
		(void)hvu_cdev_send(st->cdev, &thaw, sizeof(thaw), true);
		hvu_cdev_poison(st->cdev);
	}
	mutex_unlock(&st->lock);
	vss_cancel_all(st);
	return 0;
}

static int vss_resume(struct hvu_dev *ud)
{
	struct vss_state *st = ud->priv;

	mutex_lock(&st->lock);
	st->live = true;
	mutex_unlock(&st->lock);
	return 0;
}

const struct hvu_service hvu_vss_service = {
	.name = "VSS",
	.id = HVU_VSS,
	.init = vss_init,
	.start = vss_start,
	.stop = vss_stop,
	.free = vss_free,
	.suspend = vss_suspend,
	.resume = vss_resume,
	.onchannel = vss_onchannel,
	.pkt_size = 2 * HV_HYP_PAGE_SIZE,
};
