/*
 * Tests of recall.c with a scripted eeadm that records every run (its
 * argv, its list's bytes and mode) and a clock the test moves: the three
 * flush rules, dedup while queued and in flight, the argv of a recall,
 * the list file, split-and-retry, per-file failure rows, retries, deleted
 * files, the queue bound, and the journal across a crash.  Files live in
 * a private temporary directory, since a run drops deleted files.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "eeadm.h"
#include "log.h"
#include "recall.h"
#include "recall_test.h"
#include "util.h"

#define MAXCALLS	64
#define MAXARGS		8

struct call {
	char	*argv[MAXARGS];
	size_t	 argc;
	char	*list;		/* the list's bytes (recall runs) */
	mode_t	 mode;		/* the list's permission bits */
	char	 listpath[256];
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct call calls[MAXCALLS];
static size_t ncalls;
static int gate_closed;
static int64_t fake_now = 5000000;

/* How the fake eeadm answers a recall of LIST; NULL: exit 0. */
static void (*behave)(const char *list, struct eeadm_result *r);
/* What "task show -r" prints. */
static const char *task_rows;

static char top[128];		/* the test's directory */
static char sdir[160];		/* its state_dir */

static int64_t
fake_clock(void)
{
	return __atomic_load_n(&fake_now, __ATOMIC_SEQ_CST);
}

static void
advance(int64_t ms)
{
	__atomic_add_fetch(&fake_now, ms, __ATOMIC_SEQ_CST);
	recall_test_sync();
}

static char *
slurp(const char *path)
{
	struct buf b;
	char tmp[4096];
	ssize_t n;
	int fd;

	buf_init(&b);
	buf_puts(&b, "");
	if ((fd = open(path, O_RDONLY)) == -1)
		return b.data;
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		buf_append(&b, tmp, (size_t)n);
	close(fd);
	return b.data;
}

static int
fake_run(void *ctx, const char *const args[], size_t nargs,
    int64_t timeout_ms, struct eeadm_result *r)
{
	struct call *c;
	struct stat sb;
	size_t i;

	memset(r, 0, sizeof(*r));
	buf_init(&r->out);
	buf_init(&r->err);
	r->exited = 1;

	pthread_mutex_lock(&mu);
	ck_assert_uint_lt(ncalls, MAXCALLS);
	c = &calls[ncalls++];
	for (i = 0; i < nargs && i < MAXARGS; i++)
		c->argv[i] = strdup(args[i]);
	c->argc = nargs;
	if (strcmp(args[0], "recall") == 0) {
		c->list = slurp(args[1]);
		ck_assert_int_eq(stat(args[1], &sb), 0);
		c->mode = sb.st_mode & 07777;
		snprintf(c->listpath, sizeof(c->listpath), "%s", args[1]);
		while (gate_closed)
			pthread_cond_wait(&cv, &mu);
	}
	pthread_mutex_unlock(&mu);

	if (strcmp(args[0], "task") == 0)
		buf_puts(&r->out, task_rows);
	else if (behave != NULL)
		behave(c->list, r);
	return 0;
}

/* Forgets the recorded runs (freeing them: the leak checker looks). */
static void
calls_reset(void)
{
	size_t i, j;

	pthread_mutex_lock(&mu);
	for (i = 0; i < ncalls; i++) {
		for (j = 0; j < calls[i].argc && j < MAXARGS; j++)
			free(calls[i].argv[j]);
		free(calls[i].list);
		memset(&calls[i], 0, sizeof(calls[i]));
	}
	ncalls = 0;
	pthread_mutex_unlock(&mu);
}

static const struct queue_ops fake_ops = { fake_run, fake_clock, NULL };

