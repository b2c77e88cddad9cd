/*
 * http: see http.h.
 *
 * Design.  The parser keeps no state between calls: the connection code
 * re-runs it over everything received so far.  One call is one linear
 * pass over at most min(len, max_header_size) bytes, guided by a table
 * of byte classes, with no allocation and no copy.  Every scan loop is
 * bounded by the end of the current line's budget, so a line over its
 * limit is refused as soon as its limit is passed, whether or not a
 * newline has come.  Syntax errors are answered where they are met;
 * framing and the other header semantics are decided once the blank line
 * has arrived (two headers may only conflict when both are seen), and
 * always before the caller reads or allocates a body.
 *
 * Decisions beyond RFC 9112's letter: lines end in CRLF only (a bare LF
 * is 400, like a bare CR); one empty line before the request line is
 * skipped (RFC 9112 2.2); the request target is origin-form, or "*" for
 * OPTIONS, in visible ASCII only; an Expect: 100-continue from an
 * HTTP/1.0 client is ignored (RFC 9110 10.1.1).
 *
 * The writer builds a response with one reservation and a few copies.
 * No locks anywhere; every function is safe in any thread.
 *
 * A head trickled in tiny chunks would be re-scanned from its start each
 * time, O(n^2) in its length; so the server re-runs the parser only when
 * new bytes hold a LF or the buffer has passed a limit.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "http.h"

/* Byte classes: token (header name, method), visible, field value. */
#define C_TOKEN		1
#define C_VISIBLE	2
#define C_VALUE		4

static const unsigned char http_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0,	/* 00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 10 */
	4, 7, 6, 7, 7, 7, 7, 7, 6, 6, 7, 7, 6, 7, 7, 6,	/* 20 */
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 6, 6, 6, 6,	/* 30 */
	6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,	/* 40 */
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 6, 7, 7,	/* 50 */
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,	/* 60 */
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 7, 6, 7, 0,	/* 70 */
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,	/* 80 */
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,	/* 90 */
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,	/* a0 */
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,	/* b0 */
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,	/* c0 */
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,	/* d0 */
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,	/* e0 */
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,	/* f0 */
};

/* One call's view of the input. */
struct http_scan {
	const unsigned char *b;
	size_t		 len;	/* bytes given */
	size_t		 end;	/* min(len, max_header_size): the head's room */
	const char	**why;
};

/* What the header lines said, judged once the head is complete. */
struct http_fields {
	unsigned	 host;		/* how many of each */
	unsigned	 length;
	unsigned	 te;
	unsigned	 api_key;
	int		 length_bad;	/* a Content-Length not digits, huge */
	int		 conn_close;
	int		 conn_keep;
	int		 expect_bad;
	int		 expect_continue;
};

static int
http_fail(const struct http_scan *s, int status, const char *why)
{
	*s->why = why;
	return status;
}

/* Where a scan of a line starting at START with limit MAX must stop. */
static size_t
http_stop(const struct http_scan *s, size_t start, size_t max)
{
	if (s->end - start > max)
		return start + max + 1;
	return s->end;
}

/*
 * The answer when a scan of the line that began at START stopped at P,
 * short of the line's end: the line is over its limit MAX (STATUS), the
 * head is over its limit (431), or more bytes are needed (0).
 */
static int
http_short(const struct http_scan *s, size_t start, size_t p, size_t max,
    int status)
{
	if (p - start > max)
		return http_fail(s, status, status == 414 ?
		    "request line too long" : "header line too long");
	if (s->end < s->len)
		return http_fail(s, 431, "header block too large");
	return 0;
}

/* The 400 for byte C found where a line had to end at CR. */
static int
http_bad_end(const struct http_scan *s, unsigned char c)
{
	if (c == '\n')
		return http_fail(s, 400, "bare LF");
	if (c == ' ' || c == '\t')
		return http_fail(s, 400, "stray whitespace");
	return http_fail(s, 400, "control character");
}

static enum http_method
http_method_of(const char *m, size_t n)
{
	static const struct {
		const char	*name;
		size_t		 len;
		enum http_method method;
	} methods[] = {
		{ "GET", 3, HTTP_GET }, { "HEAD", 4, HTTP_HEAD },
		{ "POST", 4, HTTP_POST }, { "PUT", 3, HTTP_PUT },
		{ "DELETE", 6, HTTP_DELETE }, { "OPTIONS", 7, HTTP_OPTIONS },
		{ "PATCH", 5, HTTP_PATCH },
	};
	size_t i;

	for (i = 0; i < nitems(methods); i++)
		if (methods[i].len == n && memcmp(methods[i].name, m, n) == 0)
			return methods[i].method;
	return HTTP_OTHER;
}

/*
 * The version at V[0..N): sets req->minor and returns 0, or returns 505
 * for another HTTP/D.D, or 400.
 */
