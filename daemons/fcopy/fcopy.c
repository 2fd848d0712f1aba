// SPDX-License-Identifier: MIT
/*
 * hv_fcopy_daemon: host-to-guest file copy (Copy-VMFile) for Hyper-V
 * guests. One binary for every kernel: /dev/vmbus/hv_fcopy where the
 * kernel has it (up to 6.9), the uio_hv_generic channel otherwise.
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hyperv/status.h>

#include "cleanup.h"
#include "daemon.h"
#include "fcopy-chardev.h"
#include "fcopy-conf.h"
#include "fcopy-copy.h"
#include "fcopy-msg.h"
#include "fcopy-uio.h"
#include "log.h"
#include "util.h"

#ifndef HV_SYSCONFDIR
#define HV_SYSCONFDIR "/etc/hyperv-tools"
#endif
#ifndef HV_STATEDIR
#define HV_STATEDIR "/var/lib/hyperv"
#endif

#define FCOPY_CONFIG_FILE HV_SYSCONFDIR "/fcopy.conf"
/* Re-arming the idle timer on every chunk would be wasted work. */
#define IDLE_REARM_USEC USEC_PER_SEC

struct manager {
	struct fcopy_config cfg;
	sd_event *event;
	struct fcopy_copy *copy;
	struct fcopy_chardev *chardev;
	struct fcopy_uio *uio;
	sd_event_source *idle;
	uint64_t idle_armed_usec;
	uint64_t files;
};

/* Command-line values; NULL / unset fields leave the configuration alone. */
struct cli {
	bool no_daemon;
	const char *config;
	const char *log_level;
	const char *transport;
	const char *device;
	const char *uio_device;
	const char *uio_ring;
	const char *ring_size;
	const char *state_dir;
	char **allow;
};

static void help(void)
{
	printf("Usage: hv_fcopy_daemon [OPTIONS]\n"
	       "Receive files the Hyper-V host copies into this guest (Copy-VMFile).\n\n"
	       "  -n, --no-daemon         stay in the foreground\n"
	       "  -d, --debug             log every request (same as --log-level=debug)\n"
	       "  -c, --config=FILE       configuration file (default %s)\n"
	       "  -l, --log-level=LEVEL   err, warning, notice, info, debug\n"
	       "  -t, --transport=TYPE    auto, chardev (kernels <= 6.9), uio (>= 6.10)\n"
	       "      --device=PATH       chardev (default %s)\n"
	       "      --uio-device=PATH   uio device (default: found by class GUID)\n"
	       "      --uio-ring=PATH     file holding the rings (default: the uio device)\n"
	       "      --ring-size=BYTES   bytes per ring direction (default: from sysfs)\n"
	       "  -a, --allow=DIR         accept copies only below DIR (repeatable)\n"
	       "      --state-dir=DIR     where interrupted copies are recorded\n"
	       "  -h, --help              show this help\n"
	       "  -V, --version           show the version\n",
	       FCOPY_CONFIG_FILE, FCOPY_DEFAULT_CHARDEV);
}

enum {
	ARG_DEVICE = 0x100,
	ARG_UIO_DEVICE,
	ARG_UIO_RING,
	ARG_RING_SIZE,
	ARG_STATE_DIR,
};

