/*
 * Tests of the eeadm simulator's library: the tape model on small known
 * layouts, the plan and the physical limit over a catalogue, the output
 * lines byte for byte, and the catalogue's text round trip and parser.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "model.h"
#include "plan.h"
#include "simutil.h"

#define GB	1000000000ULL

/* Round numbers: 10 s mount, 5 s unmount, 1 s per GB, 100 MB/s. */
static const struct sim_params P = { 10, 5, 1, 100 };

static const struct {
	const char		*name;
	size_t			 n;
	struct sim_extent	 ext[4];
	double			 want;
} tape_cases[] = {
	{ "no file, no mount", 0, { { 0, 0 } }, 0 },
	/* 10 mount + 10 read + 1 rewind + 5 unmount */
	{ "one file at 0", 1, { { 0, GB } }, 26 },
	/* 10 + 3 seek + 0 read + 3 rewind + 5 */
	{ "empty file at 3 GB", 1, { { 3 * GB, 0 } }, 21 },
	/* 10 + (0+10) + (1+10) + (2+5) + 5.5 rewind + 5, given unsorted */
	{ "three files, gaps", 3,
	    { { 5 * GB, GB / 2 }, { 0, GB }, { 2 * GB, GB } }, 48.5 },
	/* back to back: no seek between them */
	{ "three files, contiguous", 3,
	    { { 2 * GB, GB }, { GB, GB }, { 0, GB } }, 10 + 30 + 3 + 5 },
};

START_TEST(test_tape_time)
{
	struct sim_extent ext[4];

	memcpy(ext, tape_cases[_i].ext, sizeof(ext));
	ck_assert_msg(sim_model_tape_s(&P, ext, tape_cases[_i].n) ==
	    tape_cases[_i].want, "%s", tape_cases[_i].name);
}
END_TEST

START_TEST(test_seek)
{
	ck_assert(sim_model_seek_s(&P, 0, 4 * GB) == 4);
	ck_assert(sim_model_seek_s(&P, 4 * GB, GB) == 3);
	ck_assert(sim_model_seek_s(&P, GB, GB) == 0);
}
END_TEST

static const struct {
	size_t		n;
	double		jobs[5];
	unsigned	drives;
	double		want;
} sched_cases[] = {
	{ 2, { 10, 20 }, 1, 30 },		/* one drive: in turn */
	{ 2, { 10, 20 }, 2, 20 },		/* two drives in parallel */
	{ 2, { 10, 20 }, 5, 20 },		/* idle drives change nothing */
	{ 3, { 5, 5, 5 }, 2, 10 },
	{ 5, { 3, 2, 3, 2, 2 }, 2, 7 },		/* LPT, not the optimum 6 */
	{ 4, { 1, 9, 4, 4 }, 2, 9 },
	{ 0, { 0 }, 3, 0 },
	{ 2, { 1, 2 }, 0, -1 },			/* no drive */
};

START_TEST(test_schedule)
{
	ck_assert(sim_model_schedule(sched_cases[_i].jobs, sched_cases[_i].n,
	    sched_cases[_i].drives, NULL) == sched_cases[_i].want);
}
END_TEST

START_TEST(test_schedule_assignment)
{
	double jobs[] = { 10, 30, 20 };
	unsigned drive_of[3];

	/* Longest first: 30 on drive 0, 20 on drive 1, 10 on drive 1. */
	ck_assert(sim_model_schedule(jobs, 3, 2, drive_of) == 30);
	ck_assert_uint_eq(drive_of[1], 0);
	ck_assert_uint_eq(drive_of[2], 1);
	ck_assert_uint_eq(drive_of[0], 1);
}
END_TEST

/*
 * A small library: lib0 with DRIVES0 drives holds tapes A and B, lib1
 * with one drive holds tape C.  Files (1 GB each) a0 at 0 and a1 at 2 GB
 * on A, b0 at 0 on B, c0 at 1 GB on C.
 */
