// SPDX-License-Identifier: GPL-2.0
/*
 * Time sync IC. Every message carries the host's clock; the latest one is
 * kept with the partition reference counter read when it arrived, so the
 * host's time "now" is that sample plus the counter's progress since. It
 * is offered to userspace as the PTP clock "hyperv" (chrony/ntpd discipline
 * the clock from it), and a sample flagged SYNC (after boot, resume or
 * restore) sets the system clock outright, from a work item.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hyperv.h>
#include <linux/ptp_clock_kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/time64.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <asm/mshyperv.h>

#include "hvu.h"

/*
 * Bodies. Version 4: struct ictimesync_ref_data (parenttime u64,
 * vmreferencetime u64, flags u8, ...). Older: struct ictimesync_data
 * (parenttime u64, childtime u64, roundtriptime u64, flags u8).
 */
#define TS_V4_NEED		17u
#define TS_V4_OFF_REFTIME	8u
#define TS_V4_OFF_FLAGS		16u
#define TS_V3_NEED		25u
#define TS_V3_OFF_FLAGS		24u

#define TS_VERSION_4		((4 << 16) | 0)

/* A sample older than this is stale: the PTP clock reports ESTALE. */
#define TS_STALE_100NS		(600ull * 10 * 1000 * 1000)

static const int ts_versions[] = {
	TS_VERSION_4,
	(3 << 16) | 0,
	(1 << 16) | 0,
};

static const struct hvu_versions ts_vers = {
	.fw = hvu_fw_versions, .nfw = ARRAY_SIZE(hvu_fw_versions),
	.srv = ts_versions, .nsrv = ARRAY_SIZE(ts_versions),
};

struct tsync_state {
	struct hvu_dev *ud;
	struct ptp_clock_info ptp_info;
	struct ptp_clock *ptp;
	struct work_struct settime_work;

	spinlock_t lock;	/* protects the sample: */
	bool have_sample;
	u64 host_time;		/* host clock, 100 ns units since 1601 ... */
	u64 ref_time;		/* ... when the reference counter read this */
};

/* The host's time now, from the last sample. */
static int ts_host_now(struct tsync_state *st, struct timespec64 *ret)
{
	unsigned long flags;
	u64 now, elapsed;
	s64 ns;
	bool have;

	spin_lock_irqsave(&st->lock, flags);
	have = st->have_sample;
	now = hv_read_reference_counter();
	elapsed = now - st->ref_time;
	now = st->host_time + elapsed;
	spin_unlock_irqrestore(&st->lock, flags);

	if (!have)
		return -EAGAIN;
	if (!hvt_filetime_to_unix_ns(now, &ns))
		return -ERANGE;
	*ret = ns_to_timespec64(ns);
	if (elapsed > TS_STALE_100NS) {
		pr_warn_once("time sync: the host's last sample is %llu s old\n",
			     elapsed / (10 * 1000 * 1000));
		return -ESTALE;
	}
	return 0;
}

static void ts_settime(struct work_struct *work)
{
	struct tsync_state *st = container_of(work, struct tsync_state, settime_work);
	struct timespec64 ts;
	int ret;

	if (ts_host_now(st, &ts))
		return;
	ret = do_settimeofday64(&ts);
	if (ret)
		dev_warn_ratelimited(&st->ud->hdev->device, "time sync: clock not set: %d\n", ret);
}

/*
 * @ref_time is the reference counter when the host took @host_time (v4),
 * or now (older versions, which do not say); the sample is moved forward
 * to now by the difference.
 */
static void ts_sample(struct tsync_state *st, u64 host_time, u64 ref_time, u8 flags)
{
	unsigned long irqflags;
	s64 ns;
	u64 now;

	if (!hvt_filetime_to_unix_ns(host_time, &ns)) {
		dev_warn_ratelimited(&st->ud->hdev->device,
				     "time sync: host time %llu out of range, ignored\n", host_time);
		return;
	}
	spin_lock_irqsave(&st->lock, irqflags);
	now = hv_read_reference_counter();
	st->host_time = host_time + (now - ref_time);
	st->ref_time = now;
	st->have_sample = true;
	spin_unlock_irqrestore(&st->lock, irqflags);

	if (flags & ICTIMESYNCFLAG_SYNC)
		schedule_work(&st->settime_work);
}