/* Returns 1 to go on, 0 to exit successfully (help), or a negative errno. */
static int parse_argv(int argc, char **argv, struct cli *cli)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "no-daemon", no_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ "debug-enabled", no_argument, NULL, 'd' }, /* upstream's spelling */
		{ "config", required_argument, NULL, 'c' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "transport", required_argument, NULL, 't' },
		{ "device", required_argument, NULL, ARG_DEVICE },
		{ "uio-device", required_argument, NULL, ARG_UIO_DEVICE },
		{ "uio-ring", required_argument, NULL, ARG_UIO_RING },
		{ "ring-size", required_argument, NULL, ARG_RING_SIZE },
		{ "allow", required_argument, NULL, 'a' },
		{ "state-dir", required_argument, NULL, ARG_STATE_DIR },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "hVndc:l:t:a:", options, NULL)) >= 0) {
		switch (c) {
		case 'h':
			help();
			return 0;
		case 'V':
			printf("hv_fcopy_daemon %s\n", HV_VERSION);
			return 0;
		case 'n':
			cli->no_daemon = true;
			break;
		case 'c':
			cli->config = optarg;
			break;
		case 'd':
			cli->log_level = "debug";
			break;
		case 'l':
			cli->log_level = optarg;
			break;
		case 't':
			cli->transport = optarg;
			break;
		case ARG_DEVICE:
			cli->device = optarg;
			break;
		case ARG_UIO_DEVICE:
			cli->uio_device = optarg;
			break;
		case ARG_UIO_RING:
			cli->uio_ring = optarg;
			break;
		case ARG_RING_SIZE:
			cli->ring_size = optarg;
			break;
		case 'a':
			if (strv_extend(&cli->allow, optarg) < 0)
				return -ENOMEM;
			break;
		case ARG_STATE_DIR:
			cli->state_dir = optarg;
			break;
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

static int set_string(char **field, const char *value)
{
	char *s = strdup(value);

	if (!s)
		return -ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

/* The command line overrides the file. */
static int apply_cli(struct fcopy_config *cfg, const struct cli *cli)
{
	const struct conf_item level_item = { 0 };
	int r = 0;

	if (cli->log_level && conf_parse_log_level(&level_item, cli->log_level, &cfg->log_level) < 0)
		return log_error_errno(EINVAL, "Unknown log level: %s", cli->log_level);
	if (cli->transport && fcopy_parse_transport(cli->transport, &cfg->transport) < 0)
		return log_error_errno(EINVAL, "Unknown transport: %s", cli->transport);
	if (cli->ring_size && fcopy_parse_size(cli->ring_size, &cfg->ring_size) < 0)
		return log_error_errno(EINVAL, "Invalid ring size: %s", cli->ring_size);
	if (cli->device)
		r = set_string(&cfg->device, cli->device);
	if (r == 0 && cli->uio_device)
		r = set_string(&cfg->uio_device, cli->uio_device);
	if (r == 0 && cli->uio_ring)
		r = set_string(&cfg->uio_ring_file, cli->uio_ring);
	if (r == 0 && cli->state_dir)
		r = set_string(&cfg->state_dir, cli->state_dir);
	if (r == 0 && cli->allow) {
		strv_free(cfg->allowed_dirs);
		cfg->allowed_dirs = NULL;
		STRV_FOREACH(dir, cli->allow) {
			r = strv_extend(&cfg->allowed_dirs, *dir);
			if (r < 0)
				break;
		}
	}
	if (r == 0 && !cfg->device)
		r = set_string(&cfg->device, FCOPY_DEFAULT_CHARDEV);
	return r;
}

static int on_idle(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct manager *m = userdata;
	struct fcopy_copy_stats st;

	(void)s;
	(void)usec;
	if (!fcopy_copy_active(m->copy))
		return 0;
	fcopy_copy_get_stats(m->copy, &st);
	log_warning("The host stopped sending %s; discarding the partial copy",
		    log_text(strempty(st.target)));
	fcopy_copy_cancel(m->copy);
	hv_notify_status("Idle, %" PRIu64 " files received", m->files);
	return 0;
}

static void update_idle_timer(struct manager *m)
{
	uint64_t now;

	if (!fcopy_copy_active(m->copy) || m->cfg.idle_timeout_usec == USEC_INFINITY) {
		(void)sd_event_source_set_enabled(m->idle, SD_EVENT_OFF);
		m->idle_armed_usec = 0;
		return;
	}
	if (sd_event_now(m->event, CLOCK_MONOTONIC, &now) < 0)
		now = now_usec(CLOCK_MONOTONIC);
	if (m->idle_armed_usec && now - m->idle_armed_usec < IDLE_REARM_USEC)
		return;
	m->idle_armed_usec = now;
	(void)sd_event_source_set_time(m->idle, now + m->cfg.idle_timeout_usec);
	(void)sd_event_source_set_enabled(m->idle, SD_EVENT_ONESHOT);
}

static uint32_t on_message(enum fcopy_names names, const void *msg, size_t len, void *userdata)
{
	struct manager *m = userdata;
	bool was_active = fcopy_copy_active(m->copy);
	struct fcopy_copy_stats st;
	uint32_t status;

	status = fcopy_msg_handle(m->copy, names, msg, len);
	update_idle_timer(m);

	if (fcopy_copy_active(m->copy) && !was_active) {
		fcopy_copy_get_stats(m->copy, &st);
		hv_notify_status("Receiving %s", st.target);
	} else if (!fcopy_copy_active(m->copy) && was_active) {
		if (status == HV_S_OK && len >= sizeof(struct hv_fcopy_hdr) &&
		    le32toh(((const struct hv_fcopy_hdr *)msg)->operation) == HV_FCOPY_COMPLETE)
			m->files++;
		hv_notify_status("Idle, %" PRIu64 " files received", m->files);
	}
	return status;
}

static void on_reset(void *userdata)
{
	struct manager *m = userdata;

	if (fcopy_copy_active(m->copy)) {
		log_info("Lost the host; discarding the copy in progress");
		fcopy_copy_cancel(m->copy);
	}
	update_idle_timer(m);
}

static enum fcopy_transport choose_transport(const struct fcopy_config *cfg)
{
	if (cfg->transport != FCOPY_TRANSPORT_AUTO)
		return cfg->transport;
	if (cfg->uio_device)
		return FCOPY_TRANSPORT_UIO;
	/* Kernels up to 6.9 have the in-kernel fcopy service and its device. */
	if (access(cfg->device, F_OK) == 0)
		return FCOPY_TRANSPORT_CHARDEV;
	return FCOPY_TRANSPORT_UIO;
}

static int start_transport(struct manager *m)
{
	const struct fcopy_handler handler = {
		.handle = on_message,
		.reset = on_reset,
		.userdata = m,
	};
	enum fcopy_transport t = choose_transport(&m->cfg);
	int r;

	if (t == FCOPY_TRANSPORT_CHARDEV) {
		r = fcopy_chardev_new(m->event, m->cfg.device, &handler, &m->chardev);
		if (r < 0)
			return r;
		r = fcopy_chardev_start(m->chardev);
		if (r < 0)
			return r;
		hv_notify_ready("Registering on %s", m->cfg.device);
		return 0;
	}

	const struct fcopy_uio_config ucfg = {
		.device = m->cfg.uio_device,
		.ring_file = m->cfg.uio_ring_file,
		.ring_size = (size_t)m->cfg.ring_size,
		.ring_size_timeout_usec = m->cfg.ring_size_timeout_usec,
	};
	r = fcopy_uio_new(m->event, &ucfg, &handler, &m->uio);
	if (r < 0)
		return r;
	r = fcopy_uio_start(m->uio);
	if (r < 0)
		return r;
	hv_notify_ready("Serving on %s", fcopy_uio_get_device(m->uio));
	return 0;
}

static int run(int argc, char **argv)
{
	_cleanup_strv_free_ char **allow = NULL;
	struct cli cli = { 0 };
	struct manager m = { 0 };
	struct fcopy_copy_config ccfg;
	unsigned warnings;
	int r;

	log_setup("hv_fcopy_daemon", LOG_TARGET_AUTO);
	r = parse_argv(argc, argv, &cli);
	allow = cli.allow;
	if (r <= 0)
		return r;

	r = fcopy_config_init(&m.cfg, HV_STATEDIR);
	if (r < 0)
		return log_error_errno(r, "Out of memory");
	r = fcopy_config_load(&m.cfg, cli.config ? cli.config : FCOPY_CONFIG_FILE, &warnings);
	if (r == 0)
		r = apply_cli(&m.cfg, &cli);
	if (r < 0)
		goto out;
	log_set_max_level(m.cfg.log_level);

	ccfg = (struct fcopy_copy_config){
		.allowed_roots = m.cfg.allowed_dirs,
		.file_mode = m.cfg.file_mode,
		.dir_mode = m.cfg.dir_mode,
		.preallocate = m.cfg.preallocate,
		.backslash_separator = m.cfg.backslash_separator,
		.state_dir = m.cfg.state_dir,
		.writeback_bytes = m.cfg.writeback_bytes,
	};
	r = fcopy_copy_new(&ccfg, &m.copy);
	if (r < 0)
		goto out;
	(void)fcopy_copy_clean_leftovers(m.copy);

	r = hv_daemonize(cli.no_daemon);
	if (r < 0)
		goto out;
	r = hv_event_new(NULL, NULL, &m.event);
	if (r < 0)
		goto out;
	r = sd_event_add_time(m.event, &m.idle, CLOCK_MONOTONIC, USEC_INFINITY, 0, on_idle, &m);
	if (r < 0)
		goto out;
	(void)sd_event_source_set_enabled(m.idle, SD_EVENT_OFF);

	r = start_transport(&m);
	if (r < 0)
		goto out;
	r = sd_event_loop(m.event);
	hv_notify_stopping();
	if (r < 0)
		log_error_errno(r, "Stopping after an error: %m");
out:
	m.chardev = fcopy_chardev_free(m.chardev);
	m.uio = fcopy_uio_free(m.uio);
	/* Freeing the engine discards a copy in progress: the target stays as it was. */
	m.copy = fcopy_copy_free(m.copy);
	sd_event_source_disable_unref(m.idle);
	sd_event_unref(m.event);
	fcopy_config_done(&m.cfg);
	return r;
}

int main(int argc, char **argv)
{
	int r = run(argc, argv);

	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
