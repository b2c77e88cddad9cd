/*
 * hclient: see hclient.h.
 *
 * Design: one exchange is connect (non-blocking, every address
 * getaddrinfo returns, in order), TLS handshake when the URL says https,
 * one write of the whole request, then reads until the response is
 * complete by its Content-Length or the server closes.  Every wait is a
 * poll(2) bounded by the one deadline computed at the start.  The
 * response buffer is static, so a run allocates almost nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctls.h"
#include "hclient.h"
#include "json.h"
#include "log.h"

static char hclient_resp_buf[HCLIENT_RESP_MAX + 1];

int
hclient_body(struct buf *b, const char *path, const char *taskid,
    char *err, size_t errlen)
{
	if (buf_puts(b, "{\"path\": ") == -1)
		goto nomem;
	if (json_append_string(b, path, strlen(path)) == -1) {
		util_errf(err, errlen, "path is not valid UTF-8, cannot be "
		    "sent as JSON");
		return -1;
	}
	if (buf_puts(b, ", \"globus_taskid\": ") == -1)
		goto nomem;
	if (json_append_string(b, taskid, strlen(taskid)) == -1) {
		util_errf(err, errlen, "task id is not valid UTF-8, cannot "
		    "be sent as JSON");
		return -1;
	}
	if (buf_puts(b, "}") == -1)
		goto nomem;
	return 0;

nomem:
	util_errf(err, errlen, "out of memory");
	return -1;
}

int
hclient_request(struct buf *b, const struct url *u, const char *route,
    const char *auth_key, const char *body, size_t len, char *err,
    size_t errlen)
{
	const char *p;
	int dflt;

	for (p = auth_key; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			util_errf(err, errlen, "the auth key holds a control "
			    "character");
			return -1;
		}

	dflt = strcmp(u->port, u->tls ? "443" : "80") == 0;
	if (buf_printf(b, "POST %s%s HTTP/1.1\r\nHost: %s%s%s%s%s\r\n",
	    u->prefix, route, u->ipv6 ? "[" : "", u->host, u->ipv6 ? "]" : "",
	    dflt ? "" : ":", dflt ? "" : u->port) == -1 ||
	    buf_puts(b, "X-API-KEY: ") == -1 || buf_puts(b, auth_key) == -1 ||
	    buf_printf(b, "\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n"
	    "User-Agent: ltfsee-globus-stage/" LTFSEE_GLOBUS_VERSION
	    "\r\n\r\n", len) == -1 || buf_append(b, body, len) == -1) {
		util_errf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Finds header NAME in the header block H[0..LEN) (lines after the status
 * line, each ending in CRLF).  Returns its value with *VLEN, or NULL.
 * A header given twice answers -1 in *VLEN... callers treat it as bad.
 */
static const char *
hclient_header(const char *h, size_t len, const char *name, size_t *vlen,
    int *count)
{
	const char *end = h + len, *eol, *v = NULL, *val;
	size_t nlen = strlen(name);

	*count = 0;
	for (; h < end; h = eol + 2) {
		eol = memmem(h, (size_t)(end - h), "\r\n", 2);
		if (eol == NULL)
			eol = end;
		if ((size_t)(eol - h) <= nlen || h[nlen] != ':' ||
		    strncasecmp(h, name, nlen) != 0)
			continue;
		val = h + nlen + 1;
		while (val < eol && (*val == ' ' || *val == '\t'))
			val++;
		*vlen = (size_t)(eol - val);
		while (*vlen > 0 && (val[*vlen - 1] == ' ' ||
		    val[*vlen - 1] == '\t'))
			(*vlen)--;
		v = val;
		(*count)++;
	}
	return v;
}

int
hclient_parse(const char *data, size_t len, int eof, struct hclient_resp *r,
    char *err, size_t errlen)
{
	const char *hend, *eol, *v;
	char num[24];
	size_t vlen, hlen, clen = 0;
	uint64_t u;
	int count, have_clen = 0;

	if ((hend = memmem(data, len, "\r\n\r\n", 4)) == NULL) {
		if (eof)
			goto truncated;
		return 0;
	}
	eol = memmem(data, len, "\r\n", 2);
	if ((size_t)(eol - data) < 12 || strncmp(data, "HTTP/1.", 7) != 0 ||
	    (data[7] != '0' && data[7] != '1') || data[8] != ' ' ||
	    data[9] < '1' || data[9] > '5' || data[10] < '0' ||
	    data[10] > '9' || data[11] < '0' || data[11] > '9' ||
	    ((size_t)(eol - data) > 12 && data[12] != ' ')) {
		util_errf(err, errlen, "malformed HTTP status line");
		return -1;
	}
	r->status = (data[9] - '0') * 100 + (data[10] - '0') * 10 +
	    (data[11] - '0');

	/* An interim answer (100, 102, 103) precedes the final one. */
	if (r->status >= 100 && r->status < 200 && r->status != 101) {
		hlen = (size_t)(hend + 4 - data);
		return hclient_parse(hend + 4, len - hlen, eof, r, err,
		    errlen);
	}

	hlen = (size_t)(hend - eol);
	v = hclient_header(eol + 2, hlen, "Transfer-Encoding", &vlen, &count);
	if (v != NULL) {
		/* XXX: chunked responses are not decoded; our daemon and
		 * the Python one both send Content-Length. */
		util_errf(err, errlen, "unsupported Transfer-Encoding in "
		    "the response");
		return -1;
	}
	v = hclient_header(eol + 2, hlen, "Content-Length", &vlen, &count);
	if (v != NULL) {
		if (count > 1 || vlen >= sizeof(num)) {
			util_errf(err, errlen, "bad Content-Length in the "
			    "response");
			return -1;
		}
		memcpy(num, v, vlen);
		num[vlen] = '\0';
		if (util_parse_u64(num, 0, HCLIENT_RESP_MAX, &u) == -1) {
			util_errf(err, errlen, "bad or too large "
			    "Content-Length in the response");
			return -1;
		}
		clen = (size_t)u;
		have_clen = 1;
	}

	r->body = hend + 4;
	r->body_len = len - (size_t)(r->body - data);
	if (have_clen) {
		if (r->body_len >= clen) {
			r->body_len = clen;
			return 1;
		}
		if (eof)
			goto truncated;
		return 0;
	}
	return eof ? 1 : 0;

truncated:
	util_errf(err, errlen, "connection closed before the whole "
	    "response");
	return -1;
}

