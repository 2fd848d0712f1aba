// SPDX-License-Identifier: GPL-2.0
/*
 * What hv_vmbus shows in sysfs:
 *
 *   /sys/bus/vmbus/hibernation                      hvt_bus_groups
 *   /sys/bus/vmbus/devices/<instance>/<attr>        hvt_dev_groups
 *   /sys/bus/vmbus/devices/<instance>/channels/<relid>/<attr>
 *   /sys/bus/vmbus/drivers/<driver>/{new_id,remove_id}  hvt_drv_groups
 *
 * udev rules, uio_hv_generic, lsvmbus, DPDK and the cloud agents parse these
 * files, so each one has the stock driver's name, mode, visibility and
 * exact text (including its printf conversion: a few values are printed
 * signed, most unsigned). Reads never trust the host: the monitor id of an
 * offer is range-checked before it indexes the monitor pages.
 *
 * Channel directory lifetime (who frees what):
 *  - chan.c allocates the struct vmbus_channel (zeroed) and, for a channel
 *    that never got a directory, frees it itself;
 *  - hvt_channel_kobj_add() makes channels/<relid>/ with the channel's
 *    embedded kobject; from its success on, the channel's memory belongs to
 *    that kobject: hvt_channel_kobj_del() drops the only reference and the
 *    release calls chan.c's hvt_channel_release_mem() (an RCU-deferred
 *    kfree, as the stock driver's kfree_rcu), so _del() is the last thing
 *    chan.c may do with the channel;
 *  - kernfs drains every show/store/mmap in flight before a file goes, so
 *    no attribute runs on a channel whose directory is gone; the one that
 *    takes channel_mutex (cpu's store) opts out of that and pins the
 *    kobject instead, so _del() may be called with channel_mutex held;
 *  - a failed _add() leaves the channel chan.c's (state_in_sysfs clear).
 */

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/kobject.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/isolation.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/topology.h>
#include <linux/uuid.h>
#include <linux/version.h>
#include <asm/mshyperv.h>

/*
 * Not used here, but MODVERSIONS computes the CRC of hv_create_ring_sysfs()
 * and hv_remove_ring_sysfs() from every structure reachable from their
 * prototypes that this file defines (struct vmbus_channel leads to most of
 * the kernel). These make the set the same as in the stock driver's file,
 * so the CRCs, and with them uio_hv_generic's load check, match the stock
 * ones (0x5ea1aaa8 and 0x6ddac99c on 6.12.95+deb12-amd64).
 */
#include <linux/cdev.h>
#include <linux/dma-map-ops.h>
#include <linux/nsproxy.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/seq_file.h>

#include "vmbus_priv.h"

/*
 * The monitor pages hold 4 trigger groups of 32 monitored channels each;
 * an offer's monitor id selects group (id / 32) and bit (id % 32). The id is
 * host-controlled and 8 bits wide, so anything past the last group is
 * refused instead of read from whatever follows the arrays.
 */
#define HVT_MONITOR_GROUPS	4
#define HVT_MONITOR_PER_GROUP	32
#define HVT_MONITOR_IDS		(HVT_MONITOR_GROUPS * HVT_MONITOR_PER_GROUP)

/* Which of the connection's two monitor pages (vmbus_connection.monitor_pages[]). */
enum hvt_monitor_side {
	HVT_MONITOR_SERVER = 0,	/* the host's page */
	HVT_MONITOR_CLIENT = 1,	/* the guest's page, the one the guest signals on */
};

enum hvt_monitor_value {
	HVT_MONITOR_PENDING,
	HVT_MONITOR_LATENCY,
	HVT_MONITOR_CONN_ID,
};

/*
 * Reads one monitor-page value of @channel into *@ret_val. -ENODEV when the
 * connection has no monitor pages (not connected), -EINVAL for a monitor
 * id outside the page's arrays.
 */
static int hvt_monitor_read(const struct vmbus_channel *channel,
			    enum hvt_monitor_side side,
			    enum hvt_monitor_value what, u32 *ret_val)
{
	const struct hv_monitor_page *page = READ_ONCE(vmbus_connection.monitor_pages[side]);
	u8 id = channel->offermsg.monitorid;
	u8 grp = id / HVT_MONITOR_PER_GROUP;
	u8 bit = id % HVT_MONITOR_PER_GROUP;

	if (!page)
		return -ENODEV;
	if (id >= HVT_MONITOR_IDS)
		return -EINVAL;

	switch (what) {
	case HVT_MONITOR_PENDING:
		*ret_val = READ_ONCE(page->trigger_group[grp].pending);
		break;
	case HVT_MONITOR_LATENCY:
		*ret_val = READ_ONCE(page->latency[grp][bit]);
		break;
	case HVT_MONITOR_CONN_ID:
		*ret_val = page->parameter[grp][bit].connectionid.u.id;
		break;
	}
	return 0;
}

/* ---- /sys/bus/vmbus/devices/<instance>/ --------------------------------- */

static struct vmbus_channel *hvt_dev_channel(struct device *dev)
{
	return device_to_hv_device(dev)->channel;
}

static ssize_t hvt_id_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct vmbus_channel *channel = hvt_dev_channel(dev);

	if (!channel)
		return -ENODEV;
	return sysfs_emit(buf, "%d\n", (int)channel->offermsg.child_relid);
}

