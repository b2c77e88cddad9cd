/*
 * api: the routes of the HTTP API; see api.h.
 *
 * Order of checks for every request: route (404), method (405 with
 * Allow), API key (401), body (400), path rules (400, 403), library
 * (400); only then is eeadm asked, through the state cache, so a request
 * that fails any check never runs eeadm.
 *
 * Two routes sit outside the API prefix, for operations: GET /metrics
 * and GET /healthz.  With metrics_auth off (the default) a loopback peer
 * needs no key for them and any other peer needs the API key; with it on,
 * every peer needs the key.  The server says whether the peer is on
 * loopback in ctx->peer_loopback before each call.
 *
 * Threads: any worker may call api_handle().  The configuration pointer
 * is swapped atomically on reload; a request reads it once.  A request
 * that waits for a state lookup keeps its decoded fields in its api_ctx;
 * once state_lookup() has returned "pending", this module touches the
 * context no more until it is called again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "config.h"
#include "health.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "recall.h"
#include "state.h"
#include "tls.h"
#include "util.h"

#define API_PREFIX		"/api/v0.5"
#define API_MAX_PATH		4096

enum api_route {
	ROUTE_NONE,
	ROUTE_DESCRIBE,
	ROUTE_FILE_STATE,
	ROUTE_RECALL,
	ROUTE_METRICS,
	ROUTE_HEALTHZ
};

/* The label each route is counted under in /metrics. */
static const enum metrics_route api_metrics_route[] = {
	[ROUTE_NONE] = METRICS_ROUTE_NONE,
	[ROUTE_DESCRIBE] = METRICS_ROUTE_DESCRIBE,
	[ROUTE_FILE_STATE] = METRICS_ROUTE_FILE_STATE,
	[ROUTE_RECALL] = METRICS_ROUTE_RECALL,
	[ROUTE_METRICS] = METRICS_ROUTE_METRICS,
	[ROUTE_HEALTHZ] = METRICS_ROUTE_HEALTHZ
};

static const struct config_server *api_cfg;

static const char api_description[] =
    "{\"name\": \"ltfsee-globus\", \"version\": \"" LTFSEE_GLOBUS_VERSION
    "\", \"api\": \"v0.5\", \"routes\": ["
    "{\"method\": \"POST\", \"path\": \"" API_PREFIX
    "/file_state/file_state\", \"body\": {\"path\": \"string\"}, "
    "\"returns\": \"list of {state, replicas, tapes, path}\"}, "
    "{\"method\": \"POST\", \"path\": \"" API_PREFIX
    "/globus_recall/globus_recall\", \"body\": {\"path\": \"string\", "
    "\"globus_taskid\": \"string\", \"library\": \"string, optional\"}, "
    "\"returns\": \"{state: resident | archived}\"}], "
    "\"auth\": \"header X-API-KEY\"}";

int
api_init(const struct config_server *cfg)
{
	api_set_config(cfg);
	return 0;
}

void
api_set_config(const struct config_server *cfg)
{
	__atomic_store_n(&api_cfg, cfg, __ATOMIC_RELEASE);
}

void
api_ctx_reset(struct api_ctx *ctx)
{
	free(ctx->path);
	free(ctx->taskid);
	free(ctx->library);
	memset(ctx, 0, sizeof(*ctx));
}

/* Fills REPLY with STATUS and {"message": MSG}.  Returns 0. */
static int
api_error(struct api_reply *reply, int status, const char *msg)
{
	reply->status = status;
	buf_reset(&reply->body);
	if (json_append_message(&reply->body, msg) == -1) {
		/* Out of memory: an empty body is all that is left. */
		buf_reset(&reply->body);
	}
	return 0;
}

