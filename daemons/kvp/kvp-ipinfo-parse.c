// SPDX-License-Identifier: MIT
/*
 * Pure text parsers for the files kvp-ipinfo reads to learn DNS servers
 * and DHCP state: resolv.conf, systemd-networkd state files (KEY=value),
 * INI files (NetworkManager keyfiles and device state, networkd .network),
 * ifupdown's interfaces(5) and dhclient's lease database.
 *
 * All of these files may be written by other programs, hand-edited or
 * corrupt: every parser takes (text, len), stops at an embedded NUL, bounds
 * what it keeps and never fails on odd input, only on allocation.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "kvp-ipinfo-state.h"
#include "util.h"

/* Bounds on what a parser keeps from a file, whatever the file says. */
#define MAX_NAMESERVERS 64
#define MAX_SOURCES 64
#define MAX_TOKEN 256
#define MAX_EPOCH 253402300799ULL /* 9999-12-31T23:59:59Z */

/* A NUL-terminated private copy; an embedded NUL ends the text. */
static char *text_dup(const char *text, size_t len)
{
	return text ? strndup(text, len) : strdup("");
}

/* Next line of *cursor (modified in place), or NULL at the end. */
static char *next_line(char **cursor)
{
	char *line = *cursor, *nl;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*cursor = nl + 1;
	} else {
		*cursor = line + strlen(line);
	}
	return line;
}

/* Canonical text of an IPv4/IPv6 address; a "%zone" suffix is dropped. */
static int canonical_address(const char *s, char *buf, size_t size)
{
	unsigned char bin[sizeof(struct in6_addr)];
	char tmp[INET6_ADDRSTRLEN + 1];
	char *pct;

	if (strscpy(tmp, s, sizeof(tmp)) < 0)
		return -EINVAL;
	pct = strchr(tmp, '%');
	if (pct)
		*pct = '\0';
	if (inet_pton(AF_INET, tmp, bin) == 1)
		return inet_ntop(AF_INET, bin, buf, (socklen_t)size) ? 0 : -EINVAL;
	if (inet_pton(AF_INET6, tmp, bin) == 1)
		return inet_ntop(AF_INET6, bin, buf, (socklen_t)size) ? 0 : -EINVAL;
	return -EINVAL;
}

bool kvp_ipinfo_is_resolved_stub(const char *addr)
{
	return streq(addr, "127.0.0.53") || streq(addr, "127.0.0.54");
}

int kvp_ipinfo_parse_resolv_conf(const char *text, size_t len, char ***ret)
{
	_cleanup_free_ char *copy = text_dup(text, len);
	_cleanup_strv_free_ char **l = NULL;
	char *cursor = copy, *line;
	size_t n = 0;

	if (!copy)
		return -ENOMEM;
	/*
	 * resolv.conf(5): the keyword starts the line and is followed by a
	 * blank (glibc ignores an indented "nameserver"); '#'/';' comments.
	 */
	while ((line = next_line(&cursor))) {
		char addr[INET6_ADDRSTRLEN];
		char *save = NULL, *val;
		const char *rest = startswith(line, "nameserver");

		if (!rest || (*rest != ' ' && *rest != '\t'))
			continue;
		val = strtok_r(line + (rest - line), " \t\r", &save);
		if (!val || canonical_address(val, addr, sizeof(addr)) < 0)
			continue;
		if (strv_contains(l, addr))
			continue;
		if (strv_extend(&l, addr) < 0)
			return -ENOMEM;
		if (++n >= MAX_NAMESERVERS)
			break;
	}
	if (!l) {
		l = calloc(1, sizeof(char *));
		if (!l)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(l);
	return 0;
}

/* Strip matching surrounding quotes in place. */
static char *unquote(char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
		s[n - 1] = '\0';
		return s + 1;
	}
	return s;
}

int kvp_ipinfo_parse_env(const char *text, size_t len, const char *key, char **ret)
{
	_cleanup_free_ char *copy = text_dup(text, len);
	_cleanup_free_ char *value = NULL;
	char *cursor = copy, *line;

	if (!copy)
		return -ENOMEM;
	while ((line = next_line(&cursor))) {
		char *eq, *k, *v;

		k = strstrip(line);
		if (k[0] == '#' || k[0] == ';')
			continue;
		eq = strchr(k, '=');
		if (!eq)
			continue;
		*eq = '\0';
		if (!streq(strstrip(k), key))
			continue;
		v = unquote(strstrip(eq + 1));
		free(value);
		value = strdup(v);
		if (!value)
			return -ENOMEM;
	}
	if (!value)
		return -ENOENT;
	*ret = TAKE_PTR(value);
	return 0;
}

