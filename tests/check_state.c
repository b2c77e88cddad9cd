/*
 * Tests of state.c with a scripted eeadm and a clock the test moves: one
 * run for many concurrent lookups, one shared lookup per path, a missing
 * file answered 404 on its own, unknown letters, cache expiry and
 * state_method = stat.  Real files live in a private temporary directory
 * because a lookup stat()s its path first.
 */
#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "eeadm.h"
#include "log.h"
#include "state.h"
#include "state_test.h"
#include "util.h"

#define MAXFILES	64
#define TTL_MS		300000
#define DELAY_MS	50

/* The fake world: for each file, the letter eeadm prints ('-': none). */
static struct {
	char	 path[256];
	char	 letter;
} world[MAXFILES];
static size_t nworld;
static char dir[128];

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int64_t fake_now = 1000000;
static int nruns;
static size_t run_paths[256];
static int woken;

static int64_t
fake_clock(void)
{
	return __atomic_load_n(&fake_now, __ATOMIC_SEQ_CST);
}

static void
advance(int64_t ms)
{
	__atomic_add_fetch(&fake_now, ms, __ATOMIC_SEQ_CST);
	state_test_kick();
}

static char
letter_of(const char *path)
{
	size_t i;

	for (i = 0; i < nworld; i++)
		if (strcmp(world[i].path, path) == 0)
			return world[i].letter;
	return '-';
}

/*
 * Like eeadm: one line per known path; when any path is unknown, the
 * whole run fails (exit 1, nothing on stdout).
 */
static int
fake_run(void *ctx, const char *const args[], size_t nargs,
    int64_t timeout_ms, struct eeadm_result *r)
{
	size_t i;
	char c;

	memset(r, 0, sizeof(*r));
	buf_init(&r->out);
	buf_init(&r->err);
	r->exited = 1;
	ck_assert_uint_ge(nargs, 4);
	ck_assert_str_eq(args[0], "file");
	ck_assert_str_eq(args[1], "state");
	ck_assert_str_eq(args[2], "-s");

	pthread_mutex_lock(&mu);
	if (nruns < 256)
		run_paths[nruns] = nargs - 3;
	nruns++;
	pthread_mutex_unlock(&mu);

	for (i = 3; i < nargs; i++) {
		if (letter_of(args[i]) != '-')
			continue;
		buf_printf(&r->err, "GLESL012E: Unable to get the state of "
		    "%s.\n", args[i]);
		r->status = 1;
		return 0;
	}
	for (i = 3; i < nargs; i++) {
		c = letter_of(args[i]);
		buf_printf(&r->out, "%c  1  JD0099JD@POOL_JD@ts4500  -  -   "
		    "-- %s\n", c, args[i]);
	}
	return 0;
}

static const struct queue_ops fake_ops = { fake_run, fake_clock, NULL };

struct waiter {
	struct state_answer	 ans;
	int			 woken;
};

static void
wake(void *arg)
{
	struct waiter *w = arg;

	pthread_mutex_lock(&mu);
	w->woken++;
	woken++;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

/* Waits (a few seconds at most) until N wakes happened in all. */
static void
wait_woken(int n)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	pthread_mutex_lock(&mu);
	while (woken < n)
		if (pthread_cond_timedwait(&cv, &mu, &ts) != 0)
			break;
	ck_assert_int_eq(woken, n);
	pthread_mutex_unlock(&mu);
}

/* Creates a file named NAME in the test directory; LETTER for eeadm. */
static const char *
add_file(const char *name, char letter)
{
	char *p = world[nworld].path;
	int fd;

	ck_assert_int_lt(snprintf(p, sizeof(world[0].path), "%s/%s", dir,
	    name), (int)sizeof(world[0].path));
	fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "data", 4), 4);
	close(fd);
	world[nworld].letter = letter;
	return world[nworld++].path;
}

static void
start(int method, uint64_t batch_max)
{
	struct config_server cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.cache_timeout_ms = TTL_MS;
	cfg.eeadm_timeout_ms = 1000;
	cfg.state_batch_delay_ms = DELAY_MS;
	cfg.state_batch_max = batch_max;
	cfg.state_method = method;

	ck_assert_int_lt(snprintf(dir, sizeof(dir), "/tmp/check_state.XXXXXX"),
	    (int)sizeof(dir));
	ck_assert_ptr_nonnull(mkdtemp(dir));
	state_test_set_ops(&fake_ops);
	ck_assert_int_eq(state_init(&cfg, NULL), 0);
}

static void
stop(void)
{
	size_t i;

	state_shutdown();
	for (i = 0; i < nworld; i++)
		unlink(world[i].path);
	rmdir(dir);
}

