// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's side of KVP, VSS and fcopy: /dev/vmbus/hv_{kvp,vss,fcopy},
 * misc devices with the mainline semantics. One opener at a time; one
 * message for the daemon waits in a slot until read() takes it whole; a
 * write() is handed to the service, which answers the host.
 *
 * Lifetime: the device is refcounted. The service drops its reference in
 * hvu_cdev_destroy(), which also cuts the daemon off (reads, writes and
 * polls report the device gone) and waits until no call into the service
 * is running; an open file keeps the memory until it is closed, so removing
 * the VMBus device never waits for the daemon.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "hvu.h"

struct hvu_cdev {
	struct miscdevice misc;
	struct kref ref;
	const struct hvu_cdev_ops *ops;
	void *owner;
	size_t max_write;
	wait_queue_head_t wq;		/* readers and pollers */

	/*
	 * Held for reading around every call into the service, for writing
	 * by hvu_cdev_destroy() to wait those out; @detached under it.
	 */
	struct rw_semaphore cb_sem;
	bool detached;

	struct mutex lock;		/* protects the fields below */
	bool open;			/* one opener at a time */
	bool dead;			/* destroyed: the daemon is cut off */
	bool stale;			/* writes fail until the next open */
	void *msg;			/* pending message for the daemon */
	size_t msg_len;
};

static void cdev_free(struct kref *ref)
{
	struct hvu_cdev *cd = container_of(ref, struct hvu_cdev, ref);

	kfree(cd->msg);
	kfree(cd->misc.name);
	kfree(cd);
}

static struct hvu_cdev *cdev_of(struct file *file)
{
	return file->private_data;
}

static int cdev_open(struct inode *inode, struct file *file)
{
	/* misc_open() set private_data to our miscdevice, under misc_mtx. */
	struct hvu_cdev *cd = container_of(file->private_data, struct hvu_cdev, misc);
	int ret = 0;

	mutex_lock(&cd->lock);
	if (cd->dead)
		ret = -ENODEV;
	else if (cd->open)
		ret = -EBUSY;
	else
		cd->open = true;
	mutex_unlock(&cd->lock);
	if (ret)
		return ret;
	kref_get(&cd->ref);
	file->private_data = cd;
	return 0;
}

static int cdev_release(struct inode *inode, struct file *file)
{
	struct hvu_cdev *cd = cdev_of(file);

	/*
	 * The service forgets the daemon before the slot reopens, so a new
	 * daemon's registration cannot be undone by this close.
	 */
	down_read(&cd->cb_sem);
	if (!cd->detached)
		cd->ops->release(cd->owner);
	up_read(&cd->cb_sem);

	mutex_lock(&cd->lock);
	kfree(cd->msg);
	cd->msg = NULL;
	cd->msg_len = 0;
	cd->stale = false;
	cd->open = false;
	mutex_unlock(&cd->lock);
	kref_put(&cd->ref, cdev_free);
	return 0;
}

static ssize_t cdev_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	struct hvu_cdev *cd = cdev_of(file);
	ssize_t ret;

	for (;;) {
		mutex_lock(&cd->lock);
		if (cd->dead) {
			ret = -EBADF;
			break;
		}
		if (cd->msg) {
			if (count < cd->msg_len) {
				ret = -EINVAL;
			} else if (copy_to_user(buf, cd->msg, cd->msg_len)) {
				ret = -EFAULT;
			} else {
				ret = cd->msg_len;
				kfree(cd->msg);
				cd->msg = NULL;
				cd->msg_len = 0;
			}
			break;
		}
		mutex_unlock(&cd->lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(cd->wq, READ_ONCE(cd->msg_len) || READ_ONCE(cd->dead)))
			return -ERESTARTSYS;
	}
	mutex_unlock(&cd->lock);

	if (ret > 0) {
		down_read(&cd->cb_sem);
		if (!cd->detached)
			cd->ops->read_done(cd->owner);
		up_read(&cd->cb_sem);
	}
	return ret;
}

static ssize_t cdev_write(struct file *file, const char __user *buf, size_t count,
			  loff_t *ppos)
{
	struct hvu_cdev *cd = cdev_of(file);
	size_t take = min(count, cd->max_write);
	bool dead, stale;
	void *msg;
	int ret;

	/* The service judges the length; only what it can use is copied. */
	msg = memdup_user(buf, take);
	if (IS_ERR(msg))
		return PTR_ERR(msg);

	mutex_lock(&cd->lock);
	dead = cd->dead;
	stale = cd->stale;
	mutex_unlock(&cd->lock);

	if (dead) {
		ret = -EBADF;
	} else if (stale) {
		ret = -EINVAL;
	} else {
		down_read(&cd->cb_sem);
		ret = cd->detached ? -EBADF : cd->ops->write(cd->owner, msg, count);
		up_read(&cd->cb_sem);
	}
	kfree(msg);
	return ret ? ret : count;
}

