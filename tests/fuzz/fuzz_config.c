/*
 * fuzz_config: the INI loader, config_load(), on an in-memory file, for
 * the daemon's role and the stage app's.  Properties:
 *
 *   - a failed load leaves the configuration as it was (the defaults
 *     here) and gives a reason;
 *   - a successful load records the file and keeps every count within
 *     its array.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "log.h"

static void
check_same_as_defaults(const struct config *c)
{
	struct config d;

	config_defaults(&d);
	FUZZ_CHECK(c->file == NULL);
	FUZZ_CHECK(strcmp(c->server.bind, d.server.bind) == 0);
	FUZZ_CHECK(strcmp(c->server.eeadm, d.server.eeadm) == 0);
	FUZZ_CHECK(c->server.threads == d.server.threads);
	FUZZ_CHECK(c->server.nlibraries == d.server.nlibraries);
	FUZZ_CHECK(c->server.max_body == d.server.max_body);
	FUZZ_CHECK(c->server.recall_delay_ms == d.server.recall_delay_ms);
	FUZZ_CHECK(c->client.nurls == d.client.nurls);
	FUZZ_CHECK(c->client.depth == d.client.depth);
	FUZZ_CHECK(c->client.timeout_ms == d.client.timeout_ms);
	config_free(&d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int started;
	static const enum config_role roles[] = { CONFIG_ROLE_SERVER,
	    CONFIG_ROLE_CLIENT };
	struct config c;
	const char *file;
	char err[CONFIG_ERR_MAX];
	size_t i;

	if (!started) {
		/* Quiet: a loaded auth_key warns that others may read it. */
		log_init("fuzz_config", 1, LOG_LEVEL_CRIT);
		started = 1;
	}
	file = fuzz_file(0, data, size);

	for (i = 0; i < 2; i++) {
		config_defaults(&c);
		err[0] = '\0';
		if (config_load(&c, file, 0, roles[i], err, sizeof(err)) ==
		    -1) {
			FUZZ_CHECK(err[0] != '\0');
			check_same_as_defaults(&c);
		} else {
			FUZZ_CHECK(c.file != NULL &&
			    strcmp(c.file, file) == 0);
			FUZZ_CHECK(c.server.nlibraries <=
			    CONFIG_MAX_LIBRARIES);
			FUZZ_CHECK(c.server.nallowed_paths <=
			    CONFIG_MAX_PATHS);
			FUZZ_CHECK(c.client.nurls <= CONFIG_MAX_URLS);
		}
		config_free(&c);
	}
	return 0;
}