int kvp_ipinfo_parse_ini(const char *text, size_t len, const char *section, const char *key,
			 char **ret)
{
	_cleanup_free_ char *copy = text_dup(text, len);
	_cleanup_free_ char *value = NULL;
	char *cursor = copy, *line;
	bool in_section = false;

	if (!copy)
		return -ENOMEM;
	while ((line = next_line(&cursor))) {
		char *s = strstrip(line), *eq;

		if (s[0] == '#' || s[0] == ';' || s[0] == '\0')
			continue;
		if (s[0] == '[') {
			char *end = strrchr(s, ']');

			if (!end) {
				in_section = false;
				continue;
			}
			*end = '\0';
			in_section = streq(strstrip(s + 1), section);
			continue;
		}
		if (!in_section)
			continue;
		eq = strchr(s, '=');
		if (!eq)
			continue;
		*eq = '\0';
		if (!streq(strstrip(s), key))
			continue;
		free(value);
		value = strdup(strstrip(eq + 1));
		if (!value)
			return -ENOMEM;
	}
	if (!value)
		return -ENOENT;
	*ret = TAKE_PTR(value);
	return 0;
}

bool kvp_ipinfo_networkd_dhcp4(const char *value)
{
	static const char *const on[] = { "yes", "true", "on", "1", "ipv4", "both" };

	for (size_t i = 0; i < ELEMENTSOF(on); i++)
		if (strcasecmp(value, on[i]) == 0)
			return true;
	return false;
}

/*
 * interfaces(5) logical lines: a trailing backslash joins the next line;
 * a '#' as the first non-blank character makes a comment.
 */
int kvp_ipinfo_parse_ifupdown(const char *text, size_t len, const char *ifname, char **ret_method,
			      char ***sources, char ***source_dirs)
{
	_cleanup_free_ char *copy = text_dup(text, len);
	_cleanup_free_ char *method = NULL;
	size_t n_sources = 0;
	char *p, *q;

	if (!copy)
		return -ENOMEM;
	/* Join continuations in place: "\\\n" becomes two blanks. */
	for (p = copy; (q = strstr(p, "\\\n")); p = q + 2) {
		q[0] = ' ';
		q[1] = ' ';
	}

	p = copy;
	for (char *line; (line = next_line(&p));) {
		char *save = NULL, *tok[4] = { NULL };
		char *s = strstrip(line);
		size_t n = 0;

		if (s[0] == '#' || s[0] == '\0')
			continue;
		for (char *t = strtok_r(s, " \t\r", &save); t && n < ELEMENTSOF(tok);
		     t = strtok_r(NULL, " \t\r", &save))
			tok[n++] = t;
		if (n == 0)
			continue;

		if (streq(tok[0], "iface") && n >= 4) {
			if (!method && streq(tok[1], ifname) && streq(tok[2], "inet")) {
				method = strdup(tok[3]);
				if (!method)
					return -ENOMEM;
			}
		} else if (n >= 2 && n_sources < MAX_SOURCES &&
			   (streq(tok[0], "source") || streq(tok[0], "source-directory"))) {
			char ***l = streq(tok[0], "source") ? sources : source_dirs;

			if (l && strv_extend(l, tok[1]) < 0)
				return -ENOMEM;
			n_sources++;
		}
	}
	if (!method)
		return -ENOENT;
	if (ret_method)
		*ret_method = TAKE_PTR(method);
	return 0;
}

/* ---- dhclient.leases ---- */

enum tok_kind { TOK_END, TOK_WORD, TOK_STRING, TOK_LBRACE, TOK_RBRACE, TOK_SEMI };

struct lexer {
	const char *p;
	char tok[MAX_TOKEN];
};

static enum tok_kind lex(struct lexer *lx)
{
	size_t n = 0;

