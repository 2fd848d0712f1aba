// SPDX-License-Identifier: GPL-2.0
/*
 * KVP (key-value pair exchange) IC. The host's requests (GET, SET, DELETE,
 * ENUMERATE on a pool, GET/SET of a NIC's IP configuration) are answered by
 * hv_kvp_daemon on /dev/vmbus/hv_kvp: each becomes one struct hv_kvp_msg
 * with its text converted from UTF-16 to UTF-8; the daemon's reply is
 * converted back and the host's request, rewritten in place, is the answer.
 *
 * One host transaction at a time: while the daemon works on one, further
 * packets stay in the ring. Everything runs in process context under
 * st->lock; the channel callback only queues the receive work.
 *
 * Without a registered daemon the host's messages, NEGOTIATE included, are
 * held back for up to HVU_KVP_DAEMON_WAIT (the host should not see KVP as
 * ready before the daemon can answer, and a restarting daemon should not
 * cost the host a failed request); after that the channel is served and
 * requests fail with HV_E_FAIL until a daemon registers again.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hyperv.h>
#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "hvu.h"

/* The version string the daemon gets in the registration reply. */
#define KVP_DRIVER_VERSION	"3.1"

#define KVP_BODY_OFF		offsetof(struct hv_kvp_msg, body)
/* Key and value text, once converted for the host, in UTF-16 units. */
#define KVP_HOST_KEY_UNITS	(HV_KVP_EXCHANGE_MAX_KEY_SIZE / 2 - 2)
#define KVP_HOST_VALUE_UNITS	(HV_KVP_EXCHANGE_MAX_VALUE_SIZE / 2 - 2)

static const int kvp_versions[] = {
	(4 << 16) | 0,
	(3 << 16) | 0,
	(1 << 16) | 0,
};

static const struct hvu_versions kvp_vers = {
	.fw = hvu_fw_versions, .nfw = ARRAY_SIZE(hvu_fw_versions),
	.srv = kvp_versions, .nsrv = ARRAY_SIZE(kvp_versions),
};

enum kvp_daemon_state {
	KVP_DAEMON_NONE,	/* nobody registered */
	KVP_DAEMON_REGISTERING,	/* registration answered, not yet read */
	KVP_DAEMON_READY,
};

struct kvp_state {
	struct hvu_dev *ud;
	struct hvu_cdev *cdev;
	struct work_struct rx_work;
	struct delayed_work timeout_work;
	struct delayed_work wait_work;

	struct mutex lock;		/* protects everything below */
	bool live;			/* channel open, not being removed */
	enum kvp_daemon_state daemon;
	u8 daemon_op;			/* KVP_OP_REGISTER or KVP_OP_REGISTER1 */
	bool wait_over;			/* no daemon came in time: serve anyway */
	bool wait_armed;
	/* The host transaction the daemon has (its request is in ud->buf): */
	bool txn;
	bool txn_read;			/* the daemon has read the request */
	u8 txn_op;
	u32 txn_len;
	u64 txn_req_id;
	unsigned long txn_deadline;
	struct hv_kvp_msg *dmsg;	/* message being built for the daemon */
};

/* Convert host text of @src_bytes (at most @src_cap) into a daemon field. */
static u32 kvp_to_utf8(const void *src, u32 src_bytes, u32 src_cap, void *dst, u32 dst_size)
{
	return hvt_utf16le_to_utf8(src, min(src_bytes, src_cap) / 2, dst, dst_size);
}

/* Convert a daemon field into host text; false on invalid UTF-8. */
static bool kvp_to_utf16(const void *src, u32 src_size, void *dst, u32 dst_units, u32 *ret_units)
{
	long n = hvt_utf8_to_utf16le(src, hvt_field_strlen(src, src_size), dst, dst_units);

	if (n < 0)
		return false;
	if (ret_units)
		*ret_units = n;
	return true;
}