static int
http_version(const struct http_scan *s, const unsigned char *v, size_t n,
    struct http_request *req)
{
	if (n != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' ||
	    v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9')
		return http_fail(s, 400, "malformed HTTP version");
	if (v[5] != '1' || v[7] > '1')
		return http_fail(s, 505, "unsupported HTTP version");
	req->minor = v[7] - '0';
	return 0;
}

/*
 * Parses the request line at START: method SP target SP version CRLF.
 * Returns 0 with *next past its CRLF, -1 when more bytes are needed, or
 * a status.
 */
static int
http_request_line(const struct http_scan *s, size_t start, size_t max,
    struct http_request *req, size_t *next)
{
	const unsigned char *b = s->b;
	size_t stop = http_stop(s, start, max), p = start, t, v;
	int r;

	while (p < stop && (http_class[b[p]] & C_TOKEN))
		p++;
	if (p == stop)
		goto short_line;
	if (b[p] != ' ' || p == start)
		return http_fail(s, 400, "malformed method");

	t = ++p;
	while (p < stop && (http_class[b[p]] & C_VISIBLE))
		p++;
	if (p == stop)
		goto short_line;
	if (b[p] != ' ' || p == t)
		return http_fail(s, 400, "malformed request target");

	v = ++p;
	while (p < stop && (http_class[b[p]] & C_VISIBLE))
		p++;
	if (p == stop)
		goto short_line;
	if (b[p] != '\r')
		return http_bad_end(s, b[p]);
	if (p + 1 == s->end)
		goto short_line;
	if (b[p + 1] != '\n')
		return http_fail(s, 400, "bare CR");

	/* The line is whole: judge its parts. */
	if ((r = http_version(s, b + v, p - v, req)) != 0)
		return r;
	req->method_str = (const char *)b + start;
	req->method_len = t - 1 - start;
	req->method = http_method_of(req->method_str, req->method_len);
	req->target = (const char *)b + t;
	req->target_len = v - 1 - t;
	if (b[t] != '/' && !(req->target_len == 1 && b[t] == '*' &&
	    req->method == HTTP_OPTIONS))
		return http_fail(s, 400, "request target not origin-form");
	*next = p + 2;
	return 0;

short_line:
	r = http_short(s, start, p, max, 414);
	return r == 0 ? -1 : r;
}

static unsigned char
http_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* 1 if S[0..N) equals the lower-case LIT[0..LN) but for case. */
static int
http_same(const char *s, size_t n, const char *lit, size_t ln)
{
	size_t i;

	if (n != ln)
		return 0;
	for (i = 0; i < n; i++)
		if (http_lower((unsigned char)s[i]) != (unsigned char)lit[i])
			return 0;
	return 1;
}

#define HTTP_SAME(s, n, lit)	http_same(s, n, lit, sizeof(lit) - 1)

/* Notes each "close" and "keep-alive" in a Connection token list. */
static void
http_connection(const struct http_header *h, struct http_fields *f)
{
	const char *p = h->value, *e = h->value + h->value_len, *q, *t;

	while (p < e) {
		for (q = p; q < e && *q != ','; q++)
			continue;
		for (t = q; t > p && (t[-1] == ' ' || t[-1] == '\t'); t--)
			continue;
		while (p < t && (*p == ' ' || *p == '\t'))
			p++;
		if (HTTP_SAME(p, (size_t)(t - p), "close"))
			f->conn_close = 1;
		else if (HTTP_SAME(p, (size_t)(t - p), "keep-alive"))
			f->conn_keep = 1;
		p = q + 1;
	}
}

/* Content-Length: digits only, fitting in 64 bits. */
static void
http_length(const struct http_header *h, struct http_request *req,
    struct http_fields *f)
{
	uint64_t v = 0;
	size_t i;
	unsigned d;

	if (h->value_len == 0)
		f->length_bad = 1;
	for (i = 0; i < h->value_len; i++) {
		d = (unsigned char)h->value[i] - '0';
		if (d > 9 || v > (UINT64_MAX - d) / 10) {
			f->length_bad = 1;
			return;
		}
		v = v * 10 + d;
	}
	req->content_length = v;
}

/* Records what header H means for the request; judged later. */
static void
http_field(const struct http_header *h, struct http_request *req,
    struct http_fields *f)
{
	switch (h->name_len) {
	case 4:
		if (HTTP_SAME(h->name, 4, "host"))
			f->host++;
		break;
	case 6:
		if (!HTTP_SAME(h->name, 6, "expect"))
			break;
		if (HTTP_SAME(h->value, h->value_len, "100-continue"))
			f->expect_continue = 1;
		else
			f->expect_bad = 1;
		break;
	case 9:
		if (HTTP_SAME(h->name, 9, "x-api-key")) {
			f->api_key++;
			req->api_key = h->value;
			req->api_key_len = h->value_len;
		}
		break;
	case 10:
		if (HTTP_SAME(h->name, 10, "connection"))
			http_connection(h, f);
		break;
	case 14:
		if (HTTP_SAME(h->name, 14, "content-length")) {
			f->length++;
			http_length(h, req, f);
		}
		break;
	case 17:
		if (HTTP_SAME(h->name, 17, "transfer-encoding"))
			f->te++;
		break;
	}
}

/*
 * Parses one header line at START, the blank line included.  Returns 0
 * with *next past the line, 1 with req->head_len set at the blank line,
 * -1 when more bytes are needed, or a status.
 */
static int
http_header_line(const struct http_scan *s, size_t start, size_t max,
    struct http_request *req, struct http_fields *f, size_t *next)
{
	const unsigned char *b = s->b;
	struct http_header *h;
	size_t stop, p = start, v, e;
	int r;

