/*
 * url: see url.h.  Pure string work: no I/O, no allocation, no globals.
 *
 * A URL ending in "/api/v0.5" has that suffix dropped, so a list written
 * with or without the API root reaches the same routes.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "url.h"
#include "util.h"

#define URL_API_ROOT	"/api/v0.5"
#define URL_SEPS	", \t\r\n"

/* Copies S[0..LEN) and a NUL to DST (SIZE bytes); -1 if it does not fit. */
static int
url_copy(char *dst, size_t size, const char *s, size_t len)
{
	if (len >= size)
		return -1;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return 0;
}

/*
 * Parses the authority HOSTPORT[0..LEN) ("name", "name:port", "[v6]" or
 * "[v6]:port") into U.  Returns 0 or -1 (a short reason in *WHY).
 */
static int
url_parse_authority(const char *s, size_t len, struct url *u,
    const char **why)
{
	const char *end = s + len, *colon, *close;
	uint64_t port;
	char pbuf[8];

	if (len > 0 && s[0] == '[') {
		close = memchr(s, ']', len);
		if (close == NULL || close == s + 1) {
			*why = "bad IPv6 address";
			return -1;
		}
		if (url_copy(u->host, sizeof(u->host), s + 1,
		    (size_t)(close - s - 1)) == -1)
			goto toolong;
		u->ipv6 = 1;
		colon = close + 1 < end ? close + 1 : NULL;
		if (colon != NULL && *colon != ':') {
			*why = "junk after IPv6 address";
			return -1;
		}
	} else {
		colon = memchr(s, ':', len);
		if (url_copy(u->host, sizeof(u->host), s, colon != NULL ?
		    (size_t)(colon - s) : len) == -1)
			goto toolong;
	}
	if (u->host[0] == '\0' || strpbrk(u->host, "@?#%") != NULL) {
		*why = "bad host";
		return -1;
	}

	if (colon == NULL)
		return snprintf(u->port, sizeof(u->port), "%s",
		    u->tls ? "443" : "80") < 0 ? -1 : 0;
	if (url_copy(pbuf, sizeof(pbuf), colon + 1,
	    (size_t)(end - colon - 1)) == -1 ||
	    util_parse_u64(pbuf, 1, 65535, &port) == -1) {
		*why = "bad port";
		return -1;
	}
	return snprintf(u->port, sizeof(u->port), "%u", (unsigned)port) < 0 ?
	    -1 : 0;

toolong:
	*why = "host name too long";
	return -1;
}

int
url_parse(const char *s, size_t len, struct url *u, char *err,
    size_t errlen)
{
	const char *p = s, *end = s + len, *slash, *why = "bad URL";
	size_t plen;

	memset(u, 0, sizeof(*u));
	if (len >= 7 && strncasecmp(s, "http://", 7) == 0)
		p += 7;
	else if (len >= 8 && strncasecmp(s, "https://", 8) == 0) {
		u->tls = 1;
		p += 8;
	} else {
		why = "not http:// or https://";
		goto bad;
	}
	if (memchr(p, '?', (size_t)(end - p)) != NULL ||
	    memchr(p, '#', (size_t)(end - p)) != NULL) {
		why = "a query or fragment is not allowed";
		goto bad;
	}

	slash = memchr(p, '/', (size_t)(end - p));
	if (slash == NULL)
		slash = end;
	if (url_parse_authority(p, (size_t)(slash - p), u, &why) == -1)
		goto bad;

	plen = (size_t)(end - slash);
	while (plen > 0 && slash[plen - 1] == '/')
		plen--;
	if (plen >= strlen(URL_API_ROOT) && memcmp(slash + plen -
	    strlen(URL_API_ROOT), URL_API_ROOT, strlen(URL_API_ROOT)) == 0)
		plen -= strlen(URL_API_ROOT);
	if (url_copy(u->prefix, sizeof(u->prefix), slash, plen) == -1) {
		why = "path too long";
		goto bad;
	}
	return 0;

bad:
	util_errf(err, errlen, "URL %.*s: %s", (int)len, s, why);
	return -1;
}

int
url_parse_list(const char *const lists[], size_t nlists, struct url *u,
    size_t max, size_t *n, char *err, size_t errlen)
{
	const char *p;
	size_t i, len;

	*n = 0;
	for (i = 0; i < nlists; i++) {
		for (p = lists[i]; *p != '\0'; p += len) {
			p += strspn(p, URL_SEPS);
			if ((len = strcspn(p, URL_SEPS)) == 0)
				break;
			if (*n == max) {
				util_errf(err, errlen, "more than %zu URLs",
				    max);
				return -1;
			}
			if (url_parse(p, len, &u[*n], err, errlen) == -1)
				return -1;
			(*n)++;
		}
	}
	if (*n == 0) {
		util_errf(err, errlen, "no server URL (LTFSEE_URL) set");
		return -1;
	}
	return 0;
}

uint32_t
url_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

void
url_order(const char *taskid, size_t n, size_t order[])
{
	size_t i, start;

	if (n == 0)
		return;
	start = url_hash(taskid) % n;
	for (i = 0; i < n; i++)
		order[i] = (start + i) % n;
}
