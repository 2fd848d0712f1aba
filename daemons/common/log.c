// SPDX-License-Identifier: MIT
/*
 * Logging: journal (native protocol, structured fields) or stderr.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "log.h"

#define LOG_MAX_FIELDS 16
#define LOG_HOLD_MAX_ENTRIES 1024
#define LOG_HOLD_MAX_BYTES (256u * 1024u)

struct held_entry {
	int level;
	int error;
	size_t n_fields;
	char *fields[LOG_MAX_FIELDS];	/* "NAME=value" */
	char *message;
};

static struct {
	char ident[64];
	bool journal;
	bool tty;
	int max_level;
	unsigned hold_depth;
	struct held_entry *held;
	size_t n_held;
	size_t held_bytes;
	size_t dropped;
	log_sink_fn sink;
	void *sink_data;
} log_state = {
	.ident = "hyperv-tools",
	.max_level = LOG_INFO,
};

static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_setup(const char *ident, enum log_target target)
{
	if (ident)
		snprintf(log_state.ident, sizeof(log_state.ident), "%s", ident);
	switch (target) {
	case LOG_TARGET_JOURNAL:
		log_state.journal = true;
		break;
	case LOG_TARGET_STDERR:
		log_state.journal = false;
		break;
	case LOG_TARGET_AUTO:
	default:
		log_state.journal = stderr_is_journal();
		break;
	}
	log_state.tty = isatty(STDERR_FILENO) == 1;
}

void log_set_max_level(int level)
{
	log_state.max_level = level;
}

int log_get_max_level(void)
{
	return log_state.max_level;
}

const char *log_get_ident(void)
{
	return log_state.ident;
}

void log_set_sink(log_sink_fn fn, void *userdata)
{
	log_state.sink = fn;
	log_state.sink_data = userdata;
}

static const char *level_name(int level)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug",
	};

	return level >= 0 && level <= LOG_DEBUG ? names[level] : "log";
}

static void emit_stderr(int level, const char *message)
{
	/* One write per line so that concurrent writers do not interleave. */
	char buf[4096];
	int n;

	if (log_state.tty && level <= LOG_WARNING)
		n = snprintf(buf, sizeof(buf), "%s: %s: %s\n", log_state.ident,
			     level_name(level), message);
	else if (log_state.tty)
		n = snprintf(buf, sizeof(buf), "%s: %s\n", log_state.ident, message);
	else
		n = snprintf(buf, sizeof(buf), "<%d>%s\n", level, message);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf)) {
		n = sizeof(buf) - 1;
		buf[n - 1] = '\n';
	}
	(void)!write(STDERR_FILENO, buf, (size_t)n);
}

static void emit_journal(int level, int error, const char *file, int line, const char *func,
			 char *const *fields, size_t n_fields, const char *message)
{
	struct iovec iov[LOG_MAX_FIELDS + 8];
	char prio[16], ident[96], code_file[256], code_line[32], code_func[128], err[32];
	char *msg = NULL;
	size_t n = 0;

	if (asprintf(&msg, "MESSAGE=%s", message) < 0)
		return;
	snprintf(prio, sizeof(prio), "PRIORITY=%d", level);
	snprintf(ident, sizeof(ident), "SYSLOG_IDENTIFIER=%s", log_state.ident);
	iov[n++] = (struct iovec){ msg, strlen(msg) };
	iov[n++] = (struct iovec){ prio, strlen(prio) };
	iov[n++] = (struct iovec){ ident, strlen(ident) };
	if (file) {
		snprintf(code_file, sizeof(code_file), "CODE_FILE=%s", file);
		snprintf(code_line, sizeof(code_line), "CODE_LINE=%d", line);
		snprintf(code_func, sizeof(code_func), "CODE_FUNC=%s", func);
		iov[n++] = (struct iovec){ code_file, strlen(code_file) };
		iov[n++] = (struct iovec){ code_line, strlen(code_line) };
		iov[n++] = (struct iovec){ code_func, strlen(code_func) };
	}
	if (error) {
		snprintf(err, sizeof(err), "ERRNO=%d", error);
		iov[n++] = (struct iovec){ err, strlen(err) };
	}
	for (size_t i = 0; i < n_fields && i < LOG_MAX_FIELDS; i++)
		iov[n++] = (struct iovec){ fields[i], strlen(fields[i]) };

	if (sd_journal_sendv(iov, (int)n) < 0)
		emit_stderr(level, message);
	free(msg);
}