	if (p == s->end)
		goto short_line;
	switch (b[p]) {
	case '\r':
		if (p + 1 == s->end)
			goto short_line;
		if (b[p + 1] != '\n')
			return http_fail(s, 400, "bare CR");
		req->head_len = p + 2;
		return 1;
	case '\n':
		return http_fail(s, 400, "bare LF");
	case ' ':
	case '\t':
		return http_fail(s, 400, "obsolete line folding");
	}

	/* Name, colon, blanks, value up to CR. */
	stop = http_stop(s, start, max);
	while (p < stop && (http_class[b[p]] & C_TOKEN))
		p++;
	if (p == stop)
		goto short_line;
	if (b[p] != ':') {
		if (b[p] == ' ' || b[p] == '\t')
			return http_fail(s, 400, "whitespace before colon");
		if (b[p] == '\r')
			return http_fail(s, 400, "header without colon");
		return http_fail(s, 400, "invalid header name");
	}
	if (p == start)
		return http_fail(s, 400, "empty header name");
	e = p++;
	while (p < stop && (b[p] == ' ' || b[p] == '\t'))
		p++;
	v = p;
	while (p < stop && (http_class[b[p]] & C_VALUE))
		p++;
	if (p == stop)
		goto short_line;
	if (b[p] != '\r')
		return http_bad_end(s, b[p]);
	if (p + 1 == s->end)
		goto short_line;
	if (b[p + 1] != '\n')
		return http_fail(s, 400, "bare CR");
	*next = p + 2;

	/* Store it trimmed, then see what it means. */
	if (req->nheaders == HTTP_MAX_HEADERS)
		return http_fail(s, 431, "too many headers");
	while (p > v && (b[p - 1] == ' ' || b[p - 1] == '\t'))
		p--;
	h = &req->headers[req->nheaders++];
	h->name = (const char *)b + start;
	h->name_len = e - start;
	h->value = (const char *)b + v;
	h->value_len = p - v;
	http_field(h, req, f);
	return 0;

short_line:
	r = http_short(s, start, p, max, 431);
	return r == 0 ? -1 : r;
}

/* Judges the complete head's fields: 0 or a status. */
static int
http_judge(const struct http_scan *s, const struct http_limits *lim,
    struct http_request *req, const struct http_fields *f)
{
	if (f->host > 1)
		return http_fail(s, 400, "more than one Host");
	if (f->host == 0 && req->minor == 1)
		return http_fail(s, 400, "HTTP/1.1 without Host");
	if (f->api_key > 1)
		return http_fail(s, 400, "more than one X-API-KEY");

	if (f->te > 0 && f->length > 0)
		return http_fail(s, 400,
		    "Transfer-Encoding with Content-Length");
	if (f->length > 1)
		return http_fail(s, 400, "more than one Content-Length");
	if (f->length_bad)
		return http_fail(s, 400, "invalid Content-Length");
	if (f->te > 0)
		return http_fail(s, 411, "Transfer-Encoding not supported");
	if (f->length == 1 && req->content_length > lim->max_body)
		return http_fail(s, 413, "body too large");

	if (f->expect_bad)
		return http_fail(s, 417, "unsupported expectation");

	req->has_length = f->length == 1;
	req->expect_continue = f->expect_continue && req->minor == 1;
	if (req->minor == 1)
		req->keep_alive = !f->conn_close;
	else
		req->keep_alive = f->conn_keep && !f->conn_close;
	return 0;
}

int
http_parse_head(const char *buf, size_t len, const struct http_limits *lim,
    struct http_request *req, const char **why)
{
	struct http_fields f;
	struct http_scan s;
	const char *dummy;
	size_t p = 0;
	int r;

