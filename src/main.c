/*
 * ltfsee-globusd: answers Globus stage requests for files on LTFS EE and
 * queues recalls for the ones on tape.
 *
 * The main thread parses options, loads the configuration, starts the
 * modules (state cache, recall queue, server), then only handles signals
 * with sigwait(): every other thread starts with the signals blocked, so
 * no handler ever runs inside a worker.
 *
 * Under systemd (Type=notify) it says READY=1 once the server listens,
 * RELOADING=1 then READY=1 around a SIGHUP reload (READY=1 also when the
 * reload fails and the running configuration stays), and STOPPING=1 on
 * SIGTERM or SIGINT; see notify.c.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "config.h"
#include "eeadm.h"
#include "health.h"
#include "log.h"
#include "notify.h"
#include "recall.h"
#include "server.h"
#include "state.h"
#include "tls.h"
#include "util.h"

#define MAIN_STOP_MS		10000
#define MAIN_MAX_OVERRIDES	64
#define MAIN_MAX_RELOADS	64

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr, "usage: ltfsee-globusd "
	    "[-dhnVv] [-f file] [-o key=value]\n");
	exit(status);
}

/*
 * 1 when every address HOST:PORT of BIND resolves to is a loopback one,
 * 0 otherwise (or when it does not resolve).
 */
static int
main_bind_is_loopback(const char *bind_str)
{
	struct addrinfo hints, *res = NULL, *ai;
	char host[256], *end;
	int ok = 1;

	if (snprintf(host, sizeof(host), "%s", bind_str) >= (int)sizeof(host))
		return 0;
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		if ((end = strchr(host, ']')) == NULL)
			return 0;
	} else if ((end = strrchr(host, ':')) == NULL)
		return 0;
	*end = '\0';
	if (host[0] == '\0')
		return 0;	/* Every address. */

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return 0;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			const struct sockaddr_in *sin = (void *)ai->ai_addr;

			if ((ntohl(sin->sin_addr.s_addr) >> 24) != 127)
				ok = 0;
		} else if (ai->ai_family == AF_INET6) {
			const struct sockaddr_in6 *s6 = (void *)ai->ai_addr;

			if (!IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
				ok = 0;
		} else
			ok = 0;
	}
	freeaddrinfo(res);
	return ok;
}

/*
 * Loads the configuration: defaults, FILE (a missing default file is
 * fine), the environment, then the -o overrides.  Returns 0 with *c
 * complete, or -1 with the reason in ERR and *c freed.
 */
static int
main_load(struct config *c, const char *file, int explicit_file,
    char *const *overrides, size_t noverrides, char *err, size_t errlen)
{
	char key[128];
	const char *eq;
	size_t i;

	config_defaults(c);
	if (config_load(c, file, !explicit_file, CONFIG_ROLE_SERVER, err,
	    errlen) == -1)
		goto fail;
	for (i = 0; i < noverrides; i++) {
		eq = strchr(overrides[i], '=');
		if (eq == NULL || eq == overrides[i] ||
		    (size_t)(eq - overrides[i]) >= sizeof(key)) {
			snprintf(err, errlen, "-o %s: expected key=value",
			    overrides[i]);
			goto fail;
		}
		memcpy(key, overrides[i], (size_t)(eq - overrides[i]));
		key[eq - overrides[i]] = '\0';
		if (config_set(c, CONFIG_ROLE_SERVER, key, eq + 1, err,
		    errlen) == -1) {
			char why[CONFIG_ERR_MAX];

			snprintf(why, sizeof(why), "%s", err);
			snprintf(err, errlen, "-o %.100s: %.400s", overrides[i],
			    why);
			goto fail;
		}
	}
	if (config_validate(c, CONFIG_ROLE_SERVER, err, errlen) == -1)
		goto fail;

	if (c->server.tls == CONFIG_TLS_AUTO && c->server.certfile == NULL &&
	    !main_bind_is_loopback(c->server.bind)) {
		snprintf(err, errlen, "bind %s: plain HTTP is allowed only on "
		    "a loopback address; set certfile and keyfile, or "
		    "tls = off", c->server.bind);
		goto fail;
	}
	return 0;
fail:
	config_free(c);
	return -1;
}

