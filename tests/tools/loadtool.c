/*
 * loadtool: a small client for the integration and load tests, aimed at
 * a daemon on a loopback address only.
 *
 *   loadtool slow PORT N silent|trickle SECONDS
 *	Opens N connections that send nothing (silent) or one byte of a
 *	request head every second (trickle).  Then times one ordinary
 *	request on a fresh connection, and waits up to SECONDS for the
 *	server to close the N.  Prints:
 *	  opened=N served_ms=T closed=C last_close_ms=L
 *
 *   loadtool hold PORT N silent|trickle|record|hello SECONDS
 *	For servers this tool cannot talk to (TLS): opens N connections,
 *	prints "opened=N" at once, then per connection sends nothing
 *	(silent), one byte of a request head a second (trickle), the
 *	5-byte record header of a TLS ClientHello and nothing more
 *	(record), or a TLS ClientHello one byte a second (hello).  Waits
 *	up to SECONDS for the server to close the N; meanwhile the caller
 *	times its own request.  Prints:
 *	  closed=C last_close_ms=L
 *
 *   loadtool keepalive PORT N ROUNDS
 *	Opens N keep-alive connections and sends ROUNDS requests on each,
 *	one at a time per connection, all connections at once.  Prints:
 *	  conns=N ok=K errors=E
 *
 *   loadtool pipeline PORT N SECONDS
 *	Sends N requests on one connection without reading any answer, and
 *	holds it open SECONDS.  Prints "sent=N" once all are sent (or the
 *	socket stopped taking them).
 *
 *   loadtool freeport
 *	Prints a TCP port of 127.0.0.1 that was free a moment ago.
 *
 *   loadtool recall PORT KEY CLIENTS ROUNDS LISTFILE
 *	CLIENTS threads, each on its own keep-alive connection, ask
 *	globus_recall for every path of LISTFILE (one per line; the task
 *	id is the path's line number modulo 7), ROUNDS times over.  Prints
 *	one line a round:
 *	  round=R resident=N archived=N errors=N p50_ms=X p99_ms=Y max_ms=Z
 *
 * Every socket goes to 127.0.0.1; every wait is bounded.
 */
#include <sys/socket.h>
#include <sys/resource.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REQ	"GET /api/v0.5/ HTTP/1.1\r\nHost: t\r\n\r\n"

