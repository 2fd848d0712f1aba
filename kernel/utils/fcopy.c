// SPDX-License-Identifier: GPL-2.0
/*
 * File copy IC ("Guest services", Copy-VMFile): the host sends START (names
 * and size), WRITE chunks of up to 6 KiB, then COMPLETE or CANCEL; each is
 * handed to hv_fcopy_daemon on /dev/vmbus/hv_fcopy and the daemon's 4-byte
 * status is the answer. START's names are converted from UTF-16 to UTF-8
 * here. One host transaction at a time, as KVP does.
 *
 * Mainline dropped this from hv_utils in 6.10 (the channel went to
 * uio_hv_generic and the daemon runs the ring itself); this driver keeps
 * it on every kernel, so where it is loaded the channel is bound here and
 * the daemon finds /dev/vmbus/hv_fcopy, not a uio device.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hyperv.h>
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "hvu.h"

static const int fcopy_fw_versions[] = { UTIL_FW_VERSION };
static const int fcopy_versions[] = { (1 << 16) | 1 };

static const struct hvu_versions fcopy_vers = {
	.fw = fcopy_fw_versions, .nfw = ARRAY_SIZE(fcopy_fw_versions),
	.srv = fcopy_versions, .nsrv = ARRAY_SIZE(fcopy_versions),
};

/* struct hv_do_fcopy up to its data. */
#define FCOPY_WRITE_HDR		offsetof(struct hv_do_fcopy, data)

enum fcopy_daemon_state {
	FCOPY_DAEMON_NONE,
	FCOPY_DAEMON_REGISTERING,	/* version answered, not yet read */
	FCOPY_DAEMON_READY,
};

/* The largest message the daemon gets: a WRITE. */
union fcopy_out {
	struct hv_fcopy_hdr hdr;
	struct hv_start_fcopy start;
	struct hv_do_fcopy write;
};

struct fcopy_state {
	struct hvu_dev *ud;
	struct hvu_cdev *cdev;
	struct work_struct rx_work;
	struct delayed_work timeout_work;

	struct mutex lock;		/* protects everything below */
	bool live;			/* channel open, not being removed */
	enum fcopy_daemon_state daemon;
	/* The host transaction the daemon has (its request is in ud->buf): */
	bool txn;
	bool txn_read;
	u32 txn_len;
	u64 txn_req_id;
	unsigned long txn_deadline;
	union fcopy_out *out;		/* message being built for the daemon */
};

/* One START name, UTF-16LE from the host into the daemon's UTF-8 field. */
static bool fcopy_name(const __u16 *in, __u16 *out)
{
	size_t size = W_MAX_PATH * sizeof(*out);

	if (hvt_utf16le_utf8_len((const u8 *)in, W_MAX_PATH) >= size)
		return false;
	hvt_utf16le_to_utf8((const u8 *)in, W_MAX_PATH, (char *)out, size);
	return true;
}

/* Check a host request and build the daemon's message. Return: its length. */
static size_t fcopy_build(struct fcopy_state *st, struct hvu_ic_msg *m)
{
	struct device *dev = &st->ud->hdev->device;
	const struct hv_fcopy_hdr *hdr = (const struct hv_fcopy_hdr *)m->body;
	const struct hv_start_fcopy *start;
	const struct hv_do_fcopy *wr;
	union fcopy_out *out = st->out;

	memset(out, 0, sizeof(*out));
	out->hdr.operation = hdr->operation;
	switch (hdr->operation) {
	case START_FILE_COPY:
		if (m->body_len < sizeof(*start))
			break;
		start = (const struct hv_start_fcopy *)m->body;
		/*
		 * A name cut short would create the wrong file: refuse one
		 * whose UTF-8 does not fit its field (stock cuts at 259 bytes;
		 * the field, and what daemons read, is 520).
		 */
		if (!fcopy_name(start->file_name, out->start.file_name) ||
		    !fcopy_name(start->path_name, out->start.path_name)) {
			dev_warn_ratelimited(dev, "fcopy: name too long for UTF-8, refused\n");
			return 0;
		}
		out->start.copy_flags = start->copy_flags;
		out->start.file_size = start->file_size;
		return sizeof(out->start);
	case WRITE_TO_FILE:
		if (m->body_len < FCOPY_WRITE_HDR)
			break;
		wr = (const struct hv_do_fcopy *)m->body;
		/* The chunk must fit the message and be all in the packet. */
		if (wr->size > DATA_FRAGMENT || wr->size > m->body_len - FCOPY_WRITE_HDR) {
			dev_warn_ratelimited(dev, "fcopy: %u-byte chunk in a %u-byte packet refused\n",
					     wr->size, m->body_len);
			return 0;
		}
		out->write.offset = wr->offset;
		out->write.size = wr->size;
		memcpy(out->write.data, wr->data, wr->size);
		return sizeof(out->write);
	case COMPLETE_FCOPY:
	case CANCEL_FCOPY:
		return sizeof(out->hdr);
	default:
		dev_warn_ratelimited(dev, "fcopy: unknown operation %u refused\n",
				     hdr->operation);
		return 0;
	}
	dev_warn_ratelimited(dev, "fcopy: operation %u in %u bytes refused\n",
			     hdr->operation, m->body_len);
	return 0;
}

