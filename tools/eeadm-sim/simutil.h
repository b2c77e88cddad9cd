/*
 * simutil: the simulator's own small helpers (it links nothing from
 * src/): a growable string, strict number parsing, a seeded generator.
 * Error contract: 0 on success, -1 on failure.  No globals, no locks.
 */
#ifndef SIMUTIL_H
#define SIMUTIL_H

#include <stddef.h>
#include <stdint.h>

#define SIM_NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* A growable string; s is NUL-terminated after len bytes once used. */
struct sim_str {
	char	*s;
	size_t	 len;
	size_t	 cap;
};

void	sim_str_free(struct sim_str *);
int	sim_str_add(struct sim_str *, const void *, size_t);
int	sim_str_printf(struct sim_str *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* A whole decimal string (no sign, space or suffix) within [min, max]. */
int	sim_parse_u64(const char *, uint64_t min, uint64_t max, uint64_t *);

/*
 * A finite decimal number within [min, max]: digits with an optional
 * fraction or exponent as strtod reads them, nothing before or after.
 */
int	sim_parse_double(const char *, double min, double max, double *);

/* A 64-bit generator (splitmix64): the same seed, the same sequence. */
uint64_t sim_rand_next(uint64_t *state);
/* A value in [0, n) for n > 0; bias is negligible for our sizes. */
uint64_t sim_rand_below(uint64_t *state, uint64_t n);

#endif
