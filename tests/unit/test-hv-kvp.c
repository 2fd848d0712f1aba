// SPDX-License-Identifier: MIT
/*
 * The hv-kvp command line, run as a program: commands, pool names, exit
 * codes and messages, escaping of hostile bytes in plain and JSON output
 * (checked with a strict JSON parser), and use while another process
 * writes the same pool.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvp-pool.h"
#include "test-kvp-pool-util.h"
#include "testlib.h"
#include "util.h"

#define HV_KVP HV_BINARY_DIR "/daemons/kvp/hv-kvp"

static char *dir;

static void setup(void)
{
	dir = tl_mkdtemp("hv-kvp");
}

static void teardown(void)
{
	tl_rm_rf(dir);
	free(dir);
}

struct result {
	int status;
	char *out;
	char *err;
};

static void result_done(struct result *r)
{
	free(r->out);
	free(r->err);
}

/* Run hv-kvp --pool-dir <dir> args... (NULL-terminated), capturing its output. */
static struct result run_argv(bool with_dir, char **args)
{
	char *argv[16], *out_path, *err_path;
	struct result r;
	size_t n = 0;
	pid_t pid;

	ck_assert_int_ge(asprintf(&out_path, "%s.out", dir), 0);
	ck_assert_int_ge(asprintf(&err_path, "%s.err", dir), 0);
	argv[n++] = (char *)HV_KVP;
	if (with_dir) {
		argv[n++] = (char *)"--pool-dir";
		argv[n++] = dir;
	}
	while (*args && n < ELEMENTSOF(argv) - 1)
		argv[n++] = *args++;
	argv[n] = NULL;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	r.status = tl_wait(pid, 30000);
	r.out = tl_read_file(out_path, NULL);
	r.err = tl_read_file(err_path, NULL);
	unlink(out_path);
	unlink(err_path);
	free(out_path);
	free(err_path);
	return r;
}

#define RUN(...) run_argv(true, (char *[]){ __VA_ARGS__, NULL })
#define RUN_NODIR(...) run_argv(false, (char *[]){ __VA_ARGS__, NULL })

static void expect(struct result r, int status, const char *out, const char *err_part)
{
	ck_assert_msg(r.status == status, "exit %d, wanted %d; stderr: %s", r.status, status,
		      r.err);
	if (out)
		ck_assert_str_eq(r.out, out);
	if (err_part)
		ck_assert_msg(strstr(r.err, err_part), "stderr '%s' lacks '%s'", r.err, err_part);
	else
		ck_assert_str_eq(r.err, "");
	result_done(&r);
}

/* ---- a strict JSON (RFC 8259) checker ---- */

static const char *json_value(const char *s);

static const char *json_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

static const char *json_string(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (*u++ != '"')
		return NULL;
	for (;;) {
		if (*u == '"')
			return (const char *)u + 1;
		if (*u < 0x20)
			return NULL; /* raw control characters (and the end) are not allowed */
		if (*u == '\\') {
			u++;
			if (*u == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", u[i]) || !u[i])
						return NULL;
				u += 5;
			} else if (*u && strchr("\"\\/bfnrt", *u))
				u++;
			else
				return NULL;
		} else if (*u < 0x80)
			u++;
		else {
			/* Well-formed UTF-8 only. */
			size_t len = *u >= 0xf0 ? 4 : *u >= 0xe0 ? 3 : *u >= 0xc2 ? 2 : 0;

			if (len == 0 || *u > 0xf4)
				return NULL;
			for (size_t i = 1; i < len; i++)
				if ((u[i] & 0xc0) != 0x80)
					return NULL;
			if ((u[0] == 0xe0 && u[1] < 0xa0) || (u[0] == 0xed && u[1] >= 0xa0) ||
			    (u[0] == 0xf0 && u[1] < 0x90) || (u[0] == 0xf4 && u[1] >= 0x90))
				return NULL;
			u += len;
		}
	}
}

static const char *json_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return NULL;
	return s;
}

