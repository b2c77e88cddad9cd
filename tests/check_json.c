/*
 * Tests of json.c: request bodies a client may send (good ones with the
 * values extracted, bad ones with the reason given back), and string
 * escaping for responses, checked by decoding what was escaped.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define B(s)	s, sizeof(s) - 1

static const char *const keys[] = { "path", "globus_taskid", "library" };

/* A good body: the decoded path, task id and library (NULL if absent). */
static const struct {
	const char	*body;
	size_t		 len;
	const char	*path;
	const char	*task;
	const char	*lib;
} good[] = {
	{ B("{\"path\": \"/a b\"}"), "/a b", NULL, NULL },
	{ B(" \r\n\t{\"path\":\"/x\"} \n"), "/x", NULL, NULL },
	{ B("{}"), NULL, NULL, NULL },
	{ B("{\"path\": \"/g/f\", \"globus_taskid\": \"t-1\", "
	    "\"library\": \"lib2\"}"), "/g/f", "t-1", "lib2" },
	{ B("{\"path\": \"q\\\"b\\\\s\\/f\\b\\f\\n\\r\\t\"}"),
	    "q\"b\\s/f\b\f\n\r\t", NULL, NULL },
	{ B("{\"path\": \"\\u00e9\\u20AC\"}"), "\xc3\xa9\xe2\x82\xac",
	    NULL, NULL },
	{ B("{\"path\": \"\\ud83d\\ude00\"}"), "\xf0\x9f\x98\x80", NULL,
	    NULL },
	{ B("{\"path\": \"\xc3\xa9\xf0\x9f\x98\x80\"}"),
	    "\xc3\xa9\xf0\x9f\x98\x80", NULL, NULL },
	{ B("{\"pa\\u0074h\": \"/esc\"}"), "/esc", NULL, NULL },
	{ B("{\"other\": {\"a\": [1, -2.5e+3, true, false, null, "
	    "{\"path\": 3}], \"b\": {}}, \"path\": \"/n\"}"), "/n", NULL,
	    NULL },
	{ B("{\"x\": [], \"y\": 0, \"z\": -0.0E-1, \"path\": \"\"}"), "",
	    NULL, NULL },
	{ B("{\"library\": \"L\"}"), NULL, NULL, "L" },
	{ B("{\"path\": \"/p\", \"Path\": 1, \"path \": null}"), "/p", NULL,
	    NULL },
};

START_TEST(test_good)
{
	char *vals[3] = { (char *)1, (char *)1, (char *)1 };
	char err[128] = "unset";
	const char *want[3] = { good[_i].path, good[_i].task, good[_i].lib };
	size_t k;

	ck_assert_msg(json_get_strings(good[_i].body, good[_i].len, keys, 3,
	    vals, err, sizeof(err)) == 0, "case %d: %s", _i, err);
	for (k = 0; k < 3; k++) {
		if (want[k] == NULL)
			ck_assert_ptr_null(vals[k]);
		else
			ck_assert_str_eq(vals[k], want[k]);
		free(vals[k]);
	}
}
END_TEST

