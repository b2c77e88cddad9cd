/*
 * model: see model.h.  Pure functions; safe in any thread.
 */
#include <stdlib.h>

#include "model.h"

double
sim_model_seek_s(const struct sim_params *p, uint64_t from, uint64_t to)
{
	uint64_t d = from > to ? from - to : to - from;

	return (double)d / 1e9 * p->seek_s_per_gb;
}

static int
extent_cmp(const void *a, const void *b)
{
	const struct sim_extent *x = a, *y = b;

	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return 0;
}

double
sim_model_tape_s(const struct sim_params *p, struct sim_extent *ext,
    size_t n)
{
	uint64_t head = 0;
	double t;
	size_t i;

	if (n == 0)
		return 0;
	qsort(ext, n, sizeof(*ext), extent_cmp);

	t = p->mount_s;
	for (i = 0; i < n; i++) {
		t += sim_model_seek_s(p, head, ext[i].pos);
		t += (double)ext[i].size / 1e6 / p->read_mb_s;
		head = ext[i].pos + ext[i].size;
	}
	t += sim_model_seek_s(p, head, 0);
	return t + p->unmount_s;
}

struct job {
	double	s;
	size_t	i;
};

/* Longest first; equal lengths keep their input order. */
static int
job_cmp(const void *a, const void *b)
{
	const struct job *x = a, *y = b;

	if (x->s != y->s)
		return x->s > y->s ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

double
sim_model_schedule(const double *job_s, size_t n, unsigned drives,
    unsigned *drive_of)
{
	struct job *jobs = NULL;
	double *free_at = NULL, span = -1;
	size_t i;
	unsigned d, best;

	if (drives == 0)
		return -1;
	jobs = calloc(n ? n : 1, sizeof(*jobs));
	free_at = calloc(drives, sizeof(*free_at));
	if (jobs == NULL || free_at == NULL)
		goto out;

	for (i = 0; i < n; i++) {
		jobs[i].s = job_s[i];
		jobs[i].i = i;
	}
	qsort(jobs, n, sizeof(*jobs), job_cmp);

	for (i = 0; i < n; i++) {
		best = 0;
		for (d = 1; d < drives; d++)
			if (free_at[d] < free_at[best])
				best = d;
		free_at[best] += jobs[i].s;
		if (drive_of != NULL)
			drive_of[jobs[i].i] = best;
	}

	span = 0;
	for (d = 0; d < drives; d++)
		if (free_at[d] > span)
			span = free_at[d];
out:
	free(jobs);
	free(free_at);
	return span;
}