static void
gate(int closed)
{
	pthread_mutex_lock(&mu);
	gate_closed = closed;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

/* Makes a file NAME in the test directory; returns its path (static
 * storage, one per name). */
static const char *
mkfile(const char *name)
{
	static char paths[6000][48];
	static size_t n;
	char *p = paths[n++];
	int fd;

	ck_assert_uint_lt(n, 6000);
	ck_assert_int_lt(snprintf(p, sizeof(paths[0]), "%s/%s", top, name),
	    (int)sizeof(paths[0]));
	fd = open(p, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	return p;
}

static struct config_server cfg;
static char *libs[] = { "lib1", "lib2" };

static void
setup(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.eeadm_timeout_ms = 1000;
	cfg.recall_timeout_ms = 1000;
	cfg.recall_delay_ms = 1000;
	cfg.recall_max_wait_ms = 5000;
	cfg.recall_max_files = 100;
	cfg.recall_concurrency = 1;
	cfg.recall_retries = 1;
	cfg.libraries[0] = libs[0];
	cfg.libraries[1] = libs[1];
	cfg.nlibraries = 2;

	snprintf(top, sizeof(top), "/tmp/check_recall.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
	snprintf(sdir, sizeof(sdir), "%s/state", top);
	cfg.state_dir = sdir;
	recall_test_set_ops(&fake_ops);
}

static void
start(void)
{
	ck_assert_int_eq(recall_init(&cfg, NULL), 0);
}

static void
stop(void)
{
	char cmd[300];

	gate(0);
	recall_shutdown(fake_clock() + 5000);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	ck_assert_int_eq(system(cmd), 0);
}

static int
submit(const char *path, const char *lib)
{
	char msg[256];

	return recall_submit(path, lib, msg, sizeof(msg));
}

/* The number of runs whose argv starts with "recall". */
static size_t
nrecalls(void)
{
	size_t i, n = 0;

	pthread_mutex_lock(&mu);
	for (i = 0; i < ncalls; i++)
		n += strcmp(calls[i].argv[0], "recall") == 0;
	pthread_mutex_unlock(&mu);
	return n;
}

/* Counts the lines of LIST equal to PATH. */
static int
in_list(const char *list, const char *path)
{
	size_t len = strlen(path);
	const char *p;
	int n = 0;

	for (p = list; *p != '\0'; p = strchr(p, '\n') + 1)
		n += strncmp(p, path, len) == 0 && p[len] == '\n';
	return n;
}

/* Quiet period: no flush until recall_delay passed since the last file. */
START_TEST(test_quiet)
{
	const char *a, *b;
	char want[200];

	setup();
	start();
	a = mkfile("a");
	b = mkfile("b");
	ck_assert_int_eq(submit(a, NULL), 0);
	advance(500);
	ck_assert_int_eq(submit(b, NULL), 0);
	advance(999);
	ck_assert_uint_eq(nrecalls(), 0);
	advance(1);
	recall_test_wait_idle();
	ck_assert_uint_eq(nrecalls(), 1);
	snprintf(want, sizeof(want), "%s\n%s\n", a, b);
	ck_assert_str_eq(calls[0].list, want);
	ck_assert_uint_eq(calls[0].argc, 2);
	stop();
}
END_TEST

/* Max wait: a steady trickle is flushed when the oldest waited enough. */
START_TEST(test_max_wait)
{
	char name[200];
	int i;

	setup();
	start();
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		ck_assert_int_eq(submit(mkfile(name), NULL), 0);
		ck_assert_uint_eq(nrecalls(), 0);
		advance(600);			/* t = 600 (i + 1) */
	}
	ck_assert_uint_eq(nrecalls(), 0);	/* t = 4800 */
	advance(200);
	recall_test_wait_idle();
	ck_assert_uint_eq(nrecalls(), 1);
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "%s/f%d", top, i);
		ck_assert_int_eq(in_list(calls[0].list, name), 1);
	}
	stop();
}
END_TEST

/* Max files: a full batch goes at once; the rest wait their turn. */
START_TEST(test_max_files)
{
	char name[16];
	struct recall_stats s;
	int i;

	setup();
	cfg.recall_max_files = 3;
	start();
	for (i = 0; i < 7; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		ck_assert_int_eq(submit(mkfile(name), NULL), 0);
	}
	recall_test_sync();
	recall_test_wait_idle();
	recall_test_sync();
	recall_test_wait_idle();
	ck_assert_uint_eq(nrecalls(), 2);
	recall_stats(&s);
	ck_assert_uint_eq(s.queued, 1);
	advance(1000);
	recall_test_wait_idle();
	ck_assert_uint_eq(nrecalls(), 3);
	recall_stats(&s);
	ck_assert_uint_eq(s.runs, 3);
	ck_assert_uint_eq(s.files_run, 7);
	ck_assert_uint_eq(s.queued, 0);
	stop();
}
END_TEST