static void emit(int level, int error, const char *file, int line, const char *func,
		 char *const *fields, size_t n_fields, const char *message)
{
	if (log_state.sink)
		log_state.sink(level, message, log_state.sink_data);
	else if (log_state.journal)
		emit_journal(level, error, file, line, func, fields, n_fields, message);
	else
		emit_stderr(level, message);
}

static void free_entry(struct held_entry *h)
{
	for (size_t i = 0; i < h->n_fields; i++)
		free(h->fields[i]);
	free(h->message);
}

static void hold_entry(int level, int error, char **fields, size_t n_fields, char *message)
{
	size_t bytes = strlen(message);
	struct held_entry *h;

	for (size_t i = 0; i < n_fields; i++)
		bytes += strlen(fields[i]);
	if (log_state.n_held >= LOG_HOLD_MAX_ENTRIES ||
	    log_state.held_bytes + bytes > LOG_HOLD_MAX_BYTES) {
		log_state.dropped++;
		goto drop;
	}
	if (!log_state.held) {
		log_state.held = calloc(LOG_HOLD_MAX_ENTRIES, sizeof(*log_state.held));
		if (!log_state.held) {
			log_state.dropped++;
			goto drop;
		}
	}
	h = &log_state.held[log_state.n_held++];
	h->level = level;
	h->error = error;
	h->n_fields = n_fields;
	memcpy(h->fields, fields, n_fields * sizeof(char *));
	h->message = message;
	log_state.held_bytes += bytes;
	return;
drop:
	for (size_t i = 0; i < n_fields; i++)
		free(fields[i]);
	free(message);
}

int log_internal(int level, int error, const char *file, int line, const char *func,
		 const struct log_field *fields, size_t n_fields, const char *fmt, ...)
{
	char *fstr[LOG_MAX_FIELDS];
	size_t nf = 0;
	char *message;
	int saved_errno = errno;
	va_list ap;
	int r;

	if (error < 0)
		error = -error;
	if (n_fields > LOG_MAX_FIELDS)
		n_fields = LOG_MAX_FIELDS;

	errno = error; /* so that %m prints the error */
	va_start(ap, fmt);
	r = vasprintf(&message, fmt, ap);
	va_end(ap);
	if (r < 0)
		goto out;

	for (size_t i = 0; i < n_fields; i++) {
		if (!fields[i].name || !fields[i].value)
			continue;
		if (asprintf(&fstr[nf], "%s=%s", fields[i].name, fields[i].value) < 0)
			break;
		nf++;
	}

	if (log_state.hold_depth > 0 && !log_state.sink) {
		hold_entry(level, error, fstr, nf, message);
	} else {
		emit(level, error, file, line, func, fstr, nf, message);
		for (size_t i = 0; i < nf; i++)
			free(fstr[i]);
		free(message);
	}
out:
	errno = saved_errno;
	return error ? -error : 0;
}

void log_hold(void)
{
	log_state.hold_depth++;
}

size_t log_held_dropped(void)
{
	return log_state.dropped;
}

void log_release(void)
{
	size_t dropped;

	if (log_state.hold_depth == 0 || --log_state.hold_depth > 0)
		return;
	for (size_t i = 0; i < log_state.n_held; i++) {
		struct held_entry *h = &log_state.held[i];

		emit(h->level, h->error, NULL, 0, NULL, h->fields, h->n_fields, h->message);
		free_entry(h);
	}
	dropped = log_state.dropped;
	free(log_state.held);
	log_state.held = NULL;
	log_state.n_held = 0;
	log_state.held_bytes = 0;
	log_state.dropped = 0;
	if (dropped)
		log_warning("%zu log messages were dropped while logging was held", dropped);
}
