/*
 * server: the listener, the worker threads and the connections.
 *
 * Threads.  A fixed pool of workers shares one epoll instance (the
 * "leader/followers" shape): each worker waits in epoll_wait() for a
 * few events, serves them in turn, and waits again.  Every descriptor is
 * registered with EPOLLONESHOT, so an event hands its connection to
 * exactly one worker, and nobody else touches the connection until that
 * worker re-arms it ("parks" it) or closes it.  An idle keep-alive
 * connection is parked in epoll and holds no worker; 1,000 open
 * connections need no more threads than 8.  A request that waits for
 * eeadm holds no worker either: the worker leaves the connection out of
 * epoll, and the state lookup's wake callback pushes it on the resume
 * list and posts an eventfd, which hands it to the next free worker.
 *
 * Deadlines.  Each parked connection carries one absolute deadline: the
 * header deadline (set when the first byte of a request arrives, never
 * pushed back by later bytes), the body deadline, the idle keep-alive
 * deadline, or the TLS handshake deadline.  A reaper thread wakes four
 * times a second and shuts down (shutdown(2), not close) every parked
 * connection past its deadline; the resulting event makes a worker close
 * it.  Workers check the deadline again whenever they park.
 *
 * Locks.  conn_lock guards the list of all connections (add, remove,
 * reaper walk); a connection is removed from the list before its
 * descriptor is closed, so the reaper never shuts down a reused
 * descriptor.  resume_lock guards the resume list.  The configuration
 * pointer is swapped atomically on reload.
 *
 * Ordering.  Requests on one connection are answered in order: a
 * connection is served by one worker at a time, and pipelined requests
 * are taken from its buffer one after the other.
 */
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "config.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "tls.h"
#include "util.h"

#define SERVER_READ_CHUNK	16384
#define SERVER_LINGER_MS	2000
#define SERVER_REAP_MS		250
#define SERVER_EVENTS		4

enum conn_phase {
	CONN_HEAD,		/* waiting for (more of) a request head */
	CONN_BODY,		/* head parsed, waiting for the body */
	CONN_LINGER		/* answered an error, draining before close */
};

struct conn {
	int		 fd;
	struct tls_conn	*tls;
	enum conn_phase	 phase;
	int64_t		 deadline_ms;	/* read by the reaper: atomic */
	int		 parked;	/* read by the reaper: atomic */
	int		 sent_continue;
	int		 served;	/* requests answered so far */
	int		 eof;
	int		 drained;	/* the last plain read was short */
	int		 handshaken;	/* the TLS handshake deadline is over */
	size_t		 scanned;	/* head bytes the parser has seen */
	size_t		 line_start;	/* where the head's last line starts */
	char		*in;
	size_t		 in_len;
	size_t		 in_cap;
	struct http_request req;
	const char	*parsed_in;	/* the buffer req points into */
	size_t		 need;		/* head + body, once the head is in */
	int64_t		 started_ms;	/* when the request's head began */
	struct api_ctx	 api;
	struct api_reply reply;
	struct buf	 out;
	size_t		 out_off;	/* bytes of out already sent */
	int		 writing;	/* out waits for the socket */
	int		 close_after;	/* close once out is sent */
	char		 peer[64];
	int		 loopback;	/* the peer is 127/8 or ::1 */
	struct conn	*prev;
	struct conn	*next;
	struct conn	*resume_next;
};

/* The epoll data of the non-connection descriptors. */
static char tag_listener, tag_resume, tag_stop;

static const struct config *server_cfg;
static struct tls_server *server_tls;
static int server_epfd = -1;
static int server_lfd = -1;
static int server_resume_fd = -1;
static int server_stop_fd = -1;
static int server_bound_port;
static int server_stopping;

static pthread_t *server_workers;
static size_t server_nworkers;
static pthread_t server_reaper;
static int server_reaper_started;

static pthread_mutex_t conn_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t conn_cond = PTHREAD_COND_INITIALIZER;
static struct conn *conn_list;

static pthread_mutex_t resume_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn *resume_head, *resume_tail;

static struct server_stats server_counters;

static void	conn_serve(struct conn *);
static void	conn_close(struct conn *);

static const struct config_server *
cfg_server(void)
{
	const struct config *c = __atomic_load_n(&server_cfg, __ATOMIC_ACQUIRE);

	return &c->server;
}

