/*
 * Tests of client/remap.c: client paths mapped to server paths through
 * mount tables and autofs maps written as fixtures to a temporary
 * directory, with and without DEPTH, and every error a user can meet.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "remap.h"

static char dir[] = "/tmp/check_remap.XXXXXX";
static char mounts[PATH_MAX], map[PATH_MAX], map2[PATH_MAX];

static const char mounts_text[] =
    "/dev/sda1 / ext4 rw,relatime 0 0\n"
    "proc /proc proc rw 0 0\n"
    "srv1:/gpfs/fs1 /nfs/projA nfs4 rw,vers=4.2 0 0\n"
    "srv1:/gpfs/fs1/sub /nfs/projA/nested nfs4 rw 0 0\n"
    "srv2:/gpfs/fs2 /nfs/projAB nfs rw 0 0\n"
    "[fd00::1]:/gpfs/v6 /nfs/v6 nfs4 rw 0 0\n"
    "srv3:/gpfs/with\\040space /nfs/sp\\040ace nfs rw 0 0\n"
    "srv4:/gpfs/tab /nfs/t\\011ab nfs rw 0 0\n"
    "srv5:/gpfs/back /nfs/back\\134040slash nfs rw 0 0\n"
    "srv6://gpfs//dbl/ /nfs/dbl nfs rw 0 0\n"
    "/dev/gpfs0 /gpfs/local gpfs rw 0 0\n"
    "old:/gpfs/old /nfs/over nfs rw 0 0\n"
    "new:/gpfs/new /nfs/over nfs rw 0 0\n";

static const char map_text[] =
    "# an indirect map for /net\n"
    "\n"
    "projA   -fstype=nfs4,rw   mapsrv:/gpfs/mapA\n"
    "projB   mapsrv:/gpfs/mapB   # a comment after the entry\n"
    "projC   -rw \\\n"
    "        mapsrv:/gpfs/mapC\n"
    "  v6    -fstype=nfs4  [fe80::2]:/gpfs/v6map\n"
    "weight  -rw  h1(5),h2(10):/gpfs/multi\n"
    "multi   h1,[fd00::3],h2:/gpfs/multi2\n"
    "+auto.other\n"
    "*       -rw  wild:/gpfs/wild/&\n"
    "exact   -rw  ex:/gpfs/exact\n"
    "local   -fstype=ext4  :/dev/sdb1\n"
    "broken  -rw\n"
    "sub     /a  s:/gpfs/a  /b  s:/gpfs/b\n";

static const char map2_text[] =
    "only    s:/gpfs/only\n";

static void
write_file(char *path, const char *name, const char *text)
{
	FILE *fp;

	ck_assert_int_lt(snprintf(path, PATH_MAX, "%s/%s", dir, name),
	    PATH_MAX);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	ck_assert_int_eq(fputs(text, fp) >= 0, 1);
	ck_assert_int_eq(fclose(fp), 0);
}

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file(mounts, "mounts", mounts_text);
	write_file(map, "auto.net", map_text);
	write_file(map2, "auto.two", map2_text);
}

static void
teardown(void)
{
	unlink(mounts);
	unlink(map);
	unlink(map2);
	rmdir(dir);
}

enum { NOMAP, MAP, MAP2, NOFILE };

static const struct {
	int		 map;		/* which autofs map */
	int		 depth;
	const char	*in;
	const char	*want;		/* NULL: an error */
	const char	*errhas;	/* the error names this */
} cases[] = {
	/* Longest whole-component prefix in the mount table. */
	{ NOMAP, -1, "/nfs/projA/x/y", "/gpfs/fs1/x/y", NULL },
	{ NOMAP, -1, "/nfs/projA", "/gpfs/fs1", NULL },
	{ NOMAP, -1, "/nfs/projAB/f", "/gpfs/fs2/f", NULL },
	{ NOMAP, -1, "/nfs/projA/nested/f", "/gpfs/fs1/sub/f", NULL },
	{ NOMAP, -1, "/nfs/projA/nestedX/f", "/gpfs/fs1/nestedX/f", NULL },
	{ NOMAP, -1, "/nfs/v6/a", "/gpfs/v6/a", NULL },
	{ NOMAP, -1, "/nfs/sp ace/f", "/gpfs/with space/f", NULL },
	{ NOMAP, -1, "/nfs/t\tab/f", "/gpfs/tab/f", NULL },
	{ NOMAP, -1, "/nfs/back\\040slash/f", "/gpfs/back/f", NULL },
	{ NOMAP, -1, "/nfs/back slash/f", NULL, "/nfs/back slash/f" },
	{ NOMAP, -1, "/nfs/dbl/a", "/gpfs/dbl/a", NULL },
	{ NOMAP, -1, "/nfs/over/f", "/gpfs/new/f", NULL },
	{ NOMAP, -1, "//nfs/./projA//x/.", "/gpfs/fs1/x", NULL },
	{ NOMAP, -1, "/nfs/projA/x/../y", NULL, "/nfs/projA/x/../y" },
	{ NOMAP, -1, "/nfs/projA/..", NULL, ".." },
	{ NOMAP, -1, "nfs/projA/x", NULL, "nfs/projA/x" },
	{ NOMAP, -1, "/gpfs/local/f", NULL, "/gpfs/local/f" },
	{ NOMAP, -1, "/home/user/f", NULL, "/home/user/f" },

	/* DEPTH: the first parts are the mount root, "/" counting as one. */
	{ NOMAP, 3, "/nfs/projA/x", "/gpfs/fs1/x", NULL },
	{ NOMAP, 3, "/nfs/projA", "/gpfs/fs1", NULL },
	{ NOMAP, 3, "/nfs/projA/nested/f", "/gpfs/fs1/nested/f", NULL },
	{ NOMAP, 4, "/nfs/projA/nested/f", "/gpfs/fs1/sub/f", NULL },
	{ NOMAP, 3, "/nfs/other/x", NULL, "/nfs/other" },
	{ NOMAP, 3, "/nfs", NULL, "/nfs" },
	{ NOMAP, 1, "/x", NULL, "/x" },

	/* The autofs map, looked up by the root's last component. */
	{ MAP, 3, "/net/projA/f", "/gpfs/mapA/f", NULL },
	{ MAP, 3, "/net/projB/d/f", "/gpfs/mapB/d/f", NULL },
	{ MAP, 3, "/net/projC/f", "/gpfs/mapC/f", NULL },
	{ MAP, 3, "/net/v6/f", "/gpfs/v6map/f", NULL },
	{ MAP, 3, "/net/weight/f", "/gpfs/multi/f", NULL },
	{ MAP, 3, "/net/multi/f", "/gpfs/multi2/f", NULL },
	{ MAP, 3, "/net/zzz/f", "/gpfs/wild/zzz/f", NULL },
	{ MAP, 3, "/net/exact/f", "/gpfs/exact/f", NULL },
	{ MAP, 3, "/net/local/f", NULL, "/net/local/f" },
	{ MAP, 2, "/projA/f", "/gpfs/mapA/f", NULL },
	{ MAP2, 3, "/net/only/f", "/gpfs/only/f", NULL },
	{ MAP2, 3, "/nfs/projA/f", "/gpfs/fs1/f", NULL },
	{ MAP2, 3, "/net/none/f", NULL, "/net/none/f" },
	{ NOFILE, 3, "/net/projA/f", NULL, "no-such-map" },

	/* AUTOFS without DEPTH: the mount table alone, and the error says. */
	{ MAP, -1, "/nfs/projA/x", "/gpfs/fs1/x", NULL },
	{ MAP, -1, "/net/projA/f", NULL, "AUTOFS is used only with DEPTH" },
	{ MAP, -1, "/gpfs/local/f", NULL, "AUTOFS is used only with DEPTH" },
};