static void
small_catalog(struct sim_catalog *c, unsigned drives0)
{
	sim_catalog_init(c);
	c->params = P;
	ck_assert_uint_eq(sim_catalog_add_library(c, "lib0", drives0), 0);
	ck_assert_uint_eq(sim_catalog_add_library(c, "lib1", 1), 1);
	ck_assert_uint_eq(sim_catalog_add_tape(c, "JD0001L8", "pool0", 0), 0);
	ck_assert_uint_eq(sim_catalog_add_tape(c, "JD0002L8", "pool0", 0), 1);
	ck_assert_uint_eq(sim_catalog_add_tape(c, "JD0003L8", "pool1", 1), 2);
	ck_assert_uint_eq(sim_catalog_add_file(c, "/g/a0", GB, 0, 0, 'M'), 0);
	ck_assert_uint_eq(sim_catalog_add_file(c, "/g/a1", GB, 0, 2 * GB,
	    'M'), 1);
	ck_assert_uint_eq(sim_catalog_add_file(c, "/g/b0", GB, 1, 0, 'M'), 2);
	ck_assert_uint_eq(sim_catalog_add_file(c, "/g/c0", GB, 2, GB, 'M'),
	    3);
}

/*
 * Tape A with a0 and a1: 10 + 10 + 1 + 10 + 3 + 5 = 39.  Tape A with a0
 * alone, or tape B with b0: 10 + 10 + 1 + 5 = 26.  Tape C with c0:
 * 10 + 1 + 10 + 2 + 5 = 28.
 */
static const struct {
	const char	*name;
	unsigned	 drives0;
	size_t		 n;
	size_t		 idx[4];
	double		 lib0, lib1;
	uint64_t	 mounts;
} plan_cases[] = {
	{ "one tape, two files", 1, 2, { 1, 0 }, 39, 0, 1 },
	{ "two tapes, one drive: unmount, mount", 1, 2, { 0, 2 }, 26 + 26,
	    0, 2 },
	{ "two tapes, two drives", 2, 3, { 2, 0, 1 }, 39, 0, 2 },
	{ "two libraries", 2, 4, { 3, 2, 0, 1 }, 39, 28, 3 },
	{ "nothing", 1, 0, { 0 }, 0, 0, 0 },
};

START_TEST(test_plan)
{
	struct sim_catalog c;
	struct sim_plan p;

	small_catalog(&c, plan_cases[_i].drives0);
	ck_assert_int_eq(sim_plan_files(&c, plan_cases[_i].idx,
	    plan_cases[_i].n, &p), 0);
	ck_assert_msg(p.lib_s[0] == plan_cases[_i].lib0, "%s: lib0 %g",
	    plan_cases[_i].name, p.lib_s[0]);
	ck_assert(p.lib_s[1] == plan_cases[_i].lib1);
	ck_assert(p.total_s == plan_cases[_i].lib0 + plan_cases[_i].lib1);
	ck_assert(p.span_s == (plan_cases[_i].lib0 > plan_cases[_i].lib1 ?
	    plan_cases[_i].lib0 : plan_cases[_i].lib1));
	ck_assert_uint_eq(p.mounts, plan_cases[_i].mounts);
	sim_plan_free(&p);
	sim_catalog_free(&c);
}
END_TEST

