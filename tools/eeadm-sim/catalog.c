/*
 * catalog: see catalog.h.  One process uses a struct sim_catalog at a
 * time; the flock on PATH.lock orders the processes.  Nothing here
 * sleeps while holding the lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"

#define CATALOG_MAGIC	"eeadm-sim catalogue 1"
#define MAX_FIELDS	8

const char *const sim_stat_names[SIM_STAT_MAX] = {
	"runs_file_state", "runs_recall", "runs_task_show", "paths_stated",
	"paths_listed", "files_read", "files_failed", "mounts",
};

static const char *const fault_names[] = {
	"fail", "busy", "hang", "crash", "garbage",
};

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(err, errlen, fmt, ap) < 0 && errlen > 0)
		err[0] = '\0';
	va_end(ap);
}

void
sim_catalog_init(struct sim_catalog *c)
{
	memset(c, 0, sizeof(*c));
	c->params.mount_s = SIM_DEFAULT_MOUNT_S;
	c->params.unmount_s = SIM_DEFAULT_UNMOUNT_S;
	c->params.seek_s_per_gb = SIM_DEFAULT_SEEK_S_GB;
	c->params.read_mb_s = SIM_DEFAULT_READ_MB_S;
	c->speed = 0.001;
	c->next_task = 1;
}

void
sim_catalog_free(struct sim_catalog *c)
{
	size_t i;

	for (i = 0; i < c->nfiles; i++)
		free(c->files[i].path);
	for (i = 0; i < c->nfaults; i++)
		free(c->faults[i].target);
	for (i = 0; i < c->nrows; i++)
		free(c->rows[i].path);
	free(c->libs);
	free(c->tapes);
	free(c->files);
	free(c->faults);
	free(c->rows);
	free(c->slots);
	sim_catalog_init(c);
}

int
sim_catalog_lock(const char *path, char *err, size_t errlen)
{
	char lock[4096];
	int fd, n;

	n = snprintf(lock, sizeof(lock), "%s.lock", path);
	if (n < 0 || (size_t)n >= sizeof(lock)) {
		seterr(err, errlen, "catalogue path too long");
		return -1;
	}
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1) {
		seterr(err, errlen, "%s: %s", lock, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX) == -1) {
		if (errno == EINTR)
			continue;
		seterr(err, errlen, "lock %s: %s", lock, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void
sim_catalog_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* FNV-1a over a NUL-terminated string. */
static uint64_t
hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Puts file I into the table, which has room.  No duplicate check. */
static void
slot_put(struct sim_catalog *c, size_t i)
{
	size_t mask = c->nslots - 1;
	size_t s = (size_t)hash_str(c->files[i].path) & mask;

	while (c->slots[s] != 0)
		s = (s + 1) & mask;
	c->slots[s] = i + 1;
}

/* Keeps the table under half full.  Returns 0 or -1 (no memory). */
static int
slots_grow(struct sim_catalog *c, size_t want)
{
	size_t n = c->nslots ? c->nslots : 64, i;

	if (want * 2 <= c->nslots)
		return 0;
	while (n < want * 2)
		n *= 2;
	free(c->slots);
	if ((c->slots = calloc(n, sizeof(*c->slots))) == NULL) {
		c->nslots = 0;
		return -1;
	}
	c->nslots = n;
	for (i = 0; i < c->nfiles; i++)
		slot_put(c, i);
	return 0;
}

size_t
sim_catalog_find(const struct sim_catalog *c, const char *path)
{
	size_t mask, s, i;

	if (c->nslots == 0)
		return SIM_NONE;
	mask = c->nslots - 1;
	s = (size_t)hash_str(path) & mask;
	while ((i = c->slots[s]) != 0) {
		if (strcmp(c->files[i - 1].path, path) == 0)
			return i - 1;
		s = (s + 1) & mask;
	}
	return SIM_NONE;
}

size_t
sim_catalog_find_library(const struct sim_catalog *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nlibs; i++)
		if (strcmp(c->libs[i].name, name) == 0)
			return i;
	return SIM_NONE;
}

/* 1 if S fits a name field: non-empty, short, no tab, newline or space. */
static int
name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < SIM_NAME_MAX && strpbrk(s, "\t\n\r @") == NULL;
}

