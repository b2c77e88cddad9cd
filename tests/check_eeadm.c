/*
 * Tests of eeadm.c: the output parsers over real and malformed lines,
 * and eeadm_run() against small shell scripts written to a temporary
 * directory (a test may run a shell; the product never does): argv
 * passed byte for byte, exit status and stderr, timeouts, truncation,
 * and a grandchild that keeps the pipes open.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eeadm.h"

#define S(s)	s, sizeof(s) - 1

static const char real1[] = "P  2  JD0099JD@POOL_JD@ts4500  "
    "MB0355JE@POOL_JE@ts4500  -   -- /gpfs/gpfs0/sample_file";
static const char real2[] = "M  1  MB0355JE@POOL_JE@ts4500  -"
    "                        -   -- /gpfs/gpfs0/sample_file2";

static const struct {
	const char	*line;
	size_t		 len;
	int		 ok;
	char		 state;
	unsigned	 replicas;
	const char	*tapes[3];
	const char	*path;
} lines[] = {
	{ S(real1), 1, 'P', 2, { "JD0099JD@POOL_JD@ts4500",
	    "MB0355JE@POOL_JE@ts4500", "" }, "/gpfs/gpfs0/sample_file" },
	{ S(real2), 1, 'M', 1, { "MB0355JE@POOL_JE@ts4500", "", "" },
	    "/gpfs/gpfs0/sample_file2" },
	{ S("R  0  -  -  -  -- /gpfs/a b -- c  "), 1, 'R', 0, { "", "", "" },
	    "/gpfs/a b -- c  " },
	{ S("M 3 A@P@L B@P@L C@P@L -- /x"), 1, 'M', 3,
	    { "A@P@L", "B@P@L", "C@P@L" }, "/x" },
	{ S("  X  12  -  -  -  --  /lead space"), 1, 'X', 12, { "", "", "" },
	    " /lead space" },
	{ S("m\t1\t-\t-\t-\t-- /tabs"), 1, 'm', 1, { "", "", "" }, "/tabs" },
	{ S("P  2  A@P@L  -  -  /gpfs/no-dashes"), 0, 0, 0, { 0 }, NULL },
	{ S("P  x  -  -  -  -- /gpfs/a"), 0, 0, 0, { 0 }, NULL },
	{ S("P  -1  -  -  -  -- /gpfs/a"), 0, 0, 0, { 0 }, NULL },
	{ S("P  2  -  -  -- /gpfs/two-tapes"), 0, 0, 0, { 0 }, NULL },
	{ S("PM  2  -  -  -  -- /gpfs/a"), 0, 0, 0, { 0 }, NULL },
	{ S("7  2  -  -  -  -- /gpfs/a"), 0, 0, 0, { 0 }, NULL },
	{ S("P  2  -  -  -  --"), 0, 0, 0, { 0 }, NULL },
	{ S("P  2  -  -  -  -- "), 0, 0, 0, { 0 }, NULL },
	{ S("P  2  -  -  -  --/gpfs/a"), 0, 0, 0, { 0 }, NULL },
	{ S("P  2  -  -  - -x /gpfs/a"), 0, 0, 0, { 0 }, NULL },
	{ S("P2  -  -  -  -- /gpfs/a"), 0, 0, 0, { 0 }, NULL },
	{ S(""), 0, 0, 0, { 0 }, NULL },
	{ S("   "), 0, 0, 0, { 0 }, NULL },
	{ S("GLESL012E: something went wrong"), 0, 0, 0, { 0 }, NULL },
	{ S("P  1234567890  -  -  -  -- /gpfs/a"), 0, 0, 0, { 0 }, NULL },
};

START_TEST(test_state_line)
{
	struct eeadm_file_state st;
	int k;

	memset(&st, 0, sizeof(st));
	ck_assert_int_eq(eeadm_parse_state_line(lines[_i].line, lines[_i].len,
	    &st), lines[_i].ok ? 0 : -1);
	if (!lines[_i].ok)
		return;
	ck_assert_int_eq(st.state, lines[_i].state);
	ck_assert_uint_eq(st.replicas, lines[_i].replicas);
	for (k = 0; k < 3; k++)
		ck_assert_str_eq(st.tapes[k], lines[_i].tapes[k]);
	ck_assert_uint_eq(st.path_len, strlen(lines[_i].path));
	ck_assert_int_eq(memcmp(st.path, lines[_i].path, st.path_len), 0);
}
END_TEST

/* A tape column too long for the struct is refused, not cut. */
START_TEST(test_state_line_long_tape)
{
	struct eeadm_file_state st;
	char line[300];
	int n;

	n = snprintf(line, sizeof(line), "P 1 %0*d - - -- /a", 96, 0);
	ck_assert_int_eq(eeadm_parse_state_line(line, (size_t)n, &st), -1);
	n = snprintf(line, sizeof(line), "P 1 %0*d - - -- /a", 95, 0);
	ck_assert_int_eq(eeadm_parse_state_line(line, (size_t)n, &st), 0);
	ck_assert_uint_eq(strlen(st.tapes[0]), 95);
}
END_TEST

