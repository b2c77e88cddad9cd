/*
 * remap: see remap.h.
 *
 * Design: the client path is normalised first, so every later step works
 * on "/a/b/c" with no empty, "." or ".." parts.  The mount root is then
 * chosen (first DEPTH parts, or the longest mount point that is a prefix
 * on whole components), its server location found (autofs map entry or
 * mount table device), the path after the host's ':' taken from that
 * location, and the rest of the client path appended.  The result is
 * normalised again, so a server path with "//" is cleaned as well.
 *
 * Files are read line by line with getline; nothing is cached, since the
 * stage app runs once per file.  An +include line is skipped with a
 * debug message only, since the stage app runs on every poll.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "remap.h"
#include "util.h"

#define REMAP_MAP_LINE_MAX	65536	/* one logical autofs map line */

int
remap_normalise(const char *in, char *out, size_t outlen, char *err,
    size_t errlen)
{
	const char *p = in, *end;
	size_t n = 0, len;

	if (in[0] != '/') {
		util_errf(err, errlen, "%s: not an absolute path", in);
		return -1;
	}

	while (*p != '\0') {
		while (*p == '/')
			p++;
		end = strchr(p, '/');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len == 0 || (len == 1 && p[0] == '.')) {
			p += len;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			util_errf(err, errlen, "%s: a \"..\" component is "
			    "not allowed", in);
			return -1;
		}
		if (n + 1 + len >= outlen)
			goto toolong;
		out[n++] = '/';
		memcpy(out + n, p, len);
		n += len;
		p += len;
	}

	if (n == 0) {
		if (outlen < 2)
			goto toolong;
		out[n++] = '/';
	}
	out[n] = '\0';
	return 0;

toolong:
	util_errf(err, errlen, "%s: path too long", in);
	return -1;
}

/*
 * Returns the server path of a location such as "host:/export",
 * "[fe80::1]:/export" or "h1(5),h2:/export": the text after the first
 * ':' outside brackets that follows a non-empty host part and precedes a
 * '/'.  NULL when LOC names no remote host (a local device, ":/dev/x").
 */
static const char *
remap_location_path(const char *loc)
{
	const char *p;
	int depth = 0;

	for (p = loc; *p != '\0'; p++) {
		if (*p == '[')
			depth++;
		else if (*p == ']' && depth > 0)
			depth--;
		else if (*p == ':' && depth == 0 && p > loc && p[1] == '/')
			return p + 1;
	}
	return NULL;
}

/*
 * Decodes the octal escapes of a mount table field in place ("\040" is a
 * space), once: the decoded bytes are never decoded again.
 */
static void
remap_unescape(char *s)
{
	char *r = s, *w = s;

	while (*r != '\0') {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' &&
		    r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 |
			    (r[3] - '0'));
			r += 4;
		} else
			*w++ = *r++;
	}
	*w = '\0';
}

