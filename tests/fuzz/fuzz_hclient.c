/*
 * fuzz_hclient: the stage app's response parser, hclient_parse(), fed as
 * hclient_post() feeds it (the bytes read so far, then once more at the
 * end of the stream), and answer_decide() on the body of a complete
 * response.  Properties:
 *
 *   - a prefix that completes a response gives the same response as the
 *     whole; a prefix refused is refused in the whole too;
 *   - a complete response has a status of 100 to 599 and a body inside
 *     the bytes given;
 *   - the decision has a NUL-terminated message and one of the
 *     configured exit statuses.
 */
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "config.h"
#include "fuzz.h"
#include "hclient.h"
#include "log.h"

static struct config fuzz_cfg;

static void
check_resp(const char *b, size_t len, const struct hclient_resp *r)
{
	const struct config_client *cc = &fuzz_cfg.client;
	struct answer a;

	FUZZ_CHECK(r->status >= 100 && r->status <= 599);
	FUZZ_CHECK(r->body >= b && r->body_len <= len &&
	    (size_t)(r->body - b) <= len - r->body_len);

	answer_decide(cc, "/gpfs/f", r->status, r->body, r->body_len, &a);
	FUZZ_CHECK(memchr(a.msg, '\0', sizeof(a.msg)) != NULL);
	FUZZ_CHECK(a.status == cc->exit_resident ||
	    a.status == cc->exit_archived || a.status == cc->exit_not_found ||
	    a.status == cc->exit_error);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int started;
	struct hclient_resp whole, whole_eof, part;
	const char *b = (const char *)data;
	char err[256], *copy;
	size_t k;
	int r, re, pr;

	if (!started) {
		log_init("fuzz_hclient", 1, LOG_LEVEL_CRIT);
		config_defaults(&fuzz_cfg);
		started = 1;
	}

	err[0] = '\0';
	r = hclient_parse(b, size, 0, &whole, err, sizeof(err));
	FUZZ_CHECK(r == 0 || r == 1 || (r == -1 && err[0] != '\0'));
	if (r == 1)
		check_resp(b, size, &whole);
	err[0] = '\0';
	re = hclient_parse(b, size, 1, &whole_eof, err, sizeof(err));
	FUZZ_CHECK(re == 1 || (re == -1 && err[0] != '\0'));
	if (re == 1)
		check_resp(b, size, &whole_eof);
	if (r != 0)
		FUZZ_CHECK(re == r);

	for (k = 0; k < size; k++) {
		copy = fuzz_dup(b, k);
		pr = hclient_parse(copy, k, 0, &part, err, sizeof(err));
		if (pr == 1) {
			FUZZ_CHECK(r == 1 && part.status == whole.status &&
			    part.body - copy == whole.body - b &&
			    part.body_len == whole.body_len);
		} else if (pr == -1)
			FUZZ_CHECK(r == -1);
		free(copy);
	}
	return 0;
}