/*
 * The recall queues are made at start, one per library, so a reload
 * must not change ltfsee_lib: a task hashed to a new library would find
 * no queue.  When NEXT lists other libraries than RUN, warns and gives
 * NEXT copies of RUN's.  Returns 0, or -1 without memory (NEXT is then
 * still whole and freeable).
 */
static int
main_keep_libraries(const struct config *run, struct config *next)
{
	const struct config_server *r = &run->server;
	struct config_server *n = &next->server;
	char *copy[CONFIG_MAX_LIBRARIES];
	size_t i;
	int same = r->nlibraries == n->nlibraries;

	for (i = 0; same && i < r->nlibraries; i++)
		same = strcmp(r->libraries[i], n->libraries[i]) == 0;
	if (same)
		return 0;

	for (i = 0; i < r->nlibraries; i++)
		if ((copy[i] = strdup(r->libraries[i])) == NULL) {
			while (i-- > 0)
				free(copy[i]);
			return -1;
		}
	for (i = 0; i < n->nlibraries; i++)
		free(n->libraries[i]);
	for (i = 0; i < r->nlibraries; i++)
		n->libraries[i] = copy[i];
	n->nlibraries = r->nlibraries;
	log_warnx("reload: ltfsee_lib is read at start only; restart to "
	    "change it (keeping the running list)");
	return 0;
}

/* Warns of each setting a reload changed that is read at start only. */
static void
main_note_static(const struct config *run, const struct config *next)
{
	const struct config_server *r = &run->server, *n = &next->server;
	const struct {
		const char	*key;
		int		 changed;
	} keys[] = {
		{ "bind", strcmp(r->bind, n->bind) != 0 },
		{ "threads", r->threads != n->threads },
		{ "state_dir", strcmp(r->state_dir, n->state_dir) != 0 },
		{ "eeadm", strcmp(r->eeadm, n->eeadm) != 0 },
		{ "eeadm_timeout", r->eeadm_timeout_ms != n->eeadm_timeout_ms },
		{ "recall_delay", r->recall_delay_ms != n->recall_delay_ms },
		{ "recall_max_wait",
		    r->recall_max_wait_ms != n->recall_max_wait_ms },
		{ "recall_max_files",
		    r->recall_max_files != n->recall_max_files },
		{ "recall_concurrency",
		    r->recall_concurrency != n->recall_concurrency },
		{ "recall_retries", r->recall_retries != n->recall_retries },
		{ "state_batch_delay",
		    r->state_batch_delay_ms != n->state_batch_delay_ms },
		{ "state_batch_max", r->state_batch_max != n->state_batch_max },
		{ "cache_default_timeout",
		    r->cache_timeout_ms != n->cache_timeout_ms },
	};
	size_t i;

	for (i = 0; i < nitems(keys); i++)
		if (keys[i].changed)
			log_warnx("reload: %s is read at start only; restart "
			    "to change it", keys[i].key);
}

/*
 * What -n checks beyond the file's syntax, which start-up would trip on:
 * the eeadm program runs, the state directory is writable, the TLS pair
 * loads.  Returns 0, or -1 with the reason in ERR.
 */
static int
main_check_runtime(const struct config *c, char *err, size_t errlen)
{
	const struct config_server *cs = &c->server;
	struct tls_server *tls;
	struct eeadm e;
	struct stat sb;
	int r;

	if (eeadm_init(&e, cs->eeadm, cs->eeadm_max_output, err,
	    errlen) == -1)
		return -1;
	r = access(e.argv[0], X_OK);
	if (r == -1)
		snprintf(err, errlen, "eeadm: %s: %s", e.argv[0],
		    strerror(errno));
	eeadm_free(&e);
	if (r == -1)
		return -1;

	if (stat(cs->state_dir, &sb) == 0 && !S_ISDIR(sb.st_mode))
		errno = ENOTDIR;
	else if (stat(cs->state_dir, &sb) == 0 &&
	    access(cs->state_dir, W_OK | X_OK) == 0)
		errno = 0;
	if (errno != 0) {
		snprintf(err, errlen, "state_dir %s: %s", cs->state_dir,
		    strerror(errno));
		return -1;
	}

	if (cs->certfile != NULL && cs->tls != CONFIG_TLS_OFF) {
		if ((tls = tls_server_new(cs, err, errlen)) == NULL)
			return -1;
		tls_server_free(tls);
	}
	return 0;
}

