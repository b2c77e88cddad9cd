/*
 * plan: see plan.h.  Pure functions over a loaded catalogue.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "plan.h"

void
sim_plan_free(struct sim_plan *p)
{
	free(p->lib_s);
	free(p->lib_mounts);
	memset(p, 0, sizeof(*p));
}

/*
 * Schedules the per-tape times TAPE_S of C's tapes library by library
 * into P.  Tapes with no file wanted (NFILES 0) are left out.
 */
static int
plan_schedule(const struct sim_catalog *c, const double *tape_s,
    const size_t *nfiles, struct sim_plan *p)
{
	double *jobs;
	size_t l, t, n;

	if ((jobs = calloc(c->ntapes ? c->ntapes : 1, sizeof(*jobs))) ==
	    NULL)
		return -1;
	for (l = 0; l < c->nlibs; l++) {
		n = 0;
		for (t = 0; t < c->ntapes; t++)
			if (c->tapes[t].lib == l && nfiles[t] > 0)
				jobs[n++] = tape_s[t];
		p->lib_s[l] = n ? sim_model_schedule(jobs, n,
		    c->libs[l].drives, NULL) : 0;
		p->lib_mounts[l] = n;
		p->mounts += n;
		p->total_s += p->lib_s[l];
		if (p->lib_s[l] > p->span_s)
			p->span_s = p->lib_s[l];
	}
	free(jobs);
	return 0;
}

int
sim_plan_files(const struct sim_catalog *c, const size_t *idx, size_t n,
    struct sim_plan *p)
{
	struct sim_extent *ext = NULL;
	size_t *start = NULL, *fill = NULL, i, t;
	double *tape_s = NULL;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	p->nlibs = c->nlibs;
	p->lib_s = calloc(c->nlibs + 1, sizeof(*p->lib_s));
	p->lib_mounts = calloc(c->nlibs + 1, sizeof(*p->lib_mounts));
	start = calloc(c->ntapes + 1, sizeof(*start));
	fill = calloc(c->ntapes + 1, sizeof(*fill));
	tape_s = calloc(c->ntapes + 1, sizeof(*tape_s));
	ext = calloc(n + 1, sizeof(*ext));
	if (p->lib_s == NULL || p->lib_mounts == NULL || start == NULL ||
	    fill == NULL || tape_s == NULL || ext == NULL)
		goto out;

	/* Bucket the extents by tape: count, prefix sums, fill. */
	for (i = 0; i < n; i++)
		start[c->files[idx[i]].tape + 1]++;
	for (t = 0; t < c->ntapes; t++)
		start[t + 1] += start[t];
	for (i = 0; i < n; i++) {
		t = c->files[idx[i]].tape;
		ext[start[t] + fill[t]].pos = c->files[idx[i]].pos;
		ext[start[t] + fill[t]].size = c->files[idx[i]].size;
		fill[t]++;
	}
	for (t = 0; t < c->ntapes; t++)
		tape_s[t] = sim_model_tape_s(&c->params, ext + start[t],
		    fill[t]);

	rc = plan_schedule(c, tape_s, fill, p);
out:
	free(ext);
	free(start);
	free(fill);
	free(tape_s);
	if (rc == -1)
		sim_plan_free(p);
	return rc;
}

int
sim_plan_limit(const struct sim_catalog *c, struct sim_plan *p)
{
	size_t *idx, n = 0, i;
	int rc;

	if ((idx = calloc(c->nfiles + 1, sizeof(*idx))) == NULL) {
		memset(p, 0, sizeof(*p));
		return -1;
	}
	for (i = 0; i < c->nfiles; i++)
		if (c->files[i].recalled)
			idx[n++] = i;
	rc = sim_plan_files(c, idx, n, p);
	free(idx);
	return rc;
}
