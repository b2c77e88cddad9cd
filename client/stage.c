/*
 * ltfsee-globus-stage: the stage app Globus runs for every file (and on
 * every poll).  It reads GLOBUS_STAGE_PATH and GLOBUS_STAGE_TASKID, maps
 * the path to the server's view when remapping is on, asks a daemon with
 * POST /api/v0.5/globus_recall/globus_recall, prints "resident" or
 * "archived" and exits with the status the configuration gives.
 *
 * Design: single-threaded and short-lived; it reads only the INI file
 * (and the CA file, for https), builds one request, and tries the
 * daemons in the order the task id's hash gives, moving on when one
 * cannot be reached or answers 503.  Errors go to stderr and syslog;
 * with DEBUG, every step goes to stderr.  The key is never printed.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "answer.h"
#include "config.h"
#include "hclient.h"
#include "log.h"
#include "remap.h"
#include "url.h"
#include "util.h"

#define STAGE_NAME	"ltfsee-globus-stage"

static void
stage_usage(FILE *fp)
{
	fprintf(fp, "usage: " STAGE_NAME " [-dhV] [-c file]\n"
	    "reads GLOBUS_STAGE_PATH and GLOBUS_STAGE_TASKID (set by Globus);\n"
	    "settings from the file or the environment: LTFSEE_URL, "
	    "AUTH_KEY,\n"
	    "  AUTH_KEY_FILE, TIMEOUT, REMAP, DEPTH, AUTOFS, CA_FILE, "
	    "TLS_VERIFY,\n"
	    "  DEBUG, EXIT_RESIDENT, EXIT_ARCHIVED, EXIT_NOT_FOUND, "
	    "EXIT_ERROR,\n"
	    "  LTFSEE_GLOBUS_CONFIG (the file); see " STAGE_NAME "(1)\n");
}

/*
 * Reports A: the word on stdout, the message on stderr, errors also to
 * syslog.  Returns the exit status (exit_error if stdout fails).
 */
static int
stage_report(const struct config_client *cc, const struct answer *a)
{
	if (a->word != NULL && (printf("%s\n", a->word) < 0 ||
	    fflush(stdout) == EOF)) {
		fprintf(stderr, STAGE_NAME ": cannot write to stdout\n");
		return cc->exit_error;
	}
	if (a->msg[0] != '\0')
		fprintf(stderr, STAGE_NAME ": %s\n", a->msg);
	if (a->error) {
		openlog(STAGE_NAME, LOG_PID, LOG_USER);
		syslog(LOG_ERR, "%s", a->msg);
		closelog();
	}
	return a->status;
}

/* Reports the fault MSG as an error outcome and returns the status. */
static int
stage_fail(const struct config_client *cc, const char *msg)
{
	struct answer a;

	answer_error(cc, msg, &a);
	return stage_report(cc, &a);
}

/*
 * Loads the configuration: FILE from -c, else LTFSEE_GLOBUS_CONFIG, else
 * the default file (which may be missing).  0 or -1 with ERR.
 */
static int
stage_config(struct config *cfg, const char *file, char *err, size_t errlen)
{
	const char *env = getenv("LTFSEE_GLOBUS_CONFIG");
	int missing_ok = 0;

	if (file == NULL && env != NULL && env[0] != '\0')
		file = env;
	if (file == NULL) {
		file = CONFIG_DEFAULT_FILE;
		missing_ok = 1;
	}
	if (config_load(cfg, file, missing_ok, CONFIG_ROLE_CLIENT, err,
	    errlen) == -1)
		return -1;
	return config_validate(cfg, CONFIG_ROLE_CLIENT, err, errlen);
}

/*
 * Asks the servers U[0..N) in the task's order and decides the answer in
 * A.  Returns nothing: every outcome is in A.
 */
static void
stage_ask(const struct config_client *cc, const struct url *u, size_t n,
    const char *path, const char *taskid, const char *body, size_t len,
    struct answer *a)
{
	struct hclient_opts o = { cc->auth_key, cc->ca_file, cc->tls_verify,
	    cc->timeout_ms };
	struct hclient_resp resp;
	size_t order[URL_MAX], i;
	char err[512], msg[ANSWER_MSG_MAX];
	int r;