/* 1 if S can be stored as a path: non-empty, no tab or newline. */
static int
path_ok(const char *s)
{
	return s[0] != '\0' && strpbrk(s, "\t\n\r") == NULL;
}

/* Grows *ARR of N elements of SIZE by one; 0 or -1. */
static int
grow_one(void *arr, size_t n, size_t size)
{
	void **p = arr;
	void *q;

	if ((q = realloc(*p, (n + 1) * size)) == NULL)
		return -1;
	*p = q;
	return 0;
}

size_t
sim_catalog_add_library(struct sim_catalog *c, const char *name,
    unsigned drives)
{
	struct sim_library *l;

	if (!name_ok(name) || drives == 0 ||
	    sim_catalog_find_library(c, name) != SIM_NONE ||
	    grow_one(&c->libs, c->nlibs, sizeof(*c->libs)) == -1)
		return SIM_NONE;
	l = &c->libs[c->nlibs];
	memset(l, 0, sizeof(*l));
	memcpy(l->name, name, strlen(name) + 1);
	l->drives = drives;
	return c->nlibs++;
}

size_t
sim_catalog_add_tape(struct sim_catalog *c, const char *volser,
    const char *pool, size_t lib)
{
	struct sim_tape *t;

	if (!name_ok(volser) || !name_ok(pool) || lib >= c->nlibs ||
	    grow_one(&c->tapes, c->ntapes, sizeof(*c->tapes)) == -1)
		return SIM_NONE;
	t = &c->tapes[c->ntapes];
	memcpy(t->volser, volser, strlen(volser) + 1);
	memcpy(t->pool, pool, strlen(pool) + 1);
	t->lib = lib;
	return c->ntapes++;
}

size_t
sim_catalog_add_file(struct sim_catalog *c, const char *path,
    uint64_t size, size_t tape, uint64_t pos, char state)
{
	struct sim_file *f, *nf;
	size_t cap;

	if (!path_ok(path) || tape >= c->ntapes || state < 'A' ||
	    state > 'Z' || sim_catalog_find(c, path) != SIM_NONE ||
	    slots_grow(c, c->nfiles + 1) == -1)
		return SIM_NONE;
	if (c->nfiles == c->capfiles) {
		cap = c->capfiles ? c->capfiles * 2 : 256;
		if ((nf = realloc(c->files, cap * sizeof(*nf))) == NULL)
			return SIM_NONE;
		c->files = nf;
		c->capfiles = cap;
	}

	f = &c->files[c->nfiles];
	memset(f, 0, sizeof(*f));
	if ((f->path = strdup(path)) == NULL)
		return SIM_NONE;
	f->size = size;
	f->tape = tape;
	f->pos = pos;
	f->state = state;
	slot_put(c, c->nfiles);
	return c->nfiles++;
}

