/*
 * state: the cache of "eeadm file state" answers and the batched lookups
 * behind it.
 *
 * Design.  One mutex (st.lock) guards three things: the cache (an hmap
 * of path -> answer and expiry time, one allocation per entry), the
 * table of pending lookups (one record per uncached path being looked
 * up, holding every request waiting for it, so that concurrent requests
 * for one path share one lookup) and the FIFO of pending paths that no
 * eeadm run has taken yet.  The lock is only ever held for table work,
 * never across stat(), eeadm or a waiter's wake function.
 *
 * STATE_THREADS lookup threads share one condvar.  Each pass holds the
 * lock at the top; when the oldest path in the FIFO has waited
 * state_batch_delay, the thread takes every path waiting at that moment
 * (up to state_batch_max and STATE_ARGV_BYTES of argv), unlocks, runs one
 * "eeadm file state -s P1 P2 ...", and re-locks only to publish the
 * answers.  While one run goes on, the next batch gathers and another
 * thread may run it: several threads so that one slow or hung eeadm (up
 * to eeadm_timeout) does not stall every lookup, few so that a burst
 * still makes big batches.
 *
 * Paths missing from a batch's output, or all of them when the batch
 * failed as a whole, are asked again one at a time by the same thread,
 * so that one missing file gives 404 to its own requests only.  Once a
 * one-path run times out, the rest of that batch is answered 502 without
 * running eeadm again (eeadm is hung; do not queue hours of timeouts).
 *
 * Ordering: a waiter's answer is written, then its wake(arg) is called,
 * exactly once, outside the lock.  Successful answers are cached for
 * cache_timeout; errors never are.  Expired entries are dropped when met
 * and by an incremental sweep of thread 0 (a slice of the buckets per
 * second).  state_forget() during a lookup keeps that lookup's answer out
 * of the cache, since it may predate the recall that ended.
 *
 * state_shutdown() waits for runs in progress at most STATE_STOP_MS; a
 * run still going then is left to finish alone as the process exits.
 * XXX: the cache doubles its buckets under the lock; at a million
 * entries that one rehash stalls lookups for some milliseconds.
 */
#include <errno.h>
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
#include "queue_ops.h"
#include "state.h"
#include "state_test.h"
#include "util.h"

#define STATE_THREADS		3
#define STATE_ARGV_BYTES	(256 * 1024)
#define STATE_IDLE_MS		1000
#define STATE_STOP_MS		5000
#define STATE_SWEEP_MS		1000
#define STATE_SWEEP_MIN		4096

/* A cached answer; data holds the path, then the three tapes, each NUL
 * terminated. */
struct state_entry {
	struct hmap_node	 node;
	int64_t			 expires;
	char			 state;
	unsigned char		 replicas;
	char			 data[];
};

struct state_waiter {
	struct state_waiter	*next;
	struct state_answer	*ans;
	state_wake_fn		 wake;
	void			*arg;
};

/* A path being looked up: in st.pending until answered. */
struct state_pending {
	struct hmap_node	 node;
	struct state_pending	*next;		/* FIFO, then its batch */
	struct state_waiter	*waiters;
	int64_t			 since;
	int			 nocache;
	struct state_answer	 answer;
	size_t			 len;
	char			 path[];
};

static struct {
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	int			 running;	/* lookups accepted */
	int			 stop;		/* threads must end */
	struct hmap		 cache;
	struct hmap		 pending;
	struct state_pending	*head;
	struct state_pending	**tailp;
	pthread_t		 threads[STATE_THREADS];
	size_t			 nthreads;
	uint64_t		 seed;
	size_t			 sweep_at;
	int64_t			 next_sweep;

	struct queue_ops	 ops;
	const struct eeadm	*eeadm;
	int64_t			 ttl_ms;
	int64_t			 timeout_ms;
	int64_t			 delay_ms;
	size_t			 batch_max;
	int			 method;
} st = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct state_stats state_counters;
static struct queue_ops state_test_ops;
static int state_test_ops_set;

#define STAT_ADD(field, n) \
	__atomic_fetch_add(&state_counters.field, (n), __ATOMIC_RELAXED)