static const char *json_list(const char *s, char close, bool object)
{
	s = json_ws(s + 1);
	if (*s == close)
		return s + 1;
	for (;;) {
		if (object) {
			s = json_string(json_ws(s));
			if (!s)
				return NULL;
			s = json_ws(s);
			if (*s++ != ':')
				return NULL;
		}
		s = json_value(s);
		if (!s)
			return NULL;
		s = json_ws(s);
		if (*s == close)
			return s + 1;
		if (*s++ != ',')
			return NULL;
	}
}

static const char *json_value(const char *s)
{
	s = json_ws(s);
	switch (*s) {
	case '{':
		return json_list(s, '}', true);
	case '[':
		return json_list(s, ']', false);
	case '"':
		return json_string(s);
	case 't':
		return startswith(s, "true") ? s + 4 : NULL;
	case 'f':
		return startswith(s, "false") ? s + 5 : NULL;
	case 'n':
		return startswith(s, "null") ? s + 4 : NULL;
	default:
		return json_number(s);
	}
}

static void assert_json(const char *doc)
{
	const char *end = json_value(doc);

	ck_assert_msg(end && *json_ws(end) == '\0', "not valid JSON: %s", doc);
}

START_TEST(hv_kvp__json_checker_rejects_bad_documents)
{
	/* The checker itself must be able to say no. */
	ck_assert_ptr_null(json_value("\"a\tb\""));
	ck_assert_ptr_null(json_value("\"\xff\""));
	ck_assert_ptr_null(json_value("\"\xed\xa0\x80\""));
	ck_assert_ptr_null(json_value("\"\\x01\""));
	ck_assert_ptr_null(json_value("{\"a\" 1}"));
	ck_assert_ptr_nonnull(json_value("{\"a\":[1,\"\\u0001\",\"\xc3\xa9\"]}"));
}
END_TEST

/* ---- commands ---- */

START_TEST(hv_kvp__set_get_delete)
{
	expect(RUN("set", "1", "Name", "value one"), 0, "", NULL);
	expect(RUN("get", "1", "Name"), 0, "value one\n", NULL);
	expect(RUN("set", "guest", "Name", "value two"), 0, "", NULL);
	expect(RUN("get", "GUEST", "Name"), 0, "value two\n", NULL);
	expect(RUN("set", "1", "Empty", ""), 0, "", NULL);
	expect(RUN("get", "1", "Empty"), 0, "\n", NULL);
	expect(RUN("delete", "1", "Name"), 0, "", NULL);
	expect(RUN("get", "1", "Name"), 1, "", "Name: not found in pool 1");
	expect(RUN("delete", "1", "Name"), 1, "", "not found");
	/* The host may store an empty key: get and delete reach it. */
	{
		struct kvp_pool_options o = { .durable = true };
		struct kvp_pool *p;

		ck_assert_int_eq(kvp_pool_open(dir, 0, &o, &p), 0);
		ck_assert_int_eq(kvp_pool_set(p, "", "from the host"), 0);
		kvp_pool_free(p);
	}
	expect(RUN("get", "0", ""), 0, "from the host\n", NULL);
	expect(RUN("list", "0"), 0, "\tfrom the host\n", NULL);
	expect(RUN("delete", "0", ""), 0, "", NULL);
	expect(RUN("get", "0", ""), 1, "", "not found in pool 0");
	/* Values (after the command) may start with a dash. */
	expect(RUN("set", "0", "neg", "-5"), 0, "", NULL);
	expect(RUN("get", "external", "neg"), 0, "-5\n", NULL);
	kt_assert_pool_sane(dir, 1);
}
END_TEST

START_TEST(hv_kvp__pool_names)
{
	static const char *const names[] = { "external", "guest", "auto", "auto_external",
					     "auto_internal" };

	for (unsigned i = 0; i < ELEMENTSOF(names); i++) {
		char num[4], want[32];
		struct kvp_pool *p;
		struct kvp_pool_options o = { .durable = true };

		snprintf(num, sizeof(num), "%u", i);
		ck_assert_int_eq(kvp_pool_open(dir, i, &o, &p), 0);
		ck_assert_int_eq(kvp_pool_set(p, "which", num), 0);
		kvp_pool_free(p);
		snprintf(want, sizeof(want), "%u\n", i);
		expect(RUN("get", (char *)names[i], "which"), 0, want, NULL);
		expect(RUN("get", num, "which"), 0, want, NULL);
	}
}
END_TEST

