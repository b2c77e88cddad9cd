/*
 * eeadm: see eeadm.h.
 *
 * Running: eeadm_run() spawns the program with posix_spawn(3) (no shell)
 * in a process group of its own, stdin on /dev/null and stdout/stderr on
 * two pipes.  Every descriptor this file opens is close-on-exec from the
 * start (pipe2, O_CLOEXEC), so a spawn in another thread never inherits
 * our pipe ends; the spawn's dup2 actions clear the flag on 0, 1 and 2
 * only.  One poll(2) loop reads both pipes until both reach EOF, the
 * deadline passes, or the child has exited while something it started
 * still holds a pipe.  In the last two cases the whole group is killed
 * with SIGKILL.  The child is noticed with waitid(WNOWAIT), which leaves
 * it a zombie, so its pid (the group id) cannot be reused before the
 * kill; it is reaped last, so no zombie is ever left behind.  No locks,
 * no globals: any number of threads may run commands at once.
 *
 * Parsing: pure functions over the captured bytes, no allocation except
 * for the task rows.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eeadm.h"
#include "log.h"
#include "metrics.h"

#define EEADM_READ_CHUNK	65536
#define EEADM_POLL_MS		250	/* longest sleep between checks */
#define EEADM_LINGER_MS		1000	/* wait for pipes after the exit */

int
eeadm_init(struct eeadm *e, const char *cmdline, size_t max_output,
    char *err, size_t errlen)
{
	const char *p = cmdline, *w;
	size_t n;

	memset(e, 0, sizeof(*e));
	e->max_output = max_output;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		for (w = p; *p != '\0' && *p != ' ' && *p != '\t'; p++)
			continue;
		n = (size_t)(p - w);

		/* Leave argv[argc] NULL, so argv is a vector of its own. */
		if (e->argc == EEADM_MAX_ARGV - 1) {
			snprintf(err, errlen, "eeadm command has more than %d "
			    "words", EEADM_MAX_ARGV - 1);
			goto fail;
		}
		if ((e->argv[e->argc] = strndup(w, n)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		e->argc++;
	}

	if (e->argc == 0) {
		snprintf(err, errlen, "eeadm command is empty");
		goto fail;
	}
	if (e->argv[0][0] != '/') {
		snprintf(err, errlen, "eeadm command must start with an "
		    "absolute path, not \"%s\"", e->argv[0]);
		goto fail;
	}
	return 0;

fail:
	eeadm_free(e);
	return -1;
}

void
eeadm_free(struct eeadm *e)
{
	size_t i;

	for (i = 0; i < e->argc; i++)
		free(e->argv[i]);
	memset(e->argv, 0, sizeof(e->argv));
	e->argc = 0;
}

void
eeadm_result_free(struct eeadm_result *r)
{
	buf_free(&r->out);
	buf_free(&r->err);
}

/*
 * Moves *FD above the standard descriptors (keeping close-on-exec), so
 * the spawn's dup2 onto 0, 1 or 2 never meets an fd equal to its
 * target, where close-on-exec would not be cleared on older C libraries.
 */
static int
eeadm_fd_above_stdio(int *fd)
{
	int nfd;

	if (*fd > 2)
		return 0;
	if ((nfd = fcntl(*fd, F_DUPFD_CLOEXEC, 3)) == -1)
		return -1;
	close(*fd);
	*fd = nfd;
	return 0;
}

/* Opens /dev/null and the two pipes, all close-on-exec.  0 or -1. */
static int
eeadm_open_fds(int *null, int outp[2], int errp[2])
{
	int i;

	if ((*null = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1 ||
	    pipe2(outp, O_CLOEXEC) == -1 || pipe2(errp, O_CLOEXEC) == -1)
		return -1;
	if (eeadm_fd_above_stdio(null) == -1)
		return -1;
	for (i = 0; i < 2; i++)
		if (eeadm_fd_above_stdio(&outp[i]) == -1 ||
		    eeadm_fd_above_stdio(&errp[i]) == -1)
			return -1;
	return 0;
}

/*
 * Starts ARGV with stdin on NULLFD and stdout/stderr on OUTW/ERRW, in a
 * new process group, with the signals a daemon may ignore or block put
 * back to their defaults.  Returns the pid, or -1 (logged).
 */
static pid_t
eeadm_spawn(char *const argv[], int nullfd, int outw, int errw)
{
	static const int sigs[] = { SIGPIPE, SIGHUP, SIGINT, SIGQUIT,
	    SIGTERM, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	extern char **environ;
	sigset_t none, dfl;
	pid_t pid = -1;
	size_t i;
	int rc;

	sigemptyset(&none);
	sigemptyset(&dfl);
	for (i = 0; i < nitems(sigs); i++)
		sigaddset(&dfl, sigs[i]);

	if ((rc = posix_spawn_file_actions_init(&fa)) != 0) {
		log_warnc(rc, "%s: posix_spawn_file_actions_init", __func__);
		return -1;
	}
	if ((rc = posix_spawnattr_init(&at)) != 0) {
		log_warnc(rc, "%s: posix_spawnattr_init", __func__);
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}

	if ((rc = posix_spawn_file_actions_adddup2(&fa, nullfd, 0)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, outw, 1)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, errw, 2)) != 0 ||
	    (rc = posix_spawnattr_setpgroup(&at, 0)) != 0 ||
	    (rc = posix_spawnattr_setsigmask(&at, &none)) != 0 ||
	    (rc = posix_spawnattr_setsigdefault(&at, &dfl)) != 0 ||
	    (rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) != 0) {
		log_warnc(rc, "%s: spawn attributes", __func__);
		goto out;
	}
	if ((rc = posix_spawn(&pid, argv[0], &fa, &at, argv, environ)) != 0) {
		log_warnc(rc, "%s: cannot run %s", __func__, argv[0]);
		pid = -1;
	}

out:
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return pid;
}

/*
 * Reads what is ready on *FD into B, keeping at most MAX bytes and
 * dropping the rest (setting *TRUNCATED).  Closes *FD (sets it to -1) at
 * EOF or on a read error.
 */
static void
eeadm_drain(int *fd, struct buf *b, size_t max, int *truncated)
{
	char chunk[EEADM_READ_CHUNK];
	size_t keep;
	ssize_t n;

	n = read(*fd, chunk, sizeof(chunk));
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (n == -1)
			log_warn("%s: read from eeadm", __func__);
		close(*fd);
		*fd = -1;
		return;
	}

	keep = b->len < max ? max - b->len : 0;
	if (keep > (size_t)n)
		keep = (size_t)n;
	if (keep < (size_t)n)
		*truncated = 1;
	if (keep > 0 && buf_append(b, chunk, keep) == -1) {
		log_warn("%s: keeping eeadm output", __func__);
		*truncated = 1;
	}
}

