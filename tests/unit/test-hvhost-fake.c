// SPDX-License-Identifier: MIT
/*
 * The scripted QMP server of test-hvhost-fake.h.
 */
#include <errno.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test-hvhost-fake.h"

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
