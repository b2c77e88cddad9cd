/*
 * json: see json.h.
 *
 * Design: jsmn cuts the body into tokens (with offsets into the body);
 * this file then walks the token tree in order and checks every byte
 * between two tokens against the JSON grammar (only blanks and the one
 * expected ':' , ',' or closing bracket), so jsmn's lax handling of
 * punctuation never lets a malformed body through.  While walking, every
 * string is decoded and checked (escapes, surrogate pairs, UTF-8, no
 * NUL), every literal and number is checked, and every object is checked
 * for duplicate keys (compared after decoding).  The walk never reads a
 * token past the count jsmn returned.  The token array is sized by a
 * first counting pass and bounded by JSON_MAX_TOKENS.
 *
 * No locks and no globals: every call works on its own stack and heap.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "json.h"

#define JSON_MAX_TOKENS	4096	/* values in one body */
#define JSON_MAX_DEPTH	32	/* nested objects and arrays */

struct json_member {
	char	*key;		/* decoded, malloc'd */
	size_t	 keylen;
	int	 val;		/* token index of the value */
};

struct json_ctx {
	const char	*js;
	size_t		 len;
	jsmntok_t	*tok;
	int		 ntok;
	int		 next;		/* next token to walk */
	struct buf	 scratch;	/* decoded strings being checked */
	char		*err;
	size_t		 errlen;
};

static int	json_walk_value(struct json_ctx *, size_t *, int);

static int	json_fail(struct json_ctx *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* Writes a client-facing reason into the context's ERR; returns -1. */
static int
json_fail(struct json_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->errlen == 0)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	if (n < 0)
		c->err[0] = '\0';
	return -1;
}

/*
 * Returns the length of the valid UTF-8 sequence at S[0..LEN) (1 to 4),
 * or 0 when it is not one: overlong forms, surrogates and code points
 * above U+10FFFF are refused.
 */
static size_t
utf8_seq_len(const unsigned char *s, size_t len)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;

	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;

	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* 1 if S[0..LEN) is valid UTF-8. */
