/*
 * Tests of the stage app's decision and wire logic: the JSON request
 * body (escaping, invalid UTF-8), the request head, the response parser,
 * the mapping of a daemon's answer to stdout and exit status, and the
 * sentences given for TLS failures.
 */
#include <bearssl.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "ctls.h"
#include "hclient.h"
#include "json.h"
#include "url.h"
#include "util.h"

static const struct {
	const char	*path;
	const char	*want;		/* exact body, NULL: an error */
} body_cases[] = {
	{ "/gpfs/a", "{\"path\": \"/gpfs/a\", \"globus_taskid\": \"t-1\"}" },
	{ "/gpfs/q\"uote", "{\"path\": \"/gpfs/q\\\"uote\", "
	    "\"globus_taskid\": \"t-1\"}" },
	{ "/gpfs/back\\slash", "{\"path\": \"/gpfs/back\\\\slash\", "
	    "\"globus_taskid\": \"t-1\"}" },
	{ "/gpfs/c\x01\n\t\x1f", "{\"path\": \"/gpfs/c\\u0001\\n\\t\\u001f\", "
	    "\"globus_taskid\": \"t-1\"}" },
	{ "/gpfs/caf\xc3\xa9 \xe2\x82\xac", "{\"path\": "
	    "\"/gpfs/caf\xc3\xa9 \xe2\x82\xac\", \"globus_taskid\": \"t-1\"}" },
	{ "/gpfs/bad\xff", NULL },
	{ "/gpfs/overlong\xc0\xaf", NULL },
	{ "/gpfs/cut\xe2\x82", NULL },
	{ "/gpfs/surrogate\xed\xa0\x80", NULL },
};

