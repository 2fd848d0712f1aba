// SPDX-License-Identifier: MIT
/*
 * hv_kvp_daemon: answers the host's key-value exchange requests.
 *
 * Parse options, load the configuration, build the manager (event loop,
 * pools, intrinsic items, live network state), open /dev/vmbus/hv_kvp and
 * register, report READY=1, serve until SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-event.h>

#include "cleanup.h"
#include "daemon.h"
#include "hvdev.h"
#include "kvp-conf.h"
#include "kvp-handler.h"
#include "kvp-intrinsic.h"
#include "kvp-ipinfo.h"
#include "kvp-pool.h"
#include "log.h"
#include "util.h"

/* Journal checkpoint once the host has been quiet this long. */
#define KVP_CHECKPOINT_IDLE_USEC (1 * USEC_PER_SEC)

struct kvp_manager {
	struct kvp_conf conf;
	sd_event *event;
	sd_event_source *checkpoint;	/* idle timer */
	hv_dev *dev;
	struct kvp_handler handler;
	struct kvp_intrinsic *intrinsic;
	struct kvp_ipinfo *ipinfo;
	bool ready_sent;
};

struct kvp_args {
	bool no_daemon;
	bool debug;
	const char *config;
	const char *device;
	const char *pool_dir;
};

static void help(void)
{
	printf("Usage: %s [OPTIONS]\n\n"
	       "Hyper-V key-value pair (KVP) daemon: answers the host's requests for\n"
	       "guest information, host-pushed data and IP injection.\n\n"
	       "  -n, --no-daemon         Stay in the foreground\n"
	       "  -d, --debug             Log every request (debug level)\n"
	       "  -c, --config=PATH       Configuration file (default %s)\n"
	       "      --device=PATH       KVP device (default %s)\n"
	       "      --pool-dir=DIR      Pool directory (default %s)\n"
	       "  -V, --version           Show the version\n"
	       "  -h, --help              Show this help\n",
	       program_invocation_short_name, KVP_DEFAULT_CONFIG, KVP_DEFAULT_DEVICE,
	       KVP_DEFAULT_POOL_DIR);
}

/* 1: run, 0: exit successfully (--help), -EINVAL: usage error. */
static int parse_args(int argc, char **argv, struct kvp_args *a)
{
	enum { ARG_DEVICE = 0x100, ARG_POOL_DIR };
	static const struct option options[] = {
		{ "no-daemon", no_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ "debug-enabled", no_argument, NULL, 'd' }, /* upstream's spelling */
		{ "config", required_argument, NULL, 'c' },
		{ "device", required_argument, NULL, ARG_DEVICE },
		{ "pool-dir", required_argument, NULL, ARG_POOL_DIR },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "ndc:Vh", options, NULL)) >= 0) {
		switch (c) {
		case 'n':
			a->no_daemon = true;
			break;
		case 'd':
			a->debug = true;
			break;
		case 'c':
			a->config = optarg;
			break;
		case ARG_DEVICE:
			a->device = optarg;
			break;
		case ARG_POOL_DIR:
			a->pool_dir = optarg;
			break;
		case 'V':
			printf("hv_kvp_daemon (hyperv-tools) %s\n", HV_VERSION);
			return 0;
		case 'h':
			help();
			return 0;
		default:
			return -EINVAL;
		}
	}
	if (optind < argc) {
		log_error("Unexpected argument: %s", argv[optind]);
		return -EINVAL;
	}
	return 1;
}

static ssize_t kvp_build_register(void *buf, size_t size, void *userdata)
{
	struct hv_kvp_msg *msg = buf;

	(void)userdata;
	if (size < sizeof(*msg))
		return -ENOBUFS;
	memset(msg, 0, sizeof(*msg));
	msg->hdr.operation = HV_KVP_OP_REGISTER1;
	return sizeof(*msg);
}

