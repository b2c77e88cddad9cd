/*
 * metrics: counters for GET /metrics, in the Prometheus text format
 * (version 0.0.4).
 *
 * The recording functions are called on the request path and by the
 * eeadm runs; each is a few relaxed atomic additions into fixed arrays,
 * never a lock or an allocation.  The rendering reads those counters and
 * the stats of the other modules (server, tls, state, recall, health)
 * when /metrics is asked.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct eeadm_result;

/* The routes requests are counted by (the "route" label). */
enum metrics_route {
	METRICS_ROUTE_NONE,		/* unknown route, or unparsable */
	METRICS_ROUTE_DESCRIBE,		/* GET /api/v0.5/ */
	METRICS_ROUTE_FILE_STATE,
	METRICS_ROUTE_RECALL,
	METRICS_ROUTE_METRICS,		/* GET /metrics */
	METRICS_ROUTE_HEALTHZ,		/* GET /healthz */
	METRICS_NROUTES
};

/*
 * Counts one response of STATUS (100..599; others count as 0) to ROUTE
 * that took DURATION_MS since its request began.  Lock-free, any thread.
 */
void	metrics_request(enum metrics_route route, int status,
	    int64_t duration_ms);

/*
 * Counts one eeadm run of ARGS (the words after the command; ARGS[0]
 * names it: file, recall, task, node) that ended as R says, or that
 * could not be started (RC -1).  Called by eeadm_run(); any thread.
 */
void	metrics_eeadm(const char *const args[], size_t nargs, int rc,
	    const struct eeadm_result *r);

/* Counts one "eeadm recall" run of NFILES files.  Any thread. */
void	metrics_recall_files(size_t nfiles);

/*
 * Appends every metric to OUT in the text format.  Returns 0, or -1 when
 * out of memory (OUT then holds a part).
 */
int	metrics_render(struct buf *out);

/* The Content-Type of metrics_render()'s output. */
#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

#endif