static int port;

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
dial(void)
{
	struct sockaddr_in sin;
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Reads one whole response (head and Content-Length body) from FD within
 * TIMEOUT_MS.  Returns its status code, or -1.
 */
static int
read_response(int fd, int timeout_ms)
{
	char buf[16384], *hend, *cl;
	long long deadline = now_ms() + timeout_ms;
	size_t len = 0, need = 0;
	struct pollfd pfd;
	ssize_t n;
	int status;

	for (;;) {
		if (len == sizeof(buf) - 1)
			return -1;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(deadline - now_ms())) <= 0)
			return -1;
		if ((n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0)) <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		if ((hend = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		if (need == 0) {
			cl = strstr(buf, "Content-Length: ");
			need = (size_t)(hend + 4 - buf) +
			    (cl ? strtoul(cl + 16, NULL, 10) : 0);
		}
		if (len >= need)
			break;
	}
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	return status;
}

static int
cmd_slow(int n, int trickle, int secs)
{
	static const char head[] = "GET /api/v0.5/ HTTP/1.1\r\nHost: t\r\nX: "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	int *fds = calloc((size_t)n, sizeof(int));
	long long *closed_at = calloc((size_t)n, sizeof(long long));
	long long start, served, last = 0, next_byte;
	int i, opened = 0, closed = 0, fd, status, sent = 0;
	char c;

	if (fds == NULL || closed_at == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		if ((fds[i] = dial()) != -1)
			opened++;
		fcntl(fds[i], F_SETFL, O_NONBLOCK);
	}
	start = now_ms();

	/* One ordinary client among the slow ones. */
	served = -1;
	if ((fd = dial()) != -1) {
		long long t0 = now_ms();

		if (send(fd, REQ, sizeof(REQ) - 1, 0) > 0 &&
		    (status = read_response(fd, 5000)) > 0)
			served = now_ms() - t0;
		close(fd);
	}

	next_byte = start;
	while (closed < opened && now_ms() - start < secs * 1000LL) {
		if (trickle && now_ms() >= next_byte) {
			for (i = 0; i < n; i++)
				if (fds[i] != -1 && closed_at[i] == 0)
					(void)!send(fds[i], head + sent % 60,
					    1, MSG_NOSIGNAL);
			sent++;
			next_byte += 1000;
		}
		for (i = 0; i < n; i++) {
			if (fds[i] == -1 || closed_at[i] != 0)
				continue;
			if (recv(fds[i], &c, 1, 0) == 0 ||
			    (errno != EAGAIN && errno != EWOULDBLOCK)) {
				closed_at[i] = now_ms();
				last = closed_at[i] - start;
				closed++;
			}
		}
		usleep(50000);
	}
	printf("opened=%d served_ms=%lld closed=%d last_close_ms=%lld\n",
	    opened, served, closed, last);
	free(fds);
	free(closed_at);
	return 0;
}

/*
 * Writes a TLS 1.2 ClientHello record (ECDHE suites, P-256) into OUT
 * (at least 128 bytes).  Returns its length.
 */
static size_t
client_hello(unsigned char *out)
{
	static const unsigned char body[] = {
		0x03, 0x03,				/* TLS 1.2 */
		[34] = 0,				/* no session id */
		0x00, 0x06, 0xc0, 0x2b, 0xc0, 0x2f, 0xcc, 0xa8,
		0x01, 0x00,				/* no compression */
		0x00, 0x18,				/* extensions */
		0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17,
		0x00, 0x0d, 0x00, 0x06, 0x00, 0x04, 0x04, 0x03, 0x04, 0x01,
		0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,
	};
	size_t n = sizeof(body), i;

	out[0] = 22;				/* handshake record */
	out[1] = 3;
	out[2] = 1;
	out[3] = (unsigned char)((n + 4) >> 8);
	out[4] = (unsigned char)(n + 4);
	out[5] = 1;				/* ClientHello */
	out[6] = 0;
	out[7] = (unsigned char)(n >> 8);
	out[8] = (unsigned char)n;
	memcpy(out + 9, body, n);
	for (i = 0; i < 32; i++)		/* the client random */
		out[11 + i] = (unsigned char)(rand() & 0xff);
	return 9 + n;
}

static int
cmd_hold(int n, const char *mode, int secs)
{
	static const char head[] = "GET /api/v0.5/ HTTP/1.1\r\nHost: t\r\n";
	unsigned char hello[128];
	size_t hello_len = client_hello(hello);
	int *fds = calloc((size_t)n, sizeof(int));
	long long *closed_at = calloc((size_t)n, sizeof(long long));
	long long start, last = 0, next_byte;
	int i, opened = 0, closed = 0, sent = 0, drip;
	ssize_t r;
	char c;

	if (fds == NULL || closed_at == NULL)
		return 1;
	drip = strcmp(mode, "trickle") == 0 || strcmp(mode, "hello") == 0;
	for (i = 0; i < n; i++) {
		if ((fds[i] = dial()) == -1)
			continue;
		opened++;
		fcntl(fds[i], F_SETFL, O_NONBLOCK);
		if (strcmp(mode, "record") == 0)
			(void)!send(fds[i], hello, 5, MSG_NOSIGNAL);
	}
	printf("opened=%d\n", opened);
	fflush(stdout);
	start = now_ms();

	next_byte = start;
	while (closed < opened && now_ms() - start < secs * 1000LL) {
		if (drip && now_ms() >= next_byte) {
			for (i = 0; i < n; i++)
				if (fds[i] != -1 && closed_at[i] == 0)
					(void)!send(fds[i], mode[0] == 'h' ?
					    (const char *)hello +
					    sent % hello_len :
					    head + sent % (sizeof(head) - 1),
					    1, MSG_NOSIGNAL);
			sent++;
			next_byte += 1000;
		}
		for (i = 0; i < n; i++) {
			if (fds[i] == -1 || closed_at[i] != 0)
				continue;
			while ((r = recv(fds[i], &c, 1, 0)) == 1)
				;	/* an alert before the close */
			if (r == 0 || (errno != EAGAIN &&
			    errno != EWOULDBLOCK)) {
				closed_at[i] = now_ms();
				last = closed_at[i] - start;
				closed++;
			}
		}
		usleep(50000);
	}
	printf("closed=%d last_close_ms=%lld\n", closed, last);
	fflush(stdout);
	for (i = 0; i < n; i++)
		if (fds[i] != -1)
			close(fds[i]);
	free(fds);
	free(closed_at);
	return 0;
}

static int
cmd_keepalive(int n, int rounds)
{
	int *fds = calloc((size_t)n, sizeof(int));
	int i, r, ok = 0, errors = 0;

	if (fds == NULL)
		return 1;
	for (i = 0; i < n; i++)
		if ((fds[i] = dial()) == -1)
			errors++;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < n; i++)
			if (fds[i] != -1 && send(fds[i], REQ, sizeof(REQ) - 1,
			    MSG_NOSIGNAL) != sizeof(REQ) - 1) {
				close(fds[i]);
				fds[i] = -1;
				errors++;
			}
		for (i = 0; i < n; i++) {
			if (fds[i] == -1)
				continue;
			if (read_response(fds[i], 10000) == 200)
				ok++;
			else {
				close(fds[i]);
				fds[i] = -1;
				errors++;
			}
		}
	}
	printf("conns=%d ok=%d errors=%d\n", n, ok, errors);
	for (i = 0; i < n; i++)
		if (fds[i] != -1)
			close(fds[i]);
	free(fds);
	return 0;
}