START_TEST(hv_kvp__usage_errors_exit_2)
{
	expect(RUN_NODIR("--pool-dir"), 2, "", "needs an argument");
	expect(run_argv(true, (char *[]){ NULL }), 2, "", "no command");
	expect(RUN("frobnicate"), 2, "", "unknown command 'frobnicate'");
	expect(RUN("--bogus", "list"), 2, "", "unknown option '--bogus'");
	expect(RUN("get", "5", "k"), 2, "", "unknown pool '5'");
	expect(RUN("get", "nopool", "k"), 2, "", "unknown pool");
	expect(RUN("get", "1"), 2, "", "usage: get POOL KEY");
	expect(RUN("set", "1", "k"), 2, "", "usage: set POOL KEY VALUE");
	expect(RUN("delete", "1", "k", "x"), 2, "", "usage: delete POOL KEY");
	expect(RUN("list", "1", "2"), 2, "", "at most one POOL");
}
END_TEST

START_TEST(hv_kvp__help_and_version)
{
	struct result r = RUN_NODIR("--help");

	ck_assert_int_eq(r.status, 0);
	ck_assert(startswith(r.out, "Usage: hv-kvp"));
	ck_assert(strstr(r.out, HV_STATEDIR));
	result_done(&r);
	r = RUN_NODIR("--version");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "hv-kvp " HV_VERSION "\n");
	result_done(&r);
}
END_TEST

START_TEST(hv_kvp__errors_exit_1)
{
	char key[600], value[2100];

	memset(key, 'k', sizeof(key));
	key[512] = '\0';
	memset(value, 'v', sizeof(value));
	value[2048] = '\0';
	expect(RUN("set", "1", key, "x"), 1, "", "the key is 512 bytes long, at most 511");
	expect(RUN("set", "1", "k", value), 1, "", "the value is 2048 bytes long, at most 2047");
	/* set refuses an empty key (an unset variable, most likely)... */
	expect(RUN("set", "1", "", "x"), 1, "", "the key is empty");
	expect(RUN("set", "2", "k", "x"), 1, "", "pool 2 (auto) is generated by the daemon");
	expect(RUN("get", "3", "k"), 1, "", "not found in pool 3");
	key[511] = '\0';
	value[2047] = '\0';
	expect(RUN("set", "1", key, value), 0, "", NULL);
	/* A directory that cannot hold a new pool (root may write anyway). */
	ck_assert_int_eq(chmod(dir, 0500), 0);
	if (geteuid() != 0)
		expect(RUN("set", "0", "k", "v"), 1, "", "cannot open pool 0");
	ck_assert_int_eq(chmod(dir, 0700), 0);
}
END_TEST

/*
 * C1 controls are valid UTF-8 (c2 80 - c2 9f) yet act on terminals like C0
 * ones: CSI c2 9b starts an escape sequence, NEL c2 85 a new line. U+00A0,
 * the first character past them, is text.
 */
static const char hostile[] = "tab\there \"quoted\" back\\slash nl\n cr\r bell\a del\x7f "
			      "bad\xff overlong\xc0\xaf surrogate\xed\xa0\x80 "
			      "short\xe2\x82 csi\xc2\x9b" "31m nel\xc2\x85 c1\xc2\x80\xc2\x9f "
			      "nbsp\xc2\xa0 ok\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";

/* No byte a terminal acts on: C0 but newline and TAB, DEL, C1 (c2 80 - c2 9f). */
static void assert_no_raw_controls(const char *out)
{
	for (const unsigned char *u = (const unsigned char *)out; *u; u++) {
		ck_assert_msg(*u >= 0x20 || *u == '\n' || *u == '\t', "raw 0x%02x in %s", *u, out);
		ck_assert_msg(*u != 0x7f, "raw DEL in %s", out);
		ck_assert_msg(!(u[0] == 0xc2 && u[1] >= 0x80 && u[1] < 0xa0), "raw C1 in %s", out);
	}
}

static void write_hostile(unsigned pool)
{
	struct kvp_pool_options o = { .durable = true };
	struct kvp_pool *p;

	ck_assert_int_eq(kvp_pool_open(dir, pool, &o, &p), 0);
	ck_assert_int_eq(kvp_pool_set(p, hostile, hostile), 0);
	ck_assert_int_eq(kvp_pool_set(p, "plain", "value"), 0);
	kvp_pool_free(p);
}