static void
stat_add(uint64_t *counter, int64_t delta)
{
	__atomic_add_fetch(counter, (uint64_t)delta, __ATOMIC_RELAXED);
}

/*
 * Splits BIND ("host:port", "[v6]:port", ":port") and resolves it.
 * Returns 0 with *res (freeaddrinfo it), or -1 with the reason logged.
 */
static int
server_resolve(const char *bind_str, struct addrinfo **res)
{
	struct addrinfo hints;
	char host[256], *colon;
	const char *port;
	int r;

	if (snprintf(host, sizeof(host), "%s", bind_str) >= (int)sizeof(host))
		goto bad;
	if (host[0] == '[') {
		if ((colon = strstr(host, "]:")) == NULL)
			goto bad;
		*colon = '\0';
		port = colon + 2;
		memmove(host, host + 1, strlen(host));
	} else {
		if ((colon = strrchr(host, ':')) == NULL)
			goto bad;
		*colon = '\0';
		port = colon + 1;
	}
	if (*port == '\0')
		goto bad;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	r = getaddrinfo(host[0] ? host : NULL, port, &hints, res);
	if (r != 0) {
		log_warnx("bind %s: %s", bind_str, gai_strerror(r));
		return -1;
	}
	return 0;
bad:
	log_warnx("bind %s: expected HOST:PORT or [V6ADDR]:PORT", bind_str);
	return -1;
}

/* Opens the non-blocking listening socket.  Returns it, or -1 (logged). */
static int
server_listen(const char *bind_str)
{
	struct addrinfo *res = NULL, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = -1, on = 1;

	if (server_resolve(bind_str, &res) == -1)
		return -1;

	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 1024) == 0)
			break;
		log_warn("bind %s", bind_str);
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		return -1;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		server_bound_port = ntohs(ss.ss_family == AF_INET6 ?
		    ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* (Re-)arms FD for one event of EVENTS with DATA.  Returns 0 or -1. */
static int
server_arm_for(int fd, void *data, int op, uint32_t events)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events | EPOLLONESHOT;
	ev.data.ptr = data;
	return epoll_ctl(server_epfd, op, fd, &ev);
}

/* (Re-)arms FD for one read event with DATA.  Returns 0 or -1. */
static int
server_arm(int fd, void *data, int op)
{
	return server_arm_for(fd, data, op, EPOLLIN | EPOLLRDHUP);
}

static void
conn_peer_name(struct conn *c, const struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
		c->loopback = (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		port = ntohs(sin6->sin6_port);
		c->loopback = IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr) ||
		    (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) &&
		    sin6->sin6_addr.s6_addr[12] == 127);
	}
	snprintf(c->peer, sizeof(c->peer), "%s:%d", host, port);
}

/* Refuses a connection over max_connections with a 503, best effort. */
static void
server_refuse(int fd)
{
	static const char msg[] = "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Type: application/json\r\nContent-Length: 47\r\n"
	    "Connection: close\r\n\r\n"
	    "{\"message\": \"too many connections, try again\"}";

	(void)!send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
	stat_add(&server_counters.connections_refused, 1);
}

