// SPDX-License-Identifier: GPL-2.0
/*
 * hv_vmbus: the VMBus bus driver of hyperv-tools.
 *
 * Module start: find the ACPI VMBus device (and the MMIO ranges it
 * offers), register the bus, bring up every CPU's SynIC, hook the kernel's
 * Hyper-V callback vector, connect, and request the host's offers; each
 * primary channel becomes a device on the bus, which drivers bind to by
 * class GUID. Module exit undoes it in reverse, with UNLOAD before the
 * memory the host knew goes. kexec and crash unload without sleeping.
 */

/* The includes of the stock file exporting these symbols (see offer.c). */
#include <linux/version.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/device.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#include <linux/platform_device.h>
#endif
#include <linux/interrupt.h>
#include <linux/sysctl.h>
#include <linux/slab.h>
#include <linux/acpi.h>
#include <linux/completion.h>
#include <linux/hyperv.h>
#include <linux/kernel_stat.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#include <linux/of_address.h>
#endif
#include <linux/clockchips.h>
#include <linux/cpu.h>
#include <linux/sched/isolation.h>
#include <linux/sched/task_stack.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#include <linux/smpboot.h>
#endif
#include <linux/delay.h>
#include <linux/panic_notifier.h>
#include <linux/ptrace.h>
#include <linux/screen_info.h>
#include <linux/efi.h>
#include <linux/random.h>
#include <linux/kernel.h>
#include <linux/syscore_ops.h>
#include <linux/dma-map-ops.h>
#include <linux/pci.h>
#include <clocksource/hyperv_timer.h>
#include <asm/mshyperv.h>

#include "vmbus_priv.h"

/* 6.12's bus callbacks take const pointers, its driver remove is void. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define HVT_CONST_DRV const
#else
#define HVT_CONST_DRV
#endif
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define HVT_CONST_DEV const
#else
#define HVT_CONST_DEV
#endif
/* 6.1 binds the ACPI device with an acpi_driver, later kernels a platform driver. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define HVT_PLATFORM_DRIVER 1
#endif

static struct device *hvt_parent;	/* the ACPI VMBus device */
static bool hvt_bus_up;
static int hvt_cpuhp_state = -1;
static DECLARE_COMPLETION(hvt_acpi_probed);

/* ---- MMIO ranges for drivers (frame buffer, PCI pass-through) ------------- */

static struct resource *hvt_mmio;	/* windows, linked through ->sibling */
static DEFINE_MUTEX(hvt_mmio_lock);

static acpi_status hvt_walk_crs(struct acpi_resource *res, void *ctx)
{
	struct acpi_resource_address64 addr;
	struct resource *win;

	switch (res->type) {
	case ACPI_RESOURCE_TYPE_ADDRESS32:
	case ACPI_RESOURCE_TYPE_ADDRESS64:
		if (ACPI_FAILURE(acpi_resource_to_address64(res, &addr)) ||
		    addr.resource_type != ACPI_MEMORY_RANGE ||
		    !addr.address.address_length)
			return AE_OK;
		break;
	default:
		return AE_OK;	/* IRQs and the like are not ours to track */
	}

	win = kzalloc(sizeof(*win), GFP_KERNEL);
	if (!win)
		return AE_NO_MEMORY;
	win->name = "hyperv mmio";
	win->flags = IORESOURCE_MEM | IORESOURCE_BUSY;
	win->start = addr.address.minimum;
	win->end = addr.address.minimum + addr.address.address_length - 1;
	win->sibling = hvt_mmio;
	hvt_mmio = win;
	return AE_OK;
}

static void hvt_mmio_free(void)
{
	while (hvt_mmio) {
		struct resource *next = hvt_mmio->sibling;

		kfree(hvt_mmio);
		hvt_mmio = next;
	}
}

static void hvt_acpi_found(struct acpi_device *adev)
{
	acpi_handle parent;

	/* The VMBus device's own ranges, else those of its parent bus. */
	acpi_walk_resources(adev->handle, METHOD_NAME__CRS, hvt_walk_crs, NULL);
	if (!hvt_mmio && ACPI_SUCCESS(acpi_get_parent(adev->handle, &parent)))
		acpi_walk_resources(parent, METHOD_NAME__CRS, hvt_walk_crs, NULL);
}

