/*
 * tls: the daemon's TLS over BearSSL.  Every br_* call of the daemon lives
 * in tls.c.
 *
 * A struct tls_server holds the certificate chain, the private key and
 * the session cache; it is shared by every connection and may be
 * reloaded (SIGHUP) while connections are open: a connection keeps the
 * pair it started with, new handshakes take the new pair.  A struct
 * tls_conn belongs to one connection and is used by one thread at a time
 * (the worker that owns the connection); it never blocks on reads.
 */
#ifndef TLS_H
#define TLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

#define TLS_AGAIN	(-2)	/* no more bytes until the socket is ready */

struct tls_server;
struct tls_conn;

/*
 * Loads CERTFILE and KEYFILE (and the protocol settings) from CFG.
 * Returns NULL with "file: reason" in ERR on any fault: unreadable,
 * empty, truncated, encrypted key, unusable key type or size, key that
 * does not match the leaf certificate.
 */
struct tls_server *tls_server_new(const struct config_server *cfg,
	    char *err, size_t errlen);

/*
 * Loads a new pair for later handshakes.  On failure the old pair stays
 * and -1 is returned with the reason in ERR.  Safe while connections run.
 */
int	tls_server_reload(struct tls_server *srv,
	    const struct config_server *cfg, char *err, size_t errlen);
void	tls_server_free(struct tls_server *srv);

/* A connection over the non-blocking socket FD; NULL if out of memory. */
struct tls_conn *tls_conn_new(struct tls_server *srv, int fd);

/*
 * Reads decrypted bytes, driving the handshake as needed (and flushing
 * what the engine must send).  Returns the count read (> 0), 0 at the
 * end of the stream, TLS_AGAIN when the engine holds no plaintext and the
 * socket has no more bytes now, or -1 on a TLS or socket fault (logged at
 * debug).
 */
ssize_t	tls_conn_read(struct tls_conn *c, void *buf, size_t len);

/* 1 while bytes the engine received are not yet read out, else 0. */
int	tls_conn_pending(struct tls_conn *c);

/* 1 once the handshake has completed. */
int	tls_conn_established(struct tls_conn *c);

/*
 * Encrypts and sends all of BUF, waiting for the socket (poll) no later
 * than DEADLINE_MS (util_now_ms() clock).  Returns 0 or -1.
 */
int	tls_conn_write(struct tls_conn *c, const void *buf, size_t len,
	    int64_t deadline_ms);

/* Sends close_notify, waiting no later than DEADLINE_MS; frees C. */
void	tls_conn_close(struct tls_conn *c, int64_t deadline_ms);

/*
 * The MD5 digest of DATA into OUT.  Not for security: the library a task
 * goes to is picked by MD5 of its id, as the Python version did.  It is
 * here because every BearSSL call of the daemon is in tls.c.
 */
void	tls_md5(const void *data, size_t len, unsigned char out[16]);

/*
 * Counters for /metrics since start: handshakes completed, and
 * connections closed before their handshake completed (a failed or
 * abandoned handshake).  Any thread.
 */
struct tls_stats {
	uint64_t	handshakes;
	uint64_t	handshake_failures;
};

void	tls_stats(struct tls_stats *s);

#endif