	s.b = (const unsigned char *)buf;
	s.len = len;
	s.end = len < lim->max_header_size ? len : lim->max_header_size;
	s.why = why != NULL ? why : &dummy;
	memset(&f, 0, sizeof(f));
	req->nheaders = 0;
	req->api_key = NULL;
	req->api_key_len = 0;
	req->content_length = 0;
	req->has_length = 0;
	req->keep_alive = 0;
	req->expect_continue = 0;
	req->head_len = 0;

	/* One empty line before a request is tolerated (RFC 9112 2.2). */
	if (s.end > 0 && s.b[0] == '\r') {
		if (s.end == 1)
			return http_short(&s, 0, 0, 0, 414);
		if (s.b[1] == '\n')
			p = 2;
	}

	r = http_request_line(&s, p, lim->max_request_line, req, &p);
	while (r == 0)
		r = http_header_line(&s, p, lim->max_header_line, req, &f,
		    &p);
	if (r == -1)
		return 0;
	if (r != 1)
		return r;
	if ((r = http_judge(&s, lim, req, &f)) != 0)
		return r;
	return 1;
}

const struct http_header *
http_header_find(const struct http_request *req, const char *name)
{
	size_t i, n = strlen(name), k;

	for (i = 0; i < req->nheaders; i++) {
		const struct http_header *h = &req->headers[i];

		if (h->name_len != n)
			continue;
		for (k = 0; k < n; k++)
			if (http_lower((unsigned char)h->name[k]) !=
			    http_lower((unsigned char)name[k]))
				break;
		if (k == n)
			return h;
	}
	return NULL;
}

const char *
http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	}
	return "Unknown";
}

/* Writes V in decimal ending just before END; returns where it starts. */
static char *
http_decimal(char *end, uint64_t v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return end;
}

#define HTTP_PUT(p, lit)	(memcpy(p, lit, sizeof(lit) - 1), \
				    (p) += sizeof(lit) - 1)
#define HTTP_PUTN(p, s, n)	(memcpy(p, s, n), (p) += (n))

/*
 * See http.h.  A 1xx response is the status line, EXTRA and the blank
 * line only, and a 1xx or 204 carries no Content-Length and no body, as
 * RFC 9110 8.6 requires.  STATUS outside 100..999 is written as given.
 */
int
http_write_response(struct buf *out, int status, const char *content_type,
    const char *extra, const char *body, size_t body_len, int keep_alive,
    int head_only)
{
	char code[24], len[24], *cp, *lp = len + sizeof(len), *p;
	const char *reason = http_reason(status);
	size_t rlen = strlen(reason), tlen = 0, xlen = 0, clen, llen = 0;
	size_t need;
	int info = status >= 100 && status < 200;
	int sized = !info && status != 204;

	cp = http_decimal(code + sizeof(code), (uint64_t)(status < 0 ? 0 :
	    status));
	clen = (size_t)(code + sizeof(code) - cp);
	if (content_type != NULL && !info)
		tlen = strlen(content_type);
	if (extra != NULL)
		xlen = strlen(extra);
	if (sized) {
		lp = http_decimal(len + sizeof(len), body_len);
		llen = (size_t)(len + sizeof(len) - lp);
	} else
		body_len = 0;
	if (head_only)
		body_len = 0;

	/* The exact size: "HTTP/1.1 " code SP reason CRLF, headers, CRLF. */
	need = 9 + clen + 1 + rlen + 2 + xlen + 2;
	if (tlen > 0)
		need += sizeof("Content-Type: \r\n") - 1 + tlen;
	if (sized)
		need += sizeof("Content-Length: \r\n") - 1 + llen;
	if (!info)
		need += sizeof("Connection: keep-alive\r\n") - 1;
	if (body_len > SIZE_MAX - need) {
		errno = ENOMEM;
		return -1;
	}
	need += body_len;
	if (buf_reserve(out, need) == -1)
		return -1;

	p = out->data + out->len;
	HTTP_PUT(p, "HTTP/1.1 ");
	HTTP_PUTN(p, cp, clen);
	*p++ = ' ';
	HTTP_PUTN(p, reason, rlen);
	HTTP_PUT(p, "\r\n");
	if (tlen > 0) {
		HTTP_PUT(p, "Content-Type: ");
		HTTP_PUTN(p, content_type, tlen);
		HTTP_PUT(p, "\r\n");
	}
	if (sized) {
		HTTP_PUT(p, "Content-Length: ");
		HTTP_PUTN(p, lp, llen);
		HTTP_PUT(p, "\r\n");
	}
	if (!info && keep_alive)
		HTTP_PUT(p, "Connection: keep-alive\r\n");
	else if (!info)
		HTTP_PUT(p, "Connection: close\r\n");
	if (xlen > 0)
		HTTP_PUTN(p, extra, xlen);
	HTTP_PUT(p, "\r\n");
	if (body_len > 0)
		HTTP_PUTN(p, body, body_len);

	out->len = (size_t)(p - out->data);
	out->data[out->len] = '\0';
	return 0;
}
