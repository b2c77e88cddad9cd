/*
 * fuzz: helpers shared by the libFuzzer targets of tests/fuzz/.
 *
 * Each target is one fuzz_NAME.c defining LLVMFuzzerTestOneInput().  Built
 * with clang -fsanitize=fuzzer it is a libFuzzer binary ("make fuzz");
 * built with -DFUZZ_STANDALONE and standalone.c it is a plain program
 * that feeds every file named on its command line (or in a directory
 * named there) through the same function, which is how "make check"
 * replays the corpora and the regression inputs without clang.
 *
 * A target reports a broken property with FUZZ_CHECK, which aborts: the
 * sanitizers and libFuzzer treat that as a crash and keep the input.
 * Single-threaded; the helpers keep a few static descriptors.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with the failed condition and its line when COND is false. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond))							\
		fuzz_fail(__FILE__, __LINE__, #cond);			\
} while (0)

void	fuzz_fail(const char *file, int line, const char *what)
	    __attribute__((noreturn));

/*
 * A heap copy of DATA[0..LEN) of exactly LEN bytes (one byte when LEN is
 * 0), so that the sanitizer sees any read past its end.  Aborts when out
 * of memory.  The caller frees it.
 */
char	*fuzz_dup(const void *data, size_t len);

/*
 * Makes slot SLOT (0..3) an in-memory file holding DATA[0..LEN) and
 * returns a path that opens it ("/proc/self/fd/N"), valid until the next
 * call for that slot.  Aborts on failure.
 */
const char *fuzz_file(int slot, const void *data, size_t len);

/*
 * Splits DATA at the first NUL byte: *A gets the part before it (a
 * NUL-terminated heap copy), the rest after it stays in *REST and *RESTLEN.
 * Without a NUL, *A is all of DATA and *RESTLEN is 0.  The caller frees
 * *A.
 */
void	fuzz_split(const uint8_t *data, size_t size, char **a,
	    const uint8_t **rest, size_t *restlen);

#endif
