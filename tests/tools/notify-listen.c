/*
 * notify-listen: stands in for systemd's notification socket, for the
 * integration test of the daemon's READY/RELOADING/STOPPING messages.
 *
 *   notify-listen ADDRESS SECONDS
 *	Binds an AF_UNIX datagram socket at ADDRESS (a path, or an
 *	abstract name written "@name"), prints "listening" on stdout, then
 *	prints each datagram received with its newlines turned into
 *	spaces, one datagram per line, flushed at once.  Exits 0 after a
 *	datagram holding STOPPING=1, or 1 after SECONDS.
 *
 * Single-threaded; every wait is bounded by the deadline.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
main(int argc, char *argv[])
{
	struct sockaddr_un sun;
	socklen_t len;
	struct pollfd pfd;
	char msg[4096];
	long long deadline;
	size_t alen, i;
	ssize_t n;
	int fd, left;

	if (argc != 3) {
		fprintf(stderr, "usage: notify-listen ADDRESS SECONDS\n");
		return 2;
	}
	alen = strlen(argv[1]);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (alen < 2 || alen >= sizeof(sun.sun_path)) {
		fprintf(stderr, "notify-listen: bad address\n");
		return 2;
	}
	memcpy(sun.sun_path, argv[1], alen);
	len = sizeof(sun);
	if (argv[1][0] == '@') {
		sun.sun_path[0] = '\0';
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    alen);
	}
	deadline = now_ms() + strtol(argv[2], NULL, 10) * 1000;

	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, len) == -1) {
		perror("notify-listen");
		return 2;
	}
	printf("listening\n");
	fflush(stdout);

	while ((left = (int)(deadline - now_ms())) > 0) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, left) <= 0)
			continue;
		if ((n = recv(fd, msg, sizeof(msg) - 1, 0)) <= 0)
			continue;
		msg[n] = '\0';
		for (i = 0; i < (size_t)n; i++)
			if (msg[i] == '\n')
				msg[i] = ' ';
		printf("%s\n", msg);
		fflush(stdout);
		if (strstr(msg, "STOPPING=1") != NULL)
			return 0;
	}
	return 1;
}
