/*
 * metrics: counters for GET /metrics; see metrics.h.
 *
 * Design.  Everything recorded here lives in static fixed arrays of
 * 64-bit counters, bumped with relaxed atomic additions: one counter per
 * route and status code (100..599, 24 KiB in all), and histograms kept
 * as non-cumulative bucket counts plus a sum.  No lock is taken while
 * recording, so a worker pays a few uncontended atomic adds per
 * response.  Rendering reads each counter once; a scrape that races a
 * request may see its bucket but not yet its sum, which the next scrape
 * corrects.  The _count of a histogram is computed from the buckets it
 * printed, so the lines of one scrape always agree with each other.
 *
 * Names follow the Prometheus conventions: the prefix ltfsee_globus_,
 * base units (seconds), _total on counters.  The other modules keep
 * their own counters (server_stats, tls_stats, state_stats,
 * recall_stats, health_stats); they are read only when rendering.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "eeadm.h"
#include "health.h"
#include "metrics.h"
#include "recall.h"
#include "server.h"
#include "state.h"
#include "tls.h"
#include "util.h"

#define P			"ltfsee_globus_"
#define METRICS_STATUS_MIN	100
#define METRICS_STATUS_MAX	599
#define METRICS_NSTATUS		(METRICS_STATUS_MAX - METRICS_STATUS_MIN + 1)
#define METRICS_MAX_BUCKETS	16
#define METRICS_RESERVE		65536	/* more than a scrape needs */

/* Bucket bounds in the unit recorded (ms or files), ascending. */
struct hist_spec {
	const int64_t	*bounds;
	size_t		 n;
	int		 millis;	/* render bounds and sum as seconds */
};

struct hist {
	uint64_t	 buckets[METRICS_MAX_BUCKETS];	/* last: +Inf */
	uint64_t	 sum;
};

enum eeadm_cmd {
	EEADM_CMD_FILE_STATE, EEADM_CMD_RECALL, EEADM_CMD_TASK_SHOW,
	EEADM_CMD_NODE_LIST, EEADM_CMD_OTHER, EEADM_NCMDS
};

enum eeadm_outcome {
	EEADM_OK, EEADM_ERROR, EEADM_TIMEOUT, EEADM_SIGNAL, EEADM_UNSTARTABLE,
	EEADM_NOUTCOMES
};

static const char *const route_names[METRICS_NROUTES] = {
	"none", "describe", "file_state", "globus_recall", "metrics",
	"healthz"
};
static const char *const cmd_names[EEADM_NCMDS] = {
	"file_state", "recall", "task_show", "node_list", "other"
};
static const char *const outcome_names[EEADM_NOUTCOMES] = {
	"ok", "error", "timeout", "signal", "unstartable"
};

static const int64_t latency_ms[] = {
	1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000
};
static const int64_t eeadm_ms[] = {
	10, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
	300000, 900000, 3600000, 14400000
};
static const int64_t batch_files[] = {
	1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000
};
static const struct hist_spec latency_spec = {
	latency_ms, nitems(latency_ms), 1
};
static const struct hist_spec eeadm_spec = { eeadm_ms, nitems(eeadm_ms), 1 };
static const struct hist_spec batch_spec = {
	batch_files, nitems(batch_files), 0
};

static uint64_t requests[METRICS_NROUTES][METRICS_NSTATUS];
static struct hist latency[METRICS_NROUTES];
static uint64_t eeadm_runs[EEADM_NCMDS][EEADM_NOUTCOMES];
static struct hist eeadm_time[EEADM_NCMDS];
static struct hist batch_sizes;

static void
hist_add(struct hist *h, const struct hist_spec *spec, int64_t v)
{
	size_t i;

	if (v < 0)
		v = 0;
	for (i = 0; i < spec->n && v > spec->bounds[i]; i++)
		;
	__atomic_add_fetch(&h->buckets[i], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&h->sum, (uint64_t)v, __ATOMIC_RELAXED);
}