static const char several[] =
    "P  1  A@P@L  -  -  -- /gpfs/a b\n"
    "M  1  B@P@L  -  -  -- /gpfs/a\n"
    "GLESL000I: some chatter\n"
    "R  0  -  -  -  -- /gpfs/a -- b\n"
    "P  2  -  -  -- /gpfs/broken\n"
    "M  1  C@P@L  -  -  -- /gpfs/crlf\r\n"
    "R  0  -  -  -  -- /gpfs/last";

static const struct {
	const char	*path;
	int		 rc;
	char		 state;
	const char	*tape0;
} finds[] = {
	{ "/gpfs/a", 0, 'M', "B@P@L" },
	{ "/gpfs/a b", 0, 'P', "A@P@L" },
	{ "/gpfs/a -- b", 0, 'R', "" },
	{ "/gpfs/last", 0, 'R', "" },
	{ "/gpfs/crlf", 0, 'M', "C@P@L" },
	{ "/gpfs/broken", -1, 0, NULL },
	{ "/gpfs", 1, 0, NULL },
	{ "/gpfs/a b c", 1, 0, NULL },
	{ "b", 1, 0, NULL },
	{ "", 1, 0, NULL },
};

START_TEST(test_find_state)
{
	struct eeadm_file_state st;

	ck_assert_int_eq(eeadm_find_state(several, sizeof(several) - 1,
	    finds[_i].path, &st), finds[_i].rc);
	if (finds[_i].rc != 0)
		return;
	ck_assert_int_eq(st.state, finds[_i].state);
	ck_assert_str_eq(st.tapes[0], finds[_i].tape0);
	ck_assert_uint_eq(st.path_len, strlen(finds[_i].path));
	ck_assert_int_eq(memcmp(st.path, finds[_i].path, st.path_len), 0);
}
END_TEST

START_TEST(test_find_state_empty)
{
	struct eeadm_file_state st;

	ck_assert_int_eq(eeadm_find_state("", 0, "/gpfs/a", &st), 1);
	ck_assert_int_eq(eeadm_find_state(S("\n\n"), "/gpfs/a", &st), 1);
}
END_TEST

static const struct {
	const char	*out;
	int		 yes;
} notfound[] = {
	{ "GLESL011E: File /gpfs/x does not exist.\n", 1 },
	{ "stat /gpfs/x: No such file or directory", 1 },
	{ "ok\nthe file /gpfs/x was NOT FOUND\n", 1 },
	{ "sudo: /opt/ibm/ltfsee/bin/eeadm: command not found\n", 0 },
	{ "P  1  -  -  -  -- /gpfs/not found\n", 0 },
	{ "GLESL700E: Task failed.\n", 0 },
	{ "", 0 },
};

START_TEST(test_not_found)
{
	ck_assert_int_eq(eeadm_says_not_found(notfound[_i].out,
	    strlen(notfound[_i].out)), notfound[_i].yes);
}
END_TEST