/* Return: true once the request is with the daemon. */
static bool fcopy_forward(struct fcopy_state *st, struct hvu_ic_msg *m)
{
	struct device *dev = &st->ud->hdev->device;
	size_t len;
	int ret;

	if (m->body_len < sizeof(struct hv_fcopy_hdr)) {
		dev_warn_ratelimited(dev, "fcopy: %u-byte request refused\n", m->body_len);
		return false;
	}
	len = fcopy_build(st, m);
	if (!len)
		return false;
	if (st->daemon != FCOPY_DAEMON_READY) {
		dev_warn_ratelimited(dev, "fcopy: no daemon, request failed\n");
		return false;
	}
	ret = hvu_cdev_send(st->cdev, st->out, len, false);
	if (ret) {
		dev_warn_ratelimited(dev, "fcopy: request not passed to the daemon: %d\n", ret);
		return false;
	}
	st->txn = true;
	st->txn_read = false;
	st->txn_len = m->len;
	st->txn_req_id = m->req_id;
	st->txn_deadline = jiffies + HVU_DAEMON_TIMEOUT;
	schedule_delayed_work(&st->timeout_work, HVU_DAEMON_TIMEOUT);
	return true;
}

/* Answer the transaction and look for the next one. Called under st->lock. */
static void fcopy_finish(struct fcopy_state *st, u32 status)
{
	if (!st->txn)
		return;
	st->txn = false;
	if (!st->live)
		return;
	hvu_ic_reply(st->ud, st->txn_len, st->txn_req_id, status);
	schedule_work(&st->rx_work);
}

static void fcopy_rx_work(struct work_struct *work)
{
	struct fcopy_state *st = container_of(work, struct fcopy_state, rx_work);
	struct hvu_ic_msg m;

	mutex_lock(&st->lock);
	if (!st->live || st->txn)
		goto out;
	while (hvu_ic_next(st->ud, ICMSGTYPE_FCOPY, &fcopy_vers, &m) > 0) {
		if (fcopy_forward(st, &m))
			break;		/* with the daemon; the rest waits */
		hvu_ic_reply(st->ud, m.len, m.req_id, HV_E_FAIL);
	}
out:
	mutex_unlock(&st->lock);
}

static void fcopy_timeout_work(struct work_struct *work)
{
	struct fcopy_state *st = container_of(to_delayed_work(work), struct fcopy_state,
					      timeout_work);

	mutex_lock(&st->lock);
	if (st->txn && time_after_eq(jiffies, st->txn_deadline)) {
		dev_warn_ratelimited(&st->ud->hdev->device,
				     "fcopy: daemon did not answer in time, host request failed\n");
		hvu_cdev_flush(st->cdev);
		fcopy_finish(st, HV_E_FAIL);
	}
	mutex_unlock(&st->lock);
}

static void fcopy_onchannel(void *context)
{
	struct hvu_dev *ud = context;
	struct fcopy_state *st = ud->priv;

	schedule_work(&st->rx_work);
}

static int fcopy_daemon_write(void *owner, const void *buf, size_t len)
{
	struct fcopy_state *st = owner;
	u32 ours = FCOPY_CURRENT_VERSION;
	int ret = 0;
	s32 val;

	if (len != sizeof(val))
		return -EINVAL;
	memcpy(&val, buf, sizeof(val));

	mutex_lock(&st->lock);
	if (st->daemon == FCOPY_DAEMON_NONE) {
		switch (val) {
		case FCOPY_VERSION_1:
			/* This daemon expects our version back. */
			ret = hvu_cdev_send(st->cdev, &ours, sizeof(ours), false);
			if (!ret)
				st->daemon = FCOPY_DAEMON_REGISTERING;
			break;
		case FCOPY_VERSION_0:
			st->daemon = FCOPY_DAEMON_READY;
			schedule_work(&st->rx_work);
			break;
		default:
			dev_warn_ratelimited(&st->ud->hdev->device,
					     "fcopy: daemon version %d not supported\n", val);
			ret = -EINVAL;
			break;
		}
	} else if (st->daemon == FCOPY_DAEMON_READY && st->txn && st->txn_read) {
		cancel_delayed_work(&st->timeout_work);
		fcopy_finish(st, (u32)val);
	} else {
		ret = -EINVAL;
	}
	mutex_unlock(&st->lock);
	return ret;
}

