/*
 * hmap: an intrusive hash table with chained buckets.
 *
 * The caller embeds a struct hmap_node in its own record (one allocation
 * per entry, no separate node), computes the hash with hmap_hash() and
 * owns the records: the table only links them.  The table grows by
 * doubling when it holds more entries than buckets; a failed growth only
 * leaves the chains longer.  No locks: the caller serialises access.
 */
#ifndef HMAP_H
#define HMAP_H

#include <stddef.h>
#include <stdint.h>

struct hmap_node {
	struct hmap_node	*next;
	uint64_t		 hash;
};

struct hmap {
	struct hmap_node	**buckets;
	size_t			 nbuckets;	/* a power of two, or 0 */
	size_t			 count;
};

typedef int (*hmap_eq_fn)(const struct hmap_node *, const void *key);
typedef int (*hmap_visit_fn)(struct hmap_node *, void *arg);

/* A seeded 64-bit hash of LEN bytes. */
uint64_t	hmap_hash(const void *p, size_t len, uint64_t seed);

/* Allocates at least NBUCKETS buckets.  0, or -1 (no memory). */
int	hmap_init(struct hmap *m, size_t nbuckets);

/* Frees the buckets (never the records); M is empty afterwards. */
void	hmap_free(struct hmap *m);

/* The record with HASH for which EQ(node, KEY) is true, or NULL. */
struct hmap_node *hmap_find(const struct hmap *m, uint64_t hash,
	    hmap_eq_fn eq, const void *key);

/* Links N (its hash already set).  Never fails. */
void	hmap_insert(struct hmap *m, struct hmap_node *n);

/* Unlinks N, which must be in M. */
void	hmap_remove(struct hmap *m, struct hmap_node *n);

/*
 * Visits the records of buckets [FROM, FROM + N); a record for which
 * VISIT returns 1 is unlinked before VISIT's next call (VISIT may free
 * it once it returns 1).  Returns the bucket to start from next time
 * (0 after the last).  N = SIZE_MAX visits the whole table.
 */
size_t	hmap_visit(struct hmap *m, size_t from, size_t n, hmap_visit_fn visit,
	    void *arg);

#endif
