/*
 * canned-server: a tiny HTTP server on 127.0.0.1 that gives every
 * request the same canned answer, for the stage app's integration test.
 *
 *   canned-server MODE SECONDS [REQFILE]
 *	Listens on a port the kernel picks and prints it on the first line
 *	of stdout.  MODE is one of resident, archived, 401, 404, 500, 502,
 *	503, unknown (a 201 with an unknown state), broken (a 201 with
 *	malformed JSON), silent (accepts, reads, never answers).  The last
 *	request received is written to REQFILE when given.  Exits by itself
 *	after SECONDS.
 *
 * Single-threaded, one connection at a time, every wait bounded.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const struct {
	const char	*mode;
	const char	*status;
	const char	*body;
} canned[] = {
	{ "resident", "201 CREATED", "{\"state\": \"resident\"}\n" },
	{ "archived", "201 CREATED", "{\"state\": \"archived\"}\n" },
	{ "401", "401 UNAUTHORIZED", "{\"message\": \"wrong API key\"}\n" },
	{ "404", "404 NOT FOUND", "{\"message\": \"no such file\"}\n" },
	{ "500", "500 INTERNAL SERVER ERROR",
	    "{\"message\": \"eeadm failed\"}\n" },
	{ "502", "502 BAD GATEWAY", "<html>bad gateway</html>\n" },
	{ "503", "503 SERVICE UNAVAILABLE", "{\"message\": \"busy\"}\n" },
	{ "unknown", "201 CREATED", "{\"state\": \"on the moon\"}\n" },
	{ "broken", "201 CREATED", "{\"state\": \"resident\"\n" },
	{ "silent", NULL, NULL },
};

static time_t end_time;

/* Milliseconds left before the end, at least 0. */
static int
left_ms(void)
{
	time_t now = time(NULL);

	return now >= end_time ? 0 : (int)(end_time - now) * 1000;
}

/* Reads one request (head and Content-Length body) into BUF.  Length. */
static size_t
read_request(int fd, char *buf, size_t size)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	const char *head, *cl;
	ssize_t n;
	long want;

	while (got + 1 < size) {
		if (poll(&pfd, 1, left_ms()) <= 0)
			break;
		n = read(fd, buf + got, size - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		if ((head = strstr(buf, "\r\n\r\n")) == NULL)
			continue;
		cl = strstr(buf, "Content-Length: ");
		want = cl != NULL ? strtol(cl + 16, NULL, 10) : 0;
		if ((long)(got - (size_t)(head + 4 - buf)) >= want)
			break;
	}
	buf[got] = '\0';
	return got;
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	struct pollfd pfd;
	char req[65536], resp[1024];
	size_t i, len;
	int lfd, fd, n;
	FILE *fp;

	if (argc < 3) {
		fprintf(stderr, "usage: canned-server MODE SECONDS "
		    "[REQFILE]\n");
		return 2;
	}
	for (i = 0; i < sizeof(canned) / sizeof(canned[0]); i++)
		if (strcmp(argv[1], canned[i].mode) == 0)
			break;
	if (i == sizeof(canned) / sizeof(canned[0])) {
		fprintf(stderr, "canned-server: unknown mode %s\n", argv[1]);
		return 2;
	}
	end_time = time(NULL) + strtol(argv[2], NULL, 10);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 16) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &slen) == -1) {
		perror("canned-server");
		return 1;
	}
	printf("%d\n", ntohs(sin.sin_port));
	fflush(stdout);

	pfd.fd = lfd;
	pfd.events = POLLIN;
	while (left_ms() > 0) {
		if (poll(&pfd, 1, left_ms()) <= 0)
			continue;
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			continue;
		len = read_request(fd, req, sizeof(req));
		if (argc > 3 && (fp = fopen(argv[3], "w")) != NULL) {
			fwrite(req, 1, len, fp);
			fclose(fp);
		}
		if (canned[i].status == NULL) {
			/* Hold the connection to the end, answering nothing. */
			while (left_ms() > 0)
				sleep(1);
			close(fd);
			break;
		}
		n = snprintf(resp, sizeof(resp), "HTTP/1.1 %s\r\n"
		    "Content-Type: application/json\r\nContent-Length: %zu\r\n"
		    "Connection: close\r\n\r\n%s", canned[i].status,
		    strlen(canned[i].body), canned[i].body);
		if (n > 0 && (size_t)n < sizeof(resp) &&
		    write(fd, resp, (size_t)n) != n)
			perror("canned-server: write");
		close(fd);
	}
	close(lfd);
	return 0;
}