int vmbus_allocate_mmio(struct resource **new, struct hv_device *device_obj,
			resource_size_t min, resource_size_t max,
			resource_size_t size, resource_size_t align,
			bool fb_overlap_ok)
{
	const char *name = device_obj ? dev_name(&device_obj->device) : "hyperv";
	struct resource *win;
	int ret = -ENXIO;

	if (!size || !align)
		return -EINVAL;
	mutex_lock(&hvt_mmio_lock);
	for (win = hvt_mmio; win; win = win->sibling) {
		resource_size_t start, end;

		if (win->start > max || win->end < min)
			continue;
		start = ALIGN(max(min, win->start), align);
		end = min(max, win->end);
		for (; start + size - 1 <= end && start + size - 1 >= start; start += align) {
			if (!__request_region(win, start, size, NULL, 0))
				continue;
			*new = request_mem_region_exclusive(start, size, name);
			if (*new) {
				ret = 0;
				goto out;
			}
			__release_region(win, start, size);
		}
	}
out:
	mutex_unlock(&hvt_mmio_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vmbus_allocate_mmio);

void vmbus_free_mmio(resource_size_t start, resource_size_t size)
{
	struct resource *win;

	mutex_lock(&hvt_mmio_lock);
	for (win = hvt_mmio; win; win = win->sibling) {
		if (start < win->start || start + size - 1 > win->end)
			continue;
		__release_region(win, start, size);
		break;
	}
	release_mem_region(start, size);
	mutex_unlock(&hvt_mmio_lock);
}
EXPORT_SYMBOL_GPL(vmbus_free_mmio);

/* ---- the bus ----------------------------------------------------------------- */

/* What binds when driver_override names a driver with no matching id. */
static const struct hv_vmbus_device_id hvt_null_id;

static const struct hv_vmbus_device_id *hvt_table_match(const struct hv_vmbus_device_id *id,
							const guid_t *guid)
{
	if (!id)
		return NULL;
	for (; !guid_is_null(&id->guid); id++)
		if (guid_equal(&id->guid, guid))
			return id;
	return NULL;
}

static const struct hv_vmbus_device_id *hvt_get_id(struct hv_driver *drv,
						   struct hv_device *dev)
{
	const struct hv_vmbus_device_id *id;

	if (dev->driver_override && strcmp(dev->driver_override, drv->name))
		return NULL;
	id = hvt_dynid_match(drv, &dev->dev_type);
	if (!id)
		id = hvt_table_match(drv->id_table, &dev->dev_type);
	if (!id && dev->driver_override)
		id = &hvt_null_id;
	return id;
}

static int hvt_match(struct device *device, HVT_CONST_DRV struct device_driver *driver)
{
	/* The dynamic ids' lock is taken: not const. */
	struct hv_driver *drv = container_of((struct device_driver *)driver,
					     struct hv_driver, driver);
	struct hv_device *dev = device_to_hv_device(device);

	/* hv_sock takes every hv_sock offer, and nothing else does. */
	if (is_hvsock_channel(dev->channel))
		return drv->hvsock;
	return hvt_get_id(drv, dev) != NULL;
}

static int hvt_probe(struct device *device)
{
	struct hv_driver *drv = drv_to_hv_drv(device->driver);
	struct hv_device *dev = device_to_hv_device(device);
	const struct hv_vmbus_device_id *id;
	int ret;

	id = hvt_get_id(drv, dev);
	if (!id && !(drv->hvsock && is_hvsock_channel(dev->channel)))
		return -ENODEV;
	if (!drv->probe)
		return -ENODEV;
	ret = drv->probe(dev, id);
	if (ret)
		dev_err(device, "%s probe failed: %d\n", drv->name, ret);
	return ret;
}

static void hvt_remove(struct device *device)
{
	struct hv_driver *drv = drv_to_hv_drv(device->driver);

	if (drv->remove)
		drv->remove(device_to_hv_device(device));
}

static void hvt_shutdown(struct device *device)
{
	struct hv_driver *drv;

	if (!device->driver)
		return;
	drv = drv_to_hv_drv(device->driver);
	if (drv->shutdown)
		drv->shutdown(device_to_hv_device(device));
}

static int hvt_uevent(HVT_CONST_DEV struct device *device, struct kobj_uevent_env *env)
{
	const struct hv_device *dev = device_to_hv_device(device);

	return add_uevent_var(env, "MODALIAS=vmbus:%*phN", UUID_SIZE, &dev->dev_type);
}

static int hvt_dma_configure(struct device *device)
{
	/* Coherent as the ACPI device says (always so on x86). */
	hv_setup_dma_ops(device, !hvt_parent ||
			 device_get_dma_attr(hvt_parent) == DEV_DMA_COHERENT);
	return 0;
}

struct bus_type hvt_bus = {
	.name = "vmbus",
	.match = hvt_match,
	.probe = hvt_probe,
	.remove = hvt_remove,
	.shutdown = hvt_shutdown,
	.uevent = hvt_uevent,
	.dma_configure = hvt_dma_configure,
	.dev_groups = hvt_dev_groups,
	.drv_groups = hvt_drv_groups,
	.bus_groups = hvt_bus_groups,
};

/* ---- devices -------------------------------------------------------------------- */

static void hvt_device_release(struct device *device)
{
	struct hv_device *dev = device_to_hv_device(device);

	if (dev->channel)
		hvt_channel_device_gone(dev->channel);
	kfree(dev);
}

int hvt_device_add(struct vmbus_channel *channel)
{
	struct hv_device *dev;
	int ret;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	dev->dev_type = channel->offermsg.offer.if_type;
	dev->dev_instance = channel->offermsg.offer.if_instance;
	dev->vendor_id = PCI_VENDOR_ID_MICROSOFT;
	dev->device_id = channel->device_id;
	dev->channel = channel;

	dev_set_name(&dev->device, "%pUl", &dev->dev_instance);
	dev->device.bus = &hvt_bus;
	dev->device.parent = hvt_parent;
	dev->device.release = hvt_device_release;
	dev->device.dma_parms = &dev->dma_parms;
	dev->device.dma_mask = &dev->dma_mask;
	dma_set_mask(&dev->device, DMA_BIT_MASK(64));

	channel->device_obj = dev;
	ret = device_register(&dev->device);
	if (ret) {
		pr_err(HVT_LOG_PREFIX "device %pUl not registered: %d\n",
		       &dev->dev_instance, ret);
		channel->device_obj = NULL;
		dev->channel = NULL;	/* the caller forgets the channel */
		put_device(&dev->device);
		return ret;
	}
	dev->channels_kset = kset_create_and_add("channels", NULL, &dev->device.kobj);
	if (dev->channels_kset)
		hvt_channel_kobj_add(dev, channel);
	hvt_debugfs_add_device(dev);
	return 0;
}

void vmbus_device_unregister(struct hv_device *device_obj)
{
	hvt_debugfs_remove_device(device_obj);
	/* channels/ holds a reference on the device: it goes first. */
	kset_unregister(device_obj->channels_kset);
	device_obj->channels_kset = NULL;
	/* The release (hvt_device_release) removes the channel. */
	device_unregister(&device_obj->device);
}
EXPORT_SYMBOL_GPL(vmbus_device_unregister);

/* ---- drivers ---------------------------------------------------------------------- */

int __vmbus_driver_register(struct hv_driver *hv_driver, struct module *owner,
			    const char *mod_name)
{
	if (!hvt_bus_up)
		return -ENODEV;
	hv_driver->driver.name = hv_driver->name;
	hv_driver->driver.owner = owner;
	hv_driver->driver.mod_name = mod_name;
	hv_driver->driver.bus = &hvt_bus;
	spin_lock_init(&hv_driver->dynids.lock);
	INIT_LIST_HEAD(&hv_driver->dynids.list);
	return driver_register(&hv_driver->driver);
}
EXPORT_SYMBOL_GPL(__vmbus_driver_register);

void vmbus_driver_unregister(struct hv_driver *hv_driver)
{
	if (!hvt_bus_up)
		return;
	driver_unregister(&hv_driver->driver);
	hvt_dynids_free(hv_driver);
}
EXPORT_SYMBOL_GPL(vmbus_driver_unregister);

/* ---- kexec and crash ------------------------------------------------------------- */

static void hvt_kexec(void)
{
	hvt_unload(true);
	hvt_synic_disable_local();
}

static void hvt_crash(struct pt_regs *regs)
{
	hvt_unload(true);
	hvt_synic_disable_local();
}

/* ---- finding the ACPI device ----------------------------------------------------- */

static const struct acpi_device_id hvt_acpi_ids[] = {
	{ "VMBUS", 0 },
	{ "VMBus", 0 },
	{ "", 0 },
};
MODULE_DEVICE_TABLE(acpi, hvt_acpi_ids);

#ifdef HVT_PLATFORM_DRIVER
static int hvt_platform_probe(struct platform_device *pdev)
{
	struct acpi_device *adev = ACPI_COMPANION(&pdev->dev);

	if (!adev)
		return -ENODEV;
	hvt_parent = &pdev->dev;
	hvt_acpi_found(adev);
	complete(&hvt_acpi_probed);
	return 0;
}

static struct platform_driver hvt_acpi_driver = {
	.probe = hvt_platform_probe,
	.driver = {
		.name = "vmbus",
		.acpi_match_table = hvt_acpi_ids,
		.probe_type = PROBE_FORCE_SYNCHRONOUS,
	},
};

static int hvt_acpi_register(void)
{
	return platform_driver_register(&hvt_acpi_driver);
}

static void hvt_acpi_unregister(void)
{
	platform_driver_unregister(&hvt_acpi_driver);
}
#else
static int hvt_acpi_add(struct acpi_device *adev)
{
	hvt_parent = &adev->dev;
	hvt_acpi_found(adev);
	complete(&hvt_acpi_probed);
	return 0;
}

static struct acpi_driver hvt_acpi_driver = {
	.name = "vmbus",
	.ids = hvt_acpi_ids,
	.ops = {
		.add = hvt_acpi_add,
	},
};

static int hvt_acpi_register(void)
{
	return acpi_bus_register_driver(&hvt_acpi_driver);
}

static void hvt_acpi_unregister(void)
{
	acpi_bus_unregister_driver(&hvt_acpi_driver);
}
#endif

/* ---- module ---------------------------------------------------------------------- */

static void hvt_unregister_devices(void)
{
	struct device *device;

	while ((device = bus_find_next_device(&hvt_bus, NULL))) {
		vmbus_device_unregister(device_to_hv_device(device));
		put_device(device);
	}
}

static int __init hvt_init(void)
{
	int ret;

	if (!hv_is_hyperv_initialized())
		return -ENODEV;

	ret = hvt_acpi_register();
	if (ret)
		return ret;
	if (!wait_for_completion_timeout(&hvt_acpi_probed, 5 * HZ)) {
		ret = -ENODEV;
		goto err_acpi;
	}

	ret = bus_register(&hvt_bus);
	if (ret)
		goto err_acpi;
	ret = hvt_synic_alloc();
	if (ret)
		goto err_bus;
	hv_setup_vmbus_handler(hvt_isr);
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "hyperv/vmbus:online",
				hvt_synic_cpu_up, hvt_synic_cpu_down);
	if (ret < 0)
		goto err_synic;
	hvt_cpuhp_state = ret;

	ret = hvt_connect();
	if (ret)
		goto err_cpuhp;
	hvt_bus_up = true;
	hv_setup_kexec_handler(hvt_kexec);
	hv_setup_crash_handler(hvt_crash);
	hvt_debugfs_init();

	ret = hvt_request_offers();
	if (ret)
		pr_err(HVT_LOG_PREFIX "REQUESTOFFERS failed: %d\n", ret);
	return 0;

err_cpuhp:
	cpuhp_remove_state(hvt_cpuhp_state);
err_synic:
	hv_remove_vmbus_handler();
	hvt_synic_free();
err_bus:
	bus_unregister(&hvt_bus);
err_acpi:
	hvt_acpi_unregister();
	hvt_mmio_free();
	return ret;
}

static void __exit hvt_exit(void)
{
	hv_remove_kexec_handler();
	hv_remove_crash_handler();

	/* Drivers first close their channels, then the host forgets them. */
	hvt_unregister_devices();
	flush_workqueue(vmbus_connection.handle_primary_chan_wq);
	flush_workqueue(vmbus_connection.handle_sub_chan_wq);
	flush_workqueue(vmbus_connection.work_queue);
	hvt_unload(false);
	hvt_unregister_devices();	/* any that raced in */
	hvt_channels_free_all();
	hvt_bus_up = false;

	hvt_debugfs_exit();
	cpuhp_remove_state(hvt_cpuhp_state);
	hv_remove_vmbus_handler();
	hvt_synic_free();
	hvt_disconnect();
	bus_unregister(&hvt_bus);
	hvt_acpi_unregister();
	hvt_mmio_free();
}

subsys_initcall(hvt_init);
module_exit(hvt_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hyperv-tools: Microsoft Hyper-V VMBus driver");
MODULE_AUTHOR("hyperv-tools");
