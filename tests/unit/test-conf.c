// SPDX-License-Identifier: MIT
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf.h"
#include "log.h"
#include "testlib.h"
#include "util.h"

struct sample_conf {
	bool flag;
	uint32_t count;
	uint64_t timeout;
	char *name;
	char *path;
	char **list;
	int level;
};

static const struct conf_item sample_table[] = {
	CONF_ITEM("Main", "Flag", conf_parse_bool, struct sample_conf, flag),
	CONF_ITEM_ARG("Main", "Count", conf_parse_u32, struct sample_conf, count, 100),
	CONF_ITEM("Main", "Timeout", conf_parse_usec, struct sample_conf, timeout),
	CONF_ITEM("Main", "Name", conf_parse_string, struct sample_conf, name),
	CONF_ITEM("Paths", "Dir", conf_parse_path, struct sample_conf, path),
	CONF_ITEM("Paths", "List", conf_parse_strv, struct sample_conf, list),
	CONF_ITEM("Log", "Level", conf_parse_log_level, struct sample_conf, level),
};

static void sample_free(struct sample_conf *c)
{
	free(c->name);
	free(c->path);
	strv_free(c->list);
}

static unsigned warnings_logged;

static void count_sink(int level, const char *message, void *userdata)
{
	(void)message;
	(void)userdata;
	if (level == LOG_WARNING)
		warnings_logged++;
}

START_TEST(conf__parses_every_type)
{
	struct sample_conf c = { .count = 7, .level = LOG_INFO };
	unsigned w = 99;
	int r;

	r = conf_parse_text("test", "# comment\n; also\n\n[Main]\nFlag = yes\nCount=42\n"
				    "Timeout = 1.5s\nName = hello world \n[Paths]\nDir=/var/x\n"
				    "List = a, b c\nList = d\n[Log]\nLevel=debug\n",
			    sample_table, ELEMENTSOF(sample_table), &c, &w);
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(w, 0);
	ck_assert(c.flag);
	ck_assert_uint_eq(c.count, 42);
	ck_assert_uint_eq(c.timeout, 1500000);
	ck_assert_str_eq(c.name, "hello world");
	ck_assert_str_eq(c.path, "/var/x");
	ck_assert_uint_eq(strv_length(c.list), 4);
	ck_assert_str_eq(c.list[3], "d");
	ck_assert_int_eq(c.level, LOG_DEBUG);
	sample_free(&c);
}
END_TEST

START_TEST(conf__bad_value_keeps_default_and_warns)
{
	struct sample_conf c = { .count = 7, .timeout = 5, .flag = true };
	unsigned w = 0;

	warnings_logged = 0;
	log_set_sink(count_sink, NULL);
	ck_assert_int_eq(conf_parse_text("test",
					 "[Main]\nCount=1000\nTimeout=soon\nFlag=maybe\n"
					 "Bogus=1\nnot a line\n[Paths]\nDir=relative\n[Broken\n",
					 sample_table, ELEMENTSOF(sample_table), &c, &w),
			 0);
	log_set_sink(NULL, NULL);
	ck_assert_uint_eq(w, 7);
	ck_assert_uint_eq(warnings_logged, 7);
	ck_assert_uint_eq(c.count, 7);
	ck_assert_uint_eq(c.timeout, 5);
	ck_assert(c.flag);
	ck_assert_ptr_null(c.path);
	sample_free(&c);
}
END_TEST

START_TEST(conf__missing_file_is_defaults)
{
	struct sample_conf c = { .count = 3 };
	unsigned w = 1;

	ck_assert_int_eq(conf_parse_file("/nonexistent/hv.conf", sample_table,
					 ELEMENTSOF(sample_table), &c, &w),
			 0);
	ck_assert_uint_eq(w, 0);
	ck_assert_uint_eq(c.count, 3);
}
END_TEST

START_TEST(conf__file_with_nul_is_refused)
{
	char *dir = tl_mkdtemp("conf");
	char path[512];
	struct sample_conf c = { .count = 3 };
	FILE *f;

	snprintf(path, sizeof(path), "%s/x.conf", dir);
	f = fopen(path, "w");
	fwrite("[Main]\nCount=5\0\nCount=9\n", 1, 24, f);
	fclose(f);
	log_set_sink(count_sink, NULL);
	ck_assert_int_lt(conf_parse_file(path, sample_table, ELEMENTSOF(sample_table), &c, NULL),
			 0);
	log_set_sink(NULL, NULL);
	ck_assert_uint_eq(c.count, 3);
	tl_rm_rf(dir);
	free(dir);
}
END_TEST

START_TEST(conf__empty_string_resets)
{
	struct sample_conf c = { 0 };

	ck_assert_int_eq(conf_parse_text("t", "[Main]\nName=x\nName=\n[Paths]\nList=a b\nList=\n",
					 sample_table, ELEMENTSOF(sample_table), &c, NULL),
			 0);
	ck_assert_ptr_null(c.name);
	ck_assert_ptr_null(c.list);
}
END_TEST

START_TEST(conf__parse_usec_units)
{
	uint64_t v;

	ck_assert_int_eq(parse_usec("30", &v), 0);
	ck_assert_uint_eq(v, 30 * USEC_PER_SEC);
	ck_assert_int_eq(parse_usec("250ms", &v), 0);
	ck_assert_uint_eq(v, 250000);
	ck_assert_int_eq(parse_usec("2min", &v), 0);
	ck_assert_uint_eq(v, 120 * USEC_PER_SEC);
	ck_assert_int_eq(parse_usec("infinity", &v), 0);
	ck_assert_uint_eq(v, USEC_INFINITY);
	ck_assert_int_lt(parse_usec("-1s", &v), 0);
	ck_assert_int_lt(parse_usec("5 parsecs", &v), 0);
	ck_assert_int_lt(parse_usec("", &v), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("conf");

	tcase_add_test(tc, conf__parses_every_type);
	tcase_add_test(tc, conf__bad_value_keeps_default_and_warns);
	tcase_add_test(tc, conf__missing_file_is_defaults);
	tcase_add_test(tc, conf__file_with_nul_is_refused);
	tcase_add_test(tc, conf__empty_string_resets);
	tcase_add_test(tc, conf__parse_usec_units);
	suite_add_tcase(s, tc);
	return tl_run_suite(s);
}