int
sim_fault_kind_parse(const char *s)
{
	size_t i;

	for (i = 0; i < SIM_NITEMS(fault_names); i++)
		if (strcmp(s, fault_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
sim_fault_kind_name(enum sim_fault_kind k)
{
	return (size_t)k < SIM_NITEMS(fault_names) ? fault_names[k] : "?";
}

int
sim_catalog_add_fault(struct sim_catalog *c, enum sim_fault_kind kind,
    const char *msgid, const char *cmd, uint64_t count, const char *target)
{
	struct sim_fault *f;

	if (strlen(msgid) >= SIM_MSGID_MAX || !name_ok(msgid) ||
	    !name_ok(cmd) || !path_ok(target) ||
	    grow_one(&c->faults, c->nfaults, sizeof(*c->faults)) == -1)
		return -1;
	f = &c->faults[c->nfaults];
	if ((f->target = strdup(target)) == NULL)
		return -1;
	f->kind = kind;
	memcpy(f->msgid, msgid, strlen(msgid) + 1);
	memcpy(f->cmd, cmd, strlen(cmd) + 1);
	f->count = count;
	c->nfaults++;
	return 0;
}

int
sim_catalog_add_row(struct sim_catalog *c, uint64_t task, int ok,
    const char *msgid, int64_t when, const char *path)
{
	struct sim_task_row *r;
	size_t i, j;

	if (strlen(msgid) >= SIM_MSGID_MAX || !name_ok(msgid) ||
	    !path_ok(path) ||
	    grow_one(&c->rows, c->nrows, sizeof(*c->rows)) == -1)
		return -1;
	r = &c->rows[c->nrows];
	if ((r->path = strdup(path)) == NULL)
		return -1;
	r->task = task;
	r->ok = ok;
	memcpy(r->msgid, msgid, strlen(msgid) + 1);
	r->when = when;
	c->nrows++;

	/* Forget tasks too old for anyone to ask about. */
	for (i = j = 0; i < c->nrows; i++) {
		if (c->rows[i].task + SIM_TASKS_KEPT <= task) {
			free(c->rows[i].path);
			continue;
		}
		c->rows[j++] = c->rows[i];
	}
	c->nrows = j;
	return 0;
}

/*
 * Splits LINE at tabs into at most MAX_FIELDS fields.  Returns the
 * number of fields, or MAX_FIELDS + 1 when there are more.
 */
static size_t
split(char *line, char **fld)
{
	size_t n = 0;
	char *p = line, *tab;

	for (;;) {
		if (n == MAX_FIELDS)
			return MAX_FIELDS + 1;
		fld[n++] = p;
		if ((tab = strchr(p, '\t')) == NULL)
			return n;
		*tab = '\0';
		p = tab + 1;
	}
}

/* Parses a double field; 0 or -1. */
static int
num_d(const char *s, double *v)
{
	return sim_parse_double(s, 0, 1e15, v);
}

static int
parse_param(struct sim_catalog *c, char **f)
{
	struct {
		const char	*name;
		double		*v;
	} d[] = {
		{ "mount_s", &c->params.mount_s },
		{ "unmount_s", &c->params.unmount_s },
		{ "seek_s_per_gb", &c->params.seek_s_per_gb },
		{ "read_mb_s", &c->params.read_mb_s },
		{ "speed", &c->speed },
		{ "clock_s", &c->clock_s },
	};
	size_t i;

	if (strcmp(f[1], "next_task") == 0)
		return sim_parse_u64(f[2], 1, UINT64_MAX / 2, &c->next_task);
	for (i = 0; i < SIM_NITEMS(d); i++)
		if (strcmp(f[1], d[i].name) == 0)
			return num_d(f[2], d[i].v);
	return -1;
}

static int
parse_stat(struct sim_catalog *c, char **f)
{
	size_t i;

	for (i = 0; i < SIM_STAT_MAX; i++)
		if (strcmp(f[1], sim_stat_names[i]) == 0)
			return sim_parse_u64(f[2], 0, UINT64_MAX, &c->stats[i]);
	return -1;
}

static int
parse_library(struct sim_catalog *c, char **f)
{
	uint64_t drives, mounts;
	double busy;
	size_t i;

	if (sim_parse_u64(f[2], 1, 1000, &drives) == -1 ||
	    num_d(f[3], &busy) == -1 ||
	    sim_parse_u64(f[4], 0, UINT64_MAX, &mounts) == -1 ||
	    (i = sim_catalog_add_library(c, f[1], (unsigned)drives)) ==
	    SIM_NONE)
		return -1;
	c->libs[i].busy_s = busy;
	c->libs[i].mounts = mounts;
	return 0;
}

static int
parse_tape(struct sim_catalog *c, char **f)
{
	uint64_t lib;

	if (sim_parse_u64(f[3], 0, SIZE_MAX - 1, &lib) == -1 ||
	    sim_catalog_add_tape(c, f[1], f[2], (size_t)lib) == SIM_NONE)
		return -1;
	return 0;
}

static int
parse_file(struct sim_catalog *c, char **f)
{
	uint64_t size, tape, pos, recalled, pid;
	size_t i;

	if (strlen(f[1]) != 1 ||
	    sim_parse_u64(f[2], 0, UINT64_MAX / 4, &size) == -1 ||
	    sim_parse_u64(f[3], 0, SIZE_MAX - 1, &tape) == -1 ||
	    sim_parse_u64(f[4], 0, UINT64_MAX / 4, &pos) == -1 ||
	    sim_parse_u64(f[5], 0, 1, &recalled) == -1 ||
	    sim_parse_u64(f[6], 0, INT32_MAX, &pid) == -1 ||
	    (i = sim_catalog_add_file(c, f[7], size, (size_t)tape, pos,
	    f[1][0])) == SIM_NONE)
		return -1;
	c->files[i].recalled = (int)recalled;
	c->files[i].busy_pid = (long)pid;
	return 0;
}

static int
parse_fault(struct sim_catalog *c, char **f)
{
	uint64_t count;
	int kind;

	if ((kind = sim_fault_kind_parse(f[1])) == -1 ||
	    sim_parse_u64(f[4], 0, UINT64_MAX, &count) == -1)
		return -1;
	return sim_catalog_add_fault(c, (enum sim_fault_kind)kind, f[2],
	    f[3], count, f[5]);
}

static int
parse_row(struct sim_catalog *c, char **f)
{
	uint64_t task, ok, when;

	if (sim_parse_u64(f[1], 1, UINT64_MAX / 2, &task) == -1 ||
	    sim_parse_u64(f[2], 0, 1, &ok) == -1 ||
	    sim_parse_u64(f[4], 0, INT64_MAX, &when) == -1)
		return -1;
	return sim_catalog_add_row(c, task, (int)ok, f[3], (int64_t)when,
	    f[5]);
}

/* One parser per record kind, with its number of fields. */
static const struct {
	const char	*kind;
	size_t		 nfields;
	int		(*parse)(struct sim_catalog *, char **);
} records[] = {
	{ "param", 3, parse_param },
	{ "stat", 3, parse_stat },
	{ "library", 5, parse_library },
	{ "tape", 4, parse_tape },
	{ "file", 8, parse_file },
	{ "fault", 6, parse_fault },
	{ "row", 6, parse_row },
};

int
sim_catalog_parse(struct sim_catalog *c, char *text, size_t len,
    char *err, size_t errlen)
{
	char *line = text, *nl, *end = text + len, *fld[MAX_FIELDS];
	size_t lineno = 0, n, i;

	if (memchr(text, '\0', len) != NULL) {
		seterr(err, errlen, "catalogue holds a NUL byte");
		return -1;
	}
	while (line < end) {
		lineno++;
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL) {
			seterr(err, errlen, "line %zu: no newline", lineno);
			return -1;
		}
		*nl = '\0';
		if (lineno == 1) {
			if (strcmp(line, CATALOG_MAGIC) != 0) {
				seterr(err, errlen, "not a catalogue");
				return -1;
			}
			line = nl + 1;
			continue;
		}

		n = split(line, fld);
		for (i = 0; i < SIM_NITEMS(records); i++)
			if (strcmp(fld[0], records[i].kind) == 0)
				break;
		if (i == SIM_NITEMS(records) || n != records[i].nfields ||
		    records[i].parse(c, fld) == -1) {
			seterr(err, errlen, "line %zu: bad record", lineno);
			return -1;
		}
		line = nl + 1;
	}
	if (lineno == 0) {
		seterr(err, errlen, "empty catalogue");
		return -1;
	}
	return 0;
}

int
sim_catalog_load(struct sim_catalog *c, const char *path, char *err,
    size_t errlen)
{
	struct stat st;
	char *text = NULL;
	size_t got = 0;
	ssize_t n;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || (text = malloc((size_t)st.st_size +
	    1)) == NULL) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, text + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			seterr(err, errlen, "%s: short read", path);
			goto out;
		}
		got += (size_t)n;
	}
	text[got] = '\0';
	rc = sim_catalog_parse(c, text, got, err, errlen);