/* A bad body and a part of the reason the client must get. */
static const struct {
	const char	*body;
	size_t		 len;
	const char	*why;
} bad[] = {
	{ B(""), "empty" },
	{ B("  \n"), "empty" },
	{ B("[{\"path\": \"/a\"}]"), "not a JSON object" },
	{ B("\"/a\""), "not a JSON object" },
	{ B("42"), "not a JSON object" },
	{ B("{\"path\": \"/a\"}{\"path\": \"/b\"}"), "after the JSON object" },
	{ B("{\"path\": \"/a\"} x"), "not valid JSON" },
	{ B("{\"path\": \"/a\"} 1"), "JSON" },
	{ B("{\"path\": \"/a\"} ]"), "not valid JSON" },
	{ B("{\"path\": \"/a\""), "truncated" },
	{ B("{\"path\": \"/a"), "truncated" },
	{ B("{\"path\": "), "truncated" },
	{ B("{\"path\": 12"), "truncated" },
	{ B("{\"path\": \"/a\0\"}"), "NUL" },
	{ B("{\"path\": \"/a\"}\0"), "NUL" },
	{ B("{\"path\": \"/a\\u0000b\"}"), "NUL" },
	{ B("{\"path\": \"/a\", \"path\": \"/b\"}"), "duplicate key \"path\"" },
	{ B("{\"path\": \"/a\", \"pa\\u0074h\": \"/b\"}"),
	    "duplicate key \"path\"" },
	{ B("{\"o\": {\"k\": 1, \"k\": 2}, \"path\": \"/a\"}"),
	    "duplicate key \"k\"" },
	{ B("{\"path\": 5}"), "\"path\" must be a string" },
	{ B("{\"path\": null}"), "\"path\" must be a string" },
	{ B("{\"path\": {\"a\": \"b\"}}"), "\"path\" must be a string" },
	{ B("{\"path\": [\"/a\"]}"), "\"path\" must be a string" },
	{ B("{\"path\": true}"), "\"path\" must be a string" },
	{ B("{\"library\": 1, \"path\": \"/a\"}"),
	    "\"library\" must be a string" },
	{ B("{\"path\": \"\\ud83d\"}"), "lone surrogate" },
	{ B("{\"path\": \"\\ude00\"}"), "lone surrogate" },
	{ B("{\"path\": \"\\ud83d\\u0041\"}"), "lone surrogate" },
	{ B("{\"path\": \"\\ud83dx\"}"), "lone surrogate" },
	{ B("{\"path\": \"\\u12\"}"), "JSON" },
	{ B("{\"path\": \"\\x\"}"), "JSON" },
	{ B("{\"path\": \"a\tb\"}"), "control character" },
	{ B("{\"path\": \"a\nb\"}"), "control character" },
	{ B("{\"o\": \"\x01\", \"path\": \"/a\"}"), "control character" },
	{ B("{\"path\": \"\xff\"}"), "UTF-8" },
	{ B("{\"path\": \"\xc0\xaf\"}"), "UTF-8" },
	{ B("{\"path\": \"\xed\xa0\x80\"}"), "UTF-8" },
	{ B("{\"path\": \"\xf4\x90\x80\x80\"}"), "UTF-8" },
	{ B("{\"path\": \"\xe2\x82\"}"), "UTF-8" },
	{ B("{\"o\": \"\xc3\", \"path\": \"/a\"}"), "UTF-8" },
	{ B("{\"path\" \"/a\"}"), "not valid JSON" },
	{ B("{\"path\": \"/a\",}"), "not valid JSON" },
	{ B("{,\"path\": \"/a\"}"), "not valid JSON" },
	{ B("{\"path\": \"/a\" \"x\": 1}"), "not valid JSON" },
	{ B("{\"path\": \"/a\", \"x\"}"), "not valid JSON" },
	{ B("{\"path\": \"/a\", \"x\": 1: 2}"), "not valid JSON" },
	{ B("{\"path\": \"/a\", \"x\": [1,]}"), "not valid JSON" },
	{ B("{\"path\": \"/a\", \"x\": [1 2]}"), "not valid JSON" },
	{ B("{\"path\": \"/a\", \"x\": [,]}"), "not valid JSON" },
	{ B("{\"path\": \"/a\", \"x\": [1}"), "not valid JSON" },
	{ B("{1: \"/a\"}"), "not valid JSON" },
	{ B("{\"path\": \"/a\", \"x\": tru}"), "number or literal" },
	{ B("{\"path\": \"/a\", \"x\": nul}"), "number or literal" },
	{ B("{\"path\": \"/a\", \"x\": 01}"), "number or literal" },
	{ B("{\"path\": \"/a\", \"x\": -}"), "number or literal" },
	{ B("{\"path\": \"/a\", \"x\": 1.}"), "number or literal" },
	{ B("{\"path\": \"/a\", \"x\": 1e}"), "number or literal" },
	{ B("{\"path\": \"/a\", \"x\": 1.5.5}"), "number or literal" },
	{ B("{\"path\": \"/a\", \"x\": +1}"), "not valid JSON" },
	{ B("{\"path\": \"/a\", \"x\": 'a'}"), "not valid JSON" },
	{ B("{\"path\": \"/a\", \"x\": truex}"), "number or literal" },
};

START_TEST(test_bad)
{
	char *vals[3] = { (char *)1, (char *)1, (char *)1 };
	char err[128] = "";
	size_t k;

	ck_assert_msg(json_get_strings(bad[_i].body, bad[_i].len, keys, 3,
	    vals, err, sizeof(err)) == -1, "case %d accepted", _i);
	ck_assert_msg(strstr(err, bad[_i].why) != NULL,
	    "case %d: \"%s\" lacks \"%s\"", _i, err, bad[_i].why);
	for (k = 0; k < 3; k++)
		ck_assert_ptr_null(vals[k]);
}
END_TEST

