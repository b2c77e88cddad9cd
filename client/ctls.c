/*
 * ctls: see ctls.h.
 *
 * Design: a single static connection (client context, X.509 context,
 * I/O buffer), since the stage app is single-threaded and talks to one
 * server at a time.  The engine is driven by hand: pending records are
 * always sent first, then the loop stops once the state the caller needs
 * (SENDAPP to write, RECVAPP to read) is reached, else it reads records
 * from the socket.  Socket waits use poll(2) bounded by the caller's
 * deadline.
 *
 * Trust anchors: every CERTIFICATE object of the PEM bundle is decoded
 * with br_x509_decoder and its name and key copied to the heap, once per
 * process.  With verification off, a small X.509 class (ctls_nv_*) takes
 * the key of the first certificate of the chain and checks nothing else.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bearssl.h>

#include "ctls.h"
#include "util.h"

#define CTLS_CA_MAX	(8 * 1024 * 1024)	/* largest CA bundle read */

struct ctls_nv {
	const br_x509_class	*vtable;
	br_x509_decoder_context	 dec;
	int			 index;		/* cert in chain */
};

struct ctls {
	int			 fd;
	br_ssl_client_context	 sc;
	br_x509_minimal_context	 xc;
	struct ctls_nv		 nv;
	int			 handshake;	/* ctls_open running */
	int			 ip_host;	/* host is an IP literal */
	int			 ca_file_set;	/* CA_FILE given */
	unsigned char		 iobuf[BR_SSL_BUFSIZE_BIDI];
};

static struct ctls ctls_conn;
static br_x509_trust_anchor *ctls_tas;
static size_t ctls_ntas;
static int ctls_tas_loaded;

/* The no-verification X.509 class: keeps the leaf key, trusts anything. */
static void
ctls_nv_start_chain(const br_x509_class **ctx, const char *server_name)
{
	struct ctls_nv *nv = (struct ctls_nv *)(void *)ctx;

	nv->index = 0;
}

static void
ctls_nv_start_cert(const br_x509_class **ctx, uint32_t length)
{
	struct ctls_nv *nv = (struct ctls_nv *)(void *)ctx;

	if (nv->index == 0)
		br_x509_decoder_init(&nv->dec, NULL, NULL);
}

static void
ctls_nv_append(const br_x509_class **ctx, const unsigned char *buf,
    size_t len)
{
	struct ctls_nv *nv = (struct ctls_nv *)(void *)ctx;

	if (nv->index == 0)
		br_x509_decoder_push(&nv->dec, buf, len);
}

static void
ctls_nv_end_cert(const br_x509_class **ctx)
{
	struct ctls_nv *nv = (struct ctls_nv *)(void *)ctx;

	nv->index++;
}

static unsigned
ctls_nv_end_chain(const br_x509_class **ctx)
{
	struct ctls_nv *nv = (struct ctls_nv *)(void *)ctx;

	if (nv->index == 0)
		return BR_ERR_X509_EMPTY_CHAIN;
	return br_x509_decoder_get_pkey(&nv->dec) != NULL ? 0 :
	    BR_ERR_X509_UNSUPPORTED;
}

static const br_x509_pkey *
ctls_nv_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	struct ctls_nv *nv = (struct ctls_nv *)(uintptr_t)ctx;

	if (usages != NULL)
		*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
	return br_x509_decoder_get_pkey(&nv->dec);
}

static const br_x509_class ctls_nv_class = {
	sizeof(struct ctls_nv), ctls_nv_start_chain, ctls_nv_start_cert,
	ctls_nv_append, ctls_nv_end_cert, ctls_nv_end_chain, ctls_nv_get_pkey,
};

/* A br_pem and br_x509 output callback: appends to a struct buf. */
static void
ctls_buf_append(void *ctx, const void *data, size_t len)
{
	struct buf *b = ctx;

	if (b->cap != SIZE_MAX && buf_append(b, data, len) == -1) {
		buf_free(b);
		b->cap = SIZE_MAX;	/* marks the failure */
	}
}

/* Copies N bytes of P to the heap; NULL when out of memory. */
static unsigned char *
ctls_dup(const unsigned char *p, size_t n)
{
	unsigned char *q = malloc(n > 0 ? n : 1);

	if (q != NULL && n > 0)
		memcpy(q, p, n);
	return q;
}

