/*
 * http: the HTTP/1.1 request-head parser and the response writer.
 *
 * Pure functions over caller-owned buffers: no allocation, no I/O, no
 * locks.  The parser is re-run over the bytes received so far until the
 * head is complete; it looks at no byte past the end it is given, and
 * refuses a request line, a header line or a head over its limit as soon
 * as the limit is passed, newline or not, so a client cannot make the
 * server buffer more than the limits.
 *
 * Syntax is strict: lines end in CRLF (a bare LF or a bare CR is 400), no
 * obs-fold, no whitespace before a colon, no NUL or other control byte.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define HTTP_MAX_HEADERS	64

enum http_method {
	HTTP_OTHER = 0,
	HTTP_GET,
	HTTP_HEAD,
	HTTP_POST,
	HTTP_PUT,
	HTTP_DELETE,
	HTTP_OPTIONS,
	HTTP_PATCH
};

struct http_limits {
	size_t	max_request_line;	/* 414 beyond it */
	size_t	max_header_line;	/* 431 beyond it */
	size_t	max_header_size;	/* 431 beyond it, whole head */
	size_t	max_body;		/* 413 beyond it */
};

struct http_header {
	const char	*name;
	size_t		 name_len;
	const char	*value;		/* leading/trailing blanks trimmed */
	size_t		 value_len;
};

/* Every pointer points into the buffer given to http_parse_head(). */
struct http_request {
	enum http_method method;
	const char	*method_str;
	size_t		 method_len;
	const char	*target;	/* origin-form: path and query */
	size_t		 target_len;
	int		 minor;		/* HTTP/1.<minor>, 0 or 1 */
	size_t		 head_len;	/* bytes of the head, blank line too */
	int		 has_length;	/* a Content-Length was given */
	uint64_t	 content_length;
	int		 keep_alive;	/* from version and Connection */
	int		 expect_continue;
	const char	*api_key;	/* X-API-KEY, or NULL */
	size_t		 api_key_len;
	size_t		 nheaders;
	struct http_header headers[HTTP_MAX_HEADERS];
};

/*
 * Parses the head at the start of BUF[0..LEN).  Returns 0 when more bytes
 * are needed, 1 when the head is complete (*req filled, req->head_len
 * bytes used), or an HTTP status >= 400 to answer before closing, with a
 * short reason in *why (a static string).
 *
 * Statuses: 400 syntax or ambiguous framing (Content-Length with
 * Transfer-Encoding, two lengths, a length that is not digits or does not
 * fit, HTTP/1.1 without Host, two X-API-KEY headers), 411 a
 * Transfer-Encoding without length, 413 a length over max_body, 414 a
 * request line over its limit, 417 an Expect other than 100-continue,
 * 431 a header line or the head over its limit, 505 a version other than
 * HTTP/1.0 and HTTP/1.1.
 */
int	http_parse_head(const char *buf, size_t len,
	    const struct http_limits *lim, struct http_request *req,
	    const char **why);

/* The first header named NAME (case-insensitive), or NULL. */
const struct http_header *http_header_find(const struct http_request *,
	    const char *name);

/* The reason phrase of a status ("Not Found"); "Unknown" if none. */
const char *http_reason(int status);

/*
 * Appends a whole response to OUT: status line, Date-less headers
 * (Content-Type, Content-Length, Connection, then EXTRA verbatim, which
 * must be empty or end in CRLF) and, unless HEAD_ONLY, the body.  A 1xx
 * is the status line, EXTRA and the blank line only; a 1xx or a 204 has
 * no Content-Length and no body (RFC 9110 8.6).  Returns 0 or -1 (no
 * memory).
 */
int	http_write_response(struct buf *out, int status,
	    const char *content_type, const char *extra, const char *body,
	    size_t body_len, int keep_alive, int head_only);

#endif