static enum api_route
api_route(const struct http_request *req)
{
	const char *t = req->target;
	size_t n = req->target_len;
	const char *q = memchr(t, '?', n);

	if (q != NULL)
		n = (size_t)(q - t);
	if ((n == sizeof(API_PREFIX) - 1 || n == sizeof(API_PREFIX)) &&
	    memcmp(t, API_PREFIX "/", n) == 0)
		return ROUTE_DESCRIBE;
	if (n == sizeof(API_PREFIX "/file_state/file_state") - 1 &&
	    memcmp(t, API_PREFIX "/file_state/file_state", n) == 0)
		return ROUTE_FILE_STATE;
	if (n == sizeof(API_PREFIX "/globus_recall/globus_recall") - 1 &&
	    memcmp(t, API_PREFIX "/globus_recall/globus_recall", n) == 0)
		return ROUTE_RECALL;
	if (n == sizeof("/metrics") - 1 && memcmp(t, "/metrics", n) == 0)
		return ROUTE_METRICS;
	if (n == sizeof("/healthz") - 1 && memcmp(t, "/healthz", n) == 0)
		return ROUTE_HEALTHZ;
	return ROUTE_NONE;
}

/* 1 when the request carries the configured key, else 0. */
static int
api_authorized(const struct config_server *cfg,
    const struct http_request *req)
{
	const char *key = cfg->auth_key;

	if (key == NULL || key[0] == '\0' || req->api_key == NULL ||
	    req->api_key_len == 0)
		return 0;
	return util_ct_equal(req->api_key, req->api_key_len, key,
	    strlen(key));
}

/*
 * Normalises PATH in place: "//" and "." components go.  Returns 0, or
 * -1 with a reason in *why when the path is not one the API takes: not
 * absolute, too long, with a control byte or a ".." component.
 */
static int
api_clean_path(char *path, const char **why)
{
	char *r = path, *w = path, *seg;
	size_t len;

	if (path[0] != '/') {
		*why = "path must be absolute";
		return -1;
	}
	if (strlen(path) > API_MAX_PATH) {
		*why = "path is too long";
		return -1;
	}
	for (seg = path; *seg != '\0'; seg++)
		if ((unsigned char)*seg < 0x20 || *seg == 0x7f) {
			*why = "path contains a control character";
			return -1;
		}

	while (*r != '\0') {
		while (*r == '/')
			r++;
		if (*r == '\0')
			break;
		seg = r;
		while (*r != '\0' && *r != '/')
			r++;
		len = (size_t)(r - seg);
		if (len == 1 && seg[0] == '.')
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			*why = "path must not contain a \"..\" component";
			return -1;
		}
		*w++ = '/';
		memmove(w, seg, len);
		w += len;
	}
	if (w == path)
		*w++ = '/';
	*w = '\0';
	return 0;
}

/* 1 when PATH is inside one of the allowed prefixes (or none are set). */
static int
api_path_allowed(const struct config_server *cfg, const char *path)
{
	size_t i, n;
	const char *p;

	if (cfg->nallowed_paths == 0)
		return 1;
	for (i = 0; i < cfg->nallowed_paths; i++) {
		p = cfg->allowed_paths[i];
		n = strlen(p);
		while (n > 1 && p[n - 1] == '/')
			n--;
		if (strncmp(path, p, n) != 0)
			continue;
		if (n == 1 || path[n] == '\0' || path[n] == '/')
			return 1;
	}
	return 0;
}

/*
 * The library for a recall: the request's (it must be configured), else
 * the one at MD5(task id) modulo the count, else none (NULL).  Returns 0
 * with *lib (pointing into CFG), or -1 for an unknown library.
 */
static int
api_pick_library(const struct config_server *cfg, const char *asked,
    const char *taskid, const char **lib)
{
	unsigned char d[16];
	uint64_t rem = 0;
	size_t i;

	*lib = NULL;
	if (asked != NULL) {
		for (i = 0; i < cfg->nlibraries; i++)
			if (strcmp(asked, cfg->libraries[i]) == 0) {
				*lib = cfg->libraries[i];
				return 0;
			}
		return -1;
	}
	if (cfg->nlibraries == 0)
		return 0;

	/* The digest as a 128-bit big-endian number, modulo the count. */
	tls_md5(taskid, strlen(taskid), d);
	for (i = 0; i < sizeof(d); i++)
		rem = (rem * 256 + d[i]) % cfg->nlibraries;
	*lib = cfg->libraries[rem];
	return 0;
}

/*
 * The library to recall from when the request named none and LIB is the
 * one its task id hashes to.  That stays the answer whenever it holds a
 * copy of the file (or the tapes do not say), so tasks land where they
 * did with the Python version; otherwise the first configured library
 * that holds a copy, since "eeadm recall -l" cannot read a file from a
 * library without one.
 */
