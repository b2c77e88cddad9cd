/*
 * Tests of api.c: routes, methods, the key, bodies and paths, the answers
 * built from a file's state, the library a recall goes to, and the wait
 * for a pending lookup.
 *
 * The state cache and the recall queue are replaced by the stand-ins
 * below (the linker takes these before the archive's), which record what
 * the API asked of them and answer what the case says.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "config.h"
#include "http.h"
#include "recall.h"
#include "state.h"
#include "util.h"

/* What the stand-ins answer and what they saw. */
static struct {
	char	 state;		/* the letter looked up, or 0 for 404 */
	char	 tape[96];
	int	 pending;	/* answer "pending" first */
	int	 lookups;
	char	 looked_up[4096];
	int	 submits;
	char	 submitted_lib[64];
	int	 submit_status;
	state_wake_fn wake;
	void	*wake_arg;
} fake;

static struct state_answer *fake_ans;

static void
fake_fill(struct state_answer *ans)
{
	memset(ans, 0, sizeof(*ans));
	if (fake.state == 0) {
		ans->status = 404;
		snprintf(ans->message, sizeof(ans->message), "no such file");
		return;
	}
	ans->state = fake.state;
	ans->replicas = fake.tape[0] ? 1 : 0;
	snprintf(ans->tapes[0], sizeof(ans->tapes[0]), "%s", fake.tape);
}

int
state_lookup(const char *path, struct state_answer *ans, state_wake_fn wake,
    void *arg)
{
	fake.lookups++;
	snprintf(fake.looked_up, sizeof(fake.looked_up), "%s", path);
	if (fake.pending) {
		fake_ans = ans;
		fake.wake = wake;
		fake.wake_arg = arg;
		return 1;
	}
	fake_fill(ans);
	return 0;
}

int
recall_submit(const char *path, const char *library, char *msg,
    size_t msglen)
{
	fake.submits++;
	snprintf(fake.submitted_lib, sizeof(fake.submitted_lib), "%s",
	    library ? library : "-");
	if (fake.submit_status != 0)
		snprintf(msg, msglen, "refused by the queue");
	return fake.submit_status;
}

/* What /metrics would read; empty here. */
void
state_stats(struct state_stats *s)
{
	memset(s, 0, sizeof(*s));
}

void
recall_stats(struct recall_stats *s)
{
	memset(s, 0, sizeof(*s));
}

static struct config cfg;
static struct http_limits lim = { 8192, 8192, 16384, 65536 };

static void
setup(void)
{
	memset(&fake, 0, sizeof(fake));
	config_defaults(&cfg);
	free(cfg.server.auth_key);
	cfg.server.auth_key = strdup("sesame");
	cfg.server.libraries[0] = strdup("libA");
	cfg.server.libraries[1] = strdup("libB");
	cfg.server.nlibraries = 2;
	cfg.server.allowed_paths[0] = strdup("/gpfs");
	cfg.server.nallowed_paths = 1;
	api_init(&cfg.server);
}

static void
teardown(void)
{
	config_free(&cfg);
}

static void
noop_wake(void *arg)
{
	(void)arg;
}

/*
 * Sends one request (its head and BODY) through the parser and the API.
 * Returns api_handle()'s result; *reply holds the answer.
 */
static int
request(const char *method, const char *target, const char *key,
    const char *body, struct api_ctx *ctx, struct api_reply *reply)
{
	static char raw[16384];
	struct http_request *req = calloc(1, sizeof(*req));
	const char *why;
	int n, r;

	n = snprintf(raw, sizeof(raw), "%s %s HTTP/1.1\r\nHost: t\r\n"
	    "%s%s%sContent-Length: %zu\r\n\r\n%s", method, target,
	    key ? "X-API-KEY: " : "", key ? key : "", key ? "\r\n" : "",
	    strlen(body), body);
	ck_assert_int_lt(n, (int)sizeof(raw));
	ck_assert_int_eq(http_parse_head(raw, (size_t)n, &lim, req, &why), 1);
	r = api_handle(req, raw + req->head_len, strlen(body), ctx, reply,
	    noop_wake, NULL);
	free(req);
	return r;
}