static __poll_t cdev_poll(struct file *file, poll_table *wait)
{
	struct hvu_cdev *cd = cdev_of(file);

	poll_wait(file, &cd->wq, wait);
	if (READ_ONCE(cd->dead))
		return EPOLLERR | EPOLLHUP;
	if (READ_ONCE(cd->msg_len))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

static const struct file_operations hvu_cdev_fops = {
	.owner = THIS_MODULE,
	.open = cdev_open,
	.release = cdev_release,
	.read = cdev_read,
	.write = cdev_write,
	.poll = cdev_poll,
	.llseek = noop_llseek,
};

/**
 * hvu_cdev_create() - register /dev/@name for a daemon.
 * @name:	device name under /dev ("vmbus/hv_kvp")
 * @ops:	the service's callbacks, called in the daemon's process context
 *		with no lock of this file held
 * @owner:	passed to @ops
 * @max_write:	bytes of a write() handed to @ops->write
 *
 * The node is root 0600 (devtmpfs's default for a misc device), as stock.
 * Context: process; sleeps.
 * Return: the device, or NULL.
 */
struct hvu_cdev *hvu_cdev_create(const char *name, const struct hvu_cdev_ops *ops,
				 void *owner, size_t max_write)
{
	struct hvu_cdev *cd;
	int ret;

	cd = kzalloc(sizeof(*cd), GFP_KERNEL);
	if (!cd)
		return NULL;
	cd->misc.name = kstrdup(name, GFP_KERNEL);
	if (!cd->misc.name)
		goto err_free;
	kref_init(&cd->ref);
	cd->ops = ops;
	cd->owner = owner;
	cd->max_write = max_write;
	init_waitqueue_head(&cd->wq);
	init_rwsem(&cd->cb_sem);
	mutex_init(&cd->lock);
	cd->misc.minor = MISC_DYNAMIC_MINOR;
	cd->misc.fops = &hvu_cdev_fops;
	ret = misc_register(&cd->misc);
	if (ret) {
		pr_err("cannot register /dev/%s: %d\n", name, ret);
		goto err_free;
	}
	return cd;

err_free:
	kfree(cd->misc.name);
	kfree(cd);
	return NULL;
}

/**
 * hvu_cdev_destroy() - remove the node and cut the daemon off.
 * @cd:	the device, or NULL
 *
 * After it returns no callback of the service runs or will run.
 * Context: process; must not hold a lock a callback takes.
 */
void hvu_cdev_destroy(struct hvu_cdev *cd)
{
	if (!cd)
		return;
	misc_deregister(&cd->misc);

	mutex_lock(&cd->lock);
	cd->dead = true;
	kfree(cd->msg);
	cd->msg = NULL;
	cd->msg_len = 0;
	mutex_unlock(&cd->lock);
	wake_up_interruptible_all(&cd->wq);

	down_write(&cd->cb_sem);
	cd->detached = true;
	up_write(&cd->cb_sem);

	kref_put(&cd->ref, cdev_free);
}

/**
 * hvu_cdev_send() - put a message in the slot for the daemon.
 * @cd:		the device
 * @msg:	message, copied
 * @len:	its length
 * @replace:	drop a message still waiting instead of failing
 *
 * Context: process; sleeps.
 * Return: 0; -ENOTCONN if no daemon has the device open, -EBUSY if a
 * message is still waiting, -ENOMEM.
 */
int hvu_cdev_send(struct hvu_cdev *cd, const void *msg, size_t len, bool replace)
{
	void *copy;
	int ret = 0;

	copy = kmemdup(msg, len, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	mutex_lock(&cd->lock);
	if (!cd->open || cd->dead) {
		ret = -ENOTCONN;
	} else if (cd->msg && !replace) {
		ret = -EBUSY;
	} else {
		kfree(cd->msg);
		cd->msg = copy;
		cd->msg_len = len;
		copy = NULL;
	}
	mutex_unlock(&cd->lock);
	kfree(copy);
	if (!ret)
		wake_up_interruptible(&cd->wq);
	return ret;
}

/**
 * hvu_cdev_flush() - drop the message waiting for the daemon, if any.
 * @cd:	the device
 */
void hvu_cdev_flush(struct hvu_cdev *cd)
{
	mutex_lock(&cd->lock);
	kfree(cd->msg);
	cd->msg = NULL;
	cd->msg_len = 0;
	mutex_unlock(&cd->lock);
}

/**
 * hvu_cdev_poison() - make the daemon start over.
 * @cd:	the device
 *
 * Its writes fail with EINVAL until it closes and reopens the device; a
 * message already in the slot can still be read (the fake THAW/CANCEL of
 * hibernation is delivered this way).
 */
void hvu_cdev_poison(struct hvu_cdev *cd)
{
	mutex_lock(&cd->lock);
	if (cd->open)
		cd->stale = true;
	mutex_unlock(&cd->lock);
}
