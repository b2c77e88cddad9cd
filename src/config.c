/*
 * config: see config.h.
 *
 * Design.  One table, config_keys[], describes every setting: its INI key,
 * section, environment variable, type, place in struct config, range and
 * compiled-in default.  Defaults, the file, the environment and the command
 * line all go through key_apply(), so a value is checked the same way
 * wherever it comes from, and the sample file, the man page and this table
 * are the three places to keep in step.
 *
 * The file is read whole and every line is checked here first (length,
 * NUL and control bytes, indentation, syntax, known sections), because
 * inih cuts long lines and joins indented ones without telling.  Only then
 * does inih parse the text, fed line by line through our own reader so we
 * know the line of each key whatever INI_HANDLER_LINENO the library was
 * built with; the reader also cuts inline comments itself, so a value is
 * the same whether or not inih was built to allow them.
 *
 * Atomicity: key_apply() parses into temporaries before it frees the old
 * value, so one key is set whole or not at all; config_load() works on a
 * deep copy and swaps it in only when the file and the environment both
 * loaded, so a failed reload (SIGHUP) leaves the running settings intact.
 *
 * No locks and no globals: the caller owns the struct and serialises use.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"
#include "log.h"
#include "util.h"

/*
 * The longest line we accept, line end excluded.  inih as Debian builds it
 * reads lines into 200 bytes including "\r\n" and the NUL; staying well
 * below leaves room for a copy built with a slightly smaller buffer.
 */
#define CONFIG_LINE_MAX		190
#define CONFIG_NAME_MAX		40
#define CONFIG_FILE_MAX		(1024 * 1024)
#define CONFIG_KEY_MAX		4096

#define SEC	1000LL			/* milliseconds in a second */
#define DAY	(86400 * SEC)

enum key_type {
	T_KEY,		/* the API key: not blank, no control bytes */
	T_STRING,	/* required, not empty */
	T_PATH,		/* optional string, empty means unset */
	T_LIST,		/* items split at commas and blanks */
	T_U64,		/* uint64_t within [min, max] */
	T_INT,		/* int within [min, max], no sign */
	T_MS,		/* seconds with up to 3 decimals, held as ms */
	T_BOOL,
	T_ENUM,		/* int, index into names */
	T_LOGLEVEL	/* int, through log_level_parse() */
};

struct config_key {
	const char	*name;		/* INI key */
	const char	*env;		/* environment variable */
	enum config_role section;
	enum key_type	 type;
	size_t		 off;		/* the field in struct config */
	size_t		 noff;		/* T_LIST: its count */
	size_t		 cap;		/* T_LIST: its capacity */
	int64_t		 min, max;	/* numbers; T_MS in ms */
	const char *const *names;	/* T_ENUM, NULL-terminated */
	const char	*(*check)(const char *);	/* reason or NULL */
	const char	*def;		/* default as written in the file */
	int		 pair;		/* auth_key and auth_key_file */
	int		 loose_env;	/* Python truthiness from the env */
};

static const char *check_abs(const char *);
static const char *check_prefix(const char *);
static const char *check_url(const char *);
static const char *check_hostport(const char *);
static const char *check_tlsver(const char *);
static const char *check_library(const char *);

static const char *const tls_names[] = { "auto", "on", "off", NULL };
static const char *const method_names[] = { "eeadm", "stat", NULL };

#define SRV(f)	.section = CONFIG_ROLE_SERVER, \
		.off = offsetof(struct config, server.f)
#define CLI(f)	.section = CONFIG_ROLE_CLIENT, \
		.off = offsetof(struct config, client.f)
#define LIST(n, c) .type = T_LIST, .noff = offsetof(struct config, n), \
		.cap = (c)