/* N lookups of N files waiting together cost one run of N paths. */
START_TEST(test_batch)
{
	static struct waiter w[20];
	const char *paths[20];
	const char letters[] = "RPM";
	char name[16];
	struct state_stats s;
	int i;

	start(CONFIG_STATE_EEADM, 1000);
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		paths[i] = add_file(name, letters[i % 3]);
	}
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(state_lookup(paths[i], &w[i].ans, wake,
		    &w[i]), 1);
	advance(DELAY_MS);
	wait_woken(20);

	ck_assert_int_eq(nruns, 1);
	ck_assert_uint_eq(run_paths[0], 20);
	for (i = 0; i < 20; i++) {
		ck_assert_int_eq(w[i].woken, 1);
		ck_assert_int_eq(w[i].ans.status, 0);
		ck_assert_int_eq(w[i].ans.state, letters[i % 3]);
		ck_assert_uint_eq(w[i].ans.replicas, 1);
		ck_assert_str_eq(w[i].ans.tapes[0], "JD0099JD@POOL_JD@ts4500");
		ck_assert_str_eq(w[i].ans.tapes[1], "");
	}
	state_stats(&s);
	ck_assert_uint_eq(s.runs, 1);
	ck_assert_uint_eq(s.paths, 20);
	ck_assert_uint_eq(s.misses, 20);
	ck_assert_uint_eq(s.cached, 20);
	stop();
}
END_TEST

/* state_batch_max splits a burst into several runs. */
START_TEST(test_batch_max)
{
	static struct waiter w[10];
	char name[16];
	const char *p;
	int i;

	start(CONFIG_STATE_EEADM, 4);
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		p = add_file(name, 'M');
		ck_assert_int_eq(state_lookup(p, &w[i].ans, wake, &w[i]), 1);
	}
	advance(DELAY_MS);
	wait_woken(10);
	ck_assert_int_eq(nruns, 3);
	for (i = 0; i < 3; i++)
		ck_assert_uint_le(run_paths[i], 4);
	ck_assert_uint_eq(run_paths[0] + run_paths[1] + run_paths[2], 10);
	stop();
}
END_TEST

/* Requests for one uncached path share one lookup; all are woken. */
START_TEST(test_shared)
{
	static struct waiter w[5];
	const char *p;
	int i;

	start(CONFIG_STATE_EEADM, 1000);
	p = add_file("shared", 'P');
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(state_lookup(p, &w[i].ans, wake, &w[i]), 1);
	advance(DELAY_MS);
	wait_woken(5);
	ck_assert_int_eq(nruns, 1);
	ck_assert_uint_eq(run_paths[0], 1);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(w[i].woken, 1);
		ck_assert_int_eq(w[i].ans.status, 0);
		ck_assert_int_eq(w[i].ans.state, 'P');
	}
	stop();
}
END_TEST

/*
 * A file deleted after its request, in a batch that eeadm refuses as a
 * whole: the others are asked one by one and answered; it alone is 404.
 */
START_TEST(test_missing_in_batch)
{
	static struct waiter w[4];
	const char *p[4];
	int i;

	start(CONFIG_STATE_EEADM, 1000);
	p[0] = add_file("a", 'M');
	p[1] = add_file("gone", '-');
	p[2] = add_file("c", 'R');
	p[3] = add_file("d", 'M');
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(state_lookup(p[i], &w[i].ans, wake, &w[i]),
		    1);
	unlink(p[1]);
	advance(DELAY_MS);
	wait_woken(4);

	ck_assert_int_eq(nruns, 5);
	ck_assert_uint_eq(run_paths[0], 4);
	ck_assert_int_eq(w[1].ans.status, 404);
	ck_assert_ptr_nonnull(strstr(w[1].ans.message, p[1]));
	ck_assert_int_eq(w[0].ans.status, 0);
	ck_assert_int_eq(w[0].ans.state, 'M');
	ck_assert_int_eq(w[2].ans.state, 'R');
	ck_assert_int_eq(w[3].ans.state, 'M');
	stop();
}
END_TEST

/* A file eeadm does not know yet stat() finds: 502 with the reason. */
START_TEST(test_unknown_to_eeadm)
{
	struct waiter w = { 0 };
	const char *p;

	start(CONFIG_STATE_EEADM, 1000);
	p = add_file("odd", '-');
	ck_assert_int_eq(state_lookup(p, &w.ans, wake, &w), 1);
	advance(DELAY_MS);
	wait_woken(1);
	ck_assert_int_eq(w.ans.status, 502);
	ck_assert_ptr_nonnull(strstr(w.ans.message, "GLESL012E"));
	ck_assert_int_eq(nruns, 1);
	stop();
}
END_TEST

/* A missing file is answered at once, without eeadm. */
START_TEST(test_missing_now)
{
	struct waiter w = { 0 };
	char p[256];

	start(CONFIG_STATE_EEADM, 1000);
	snprintf(p, sizeof(p), "%s/nothing-here", dir);
	ck_assert_int_eq(state_lookup(p, &w.ans, wake, &w), 0);
	ck_assert_int_eq(w.ans.status, 404);
	ck_assert_int_eq(w.woken, 0);
	ck_assert_int_eq(nruns, 0);
	stop();
}
END_TEST

