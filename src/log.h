/*
 * log: one small logger for the daemon and the stage app.
 *
 * Levels, most to least severe: crit, warn, info, debug.  Lines go to
 * stderr (foreground) or syslog (service), one write per line so threads
 * never interleave.  Every call saves and restores errno.  The "x" forms
 * do not append strerror(errno); log_warnc() appends strerror of a given
 * code, for pthread calls that return their error.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_CRIT = 0,
	LOG_LEVEL_WARN = 1,
	LOG_LEVEL_INFO = 2,
	LOG_LEVEL_DEBUG = 3
};

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Starts logging as NAME; to stderr when foreground, else to syslog. */
void log_init(const char *name, int foreground, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Parses "error", "warning", "info", "debug" (any case, Python level
 * names included: CRITICAL, ERROR, WARNING, INFO, DEBUG); -1 if unknown. */
int log_level_parse(const char *name);

void log_crit(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnc(int code, const char *fmt, ...) LOG_PRINTF(2, 3);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);

/*
 * A line written whatever the level (syslog's notice): start, stop,
 * reload and what SIGUSR1 asks for, so an admin sees them at the default
 * level.
 */
void log_status(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);

/* Logs at crit (with strerror for fatal, without for fatalx), exits 1. */
void fatal(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));

/* True when a line of LEVEL would be written: guards costly formatting. */
int log_enabled(enum log_level level);

#endif