/* Accepts every pending connection; runs in the worker that got the event. */
static void
server_accept(void)
{
	const struct config_server *cs = cfg_server();
	struct sockaddr_storage ss;
	socklen_t sl;
	struct conn *c;
	int fd, one = 1;

	for (;;) {
		sl = sizeof(ss);
		fd = accept4(server_lfd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    !__atomic_load_n(&server_stopping,
			    __ATOMIC_RELAXED))
				log_warn("accept");
			return;
		}
		if (__atomic_load_n(&server_counters.connections_open,
		    __ATOMIC_RELAXED) >= cs->max_connections) {
			server_refuse(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

		if ((c = calloc(1, sizeof(*c))) == NULL) {
			log_warn("accept");
			close(fd);
			continue;
		}
		c->fd = fd;
		c->phase = CONN_HEAD;
		buf_init(&c->out);
		buf_init(&c->reply.body);
		conn_peer_name(c, &ss);
		if (server_tls != NULL &&
		    (c->tls = tls_conn_new(server_tls, fd)) == NULL) {
			log_warn("tls connection");
			close(fd);
			free(c);
			continue;
		}
		c->deadline_ms = util_now_ms() + (c->tls != NULL ?
		    cs->handshake_timeout_ms : cs->header_timeout_ms);

		pthread_mutex_lock(&conn_lock);
		c->next = conn_list;
		if (conn_list != NULL)
			conn_list->prev = c;
		conn_list = c;
		pthread_mutex_unlock(&conn_lock);
		stat_add(&server_counters.connections_open, 1);
		stat_add(&server_counters.connections_total, 1);

		__atomic_store_n(&c->parked, 1, __ATOMIC_RELEASE);
		if (server_arm(fd, c, EPOLL_CTL_ADD) == -1) {
			log_warn("epoll_ctl");
			conn_close(c);
		}
	}
}

/*
 * Closes C and frees it.  The caller owns C (it is not parked).  With
 * TLS, a close_notify is sent first, bounded by the write timeout.
 */
static void
conn_close(struct conn *c)
{
	pthread_mutex_lock(&conn_lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		conn_list = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&conn_lock);

	if (c->tls != NULL)
		tls_conn_close(c->tls, util_now_ms() + 1000);
	epoll_ctl(server_epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);

	api_ctx_reset(&c->api);
	buf_free(&c->reply.body);
	buf_free(&c->out);
	free(c->in);
	free(c);

	pthread_mutex_lock(&conn_lock);
	stat_add(&server_counters.connections_open, -1);
	pthread_cond_broadcast(&conn_cond);
	pthread_mutex_unlock(&conn_lock);
}

/* Sets C's deadline, which the reaper reads while C is parked. */
static void
conn_set_deadline(struct conn *c, int64_t ms)
{
	__atomic_store_n(&c->deadline_ms, ms, __ATOMIC_RELAXED);
}

/*
 * Hands C back to epoll until it is readable or its deadline passes.
 * After this call the worker must not touch C again.
 */
static void
conn_park(struct conn *c, int64_t deadline_ms)
{
	int fd;

	if (util_now_ms() >= deadline_ms ||
	    __atomic_load_n(&server_stopping, __ATOMIC_RELAXED)) {
		log_debug("%s: deadline passed, closing", c->peer);
		conn_close(c);
		return;
	}
	/* Nothing of C is read after the release: another worker may own
	 * it as soon as epoll has it (fd is a copy). */
	fd = c->fd;
	__atomic_store_n(&c->deadline_ms, deadline_ms, __ATOMIC_RELAXED);
	__atomic_store_n(&c->parked, 1, __ATOMIC_RELEASE);
	if (server_arm(fd, c, EPOLL_CTL_MOD) == -1) {
		/* The reaper cannot see it yet: we still own C. */
		__atomic_store_n(&c->parked, 0, __ATOMIC_RELAXED);
		log_warn("epoll_ctl");
		conn_close(c);
	}
}

/*
 * Hands C back to epoll until its socket takes more of c->out, for at
 * most the write timeout.  After this call the worker must not touch C.
 */
static void
conn_park_out(struct conn *c)
{
	int fd = c->fd;

	conn_set_deadline(c, util_now_ms() + cfg_server()->write_timeout_ms);
	__atomic_store_n(&c->parked, 1, __ATOMIC_RELEASE);
	if (server_arm_for(fd, c, EPOLL_CTL_MOD, EPOLLOUT) == -1) {
		__atomic_store_n(&c->parked, 0, __ATOMIC_RELAXED);
		log_warn("epoll_ctl");
		conn_close(c);
	}
}

/*
 * Sends what is left of c->out on a plain socket without waiting.
 * Returns 0 when all is sent, 1 when the socket is full (the rest stays
 * in c->out from c->out_off), -1 on error.
 */
static int
conn_flush(struct conn *c)
{
	ssize_t n;

	while (c->out_off < c->out.len) {
		n = send(c->fd, c->out.data + c->out_off,
		    c->out.len - c->out_off, MSG_NOSIGNAL);
		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 1;
		return -1;
	}
	return 0;
}

/*
 * Reads what the socket (or TLS engine) has into C's buffer, at most up
 * to LIMIT bytes buffered.  Returns the bytes read (> 0), 0 when nothing
 * more is there now, or -1 at end of stream or on error.  Sets
 * c->drained when a plain read got less than it asked for.
 */
static ssize_t
conn_fill(struct conn *c, size_t limit)
{
	size_t want;
	ssize_t n;
	char *p;

	if (c->in_len >= limit)
		return 0;
	if (c->in_cap - c->in_len < SERVER_READ_CHUNK &&
	    c->in_cap < limit) {
		want = c->in_len + SERVER_READ_CHUNK;
		if (want > limit)
			want = limit;
		if ((p = realloc(c->in, want)) == NULL)
			return -1;
		c->in = p;
		c->in_cap = want;
	}
	want = c->in_cap - c->in_len;

	for (;;) {
		if (c->tls != NULL) {
			n = tls_conn_read(c->tls, c->in + c->in_len, want);
			if (n == TLS_AGAIN)
				return 0;
		} else {
			n = recv(c->fd, c->in + c->in_len, want, 0);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1 && (errno == EAGAIN ||
			    errno == EWOULDBLOCK))
				return 0;
		}
		break;
	}
	if (n <= 0) {
		c->eof = 1;
		return -1;
	}
	c->in_len += (size_t)n;
	c->drained = c->tls == NULL && (size_t)n < want;
	return n;
}