/* 1 once PID has exited; it stays a zombie (not reaped). */
static int
eeadm_has_exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == -1)
		return errno != EINTR;
	return si.si_pid == pid;
}

/*
 * Reads stdout (FDS[0]) and stderr (FDS[1]) of PID into R until both
 * close, DEADLINE passes (R->timed_out), or PID has exited and the pipes
 * stay open longer than EEADM_LINGER_MS.  Returns 1 when the group must
 * be killed, else 0.  Closes every fd it was given.
 */
static int
eeadm_collect(pid_t pid, int fds[2], int64_t deadline, size_t max,
    struct eeadm_result *r)
{
	struct pollfd pfd[2];
	struct buf *bufs[2] = { &r->out, &r->err };
	int64_t now, wait, exit_ms = -1;
	int i, kill_group = 0;

	while (fds[0] != -1 || fds[1] != -1) {
		now = util_now_ms();
		if (now >= deadline) {
			r->timed_out = 1;
			kill_group = 1;
			break;
		}
		if (exit_ms == -1 && eeadm_has_exited(pid))
			exit_ms = now;
		if (exit_ms != -1 && now - exit_ms >= EEADM_LINGER_MS) {
			kill_group = 1;
			break;
		}

		wait = deadline - now;
		if (wait > EEADM_POLL_MS)
			wait = EEADM_POLL_MS;
		for (i = 0; i < 2; i++) {
			pfd[i].fd = fds[i];	/* -1 is skipped by poll */
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		if (poll(pfd, 2, (int)wait) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("%s: poll", __func__);
			kill_group = 1;
			break;
		}
		for (i = 0; i < 2; i++)
			if (fds[i] != -1 && pfd[i].revents != 0)
				eeadm_drain(&fds[i], bufs[i], max,
				    &r->truncated);
	}

	for (i = 0; i < 2; i++)
		if (fds[i] != -1)
			close(fds[i]);
	return kill_group;
}

/*
 * Reaps PID (blocking), filling R's exit fields.
 * XXX: a child stuck in uninterruptible sleep (tape I/O) survives SIGKILL
 * until the kernel lets go, and this call waits that long.
 */
static void
eeadm_reap(pid_t pid, struct eeadm_result *r)
{
	int st;

	while (waitpid(pid, &st, 0) == -1) {
		if (errno != EINTR) {
			log_warn("%s: waitpid %ld", __func__, (long)pid);
			return;
		}
	}
	if (WIFEXITED(st)) {
		r->exited = 1;
		r->status = WEXITSTATUS(st);
	} else if (WIFSIGNALED(st))
		r->status = WTERMSIG(st);
}

int
eeadm_run(const struct eeadm *e, const char *const args[], size_t nargs,
    int64_t timeout_ms, struct eeadm_result *r)
{
	int64_t start = util_now_ms();
	int nullfd = -1, outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int fds[2];
	char **argv = NULL;
	pid_t pid = -1;
	size_t i;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	buf_init(&r->out);
	buf_init(&r->err);

	/* The vector is built fresh: the prefix, then ARGS, then NULL. */
	if ((argv = calloc(e->argc + nargs + 1, sizeof(*argv))) == NULL) {
		log_warn("%s: calloc", __func__);
		goto out;
	}
	for (i = 0; i < e->argc; i++)
		argv[i] = e->argv[i];
	for (i = 0; i < nargs; i++)
		argv[e->argc + i] = (char *)(uintptr_t)args[i];

	if (eeadm_open_fds(&nullfd, outp, errp) == -1) {
		log_warn("%s: pipes for eeadm", __func__);
		goto out;
	}
	if ((pid = eeadm_spawn(argv, nullfd, outp[1], errp[1])) == -1)
		goto out;

	/* Only the child may hold the write ends, or EOF never comes. */
	close(outp[1]);
	close(errp[1]);
	close(nullfd);
	outp[1] = errp[1] = nullfd = -1;
	fds[0] = outp[0];
	fds[1] = errp[0];
	outp[0] = errp[0] = -1;

	if (eeadm_collect(pid, fds, start + timeout_ms, e->max_output, r)) {
		if (r->timed_out)
			log_warnx("%s: %s timed out after %lld ms, killed",
			    __func__, argv[0], (long long)timeout_ms);
		if (kill(-pid, SIGKILL) == -1 && errno != ESRCH)
			log_warn("%s: kill group %ld", __func__, (long)pid);
	}
	eeadm_reap(pid, r);
	rc = 0;

out:
	if (nullfd != -1)
		close(nullfd);
	for (i = 0; i < 2; i++) {
		if (outp[i] != -1)
			close(outp[i]);
		if (errp[i] != -1)
			close(errp[i]);
	}
	free(argv);
	r->elapsed_ms = util_now_ms() - start;
	metrics_eeadm(args, nargs, rc, r);
	return rc;
}

/* ---- Parsers ---- */

/* Steps over a run of spaces (and tabs) at S[*I..LEN); their count. */
static size_t
eeadm_blanks(const char *s, size_t len, size_t *i)
{
	size_t from = *i;

	while (*i < len && (s[*i] == ' ' || s[*i] == '\t'))
		(*i)++;
	return *i - from;
}

/* Takes the word at S[*I..LEN) into *W and *WLEN; 0, or -1 if none. */
static int
eeadm_word(const char *s, size_t len, size_t *i, const char **w,
    size_t *wlen)
{
	size_t from = *i;

	while (*i < len && s[*i] != ' ' && s[*i] != '\t')
		(*i)++;
	*w = s + from;
	*wlen = *i - from;
	return *wlen > 0 ? 0 : -1;
}

int
eeadm_parse_state_line(const char *line, size_t len,
    struct eeadm_file_state *st)
{
	struct eeadm_file_state s;
	const char *w;
	size_t i = 0, wl, k;
	unsigned v = 0;

