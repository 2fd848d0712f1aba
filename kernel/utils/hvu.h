/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hv_utils internals: what the driver core (main.c), the IC channel helpers
 * (ic.c), the daemon device (cdev.c) and the six services share.
 */
#ifndef _HVU_H
#define _HVU_H

#include <linux/hyperv.h>
#include <linux/types.h>

#include "hvt_ic.h"

/* Services, indexing the one-instance-each bitmap in main.c. */
enum hvu_service_id {
	HVU_SHUTDOWN,
	HVU_TIMESYNC,
	HVU_HEARTBEAT,
	HVU_KVP,
	HVU_VSS,
	HVU_FCOPY,
	HVU_NR_SERVICES,
};

/* A daemon reply must come within this (VSS FREEZE excepted). */
#define HVU_DAEMON_TIMEOUT	(30 * HZ)
/* How long KVP holds the host's first messages back for a daemon. */
#define HVU_KVP_DAEMON_WAIT	(55 * HZ)

/* Ring bytes per direction, as the stock driver opens its channels. */
#define HVU_RING_SIZE		VMBUS_RING_SIZE(3 * HV_HYP_PAGE_SIZE)

struct hvu_dev;

/*
 * struct hvu_service - one integration component.
 * @init:	allocate the service state (ud->priv); the channel is closed
 * @start:	after vmbus_open(): create what userspace sees
 * @stop:	before vmbus_close(): no new work, userspace cut off
 * @free:	after vmbus_close(): wait for the last work, free ud->priv
 * @suspend:	before the channel is closed for hibernation
 * @resume:	before it is opened again
 * @onchannel:	channel callback (tasklet context), @context is the hvu_dev
 * @pkt_size:	largest packet the service accepts: receive buffer and
 *		channel max_pkt_size
 */
struct hvu_service {
	const char *name;
	enum hvu_service_id id;
	int (*init)(struct hvu_dev *ud);
	int (*start)(struct hvu_dev *ud);
	void (*stop)(struct hvu_dev *ud);
	void (*free)(struct hvu_dev *ud);
	int (*suspend)(struct hvu_dev *ud);
	int (*resume)(struct hvu_dev *ud);
	void (*onchannel)(void *context);
	u32 pkt_size;
};

/* Versions a service offers in NEGOTIATE, newest first (major << 16 | minor). */
struct hvu_versions {
	const int *fw;
	int nfw;
	const int *srv;
	int nsrv;
};

/*
 * struct hvu_dev - one bound VMBus device.
 * @buf:	receive buffer of @buf_size bytes; replies are built in place.
 *		Used only by the service's receive path (the channel callback,
 *		or for KVP/VSS/fcopy the receive work under their lock).
 * @srv_version: service version the host agreed to (0 before NEGOTIATE)
 */
struct hvu_dev {
	struct hv_device *hdev;
	struct vmbus_channel *chan;
	const struct hvu_service *svc;
	u8 *buf;
	u32 buf_size;
	int srv_version;
	void *priv;
};

/* One received IC message of the service's own type. */
struct hvu_ic_msg {
	u32 len;		/* payload bytes received (headers included) */
	u64 req_id;
	u8 *body;		/* ud->buf + HVT_IC_BODY_OFFSET */
	u32 body_len;
};

/* ic.c */
int hvu_ic_next(struct hvu_dev *ud, u16 msgtype, const struct hvu_versions *v,
		struct hvu_ic_msg *ret);
void hvu_ic_reply(struct hvu_dev *ud, u32 len, u64 req_id, u32 status);
void hvu_ic_serve(struct hvu_dev *ud, u16 msgtype, const struct hvu_versions *v,
		  u32 (*handle)(struct hvu_dev *ud, struct hvu_ic_msg *m));

/* cdev.c: the daemon's character device, one message each way at a time. */
struct hvu_cdev;

struct hvu_cdev_ops {
	/* The daemon wrote @len bytes (@msg holds min(len, max_write)). */
	int (*write)(void *owner, const void *msg, size_t len);
	/* The daemon took the pending message. */
	void (*read_done)(void *owner);
	/* The daemon closed the device. */
	void (*release)(void *owner);
};

struct hvu_cdev *hvu_cdev_create(const char *name, const struct hvu_cdev_ops *ops,
				 void *owner, size_t max_write);
void hvu_cdev_destroy(struct hvu_cdev *cd);
int hvu_cdev_send(struct hvu_cdev *cd, const void *msg, size_t len, bool replace);
void hvu_cdev_flush(struct hvu_cdev *cd);
void hvu_cdev_poison(struct hvu_cdev *cd);

/* The services. */
extern const struct hvu_service hvu_shutdown_service;
extern const struct hvu_service hvu_timesync_service;
extern const struct hvu_service hvu_heartbeat_service;
extern const struct hvu_service hvu_kvp_service;
extern const struct hvu_service hvu_vss_service;
extern const struct hvu_service hvu_fcopy_service;

/* Framework versions every service but VSS and fcopy offers. */
extern const int hvu_fw_versions[2];

#endif /* _HVU_H */
