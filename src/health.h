/*
 * health: whether the daemon can do its work, for GET /healthz.
 *
 * A probe thread runs "eeadm node list" at start, then every
 * HEALTH_PROBE_MS, or sooner when health_check() finds the last result
 * older than HEALTH_STALE_MS (one probe at a time, so at most one a
 * second however often /healthz is asked).  The request path only reads
 * the last result; it never waits for eeadm.
 */
#ifndef HEALTH_H
#define HEALTH_H

#include <stddef.h>
#include <stdint.h>

#define HEALTH_PROBE_MS		30000
#define HEALTH_STALE_MS		1000

struct config_server;
struct eeadm;

/* Starts the probe thread.  0 or -1 (logged). */
int	health_init(const struct config_server *cfg, const struct eeadm *e);

/*
 * Says that the daemon is stopping (health turns 503) and joins the probe
 * thread, waiting for a running probe no later than DEADLINE_MS.
 */
void	health_shutdown(int64_t deadline_ms);

/*
 * Returns 1 when healthy, else 0 with the reason in WHY.  When the last
 * probe is older than HEALTH_STALE_MS the probe thread is woken for a
 * new one; this call still answers from the last result at once.
 * Any thread.
 */
int	health_check(char *why, size_t whylen);

/* For /metrics: 1 healthy, 0 not; the probes run and failed so far. */
struct health_stats {
	int			healthy;
	unsigned long long	probes;
	unsigned long long	probe_failures;
};

void	health_stats(struct health_stats *s);

#endif