static const struct {
	const char	*out;
	int		 rc;
	uint64_t	 id;
} taskids[] = {
	{ "GLESL700E: Task recall was failed, task ID is 1234.\n", 0, 1234 },
	{ "a\nb task id is 7\n", 0, 7 },
	{ "task ID is 18446744073709551615", 0, UINT64_MAX },
	{ "task ID is 18446744073709551616", -1, 0 },
	{ "task ID is \ntask ID is 9", 0, 9 },
	{ "task ID is x", -1, 0 },
	{ "no task here", -1, 0 },
	{ "", -1, 0 },
};

START_TEST(test_task_id)
{
	uint64_t id = 77;

	ck_assert_int_eq(eeadm_parse_task_id(taskids[_i].out,
	    strlen(taskids[_i].out), &id), taskids[_i].rc);
	ck_assert_uint_eq(id, taskids[_i].rc == 0 ? taskids[_i].id : 77);
}
END_TEST

START_TEST(test_task_show)
{
	static const char out[] =
	    "Result    Code       Start Time           Node   File Name\n"
	    "Success   -          2024-01-02 03:04:05  node1  -- /gpfs/ok\n"
	    "Fail      GLESM431E  2024-01-02 03:04:05  node1  -- /gpfs/x y\n"
	    "Fail  GLESL588E  01/02/2024 03:04  node2  -- /gpfs/a -- b\n"
	    "Failed GLESS999W 03:04 node3 -- /gpfs/c\n"
	    "Fail      GLESM431E  2024-01-02 03:04:05  node1 /gpfs/nosep\n"
	    "Unknown   GLESM431E  2024-01-02 03:04:05  node1  -- /gpfs/u\n"
	    "\n"
	    "Success GLESR001I t n -- /gpfs/last";
	struct eeadm_task_row *rows = NULL;
	size_t n = 99;

	ck_assert_int_eq(eeadm_parse_task_show(out, sizeof(out) - 1, &rows,
	    &n), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(rows[0].success, 1);
	ck_assert_str_eq(rows[0].msgid, "");
	ck_assert_str_eq(rows[0].path, "/gpfs/ok");
	ck_assert_int_eq(rows[1].success, 0);
	ck_assert_str_eq(rows[1].msgid, "GLESM431E");
	ck_assert_str_eq(rows[1].path, "/gpfs/x y");
	ck_assert_str_eq(rows[2].msgid, "GLESL588E");
	ck_assert_str_eq(rows[2].path, "/gpfs/a -- b");
	ck_assert_int_eq(rows[3].success, 0);
	ck_assert_str_eq(rows[3].path, "/gpfs/c");
	ck_assert_int_eq(rows[4].success, 1);
	ck_assert_str_eq(rows[4].msgid, "GLESR001I");
	ck_assert_str_eq(rows[4].path, "/gpfs/last");
	eeadm_task_rows_free(rows, n);

	ck_assert_int_eq(eeadm_parse_task_show("", 0, &rows, &n), 0);
	ck_assert_uint_eq(n, 0);
	eeadm_task_rows_free(rows, n);
}
END_TEST

static const struct {
	const char	*cmd;
	int		 ok;
	size_t		 argc;
} inits[] = {
	{ "/opt/ibm/ltfsee/bin/eeadm", 1, 1 },
	{ "  /usr/bin/sudo -n\t/opt/ibm/ltfsee/bin/eeadm  ", 1, 3 },
	{ "sudo -n /opt/ibm/ltfsee/bin/eeadm", 0, 0 },
	{ "", 0, 0 },
	{ " \t ", 0, 0 },
	{ "/a 1 2 3 4 5 6 7 8 9 10 11 12 13 14", 1, 15 },
	{ "/a 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", 0, 0 },
};

START_TEST(test_init)
{
	struct eeadm e;
	char err[128] = "";

	ck_assert_int_eq(eeadm_init(&e, inits[_i].cmd, 100, err, sizeof(err)),
	    inits[_i].ok ? 0 : -1);
	if (!inits[_i].ok) {
		ck_assert_str_ne(err, "");
		return;
	}
	ck_assert_uint_eq(e.argc, inits[_i].argc);
	ck_assert_ptr_null(e.argv[e.argc]);
	ck_assert_int_eq(e.argv[0][0], '/');
	ck_assert_ptr_null(strpbrk(e.argv[e.argc - 1], " \t"));
	eeadm_free(&e);
}
END_TEST

/* ---- eeadm_run() against scripts ---- */

static char tmpdir[] = "/tmp/check_eeadm.XXXXXX";

/* Writes an executable script NAME with BODY; its path into PATH. */
static void
script(const char *name, const char *body, char *path, size_t len)
{
	FILE *f;

	ck_assert_int_lt(snprintf(path, len, "%s/%s", tmpdir, name), len);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "#!/bin/sh\n%s\n", body);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, 0755), 0);
}