static void fcopy_daemon_read_done(void *owner)
{
	struct fcopy_state *st = owner;

	mutex_lock(&st->lock);
	if (st->daemon == FCOPY_DAEMON_REGISTERING) {
		st->daemon = FCOPY_DAEMON_READY;
		if (st->live)
			schedule_work(&st->rx_work);
	} else if (st->txn) {
		st->txn_read = true;
	}
	mutex_unlock(&st->lock);
}

static void fcopy_daemon_release(void *owner)
{
	struct fcopy_state *st = owner;

	mutex_lock(&st->lock);
	st->daemon = FCOPY_DAEMON_NONE;
	if (st->txn) {
		cancel_delayed_work(&st->timeout_work);
		fcopy_finish(st, HV_E_FAIL);
	}
	mutex_unlock(&st->lock);
}

static const struct hvu_cdev_ops fcopy_cdev_ops = {
	.write = fcopy_daemon_write,
	.read_done = fcopy_daemon_read_done,
	.release = fcopy_daemon_release,
};

static int fcopy_init(struct hvu_dev *ud)
{
	struct fcopy_state *st;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->out = kzalloc(sizeof(*st->out), GFP_KERNEL);
	if (!st->out) {
		kfree(st);
		return -ENOMEM;
	}
	st->ud = ud;
	mutex_init(&st->lock);
	INIT_WORK(&st->rx_work, fcopy_rx_work);
	INIT_DELAYED_WORK(&st->timeout_work, fcopy_timeout_work);
	st->live = true;
	ud->priv = st;
	return 0;
}

static int fcopy_start(struct hvu_dev *ud)
{
	struct fcopy_state *st = ud->priv;

	st->cdev = hvu_cdev_create("vmbus/hv_fcopy", &fcopy_cdev_ops, st, sizeof(s32));
	return st->cdev ? 0 : -ENOMEM;
}

static void fcopy_cancel_all(struct fcopy_state *st)
{
	cancel_work_sync(&st->rx_work);
	cancel_delayed_work_sync(&st->timeout_work);
}

static void fcopy_stop(struct hvu_dev *ud)
{
	struct fcopy_state *st = ud->priv;

	mutex_lock(&st->lock);
	st->live = false;
	mutex_unlock(&st->lock);
	hvu_cdev_destroy(st->cdev);
	st->cdev = NULL;
	fcopy_cancel_all(st);
}

static void fcopy_free(struct hvu_dev *ud)
{
	struct fcopy_state *st = ud->priv;

	fcopy_cancel_all(st);
	kfree(st->out);
	kfree(st);
	ud->priv = NULL;
}

static int fcopy_suspend(struct hvu_dev *ud)
{
	struct fcopy_state *st = ud->priv;
	struct hv_fcopy_hdr cancel = { .operation = CANCEL_FCOPY };

	/*
	 * A copy in progress cannot survive: tell the daemon to drop it, in
	 * place of whatever waits, and make it start over.
	 */
	mutex_lock(&st->lock);
	st->live = false;
	st->txn = false;
	if (st->daemon != FCOPY_DAEMON_NONE) {
		(void)hvu_cdev_send(st->cdev, &cancel, sizeof(cancel), true);
		hvu_cdev_poison(st->cdev);
	}
	mutex_unlock(&st->lock);
	fcopy_cancel_all(st);
	return 0;
}

static int fcopy_resume(struct hvu_dev *ud)
{
	struct fcopy_state *st = ud->priv;

	mutex_lock(&st->lock);
	st->live = true;
	mutex_unlock(&st->lock);
	return 0;
}

const struct hvu_service hvu_fcopy_service = {
	.name = "fcopy",
	.id = HVU_FCOPY,
	.init = fcopy_init,
	.start = fcopy_start,
	.stop = fcopy_stop,
	.free = fcopy_free,
	.suspend = fcopy_suspend,
	.resume = fcopy_resume,
	.onchannel = fcopy_onchannel,
	.pkt_size = 2 * HV_HYP_PAGE_SIZE,
};