START_TEST(hv_kvp__list_escapes_control_bytes)
{
	struct result r;
	char *want, *esc = "tab\\there \"quoted\" back\\\\slash nl\\n cr\\r bell\\x07 del\\x7f "
			   "bad\\xff overlong\\xc0\\xaf surrogate\\xed\\xa0\\x80 short\\xe2\\x82 "
			   "csi\\xc2\\x9b31m nel\\xc2\\x85 c1\\xc2\\x80\\xc2\\x9f "
			   "nbsp\xc2\xa0 ok\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";

	write_hostile(0);
	ck_assert_int_ge(asprintf(&want, "%s\t%s\nplain\tvalue\n", esc, esc), 0);
	r = RUN("list", "0");
	assert_no_raw_controls(r.out);
	expect(r, 0, want, NULL);
	free(want);
	ck_assert_int_ge(asprintf(&want, "0\t%s\t%s\n0\tplain\tvalue\n", esc, esc), 0);
	r = RUN("list");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, want);
	result_done(&r);
	free(want);
	/* get gives the bytes as stored. */
	ck_assert_int_ge(asprintf(&want, "%s\n", hostile), 0);
	expect(RUN("get", "0", (char *)hostile), 0, want, NULL);
	free(want);
}
END_TEST

START_TEST(hv_kvp__json_output_is_valid)
{
	const char *esc = "\"tab\\there \\\"quoted\\\" back\\\\slash nl\\n cr\\r bell\\u0007 "
			  "del\\u007f bad\\ufffd overlong\\ufffd\\ufffd "
			  "surrogate\\ufffd\\ufffd\\ufffd short\\ufffd\\ufffd "
			  "csi\\u009b31m nel\\u0085 c1\\u0080\\u009f nbsp\xc2\xa0 "
			  "ok\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"";
	struct result r;

	write_hostile(1);
	r = RUN("--json", "list", "1");
	ck_assert_int_eq(r.status, 0);
	assert_json(r.out);
	assert_no_raw_controls(r.out);
	ck_assert(startswith(r.out, "{\"pool\":1,\"name\":\"guest\",\"records\":[{\"key\":"));
	ck_assert_msg(strstr(r.out, esc), "%s", r.out);
	result_done(&r);

	r = RUN("--json", "list");
	ck_assert_int_eq(r.status, 0);
	assert_json(r.out);
	ck_assert(startswith(r.out, "[{\"pool\":0,\"name\":\"external\",\"records\":[]}"));
	ck_assert(strstr(r.out, "{\"pool\":4,\"name\":\"auto_internal\",\"records\":[]}]"));
	result_done(&r);

	r = RUN("--json", "get", "1", (char *)hostile);
	ck_assert_int_eq(r.status, 0);
	assert_json(r.out);
	assert_no_raw_controls(r.out);
	ck_assert_msg(strstr(r.out, esc), "%s", r.out);
	ck_assert(startswith(r.out, "{\"pool\":1,\"name\":\"guest\",\"key\":"));
	result_done(&r);
	expect(RUN("--json", "get", "1", "plain"), 0,
	       "{\"pool\":1,\"name\":\"guest\",\"key\":\"plain\",\"value\":\"value\"}\n", NULL);
	expect(RUN("--json", "list", "3"), 0,
	       "{\"pool\":3,\"name\":\"auto_external\",\"records\":[]}\n", NULL);
}
END_TEST

START_TEST(hv_kvp__reads_cloud_init_records)
{
	char *path = kt_pool_path(dir, 1), key[256], *want;
	struct result r;

	kt_cloud_init_append(path, 0, 3);
	kt_cloud_init_key(2, key, sizeof(key));
	r = RUN("get", "1", key);
	ck_assert_int_eq(r.status, 0);
	ck_assert(startswith(r.out, "{\"name\":\"init-network/config-2\","));
	result_done(&r);
	r = RUN("--json", "list", "1");
	ck_assert_int_eq(r.status, 0);
	assert_json(r.out);
	/* cloud-init's JSON value comes back as a JSON string. */
	ck_assert_int_ge(asprintf(&want, "{\"key\":\"%s\",\"value\":\"{\\\"name\\\":", key), 0);
	ck_assert_msg(strstr(r.out, want), "%s", r.out);
	free(want);
	result_done(&r);
	free(path);
}
END_TEST