/* Host data of a pool request: key (and value) into the daemon's message. */
static u32 kvp_build_pool_op(struct kvp_state *st, const struct hv_kvp_msg *in, u8 op)
{
	struct hv_kvp_msg *dm = st->dmsg;
	const struct hv_kvp_exchg_msg_value *iv;
	struct hv_kvp_exchg_msg_value *dv;

	switch (op) {
	case KVP_OP_SET:
		iv = &in->body.kvp_set.data;
		dv = &dm->body.kvp_set.data;
		switch (iv->value_type) {
		case REG_SZ:
			dv->value_size = kvp_to_utf8(iv->value, iv->value_size,
						     sizeof(iv->value), dv->value,
						     sizeof(dv->value)) + 1;
			break;
		case REG_U32:
			dv->value_size = scnprintf((char *)dv->value, sizeof(dv->value), "%u",
						   hvt_get_le32(iv->value)) + 1;
			break;
		case REG_U64:
			dv->value_size = scnprintf((char *)dv->value, sizeof(dv->value), "%llu",
						   hvt_get_le64(iv->value)) + 1;
			break;
		default:
			/* As stock: the key is stored with no value. */
			dev_warn_ratelimited(&st->ud->hdev->device,
					     "KVP: SET with value type %u, value dropped\n",
					     iv->value_type);
			break;
		}
		fallthrough;
	case KVP_OP_GET:
		iv = &in->body.kvp_get.data;
		dv = &dm->body.kvp_get.data;
		dv->key_size = kvp_to_utf8(iv->key, iv->key_size, sizeof(iv->key), dv->key,
					   sizeof(dv->key)) + 1;
		break;
	case KVP_OP_DELETE:
		dm->body.kvp_delete.key_size =
			kvp_to_utf8(in->body.kvp_delete.key, in->body.kvp_delete.key_size,
				    sizeof(in->body.kvp_delete.key), dm->body.kvp_delete.key,
				    sizeof(dm->body.kvp_delete.key)) + 1;
		break;
	case KVP_OP_ENUMERATE:
		dm->body.kvp_enum_data.index = in->body.kvp_enum_data.index;
		break;
	}
	return HV_S_OK;
}

#define KVP_IP_TO_UTF8(dm, in, field) \
	hvt_utf16le_to_utf8((const u8 *)(in)->kvp_ip_val.field, \
			    ARRAY_SIZE((in)->kvp_ip_val.field), \
			    (char *)(dm)->body.kvp_ip_val.field, \
			    sizeof((dm)->body.kvp_ip_val.field))

/* Host data of an IP configuration request, UTF-8 in the daemon's fields. */
static void kvp_build_ip_op(struct kvp_state *st, const struct hv_kvp_ip_msg *in, u8 op)
{
	struct hv_kvp_msg *dm = st->dmsg;

	dm->kvp_hdr.pool = in->pool;
	KVP_IP_TO_UTF8(dm, in, adapter_id);
	dm->body.kvp_ip_val.addr_family = in->kvp_ip_val.addr_family;
	if (op != KVP_OP_SET_IP_INFO)
		return;
	KVP_IP_TO_UTF8(dm, in, ip_addr);
	KVP_IP_TO_UTF8(dm, in, sub_net);
	KVP_IP_TO_UTF8(dm, in, gate_way);
	KVP_IP_TO_UTF8(dm, in, dns_addr);
	dm->body.kvp_ip_val.dhcp_enabled = in->kvp_ip_val.dhcp_enabled;
}

/* Bytes of the host's body each operation needs (its part of the union). */
static u32 kvp_body_need(u8 op)
{
	switch (op) {
	case KVP_OP_GET:
	case KVP_OP_SET:
		return KVP_BODY_OFF + sizeof(struct hv_kvp_msg_get);
	case KVP_OP_DELETE:
		return KVP_BODY_OFF + sizeof(struct hv_kvp_msg_delete);
	case KVP_OP_ENUMERATE:
		return KVP_BODY_OFF + sizeof(struct hv_kvp_msg_enumerate);
	case KVP_OP_GET_IP_INFO:
	case KVP_OP_SET_IP_INFO:
		return sizeof(struct hv_kvp_ip_msg);
	default:
		return 0;
	}
}

/*
 * Check the host's request and hand it to the daemon.
 * Return: HV_S_OK when it is with the daemon, else the status to answer.
 */