/*
 * Connects to U, trying each address in turn until DEADLINE.  Returns a
 * connected non-blocking socket, or -1 with ERR set.
 */
static int
hclient_connect(const struct url *u, int64_t deadline, char *err,
    size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	socklen_t slen;
	int fd = -1, r, soerr, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	/* XXX: name resolution is not bounded by TIMEOUT (getaddrinfo). */
	if ((r = getaddrinfo(u->host, u->port, &hints, &res)) != 0) {
		util_errf(err, errlen, "%s: %s", u->host, gai_strerror(r));
		return -1;
	}

	util_errf(err, errlen, "%s: no address", u->host);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1) {
			util_errf(err, errlen, "socket: %s",
			    strerror(errno));
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS && util_wait_fd(fd, POLLOUT,
		    deadline, err, errlen) == 0) {
			slen = sizeof(soerr);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr,
			    &slen) == 0 && soerr == 0)
				break;
			errno = soerr;
		}
		if (errno != 0 && errno != EINPROGRESS)
			util_errf(err, errlen, "connect: %s",
			    strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd != -1)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	return fd;
}

/* Writes all of BUF to the plain socket FD before DEADLINE.  0 or -1. */
static int
hclient_write(int fd, const char *buf, size_t len, int64_t deadline,
    char *err, size_t errlen)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			util_errf(err, errlen, "send: %s", strerror(errno));
			return -1;
		}
		if (util_wait_fd(fd, POLLOUT, deadline, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* Reads from the plain socket FD before DEADLINE: count, 0 at EOF, -1. */
static ssize_t
hclient_read(int fd, char *buf, size_t len, int64_t deadline, char *err,
    size_t errlen)
{
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, len, 0);
		if (n >= 0)
			return n;
		if (errno != EAGAIN && errno != EINTR) {
			util_errf(err, errlen, "recv: %s", strerror(errno));
			return -1;
		}
		if (util_wait_fd(fd, POLLIN, deadline, err, errlen) == -1)
			return -1;
	}
}

int
hclient_post(const struct url *u, const struct hclient_opts *o,
    const char *route, const char *body, size_t len,
    struct hclient_resp *r, char *err, size_t errlen)
{
	int64_t deadline = util_now_ms() + o->timeout_ms;
	struct ctls *tls = NULL;
	struct buf req;
	size_t got = 0;
	ssize_t n;
	int fd, ret = HCLIENT_ECONNECT, done;

	buf_init(&req);
	if (hclient_request(&req, u, route, o->auth_key, body, len, err,
	    errlen) == -1) {
		ret = HCLIENT_EFAIL;
		goto out;
	}
	if ((fd = hclient_connect(u, deadline, err, errlen)) == -1)
		goto out;
	log_debug("connected to %s port %s", u->host, u->port);
	if (u->tls) {
		tls = ctls_open(fd, u->host, o->ca_file, o->tls_verify,
		    deadline, err, errlen);
		if (tls == NULL)
			goto closefd;
		log_debug("TLS handshake done");
	}

	/* From here the daemon may have seen the request: no failover. */
	ret = HCLIENT_EFAIL;
	if ((tls != NULL ? ctls_write(tls, req.data, req.len, deadline, err,
	    errlen) : hclient_write(fd, req.data, req.len, deadline, err,
	    errlen)) == -1)
		goto closefd;

	for (;;) {
		if (got == HCLIENT_RESP_MAX) {
			util_errf(err, errlen, "response larger than %d "
			    "bytes", HCLIENT_RESP_MAX);
			goto closefd;
		}
		n = tls != NULL ? ctls_read(tls, hclient_resp_buf + got,
		    HCLIENT_RESP_MAX - got, deadline, err, errlen) :
		    hclient_read(fd, hclient_resp_buf + got,
		    HCLIENT_RESP_MAX - got, deadline, err, errlen);
		if (n < 0)
			goto closefd;
		got += (size_t)n;
		hclient_resp_buf[got] = '\0';
		done = hclient_parse(hclient_resp_buf, got, n == 0, r, err,
		    errlen);
		if (done == -1)
			goto closefd;
		if (done == 1)
			break;
	}
	/* The body is NUL-terminated for the JSON decoder's messages. */
	hclient_resp_buf[(size_t)(r->body - hclient_resp_buf) +
	    r->body_len] = '\0';
	ret = 0;

closefd:
	ctls_close(tls);
	close(fd);
out:
	buf_free(&req);
	return ret;
}