static const struct config_key config_keys[] = {
	{ "auth_key", "AUTH_KEY", SRV(auth_key), .type = T_KEY, .pair = 1 },
	{ "auth_key_file", "AUTH_KEY_FILE", SRV(auth_key_file),
	    .type = T_PATH, .pair = 1 },
	{ "ltfsee_lib", "LTFSEE_LIB", SRV(libraries),
	    LIST(server.nlibraries, CONFIG_MAX_LIBRARIES),
	    .check = check_library },
	{ "loglevel", "LOGLEVEL", SRV(loglevel), .type = T_LOGLEVEL,
	    .def = "warning" },
	{ "cache_default_timeout", "CACHE_DEFAULT_TIMEOUT",
	    SRV(cache_timeout_ms), .type = T_MS, .min = 0, .max = 365 * DAY,
	    .def = "300" },
	{ "bind", "BIND", SRV(bind), .type = T_STRING,
	    .check = check_hostport, .def = "127.0.0.1:8000" },
	{ "keyfile", "KEYFILE", SRV(keyfile), .type = T_PATH },
	{ "certfile", "CERTFILE", SRV(certfile), .type = T_PATH },
	{ "tls", "TLS", SRV(tls), .type = T_ENUM, .names = tls_names,
	    .def = "auto" },
	{ "tls_min_version", "TLS_MIN_VERSION", SRV(tls_min_version),
	    .type = T_STRING, .check = check_tlsver, .def = "1.2" },
	{ "tls_session_cache", "TLS_SESSION_CACHE", SRV(tls_session_cache),
	    .type = T_U64, .min = 0, .max = 1 << 30, .def = "65536" },
	{ "threads", "THREADS", SRV(threads), .type = T_U64, .min = 0,
	    .max = 1024, .def = "0" },
	{ "max_connections", "MAX_CONNECTIONS", SRV(max_connections),
	    .type = T_U64, .min = 1, .max = 1 << 20, .def = "4096" },
	{ "max_request_line", "MAX_REQUEST_LINE", SRV(max_request_line),
	    .type = T_U64, .min = 64, .max = 1 << 24, .def = "8192" },
	{ "max_header_line", "MAX_HEADER_LINE", SRV(max_header_line),
	    .type = T_U64, .min = 64, .max = 1 << 24, .def = "8192" },
	{ "max_header_size", "MAX_HEADER_SIZE", SRV(max_header_size),
	    .type = T_U64, .min = 64, .max = 1 << 26, .def = "16384" },
	{ "max_body", "MAX_BODY", SRV(max_body), .type = T_U64, .min = 1,
	    .max = 1 << 26, .def = "65536" },
	{ "header_timeout", "HEADER_TIMEOUT", SRV(header_timeout_ms),
	    .type = T_MS, .min = 1, .max = DAY, .def = "10" },
	{ "body_timeout", "BODY_TIMEOUT", SRV(body_timeout_ms),
	    .type = T_MS, .min = 1, .max = DAY, .def = "10" },
	{ "keepalive_timeout", "KEEPALIVE_TIMEOUT",
	    SRV(keepalive_timeout_ms), .type = T_MS, .min = 1, .max = DAY,
	    .def = "60" },
	{ "write_timeout", "WRITE_TIMEOUT", SRV(write_timeout_ms),
	    .type = T_MS, .min = 1, .max = DAY, .def = "10" },
	{ "handshake_timeout", "HANDSHAKE_TIMEOUT",
	    SRV(handshake_timeout_ms), .type = T_MS, .min = 1, .max = DAY,
	    .def = "10" },
	{ "eeadm", "EEADM", SRV(eeadm), .type = T_STRING,
	    .def = CONFIG_DEFAULT_EEADM },
	{ "eeadm_timeout", "EEADM_TIMEOUT", SRV(eeadm_timeout_ms),
	    .type = T_MS, .min = 1, .max = 7 * DAY, .def = "120" },
	{ "recall_timeout", "RECALL_TIMEOUT", SRV(recall_timeout_ms),
	    .type = T_MS, .min = 1, .max = 30 * DAY, .def = "86400" },
	{ "eeadm_max_output", "EEADM_MAX_OUTPUT", SRV(eeadm_max_output),
	    .type = T_U64, .min = 4096, .max = 1 << 30, .def = "16777216" },
	{ "allowed_paths", "ALLOWED_PATHS", SRV(allowed_paths),
	    LIST(server.nallowed_paths, CONFIG_MAX_PATHS),
	    .check = check_prefix },
	{ "state_dir", "STATE_DIR", SRV(state_dir), .type = T_STRING,
	    .check = check_abs, .def = LOCALSTATEDIR "/lib/ltfsee-globus" },
	{ "recall_delay", "RECALL_DELAY", SRV(recall_delay_ms),
	    .type = T_MS, .min = 0, .max = DAY, .def = "5" },
	{ "recall_max_wait", "RECALL_MAX_WAIT", SRV(recall_max_wait_ms),
	    .type = T_MS, .min = 0, .max = DAY, .def = "60" },
	{ "recall_max_files", "RECALL_MAX_FILES", SRV(recall_max_files),
	    .type = T_U64, .min = 1, .max = 10000000, .def = "10000" },
	{ "recall_concurrency", "RECALL_CONCURRENCY",
	    SRV(recall_concurrency), .type = T_U64, .min = 1, .max = 64,
	    .def = "1" },
	{ "recall_retries", "RECALL_RETRIES", SRV(recall_retries),
	    .type = T_U64, .min = 0, .max = 100, .def = "3" },
	{ "recall_resident", "RECALL_RESIDENT", SRV(recall_resident),
	    .type = T_BOOL, .def = "no" },
	{ "state_batch_delay", "STATE_BATCH_DELAY", SRV(state_batch_delay_ms),
	    .type = T_MS, .min = 0, .max = 60 * SEC, .def = "0.05" },
	{ "state_batch_max", "STATE_BATCH_MAX", SRV(state_batch_max),
	    .type = T_U64, .min = 1, .max = 1000000, .def = "1000" },
	{ "state_method", "STATE_METHOD", SRV(state_method), .type = T_ENUM,
	    .names = method_names, .def = "eeadm" },
	{ "metrics_auth", "METRICS_AUTH", SRV(metrics_auth), .type = T_BOOL,
	    .def = "no" },

	{ "ltfsee_url", "LTFSEE_URL", CLI(urls),
	    LIST(client.nurls, CONFIG_MAX_URLS), .check = check_url,
	    .def = "http://127.0.0.1:8000" },
	{ "auth_key", "AUTH_KEY", CLI(auth_key), .type = T_KEY, .pair = 1 },
	{ "auth_key_file", "AUTH_KEY_FILE", CLI(auth_key_file),
	    .type = T_PATH, .pair = 1 },
	{ "timeout", "TIMEOUT", CLI(timeout_ms), .type = T_MS, .min = 1,
	    .max = DAY, .def = "10" },
	{ "autofs", "AUTOFS", CLI(autofs), .type = T_PATH },
	{ "depth", "DEPTH", CLI(depth), .type = T_INT, .min = 1,
	    .max = 4096 },
	{ "remap", "REMAP", CLI(remap), .type = T_BOOL, .def = "no" },
	{ "debug", "DEBUG", CLI(debug), .type = T_BOOL, .def = "no",
	    .loose_env = 1 },
	{ "ca_file", "CA_FILE", CLI(ca_file), .type = T_PATH },
	{ "tls_verify", "TLS_VERIFY", CLI(tls_verify), .type = T_BOOL,
	    .def = "yes" },
	{ "exit_resident", "EXIT_RESIDENT", CLI(exit_resident), .type = T_INT,
	    .min = 0, .max = 255, .def = "0" },
	{ "exit_archived", "EXIT_ARCHIVED", CLI(exit_archived), .type = T_INT,
	    .min = 0, .max = 255, .def = "0" },
	{ "exit_not_found", "EXIT_NOT_FOUND", CLI(exit_not_found),
	    .type = T_INT, .min = 0, .max = 255, .def = "2" },
	{ "exit_error", "EXIT_ERROR", CLI(exit_error), .type = T_INT,
	    .min = 0, .max = 255, .def = "1" },
};

