/*
 * Tests of http.c: the request-head parser (every rule of issue 2's HTTP
 * section, each bad input with the status the client would get), its
 * behaviour on partial input (every prefix), its limits, and the response
 * writer's exact bytes.
 *
 * Every parse runs over a heap copy of exactly the bytes given, so a
 * sanitizer build catches any read past the end.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define IN(s)	s, sizeof(s) - 1

static const struct http_limits lim_default = { 8192, 8192, 16384, 65536 };
static const struct http_limits lim_small = { 40, 30, 120, 100 };

/* Parses a heap copy of IN[0..LEN) so an over-read is caught. */
static int
parse(const char *in, size_t len, const struct http_limits *lim,
    struct http_request *req, const char **why)
{
	char *copy = malloc(len > 0 ? len : 1);
	int r;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, in, len);
	*why = NULL;
	r = http_parse_head(copy, len, lim != NULL ? lim : &lim_default, req,
	    why);
	free(copy);
	return r;
}

/* Like parse(), over the caller's own buffer, so pointers stay valid. */
static int
parse_keep(const char *in, size_t len, struct http_request *req)
{
	const char *why = NULL;

	return http_parse_head(in, len, &lim_default, req, &why);
}

/* Inputs refused (and, at the limits, the last ones still taken). */
static const struct {
	const char	*in;
	size_t		 len;
	const struct http_limits *lim;
	int		 status;
} bad[] = {
	/* Request line: exactly one SP between three well-formed parts. */
	{ IN("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET /  HTTP/1.1\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN(" GET / HTTP/1.1\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET /\tHTTP/1.1\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1"), NULL, 0 },
	{ IN("GET /\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("\r\n"), NULL, 0 },
	{ IN("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("G(T / HTTP/1.1\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("G\xc3\xa9T / HTTP/1.1\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET\0/ HTTP/1.1\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\rHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\0\r\n"), NULL, 400 },

	/* Target: origin-form, or "*" for OPTIONS only. */
	{ IN("GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET a/b HTTP/1.1\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET * HTTP/1.1\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("OPTIONS *x HTTP/1.1\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n"), NULL, 400 },

	/* Version: HTTP/1.0 and HTTP/1.1; other HTTP/D.D 505; else 400. */
	{ IN("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), NULL, 505 },
	{ IN("GET / HTTP/1.2\r\nHost: a\r\n\r\n"), NULL, 505 },
	{ IN("GET / HTTP/0.9\r\nHost: a\r\n\r\n"), NULL, 505 },
	{ IN("GET / HTTP/9.9\r\n"), NULL, 505 },
	{ IN("GET / http/1.1\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1x\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/11.1\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.a\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET / FTP/1.1\r\nHost: a\r\n\r\n"), NULL, 400 },

	/* Header lines: CRLF only, colon right after a token name. */
	{ IN("GET / HTTP/1.1\r\nHost: a\nX: 1\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r2\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\nHost: a\r\n\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\nHost: a\r\n\rX"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\nHost: a\r\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\nHost: a\x1b[0m\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\nHost\0: a\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\nHo st: a\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\nHo\"st: a\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\nH\xc3\xa9: a\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\nHost: a\r\n\tfolded\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\n Host: a\r\n\r\n"), NULL, 400 },

	/* Content-Length: digits only, fitting 64 bits, once. */
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"),
	    NULL, 400 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +26\r\n\r\n"),
	    NULL, 400 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x1a\r\n\r\n"),
	    NULL, 400 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 26abc\r\n\r\n"),
	    NULL, 400 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n"),
	    NULL, 400 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:   \r\n\r\n"),
	    NULL, 400 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2 6\r\n\r\n"),
	    NULL, 400 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,5\r\n\r\n"),
	    NULL, 400 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n"),
	    NULL, 400 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1.0\r\n\r\n"),
	    NULL, 400 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 18446744073709551616\r\n\r\n"), NULL, 400 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 99999999999999999999999\r\n\r\n"), NULL, 400 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 18446744073709551615\r\n\r\n"), NULL, 413 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 65537\r\n\r\n"),
	    NULL, 413 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n"),
	    &lim_small, 413 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "Content-Length: 5\r\n\r\n"), NULL, 400 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "content-length: 6\r\n\r\n"), NULL, 400 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "Content-Length: 99999999999999999999999\r\n\r\n"), NULL, 400 },

	/* Transfer-Encoding: with a length 400, alone 411. */
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 5\r\n\r\n"), NULL, 400 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"), NULL, 400 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 999999\r\n\r\n"), NULL, 400 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n"), NULL, 411 },
	{ IN("POST / HTTP/1.0\r\ntransfer-encoding: gzip, chunked\r\n"
	    "\r\n"), NULL, 411 },

	/* Host: required once in HTTP/1.1, never twice. */
	{ IN("GET / HTTP/1.1\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\nX-Host: a\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n"), NULL, 400 },

	/* Expect: only 100-continue. */
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n"),
	    NULL, 417 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nExpect:\r\n\r\n"), NULL, 417 },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue, x\r\n"
	    "\r\n"), NULL, 417 },

	/* X-API-KEY: never twice, whatever the case of the names. */
	{ IN("GET / HTTP/1.1\r\nHost: a\r\nX-API-KEY: k\r\n"
	    "x-api-key: k\r\n\r\n"), NULL, 400 },
	{ IN("GET / HTTP/1.1\r\nHost: a\r\nX-Api-Key:\r\n"
	    "X-API-KEY: k\r\n\r\n"), NULL, 400 },

	/* Limits (lim_small: line 40, header line 30, head 120). */
	{ IN("GET /aaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n"
	    "Host: a\r\n\r\n"), &lim_small, 1 },
	{ IN("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n"
	    "Host: a\r\n\r\n"), &lim_small, 414 },
	{ IN("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaa"), &lim_small, 0 },
	{ IN("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), &lim_small, 414 },
	{ IN("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), &lim_small, 0 },
	{ IN("GET / HTTP/1.1\r\nHost: a\r\n"
	    "X: bbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n\r\n"), &lim_small, 1 },
	{ IN("GET / HTTP/1.1\r\nHost: a\r\n"
	    "X: bbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n\r\n"), &lim_small, 431 },
	{ IN("GET / HTTP/1.1\r\nHost: a\r\n"
	    "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"), &lim_small, 431 },
	{ IN("GET / HTTP/1.1\r\nHost: a\r\n"
	    "X: bbbbbbbbbbbbbbbbbbbbbbbbbbbb"), &lim_small, 431 },
	{ IN("GET / HTTP/1.1\r\nHost: a\r\n"
	    "X: bbbbbbbbbbbbbbbbbbbbbbbbbbb"), &lim_small, 0 },
};

START_TEST(test_bad)
{
	struct http_request req;
	const char *why;
	int r;

	r = parse(bad[_i].in, bad[_i].len, bad[_i].lim, &req, &why);
	ck_assert_msg(r == bad[_i].status, "case %d: got %d (%s), want %d",
	    _i, r, why != NULL ? why : "-", bad[_i].status);
	if (r >= 400)
		ck_assert_ptr_nonnull(why);
}
END_TEST

/*
 * Every prefix of a refused head gets "need more" or the same refusal,
 * never a success and never another status.
 */
START_TEST(test_bad_prefixes)
{
	struct http_request req;
	const char *why;
	size_t n;
	int r;

	if (bad[_i].status < 400)
		return;
	for (n = 0; n < bad[_i].len; n++) {
		r = parse(bad[_i].in, n, bad[_i].lim, &req, &why);
		ck_assert_msg(r == 0 || r == bad[_i].status,
		    "case %d prefix %zu: got %d", _i, n, r);
	}
}
END_TEST

static const struct {
	const char	*in;
	size_t		 len;
	size_t		 head_len;	/* 0: all of it */
	enum http_method method;
	const char	*target;
	int		 minor;
	int		 keep_alive;
	int		 expect_continue;
	int		 has_length;
	uint64_t	 content_length;
	const char	*api_key;	/* NULL: none */
	size_t		 nheaders;
	const char	*find;		/* a header to look up, and its value */
	const char	*value;
} good[] = {
	{ IN("GET /api/v0.5/ HTTP/1.1\r\nHost: localhost\r\n\r\n"), 0,
	    HTTP_GET, "/api/v0.5/", 1, 1, 0, 0, 0, NULL, 1,
	    "host", "localhost" },
	{ IN("POST /api/v0.5/file_state/file_state HTTP/1.1\r\n"
	    "Host: a:8080\r\nContent-Type: application/json\r\n"
	    "X-API-KEY: secret\r\nContent-Length: 20\r\n\r\n"
	    "{\"path\": \"/gpfs/ab\"}"), 134, HTTP_POST,
	    "/api/v0.5/file_state/file_state", 1, 1, 0, 1, 20, "secret", 4,
	    "content-type", "application/json" },
	{ IN("get / HTTP/1.1\r\nHost: a\r\n\r\n"), 0, HTTP_OTHER, "/", 1,
	    1, 0, 0, 0, NULL, 1, NULL, NULL },
	{ IN("BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n"), 0, HTTP_OTHER, "/pot",
	    1, 1, 0, 0, 0, NULL, 1, NULL, NULL },
	{ IN("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n"), 0, HTTP_HEAD, "/", 1, 1,
	    0, 0, 0, NULL, 1, NULL, NULL },
	{ IN("PUT /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"), 0,
	    HTTP_PUT, "/x", 1, 1, 0, 1, 0, NULL, 2, NULL, NULL },
	{ IN("DELETE /x HTTP/1.1\r\nHost: a\r\n\r\n"), 0, HTTP_DELETE, "/x",
	    1, 1, 0, 0, 0, NULL, 1, NULL, NULL },
	{ IN("PATCH /x HTTP/1.1\r\nHost: a\r\n\r\n"), 0, HTTP_PATCH, "/x", 1,
	    1, 0, 0, 0, NULL, 1, NULL, NULL },
	{ IN("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"), 0, HTTP_OPTIONS, "*",
	    1, 1, 0, 0, 0, NULL, 1, NULL, NULL },
	{ IN("OPTIONS /x HTTP/1.1\r\nHost: a\r\n\r\n"), 0, HTTP_OPTIONS, "/x",
	    1, 1, 0, 0, 0, NULL, 1, NULL, NULL },
	{ IN("GET /a?b=c&d=%20e HTTP/1.1\r\nHost: a\r\n\r\n"), 0, HTTP_GET,
	    "/a?b=c&d=%20e", 1, 1, 0, 0, 0, NULL, 1, NULL, NULL },

	/* Keep-alive from the version and Connection tokens. */
	{ IN("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"), 0,
	    HTTP_GET, "/", 1, 0, 0, 0, 0, NULL, 2, NULL, NULL },
	{ IN("GET / HTTP/1.1\r\nHost: a\r\nconnection: Keep-Alive, CLOSE\r\n"
	    "\r\n"), 0, HTTP_GET, "/", 1, 0, 0, 0, 0, NULL, 2, NULL, NULL },
	{ IN("GET / HTTP/1.1\r\nHost: a\r\nConnection: te,\t close \r\n\r\n"),
	    0, HTTP_GET, "/", 1, 0, 0, 0, 0, NULL, 2, NULL, NULL },
	{ IN("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n"
	    "Connection: close\r\n\r\n"), 0, HTTP_GET, "/", 1, 0, 0, 0, 0,
	    NULL, 3, NULL, NULL },
	{ IN("GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n"), 0,
	    HTTP_GET, "/", 1, 1, 0, 0, 0, NULL, 2, NULL, NULL },
	{ IN("GET / HTTP/1.0\r\n\r\n"), 0, HTTP_GET, "/", 0, 0, 0, 0, 0,
	    NULL, 0, NULL, NULL },
	{ IN("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), 0,
	    HTTP_GET, "/", 0, 1, 0, 0, 0, NULL, 1, NULL, NULL },
	{ IN("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), 0,
	    HTTP_GET, "/", 0, 1, 0, 0, 0, NULL, 1, NULL, NULL },
	{ IN("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n"), 0,
	    HTTP_GET, "/", 0, 0, 0, 0, 0, NULL, 1, NULL, NULL },

	/* Expect. */
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
	    "Content-Length: 10\r\n\r\n"), 0, HTTP_POST, "/", 1, 1, 1, 1,
	    10, NULL, 3, NULL, NULL },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nexpect:  100-Continue \r\n"
	    "Content-Length: 10\r\n\r\n"), 0, HTTP_POST, "/", 1, 1, 1, 1,
	    10, NULL, 3, NULL, NULL },
	{ IN("POST / HTTP/1.0\r\nExpect: 100-continue\r\n"
	    "Content-Length: 10\r\n\r\n"), 0, HTTP_POST, "/", 0, 0, 0, 1,
	    10, NULL, 2, NULL, NULL },

	/* X-API-KEY in any case, trimmed, possibly empty. */
	{ IN("GET / HTTP/1.1\r\nHost: a\r\nx-api-key: \t s e \t \r\n\r\n"),
	    0, HTTP_GET, "/", 1, 1, 0, 0, 0, "s e", 2, "X-API-KEY", "s e" },
	{ IN("GET / HTTP/1.1\r\nHost: a\r\nX-Api-Key:\r\n\r\n"), 0,
	    HTTP_GET, "/", 1, 1, 0, 0, 0, "", 2, "x-api-key", "" },
	{ IN("GET / HTTP/1.1\r\nHost: a\r\nX-API-KEYS: k\r\n\r\n"), 0,
	    HTTP_GET, "/", 1, 1, 0, 0, 0, NULL, 2, "x-api-key", NULL },

	/* Lengths. */
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n"), 0,
	    HTTP_POST, "/", 1, 1, 0, 1, 7, NULL, 2, NULL, NULL },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 65536\r\n\r\n"),
	    0, HTTP_POST, "/", 1, 1, 0, 1, 65536, NULL, 2, NULL, NULL },
	{ IN("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\t12 \r\n\r\n"),
	    0, HTTP_POST, "/", 1, 1, 0, 1, 12, NULL, 2, NULL, NULL },

	/* Odd but valid bytes; one empty line before the request. */
	{ IN("GET / HTTP/1.1\r\nHost: a\r\nX-T: a\tb \xff\x80\r\n\r\n"), 0,
	    HTTP_GET, "/", 1, 1, 0, 0, 0, NULL, 2, "x-t", "a\tb \xff\x80" },
	{ IN("GET / HTTP/1.1\r\nHost: a\r\nX-E:\r\n\r\n"), 0, HTTP_GET, "/",
	    1, 1, 0, 0, 0, NULL, 2, "X-E", "" },
	{ IN("GET / HTTP/1.1\r\nHost:\r\n\r\n"), 0, HTTP_GET, "/", 1, 1, 0,
	    0, 0, NULL, 1, "Host", "" },
	{ IN("GET / HTTP/1.1\r\n!#$%&'*+-.^_`|~09azAZ: x\r\nHost: a\r\n\r\n"),
	    0, HTTP_GET, "/", 1, 1, 0, 0, 0, NULL, 2,
	    "!#$%&'*+-.^_`|~09AZaz", "x" },
	{ IN("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), 0, HTTP_GET, "/", 1,
	    1, 0, 0, 0, NULL, 1, NULL, NULL },
};

static void
check_good(int i, const struct http_request *req)
{
	size_t head_len = good[i].head_len ? good[i].head_len : good[i].len;
	const struct http_header *h;

	ck_assert_uint_eq(req->head_len, head_len);
	ck_assert_int_eq(req->method, good[i].method);
	ck_assert_uint_eq(req->target_len, strlen(good[i].target));
	ck_assert_int_eq(memcmp(req->target, good[i].target,
	    req->target_len), 0);
	ck_assert_int_eq(req->minor, good[i].minor);
	ck_assert_int_eq(req->keep_alive, good[i].keep_alive);
	ck_assert_int_eq(req->expect_continue, good[i].expect_continue);
	ck_assert_int_eq(req->has_length, good[i].has_length);
	ck_assert_uint_eq(req->content_length, good[i].content_length);
	ck_assert_uint_eq(req->nheaders, good[i].nheaders);
	if (good[i].api_key == NULL)
		ck_assert_ptr_null(req->api_key);
	else {
		ck_assert_ptr_nonnull(req->api_key);
		ck_assert_uint_eq(req->api_key_len, strlen(good[i].api_key));
		ck_assert_int_eq(memcmp(req->api_key, good[i].api_key,
		    req->api_key_len), 0);
	}
	if (good[i].find == NULL)
		return;
	h = http_header_find(req, good[i].find);
	if (good[i].value == NULL) {
		ck_assert_ptr_null(h);
		return;
	}
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->value_len, strlen(good[i].value));
	ck_assert_int_eq(memcmp(h->value, good[i].value, h->value_len), 0);
}