/*
 * Decodes the DER certificate DER[0..LEN) into a new trust anchor at the
 * end of ctls_tas.  Returns 0, 1 for a certificate skipped (a key type
 * BearSSL does not know), or -1 when out of memory.
 */
static int
ctls_add_anchor(const unsigned char *der, size_t len)
{
	br_x509_decoder_context dc;
	br_x509_trust_anchor *ta, *tas;
	const br_x509_pkey *pk;
	struct buf dn;

	buf_init(&dn);
	br_x509_decoder_init(&dc, ctls_buf_append, &dn);
	br_x509_decoder_push(&dc, der, len);
	if (dn.cap == SIZE_MAX)
		return -1;
	if ((pk = br_x509_decoder_get_pkey(&dc)) == NULL) {
		buf_free(&dn);
		return 1;
	}

	tas = realloc(ctls_tas, (ctls_ntas + 1) * sizeof(*tas));
	if (tas == NULL)
		goto nomem;
	ctls_tas = tas;
	ta = &tas[ctls_ntas];
	memset(ta, 0, sizeof(*ta));
	ta->dn.data = ctls_dup((const unsigned char *)dn.data, dn.len);
	ta->dn.len = dn.len;
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = ctls_dup(pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = ctls_dup(pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
		if (ta->pkey.key.rsa.n == NULL || ta->pkey.key.rsa.e == NULL)
			goto nomem;
	} else if (pk->key_type == BR_KEYTYPE_EC) {
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = ctls_dup(pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
		if (ta->pkey.key.ec.q == NULL)
			goto nomem;
	} else {
		buf_free(&dn);
		return 1;
	}
	if (ta->dn.data == NULL)
		goto nomem;
	ctls_ntas++;
	buf_free(&dn);
	return 0;

nomem:
	buf_free(&dn);
	return -1;
}

/* Reads the whole of FILE (at most CTLS_CA_MAX) into B.  0 or -1. */
static int
ctls_read_file(const char *file, struct buf *b, char *err, size_t errlen)
{
	char chunk[16384];
	size_t n;
	FILE *fp;
	int r = -1;

	if ((fp = fopen(file, "re")) == NULL) {
		util_errf(err, errlen, "CA file %s: %s", file, strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (b->len + n > CTLS_CA_MAX) {
			util_errf(err, errlen, "CA file %s: too large", file);
			goto out;
		}
		if (buf_append(b, chunk, n) == -1) {
			util_errf(err, errlen, "CA file %s: out of memory",
			    file);
			goto out;
		}
	}
	if (ferror(fp)) {
		util_errf(err, errlen, "CA file %s: %s", file, strerror(errno));
		goto out;
	}
	r = 0;
out:
	fclose(fp);
	return r;
}

/*
 * Loads every certificate of the PEM bundle FILE as a trust anchor.
 * Returns 0, or -1 when the file cannot be read, is not PEM, or holds no
 * usable certificate.
 */
static int
ctls_load_anchors(const char *file, char *err, size_t errlen)
{
	br_pem_decoder_context pc;
	struct buf pem, der;
	const char *p;
	size_t left, n;
	int in_cert = 0, r = -1;

	buf_init(&pem);
	buf_init(&der);
	if (ctls_read_file(file, &pem, err, errlen) == -1)
		goto out;
	/* The PEM decoder needs a final newline to finish the last object. */
	if (buf_puts(&pem, "\n") == -1)
		goto nomem;

	br_pem_decoder_init(&pc);
	p = pem.data;
	left = pem.len;
	while (left > 0) {
		n = br_pem_decoder_push(&pc, p, left);
		p += n;
		left -= n;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			in_cert = strcmp(br_pem_decoder_name(&pc),
			    "CERTIFICATE") == 0 || strcmp(
			    br_pem_decoder_name(&pc), "X509 CERTIFICATE") == 0;
			buf_reset(&der);
			br_pem_decoder_setdest(&pc, in_cert ?
			    ctls_buf_append : NULL, &der);
			break;
		case BR_PEM_END_OBJ:
			if (der.cap == SIZE_MAX)
				goto nomem;
			if (in_cert && ctls_add_anchor((unsigned char *)
			    der.data, der.len) == -1)
				goto nomem;
			in_cert = 0;
			break;
		case BR_PEM_ERROR:
			util_errf(err, errlen, "CA file %s: malformed PEM",
			    file);
			goto out;
		default:
			break;
		}
	}
	if (ctls_ntas == 0) {
		util_errf(err, errlen, "CA file %s: no usable certificate",
		    file);
		goto out;
	}
	r = 0;
	goto out;

nomem:
	util_errf(err, errlen, "CA file %s: out of memory", file);
out:
	buf_free(&pem);
	if (der.cap != SIZE_MAX)
		buf_free(&der);
	return r;
}

const char *
ctls_message(int code, int handshake, int ip_host, int ca_file_set)
{
	switch (code) {
	case BR_ERR_X509_NOT_TRUSTED:
		return ca_file_set ? "server certificate not trusted: its CA "
		    "is not in CA_FILE" : "server certificate not trusted: "
		    "its CA is not in the system bundle (set CA_FILE)";
	case BR_ERR_X509_BAD_SERVER_NAME:
		if (ip_host)
			return "server certificate does not match the host "
			    "name: BearSSL checks DNS names only: use the "
			    "server's host name in LTFSEE_URL, or "
			    "tls_verify = no";
		/* XXX: a name mismatch hides a CA problem checked later. */
		return ca_file_set ? "server certificate does not match the "
		    "host name in LTFSEE_URL" : "server certificate does not "
		    "match the host name in LTFSEE_URL (its CA is checked "
		    "after the name: set CA_FILE if it is a private CA)";
	case BR_ERR_X509_EXPIRED:
		return "server certificate expired or not yet valid (check "
		    "the clocks)";
	case BR_ERR_BAD_VERSION:
		return "server does not speak TLS 1.2";
	case BR_ERR_UNSUPPORTED_VERSION:
	case BR_ERR_UNKNOWN_TYPE:
	case BR_ERR_UNEXPECTED:
		if (handshake)
			return "the server did not answer in TLS (is it plain "
			    "HTTP?)";
		return "unexpected TLS record";
	default:
		if (code >= BR_ERR_RECV_FATAL_ALERT &&
		    code < BR_ERR_RECV_FATAL_ALERT + 256)
			return "server sent a fatal TLS alert";
		return "TLS failure";
	}
}

/*
 * Drives the engine until its state has one of the WANT bits, sending
 * every pending record first.  Returns the state; BR_SSL_CLOSED when the
 * engine closed or the socket ended; -1 on a fault (ERR set).
 */
static int
ctls_run(struct ctls *c, unsigned want, int64_t deadline, char *err,
    size_t errlen)
{
	br_ssl_engine_context *eng = &c->sc.eng;
	unsigned char *p;
	unsigned st;
	size_t len;
	ssize_t n;
	int code;

	for (;;) {
		st = br_ssl_engine_current_state(eng);
		if (st & BR_SSL_CLOSED) {
			if ((code = br_ssl_engine_last_error(eng)) == BR_ERR_OK)
				return BR_SSL_CLOSED;
			util_errf(err, errlen, "%s (BearSSL error %d)",
			    ctls_message(code, c->handshake, c->ip_host,
			    c->ca_file_set), code);
			return -1;
		}

		if (st & BR_SSL_SENDREC) {
			p = br_ssl_engine_sendrec_buf(eng, &len);
			n = write(c->fd, p, len);
			if (n > 0) {
				br_ssl_engine_sendrec_ack(eng, (size_t)n);
				continue;
			}
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				goto sockerr;
			if (util_wait_fd(c->fd, POLLOUT, deadline, err,
			    errlen) == -1)
				return -1;
			continue;
		}
		if (st & want)
			return (int)st;

		if (st & BR_SSL_RECVREC) {
			p = br_ssl_engine_recvrec_buf(eng, &len);
			n = read(c->fd, p, len);
			if (n > 0) {
				br_ssl_engine_recvrec_ack(eng, (size_t)n);
				continue;
			}
			if (n == 0)
				return BR_SSL_CLOSED;
			if (errno != EAGAIN && errno != EINTR)
				goto sockerr;
			if (util_wait_fd(c->fd, POLLIN, deadline, err,
			    errlen) == -1)
				return -1;
			continue;
		}

		/* Neither side can move: the engine waits for the caller. */
		util_errf(err, errlen, "TLS engine stalled");
		return -1;
	}

sockerr:
	util_errf(err, errlen, "%s", strerror(errno));
	return -1;
}

struct ctls *
ctls_open(int fd, const char *host, const char *ca_file, int verify,
    int64_t deadline, char *err, size_t errlen)
{
	struct ctls *c = &ctls_conn;
	struct in6_addr a6;
	int st, ca_file_set;

	/* The configuration fills in a system bundle when CA_FILE is unset. */
	ca_file_set = ca_file != NULL && strcmp(ca_file, CTLS_CA_DEBIAN) != 0 &&
	    strcmp(ca_file, CTLS_CA_RHEL) != 0;
	if (verify && !ctls_tas_loaded) {
		if (ca_file == NULL)
			ca_file = access(CTLS_CA_DEBIAN, R_OK) == 0 ?
			    CTLS_CA_DEBIAN : CTLS_CA_RHEL;
		if (ctls_load_anchors(ca_file, err, errlen) == -1)
			return NULL;
		ctls_tas_loaded = 1;
	}

	memset(c, 0, offsetof(struct ctls, iobuf));
	c->fd = fd;
	c->ip_host = inet_pton(AF_INET, host, &a6) == 1 ||
	    inet_pton(AF_INET6, host, &a6) == 1;
	c->ca_file_set = ca_file_set;
	br_ssl_client_init_full(&c->sc, &c->xc, ctls_tas, ctls_ntas);
	br_ssl_engine_set_versions(&c->sc.eng, BR_TLS12, BR_TLS12);
	if (!verify) {
		c->nv.vtable = &ctls_nv_class;
		br_ssl_engine_set_x509(&c->sc.eng, &c->nv.vtable);
	}
	br_ssl_engine_set_buffer(&c->sc.eng, c->iobuf, sizeof(c->iobuf), 1);
	if (!br_ssl_client_reset(&c->sc, host, 0)) {
		util_errf(err, errlen, "TLS setup failed (BearSSL error %d)",
		    br_ssl_engine_last_error(&c->sc.eng));
		return NULL;
	}

	/* The handshake is over once application data may be sent. */
	c->handshake = 1;
	st = ctls_run(c, BR_SSL_SENDAPP, deadline, err, errlen);
	c->handshake = 0;
	if (st == -1)
		return NULL;
	if (st == BR_SSL_CLOSED) {
		util_errf(err, errlen, "connection closed during the TLS "
		    "handshake");
		return NULL;
	}
	return c;
}

int
ctls_write(struct ctls *c, const void *buf, size_t len, int64_t deadline,
    char *err, size_t errlen)
{
	br_ssl_engine_context *eng = &c->sc.eng;
	const unsigned char *p = buf;
	unsigned char *dst;
	size_t room;
	int st;

	while (len > 0) {
		st = ctls_run(c, BR_SSL_SENDAPP, deadline, err, errlen);
		if (st == -1)
			return -1;
		if (st == BR_SSL_CLOSED)
			goto closed;
		dst = br_ssl_engine_sendapp_buf(eng, &room);
		if (room > len)
			room = len;
		memcpy(dst, p, room);
		br_ssl_engine_sendapp_ack(eng, room);
		p += room;
		len -= room;
	}

	/* Push the last record out before waiting for the answer. */
	br_ssl_engine_flush(eng, 0);
	st = ctls_run(c, BR_SSL_SENDAPP | BR_SSL_RECVAPP, deadline, err,
	    errlen);
	if (st == -1)
		return -1;
	if (st == BR_SSL_CLOSED)
		goto closed;
	return 0;

closed:
	util_errf(err, errlen, "connection closed while sending");
	return -1;
}

ssize_t
ctls_read(struct ctls *c, void *buf, size_t len, int64_t deadline,
    char *err, size_t errlen)
{
	br_ssl_engine_context *eng = &c->sc.eng;
	unsigned char *src;
	size_t avail;
	int st;

	st = ctls_run(c, BR_SSL_RECVAPP, deadline, err, errlen);
	if (st == -1)
		return -1;
	if (st == BR_SSL_CLOSED)
		return 0;
	src = br_ssl_engine_recvapp_buf(eng, &avail);
	if (avail > len)
		avail = len;
	memcpy(buf, src, avail);
	br_ssl_engine_recvapp_ack(eng, avail);
	return (ssize_t)avail;
}

void
ctls_close(struct ctls *c)
{
	if (c != NULL)
		c->fd = -1;
}