static ssize_t hvt_state_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct vmbus_channel *channel = hvt_dev_channel(dev);

	if (!channel)
		return -ENODEV;
	return sysfs_emit(buf, "%d\n", (int)READ_ONCE(channel->state));
}

static ssize_t hvt_monitor_id_show(struct device *dev, struct device_attribute *attr,
				   char *buf)
{
	struct vmbus_channel *channel = hvt_dev_channel(dev);

	if (!channel)
		return -ENODEV;
	return sysfs_emit(buf, "%d\n", (int)channel->offermsg.monitorid);
}

/* GUIDs in braces, the way Windows writes them: lsvmbus matches on this. */
static ssize_t hvt_class_id_show(struct device *dev, struct device_attribute *attr,
				 char *buf)
{
	struct vmbus_channel *channel = hvt_dev_channel(dev);

	if (!channel)
		return -ENODEV;
	return sysfs_emit(buf, "{%pUl}\n", &channel->offermsg.offer.if_type);
}

static ssize_t hvt_device_id_show(struct device *dev, struct device_attribute *attr,
				  char *buf)
{
	struct vmbus_channel *channel = hvt_dev_channel(dev);

	if (!channel)
		return -ENODEV;
	return sysfs_emit(buf, "{%pUl}\n", &channel->offermsg.offer.if_instance);
}

/* The same string as the MODALIAS uevent variable: 32 hex digits, no dashes. */
static ssize_t hvt_modalias_show(struct device *dev, struct device_attribute *attr,
				 char *buf)
{
	struct hv_device *hv_dev = device_to_hv_device(dev);

	return sysfs_emit(buf, "vmbus:%*phN\n", UUID_SIZE, &hv_dev->dev_type);
}

#ifdef CONFIG_NUMA
static ssize_t hvt_numa_node_show(struct device *dev, struct device_attribute *attr,
				  char *buf)
{
	struct vmbus_channel *channel = hvt_dev_channel(dev);
	u32 cpu;

	if (!channel)
		return -ENODEV;
	cpu = READ_ONCE(channel->target_cpu);
	if (cpu >= nr_cpu_ids)
		return -EINVAL;
	return sysfs_emit(buf, "%d\n", cpu_to_node(cpu));
}
#endif

/* The six monitor attributes share one show routine, told apart by this. */
struct hvt_monitor_attr {
	struct device_attribute dattr;
	enum hvt_monitor_side side;
	enum hvt_monitor_value what;
};

static ssize_t hvt_monitor_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	const struct hvt_monitor_attr *ma = container_of(attr, struct hvt_monitor_attr, dattr);
	struct vmbus_channel *channel = hvt_dev_channel(dev);
	u32 val;
	int ret;

	if (!channel)
		return -ENODEV;
	ret = hvt_monitor_read(channel, ma->side, ma->what, &val);
	if (ret)
		return ret;
	return sysfs_emit(buf, "%d\n", (int)val);
}

#define HVT_MONITOR_ATTR(_name, _side, _what)					\
	static struct hvt_monitor_attr hvt_attr_##_name = {			\
		.dattr = __ATTR(_name, 0444, hvt_monitor_show, NULL),		\
		.side = (_side),						\
		.what = (_what),						\
	}

HVT_MONITOR_ATTR(server_monitor_pending, HVT_MONITOR_SERVER, HVT_MONITOR_PENDING);
HVT_MONITOR_ATTR(client_monitor_pending, HVT_MONITOR_CLIENT, HVT_MONITOR_PENDING);
HVT_MONITOR_ATTR(server_monitor_latency, HVT_MONITOR_SERVER, HVT_MONITOR_LATENCY);
HVT_MONITOR_ATTR(client_monitor_latency, HVT_MONITOR_CLIENT, HVT_MONITOR_LATENCY);
HVT_MONITOR_ATTR(server_monitor_conn_id, HVT_MONITOR_SERVER, HVT_MONITOR_CONN_ID);
HVT_MONITOR_ATTR(client_monitor_conn_id, HVT_MONITOR_CLIENT, HVT_MONITOR_CONN_ID);

/* The ten {out,in}_* ring attributes of the primary channel, likewise. */
enum hvt_ring_value {
	HVT_RING_INTR_MASK,
	HVT_RING_READ_INDEX,
	HVT_RING_WRITE_INDEX,
	HVT_RING_READ_AVAIL,
	HVT_RING_WRITE_AVAIL,
};

struct hvt_ring_attr {
	struct device_attribute dattr;
	bool outbound;
	enum hvt_ring_value what;
};

static ssize_t hvt_ring_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	const struct hvt_ring_attr *ra = container_of(attr, struct hvt_ring_attr, dattr);
	struct vmbus_channel *channel = hvt_dev_channel(dev);
	struct hv_ring_buffer_debug_info info;
	u32 val = 0;
	int ret;

	if (!channel)
		return -ENODEV;
	/* -EINVAL while the channel is closed (no ring), as the stock driver. */
	ret = hv_ringbuffer_get_debuginfo(ra->outbound ? &channel->outbound : &channel->inbound,
					  &info);
	if (ret < 0)
		return ret;

	switch (ra->what) {
	case HVT_RING_INTR_MASK:
		val = info.current_interrupt_mask;
		break;
	case HVT_RING_READ_INDEX:
		val = info.current_read_index;
		break;
	case HVT_RING_WRITE_INDEX:
		val = info.current_write_index;
		break;
	case HVT_RING_READ_AVAIL:
		val = info.bytes_avail_toread;
		break;
	case HVT_RING_WRITE_AVAIL:
		val = info.bytes_avail_towrite;
		break;
	}
	return sysfs_emit(buf, "%d\n", (int)val);
}