static u32 kvp_forward(struct kvp_state *st, struct hvu_ic_msg *m)
{
	struct device *dev = &st->ud->hdev->device;
	const struct hv_kvp_msg *in = (const struct hv_kvp_msg *)m->body;
	u32 need;
	u8 op;
	int ret;

	if (m->body_len < sizeof(struct hv_kvp_hdr)) {
		dev_warn_ratelimited(dev, "KVP: %u-byte request refused\n", m->body_len);
		return HV_E_FAIL;
	}
	op = in->kvp_hdr.operation;
	need = kvp_body_need(op);
	if (!need) {
		dev_warn_ratelimited(dev, "KVP: unknown operation %u refused\n", op);
		return HV_E_FAIL;
	}
	if (m->body_len < need) {
		dev_warn_ratelimited(dev, "KVP: operation %u in %u bytes, %u needed: refused\n",
				     op, m->body_len, need);
		return HV_E_FAIL;
	}
	if (st->daemon != KVP_DAEMON_READY)
		return HV_E_FAIL;

	memset(st->dmsg, 0, sizeof(*st->dmsg));
	st->dmsg->kvp_hdr.operation = op;
	if (op == KVP_OP_GET_IP_INFO || op == KVP_OP_SET_IP_INFO) {
		kvp_build_ip_op(st, (const struct hv_kvp_ip_msg *)m->body, op);
	} else {
		if (in->kvp_hdr.pool >= KVP_POOL_COUNT) {
			dev_warn_ratelimited(dev, "KVP: unknown pool %u refused\n",
					     in->kvp_hdr.pool);
			return HV_E_FAIL;
		}
		st->dmsg->kvp_hdr.pool = in->kvp_hdr.pool;
		ret = kvp_build_pool_op(st, in, op);
		if (ret)
			return ret;
	}

	ret = hvu_cdev_send(st->cdev, st->dmsg, sizeof(*st->dmsg), false);
	if (ret) {
		dev_warn_ratelimited(dev, "KVP: request not passed to the daemon: %d\n", ret);
		return HV_E_FAIL;
	}
	st->txn = true;
	st->txn_read = false;
	st->txn_op = op;
	st->txn_len = m->len;
	st->txn_req_id = m->req_id;
	st->txn_deadline = jiffies + HVU_DAEMON_TIMEOUT;
	schedule_delayed_work(&st->timeout_work, HVU_DAEMON_TIMEOUT);
	return HV_S_OK;
}

#define KVP_IP_TO_UTF16(out, reply, field) \
	kvp_to_utf16((reply)->body.kvp_ip_val.field, sizeof((reply)->body.kvp_ip_val.field), \
		     (out)->kvp_ip_val.field, ARRAY_SIZE((out)->kvp_ip_val.field), NULL)

/* The daemon's answer into the host's request. Return: the status. */
static u32 kvp_fill_reply(struct kvp_state *st, const struct hv_kvp_msg *reply)
{
	u8 *body = st->ud->buf + HVT_IC_BODY_OFFSET;
	const struct hv_kvp_exchg_msg_value *rv = &reply->body.kvp_enum_data.data;
	struct hv_kvp_exchg_msg_value *hv;
	struct hv_kvp_ip_msg *ip;
	u32 units;

	switch (st->txn_op) {
	case KVP_OP_GET_IP_INFO:
		ip = (struct hv_kvp_ip_msg *)body;
		if (!KVP_IP_TO_UTF16(ip, reply, ip_addr) || !KVP_IP_TO_UTF16(ip, reply, sub_net) ||
		    !KVP_IP_TO_UTF16(ip, reply, gate_way) ||
		    !KVP_IP_TO_UTF16(ip, reply, dns_addr) ||
		    !KVP_IP_TO_UTF16(ip, reply, adapter_id))
			goto bad_text;
		ip->kvp_ip_val.dhcp_enabled = reply->body.kvp_ip_val.dhcp_enabled;
		ip->kvp_ip_val.addr_family = reply->body.kvp_ip_val.addr_family;
		return HV_S_OK;
	case KVP_OP_ENUMERATE:
		hv = &((struct hv_kvp_msg *)body)->body.kvp_enum_data.data;
		if (!kvp_to_utf16(rv->key, sizeof(rv->key), hv->key, KVP_HOST_KEY_UNITS + 1,
				  &units))
			goto bad_text;
		hv->key_size = 2 * (units + 1);
		break;
	case KVP_OP_GET:
		hv = &((struct hv_kvp_msg *)body)->body.kvp_get.data;
		break;
	default:
		/* SET, DELETE, SET_IP_INFO: the status says it all. */
		return HV_S_OK;
	}
	/* GET and ENUMERATE: the daemon puts the value in the ENUMERATE layout. */
	if (!kvp_to_utf16(rv->value, sizeof(rv->value), hv->value, KVP_HOST_VALUE_UNITS + 1,
			  &units))
		goto bad_text;
	hv->value_size = 2 * (units + 1);
	hv->value_type = REG_SZ;
	return HV_S_OK;

bad_text:
	dev_warn_ratelimited(&st->ud->hdev->device, "KVP: daemon answered invalid UTF-8\n");
	return HV_E_FAIL;
}