static int
state_run_eeadm(void *ctx, const char *const args[], size_t nargs,
    int64_t timeout_ms, struct eeadm_result *r)
{
	return eeadm_run(st.eeadm, args, nargs, timeout_ms, r);
}

/*
 * Sets *A to an error STATUS with a formatted reason.  A reason too long
 * for the message field is cut and ends in "...".
 */
static void
state_fail(struct state_answer *a, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
state_fail(struct state_answer *a, int status, const char *fmt, ...)
{
	va_list ap;
	int n;

	memset(a, 0, sizeof(*a));
	a->status = status;
	va_start(ap, fmt);
	n = vsnprintf(a->message, sizeof(a->message), fmt, ap);
	va_end(ap);
	if (n < 0)
		snprintf(a->message, sizeof(a->message), "error %d", status);
	else if ((size_t)n >= sizeof(a->message))
		memcpy(a->message + sizeof(a->message) - 4, "...", 4);
}

/* Waits on st.cond for at most MS milliseconds (st.lock held). */
static void
state_wait_ms(int64_t ms)
{
	struct timespec ts;

	if (ms < 1)
		ms = 1;
	if (ms > STATE_IDLE_MS)
		ms = STATE_IDLE_MS;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&st.cond, &st.lock, &ts);
}

static int
state_entry_eq(const struct hmap_node *n, const void *key)
{
	const struct state_entry *e = (const struct state_entry *)n;

	return strcmp(e->data, key) == 0;
}

static int
state_pending_eq(const struct hmap_node *n, const void *key)
{
	const struct state_pending *p = (const struct state_pending *)n;

	return strcmp(p->path, key) == 0;
}

/*
 * Fills *A from the cache entry of PATH if there is a live one and
 * returns 1; drops an expired one and returns 0.  st.lock held.
 */
static int
state_cache_get(const char *path, uint64_t h, struct state_answer *a)
{
	struct state_entry *e;
	const char *t;
	size_t i, len;

	e = (struct state_entry *)hmap_find(&st.cache, h, state_entry_eq,
	    path);
	if (e == NULL)
		return 0;
	if (e->expires <= st.ops.now_ms()) {
		hmap_remove(&st.cache, &e->node);
		free(e);
		return 0;
	}

	memset(a, 0, sizeof(*a));
	a->state = e->state;
	a->replicas = e->replicas;
	t = e->data + strlen(e->data) + 1;
	for (i = 0; i < 3; i++) {
		len = strlen(t);
		memcpy(a->tapes[i], t, len + 1);
		t += len + 1;
	}
	return 1;
}

/* Caches P's successful answer, replacing any older entry.  st.lock held;
 * without memory the answer is simply not cached. */
static void
state_cache_put(const struct state_pending *p)
{
	const struct state_answer *a = &p->answer;
	struct state_entry *e, *old;
	size_t tl[3], i, size;
	char *d;

	size = sizeof(*e) + p->len + 1;
	for (i = 0; i < 3; i++) {
		tl[i] = strnlen(a->tapes[i], sizeof(a->tapes[i]) - 1);
		size += tl[i] + 1;
	}
	if (st.ttl_ms <= 0 || (e = malloc(size)) == NULL)
		return;

	old = (struct state_entry *)hmap_find(&st.cache, p->node.hash,
	    state_entry_eq, p->path);
	if (old != NULL) {
		hmap_remove(&st.cache, &old->node);
		free(old);
	}

	e->node.hash = p->node.hash;
	e->expires = st.ops.now_ms() + st.ttl_ms;
	e->state = a->state;
	e->replicas = a->replicas > 255 ? 255 : (unsigned char)a->replicas;
	d = e->data;
	memcpy(d, p->path, p->len + 1);
	d += p->len + 1;
	for (i = 0; i < 3; i++) {
		memcpy(d, a->tapes[i], tl[i]);
		d[tl[i]] = '\0';
		d += tl[i] + 1;
	}
	hmap_insert(&st.cache, &e->node);
}

