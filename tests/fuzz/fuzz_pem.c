/*
 * fuzz_pem: the daemon's certificate and key loading (tls.c's PEM file
 * reader, PEM decoder, chain and key loaders and the key-matches-leaf
 * check) through the static tls_gen_load(), which tls_server_new() and
 * tls_server_reload() call.  tls.c is included to reach it.  The input
 * is the certificate file, a NUL, then the key file (in-memory files).
 * Properties: a refused pair gives a reason; a loaded pair has a chain
 * within its bound and a key of a supported type.
 */
#include "../../src/tls.c"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int started;
	struct config_server cfg;
	struct tls_gen *g;
	const uint8_t *rest;
	char *cert, err[512], certfile[32], keyfile[32], minv[4];
	size_t len;

	if (!started) {
		log_init("fuzz_pem", 1, LOG_LEVEL_CRIT);
		started = 1;
	}
	fuzz_split(data, size, &cert, &rest, &len);
	memset(&cfg, 0, sizeof(cfg));
	(void)snprintf(certfile, sizeof(certfile), "%s",
	    fuzz_file(0, cert, strlen(cert)));
	(void)snprintf(keyfile, sizeof(keyfile), "%s",
	    fuzz_file(1, rest, len));
	(void)snprintf(minv, sizeof(minv), "%s", size % 2 ? "1.0" : "1.2");
	cfg.certfile = certfile;
	cfg.keyfile = keyfile;
	cfg.tls_min_version = minv;

	err[0] = '\0';
	if ((g = tls_gen_load(&cfg, err, sizeof(err))) == NULL)
		FUZZ_CHECK(err[0] != '\0');
	else {
		FUZZ_CHECK(g->chain_len >= 1 && g->chain_len <= TLS_MAX_CHAIN);
		FUZZ_CHECK(g->key_type == BR_KEYTYPE_RSA ||
		    g->key_type == BR_KEYTYPE_EC);
		tls_gen_free(g);
	}
	free(cert);
	return 0;
}
