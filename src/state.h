/*
 * state: what "eeadm file state" says of a path, through a cache.
 *
 * A lookup either answers at once from the cache, or becomes pending:
 * the answer is written into the caller's struct state_answer and then
 * WAKE(ARG) is called exactly once, from another thread, so that a
 * request waiting for eeadm holds no worker thread.
 */
#ifndef STATE_H
#define STATE_H

#include <stddef.h>

struct config_server;
struct eeadm;

struct state_answer {
	int		 status;	/* 0 found, 404, 502, 503 */
	char		 state;		/* 'R', 'P', 'M' when status is 0 */
	unsigned	 replicas;
	char		 tapes[3][96];	/* "" for none */
	char		 message[256];	/* the reason when status != 0 */
};

typedef void (*state_wake_fn)(void *arg);

/* Starts the cache and its lookup thread.  0 or -1 (logged). */
int	state_init(const struct config_server *cfg, const struct eeadm *e);

/*
 * Stops the lookup threads; pending lookups are answered 503.  Returns 0,
 * or -1 when a thread still in eeadm was left running (then the eeadm
 * given to state_init() must outlive the process).
 */
int	state_shutdown(void);

/*
 * Looks PATH up.  Returns 0 when *ans holds the answer now, 1 when the
 * lookup is pending (WAKE(ARG) will be called once *ans is filled), or
 * -1 when no lookup could be started (*ans holds a 503).
 */
int	state_lookup(const char *path, struct state_answer *ans,
	    state_wake_fn wake, void *arg);

/* Forgets what is cached of PATH (after a recall ends). */
void	state_forget(const char *path);

/* Counters for /metrics, each since state_init(). */
struct state_stats {
	unsigned long long	runs;		/* eeadm file state runs */
	unsigned long long	paths;		/* paths asked, over all runs */
	unsigned long long	single_runs;	/* one-path re-asks, of runs */
	unsigned long long	hits;		/* answered from the cache */
	unsigned long long	misses;		/* not in the cache */
	unsigned long long	stat_answers;	/* answered by stat() alone */
	unsigned long long	cached;		/* entries in the cache now */
	unsigned long long	pending;	/* paths being looked up now */
};

/* Fills *S; may be called from any thread at any time. */
void	state_stats(struct state_stats *s);

#endif