START_TEST(test_good)
{
	struct http_request req;
	const char *why = NULL;
	int r;

	r = http_parse_head(good[_i].in, good[_i].len, &lim_default, &req,
	    &why);
	ck_assert_msg(r == 1, "case %d: got %d (%s)", _i, r,
	    why != NULL ? why : "-");
	check_good(_i, &req);
	ck_assert_uint_eq(req.method_len, strcspn(good[_i].in + (
	    good[_i].in[0] == '\r' ? 2 : 0), " "));
}
END_TEST

/* Every split point: 0 until the head is whole, then the same answer. */
START_TEST(test_good_prefixes)
{
	size_t head_len = good[_i].head_len ? good[_i].head_len :
	    good[_i].len;
	struct http_request req;
	const char *why;
	size_t n;
	int r;

	for (n = 0; n <= good[_i].len; n++) {
		r = parse(good[_i].in, n, NULL, &req, &why);
		ck_assert_msg(r == (n < head_len ? 0 : 1),
		    "case %d prefix %zu: got %d", _i, n, r);
		if (r == 1)
			ck_assert_uint_eq(req.head_len, head_len);
	}
}
END_TEST

START_TEST(test_pipelined)
{
	static const char two[] =
	    "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}"
	    "GET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
	size_t first = sizeof("POST /a HTTP/1.1\r\nHost: h\r\n"
	    "Content-Length: 2\r\n\r\n") - 1;
	struct http_request req;
	size_t off;

	ck_assert_int_eq(parse_keep(two, sizeof(two) - 1, &req), 1);
	ck_assert_uint_eq(req.head_len, first);
	ck_assert_int_eq(req.method, HTTP_POST);
	ck_assert_uint_eq(req.content_length, 2);
	ck_assert_int_eq(req.keep_alive, 1);

	off = req.head_len + req.content_length;
	ck_assert_int_eq(memcmp(two + req.head_len, "{}", 2), 0);
	ck_assert_int_eq(parse_keep(two + off, sizeof(two) - 1 - off, &req),
	    1);
	ck_assert_uint_eq(req.head_len, sizeof(two) - 1 - off);
	ck_assert_int_eq(req.method, HTTP_GET);
	ck_assert_uint_eq(req.target_len, 2);
	ck_assert_int_eq(memcmp(req.target, "/b", 2), 0);
	ck_assert_int_eq(req.keep_alive, 0);
}
END_TEST