#define HVT_RING_ATTR(_name, _outbound, _what)					\
	static struct hvt_ring_attr hvt_attr_##_name = {			\
		.dattr = __ATTR(_name, 0444, hvt_ring_show, NULL),		\
		.outbound = (_outbound),					\
		.what = (_what),						\
	}

HVT_RING_ATTR(out_intr_mask, true, HVT_RING_INTR_MASK);
HVT_RING_ATTR(out_read_index, true, HVT_RING_READ_INDEX);
HVT_RING_ATTR(out_write_index, true, HVT_RING_WRITE_INDEX);
HVT_RING_ATTR(out_read_bytes_avail, true, HVT_RING_READ_AVAIL);
HVT_RING_ATTR(out_write_bytes_avail, true, HVT_RING_WRITE_AVAIL);
HVT_RING_ATTR(in_intr_mask, false, HVT_RING_INTR_MASK);
HVT_RING_ATTR(in_read_index, false, HVT_RING_READ_INDEX);
HVT_RING_ATTR(in_write_index, false, HVT_RING_WRITE_INDEX);
HVT_RING_ATTR(in_read_bytes_avail, false, HVT_RING_READ_AVAIL);
HVT_RING_ATTR(in_write_bytes_avail, false, HVT_RING_WRITE_AVAIL);

/*
 * "relid:cpu" per line, the primary channel first, then its subchannels in
 * the order they were offered. channel_mutex keeps sc_list stable.
 */
static ssize_t hvt_vp_mapping_show(struct device *dev, struct device_attribute *attr,
				   char *buf)
{
	struct vmbus_channel *channel = hvt_dev_channel(dev);
	struct vmbus_channel *sc;
	int len;

	if (!channel)
		return -ENODEV;

	mutex_lock(&vmbus_connection.channel_mutex);
	len = sysfs_emit(buf, "%u:%u\n", channel->offermsg.child_relid, channel->target_cpu);
	list_for_each_entry(sc, &channel->sc_list, sc_list)
		len += sysfs_emit_at(buf, len, "%u:%u\n", sc->offermsg.child_relid,
				     sc->target_cpu);
	mutex_unlock(&vmbus_connection.channel_mutex);

	return len;
}

static ssize_t hvt_vendor_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0x%x\n", device_to_hv_device(dev)->vendor_id);
}

static ssize_t hvt_device_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "0x%x\n", device_to_hv_device(dev)->device_id);
}

/*
 * driver_override: the driver core's helper does the parsing (a trailing
 * newline dropped, an empty string clears it) and the locking; main.c's
 * match honours the name. Unset reads back as "(null)", as on the stock
 * driver, because that is what %s makes of NULL.
 */
static ssize_t hvt_driver_override_store(struct device *dev, struct device_attribute *attr,
					 const char *buf, size_t count)
{
	struct hv_device *hv_dev = device_to_hv_device(dev);
	int ret;

	ret = driver_set_override(dev, &hv_dev->driver_override, buf, count);
	return ret ? ret : (ssize_t)count;
}

static ssize_t hvt_driver_override_show(struct device *dev, struct device_attribute *attr,
					char *buf)
{
	struct hv_device *hv_dev = device_to_hv_device(dev);
	ssize_t len;

	device_lock(dev);
	len = sysfs_emit(buf, "%s\n", hv_dev->driver_override);
	device_unlock(dev);
	return len;
}

static struct device_attribute hvt_attr_id = __ATTR(id, 0444, hvt_id_show, NULL);
static struct device_attribute hvt_attr_state = __ATTR(state, 0444, hvt_state_show, NULL);
static struct device_attribute hvt_attr_monitor_id =
	__ATTR(monitor_id, 0444, hvt_monitor_id_show, NULL);
static struct device_attribute hvt_attr_class_id =
	__ATTR(class_id, 0444, hvt_class_id_show, NULL);
static struct device_attribute hvt_attr_device_id =
	__ATTR(device_id, 0444, hvt_device_id_show, NULL);
static struct device_attribute hvt_attr_modalias =
	__ATTR(modalias, 0444, hvt_modalias_show, NULL);
#ifdef CONFIG_NUMA
static struct device_attribute hvt_attr_numa_node =
	__ATTR(numa_node, 0444, hvt_numa_node_show, NULL);
#endif
static struct device_attribute hvt_attr_channel_vp_mapping =
	__ATTR(channel_vp_mapping, 0444, hvt_vp_mapping_show, NULL);
static struct device_attribute hvt_attr_vendor = __ATTR(vendor, 0444, hvt_vendor_show, NULL);
static struct device_attribute hvt_attr_device = __ATTR(device, 0444, hvt_device_show, NULL);
static struct device_attribute hvt_attr_driver_override =
	__ATTR(driver_override, 0644, hvt_driver_override_show, hvt_driver_override_store);

