/*
 * hclient: the stage app's HTTP/1.1 client: one POST per connection
 * (Connection: close), over plain TCP or TLS (ctls), bounded by one
 * deadline covering connect, handshake, request and response.
 *
 * The response is read into a static buffer of HCLIENT_RESP_MAX bytes;
 * a larger one is an error.  Error contract: a negative HCLIENT_E* code
 * with a reason in ERR (never the key).
 */
#ifndef HCLIENT_H
#define HCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "url.h"
#include "util.h"

#define HCLIENT_RESP_MAX	65536
#define HCLIENT_ROUTE		"/api/v0.5/globus_recall/globus_recall"

/* No request reached the server: the next server may be tried. */
#define HCLIENT_ECONNECT	(-2)
/* The request may have reached the server, or its answer was bad. */
#define HCLIENT_EFAIL		(-1)

struct hclient_opts {
	const char	*auth_key;	/* X-API-KEY */
	const char	*ca_file;	/* NULL: the system bundle */
	int		 tls_verify;
	int64_t		 timeout_ms;	/* for the whole exchange */
};

struct hclient_resp {
	int		 status;	/* 100..599 */
	const char	*body;		/* static storage, NUL-ended */
	size_t		 body_len;
};

/*
 * Appends to B the JSON body {"path": PATH, "globus_taskid": TASKID}.
 * Returns 0, or -1 with ERR set when a string is not valid UTF-8.
 */
int	hclient_body(struct buf *b, const char *path, const char *taskid,
	    char *err, size_t errlen);

/*
 * Appends to B the whole request for ROUTE on U with BODY.  Returns 0,
 * or -1 when the key holds a byte that cannot go in a header.
 */
int	hclient_request(struct buf *b, const struct url *u,
	    const char *route, const char *auth_key, const char *body,
	    size_t len, char *err, size_t errlen);

/*
 * Parses the response DATA[0..LEN); EOF says the server has closed.
 * Returns 1 when complete (R filled, R->body pointing into DATA), 0 when
 * more bytes are needed, -1 when malformed or unsupported (ERR set).
 */
int	hclient_parse(const char *data, size_t len, int eof,
	    struct hclient_resp *r, char *err, size_t errlen);

/*
 * POSTs BODY to ROUTE on server U and reads the answer into R (valid
 * until the next call).  Returns 0, HCLIENT_ECONNECT when the server
 * could not be reached (refused, unreachable, connect or handshake
 * failed or timed out), or HCLIENT_EFAIL for a fault after that.
 */
int	hclient_post(const struct url *u, const struct hclient_opts *o,
	    const char *route, const char *body, size_t len,
	    struct hclient_resp *r, char *err, size_t errlen);

#endif