/* Sends all of BUF within the write timeout.  Returns 0 or -1. */
static int
conn_write(struct conn *c, const char *buf, size_t len)
{
	int64_t deadline = util_now_ms() + cfg_server()->write_timeout_ms;
	struct pollfd pfd;
	ssize_t n;
	int wait;

	if (c->tls != NULL)
		return tls_conn_write(c->tls, buf, len, deadline);

	while (len > 0) {
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;

		wait = (int)(deadline - util_now_ms());
		if (wait <= 0)
			return -1;
		pfd.fd = c->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, wait) == -1 && errno != EINTR)
			return -1;
	}
	return 0;
}

static void
conn_log(struct conn *c, int status)
{
	if (!log_enabled(LOG_LEVEL_INFO))
		return;
	log_info("%s \"%.*s %.*s\" %d %lldms", c->peer,
	    (int)c->req.method_len, c->req.method_str,
	    (int)(c->req.target_len > 200 ? 200 : c->req.target_len),
	    c->req.target, status,
	    (long long)(util_now_ms() - c->started_ms));
}

/*
 * Answers a request that cannot be read further (bad syntax, over a
 * limit) with STATUS and a JSON message, then lingers: the connection
 * stops writing and drains what the client still sends, so the client
 * reads the answer instead of a reset.
 */
static void
conn_fail(struct conn *c, int status, const char *why)
{
	struct buf body;

	log_debug("%s: %d %s", c->peer, status, why);
	metrics_request(METRICS_ROUTE_NONE, status,
	    util_now_ms() - c->started_ms);
	buf_init(&body);
	buf_reset(&c->out);
	if (json_append_message(&body, why) == -1 ||
	    http_write_response(&c->out, status, "application/json", NULL,
	    body.data, body.len, 0, 0) == -1 ||
	    conn_write(c, c->out.data, c->out.len) == -1) {
		buf_free(&body);
		conn_close(c);
		return;
	}
	buf_free(&body);

	/*
	 * TLS ends with close_notify; what the client still sends is then
	 * drained as raw bytes, like plain HTTP.
	 */
	if (c->tls != NULL) {
		tls_conn_close(c->tls, util_now_ms() + 1000);
		c->tls = NULL;
	}
	shutdown(c->fd, SHUT_WR);
	c->phase = CONN_LINGER;
	c->in_len = 0;
	conn_park(c, util_now_ms() + SERVER_LINGER_MS);
}

