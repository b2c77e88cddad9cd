/*
 * Tests of util.c: strict number parsing, seconds, buffers, and the
 * constant-time comparison's answers.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const struct {
	const char	*in;
	int		 ok;
	uint64_t	 want;
} u64_cases[] = {
	{ "0", 1, 0 }, { "26", 1, 26 },
	{ "18446744073709551615", 1, UINT64_MAX },
	{ "18446744073709551616", 0, 0 }, { "", 0, 0 }, { "-1", 0, 0 },
	{ "+26", 0, 0 }, { "0x1a", 0, 0 }, { "26abc", 0, 0 }, { " 26", 0, 0 },
	{ "26 ", 0, 0 }, { "10s", 0, 0 },
};

START_TEST(test_parse_u64)
{
	uint64_t v = 12345;
	int r = util_parse_u64(u64_cases[_i].in, 0, UINT64_MAX, &v);

	ck_assert_int_eq(r, u64_cases[_i].ok ? 0 : -1);
	if (u64_cases[_i].ok)
		ck_assert_uint_eq(v, u64_cases[_i].want);
	else
		ck_assert_uint_eq(v, 12345);
}
END_TEST

START_TEST(test_parse_u64_range)
{
	uint64_t v;

	ck_assert_int_eq(util_parse_u64("5", 1, 4, &v), -1);
	ck_assert_int_eq(util_parse_u64("0", 1, 4, &v), -1);
	ck_assert_int_eq(util_parse_u64("4", 1, 4, &v), 0);
	ck_assert_uint_eq(v, 4);
}
END_TEST

static const struct {
	const char	*in;
	int		 ok;
	int64_t		 ms;
} sec_cases[] = {
	{ "300", 1, 300000 }, { "0.05", 1, 50 }, { "2.5", 1, 2500 },
	{ "0", 1, 0 }, { "1.234", 1, 1234 }, { "1.2345", 0, 0 }, { ".5", 0, 0 },
	{ "5.", 0, 0 }, { "10s", 0, 0 }, { "-1", 0, 0 }, { "", 0, 0 },
	{ "99999999999999999999", 0, 0 }, { "1e3", 0, 0 },
};

START_TEST(test_parse_seconds)
{
	int64_t ms = -7;
	int r = util_parse_seconds(sec_cases[_i].in, 0, INT64_MAX / 2, &ms);

	ck_assert_int_eq(r, sec_cases[_i].ok ? 0 : -1);
	ck_assert_int_eq(ms, sec_cases[_i].ok ? sec_cases[_i].ms : -7);
}
END_TEST

START_TEST(test_buf)
{
	struct buf b;
	int i;

	buf_init(&b);
	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(buf_printf(&b, "%d,", i % 10), 0);
	ck_assert_uint_eq(b.len, 2000);
	ck_assert_int_eq(strncmp(b.data, "0,1,2,", 6), 0);
	ck_assert_int_eq(b.data[b.len], '\0');
	ck_assert_int_eq(buf_append(&b, "x", 1), 0);
	ck_assert_str_eq(b.data + 2000, "x");
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.data, "");
	buf_free(&b);
	ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(test_ct_equal)
{
	ck_assert_int_eq(util_ct_equal("secret", 6, "secret", 6), 1);
	ck_assert_int_eq(util_ct_equal("secret", 6, "secreT", 6), 0);
	ck_assert_int_eq(util_ct_equal("secret", 6, "Secret", 6), 0);
	ck_assert_int_eq(util_ct_equal("secret", 6, "secret!", 7), 0);
	ck_assert_int_eq(util_ct_equal("", 0, "", 0), 1);
	ck_assert_int_eq(util_ct_equal("a", 1, "", 0), 0);
}
END_TEST

static Suite *
util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_parse_u64, 0, nitems(u64_cases));
	tcase_add_test(tc, test_parse_u64_range);
	tcase_add_loop_test(tc, test_parse_seconds, 0, nitems(sec_cases));
	tcase_add_test(tc, test_buf);
	tcase_add_test(tc, test_ct_equal);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(util_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
