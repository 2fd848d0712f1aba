/* SPDX-License-Identifier: MIT */
/*
 * sd-event glue shared by the daemons: the event loop with signal handling
 * and watchdog, service manager notifications, upstream-compatible
 * backgrounding.
 */
#ifndef HV_DAEMON_H
#define HV_DAEMON_H

#include <stdbool.h>
#include <systemd/sd-event.h>

/*
 * Create the event loop: SIGTERM and SIGINT are blocked and delivered as
 * event sources (on_signal, or sd_event_exit(0) when NULL); the watchdog is
 * enabled when the service manager asked for one (WATCHDOG_USEC).
 */
int hv_event_new(sd_event_signal_handler_t on_signal, void *userdata, sd_event **ret);

/* READY=1 plus STATUS=; no-ops outside systemd. */
void hv_notify_ready(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hv_notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hv_notify_stopping(void);

/* Detach like upstream daemons do unless -n was given (daemon(3)). */
int hv_daemonize(bool no_daemon);

#endif /* HV_DAEMON_H */