static struct attribute *hvt_dev_attrs[] = {
	&hvt_attr_id.attr,
	&hvt_attr_state.attr,
	&hvt_attr_monitor_id.attr,
	&hvt_attr_class_id.attr,
	&hvt_attr_device_id.attr,
	&hvt_attr_modalias.attr,
#ifdef CONFIG_NUMA
	&hvt_attr_numa_node.attr,
#endif
	&hvt_attr_server_monitor_pending.dattr.attr,
	&hvt_attr_client_monitor_pending.dattr.attr,
	&hvt_attr_server_monitor_latency.dattr.attr,
	&hvt_attr_client_monitor_latency.dattr.attr,
	&hvt_attr_server_monitor_conn_id.dattr.attr,
	&hvt_attr_client_monitor_conn_id.dattr.attr,
	&hvt_attr_out_intr_mask.dattr.attr,
	&hvt_attr_out_read_index.dattr.attr,
	&hvt_attr_out_write_index.dattr.attr,
	&hvt_attr_out_read_bytes_avail.dattr.attr,
	&hvt_attr_out_write_bytes_avail.dattr.attr,
	&hvt_attr_in_intr_mask.dattr.attr,
	&hvt_attr_in_read_index.dattr.attr,
	&hvt_attr_in_write_index.dattr.attr,
	&hvt_attr_in_read_bytes_avail.dattr.attr,
	&hvt_attr_in_write_bytes_avail.dattr.attr,
	&hvt_attr_channel_vp_mapping.attr,
	&hvt_attr_vendor.attr,
	&hvt_attr_device.attr,
	&hvt_attr_driver_override.attr,
	NULL
};

/*
 * A channel whose offer allocates no monitor signals through HvSignalEvent
 * only; its monitor values would be meaningless, so the files do not exist.
 */
static umode_t hvt_dev_attr_visible(struct kobject *kobj, struct attribute *attr, int n)
{
	const struct hv_device *hv_dev = device_to_hv_device(kobj_to_dev(kobj));
	const struct device_attribute *da = container_of(attr, struct device_attribute, attr);
	bool monitor_attr = da == &hvt_attr_monitor_id || da->show == hvt_monitor_show;

	if (monitor_attr && !(hv_dev->channel && hv_dev->channel->offermsg.monitor_allocated))
		return 0;
	return attr->mode;
}

static const struct attribute_group hvt_dev_group = {
	.attrs = hvt_dev_attrs,
	.is_visible = hvt_dev_attr_visible,
};

const struct attribute_group *hvt_dev_groups[] = {
	&hvt_dev_group,
	NULL
};

/* ---- /sys/bus/vmbus/hibernation ------------------------------------------ */

/* "1" when the host offers hibernation to this VM (ACPI S4 in its tables). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
static ssize_t hvt_hibernation_show(const struct bus_type *bus, char *buf)
#else
static ssize_t hvt_hibernation_show(struct bus_type *bus, char *buf)
#endif
{
	return sysfs_emit(buf, "%d\n", hv_is_hibernation_supported() ? 1 : 0);
}

static struct bus_attribute hvt_attr_hibernation =
	__ATTR(hibernation, 0444, hvt_hibernation_show, NULL);

static struct attribute *hvt_bus_attrs[] = {
	&hvt_attr_hibernation.attr,
	NULL
};

static const struct attribute_group hvt_bus_group = {
	.attrs = hvt_bus_attrs,
};

const struct attribute_group *hvt_bus_groups[] = {
	&hvt_bus_group,
	NULL
};

/* ---- /sys/bus/vmbus/drivers/<driver>/{new_id,remove_id} ------------------ */

/*
 * One id added through new_id. hv_driver.dynids (lock + list, set up by
 * main.c when the driver registers) chains these; the lock is a spinlock,
 * so lookups may come from any context that may take one.
 */
struct hvt_dynid {
	struct list_head node;
	struct hv_vmbus_device_id id;
};

const struct hv_vmbus_device_id *hvt_dynid_match(struct hv_driver *drv, const guid_t *guid)
{
	const struct hv_vmbus_device_id *found = NULL;
	struct hvt_dynid *d;

	spin_lock(&drv->dynids.lock);
	list_for_each_entry(d, &drv->dynids.list, node) {
		if (guid_equal(&d->id.guid, guid)) {
			found = &d->id;
			break;
		}
	}
	spin_unlock(&drv->dynids.lock);
	return found;
}

void hvt_dynids_free(struct hv_driver *drv)
{
	struct hvt_dynid *d, *next;
	LIST_HEAD(doomed);

	spin_lock(&drv->dynids.lock);
	list_splice_init(&drv->dynids.list, &doomed);
	spin_unlock(&drv->dynids.lock);

	list_for_each_entry_safe(d, next, &doomed, node)
		kfree(d);
}

/*
 * new_id takes a GUID as guid_parse() reads it: 36 characters
 * "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", anything after them (the newline
 * of echo) ignored, no braces. A GUID already added is -EEXIST. Then every
 * unbound device is offered to the driver again (driver_attach), whose
 * result is new_id's result.
 */
static ssize_t hvt_new_id_store(struct device_driver *driver, const char *buf, size_t count)
{
	struct hv_driver *drv = drv_to_hv_drv(driver);
	struct hvt_dynid *d;
	guid_t guid;
	int ret;

	ret = guid_parse(buf, &guid);
	if (ret)
		return ret;
	if (hvt_dynid_match(drv, &guid))
		return -EEXIST;

	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	guid_copy(&d->id.guid, &guid);

	spin_lock(&drv->dynids.lock);
	list_add_tail(&d->node, &drv->dynids.list);
	spin_unlock(&drv->dynids.lock);

	ret = driver_attach(&drv->driver);
	return ret ? ret : (ssize_t)count;
}

