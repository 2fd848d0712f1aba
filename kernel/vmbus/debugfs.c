// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/hyperv/<device>/channels: the state of a device's
 * channels, primary first, then its subchannels, for whoever debugs a
 * stuck channel (ring indices that do not move, an interrupt mask left
 * set, a host waiting on pending_send_sz). Read-only: unlike the stock
 * driver's CONFIG_HYPERV_TESTING files there are no fault-injection knobs,
 * and Debian's stock kernels have no hyperv/ directory at all.
 *
 * The file is one seq_file read under vmbus_connection.channel_mutex,
 * which keeps the subchannel list and the channels on it alive; each ring
 * is read under its ring_buffer_mutex (taken inside channel_mutex, never
 * the other way round), which keeps the ring from being freed meanwhile.
 * Removing the device's directory waits for readers in flight, so the
 * device and its channels may be freed once hvt_debugfs_remove_device()
 * returns.
 */

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

#include "vmbus_priv.h"

static struct dentry *hvt_debugfs_root;

static const char *hvt_chan_state_name(enum vmbus_channel_state state)
{
	switch (state) {
	case CHANNEL_OFFER_STATE:
		return "offered";
	case CHANNEL_OPENING_STATE:
		return "opening";
	case CHANNEL_OPEN_STATE:
		return "open";
	case CHANNEL_OPENED_STATE:
		return "opened";
	}
	return "?";
}

static void hvt_debugfs_ring(struct seq_file *m, const char *dir, struct hv_ring_buffer_info *rbi)
{
	const struct hv_ring_buffer *ring;

	mutex_lock(&rbi->ring_buffer_mutex);
	ring = rbi->ring_buffer;
	if (!ring) {
		seq_printf(m, "\t%s: no ring\n", dir);
	} else {
		/* The host writes these pages: show them as they are, unchecked. */
		seq_printf(m, "\t%s: size %u write %u read %u mask %u pending_send_sz %u features 0x%x to_read %u to_write %u\n",
			   dir, rbi->ring_datasize, READ_ONCE(ring->write_index),
			   READ_ONCE(ring->read_index), READ_ONCE(ring->interrupt_mask),
			   READ_ONCE(ring->pending_send_sz), READ_ONCE(ring->feature_bits.value),
			   hv_get_bytes_to_read(rbi), hv_get_bytes_to_write(rbi));
	}
	mutex_unlock(&rbi->ring_buffer_mutex);
}

static void hvt_debugfs_channel(struct seq_file *m, struct vmbus_channel *channel)
{
	const struct vmbus_channel_offer_channel *offer = &channel->offermsg;
	enum vmbus_channel_state state = READ_ONCE(channel->state);

	seq_printf(m, "relid %u subchannel %u state %d (%s)%s\n", offer->child_relid,
		   offer->offer.sub_channel_index, state, hvt_chan_state_name(state),
		   channel->rescind ? " rescinded" : "");
	seq_printf(m, "\ttarget_cpu %u connection_id %u", READ_ONCE(channel->target_cpu),
		   offer->connection_id);
	if (offer->monitor_allocated)
		seq_printf(m, " monitor_id %u\n", offer->monitorid);
	else
		seq_puts(m, " monitor none\n");
	seq_printf(m, "\tinterrupts %llu events %llu intr_in_full %llu intr_out_empty %llu out_full_first %llu out_full_total %llu\n",
		   READ_ONCE(channel->interrupts), READ_ONCE(channel->sig_events),
		   READ_ONCE(channel->intr_in_full), READ_ONCE(channel->intr_out_empty),
		   READ_ONCE(channel->out_full_first), READ_ONCE(channel->out_full_total));
	hvt_debugfs_ring(m, "out", &channel->outbound);
	hvt_debugfs_ring(m, "in", &channel->inbound);
}

static int hvt_debugfs_channels_show(struct seq_file *m, void *unused)
{
	struct hv_device *dev = m->private;
	struct vmbus_channel *primary, *sc;

	mutex_lock(&vmbus_connection.channel_mutex);
	primary = dev->channel;
	if (primary) {
		seq_printf(m, "class {%pUl} instance {%pUl}\n",
			   &primary->offermsg.offer.if_type, &primary->offermsg.offer.if_instance);
		hvt_debugfs_channel(m, primary);
		list_for_each_entry(sc, &primary->sc_list, sc_list)
			hvt_debugfs_channel(m, sc);
	}
	mutex_unlock(&vmbus_connection.channel_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hvt_debugfs_channels);

/* Without debugfs (or with hyperv/ taken) the module simply has none. */
void hvt_debugfs_init(void)
{
	struct dentry *root = debugfs_create_dir("hyperv", NULL);

	hvt_debugfs_root = IS_ERR(root) ? NULL : root;
}

void hvt_debugfs_exit(void)
{
	debugfs_remove_recursive(hvt_debugfs_root);
	hvt_debugfs_root = NULL;
}

void hvt_debugfs_add_device(struct hv_device *dev)
{
	struct dentry *dir;

	if (!hvt_debugfs_root)
		return;
	dir = debugfs_create_dir(dev_name(&dev->device), hvt_debugfs_root);
	if (IS_ERR(dir))
		return;
	debugfs_create_file("channels", 0444, dir, dev, &hvt_debugfs_channels_fops);
	dev->debug_dir = dir;
}

void hvt_debugfs_remove_device(struct hv_device *dev)
{
	debugfs_remove_recursive(dev->debug_dir);
	dev->debug_dir = NULL;
}
