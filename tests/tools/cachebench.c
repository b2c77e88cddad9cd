/*
 * cachebench: the memory the state cache takes per entry, and how fast
 * it answers from memory, for N cached files (default 1,000,000).
 *
 *   cachebench [N]
 *
 * It links the daemon's state module with a scripted eeadm (every path
 * is migrated, on one tape), so nothing waits for a real eeadm.  The
 * module stat()s a path before asking, so the files exist: hard links to
 * one empty file per directory of 10,000, under a temporary directory
 * removed at the end.
 * Prints one line:
 *   entries=N fill_s=S rss_kb_before=A rss_kb_after=B bytes_per_entry=C
 *   hit_ns=H runs=R
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "eeadm.h"
#include "state.h"
#include "state_test.h"
#include "util.h"

#define BATCH	1000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int woken;

static void
wake(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	woken++;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
}

/* "eeadm file state -s P...": every path migrated. */
static int
run(void *ctx, const char *const args[], size_t nargs, int64_t timeout_ms,
    struct eeadm_result *r)
{
	size_t i;

	(void)ctx;
	(void)timeout_ms;
	memset(r, 0, sizeof(*r));
	buf_init(&r->out);
	buf_init(&r->err);
	r->exited = 1;
	for (i = 3; i < nargs; i++)
		if (buf_printf(&r->out, "M  1  VOL001L8@POOL_A@lib0  -  -  "
		    "-- %s\n", args[i]) == -1)
			return -1;
	return 0;
}

static long
rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* The path of file I under DIR, a length like a real archive's. */
static void
path_of(char *out, size_t len, const char *dir, long i)
{
	snprintf(out, len, "%s/project-archive-2024/run-%05ld/"
	    "sample-%09ld.dat", dir, i / 10000, i);
}

int
main(int argc, char *argv[])
{
	static struct state_answer ans[BATCH];
	struct queue_ops ops = { run, util_now_ms, NULL };
	char dir[] = "/tmp/cachebench.XXXXXX", path[512], cmd[600];
	struct config cfg;
	struct eeadm e;
	struct state_stats st;
	long n = 1000000, i, j, before, after;
	int64_t t0, t1, t2;
	FILE *f;
	int pending;

	if (argc > 1 && (n = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: cachebench [N]\n");
		return 2;
	}
	if (mkdtemp(dir) == NULL)
		return 1;

	/* One empty file per directory of 10,000, linked into each name. */
	snprintf(path, sizeof(path), "%s/project-archive-2024", dir);
	mkdir(path, 0700);
	for (i = 0; i < n; i++) {
		if (i % 10000 == 0) {
			snprintf(path, sizeof(path), "%s/project-archive-2024/"
			    "run-%05ld", dir, i / 10000);
			mkdir(path, 0700);
			snprintf(cmd, sizeof(cmd), "%s/.one", path);
			if ((f = fopen(cmd, "w")) == NULL) {
				perror(cmd);
				return 1;
			}
			fclose(f);
		}
		path_of(path, sizeof(path), dir, i);
		if (link(cmd, path) == -1 && errno != EEXIST) {
			perror(path);
			return 1;
		}
	}

	config_defaults(&cfg);
	cfg.server.state_batch_delay_ms = 1;
	cfg.server.state_batch_max = BATCH;
	cfg.server.cache_timeout_ms = 3600 * 1000;
	memset(&e, 0, sizeof(e));
	state_test_set_ops(&ops);
	if (state_init(&cfg.server, &e) == -1)
		return 1;
	before = rss_kb();

	/* Fill: BATCH lookups at a time, each pending until its batch ran. */
	t0 = util_now_ms();
	for (i = 0; i < n; i += BATCH) {
		pthread_mutex_lock(&lock);
		woken = 0;
		pthread_mutex_unlock(&lock);
		pending = 0;
		for (j = i; j < n && j < i + BATCH; j++) {
			path_of(path, sizeof(path), dir, j);
			if (state_lookup(path, &ans[j - i], wake, NULL) == 1)
				pending++;
		}
		pthread_mutex_lock(&lock);
		while (woken < pending)
			pthread_cond_wait(&cond, &lock);
		pthread_mutex_unlock(&lock);
	}
	t1 = util_now_ms();
	after = rss_kb();

	/* Hits: every path again, answered from memory. */
	for (i = 0; i < n; i++) {
		path_of(path, sizeof(path), dir, i);
		if (state_lookup(path, &ans[0], wake, NULL) != 0 ||
		    ans[0].state != 'M') {
			fprintf(stderr, "cachebench: %s not cached\n", path);
			return 1;
		}
	}
	t2 = util_now_ms();
	state_stats(&st);

	printf("entries=%llu fill_s=%.1f rss_kb_before=%ld rss_kb_after=%ld "
	    "bytes_per_entry=%.0f hit_ns=%.0f runs=%llu\n", st.cached,
	    (t1 - t0) / 1000.0, before, after,
	    (after - before) * 1024.0 / (double)n,
	    (t2 - t1) * 1e6 / (double)n, st.runs);
	state_shutdown();
	config_free(&cfg);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