/* Writes the API's reply to the current request.  Returns 0 or -1. */
static int
conn_respond(struct conn *c)
{
	char allow[64] = "";
	int keep = c->req.keep_alive &&
	    !__atomic_load_n(&server_stopping, __ATOMIC_RELAXED);

	if (c->reply.allow != NULL)
		snprintf(allow, sizeof(allow), "Allow: %s\r\n", c->reply.allow);

	buf_reset(&c->out);
	if (http_write_response(&c->out, c->reply.status,
	    c->reply.content_type != NULL ? c->reply.content_type :
	    "application/json", allow, c->reply.body.data, c->reply.body.len,
	    keep, c->req.method == HTTP_HEAD) == -1)
		return -1;
	conn_log(c, c->reply.status);
	metrics_request(c->reply.route, c->reply.status,
	    util_now_ms() - c->started_ms);
	stat_add(&server_counters.requests_total, 1);

	/*
	 * Plain HTTP never waits for a client that does not read: what the
	 * socket does not take now is sent when epoll says it can be, and
	 * the connection reads no further request meanwhile.
	 */
	if (c->tls == NULL) {
		c->out_off = 0;
		switch (conn_flush(c)) {
		case -1:
			return -1;
		case 1:
			__atomic_store_n(&c->writing, 1, __ATOMIC_RELAXED);
			c->close_after = !keep;
			return 0;
		}
	} else {
		/*
		 * XXX: over TLS a client that reads nothing holds the worker
		 * up to write_timeout; only plain HTTP writes wait in epoll.
		 */
		if (conn_write(c, c->out.data, c->out.len) == -1)
			return -1;
	}
	if (!keep)
		return -1;
	return 0;
}

/* Called by the state lookup thread when a parked request can go on. */
static void
conn_wake(void *arg)
{
	struct conn *c = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&resume_lock);
	c->resume_next = NULL;
	if (resume_tail != NULL)
		resume_tail->resume_next = c;
	else
		resume_head = c;
	resume_tail = c;
	pthread_mutex_unlock(&resume_lock);

	if (write(server_resume_fd, &one, sizeof(one)) == -1)
		log_warn("resume eventfd");
}

/*
 * Runs the API over the complete request at the start of C's buffer and
 * answers it.  Returns 1 when the connection waits for eeadm (the worker
 * must then let go of it), 0 when the request is done and the connection
 * may go on, -1 when it was closed.
 */
static int
conn_dispatch(struct conn *c)
{
	const char *body = c->in + c->req.head_len;
	size_t body_len = c->need - c->req.head_len;

	c->api.peer_loopback = c->loopback;
	if (api_handle(&c->req, body, body_len, &c->api, &c->reply,
	    conn_wake, c) == 1)
		return 1;

	if (conn_respond(c) == -1) {
		conn_close(c);
		return -1;
	}
	api_ctx_reset(&c->api);
	buf_reset(&c->reply.body);
	c->reply.allow = NULL;
	c->served++;

	/* Keep what a pipelining client sent after this request. */
	memmove(c->in, c->in + c->need, c->in_len - c->need);
	c->in_len -= c->need;
	c->need = 0;
	c->scanned = 0;
	c->line_start = 0;
	c->sent_continue = 0;
	c->phase = CONN_HEAD;
	return 0;
}

/* Sends "100 Continue" once when the client waits for it. */
static int
conn_continue(struct conn *c)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

	if (!c->req.expect_continue || c->sent_continue ||
	    c->in_len >= c->need)
		return 0;
	c->sent_continue = 1;
	return conn_write(c, cont, sizeof(cont) - 1);
}

/*
 * 1 when the head parser has something new to say: a line ended since
 * the last look, or a line or the head passed its limit.  Bytes in the
 * middle of a line change nothing, so a head trickled in tiny pieces
 * costs one parse per line, not one per piece.
 */
static int
conn_head_worth_parsing(struct conn *c, const struct http_limits *lim)
{
	size_t small = lim->max_request_line < lim->max_header_line ?
	    lim->max_request_line : lim->max_header_line;
	const char *lf;

	if (c->in_len <= c->scanned)
		return 0;
	lf = memrchr(c->in + c->scanned, '\n', c->in_len - c->scanned);
	c->scanned = c->in_len;
	if (lf != NULL) {
		c->line_start = (size_t)(lf - c->in) + 1;
		return 1;
	}
	return c->in_len - c->line_start > small ||
	    c->in_len > lim->max_header_size;
}

/*
 * Moves C forward with what its buffer holds: parses heads, answers
 * complete requests in order.  Returns 1 when C was handed off (parked,
 * suspended or closed), 0 when more bytes are needed now.
 */