START_TEST(test_limit)
{
	struct sim_catalog c;
	struct sim_plan p;
	size_t one[] = { 0 }, two[] = { 1 };

	/* Two runs reading tape A twice cost more than the limit. */
	small_catalog(&c, 1);
	ck_assert_int_eq(sim_plan_limit(&c, &p), 0);
	ck_assert(p.total_s == 0 && p.mounts == 0);
	sim_plan_free(&p);

	ck_assert_int_eq(sim_plan_files(&c, one, 1, &p), 0);
	ck_assert(p.total_s == 10 + 10 + 1 + 5);
	sim_plan_free(&p);
	ck_assert_int_eq(sim_plan_files(&c, two, 1, &p), 0);
	ck_assert(p.total_s == 10 + 2 + 10 + 3 + 5);
	sim_plan_free(&p);

	c.files[0].recalled = 1;
	c.files[1].recalled = 1;
	c.files[3].recalled = 1;
	ck_assert_int_eq(sim_plan_limit(&c, &p), 0);
	ck_assert(p.lib_s[0] == 39);
	ck_assert(p.lib_s[1] == 28);
	ck_assert(p.total_s == 39 + 28);
	ck_assert_uint_eq(p.mounts, 2);
	sim_plan_free(&p);
	sim_catalog_free(&c);
}
END_TEST

static const struct {
	char		 state;
	const char	*path;
	const char	*want;
} line_cases[] = {
	{ 'M', "/g/a0", "M  1  JD0001L8@pool0@lib0  -  -  -- /g/a0\n" },
	{ 'P', "/g/a0", "P  1  JD0001L8@pool0@lib0  -  -  -- /g/a0\n" },
	{ 'R', "/g/a0", "R  0  -  -  -  -- /g/a0\n" },
	{ 'M', "/g/x -- y z", "M  1  JD0001L8@pool0@lib0  -  -  -- "
	    "/g/x -- y z\n" },
};

START_TEST(test_state_line)
{
	struct sim_catalog c;
	struct sim_str out = { 0 };
	size_t f;

	small_catalog(&c, 1);
	f = sim_catalog_find(&c, line_cases[_i].path);
	if (f == SIM_NONE)
		f = sim_catalog_add_file(&c, line_cases[_i].path, 1, 0, 0, 'M');
	ck_assert_uint_ne(f, SIM_NONE);
	c.files[f].state = line_cases[_i].state;
	ck_assert_int_eq(sim_format_state_line(&c, &c.files[f], &out), 0);
	ck_assert_str_eq(out.s, line_cases[_i].want);
	sim_str_free(&out);
	sim_catalog_free(&c);
}
END_TEST

START_TEST(test_task_row)
{
	struct sim_task_row ok = { 7, 1, "GLESL839I", 0, "/g/a b" };
	struct sim_task_row bad = { 7, 0, "GLESM431E", 1700000000, "/g/c" };
	struct sim_str out = { 0 };

	ck_assert_int_eq(sim_format_task_row(&ok, "n1", &out), 0);
	ck_assert_int_eq(sim_format_task_row(&bad, "n1", &out), 0);
	ck_assert_str_eq(out.s,
	    "Success  GLESL839I  1970-01-01 00:00:00  n1  -- /g/a b\n"
	    "Fail     GLESM431E  2023-11-14 22:13:20  n1  -- /g/c\n");
	sim_str_free(&out);
}
END_TEST

