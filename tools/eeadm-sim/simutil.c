/*
 * simutil: see simutil.h.  Pure helpers, safe in any thread.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simutil.h"

void
sim_str_free(struct sim_str *b)
{
	free(b->s);
	b->s = NULL;
	b->len = 0;
	b->cap = 0;
}

/* Makes room for MORE bytes and a NUL.  Returns 0 or -1 (no memory). */
static int
sim_str_reserve(struct sim_str *b, size_t more)
{
	size_t need, cap;
	char *p;

	if (more > SIZE_MAX / 2 - b->len)
		return -1;
	need = b->len + more + 1;
	if (need <= b->cap)
		return 0;

	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if ((p = realloc(b->s, cap)) == NULL)
		return -1;
	b->s = p;
	b->cap = cap;
	return 0;
}

int
sim_str_add(struct sim_str *b, const void *p, size_t n)
{
	if (sim_str_reserve(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

int
sim_str_printf(struct sim_str *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || sim_str_reserve(b, (size_t)n) == -1)
		return -1;

	va_start(ap, fmt);
	n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len)
		return -1;
	b->len += (size_t)n;
	return 0;
}

int
sim_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
sim_parse_double(const char *s, double min, double max, double *out)
{
	double v;
	char *end;

	/* strtod would take spaces, signs, "inf", "nan" and hex: refuse. */
	if (s == NULL || !isdigit((unsigned char)s[0]) ||
	    strpbrk(s, "xXnN") != NULL)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

uint64_t
sim_rand_next(uint64_t *state)
{
	uint64_t z;

	*state += 0x9e3779b97f4a7c15ULL;
	z = *state;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t
sim_rand_below(uint64_t *state, uint64_t n)
{
	return sim_rand_next(state) % n;
}