/* A path is queued once while queued or in flight; then again. */
START_TEST(test_dedup)
{
	struct recall_stats s;
	const char *a, *b;

	setup();
	start();
	a = mkfile("a");
	b = mkfile("b");
	ck_assert_int_eq(submit(a, NULL), 0);
	ck_assert_int_eq(submit(a, NULL), 0);
	ck_assert_int_eq(submit(b, NULL), 0);
	ck_assert_int_eq(submit(a, NULL), 0);
	ck_assert_int_eq(submit(a, "lib1"), 0);	/* another queue */
	recall_stats(&s);
	ck_assert_uint_eq(s.queued, 3);
	ck_assert_uint_eq(s.queues[0].queued, 2);
	ck_assert_uint_eq(s.queues[1].queued, 1);

	gate(1);
	advance(1000);
	ck_assert_int_eq(submit(a, NULL), 0);	/* in flight */
	recall_stats(&s);
	ck_assert_uint_eq(s.queued, 0);
	ck_assert_uint_eq(s.inflight, 3);
	gate(0);
	recall_test_wait_idle();
	ck_assert_uint_eq(nrecalls(), 2);
	ck_assert_int_eq(in_list(calls[0].list, a), 1);
	ck_assert_int_eq(in_list(calls[1].list, a), 1);

	ck_assert_int_eq(submit(a, NULL), 0);	/* done: a new poll */
	recall_stats(&s);
	ck_assert_uint_eq(s.queued, 1);
	ck_assert_uint_eq(s.inflight, 0);
	stop();
}
END_TEST

static const struct {
	const char	*lib;
	int		 resident;
	const char	*want[5];
} argv_cases[] = {
	{ NULL, 0, { "recall", "", NULL } },
	{ NULL, 1, { "recall", "", "--resident", NULL } },
	{ "lib1", 0, { "recall", "", "-l", "lib1", NULL } },
	{ "lib2", 1, { "recall", "", "-l", "lib2", "--resident" } },
};

/* -l and the library are separate elements; --resident when set. */
START_TEST(test_argv)
{
	size_t i, n;
	struct stat sb;

	setup();
	cfg.recall_resident = argv_cases[_i].resident;
	start();
	ck_assert_int_eq(submit(mkfile("x"), argv_cases[_i].lib), 0);
	advance(1000);
	recall_test_wait_idle();
	ck_assert_uint_eq(ncalls, 1);
	for (n = 0; n < 5 && argv_cases[_i].want[n] != NULL; n++)
		continue;
	ck_assert_uint_eq(calls[0].argc, n);
	for (i = 0; i < n; i++)
		if (i != 1)
			ck_assert_str_eq(calls[0].argv[i],
			    argv_cases[_i].want[i]);

	/* The list: in state_dir, private, gone after the run. */
	ck_assert_str_eq(calls[0].argv[1], calls[0].listpath);
	ck_assert_int_eq(strncmp(calls[0].listpath, sdir, strlen(sdir)), 0);
	ck_assert_int_eq(calls[0].listpath[strlen(sdir)], '/');
	ck_assert_uint_eq(calls[0].mode, 0600);
	ck_assert_int_eq(stat(calls[0].listpath, &sb), -1);
	ck_assert_int_eq(errno, ENOENT);
	stop();
}
END_TEST

START_TEST(test_refused)
{
	char msg[256];

	setup();
	start();
	ck_assert_int_eq(recall_submit("/a\nb", NULL, msg, sizeof(msg)), 400);
	ck_assert_int_eq(recall_submit("rel", NULL, msg, sizeof(msg)), 400);
	ck_assert_int_eq(recall_submit(mkfile("a"), "lib9", msg,
	    sizeof(msg)), 400);
	ck_assert_ptr_nonnull(strstr(msg, "lib9"));
	stop();
}
END_TEST