static const char *
api_replica_library(const struct config_server *cfg,
    const struct state_answer *a, const char *lib)
{
	const char *have[3], *at;
	size_t i, j, n = 0;

	for (i = 0; i < 3; i++) {
		if (a->tapes[i][0] == '\0' ||
		    (at = strrchr(a->tapes[i], '@')) == NULL)
			continue;
		if (strcmp(at + 1, lib) == 0)
			return lib;
		have[n++] = at + 1;
	}
	for (j = 0; j < n; j++)
		for (i = 0; i < cfg->nlibraries; i++)
			if (strcmp(have[j], cfg->libraries[i]) == 0) {
				log_debug("recall of %s from %s, not %s: no "
				    "copy there", a->tapes[j], have[j], lib);
				return cfg->libraries[i];
			}
	return lib;
}

/*
 * Decodes and checks the body of a POST into CTX.  Returns 0, or an HTTP
 * status with REPLY filled.
 */
static int
api_decode(const struct config_server *cfg, enum api_route route,
    const char *body, size_t body_len, struct api_ctx *ctx,
    struct api_reply *reply)
{
	static const char *const keys[] = { "path", "globus_taskid",
	    "library" };
	char *vals[3] = { NULL, NULL, NULL };
	char err[256];
	const char *why, *lib;
	size_t nkeys = route == ROUTE_RECALL ? 3 : 1;

	if (json_get_strings(body, body_len, keys, nkeys, vals, err,
	    sizeof(err)) == -1)
		return api_error(reply, 400, err), 400;
	ctx->path = vals[0];
	ctx->taskid = vals[1];
	ctx->library = vals[2];

	if (ctx->path == NULL)
		return api_error(reply, 400, "\"path\" is required"), 400;
	if (route == ROUTE_RECALL && ctx->taskid == NULL)
		return api_error(reply, 400, "\"globus_taskid\" is required"),
		    400;
	if (api_clean_path(ctx->path, &why) == -1)
		return api_error(reply, 400, why), 400;
	if (!api_path_allowed(cfg, ctx->path))
		return api_error(reply, 403,
		    "path is outside the allowed paths"), 403;
	if (route == ROUTE_RECALL && api_pick_library(cfg, ctx->library,
	    ctx->taskid, &lib) == -1)
		return api_error(reply, 400, "unknown library"), 400;
	return 0;
}

/* Writes the 201 list of one file's state. */
static int
api_reply_file_state(struct api_ctx *ctx, struct api_reply *reply)
{
	const struct state_answer *a = &ctx->answer;
	struct buf *b = &reply->body;
	int i, first = 1;

	buf_reset(b);
	reply->status = 201;
	buf_printf(b, "[{\"state\": \"%c\", \"replicas\": %u, \"tapes\": [",
	    a->state, a->replicas);
	for (i = 0; i < 3; i++) {
		if (a->tapes[i][0] == '\0')
			continue;
		if (!first)
			buf_puts(b, ", ");
		first = 0;
		json_append_string(b, a->tapes[i], strlen(a->tapes[i]));
	}
	buf_puts(b, "], \"path\": ");
	if (json_append_string(b, ctx->path, strlen(ctx->path)) == -1)
		return api_error(reply, 400, "path is not valid UTF-8");
	buf_puts(b, "}]");
	return 0;
}

/* Answers a recall request once the file's state is known. */
static int
api_reply_recall(const struct config_server *cfg, struct api_ctx *ctx,
    struct api_reply *reply)
{
	const char *lib = NULL;
	char msg[256];
	int r;

	switch (ctx->answer.state) {
	case 'R':
	case 'P':
		reply->status = 201;
		buf_reset(&reply->body);
		buf_puts(&reply->body, "{\"state\": \"resident\"}");
		return 0;
	case 'M':
		break;
	default:
		snprintf(msg, sizeof(msg), "unknown file state '%c'",
		    ctx->answer.state);
		return api_error(reply, 502, msg);
	}

	/* Checked when decoded; the configuration may have been reloaded. */
	if (api_pick_library(cfg, ctx->library, ctx->taskid, &lib) == -1)
		return api_error(reply, 400, "unknown library");
	if (ctx->library == NULL && lib != NULL)
		lib = api_replica_library(cfg, &ctx->answer, lib);
	msg[0] = '\0';
	if ((r = recall_submit(ctx->path, lib, msg, sizeof(msg))) != 0)
		return api_error(reply, r, msg[0] ? msg : "recall refused");

