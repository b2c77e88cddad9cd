/*
 * recall: the per-library queues of files to bring back from tape, the
 * coalescing thread that turns them into "eeadm recall" runs, and the
 * journal that keeps them across a crash.
 *
 * Design.  One queue object (rq) holds a queue per configured library
 * plus one for "no library", a table of entries keyed by (queue, path),
 * and the journal's pending records, all under one mutex (rq.lock) and
 * one condvar (rq.cond) for the coalescer; a second condvar (rq.done)
 * tells shutdown and the tests that a run or a pass ended.  An entry is
 * QUEUED (on its queue's FIFO), INFLIGHT (in a running recall) or IDLE
 * (kept only to remember failures).  recall_submit() does table work and
 * a buffered journal append under the lock and no I/O, so request
 * threads never wait for eeadm or the disk.
 *
 * The coalescer thread, like a bio.c worker: it holds the lock at the
 * top of each pass; a queue is flushed when the first of these holds:
 * no new file for recall_delay, the oldest has waited recall_max_wait,
 * recall_max_files are queued; and fewer than recall_concurrency runs
 * of that queue are going.  A flush takes up to recall_max_files from
 * the head, marks them INFLIGHT and starts a run thread, never waiting
 * for it; new files gather meanwhile.  Then, lock released, it writes
 * the journal: pending records are appended and fdatasync'ed at most
 * every RECALL_SYNC_MS (group commit), and after a run ends the file is
 * rewritten (temp file, fdatasync, rename) with only what is still
 * queued or in flight.  Only the coalescer touches the journal file
 * while it runs.  Then a timed wait until the next deadline.
 *
 * A run thread, unlocked: drops files deleted since they were queued,
 * writes the list (mkostemp in state_dir: O_EXCL, mode 0600, one path
 * per line), runs "eeadm recall LIST [-l LIB] [--resident]", removes the
 * list.  A non-zero exit is read through "eeadm task show -r ID": a
 * Success row clears the file's failures, GLESM431E (in another task)
 * counts as in progress, any other Fail counts one failure with its
 * message id (a deleted file is dropped instead).  No task id, no rows,
 * or a timeout: the batch is split in halves and each retried, down to
 * single files and within RECALL_SPLIT_BUDGET extra runs per flush, so
 * one bad path cannot hold back the rest while a broken eeadm cannot
 * cause thousands of runs; what the budget leaves counts one failure.
 * At the end it drops the cached states of its paths (state_forget),
 * re-locks, marks them IDLE and asks for a journal rewrite.
 *
 * Guarantees.  A (library, path) is in at most one list at a time and
 * never twice in one list.  Within a queue, files go to eeadm in the
 * order they were queued.  A failed file is queued again only by its
 * next recall_submit(); past recall_retries failures submit answers 500.
 * After a kill -9, the journal holds every file queued more than
 * RECALL_SYNC_MS before the kill that had not finished its recall; each
 * is queued once on restart.  Files in flight at the kill are recalled
 * again (harmless: eeadm recall of a file on disk does nothing).
 *
 * A file past its retries is answered 500 for RECALL_FORGET_MS, then
 * tried again, so a fault fixed by an admin heals without a restart.
 *
 * XXX: failure counts live in memory only; a restart forgets them.
 * XXX: IDLE entries that remember failures are freed only when a later
 * recall of their path succeeds, so failing paths that are never asked
 * for again keep a small entry each until a restart.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "eeadm.h"
#include "hmap.h"
#include "log.h"
#include "metrics.h"
#include "queue_ops.h"
#include "recall.h"
#include "recall_test.h"
#include "state.h"
#include "util.h"

#define RECALL_MAX_QUEUES	(CONFIG_MAX_LIBRARIES + 1)
#define RECALL_SYNC_MS		100
#define RECALL_IDLE_MS		1000
#define RECALL_MIN_WAIT_MS	5
#define RECALL_SPLIT_BUDGET	64
#define RECALL_BOUND_FACTOR	10
/* A file given up on is tried again after this long (an admin fixed it). */
#define RECALL_FORGET_MS	(3600 * 1000)

/* Small batches must not make a small queue: a transfer is queued whole. */
#define RECALL_BOUND_MIN	100000

static size_t recall_bound_min = RECALL_BOUND_MIN;
#define RECALL_PATH_MAX		4096
#define RECALL_JOURNAL		"recall.journal"
#define RECALL_LIST_PREFIX	"recall-list."
#define RECALL_IN_PROGRESS	"GLESM431E"

enum recall_where { RE_IDLE, RE_QUEUED, RE_INFLIGHT };

struct recall_queue;

struct recall_entry {
	struct hmap_node	 node;
	struct recall_entry	*next;		/* FIFO link while queued */
	struct recall_queue	*q;
	int64_t			 queued_at;
	unsigned		 fails;
	int64_t			 failed_at;	/* of the last failure */
	int			 where;		/* enum recall_where */
	char			 msgid[16];	/* of the last failure */
	size_t			 len;
	char			 path[];
};

