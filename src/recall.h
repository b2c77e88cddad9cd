/*
 * recall: the queue of files to bring back from tape.
 *
 * Request threads only enqueue; a coalescing thread runs one
 * "eeadm recall" per batch and library.  A path is queued at most once
 * while it is queued or in flight.
 */
#ifndef RECALL_H
#define RECALL_H

#include <stddef.h>

struct config_server;
struct eeadm;

/* Starts the queue (and replays the journal).  0 or -1 (logged). */
int	recall_init(const struct config_server *cfg, const struct eeadm *e);

/*
 * Journals what is queued and stops, waiting no later than DEADLINE_MS.
 * Returns 0, or -1 when recalls were left running (then the eeadm given
 * to recall_init() must outlive the process).
 */
int	recall_shutdown(long long deadline_ms);

/*
 * Queues PATH for LIBRARY (NULL: no -l).  Returns 0 when it is queued or
 * already queued or in flight, or an HTTP status with a reason in MSG:
 * 503 when the queue is full, 500 when the file failed to recall more
 * than the allowed retries (MSG names the eeadm message id).
 */
int	recall_submit(const char *path, const char *library, char *msg,
	    size_t msglen);

#define RECALL_STATS_QUEUES	17	/* CONFIG_MAX_LIBRARIES + none */
#define RECALL_STATS_MSGIDS	8

/* Counters for /metrics, each since recall_init() unless "now". */
struct recall_stats {
	unsigned long long	submitted;	/* files put in a queue */
	unsigned long long	queued;		/* waiting now */
	unsigned long long	inflight;	/* in a running recall now */
	unsigned long long	runs;		/* eeadm recall runs */
	unsigned long long	files_run;	/* files, over all runs */
	unsigned long long	failures;	/* per-file failures */
	unsigned long long	dropped;	/* deleted files dropped */
	struct {
		char			msgid[16];	/* "" unused */
		unsigned long long	count;
	} fails[RECALL_STATS_MSGIDS];		/* the last is "other" */
	size_t			nqueues;
	struct {
		char			library[64];	/* "" for none */
		unsigned long long	queued;
		unsigned long long	inflight;
		unsigned long long	runs;
	} queues[RECALL_STATS_QUEUES];
};

/* Fills *S; may be called from any thread at any time. */
void	recall_stats(struct recall_stats *s);

#endif