/* Sets E to run script NAME (with BODY) behind PREFIX words. */
static void
fake(struct eeadm *e, const char *name, const char *body,
    const char *suffix, size_t max)
{
	char path[256], cmd[512], err[128];

	script(name, body, path, sizeof(path));
	ck_assert_int_lt(snprintf(cmd, sizeof(cmd), "%s%s", path, suffix),
	    sizeof(cmd));
	ck_assert_msg(eeadm_init(e, cmd, max, err, sizeof(err)) == 0, "%s",
	    err);
}

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	memcpy(tmpdir + sizeof(tmpdir) - 7, "XXXXXX", 6);
}

START_TEST(test_run_argv)
{
	static const char *const args[] = { "file", "state", "-s",
	    "/gpfs/a b", "it's \"q\"", "$(touch /tmp/x)", "a;b", "*", "-n",
	    "--", "", "tab\there", "\xc3\xa9", "x\ny" };
	struct eeadm e;
	struct eeadm_result r;
	struct buf want;
	size_t i;

	fake(&e, "argv", "printf '%s\\0' \"$@\"", " --prefix  two", 1 << 20);
	ck_assert_int_eq(eeadm_run(&e, args, nitems(args), 10000, &r), 0);
	ck_assert_int_eq(r.exited, 1);
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(r.timed_out, 0);
	ck_assert_int_eq(r.truncated, 0);

	buf_init(&want);
	buf_append(&want, "--prefix\0two\0", 13);
	for (i = 0; i < nitems(args); i++)
		buf_append(&want, args[i], strlen(args[i]) + 1);
	ck_assert_uint_eq(r.out.len, want.len);
	ck_assert_int_eq(memcmp(r.out.data, want.data, want.len), 0);
	ck_assert_uint_eq(r.err.len, 0);
	buf_free(&want);
	eeadm_result_free(&r);
	eeadm_free(&e);
}
END_TEST

START_TEST(test_run_status)
{
	struct eeadm e;
	struct eeadm_result r;

	fake(&e, "status", "read x && echo stdin-not-empty\n"
	    "echo out; echo err >&2; echo more out; exit 3", "", 1000);
	ck_assert_int_eq(eeadm_run(&e, NULL, 0, 10000, &r), 0);
	ck_assert_int_eq(r.exited, 1);
	ck_assert_int_eq(r.status, 3);
	ck_assert_str_eq(r.out.data, "out\nmore out\n");
	ck_assert_str_eq(r.err.data, "err\n");
	ck_assert_int_ge(r.elapsed_ms, 0);
	eeadm_result_free(&r);
	eeadm_free(&e);

	/* Killed by a signal: not exited, the signal given. */
	fake(&e, "segv", "kill -SEGV $$", "", 1000);
	ck_assert_int_eq(eeadm_run(&e, NULL, 0, 10000, &r), 0);
	ck_assert_int_eq(r.exited, 0);
	ck_assert_int_eq(r.status, SIGSEGV);
	ck_assert_int_eq(r.timed_out, 0);
	eeadm_result_free(&r);
	eeadm_free(&e);
}
END_TEST

