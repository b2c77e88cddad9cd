/*
 * fuzz_remap: the stage app's mount table and autofs map parsers,
 * through remap_path(), and remap_normalise().  The input is one byte
 * choosing the depth (-1 to 4), then PATH, a NUL, the mount table, and,
 * after a second NUL, the autofs map (none without it).  The tables are
 * in-memory files.  Properties:
 *
 *   - remap_normalise() is idempotent, and its output is absolute with
 *     no "//", no "." or ".." part and no trailing slash;
 *   - a mapped path is such a normalised absolute path;
 *   - a failure gives a reason.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "log.h"
#include "remap.h"

static void
check_normal(const char *p)
{
	size_t n = strlen(p);

	FUZZ_CHECK(p[0] == '/');
	FUZZ_CHECK(strstr(p, "//") == NULL);
	FUZZ_CHECK(strstr(p, "/./") == NULL && strstr(p, "/../") == NULL);
	FUZZ_CHECK(n == 1 || p[n - 1] != '/');
	FUZZ_CHECK(!(n >= 2 && strcmp(p + n - 2, "/.") == 0));
	FUZZ_CHECK(!(n >= 3 && strcmp(p + n - 3, "/..") == 0));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int started;
	struct remap_conf rc;
	const uint8_t *rest, *rest2;
	char *path, *mounts, out[PATH_MAX], again[PATH_MAX], err[512];
	size_t len, len2;
	int has_map;

	if (!started) {
		log_init("fuzz_remap", 1, LOG_LEVEL_CRIT);
		started = 1;
	}
	if (size < 1)
		return 0;
	rc.depth = (int)(data[0] % 6) - 1;
	fuzz_split(data + 1, size - 1, &path, &rest, &len);
	has_map = memchr(rest, '\0', len) != NULL;
	fuzz_split(rest, len, &mounts, &rest2, &len2);
	rc.mounts = fuzz_file(0, mounts, strlen(mounts));
	rc.autofs = has_map ? fuzz_file(1, rest2, len2) : NULL;

	err[0] = '\0';
	if (remap_normalise(path, out, sizeof(out), err, sizeof(err)) == 0) {
		check_normal(out);
		FUZZ_CHECK(remap_normalise(out, again, sizeof(again), err,
		    sizeof(err)) == 0 && strcmp(out, again) == 0);
	} else
		FUZZ_CHECK(err[0] != '\0');

	err[0] = '\0';
	if (remap_path(&rc, path, out, sizeof(out), err, sizeof(err)) == 0)
		check_normal(out);
	else
		FUZZ_CHECK(err[0] != '\0');

	free(mounts);
	free(path);
	return 0;
}