/* 16 MiB without a newline: decided on max_request_line + 1 bytes. */
START_TEST(test_huge_line)
{
	size_t big = 16u << 20, max = lim_default.max_request_line;
	struct http_request req;
	const char *why;
	char *b = malloc(big);

	ck_assert_ptr_nonnull(b);
	memset(b, 'a', big);
	memcpy(b, "GET /", 5);
	ck_assert_int_eq(parse(b, max, NULL, &req, &why), 0);
	ck_assert_int_eq(parse(b, max + 1, NULL, &req, &why), 414);
	ck_assert_int_eq(http_parse_head(b, big, &lim_default, &req, &why),
	    414);

	/* The same flood as one header value: 431. */
	memcpy(b, "GET / HTTP/1.1\r\nX: ", 19);
	ck_assert_int_eq(parse(b, 16 + lim_default.max_header_line, NULL,
	    &req, &why), 0);
	ck_assert_int_eq(parse(b, 16 + lim_default.max_header_line + 1, NULL,
	    &req, &why), 431);
	ck_assert_int_eq(http_parse_head(b, big, &lim_default, &req, &why),
	    431);
	free(b);
}
END_TEST

/*
 * Builds a request with N header lines "H<i>: v" after the Host line,
 * padded by PAD bytes in the last value; returns its length.
 */