/* The shared work of "recall": paths, next index, answers. */
static struct {
	char		**paths;
	int		  npaths;
	int		  next;
	const char	 *key;
	double		 *lat_ms;
	int		  resident, archived, errors;
	pthread_mutex_t	  lock;
} rc;

/*
 * Sends one globus_recall on *FD (re-dialled when needed).  Returns 1
 * resident, 2 archived, -1 error.
 */
static int
recall_one(int *fd, const char *path, int task)
{
	char body[8192], req[9216], resp[4096];
	struct pollfd pfd;
	int blen, rlen, n, len = 0;
	long long deadline = now_ms() + 30000;

	blen = snprintf(body, sizeof(body),
	    "{\"path\": \"%s\", \"globus_taskid\": \"task-%d\"}", path, task);
	rlen = snprintf(req, sizeof(req), "POST /api/v0.5/globus_recall/"
	    "globus_recall HTTP/1.1\r\nHost: b\r\nX-API-KEY: %s\r\n"
	    "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
	    rc.key, blen, body);
	if (*fd == -1 && (*fd = dial()) == -1)
		return -1;
	if (send(*fd, req, (size_t)rlen, MSG_NOSIGNAL) != rlen)
		goto fail;
	for (;;) {
		char *h, *cl;

		pfd.fd = *fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)(deadline - now_ms())) <= 0)
			goto fail;
		n = (int)recv(*fd, resp + len,
		    sizeof(resp) - 1 - (size_t)len, 0);
		if (n <= 0)
			goto fail;
		len += n;
		resp[len] = '\0';
		if ((h = strstr(resp, "\r\n\r\n")) == NULL ||
		    (cl = strstr(resp, "Content-Length: ")) == NULL)
			continue;
		if (len >= (h + 4 - resp) + strtol(cl + 16, NULL, 10))
			break;
	}
	if (strstr(resp, "HTTP/1.1 201") != resp)
		return -1;
	if (strstr(resp, "\"resident\""))
		return 1;
	if (strstr(resp, "\"archived\""))
		return 2;
	return -1;
fail:
	close(*fd);
	*fd = -1;
	return -1;
}