/* One file per recall still queues a whole transfer, not ten files. */
START_TEST(test_full_floor)
{
	char name[16];
	int i;

	setup();
	cfg.recall_max_files = 1;
	recall_test_set_bound_min(0);
	start();
	gate(1);
	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		ck_assert_int_eq(submit(mkfile(name), NULL), 0);
	}
	stop();
}
END_TEST

/* More than 10 x recall_max_files queued: 503. */
START_TEST(test_full)
{
	char name[16], msg[256];
	int i;

	setup();
	cfg.recall_max_files = 2;
	recall_test_set_bound_min(1);
	start();
	gate(1);
	ck_assert_int_eq(submit(mkfile("r0"), NULL), 0);
	ck_assert_int_eq(submit(mkfile("r1"), NULL), 0);
	recall_test_sync();			/* both in flight */
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "q%d", i);
		ck_assert_int_eq(submit(mkfile(name), NULL), 0);
	}
	ck_assert_int_eq(recall_submit(mkfile("over"), NULL, msg,
	    sizeof(msg)), 503);
	ck_assert_ptr_nonnull(strstr(msg, "full"));
	stop();
}
END_TEST

static const char *bad_path;

/* Fails with no task id (exit 1, or a timeout) when the list holds
 * bad_path. */
static void
fail_no_task(const char *list, struct eeadm_result *r)
{
	if (in_list(list, bad_path) == 0)
		return;
	r->status = 1;
	buf_puts(&r->err, "GLESL999E: something went wrong\n");
}

static void
fail_timeout(const char *list, struct eeadm_result *r)
{
	if (in_list(list, bad_path) == 0)
		return;
	r->exited = 0;
	r->status = 9;
	r->timed_out = 1;
}

static void (*const split_cases[])(const char *, struct eeadm_result *) = {
	fail_no_task, fail_timeout,
};

/* One bad path among 8: split in halves until it is alone. */
START_TEST(test_split)
{
	const char *p[8];
	char name[16];
	struct recall_stats s;
	size_t i, j, seen;

	setup();
	cfg.recall_retries = 0;
	behave = split_cases[_i];
	start();
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "s%zu", i);
		p[i] = mkfile(name);
		ck_assert_int_eq(submit(p[i], NULL), 0);
	}
	bad_path = p[3];
	advance(1000);
	recall_test_wait_idle();

	/* 8 -> 4 + 4 -> 2 + 2 -> 1 + 1 */
	ck_assert_uint_eq(nrecalls(), 7);
	for (i = 0; i < 8; i++) {
		seen = 0;
		for (j = 0; j < ncalls; j++)
			if (in_list(calls[j].list, bad_path) == 0)
				seen += in_list(calls[j].list, p[i]);
		ck_assert_uint_eq(seen, i == 3 ? 0 : 1);
	}
	recall_stats(&s);
	ck_assert_uint_eq(s.failures, 1);
	ck_assert_str_eq(s.fails[0].msgid, _i == 0 ? "NOTASKID" : "TIMEOUT");

	/* Retries 0: the bad one is refused from now on, the rest not. */
	ck_assert_int_eq(submit(p[3], NULL), 500);
	ck_assert_int_eq(submit(p[2], NULL), 0);
	stop();
}
END_TEST

static void
fail_with_task(const char *list, struct eeadm_result *r)
{
	r->status = 1;
	buf_puts(&r->out, "GLESL268I: 3 file name(s) have been provided "
	    "to recall.\nGLESL700I: Task selective_recall was created "
	    "successfully, task ID is 1234.\n");
}