static int
conn_advance(struct conn *c)
{
	const struct config_server *cs = cfg_server();
	struct http_limits lim;
	const char *why = "bad request";
	int r;

	lim.max_request_line = cs->max_request_line;
	lim.max_header_line = cs->max_header_line;
	lim.max_header_size = cs->max_header_size;
	lim.max_body = cs->max_body;

	for (;;) {
		if (c->phase == CONN_HEAD) {
			if (!conn_head_worth_parsing(c, &lim))
				return 0;
			r = http_parse_head(c->in, c->in_len, &lim, &c->req,
			    &why);
			if (r == 0)
				return 0;
			if (r >= 400) {
				c->req.method_len = 0;
				conn_fail(c, r, why);
				return 1;
			}
			c->need = c->req.head_len + c->req.content_length;
			c->phase = CONN_BODY;
			c->parsed_in = c->in;
			conn_set_deadline(c,
			    util_now_ms() + cs->body_timeout_ms);
		}

		if (c->in_len < c->need) {
			if (conn_continue(c) == -1) {
				conn_close(c);
				return 1;
			}
			return 0;
		}

		/*
		 * c->req points into c->in, which conn_fill() may have moved
		 * (realloc) while the body came: then parse the head again
		 * (same bytes, same answer) so that it points into the buffer.
		 */
		if (c->in != c->parsed_in && http_parse_head(c->in, c->in_len,
		    &lim, &c->req, &why) != 1) {
			conn_close(c);
			return 1;
		}
		r = conn_dispatch(c);
		if (r != 0)
			return 1;
		if (c->writing) {
			conn_park_out(c);
			return 1;
		}
		if (c->in_len > 0) {
			c->started_ms = util_now_ms();
			conn_set_deadline(c,
			    c->started_ms + cs->header_timeout_ms);
		}
	}
}

/*
 * Serves a connection that epoll reported readable (or that the reaper
 * shut down).  The worker owns C for the whole call.
 */
static void
conn_serve(struct conn *c)
{
	const struct config_server *cs = cfg_server();
	size_t limit = cs->max_header_size + cs->max_body + 1;
	int was_empty;
	ssize_t n;

	/*
	 * Acquire what the worker that parked C released: epoll hands C
	 * over in the kernel, where the thread sanitizer cannot see it.
	 */
	(void)__atomic_exchange_n(&c->parked, 0, __ATOMIC_ACQ_REL);

	/* The rest of a response first; then the requests behind it. */
	if (c->writing) {
		switch (conn_flush(c)) {
		case -1:
			conn_close(c);
			return;
		case 1:
			conn_park_out(c);
			return;
		}
		__atomic_store_n(&c->writing, 0, __ATOMIC_RELAXED);
		if (c->close_after) {
			conn_close(c);
			return;
		}
		if (c->in_len > 0) {
			c->started_ms = util_now_ms();
			conn_set_deadline(c,
			    c->started_ms + cs->header_timeout_ms);
		} else
			conn_set_deadline(c,
			    util_now_ms() + cs->keepalive_timeout_ms);
		c->scanned = 0;
		if (conn_advance(c) == 1)
			return;
	}

	if (c->phase == CONN_LINGER) {
		char sink[4096];

		while ((n = recv(c->fd, sink, sizeof(sink), 0)) > 0)
			;
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			conn_close(c);
		else
			conn_park(c, c->deadline_ms);
		return;
	}

	for (;;) {
		was_empty = c->in_len == 0 && c->phase == CONN_HEAD;
		n = conn_fill(c, limit);
		if (n > 0 && was_empty) {
			c->started_ms = util_now_ms();
			conn_set_deadline(c,
			    c->started_ms + cs->header_timeout_ms);
		}
		if (conn_advance(c) == 1)
			return;

		/*
		 * A short plain read drained the socket: park now rather than
		 * pay a read that would say EAGAIN; re-arming reports any
		 * byte that came since.
		 */
		if (n > 0 && c->drained)
			break;
		if (n == -1) {
			/* End of stream with no complete request: done. */
			if (c->in_len > 0 && c->phase != CONN_HEAD)
				log_debug("%s: closed in the middle of a body",
				    c->peer);
			conn_close(c);
			return;
		}
		if (n == 0)
			break;
	}

	/*
	 * Idle between requests: the keep-alive timeout.  Before the first
	 * request the accept-time deadline stands, except that a finished
	 * handshake trades the handshake deadline for the header deadline,
	 * once (so stray records cannot keep pushing it back).
	 */
	if (c->in_len == 0 && c->phase == CONN_HEAD && c->served > 0)
		conn_set_deadline(c, util_now_ms() + cs->keepalive_timeout_ms);
	else if (c->tls != NULL && !c->handshaken &&
	    tls_conn_established(c->tls)) {
		c->handshaken = 1;
		if (c->in_len == 0 && c->served == 0)
			conn_set_deadline(c, util_now_ms() +
			    cs->header_timeout_ms);
	}
	conn_park(c, c->deadline_ms);
}