out:
	free(text);
	close(fd);
	return rc;
}

int
sim_catalog_format(const struct sim_catalog *c, struct sim_str *o)
{
	const struct sim_file *f;
	const struct sim_fault *q;
	const struct sim_task_row *r;
	size_t i;
	int e = 0;

	e |= sim_str_printf(o, "%s\n", CATALOG_MAGIC);
	e |= sim_str_printf(o, "param\tmount_s\t%.17g\n", c->params.mount_s);
	e |= sim_str_printf(o, "param\tunmount_s\t%.17g\n",
	    c->params.unmount_s);
	e |= sim_str_printf(o, "param\tseek_s_per_gb\t%.17g\n",
	    c->params.seek_s_per_gb);
	e |= sim_str_printf(o, "param\tread_mb_s\t%.17g\n",
	    c->params.read_mb_s);
	e |= sim_str_printf(o, "param\tspeed\t%.17g\n", c->speed);
	e |= sim_str_printf(o, "param\tclock_s\t%.17g\n", c->clock_s);
	e |= sim_str_printf(o, "param\tnext_task\t%" PRIu64 "\n",
	    c->next_task);
	for (i = 0; i < SIM_STAT_MAX; i++)
		e |= sim_str_printf(o, "stat\t%s\t%" PRIu64 "\n",
		    sim_stat_names[i], c->stats[i]);

	for (i = 0; i < c->nlibs; i++)
		e |= sim_str_printf(o, "library\t%s\t%u\t%.17g\t%" PRIu64 "\n",
		    c->libs[i].name, c->libs[i].drives, c->libs[i].busy_s,
		    c->libs[i].mounts);
	for (i = 0; i < c->ntapes; i++)
		e |= sim_str_printf(o, "tape\t%s\t%s\t%zu\n",
		    c->tapes[i].volser, c->tapes[i].pool, c->tapes[i].lib);
	for (i = 0; i < c->nfiles; i++) {
		f = &c->files[i];
		e |= sim_str_printf(o, "file\t%c\t%" PRIu64 "\t%zu\t%" PRIu64
		    "\t%d\t%ld\t%s\n", f->state, f->size, f->tape, f->pos,
		    f->recalled, f->busy_pid, f->path);
	}
	for (i = 0; i < c->nfaults; i++) {
		q = &c->faults[i];
		e |= sim_str_printf(o, "fault\t%s\t%s\t%s\t%" PRIu64 "\t%s\n",
		    sim_fault_kind_name(q->kind), q->msgid, q->cmd, q->count,
		    q->target);
	}
	for (i = 0; i < c->nrows; i++) {
		r = &c->rows[i];
		e |= sim_str_printf(o, "row\t%" PRIu64 "\t%d\t%s\t%" PRId64
		    "\t%s\n", r->task, r->ok, r->msgid, r->when, r->path);
	}
	return e ? -1 : 0;
}