/* Bodies built at run time: deep nesting and too many values. */
START_TEST(test_big)
{
	struct buf b;
	char *val = NULL;
	char err[128];
	int i;

	buf_init(&b);
	buf_puts(&b, "{\"path\": \"/a\", \"x\": [");
	for (i = 0; i < 5000; i++)
		buf_puts(&b, i ? ",1" : "1");
	buf_puts(&b, "]}");
	ck_assert_int_eq(json_get_strings(b.data, b.len, keys, 1, &val, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "more than"));

	/* Just under the bound is fine. */
	buf_reset(&b);
	buf_puts(&b, "{\"path\": \"/a\", \"x\": [");
	for (i = 0; i < 4000; i++)
		buf_puts(&b, i ? ",1" : "1");
	buf_puts(&b, "]}");
	ck_assert_int_eq(json_get_strings(b.data, b.len, keys, 1, &val, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(val, "/a");
	free(val);

	buf_reset(&b);
	buf_puts(&b, "{\"path\": \"/a\", \"x\": ");
	for (i = 0; i < 100; i++)
		buf_puts(&b, "[");
	for (i = 0; i < 100; i++)
		buf_puts(&b, "]");
	buf_puts(&b, "}");
	ck_assert_int_eq(json_get_strings(b.data, b.len, keys, 1, &val, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "deeply"));
	buf_free(&b);
}
END_TEST

/* Escaped strings read back through the decoder are the same bytes. */
static const struct {
	const char	*s;
	size_t		 len;
	const char	*lit;	/* the expected literal */
} esc[] = {
	{ B("/gpfs/a b"), "\"/gpfs/a b\"" },
	{ B("q\"b\\s/"), "\"q\\\"b\\\\s/\"" },
	{ B("\n\t\r\b\f"), "\"\\n\\t\\r\\b\\f\"" },
	{ B("\x01\x1f\x7f"), "\"\\u0001\\u001f\x7f\"" },
	{ B("\xc3\xa9\xf0\x9f\x98\x80"), "\"\xc3\xa9\xf0\x9f\x98\x80\"" },
	{ B(""), "\"\"" },
};

START_TEST(test_escape)
{
	struct buf b, body;
	const char *k[] = { "v" };
	char *val = NULL, err[128];

	buf_init(&b);
	buf_init(&body);
	ck_assert_int_eq(json_append_string(&b, esc[_i].s, esc[_i].len), 0);
	ck_assert_str_eq(b.data, esc[_i].lit);

	buf_puts(&body, "{\"v\": ");
	buf_append(&body, b.data, b.len);
	buf_puts(&body, "}");
	ck_assert_msg(json_get_strings(body.data, body.len, k, 1, &val, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(strlen(val), esc[_i].len);
	ck_assert_int_eq(memcmp(val, esc[_i].s, esc[_i].len), 0);
	free(val);
	buf_free(&b);
	buf_free(&body);
}
END_TEST

static const struct {
	const char	*s;
	size_t		 len;
} notutf8[] = {
	{ B("\xff") }, { B("a\xc0\x80") }, { B("\xe0\x80\xaf") },
	{ B("\xed\xa0\x80") }, { B("\xed\xbf\xbf") },
	{ B("\xf4\x90\x80\x80") }, { B("\xf8\x88\x80\x80\x80") },
	{ B("\xc3") }, { B("\x80") }, { B("ok\xe2\x82") },
};

START_TEST(test_escape_bad)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "prefix");
	ck_assert_int_eq(json_append_string(&b, notutf8[_i].s,
	    notutf8[_i].len), -1);
	ck_assert_uint_eq(b.len, 6);
	ck_assert_str_eq(b.data, "prefix");
	buf_free(&b);
}
END_TEST

START_TEST(test_message)
{
	struct buf b;
	const char *k[] = { "message" };
	char *val = NULL, err[128];

	buf_init(&b);
	ck_assert_int_eq(json_append_message(&b, "no \"x\"\n"), 0);
	ck_assert_str_eq(b.data, "{\"message\": \"no \\\"x\\\"\\n\"}");
	ck_assert_int_eq(json_get_strings(b.data, b.len, k, 1, &val, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(val, "no \"x\"\n");
	free(val);

	/* Bytes that are not UTF-8 still give a valid body. */
	buf_reset(&b);
	ck_assert_int_eq(json_append_message(&b, "bad \xff path"), 0);
	ck_assert_int_eq(json_get_strings(b.data, b.len, k, 1, &val, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(val, "bad \xef\xbf\xbd path");
	free(val);
	buf_free(&b);
}
END_TEST

static Suite *
json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_good, 0, nitems(good));
	tcase_add_loop_test(tc, test_bad, 0, nitems(bad));
	tcase_add_test(tc, test_big);
	tcase_add_loop_test(tc, test_escape, 0, nitems(esc));
	tcase_add_loop_test(tc, test_escape_bad, 0, nitems(notutf8));
	tcase_add_test(tc, test_message);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(json_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