static void *
recall_client(void *arg)
{
	int fd = -1, i, r;
	long long t0;

	for (;;) {
		pthread_mutex_lock(&rc.lock);
		i = rc.next < rc.npaths ? rc.next++ : -1;
		pthread_mutex_unlock(&rc.lock);
		if (i == -1)
			break;
		t0 = now_ms();
		r = recall_one(&fd, rc.paths[i], i % 7);
		rc.lat_ms[i] = (double)(now_ms() - t0);
		pthread_mutex_lock(&rc.lock);
		if (r == 1)
			rc.resident++;
		else if (r == 2)
			rc.archived++;
		else
			rc.errors++;
		pthread_mutex_unlock(&rc.lock);
	}
	if (fd != -1)
		close(fd);
	return NULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
cmd_recall(const char *key, int clients, int rounds, const char *list)
{
	pthread_t *th = calloc((size_t)clients, sizeof(*th));
	char line[8192];
	FILE *f;
	int r, i, cap = 1024;

	if (th == NULL || (f = fopen(list, "r")) == NULL)
		return 1;
	rc.key = key;
	rc.paths = malloc((size_t)cap * sizeof(char *));
	pthread_mutex_init(&rc.lock, NULL);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (rc.npaths == cap)
			rc.paths = realloc(rc.paths, (size_t)(cap *= 2) *
			    sizeof(char *));
		rc.paths[rc.npaths++] = strdup(line);
	}
	fclose(f);
	rc.lat_ms = calloc((size_t)rc.npaths + 1, sizeof(double));

	for (r = 1; r <= rounds; r++) {
		rc.next = rc.resident = rc.archived = rc.errors = 0;
		for (i = 0; i < clients; i++)
			pthread_create(&th[i], NULL, recall_client, NULL);
		for (i = 0; i < clients; i++)
			pthread_join(th[i], NULL);
		qsort(rc.lat_ms, (size_t)rc.npaths, sizeof(double),
		    cmp_double);
		printf("round=%d resident=%d archived=%d errors=%d "
		    "p50_ms=%.0f p99_ms=%.0f max_ms=%.0f\n", r, rc.resident,
		    rc.archived, rc.errors, rc.lat_ms[rc.npaths / 2],
		    rc.lat_ms[rc.npaths * 99 / 100], rc.lat_ms[rc.npaths - 1]);
		fflush(stdout);
	}
	for (i = 0; i < rc.npaths; i++)
		free(rc.paths[i]);
	free(rc.paths);
	free(rc.lat_ms);
	free(th);
	return 0;
}

static int
cmd_pipeline(int n, int secs)
{
	struct pollfd pfd;
	long long end;
	int fd, i, sent = 0;

	if ((fd = dial()) == -1)
		return 1;
	end = now_ms() + secs * 1000LL;
	for (i = 0; i < n && now_ms() < end; i++) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 1000) <= 0)
			break;
		if (send(fd, REQ, sizeof(REQ) - 1, MSG_NOSIGNAL) !=
		    (ssize_t)sizeof(REQ) - 1)
			break;
		sent++;
	}
	printf("sent=%d\n", sent);
	fflush(stdout);
	while (now_ms() < end)
		usleep(100000);
	close(fd);
	return 0;
}

static int
cmd_freeport(void)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == -1)
		return 1;
	printf("%d\n", ntohs(sin.sin_port));
	close(fd);
	return 0;
}

/* A whole positive decimal argument, or exit 2. */
static int
num(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < 0 || v > 1000000) {
		fprintf(stderr, "loadtool: bad number %s\n", s);
		exit(2);
	}
	return (int)v;
}

int
main(int argc, char *argv[])
{
	struct rlimit rl;

	/* Enough descriptors for a thousand connections. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (argc == 6 && strcmp(argv[1], "slow") == 0) {
		port = num(argv[2]);
		return cmd_slow(num(argv[3]), strcmp(argv[4], "trickle") == 0,
		    num(argv[5]));
	}
	if (argc == 6 && strcmp(argv[1], "hold") == 0) {
		port = num(argv[2]);
		return cmd_hold(num(argv[3]), argv[4], num(argv[5]));
	}
	if (argc == 5 && strcmp(argv[1], "keepalive") == 0) {
		port = num(argv[2]);
		return cmd_keepalive(num(argv[3]), num(argv[4]));
	}
	if (argc == 5 && strcmp(argv[1], "pipeline") == 0) {
		port = num(argv[2]);
		return cmd_pipeline(num(argv[3]), num(argv[4]));
	}
	if (argc == 2 && strcmp(argv[1], "freeport") == 0)
		return cmd_freeport();
	if (argc == 7 && strcmp(argv[1], "recall") == 0) {
		port = num(argv[2]);
		return cmd_recall(argv[3], num(argv[4]), num(argv[5]),
		    argv[6]);
	}
	fprintf(stderr, "usage: loadtool slow PORT N silent|trickle SECONDS\n"
	    "       loadtool hold PORT N silent|trickle|record|hello "
	    "SECONDS\n"
	    "       loadtool keepalive PORT N ROUNDS\n"
	    "       loadtool recall PORT KEY CLIENTS ROUNDS LISTFILE\n"
	    "       loadtool pipeline PORT N SECONDS\n"
	    "       loadtool freeport\n");
	return 2;
}