static size_t
build(char *out, size_t cap, int n, size_t pad)
{
	size_t len = 0;
	int i, k;

	k = snprintf(out, cap, "GET / HTTP/1.1\r\nHost: h\r\n");
	ck_assert(k > 0 && (size_t)k < cap);
	len = (size_t)k;
	for (i = 0; i < n; i++) {
		k = snprintf(out + len, cap - len, "H%d: v", i);
		ck_assert(k > 0 && (size_t)k < cap - len);
		len += (size_t)k;
		if (i == n - 1) {
			ck_assert(pad + 4 < cap - len);
			memset(out + len, 'p', pad);
			len += pad;
		}
		memcpy(out + len, "\r\n", 2);
		len += 2;
	}
	ck_assert(len + 2 < cap);
	memcpy(out + len, "\r\n", 2);
	return len + 2;
}

START_TEST(test_header_count)
{
	struct http_request req;
	const char *why;
	char b[4096];
	size_t len;

	len = build(b, sizeof(b), HTTP_MAX_HEADERS - 1, 0);
	ck_assert_int_eq(parse_keep(b, len, &req), 1);
	ck_assert_uint_eq(req.nheaders, HTTP_MAX_HEADERS);
	ck_assert_ptr_nonnull(http_header_find(&req, "h62"));

	len = build(b, sizeof(b), HTTP_MAX_HEADERS, 0);
	ck_assert_int_eq(parse(b, len, NULL, &req, &why), 431);
}
END_TEST