struct recall_queue {
	char			*lib;		/* NULL: no -l */
	struct recall_entry	*head;
	struct recall_entry	**tailp;
	size_t			 nqueued;
	size_t			 ninflight;
	unsigned		 running;
	int64_t			 last_at;	/* when the last file came */
	unsigned long long	 runs;
};

struct recall_run {
	pthread_t		 thread;
	struct recall_queue	*q;
	struct recall_entry	**items;
	size_t			 n;
	int			 budget;	/* split runs left */
	struct recall_run	*next;		/* on rq.finished */
};

/* One Fail row, resolved before the lock is taken. */
struct recall_verdict {
	const char		*path;
	const char		*msgid;
	int			 success;
	int			 gone;
};

static struct {
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	pthread_cond_t		 done;
	int			 running;	/* submits accepted */
	int			 stop;
	pthread_t		 coalescer;
	int			 have_coalescer;
	struct recall_queue	 queues[RECALL_MAX_QUEUES];
	size_t			 nqueues;
	struct hmap		 entries;
	uint64_t		 seed;
	unsigned		 nruns;
	struct recall_run	*finished;
	struct buf		 jpending;
	int			 compact;
	int64_t			 last_sync;
	int			 jfd;
	char			 jpath[4096];
	char			 jtmp[4096];
	char			 dir[4096];
	unsigned long long	 kick;
	unsigned long long	 passes;
	struct recall_stats	 stats;

	struct queue_ops	 ops;
	const struct eeadm	*eeadm;
	int64_t			 delay_ms;
	int64_t			 max_wait_ms;
	size_t			 max_files;
	size_t			 bound;
	unsigned		 concurrency;
	unsigned		 retries;
	int			 resident;
	int64_t			 timeout_ms;
	int64_t			 eeadm_timeout_ms;
} rq = { .lock = PTHREAD_MUTEX_INITIALIZER, .jfd = -1 };

static struct queue_ops recall_test_ops;
static int recall_test_ops_set;

static int
recall_run_eeadm(void *ctx, const char *const args[], size_t nargs,
    int64_t timeout_ms, struct eeadm_result *r)
{
	return eeadm_run(rq.eeadm, args, nargs, timeout_ms, r);
}