START_TEST(test_round_trip)
{
	struct sim_catalog c, d;
	struct sim_str a = { 0 }, b = { 0 };
	char err[128];
	size_t f;

	small_catalog(&c, 3);
	c.speed = 0.25;
	c.clock_s = 1234.5;
	c.next_task = 42;
	c.stats[SIM_STAT_MOUNTS] = 9;
	c.libs[1].busy_s = 0.1;
	c.files[2].recalled = 1;
	c.files[2].state = 'P';
	c.files[3].busy_pid = 4321;
	ck_assert_uint_ne(sim_catalog_add_file(&c, "/g/with space", 5, 2, 7,
	    'R'), SIM_NONE);
	ck_assert_int_eq(sim_catalog_add_fault(&c, SIM_FAULT_FAIL,
	    "GLESL999E", "recall", 2, "/g/a0"), 0);
	ck_assert_int_eq(sim_catalog_add_fault(&c, SIM_FAULT_HANG, "-",
	    "any", 0, "-"), 0);
	ck_assert_int_eq(sim_catalog_add_row(&c, 41, 0, "GLESM431E", 99,
	    "/g/b0"), 0);
	ck_assert_int_eq(sim_catalog_format(&c, &a), 0);

	sim_catalog_init(&d);
	ck_assert_int_eq(sim_catalog_parse(&d, a.s, a.len, err, sizeof(err)),
	    0);
	ck_assert_int_eq(sim_catalog_format(&d, &b), 0);
	sim_catalog_free(&c);

	/* Parsing cut A's lines; compare through D's own formatting. */
	ck_assert_uint_eq(d.nfiles, 5);
	ck_assert(d.speed == 0.25 && d.clock_s == 1234.5);
	ck_assert(d.libs[1].busy_s == 0.1);
	ck_assert_uint_eq(d.next_task, 42);
	ck_assert_uint_eq(d.libs[0].drives, 3);
	f = sim_catalog_find(&d, "/g/with space");
	ck_assert_uint_eq(f, 4);
	ck_assert_uint_eq(d.files[f].pos, 7);
	ck_assert_uint_eq(d.files[f].tape, 2);
	ck_assert_int_eq(d.files[f].state, 'R');
	ck_assert_int_eq(d.files[3].busy_pid, 4321);
	ck_assert_int_eq(d.files[2].recalled, 1);
	ck_assert_uint_eq(d.nfaults, 2);
	ck_assert_int_eq(d.faults[0].kind, SIM_FAULT_FAIL);
	ck_assert_uint_eq(d.faults[0].count, 2);
	ck_assert_str_eq(d.rows[0].path, "/g/b0");
	ck_assert_uint_eq(sim_catalog_find(&d, "/g/nope"), SIM_NONE);

	sim_str_free(&a);
	ck_assert_int_eq(sim_catalog_format(&d, &a), 0);
	ck_assert_str_eq(a.s, b.s);
	sim_str_free(&a);
	sim_str_free(&b);
	sim_catalog_free(&d);
}
END_TEST

#define HEAD	"eeadm-sim catalogue 1\n"
#define LIB	"library\tlib0\t2\t0\t0\n"
#define TAPE	"tape\tJD0001L8\tpool0\t0\n"

static const struct {
	const char	*text;
	int		 ok;
} parse_cases[] = {
	{ HEAD LIB TAPE "file\tM\t10\t0\t0\t0\t0\t/a b\n", 1 },
	{ HEAD, 1 },
	{ "", 0 },
	{ "eeadm-sim catalogue 2\n", 0 },
	{ HEAD "param\tspeed\t0.5", 0 },		/* no newline */
	{ HEAD "param\tspeed\t-1\n", 0 },
	{ HEAD "param\tspeed\tnan\n", 0 },
	{ HEAD "param\tspeed\t1x\n", 0 },
	{ HEAD "param\tnext_task\t0\n", 0 },
	{ HEAD "param\tcolour\t1\n", 0 },
	{ HEAD "stat\tmounts\t+3\n", 0 },
	{ HEAD "bogus\t1\n", 0 },
	{ HEAD LIB "library\tlib0\t2\t0\t0\n", 0 },	/* twice */
	{ HEAD "library\tlib0\t0\t0\t0\n", 0 },		/* no drive */
	{ HEAD TAPE, 0 },				/* no library */
	{ HEAD LIB TAPE "file\tM\t10\t1\t0\t0\t0\t/a\n", 0 },	/* tape 1 */
	{ HEAD LIB TAPE "file\tM\t10\t0\t0\t0\t0\t/a\n"
	    "file\tP\t10\t0\t0\t0\t0\t/a\n", 0 },	/* same path */
	{ HEAD LIB TAPE "file\tm\t10\t0\t0\t0\t0\t/a\n", 0 },
	{ HEAD LIB TAPE "file\tM\t10\t0\t0\t2\t0\t/a\n", 0 },
	{ HEAD LIB TAPE "file\tM\t10\t0\t0\t0\t0\t/a\tb\n", 0 },
	{ HEAD LIB TAPE "file\tM\t10\t0\t0\t0\t0\t\n", 0 },
	{ HEAD "fault\tmelt\tX\tany\t0\t-\n", 0 },
	{ HEAD "fault\thang\t-\tany\t0\t-\n", 1 },
	{ HEAD "row\t0\t1\tGLESL839I\t0\t/a\n", 0 },
	{ HEAD "row\t3\t1\tGLESL839I\t0\t/a\n", 1 },
};

