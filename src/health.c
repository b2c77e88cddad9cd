/*
 * health: the eeadm probe behind GET /healthz; see health.h.
 *
 * Why a probe of its own.  The exit status of the daemon's own eeadm
 * runs says little: "file state" of a missing file and a recall with one
 * failed file exit non-zero while eeadm works fine, and an idle daemon
 * runs nothing at all.  "eeadm node list" is read-only, cheap, and fails
 * when LTFS EE is down on the cluster, which is when recalls cannot work
 * either.  Healthy means: the last probe exited 0 within eeadm_timeout,
 * and the daemon is not stopping.
 *
 * Threads and locks.  One probe thread; hl.lock guards every field of
 * hl and is never held across eeadm.  The thread probes at start, then
 * waits on hl.cond for HEALTH_PROBE_MS or a kick from health_check().
 * health_check() runs on a worker: it only reads the last result and, if
 * that is stale, signals the condvar.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "eeadm.h"
#include "health.h"
#include "log.h"
#include "util.h"

static struct {
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	pthread_t		 thread;
	const struct eeadm	*eeadm;
	int64_t			 timeout_ms;
	int			 running;	/* the thread exists */
	int			 stop;
	int			 kick;
	int			 probing;
	int			 healthy;
	int64_t			 last_ms;	/* end of the last probe */
	char			 why[256];
	unsigned long long	 probes;
	unsigned long long	 failures;
} hl = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.why = "eeadm has not been probed yet"
};

/* The first line of B, at most 120 bytes, into OUT. */
static void
health_first_line(const struct buf *b, char *out, size_t outlen)
{
	size_t n = 0;

	while (b->data != NULL && n < b->len && n < 120 &&
	    b->data[n] != '\n')
		n++;
	snprintf(out, outlen, "%.*s", (int)n, buf_str(b));
}

/*
 * Runs one probe and returns 1 (healthy) or 0 with the reason in WHY.
 * Called by the probe thread without the lock.
 */
static int
health_probe(char *why, size_t whylen)
{
	static const char *const args[] = { "node", "list" };
	struct eeadm_result r;
	char line[128];
	int ok = 0;

	if (eeadm_run(hl.eeadm, args, nitems(args), hl.timeout_ms, &r) ==
	    -1)
		snprintf(why, whylen, "eeadm node list could not be started");
	else if (r.timed_out)
		snprintf(why, whylen, "eeadm node list timed out after "
		    "%lld ms", (long long)hl.timeout_ms);
	else if (!r.exited)
		snprintf(why, whylen, "eeadm node list died of signal %d",
		    r.status);
	else if (r.status != 0) {
		health_first_line(r.err.len > 0 ? &r.err : &r.out, line,
		    sizeof(line));
		snprintf(why, whylen, "eeadm node list exited %d: %s",
		    r.status, line);
	} else
		ok = 1;
	eeadm_result_free(&r);
	return ok;
}

/* An absolute CLOCK_REALTIME time MS from now, for timed waits. */
static struct timespec
health_after(int64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static void *
health_main(void *arg)
{
	struct timespec ts;
	char why[sizeof(hl.why)];
	int ok;

	pthread_mutex_lock(&hl.lock);
	while (!hl.stop) {
		hl.probing = 1;
		hl.kick = 0;
		pthread_mutex_unlock(&hl.lock);

		why[0] = '\0';
		ok = health_probe(why, sizeof(why));

		pthread_mutex_lock(&hl.lock);
		hl.probing = 0;
		hl.probes++;
		if (!ok)
			hl.failures++;
		if (ok && !hl.healthy && hl.last_ms != 0)
			log_info("health: eeadm answers again");
		else if (!ok && (hl.healthy || hl.last_ms == 0))
			log_warnx("health: %s", why);
		hl.healthy = ok;
		snprintf(hl.why, sizeof(hl.why), "%s", why);
		hl.last_ms = util_now_ms();
		pthread_cond_broadcast(&hl.cond);

		ts = health_after(HEALTH_PROBE_MS);
		while (!hl.stop && !hl.kick &&
		    pthread_cond_timedwait(&hl.cond, &hl.lock, &ts) == 0)
			;
	}
	pthread_mutex_unlock(&hl.lock);
	return NULL;
}

int
health_init(const struct config_server *cfg, const struct eeadm *e)
{
	int r;

	pthread_mutex_lock(&hl.lock);
	hl.eeadm = e;
	hl.timeout_ms = cfg->eeadm_timeout_ms;
	hl.stop = 0;
	r = pthread_create(&hl.thread, NULL, health_main, NULL);
	hl.running = r == 0;
	pthread_mutex_unlock(&hl.lock);
	if (r != 0) {
		log_warnc(r, "health: pthread_create");
		return -1;
	}
	return 0;
}

void
health_shutdown(int64_t deadline_ms)
{
	struct timespec ts;
	int64_t left;
	int busy;

	pthread_mutex_lock(&hl.lock);
	if (!hl.running) {
		pthread_mutex_unlock(&hl.lock);
		return;
	}
	hl.stop = 1;
	pthread_cond_broadcast(&hl.cond);
	while (hl.probing && (left = deadline_ms - util_now_ms()) > 0) {
		ts = health_after(left);
		pthread_cond_timedwait(&hl.cond, &hl.lock, &ts);
	}
	busy = hl.probing;
	hl.running = 0;
	pthread_mutex_unlock(&hl.lock);

	/*
	 * XXX: a probe still running at the deadline is left behind (its
	 * thread detached); its eeadm is killed only at its own timeout.
	 */
	if (busy) {
		log_warnx("health: leaving a hung eeadm node list behind");
		pthread_detach(hl.thread);
	} else
		pthread_join(hl.thread, NULL);
}

int
health_check(char *why, size_t whylen)
{
	int64_t now = util_now_ms();
	int ok;

	pthread_mutex_lock(&hl.lock);
	if (!hl.running) {
		snprintf(why, whylen, "%s", hl.stop ? "stopping" :
		    "the health probe is not running");
		pthread_mutex_unlock(&hl.lock);
		return 0;
	}
	if (hl.stop) {
		snprintf(why, whylen, "stopping");
		pthread_mutex_unlock(&hl.lock);
		return 0;
	}

	/* Stale: ask for a new probe, answer from the last one now. */
	if (!hl.probing && hl.last_ms != 0 &&
	    now - hl.last_ms >= HEALTH_STALE_MS) {
		hl.kick = 1;
		pthread_cond_broadcast(&hl.cond);
	}
	ok = hl.healthy;
	if (!ok)
		snprintf(why, whylen, "%s", hl.why);
	pthread_mutex_unlock(&hl.lock);
	return ok;
}

void
health_stats(struct health_stats *s)
{
	pthread_mutex_lock(&hl.lock);
	s->healthy = hl.healthy && hl.running && !hl.stop;
	s->probes = hl.probes;
	s->probe_failures = hl.failures;
	pthread_mutex_unlock(&hl.lock);
}
