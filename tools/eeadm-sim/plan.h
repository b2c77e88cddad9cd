/*
 * plan: the tape time of a set of catalogue files, by library.
 *
 * Files are grouped by tape; each tape costs sim_model_tape_s() and a
 * library's tapes are spread over its drives by sim_model_schedule().
 * Libraries work in parallel: a run lasts the longest library's time,
 * while the tape seconds added to the catalogue are the sum over
 * libraries (library-busy seconds), the same measure as the limit's.
 */
#ifndef PLAN_H
#define PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"

struct sim_plan {
	size_t		 nlibs;
	double		*lib_s;		/* model seconds of each library */
	uint64_t	*lib_mounts;	/* tapes mounted in each library */
	double		 span_s;	/* the longest library */
	double		 total_s;	/* the sum over libraries */
	uint64_t	 mounts;
};

/*
 * Plans reading the files IDX[0..N) of C (no index twice) into *P, which
 * the caller frees with sim_plan_free().  Returns 0 or -1 (no memory).
 */
int	sim_plan_files(const struct sim_catalog *c, const size_t *idx,
	    size_t n, struct sim_plan *p);

/*
 * The physical limit: every file ever recalled (its recalled flag), each
 * tape mounted once and read in order, spread over the drives.
 */
int	sim_plan_limit(const struct sim_catalog *c, struct sim_plan *p);

void	sim_plan_free(struct sim_plan *p);

#endif
