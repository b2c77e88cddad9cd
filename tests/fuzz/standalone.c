/*
 * standalone: a main() for a fuzz target built without libFuzzer (see
 * fuzz.h).  Every argument is a file, or a directory whose regular files
 * (not recursively) are each one input.  Runs each input once and prints
 * how many it ran; a failed property or a sanitizer report aborts, which
 * is the test's failure.  Exits 1 when an argument cannot be read or no
 * input was found.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Reads FILE whole and runs it.  0, or -1 when it cannot be read. */
static int
standalone_run(const char *file)
{
	FILE *f;
	char *data = NULL, *p;
	size_t len = 0, cap = 0, n;
	int rv = -1;

	if ((f = fopen(file, "rb")) == NULL) {
		fprintf(stderr, "%s: %s\n", file, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((p = realloc(data, cap)) == NULL)
				goto out;
			data = p;
		}
		if ((n = fread(data + len, 1, cap - len, f)) == 0)
			break;
		len += n;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: read error\n", file);
		goto out;
	}

	/* The input gets a buffer of exactly its size, as libFuzzer's. */
	p = fuzz_dup(data, len);
	LLVMFuzzerTestOneInput((const uint8_t *)p, len);
	free(p);
	rv = 0;
out:
	free(data);
	fclose(f);
	return rv;
}

int
main(int argc, char **argv)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	char path[4096];
	int i, ran = 0, bad = 0;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			bad = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad |= standalone_run(argv[i]) == -1;
			ran++;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			bad = 1;
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (snprintf(path, sizeof(path), "%s/%s", argv[i],
			    de->d_name) >= (int)sizeof(path) ||
			    stat(path, &st) == -1 || !S_ISREG(st.st_mode))
				continue;
			bad |= standalone_run(path) == -1;
			ran++;
		}
		closedir(d);
	}
	printf("%s: %d inputs\n", argv[0], ran);
	return bad || ran == 0 ? 1 : 0;
}
