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

/* Returns once no recall is running. */
void	recall_test_wait_idle(void);

#endif
