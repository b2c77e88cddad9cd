/*
 * eeadm-sim: a stand-in for IBM Spectrum Archive's eeadm, run with the
 * same argument vector, over a simulated tape library.
 *
 * eeadm commands:	file state -s PATH...
 *			recall LIST [-l LIBRARY] [--resident]
 *			task show -r ID
 *			node list
 * simulator commands:	populate, fault, set, set-state, reset, report
 *
 * Every run is one process: it locks the catalogue (env
 * EEADM_SIM_CATALOGUE), loads it, acts, saves it if it changed and
 * unlocks.  A recall does that twice around its sleep, so concurrent runs
 * can go on while one is "at the tape": the first pass plans the reads
 * with the tape model, charges the tape time and marks the files busy
 * with its pid; the second pass makes them resident and records the task
 * rows.  A file marked by a live pid is "already in another task".  Each
 * run appends one line to the log (env EEADM_SIM_LOG, or CATALOGUE.log).
 *
 * XXX: concurrent recalls each get all of a library's drives, so runs
 * that overlap in time are charged as if they had run one after another.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "model.h"
#include "plan.h"
#include "simutil.h"

#define EX_FAIL		1	/* eeadm reported a failure */
#define EX_USAGE	2	/* bad command line or environment */
#define HANG_MAX_S	600	/* a hanging run still ends by itself */
#define NODE_NAME	"simnode1"

#define MSG_NOT_FOUND	"GLESL012E"	/* sim's choice, see DESIGN.md */
#define MSG_BUSY	"GLESM431E"	/* already in another task */
#define MSG_WRONG_LIB	"GLESL630E"	/* sim's choice: not in library */
#define MSG_RECALLED	"GLESL839I"	/* sim's choice: success */

/* What the log line of this run says. */
static struct {
	int		 argc;
	char		**argv;
	const char	*catalogue;
	const char	*label;		/* "recall", "file_state"... */
	size_t		 npaths;
	uint64_t	 mounts;
	double		 model_s;
} run;

