/*
 * Tests of client/url.c: one URL, lists of them, the task-id hash and the
 * failover order built on it.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "url.h"

static const struct {
	const char	*in;
	int		 ok;
	int		 tls;
	const char	*host;
	const char	*port;
	const char	*prefix;
} parse_cases[] = {
	{ "http://h", 1, 0, "h", "80", "" },
	{ "https://h", 1, 1, "h", "443", "" },
	{ "http://h:8000/", 1, 0, "h", "8000", "" },
	{ "HTTPS://Node-1.example:8443/ltfsee//", 1, 1, "Node-1.example",
	    "8443", "/ltfsee" },
	{ "http://h:8000/api/v0.5", 1, 0, "h", "8000", "" },
	{ "http://h/x/api/v0.5/", 1, 0, "h", "80", "/x" },
	{ "http://[::1]:8443/x", 1, 0, "::1", "8443", "/x" },
	{ "https://[fe80::1]", 1, 1, "fe80::1", "443", "" },
	{ "http://127.0.0.1:65535", 1, 0, "127.0.0.1", "65535", "" },
	{ "ftp://h", 0, 0, NULL, NULL, NULL },
	{ "h:80", 0, 0, NULL, NULL, NULL },
	{ "http://", 0, 0, NULL, NULL, NULL },
	{ "http://:80", 0, 0, NULL, NULL, NULL },
	{ "http://h:", 0, 0, NULL, NULL, NULL },
	{ "http://h:0", 0, 0, NULL, NULL, NULL },
	{ "http://h:65536", 0, 0, NULL, NULL, NULL },
	{ "http://h:8x", 0, 0, NULL, NULL, NULL },
	{ "http://h:-1", 0, 0, NULL, NULL, NULL },
	{ "http://[::1", 0, 0, NULL, NULL, NULL },
	{ "http://[]:80", 0, 0, NULL, NULL, NULL },
	{ "http://[::1]x", 0, 0, NULL, NULL, NULL },
	{ "http://h/?q", 0, 0, NULL, NULL, NULL },
	{ "http://h/#f", 0, 0, NULL, NULL, NULL },
	{ "http://user@h", 0, 0, NULL, NULL, NULL },
};

START_TEST(test_parse)
{
	struct url u;
	char err[256] = "";
	int r = url_parse(parse_cases[_i].in, strlen(parse_cases[_i].in), &u,
	    err, sizeof(err));

	if (!parse_cases[_i].ok) {
		ck_assert_msg(r == -1, "%s accepted", parse_cases[_i].in);
		ck_assert_ptr_nonnull(strstr(err, parse_cases[_i].in));
		return;
	}
	ck_assert_msg(r == 0, "%s: %s", parse_cases[_i].in, err);
	ck_assert_int_eq(u.tls, parse_cases[_i].tls);
	ck_assert_str_eq(u.host, parse_cases[_i].host);
	ck_assert_str_eq(u.port, parse_cases[_i].port);
	ck_assert_str_eq(u.prefix, parse_cases[_i].prefix);
}
END_TEST

START_TEST(test_list)
{
	const char *const one[] = { "http://a:1, http://b:2\thttps://[::1]:3" };
	const char *const two[] = { "http://a:1", " ,http://b:2, " };
	struct url u[URL_MAX];
	char err[256];
	size_t n;

	ck_assert_int_eq(url_parse_list(one, 1, u, URL_MAX, &n, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(u[0].host, "a");
	ck_assert_str_eq(u[1].port, "2");
	ck_assert_str_eq(u[2].host, "::1");
	ck_assert_int_eq(u[2].tls, 1);

	ck_assert_int_eq(url_parse_list(two, 2, u, URL_MAX, &n, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(u[1].host, "b");
}
END_TEST

static const char *const bad_lists[] = {
	"", " , ", "http://a:1,ftp://b", "http://a:1 http://b:99999",
	"http://1 http://2 http://3 http://4 http://5 http://6 http://7 "
	"http://8 http://9 http://10 http://11 http://12 http://13 "
	"http://14 http://15 http://16 http://17",
};

START_TEST(test_list_bad)
{
	const char *const lists[] = { bad_lists[_i] };
	struct url u[URL_MAX];
	char err[256] = "";
	size_t n;

	ck_assert_int_eq(url_parse_list(lists, 1, u, URL_MAX, &n, err,
	    sizeof(err)), -1);
	ck_assert_int_ne(err[0], '\0');
}
END_TEST

/* Published FNV-1a 32-bit test vectors. */
static const struct {
	const char	*in;
	uint32_t	 want;
} hash_cases[] = {
	{ "", 0x811c9dc5u }, { "a", 0xe40c292cu }, { "foobar", 0xbf9cf968u },
};

START_TEST(test_hash)
{
	ck_assert_uint_eq(url_hash(hash_cases[_i].in), hash_cases[_i].want);
}
END_TEST

START_TEST(test_order)
{
	size_t order[5], again[5], i, seen[5] = { 0 };
	const char *task = "0b8f6e4a-7c1d-11ee-9d8a-0242ac120002";

	url_order(task, 5, order);
	ck_assert_uint_eq(order[0], url_hash(task) % 5);
	for (i = 0; i < 5; i++) {
		ck_assert_uint_eq(order[i], (order[0] + i) % 5);
		seen[order[i]]++;
	}
	for (i = 0; i < 5; i++)
		ck_assert_uint_eq(seen[i], 1);

	url_order(task, 5, again);
	ck_assert_mem_eq(order, again, sizeof(order));

	url_order(task, 1, order);
	ck_assert_uint_eq(order[0], 0);
}
END_TEST

/* Task ids spread over every server; each task keeps its own. */
START_TEST(test_spread)
{
	size_t hits[3] = { 0 }, order[3], i;
	char task[32];

	for (i = 0; i < 300; i++) {
		ck_assert_int_lt(snprintf(task, sizeof(task), "task-%zu", i),
		    (int)sizeof(task));
		url_order(task, 3, order);
		hits[order[0]]++;
	}
	for (i = 0; i < 3; i++)
		ck_assert_uint_gt(hits[i], 50);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("url");
	TCase *tc = tcase_create("url");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_parse, 0, sizeof(parse_cases) /
	    sizeof(parse_cases[0]));
	tcase_add_test(tc, test_list);
	tcase_add_loop_test(tc, test_list_bad, 0, sizeof(bad_lists) /
	    sizeof(bad_lists[0]));
	tcase_add_loop_test(tc, test_hash, 0, sizeof(hash_cases) /
	    sizeof(hash_cases[0]));
	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_spread);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