static int kvp_check_register(const void *buf, size_t len, void *userdata)
{
	const struct hv_kvp_msg *msg = buf;
	struct kvp_manager *m = userdata;
	char version[sizeof(msg->body.reg.version)];
	size_t vlen;

	if (len != sizeof(*msg) || msg->hdr.operation != HV_KVP_OP_REGISTER1)
		return log_error_errno(EPROTO,
				       "Unexpected answer to registration (%zu bytes, operation %u)",
				       len, len >= 1 ? msg->hdr.operation : 0);
	vlen = bounded_strlen(msg->body.reg.version, sizeof(msg->body.reg.version));
	if (vlen == sizeof(msg->body.reg.version))
		return log_error_errno(EPROTO, "The kernel's version string is not terminated");
	memcpy(version, msg->body.reg.version, vlen + 1);
	if (!streq(version, HV_KVP_KERNEL_VERSION))
		log_notice("The kernel reports KVP version \"%s\" (expected \"%s\")",
			   log_text(version), HV_KVP_KERNEL_VERSION);
	kvp_intrinsic_set_version(m->intrinsic, version);
	return 0;
}

static int on_checkpoint(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct kvp_manager *m = userdata;
	int r;

	(void)s;
	(void)usec;
	for (unsigned i = 0; i < HV_KVP_POOL_COUNT; i++) {
		if (!m->handler.pools[i] || !kvp_pool_needs_checkpoint(m->handler.pools[i]))
			continue;
		r = kvp_pool_checkpoint(m->handler.pools[i]);
		if (r < 0)
			log_warning_errno(r, "Pool %u: checkpoint failed (will retry): %m", i);
	}
	return 0;
}

/* Changes are durable through the journal; fold it into the pools when idle. */
static void schedule_checkpoint(struct kvp_manager *m)
{
	uint64_t now;
	bool needed = false;

	for (unsigned i = 0; i < HV_KVP_POOL_COUNT && !needed; i++)
		needed = m->handler.pools[i] && kvp_pool_needs_checkpoint(m->handler.pools[i]);
	if (!needed)
		return;
	if (sd_event_now(m->event, CLOCK_MONOTONIC, &now) < 0)
		return;
	if (!m->checkpoint) {
		if (sd_event_add_time(m->event, &m->checkpoint, CLOCK_MONOTONIC,
				      now + KVP_CHECKPOINT_IDLE_USEC, USEC_PER_SEC / 10, on_checkpoint,
				      m) < 0)
			m->checkpoint = NULL;
		return;
	}
	(void)sd_event_source_set_time(m->checkpoint, now + KVP_CHECKPOINT_IDLE_USEC);
	(void)sd_event_source_set_enabled(m->checkpoint, SD_EVENT_ONESHOT);
}

static ssize_t kvp_handle(hv_dev *dev, void *buf, size_t len, void *userdata)
{
	struct kvp_manager *m = userdata;
	unsigned op = len > 0 ? ((struct hv_kvp_msg *)buf)->hdr.operation : 0;

	(void)dev;
	(void)kvp_handle_message(&m->handler, buf, len);
	if (op == HV_KVP_OP_SET || op == HV_KVP_OP_DELETE)
		schedule_checkpoint(m);
	/* Reply in place, always a whole message. */
	return HV_KVP_MSG_SIZE;
}

static void kvp_state_changed(hv_dev *dev, enum hv_dev_state state, void *userdata)
{
	struct kvp_manager *m = userdata;

	switch (state) {
	case HV_DEV_READY:
		if (!m->ready_sent) {
			hv_notify_ready("Registered with the kernel; serving host requests");
			m->ready_sent = true;
			log_info("Registered on %s; serving host requests", hv_dev_get_path(dev));
		} else {
			hv_notify_status("Registered again after a device reset; serving host requests");
			log_info("Registered again on %s", hv_dev_get_path(dev));
		}
		break;
	case HV_DEV_CLOSED:
		hv_notify_status("Device %s lost; reopening", hv_dev_get_path(dev));
		break;
	case HV_DEV_REGISTERING:
		break;
	}
}

static const struct hv_dev_ops kvp_dev_ops = {
	.name = "kvp",
	.max_msg_size = HV_KVP_MSG_SIZE,
	.build_register = kvp_build_register,
	.check_register = kvp_check_register,
	.handle = kvp_handle,
	.state_changed = kvp_state_changed,
};