static int
utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if ((n = utf8_seq_len(p + i, len - i)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

/* Appends code point CP (not a surrogate, at most U+10FFFF) as UTF-8. */
static int
utf8_put(struct buf *b, uint32_t cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_append(b, u, n);
}

/* Reads four hex digits at S[0..4) into *V; -1 if they are not. */
static int
hex4(const char *s, uint32_t *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		*v <<= 4;
		if (s[i] >= '0' && s[i] <= '9')
			*v |= (uint32_t)(s[i] - '0');
		else if (s[i] >= 'a' && s[i] <= 'f')
			*v |= (uint32_t)(s[i] - 'a' + 10);
		else if (s[i] >= 'A' && s[i] <= 'F')
			*v |= (uint32_t)(s[i] - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/*
 * Decodes the \u escape at S[*I] (just past the 'u'), with its low
 * surrogate if it is a high one, into OUT; advances *I.  Returns 0 or -1
 * (reason in C).
 */
static int
json_decode_u(struct json_ctx *c, const char *s, size_t end, size_t *i,
    struct buf *out)
{
	uint32_t cp, lo;

	if (end - *i < 4 || hex4(s + *i, &cp) == -1)
		return json_fail(c, "bad \\u escape in a string");
	*i += 4;

	if (cp >= 0xdc00 && cp <= 0xdfff)
		return json_fail(c, "lone surrogate in a string");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (end - *i < 6 || s[*i] != '\\' || s[*i + 1] != 'u' ||
		    hex4(s + *i + 2, &lo) == -1 || lo < 0xdc00 || lo > 0xdfff)
			return json_fail(c, "lone surrogate in a string");
		*i += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp == 0)
		return json_fail(c, "a string contains NUL (\\u0000)");

	if (utf8_put(out, cp) == -1)
		return json_fail(c, "out of memory");
	return 0;
}

/*
 * Decodes string token T into OUT (reset first): escapes resolved, raw
 * control bytes refused, the result valid UTF-8 without NUL.  Returns 0
 * or -1 (reason in C).
 */
static int
json_decode(struct json_ctx *c, const jsmntok_t *t, struct buf *out)
{
	const char *s = c->js;
	size_t i = (size_t)t->start, end = (size_t)t->end;
	const char *map = "\"\"\\\\//b\bf\fn\nr\rt\t";
	const char *m;
	char ch;

	/* Terminated even when empty: callers strdup() the result. */
	buf_reset(out);
	if (buf_reserve(out, end - i) == -1)
		return json_fail(c, "out of memory");
	out->data[0] = '\0';
	while (i < end) {
		ch = s[i++];
		if ((unsigned char)ch < 0x20)
			return json_fail(c,
			    "raw control character in a string");
		if (ch != '\\') {
			if (buf_append(out, &ch, 1) == -1)
				return json_fail(c, "out of memory");
			continue;
		}

		if (i == end)
			return json_fail(c, "bad escape in a string");
		ch = s[i++];
		if (ch == 'u') {
			if (json_decode_u(c, s, end, &i, out) == -1)
				return -1;
			continue;
		}
		for (m = map; *m != '\0' && *m != ch; m += 2)
			continue;
		if (*m == '\0')
			return json_fail(c, "bad escape in a string");
		if (buf_append(out, m + 1, 1) == -1)
			return json_fail(c, "out of memory");
	}

	if (!utf8_valid(out->data, out->len))
		return json_fail(c, "a string is not valid UTF-8");
	return 0;
}

/* 1 if S[0..LEN) is true, false, null or a JSON number. */
static int
json_literal_ok(const char *s, size_t len)
{
	size_t i = 0, d;

	if ((len == 4 && memcmp(s, "true", 4) == 0) ||
	    (len == 5 && memcmp(s, "false", 5) == 0) ||
	    (len == 4 && memcmp(s, "null", 4) == 0))
		return 1;

	if (i < len && s[i] == '-')
		i++;
	if (i < len && s[i] == '0')
		i++;
	else if (i < len && s[i] >= '1' && s[i] <= '9')
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return 0;

	if (i < len && s[i] == '.') {
		for (d = ++i; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			continue;
		if (i == d)
			return 0;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			continue;
		if (i == d)
			return 0;
	}
	return i == len;
}

static size_t
json_skip_ws(const struct json_ctx *c, size_t pos)
{
	while (pos < c->len && (c->js[pos] == ' ' || c->js[pos] == '\t' ||
	    c->js[pos] == '\n' || c->js[pos] == '\r'))
		pos++;
	return pos;
}

/* Expects byte CH at *POS (after blanks) and steps over it. */
static int
json_expect(struct json_ctx *c, size_t *pos, char ch)
{
	*pos = json_skip_ws(c, *pos);
	if (*pos >= c->len || c->js[*pos] != ch)
		return json_fail(c, "body is not valid JSON");
	(*pos)++;
	return 0;
}

/* 1 if key K is short and printable enough to quote in a message. */
static int
json_key_printable(const char *k, size_t len)
{
	size_t i;

	if (len > 64)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)k[i] < 0x20 || (unsigned char)k[i] > 0x7e ||
		    k[i] == '"' || k[i] == '\\')
			return 0;
	return 1;
}

static void
json_members_free(struct json_member *m, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(m[i].key);
	free(m);
}

/*
 * Walks the object token at C->next, which must start at *POS; checks
 * its members and their values and moves *POS past it.  The decoded keys
 * and value token indices are left in *MEMBERS and *NMEMBERS (the caller
 * frees them with json_members_free()) when MEMBERS is not NULL.
 * Returns 0 or -1 (reason in C, nothing left to free).
 */
static int
json_walk_object(struct json_ctx *c, size_t *pos, int depth,
    struct json_member **members, size_t *nmembers)
{
	const jsmntok_t *obj = &c->tok[c->next];
	struct json_member *m = NULL;
	size_t n = 0, i, p = *pos;
	int k;

	if (depth > JSON_MAX_DEPTH)
		return json_fail(c, "body nests too deeply");
	if (obj->size > 0 &&
	    (m = calloc((size_t)obj->size, sizeof(*m))) == NULL)
		return json_fail(c, "out of memory");
	c->next++;
	p++;

	for (k = 0; k < obj->size; k++) {
		if (k > 0 && json_expect(c, &p, ',') == -1)
			goto fail;
		p = json_skip_ws(c, p);
		if (c->next >= c->ntok ||
		    c->tok[c->next].type != JSMN_STRING ||
		    (size_t)c->tok[c->next].start != p + 1) {
			json_fail(c, "body is not valid JSON");
			goto fail;
		}
		if (json_decode(c, &c->tok[c->next], &c->scratch) == -1)
			goto fail;
		p = (size_t)c->tok[c->next].end + 1;
		c->next++;

		for (i = 0; i < n; i++) {
			if (m[i].keylen != c->scratch.len ||
			    memcmp(m[i].key, c->scratch.data, m[i].keylen) != 0)
				continue;
			if (json_key_printable(m[i].key, m[i].keylen))
				json_fail(c, "duplicate key \"%s\"", m[i].key);
			else
				json_fail(c, "duplicate key in an object");
			goto fail;
		}
		if ((m[n].key = strdup(c->scratch.data)) == NULL) {
			json_fail(c, "out of memory");
			goto fail;
		}
		m[n].keylen = c->scratch.len;
		m[n++].val = c->next;

		if (json_expect(c, &p, ':') == -1 ||
		    json_walk_value(c, &p, depth) == -1)
			goto fail;
	}

	/* The closing brace must be the one jsmn matched. */
	p = json_skip_ws(c, p);
	if (obj->end < 1 || p != (size_t)obj->end - 1 || c->js[p] != '}') {
		json_fail(c, "body is not valid JSON");
		goto fail;
	}
	*pos = p + 1;
	if (members != NULL) {
		*members = m;
		*nmembers = n;
	} else
		json_members_free(m, n);
	return 0;

fail:
	json_members_free(m, n);
	return -1;
}

/* As json_walk_object(), for an array. */
static int
json_walk_array(struct json_ctx *c, size_t *pos, int depth)
{
	const jsmntok_t *arr = &c->tok[c->next];
	size_t p = *pos + 1;
	int k;

	if (depth > JSON_MAX_DEPTH)
		return json_fail(c, "body nests too deeply");
	c->next++;
	for (k = 0; k < arr->size; k++) {
		if (k > 0 && json_expect(c, &p, ',') == -1)
			return -1;
		if (json_walk_value(c, &p, depth) == -1)
			return -1;
	}

	p = json_skip_ws(c, p);
	if (arr->end < 1 || p != (size_t)arr->end - 1 || c->js[p] != ']')
		return json_fail(c, "body is not valid JSON");
	*pos = p + 1;
	return 0;
}

/*
 * Walks the value token at C->next, which must start at *POS after
 * blanks; moves *POS past it.  Returns 0 or -1 (reason in C).
 */
static int
json_walk_value(struct json_ctx *c, size_t *pos, int depth)
{
	const jsmntok_t *t;
	size_t p = json_skip_ws(c, *pos);

	if (c->next >= c->ntok)
		return json_fail(c, "body is not valid JSON");
	t = &c->tok[c->next];

	switch (t->type) {
	case JSMN_OBJECT:
		if ((size_t)t->start != p)
			break;
		*pos = p;
		return json_walk_object(c, pos, depth + 1, NULL, NULL);
	case JSMN_ARRAY:
		if ((size_t)t->start != p)
			break;
		*pos = p;
		return json_walk_array(c, pos, depth + 1);
	case JSMN_STRING:
		if ((size_t)t->start != p + 1)
			break;
		if (json_decode(c, t, &c->scratch) == -1)
			return -1;
		c->next++;
		*pos = (size_t)t->end + 1;
		return 0;
	case JSMN_PRIMITIVE:
		if ((size_t)t->start != p || t->end < t->start)
			break;
		if (!json_literal_ok(c->js + t->start,
		    (size_t)(t->end - t->start)))
			return json_fail(c, "body has a bad number or literal");
		c->next++;
		*pos = (size_t)t->end;
		return 0;
	default:
		break;
	}
	return json_fail(c, "body is not valid JSON");
}

/*
 * Tokenizes C->js into a malloc'd C->tok (C->ntok tokens).  Returns 0 or
 * -1 (reason in C).
 */
static int
json_tokenize(struct json_ctx *c)
{
	jsmn_parser p;
	int r;

	jsmn_init(&p);
	r = jsmn_parse(&p, c->js, c->len, NULL, 0);
	if (r > JSON_MAX_TOKENS)
		return json_fail(c, "body has more than %d JSON values",
		    JSON_MAX_TOKENS);
	if (r == 0)
		return json_fail(c, "body is not a JSON object");

	if (r > 0) {
		if ((c->tok = calloc((size_t)r, sizeof(*c->tok))) == NULL)
			return json_fail(c, "out of memory");
		jsmn_init(&p);
		r = jsmn_parse(&p, c->js, c->len, c->tok, (unsigned)r);
	}
	switch (r) {
	case JSMN_ERROR_PART:
		return json_fail(c, "body is truncated JSON");
	case JSMN_ERROR_INVAL:
		return json_fail(c, "body is not valid JSON");
	case JSMN_ERROR_NOMEM:
		return json_fail(c, "body is too complex");
	default:
		break;
	}
	if (r < 0)
		return json_fail(c, "body is not valid JSON");
	c->ntok = r;
	return 0;
}

/*
 * Checks the whole body and leaves its top-level members in *M and *N.
 * Returns 0 or -1 (reason in C).
 */
static int
json_parse_body(struct json_ctx *c, struct json_member **m, size_t *n)
{
	size_t pos;

	if (c->len > INT_MAX / 2)
		return json_fail(c, "body is too large");
	if (memchr(c->js, '\0', c->len) != NULL)
		return json_fail(c, "body contains a NUL byte");
	pos = json_skip_ws(c, 0);
	if (pos == c->len)
		return json_fail(c, "body is empty");
	if (c->js[pos] != '{')
		return json_fail(c, "body is not a JSON object");

	if (json_tokenize(c) == -1)
		return -1;
	if (c->tok[0].type != JSMN_OBJECT || (size_t)c->tok[0].start != pos)
		return json_fail(c, "body is not a JSON object");
	if (json_walk_object(c, &pos, 1, m, n) == -1)
		return -1;

	pos = json_skip_ws(c, pos);
	if (pos != c->len || c->next != c->ntok) {
		json_members_free(*m, *n);
		*m = NULL;
		*n = 0;
		return json_fail(c, "body has data after the JSON object");
	}
	return 0;
}

int
json_get_strings(const char *js, size_t len, const char *const keys[],
    size_t nkeys, char *vals[], char *err, size_t errlen)
{
	struct json_ctx c;
	struct json_member *m = NULL;
	size_t n = 0, i, j;
	const jsmntok_t *t;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	c.js = js;
	c.len = len;
	c.err = err;
	c.errlen = errlen;
	buf_init(&c.scratch);
	for (i = 0; i < nkeys; i++)
		vals[i] = NULL;
	if (errlen > 0)
		err[0] = '\0';

	if (json_parse_body(&c, &m, &n) == -1)
		goto out;

	for (i = 0; i < nkeys; i++) {
		for (j = 0; j < n; j++)
			if (strlen(keys[i]) == m[j].keylen &&
			    memcmp(keys[i], m[j].key, m[j].keylen) == 0)
				break;
		if (j == n)
			continue;
		t = &c.tok[m[j].val];
		if (t->type != JSMN_STRING) {
			json_fail(&c, "\"%s\" must be a string", keys[i]);
			goto out;
		}
		if (json_decode(&c, t, &c.scratch) == -1)
			goto out;
		if ((vals[i] = strdup(c.scratch.data)) == NULL) {
			json_fail(&c, "out of memory");
			goto out;
		}
	}
	rc = 0;

out:
	if (rc == -1)
		for (i = 0; i < nkeys; i++) {
			free(vals[i]);
			vals[i] = NULL;
		}
	json_members_free(m, n);
	free(c.tok);
	buf_free(&c.scratch);
	return rc;
}

int
json_append_string(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t old = b->len, i;
	unsigned char ch;
	char esc[6];
	int r = 0;

	if (!utf8_valid(s, len))
		return -1;
	if (buf_reserve(b, len + 2) == -1)
		return -1;

	r |= buf_append(b, "\"", 1);
	for (i = 0; i < len && r == 0; i++) {
		ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\') {
			esc[0] = '\\';
			esc[1] = (char)ch;
			r |= buf_append(b, esc, 2);
		} else if (ch >= 0x20) {
			r |= buf_append(b, s + i, 1);
		} else {
			esc[0] = '\\';
			switch (ch) {
			case '\n': esc[1] = 'n'; break;
			case '\t': esc[1] = 't'; break;
			case '\r': esc[1] = 'r'; break;
			case '\b': esc[1] = 'b'; break;
			case '\f': esc[1] = 'f'; break;
			default:
				esc[1] = 'u';
				esc[2] = '0';
				esc[3] = '0';
				esc[4] = hex[ch >> 4];
				esc[5] = hex[ch & 0xf];
				r |= buf_append(b, esc, 6);
				continue;
			}
			r |= buf_append(b, esc, 2);
		}
	}
	r |= buf_append(b, "\"", 1);

	if (r != 0) {
		b->len = old;
		b->data[old] = '\0';
		return -1;
	}
	return 0;
}

int
json_append_message(struct buf *b, const char *msg)
{
	struct buf clean;
	const unsigned char *p = (const unsigned char *)msg;
	size_t old = b->len, len = strlen(msg), i = 0, n;
	int r = 0;

	/* A message may quote client bytes: replace what is not UTF-8. */
	buf_init(&clean);
	while (i < len && r == 0) {
		if ((n = utf8_seq_len(p + i, len - i)) == 0) {
			r = buf_append(&clean, "\xef\xbf\xbd", 3);
			i++;
		} else {
			r = buf_append(&clean, msg + i, n);
			i += n;
		}
	}

	if (r == 0)
		r = buf_puts(b, "{\"message\": ");
	if (r == 0)
		r = json_append_string(b, clean.data ? clean.data : "",
		    clean.len);
	if (r == 0)
		r = buf_puts(b, "}");
	buf_free(&clean);
	if (r != 0 && b->data != NULL) {
		b->len = old;
		b->data[old] = '\0';
	}
	return r == 0 ? 0 : -1;
}