/* Answer the transaction and look for the next one. Called under st->lock. */
static void kvp_finish(struct kvp_state *st, const struct hv_kvp_msg *reply, u32 status)
{
	if (!st->txn)
		return;
	st->txn = false;
	if (!st->live)
		return;
	if (reply && status == HV_S_OK)
		status = kvp_fill_reply(st, reply);
	hvu_ic_reply(st->ud, st->txn_len, st->txn_req_id, status);
	schedule_work(&st->rx_work);
}

static void kvp_rx_work(struct work_struct *work)
{
	struct kvp_state *st = container_of(work, struct kvp_state, rx_work);
	struct hvu_ic_msg m;
	u32 status;

	mutex_lock(&st->lock);
	if (!st->live || st->txn)
		goto out;
	if (st->daemon != KVP_DAEMON_READY && !st->wait_over) {
		if (!st->wait_armed) {
			st->wait_armed = true;
			schedule_delayed_work(&st->wait_work, HVU_KVP_DAEMON_WAIT);
		}
		goto out;
	}
	while (hvu_ic_next(st->ud, ICMSGTYPE_KVPEXCHANGE, &kvp_vers, &m) > 0) {
		status = kvp_forward(st, &m);
		if (status == HV_S_OK)
			break;		/* with the daemon; the rest waits */
		hvu_ic_reply(st->ud, m.len, m.req_id, status);
	}
out:
	mutex_unlock(&st->lock);
}

static void kvp_wait_work(struct work_struct *work)
{
	struct kvp_state *st = container_of(to_delayed_work(work), struct kvp_state, wait_work);

	mutex_lock(&st->lock);
	st->wait_armed = false;
	if (st->daemon != KVP_DAEMON_READY) {
		dev_info(&st->ud->hdev->device, "KVP: no daemon registered, serving the host\n");
		st->wait_over = true;
		if (st->live)
			schedule_work(&st->rx_work);
	}
	mutex_unlock(&st->lock);
}

static void kvp_timeout_work(struct work_struct *work)
{
	struct kvp_state *st = container_of(to_delayed_work(work), struct kvp_state,
					    timeout_work);

	mutex_lock(&st->lock);
	/* A reply may have finished this one and a new one started since. */
	if (st->txn && time_after_eq(jiffies, st->txn_deadline)) {
		dev_warn_ratelimited(&st->ud->hdev->device,
				     "KVP: daemon did not answer in time, host request failed\n");
		hvu_cdev_flush(st->cdev);
		kvp_finish(st, NULL, HV_E_FAIL);
	}
	mutex_unlock(&st->lock);
}

static void kvp_onchannel(void *context)
{
	struct hvu_dev *ud = context;
	struct kvp_state *st = ud->priv;

	schedule_work(&st->rx_work);
}

/* The daemon's registration: answer with our version, ready once read. */
static int kvp_register(struct kvp_state *st, const struct hv_kvp_msg *msg)
{
	u8 op = msg->kvp_hdr.operation;
	int ret;

	if (op != KVP_OP_REGISTER1 && op != KVP_OP_REGISTER) {
		dev_warn_ratelimited(&st->ud->hdev->device,
				     "KVP: daemon registration %u not understood\n", op);
		return -EINVAL;
	}
	memset(st->dmsg, 0, sizeof(*st->dmsg));
	st->dmsg->kvp_hdr.operation = op;
	strscpy((char *)st->dmsg->body.kvp_register.version, KVP_DRIVER_VERSION,
		sizeof(st->dmsg->body.kvp_register.version));
	ret = hvu_cdev_send(st->cdev, st->dmsg, sizeof(*st->dmsg), false);
	if (ret)
		return ret;
	if (op == KVP_OP_REGISTER)
		dev_info(&st->ud->hdev->device,
			 "KVP: old daemon, no IP injection; upgrade it\n");
	st->daemon_op = op;
	st->daemon = KVP_DAEMON_REGISTERING;
	return 0;
}

static int kvp_daemon_write(void *owner, const void *buf, size_t len)
{
	struct kvp_state *st = owner;
	const struct hv_kvp_msg *msg = buf;
	u32 status;
	int ret = 0;

	if (len < sizeof(*msg))
		return -EINVAL;

	mutex_lock(&st->lock);
	if (st->daemon == KVP_DAEMON_NONE) {
		ret = kvp_register(st, msg);
	} else if (st->daemon == KVP_DAEMON_READY && st->txn && st->txn_read) {
		/*
		 * Old daemons report failure with an empty key, newer ones
		 * with the status over the header.
		 */
		if (st->daemon_op == KVP_OP_REGISTER)
			status = msg->body.kvp_enum_data.data.key[0] ? HV_S_OK : HV_S_CONT;
		else
			status = (u32)msg->error;
		cancel_delayed_work(&st->timeout_work);
		kvp_finish(st, msg, status);
	} else {
		/* Nothing asked: a late answer, or out of turn. */
		ret = -EINVAL;
	}
	mutex_unlock(&st->lock);
	return ret;
}