#define NKEYS	nitems(config_keys)

static const char *const section_names[] = { "server", "client" };

/* The CA bundles tried, in order, when ca_file is not set. */
static const char *const ca_bundles[] = {
	"/etc/ssl/certs/ca-certificates.crt",
	"/etc/pki/tls/certs/ca-bundle.crt",
};

/* The state of one file load, shared by the reader and the handler. */
struct load_ctx {
	struct config	*c;
	const char	*file;
	const char	*pos;		/* the reader's next line */
	int		 lineno;	/* the line inih holds now */
	int		 seen[NKEYS];	/* line each key was set on */
	int		 failed;
	char		*err;
	size_t		 errlen;
};

static void seterr(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Formats an error; a message cut by ERRLEN is still a message. */
static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	r = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (r < 0)
		snprintf(err, errlen, "configuration error");
}

static char **
field_str(struct config *c, const struct config_key *k)
{
	return (char **)(void *)((char *)c + k->off);
}

static size_t *
field_count(struct config *c, const struct config_key *k)
{
	return (size_t *)(void *)((char *)c + k->noff);
}

static int *
field_int(struct config *c, const struct config_key *k)
{
	return (int *)(void *)((char *)c + k->off);
}

static const struct config_key *
key_find(enum config_role section, const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (config_keys[i].section == section &&
		    strcasecmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	return NULL;
}

/* The other key of the auth_key/auth_key_file pair of K's section. */
static const struct config_key *
key_partner(const struct config_key *k)
{
	return key_find(k->section, strcmp(k->name, "auth_key") == 0 ?
	    "auth_key_file" : "auth_key");
}

static int
section_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < nitems(section_names); i++)
		if (strlen(section_names[i]) == len &&
		    strncasecmp(section_names[i], name, len) == 0)
			return (int)i;
	return -1;
}

static const char *
check_abs(const char *v)
{
	return v[0] == '/' ? NULL : "not an absolute path";
}

/*
 * An allowed_paths entry: absolute and already in the form the API
 * cleans request paths into (no empty, "." or ".." part; a trailing '/'
 * is fine), since an entry in any other form could never match.
 */
static const char *
check_prefix(const char *v)
{
	const char *p, *seg;
	size_t len;

	if (v[0] != '/')
		return "not an absolute path";
	for (p = v + 1; *p != '\0'; p++) {
		seg = p;
		while (*p != '\0' && *p != '/')
			p++;
		len = (size_t)(p - seg);
		if ((len == 0 && *p == '/') || (len == 1 && seg[0] == '.') ||
		    (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return "has an empty, \".\" or \"..\" part (requests "
			    "are matched after cleaning theirs)";
		if (*p == '\0')
			break;
	}
	return NULL;
}

static const char *
check_url(const char *v)
{
	size_t n;

	if (strncasecmp(v, "http://", 7) == 0)
		n = 7;
	else if (strncasecmp(v, "https://", 8) == 0)
		n = 8;
	else
		return "not an http:// or https:// URL";
	if (v[n] == '\0' || v[n] == '/' || v[n] == ':')
		return "URL without a host";
	return NULL;
}

/* "host:port" or "[v6]:port", port 0..65535 (0: any free port). */
static const char *
check_hostport(const char *v)
{
	const char *colon;
	uint64_t port;

	if (v[0] == '[') {
		colon = strchr(v, ']');
		if (colon == NULL || colon == v + 1 || colon[1] != ':')
			return "not [address]:port";
		colon++;
	} else {
		colon = strrchr(v, ':');
		if (colon == NULL || colon == v ||
		    memchr(v, ':', (size_t)(colon - v)) != NULL)
			return "not host:port";
	}
	if (util_parse_u64(colon + 1, 0, 65535, &port) == -1)
		return "port not a number in 0..65535";
	return NULL;
}

static const char *
check_tlsver(const char *v)
{
	if (strcmp(v, "1.0") == 0 || strcmp(v, "1.1") == 0 ||
	    strcmp(v, "1.2") == 0)
		return NULL;
	return "not 1.0, 1.1 or 1.2";
}

/* A library name becomes an eeadm argument: no leading dash. */
static const char *
check_library(const char *v)
{
	return v[0] == '-' ? "library name starts with '-'" : NULL;
}

static const char *
check_key(const char *v)
{
	const unsigned char *p;
	int blank = 1;

	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			if (*p != '\t')
				return "contains a control character";
		} else if (*p != ' ')
			blank = 0;
	}
	return blank ? "empty or blank" : NULL;
}