static void background_writer(void)
{
	struct kvp_pool_options o = { .durable = true };
	struct kvp_pool *p;

	if (kvp_pool_open(dir, 1, &o, &p) < 0)
		_exit(2);
	for (unsigned i = 0; i < 400; i++) {
		char k[32], v[64];

		snprintf(k, sizeof(k), "bg-%u", i % 25);
		snprintf(v, sizeof(v), "round %u", i);
		if (kvp_pool_set(p, k, v) < 0)
			_exit(3);
		if (i % 7 == 0) {
			int r = kvp_pool_delete(p, "bg-3");

			if (r < 0 && r != -ENOENT)
				_exit(4);
		}
	}
	kvp_pool_free(p);
	_exit(0);
}

START_TEST(hv_kvp__safe_while_another_process_writes)
{
	pid_t pid = fork();
	unsigned round = 0;
	int status = -1;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		background_writer();
	for (;; round++) {
		char k[32], v[32], *line;
		struct result r;
		int done;

		snprintf(k, sizeof(k), "cli-%u", round % 10);
		snprintf(v, sizeof(v), "from the cli %u", round);
		expect(RUN("set", "guest", k, v), 0, "", NULL);
		r = RUN("list", "1");
		ck_assert_int_eq(r.status, 0);
		/* Whole records only: every line is one of ours or one of theirs. */
		for (line = r.out; *line;) {
			char *nl = strchr(line, '\n');

			ck_assert_ptr_nonnull(nl);
			ck_assert(startswith(line, "cli-") || startswith(line, "bg-"));
			ck_assert(strstr(line, "\tfrom the cli ") || strstr(line, "\tround "));
			line = nl + 1;
		}
		result_done(&r);
		r = RUN("--json", "list", "guest");
		assert_json(r.out);
		result_done(&r);
		expect(RUN("get", "1", k), 0, NULL, NULL);
		done = waitpid(pid, &status, WNOHANG);
		if (done == pid) {
			ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
			pid = -1;
		}
		if ((pid < 0 && round >= 10) || round > 200)
			break;
	}
	if (pid > 0)
		ck_assert_int_eq(tl_wait(pid, 30000), 0);
	for (unsigned i = 0; i < 25; i++) {
		char k[32], want[32];

		if (i == 3)
			continue;
		snprintf(k, sizeof(k), "bg-%u", i);
		snprintf(want, sizeof(want), "round %u\n", 375 + i);
		expect(RUN("get", "1", k), 0, want, NULL);
	}
	kt_assert_pool_sane(dir, 1);
}
END_TEST

static Suite *hv_kvp_suite(void)
{
	Suite *s = suite_create("hv_kvp");
	struct {
		const char *name;
		const TTest *test;
	} cases[] = {
		{ "hv_kvp__json_checker_rejects_bad_documents",
		  hv_kvp__json_checker_rejects_bad_documents },
		{ "hv_kvp__set_get_delete", hv_kvp__set_get_delete },
		{ "hv_kvp__pool_names", hv_kvp__pool_names },
		{ "hv_kvp__usage_errors_exit_2", hv_kvp__usage_errors_exit_2 },
		{ "hv_kvp__help_and_version", hv_kvp__help_and_version },
		{ "hv_kvp__errors_exit_1", hv_kvp__errors_exit_1 },
		{ "hv_kvp__list_escapes_control_bytes", hv_kvp__list_escapes_control_bytes },
		{ "hv_kvp__json_output_is_valid", hv_kvp__json_output_is_valid },
		{ "hv_kvp__reads_cloud_init_records", hv_kvp__reads_cloud_init_records },
		{ "hv_kvp__safe_while_another_process_writes",
		  hv_kvp__safe_while_another_process_writes },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		TCase *tc = tcase_create(cases[i].name);

		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_set_timeout(tc, 120);
		tcase_add_test(tc, cases[i].test);
		suite_add_tcase(s, tc);
	}
	return s;
}

int main(void)
{
	return tl_run_suite(hv_kvp_suite());
}
