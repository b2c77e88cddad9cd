/*
 * fuzz_tls_hello: the peek at a client's first record that spots a TLS
 * 1.3-only ClientHello (tls.c's static tls_hello_13_only(), reached by
 * including tls.c).  It reads bytes straight from the network before
 * BearSSL does.  Property: any bytes, for each minimum version, give 0
 * or 1 without reading outside them (the input is an exact-size copy).
 */
#include "../../src/tls.c"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned minv[] = { BR_TLS10, BR_TLS11, BR_TLS12 };
	size_t i;
	int r;

	for (i = 0; i < sizeof(minv) / sizeof(minv[0]); i++) {
		r = tls_hello_13_only(data, size, minv[i]);
		FUZZ_CHECK(r == 0 || r == 1);
	}
	return 0;
}
