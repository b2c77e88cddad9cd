/*
 * fuzz_http: the daemon's request-head parser, http_parse_head(), fed as
 * the connection code feeds it: the bytes received so far, re-run as
 * more arrive.  Every prefix of the input is parsed from its own
 * exact-size copy, and the answers must agree with the whole input's:
 *
 *   - a prefix that completes a head gives the same head as the whole;
 *   - a prefix refused with a status gives the same status as the whole
 *     (more bytes never cure an error);
 *   - when the whole needs more bytes, so does every prefix;
 *   - a complete head lies inside the bytes given, its pointers too;
 *   - a refusal is a status of the documented set, with a reason.
 *
 * The limits are small so that every limit is reachable in -max_len.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http.h"

static const struct http_limits fuzz_lim = {
	.max_request_line = 256,
	.max_header_line = 256,
	.max_header_size = 1024,
	.max_body = 4096,
};

/* 1 if P[0..LEN) lies inside B[0..BLEN). */
static int
inside(const char *b, size_t blen, const char *p, size_t len)
{
	return p >= b && len <= blen && (size_t)(p - b) <= blen - len;
}

static int
is_refusal(int r)
{
	return r == 400 || r == 411 || r == 413 || r == 414 || r == 417 ||
	    r == 431 || r == 505;
}

/* Checks a complete head REQ of buffer B[0..LEN). */
static void
check_complete(const char *b, size_t len, const struct http_request *req)
{
	size_t i;

	FUZZ_CHECK(req->head_len >= 4 && req->head_len <= len);
	FUZZ_CHECK(memcmp(b + req->head_len - 4, "\r\n\r\n", 4) == 0);
	FUZZ_CHECK(inside(b, req->head_len, req->method_str,
	    req->method_len) && req->method_len > 0);
	FUZZ_CHECK(inside(b, req->head_len, req->target, req->target_len) &&
	    req->target_len > 0);
	FUZZ_CHECK(req->minor == 0 || req->minor == 1);
	FUZZ_CHECK(req->nheaders <= HTTP_MAX_HEADERS);
	FUZZ_CHECK(!req->has_length ||
	    req->content_length <= fuzz_lim.max_body);
	FUZZ_CHECK(req->has_length || req->content_length == 0);
	FUZZ_CHECK(req->api_key == NULL ||
	    inside(b, req->head_len, req->api_key, req->api_key_len));
	for (i = 0; i < req->nheaders; i++) {
		FUZZ_CHECK(inside(b, req->head_len, req->headers[i].name,
		    req->headers[i].name_len));
		FUZZ_CHECK(req->headers[i].name_len > 0);
		FUZZ_CHECK(inside(b, req->head_len, req->headers[i].value,
		    req->headers[i].value_len));
		FUZZ_CHECK(memchr(req->headers[i].value, '\n',
		    req->headers[i].value_len) == NULL);
		FUZZ_CHECK(memchr(req->headers[i].value, '\0',
		    req->headers[i].value_len) == NULL);
	}
	FUZZ_CHECK(memchr(req->target, '\0', req->target_len) == NULL);
}

/* 1 if complete heads A (over buffer BA) and B (over BB) are the same. */
static int
same_head(const char *ba, const struct http_request *a, const char *bb,
    const struct http_request *b)
{
	size_t i;

	if (a->head_len != b->head_len || a->method != b->method ||
	    a->method_str - ba != b->method_str - bb ||
	    a->target - ba != b->target - bb ||
	    a->target_len != b->target_len || a->minor != b->minor ||
	    a->has_length != b->has_length ||
	    a->content_length != b->content_length ||
	    a->keep_alive != b->keep_alive ||
	    a->expect_continue != b->expect_continue ||
	    (a->api_key == NULL) != (b->api_key == NULL) ||
	    a->nheaders != b->nheaders)
		return 0;
	if (a->api_key != NULL && (a->api_key - ba != b->api_key - bb ||
	    a->api_key_len != b->api_key_len))
		return 0;
	for (i = 0; i < a->nheaders; i++)
		if (a->headers[i].name - ba != b->headers[i].name - bb ||
		    a->headers[i].name_len != b->headers[i].name_len ||
		    a->headers[i].value - ba != b->headers[i].value - bb ||
		    a->headers[i].value_len != b->headers[i].value_len)
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_request whole, part;
	const char *b = (const char *)data, *why, *pwhy;
	char *copy;
	size_t k;
	int r, pr;

	why = NULL;
	r = http_parse_head(b, size, &fuzz_lim, &whole, &why);
	FUZZ_CHECK(r == 0 || r == 1 || is_refusal(r));
	if (r >= 400)
		FUZZ_CHECK(why != NULL && *why != '\0');
	if (r == 1) {
		check_complete(b, size, &whole);
		FUZZ_CHECK(http_header_find(&whole, "host") == NULL ||
		    whole.nheaders > 0);
	}

	for (k = 0; k < size; k++) {
		copy = fuzz_dup(b, k);
		pwhy = NULL;
		pr = http_parse_head(copy, k, &fuzz_lim, &part, &pwhy);
		if (pr == 1) {
			check_complete(copy, k, &part);
			FUZZ_CHECK(r == 1 && same_head(b, &whole, copy,
			    &part));
		} else if (pr != 0) {
			FUZZ_CHECK(pwhy != NULL);
			FUZZ_CHECK(pr == r);
		} else {
			/* Not yet decided: the whole head is not in K. */
			FUZZ_CHECK(r != 1 || whole.head_len > k);
		}
		free(copy);
	}
	return 0;
}
