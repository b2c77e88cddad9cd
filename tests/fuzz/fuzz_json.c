/*
 * fuzz_json: the request-body decoder, json_get_strings().  Properties:
 *
 *   - on failure every value is NULL and the reason is not empty;
 *   - on success every value found is a string without NUL that
 *     json_append_string() accepts (valid UTF-8), and escaping it and
 *     decoding that again gives the same bytes (round trip).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"
#include "util.h"

static const char *const fuzz_keys[] = { "path", "globus_taskid", "a" };
#define NKEYS	(sizeof(fuzz_keys) / sizeof(fuzz_keys[0]))

/* Escapes V as the member "path" of an object and decodes it again. */
static void
round_trip(const char *v)
{
	static const char *const key[] = { "path" };
	struct buf b;
	char *back[1], err[256];

	buf_init(&b);
	FUZZ_CHECK(buf_puts(&b, "{\"path\": ") == 0);
	FUZZ_CHECK(json_append_string(&b, v, strlen(v)) == 0);
	FUZZ_CHECK(buf_puts(&b, "}") == 0);
	FUZZ_CHECK(json_get_strings(b.data, b.len, key, 1, back, err,
	    sizeof(err)) == 0);
	FUZZ_CHECK(back[0] != NULL && strcmp(back[0], v) == 0);
	free(back[0]);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *vals[NKEYS], err[256];
	size_t i;
	int r;

	memset(vals, 0xa5, sizeof(vals));
	err[0] = '\0';
	r = json_get_strings((const char *)data, size, fuzz_keys, NKEYS, vals,
	    err, sizeof(err));
	FUZZ_CHECK(r == 0 || r == -1);
	if (r == -1) {
		FUZZ_CHECK(err[0] != '\0');
		for (i = 0; i < NKEYS; i++)
			FUZZ_CHECK(vals[i] == NULL);
		return 0;
	}

	for (i = 0; i < NKEYS; i++) {
		if (vals[i] == NULL)
			continue;
		round_trip(vals[i]);
		free(vals[i]);
	}
	return 0;
}