static const char *GR = "/api/v0.5/globus_recall/globus_recall";

static const struct {
	const char	*method;
	const char	*target;
	const char	*key;
	const char	*body;
	char		 state;
	int		 status;
	const char	*want;		/* the whole body, or NULL */
	int		 lookups;	/* eeadm asked or not */
} cases[] = {
	{ "GET", "/api/v0.5/", NULL, "", 'M', 200, NULL, 0 },
	{ "GET", "/api/v0.5", NULL, "", 'M', 200, NULL, 0 },
	{ "GET", "/nope", "sesame", "", 'M', 404, NULL, 0 },
	{ "GET", "/api/v0.5/file_state/file_statex", "sesame", "", 'M', 404,
	    NULL, 0 },
	{ "GET", "/api/v0.5/file_state/file_state", "sesame", "", 'M', 405,
	    NULL, 0 },
	{ "POST", "/api/v0.5/", "sesame", "", 'M', 405, NULL, 0 },
	{ "POST", "/api/v0.5/file_state/file_state", NULL,
	    "{\"path\": \"/gpfs/a\"}", 'M', 401, NULL, 0 },
	{ "POST", "/api/v0.5/file_state/file_state", "",
	    "{\"path\": \"/gpfs/a\"}", 'M', 401, NULL, 0 },
	{ "POST", "/api/v0.5/file_state/file_state", "sesam",
	    "{\"path\": \"/gpfs/a\"}", 'M', 401, NULL, 0 },
	{ "POST", "/api/v0.5/file_state/file_state", "sesame!",
	    "{\"path\": \"/gpfs/a\"}", 'M', 401, NULL, 0 },
	{ "POST", "/api/v0.5/file_state/file_state", "sesame",
	    "{\"path\": \"/gpfs/a\"}", 'M', 201,
	    "[{\"state\": \"M\", \"replicas\": 1, \"tapes\": "
	    "[\"V1@P@libB\"], \"path\": \"/gpfs/a\"}]", 1 },
	{ "POST", "/api/v0.5/file_state/file_state?x=1", "sesame",
	    "{\"path\": \"/gpfs//./a\"}", 'R', 201,
	    "[{\"state\": \"R\", \"replicas\": 1, \"tapes\": "
	    "[\"V1@P@libB\"], \"path\": \"/gpfs/a\"}]", 1 },
	{ "POST", "/api/v0.5/file_state/file_state", "sesame",
	    "{\"path\": \"/gpfs/gone\"}", 0, 404, "{\"message\": "
	    "\"no such file\"}", 1 },
	{ "POST", "/api/v0.5/file_state/file_state", "sesame",
	    "{\"path\": \"gpfs/a\"}", 'M', 400, NULL, 0 },
	{ "POST", "/api/v0.5/file_state/file_state", "sesame",
	    "{\"path\": \"/gpfs/../etc\"}", 'M', 400, NULL, 0 },
	{ "POST", "/api/v0.5/file_state/file_state", "sesame",
	    "{\"path\": \"/gpfs/a\\nb\"}", 'M', 400, NULL, 0 },
	{ "POST", "/api/v0.5/file_state/file_state", "sesame",
	    "{\"path\": \"/gpfs2/a\"}", 'M', 403, NULL, 0 },
	{ "POST", "/api/v0.5/file_state/file_state", "sesame",
	    "{\"path\": \"/etc/passwd\"}", 'M', 403, NULL, 0 },
	{ "POST", "/api/v0.5/file_state/file_state", "sesame",
	    "{\"path\": \"/gpfs\"}", 'M', 201, NULL, 1 },
	{ "POST", "/api/v0.5/file_state/file_state", "sesame",
	    "{\"path\": 7}", 'M', 400, NULL, 0 },
	{ "POST", "/api/v0.5/file_state/file_state", "sesame", "{}", 'M',
	    400, "{\"message\": \"\\\"path\\\" is required\"}", 0 },
	{ "POST", "/api/v0.5/globus_recall/globus_recall", "sesame",
	    "{\"path\": \"/gpfs/a\"}", 'M', 400, NULL, 0 },
	{ "POST", "/api/v0.5/globus_recall/globus_recall", "sesame",
	    "{\"path\": \"/gpfs/a\", \"globus_taskid\": \"t\", "
	    "\"library\": \"libC\"}", 'M', 400, NULL, 0 },
	{ "POST", "/api/v0.5/globus_recall/globus_recall", "sesame",
	    "{\"path\": \"/gpfs/a\", \"globus_taskid\": \"t\"}", 'R', 201,
	    "{\"state\": \"resident\"}", 1 },
	{ "POST", "/api/v0.5/globus_recall/globus_recall", "sesame",
	    "{\"path\": \"/gpfs/a\", \"globus_taskid\": \"t\"}", 'P', 201,
	    "{\"state\": \"resident\"}", 1 },
	{ "POST", "/api/v0.5/globus_recall/globus_recall", "sesame",
	    "{\"path\": \"/gpfs/a\", \"globus_taskid\": \"t\"}", 'M', 201,
	    "{\"state\": \"archived\"}", 1 },
	{ "POST", "/api/v0.5/globus_recall/globus_recall", "sesame",
	    "{\"path\": \"/gpfs/a\", \"globus_taskid\": \"t\"}", 'X', 502,
	    NULL, 1 },
	{ "POST", "/api/v0.5/globus_recall/globus_recall", "sesame",
	    "{\"path\": \"/gpfs/gone\", \"globus_taskid\": \"t\"}", 0, 404,
	    NULL, 1 },
};

