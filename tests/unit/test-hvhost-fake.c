// SPDX-License-Identifier: MIT
/*
 * The scripted QMP server of test-hvhost-fake.h, and the VM directory
 * the command tests run in.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "test-hvhost-fake.h"
#include "testlib.h"
#include "util.h"

static int send_text(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One line from fd, byte by byte (the tests exchange a few short lines). */
static char *read_line(int fd)
{
	size_t len = 0, cap = 256;
	char *line = malloc(cap), c;

	for (;;) {
		ssize_t n = read(fd, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(line);
			return NULL;
		}
		if (c == '\n')
			break;
		if (len + 2 > cap)
			line = realloc(line, cap *= 2);
		line[len++] = c;
	}
	line[len] = '\0';
	return line;
}

static char *substitute_id(const char *reply, const char *id)
{
	size_t cap = strlen(reply) * 2 + 64, o = 0;
	char *out = malloc(cap);

	for (const char *p = reply; *p;) {
		if (strncmp(p, "%ID%", 4) == 0) {
			o += (size_t)snprintf(out + o, cap - o, "%s", id);
			p += 4;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = '\0';
	return out;
}

static void *serve(void *userdata)
{
	struct fake_qmp *f = userdata;

	if (f->listen_fd >= 0) {
		f->fd = accept(f->listen_fd, NULL, NULL);
		if (f->fd < 0)
			return NULL;
	}
	if (!f->greeting)
		(void)send_text(f->fd, FAKE_GREETING);
	else if (*f->greeting)
		(void)send_text(f->fd, f->greeting);

	for (size_t i = 0; i < f->n_steps; i++) {
		const struct fake_step *s = &f->steps[i];
		json_object *req, *v, *args;
		const char *id = "null";
		char *line, *reply;

		if (s->expect) {
			line = read_line(f->fd);
			/* The client hung up: on a listening socket, serve its next connection. */
			while (!line && f->listen_fd >= 0) {
				close(f->fd);
				f->fd = accept(f->listen_fd, NULL, NULL);
				if (f->fd < 0)
					return NULL;
				f->reconnects++;
				(void)send_text(f->fd, FAKE_GREETING);
				line = read_line(f->fd);
			}
			if (!line) {
				snprintf(f->mismatch, sizeof(f->mismatch), "EOF before %s",
					 s->expect);
				return NULL;
			}
			req = json_tokener_parse(line);
			if (!req || !json_object_object_get_ex(req, "execute", &v) ||
			    strcmp(json_object_get_string(v), s->expect) != 0) {
				if (!f->mismatch[0])
					snprintf(f->mismatch, sizeof(f->mismatch), "%s", line);
			}
			if (req && json_object_object_get_ex(req, "id", &v))
				id = json_object_to_json_string(v);
			if (req && json_object_object_get_ex(req, "arguments", &args)) {
				snprintf(f->last_args, sizeof(f->last_args), "%s",
					 json_object_to_json_string_ext(args,
									JSON_C_TO_STRING_PLAIN));
				size_t l = strlen(f->all_args);
				snprintf(f->all_args + l, sizeof(f->all_args) - l, "%s %s\n",
					 s->expect, f->last_args);
			} else if (s->expect) {
				size_t l = strlen(f->all_args);
				snprintf(f->all_args + l, sizeof(f->all_args) - l, "%s\n",
					 s->expect);
			}
			reply = s->reply ? substitute_id(s->reply, id) : NULL;
			json_object_put(req);
			free(line);
			if (s->act)
				s->act(f);
		} else {
			reply = s->reply ? strdup(s->reply) : NULL;
		}
		if (!reply) {
			shutdown(f->fd, SHUT_RDWR);
			f->done = i + 1;
			return NULL;
		}
		(void)send_text(f->fd, reply);
		free(reply);
		f->done = i + 1;
	}
	if (f->linger) {
		char c;

		while (read(f->fd, &c, 1) > 0)
			;
	}
	return NULL;
}

void fake_qmp_start(struct fake_qmp *f)
{
	f->done = 0;
	f->mismatch[0] = '\0';
	f->last_args[0] = '\0';
	f->all_args[0] = '\0';
	if (pthread_create(&f->thread, NULL, serve, f) != 0)
		abort();
}

void fake_qmp_join(struct fake_qmp *f)
{
	pthread_join(f->thread, NULL);
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

struct fake_vm E;

void fake_quiet_log(int level, const char *message, void *userdata)
{
	(void)level;
	(void)message;
	(void)userdata;
}

/* A VM directory with a fake QEMU listening on its qmp.sock, and argv parsed for the command. */
static void fake_vm_vsetup(const struct fake_step *steps, size_t n, va_list ap)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *argv[32];
	int argc = 0;
	const char *w;

	memset(&E, 0, sizeof(E));
	E.dir = tl_mkdtemp("hvhost-cmd");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/qmp.sock", E.dir);
	E.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(E.listen_fd, 0);
	ck_assert_int_eq(bind(E.listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(E.listen_fd, 1), 0);
	E.fake.fd = -1;
	E.fake.listen_fd = E.listen_fd;
	E.fake.steps = steps;
	E.fake.n_steps = n;
	E.fake.linger = true;
	fake_qmp_start(&E.fake);

	argv[argc++] = E.words[E.n_words++] = strdup("hvhost");
	while ((w = va_arg(ap, const char *)) && argc < 31)
		argv[argc++] = E.words[E.n_words++] = strdup(w);
	argv[argc] = NULL;
	ck_assert_int_eq(hvhost_args_parse(argc, argv, &E.args), 0);
	E.args.qmp_timeout_usec = 5 * USEC_PER_SEC;
	E.h.args = &E.args;
	E.h.dir = strdup(E.dir);

	/* Capture stdout in a file. */
	ck_assert_int_ge(asprintf(&E.out_path, "%s/stdout", E.dir), 0);
	fflush(stdout);
	E.saved_stdout = dup(STDOUT_FILENO);
	int fd = open(E.out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_int_ge(fd, 0);
	dup2(fd, STDOUT_FILENO);
	close(fd);
}

char *fake_vm_finish(void)
{
	char *out;

	fflush(stdout);
	dup2(E.saved_stdout, STDOUT_FILENO);
	close(E.saved_stdout);
	qmp_free(E.h.qmp);
	E.h.qmp = NULL;
	fake_qmp_join(&E.fake);
	close(E.listen_fd);
	out = tl_read_file(E.out_path, NULL);
	ck_assert_ptr_nonnull(out);
	hvhost_args_done(&E.args);
	for (size_t i = 0; i < E.n_words; i++)
		free(E.words[i]);
	free(E.h.dir);
	free(E.out_path);
	tl_rm_rf(E.dir);
	free(E.dir);
	return out;
}

void fake_vm_setup(const struct fake_step *steps, size_t n, ...)
{
	va_list ap;

	va_start(ap, n);
	fake_vm_vsetup(steps, n, ap);
	va_end(ap);
}

char *fake_vm_run(const struct fake_step *steps, size_t n, int (*cmd)(struct hvhost *h), int want,
		  ...)
{
	va_list ap;

	va_start(ap, want);
	fake_vm_vsetup(steps, n, ap);
	va_end(ap);
	ck_assert_int_eq(cmd(&E.h), want);
	return fake_vm_finish();
}