/* Rows: Success fine, GLESM431E in progress, other Fail counted. */
START_TEST(test_task_rows)
{
	const char *a, *b, *c;
	struct recall_stats s;
	static char rows[1024];
	char msg[256];
	int i;

	setup();
	behave = fail_with_task;
	start();
	a = mkfile("ok");
	b = mkfile("busy");
	c = mkfile("bad");
	snprintf(rows, sizeof(rows),
	    "Result   Failure Code  Failed time          Node  File name\n"
	    "Success  -             -                    -     -- %s\n"
	    "Fail     GLESM431E     2024-05-01 10:00:01  1     -- %s\n"
	    "Fail     GLESL401E     2024-05-01 10:00:01  1     -- %s\n",
	    a, b, c);
	task_rows = rows;

	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(submit(a, NULL), 0);
		ck_assert_int_eq(submit(b, NULL), 0);
		ck_assert_int_eq(submit(c, NULL), 0);
		advance(1000);
		recall_test_wait_idle();
	}
	ck_assert_uint_eq(nrecalls(), 2);
	ck_assert_uint_eq(ncalls, 4);
	ck_assert_str_eq(calls[1].argv[0], "task");
	ck_assert_str_eq(calls[1].argv[1], "show");
	ck_assert_str_eq(calls[1].argv[2], "-r");
	ck_assert_str_eq(calls[1].argv[3], "1234");

	/* Retries 1: c failed twice, so it is refused, naming the id. */
	ck_assert_int_eq(recall_submit(c, NULL, msg, sizeof(msg)), 500);
	ck_assert_ptr_nonnull(strstr(msg, "GLESL401E"));
	ck_assert_int_eq(submit(b, NULL), 0);
	ck_assert_int_eq(submit(a, NULL), 0);
	recall_stats(&s);
	ck_assert_uint_eq(s.failures, 2);
	ck_assert_str_eq(s.fails[0].msgid, "GLESL401E");
	ck_assert_uint_eq(s.fails[0].count, 2);

	/* An hour later it gets a new chance. */
	advance(3600 * 1000 - 2000);
	ck_assert_int_eq(recall_submit(c, NULL, msg, sizeof(msg)), 500);
	advance(2000);
	ck_assert_int_eq(submit(c, NULL), 0);
	stop();
}
END_TEST

static const char *doomed;

/* Deletes doomed during the run, then reports it failed. */
static void
fail_deleted(const char *list, struct eeadm_result *r)
{
	unlink(doomed);
	fail_with_task(list, r);
}

/* Deleted before the flush or during the run: dropped, not failed. */
START_TEST(test_deleted)
{
	const char *a, *b, *c;
	static char rows[512];
	struct recall_stats s;
	char want[100];

	setup();
	cfg.recall_retries = 0;
	behave = fail_deleted;
	start();
	a = mkfile("a");
	b = mkfile("b");
	c = mkfile("c");
	doomed = c;
	snprintf(rows, sizeof(rows), "Success  -  -  -  -- %s\n"
	    "Fail  GLESL401E  2024-05-01 10:00:01  1  -- %s\n", a, c);
	task_rows = rows;
	ck_assert_int_eq(submit(a, NULL), 0);
	ck_assert_int_eq(submit(b, NULL), 0);
	ck_assert_int_eq(submit(c, NULL), 0);
	unlink(b);
	advance(1000);
	recall_test_wait_idle();

	snprintf(want, sizeof(want), "%s\n%s\n", a, c);
	ck_assert_str_eq(calls[0].list, want);
	recall_stats(&s);
	ck_assert_uint_eq(s.dropped, 2);
	ck_assert_uint_eq(s.failures, 0);
	ck_assert_uint_eq(s.inflight, 0);
	stop();
}
END_TEST

/* Replay: every journaled path queued once; torn lines skipped. */
START_TEST(test_replay)
{
	const char *a, *b;
	char jpath[300], *j;
	FILE *f;

	setup();
	a = mkfile("a b -- c");		/* spaces are fine */
	b = mkfile("b");
	ck_assert_int_eq(mkdir(sdir, 0700), 0);
	snprintf(jpath, sizeof(jpath), "%s/recall.journal", sdir);
	ck_assert_ptr_nonnull(f = fopen(jpath, "w"));
	fprintf(f, "0  %s\n4 lib1 %s\n0  %s\n4 lib9 %s\n0  %s/torn", a, b,
	    a, b, top);
	fclose(f);
	start();
	recall_test_sync();

	/* The journal is rewritten with what is queued. */
	j = slurp(jpath);
	ck_assert_int_eq(strstr(j, "torn") == NULL, 1);
	ck_assert_int_eq(strstr(j, "lib9") == NULL, 1);
	free(j);

	advance(1000);
	recall_test_wait_idle();
	ck_assert_uint_eq(nrecalls(), 2);
	ck_assert_uint_eq(in_list(calls[0].list, a) +
	    in_list(calls[1].list, a), 1);
	ck_assert_uint_eq(in_list(calls[0].list, b) +
	    in_list(calls[1].list, b), 1);
	recall_test_sync();
	j = slurp(jpath);
	ck_assert_str_eq(j, "");
	free(j);
	stop();
}
END_TEST