/*
 * remove_id forgets an id new_id added (-ENODEV if there is none); devices
 * bound through it stay bound, as with every bus that has dynamic ids.
 */
static ssize_t hvt_remove_id_store(struct device_driver *driver, const char *buf,
				   size_t count)
{
	struct hv_driver *drv = drv_to_hv_drv(driver);
	struct hvt_dynid *d, *victim = NULL;
	guid_t guid;
	int ret;

	ret = guid_parse(buf, &guid);
	if (ret)
		return ret;

	spin_lock(&drv->dynids.lock);
	list_for_each_entry(d, &drv->dynids.list, node) {
		if (guid_equal(&d->id.guid, &guid)) {
			list_del(&d->node);
			victim = d;
			break;
		}
	}
	spin_unlock(&drv->dynids.lock);

	if (!victim)
		return -ENODEV;
	kfree(victim);
	return count;
}

static struct driver_attribute hvt_attr_new_id = __ATTR(new_id, 0200, NULL, hvt_new_id_store);
static struct driver_attribute hvt_attr_remove_id =
	__ATTR(remove_id, 0200, NULL, hvt_remove_id_store);

static struct attribute *hvt_drv_attrs[] = {
	&hvt_attr_new_id.attr,
	&hvt_attr_remove_id.attr,
	NULL
};

static const struct attribute_group hvt_drv_group = {
	.attrs = hvt_drv_attrs,
};

const struct attribute_group *hvt_drv_groups[] = {
	&hvt_drv_group,
	NULL
};

/* ---- /sys/bus/vmbus/devices/<instance>/channels/<relid>/ ----------------- */

/*
 * A channel attribute: show/store get the channel rather than the kobject,
 * and show gets its attribute too, so that one routine serves the six
 * statistics counters (@counter is the offset of the u64 it shows).
 */
struct hvt_chan_attr {
	struct attribute attr;
	ssize_t (*show)(struct vmbus_channel *channel, const struct hvt_chan_attr *ca,
			char *buf);
	ssize_t (*store)(struct vmbus_channel *channel, const struct hvt_chan_attr *ca,
			 const char *buf, size_t count);
	size_t counter;
};

static inline struct vmbus_channel *hvt_kobj_channel(struct kobject *kobj)
{
	return container_of(kobj, struct vmbus_channel, kobj);
}

static ssize_t hvt_chan_attr_show(struct kobject *kobj, struct attribute *attr, char *buf)
{
	const struct hvt_chan_attr *ca = container_of(attr, struct hvt_chan_attr, attr);

	if (!ca->show)
		return -EIO;
	return ca->show(hvt_kobj_channel(kobj), ca, buf);
}

static ssize_t hvt_chan_attr_store(struct kobject *kobj, struct attribute *attr,
				   const char *buf, size_t count)
{
	const struct hvt_chan_attr *ca = container_of(attr, struct hvt_chan_attr, attr);

	if (!ca->store)
		return -EIO;
	return ca->store(hvt_kobj_channel(kobj), ca, buf, count);
}

static const struct sysfs_ops hvt_chan_sysfs_ops = {
	.show = hvt_chan_attr_show,
	.store = hvt_chan_attr_store,
};

/*
 * One ring value under the ring's mutex, which the close path holds while
 * it frees the ring: -EINVAL when the channel has no ring (never opened,
 * or closed), as the stock driver answers.
 */
enum hvt_chan_ring_value {
	HVT_CHAN_INTR_MASK,
	HVT_CHAN_BYTES_TO_READ,
	HVT_CHAN_BYTES_TO_WRITE,
};

static ssize_t hvt_chan_ring_show(struct hv_ring_buffer_info *rbi,
				  enum hvt_chan_ring_value what, char *buf)
{
	u32 val = 0;

	mutex_lock(&rbi->ring_buffer_mutex);
	if (!rbi->ring_buffer) {
		mutex_unlock(&rbi->ring_buffer_mutex);
		return -EINVAL;
	}
	switch (what) {
	case HVT_CHAN_INTR_MASK:
		val = READ_ONCE(rbi->ring_buffer->interrupt_mask);
		break;
	case HVT_CHAN_BYTES_TO_READ:
		val = hv_get_bytes_to_read(rbi);
		break;
	case HVT_CHAN_BYTES_TO_WRITE:
		val = hv_get_bytes_to_write(rbi);
		break;
	}
	mutex_unlock(&rbi->ring_buffer_mutex);

	return sysfs_emit(buf, "%u\n", val);
}

static ssize_t hvt_out_mask_show(struct vmbus_channel *channel,
				 const struct hvt_chan_attr *ca, char *buf)
{
	return hvt_chan_ring_show(&channel->outbound, HVT_CHAN_INTR_MASK, buf);
}

static ssize_t hvt_in_mask_show(struct vmbus_channel *channel,
				const struct hvt_chan_attr *ca, char *buf)
{
	return hvt_chan_ring_show(&channel->inbound, HVT_CHAN_INTR_MASK, buf);
}

static ssize_t hvt_read_avail_show(struct vmbus_channel *channel,
				   const struct hvt_chan_attr *ca, char *buf)
{
	return hvt_chan_ring_show(&channel->inbound, HVT_CHAN_BYTES_TO_READ, buf);
}

