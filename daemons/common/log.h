/* SPDX-License-Identifier: MIT */
/*
 * Logging for the daemons and tools: native journal protocol with
 * structured fields when stderr is connected to journald, otherwise stderr
 * with "<N>" priority prefixes (syslog levels), or plain text on a tty.
 *
 * log_hold() queues messages in memory instead of emitting them: the VSS
 * daemon must not write anything that could reach a disk while filesystems
 * are frozen. log_release() flushes the queue.
 */
#ifndef HV_LOG_H
#define HV_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

#include "util.h"

enum log_target {
	LOG_TARGET_AUTO,	/* journal if stderr is journald's stream, else stderr */
	LOG_TARGET_JOURNAL,
	LOG_TARGET_STDERR,
};

/* One structured field, e.g. { "HV_POOL", "1" }; name must be journal-valid. */
struct log_field {
	const char *name;
	const char *value;
};

void log_setup(const char *ident, enum log_target target);
void log_set_max_level(int level);
int log_get_max_level(void);
const char *log_get_ident(void);

/* Queue messages in memory until log_release(); nests. */
void log_hold(void);
void log_release(void);
size_t log_held_dropped(void);

/* Returns -abs(error) if error != 0, else 0, so callers can "return log_...". */
int log_internal(int level, int error, const char *file, int line, const char *func,
		 const struct log_field *fields, size_t n_fields, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

#define log_full_errno_fields(level, error, fields, n, ...)                                      \
	({                                                                                       \
		int _lvl_ = (level);                                                             \
		int _e_ = (error);                                                               \
		(_lvl_ <= log_get_max_level())                                                   \
			? log_internal(_lvl_, _e_, __FILE__, __LINE__, __func__, fields, n,        \
				       __VA_ARGS__)                                               \
			: (_e_ > 0 ? -_e_ : _e_);                                               \
	})

#define log_full_errno(level, error, ...) log_full_errno_fields(level, error, NULL, 0, __VA_ARGS__)
#define log_full(level, ...) (void)log_full_errno(level, 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, e, __VA_ARGS__)
#define log_notice_errno(e, ...) log_full_errno(LOG_NOTICE, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, e, __VA_ARGS__)

/* Structured: log_struct(LOG_INFO, 0, LOG_FIELDS({"HV_POOL", "1"}), "set %s", key); */
#define LOG_FIELDS(...) ((const struct log_field[]){ __VA_ARGS__ }), \
	(sizeof((const struct log_field[]){ __VA_ARGS__ }) / sizeof(struct log_field))
#define log_struct(level, error, ...) log_full_errno_fields(level, error, __VA_ARGS__)

/*
 * Host-controlled text (KVP keys, file names, adapter ids ...) and anything
 * else untrusted, as an argument of a log call: escape_text() into a buffer
 * that lives until the end of the enclosing block, so that it cannot start
 * a line of its own, forge a "<N>" prefix or drive a terminal, on stderr and
 * in the journal alike. Escaped text past LOG_TEXT_MAX is cut, marked with
 * "..."; a whole KVP key (511 bytes, at most 2044 escaped) always fits.
 *
 *	log_warning("Refusing copy to %s", log_text(name));
 */
#define LOG_TEXT_MAX 2048
#define log_text(s) escape_text((s), (char[LOG_TEXT_MAX]){ 0 }, LOG_TEXT_MAX)

/* Test hook: capture formatted lines instead of emitting them. */
typedef void (*log_sink_fn)(int level, const char *message, void *userdata);
void log_set_sink(log_sink_fn fn, void *userdata);

#endif /* HV_LOG_H */