static void kvp_daemon_read_done(void *owner)
{
	struct kvp_state *st = owner;

	mutex_lock(&st->lock);
	if (st->daemon == KVP_DAEMON_REGISTERING) {
		st->daemon = KVP_DAEMON_READY;
		st->wait_over = false;
		cancel_delayed_work(&st->wait_work);
		st->wait_armed = false;
		if (st->live)
			schedule_work(&st->rx_work);
	} else if (st->txn) {
		st->txn_read = true;
	}
	mutex_unlock(&st->lock);
}

static void kvp_daemon_release(void *owner)
{
	struct kvp_state *st = owner;

	mutex_lock(&st->lock);
	st->daemon = KVP_DAEMON_NONE;
	/* A daemon coming back soon gets the next requests. */
	st->wait_over = false;
	if (st->txn) {
		cancel_delayed_work(&st->timeout_work);
		kvp_finish(st, NULL, HV_E_FAIL);
	}
	mutex_unlock(&st->lock);
}

static const struct hvu_cdev_ops kvp_cdev_ops = {
	.write = kvp_daemon_write,
	.read_done = kvp_daemon_read_done,
	.release = kvp_daemon_release,
};

static int kvp_init(struct hvu_dev *ud)
{
	struct kvp_state *st;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->dmsg = kzalloc(sizeof(*st->dmsg), GFP_KERNEL);
	if (!st->dmsg) {
		kfree(st);
		return -ENOMEM;
	}
	st->ud = ud;
	mutex_init(&st->lock);
	INIT_WORK(&st->rx_work, kvp_rx_work);
	INIT_DELAYED_WORK(&st->timeout_work, kvp_timeout_work);
	INIT_DELAYED_WORK(&st->wait_work, kvp_wait_work);
	st->live = true;
	ud->priv = st;
	return 0;
}

static int kvp_start(struct hvu_dev *ud)
{
	struct kvp_state *st = ud->priv;

	st->cdev = hvu_cdev_create("vmbus/hv_kvp", &kvp_cdev_ops, st, sizeof(struct hv_kvp_msg));
	return st->cdev ? 0 : -ENOMEM;
}

static void kvp_cancel_all(struct kvp_state *st)
{
	cancel_work_sync(&st->rx_work);
	cancel_delayed_work_sync(&st->timeout_work);
	cancel_delayed_work_sync(&st->wait_work);
}

static void kvp_stop(struct hvu_dev *ud)
{
	struct kvp_state *st = ud->priv;

	mutex_lock(&st->lock);
	st->live = false;
	mutex_unlock(&st->lock);
	hvu_cdev_destroy(st->cdev);
	st->cdev = NULL;
	kvp_cancel_all(st);
}

static void kvp_free(struct hvu_dev *ud)
{
	struct kvp_state *st = ud->priv;

	/* A callback may have queued work between stop and the close. */
	kvp_cancel_all(st);
	kfree(st->dmsg);
	kfree(st);
	ud->priv = NULL;
}

static int kvp_suspend(struct hvu_dev *ud)
{
	struct kvp_state *st = ud->priv;

	/*
	 * The host forgets the transaction with the channel; the daemon
	 * stays registered, and a reply it still sends gets EINVAL.
	 */
	mutex_lock(&st->lock);
	st->live = false;
	st->txn = false;
	hvu_cdev_flush(st->cdev);
	mutex_unlock(&st->lock);
	kvp_cancel_all(st);
	return 0;
}

static int kvp_resume(struct hvu_dev *ud)
{
	struct kvp_state *st = ud->priv;

	mutex_lock(&st->lock);
	st->live = true;
	mutex_unlock(&st->lock);
	return 0;
}

const struct hvu_service hvu_kvp_service = {
	.name = "KVP",
	.id = HVU_KVP,
	.init = kvp_init,
	.start = kvp_start,
	.stop = kvp_stop,
	.free = kvp_free,
	.suspend = kvp_suspend,
	.resume = kvp_resume,
	.onchannel = kvp_onchannel,
	.pkt_size = 4 * HV_HYP_PAGE_SIZE,
};