START_TEST(test_routes)
{
	struct api_ctx ctx;
	struct api_reply reply;

	memset(&ctx, 0, sizeof(ctx));
	memset(&reply, 0, sizeof(reply));
	buf_init(&reply.body);
	fake.state = cases[_i].state;
	snprintf(fake.tape, sizeof(fake.tape), "V1@P@libB");

	ck_assert_int_eq(request(cases[_i].method, cases[_i].target,
	    cases[_i].key, cases[_i].body, &ctx, &reply), 0);
	ck_assert_int_eq(reply.status, cases[_i].status);
	ck_assert_int_eq(fake.lookups, cases[_i].lookups);
	if (cases[_i].want != NULL)
		ck_assert_str_eq(reply.body.data, cases[_i].want);
	if (reply.status >= 400)
		ck_assert_msg(strncmp(reply.body.data, "{\"message\": \"", 13)
		    == 0, "error body %s", reply.body.data);
	if (reply.status == 405)
		ck_assert_ptr_nonnull(reply.allow);
	api_ctx_reset(&ctx);
	buf_free(&reply.body);
}
END_TEST

/*
 * The library a task goes to: MD5 of its id as a 128-bit big-endian
 * number, modulo the count.  The expected indexes were computed with
 * Python's hashlib, the way the Python version picked.
 */
static const struct {
	const char	*taskid;
	size_t		 nlibs;
	const char	*lib;
} picks[] = {
	{ "t1", 2, "L1" }, { "abc", 2, "L0" }, { "abc", 3, "L1" },
	{ "5d0f7c1e-2b1a-11ef-9d0e-0242ac120002", 3, "L0" },
	{ "task-3", 3, "L2" }, { "task-3", 5, "L2" }, { "x", 5, "L3" },
	{ "x", 1, "L0" },
};

START_TEST(test_library_pick)
{
	struct api_ctx ctx;
	struct api_reply reply;
	char body[256];
	size_t i;

	for (i = 0; i < cfg.server.nlibraries; i++) {
		free(cfg.server.libraries[i]);
		cfg.server.libraries[i] = NULL;
	}
	for (i = 0; i < picks[_i].nlibs; i++) {
		snprintf(body, sizeof(body), "L%zu", i);
		cfg.server.libraries[i] = strdup(body);
	}
	cfg.server.nlibraries = picks[_i].nlibs;

	/* A tape that does not say its library keeps the hashed pick. */
	memset(&ctx, 0, sizeof(ctx));
	buf_init(&reply.body);
	fake.state = 'M';
	snprintf(body, sizeof(body), "{\"path\": \"/gpfs/f\", "
	    "\"globus_taskid\": \"%s\"}", picks[_i].taskid);
	ck_assert_int_eq(request("POST", GR, "sesame", body, &ctx, &reply),
	    0);
	ck_assert_int_eq(reply.status, 201);
	ck_assert_int_eq(fake.submits, 1);
	ck_assert_str_eq(fake.submitted_lib, picks[_i].lib);
	api_ctx_reset(&ctx);
	buf_free(&reply.body);
}
END_TEST

