/*
 * queue_ops: how state.c and recall.c run eeadm and read the clock.
 *
 * The daemon uses eeadm_run() and util_now_ms(); the Check tests put in
 * a scripted runner and a clock they advance themselves (state_test.h,
 * recall_test.h), so no test needs a real eeadm or real waiting.
 */
#ifndef QUEUE_OPS_H
#define QUEUE_OPS_H

#include <stddef.h>
#include <stdint.h>

struct eeadm_result;

struct queue_ops {
	/* As eeadm_run(): 0 when it ran (*r filled), -1 if not started. */
	int	(*run)(void *ctx, const char *const args[], size_t nargs,
		    int64_t timeout_ms, struct eeadm_result *r);
	/* Monotonic milliseconds. */
	int64_t	(*now_ms)(void);
	void	*ctx;
};

#endif
