/*
 * catalog: the simulator's state and its file on disk.
 *
 * Every run of the simulator locks the catalogue (flock on PATH.lock
 * beside it, so the lock survives the catalogue's replacement), loads it
 * whole, acts, saves it when it changed (a temporary file renamed over the
 * old one, so a reader never sees half a catalogue), and unlocks.  Runs
 * never hold the lock while they sleep out a recall's tape time.
 *
 * The file is text, one record per line, fields separated by tabs, the
 * path always last (it may hold spaces, never a tab or a newline):
 *
 *	eeadm-sim catalogue 1
 *	param NAME VALUE		mount_s, speed, next_task, clock_s...
 *	stat NAME COUNT			runs by subcommand, mounts, files...
 *	library NAME DRIVES BUSY_S MOUNTS
 *	tape VOLSER POOL LIBRARY_INDEX
 *	file STATE SIZE TAPE_INDEX POS RECALLED BUSY_PID PATH
 *	fault KIND MSGID COMMAND COUNT TARGET
 *	row TASK OK MSGID UNIX_TIME PATH
 *
 * Library and tape lines come before the lines that name them by index.
 * Files are found by path through an open-addressing hash table.
 * Error contract: 0 or -1 with a message in the caller's ERR buffer.
 */
#ifndef CATALOG_H
#define CATALOG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "model.h"
#include "simutil.h"

#define SIM_NAME_MAX	64
#define SIM_MSGID_MAX	16
#define SIM_TASKS_KEPT	512	/* task rows kept for "task show -r" */
#define SIM_NONE	SIZE_MAX

struct sim_library {
	char		 name[SIM_NAME_MAX];
	unsigned	 drives;
	double		 busy_s;	/* model seconds of its recalls */
	uint64_t	 mounts;
};

struct sim_tape {
	char		 volser[SIM_NAME_MAX];
	char		 pool[SIM_NAME_MAX];
	size_t		 lib;
};

struct sim_file {
	char		*path;		/* owned */
	uint64_t	 size;
	uint64_t	 pos;		/* offset of its first byte on tape */
	size_t		 tape;
	char		 state;		/* 'R', 'P', 'M' or any letter */
	int		 recalled;	/* read from tape at least once */
	long		 busy_pid;	/* a recall run holding it, or 0 */
};

enum sim_fault_kind {
	SIM_FAULT_FAIL,		/* the file fails with MSGID */
	SIM_FAULT_BUSY,		/* the file is in another task */
	SIM_FAULT_HANG,		/* the run hangs */
	SIM_FAULT_CRASH,	/* the run aborts */
	SIM_FAULT_GARBAGE	/* the run prints garbage and exits 0 */
};

struct sim_fault {
	enum sim_fault_kind	 kind;
	char			 msgid[SIM_MSGID_MAX];
	char			 cmd[SIM_NAME_MAX];	/* "any" or a command */
	uint64_t		 count;		/* firings left; 0: always */
	char			*target;	/* a path, or "-" for runs */
};

struct sim_task_row {
	uint64_t	 task;
	int		 ok;
	char		 msgid[SIM_MSGID_MAX];
	int64_t		 when;
	char		*path;		/* owned */
};

enum sim_stat {
	SIM_STAT_RUNS_FILE_STATE,	/* runs of the eeadm commands */
	SIM_STAT_RUNS_RECALL,
	SIM_STAT_RUNS_TASK_SHOW,
	SIM_STAT_PATHS_STATED,	/* paths asked by file state */
	SIM_STAT_PATHS_LISTED,	/* paths in recall lists */
	SIM_STAT_FILES_READ,	/* files read from tape */
	SIM_STAT_FILES_FAILED,	/* Fail rows */
	SIM_STAT_MOUNTS,
	SIM_STAT_MAX
};

struct sim_catalog {
	struct sim_params	 params;
	double			 speed;		/* wall seconds per model s */
	double			 clock_s;	/* model s, all libraries */
	uint64_t		 next_task;
	uint64_t		 stats[SIM_STAT_MAX];

	struct sim_library	*libs;
	size_t			 nlibs;
	struct sim_tape		*tapes;
	size_t			 ntapes;
	struct sim_file		*files;
	size_t			 nfiles, capfiles;
	struct sim_fault	*faults;
	size_t			 nfaults;
	struct sim_task_row	*rows;
	size_t			 nrows;

	size_t			*slots;		/* file index + 1, 0: empty */
	size_t			 nslots;	/* a power of two */
};

extern const char *const sim_stat_names[SIM_STAT_MAX];

/* An empty catalogue with default parameters. */
void	sim_catalog_init(struct sim_catalog *);
void	sim_catalog_free(struct sim_catalog *);

/*
 * Takes the exclusive lock of the catalogue at PATH, waiting for it.
 * Returns the lock's descriptor (give it to sim_catalog_unlock) or -1.
 */
int	sim_catalog_lock(const char *path, char *err, size_t errlen);
void	sim_catalog_unlock(int fd);

/* Reads PATH into an initialised, empty C.  The lock should be held. */
int	sim_catalog_load(struct sim_catalog *c, const char *path, char *err,
	    size_t errlen);
/* Parses a whole catalogue text TEXT[0..LEN) into an empty C. */
int	sim_catalog_parse(struct sim_catalog *c, char *text, size_t len,
	    char *err, size_t errlen);
/* Appends C as catalogue text to OUT. */
int	sim_catalog_format(const struct sim_catalog *c, struct sim_str *out);
/* Writes C to PATH atomically.  The lock should be held. */
int	sim_catalog_save(const struct sim_catalog *c, const char *path,
	    char *err, size_t errlen);

/* Adds a library, tape or file; returns its index or SIM_NONE. */
size_t	sim_catalog_add_library(struct sim_catalog *, const char *name,
	    unsigned drives);
size_t	sim_catalog_add_tape(struct sim_catalog *, const char *volser,
	    const char *pool, size_t lib);
size_t	sim_catalog_add_file(struct sim_catalog *, const char *path,
	    uint64_t size, size_t tape, uint64_t pos, char state);
/* The index of the file at PATH, or SIM_NONE. */
size_t	sim_catalog_find(const struct sim_catalog *, const char *path);
/* The index of the library called NAME, or SIM_NONE. */
size_t	sim_catalog_find_library(const struct sim_catalog *,
	    const char *name);

/* Adds a fault (TARGET is copied); 0 or -1. */
int	sim_catalog_add_fault(struct sim_catalog *, enum sim_fault_kind,
	    const char *msgid, const char *cmd, uint64_t count,
	    const char *target);
/* Parses a fault kind name ("fail", "busy"...); -1 if unknown. */
int	sim_fault_kind_parse(const char *);
const char *sim_fault_kind_name(enum sim_fault_kind);

/* Adds a task row (PATH is copied) and drops rows of old tasks. */
int	sim_catalog_add_row(struct sim_catalog *, uint64_t task, int ok,
	    const char *msgid, int64_t when, const char *path);

/*
 * Appends F's line of "eeadm file state -s" to OUT: letter, replicas,
 * three tape columns, "--", the path, a newline.
 */
int	sim_format_state_line(const struct sim_catalog *,
	    const struct sim_file *f, struct sim_str *out);
/* Appends R's line of "eeadm task show -r" (time in UTC) to OUT. */
int	sim_format_task_row(const struct sim_task_row *r, const char *node,
	    struct sim_str *out);

#endif
