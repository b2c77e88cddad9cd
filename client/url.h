/*
 * url: the daemon URLs of the stage app (LTFSEE_URL) and the order in
 * which they are tried.
 *
 * A list holds up to URL_MAX entries "http[s]://host[:port][/prefix]",
 * separated by commas or white space; an IPv6 host is written in
 * brackets.  The first server tried is chosen by the FNV-1a hash of the
 * task id, so every file of one transfer meets in the same daemon; the
 * others follow in list order, wrapping around.  No globals.  Error
 * contract: 0 or -1 with a reason in ERR.
 */
#ifndef URL_H
#define URL_H

#include <stddef.h>
#include <stdint.h>

#define URL_MAX		16
#define URL_HOST_MAX	256
#define URL_PREFIX_MAX	1024

struct url {
	int	 tls;			/* https */
	char	 host[URL_HOST_MAX];	/* no brackets */
	char	 port[6];		/* "80", "443" or as given */
	char	 prefix[URL_PREFIX_MAX];	/* "" or "/x/y" */
	int	 ipv6;			/* host was in brackets */
};

/* Parses one URL S[0..LEN).  Returns 0 or -1 (ERR says why). */
int	url_parse(const char *s, size_t len, struct url *u, char *err,
	    size_t errlen);

/*
 * Parses every URL in the strings LISTS[0..NLISTS) (each may hold several)
 * into U[0..MAX); *N gets the count.  An empty result, too many URLs or
 * one bad URL is an error.  Returns 0 or -1.
 */
int	url_parse_list(const char *const lists[], size_t nlists,
	    struct url *u, size_t max, size_t *n, char *err, size_t errlen);

/* FNV-1a (32 bits) of the string S. */
uint32_t url_hash(const char *s);

/*
 * Fills ORDER[0..N) with the indexes of N servers in the order to try for
 * task TASKID: hash modulo N first, then the next ones, wrapping.
 */
void	url_order(const char *taskid, size_t n, size_t order[]);

#endif