	memset(&s, 0, sizeof(s));
	eeadm_blanks(line, len, &i);

	/* The state: one letter. */
	if (eeadm_word(line, len, &i, &w, &wl) == -1 || wl != 1 ||
	    !((w[0] >= 'A' && w[0] <= 'Z') || (w[0] >= 'a' && w[0] <= 'z')))
		return -1;
	s.state = w[0];

	/* The replica count: digits. */
	if (eeadm_blanks(line, len, &i) == 0 ||
	    eeadm_word(line, len, &i, &w, &wl) == -1 || wl > 9)
		return -1;
	for (k = 0; k < wl; k++) {
		if (w[k] < '0' || w[k] > '9')
			return -1;
		v = v * 10 + (unsigned)(w[k] - '0');
	}
	s.replicas = v;

	/* Three tapes, "-" for none. */
	for (k = 0; k < 3; k++) {
		if (eeadm_blanks(line, len, &i) == 0 ||
		    eeadm_word(line, len, &i, &w, &wl) == -1 ||
		    wl >= sizeof(s.tapes[k]))
			return -1;
		if (wl == 2 && w[0] == '-' && w[1] == '-')
			return -1;
		if (!(wl == 1 && w[0] == '-'))
			memcpy(s.tapes[k], w, wl);
	}