static int
state_sweep_one(struct hmap_node *n, void *arg)
{
	struct state_entry *e = (struct state_entry *)n;

	if (e->expires > *(const int64_t *)arg)
		return 0;
	free(e);
	return 1;
}

/* Drops the expired entries of the next slice of buckets.  st.lock held. */
static void
state_sweep(int64_t now)
{
	size_t n = st.cache.nbuckets / 32;

	if (n < STATE_SWEEP_MIN)
		n = STATE_SWEEP_MIN;
	st.sweep_at = hmap_visit(&st.cache, st.sweep_at, n, state_sweep_one,
	    &now);
	st.next_sweep = now + STATE_SWEEP_MS;
}

/*
 * Adds a waiter for PATH, creating its pending record (and queueing it
 * for a lookup thread) if it is the first.  Returns 1, or -1 without
 * memory.  st.lock held.
 */
static int
state_enqueue(const char *path, uint64_t h, struct state_answer *ans,
    state_wake_fn wake, void *arg)
{
	struct state_pending *p;
	struct state_waiter *w;
	size_t len = strlen(path);

	if ((w = malloc(sizeof(*w))) == NULL)
		return -1;
	w->ans = ans;
	w->wake = wake;
	w->arg = arg;

	p = (struct state_pending *)hmap_find(&st.pending, h,
	    state_pending_eq, path);
	if (p == NULL) {
		if ((p = calloc(1, sizeof(*p) + len + 1)) == NULL) {
			free(w);
			return -1;
		}
		p->node.hash = h;
		p->since = st.ops.now_ms();
		p->len = len;
		memcpy(p->path, path, len + 1);
		hmap_insert(&st.pending, &p->node);
		*st.tailp = p;
		st.tailp = &p->next;
		pthread_cond_signal(&st.cond);
	}
	w->next = p->waiters;
	p->waiters = w;
	return 1;
}

int
state_lookup(const char *path, struct state_answer *ans,
    state_wake_fn wake, void *arg)
{
	struct stat sb;
	uint64_t h;
	int r, sr;

	pthread_mutex_lock(&st.lock);
	if (!st.running) {
		pthread_mutex_unlock(&st.lock);
		state_fail(ans, 503, "the state cache is not running");
		return -1;
	}
	h = hmap_hash(path, strlen(path), st.seed);
	r = state_cache_get(path, h, ans);
	pthread_mutex_unlock(&st.lock);
	if (r) {
		STAT_ADD(hits, 1);
		return 0;
	}
	STAT_ADD(misses, 1);

	/* A missing file needs no eeadm; a stub may need none either. */
	sr = stat(path, &sb);
	if (sr == -1 && (errno == ENOENT || errno == ENOTDIR)) {
		state_fail(ans, 404, "%s: no such file", path);
		return 0;
	}
	if (sr == 0 && st.method == CONFIG_STATE_STAT && S_ISREG(sb.st_mode) &&
	    sb.st_blocks == 0 && sb.st_size > 0) {
		STAT_ADD(stat_answers, 1);
		memset(ans, 0, sizeof(*ans));
		ans->state = 'M';
		return 0;
	}

	pthread_mutex_lock(&st.lock);
	if (!st.running)
		r = -1;
	else if (state_cache_get(path, h, ans))
		r = 0;
	else
		r = state_enqueue(path, h, ans, wake, arg);
	pthread_mutex_unlock(&st.lock);
	if (r == -1)
		state_fail(ans, 503, "no lookup could be started for %s",
		    path);
	return r;
}

void
state_forget(const char *path)
{
	struct state_entry *e;
	struct state_pending *p;
	uint64_t h;

	pthread_mutex_lock(&st.lock);
	if (st.cache.nbuckets == 0) {
		pthread_mutex_unlock(&st.lock);
		return;
	}
	h = hmap_hash(path, strlen(path), st.seed);
	e = (struct state_entry *)hmap_find(&st.cache, h, state_entry_eq,
	    path);
	if (e != NULL) {
		hmap_remove(&st.cache, &e->node);
		free(e);
	}
	p = (struct state_pending *)hmap_find(&st.pending, h,
	    state_pending_eq, path);
	if (p != NULL)
		p->nocache = 1;
	pthread_mutex_unlock(&st.lock);
}

