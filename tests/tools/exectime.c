/*
 * exectime: runs a program N times in a row and reports how long each run
 * took from fork to exit, for bench/client.sh.
 *
 *	exectime N PROGRAM [ARG...]
 *
 * The child inherits the environment and stderr; its stdout goes to
 * /dev/null.  Prints one "key=value" per line: runs, failed (non-zero
 * exits or signals), mean_ms, p50_ms, p99_ms, max_ms.  Exits 1 when any
 * run failed, 2 on bad usage.  Single-threaded; the clock is
 * CLOCK_MONOTONIC.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXECTIME_MAX_RUNS	1000000

static double
exectime_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
exectime_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Runs ARGV once with stdout on NULLFD.  Returns 0 when it exited 0, 1
 * when it failed, -1 when it could not be started.
 */
static int
exectime_run(char **argv, int nullfd)
{
	pid_t pid;
	int status;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		dup2(nullfd, STDOUT_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	double *ms = NULL, sum = 0, t0;
	char *end;
	long n, i, failed = 0;
	int nullfd, rc;

	if (argc < 3) {
		fprintf(stderr, "usage: exectime N PROGRAM [ARG...]\n");
		return 2;
	}
	errno = 0;
	n = strtol(argv[1], &end, 10);
	if (errno != 0 || *end != '\0' || n < 1 || n > EXECTIME_MAX_RUNS) {
		fprintf(stderr, "exectime: bad count %s\n", argv[1]);
		return 2;
	}
	if ((ms = calloc((size_t)n, sizeof(*ms))) == NULL ||
	    (nullfd = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1) {
		perror("exectime");
		free(ms);
		return 2;
	}

	for (i = 0; i < n; i++) {
		t0 = exectime_now_ms();
		rc = exectime_run(argv + 2, nullfd);
		ms[i] = exectime_now_ms() - t0;
		if (rc == -1) {
			perror("exectime: fork");
			free(ms);
			return 2;
		}
		failed += rc;
		sum += ms[i];
	}

	qsort(ms, (size_t)n, sizeof(*ms), exectime_cmp);
	printf("runs=%ld\nfailed=%ld\nmean_ms=%.3f\np50_ms=%.3f\n"
	    "p99_ms=%.3f\nmax_ms=%.3f\n", n, failed, sum / (double)n,
	    ms[n / 2], ms[(size_t)((double)(n - 1) * 0.99)], ms[n - 1]);
	free(ms);
	close(nullfd);
	return failed ? 1 : 0;
}