static u32 ts_handle(struct hvu_dev *ud, struct hvu_ic_msg *m)
{
	struct tsync_state *st = ud->priv;

	if (ud->srv_version >= TS_VERSION_4) {
		if (m->body_len < TS_V4_NEED)
			goto too_short;
		ts_sample(st, hvt_get_le64(m->body), hvt_get_le64(m->body + TS_V4_OFF_REFTIME),
			  m->body[TS_V4_OFF_FLAGS]);
	} else {
		if (m->body_len < TS_V3_NEED)
			goto too_short;
		ts_sample(st, hvt_get_le64(m->body), hv_read_reference_counter(),
			  m->body[TS_V3_OFF_FLAGS]);
	}
	return HV_S_OK;

too_short:
	dev_warn_ratelimited(&ud->hdev->device, "time sync: %u-byte sample refused\n",
			     m->body_len);
	return HV_E_FAIL;
}

static void ts_onchannel(void *context)
{
	hvu_ic_serve(context, ICMSGTYPE_TIMESYNC, &ts_vers, ts_handle);
}

/* The PTP clock is read-only: the host's time cannot be steered from here. */
static int ts_ptp_gettime(struct ptp_clock_info *info, struct timespec64 *ts)
{
	return ts_host_now(container_of(info, struct tsync_state, ptp_info), ts);
}

static int ts_ptp_settime(struct ptp_clock_info *info, const struct timespec64 *ts)
{
	return -EOPNOTSUPP;
}

static int ts_ptp_adjtime(struct ptp_clock_info *info, s64 delta)
{
	return -EOPNOTSUPP;
}

static int ts_ptp_adjfine(struct ptp_clock_info *info, long scaled_ppm)
{
	return -EOPNOTSUPP;
}

static int ts_ptp_enable(struct ptp_clock_info *info, struct ptp_clock_request *rq, int on)
{
	return -EOPNOTSUPP;
}

static int ts_init(struct hvu_dev *ud)
{
	struct tsync_state *st;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->ud = ud;
	spin_lock_init(&st->lock);
	INIT_WORK(&st->settime_work, ts_settime);
	st->ptp_info = (struct ptp_clock_info) {
		.owner = THIS_MODULE,
		.name = "hyperv",
		.gettime64 = ts_ptp_gettime,
		.settime64 = ts_ptp_settime,
		.adjtime = ts_ptp_adjtime,
		.adjfine = ts_ptp_adjfine,
		.enable = ts_ptp_enable,
	};
	ud->priv = st;
	return 0;
}

static int ts_start(struct hvu_dev *ud)
{
	struct tsync_state *st = ud->priv;

	/*
	 * Without PTP support (NULL) or if registering fails, SYNC samples
	 * still set the clock: carry on without the PTP device.
	 */
	st->ptp = ptp_clock_register(&st->ptp_info, NULL);
	if (IS_ERR_OR_NULL(st->ptp)) {
		dev_err(&ud->hdev->device, "time sync: no PTP clock: %d\n",
			PTR_ERR_OR_ZERO(st->ptp));
		st->ptp = NULL;
	}
	return 0;
}

static void ts_stop(struct hvu_dev *ud)
{
	struct tsync_state *st = ud->priv;

	if (st->ptp)
		ptp_clock_unregister(st->ptp);
	st->ptp = NULL;
}

static void ts_free(struct hvu_dev *ud)
{
	struct tsync_state *st = ud->priv;

	cancel_work_sync(&st->settime_work);
	kfree(st);
	ud->priv = NULL;
}

static int ts_suspend(struct hvu_dev *ud)
{
	struct tsync_state *st = ud->priv;

	cancel_work_sync(&st->settime_work);
	return 0;
}

const struct hvu_service hvu_timesync_service = {
	.name = "timesync",
	.id = HVU_TIMESYNC,
	.init = ts_init,
	.start = ts_start,
	.stop = ts_stop,
	.free = ts_free,
	.suspend = ts_suspend,
	.onchannel = ts_onchannel,
	.pkt_size = HV_HYP_PAGE_SIZE,
};