int
sim_catalog_save(const struct sim_catalog *c, const char *path, char *err,
    size_t errlen)
{
	struct sim_str text = { 0 };
	char tmp[4096];
	size_t off = 0;
	ssize_t n;
	int fd = -1, rc = -1, len;

	len = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (len < 0 || (size_t)len >= sizeof(tmp)) {
		seterr(err, errlen, "catalogue path too long");
		return -1;
	}
	if (sim_catalog_format(c, &text) == -1) {
		seterr(err, errlen, "out of memory");
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1) {
		seterr(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	while (off < text.len) {
		n = write(fd, text.s + off, text.len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			seterr(err, errlen, "%s: %s", tmp, strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}

	/* XXX: no fsync: a power cut may lose the catalogue; a test tool. */
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		fd = -1;
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	fd = -1;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (rc == -1)
		unlink(tmp);
	sim_str_free(&text);
	return rc;
}

int
sim_format_state_line(const struct sim_catalog *c, const struct sim_file *f,
    struct sim_str *out)
{
	const struct sim_tape *t = &c->tapes[f->tape];

	/* Only migrated and premigrated files have a copy on tape. */
	if (f->state == 'R' || (f->state != 'M' && f->state != 'P'))
		return sim_str_printf(out, "%c  0  -  -  -  -- %s\n",
		    f->state, f->path);
	return sim_str_printf(out, "%c  1  %s@%s@%s  -  -  -- %s\n",
	    f->state, t->volser, t->pool, c->libs[t->lib].name, f->path);
}

int
sim_format_task_row(const struct sim_task_row *r, const char *node,
    struct sim_str *out)
{
	struct tm tm;
	time_t t = (time_t)r->when;
	char when[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return -1;
	return sim_str_printf(out, "%-7s  %-9s  %s  %s  -- %s\n",
	    r->ok ? "Success" : "Fail", r->msgid, when, node, r->path);
}