static ssize_t hvt_write_avail_show(struct vmbus_channel *channel,
				    const struct hvt_chan_attr *ca, char *buf)
{
	return hvt_chan_ring_show(&channel->outbound, HVT_CHAN_BYTES_TO_WRITE, buf);
}

static ssize_t hvt_cpu_show(struct vmbus_channel *channel,
			    const struct hvt_chan_attr *ca, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(channel->target_cpu));
}

/*
 * Writing a CPU number moves the channel's interrupts there (MODIFYCHANNEL,
 * VMBus 4.1 and later). The errors are the stock driver's, since tools
 * and tests look at them: -EIO for an older protocol, text that is no
 * number, a channel that is not open or a host that refused; -EINVAL for a
 * CPU that does not exist, is offline, or is isolated from managed
 * interrupts (isolcpus=managed_irq). The text is read as %u reads it:
 * leading blanks skipped, whatever follows the number ignored.
 */
static ssize_t hvt_cpu_store(struct vmbus_channel *channel, const struct hvt_chan_attr *ca,
			     const char *buf, size_t count)
{
	struct kernfs_node *kn;
	u32 cpu;
	int ret;

	if (vmbus_proto_version < VERSION_WIN10_V4_1)
		return -EIO;
	if (sscanf(buf, "%u", &cpu) != 1)
		return -EIO;
	if (cpu >= nr_cpumask_bits)
		return -EINVAL;
	if (!cpumask_test_cpu(cpu, housekeeping_cpumask(HK_TYPE_MANAGED_IRQ)))
		return -EINVAL;

	/*
	 * hvt_channel_set_cpu() takes channel_mutex, and chan.c removes a
	 * channel's directory with channel_mutex held; were this store to
	 * keep its kernfs active reference meanwhile, the removal would wait
	 * for it and it for the mutex. So the store gives up the active
	 * reference and holds a kobject reference instead, which keeps the
	 * channel's memory (the kobject's) alive until it returns.
	 */
	kn = sysfs_break_active_protection(&channel->kobj, &ca->attr);
	if (!kn)
		return -ENODEV;
	ret = hvt_channel_set_cpu(channel, cpu);
	sysfs_unbreak_active_protection(kn);
	return ret ? ret : (ssize_t)count;
}

/* Only offers with a monitor have these: values from the guest-side page. */
static ssize_t hvt_chan_monitor_show(struct vmbus_channel *channel,
				     enum hvt_monitor_value what, char *buf)
{
	u32 val;
	int ret;

	ret = hvt_monitor_read(channel, HVT_MONITOR_CLIENT, what, &val);
	if (ret)
		return ret;
	return sysfs_emit(buf, "%d\n", (int)val);
}

static ssize_t hvt_pending_show(struct vmbus_channel *channel,
				const struct hvt_chan_attr *ca, char *buf)
{
	return hvt_chan_monitor_show(channel, HVT_MONITOR_PENDING, buf);
}

static ssize_t hvt_latency_show(struct vmbus_channel *channel,
				const struct hvt_chan_attr *ca, char *buf)
{
	return hvt_chan_monitor_show(channel, HVT_MONITOR_LATENCY, buf);
}

static ssize_t hvt_chan_monitor_id_show(struct vmbus_channel *channel,
					const struct hvt_chan_attr *ca, char *buf)
{
	return sysfs_emit(buf, "%u\n", channel->offermsg.monitorid);
}

static ssize_t hvt_subchannel_id_show(struct vmbus_channel *channel,
				      const struct hvt_chan_attr *ca, char *buf)
{
	return sysfs_emit(buf, "%u\n", channel->offermsg.offer.sub_channel_index);
}

/*
 * The statistics (u64s of struct vmbus_channel that the data path bumps
 * without a lock): a 64-bit load cannot tear on the 64-bit kernels this
 * module builds for, so no lock is needed to read one.
 */
static ssize_t hvt_counter_show(struct vmbus_channel *channel,
				const struct hvt_chan_attr *ca, char *buf)
{
	const u64 *counter = (const u64 *)((const char *)channel + ca->counter);

	return sysfs_emit(buf, "%llu\n", (unsigned long long)READ_ONCE(*counter));
}

#define HVT_CHAN_ATTR(_name, _mode, _show, _store)				\
	static struct hvt_chan_attr hvt_chan_attr_##_name = {			\
		.attr = { .name = __stringify(_name), .mode = (_mode) },	\
		.show = (_show),						\
		.store = (_store),						\
	}

#define HVT_CHAN_COUNTER(_name, _field)						\
	static_assert(sizeof_field(struct vmbus_channel, _field) == sizeof(u64)); \
	static struct hvt_chan_attr hvt_chan_attr_##_name = {			\
		.attr = { .name = __stringify(_name), .mode = 0444 },		\
		.show = hvt_counter_show,					\
		.counter = offsetof(struct vmbus_channel, _field),		\
	}