	url_order(taskid, n, order);
	msg[0] = '\0';
	for (i = 0; i < n; i++) {
		const struct url *s = &u[order[i]];

		log_debug("asking %s://%s%s%s:%s%s", s->tls ? "https" : "http",
		    s->ipv6 ? "[" : "", s->host, s->ipv6 ? "]" : "", s->port,
		    s->prefix);
		r = hclient_post(s, &o, HCLIENT_ROUTE, body, len, &resp, err,
		    sizeof(err));
		if (r == 0 && resp.status == 503 && i + 1 < n) {
			log_debug("%s answered 503, trying the next server",
			    s->host);
			continue;
		}
		if (r == 0) {
			log_debug("HTTP %d, %zu bytes", resp.status,
			    resp.body_len);
			answer_decide(cc, path, resp.status, resp.body,
			    resp.body_len, a);
			return;
		}
		if (snprintf(msg, sizeof(msg), "%s: server %s port %s: %s",
		    path, s->host, s->port, err) < 0)
			msg[0] = '\0';
		if (r != HCLIENT_ECONNECT)
			break;
		log_debug("%s", msg);
	}
	answer_error(cc, msg, a);
}

int
main(int argc, char *argv[])
{
	struct config cfg;
	struct config_client *cc = &cfg.client;
	struct url urls[URL_MAX];
	struct remap_conf rc;
	struct answer a;
	struct buf body;
	const char *file = NULL, *path, *taskid;
	char err[CONFIG_ERR_MAX], mapped[PATH_MAX];
	size_t nurls;
	int ch, debug = 0, status;

	while ((ch = getopt(argc, argv, "c:dhV")) != -1) {
		switch (ch) {
		case 'c':
			file = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'h':
			stage_usage(stdout);
			return 0;
		case 'V':
			printf(STAGE_NAME " " LTFSEE_GLOBUS_VERSION "\n");
			return 0;
		default:
			stage_usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		stage_usage(stderr);
		return 1;
	}

	config_defaults(&cfg);
	log_init(STAGE_NAME, 1, debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_WARN);
	if (stage_config(&cfg, file, err, sizeof(err)) == -1)
		return stage_fail(cc, err);
	if (cc->debug)
		log_set_level(LOG_LEVEL_DEBUG);
	log_debug("configuration %s", cfg.file != NULL ? cfg.file :
	    "(none, defaults)");

	path = getenv("GLOBUS_STAGE_PATH");
	taskid = getenv("GLOBUS_STAGE_TASKID");
	if (path == NULL || path[0] == '\0')
		return stage_fail(cc, "GLOBUS_STAGE_PATH is not set");
	if (taskid == NULL || taskid[0] == '\0')
		return stage_fail(cc, "GLOBUS_STAGE_TASKID is not set");
	log_debug("path %s, task %s", path, taskid);

	if (url_parse_list((const char *const *)cc->urls, cc->nurls, urls,
	    URL_MAX, &nurls, err, sizeof(err)) == -1)
		return stage_fail(cc, err);

	if (cc->remap || cc->autofs != NULL || cc->depth >= 0) {
		rc.mounts = REMAP_MOUNTS;
		rc.autofs = cc->autofs;
		rc.depth = cc->depth;
		if (remap_path(&rc, path, mapped, sizeof(mapped), err,
		    sizeof(err)) == -1)
			return stage_fail(cc, err);
		log_debug("remapped %s to %s", path, mapped);
		path = mapped;
	}

	buf_init(&body);
	if (hclient_body(&body, path, taskid, err, sizeof(err)) == -1) {
		buf_free(&body);
		return stage_fail(cc, err);
	}
	stage_ask(cc, urls, nurls, path, taskid, body.data, body.len, &a);
	buf_free(&body);

	status = stage_report(cc, &a);
	config_free(&cfg);
	return status;
}
