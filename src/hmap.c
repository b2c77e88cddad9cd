/*
 * hmap: see hmap.h.  Chained buckets keep every record at a fixed address
 * (callers hold pointers to them across unlocks) and let a record be
 * unlinked in O(chain).  The hash is FNV-1a over the bytes, seeded, with
 * a final avalanche so that the low bits pick buckets evenly.
 */
#include <stdlib.h>

#include "hmap.h"

#define HMAP_MIN_BUCKETS	64

uint64_t
hmap_hash(const void *p, size_t len, uint64_t seed)
{
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

int
hmap_init(struct hmap *m, size_t nbuckets)
{
	size_t n = HMAP_MIN_BUCKETS;

	while (n < nbuckets && n < SIZE_MAX / 2)
		n *= 2;
	m->count = 0;
	m->nbuckets = 0;
	if ((m->buckets = calloc(n, sizeof(*m->buckets))) == NULL)
		return -1;
	m->nbuckets = n;
	return 0;
}

void
hmap_free(struct hmap *m)
{
	free(m->buckets);
	m->buckets = NULL;
	m->nbuckets = 0;
	m->count = 0;
}

struct hmap_node *
hmap_find(const struct hmap *m, uint64_t hash, hmap_eq_fn eq,
    const void *key)
{
	struct hmap_node *n;

	if (m->nbuckets == 0)
		return NULL;
	for (n = m->buckets[hash & (m->nbuckets - 1)]; n != NULL; n = n->next)
		if (n->hash == hash && eq(n, key))
			return n;
	return NULL;
}

/* Doubles the bucket array and relinks every record; on ENOMEM, nothing. */
static void
hmap_grow(struct hmap *m)
{
	struct hmap_node **nb, *n, *next;
	size_t i, size = m->nbuckets * 2, slot;

	if (size > SIZE_MAX / sizeof(*nb) ||
	    (nb = calloc(size, sizeof(*nb))) == NULL)
		return;
	for (i = 0; i < m->nbuckets; i++) {
		for (n = m->buckets[i]; n != NULL; n = next) {
			next = n->next;
			slot = n->hash & (size - 1);
			n->next = nb[slot];
			nb[slot] = n;
		}
	}
	free(m->buckets);
	m->buckets = nb;
	m->nbuckets = size;
}

void
hmap_insert(struct hmap *m, struct hmap_node *n)
{
	size_t slot;

	if (m->count >= m->nbuckets)
		hmap_grow(m);
	slot = n->hash & (m->nbuckets - 1);
	n->next = m->buckets[slot];
	m->buckets[slot] = n;
	m->count++;
}

void
hmap_remove(struct hmap *m, struct hmap_node *n)
{
	struct hmap_node **pp;

	pp = &m->buckets[n->hash & (m->nbuckets - 1)];
	while (*pp != NULL && *pp != n)
		pp = &(*pp)->next;
	if (*pp == NULL)
		return;
	*pp = n->next;
	n->next = NULL;
	m->count--;
}

size_t
hmap_visit(struct hmap *m, size_t from, size_t n, hmap_visit_fn visit,
    void *arg)
{
	struct hmap_node **pp, *cur;
	size_t i, end;

	if (m->nbuckets == 0 || from >= m->nbuckets)
		return 0;
	end = n > m->nbuckets - from ? m->nbuckets : from + n;
	for (i = from; i < end; i++) {
		pp = &m->buckets[i];
		while ((cur = *pp) != NULL) {
			*pp = cur->next;
			if (visit(cur, arg)) {
				m->count--;
				continue;
			}
			*pp = cur;
			pp = &cur->next;
		}
	}
	return end == m->nbuckets ? 0 : end;
}