START_TEST(test_run_missing)
{
	struct eeadm e;
	struct eeadm_result r;
	char err[128];

	ck_assert_int_eq(eeadm_init(&e, "/nonexistent/eeadm -x", 100, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(eeadm_run(&e, NULL, 0, 1000, &r), -1);
	ck_assert_int_eq(r.exited, 0);
	ck_assert_uint_eq(r.out.len, 0);
	eeadm_result_free(&r);
	eeadm_free(&e);
}
END_TEST

START_TEST(test_run_truncate)
{
	struct eeadm e;
	struct eeadm_result r;
	size_t i;

	fake(&e, "big", "i=0; while [ $i -lt 3000 ]; do "
	    "echo 0123456789012345678901234567890123456789; "
	    "echo e >&2; i=$((i + 1)); done; exit 0", "", 1000);
	ck_assert_int_eq(eeadm_run(&e, NULL, 0, 20000, &r), 0);
	ck_assert_int_eq(r.exited, 1);
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(r.truncated, 1);
	ck_assert_uint_eq(r.out.len, 1000);
	ck_assert_uint_eq(r.err.len, 1000);
	for (i = 0; i < r.out.len; i += 41)
		ck_assert_int_eq(memcmp(r.out.data + i, "0123", 4), 0);
	eeadm_result_free(&r);
	eeadm_free(&e);
}
END_TEST

/* 1 once process PID is gone or a zombie; waits up to about 5 s. */
static int
dead(long pid)
{
	char path[64], line[256], *p;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	for (i = 0; i < 100; i++) {
		if ((f = fopen(path, "r")) == NULL)
			return 1;
		p = fgets(line, sizeof(line), f);
		fclose(f);
		if (p != NULL && (p = strrchr(line, ')')) != NULL &&
		    p[1] == ' ' && p[2] == 'Z')
			return 1;
		usleep(50000);
	}
	return 0;
}

static const struct {
	const char	*body;
	int64_t		 timeout_ms;
	int		 timed_out;
} hangs[] = {
	/* Sleeps past the timeout. */
	{ "echo $$; exec sleep 60", 500, 1 },
	/* Exits, but a grandchild keeps stdout and stderr open. */
	{ "sleep 60 & echo $!; exit 0", 20000, 0 },
	/* Sleeps past the timeout with a grandchild doing the same. */
	{ "sleep 60 & echo $!; sleep 60", 500, 1 },
};

START_TEST(test_run_hang)
{
	struct eeadm e;
	struct eeadm_result r;
	char *end;
	long pid;

	fake(&e, "hang", hangs[_i].body, "", 1000);
	ck_assert_int_eq(eeadm_run(&e, NULL, 0, hangs[_i].timeout_ms, &r), 0);
	ck_assert_int_eq(r.timed_out, hangs[_i].timed_out);
	if (hangs[_i].timed_out) {
		ck_assert_int_eq(r.exited, 0);
		ck_assert_int_eq(r.status, SIGKILL);
	} else {
		ck_assert_int_eq(r.exited, 1);
		ck_assert_int_eq(r.status, 0);
	}
	ck_assert_int_lt(r.elapsed_ms, 30000);

	pid = strtol(r.out.data, &end, 10);
	ck_assert_int_gt(pid, 1);
	ck_assert_int_eq(*end, '\n');
	ck_assert_msg(dead(pid), "process %ld outlived the run", pid);
	eeadm_result_free(&r);
	eeadm_free(&e);
}
END_TEST

/* Many runs at once: each sees only its own output and no pipe of ours. */
struct par {
	struct eeadm	*e;
	int		 n;
	int		 ok;
};

static void *
par_run(void *arg)
{
	struct par *p = arg;
	struct eeadm_result r;
	char n[16], want[64];
	const char *args[] = { n };
	int i;

	p->ok = 1;
	for (i = 0; i < 10; i++) {
		snprintf(n, sizeof(n), "%d-%d", p->n, i);
		snprintf(want, sizeof(want), "%s\n", n);
		if (eeadm_run(p->e, args, 1, 20000, &r) != 0 ||
		    strcmp(r.out.data ? r.out.data : "", want) != 0 ||
		    r.err.len != 0 || !r.exited || r.status != 0) {
			fprintf(stderr, "run %s: out \"%s\" err \"%s\"\n", n,
			    r.out.data ? r.out.data : "",
			    r.err.data ? r.err.data : "");
			p->ok = 0;
		}
		eeadm_result_free(&r);
	}
	return NULL;
}

START_TEST(test_run_threads)
{
	struct eeadm e;
	struct par p[8];
	pthread_t t[8];
	int i;

	/*
	 * Pipes other than stdout and stderr in the child are leaked from
	 * another run, once the descriptors this test inherited are kept
	 * from the children.
	 */
	for (i = 3; i < 1024; i++)
		fcntl(i, F_SETFD, FD_CLOEXEC);
	fake(&e, "par", "ls -l /proc/$$/fd/ > \"$0.$$\"\n"
	    "n=$(grep -c 'pipe:' \"$0.$$\"); rm -f \"$0.$$\"\n"
	    "[ \"$n\" -eq 2 ] || echo \"leak: $n pipes\" >&2\n"
	    "echo \"$1\"", "", 1000);
	for (i = 0; i < 8; i++) {
		p[i].e = &e;
		p[i].n = i;
		ck_assert_int_eq(pthread_create(&t[i], NULL, par_run, &p[i]),
		    0);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		ck_assert_msg(p[i].ok, "thread %d saw a wrong result", i);
	}
	eeadm_free(&e);
}
END_TEST

/* ---- tests/fake-eeadm, read back through the parsers ---- */

/* Sets E to run tests/fake-eeadm with its directory in tmpdir. */
static void
use_fake(struct eeadm *e)
{
	const char *top = getenv("LTFSEE_TOP");
	char cwd[256], cmd[512], err[128];

	/* Run by tests/run-all (LTFSEE_TOP) or by hand from the top. */
	if (top == NULL)
		top = getcwd(cwd, sizeof(cwd));
	ck_assert_ptr_nonnull(top);
	ck_assert_int_lt(snprintf(cmd, sizeof(cmd), "%s/tests/fake-eeadm",
	    top), sizeof(cmd));
	ck_assert_msg(eeadm_init(e, cmd, 1 << 16, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_int_eq(setenv("FAKE_EEADM_DIR", tmpdir, 1), 0);
}

static void
put_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void
get_file(const char *name, struct buf *b)
{
	char path[256], chunk[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(b, chunk, n);
	fclose(f);
}

START_TEST(test_fake_state)
{
	const char *args[] = { "file", "state", "-s", "/gpfs/a b", "/gpfs/r",
	    "/gpfs/x -- y" };
	struct eeadm_file_state st;
	struct eeadm_result r;
	struct eeadm e;
	struct buf b;

	use_fake(&e);
	put_file("states", "/gpfs/a b\tM\n/gpfs/r\tR\n"
	    "/gpfs/x -- y\tP\tVV0001VV@POOL_B@lib2\n");
	ck_assert_int_eq(eeadm_run(&e, args, nitems(args), 20000, &r), 0);
	ck_assert_int_eq(r.exited, 1);
	ck_assert_int_eq(r.status, 0);
	ck_assert_int_eq(eeadm_find_state(r.out.data, r.out.len, "/gpfs/a b",
	    &st), 0);
	ck_assert_int_eq(st.state, 'M');
	ck_assert_int_eq(eeadm_find_state(r.out.data, r.out.len, "/gpfs/r",
	    &st), 0);
	ck_assert_int_eq(st.state, 'R');
	ck_assert_int_eq(eeadm_find_state(r.out.data, r.out.len,
	    "/gpfs/x -- y", &st), 0);
	ck_assert_str_eq(st.tapes[0], "VV0001VV@POOL_B@lib2");
	ck_assert_int_eq(eeadm_says_not_found(r.err.data, r.err.len), 0);
	eeadm_result_free(&r);

	/* The arguments were recorded exactly. */
	buf_init(&b);
	get_file("call.1", &b);
	ck_assert_str_eq(b.data, "file\nstate\n-s\n/gpfs/a b\n/gpfs/r\n"
	    "/gpfs/x -- y\n");
	buf_free(&b);

	/* An unknown file: exit 1, and the wording is recognised. */
	args[3] = "/gpfs/none";
	ck_assert_int_eq(eeadm_run(&e, args, 4, 20000, &r), 0);
	ck_assert_int_eq(r.status, 1);
	ck_assert_int_eq(eeadm_find_state(r.out.data, r.out.len,
	    "/gpfs/none", &st), 1);
	ck_assert_int_eq(eeadm_says_not_found(r.err.data, r.err.len), 1);
	eeadm_result_free(&r);
	eeadm_free(&e);
}
END_TEST

START_TEST(test_fake_recall)
{
	char list[256], id[32];
	const char *args[] = { "recall", list, "-l", "lib1" };
	const char *show[] = { "task", "show", "-r", id };
	const char *st_args[] = { "file", "state", "-s", "/gpfs/m" };
	struct eeadm_task_row *rows;
	struct eeadm_file_state st;
	struct eeadm_result r;
	struct eeadm e;
	struct buf b;
	uint64_t task;
	size_t n;

	use_fake(&e);
	put_file("states", "/gpfs/m\tM\n");
	put_file("list", "/gpfs/m\n/gpfs/gone\n");
	snprintf(list, sizeof(list), "%s/list", tmpdir);
	ck_assert_int_eq(eeadm_run(&e, args, nitems(args), 20000, &r), 0);
	ck_assert_int_eq(r.status, 1);
	ck_assert_int_eq(eeadm_parse_task_id(r.out.data, r.out.len, &task),
	    0);
	eeadm_result_free(&r);

	buf_init(&b);
	get_file("call.1.list", &b);
	ck_assert_str_eq(b.data, "/gpfs/m\n/gpfs/gone\n");
	buf_free(&b);

	snprintf(id, sizeof(id), "%ju", (uintmax_t)task);
	ck_assert_int_eq(eeadm_run(&e, show, nitems(show), 20000, &r), 0);
	ck_assert_int_eq(eeadm_parse_task_show(r.out.data, r.out.len, &rows,
	    &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(rows[0].success, 1);
	ck_assert_str_eq(rows[0].path, "/gpfs/m");
	ck_assert_int_eq(rows[1].success, 0);
	ck_assert_str_eq(rows[1].path, "/gpfs/gone");
	eeadm_task_rows_free(rows, n);
	eeadm_result_free(&r);

	/* The recalled file is now premigrated. */
	ck_assert_int_eq(eeadm_run(&e, st_args, 4, 20000, &r), 0);
	ck_assert_int_eq(eeadm_find_state(r.out.data, r.out.len, "/gpfs/m",
	    &st), 0);
	ck_assert_int_eq(st.state, 'P');
	eeadm_result_free(&r);

	/* The "fail" switch. */
	put_file("fail", "");
	ck_assert_int_eq(eeadm_run(&e, args, nitems(args), 20000, &r), 0);
	ck_assert_int_eq(r.status, 1);
	ck_assert_int_eq(eeadm_parse_task_id(r.out.data, r.out.len, &task),
	    0);
	ck_assert_uint_eq(task, 42);
	eeadm_result_free(&r);
	eeadm_free(&e);
}
END_TEST

static Suite *
eeadm_suite(void)
{
	Suite *s = suite_create("eeadm");
	TCase *tc = tcase_create("parse");
	TCase *run = tcase_create("run");

	tcase_add_loop_test(tc, test_state_line, 0, nitems(lines));
	tcase_add_test(tc, test_state_line_long_tape);
	tcase_add_loop_test(tc, test_find_state, 0, nitems(finds));
	tcase_add_test(tc, test_find_state_empty);
	tcase_add_loop_test(tc, test_not_found, 0, nitems(notfound));
	tcase_add_loop_test(tc, test_task_id, 0, nitems(taskids));
	tcase_add_test(tc, test_task_show);
	tcase_add_loop_test(tc, test_init, 0, nitems(inits));
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(run, setup, teardown);
	tcase_set_timeout(run, 60);
	tcase_add_test(run, test_run_argv);
	tcase_add_test(run, test_run_status);
	tcase_add_test(run, test_run_missing);
	tcase_add_test(run, test_run_truncate);
	tcase_add_loop_test(run, test_run_hang, 0, nitems(hangs));
	tcase_add_test(run, test_run_threads);
	tcase_add_test(run, test_fake_state);
	tcase_add_test(run, test_fake_recall);
	suite_add_tcase(s, run);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(eeadm_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
