/*
 * fuzz_eeadm: the parsers of eeadm's output (eeadm_find_state,
 * eeadm_parse_state_line, eeadm_says_not_found, eeadm_parse_task_id,
 * eeadm_parse_task_show).  The input is PATH, a NUL, then the output;
 * without a NUL the whole input is the output and PATH is "/gpfs/f".
 * Properties:
 *
 *   - a found state's path is PATH exactly and points into the output;
 *   - every line that parses alone has its path inside the line, its
 *     tapes NUL-terminated;
 *   - a task show row's path is a non-empty string from the output.
 *
 * The output and each line are exact-size copies (eeadm's output is not
 * promised to be NUL-terminated).
 */
#include <stdlib.h>
#include <string.h>

#include "eeadm.h"
#include "fuzz.h"
#include "metrics.h"

/* The parsers never run eeadm; eeadm.c's only call into metrics.c. */
void
metrics_eeadm(const char *const args[], size_t nargs, int rc,
    const struct eeadm_result *r)
{
}

static void
check_lines(const char *out, size_t len)
{
	struct eeadm_file_state st;
	const char *l = out, *end = out + len, *nl;
	char *line;
	size_t ll, k;

	for (; l < end; l = nl + 1) {
		if ((nl = memchr(l, '\n', (size_t)(end - l))) == NULL)
			nl = end;
		ll = (size_t)(nl - l);
		line = fuzz_dup(l, ll);
		if (eeadm_parse_state_line(line, ll, &st) == 0) {
			FUZZ_CHECK(st.path >= line && st.path_len > 0 &&
			    st.path + st.path_len == line + ll);
			for (k = 0; k < 3; k++)
				FUZZ_CHECK(memchr(st.tapes[k], '\0',
				    sizeof(st.tapes[k])) != NULL);
		}
		free(line);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eeadm_file_state st;
	struct eeadm_task_row *rows = NULL;
	const uint8_t *rest;
	char *path, *out;
	size_t len, n = 0, i;
	uint64_t id;
	int r;

	if (memchr(data, '\0', size) != NULL)
		fuzz_split(data, size, &path, &rest, &len);
	else {
		path = fuzz_dup("/gpfs/f", 8);
		rest = data;
		len = size;
	}
	out = fuzz_dup(rest, len);

	r = eeadm_find_state(out, len, path, &st);
	FUZZ_CHECK(r == 0 || r == 1 || r == -1);
	if (r == 0) {
		FUZZ_CHECK(st.path_len == strlen(path));
		FUZZ_CHECK(st.path >= out &&
		    st.path + st.path_len <= out + len);
		FUZZ_CHECK(memcmp(st.path, path, st.path_len) == 0);
	}
	check_lines(out, len);
	(void)eeadm_says_not_found(out, len);
	if (eeadm_parse_task_id(out, len, &id) == 0)
		FUZZ_CHECK(len >= 12);

	FUZZ_CHECK(eeadm_parse_task_show(out, len, &rows, &n) == 0);
	FUZZ_CHECK(n == 0 || rows != NULL);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(rows[i].path != NULL && rows[i].path[0] != '\0');
		FUZZ_CHECK(strlen(rows[i].path) <= len);
		FUZZ_CHECK(memchr(rows[i].msgid, '\0',
		    sizeof(rows[i].msgid)) != NULL);
	}
	eeadm_task_rows_free(rows, n);

	free(out);
	free(path);
	return 0;
}