START_TEST(test_body)
{
	static const char *const keys[] = { "path", "globus_taskid" };
	char err[256] = "", *vals[2];
	struct buf b;
	int r;

	buf_init(&b);
	r = hclient_body(&b, body_cases[_i].path, "t-1", err, sizeof(err));
	if (body_cases[_i].want == NULL) {
		ck_assert_int_eq(r, -1);
		ck_assert_ptr_nonnull(strstr(err, "UTF-8"));
		buf_free(&b);
		return;
	}
	ck_assert_int_eq(r, 0);
	ck_assert_str_eq(b.data, body_cases[_i].want);

	/* What the daemon decodes is the path that was given. */
	ck_assert_int_eq(json_get_strings(b.data, b.len, keys, 2, vals, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(vals[0], body_cases[_i].path);
	ck_assert_str_eq(vals[1], "t-1");
	free(vals[0]);
	free(vals[1]);
	buf_free(&b);
}
END_TEST

START_TEST(test_request)
{
	struct url u;
	struct buf b;
	char err[256];

	ck_assert_int_eq(url_parse("http://[::1]:8000/pre", 21, &u, err,
	    sizeof(err)), 0);
	buf_init(&b);
	ck_assert_int_eq(hclient_request(&b, &u, HCLIENT_ROUTE, "k3y", "{}",
	    2, err, sizeof(err)), 0);
	ck_assert_int_eq(strncmp(b.data, "POST /pre/api/v0.5/globus_recall/"
	    "globus_recall HTTP/1.1\r\n", 52), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "\r\nHost: [::1]:8000\r\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "\r\nX-API-KEY: k3y\r\n"));
	ck_assert_ptr_nonnull(strstr(b.data,
	    "\r\nContent-Type: application/json\r\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "\r\nContent-Length: 2\r\n"));
	ck_assert_ptr_nonnull(strstr(b.data, "\r\nConnection: close\r\n"));
	ck_assert_str_eq(b.data + b.len - 6, "\r\n\r\n{}");

	/* A default port is left out of Host. */
	ck_assert_int_eq(url_parse("https://h", 9, &u, err, sizeof(err)), 0);
	buf_reset(&b);
	ck_assert_int_eq(hclient_request(&b, &u, HCLIENT_ROUTE, "k", "{}", 2,
	    err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(b.data, "\r\nHost: h\r\n"));

	/* A key that would split the header is refused, and not echoed. */
	buf_reset(&b);
	ck_assert_int_eq(hclient_request(&b, &u, HCLIENT_ROUTE,
	    "sec\r\nX: y", "{}", 2, err, sizeof(err)), -1);
	ck_assert_ptr_null(strstr(err, "sec"));
	buf_free(&b);
}
END_TEST

static const struct {
	const char	*resp;
	int		 eof;
	int		 want;		/* 1 done, 0 more, -1 bad */
	int		 status;
	const char	*body;
} parse_cases[] = {
	{ "HTTP/1.1 201 CREATED\r\nContent-Length: 22\r\n\r\n"
	    "{\"state\": \"resident\"}\n", 0, 1, 201,
	    "{\"state\": \"resident\"}\n" },
	{ "HTTP/1.1 201 CREATED\r\ncontent-length:  5 \r\n\r\nabcdefg", 0, 1,
	    201, "abcde" },
	{ "HTTP/1.1 201 CREATED\r\nContent-Length: 10\r\n\r\nabc", 0, 0, 0,
	    NULL },
	{ "HTTP/1.1 201 CREATED\r\nContent-Length: 10\r\n\r\nabc", 1, -1, 0,
	    NULL },
	{ "HTTP/1.1 404 NOT FOUND\r\nServer: x\r\n\r\n{}", 0, 0, 0, NULL },
	{ "HTTP/1.0 404 NOT FOUND\r\nServer: x\r\n\r\n{}", 1, 1, 404, "{}" },
	{ "HTTP/1.1 500\r\nContent-Length: 0\r\n\r\n", 0, 1, 500, "" },
	{ "HTTP/1.1 200 OK\r\nContent-Le", 0, 0, 0, NULL },
	{ "HTTP/1.1 200 OK\r\nContent-Le", 1, -1, 0, NULL },
	{ "", 1, -1, 0, NULL },
	{ "HTTP/2 200 OK\r\n\r\n", 1, -1, 0, NULL },
	{ "HTTP/1.1 20 OK\r\n\r\n", 1, -1, 0, NULL },
	{ "HTTP/1.1 2000 OK\r\n\r\n", 1, -1, 0, NULL },
	{ "SSH-2.0-OpenSSH\r\n\r\n", 1, -1, 0, NULL },
	{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n",
	    0, -1, 0, NULL },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n", 0, -1, 0,
	    NULL },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", 0, -1, 0, NULL },
	{ "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, -1, 0, NULL },
	{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"
	    "ab", 0, -1, 0, NULL },
	/* Interim 1xx answers come before the final one (RFC 9110 15.2). */
	{ "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 CREATED\r\n"
	    "Content-Length: 2\r\n\r\n{}", 0, 1, 201, "{}" },
	{ "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n"
	    "Link: x\r\n\r\nHTTP/1.1 404 NOT FOUND\r\nContent-Length: 0\r\n"
	    "\r\n", 0, 1, 404, "" },
	{ "HTTP/1.1 100 Continue\r\n\r\n", 0, 0, 0, NULL },
	{ "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201", 0, 0, 0, NULL },
	{ "HTTP/1.1 100 Continue\r\n\r\n", 1, -1, 0, NULL },
};

START_TEST(test_parse)
{
	struct hclient_resp r = { 0, NULL, 0 };
	char err[256];
	int got = hclient_parse(parse_cases[_i].resp,
	    strlen(parse_cases[_i].resp), parse_cases[_i].eof, &r, err,
	    sizeof(err));

	ck_assert_int_eq(got, parse_cases[_i].want);
	if (got == 1) {
		ck_assert_int_eq(r.status, parse_cases[_i].status);
		ck_assert_uint_eq(r.body_len, strlen(parse_cases[_i].body));
		ck_assert_int_eq(memcmp(r.body, parse_cases[_i].body,
		    r.body_len), 0);
	}
}
END_TEST

/* Exit statuses distinct from the defaults, to see which one is used. */
static const struct config_client cc = {
	.exit_resident = 10, .exit_archived = 11, .exit_not_found = 12,
	.exit_error = 13,
};

static const struct {
	int		 status;
	const char	*body;
	const char	*word;
	int		 exit;
	const char	*msghas;	/* NULL: no message */
} answer_cases[] = {
	{ 201, "{\"state\": \"resident\"}", "resident", 10, NULL },
	{ 201, "{\"state\": \"archived\"}", "archived", 11, NULL },
	{ 201, "{\"state\":\"archived\",\"extra\":[1,2]}", "archived", 11,
	    NULL },
	{ 201, "{\"state\": \"migrated\"}", NULL, 13, "migrated" },
	{ 201, "{\"state\": \"Resident\"}", NULL, 13, "unknown state" },
	{ 201, "{\"state\": 1}", NULL, 13, "bad JSON" },
	{ 201, "{\"state\": \"resident\"", NULL, 13, "bad JSON" },
	{ 201, "", NULL, 13, "bad JSON" },
	{ 201, "{}", NULL, 13, "no state" },
	{ 201, "[\"resident\"]", NULL, 13, "bad JSON" },
	{ 200, "{\"state\": \"resident\"}", NULL, 13, "HTTP 200" },
	{ 404, "{\"message\": \"no such file\"}", NULL, 12, "no such file" },
	{ 404, "<html>", NULL, 12, "not found" },
	{ 401, "{\"message\": \"bad key\"}", NULL, 13, "bad key" },
	{ 401, "", NULL, 13, "AUTH_KEY" },
	{ 500, "{\"message\": \"eeadm\\nfailed\"}", NULL, 13, "eeadm failed" },
	{ 502, "<html>bad gateway</html>", NULL, 13, "HTTP 502" },
	{ 503, "{\"message\": \"busy\"}", NULL, 13, "busy" },
};

START_TEST(test_answer)
{
	struct answer a;

	answer_decide(&cc, "/gpfs/f", answer_cases[_i].status,
	    answer_cases[_i].body, strlen(answer_cases[_i].body), &a);
	if (answer_cases[_i].word == NULL)
		ck_assert_ptr_null(a.word);
	else
		ck_assert_str_eq(a.word, answer_cases[_i].word);
	ck_assert_int_eq(a.status, answer_cases[_i].exit);
	ck_assert_int_eq(a.error, answer_cases[_i].word == NULL &&
	    answer_cases[_i].status != 404);
	if (answer_cases[_i].msghas == NULL)
		ck_assert_str_eq(a.msg, "");
	else {
		ck_assert_msg(strstr(a.msg, answer_cases[_i].msghas) != NULL,
		    "\"%s\" lacks \"%s\"", a.msg, answer_cases[_i].msghas);
		ck_assert_ptr_nonnull(strstr(a.msg, "/gpfs/f"));
		ck_assert_ptr_null(strchr(a.msg, '\n'));
	}
}
END_TEST

START_TEST(test_answer_error)
{
	struct answer a;

	answer_error(&cc, "timed out", &a);
	ck_assert_ptr_null(a.word);
	ck_assert_int_eq(a.status, 13);
	ck_assert_str_eq(a.msg, "timed out");
}
END_TEST

static const struct {
	int		 code;
	int		 handshake, ip_host, ca_file_set;
	const char	*want;		/* in the sentence */
	const char	*not;		/* not in it, or NULL */
} tls_msg_cases[] = {
	{ BR_ERR_X509_BAD_SERVER_NAME, 1, 1, 1, "DNS names only", NULL },
	{ BR_ERR_X509_BAD_SERVER_NAME, 1, 1, 0, "tls_verify = no", NULL },
	{ BR_ERR_X509_BAD_SERVER_NAME, 1, 0, 1, "host name",
	    "DNS names only" },
	{ BR_ERR_X509_BAD_SERVER_NAME, 1, 0, 0, "set CA_FILE",
	    "DNS names only" },
	{ BR_ERR_X509_NOT_TRUSTED, 1, 0, 0, "system bundle", "host name" },
	{ BR_ERR_X509_NOT_TRUSTED, 1, 1, 0, "not trusted", "host name" },
	{ BR_ERR_X509_NOT_TRUSTED, 1, 0, 1, "not in CA_FILE",
	    "system bundle" },
	{ BR_ERR_X509_EXPIRED, 1, 0, 0, "expired", "host name" },
	{ BR_ERR_UNSUPPORTED_VERSION, 1, 0, 0, "did not answer in TLS",
	    NULL },
	{ BR_ERR_UNKNOWN_TYPE, 1, 1, 1, "is it plain HTTP?", NULL },
	{ BR_ERR_UNEXPECTED, 1, 0, 0, "plain HTTP", NULL },
	{ BR_ERR_UNEXPECTED, 0, 0, 0, "unexpected", "plain HTTP" },
	{ BR_ERR_BAD_VERSION, 1, 0, 0, "TLS 1.2", "plain HTTP" },
	{ BR_ERR_RECV_FATAL_ALERT + 40, 1, 0, 0, "alert", NULL },
	{ BR_ERR_BAD_MAC, 0, 0, 0, "TLS failure", NULL },
};

START_TEST(test_tls_message)
{
	const char *m = ctls_message(tls_msg_cases[_i].code,
	    tls_msg_cases[_i].handshake, tls_msg_cases[_i].ip_host,
	    tls_msg_cases[_i].ca_file_set);

	ck_assert_msg(strstr(m, tls_msg_cases[_i].want) != NULL,
	    "case %d: [%s] lacks [%s]", _i, m, tls_msg_cases[_i].want);
	if (tls_msg_cases[_i].not != NULL)
		ck_assert_msg(strstr(m, tls_msg_cases[_i].not) == NULL,
		    "case %d: [%s] has [%s]", _i, m, tls_msg_cases[_i].not);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("stage");
	TCase *tc = tcase_create("stage");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_body, 0, sizeof(body_cases) /
	    sizeof(body_cases[0]));
	tcase_add_test(tc, test_request);
	tcase_add_loop_test(tc, test_parse, 0, sizeof(parse_cases) /
	    sizeof(parse_cases[0]));
	tcase_add_loop_test(tc, test_answer, 0, sizeof(answer_cases) /
	    sizeof(answer_cases[0]));
	tcase_add_test(tc, test_answer_error);
	tcase_add_loop_test(tc, test_tls_message, 0, sizeof(tls_msg_cases) /
	    sizeof(tls_msg_cases[0]));
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
