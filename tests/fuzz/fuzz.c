/*
 * fuzz: see fuzz.h.  The in-memory files are memfds, created once per
 * slot and rewritten in place; nothing touches the file system.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

#define FUZZ_SLOTS	4

static int	fuzz_fds[FUZZ_SLOTS] = { -1, -1, -1, -1 };
static char	fuzz_paths[FUZZ_SLOTS][32];

void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: property failed: %s\n", file, line, what);
	abort();
}

char *
fuzz_dup(const void *data, size_t len)
{
	char *p;

	if ((p = malloc(len > 0 ? len : 1)) == NULL)
		fuzz_fail(__FILE__, __LINE__, "malloc");
	if (len > 0)
		memcpy(p, data, len);
	return p;
}

const char *
fuzz_file(int slot, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;
	size_t off = 0;

	if (slot < 0 || slot >= FUZZ_SLOTS)
		fuzz_fail(__FILE__, __LINE__, "slot");
	if (fuzz_fds[slot] == -1) {
		fuzz_fds[slot] = memfd_create("fuzz", MFD_CLOEXEC);
		if (fuzz_fds[slot] == -1)
			fuzz_fail(__FILE__, __LINE__, "memfd_create");
		if (snprintf(fuzz_paths[slot], sizeof(fuzz_paths[slot]),
		    "/proc/self/fd/%d", fuzz_fds[slot]) >=
		    (int)sizeof(fuzz_paths[slot]))
			fuzz_fail(__FILE__, __LINE__, "path");
	}

	if (ftruncate(fuzz_fds[slot], 0) == -1)
		fuzz_fail(__FILE__, __LINE__, "ftruncate");
	while (off < len) {
		n = pwrite(fuzz_fds[slot], p + off, len - off, (off_t)off);
		if (n <= 0)
			fuzz_fail(__FILE__, __LINE__, "pwrite");
		off += (size_t)n;
	}
	return fuzz_paths[slot];
}

void
fuzz_split(const uint8_t *data, size_t size, char **a, const uint8_t **rest,
    size_t *restlen)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t alen = nul != NULL ? (size_t)(nul - data) : size;

	if ((*a = malloc(alen + 1)) == NULL)
		fuzz_fail(__FILE__, __LINE__, "malloc");
	if (alen > 0)
		memcpy(*a, data, alen);
	(*a)[alen] = '\0';
	*rest = nul != NULL ? nul + 1 : data + size;
	*restlen = nul != NULL ? size - alen - 1 : 0;
}