/*
 * Serves a connection whose state lookup has ended: answers the request
 * it waited with, then goes on like conn_serve().
 */
static void
conn_resume(struct conn *c)
{
	const struct config_server *cs = cfg_server();

	switch (conn_dispatch(c)) {
	case 1:
		return;
	case -1:
		return;
	}
	if (c->writing) {
		conn_park_out(c);
		return;
	}
	if (c->in_len > 0) {
		c->started_ms = util_now_ms();
		conn_set_deadline(c, c->started_ms + cs->header_timeout_ms);
		if (conn_advance(c) == 1)
			return;
	}
	/* Bytes may have arrived while it waited: epoll reports them. */
	conn_park(c, c->in_len == 0 ? util_now_ms() +
	    cs->keepalive_timeout_ms : c->deadline_ms);
}

static struct conn *
resume_pop(void)
{
	struct conn *c;

	pthread_mutex_lock(&resume_lock);
	if ((c = resume_head) != NULL) {
		resume_head = c->resume_next;
		if (resume_head == NULL)
			resume_tail = NULL;
	}
	pthread_mutex_unlock(&resume_lock);
	return c;
}

/*
 * Serves one event.  Returns -1 when the worker must stop, else 0.
 */
static int
server_event(void *data)
{
	struct conn *c;
	uint64_t v;

	if (data == &tag_stop)
		return -1;
	if (data == &tag_listener) {
		server_accept();
		if (!__atomic_load_n(&server_stopping, __ATOMIC_RELAXED))
			server_arm(server_lfd, &tag_listener, EPOLL_CTL_MOD);
		return 0;
	}
	if (data == &tag_resume) {
		/* A semaphore eventfd: one read, one connection. */
		c = NULL;
		if (read(server_resume_fd, &v, sizeof(v)) == sizeof(v))
			c = resume_pop();
		server_arm(server_resume_fd, &tag_resume, EPOLL_CTL_MOD);
		if (c != NULL)
			conn_resume(c);
		return 0;
	}
	conn_serve(data);
	return 0;
}

/*
 * A worker takes a few events per wake-up: each is its own (one-shot),
 * and serving them in a row saves the thread switches that dominate
 * small keep-alive requests.  Few, so that one slow event delays little.
 */
static void *
server_worker(void *arg)
{
	struct epoll_event ev[SERVER_EVENTS];
	int i, n, stop = 0;

	while (!stop) {
		n = epoll_wait(server_epfd, ev, SERVER_EVENTS, -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("epoll_wait");
			break;
		}
		for (i = 0; i < n; i++)
			if (server_event(ev[i].data.ptr) == -1)
				stop = 1;
	}
	return NULL;
}

/*
 * Shuts down parked connections past their deadline (or every parked
 * connection once stopping), so that a worker closes them.
 */
static void *
server_reap(void *arg)
{
	struct timespec ts;
	struct conn *c;
	int64_t now;
	int stop;

	pthread_mutex_lock(&conn_lock);
	for (;;) {
		stop = __atomic_load_n(&server_stopping, __ATOMIC_RELAXED);
		now = util_now_ms();
		for (c = conn_list; c != NULL; c = c->next) {
			if (!__atomic_load_n(&c->parked, __ATOMIC_ACQUIRE))
				continue;
			/*
			 * Stopping ends idle connections at once, but lets a
			 * response being written run to its deadline.
			 */
			if ((stop && !__atomic_load_n(&c->writing,
			    __ATOMIC_RELAXED)) || now >= __atomic_load_n(
			    &c->deadline_ms, __ATOMIC_RELAXED))
				shutdown(c->fd, SHUT_RDWR);
		}
		if (stop == 2)
			break;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += SERVER_REAP_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&conn_cond, &conn_lock, &ts);
	}
	pthread_mutex_unlock(&conn_lock);
	return NULL;
}