/* The whole head: exactly max_header_size passes, one more byte 431. */
START_TEST(test_head_size)
{
	struct http_limits lim = { 8192, 8192, 0, 65536 };
	struct http_request req;
	const char *why;
	char b[4096];
	size_t len, n;

	len = build(b, sizeof(b), 10, 0);
	lim.max_header_size = len;
	ck_assert_int_eq(parse(b, len, &lim, &req, &why), 1);
	for (n = 0; n < len; n++)
		ck_assert_int_eq(parse(b, n, &lim, &req, &why), 0);

	len = build(b, sizeof(b), 10, 1);
	ck_assert_int_eq(parse(b, len, &lim, &req, &why), 431);
	ck_assert_int_eq(parse(b, len - 1, &lim, &req, &why), 0);

	/* A head within its limit followed by more bytes is still whole. */
	len = build(b, sizeof(b), 10, 0);
	memcpy(b + len, "GET / HTTP/1.1\r\n", 16);
	ck_assert_int_eq(parse(b, len + 16, &lim, &req, &why), 1);
	ck_assert_uint_eq(req.head_len, len);
}
END_TEST

START_TEST(test_header_find)
{
	static const char in[] = "GET / HTTP/1.1\r\nHost: a\r\n"
	    "X-Dup: first\r\nx-dup: second\r\n\r\n";
	struct http_request req;
	const struct http_header *h;

	ck_assert_int_eq(parse_keep(in, sizeof(in) - 1, &req), 1);
	h = http_header_find(&req, "X-DUP");
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->value_len, 5);
	ck_assert_int_eq(memcmp(h->value, "first", 5), 0);
	ck_assert_uint_eq(h->name_len, 5);
	ck_assert_int_eq(memcmp(h->name, "X-Dup", 5), 0);
	ck_assert_ptr_null(http_header_find(&req, "X-Du"));
	ck_assert_ptr_null(http_header_find(&req, "X-Dupe"));
	ck_assert_ptr_null(http_header_find(&req, ""));
}
END_TEST