	/* "--", one space, then the path: the rest of the line. */
	if (eeadm_blanks(line, len, &i) == 0 || len - i < 4 ||
	    line[i] != '-' || line[i + 1] != '-' || line[i + 2] != ' ')
		return -1;
	s.path = line + i + 3;
	s.path_len = len - i - 3;
	*st = s;
	return 0;
}

/* 1 if the line L (LEN bytes) ends with " PATH". */
static int
eeadm_ends_with_path(const char *l, size_t len, const char *path,
    size_t plen)
{
	return len > plen && l[len - plen - 1] == ' ' &&
	    memcmp(l + len - plen, path, plen) == 0;
}

int
eeadm_find_state(const char *out, size_t len, const char *path,
    struct eeadm_file_state *st)
{
	struct eeadm_file_state s;
	size_t plen = strlen(path), ll;
	const char *l = out, *end = out + len, *nl;

	for (; l < end; l = nl + 1) {
		if ((nl = memchr(l, '\n', (size_t)(end - l))) == NULL)
			nl = end;
		ll = (size_t)(nl - l);

		if (eeadm_parse_state_line(l, ll, &s) == -1) {
			if (eeadm_ends_with_path(l, ll, path, plen))
				return -1;
			continue;
		}
		if (s.path_len == plen && memcmp(s.path, path, plen) == 0) {
			*st = s;
			return 0;
		}

		/* A CRLF line: the path without its CR. */
		if (s.path_len == plen + 1 && s.path[plen] == '\r' &&
		    memcmp(s.path, path, plen) == 0) {
			s.path_len = plen;
			*st = s;
			return 0;
		}
	}
	return 1;
}

/* Finds NEEDLE (lower case) in S[0..LEN), ignoring ASCII case. */
static const char *
eeadm_find_nocase(const char *s, size_t len, const char *needle)
{
	size_t nl = strlen(needle), i, k;
	char c;

	for (i = 0; i + nl <= len; i++) {
		for (k = 0; k < nl; k++) {
			c = s[i + k];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (c != needle[k])
				break;
		}
		if (k == nl)
			return s + i;
	}
	return NULL;
}

int
eeadm_says_not_found(const char *out, size_t len)
{
	/*
	 * XXX: the exact wording eeadm uses for a missing file is unknown;
	 * these phrases are a guess and may need the real message id.
	 */
	static const char *const says[] = { "does not exist",
	    "no such file", "not found" };
	struct eeadm_file_state st;
	const char *l = out, *end = out + len, *nl;
	size_t ll, k;

	for (; l < end; l = nl + 1) {
		if ((nl = memchr(l, '\n', (size_t)(end - l))) == NULL)
			nl = end;
		ll = (size_t)(nl - l);

		/*
		 * A state line (its path may say anything) is not it, nor is
		 * sudo saying the program itself is missing.
		 */
		if (eeadm_parse_state_line(l, ll, &st) == 0 ||
		    eeadm_find_nocase(l, ll, "command not found") != NULL)
			continue;
		for (k = 0; k < nitems(says); k++)
			if (eeadm_find_nocase(l, ll, says[k]) != NULL)
				return 1;
	}
	return 0;
}

int
eeadm_parse_task_id(const char *out, size_t len, uint64_t *id)
{
	static const char key[] = "task id is ";
	const char *p = out, *end = out + len;
	uint64_t v;
	int d;

	while ((p = eeadm_find_nocase(p, (size_t)(end - p), key)) != NULL) {
		p += sizeof(key) - 1;
		for (v = 0, d = 0; p < end && *p >= '0' && *p <= '9'; p++) {
			if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
				return -1;
			v = v * 10 + (uint64_t)(*p - '0');
			d++;
		}
		if (d > 0) {
			*id = v;
			return 0;
		}
	}
	return -1;
}

/* 1 if W (WL bytes) looks like a message id such as GLESM431E. */
static int
eeadm_is_msgid(const char *w, size_t wl)
{
	size_t k, digits = 0;

	if (wl < 2 || wl >= sizeof(((struct eeadm_task_row *)0)->msgid) ||
	    w[0] < 'A' || w[0] > 'Z')
		return 0;
	for (k = 0; k < wl; k++) {
		if (w[k] >= '0' && w[k] <= '9')
			digits++;
		else if (w[k] < 'A' || w[k] > 'Z')
			return 0;
	}
	return digits > 0;
}

/*
 * Parses one row "RESULT [MSGID] ... -- PATH" into *ROW (path malloc'd).
 * Returns 1 (a row), 0 (not a row), -1 (no memory).
 */
static int
eeadm_task_row(const char *l, size_t ll, struct eeadm_task_row *row)
{
	const char *w, *sep;
	size_t i = 0, wl, rest;

	memset(row, 0, sizeof(*row));
	eeadm_blanks(l, ll, &i);
	if (eeadm_word(l, ll, &i, &w, &wl) == -1)
		return 0;
	if (wl == 7 && eeadm_find_nocase(w, wl, "success") == w)
		row->success = 1;
	else if (!(wl == 4 && eeadm_find_nocase(w, wl, "fail") == w) &&
	    !(wl == 6 && eeadm_find_nocase(w, wl, "failed") == w))
		return 0;

	/* The path follows the first " -- " after the result. */
	for (sep = NULL; i + 4 <= ll; i++)
		if (memcmp(l + i, " -- ", 4) == 0) {
			sep = l + i;
			break;
		}
	if (sep == NULL || (rest = ll - (size_t)(sep + 4 - l)) == 0)
		return 0;

	/* No path holds a NUL: such a line is garbage, not a row. */
	if (memchr(sep + 4, '\0', rest) != NULL)
		return 0;

	i = (size_t)(w + wl - l);
	eeadm_blanks(l, ll, &i);
	if (l + i < sep && eeadm_word(l, ll, &i, &w, &wl) == 0 &&
	    w + wl <= sep && eeadm_is_msgid(w, wl))
		memcpy(row->msgid, w, wl);

	if ((row->path = strndup(sep + 4, rest)) == NULL)
		return -1;
	return 1;
}

int
eeadm_parse_task_show(const char *out, size_t len,
    struct eeadm_task_row **rows, size_t *nrows)
{
	struct eeadm_task_row *v = NULL, *nv, row;
	size_t n = 0, cap = 0;
	const char *l = out, *end = out + len, *nl;
	int r;

	for (; l < end; l = nl + 1) {
		if ((nl = memchr(l, '\n', (size_t)(end - l))) == NULL)
			nl = end;
		if ((r = eeadm_task_row(l, (size_t)(nl - l), &row)) == 0)
			continue;
		if (r == -1)
			goto fail;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				free(row.path);
				goto fail;
			}
			v = nv;
		}
		v[n++] = row;
	}
	*rows = v;
	*nrows = n;
	return 0;

fail:
	log_warn("%s: out of memory", __func__);
	eeadm_task_rows_free(v, n);
	*rows = NULL;
	*nrows = 0;
	return -1;
}

void
eeadm_task_rows_free(struct eeadm_task_row *rows, size_t nrows)
{
	size_t i;

	for (i = 0; i < nrows; i++)
		free(rows[i].path);
	free(rows);
}