	reply->status = 201;
	buf_reset(&reply->body);
	buf_puts(&reply->body, "{\"state\": \"archived\"}");
	return 0;
}

/*
 * Answers GET /metrics or /healthz (ROUTE), after the method and the
 * access rule (see the top of the file).  Returns 0.
 */
static int
api_ops(const struct config_server *cfg, enum api_route route,
    const struct http_request *req, const struct api_ctx *ctx,
    struct api_reply *reply)
{
	char why[256];

	if (req->method != HTTP_GET && req->method != HTTP_HEAD) {
		reply->allow = "GET, HEAD";
		return api_error(reply, 405, "method not allowed");
	}
	if ((cfg->metrics_auth || !ctx->peer_loopback) &&
	    !api_authorized(cfg, req))
		return api_error(reply, 401, "missing or wrong X-API-KEY");

	buf_reset(&reply->body);
	if (route == ROUTE_METRICS) {
		if (metrics_render(&reply->body) == -1)
			return api_error(reply, 500, "out of memory");
		reply->status = 200;
		reply->content_type = METRICS_CONTENT_TYPE;
		return 0;
	}
	if (health_check(why, sizeof(why))) {
		reply->status = 200;
		buf_puts(&reply->body, "{\"status\": \"ok\"}");
		return 0;
	}
	reply->status = 503;
	buf_puts(&reply->body, "{\"status\": \"unavailable\", \"message\": ");
	if (json_append_string(&reply->body, why, strlen(why)) == -1)
		return api_error(reply, 503, "unavailable");
	buf_puts(&reply->body, "}");
	return 0;
}

/* Answers from ctx->answer, now that the lookup has ended. */
static int
api_answer(const struct config_server *cfg, enum api_route route,
    struct api_ctx *ctx, struct api_reply *reply)
{
	if (ctx->answer.status != 0)
		return api_error(reply, ctx->answer.status,
		    ctx->answer.message[0] ? ctx->answer.message :
		    "state lookup failed");
	if (route == ROUTE_FILE_STATE)
		return api_reply_file_state(ctx, reply);
	return api_reply_recall(cfg, ctx, reply);
}

int
api_handle(const struct http_request *req, const char *body,
    size_t body_len, struct api_ctx *ctx, struct api_reply *reply,
    state_wake_fn wake, void *arg)
{
	const struct config_server *cfg =
	    __atomic_load_n(&api_cfg, __ATOMIC_ACQUIRE);
	enum api_route route = api_route(req);

	reply->allow = NULL;
	reply->content_type = NULL;
	reply->route = api_metrics_route[route];
	if (ctx->pending) {
		ctx->pending = 0;
		return api_answer(cfg, route, ctx, reply);
	}

	switch (route) {
	case ROUTE_NONE:
		return api_error(reply, 404, "no such route");
	case ROUTE_DESCRIBE:
		if (req->method != HTTP_GET && req->method != HTTP_HEAD) {
			reply->allow = "GET, HEAD";
			return api_error(reply, 405, "method not allowed");
		}
		reply->status = 200;
		buf_reset(&reply->body);
		buf_append(&reply->body, api_description,
		    sizeof(api_description) - 1);
		return 0;
	case ROUTE_METRICS:
	case ROUTE_HEALTHZ:
		return api_ops(cfg, route, req, ctx, reply);
	default:
		break;
	}

	if (req->method != HTTP_POST) {
		reply->allow = "POST";
		return api_error(reply, 405, "method not allowed");
	}
	if (!api_authorized(cfg, req))
		return api_error(reply, 401, "missing or wrong X-API-KEY");
	if (api_decode(cfg, route, body, body_len, ctx, reply) != 0)
		return 0;

	/*
	 * Marked pending before the lookup: once it is pending, the wake
	 * may run (and another worker resume) before state_lookup returns.
	 */
	ctx->pending = 1;
	if (state_lookup(ctx->path, &ctx->answer, wake, arg) == 1)
		return 1;
	ctx->pending = 0;
	return api_answer(cfg, route, ctx, reply);
}