static int
parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < nitems(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* 1 if V is digits with at most one '.' followed by 1..3 digits. */
static int
looks_seconds(const char *v)
{
	const char *dot = strchr(v, '.');
	size_t n = strspn(v, "0123456789");

	if (n == 0)
		return 0;
	if (dot == NULL)
		return v[n] == '\0';
	return v + n == dot && strspn(dot + 1, "0123456789") ==
	    strlen(dot + 1) && strlen(dot + 1) >= 1 && strlen(dot + 1) <= 3;
}

static void
fmt_seconds(char *buf, size_t len, int64_t ms)
{
	if (ms % SEC == 0)
		snprintf(buf, len, "%lld", (long long)(ms / SEC));
	else
		snprintf(buf, len, "%lld.%03lld", (long long)(ms / SEC),
		    (long long)(ms % SEC));
}

/*
 * Parses V as a number of K's type into *out.  Returns 0, or -1 with the
 * reason in WHY ("not a number", "out of range (1..1024)").
 */
static int
parse_number(const struct config_key *k, const char *v, int64_t *out,
    char *why, size_t whylen)
{
	char lo[32], hi[32];
	uint64_t u;
	int64_t ms;

	if (k->type == T_MS) {
		if (util_parse_seconds(v, k->min, k->max, &ms) == 0) {
			*out = ms;
			return 0;
		}
		if (!looks_seconds(v)) {
			seterr(why, whylen, "not a number of seconds "
			    "(digits, up to 3 decimals)");
			return -1;
		}
		fmt_seconds(lo, sizeof(lo), k->min);
		fmt_seconds(hi, sizeof(hi), k->max);
		seterr(why, whylen, "out of range (%s..%s seconds)", lo, hi);
		return -1;
	}

	if (util_parse_u64(v, (uint64_t)k->min, (uint64_t)k->max, &u) == 0) {
		*out = (int64_t)u;
		return 0;
	}
	if (v[0] == '\0' || strspn(v, "0123456789") != strlen(v)) {
		seterr(why, whylen, "not a number");
		return -1;
	}
	seterr(why, whylen, "out of range (%lld..%lld)", (long long)k->min,
	    (long long)k->max);
	return -1;
}

/*
 * Splits V at commas and blanks into a fresh array (at most K->cap items,
 * each passing K->check).  Returns 0 with *n items in OUT (the caller owns
 * them), or -1 with WHY and nothing allocated.
 */
static int
parse_list(const struct config_key *k, const char *v, char **out,
    size_t *n, char *why, size_t whylen)
{
	const char *p = v, *reason;
	size_t len;

	*n = 0;
	for (;;) {
		p += strspn(p, ", \t");
		if (*p == '\0')
			return 0;
		len = strcspn(p, ", \t");
		if (*n == k->cap) {
			seterr(why, whylen, "more than %zu entries", k->cap);
			goto fail;
		}
		if ((out[*n] = strndup(p, len)) == NULL) {
			seterr(why, whylen, "out of memory");
			goto fail;
		}
		(*n)++;
		if (k->check != NULL &&
		    (reason = k->check(out[*n - 1])) != NULL) {
			seterr(why, whylen, "\"%s\": %s", out[*n - 1], reason);
			goto fail;
		}
		p += len;
	}

fail:
	while (*n > 0)
		free(out[--(*n)]);
	return -1;
}

static int
apply_string(struct config *c, const struct config_key *k, const char *v,
    char *why, size_t whylen)
{
	const char *reason = NULL;
	char **f = field_str(c, k), *s = NULL;

	if (k->type == T_KEY)
		reason = check_key(v);
	else if (k->type == T_STRING && v[strspn(v, " \t")] == '\0')
		reason = "empty";
	else if (k->check != NULL && v[0] != '\0')
		reason = k->check(v);
	if (reason != NULL) {
		seterr(why, whylen, "%s", reason);
		return -1;
	}

	if (!(k->type == T_PATH && v[0] == '\0') &&
	    (s = strdup(v)) == NULL) {
		seterr(why, whylen, "out of memory");
		return -1;
	}
	free(*f);
	*f = s;
	return 0;
}

static int
apply_list(struct config *c, const struct config_key *k, const char *v,
    char *why, size_t whylen)
{
	char *items[64];

	_Static_assert(CONFIG_MAX_LIBRARIES <= 64 && CONFIG_MAX_PATHS <= 64 &&
	    CONFIG_MAX_URLS <= 64, "a list's capacity exceeds items[]");
	char **f = field_str(c, k);
	size_t *count = field_count(c, k), n, i;

	if (parse_list(k, v, items, &n, why, whylen) == -1)
		return -1;
	for (i = 0; i < *count; i++)
		free(f[i]);
	for (i = 0; i < n; i++)
		f[i] = items[i];
	for (; i < k->cap; i++)
		f[i] = NULL;
	*count = n;
	return 0;
}

static int
apply_enum(struct config *c, const struct config_key *k, const char *v,
    char *why, size_t whylen)
{
	size_t i, len;

	for (i = 0; k->names[i] != NULL; i++)
		if (strcasecmp(v, k->names[i]) == 0) {
			*field_int(c, k) = (int)i;
			return 0;
		}

	seterr(why, whylen, "not one of");
	for (i = 0; k->names[i] != NULL; i++) {
		len = strlen(why);
		if (len < whylen)
			seterr(why + len, whylen - len, "%s %s",
			    i > 0 ? "," : "", k->names[i]);
	}
	return -1;
}

/*
 * Sets key K of *c from the text V, checked by K's type and range.  ENV
 * says V came from the environment (DEBUG is then read the Python way:
 * any value that is not a boolean word means on).  Setting auth_key or
 * auth_key_file unsets the other, so the later layer wins.  Returns 0, or
 * -1 with the reason in WHY and *c unchanged.
 */
static int
key_apply(struct config *c, const struct config_key *k, const char *v,
    int env, char *why, size_t whylen)
{
	int64_t n;
	int b;

	switch (k->type) {
	case T_KEY:
	case T_STRING:
	case T_PATH:
		if (apply_string(c, k, v, why, whylen) == -1)
			return -1;
		break;
	case T_LIST:
		return apply_list(c, k, v, why, whylen);
	case T_U64:
	case T_INT:
	case T_MS:
		if (k->type == T_INT && k->def == NULL && v[0] == '\0') {
			*field_int(c, k) = -1;	/* depth: empty unsets */
			return 0;
		}
		if (parse_number(k, v, &n, why, whylen) == -1)
			return -1;
		if (k->type == T_U64)
			*(uint64_t *)(void *)((char *)c + k->off) =
			    (uint64_t)n;
		else if (k->type == T_INT)
			*field_int(c, k) = (int)n;
		else
			*(int64_t *)(void *)((char *)c + k->off) = n;
		return 0;
	case T_BOOL:
		if (parse_bool(v, &b) == -1) {
			if (!(env && k->loose_env)) {
				seterr(why, whylen, "not yes, no, true, "
				    "false, on, off, 1 or 0");
				return -1;
			}
			b = 1;
		}
		*field_int(c, k) = b;
		return 0;
	case T_ENUM:
		return apply_enum(c, k, v, why, whylen);
	case T_LOGLEVEL:
		if ((b = log_level_parse(v)) < 0) {
			seterr(why, whylen, "not crit, error, warning, info "
			    "or debug");
			return -1;
		}
		*field_int(c, k) = b;
		return 0;
	}

	if (k->pair) {
		char **other = field_str(c, key_partner(k));

		free(*other);
		*other = NULL;
	}
	return 0;
}

static const char unknown_section[] = "unknown section";

/*
 * Checks one line of the file before inih sees it: L is the line without
 * its end, LEN its length.  Returns NULL or the reason it is refused.
 */
static const char *
line_check(const char *l, size_t len)
{
	const char *p, *end = l + len, *name;
	size_t i, n;

	if (len > CONFIG_LINE_MAX)
		return "line longer than 190 characters";
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)l[i];

		if (ch == '\0')
			return "NUL byte";
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return "control character";
	}

	/* Blank lines and comments, indented or not, are harmless. */
	for (p = l; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	if (p == end || *p == ';' || *p == '#')
		return NULL;
	if (p != l)
		return "indented line (inih would join it to the previous "
		    "value); remove the leading blanks";

	if (*p == '[') {
		name = ++p;
		while (p < end && *p != ']' && *p != '[' && *p != ';')
			p++;
		if (p == end || *p != ']' || p == name)
			return "bad section header: expected [name]";
		if (section_find(name, (size_t)(p - name)) == -1)
			return unknown_section;
		for (p++; p < end && (*p == ' ' || *p == '\t'); p++)
			;
		if (p < end && *p != ';' && *p != '#')
			return "text after the section header";
		return NULL;
	}

	n = strspn(p, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
	if (n == 0 || p + n > end)
		return "expected key = value";
	if (n > CONFIG_NAME_MAX)
		return "key name too long";
	for (p += n; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	if (p < end && *p == ':')
		return "write key = value (':' is not accepted)";
	if (p == end || *p != '=')
		return "expected key = value";

	/* The value: '#' is a comment only at the start of a line. */
	for (p++; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	if (p < end && *p == '#')
		return "value starts with '#' (comments go on their own line)";
	for (; p + 1 < end; p++)
		if ((*p == ' ' || *p == '\t') && p[1] == '#')
			return "'#' after a blank in a value (comments go "
			    "on their own line or after ';')";

	return NULL;
}

/* Finds quotes around the value part of a key line, inline comment cut. */
static int
line_quoted(const char *l, size_t len)
{
	const char *p = memchr(l, '=', len), *end = l + len, *q;

	if (p == NULL)
		return 0;
	for (p++; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	for (q = p; q < end; q++)
		if (*q == ';' && q > p && (q[-1] == ' ' || q[-1] == '\t'))
			break;
	while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
		q--;
	return q - p >= 2 && (*p == '"' || *p == '\'') && q[-1] == *p;
}

/*
 * Checks every line of TEXT (LEN bytes) from FILE.  Returns 0, or -1
 * with "file:line: reason" in err.
 */
static int
text_check(const char *file, const char *text, size_t len, char *err,
    size_t errlen)
{
	const char *l = text, *nl, *end = text + len, *why;
	size_t n;
	int lineno = 0;

	while (l < end) {
		lineno++;
		nl = memchr(l, '\n', (size_t)(end - l));
		n = nl != NULL ? (size_t)(nl - l) : (size_t)(end - l);
		if (n > 0 && l[n - 1] == '\r')
			n--;
		why = line_check(l, n);
		if (why == NULL && line_quoted(l, n))
			why = "quoted value (quotes would be kept; write the "
			    "value without them)";
		if (why == unknown_section) {
			seterr(err, errlen, "%s:%d: unknown section %.*s (only "
			    "[server] and [client])", file, lineno,
			    (int)strcspn(l, "]") + 1, l);
			return -1;
		}
		if (why != NULL) {
			seterr(err, errlen, "%s:%d: %s", file, lineno, why);
			return -1;
		}
		l = nl != NULL ? nl + 1 : end;
	}
	return 0;
}

/*
 * Cuts an inline comment (a ';' after a blank) off the value of a checked
 * key line in BUF, so values do not depend on how inih was built.
 */
static void
cut_comment(char *buf)
{
	char *p;

	if (buf[0] == '[' || buf[0] == ';' || buf[0] == '#' ||
	    (p = strchr(buf, '=')) == NULL)
		return;
	for (p++; *p != '\0'; p++)
		if ((*p == ' ' || *p == '\t') && p[1] == ';') {
			p[0] = '\n';
			p[1] = '\0';
			return;
		}
}

/* inih's reader: hands over one line and counts it. */
static char *
load_reader(char *buf, int size, void *stream)
{
	struct load_ctx *x = stream;
	size_t n;

	if (*x->pos == '\0' || size < 2)
		return NULL;
	n = strcspn(x->pos, "\n");
	if (x->pos[n] == '\n')
		n++;
	if (n > (size_t)size - 1)
		n = (size_t)size - 1;	/* not reached: lines are checked */
	memcpy(buf, x->pos, n);
	buf[n] = '\0';
	cut_comment(buf);
	x->pos += n;
	x->lineno++;
	return buf;
}

/*
 * inih's handler: sets one key of the copy being loaded.  Keeps only the
 * first error (inih goes on parsing after one).  Returns 1 or 0 (error).
 */
static int
#if INI_HANDLER_LINENO
load_handler(void *user, const char *section, const char *name,
    const char *value, int lineno_unused)
#else
load_handler(void *user, const char *section, const char *name,
    const char *value)
#endif
{
	struct load_ctx *x = user;
	const struct config_key *k, *other;
	char why[CONFIG_ERR_MAX];
	int sec;
	size_t i;

	if (x->failed)
		return 1;
	x->failed = 1;

	if (section[0] == '\0') {
		seterr(x->err, x->errlen, "%s:%d: %s: key outside a section",
		    x->file, x->lineno, name);
		return 0;
	}
	if ((sec = section_find(section, strlen(section))) == -1) {
		seterr(x->err, x->errlen, "%s:%d: unknown section [%s]",
		    x->file, x->lineno, section);
		return 0;
	}
	if ((k = key_find((enum config_role)sec, name)) == NULL) {
		seterr(x->err, x->errlen, "%s:%d: unknown key \"%s\" in [%s]",
		    x->file, x->lineno, name, section_names[sec]);
		return 0;
	}

	i = (size_t)(k - config_keys);
	if (x->seen[i] != 0) {
		seterr(x->err, x->errlen, "%s:%d: %s: repeated (first set "
		    "on line %d)", x->file, x->lineno, k->name, x->seen[i]);
		return 0;
	}
	if (k->pair && (other = key_partner(k)) != NULL &&
	    x->seen[other - config_keys] != 0) {
		seterr(x->err, x->errlen, "%s:%d: %s: %s is set too (line "
		    "%d); use one of them", x->file, x->lineno, k->name,
		    other->name, x->seen[other - config_keys]);
		return 0;
	}
	x->seen[i] = x->lineno;

	if (key_apply(x->c, k, value, 0, why, sizeof(why)) == -1) {
		seterr(x->err, x->errlen, "%s:%d: %s: %s", x->file,
		    x->lineno, k->name, why);
		return 0;
	}
	x->failed = 0;
	return 1;
}

/*
 * Reads FILE whole into a fresh NUL-terminated buffer (*out, the caller
 * frees it).  Returns 0, 1 when the file does not exist, or -1 with err.
 * *mode gets the file's mode bits.
 */
static int
file_read(const char *file, char **out, size_t *outlen, mode_t *mode,
    char *err, size_t errlen)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	ssize_t r;
	int fd, rc = -1;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 1;
		seterr(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		seterr(err, errlen, "%s: %s", file, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		seterr(err, errlen, "%s: not a regular file", file);
		goto out;
	}
	*mode = st.st_mode;
	if ((text = malloc(CONFIG_FILE_MAX + 1)) == NULL) {
		seterr(err, errlen, "%s: out of memory", file);
		goto out;
	}

	while ((r = read(fd, text + len, CONFIG_FILE_MAX + 1 - len)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			seterr(err, errlen, "%s: %s", file, strerror(errno));
			goto out;
		}
		len += (size_t)r;
		if (len > CONFIG_FILE_MAX) {
			seterr(err, errlen, "%s: larger than %d bytes", file,
			    CONFIG_FILE_MAX);
			goto out;
		}
	}
	text[len] = '\0';
	*out = text;
	*outlen = len;
	text = NULL;
	rc = 0;

out:
	free(text);
	close(fd);
	return rc;
}

/*
 * Loads the text of FILE into *c.  Returns 0, or -1 with err; *c may be
 * half-set then (the caller's copy is thrown away).  *has_key tells
 * whether the text set the [server] auth_key.
 */
static int
load_text(struct config *c, const char *file, const char *text, size_t len,
    int *has_key, char *err, size_t errlen)
{
	struct load_ctx x;
	size_t i;
	int r;

	/* A UTF-8 byte order mark is allowed and dropped. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	if (text_check(file, text, len, err, errlen) == -1)
		return -1;

	memset(&x, 0, sizeof(x));
	x.c = c;
	x.file = file;
	x.pos = text;
	x.err = err;
	x.errlen = errlen;
	r = ini_parse_stream(load_reader, &x, load_handler, &x);
	if (x.failed)
		return -1;
	if (r != 0) {
		if (r > 0)
			seterr(err, errlen, "%s:%d: syntax error", file, r);
		else
			seterr(err, errlen, "%s: cannot parse (%d)", file, r);
		return -1;
	}

	*has_key = 0;
	for (i = 0; i < NKEYS; i++)
		if (x.seen[i] && config_keys[i].type == T_KEY &&
		    config_keys[i].section == CONFIG_ROLE_SERVER)
			*has_key = 1;
	return 0;
}

/* Applies the environment variables of ROLE's section.  0 or -1 + err. */
static int
load_env(struct config *c, enum config_role role, char *err, size_t errlen)
{
	const char *v, *k1 = getenv("AUTH_KEY"), *k2 = getenv("AUTH_KEY_FILE");
	char why[CONFIG_ERR_MAX];
	size_t i;

	if (k1 != NULL && k1[0] != '\0' && k2 != NULL && k2[0] != '\0') {
		seterr(err, errlen, "environment AUTH_KEY and AUTH_KEY_FILE "
		    "are both set; use one of them");
		return -1;
	}

	/* An empty variable counts as unset, as `export X=` often means. */
	for (i = 0; i < NKEYS; i++) {
		if (config_keys[i].section != role)
			continue;
		v = getenv(config_keys[i].env);
		if (v == NULL || v[0] == '\0')
			continue;
		if (key_apply(c, &config_keys[i], v, 1, why,
		    sizeof(why)) == -1) {
			seterr(err, errlen, "environment %s: %s",
			    config_keys[i].env, why);
			return -1;
		}
	}
	return 0;
}

/*
 * Deep-copies *src into *dst.  Returns 0, or -1 (out of memory) with *dst
 * empty.
 */
static int
config_copy(struct config *dst, const struct config *src)
{
	const struct config_key *k;
	char **d;
	size_t i, j, n;

	*dst = *src;
	dst->file = NULL;
	for (k = config_keys; k < config_keys + NKEYS; k++) {
		d = field_str(dst, k);
		n = k->type == T_LIST ? k->cap : 1;
		if (k->type == T_KEY || k->type == T_STRING ||
		    k->type == T_PATH || k->type == T_LIST)
			for (j = 0; j < n; j++)
				d[j] = NULL;
	}

	if (src->file != NULL && (dst->file = strdup(src->file)) == NULL)
		goto fail;
	for (k = config_keys; k < config_keys + NKEYS; k++) {
		const char *const *s;

		if (!(k->type == T_KEY || k->type == T_STRING ||
		    k->type == T_PATH || k->type == T_LIST))
			continue;
		s = (const char *const *)(const void *)
		    ((const char *)src + k->off);
		d = field_str(dst, k);
		n = k->type == T_LIST ? k->cap : 1;
		for (i = 0; i < n; i++)
			if (s[i] != NULL && (d[i] = strdup(s[i])) == NULL)
				goto fail;
	}
	return 0;

fail:
	config_free(dst);
	return -1;
}

void
config_defaults(struct config *c)
{
	char why[CONFIG_ERR_MAX];
	size_t i;

	memset(c, 0, sizeof(*c));
	c->client.depth = -1;
	for (i = 0; i < NKEYS; i++) {
		if (config_keys[i].def == NULL)
			continue;
		if (key_apply(c, &config_keys[i], config_keys[i].def, 0, why,
		    sizeof(why)) == -1)
			fatalx("default %s: %s", config_keys[i].name, why);
	}
}

int
config_load(struct config *c, const char *file, int missing_ok,
    enum config_role role, char *err, size_t errlen)
{
	struct config tmp;
	char *text = NULL;
	size_t len = 0;
	mode_t mode = 0;
	int r = 1, has_key = 0, rc = -1;

	if (config_copy(&tmp, c) == -1) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	free(tmp.file);
	tmp.file = NULL;

	if (file != NULL &&
	    (r = file_read(file, &text, &len, &mode, err, errlen)) == -1)
		goto out;
	if (file != NULL && r == 1 && !missing_ok) {
		seterr(err, errlen, "%s: %s", file, strerror(ENOENT));
		goto out;
	}
	if (r == 0) {
		if (load_text(&tmp, file, text, len, &has_key, err,
		    errlen) == -1)
			goto out;
		if ((tmp.file = strdup(file)) == NULL) {
			seterr(err, errlen, "out of memory");
			goto out;
		}
	}
	if (load_env(&tmp, role, err, errlen) == -1)
		goto out;

	/*
	 * Only the daemon's key is a secret of one host: the stage app runs
	 * as each transferring user, so its file must be readable by them.
	 */
	if (role == CONFIG_ROLE_SERVER && has_key && (mode & S_IROTH))
		log_warnx("%s holds an auth_key and is readable by others",
		    file);
	config_free(c);
	*c = tmp;
	rc = 0;

out:
	if (rc == -1)
		config_free(&tmp);
	free(text);
	return rc;
}

int
config_set(struct config *c, enum config_role role, const char *key,
    const char *value, char *err, size_t errlen)
{
	const struct config_key *k = key_find(role, key);
	char why[CONFIG_ERR_MAX];

	if (k == NULL) {
		seterr(err, errlen, "unknown key \"%s\" in [%s]", key,
		    section_names[role]);
		return -1;
	}
	if (key_apply(c, k, value, 0, why, sizeof(why)) == -1) {
		seterr(err, errlen, "%s: %s", k->name, why);
		return -1;
	}
	return 0;
}

/*
 * Reads the first line of PATH (line end stripped) into a fresh string
 * in *out, replacing what was there; WARN: say if others may read it.
 * Returns 0 or -1 with err.
 */
static int
key_file_read(const char *path, int warn, char **out, char *err,
    size_t errlen)
{
	char buf[CONFIG_KEY_MAX + 1], *s;
	struct stat st;
	const char *why;
	size_t len = 0, n;
	ssize_t r;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		seterr(err, errlen, "auth_key_file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (warn && fstat(fd, &st) == 0 && (st.st_mode & S_IROTH))
		log_warnx("auth_key_file %s is readable by others", path);

	while (len < sizeof(buf) - 1 &&
	    (r = read(fd, buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			seterr(err, errlen, "auth_key_file %s: %s", path,
			    strerror(errno));
			goto out;
		}
		len += (size_t)r;
	}
	buf[len] = '\0';

	n = strcspn(buf, "\n");
	if (buf[n] != '\n' && len == sizeof(buf) - 1) {
		seterr(err, errlen, "auth_key_file %s: first line longer "
		    "than %d bytes", path, CONFIG_KEY_MAX);
		goto out;
	}
	if (memchr(buf, '\0', n) != NULL) {
		seterr(err, errlen, "auth_key_file %s: NUL byte", path);
		goto out;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if ((why = check_key(buf)) != NULL) {
		seterr(err, errlen, "auth_key_file %s: first line %s", path,
		    why);
		goto out;
	}
	if ((s = strdup(buf)) == NULL) {
		seterr(err, errlen, "out of memory");
		goto out;
	}
	free(*out);
	*out = s;
	rc = 0;

out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

/* Resolves the key of ROLE's section: from the key file, or inline. */
static int
validate_key(char **key, const char *key_file, enum config_role role,
    char *err, size_t errlen)
{
	const char *why;

	if (key_file != NULL)
		return key_file_read(key_file, role == CONFIG_ROLE_SERVER,
		    key, err, errlen);
	if (*key == NULL) {
		seterr(err, errlen, "no auth key: set auth_key or "
		    "auth_key_file in [%s], or AUTH_KEY", section_names[role]);
		return -1;
	}
	if ((why = check_key(*key)) != NULL) {
		seterr(err, errlen, "auth_key: %s", why);
		return -1;
	}
	return 0;
}

static int
validate_server(struct config_server *s, char *err, size_t errlen)
{
	size_t i;

	if (validate_key(&s->auth_key, s->auth_key_file, CONFIG_ROLE_SERVER,
	    err, errlen) == -1)
		return -1;

	if ((s->certfile == NULL) != (s->keyfile == NULL)) {
		seterr(err, errlen, "certfile and keyfile go together: set "
		    "both or neither");
		return -1;
	}
	if (s->tls == CONFIG_TLS_ON && s->certfile == NULL) {
		seterr(err, errlen, "tls = on needs certfile and keyfile");
		return -1;
	}
	if (s->tls != CONFIG_TLS_OFF && s->certfile != NULL) {
		if (access(s->certfile, R_OK) == -1) {
			seterr(err, errlen, "certfile %s: %s", s->certfile,
			    strerror(errno));
			return -1;
		}
		if (access(s->keyfile, R_OK) == -1) {
			seterr(err, errlen, "keyfile %s: %s", s->keyfile,
			    strerror(errno));
			return -1;
		}
	}

	if (s->eeadm == NULL || s->eeadm[strspn(s->eeadm, " \t")] == '\0') {
		seterr(err, errlen, "eeadm: empty");
		return -1;
	}
	for (i = 0; i < s->nallowed_paths; i++)
		if (check_abs(s->allowed_paths[i]) != NULL) {
			seterr(err, errlen, "allowed_paths: \"%s\" is not "
			    "absolute", s->allowed_paths[i]);
			return -1;
		}
	if (s->state_dir == NULL || check_abs(s->state_dir) != NULL) {
		seterr(err, errlen, "state_dir: not an absolute path");
		return -1;
	}
	if (s->recall_max_wait_ms < s->recall_delay_ms) {
		seterr(err, errlen, "recall_max_wait is shorter than "
		    "recall_delay");
		return -1;
	}
	if (s->max_header_line > s->max_header_size) {
		seterr(err, errlen, "max_header_line is larger than "
		    "max_header_size");
		return -1;
	}
	return 0;
}

static int
validate_client(struct config_client *cl, char *err, size_t errlen)
{
	const char *why;
	size_t i;
	int https = 0;

	if (cl->nurls == 0) {
		seterr(err, errlen, "no server: set ltfsee_url in [client] "
		    "or LTFSEE_URL");
		return -1;
	}
	for (i = 0; i < cl->nurls; i++) {
		if ((why = check_url(cl->urls[i])) != NULL) {
			seterr(err, errlen, "ltfsee_url \"%s\": %s",
			    cl->urls[i], why);
			return -1;
		}
		if (strncasecmp(cl->urls[i], "https:", 6) == 0)
			https = 1;
	}
	if (validate_key(&cl->auth_key, cl->auth_key_file, CONFIG_ROLE_CLIENT,
	    err, errlen) == -1)
		return -1;

	for (i = 0; cl->ca_file == NULL && i < nitems(ca_bundles); i++)
		if (access(ca_bundles[i], R_OK) == 0 &&
		    (cl->ca_file = strdup(ca_bundles[i])) == NULL) {
			seterr(err, errlen, "out of memory");
			return -1;
		}
	if (https && cl->tls_verify) {
		if (cl->ca_file == NULL) {
			seterr(err, errlen, "no CA bundle found for https: "
			    "set ca_file");
			return -1;
		}
		if (access(cl->ca_file, R_OK) == -1) {
			seterr(err, errlen, "ca_file %s: %s", cl->ca_file,
			    strerror(errno));
			return -1;
		}
	}

	if (cl->autofs != NULL || cl->depth > 0)
		cl->remap = 1;
	return 0;
}

int
config_validate(struct config *c, enum config_role role, char *err,
    size_t errlen)
{
	if (role == CONFIG_ROLE_SERVER)
		return validate_server(&c->server, err, errlen);
	return validate_client(&c->client, err, errlen);
}

void
config_free(struct config *c)
{
	const struct config_key *k;
	char **f;
	size_t i;

	for (k = config_keys; k < config_keys + NKEYS; k++) {
		if (k->type == T_LIST) {
			f = field_str(c, k);
			for (i = 0; i < k->cap; i++) {
				free(f[i]);
				f[i] = NULL;
			}
			*field_count(c, k) = 0;
		} else if (k->type == T_KEY || k->type == T_STRING ||
		    k->type == T_PATH) {
			f = field_str(c, k);
			if (k->type == T_KEY && *f != NULL)
				explicit_bzero(*f, strlen(*f));
			free(*f);
			*f = NULL;
		}
	}
	free(c->file);
	c->file = NULL;
}