/*
 * Publishes the answers of the pending records on LIST (linked by next):
 * takes them out of the pending table and caches the successes under
 * the lock, then, unlocked, writes each waiter's answer and wakes it.
 * A 502 (eeadm failed or said something unreadable: a fault on the
 * server's side, invisible to the admin otherwise) is logged at warning.
 * Frees LIST.
 */
static void
state_finish(struct state_pending *list)
{
	struct state_pending *p, *pnext;
	struct state_waiter *w, *wnext;

	pthread_mutex_lock(&st.lock);
	for (p = list; p != NULL; p = p->next) {
		hmap_remove(&st.pending, &p->node);
		if (p->answer.status == 0 && !p->nocache)
			state_cache_put(p);
	}
	pthread_mutex_unlock(&st.lock);

	for (p = list; p != NULL; p = pnext) {
		pnext = p->next;
		if (p->answer.status == 502)
			log_warnx("%s", p->answer.message);
		for (w = p->waiters; w != NULL; w = wnext) {
			wnext = w->next;
			*w->ans = p->answer;
			w->wake(w->arg);
			free(w);
		}
		free(p);
	}
}

static void
state_finish_one(struct state_pending *p)
{
	p->next = NULL;
	state_finish(p);
}

/* Sets P's answer from a line eeadm_find_state() returned F for. */
static void
state_judge_line(struct state_pending *p, int f,
    const struct eeadm_file_state *fs)
{
	struct state_answer *a = &p->answer;
	char c;

	if (f == -1) {
		state_fail(a, 502, "eeadm printed a malformed line for %s",
		    p->path);
		return;
	}
	if (fs->state != 'R' && fs->state != 'P' && fs->state != 'M') {
		c = fs->state > ' ' && fs->state < 127 ? fs->state : '?';
		state_fail(a, 502, "eeadm reported unknown state %c for %s",
		    c, p->path);
		return;
	}
	memset(a, 0, sizeof(*a));
	a->state = fs->state;
	a->replicas = fs->replicas;
	memcpy(a->tapes, fs->tapes, sizeof(a->tapes));
}

/* Sets P's answer from a run that asked for P alone (RC as eeadm_run). */
static void
state_judge_single(struct state_pending *p, int rc,
    const struct eeadm_result *r)
{
	struct eeadm_file_state fs;
	struct stat sb;
	const char *err;
	size_t elen;
	int f;

	if (rc == -1) {
		state_fail(&p->answer, 502, "eeadm could not be run");
		return;
	}
	if (r->timed_out) {
		state_fail(&p->answer, 502, "eeadm file state timed out "
		    "for %s", p->path);
		return;
	}
	f = eeadm_find_state(buf_str(&r->out), r->out.len, p->path, &fs);
	if (f != 1) {
		state_judge_line(p, f, &fs);
		return;
	}

	if (eeadm_says_not_found(buf_str(&r->out), r->out.len) ||
	    eeadm_says_not_found(buf_str(&r->err), r->err.len) ||
	    (stat(p->path, &sb) == -1 && errno == ENOENT)) {
		state_fail(&p->answer, 404, "%s: no such file", p->path);
		return;
	}
	err = buf_str(&r->err);
	elen = strcspn(err, "\n");
	state_fail(&p->answer, 502, "eeadm file state said nothing of %s "
	    "(%s %d)%s%.*s", p->path, r->exited ? "exit" : "killed by signal",
	    r->status, elen ? ": " : "", (int)(elen > 120 ? 120 : elen), err);
}

/* Runs eeadm file state -s for N paths; returns as eeadm_run(). */
static int
state_run(const char *const *paths, size_t n, struct eeadm_result *r)
{
	const char **args;
	int rc;

	if ((args = calloc(n + 3, sizeof(*args))) == NULL) {
		memset(r, 0, sizeof(*r));
		return -1;
	}
	args[0] = "file";
	args[1] = "state";
	args[2] = "-s";
	memcpy(args + 3, paths, n * sizeof(*args));
	rc = st.ops.run(st.ops.ctx, args, n + 3, st.timeout_ms, r);
	free(args);
	STAT_ADD(runs, 1);
	STAT_ADD(paths, n);
	return rc;
}

