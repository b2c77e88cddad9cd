/*
 * state_test: hooks for tests/check_state.c and the cache benchmark
 * (tests/tools/cachebench.c) only; the daemon never calls these.
 */
#ifndef STATE_TEST_H
#define STATE_TEST_H

#include "queue_ops.h"

/* Replaces the runner and clock used by the next state_init() (NULL:
 * the real ones). */
void	state_test_set_ops(const struct queue_ops *ops);

/* Wakes the lookup threads so that they look at the clock again. */
void	state_test_kick(void);

#endif
