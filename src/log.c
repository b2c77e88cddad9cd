/*
 * log: see log.h.  The level is an atomic int so any thread may read it
 * without a lock; lines are formatted into a stack buffer and written with
 * one write(2) (stderr) or one syslog(3) call, which keeps them whole.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX	2048

static int log_foreground = 1;
static int log_level = LOG_LEVEL_INFO;
static const char *log_name = "ltfsee-globus";

/* The status level: never filtered, logged as notice. */
#define LOG_LEVEL_STATUS	4

static const int log_prio[] = { LOG_CRIT, LOG_WARNING, LOG_INFO, LOG_DEBUG,
    LOG_NOTICE };
static const char *const log_tag[] = { "crit", "warning", "info", "debug",
    "notice" };

void
log_init(const char *name, int foreground, enum log_level level)
{
	log_name = name;
	log_foreground = foreground;
	__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
	if (!foreground)
		openlog(name, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(enum log_level level)
{
	__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}

enum log_level
log_get_level(void)
{
	return __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

int
log_enabled(enum log_level level)
{
	return (int)level <= __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

int
log_level_parse(const char *name)
{
	static const struct {
		const char *name;
		enum log_level level;
	} names[] = {
		{ "critical", LOG_LEVEL_CRIT }, { "crit", LOG_LEVEL_CRIT },
		{ "error", LOG_LEVEL_WARN }, { "err", LOG_LEVEL_WARN },
		{ "warning", LOG_LEVEL_WARN }, { "warn", LOG_LEVEL_WARN },
		{ "info", LOG_LEVEL_INFO }, { "debug", LOG_LEVEL_DEBUG },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(name, names[i].name) == 0)
			return names[i].level;
	return -1;
}

/*
 * Formats and writes one line.  ERRCODE, when not 0, appends its
 * strerror text.  errno is preserved for the caller.
 */
static void
log_vwrite(int level, int errcode, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX], ebuf[128];
	const char *estr;
	size_t n;
	int saved = errno, r;

	if (level != LOG_LEVEL_STATUS && !log_enabled(level))
		goto out;

	r = vsnprintf(line, sizeof(line), fmt, ap);
	n = r < 0 ? 0 : (size_t)r;
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	if (errcode != 0) {
		estr = strerror_r(errcode, ebuf, sizeof(ebuf));
		r = snprintf(line + n, sizeof(line) - n, ": %s", estr);
		if (r > 0)
			n += (size_t)r >= sizeof(line) - n ?
			    sizeof(line) - n - 1 : (size_t)r;
	}

	if (log_foreground) {
		char out[LOG_LINE_MAX + 96];
		struct timespec ts;
		struct tm tm;
		int len;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		len = snprintf(out, sizeof(out),
		    "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s[%ld] %s: %.*s\n",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, log_name,
		    (long)getpid(), log_tag[level], (int)n, line);
		if (len > (int)sizeof(out))
			len = sizeof(out);
		/* A failed write has nowhere left to be reported. */
		(void)!write(STDERR_FILENO, out, (size_t)len);
	} else
		syslog(log_prio[level], "%s: %.*s", log_tag[level], (int)n,
		    line);
out:
	errno = saved;
}

#define LOG_BODY(level, code) do {				\
	va_list ap;						\
	va_start(ap, fmt);					\
	log_vwrite((level), (code), fmt, ap);			\
	va_end(ap);						\
} while (0)

void log_crit(const char *fmt, ...) { LOG_BODY(LOG_LEVEL_CRIT, 0); }
void log_warn(const char *fmt, ...) { LOG_BODY(LOG_LEVEL_WARN, errno); }
void log_warnx(const char *fmt, ...) { LOG_BODY(LOG_LEVEL_WARN, 0); }
void log_info(const char *fmt, ...) { LOG_BODY(LOG_LEVEL_INFO, 0); }
void log_debug(const char *fmt, ...) { LOG_BODY(LOG_LEVEL_DEBUG, 0); }
void log_status(const char *fmt, ...) { LOG_BODY(LOG_LEVEL_STATUS, 0); }

void
log_warnc(int code, const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARN, code);
}

void
fatal(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_CRIT, errno);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_CRIT, 0);
	exit(1);
}
