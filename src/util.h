/*
 * util: small helpers shared by every module: a growable byte buffer,
 * strict number parsing, monotonic time, constant-time comparison.
 * Error contract: 0 on success, -1 on failure (errno set where the
 * failure came from the OS).
 */
#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>
#include <stdint.h>

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* A growable buffer; data is always NUL-terminated after len bytes. */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

void	buf_init(struct buf *);
void	buf_free(struct buf *);
void	buf_reset(struct buf *);
int	buf_reserve(struct buf *, size_t more);
int	buf_append(struct buf *, const void *, size_t);
int	buf_puts(struct buf *, const char *);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* The bytes of B as a string: "" for a buffer never written to. */
const char *buf_str(const struct buf *b);

/* Milliseconds of CLOCK_MONOTONIC. */
int64_t	util_now_ms(void);

/*
 * Parses a whole decimal string (no sign, no space, no suffix) within
 * [min, max] into *out; -1 if anything else.
 */
int	util_parse_u64(const char *, uint64_t min, uint64_t max,
	    uint64_t *out);

/*
 * Parses seconds with up to three decimals ("300", "0.05", "2.5") into
 * milliseconds within [min_ms, max_ms]; -1 if anything else.
 */
int	util_parse_seconds(const char *, int64_t min_ms, int64_t max_ms,
	    int64_t *out_ms);

/* Formats a reason into ERR (ERRLEN bytes, cut to fit); for "err" args. */
void	util_errf(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * Waits until FD is ready for EVENTS (poll(2) bits) or DEADLINE_MS (the
 * util_now_ms() clock) passes.  Returns 0, or -1 with a reason in ERR
 * ("timed out", or the poll fault).
 */
int	util_wait_fd(int fd, short events, int64_t deadline_ms, char *err,
	    size_t errlen);

/* 1 if the two byte strings are equal; time depends only on the lengths. */
int	util_ct_equal(const void *, size_t, const void *, size_t);

#endif