/* 1 if mount point MP is PATH or a parent of it on whole components. */
static int
remap_is_prefix(const char *mp, const char *path)
{
	size_t n = strlen(mp);

	if (strcmp(mp, "/") == 0)
		return 1;
	return strncmp(mp, path, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

/*
 * Finds in the mount table FILE the mount for PATH: the entry whose mount
 * point equals ROOT when ROOT is given, else the longest mount point that
 * is a prefix of PATH (a later line wins a tie, as it shadows the earlier
 * mount).  Copies the device to DEV and the mount point to MP.  Returns 1
 * when found, 0 when not, -1 when FILE cannot be read (ERR set).
 */
static int
remap_mount_find(const char *file, const char *path, const char *root,
    char *dev, size_t devlen, char *mp, size_t mplen, char *err,
    size_t errlen)
{
	char *line = NULL, *save, *d, *m;
	size_t cap = 0, best = 0;
	int found = 0;
	FILE *fp;

	if ((fp = fopen(file, "re")) == NULL) {
		util_errf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}

	while (getline(&line, &cap, fp) != -1) {
		if ((d = strtok_r(line, " \t\n", &save)) == NULL ||
		    (m = strtok_r(NULL, " \t\n", &save)) == NULL)
			continue;
		remap_unescape(d);
		remap_unescape(m);
		if (root != NULL ? strcmp(m, root) != 0 :
		    !remap_is_prefix(m, path) || strlen(m) < best)
			continue;
		if ((size_t)snprintf(dev, devlen, "%s", d) >= devlen ||
		    (size_t)snprintf(mp, mplen, "%s", m) >= mplen)
			continue;
		best = strlen(m);
		found = 1;
	}

	if (ferror(fp)) {
		util_errf(err, errlen, "%s: %s", file, strerror(errno));
		found = -1;
	}
	free(line);
	fclose(fp);
	return found;
}

/*
 * Appends to B the location LOC with every '&' replaced by KEY, as autofs
 * does.  Returns 0 or -1 (out of memory).
 */
static int
remap_subst(struct buf *b, const char *loc, const char *key)
{
	const char *p;

	buf_reset(b);
	for (p = loc; *p != '\0'; p++)
		if (*p == '&' ? buf_puts(b, key) : buf_append(b, p, 1))
			return -1;
	return buf_puts(b, "");
}

/*
 * Splits the logical map line L in place into its key and location
 * (options, the "-" words, are skipped; a '#' word starts a comment).
 * Returns 1 with *KEY and *LOC set, 0 for a blank or comment line, -1
 * for a line with no location.
 */
static int
remap_map_split(char *l, char **key, char **loc)
{
	char *save, *w;

	*key = *loc = NULL;
	for (w = strtok_r(l, " \t\n", &save); w != NULL;
	    w = strtok_r(NULL, " \t\n", &save)) {
		if (w[0] == '#')
			break;
		if (*key == NULL)
			*key = w;
		else if (w[0] != '-') {
			*loc = w;
			break;
		}
	}
	if (*key == NULL)
		return 0;
	return *loc != NULL ? 1 : -1;
}

/*
 * Handles one logical line of map FILE (number LINENO): records in EXACT
 * or WILD the location for KEY, '&' substituted.  Returns 0 or -1 (out of
 * memory).
 */
static int
remap_map_line(const char *file, int lineno, char *l, const char *key,
    struct buf *exact, struct buf *wild)
{
	char *k, *loc;
	int r;

	while (*l == ' ' || *l == '\t')
		l++;
	if (*l == '+') {
		l[strcspn(l, "\n")] = '\0';
		log_debug("%s:%d: included map %s skipped", file, lineno, l);
		return 0;
	}
	if ((r = remap_map_split(l, &k, &loc)) <= 0) {
		if (r < 0)
			log_debug("%s:%d: entry %s has no location", file,
			    lineno, k);
		return 0;
	}
	if (loc[0] == '/') {
		/* XXX: multi-mount entries (offsets) are not supported. */
		log_debug("%s:%d: multi-mount entry %s skipped", file,
		    lineno, k);
		return 0;
	}
	if (strcmp(k, key) == 0 && exact->len == 0)
		return remap_subst(exact, loc, key);
	if (strcmp(k, "*") == 0 && wild->len == 0)
		return remap_subst(wild, loc, key);
	return 0;
}

/*
 * Looks KEY up in the autofs map FILE and copies the location of its
 * entry (an exact key wins over "*") to LOC.  Returns 1 when found, 0
 * when not, -1 on a read fault (ERR set).
 */
static int
remap_map_find(const char *file, const char *key, char *loc, size_t loclen,
    char *err, size_t errlen)
{
	struct buf lb, exact, wild;
	char *line = NULL;
	size_t cap = 0, n;
	ssize_t got;
	int lineno = 0, start = 0, r = -1;
	FILE *fp;

	buf_init(&lb);
	buf_init(&exact);
	buf_init(&wild);
	if ((fp = fopen(file, "re")) == NULL) {
		util_errf(err, errlen, "%s: %s", file, strerror(errno));
		goto out;
	}

	while ((got = getline(&line, &cap, fp)) != -1) {
		lineno++;
		n = (size_t)got;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (lb.len == 0)
			start = lineno;
		if (lb.len + n > REMAP_MAP_LINE_MAX) {
			util_errf(err, errlen, "%s:%d: line too long", file,
			    start);
			goto out;
		}
		/* A trailing backslash continues the entry on the next line. */
		if (n > 0 && line[n - 1] == '\\') {
			if (buf_append(&lb, line, n - 1) == -1 ||
			    buf_puts(&lb, " ") == -1)
				goto nomem;
			continue;
		}
		if (buf_append(&lb, line, n) == -1 || buf_puts(&lb, "") == -1 ||
		    remap_map_line(file, start, lb.data, key, &exact,
		    &wild) == -1)
			goto nomem;
		buf_reset(&lb);
	}
	if (ferror(fp)) {
		util_errf(err, errlen, "%s: %s", file, strerror(errno));
		goto out;
	}
	if (lb.len > 0 && (buf_puts(&lb, "") == -1 ||
	    remap_map_line(file, start, lb.data, key, &exact, &wild) == -1))
		goto nomem;

	r = 0;
	if (exact.len > 0 || wild.len > 0) {
		if ((size_t)snprintf(loc, loclen, "%s", exact.len > 0 ?
		    exact.data : wild.data) >= loclen) {
			util_errf(err, errlen, "%s: location for %s too long",
			    file, key);
			r = -1;
		} else
			r = 1;
	}
	goto out;

nomem:
	util_errf(err, errlen, "%s: out of memory", file);
out:
	if (fp != NULL)
		fclose(fp);
	free(line);
	buf_free(&lb);
	buf_free(&exact);
	buf_free(&wild);
	return r;
}

/*
 * Splits the normalised PATH after its first DEPTH parts ("/" is the
 * first): ROOT gets the mount root, *REST points at what follows it (""
 * or "/x/y").  Returns 0, or -1 when PATH has fewer parts.
 */
static int
remap_split(const char *path, int depth, char *root, size_t rootlen,
    const char **rest)
{
	const char *p = path;
	int i;

	if (depth == 1) {
		*rest = path;
		return (size_t)snprintf(root, rootlen, "/") >= rootlen ? -1 : 0;
	}
	for (i = 1; i < depth; i++) {
		if (*p == '\0')
			return -1;
		if ((p = strchr(p + 1, '/')) == NULL)
			p = path + strlen(path);
	}
	*rest = p;
	return (size_t)snprintf(root, rootlen, "%.*s", (int)(p - path),
	    path) >= rootlen ? -1 : 0;
}

/* Counts the parts of a normalised path, "/" included. */
static int
remap_parts(const char *path)
{
	int n = 1;

	if (strcmp(path, "/") == 0)
		return 1;
	for (; *path != '\0'; path++)
		if (*path == '/')
			n++;
	return n;
}

int
remap_path(const struct remap_conf *rc, const char *path, char *out,
    size_t outlen, char *err, size_t errlen)
{
	char norm[PATH_MAX], root[PATH_MAX], dev[PATH_MAX], mp[PATH_MAX];
	char joined[PATH_MAX * 2];
	const char *mounts = rc->mounts != NULL ? rc->mounts : REMAP_MOUNTS;
	const char *rest, *key, *srv, *hint = "";
	int r = 0;

	/* An AUTOFS alone is silently unused: say so in any failure. */
	if (rc->depth < 1 && rc->autofs != NULL)
		hint = " (AUTOFS is used only with DEPTH)";

	if (remap_normalise(path, norm, sizeof(norm), err, errlen) == -1)
		return -1;

	if (rc->depth >= 1) {
		if (remap_parts(norm) < rc->depth || remap_split(norm,
		    rc->depth, root, sizeof(root), &rest) == -1) {
			util_errf(err, errlen, "%s: fewer than %d parts "
			    "(DEPTH)", path, rc->depth);
			return -1;
		}
		key = strrchr(root, '/') + 1;
		if (rc->autofs != NULL && *key != '\0') {
			r = remap_map_find(rc->autofs, key, dev, sizeof(dev),
			    err, errlen);
			if (r == -1)
				return -1;
		}
		if (r == 0)
			r = remap_mount_find(mounts, norm, root, dev,
			    sizeof(dev), mp, sizeof(mp), err, errlen);
	} else {
		r = remap_mount_find(mounts, norm, NULL, dev, sizeof(dev), mp,
		    sizeof(mp), err, errlen);
		rest = norm;
		if (r == 1 && strcmp(mp, "/") != 0)
			rest += strlen(mp);
	}
	if (r == -1)
		return -1;
	if (r == 0) {
		util_errf(err, errlen, "%s: no mapping found for %s%s", path,
		    rc->depth >= 1 ? root : "any mount point", hint);
		return -1;
	}

	if ((srv = remap_location_path(dev)) == NULL) {
		util_errf(err, errlen, "%s: mounted from %s, not a network "
		    "file system: no mapping found%s", path, dev, hint);
		return -1;
	}
	if ((size_t)snprintf(joined, sizeof(joined), "%s/%s", srv, rest) >=
	    sizeof(joined)) {
		util_errf(err, errlen, "%s: mapped path too long", path);
		return -1;
	}
	return remap_normalise(joined, out, outlen, err, errlen);
}