HVT_CHAN_ATTR(out_mask, 0444, hvt_out_mask_show, NULL);
HVT_CHAN_ATTR(in_mask, 0444, hvt_in_mask_show, NULL);
HVT_CHAN_ATTR(read_avail, 0444, hvt_read_avail_show, NULL);
HVT_CHAN_ATTR(write_avail, 0444, hvt_write_avail_show, NULL);
HVT_CHAN_ATTR(cpu, 0644, hvt_cpu_show, hvt_cpu_store);
HVT_CHAN_ATTR(pending, 0444, hvt_pending_show, NULL);
HVT_CHAN_ATTR(latency, 0444, hvt_latency_show, NULL);
HVT_CHAN_COUNTER(interrupts, interrupts);
HVT_CHAN_COUNTER(events, sig_events);
HVT_CHAN_COUNTER(intr_in_full, intr_in_full);
HVT_CHAN_COUNTER(intr_out_empty, intr_out_empty);
HVT_CHAN_COUNTER(out_full_first, out_full_first);
HVT_CHAN_COUNTER(out_full_total, out_full_total);
HVT_CHAN_ATTR(monitor_id, 0444, hvt_chan_monitor_id_show, NULL);
HVT_CHAN_ATTR(subchannel_id, 0444, hvt_subchannel_id_show, NULL);

static struct attribute *hvt_chan_attrs[] = {
	&hvt_chan_attr_out_mask.attr,
	&hvt_chan_attr_in_mask.attr,
	&hvt_chan_attr_read_avail.attr,
	&hvt_chan_attr_write_avail.attr,
	&hvt_chan_attr_cpu.attr,
	&hvt_chan_attr_pending.attr,
	&hvt_chan_attr_latency.attr,
	&hvt_chan_attr_interrupts.attr,
	&hvt_chan_attr_events.attr,
	&hvt_chan_attr_intr_in_full.attr,
	&hvt_chan_attr_intr_out_empty.attr,
	&hvt_chan_attr_out_full_first.attr,
	&hvt_chan_attr_out_full_total.attr,
	&hvt_chan_attr_monitor_id.attr,
	&hvt_chan_attr_subchannel_id.attr,
	NULL
};

static umode_t hvt_chan_attr_visible(struct kobject *kobj, struct attribute *attr, int n)
{
	const struct vmbus_channel *channel = hvt_kobj_channel(kobj);
	bool monitor_attr = attr == &hvt_chan_attr_pending.attr ||
			    attr == &hvt_chan_attr_latency.attr ||
			    attr == &hvt_chan_attr_monitor_id.attr;

	if (monitor_attr && !channel->offermsg.monitor_allocated)
		return 0;
	return attr->mode;
}

/*
 * Serialises every creation and update of a channel's attribute group:
 * the "ring" attribute below is one object shared by all channels whose
 * size is set per channel while its file is created, so two channels must
 * not create theirs at once. Also orders hv_create/remove_ring_sysfs()
 * against the directory coming and going.
 */
static DEFINE_MUTEX(hvt_chan_group_lock);

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
/*
 * 6.12's uio_hv_generic no longer creates channels/<relid>/ring itself: it
 * asks hv_vmbus with hv_create_ring_sysfs(), giving the function that maps
 * the ring, and hv_remove_ring_sysfs() hides the file again (the same
 * device may be bound to hv_netvsc, which must not expose its rings).
 * The file's size is the channel's whole ring (both directions, control
 * pages included), which DPDK and fcopy read to size their mmap().
 *
 * The fields this needs (mmap_ring_buffer, ring_sysfs_visible in struct
 * vmbus_channel) came with the 6.12 stable backport; a 6.12 header without
 * them fails to build here, which is wanted: it would mean a
 * uio_hv_generic that calls neither function.
 */
static int hvt_ring_mmap(struct file *file, struct kobject *kobj,
			 struct bin_attribute *attr, struct vm_area_struct *vma)
{
	struct vmbus_channel *channel = hvt_kobj_channel(kobj);
	int (*map)(struct vmbus_channel *channel, struct vm_area_struct *vma);

	/* Set before the file is shown, cleared only after it is hidden. */
	map = READ_ONCE(channel->mmap_ring_buffer);
	if (!map)
		return -ENODEV;
	return map(channel, vma);
}

static struct bin_attribute hvt_chan_attr_ring = {
	.attr = { .name = "ring", .mode = 0600 },
	.mmap = hvt_ring_mmap,
};

static struct bin_attribute *hvt_chan_bin_attrs[] = {
	&hvt_chan_attr_ring,
	NULL
};

/* Called with hvt_chan_group_lock held: see there for why size is set here. */
static umode_t hvt_chan_bin_visible(struct kobject *kobj, struct bin_attribute *attr, int n)
{
	const struct vmbus_channel *channel = hvt_kobj_channel(kobj);

	lockdep_assert_held(&hvt_chan_group_lock);
	if (attr == &hvt_chan_attr_ring) {
		if (!channel->ring_sysfs_visible)
			return 0;
		attr->size = (size_t)channel->ringbuffer_pagecount << PAGE_SHIFT;
	}
	return attr->attr.mode;
}
#endif

static const struct attribute_group hvt_chan_group = {
	.attrs = hvt_chan_attrs,
	.is_visible = hvt_chan_attr_visible,
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	.bin_attrs = hvt_chan_bin_attrs,
	.is_bin_visible = hvt_chan_bin_visible,
#endif
};