/* Asks for P alone and publishes the answer.  Returns 1 if it timed
 * out. */
static int
state_ask_one(struct state_pending *p)
{
	const char *path = p->path;
	struct eeadm_result r;
	int rc, timed_out;

	rc = state_run(&path, 1, &r);
	state_judge_single(p, rc, &r);
	timed_out = rc == 0 && r.timed_out;
	eeadm_result_free(&r);
	state_finish_one(p);
	return timed_out;
}

/*
 * 1 when a line of BUF names PATH (as a whole word) and says it does not
 * exist, so a batch's error output answers 404 without asking again.
 */
static int
state_said_missing(const char *buf, size_t len, const char *path)
{
	const char *line = buf, *end = buf + len, *nl, *hit;
	size_t plen = strlen(path);
	char after;

	for (; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		hit = memmem(line, (size_t)(nl - line), path, plen);
		if (hit == NULL || (hit > line && hit[-1] != ' ' &&
		    hit[-1] != '\'' && hit[-1] != '"'))
			continue;
		after = hit + plen < nl ? hit[plen] : '\n';
		if (after != '\n' && after != ' ' && after != '.' &&
		    after != ':' && after != '\'' && after != '"' &&
		    after != '\r')
			continue;
		if (eeadm_says_not_found(line, (size_t)(nl - line)))
			return 1;
	}
	return 0;
}

/*
 * What a batch run that left paths unanswered says of them as a whole:
 * 0 when each must be asked alone (eeadm exited non-zero, so one missing
 * file may have failed the rest), or 502 with the reason in A when
 * asking again cannot help (it crashed, or exited 0 with nothing
 * readable for any path: a broken eeadm stays broken, and a run per path
 * would cost minutes).
 */
static int
state_judge_batch(int rc, const struct eeadm_result *r, int answered,
    struct state_answer *a)
{
	const char *err = buf_str(&r->err);
	int elen = (int)strcspn(err, "\n");

	if (elen > 120)
		elen = 120;
	if (rc == -1)
		state_fail(a, 502, "eeadm could not be run");
	else if (r->timed_out)
		return 0;
	else if (!r->exited)
		state_fail(a, 502, "eeadm file state was killed by signal %d",
		    r->status);
	else if (r->status == 0 && !answered)
		state_fail(a, 502, "eeadm file state printed no state line%s"
		    "%.*s", elen ? ": " : "", elen, err);
	else
		return 0;
	return 502;
}

/*
 * Looks up the N paths of BATCH with one run, then the ones it did not
 * answer one at a time; publishes every answer.  Called unlocked.
 */