static void
warnmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
warnmsg(const char *fmt, ...)
{
	va_list ap;

	fputs("eeadm-sim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
usage(void)
{
	fputs("usage: eeadm file state -s PATH...\n"
	    "       eeadm recall LIST [-l LIBRARY] [--resident]\n"
	    "       eeadm task show -r ID\n"
	    "       eeadm node list\n"
	    "       eeadm-sim populate --files N --tapes N --libraries N"
	    " --drives N\n"
	    "           --size-min BYTES --size-max BYTES --seed N --dir DIR\n"
	    "           [--state LETTER] [--mount-s S] [--unmount-s S]\n"
	    "           [--seek-s-per-gb S] [--read-mb-s R] [--speed F]"
	    " [--force]\n"
	    "       eeadm-sim fault TARGET fail|busy|hang|crash|garbage"
	    " [MSGID]\n"
	    "           [--cmd recall|file|task|node|any] [--count N]\n"
	    "       eeadm-sim fault clear [TARGET] | fault list\n"
	    "       eeadm-sim set mount_s|unmount_s|seek_s_per_gb|"
	    "read_mb_s|speed VALUE\n"
	    "       eeadm-sim set drives LIBRARY N\n"
	    "       eeadm-sim set-state LETTER PATH...\n"
	    "       eeadm-sim reset [--state LETTER]\n"
	    "       eeadm-sim report [--format=text|kv]\n"
	    "environment: EEADM_SIM_CATALOGUE (required), EEADM_SIM_LOG,"
	    " EEADM_SIM_SPEED\n", stderr);
	return EX_USAGE;
}

/* Appends ARG to OUT in double quotes, escaping what is not printable. */
static int
log_quote(struct sim_str *out, const char *arg)
{
	const unsigned char *p;
	int e = sim_str_add(out, "\"", 1);

	for (p = (const unsigned char *)arg; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			e |= sim_str_printf(out, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			e |= sim_str_printf(out, "\\x%02x", *p);
		else
			e |= sim_str_add(out, p, 1);
	}
	return e | sim_str_add(out, "\"", 1);
}

/*
 * Appends this run's line to the log in one write, so lines of
 * concurrent runs never mix.  OUTCOME is the exit status or what
 * happened instead ("hang", "crash").
 */
static void
log_run(const char *outcome)
{
	struct sim_str line = { 0 }, path = { 0 };
	const char *logpath = getenv("EEADM_SIM_LOG");
	struct timeval tv;
	struct tm tm;
	char when[32];
	int fd, i, e = 0;

	if (logpath == NULL || logpath[0] == '\0') {
		if (run.catalogue == NULL ||
		    sim_str_printf(&path, "%s.log", run.catalogue) == -1)
			return;
		logpath = path.s;
	}
	gettimeofday(&tv, NULL);
	if (gmtime_r(&tv.tv_sec, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		when[0] = '\0';

	e |= sim_str_printf(&line, "%s.%03ldZ pid=%ld cmd=%s exit=%s "
	    "paths=%zu mounts=%" PRIu64 " model_s=%.3f argv=", when,
	    (long)(tv.tv_usec / 1000), (long)getpid(),
	    run.label ? run.label : "none", outcome, run.npaths, run.mounts,
	    run.model_s);
	for (i = 0; i < run.argc; i++) {
		e |= i ? sim_str_add(&line, " ", 1) : 0;
		e |= log_quote(&line, run.argv[i]);
	}
	e |= sim_str_add(&line, "\n", 1);

	fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (e == 0 && fd != -1 && write(fd, line.s, line.len) !=
	    (ssize_t)line.len)
		warnmsg("%s: short write", logpath);
	if (fd != -1)
		close(fd);
	sim_str_free(&line);
	sim_str_free(&path);
}

/* Sleeps S seconds, resuming after signals. */
static void
sleep_s(double s)
{
	struct timespec ts, rem;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &rem) == -1 && errno == EINTR)
		ts = rem;
}

/*
 * Locks and loads the catalogue into C.  Returns the lock descriptor,
 * or -1 after printing why.
 */
static int
cat_open(struct sim_catalog *c)
{
	char err[512];
	int fd;

	sim_catalog_init(c);
	if ((fd = sim_catalog_lock(run.catalogue, err, sizeof(err))) == -1) {
		warnmsg("%s", err);
		return -1;
	}
	if (sim_catalog_load(c, run.catalogue, err, sizeof(err)) == -1) {
		warnmsg("%s", err);
		sim_catalog_unlock(fd);
		sim_catalog_free(c);
		return -1;
	}
	return fd;
}

/*
 * Saves C when SAVE, unlocks FD and frees C.  Returns 0, or -1 after
 * printing why the save failed.
 */
static int
cat_close(struct sim_catalog *c, int fd, int save)
{
	char err[512];
	int rc = 0;

	if (save && sim_catalog_save(c, run.catalogue, err, sizeof(err)) ==
	    -1) {
		warnmsg("%s", err);
		rc = -1;
	}
	sim_catalog_unlock(fd);
	sim_catalog_free(c);
	return rc;
}

/* Spends one firing of fault I; a fault with no firings left goes. */
static void
fault_spend(struct sim_catalog *c, size_t i)
{
	if (c->faults[i].count == 0)
		return;
	if (--c->faults[i].count > 0)
		return;
	free(c->faults[i].target);
	memmove(&c->faults[i], &c->faults[i + 1],
	    (c->nfaults - i - 1) * sizeof(*c->faults));
	c->nfaults--;
}

/* 1 if fault F applies to runs of the eeadm command CMD. */
static int
fault_for(const struct sim_fault *f, const char *cmd)
{
	return strcmp(f->cmd, "any") == 0 || strcmp(f->cmd, cmd) == 0;
}

/*
 * Fires the first run-wide fault for CMD, if any: it is spent and saved,
 * the lock released, the run logged, then the run hangs, aborts or
 * prints garbage and exits.  Returns only when no fault fires.
 */
static void
run_faults(struct sim_catalog *c, int fd, const char *cmd)
{
	enum sim_fault_kind kind;
	size_t i;

	for (i = 0; i < c->nfaults; i++)
		if (strcmp(c->faults[i].target, "-") == 0 &&
		    fault_for(&c->faults[i], cmd))
			break;
	if (i == c->nfaults)
		return;
	kind = c->faults[i].kind;
	fault_spend(c, i);
	cat_close(c, fd, 1);

	switch (kind) {
	case SIM_FAULT_HANG:
		log_run("hang");
		sleep_s(HANG_MAX_S);
		exit(EX_FAIL);
	case SIM_FAULT_CRASH:
		log_run("crash");
		abort();
	default:
		log_run("garbage");
		fputs("\x01\x7f GLES?? ~~ @@@ --\n-- -- --\n"
		    "M  x  \xff\xfe@@  -- \ntask ID is\n\x1b[2J", stdout);
		fputs("####", stdout);
		exit(0);
	}
}

/* The path fault of kind fail or busy on PATH for CMD, or NULL. */
static struct sim_fault *
path_fault(struct sim_catalog *c, const char *path, const char *cmd,
    size_t *at)
{
	size_t i;

	for (i = 0; i < c->nfaults; i++)
		if (strcmp(c->faults[i].target, path) == 0 &&
		    fault_for(&c->faults[i], cmd)) {
			*at = i;
			return &c->faults[i];
		}
	return NULL;
}

static int
cmd_file_state(int argc, char **argv)
{
	struct sim_catalog c;
	struct sim_str out = { 0 };
	int fd, i = 3, missing = 0, rc = 0;
	size_t f;

	run.label = "file_state";
	if (i < argc && strcmp(argv[i], "-s") == 0)
		i++;
	if (i >= argc)
		return usage();
	if ((fd = cat_open(&c)) == -1)
		return EX_FAIL;
	run_faults(&c, fd, "file");

	c.stats[SIM_STAT_RUNS_FILE_STATE]++;
	for (; i < argc; i++) {
		run.npaths++;
		c.stats[SIM_STAT_PATHS_STATED]++;
		if ((f = sim_catalog_find(&c, argv[i])) == SIM_NONE) {
			fprintf(stderr, "%s: The file %s does not exist.\n",
			    MSG_NOT_FOUND, argv[i]);
			missing++;
		} else if (sim_format_state_line(&c, &c.files[f], &out) == -1)
			rc = EX_FAIL;
	}
	if (cat_close(&c, fd, 1) == -1)
		rc = EX_FAIL;
	if (out.len > 0)
		fwrite(out.s, 1, out.len, stdout);
	sim_str_free(&out);
	return missing || rc ? EX_FAIL : 0;
}

enum outcome { O_READ, O_DONE, O_FAIL, O_DUP };

struct item {
	char		*path;		/* points into the list text */
	enum outcome	 what;
	char		 msgid[SIM_MSGID_MAX];
	size_t		 idx;
};

/*
 * Reads list file PATH into TEXT and cuts it into *ITEMS (*N of them,
 * malloc'd, pointing into TEXT): one path per line, empty lines skipped.
 * Returns 0 or -1 after printing why.
 */
static int
read_list(const char *path, struct sim_str *text, struct item **items,
    size_t *n)
{
	char chunk[65536], *p, *nl;
	size_t cap = 0;
	ssize_t got;
	int fd;

	*items = NULL;
	*n = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		warnmsg("%s: %s", path, strerror(errno));
		return -1;
	}
	while ((got = read(fd, chunk, sizeof(chunk))) != 0) {
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1 || sim_str_add(text, chunk, (size_t)got) == -1) {
			warnmsg("%s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
	}
	close(fd);
	if (text->len == 0 || memchr(text->s, '\0', text->len) != NULL) {
		warnmsg("%s: empty list or a NUL byte in it", path);
		return -1;
	}

	for (p = text->s; p < text->s + text->len; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		*nl = '\0';
		if (*p == '\0')
			continue;
		if (*n == cap) {
			struct item *q;

			cap = cap ? cap * 2 : 64;
			if ((q = realloc(*items, cap * sizeof(*q))) == NULL)
				return -1;
			*items = q;
		}
		memset(&(*items)[*n], 0, sizeof(**items));
		(*items)[(*n)++].path = p;
	}
	return 0;
}

static void
set_fail(struct item *it, const char *msgid)
{
	it->what = O_FAIL;
	snprintf(it->msgid, sizeof(it->msgid), "%s", msgid);
}

/*
 * First pass of a recall, under the lock: decides each item's outcome,
 * plans the reads, charges the tape time and marks the files busy.
 * Returns the task id, or 0 after printing an error.
 */
static uint64_t
recall_plan(struct sim_catalog *c, struct item *items, size_t n,
    const char *libname, struct sim_plan *plan)
{
	unsigned char *seen;
	struct sim_fault *flt;
	size_t lib = SIM_NONE, *reads, nreads = 0, i, f, at;
	long me = (long)getpid();

	if (libname != NULL &&
	    (lib = sim_catalog_find_library(c, libname)) == SIM_NONE) {
		fprintf(stderr, "GLESL631E: The library %s does not exist.\n",
		    libname);
		return 0;
	}
	seen = calloc(c->nfiles + 1, 1);
	reads = calloc(n + 1, sizeof(*reads));
	if (seen == NULL || reads == NULL) {
		free(seen);
		free(reads);
		return 0;
	}

	for (i = 0; i < n; i++) {
		if ((f = sim_catalog_find(c, items[i].path)) == SIM_NONE) {
			set_fail(&items[i], MSG_NOT_FOUND);
			continue;
		}
		if (seen[f]) {
			items[i].what = O_DUP;
			continue;
		}
		seen[f] = 1;
		items[i].idx = f;
		if (c->files[f].busy_pid != 0 && c->files[f].busy_pid != me &&
		    kill((pid_t)c->files[f].busy_pid, 0) == -1 &&
		    errno == ESRCH)
			c->files[f].busy_pid = 0;	/* its run died */

		if ((flt = path_fault(c, items[i].path, "recall", &at))) {
			set_fail(&items[i], flt->kind == SIM_FAULT_BUSY ?
			    MSG_BUSY : flt->msgid);
			fault_spend(c, at);
		} else if (c->files[f].busy_pid != 0)
			set_fail(&items[i], MSG_BUSY);
		else if (lib != SIM_NONE &&
		    c->tapes[c->files[f].tape].lib != lib)
			set_fail(&items[i], MSG_WRONG_LIB);
		else if (c->files[f].state == 'R' || c->files[f].state == 'P')
			items[i].what = O_DONE;
		else {
			items[i].what = O_READ;
			c->files[f].busy_pid = me;
			reads[nreads++] = f;
		}
	}

	if (sim_plan_files(c, reads, nreads, plan) == -1) {
		free(seen);
		free(reads);
		return 0;
	}
	for (i = 0; i < c->nlibs; i++) {
		c->libs[i].busy_s += plan->lib_s[i];
		c->libs[i].mounts += plan->lib_mounts[i];
	}
	c->clock_s += plan->total_s;
	c->stats[SIM_STAT_MOUNTS] += plan->mounts;
	free(seen);
	free(reads);
	return c->next_task++;
}

/*
 * Second pass of a recall, under the lock of a freshly loaded C: makes
 * the files read resident or premigrated and records the task rows.
 * Returns the number of failed items.
 */
static size_t
recall_finish(struct sim_catalog *c, struct item *items, size_t n,
    uint64_t task, int resident)
{
	int64_t now = (int64_t)time(NULL);
	size_t i, f, failed = 0;

	for (i = 0; i < n; i++) {
		if (items[i].what == O_DUP)
			continue;
		f = sim_catalog_find(c, items[i].path);
		if (items[i].what == O_READ && f != SIM_NONE) {
			c->files[f].state = resident ? 'R' : 'P';
			c->files[f].recalled = 1;
			c->files[f].busy_pid = 0;
			c->stats[SIM_STAT_FILES_READ]++;
		} else if (items[i].what == O_READ)
			set_fail(&items[i], MSG_NOT_FOUND);
		if (items[i].what == O_FAIL) {
			failed++;
			c->stats[SIM_STAT_FILES_FAILED]++;
		}
		if (sim_catalog_add_row(c, task, items[i].what != O_FAIL,
		    items[i].what == O_FAIL ? items[i].msgid : MSG_RECALLED,
		    now, items[i].path) == -1)
			warnmsg("cannot record a row of task %" PRIu64, task);
	}
	return failed;
}

static int
cmd_recall(int argc, char **argv)
{
	struct sim_catalog c;
	struct sim_plan plan = { 0 };
	struct sim_str text = { 0 }, progress = { 0 };
	struct item *items = NULL;
	const char *list = NULL, *lib = NULL, *env;
	size_t n = 0, failed, i;
	uint64_t task;
	double speed;
	int fd, resident = 0, rc = EX_FAIL;

	run.label = "recall";
	for (i = 2; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "-l") == 0 && i + 1 < (size_t)argc)
			lib = argv[++i];
		else if (strcmp(argv[i], "--resident") == 0)
			resident = 1;
		else if (argv[i][0] != '-' && list == NULL)
			list = argv[i];
		else
			return usage();
	}
	if (list == NULL)
		return usage();
	if (read_list(list, &text, &items, &n) == -1)
		goto out;
	run.npaths = n;

	/* Plan and charge under the lock; sleep without it. */
	if ((fd = cat_open(&c)) == -1)
		goto out;
	run_faults(&c, fd, "recall");
	c.stats[SIM_STAT_RUNS_RECALL]++;
	c.stats[SIM_STAT_PATHS_LISTED] += n;
	task = recall_plan(&c, items, n, lib, &plan);
	speed = c.speed;
	if ((env = getenv("EEADM_SIM_SPEED")) != NULL &&
	    sim_parse_double(env, 0, 1e6, &speed) == -1)
		warnmsg("EEADM_SIM_SPEED: not a number, using %g", c.speed);
	sim_str_printf(&progress, "GLESL268I: %zu file name(s) have been "
	    "provided to recall.\n", n);
	for (i = 0; task != 0 && i < plan.nlibs; i++)
		if (plan.lib_mounts[i] > 0)
			sim_str_printf(&progress, "GLESL902I: Recall task %"
			    PRIu64 " in library %s: %" PRIu64 " tape(s), "
			    "%.1f s of tape time.\n", task, c.libs[i].name,
			    plan.lib_mounts[i], plan.lib_s[i]);
	if (cat_close(&c, fd, task != 0) == -1 || task == 0)
		goto out;
	run.mounts = plan.mounts;
	run.model_s = plan.total_s;
	if (progress.len > 0)
		fwrite(progress.s, 1, progress.len, stdout);
	fflush(stdout);
	sleep_s(plan.span_s * speed);

	if ((fd = cat_open(&c)) == -1)
		goto out;
	failed = recall_finish(&c, items, n, task, resident);
	if (cat_close(&c, fd, 1) == -1)
		goto out;
	if (failed == 0) {
		printf("GLESL839I: All %zu file(s) have been recalled "
		    "successfully.\n", n);
		rc = 0;
	} else
		printf("GLESL586E: %zu of %zu file(s) failed to be recalled; "
		    "run \"eeadm task show -r %" PRIu64 "\" for details "
		    "(task ID is %" PRIu64 ").\n", failed, n, task, task);
out:
	sim_plan_free(&plan);
	sim_str_free(&text);
	sim_str_free(&progress);
	free(items);
	return rc;
}

static int
cmd_task_show(int argc, char **argv)
{
	struct sim_catalog c;
	struct sim_str out = { 0 };
	uint64_t id;
	size_t i, nrows = 0;
	int fd, rc = 0;

	run.label = "task_show";
	if (argc != 5 || strcmp(argv[2], "show") != 0 ||
	    strcmp(argv[3], "-r") != 0 ||
	    sim_parse_u64(argv[4], 1, UINT64_MAX / 2, &id) == -1)
		return usage();
	if ((fd = cat_open(&c)) == -1)
		return EX_FAIL;
	run_faults(&c, fd, "task");
	c.stats[SIM_STAT_RUNS_TASK_SHOW]++;

	sim_str_printf(&out, "Result   Code       Time                 "
	    "Node      File name\n");
	for (i = 0; i < c.nrows; i++)
		if (c.rows[i].task == id) {
			nrows++;
			if (sim_format_task_row(&c.rows[i], NODE_NAME, &out) ==
			    -1)
				rc = EX_FAIL;
		}
	if (cat_close(&c, fd, 1) == -1)
		rc = EX_FAIL;
	if (nrows == 0) {
		fprintf(stderr, "GLESL622E: The task %" PRIu64 " does not "
		    "exist.\n", id);
		rc = EX_FAIL;
	} else
		fwrite(out.s, 1, out.len, stdout);
	sim_str_free(&out);
	return rc;
}

/*
 * eeadm node list: one node per library of the catalogue, available,
 * with the library's drives; the first is the active control node.  A
 * run-wide fault with --cmd node (or any) fires first.  Returns 0, or
 * EX_FAIL when the catalogue cannot be read.
 */
static int
cmd_node_list(int argc, char **argv)
{
	struct sim_catalog c;
	size_t i;
	int fd;

	run.label = "node_list";
	if (argc != 3 || strcmp(argv[2], "list") != 0)
		return usage();
	if ((fd = cat_open(&c)) == -1)
		return EX_FAIL;
	run_faults(&c, fd, "node");

	printf("Node ID  State      Node IP     Drives  Ctrl Node    "
	    "Library  Node Group  Host Name\n");
	for (i = 0; i < c.nlibs; i++)
		printf("%-7zu  available  127.0.0.%-3zu %-6u  %-11s  %-7s  "
		    "G0          simnode%zu\n", i + 1, i + 1,
		    c.libs[i].drives, i == 0 ? "yes(active)" : "yes",
		    c.libs[i].name, i + 1);
	cat_close(&c, fd, 0);
	return 0;
}

/*
 * The value of option NAME at ARGV[*I] ("--name V" or "--name=V"), with
 * *I moved past it, or NULL when ARGV[*I] is not that option.
 */
static const char *
opt(int argc, char **argv, int *i, const char *name)
{
	size_t len = strlen(name);

	if (strncmp(argv[*i], name, len) != 0)
		return NULL;
	if (argv[*i][len] == '=')
		return argv[*i] + len + 1;
	if (argv[*i][len] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

/* Parses a byte count with an optional K, M or G (powers of 1024). */
static int
parse_bytes(const char *s, uint64_t *out)
{
	char num[32];
	size_t len = strlen(s);
	unsigned shift = 0;

	if (len == 0 || len >= sizeof(num))
		return -1;
	memcpy(num, s, len + 1);
	switch (num[len - 1]) {
	case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	default: break;
	}
	if (shift)
		num[len - 1] = '\0';
	if (sim_parse_u64(num, 0, UINT64_MAX >> 34, out) == -1)
		return -1;
	*out <<= shift;
	return 0;
}

struct pop {
	uint64_t	 files, tapes, libs, drives, smin, smax, seed;
	const char	*dir;
	char		 state;
	int		 force;
};

/* Creates C's libraries, tapes and files from P, in memory. */
static int
populate_catalog(struct sim_catalog *c, const struct pop *p)
{
	char name[SIM_NAME_MAX], pool[SIM_NAME_MAX], path[4096];
	uint64_t rng = p->seed, *tape_of = NULL, *off = NULL;
	size_t *order = NULL, i, j;
	int rc = -1;

	for (i = 0; i < p->libs; i++) {
		snprintf(name, sizeof(name), "lib%zu", i);
		if (sim_catalog_add_library(c, name, (unsigned)p->drives) ==
		    SIM_NONE)
			return -1;
	}
	for (i = 0; i < p->tapes; i++) {
		snprintf(name, sizeof(name), "JD%04zuL8", i + 1);
		snprintf(pool, sizeof(pool), "pool%zu", (size_t)(i % p->libs));
		if (sim_catalog_add_tape(c, name, pool, i % p->libs) ==
		    SIM_NONE)
			return -1;
	}

	/* Each file goes to a random tape (all from the seed). */
	tape_of = calloc(p->files + 1, sizeof(*tape_of));
	off = calloc(p->tapes + 1, sizeof(*off));
	order = calloc(p->files + 1, sizeof(*order));
	if (tape_of == NULL || off == NULL || order == NULL)
		goto out;
	for (i = 0; i < p->files; i++) {
		tape_of[i] = sim_rand_below(&rng, p->tapes);
		order[i] = i;
	}
	/* A random order of the files decides their places on tape. */
	for (i = p->files; i > 1; i--) {
		j = (size_t)sim_rand_below(&rng, i);
		size_t t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}

	for (i = 0; i < p->files; i++) {
		uint64_t size = p->smin + sim_rand_below(&rng,
		    p->smax - p->smin + 1);
		int n = snprintf(path, sizeof(path), "%s/f%06zu", p->dir, i);

		if (n < 0 || (size_t)n >= sizeof(path))
			goto out;
		if (sim_catalog_add_file(c, path, size, 0, 0, p->state) ==
		    SIM_NONE)
			goto out;
	}
	/* Positions: tapes filled in shuffled order, back to back. */
	for (i = 0; i < p->files; i++) {
		struct sim_file *f = &c->files[order[i]];

		f->tape = (size_t)tape_of[order[i]];
		f->pos = off[f->tape];
		off[f->tape] += f->size;
	}
	rc = 0;
out:
	free(tape_of);
	free(off);
	free(order);
	return rc;
}

/* Makes each file of C a sparse stub of its size. */
static int
populate_stubs(const struct sim_catalog *c)
{
	size_t i;
	int fd;

	for (i = 0; i < c->nfiles; i++) {
		fd = open(c->files[i].path, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0644);
		if (fd == -1 || ftruncate(fd, (off_t)c->files[i].size) == -1) {
			warnmsg("%s: %s", c->files[i].path, strerror(errno));
			if (fd != -1)
				close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

static int
cmd_populate(int argc, char **argv)
{
	struct sim_catalog c;
	struct pop p = { 0, 0, 0, 0, 0, 0, 0, NULL, 'M', 0 };
	struct stat st;
	const char *v;
	char err[512];
	int i, fd, rc = EX_FAIL, have = 0;

	run.label = "populate";
	sim_catalog_init(&c);
	for (i = 2; i < argc; i++) {
		struct { const char *name; uint64_t *v, min, max; int bit; }
		    u[] = {
			{ "--files", &p.files, 1, 10000000, 1 },
			{ "--tapes", &p.tapes, 1, 100000, 2 },
			{ "--libraries", &p.libs, 1, 100, 4 },
			{ "--drives", &p.drives, 1, 1000, 8 },
			{ "--seed", &p.seed, 0, UINT64_MAX, 16 },
		};
		struct { const char *name; double *v; } d[] = {
			{ "--mount-s", &c.params.mount_s },
			{ "--unmount-s", &c.params.unmount_s },
			{ "--seek-s-per-gb", &c.params.seek_s_per_gb },
			{ "--read-mb-s", &c.params.read_mb_s },
			{ "--speed", &c.speed },
		};
		size_t k;
		int done = 0;

		for (k = 0; k < SIM_NITEMS(u) && !done; k++)
			if ((v = opt(argc, argv, &i, u[k].name)) != NULL) {
				if (sim_parse_u64(v, u[k].min, u[k].max,
				    u[k].v) == -1) {
					warnmsg("%s: bad number %s",
					    u[k].name, v);
					goto out;
				}
				have |= u[k].bit;
				done = 1;
			}
		for (k = 0; k < SIM_NITEMS(d) && !done; k++)
			if ((v = opt(argc, argv, &i, d[k].name)) != NULL) {
				if (sim_parse_double(v, 0, 1e9, d[k].v) == -1 ||
				    (d[k].v == &c.params.read_mb_s &&
				    *d[k].v == 0)) {
					warnmsg("%s: bad number %s",
					    d[k].name, v);
					goto out;
				}
				done = 1;
			}
		if (done)
			continue;
		if ((v = opt(argc, argv, &i, "--size-min")) != NULL) {
			if (parse_bytes(v, &p.smin) == -1)
				goto bad;
			have |= 32;
		} else if ((v = opt(argc, argv, &i, "--size-max")) != NULL) {
			if (parse_bytes(v, &p.smax) == -1)
				goto bad;
			have |= 64;
		} else if ((v = opt(argc, argv, &i, "--dir")) != NULL) {
			p.dir = v;
			have |= 128;
		} else if ((v = opt(argc, argv, &i, "--state")) != NULL) {
			if (strlen(v) != 1 || v[0] < 'A' || v[0] > 'Z')
				goto bad;
			p.state = v[0];
		} else if (strcmp(argv[i], "--force") == 0)
			p.force = 1;
		else
			goto bad;
	}
	if (have != 255 || p.smin > p.smax || p.libs > p.tapes) {
		warnmsg("populate needs every option, size-min <= size-max "
		    "and at least one tape per library");
		goto bad;
	}
	if (!p.force && stat(run.catalogue, &st) == 0) {
		warnmsg("%s exists (use --force)", run.catalogue);
		goto out;
	}
	if (mkdir(p.dir, 0755) == -1 && errno != EEXIST) {
		warnmsg("%s: %s", p.dir, strerror(errno));
		goto out;
	}

	if (populate_catalog(&c, &p) == -1) {
		warnmsg("cannot build the catalogue (memory or path length)");
		goto out;
	}
	if (populate_stubs(&c) == -1)
		goto out;
	if ((fd = sim_catalog_lock(run.catalogue, err, sizeof(err))) == -1 ||
	    sim_catalog_save(&c, run.catalogue, err, sizeof(err)) == -1) {
		warnmsg("%s", err);
		sim_catalog_unlock(fd);
		goto out;
	}
	sim_catalog_unlock(fd);
	printf("populated %zu files on %zu tapes in %zu libraries\n",
	    c.nfiles, c.ntapes, c.nlibs);
	rc = 0;
	goto out;
bad:
	warnmsg("populate: bad or missing option near \"%s\"",
	    i < argc ? argv[i] : "");
	rc = EX_USAGE;
out:
	sim_catalog_free(&c);
	return rc;
}

static int
cmd_fault(int argc, char **argv)
{
	struct sim_catalog c;
	const char *cmd = "any", *msgid = NULL, *v;
	uint64_t count = 0;
	size_t j, k;
	int fd, kind, i, rc = 0;

	run.label = "fault";
	if (argc < 3)
		return usage();
	if ((fd = cat_open(&c)) == -1)
		return EX_FAIL;

	if (strcmp(argv[2], "list") == 0 && argc == 3) {
		for (j = 0; j < c.nfaults; j++)
			printf("%s\t%s\t%s\t%" PRIu64 "\t%s\n",
			    sim_fault_kind_name(c.faults[j].kind),
			    c.faults[j].msgid, c.faults[j].cmd,
			    c.faults[j].count, c.faults[j].target);
		cat_close(&c, fd, 0);
		return 0;
	}
	if (strcmp(argv[2], "clear") == 0 && argc <= 4) {
		for (j = k = 0; j < c.nfaults; j++) {
			if (argc == 3 ||
			    strcmp(c.faults[j].target, argv[3]) == 0) {
				free(c.faults[j].target);
				continue;
			}
			c.faults[k++] = c.faults[j];
		}
		c.nfaults = k;
		return cat_close(&c, fd, 1) == -1 ? EX_FAIL : 0;
	}

	if (argc < 4 || (kind = sim_fault_kind_parse(argv[3])) == -1)
		goto bad;
	for (i = 4; i < argc; i++) {
		if ((v = opt(argc, argv, &i, "--cmd")) != NULL)
			cmd = v;
		else if ((v = opt(argc, argv, &i, "--count")) != NULL) {
			if (sim_parse_u64(v, 0, UINT32_MAX, &count) == -1)
				goto bad;
		} else if (argv[i][0] != '-' && msgid == NULL &&
		    kind == SIM_FAULT_FAIL)
			msgid = argv[i];
		else
			goto bad;
	}
	if ((kind == SIM_FAULT_FAIL || kind == SIM_FAULT_BUSY) ==
	    (strcmp(argv[2], "-") == 0))
		goto bad;	/* file faults need a path, run faults "-" */
	if (strcmp(cmd, "any") != 0 && strcmp(cmd, "recall") != 0 &&
	    strcmp(cmd, "file") != 0 && strcmp(cmd, "task") != 0 &&
	    strcmp(cmd, "node") != 0)
		goto bad;
	if (msgid == NULL)
		msgid = kind == SIM_FAULT_BUSY ? MSG_BUSY : "GLESL999E";
	if (sim_catalog_add_fault(&c, (enum sim_fault_kind)kind, msgid, cmd,
	    count, argv[2]) == -1) {
		warnmsg("bad fault (message id, path)");
		cat_close(&c, fd, 0);
		return EX_USAGE;
	}
	return cat_close(&c, fd, 1) == -1 ? EX_FAIL : rc;
bad:
	cat_close(&c, fd, 0);
	return usage();
}

static int
cmd_set(int argc, char **argv)
{
	struct sim_catalog c;
	struct { const char *name; double *v; } d[] = {
		{ "mount_s", &c.params.mount_s },
		{ "unmount_s", &c.params.unmount_s },
		{ "seek_s_per_gb", &c.params.seek_s_per_gb },
		{ "read_mb_s", &c.params.read_mb_s },
		{ "speed", &c.speed },
	};
	uint64_t drives;
	size_t k, lib;
	int fd;

	run.label = "set";
	if (argc < 4)
		return usage();
	if ((fd = cat_open(&c)) == -1)
		return EX_FAIL;
	if (strcmp(argv[2], "drives") == 0 && argc == 5) {
		if ((lib = sim_catalog_find_library(&c, argv[3])) == SIM_NONE ||
		    sim_parse_u64(argv[4], 1, 1000, &drives) == -1)
			goto bad;
		c.libs[lib].drives = (unsigned)drives;
		return cat_close(&c, fd, 1) == -1 ? EX_FAIL : 0;
	}
	for (k = 0; k < SIM_NITEMS(d) && argc == 4; k++)
		if (strcmp(argv[2], d[k].name) == 0) {
			if (sim_parse_double(argv[3], 0, 1e9, d[k].v) == -1 ||
			    (d[k].v == &c.params.read_mb_s && *d[k].v == 0))
				goto bad;
			return cat_close(&c, fd, 1) == -1 ? EX_FAIL : 0;
		}
bad:
	cat_close(&c, fd, 0);
	return usage();
}

static int
cmd_set_state(int argc, char **argv)
{
	struct sim_catalog c;
	size_t f;
	int fd, i, rc = 0;

	run.label = "set_state";
	if (argc < 4 || strlen(argv[2]) != 1 || argv[2][0] < 'A' ||
	    argv[2][0] > 'Z')
		return usage();
	if ((fd = cat_open(&c)) == -1)
		return EX_FAIL;
	for (i = 3; i < argc; i++) {
		if ((f = sim_catalog_find(&c, argv[i])) == SIM_NONE) {
			warnmsg("%s: not in the catalogue", argv[i]);
			rc = EX_FAIL;
		} else
			c.files[f].state = argv[2][0];
	}
	return cat_close(&c, fd, 1) == -1 ? EX_FAIL : rc;
}

/* Puts every file back in STATE and zeroes counters, clock and tasks. */
static int
cmd_reset(int argc, char **argv)
{
	struct sim_catalog c;
	const char *v;
	char state = 'M';
	size_t j;
	int fd, i;

	run.label = "reset";
	for (i = 2; i < argc; i++) {
		if ((v = opt(argc, argv, &i, "--state")) != NULL &&
		    strlen(v) == 1 && v[0] >= 'A' && v[0] <= 'Z')
			state = v[0];
		else
			return usage();
	}
	if ((fd = cat_open(&c)) == -1)
		return EX_FAIL;
	for (j = 0; j < c.nfiles; j++) {
		c.files[j].state = state;
		c.files[j].recalled = 0;
		c.files[j].busy_pid = 0;
	}
	for (j = 0; j < c.nlibs; j++) {
		c.libs[j].busy_s = 0;
		c.libs[j].mounts = 0;
	}
	for (j = 0; j < c.nrows; j++)
		free(c.rows[j].path);
	c.nrows = 0;
	memset(c.stats, 0, sizeof(c.stats));
	c.clock_s = 0;
	return cat_close(&c, fd, 1) == -1 ? EX_FAIL : 0;
}

static int
cmd_report(int argc, char **argv)
{
	struct sim_catalog c;
	struct sim_plan lim;
	uint64_t runs = 0, distinct = 0, states[3] = { 0, 0, 0 };
	size_t j;
	int fd, kv = 0;

	run.label = "report";
	if (argc == 3 && strcmp(argv[2], "--format=kv") == 0)
		kv = 1;
	else if (argc != 2 && !(argc == 3 &&
	    strcmp(argv[2], "--format=text") == 0))
		return usage();
	if ((fd = cat_open(&c)) == -1)
		return EX_FAIL;
	if (sim_plan_limit(&c, &lim) == -1) {
		cat_close(&c, fd, 0);
		return EX_FAIL;
	}
	for (j = SIM_STAT_RUNS_FILE_STATE; j <= SIM_STAT_RUNS_TASK_SHOW; j++)
		runs += c.stats[j];
	for (j = 0; j < c.nfiles; j++) {
		distinct += c.files[j].recalled;
		states[0] += c.files[j].state == 'R';
		states[1] += c.files[j].state == 'P';
		states[2] += c.files[j].state == 'M';
	}

	if (kv) {
		printf("files=%zu\nresident=%" PRIu64 "\npremigrated=%" PRIu64
		    "\nmigrated=%" PRIu64 "\nruns=%" PRIu64 "\n", c.nfiles,
		    states[0], states[1], states[2], runs);
		for (j = 0; j < SIM_STAT_MAX; j++)
			printf("%s=%" PRIu64 "\n", sim_stat_names[j],
			    c.stats[j]);
		printf("files_recalled=%" PRIu64 "\ntape_s=%.3f\n"
		    "limit_s=%.3f\nlimit_mounts=%" PRIu64 "\nratio=%.4f\n",
		    distinct, c.clock_s, lim.total_s, lim.mounts,
		    lim.total_s > 0 ? c.clock_s / lim.total_s : 0);
		for (j = 0; j < c.nlibs; j++)
			printf("lib.%s.drives=%u\nlib.%s.tape_s=%.3f\n"
			    "lib.%s.mounts=%" PRIu64 "\nlib.%s.limit_s=%.3f\n"
			    "lib.%s.limit_mounts=%" PRIu64 "\n",
			    c.libs[j].name, c.libs[j].drives, c.libs[j].name,
			    c.libs[j].busy_s, c.libs[j].name,
			    c.libs[j].mounts, c.libs[j].name, lim.lib_s[j],
			    c.libs[j].name, lim.lib_mounts[j]);
	} else {
		printf("files: %zu (%" PRIu64 " R, %" PRIu64 " P, %" PRIu64
		    " M)\n", c.nfiles, states[0], states[1], states[2]);
		printf("runs: %" PRIu64 " (file state %" PRIu64 ", recall %"
		    PRIu64 ", task show %" PRIu64 ")\n", runs,
		    c.stats[SIM_STAT_RUNS_FILE_STATE],
		    c.stats[SIM_STAT_RUNS_RECALL],
		    c.stats[SIM_STAT_RUNS_TASK_SHOW]);
		printf("files recalled: %" PRIu64 " (%" PRIu64 " reads, %"
		    PRIu64 " failed rows)\n", distinct,
		    c.stats[SIM_STAT_FILES_READ],
		    c.stats[SIM_STAT_FILES_FAILED]);
		printf("tape mounts: %" PRIu64 " (limit %" PRIu64 ")\n",
		    c.stats[SIM_STAT_MOUNTS], lim.mounts);
		printf("tape time: %.1f s (limit %.1f s, ratio %.3f)\n",
		    c.clock_s, lim.total_s,
		    lim.total_s > 0 ? c.clock_s / lim.total_s : 0);
		for (j = 0; j < c.nlibs; j++)
			printf("  %s: %u drives, %.1f s, %" PRIu64 " mounts;"
			    " limit %.1f s, %" PRIu64 " mounts\n",
			    c.libs[j].name, c.libs[j].drives,
			    c.libs[j].busy_s, c.libs[j].mounts, lim.lib_s[j],
			    lim.lib_mounts[j]);
	}
	sim_plan_free(&lim);
	cat_close(&c, fd, 0);
	return 0;
}

int
main(int argc, char **argv)
{
	char status[16];
	int rc;

	run.argc = argc;
	run.argv = argv;
	run.catalogue = getenv("EEADM_SIM_CATALOGUE");
	if (argc < 2)
		return usage();
	if (run.catalogue == NULL || run.catalogue[0] == '\0') {
		warnmsg("EEADM_SIM_CATALOGUE is not set");
		return EX_USAGE;
	}

	if (strcmp(argv[1], "file") == 0 && argc >= 3 &&
	    strcmp(argv[2], "state") == 0)
		rc = cmd_file_state(argc, argv);
	else if (strcmp(argv[1], "recall") == 0)
		rc = cmd_recall(argc, argv);
	else if (strcmp(argv[1], "task") == 0)
		rc = cmd_task_show(argc, argv);
	else if (strcmp(argv[1], "node") == 0)
		rc = cmd_node_list(argc, argv);
	else if (strcmp(argv[1], "populate") == 0)
		rc = cmd_populate(argc, argv);
	else if (strcmp(argv[1], "fault") == 0)
		rc = cmd_fault(argc, argv);
	else if (strcmp(argv[1], "set") == 0)
		rc = cmd_set(argc, argv);
	else if (strcmp(argv[1], "set-state") == 0)
		rc = cmd_set_state(argc, argv);
	else if (strcmp(argv[1], "reset") == 0)
		rc = cmd_reset(argc, argv);
	else if (strcmp(argv[1], "report") == 0)
		rc = cmd_report(argc, argv);
	else
		rc = usage();

	snprintf(status, sizeof(status), "%d", rc);
	log_run(status);
	return rc;
}