void
metrics_request(enum metrics_route route, int status, int64_t duration_ms)
{
	if ((unsigned)route >= METRICS_NROUTES)
		route = METRICS_ROUTE_NONE;
	if (status >= METRICS_STATUS_MIN && status <= METRICS_STATUS_MAX)
		__atomic_add_fetch(&requests[route][status -
		    METRICS_STATUS_MIN], 1, __ATOMIC_RELAXED);
	hist_add(&latency[route], &latency_spec, duration_ms);
}

static enum eeadm_cmd
eeadm_cmd_of(const char *const args[], size_t nargs)
{
	if (nargs == 0)
		return EEADM_CMD_OTHER;
	if (strcmp(args[0], "file") == 0)
		return EEADM_CMD_FILE_STATE;
	if (strcmp(args[0], "recall") == 0)
		return EEADM_CMD_RECALL;
	if (strcmp(args[0], "task") == 0)
		return EEADM_CMD_TASK_SHOW;
	if (strcmp(args[0], "node") == 0)
		return EEADM_CMD_NODE_LIST;
	return EEADM_CMD_OTHER;
}

void
metrics_eeadm(const char *const args[], size_t nargs, int rc,
    const struct eeadm_result *r)
{
	enum eeadm_cmd cmd = eeadm_cmd_of(args, nargs);
	enum eeadm_outcome o;

	if (rc == -1)
		o = EEADM_UNSTARTABLE;
	else if (r->timed_out)
		o = EEADM_TIMEOUT;
	else if (!r->exited)
		o = EEADM_SIGNAL;
	else if (r->status != 0)
		o = EEADM_ERROR;
	else
		o = EEADM_OK;
	__atomic_add_fetch(&eeadm_runs[cmd][o], 1, __ATOMIC_RELAXED);
	hist_add(&eeadm_time[cmd], &eeadm_spec, r->elapsed_ms);
}

void
metrics_recall_files(size_t nfiles)
{
	hist_add(&batch_sizes, &batch_spec, (int64_t)nfiles);
}

/* ---- Rendering ---- */

static void
head(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP " P "%s %s\n# TYPE " P "%s %s\n", name, help,
	    name, type);
}

/* Appends V as a label value: backslash, quote and newline escaped. */
static void
label_value(struct buf *b, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\')
			buf_puts(b, "\\\\");
		else if (*v == '"')
			buf_puts(b, "\\\"");
		else if (*v == '\n')
			buf_puts(b, "\\n");
		else
			buf_append(b, v, 1);
	}
}

/* NAME{LABEL="VALUE"} N; LABEL NULL for none. */
static void
sample(struct buf *b, const char *name, const char *label,
    const char *value, unsigned long long n)
{
	buf_printf(b, P "%s", name);
	if (label != NULL) {
		buf_printf(b, "{%s=\"", label);
		label_value(b, value);
		buf_puts(b, "\"}");
	}
	buf_printf(b, " %llu\n", n);
}

/* A bound or sum in the unit of SPEC: ms become seconds. */
static void
hist_number(struct buf *b, const struct hist_spec *spec, uint64_t v)
{
	if (spec->millis)
		buf_printf(b, "%llu.%03llu", (unsigned long long)(v / 1000),
		    (unsigned long long)(v % 1000));
	else
		buf_printf(b, "%llu", (unsigned long long)v);
}

/*
 * The lines of one histogram: NAME_bucket{LABEL="VALUE",le=...},
 * NAME_sum, NAME_count.  LABEL NULL for none.
 */
static void
hist_render(struct buf *b, const char *name, const char *label,
    const char *value, const struct hist *h, const struct hist_spec *spec)
{
	uint64_t cum = 0;
	size_t i;
	char lab[160];

	lab[0] = '\0';
	if (label != NULL)
		snprintf(lab, sizeof(lab), "%s=\"%s\",", label, value);
	for (i = 0; i <= spec->n; i++) {
		cum += __atomic_load_n(&h->buckets[i], __ATOMIC_RELAXED);
		buf_printf(b, P "%s_bucket{%sle=\"", name, lab);
		if (i == spec->n)
			buf_puts(b, "+Inf");
		else
			hist_number(b, spec, (uint64_t)spec->bounds[i]);
		buf_printf(b, "\"} %llu\n", (unsigned long long)cum);
	}
	buf_printf(b, P "%s_sum", name);
	if (label != NULL)
		buf_printf(b, "{%s=\"%s\"}", label, value);
	buf_puts(b, " ");
	hist_number(b, spec, __atomic_load_n(&h->sum, __ATOMIC_RELAXED));
	buf_printf(b, "\n" P "%s_count", name);
	if (label != NULL)
		buf_printf(b, "{%s=\"%s\"}", label, value);
	buf_printf(b, " %llu\n", (unsigned long long)cum);
}