static void
state_ask(struct state_pending *batch, size_t n)
{
	struct state_pending *p, *next, *done = NULL, *again = NULL;
	struct eeadm_file_state fs;
	struct state_answer verdict;
	struct eeadm_result r;
	const char **paths;
	size_t i = 0;
	int rc, f, whole, hung = 0;

	if (n == 1) {
		state_ask_one(batch);
		return;
	}
	if ((paths = calloc(n, sizeof(*paths))) == NULL) {
		memset(&r, 0, sizeof(r));
		rc = -1;
	} else {
		for (p = batch; p != NULL; p = p->next)
			paths[i++] = p->path;
		rc = state_run(paths, n, &r);
		free(paths);
	}

	for (p = batch; p != NULL; p = next) {
		next = p->next;
		f = 1;
		if (rc == 0 && !r.timed_out)
			f = eeadm_find_state(buf_str(&r.out), r.out.len,
			    p->path, &fs);
		if (f == 1) {
			p->next = again;
			again = p;
			continue;
		}
		state_judge_line(p, f, &fs);
		p->next = done;
		done = p;
	}
	/*
	 * The unanswered: all 502 when the run as a whole was broken; 404
	 * at once where the error output names the file as missing; the
	 * rest asked alone.
	 */
	whole = state_judge_batch(rc, &r, done != NULL, &verdict);
	for (p = again, again = NULL; p != NULL; p = next) {
		next = p->next;
		if (whole != 0)
			p->answer = verdict;
		else if (rc == 0 && r.exited && r.status != 0 &&
		    (state_said_missing(buf_str(&r.err), r.err.len,
		    p->path) || state_said_missing(buf_str(&r.out),
		    r.out.len, p->path)))
			state_fail(&p->answer, 404, "%s: no such file",
			    p->path);
		else {
			p->next = again;
			again = p;
			continue;
		}
		p->next = done;
		done = p;
	}
	if (whole != 0)
		log_warnx("state: %s", verdict.message);
	eeadm_result_free(&r);
	state_finish(done);

	for (p = again; p != NULL; p = next) {
		next = p->next;
		if (__atomic_load_n(&st.stop, __ATOMIC_RELAXED)) {
			state_fail(&p->answer, 503, "the daemon is "
			    "shutting down");
			state_finish_one(p);
		} else if (hung) {
			state_fail(&p->answer, 502, "eeadm file state timed "
			    "out for other files; %s was not asked", p->path);
			state_finish_one(p);
		} else {
			STAT_ADD(single_runs, 1);
			hung = state_ask_one(p);
		}
	}
}

/*
 * Takes the paths waiting now off the FIFO, up to the batch limits, into
 * a list linked by next; sets *N.  st.lock held, FIFO not empty.
 */
static struct state_pending *
state_take_batch(size_t *n)
{
	struct state_pending *first = st.head, *p = st.head, *last = NULL;
	size_t count = 0, bytes = 0, cost;

	while (p != NULL && count < st.batch_max) {
		cost = p->len + 1 + sizeof(char *);
		if (count > 0 && bytes + cost > STATE_ARGV_BYTES)
			break;
		bytes += cost;
		count++;
		last = p;
		p = p->next;
	}
	last->next = NULL;
	st.head = p;
	if (p == NULL)
		st.tailp = &st.head;
	*n = count;
	return first;
}

/* A lookup thread; ARG is its index (0 also sweeps the cache). */
static void *
state_thread(void *arg)
{
	size_t idx = (size_t)(uintptr_t)arg, n;
	struct state_pending *batch;
	int64_t now, wait;

	pthread_mutex_lock(&st.lock);
	while (!st.stop) {
		now = st.ops.now_ms();
		if (idx == 0 && now >= st.next_sweep)
			state_sweep(now);

		if (st.head != NULL && now - st.head->since >= st.delay_ms) {
			batch = state_take_batch(&n);
			pthread_mutex_unlock(&st.lock);
			state_ask(batch, n);
			pthread_mutex_lock(&st.lock);
			continue;
		}

		wait = STATE_IDLE_MS;
		if (st.head != NULL)
			wait = st.head->since + st.delay_ms - now;
		if (idx == 0 && st.next_sweep - now < wait)
			wait = st.next_sweep - now;
		state_wait_ms(wait);
	}
	pthread_mutex_unlock(&st.lock);
	return NULL;
}

static int
state_free_entry(struct hmap_node *n, void *arg)
{
	free(n);
	return 1;
}

/* Stops and joins the threads, answers what waits 503, empties tables. */
static int
state_stop(void)
{
	struct state_pending *p, *list;
	struct timespec ts;
	size_t i;
	int stuck = 0;

	pthread_mutex_lock(&st.lock);
	st.running = 0;
	__atomic_store_n(&st.stop, 1, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&st.cond);
	pthread_mutex_unlock(&st.lock);

	/*
	 * A thread inside a hung eeadm would hold the stop up to
	 * eeadm_timeout, past what a service manager waits: give up on it
	 * after STATE_STOP_MS and leave the shared tables to it.
	 */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += STATE_STOP_MS / 1000;
	for (i = 0; i < st.nthreads; i++)
		if (pthread_timedjoin_np(st.threads[i], NULL, &ts) != 0)
			stuck++;
	st.nthreads = 0;

	pthread_mutex_lock(&st.lock);
	list = st.head;
	st.head = NULL;
	st.tailp = &st.head;
	pthread_mutex_unlock(&st.lock);
	for (p = list; p != NULL; p = p->next)
		state_fail(&p->answer, 503, "the daemon is shutting down");
	state_finish(list);
	if (stuck > 0) {
		log_warnx("state: %d eeadm file state run(s) still going at "
		    "stop; not waiting for them", stuck);
		return -1;
	}

	pthread_mutex_lock(&st.lock);
	hmap_visit(&st.cache, 0, SIZE_MAX, state_free_entry, NULL);
	hmap_free(&st.cache);
	hmap_free(&st.pending);
	pthread_mutex_unlock(&st.lock);
	pthread_cond_destroy(&st.cond);
	return 0;
}

