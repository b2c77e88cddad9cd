/*
 * json: request decoding on top of jsmn, and string escaping for
 * responses.
 *
 * jsmn only tokenizes; this module checks what jsmn does not: exactly one
 * object and nothing after it, string keys each with one value, no
 * duplicate keys, escapes decoded (\uXXXX with surrogate pairs), valid
 * UTF-8, no NUL in a decoded string.  No locks, no globals.
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>

#include "util.h"

/*
 * Decodes the object in JS[0..LEN) and extracts the members named in
 * KEYS: VALS[i] becomes a malloc'd, NUL-terminated decoded string (the
 * caller frees it) or NULL when the member is absent.  A listed member
 * that is not a string, or any fault above, fails the whole call.  Other
 * members may hold any JSON value.  Returns 0, or -1 with a reason fit
 * for a client in ERR (and every VALS[i] NULL).
 */
int	json_get_strings(const char *js, size_t len, const char *const keys[],
	    size_t nkeys, char *vals[], char *err, size_t errlen);

/*
 * Appends S[0..LEN) to B as a JSON string literal, quotes included:
 * quote, backslash and control bytes escaped.  Returns 0, or -1 when S is
 * not valid UTF-8 (B unchanged) or memory ran out.
 */
int	json_append_string(struct buf *b, const char *s, size_t len);

/* Appends {"message": MSG} to B.  0 or -1. */
int	json_append_message(struct buf *b, const char *msg);

#endif