/* Writes a reason into MSG (cut if too long) and returns STATUS. */
static int
recall_msg(char *msg, size_t msglen, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
recall_msg(char *msg, size_t msglen, int status, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (msglen == 0)
		return status;
	va_start(ap, fmt);
	n = vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
	return status;
}

/* Waits on COND for at most MS milliseconds (rq.lock held). */
static int
recall_wait_ms(pthread_cond_t *cond, int64_t ms)
{
	struct timespec ts;

	if (ms < RECALL_MIN_WAIT_MS)
		ms = RECALL_MIN_WAIT_MS;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return pthread_cond_timedwait(cond, &rq.lock, &ts);
}

struct recall_key {
	const struct recall_queue	*q;
	const char			*path;
};

static int
recall_entry_eq(const struct hmap_node *n, const void *key)
{
	const struct recall_entry *e = (const struct recall_entry *)n;
	const struct recall_key *k = key;

	return e->q == k->q && strcmp(e->path, k->path) == 0;
}

static uint64_t
recall_hash(const struct recall_queue *q, const char *path, size_t len)
{
	uint64_t qi = (uint64_t)(q - rq.queues);

	return hmap_hash(path, len, rq.seed ^ (qi * 0x9e3779b97f4a7c15ULL));
}

/* The entry of (Q, PATH) or NULL.  rq.lock held. */
static struct recall_entry *
recall_find(const struct recall_queue *q, const char *path, uint64_t h)
{
	struct recall_key k = { q, path };

	return (struct recall_entry *)hmap_find(&rq.entries, h,
	    recall_entry_eq, &k);
}

/* The queue of LIBRARY (NULL: none) or NULL if it is not configured. */
static struct recall_queue *
recall_queue_of(const char *library, size_t len)
{
	size_t i;

	if (library == NULL)
		return &rq.queues[0];
	for (i = 1; i < rq.nqueues; i++)
		if (strlen(rq.queues[i].lib) == len &&
		    memcmp(rq.queues[i].lib, library, len) == 0)
			return &rq.queues[i];
	return NULL;
}

/* Appends E's journal record ("LIBLEN LIB PATH\n") to B. */
static int
recall_journal_record(struct buf *b, const struct recall_entry *e)
{
	const char *lib = e->q->lib != NULL ? e->q->lib : "";

	return buf_printf(b, "%zu %s %s\n", strlen(lib), lib, e->path);
}

/*
 * Queues PATH on Q, reusing E (the entry of an IDLE path) or creating
 * one; journals it when JOURNAL.  Returns 0, or -1 without memory.
 * rq.lock held.
 */
static int
recall_enqueue(struct recall_queue *q, struct recall_entry *e,
    const char *path, size_t len, uint64_t h, int journal)
{
	int64_t now = rq.ops.now_ms();
	int wake = 0;

	if (e == NULL) {
		if ((e = calloc(1, sizeof(*e) + len + 1)) == NULL)
			return -1;
		e->node.hash = h;
		e->q = q;
		e->len = len;
		memcpy(e->path, path, len + 1);
		hmap_insert(&rq.entries, &e->node);
	}
	e->where = RE_QUEUED;
	e->queued_at = now;
	e->next = NULL;
	*q->tailp = e;
	q->tailp = &e->next;
	q->nqueued++;
	q->last_at = now;
	rq.stats.submitted++;

	if (journal) {
		if (rq.jpending.len == 0)
			wake = 1;
		if (recall_journal_record(&rq.jpending, e) == -1)
			log_warn("recall: journal record for %s", path);
	}
	if (q->nqueued == 1 || q->nqueued == rq.max_files)
		wake = 1;
	if (wake)
		pthread_cond_signal(&rq.cond);
	return 0;
}

int
recall_submit(const char *path, const char *library, char *msg,
    size_t msglen)
{
	struct recall_queue *q;
	struct recall_entry *e;
	size_t len = strlen(path);
	uint64_t h;
	int rc = 0;

	if (path[0] != '/' || len >= RECALL_PATH_MAX ||
	    strchr(path, '\n') != NULL)
		return recall_msg(msg, msglen, 400, "a recall needs an "
		    "absolute path without a newline");

	pthread_mutex_lock(&rq.lock);
	if (!rq.running) {
		rc = recall_msg(msg, msglen, 503, "the recall queue is not "
		    "running");
		goto out;
	}
	q = recall_queue_of(library, library != NULL ? strlen(library) : 0);
	if (q == NULL) {
		rc = recall_msg(msg, msglen, 400, "library %s is not "
		    "configured", library);
		goto out;
	}

	h = recall_hash(q, path, len);
	e = recall_find(q, path, h);
	if (e != NULL && e->where != RE_IDLE)
		goto out;
	/* A file given up on gets a new chance after a while. */
	if (e != NULL && e->fails > rq.retries &&
	    rq.ops.now_ms() - e->failed_at >= RECALL_FORGET_MS) {
		log_info("recall: trying %s again, %d s after it was given up",
		    path, RECALL_FORGET_MS / 1000);
		e->fails = 0;
	}
	if (e != NULL && e->fails > rq.retries) {
		rc = recall_msg(msg, msglen, 500, "recall of %s failed %u "
		    "times, last with eeadm %s", path, e->fails, e->msgid);
		goto out;
	}
	if (q->nqueued >= rq.bound) {
		rc = recall_msg(msg, msglen, 503, "the recall queue%s%s is "
		    "full (%zu files)", q->lib ? " of " : "",
		    q->lib ? q->lib : "", q->nqueued);
		goto out;
	}
	if (recall_enqueue(q, e, path, len, h, 1) == -1)
		rc = recall_msg(msg, msglen, 503, "out of memory");
 out:
	pthread_mutex_unlock(&rq.lock);
	return rc;
}

/* Counts one failure under MSGID in the fixed table.  rq.lock held. */
static void
recall_count_failure(const char *msgid)
{
	size_t i, last = RECALL_STATS_MSGIDS - 1;

	rq.stats.failures++;
	for (i = 0; i < last; i++) {
		if (rq.stats.fails[i].msgid[0] == '\0')
			snprintf(rq.stats.fails[i].msgid,
			    sizeof(rq.stats.fails[i].msgid), "%s", msgid);
		if (strcmp(rq.stats.fails[i].msgid, msgid) == 0)
			break;
	}
	if (i == last)
		snprintf(rq.stats.fails[i].msgid,
		    sizeof(rq.stats.fails[i].msgid), "other");
	rq.stats.fails[i].count++;
}

/* Records a failure of E with MSGID.  rq.lock held. */
static void
recall_fail_entry(struct recall_entry *e, const char *msgid)
{
	e->fails++;
	e->failed_at = rq.ops.now_ms();
	snprintf(e->msgid, sizeof(e->msgid), "%s", msgid);
	recall_count_failure(msgid);
	if (e->fails > rq.retries)
		log_warnx("recall: %s failed %u times (last %s); giving up",
		    e->path, e->fails, e->msgid);
	else
		log_info("recall: %s failed (%s), %u of %u tries", e->path,
		    e->msgid, e->fails, rq.retries + 1);
}

static void
recall_fail_all(struct recall_entry **items, size_t n, const char *msgid)
{
	size_t i;

	pthread_mutex_lock(&rq.lock);
	for (i = 0; i < n; i++)
		recall_fail_entry(items[i], msgid);
	pthread_mutex_unlock(&rq.lock);
}

static void
recall_succeed_all(struct recall_entry **items, size_t n)
{
	size_t i;

	pthread_mutex_lock(&rq.lock);
	for (i = 0; i < n; i++)
		items[i]->fails = 0;
	pthread_mutex_unlock(&rq.lock);
}

/*
 * Writes the paths of ITEMS, one per line, to a new private list file
 * whose name goes to PATH.  Returns 0, or -1 (logged, nothing left).
 */
static int
recall_write_list(struct recall_entry **items, size_t n, char *path,
    size_t pathlen)
{
	struct buf b;
	size_t i, off = 0;
	ssize_t w;
	int fd, rc = -1;

	buf_init(&b);
	if ((size_t)snprintf(path, pathlen, "%s/" RECALL_LIST_PREFIX
	    "XXXXXX", rq.dir) >= pathlen) {
		log_warnx("recall: state_dir %s is too long", rq.dir);
		return -1;
	}
	if ((fd = mkostemp(path, O_CLOEXEC)) == -1) {
		log_warn("recall: list file %s", path);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (buf_append(&b, items[i]->path, items[i]->len) == -1 ||
		    buf_append(&b, "\n", 1) == -1)
			goto out;
	while (off < b.len) {
		if ((w = write(fd, b.data + off, b.len - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		off += (size_t)w;
	}
	rc = 0;
 out:
	if (close(fd) == -1)
		rc = -1;
	if (rc == -1) {
		log_warn("recall: writing list %s", path);
		unlink(path);
	}
	buf_free(&b);
	return rc;
}

/*
 * Reads the per-file rows of task ID and applies them to the entries of
 * Q.  Returns the number of rows applied, or -1 when the task could not
 * be read.
 */
static int
recall_task_rows(struct recall_queue *q, uint64_t id)
{
	struct eeadm_task_row *rows = NULL;
	struct recall_verdict *v = NULL;
	struct recall_entry *e;
	struct eeadm_result r;
	const char *args[4];
	char idbuf[32];
	size_t nrows = 0, i;
	struct stat sb;
	int applied = 0;

	snprintf(idbuf, sizeof(idbuf), "%" PRIu64, id);
	args[0] = "task";
	args[1] = "show";
	args[2] = "-r";
	args[3] = idbuf;
	if (rq.ops.run(rq.ops.ctx, args, 4, rq.eeadm_timeout_ms, &r) == -1 ||
	    r.timed_out || eeadm_parse_task_show(buf_str(&r.out),
	    r.out.len, &rows, &nrows) == -1 || nrows == 0 ||
	    (v = calloc(nrows, sizeof(*v))) == NULL) {
		eeadm_result_free(&r);
		eeadm_task_rows_free(rows, nrows);
		return -1;
	}
	eeadm_result_free(&r);

	/* Look at the disk before taking the lock. */
	for (i = 0; i < nrows; i++) {
		v[i].path = rows[i].path;
		v[i].msgid = rows[i].msgid[0] ? rows[i].msgid : "unknown";
		v[i].success = rows[i].success;
		v[i].gone = !v[i].success &&
		    strcmp(v[i].msgid, RECALL_IN_PROGRESS) != 0 &&
		    stat(v[i].path, &sb) == -1 && errno == ENOENT;
	}

	pthread_mutex_lock(&rq.lock);
	for (i = 0; i < nrows; i++) {
		e = recall_find(q, v[i].path, recall_hash(q, v[i].path,
		    strlen(v[i].path)));
		if (e == NULL || e->where != RE_INFLIGHT)
			continue;
		applied++;
		if (v[i].success)
			e->fails = 0;
		else if (strcmp(v[i].msgid, RECALL_IN_PROGRESS) == 0)
			continue;
		else if (v[i].gone) {
			log_warnx("recall: %s was deleted; dropped", e->path);
			rq.stats.dropped++;
			e->fails = 0;
		} else
			recall_fail_entry(e, v[i].msgid);
	}
	pthread_mutex_unlock(&rq.lock);

	free(v);
	eeadm_task_rows_free(rows, nrows);
	return applied;
}

/*
 * Recalls the N files of ITEMS (part of RUN) with one eeadm run, and on
 * a failure that names no file, splits them in halves and tries again.
 * DEPTH is 0 for the flush itself.  Called unlocked.
 */
static void
recall_batch(struct recall_run *run, struct recall_entry **items, size_t n,
    int depth)
{
	struct recall_queue *q = run->q;
	struct eeadm_result r;
	const char *args[5], *why;
	char list[4200];
	size_t nargs = 0, half;
	uint64_t id;
	int rc;

	if (n == 0 || (depth > 0 && __atomic_load_n(&rq.stop,
	    __ATOMIC_RELAXED)))
		return;
	if (depth > 0 && run->budget-- <= 0) {
		recall_fail_all(items, n, "NOTASKID");
		return;
	}
	if (recall_write_list(items, n, list, sizeof(list)) == -1)
		return;

	args[nargs++] = "recall";
	args[nargs++] = list;
	if (q->lib != NULL) {
		args[nargs++] = "-l";
		args[nargs++] = q->lib;
	}
	if (rq.resident)
		args[nargs++] = "--resident";
	rc = rq.ops.run(rq.ops.ctx, args, nargs, rq.timeout_ms, &r);
	unlink(list);

	pthread_mutex_lock(&rq.lock);
	rq.stats.runs++;
	rq.stats.files_run += n;
	q->runs++;
	pthread_mutex_unlock(&rq.lock);
	metrics_recall_files(n);

	if (rc == -1) {
		log_warnx("recall: eeadm could not be run for %zu files", n);
		goto out;
	}
	if (r.exited && r.status == 0) {
		log_info("recall: %zu files recalled%s%s", n,
		    q->lib ? " from " : "", q->lib ? q->lib : "");
		recall_succeed_all(items, n);
		goto out;
	}

	why = r.timed_out ? "TIMEOUT" : "NOTASKID";
	if (!r.timed_out &&
	    (eeadm_parse_task_id(buf_str(&r.out), r.out.len, &id) == 0 ||
	    eeadm_parse_task_id(buf_str(&r.err), r.err.len, &id) == 0)) {
		if (recall_task_rows(q, id) > 0)
			goto out;
		why = "NOTASKROWS";
	}
	log_warnx("recall: eeadm recall of %zu files failed (%s, exit %d)",
	    n, why, r.status);
	if (n == 1) {
		recall_fail_all(items, n, why);
		goto out;
	}
	eeadm_result_free(&r);
	half = n / 2;
	recall_batch(run, items, half, depth + 1);
	recall_batch(run, items + half, n - half, depth + 1);
	return;
 out:
	eeadm_result_free(&r);
}

/*
 * A run thread: recalls RUN's files, then hands them back: their cached
 * states are dropped, they become IDLE (freed unless they remember a
 * failure), and the journal is rewritten by the coalescer.
 */
static void *
recall_run_main(void *arg)
{
	struct recall_run *run = arg;
	struct recall_queue *q = run->q;
	struct recall_entry *e, *tmp;
	size_t i, live = 0;
	struct stat sb;

	/* Files deleted since they were queued go to the end, unasked. */
	for (i = 0; i < run->n; i++) {
		if (stat(run->items[i]->path, &sb) == -1 && errno == ENOENT) {
			log_warnx("recall: %s was deleted after it was "
			    "queued; dropped", run->items[i]->path);
			continue;
		}
		tmp = run->items[live];
		run->items[live++] = run->items[i];
		run->items[i] = tmp;
	}
	recall_batch(run, run->items, live, 0);

	for (i = 0; i < run->n; i++)
		state_forget(run->items[i]->path);

	pthread_mutex_lock(&rq.lock);
	rq.stats.dropped += run->n - live;
	for (i = 0; i < run->n; i++) {
		e = run->items[i];
		if (i >= live)
			e->fails = 0;
		e->where = RE_IDLE;
		q->ninflight--;
		if (e->fails == 0) {
			hmap_remove(&rq.entries, &e->node);
			free(e);
		}
	}
	q->running--;
	rq.nruns--;
	rq.compact = 1;
	run->next = rq.finished;
	rq.finished = run;
	pthread_cond_signal(&rq.cond);
	pthread_cond_broadcast(&rq.done);
	pthread_mutex_unlock(&rq.lock);
	return NULL;
}

/* Joins the run threads that ended.  rq.lock held (they no longer take
 * it). */
static void
recall_reap(void)
{
	struct recall_run *run;

	while ((run = rq.finished) != NULL) {
		rq.finished = run->next;
		pthread_join(run->thread, NULL);
		free(run->items);
		free(run);
	}
}

static int
recall_due(const struct recall_queue *q, int64_t now)
{
	if (q->nqueued == 0 || q->running >= rq.concurrency)
		return 0;
	return q->nqueued >= rq.max_files ||
	    now - q->last_at >= rq.delay_ms ||
	    now - q->head->queued_at >= rq.max_wait_ms;
}

/*
 * Starts a run of up to recall_max_files files from the head of Q.  On
 * failure the files stay queued, in order.  rq.lock held.
 */
static void
recall_flush(struct recall_queue *q)
{
	struct recall_run *run;
	struct recall_entry *e;
	size_t n = q->nqueued < rq.max_files ? q->nqueued : rq.max_files, i;
	int rc;

	if ((run = calloc(1, sizeof(*run))) == NULL ||
	    (run->items = calloc(n, sizeof(*run->items))) == NULL) {
		log_warn("recall: flush of %zu files", n);
		free(run);
		return;
	}
	for (i = 0; i < n; i++) {
		e = q->head;
		q->head = e->next;
		e->next = NULL;
		e->where = RE_INFLIGHT;
		run->items[i] = e;
	}
	if (q->head == NULL)
		q->tailp = &q->head;
	run->q = q;
	run->n = n;
	run->budget = RECALL_SPLIT_BUDGET;

	rc = pthread_create(&run->thread, NULL, recall_run_main, run);
	if (rc != 0) {
		log_warnc(rc, "recall: pthread_create");
		for (i = n; i > 0; i--) {
			e = run->items[i - 1];
			e->where = RE_QUEUED;
			e->next = q->head;
			if (q->head == NULL)
				q->tailp = &e->next;
			q->head = e;
		}
		free(run->items);
		free(run);
		return;
	}
	q->nqueued -= n;
	q->ninflight += n;
	q->running++;
	rq.nruns++;
}

static int
recall_snapshot_one(struct hmap_node *n, void *arg)
{
	struct recall_entry *e = (struct recall_entry *)n;

	if (e->where != RE_IDLE && recall_journal_record(arg, e) == -1)
		log_warn("recall: journal snapshot");
	return 0;
}

/* Fills B with a record for every queued or in-flight file.  rq.lock
 * held. */
static void
recall_snapshot(struct buf *b)
{
	hmap_visit(&rq.entries, 0, SIZE_MAX, recall_snapshot_one, b);
}

static int
recall_write_all(int fd, const char *p, size_t len)
{
	ssize_t w;

	while (len > 0) {
		if ((w = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * Appends B to the journal and syncs it, or, when COMPACT, replaces the
 * journal with B.  Called unlocked, by the coalescer (or by init and
 * shutdown while no coalescer runs).  Failures are logged.
 */
static void
recall_journal_write(const struct buf *b, int compact)
{
	int fd, dfd;

	if (!compact) {
		if (rq.jfd == -1)
			return;
		if (recall_write_all(rq.jfd, buf_str(b), b->len) == -1 ||
		    fdatasync(rq.jfd) == -1)
			log_warn("recall: journal %s", rq.jpath);
		return;
	}

	fd = open(rq.jtmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1 || recall_write_all(fd, buf_str(b), b->len) == -1 ||
	    fdatasync(fd) == -1 || close(fd) == -1 ||
	    rename(rq.jtmp, rq.jpath) == -1) {
		log_warn("recall: rewriting journal %s", rq.jpath);
		if (fd != -1)
			close(fd);
		unlink(rq.jtmp);
		return;
	}
	if ((dfd = open(rq.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fsync(dfd);
		close(dfd);
	}
	if (rq.jfd != -1)
		close(rq.jfd);
	rq.jfd = open(rq.jpath, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (rq.jfd == -1)
		log_warn("recall: journal %s", rq.jpath);
}

/* The next time the coalescer has something to do.  rq.lock held. */
static int64_t
recall_next_wake(int64_t now)
{
	int64_t wake = now + RECALL_IDLE_MS, t;
	size_t i;
	const struct recall_queue *q;

	for (i = 0; i < rq.nqueues; i++) {
		q = &rq.queues[i];
		if (q->nqueued == 0 || q->running >= rq.concurrency)
			continue;
		t = q->last_at + rq.delay_ms;
		if (q->head->queued_at + rq.max_wait_ms < t)
			t = q->head->queued_at + rq.max_wait_ms;
		if (t < wake)
			wake = t;
	}
	if (rq.jpending.len > 0 && rq.last_sync + RECALL_SYNC_MS < wake)
		wake = rq.last_sync + RECALL_SYNC_MS;
	return wake;
}

static void *
recall_coalescer(void *arg)
{
	unsigned long long seen;
	struct buf out, tmp;
	int64_t now;
	size_t i;
	int compact;

	buf_init(&out);
	pthread_mutex_lock(&rq.lock);
	for (;;) {
		seen = rq.kick;
		now = rq.ops.now_ms();
		recall_reap();
		for (i = 0; i < rq.nqueues && !rq.stop; i++)
			if (recall_due(&rq.queues[i], now))
				recall_flush(&rq.queues[i]);

		/* The journal: a rewrite, or a group of appends. */
		compact = rq.compact;
		if (compact || (rq.jpending.len > 0 && (rq.stop ||
		    now - rq.last_sync >= RECALL_SYNC_MS))) {
			if (compact) {
				recall_snapshot(&out);
				buf_reset(&rq.jpending);
			} else {
				tmp = out;
				out = rq.jpending;
				rq.jpending = tmp;
			}
			rq.compact = 0;
			rq.last_sync = now;
			pthread_mutex_unlock(&rq.lock);
			recall_journal_write(&out, compact);
			buf_reset(&out);
			pthread_mutex_lock(&rq.lock);
			continue;
		}
		if (rq.stop)
			break;

		rq.passes = seen;
		pthread_cond_broadcast(&rq.done);
		recall_wait_ms(&rq.cond, recall_next_wake(now) - now);
	}
	rq.passes = seen;
	pthread_cond_broadcast(&rq.done);
	pthread_mutex_unlock(&rq.lock);
	buf_free(&out);
	return NULL;
}

/*
 * Queues again every file of the journal (a line that is not a whole
 * record, e.g. one cut by a crash, is skipped).  Called by init, before
 * any thread runs.
 */
static void
recall_replay(void)
{
	struct recall_queue *q;
	struct recall_entry *e;
	struct buf b;
	char num[8], tmp[4096], *p, *nl, *end;
	size_t n = 0, bad = 0, plen;
	uint64_t liblen;
	ssize_t r;
	int fd;
	uint64_t h;

	if ((fd = open(rq.jpath, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			log_warn("recall: journal %s", rq.jpath);
		return;
	}
	buf_init(&b);
	while ((r = read(fd, tmp, sizeof(tmp))) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 || buf_append(&b, tmp, (size_t)r) == -1) {
			log_warn("recall: reading journal %s", rq.jpath);
			break;
		}
	}
	close(fd);

	end = b.data + b.len;
	for (p = b.data; p != NULL && p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		*nl = '\0';
		plen = strcspn(p, " ");
		if (plen == 0 || plen >= sizeof(num))
			goto bad;
		memcpy(num, p, plen);
		num[plen] = '\0';
		if (util_parse_u64(num, 0, 4096, &liblen) == -1 ||
		    (size_t)(nl - p) < plen + 1 + liblen + 2 ||
		    p[plen + 1 + liblen] != ' ')
			goto bad;
		q = recall_queue_of(liblen ? p + plen + 1 : NULL, liblen);
		p += plen + 1 + liblen + 1;
		if (q == NULL || p[0] != '/') {
			log_warnx("recall: journal: %s: library no longer "
			    "configured or bad path; dropped", p);
			bad++;
			continue;
		}
		h = recall_hash(q, p, strlen(p));
		if ((e = recall_find(q, p, h)) != NULL)
			continue;
		if (recall_enqueue(q, NULL, p, strlen(p), h, 0) == 0)
			n++;
		continue;
 bad:
		bad++;
	}
	buf_free(&b);
	if (n > 0 || bad > 0)
		log_info("recall: %zu files queued again from %s%s", n,
		    rq.jpath, bad ? " (some lines skipped)" : "");
	rq.compact = 1;
}

/* Removes list files a crash left in the state directory. */
static void
recall_clean_lists(void)
{
	struct dirent *de;
	char path[4200];
	DIR *d;

	if ((d = opendir(rq.dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, RECALL_LIST_PREFIX,
		    strlen(RECALL_LIST_PREFIX)) != 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", rq.dir,
		    de->d_name) < sizeof(path))
			unlink(path);
	}
	closedir(d);
}

/* Frees every entry and queue.  No thread runs. */
static int
recall_free_entry(struct hmap_node *n, void *arg)
{
	free(n);
	return 1;
}

static void
recall_free_all(void)
{
	size_t i;

	hmap_visit(&rq.entries, 0, SIZE_MAX, recall_free_entry, NULL);
	hmap_free(&rq.entries);
	for (i = 0; i < rq.nqueues; i++)
		free(rq.queues[i].lib);
	memset(rq.queues, 0, sizeof(rq.queues));
	rq.nqueues = 0;
	buf_free(&rq.jpending);
	if (rq.jfd != -1)
		close(rq.jfd);
	rq.jfd = -1;
	pthread_cond_destroy(&rq.cond);
	pthread_cond_destroy(&rq.done);
}

/* Copies the settings of CFG into rq.  0, or -1 (logged). */
static int
recall_configure(const struct config_server *cfg)
{
	size_t i;

	if (cfg->state_dir == NULL || cfg->state_dir[0] == '\0' ||
	    (size_t)snprintf(rq.dir, sizeof(rq.dir), "%s", cfg->state_dir) >=
	    sizeof(rq.dir) - 64) {
		log_warnx("recall: state_dir is not set or too long");
		return -1;
	}
	if ((size_t)snprintf(rq.jpath, sizeof(rq.jpath), "%s/"
	    RECALL_JOURNAL, rq.dir) >= sizeof(rq.jpath) ||
	    (size_t)snprintf(rq.jtmp, sizeof(rq.jtmp), "%s/" RECALL_JOURNAL
	    ".tmp", rq.dir) >= sizeof(rq.jtmp))
		return -1;

	rq.delay_ms = cfg->recall_delay_ms;
	rq.max_wait_ms = cfg->recall_max_wait_ms;
	rq.max_files = cfg->recall_max_files > 0 ?
	    (size_t)cfg->recall_max_files : 1;
	rq.bound = rq.max_files > SIZE_MAX / RECALL_BOUND_FACTOR ?
	    SIZE_MAX : rq.max_files * RECALL_BOUND_FACTOR;
	if (rq.bound < recall_bound_min)
		rq.bound = recall_bound_min;
	rq.concurrency = cfg->recall_concurrency > 0 ?
	    (unsigned)cfg->recall_concurrency : 1;
	rq.retries = (unsigned)cfg->recall_retries;
	rq.resident = cfg->recall_resident;
	rq.timeout_ms = cfg->recall_timeout_ms;
	rq.eeadm_timeout_ms = cfg->eeadm_timeout_ms;

	memset(rq.queues, 0, sizeof(rq.queues));
	rq.nqueues = 1 + cfg->nlibraries;
	for (i = 0; i < rq.nqueues; i++) {
		rq.queues[i].tailp = &rq.queues[i].head;
		if (i > 0 && (rq.queues[i].lib =
		    strdup(cfg->libraries[i - 1])) == NULL) {
			log_warn("recall: strdup");
			return -1;
		}
	}
	return 0;
}

int
recall_init(const struct config_server *cfg, const struct eeadm *e)
{
	pthread_condattr_t ca;
	int rc;

	rq.eeadm = e;
	rq.ops.run = recall_run_eeadm;
	rq.ops.now_ms = util_now_ms;
	rq.ops.ctx = NULL;
	if (recall_test_ops_set)
		rq.ops = recall_test_ops;
	memset(&rq.stats, 0, sizeof(rq.stats));
	rq.seed = (uint64_t)util_now_ms() ^ ((uint64_t)getpid() << 32) ^
	    (uint64_t)(uintptr_t)&rq;
	buf_init(&rq.jpending);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&rq.cond, &ca);
	pthread_cond_init(&rq.done, &ca);
	pthread_condattr_destroy(&ca);
	rq.stop = 0;
	rq.nruns = 0;
	rq.finished = NULL;
	rq.kick = rq.passes = 0;
	rq.jfd = -1;

	if (hmap_init(&rq.entries, 1024) == -1 || recall_configure(cfg) == -1)
		goto fail;
	if (mkdir(rq.dir, 0700) == -1 && errno != EEXIST) {
		log_warn("recall: state_dir %s", rq.dir);
		goto fail;
	}
	recall_clean_lists();
	recall_replay();
	rq.jfd = open(rq.jpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600);
	if (rq.jfd == -1) {
		log_warn("recall: journal %s", rq.jpath);
		goto fail;
	}
	rq.last_sync = rq.ops.now_ms();

	rq.running = 1;
	rc = pthread_create(&rq.coalescer, NULL, recall_coalescer, NULL);
	if (rc != 0) {
		log_warnc(rc, "recall: pthread_create");
		rq.running = 0;
		goto fail;
	}
	rq.have_coalescer = 1;
	return 0;
 fail:
	recall_free_all();
	return -1;
}

int
recall_shutdown(long long deadline_ms)
{
	struct buf b;
	int64_t left;

	pthread_mutex_lock(&rq.lock);
	if (!rq.running) {
		pthread_mutex_unlock(&rq.lock);
		return 0;
	}
	rq.running = 0;
	__atomic_store_n(&rq.stop, 1, __ATOMIC_RELAXED);
	rq.compact = 1;
	pthread_cond_broadcast(&rq.cond);
	pthread_mutex_unlock(&rq.lock);
	pthread_join(rq.coalescer, NULL);
	rq.have_coalescer = 0;

	/* The journal already holds the runs' files: wait only so long. */
	pthread_mutex_lock(&rq.lock);
	while (rq.nruns > 0) {
		left = (int64_t)deadline_ms - rq.ops.now_ms();
		if (left <= 0 || recall_wait_ms(&rq.done, left) == ETIMEDOUT)
			break;
	}
	if (rq.nruns > 0) {
		/* XXX: runs still going keep rq's memory; it is not freed. */
		log_warnx("recall: %u recalls still running at shutdown; "
		    "their files are journaled", rq.nruns);
		pthread_mutex_unlock(&rq.lock);
		return -1;
	}
	recall_reap();
	buf_init(&b);
	recall_snapshot(&b);
	pthread_mutex_unlock(&rq.lock);

	recall_journal_write(&b, 1);
	buf_free(&b);
	recall_free_all();
	return 0;
}

void
recall_stats(struct recall_stats *s)
{
	const struct recall_queue *q;
	size_t i;

	pthread_mutex_lock(&rq.lock);
	*s = rq.stats;
	s->queued = s->inflight = 0;
	s->nqueues = rq.nqueues;
	for (i = 0; i < rq.nqueues && i < RECALL_STATS_QUEUES; i++) {
		q = &rq.queues[i];
		snprintf(s->queues[i].library, sizeof(s->queues[i].library),
		    "%s", q->lib != NULL ? q->lib : "");
		s->queues[i].queued = q->nqueued;
		s->queues[i].inflight = q->ninflight;
		s->queues[i].runs = q->runs;
		s->queued += q->nqueued;
		s->inflight += q->ninflight;
	}
	pthread_mutex_unlock(&rq.lock);
}

void
recall_test_set_ops(const struct queue_ops *ops)
{
	recall_test_ops_set = ops != NULL;
	if (ops != NULL)
		recall_test_ops = *ops;
}

void
recall_test_sync(void)
{
	unsigned long long target;

	pthread_mutex_lock(&rq.lock);
	target = ++rq.kick;
	pthread_cond_signal(&rq.cond);
	while (rq.have_coalescer && !rq.stop && rq.passes < target)
		pthread_cond_wait(&rq.done, &rq.lock);
	pthread_mutex_unlock(&rq.lock);
}

void
recall_test_wait_idle(void)
{
	pthread_mutex_lock(&rq.lock);
	while (rq.nruns > 0)
		pthread_cond_wait(&rq.done, &rq.lock);
	pthread_mutex_unlock(&rq.lock);
}

void
recall_test_set_bound_min(size_t bound_min)
{
	recall_bound_min = bound_min > 0 ? bound_min : RECALL_BOUND_MIN;
}