/*
 * Two kobject types that differ only in their release. A channel's
 * kobject starts as "tentative": if its directory cannot be made, the
 * kobject_put() that undoes kobject_init_and_add() must not take the
 * channel with it, because chan.c still owns the channel then (and sees
 * state_in_sysfs clear, so it frees it itself). Once every file is in
 * place the kobject becomes "owning": from then on the channel's memory
 * is the kobject's, freed (after an RCU grace period, by chan.c's
 * hvt_channel_release_mem()) when the last reference goes, as the stock
 * driver does it. Both share the sysfs_ops, so the switch is invisible to
 * the files; it is made before the ADD uevent, while nobody else can hold
 * a reference.
 */
static void hvt_chan_release_tentative(struct kobject *kobj)
{
	/* Pristine again: nothing in the kobject core reads it after release. */
	memset(kobj, 0, sizeof(*kobj));
}

static void hvt_chan_release(struct kobject *kobj)
{
	hvt_channel_release_mem(hvt_kobj_channel(kobj));
}

static const struct kobj_type hvt_chan_ktype_tentative = {
	.sysfs_ops = &hvt_chan_sysfs_ops,
	.release = hvt_chan_release_tentative,
};

static const struct kobj_type hvt_chan_ktype = {
	.sysfs_ops = &hvt_chan_sysfs_ops,
	.release = hvt_chan_release,
};

int hvt_channel_kobj_add(struct hv_device *dev, struct vmbus_channel *channel)
{
	struct kobject *kobj = &channel->kobj;
	int ret;

	if (!dev->channels_kset)
		return -EINVAL;

	mutex_lock(&hvt_chan_group_lock);
	if (kobj->state_initialized) {
		/* Already there: a second add would corrupt the kobject. */
		mutex_unlock(&hvt_chan_group_lock);
		return -EEXIST;
	}

	kobj->kset = dev->channels_kset;
	ret = kobject_init_and_add(kobj, &hvt_chan_ktype_tentative, NULL, "%u",
				   channel->offermsg.child_relid);
	if (ret)
		goto err_put;

	ret = sysfs_create_group(kobj, &hvt_chan_group);
	if (ret)
		goto err_put;
	kobj->ktype = &hvt_chan_ktype;
	mutex_unlock(&hvt_chan_group_lock);

	/* Only now, with every file in place, may udev look. */
	kobject_uevent(kobj, KOBJ_ADD);
	return 0;

err_put:
	/* Removes the directory if it was made; the channel stays chan.c's. */
	kobject_put(kobj);
	mutex_unlock(&hvt_chan_group_lock);
	dev_err(&dev->device, "channel %u: no sysfs directory (%d)\n",
		channel->offermsg.child_relid, ret);
	return ret;
}

void hvt_channel_kobj_del(struct vmbus_channel *channel)
{
	struct kobject *kobj = &channel->kobj;
	bool added;

	mutex_lock(&hvt_chan_group_lock);
	added = kobj->state_in_sysfs;
	if (added) {
		sysfs_remove_group(kobj, &hvt_chan_group);
		/* The REMOVE uevent and the directory, now, whoever holds a reference. */
		kobject_del(kobj);
	}
	mutex_unlock(&hvt_chan_group_lock);

	/*
	 * Our reference; normally the last, so the release hands the channel
	 * to hvt_channel_release_mem() here. A cpu store in flight holds
	 * another, and the release then happens when it returns.
	 */
	if (added)
		kobject_put(kobj);
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
/**
 * hv_create_ring_sysfs() - show a channel's "ring" file
 * @channel: the channel, primary or sub
 * @hv_mmap_ring_buffer: maps the channel's ring into a VMA on mmap() of it
 *
 * The file appears at once when the channel's directory exists; otherwise
 * the channel is marked and hvt_channel_kobj_add() creates the file with
 * the directory (uio_hv_generic probes a device before its primary
 * channel's directory is made, and ignores the error then).
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL when the directory does not exist yet, or the error of
 * creating the file.
 */
int hv_create_ring_sysfs(struct vmbus_channel *channel,
			 int (*hv_mmap_ring_buffer)(struct vmbus_channel *channel,
						    struct vm_area_struct *vma))
{
	struct kobject *kobj = &channel->kobj;
	int ret = -EINVAL;

	mutex_lock(&hvt_chan_group_lock);
	WRITE_ONCE(channel->mmap_ring_buffer, hv_mmap_ring_buffer);
	channel->ring_sysfs_visible = true;
	if (kobj->state_in_sysfs)
		ret = sysfs_update_group(kobj, &hvt_chan_group);
	mutex_unlock(&hvt_chan_group_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(hv_create_ring_sysfs);

/**
 * hv_remove_ring_sysfs() - hide a channel's "ring" file again
 * @channel: the channel hv_create_ring_sysfs() was called for
 *
 * A mapping made before stays valid (the ring is the channel's until
 * vmbus_close()); new mmap() calls fail once this returns.
 *
 * Context: process context, may sleep.
 * Return: 0, -EINVAL when the channel has no directory, or the error of
 * updating the directory.
 */
int hv_remove_ring_sysfs(struct vmbus_channel *channel)
{
	struct kobject *kobj = &channel->kobj;
	int ret = -EINVAL;

	mutex_lock(&hvt_chan_group_lock);
	channel->ring_sysfs_visible = false;
	if (kobj->state_in_sysfs)
		ret = sysfs_update_group(kobj, &hvt_chan_group);
	WRITE_ONCE(channel->mmap_ring_buffer, NULL);
	mutex_unlock(&hvt_chan_group_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(hv_remove_ring_sysfs);
#endif