START_TEST(test_parse)
{
	struct sim_catalog c;
	char *text = strdup(parse_cases[_i].text), err[128];
	int r;

	ck_assert_ptr_nonnull(text);
	sim_catalog_init(&c);
	r = sim_catalog_parse(&c, text, strlen(text), err, sizeof(err));
	ck_assert_msg(r == (parse_cases[_i].ok ? 0 : -1), "case %d: %d",
	    _i, r);
	sim_catalog_free(&c);
	free(text);
}
END_TEST

static const struct {
	const char	*in;
	int		 ok;
	double		 want;
} double_cases[] = {
	{ "0", 1, 0 }, { "0.001", 1, 0.001 }, { "2.5", 1, 2.5 },
	{ "1e3", 1, 1000 }, { "", 0, 0 }, { "-1", 0, 0 }, { " 1", 0, 0 },
	{ "1 ", 0, 0 }, { "inf", 0, 0 }, { "nan", 0, 0 }, { "0x10", 0, 0 },
	{ "1e999", 0, 0 }, { ".5", 0, 0 }, { "5s", 0, 0 }, { "2e6", 0, 0 },
};

START_TEST(test_parse_double)
{
	double v = -7;
	int r = sim_parse_double(double_cases[_i].in, 0, 1e6, &v);

	ck_assert_int_eq(r, double_cases[_i].ok ? 0 : -1);
	ck_assert(v == (double_cases[_i].ok ? double_cases[_i].want : -7));
}
END_TEST

START_TEST(test_many_files)
{
	struct sim_catalog c;
	char path[64];
	size_t i;

	/* The hash table grows and still finds every path. */
	small_catalog(&c, 1);
	for (i = 0; i < 20000; i++) {
		snprintf(path, sizeof(path), "/many/f%zu", i);
		ck_assert_uint_eq(sim_catalog_add_file(&c, path, 1, 0, i, 'M'),
		    i + 4);
	}
	ck_assert_uint_eq(sim_catalog_add_file(&c, "/many/f7", 1, 0, 0, 'M'),
	    SIM_NONE);
	for (i = 0; i < 20000; i += 997) {
		snprintf(path, sizeof(path), "/many/f%zu", i);
		ck_assert_uint_eq(sim_catalog_find(&c, path), i + 4);
	}
	ck_assert_uint_eq(sim_catalog_find(&c, "/g/c0"), 3);
	sim_catalog_free(&c);
}
END_TEST

static Suite *
sim_suite(void)
{
	Suite *s = suite_create("eeadm-sim");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_tape_time, 0, SIM_NITEMS(tape_cases));
	tcase_add_test(tc, test_seek);
	tcase_add_loop_test(tc, test_schedule, 0, SIM_NITEMS(sched_cases));
	tcase_add_test(tc, test_schedule_assignment);
	tcase_add_loop_test(tc, test_plan, 0, SIM_NITEMS(plan_cases));
	tcase_add_test(tc, test_limit);
	tcase_add_loop_test(tc, test_state_line, 0, SIM_NITEMS(line_cases));
	tcase_add_test(tc, test_task_row);
	tcase_add_test(tc, test_round_trip);
	tcase_add_loop_test(tc, test_parse, 0, SIM_NITEMS(parse_cases));
	tcase_add_loop_test(tc, test_parse_double, 0,
	    SIM_NITEMS(double_cases));
	tcase_add_test(tc, test_many_files);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(sim_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