int
server_start(const struct config *cfg, struct tls_server *tls)
{
	size_t i;
	int r;

	server_cfg = cfg;
	server_tls = tls;
	server_nworkers = cfg->server.threads;
	if (server_nworkers == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		server_nworkers = n < 2 ? 2 : (size_t)n;
	}

	if ((server_lfd = server_listen(cfg->server.bind)) == -1)
		return -1;
	server_epfd = epoll_create1(EPOLL_CLOEXEC);
	server_resume_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK |
	    EFD_SEMAPHORE);
	server_stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (server_epfd == -1 || server_resume_fd == -1 ||
	    server_stop_fd == -1) {
		log_warn("epoll/eventfd");
		return -1;
	}
	if (server_arm(server_lfd, &tag_listener, EPOLL_CTL_ADD) == -1 ||
	    server_arm(server_resume_fd, &tag_resume, EPOLL_CTL_ADD) == -1) {
		log_warn("epoll_ctl");
		return -1;
	}

	/* The stop event is level-triggered: it wakes every worker. */
	{
		struct epoll_event ev = { .events = EPOLLIN };

		ev.data.ptr = &tag_stop;
		if (epoll_ctl(server_epfd, EPOLL_CTL_ADD, server_stop_fd,
		    &ev) == -1) {
			log_warn("epoll_ctl");
			return -1;
		}
	}

	if ((server_workers = calloc(server_nworkers,
	    sizeof(*server_workers))) == NULL) {
		log_warn("workers");
		return -1;
	}
	for (i = 0; i < server_nworkers; i++) {
		r = pthread_create(&server_workers[i], NULL, server_worker,
		    NULL);
		if (r != 0) {
			log_warnc(r, "pthread_create");
			server_nworkers = i;
			return -1;
		}
	}
	if ((r = pthread_create(&server_reaper, NULL, server_reap, NULL))) {
		log_warnc(r, "pthread_create");
		return -1;
	}
	server_reaper_started = 1;
	log_status("listening on %s (port %d), %zu workers%s",
	    cfg->server.bind, server_bound_port, server_nworkers,
	    tls != NULL ? ", TLS" : "");
	return 0;
}

int
server_port(void)
{
	return server_bound_port;
}

void
server_set_config(const struct config *cfg)
{
	__atomic_store_n(&server_cfg, cfg, __ATOMIC_RELEASE);
}

void
server_stop(int64_t deadline_ms)
{
	struct timespec ts;
	uint64_t one = 1;
	size_t i;
	int64_t left;

	/*
	 * Stop accepting; the reaper shuts idle connections down.  A
	 * worker may be in accept() on the listener right now: shutdown()
	 * stops the listening (new connections are refused) but keeps the
	 * descriptor, which is closed only once the workers are gone.
	 */
	__atomic_store_n(&server_stopping, 1, __ATOMIC_RELAXED);
	if (server_lfd != -1) {
		epoll_ctl(server_epfd, EPOLL_CTL_DEL, server_lfd, NULL);
		shutdown(server_lfd, SHUT_RDWR);
	}

	pthread_mutex_lock(&conn_lock);
	pthread_cond_broadcast(&conn_cond);
	while (conn_list != NULL &&
	    (left = deadline_ms - util_now_ms()) > 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += left / 1000;
		ts.tv_nsec += (left % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&conn_cond, &conn_lock, &ts);
	}
	if (conn_list != NULL)
		log_warnx("stopping with connections still open");
	__atomic_store_n(&server_stopping, 2, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&conn_cond);
	pthread_mutex_unlock(&conn_lock);

	if (server_reaper_started)
		pthread_join(server_reaper, NULL);
	if (write(server_stop_fd, &one, sizeof(one)) == -1)
		log_warn("stop eventfd");
	for (i = 0; i < server_nworkers; i++)
		pthread_join(server_workers[i], NULL);
	free(server_workers);
	server_workers = NULL;
	if (server_lfd != -1) {
		close(server_lfd);
		server_lfd = -1;
	}
}

void
server_stats(struct server_stats *st)
{
	st->connections_open = __atomic_load_n(
	    &server_counters.connections_open, __ATOMIC_RELAXED);
	st->connections_total = __atomic_load_n(
	    &server_counters.connections_total, __ATOMIC_RELAXED);
	st->connections_refused = __atomic_load_n(
	    &server_counters.connections_refused, __ATOMIC_RELAXED);
	st->requests_total = __atomic_load_n(
	    &server_counters.requests_total, __ATOMIC_RELAXED);
}
