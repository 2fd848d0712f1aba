// SPDX-License-Identifier: MIT
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "daemon.h"
#include "log.h"

int hv_event_new(sd_event_signal_handler_t on_signal, void *userdata, sd_event **ret)
{
	static const int sigs[] = { SIGTERM, SIGINT };
	sd_event *e = NULL;
	sigset_t mask;
	int r;

	r = sd_event_new(&e);
	if (r < 0)
		return log_error_errno(r, "Cannot create event loop: %m");

	sigemptyset(&mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&mask, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
		r = log_error_errno(errno, "Cannot block signals: %m");
		goto fail;
	}
	/* The device may go away under a write; handle that as EPIPE, not death. */
	(void)signal(SIGPIPE, SIG_IGN);

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		r = sd_event_add_signal(e, NULL, sigs[i], on_signal, userdata);
		if (r < 0) {
			log_error_errno(r, "Cannot watch signal %d: %m", sigs[i]);
			goto fail;
		}
	}

	r = sd_event_set_watchdog(e, true);
	if (r < 0) {
		log_error_errno(r, "Cannot enable the watchdog: %m");
		goto fail;
	}
	if (r > 0)
		log_debug("Service watchdog enabled");

	*ret = e;
	return 0;
fail:
	sd_event_unref(e);
	return r;
}

static void notify(const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void notify(const char *prefix, const char *fmt, va_list ap)
{
	char *status = NULL;

	if (vasprintf(&status, fmt, ap) < 0)
		return;
	(void)sd_notifyf(false, "%sSTATUS=%s", prefix, status);
	free(status);
}

void hv_notify_ready(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	notify("READY=1\n", fmt, ap);
	va_end(ap);
}

void hv_notify_status(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	notify("", fmt, ap);
	va_end(ap);
}

void hv_notify_stopping(void)
{
	(void)sd_notify(false, "STOPPING=1");
}

int hv_daemonize(bool no_daemon)
{
	if (no_daemon)
		return 0;
	/* Keep the working directory semantics of upstream: daemon(1, 0). */
	if (daemon(1, 0) < 0)
		return log_error_errno(errno, "Cannot detach: %m");
	return 0;
}