static void
render_http(struct buf *b)
{
	uint64_t n;
	size_t r, s;

	head(b, "http_requests_total", "counter",
	    "HTTP responses by route and status code.");
	for (r = 0; r < METRICS_NROUTES; r++)
		for (s = 0; s < METRICS_NSTATUS; s++) {
			n = __atomic_load_n(&requests[r][s], __ATOMIC_RELAXED);
			if (n == 0)
				continue;
			buf_printf(b, P "http_requests_total{route=\"%s\","
			    "code=\"%zu\"} %llu\n", route_names[r],
			    s + METRICS_STATUS_MIN, (unsigned long long)n);
		}

	head(b, "http_request_duration_seconds", "histogram",
	    "Time from the first byte of a request to its response.");
	for (r = 0; r < METRICS_NROUTES; r++)
		hist_render(b, "http_request_duration_seconds", "route",
		    route_names[r], &latency[r], &latency_spec);
}

static void
render_server(struct buf *b)
{
	struct server_stats ss;
	struct tls_stats ts;

	server_stats(&ss);
	tls_stats(&ts);
	head(b, "connections_open", "gauge", "Client connections open now.");
	sample(b, "connections_open", NULL, NULL, ss.connections_open);
	head(b, "connections_total", "counter", "Client connections accepted.");
	sample(b, "connections_total", NULL, NULL, ss.connections_total);
	head(b, "connections_refused_total", "counter",
	    "Connections refused over max_connections.");
	sample(b, "connections_refused_total", NULL, NULL,
	    ss.connections_refused);
	head(b, "tls_handshakes_total", "counter",
	    "TLS handshakes completed.");
	sample(b, "tls_handshakes_total", NULL, NULL, ts.handshakes);
	head(b, "tls_handshake_failures_total", "counter",
	    "TLS connections closed before their handshake completed.");
	sample(b, "tls_handshake_failures_total", NULL, NULL,
	    ts.handshake_failures);
}

static void
render_state(struct buf *b)
{
	struct state_stats s;

	state_stats(&s);
	head(b, "state_cache_hits_total", "counter",
	    "File state lookups answered from the cache.");
	sample(b, "state_cache_hits_total", NULL, NULL, s.hits);
	head(b, "state_cache_misses_total", "counter",
	    "File state lookups not in the cache.");
	sample(b, "state_cache_misses_total", NULL, NULL, s.misses);
	head(b, "state_cache_entries", "gauge", "File states cached now.");
	sample(b, "state_cache_entries", NULL, NULL, s.cached);
	head(b, "state_pending", "gauge", "Paths being looked up now.");
	sample(b, "state_pending", NULL, NULL, s.pending);
	head(b, "state_runs_total", "counter", "eeadm file state runs.");
	sample(b, "state_runs_total", NULL, NULL, s.runs);
	head(b, "state_paths_total", "counter",
	    "Paths asked of eeadm file state, over all runs.");
	sample(b, "state_paths_total", NULL, NULL, s.paths);
	head(b, "state_single_runs_total", "counter",
	    "eeadm file state runs re-asking one path of a failed batch.");
	sample(b, "state_single_runs_total", NULL, NULL, s.single_runs);
	head(b, "state_stat_answers_total", "counter",
	    "File states answered by stat() alone.");
	sample(b, "state_stat_answers_total", NULL, NULL, s.stat_answers);
}

