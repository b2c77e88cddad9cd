/*
 * recall_test: hooks for tests/check_recall.c only; the daemon never
 * calls these.
 */
#ifndef RECALL_TEST_H
#define RECALL_TEST_H

#include "queue_ops.h"

/* Replaces the runner and clock used by the next recall_init() (NULL:
 * the real ones). */
void	recall_test_set_ops(const struct queue_ops *ops);

/* Returns after the coalescer made one whole pass begun after the call
 * (flushes due at the clock's time started, journal written). */
void	recall_test_sync(void);

/* Sets the smallest queue bound the next recall_init() uses (0: the
 * daemon's), so a test can fill a queue with a few files. */
void	recall_test_set_bound_min(size_t bound_min);

/* Returns once no recall is running. */
void	recall_test_wait_idle(void);

#endif