/* Sets the log level from the configuration and the -v count. */
static void
main_set_level(const struct config *c, int verbose)
{
	int level = c->server.loglevel + verbose;

	log_set_level(level > LOG_LEVEL_DEBUG ? LOG_LEVEL_DEBUG : level);
}

/*
 * Raises the soft limit on descriptors to the hard one, so that
 * max_connections is not cut short by a default of 1024.
 */
static void
main_raise_nofile(const struct config *c)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit");
	}
	if (rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < c->server.max_connections + 64)
		log_warnx("max_connections %llu is near the descriptor limit "
		    "%llu", (unsigned long long)c->server.max_connections,
		    (unsigned long long)rl.rlim_cur);
}

/* SIGUSR1: the counters of every module and each recall queue, at info. */
static void
main_log_stats(void)
{
	static struct recall_stats rs;	/* large; only main calls this */
	struct server_stats st;
	struct state_stats ss;
	struct health_stats hs;
	char why[256];
	size_t i;

	server_stats(&st);
	log_status("connections open %llu, total %llu, refused %llu; "
	    "requests %llu", (unsigned long long)st.connections_open,
	    (unsigned long long)st.connections_total,
	    (unsigned long long)st.connections_refused,
	    (unsigned long long)st.requests_total);

	state_stats(&ss);
	log_status("state: cache hits %llu, misses %llu, cached %llu, "
	    "pending %llu; eeadm runs %llu for %llu paths (%llu single), "
	    "stat answers %llu", ss.hits, ss.misses, ss.cached, ss.pending,
	    ss.runs, ss.paths, ss.single_runs, ss.stat_answers);

	recall_stats(&rs);
	log_status("recall: submitted %llu, queued %llu, in flight %llu; "
	    "runs %llu for %llu files, failures %llu, dropped %llu",
	    rs.submitted, rs.queued, rs.inflight, rs.runs, rs.files_run,
	    rs.failures, rs.dropped);
	for (i = 0; i < rs.nqueues && i < RECALL_STATS_QUEUES; i++)
		log_status("recall queue %s: queued %llu, in flight %llu, "
		    "runs %llu", rs.queues[i].library[0] != '\0' ?
		    rs.queues[i].library : "(no library)",
		    rs.queues[i].queued, rs.queues[i].inflight,
		    rs.queues[i].runs);
	for (i = 0; i < RECALL_STATS_MSGIDS; i++)
		if (rs.fails[i].msgid[0] != '\0')
			log_status("recall failures %s: %llu",
			    rs.fails[i].msgid,
			    rs.fails[i].count);

	health_stats(&hs);
	log_status("health: %s; probes %llu, failed %llu",
	    health_check(why, sizeof(why)) ? "ok" : why, hs.probes,
	    hs.probe_failures);
}