int
state_init(const struct config_server *cfg, const struct eeadm *e)
{
	pthread_condattr_t ca;
	size_t i;
	int rc;

	st.eeadm = e;
	st.ops.run = state_run_eeadm;
	st.ops.now_ms = util_now_ms;
	st.ops.ctx = NULL;
	if (state_test_ops_set)
		st.ops = state_test_ops;
	st.ttl_ms = cfg->cache_timeout_ms;
	st.timeout_ms = cfg->eeadm_timeout_ms;
	st.delay_ms = cfg->state_batch_delay_ms;
	st.batch_max = cfg->state_batch_max > 0 ?
	    (size_t)cfg->state_batch_max : 1;
	st.method = cfg->state_method;
	st.seed = (uint64_t)util_now_ms() ^ ((uint64_t)getpid() << 32) ^
	    (uint64_t)(uintptr_t)&st;
	memset(&state_counters, 0, sizeof(state_counters));

	if (hmap_init(&st.cache, 1024) == -1 ||
	    hmap_init(&st.pending, 64) == -1) {
		log_warn("%s: hash tables", __func__);
		hmap_free(&st.cache);
		return -1;
	}
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&st.cond, &ca);
	pthread_condattr_destroy(&ca);
	st.head = NULL;
	st.tailp = &st.head;
	st.stop = 0;
	st.sweep_at = 0;
	st.next_sweep = st.ops.now_ms() + STATE_SWEEP_MS;
	st.running = 1;

	for (i = 0; i < STATE_THREADS; i++) {
		rc = pthread_create(&st.threads[i], NULL, state_thread,
		    (void *)(uintptr_t)i);
		if (rc != 0) {
			log_warnc(rc, "%s: pthread_create", __func__);
			state_stop();
			return -1;
		}
		st.nthreads++;
	}
	return 0;
}

int
state_shutdown(void)
{
	pthread_mutex_lock(&st.lock);
	if (!st.running) {
		pthread_mutex_unlock(&st.lock);
		return 0;
	}
	pthread_mutex_unlock(&st.lock);
	return state_stop();
}

void
state_stats(struct state_stats *s)
{
	s->runs = __atomic_load_n(&state_counters.runs, __ATOMIC_RELAXED);
	s->paths = __atomic_load_n(&state_counters.paths, __ATOMIC_RELAXED);
	s->single_runs = __atomic_load_n(&state_counters.single_runs,
	    __ATOMIC_RELAXED);
	s->hits = __atomic_load_n(&state_counters.hits, __ATOMIC_RELAXED);
	s->misses = __atomic_load_n(&state_counters.misses,
	    __ATOMIC_RELAXED);
	s->stat_answers = __atomic_load_n(&state_counters.stat_answers,
	    __ATOMIC_RELAXED);

	pthread_mutex_lock(&st.lock);
	s->cached = st.cache.count;
	s->pending = st.pending.count;
	pthread_mutex_unlock(&st.lock);
}

void
state_test_set_ops(const struct queue_ops *ops)
{
	state_test_ops_set = ops != NULL;
	if (ops != NULL)
		state_test_ops = *ops;
}

void
state_test_kick(void)
{
	pthread_mutex_lock(&st.lock);
	pthread_cond_broadcast(&st.cond);
	pthread_mutex_unlock(&st.lock);
}
