/*
 * notify: the systemd service notification protocol, without libsystemd.
 *
 * Under a unit with Type=notify, systemd passes a datagram socket in
 * $NOTIFY_SOCKET (a path, or an abstract name written with a leading
 * '@').  The daemon says READY=1 once it serves, RELOADING=1 and READY=1
 * around a reload, STOPPING=1 when it begins to stop, and, when the unit
 * sets WatchdogSec=, WATCHDOG=1 from a small thread at half the interval.
 * Without $NOTIFY_SOCKET every call does nothing.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

/*
 * Reads and unsets $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID (so
 * that eeadm and sudo do not inherit them).  Call before any thread is
 * started: it changes the environment.  Returns 0, or -1 (logged) when
 * the socket cannot be opened; the daemon then runs without notifying.
 */
int	notify_init(void);

/* READY=1 and STATUS=STATUS; starts the watchdog pings if asked for. */
void	notify_ready(const char *status);

/* RELOADING=1 with MONOTONIC_USEC= (systemd 253 and later want it). */
void	notify_reloading(void);

/* STOPPING=1; stops the watchdog pings. */
void	notify_stopping(void);

/* STATUS=STATUS alone. */
void	notify_status(const char *status);

#endif
