/*
 * notify: systemd notifications over $NOTIFY_SOCKET; see notify.h.
 *
 * Design.  notify_init() runs in the main thread before any other thread
 * exists: it reads the variables, unsets them and opens one unconnected
 * AF_UNIX datagram socket (close-on-exec).  Each message is one
 * sendto(2) of "NAME=VALUE\n..." to the saved address; a datagram either
 * arrives whole or not at all, so threads need no lock to share the
 * socket.  A failed send is logged once at warn and otherwise ignored:
 * systemd not listening must never stop the daemon.
 *
 * The watchdog thread sends WATCHDOG=1 every WATCHDOG_USEC / 2 until
 * notify_stopping().  It waits on a condvar under nt.lock, which guards
 * only the stop flag.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "util.h"

static struct {
	int			 fd;
	struct sockaddr_un	 addr;
	socklen_t		 addrlen;
	int			 warned;
	uint64_t		 watchdog_usec;	/* 0: no watchdog */
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	pthread_t		 thread;
	int			 running;
	int			 stop;
} nt = {
	.fd = -1,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER
};

/* Sends MSG as one datagram; logs the first failure. */
static void
notify_send(const char *msg)
{
	ssize_t n;

	if (nt.fd == -1)
		return;
	do {
		n = sendto(nt.fd, msg, strlen(msg), MSG_NOSIGNAL,
		    (const struct sockaddr *)&nt.addr, nt.addrlen);
	} while (n == -1 && errno == EINTR);
	if (n == -1 && !__atomic_exchange_n(&nt.warned, 1, __ATOMIC_RELAXED))
		log_warn("notify: send to $NOTIFY_SOCKET");
}

/*
 * Fills nt.addr from the value of $NOTIFY_SOCKET.  Returns 0, or -1 when
 * it is neither an absolute path nor an abstract '@' name, or too long.
 */
static int
notify_parse_addr(const char *s)
{
	size_t len = strlen(s);

	memset(&nt.addr, 0, sizeof(nt.addr));
	nt.addr.sun_family = AF_UNIX;
	if ((s[0] != '/' && s[0] != '@') || len < 2 ||
	    len > sizeof(nt.addr.sun_path) - (s[0] == '/'))
		return -1;
	memcpy(nt.addr.sun_path, s, len);
	if (s[0] == '@') {
		/* Abstract: a leading NUL, and the length counts exactly. */
		nt.addr.sun_path[0] = '\0';
		nt.addrlen = (socklen_t)(offsetof(struct sockaddr_un,
		    sun_path) + len);
	} else
		nt.addrlen = (socklen_t)sizeof(nt.addr);
	return 0;
}

/* Parses $WATCHDOG_USEC, honoured only if $WATCHDOG_PID is ours. */
static void
notify_parse_watchdog(const char *usec, const char *pid)
{
	uint64_t v, p;

	nt.watchdog_usec = 0;
	if (usec == NULL || util_parse_u64(usec, 1, UINT64_MAX / 2, &v) == -1)
		return;
	if (pid != NULL && (util_parse_u64(pid, 1, UINT32_MAX, &p) == -1 ||
	    p != (uint64_t)getpid()))
		return;
	nt.watchdog_usec = v;
}

int
notify_init(void)
{
	const char *sock = getenv("NOTIFY_SOCKET");

	notify_parse_watchdog(getenv("WATCHDOG_USEC"), getenv("WATCHDOG_PID"));
	if (sock != NULL && notify_parse_addr(sock) == -1) {
		log_warnx("notify: $NOTIFY_SOCKET %s is not a socket address",
		    sock);
		sock = NULL;
	}
	if (sock != NULL) {
		nt.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (nt.fd == -1)
			log_warn("notify: socket");
	}
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	if (sock != NULL && nt.fd == -1)
		return -1;
	if (nt.fd == -1)
		nt.watchdog_usec = 0;
	return 0;
}

static void *
notify_watchdog(void *arg)
{
	uint64_t half = nt.watchdog_usec / 2;
	struct timespec ts;

	pthread_mutex_lock(&nt.lock);
	while (!nt.stop) {
		pthread_mutex_unlock(&nt.lock);
		notify_send("WATCHDOG=1\n");
		pthread_mutex_lock(&nt.lock);

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)(half / 1000000);
		ts.tv_nsec += (long)(half % 1000000) * 1000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (!nt.stop &&
		    pthread_cond_timedwait(&nt.cond, &nt.lock, &ts) == 0)
			;
	}
	pthread_mutex_unlock(&nt.lock);
	return NULL;
}

/* Starts the watchdog thread once, when the unit asked for pings. */
static void
notify_watchdog_start(void)
{
	int r;

	if (nt.watchdog_usec == 0 || nt.running)
		return;
	/*
	 * XXX: the pings prove that the process runs, not that the
	 * workers or the recall thread make progress.
	 */
	if ((r = pthread_create(&nt.thread, NULL, notify_watchdog, NULL)) != 0)
		log_warnc(r, "notify: watchdog thread");
	else
		nt.running = 1;
}

void
notify_ready(const char *status)
{
	char msg[512];

	if (nt.fd == -1)
		return;
	if (snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s\n", status) >=
	    (int)sizeof(msg))
		snprintf(msg, sizeof(msg), "READY=1\n");
	notify_send(msg);
	notify_watchdog_start();
}

void
notify_reloading(void)
{
	struct timespec ts;
	char msg[128];

	if (nt.fd == -1)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu\n",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
	notify_send(msg);
}

void
notify_stopping(void)
{
	if (nt.fd == -1)
		return;
	notify_send("STOPPING=1\n");

	pthread_mutex_lock(&nt.lock);
	nt.stop = 1;
	pthread_cond_broadcast(&nt.cond);
	pthread_mutex_unlock(&nt.lock);
	if (nt.running) {
		pthread_join(nt.thread, NULL);
		nt.running = 0;
	}
}

void
notify_status(const char *status)
{
	char msg[512];

	if (nt.fd == -1)
		return;
	if (snprintf(msg, sizeof(msg), "STATUS=%s\n", status) >=
	    (int)sizeof(msg))
		return;
	notify_send(msg);
}