/*
 * kill -9 with 5,000 files queued (and one in flight): the journal as the
 * crash left it, given to a new instance, recalls each exactly once.
 */
START_TEST(test_crash)
{
	static const char *p[5000];
	char name[16], jpath[300], cmd[700], dir2[200];
	struct recall_stats s;
	size_t i, n;

	setup();
	cfg.recall_max_files = 10000;
	cfg.recall_delay_ms = 3600000;
	cfg.recall_max_wait_ms = 3600000;
	start();
	gate(1);
	ck_assert_int_eq(submit(mkfile("first"), NULL), 0);
	advance(3600000);			/* "first" is in flight */
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "c%zu", i);
		p[i] = mkfile(name);
		ck_assert_int_eq(submit(p[i], NULL), 0);
	}
	advance(100);				/* a group sync */
	snprintf(dir2, sizeof(dir2), "%s/state2", top);
	snprintf(cmd, sizeof(cmd), "cp -r %s %s", sdir, dir2);
	ck_assert_int_eq(system(cmd), 0);
	gate(0);
	recall_test_wait_idle();
	recall_shutdown(fake_clock() + 5000);

	/* The restart, on the crash's copy. */
	calls_reset();
	cfg.state_dir = dir2;
	cfg.recall_delay_ms = 1000;
	start();
	recall_stats(&s);
	ck_assert_uint_eq(s.queued, 5001);
	advance(1000);
	recall_test_wait_idle();
	ck_assert_uint_eq(nrecalls(), 1);
	n = 0;
	for (i = 0; i < 5000; i++)
		n += in_list(calls[0].list, p[i]) == 1;
	ck_assert_uint_eq(n, 5000);
	ck_assert_int_eq(in_list(calls[0].list, p[0]), 1);
	snprintf(jpath, sizeof(jpath), "%s/first", top);
	ck_assert_int_eq(in_list(calls[0].list, jpath), 1);
	stop();
}
END_TEST

/* Shutdown journals what is queued; the next start recalls it. */
START_TEST(test_shutdown_journal)
{
	const char *a;

	setup();
	start();
	a = mkfile("a");
	ck_assert_int_eq(submit(a, "lib2"), 0);
	recall_shutdown(fake_clock() + 5000);
	ck_assert_int_eq(submit(a, "lib2"), 503);
	start();
	advance(1000);
	recall_test_wait_idle();
	ck_assert_uint_eq(ncalls, 1);
	ck_assert_int_eq(in_list(calls[0].list, a), 1);
	ck_assert_str_eq(calls[0].argv[3], "lib2");
	stop();
}
END_TEST

static Suite *
recall_suite(void)
{
	Suite *s = suite_create("recall");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_quiet);
	tcase_add_test(tc, test_max_wait);
	tcase_add_test(tc, test_max_files);
	tcase_add_test(tc, test_dedup);
	tcase_add_loop_test(tc, test_argv, 0, nitems(argv_cases));
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_full_floor);
	tcase_add_loop_test(tc, test_split, 0, nitems(split_cases));
	tcase_add_test(tc, test_task_rows);
	tcase_add_test(tc, test_deleted);
	tcase_add_test(tc, test_replay);
	tcase_add_test(tc, test_crash);
	tcase_add_test(tc, test_shutdown_journal);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(recall_suite());
	int failed;

	log_set_level(LOG_LEVEL_CRIT);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