static const struct {
	int		 status;
	const char	*reason;
} reasons[] = {
	{ 100, "Continue" }, { 200, "OK" }, { 201, "Created" },
	{ 204, "No Content" }, { 400, "Bad Request" },
	{ 401, "Unauthorized" }, { 403, "Forbidden" }, { 404, "Not Found" },
	{ 405, "Method Not Allowed" }, { 408, "Request Timeout" },
	{ 411, "Length Required" }, { 413, "Content Too Large" },
	{ 414, "URI Too Long" }, { 415, "Unsupported Media Type" },
	{ 417, "Expectation Failed" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
	{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" }, { 505, "HTTP Version Not Supported" },
	{ 299, "Unknown" }, { 0, "Unknown" }, { -1, "Unknown" },
};

START_TEST(test_reason)
{
	ck_assert_str_eq(http_reason(reasons[_i].status), reasons[_i].reason);
}
END_TEST

static const struct {
	int		 status;
	const char	*type;
	const char	*extra;
	const char	*body;
	int		 keep_alive;
	int		 head_only;
	const char	*want;
} responses[] = {
	{ 201, "application/json", NULL, "{\"state\": \"resident\"}", 1, 0,
	    "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
	    "Content-Length: 21\r\nConnection: keep-alive\r\n\r\n"
	    "{\"state\": \"resident\"}" },
	{ 404, "application/json", "", "{\"message\": \"no\"}", 0, 0,
	    "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
	    "Content-Length: 17\r\nConnection: close\r\n\r\n"
	    "{\"message\": \"no\"}" },
	{ 405, "application/json", "Allow: POST\r\n", "{}", 1, 0,
	    "HTTP/1.1 405 Method Not Allowed\r\n"
	    "Content-Type: application/json\r\nContent-Length: 2\r\n"
	    "Connection: keep-alive\r\nAllow: POST\r\n\r\n{}" },
	{ 200, "application/json", NULL, "{\"a\": 1}", 1, 1,
	    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	    "Content-Length: 8\r\nConnection: keep-alive\r\n\r\n" },
	{ 503, NULL, "Retry-After: 1\r\nX-A: b\r\n", "", 0, 0,
	    "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
	    "Connection: close\r\nRetry-After: 1\r\nX-A: b\r\n\r\n" },
	{ 100, "application/json", NULL, "", 1, 0,
	    "HTTP/1.1 100 Continue\r\n\r\n" },
	{ 204, NULL, NULL, "ignored", 1, 0,
	    "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n" },
	{ 200, "text/plain", NULL, "x", 0, 0,
	    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 1\r\nConnection: close\r\n\r\nx" },
	{ 799, "text/plain", NULL, "0123456789", 0, 0,
	    "HTTP/1.1 799 Unknown\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 10\r\nConnection: close\r\n\r\n0123456789" },
};

START_TEST(test_write_response)
{
	struct buf b;
	size_t n = strlen(responses[_i].want);

	buf_init(&b);
	ck_assert_int_eq(buf_puts(&b, "previous"), 0);
	ck_assert_int_eq(http_write_response(&b, responses[_i].status,
	    responses[_i].type, responses[_i].extra, responses[_i].body,
	    strlen(responses[_i].body), responses[_i].keep_alive,
	    responses[_i].head_only), 0);
	ck_assert_uint_eq(b.len, 8 + n);
	ck_assert_int_eq(memcmp(b.data, "previous", 8), 0);
	ck_assert_str_eq(b.data + 8, responses[_i].want);
	buf_free(&b);
}
END_TEST

/* A body bigger than the first allocation, and its Content-Length. */
START_TEST(test_write_big)
{
	size_t n = 100000;
	char *body = malloc(n);
	struct buf b;
	const char *p;

	ck_assert_ptr_nonnull(body);
	memset(body, 'z', n);
	buf_init(&b);
	ck_assert_int_eq(http_write_response(&b, 200, "text/plain", NULL,
	    body, n, 1, 0), 0);
	p = strstr(b.data, "\r\n\r\n");
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(b.len - (size_t)(p + 4 - b.data), n);
	ck_assert_ptr_nonnull(strstr(b.data, "Content-Length: 100000\r\n"));
	ck_assert_int_eq(memcmp(p + 4, body, n), 0);
	buf_free(&b);
	free(body);
}
END_TEST

/* A fixed xorshift sequence: the same mutations on every run. */
static uint32_t
next_random(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/*
 * Seeded mutations of each good head (bytes changed to ones the parser
 * treats specially): the answer is always one the header names, and a
 * head taken is one that ends in a blank line within the bytes given.
 */
START_TEST(test_mutations)
{
	static const char special[] = { '\r', '\n', '\0', ' ', '\t', ':',
	    ',', 'a', '\x7f', '\xff', '/', '0' };
	uint32_t x = 2463534242u + (uint32_t)_i;
	struct http_request req;
	const char *why;
	char b[512];
	size_t len = good[_i].len, k, j;
	int round, r;

	ck_assert_uint_le(len, sizeof(b));
	for (round = 0; round < 1000; round++) {
		memcpy(b, good[_i].in, len);
		for (k = 0; k < 1 + next_random(&x) % 3; k++)
			b[next_random(&x) % len] =
			    special[next_random(&x) % sizeof(special)];
		r = parse(b, len, NULL, &req, &why);
		ck_assert_msg(r == 0 || r == 1 || r == 400 || r == 411 ||
		    r == 413 || r == 417 || r == 431 || r == 505,
		    "case %d round %d: %d", _i, round, r);
		if (r != 1)
			continue;
		ck_assert_uint_le(req.head_len, len);
		ck_assert_uint_ge(req.head_len, 4);
		ck_assert_int_eq(memcmp(b + req.head_len - 4, "\r\n\r\n", 4),
		    0);
		for (j = 0; j + 1 < req.head_len - 2; j++)
			ck_assert(b[j] != '\0' && (b[j] != '\n' ||
			    (j > 0 && b[j - 1] == '\r')));
	}
}
END_TEST

static Suite *
http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("parse");
	TCase *tw = tcase_create("write");

	tcase_add_loop_test(tc, test_bad, 0, nitems(bad));
	tcase_add_loop_test(tc, test_bad_prefixes, 0, nitems(bad));
	tcase_add_loop_test(tc, test_good, 0, nitems(good));
	tcase_add_loop_test(tc, test_good_prefixes, 0, nitems(good));
	tcase_add_test(tc, test_pipelined);
	tcase_add_test(tc, test_huge_line);
	tcase_add_test(tc, test_header_count);
	tcase_add_test(tc, test_head_size);
	tcase_add_test(tc, test_header_find);
	tcase_add_loop_test(tc, test_mutations, 0, nitems(good));
	suite_add_tcase(s, tc);

	tcase_add_loop_test(tw, test_reason, 0, nitems(reasons));
	tcase_add_loop_test(tw, test_write_response, 0, nitems(responses));
	tcase_add_test(tw, test_write_big);
	suite_add_tcase(s, tw);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(http_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