static void
render_recall(struct buf *b)
{
	static struct recall_stats s;	/* large: not on a worker's stack */
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	size_t i, nq;

	pthread_mutex_lock(&lock);
	recall_stats(&s);
	nq = s.nqueues < RECALL_STATS_QUEUES ? s.nqueues : RECALL_STATS_QUEUES;

	head(b, "recall_submitted_total", "counter",
	    "Files queued for recall.");
	sample(b, "recall_submitted_total", NULL, NULL, s.submitted);
	head(b, "recall_queued", "gauge",
	    "Files waiting for a recall now, by library (\"\": no -l).");
	for (i = 0; i < nq; i++)
		sample(b, "recall_queued", "library", s.queues[i].library,
		    s.queues[i].queued);
	head(b, "recall_inflight", "gauge",
	    "Files in a running eeadm recall now, by library.");
	for (i = 0; i < nq; i++)
		sample(b, "recall_inflight", "library", s.queues[i].library,
		    s.queues[i].inflight);
	head(b, "recall_runs_total", "counter",
	    "eeadm recall runs, by library.");
	for (i = 0; i < nq; i++)
		sample(b, "recall_runs_total", "library", s.queues[i].library,
		    s.queues[i].runs);
	head(b, "recall_files_total", "counter",
	    "Files handed to eeadm recall, over all runs.");
	sample(b, "recall_files_total", NULL, NULL, s.files_run);
	head(b, "recall_failures_total", "counter",
	    "Files that failed to recall, by eeadm message id.");
	for (i = 0; i < RECALL_STATS_MSGIDS; i++)
		if (s.fails[i].msgid[0] != '\0')
			sample(b, "recall_failures_total", "msgid",
			    s.fails[i].msgid, s.fails[i].count);
	head(b, "recall_dropped_total", "counter",
	    "Queued files dropped because they were deleted.");
	sample(b, "recall_dropped_total", NULL, NULL, s.dropped);
	pthread_mutex_unlock(&lock);

	head(b, "recall_batch_files", "histogram",
	    "Files per eeadm recall run.");
	hist_render(b, "recall_batch_files", NULL, NULL, &batch_sizes,
	    &batch_spec);
}

static void
render_eeadm(struct buf *b)
{
	struct health_stats hs;
	uint64_t n;
	size_t c, o;

	head(b, "eeadm_runs_total", "counter",
	    "eeadm runs by command and outcome.");
	for (c = 0; c < EEADM_NCMDS; c++)
		for (o = 0; o < EEADM_NOUTCOMES; o++) {
			n = __atomic_load_n(&eeadm_runs[c][o],
			    __ATOMIC_RELAXED);
			if (n == 0)
				continue;
			buf_printf(b, P "eeadm_runs_total{command=\"%s\","
			    "outcome=\"%s\"} %llu\n", cmd_names[c],
			    outcome_names[o], (unsigned long long)n);
		}
	head(b, "eeadm_run_duration_seconds", "histogram",
	    "Run time of eeadm by command.");
	for (c = 0; c < EEADM_NCMDS; c++)
		hist_render(b, "eeadm_run_duration_seconds", "command",
		    cmd_names[c], &eeadm_time[c], &eeadm_spec);

	health_stats(&hs);
	head(b, "healthy", "gauge",
	    "1 when the last eeadm node list probe succeeded, else 0.");
	sample(b, "healthy", NULL, NULL, (unsigned long long)hs.healthy);
	head(b, "health_probes_total", "counter",
	    "eeadm node list probes run.");
	sample(b, "health_probes_total", NULL, NULL, hs.probes);
	head(b, "health_probe_failures_total", "counter",
	    "eeadm node list probes that failed.");
	sample(b, "health_probe_failures_total", NULL, NULL,
	    hs.probe_failures);
}

int
metrics_render(struct buf *out)
{
	/*
	 * Reserved up front so that the appends below, which cannot all
	 * be checked without burying the names, do not run out halfway.
	 */
	if (buf_reserve(out, METRICS_RESERVE) == -1)
		return -1;
	head(out, "build_info", "gauge", "The version running, as a label.");
	sample(out, "build_info", "version", LTFSEE_GLOBUS_VERSION, 1);
	render_http(out);
	render_server(out);
	render_state(out);
	render_recall(out);
	render_eeadm(out);

	/* A failed append leaves a line out; the output then ends early. */
	if (out->len == 0 || out->data[out->len - 1] != '\n')
		return -1;
	return 0;
}