	for (;;) {
		while (isspace((unsigned char)*lx->p))
			lx->p++;
		if (*lx->p != '#')
			break;
		while (*lx->p && *lx->p != '\n')
			lx->p++;
	}
	lx->tok[0] = '\0';
	switch (*lx->p) {
	case '\0':
		return TOK_END;
	case '{':
		lx->p++;
		return TOK_LBRACE;
	case '}':
		lx->p++;
		return TOK_RBRACE;
	case ';':
		lx->p++;
		return TOK_SEMI;
	case '"':
		lx->p++;
		while (*lx->p && *lx->p != '"') {
			if (*lx->p == '\\' && lx->p[1])
				lx->p++;
			if (n + 1 < sizeof(lx->tok))
				lx->tok[n++] = *lx->p;
			lx->p++;
		}
		if (*lx->p == '"')
			lx->p++;
		lx->tok[n] = '\0';
		return TOK_STRING;
	default:
		while (*lx->p && !isspace((unsigned char)*lx->p) && !strchr("{};\"#", *lx->p)) {
			if (n + 1 < sizeof(lx->tok))
				lx->tok[n++] = *lx->p;
			lx->p++;
		}
		lx->tok[n] = '\0';
		return TOK_WORD;
	}
}

/*
 * "expire" arguments as dhclient writes them: "never", "epoch <secs>", or
 * "<weekday> <yyyy/mm/dd> <hh:mm:ss>" in UTC. -1 if unparsable.
 */
static time_t parse_expire(char args[][MAX_TOKEN], size_t n, bool *ret_never)
{
	int y, mo, d, h, mi, s;
	struct tm tm = { 0 };
	uint64_t secs;
	char c;

	*ret_never = false;
	if (n >= 1 && streq(args[0], "never")) {
		*ret_never = true;
		return 0;
	}
	if (n >= 2 && streq(args[0], "epoch"))
		return safe_atou64(args[1], &secs) < 0 || secs > MAX_EPOCH ? (time_t)-1 :
									     (time_t)secs;
	if (n < 3)
		return -1;
	if (sscanf(args[1], "%d/%d/%d%c", &y, &mo, &d, &c) != 3 ||
	    sscanf(args[2], "%d:%d:%d%c", &h, &mi, &s, &c) != 3)
		return -1;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || s < 0 || s > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return timegm(&tm);
}

int kvp_ipinfo_parse_dhclient_leases(const char *text, size_t len, const char *ifname, time_t now)
{
	_cleanup_free_ char *copy = text_dup(text, len);
	/* One statement's words: keyword plus up to 4 arguments. */
	char stmt[5][MAX_TOKEN];
	struct lexer lx;
	size_t n_stmt = 0;
	unsigned depth = 0;
	bool in_lease = false, pending_lease = false;
	bool iface_match = false, expired = false;
	enum tok_kind k;

	if (!copy)
		return -ENOMEM;
	lx.p = copy;
	while ((k = lex(&lx)) != TOK_END) {
		switch (k) {
		case TOK_WORD:
		case TOK_STRING:
			if (depth == 0 && k == TOK_WORD) {
				pending_lease = streq(lx.tok, "lease");
				break;
			}
			if (in_lease && depth == 1 && n_stmt < ELEMENTSOF(stmt))
				memcpy(stmt[n_stmt++], lx.tok, sizeof(lx.tok));
			break;
		case TOK_LBRACE:
			if (depth == 0 && pending_lease) {
				in_lease = true;
				iface_match = false;
				expired = false;
			}
			pending_lease = false;
			n_stmt = 0;
			if (depth < 64)
				depth++;
			break;
		case TOK_SEMI:
			pending_lease = false;
			if (in_lease && depth == 1 && n_stmt >= 2) {
				if (streq(stmt[0], "interface")) {
					iface_match = streq(stmt[1], ifname);
				} else if (streq(stmt[0], "expire")) {
					bool never;
					time_t t = parse_expire(stmt + 1, n_stmt - 1, &never);

					expired = !never && (t == (time_t)-1 || t <= now);
				}
			}
			n_stmt = 0;
			break;
		case TOK_RBRACE:
			if (depth > 0)
				depth--;
			if (depth == 0 && in_lease) {
				if (iface_match && !expired)
					return 1;
				in_lease = false;
			}
			n_stmt = 0;
			break;
		case TOK_END:
			break;
		}
	}
	return 0;
}
