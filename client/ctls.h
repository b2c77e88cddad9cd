/*
 * ctls: the stage app's TLS client over BearSSL.  Every br_* call of the
 * client lives in ctls.c.
 *
 * One connection at a time (the stage app talks to one server after
 * another), held in static storage: the I/O buffer is never allocated.
 * The trust anchors are read from the CA file on the first handshake and
 * kept for the failover attempts that follow.  Every call takes an
 * absolute deadline (util_now_ms() milliseconds) and waits with poll(2)
 * on the non-blocking socket, never past it.  Error contract: -1 with a
 * reason in ERR (the key and the request are never part of it).
 */
#ifndef CTLS_H
#define CTLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The system bundles tried when no CA file is set (Debian, RHEL). */
#define CTLS_CA_DEBIAN	"/etc/ssl/certs/ca-certificates.crt"
#define CTLS_CA_RHEL	"/etc/pki/tls/certs/ca-bundle.crt"

struct ctls;

/*
 * Starts TLS 1.2 on the connected non-blocking socket FD and completes
 * the handshake.  HOST is the name checked against the certificate when
 * VERIFY is set; CA_FILE (NULL: a system bundle) holds the trusted
 * certificates in PEM.  With VERIFY off, any certificate is accepted.
 * Returns the connection, or NULL with ERR set.
 */
struct ctls *ctls_open(int fd, const char *host, const char *ca_file,
	    int verify, int64_t deadline, char *err, size_t errlen);

/* Sends all of BUF and flushes it.  0 or -1. */
int	ctls_write(struct ctls *c, const void *buf, size_t len,
	    int64_t deadline, char *err, size_t errlen);

/*
 * Reads up to LEN decrypted bytes.  Returns the count (> 0), 0 at the end
 * of the stream (close_notify or the socket closed), or -1.
 */
ssize_t	ctls_read(struct ctls *c, void *buf, size_t len,
	    int64_t deadline, char *err, size_t errlen);

/*
 * The sentence for BearSSL error CODE: HANDSHAKE says it came before the
 * handshake ended, IP_HOST that the URL's host is an IP literal,
 * CA_FILE_SET that CA_FILE was given.  Returns a static string.
 */
const char *ctls_message(int code, int handshake, int ip_host,
	    int ca_file_set);

/* Forgets the connection (the caller closes the socket). */
void	ctls_close(struct ctls *c);

#endif