int
main(int argc, char *argv[])
{
	static struct config configs[MAIN_MAX_RELOADS];
	char *overrides[MAIN_MAX_OVERRIDES];
	size_t noverrides = 0, ncfg = 0;
	const char *file = CONFIG_DEFAULT_FILE;
	struct tls_server *tls = NULL;
	struct config *cfg, *next;
	static struct eeadm eeadm;	/* may outlive main: see the end */
	char err[CONFIG_ERR_MAX];
	int ch, dflag = 0, nflag = 0, fflag = 0, verbose = 0, sig;
	int left_running;
	sigset_t set;

	while ((ch = getopt(argc, argv, "df:hnVvo:")) != -1) {
		switch (ch) {
		case 'd':
			dflag = 1;
			break;
		case 'h':
			usage(0);
		case 'f':
			file = optarg;
			fflag = 1;
			break;
		case 'n':
			nflag = 1;
			break;
		case 'o':
			if (noverrides == MAIN_MAX_OVERRIDES)
				usage(1);
			overrides[noverrides++] = optarg;
			break;
		case 'V':
			printf("ltfsee-globusd %s\n", LTFSEE_GLOBUS_VERSION);
			return 0;
		case 'v':
			verbose++;
			break;
		default:
			usage(1);
		}
	}
	if (optind != argc)
		usage(1);

	/* Before any thread exists, so that they all inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	log_init("ltfsee-globusd", 1, LOG_LEVEL_INFO);
	cfg = &configs[ncfg++];
	if (main_load(cfg, file, fflag, overrides, noverrides, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "ltfsee-globusd: %s\n", err);
		return 1;
	}
	if (nflag) {
		if (main_check_runtime(cfg, err, sizeof(err)) == -1) {
			fprintf(stderr, "ltfsee-globusd: %s\n", err);
			return 1;
		}
		printf("ltfsee-globusd: configuration OK\n");
		return 0;
	}

	log_init("ltfsee-globusd", dflag, LOG_LEVEL_INFO);
	main_set_level(cfg, verbose);
	notify_init();		/* before any thread: it edits environ */
	main_raise_nofile(cfg);
	if (eeadm_init(&eeadm, cfg->server.eeadm, cfg->server.eeadm_max_output,
	    err, sizeof(err)) == -1)
		fatalx("eeadm: %s", err);
	if (cfg->server.certfile != NULL && cfg->server.tls != CONFIG_TLS_OFF) {
		if ((tls = tls_server_new(&cfg->server, err, sizeof(err))) ==
		    NULL)
			fatalx("%s", err);
	} else if (cfg->server.tls == CONFIG_TLS_OFF)
		log_warnx("tls = off: serving plain HTTP on %s",
		    cfg->server.bind);

	if (api_init(&cfg->server) == -1 ||
	    state_init(&cfg->server, &eeadm) == -1 ||
	    recall_init(&cfg->server, &eeadm) == -1 ||
	    health_init(&cfg->server, &eeadm) == -1 ||
	    server_start(cfg, tls) == -1)
		fatalx("cannot start");
	log_status("ltfsee-globusd %s started", LTFSEE_GLOBUS_VERSION);
	snprintf(err, sizeof(err), "serving on %s", cfg->server.bind);
	notify_ready(err);

	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGUSR1) {
			main_log_stats();
			continue;
		}

		/* SIGHUP: reload; the running configuration stays on error. */
		if (ncfg == MAIN_MAX_RELOADS) {
			log_warnx("reload: too many reloads, restart instead");
			continue;
		}
		next = &configs[ncfg];
		notify_reloading();
		if (main_load(next, file, fflag, overrides, noverrides, err,
		    sizeof(err)) == -1) {
			log_warnx("reload: %s; keeping the running "
			    "configuration", err);
			notify_ready("reload failed; running the previous "
			    "configuration");
			continue;
		}
		if (main_keep_libraries(cfg, next) == -1) {
			log_warn("reload");
			config_free(next);
			notify_ready("reload failed; running the previous "
			    "configuration");
			continue;
		}
		main_note_static(cfg, next);
		if (tls != NULL && tls_server_reload(tls, &next->server, err,
		    sizeof(err)) == -1)
			log_warnx("reload: %s; keeping the old certificate",
			    err);
		/*
		 * XXX: threads, bind, state_dir, eeadm and the recall and
		 * state settings are read at start only; a reload changes
		 * the key, limits, timeouts, paths and log level (ltfsee_lib
		 * is kept, see main_keep_libraries).
		 */
		ncfg++;
		api_set_config(&next->server);
		server_set_config(next);
		main_set_level(next, verbose);
		cfg = next;
		log_status("configuration reloaded");
		notify_ready("configuration reloaded");
	}

	notify_stopping();
	log_status("stopping");
	health_shutdown(util_now_ms() + 1000);	/* /healthz: 503 from now */
	server_stop(util_now_ms() + MAIN_STOP_MS);
	left_running = recall_shutdown(util_now_ms() + MAIN_STOP_MS) == -1;
	left_running |= state_shutdown() == -1;
	if (tls != NULL)
		tls_server_free(tls);
	/* A thread left inside eeadm still reads the command vector. */
	if (!left_running)
		eeadm_free(&eeadm);
	log_status("stopped");
	return 0;
}