START_TEST(test_unknown_letter)
{
	struct waiter w = { 0 };
	const char *p;
	char want[300];

	start(CONFIG_STATE_EEADM, 1000);
	p = add_file("x", 'X');
	ck_assert_int_eq(state_lookup(p, &w.ans, wake, &w), 1);
	advance(DELAY_MS);
	wait_woken(1);
	ck_assert_int_eq(w.ans.status, 502);
	snprintf(want, sizeof(want), "eeadm reported unknown state X for %s",
	    p);
	ck_assert_str_eq(w.ans.message, want);

	/* Errors are not cached: the next request asks again. */
	ck_assert_int_eq(state_lookup(p, &w.ans, wake, &w), 1);
	stop();
}
END_TEST

/* Answers come from the cache until they expire; forget drops one. */
START_TEST(test_cache_expiry)
{
	struct waiter w = { 0 };
	struct state_stats s;
	const char *p, *q;

	start(CONFIG_STATE_EEADM, 1000);
	p = add_file("c1", 'M');
	q = add_file("c2", 'R');
	ck_assert_int_eq(state_lookup(p, &w.ans, wake, &w), 1);
	ck_assert_int_eq(state_lookup(q, &w.ans, wake, &w), 1);
	advance(DELAY_MS);
	wait_woken(2);

	memset(&w.ans, 0, sizeof(w.ans));
	ck_assert_int_eq(state_lookup(p, &w.ans, wake, &w), 0);
	ck_assert_int_eq(w.ans.status, 0);
	ck_assert_int_eq(w.ans.state, 'M');
	ck_assert_str_eq(w.ans.tapes[0], "JD0099JD@POOL_JD@ts4500");
	ck_assert_int_eq(nruns, 1);

	state_forget(q);
	ck_assert_int_eq(state_lookup(q, &w.ans, wake, &w), 1);
	advance(TTL_MS);
	wait_woken(3);
	ck_assert_int_eq(state_lookup(p, &w.ans, wake, &w), 1);
	state_stats(&s);
	ck_assert_uint_eq(s.hits, 1);
	ck_assert_uint_eq(s.misses, 4);
	stop();
}
END_TEST

/* Pending lookups are answered 503 and woken at shutdown. */
START_TEST(test_shutdown)
{
	struct waiter w = { 0 }, w2 = { 0 };
	const char *p;

	start(CONFIG_STATE_EEADM, 1000);
	p = add_file("late", 'M');
	ck_assert_int_eq(state_lookup(p, &w.ans, wake, &w), 1);
	stop();
	ck_assert_int_eq(w.woken, 1);
	ck_assert_int_eq(w.ans.status, 503);
	ck_assert_int_eq(state_lookup(p, &w2.ans, wake, &w2), -1);
	ck_assert_int_eq(w2.ans.status, 503);
}
END_TEST

static const struct {
	int	 method;
	int	 sparse;
	int	 want;		/* state_lookup's return */
} stat_cases[] = {
	{ CONFIG_STATE_STAT, 1, 0 },
	{ CONFIG_STATE_STAT, 0, 1 },
	{ CONFIG_STATE_EEADM, 1, 1 },
	{ CONFIG_STATE_EEADM, 0, 1 },
};

/* state_method = stat: a sparse file with no blocks is migrated. */
START_TEST(test_stat_method)
{
	struct waiter w = { 0 };
	const char *p;
	struct stat sb;
	int fd;

	start(stat_cases[_i].method, 1000);
	p = add_file("stub", 'R');
	if (stat_cases[_i].sparse) {
		fd = open(p, O_WRONLY | O_TRUNC);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
		close(fd);
		ck_assert_int_eq(stat(p, &sb), 0);
		if (sb.st_blocks != 0) {
			stop();
			return;		/* this file system allocates */
		}
	}
	ck_assert_int_eq(state_lookup(p, &w.ans, wake, &w),
	    stat_cases[_i].want);
	if (stat_cases[_i].want == 0) {
		ck_assert_int_eq(w.ans.status, 0);
		ck_assert_int_eq(w.ans.state, 'M');
	} else {
		advance(DELAY_MS);
		wait_woken(1);
		ck_assert_int_eq(w.ans.state, 'R');
	}
	stop();
}
END_TEST

static Suite *
state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_batch);
	tcase_add_test(tc, test_batch_max);
	tcase_add_test(tc, test_shared);
	tcase_add_test(tc, test_missing_in_batch);
	tcase_add_test(tc, test_unknown_to_eeadm);
	tcase_add_test(tc, test_missing_now);
	tcase_add_test(tc, test_unknown_letter);
	tcase_add_test(tc, test_cache_expiry);
	tcase_add_test(tc, test_shutdown);
	tcase_add_loop_test(tc, test_stat_method, 0, nitems(stat_cases));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(state_suite());
	int failed;

	log_set_level(LOG_LEVEL_CRIT);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
