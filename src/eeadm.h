/*
 * eeadm: running IBM Spectrum Archive's eeadm and reading its output.
 *
 * The command is an argument vector built once from the EEADM setting (a
 * program and an optional prefix such as "sudo -n"), never a shell.  Each
 * run has stdin on /dev/null, stdout and stderr captured up to a bound,
 * and a timeout after which the whole process group is killed.  The
 * parsers are pure functions over the captured bytes.  eeadm_run() may be
 * called from any thread at once.
 */
#ifndef EEADM_H
#define EEADM_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define EEADM_MAX_ARGV	16

struct eeadm {
	char	*argv[EEADM_MAX_ARGV];	/* the command and its prefix */
	size_t	 argc;
	size_t	 max_output;		/* bytes kept of stdout and stderr */
};

struct eeadm_result {
	int		 exited;	/* 1: exit status in status */
	int		 status;	/* exit status, or the signal */
	int		 timed_out;	/* killed at the timeout */
	int		 truncated;	/* output over max_output was cut */
	struct buf	 out;		/* stdout */
	struct buf	 err;		/* stderr */
	int64_t		 elapsed_ms;
};

/*
 * Splits CMDLINE on blanks (no quoting) into E's argv.  Returns 0, or -1
 * with a reason in ERR (empty, too many words, not an absolute program).
 */
int	eeadm_init(struct eeadm *e, const char *cmdline, size_t max_output,
	    char *err, size_t errlen);
void	eeadm_free(struct eeadm *e);

/*
 * Runs the command with ARGS[0..NARGS) appended, waits at most TIMEOUT_MS.
 * Returns 0 when it ran (look at *r: exited, status, timed_out), -1 when
 * it could not be started (logged).  *r is always initialised; the caller
 * frees it with eeadm_result_free().
 */
int	eeadm_run(const struct eeadm *e, const char *const args[],
	    size_t nargs, int64_t timeout_ms, struct eeadm_result *r);
void	eeadm_result_free(struct eeadm_result *r);

/* One line of "eeadm file state -s". */
struct eeadm_file_state {
	char		 state;		/* 'R', 'P', 'M', or another letter */
	unsigned	 replicas;
	char		 tapes[3][96];	/* "VOLSER@POOL@LIBRARY", "" for - */
	const char	*path;		/* points into the parsed line */
	size_t		 path_len;
};

/*
 * Parses one line (without its newline).  The path is everything after
 * the first " -- ", spaces and further " -- " included.  Returns 0, or -1
 * when the line is not of that form.
 */
int	eeadm_parse_state_line(const char *line, size_t len,
	    struct eeadm_file_state *st);

/*
 * Finds in OUT the line whose path is PATH exactly.  Returns 0 (found,
 * *st filled), 1 (no such line), -1 (a line for PATH is malformed).
 */
int	eeadm_find_state(const char *out, size_t len, const char *path,
	    struct eeadm_file_state *st);

/* 1 if the output says a file does not exist, else 0. */
int	eeadm_says_not_found(const char *out, size_t len);

/* Finds "task ID is N".  Returns 0 with *id, or -1 when there is none. */
int	eeadm_parse_task_id(const char *out, size_t len, uint64_t *id);

/* One row of "eeadm task show -r N". */
struct eeadm_task_row {
	int		 success;	/* "Success" (1) or "Fail" (0) */
	char		 msgid[16];	/* "GLESM431E", "" if none */
	char		*path;		/* malloc'd */
};

/*
 * Parses every per-file row of "task show -r" output into a malloc'd
 * array (*rows, *nrows; free with eeadm_task_rows_free()); lines that are
 * not rows are skipped.  Returns 0 or -1 (no memory).
 */
int	eeadm_parse_task_show(const char *out, size_t len,
	    struct eeadm_task_row **rows, size_t *nrows);
void	eeadm_task_rows_free(struct eeadm_task_row *rows, size_t nrows);

#endif