/* A copy only in another library sends the recall there. */
START_TEST(test_library_of_copy)
{
	struct api_ctx ctx;
	struct api_reply reply;
	const char *body = "{\"path\": \"/gpfs/f\", \"globus_taskid\": "
	    "\"abc\"}";		/* hashes to libA of two */

	memset(&ctx, 0, sizeof(ctx));
	buf_init(&reply.body);
	fake.state = 'M';
	snprintf(fake.tape, sizeof(fake.tape), "VOL9@POOL@libB");
	ck_assert_int_eq(request("POST", GR, "sesame", body, &ctx, &reply),
	    0);
	ck_assert_str_eq(fake.submitted_lib, "libB");
	api_ctx_reset(&ctx);

	/* A copy in the hashed library keeps it. */
	memset(&ctx, 0, sizeof(ctx));
	snprintf(fake.tape, sizeof(fake.tape), "VOL9@POOL@libA");
	ck_assert_int_eq(request("POST", GR, "sesame", body, &ctx, &reply),
	    0);
	ck_assert_str_eq(fake.submitted_lib, "libA");
	api_ctx_reset(&ctx);

	/* The library asked for wins over both. */
	memset(&ctx, 0, sizeof(ctx));
	ck_assert_int_eq(request("POST", GR, "sesame", "{\"path\": "
	    "\"/gpfs/f\", \"globus_taskid\": \"abc\", \"library\": \"libB\"}",
	    &ctx, &reply), 0);
	ck_assert_str_eq(fake.submitted_lib, "libB");
	api_ctx_reset(&ctx);
	buf_free(&reply.body);
}
END_TEST

/* A queue refusal reaches the client with its status and reason. */
START_TEST(test_recall_refused)
{
	struct api_ctx ctx;
	struct api_reply reply;

	memset(&ctx, 0, sizeof(ctx));
	buf_init(&reply.body);
	fake.state = 'M';
	fake.submit_status = 503;
	ck_assert_int_eq(request("POST", GR, "sesame", "{\"path\": "
	    "\"/gpfs/f\", \"globus_taskid\": \"t\"}", &ctx, &reply), 0);
	ck_assert_int_eq(reply.status, 503);
	ck_assert_str_eq(reply.body.data,
	    "{\"message\": \"refused by the queue\"}");
	api_ctx_reset(&ctx);
	buf_free(&reply.body);
}
END_TEST

/* A pending lookup: 1 first, then the answer once woken. */
START_TEST(test_pending)
{
	struct api_ctx ctx;
	struct api_reply reply;
	const char *body = "{\"path\": \"/gpfs/a\", \"globus_taskid\": "
	    "\"t\"}";

	memset(&ctx, 0, sizeof(ctx));
	buf_init(&reply.body);
	fake.state = 'M';
	fake.pending = 1;
	ck_assert_int_eq(request("POST", GR, "sesame", body, &ctx, &reply),
	    1);
	ck_assert_int_eq(fake.submits, 0);
	ck_assert_ptr_nonnull(fake.wake);

	/* The lookup ends: the answer lands in the context, then wake. */
	fake_fill(fake_ans);
	ck_assert_int_eq(request("POST", GR, "sesame", body, &ctx, &reply),
	    0);
	ck_assert_int_eq(reply.status, 201);
	ck_assert_str_eq(reply.body.data, "{\"state\": \"archived\"}");
	ck_assert_int_eq(fake.lookups, 1);
	ck_assert_int_eq(fake.submits, 1);
	api_ctx_reset(&ctx);
	buf_free(&reply.body);
}
END_TEST

static Suite *
api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_routes, 0, nitems(cases));
	tcase_add_loop_test(tc, test_library_pick, 0, nitems(picks));
	tcase_add_test(tc, test_library_of_copy);
	tcase_add_test(tc, test_recall_refused);
	tcase_add_test(tc, test_pending);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(api_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