START_TEST(test_remap)
{
	struct remap_conf rc = { mounts, NULL, cases[_i].depth };
	char out[PATH_MAX], err[512] = "";
	int r;

	if (cases[_i].map == MAP)
		rc.autofs = map;
	else if (cases[_i].map == MAP2)
		rc.autofs = map2;
	else if (cases[_i].map == NOFILE)
		rc.autofs = "/nonexistent/no-such-map";

	r = remap_path(&rc, cases[_i].in, out, sizeof(out), err, sizeof(err));
	if (cases[_i].want != NULL) {
		ck_assert_msg(r == 0, "%s: %s", cases[_i].in, err);
		ck_assert_str_eq(out, cases[_i].want);
	} else {
		ck_assert_msg(r == -1, "%s mapped to %s", cases[_i].in, out);
		ck_assert_msg(strstr(err, cases[_i].errhas) != NULL,
		    "error \"%s\" does not name %s", err, cases[_i].errhas);
	}
}
END_TEST

START_TEST(test_missing_mounts)
{
	struct remap_conf rc = { "/nonexistent/mounts", NULL, -1 };
	char out[PATH_MAX], err[512] = "";

	ck_assert_int_eq(remap_path(&rc, "/nfs/projA/x", out, sizeof(out),
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/mounts"));
}
END_TEST

static const struct {
	const char	*in;
	const char	*want;
} norm_cases[] = {
	{ "/", "/" }, { "//", "/" }, { "/.", "/" }, { "/a/", "/a" },
	{ "/a//b/./c/", "/a/b/c" }, { "/.a/..b/...", "/.a/..b/..." },
	{ "/a/..", NULL }, { "a", NULL }, { "", NULL },
};

START_TEST(test_normalise)
{
	char out[PATH_MAX], err[256];
	int r = remap_normalise(norm_cases[_i].in, out, sizeof(out), err,
	    sizeof(err));

	if (norm_cases[_i].want == NULL)
		ck_assert_int_eq(r, -1);
	else {
		ck_assert_int_eq(r, 0);
		ck_assert_str_eq(out, norm_cases[_i].want);
	}
}
END_TEST

START_TEST(test_normalise_short)
{
	char out[4], err[256];

	ck_assert_int_eq(remap_normalise("/abc", out, sizeof(out), err,
	    sizeof(err)), -1);
	ck_assert_int_eq(remap_normalise("/ab", out, sizeof(out), err,
	    sizeof(err)), 0);
	ck_assert_str_eq(out, "/ab");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("remap");
	TCase *tc = tcase_create("remap");
	SRunner *sr;
	int failed;

	log_set_level(LOG_LEVEL_CRIT);	/* the +include warning */
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_remap, 0, sizeof(cases) /
	    sizeof(cases[0]));
	tcase_add_test(tc, test_missing_mounts);
	tcase_add_loop_test(tc, test_normalise, 0, sizeof(norm_cases) /
	    sizeof(norm_cases[0]));
	tcase_add_test(tc, test_normalise_short);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