static void manager_free(struct kvp_manager *m)
{
	sd_event_source_disable_unref(m->checkpoint);
	hv_dev_free(m->dev);
	for (unsigned i = 0; i < HV_KVP_POOL_COUNT; i++)
		kvp_pool_free(m->handler.pools[i]);
	kvp_intrinsic_free(m->intrinsic);
	kvp_ipinfo_free(m->ipinfo);
	sd_event_unref(m->event);
	kvp_conf_done(&m->conf);
}

static int manager_init(struct kvp_manager *m)
{
	struct kvp_pool_options popts = { .durable = m->conf.durable };
	struct kvp_intrinsic_options iopts = {
		.os_release = m->conf.os_release,
		.fqdn = m->conf.fqdn,
	};
	int r;

	r = hv_event_new(NULL, NULL, &m->event);
	if (r < 0)
		return r;

	for (unsigned i = 0; i < HV_KVP_POOL_COUNT; i++) {
		r = kvp_pool_open(m->conf.pool_dir, i, &popts, &m->handler.pools[i]);
		if (r < 0)
			return log_error_errno(r, "Cannot open pool %u in %s: %m", i,
					       m->conf.pool_dir);
	}

	r = kvp_ipinfo_new(NULL, &m->ipinfo);
	if (r < 0)
		/* Pools still work; IP items and IP info answer with failures. */
		log_warning_errno(r, "Network state unavailable: %m");
	else if ((r = kvp_ipinfo_attach_event(m->ipinfo, m->event)) < 0)
		log_warning_errno(r, "Cannot follow network changes; will poll: %m");

	iopts.ipinfo = m->ipinfo;
	r = kvp_intrinsic_new(&iopts, &m->intrinsic);
	if (r < 0)
		return log_error_errno(r, "Cannot set up the intrinsic items: %m");

	m->handler.intrinsic = m->intrinsic;
	m->handler.ipinfo = m->ipinfo;
	m->handler.ip_injection = m->conf.ip_injection;
	m->handler.netconf = (struct kvp_netconf_options){
		.backend = m->conf.backend,
		.hook = m->conf.hook,
		.apply = m->conf.apply,
		.state_dir = m->conf.pool_dir,
		.timeout_usec = m->conf.apply_timeout,
	};

	r = hv_dev_new(m->event, m->conf.device, &kvp_dev_ops, m, &m->dev);
	if (r < 0)
		return log_error_errno(r, "Cannot set up the device: %m");
	return hv_dev_start(m->dev);
}

static int run(int argc, char **argv)
{
	struct kvp_args args = { 0 };
	struct kvp_manager m = { 0 };
	int r;

	log_setup("hv_kvp_daemon", LOG_TARGET_AUTO);
	r = parse_args(argc, argv, &args);
	if (r <= 0)
		return r;

	r = kvp_conf_load(&m.conf, args.config);
	if (r < 0)
		goto out;
	log_set_max_level(args.debug ? LOG_DEBUG : m.conf.log_level);
	if (args.device) {
		free(m.conf.device);
		m.conf.device = strdup(args.device);
	}
	if (args.pool_dir) {
		free(m.conf.pool_dir);
		m.conf.pool_dir = strdup(args.pool_dir);
	}
	if (!m.conf.device || !m.conf.pool_dir) {
		r = log_error_errno(ENOMEM, "Out of memory");
		goto out;
	}

	r = hv_daemonize(args.no_daemon);
	if (r < 0)
		goto out;
	r = manager_init(&m);
	if (r < 0)
		goto out;
	r = sd_event_loop(m.event);
	if (r < 0)
		log_error_errno(r, "Event loop failed: %m");
	hv_notify_stopping();
	log_info("Stopping after %llu requests",
		 (unsigned long long)hv_dev_get_requests(m.dev));
out:
	manager_free(&m);
	return r;
}

int main(int argc, char **argv)
{
	int r = run(argc, argv);

	if (r == -EINVAL)
		return 2;
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
