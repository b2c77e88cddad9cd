/*
 * tls: the daemon's TLS over BearSSL; see tls.h.  Every br_* call of the
 * daemon lives here.
 *
 * Design.  A certificate chain and its private key form a "generation"
 * (struct tls_gen), loaded whole from PEM or not at all, then read-only.
 * The server points at the current generation; each connection takes a
 * reference to the generation current when it starts and drops it when
 * it closes, so SIGHUP can swap in a new pair while old connections go
 * on with theirs.  The last one to drop a replaced generation frees it.
 *
 * Threads and locks.  srv->lock guards srv->cur and every generation's
 * refcount; it is held only to take or drop a reference or to swap the
 * generation, never across I/O or crypto.  BearSSL is not thread-safe,
 * but a connection's engine (struct tls_conn) is used by one thread at a
 * time, and the keys and chain are only read.  The one structure the
 * engines share is the LRU session cache: it sits behind a small cache
 * class of our own whose save and load take srv->cache.lock around the
 * LRU's own save and load.  The two locks never nest.
 *
 * I/O.  Sockets are non-blocking.  Reads never wait for input: without
 * plaintext and without socket bytes they return TLS_AGAIN.  When the
 * engine must send while reading (handshake flights, alerts) and the
 * socket is full, a read waits for POLLOUT at most TLS_SEND_STALL_MS and
 * then fails the connection: a peer that sends but never reads earns no
 * worker time.  Writes and closes wait up to the caller's deadline.
 * Closing sends close_notify and does not wait for the peer's; the
 * socket stays the caller's to close.  Memory per connection: the
 * engine (about 4 KiB), a full input buffer (16 KiB: peers may send
 * full records) and an 8 KiB output buffer, about 29 KiB in all.
 *
 * Protocol.  TLS 1.2 (down to 1.0 if configured) with ECDHE and AES-GCM
 * or ChaCha20-Poly1305, the server's order first, no renegotiation.
 * TLS 1.0 and 1.1 cannot use AEAD suites, so a lower minimum version adds
 * the ECDHE AES-CBC suites after them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bearssl.h>

#include "log.h"
#include "tls.h"
#include "util.h"

#define TLS_MAX_PEM		(1024 * 1024)	/* PEM file bytes */
#define TLS_MAX_CHAIN		16	/* certificates in a chain */
#define TLS_SEND_STALL_MS	1000	/* a read's wait for POLLOUT */
#define TLS_RSA_MIN_BITS	2048
#define TLS_RSA_MAX_BITS	4096
#define TLS_IBUF_LEN		BR_SSL_BUFSIZE_INPUT
#define TLS_OBUF_LEN		(8192 + 85)	/* 8 KiB records out */

/* One certificate chain and private key, shared by connections. */
struct tls_gen {
	int			 refs;		/* under srv->lock */
	br_x509_certificate	 chain[TLS_MAX_CHAIN];
	size_t			 chain_len;
	int			 key_type;	/* BR_KEYTYPE_RSA or _EC */
	int			 issuer_key_type;
	br_rsa_private_key	 rsa;
	br_ec_private_key	 ec;
	unsigned char		*key_data;	/* the key's numbers */
	unsigned		 min_version;
	uint16_t		 suites[8];
	size_t			 nsuites;
};

/* The LRU cache behind a lock; vtable first, as BearSSL's classes are. */
struct tls_cache {
	const br_ssl_session_cache_class *vtable;
	pthread_mutex_t		 lock;
	br_ssl_session_cache_lru lru;
	unsigned char		*store;
};

struct tls_server {
	pthread_mutex_t		 lock;	/* guards cur, gen refs */
	struct tls_gen		*cur;
	int			 cache_on;
	struct tls_cache	 cache;
};

struct tls_conn {
	br_ssl_server_context	 sc;
	struct tls_server	*srv;
	struct tls_gen		*gen;
	int			 fd;
	int			 eof;		/* peer closed TCP */
	int			 broken;	/* socket fault seen */
	int			 established;	/* handshake done */
	int			 logged;	/* engine error logged */
	int			 hello_seen;	/* first bytes seen */
	unsigned char		 ibuf[TLS_IBUF_LEN];
	unsigned char		 obuf[TLS_OBUF_LEN];
};

/* A PEM file's objects, decoded. */
struct pem_obj {
	char			 name[128];
	struct buf		 der;
};

struct pem_list {
	struct pem_obj		*obj;
	size_t			 n;
	int			 oom;
};

static const struct {
	int		 code;
	const char	*name;
} tls_err_names[] = {
#define E(x)	{ x, #x }
	E(BR_ERR_OK), E(BR_ERR_BAD_PARAM), E(BR_ERR_BAD_STATE),
	E(BR_ERR_UNSUPPORTED_VERSION), E(BR_ERR_BAD_VERSION),
	E(BR_ERR_BAD_LENGTH), E(BR_ERR_TOO_LARGE), E(BR_ERR_BAD_MAC),
	E(BR_ERR_NO_RANDOM), E(BR_ERR_UNKNOWN_TYPE), E(BR_ERR_UNEXPECTED),
	E(BR_ERR_BAD_CCS), E(BR_ERR_BAD_ALERT), E(BR_ERR_BAD_HANDSHAKE),
	E(BR_ERR_OVERSIZED_ID), E(BR_ERR_BAD_CIPHER_SUITE),
	E(BR_ERR_BAD_COMPRESSION), E(BR_ERR_BAD_FRAGLEN),
	E(BR_ERR_BAD_SECRENEG), E(BR_ERR_EXTRA_EXTENSION), E(BR_ERR_BAD_SNI),
	E(BR_ERR_BAD_HELLO_DONE), E(BR_ERR_LIMIT_EXCEEDED),
	E(BR_ERR_BAD_FINISHED), E(BR_ERR_RESUME_MISMATCH),
	E(BR_ERR_INVALID_ALGORITHM), E(BR_ERR_BAD_SIGNATURE),
	E(BR_ERR_WRONG_KEY_USAGE), E(BR_ERR_NO_CLIENT_AUTH), E(BR_ERR_IO),
	E(BR_ERR_X509_INVALID_VALUE), E(BR_ERR_X509_TRUNCATED),
	E(BR_ERR_X509_EMPTY_CHAIN), E(BR_ERR_X509_INNER_TRUNC),
	E(BR_ERR_X509_BAD_TAG_CLASS), E(BR_ERR_X509_BAD_TAG_VALUE),
	E(BR_ERR_X509_INDEFINITE_LENGTH), E(BR_ERR_X509_EXTRA_ELEMENT),
	E(BR_ERR_X509_UNEXPECTED), E(BR_ERR_X509_NOT_CONSTRUCTED),
	E(BR_ERR_X509_NOT_PRIMITIVE), E(BR_ERR_X509_PARTIAL_BYTE),
	E(BR_ERR_X509_BAD_BOOLEAN), E(BR_ERR_X509_OVERFLOW),
	E(BR_ERR_X509_BAD_DN), E(BR_ERR_X509_BAD_TIME),
	E(BR_ERR_X509_UNSUPPORTED), E(BR_ERR_X509_LIMIT_EXCEEDED),
	E(BR_ERR_X509_WRONG_KEY_TYPE), E(BR_ERR_X509_BAD_SIGNATURE),
#undef E
};

/*
 * Writes the name of BearSSL error ERR into OUT: "BR_ERR_BAD_MAC", or
 * for alerts "BR_ERR_RECV_FATAL_ALERT(70)".  Returns OUT.
 */
static const char *
tls_err_str(int err, char *out, size_t outlen)
{
	const char *kind = NULL;
	size_t i;

	if (err >= BR_ERR_SEND_FATAL_ALERT) {
		kind = "BR_ERR_SEND_FATAL_ALERT";
		err -= BR_ERR_SEND_FATAL_ALERT;
	} else if (err >= BR_ERR_RECV_FATAL_ALERT) {
		kind = "BR_ERR_RECV_FATAL_ALERT";
		err -= BR_ERR_RECV_FATAL_ALERT;
	}
	if (kind != NULL) {
		(void)snprintf(out, outlen, "%s(%d)", kind, err);
		return out;
	}

	for (i = 0; i < nitems(tls_err_names); i++)
		if (tls_err_names[i].code == err) {
			(void)snprintf(out, outlen, "%s",
			    tls_err_names[i].name);
			return out;
		}
	(void)snprintf(out, outlen, "BR_ERR %d", err);
	return out;
}

/* Formats "FILE: reason" into ERR; returns -1 for the caller to pass on. */
static int
tls_fail(char *err, size_t errlen, const char *file, const char *fmt, ...)
    LOG_PRINTF(4, 5);

static int
tls_fail(char *err, size_t errlen, const char *file, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "%s: ", file != NULL ? file : "(unset)");
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	(void)vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Reads FILE whole into OUT as text for the PEM decoder: CRs dropped
 * (CRLF line ends) and a final newline added if missing.  Returns 0, or
 * -1 with "FILE: reason" in ERR (unreadable, empty, too large).
 */
static int
tls_read_pem_file(const char *file, struct buf *out, char *err,
    size_t errlen)
{
	char chunk[4096];
	struct stat st;
	ssize_t n, i;
	int fd = -1, rv = -1;

	buf_reset(out);
	if (file == NULL || *file == '\0')
		return tls_fail(err, errlen, file, "no file configured");
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		tls_fail(err, errlen, file, "%s", strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		tls_fail(err, errlen, file, "not a regular file");
		goto out;
	}

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			tls_fail(err, errlen, file, "%s", strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		for (i = 0; i < n; i++)
			if (chunk[i] != '\r' && buf_append(out, &chunk[i], 1))
				goto oom;
		if (out->len > TLS_MAX_PEM) {
			tls_fail(err, errlen, file, "larger than %d bytes",
			    TLS_MAX_PEM);
			goto out;
		}
	}

	if (out->len == 0) {
		tls_fail(err, errlen, file, "empty file");
		goto out;
	}
	if (out->data[out->len - 1] != '\n' && buf_append(out, "\n", 1))
		goto oom;
	rv = 0;
	goto out;
oom:
	tls_fail(err, errlen, file, "out of memory");
out:
	if (fd != -1)
		close(fd);
	return rv;
}

/* The PEM decoder's sink: appends to the last object of the list. */
static void
tls_pem_sink(void *ctx, const void *src, size_t len)
{
	struct pem_list *pl = ctx;

	if (buf_append(&pl->obj[pl->n - 1].der, src, len) == -1)
		pl->oom = 1;
}

static void
tls_pem_free(struct pem_list *pl)
{
	size_t i;

	for (i = 0; i < pl->n; i++)
		buf_free(&pl->obj[i].der);
	free(pl->obj);
	pl->obj = NULL;
	pl->n = 0;
}

/*
 * Decodes every PEM object of TEXT into PL (which the caller frees with
 * tls_pem_free, also on failure).  Refuses encrypted PEM (a Proc-Type
 * header, which BearSSL cannot parse anyway), bad base64 and an object
 * cut short.  Returns 0 or -1 with "FILE: reason" in ERR.
 */
static int
tls_pem_decode(const char *file, const struct buf *text,
    struct pem_list *pl, char *err, size_t errlen)
{
	br_pem_decoder_context pc;
	struct pem_obj *o;
	const char *p = text->data;
	size_t left = text->len, used;
	int inobj = 0;

	memset(pl, 0, sizeof(*pl));
	if (memmem(text->data, text->len, "Proc-Type:", 10) != NULL &&
	    memmem(text->data, text->len, "ENCRYPTED", 9) != NULL)
		return tls_fail(err, errlen, file,
		    "encrypted key (a passphrase is not supported)");

	br_pem_decoder_init(&pc);
	while (left > 0) {
		used = br_pem_decoder_push(&pc, p, left);
		p += used;
		left -= used;

		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			o = reallocarray(pl->obj, pl->n + 1, sizeof(*o));
			if (o == NULL)
				return tls_fail(err, errlen, file,
				    "out of memory");
			pl->obj = o;
			o = &pl->obj[pl->n++];
			(void)snprintf(o->name, sizeof(o->name), "%s",
			    br_pem_decoder_name(&pc));
			buf_init(&o->der);
			br_pem_decoder_setdest(&pc, tls_pem_sink, pl);
			inobj = 1;
			break;
		case BR_PEM_END_OBJ:
			inobj = 0;
			break;
		case BR_PEM_ERROR:
			return tls_fail(err, errlen, file,
			    "bad PEM encoding%s%s", pl->n > 0 ? " in " : "",
			    pl->n > 0 ? pl->obj[pl->n - 1].name : "");
		}
		if (pl->oom)
			return tls_fail(err, errlen, file, "out of memory");
	}

	if (inobj)
		return tls_fail(err, errlen, file, "truncated PEM object %s",
		    pl->obj[pl->n - 1].name);
	return 0;
}

/* Drops leading zero bytes of a big-endian number. */
static void
tls_strip_zeros(const unsigned char **p, size_t *len)
{
	while (*len > 0 && **p == 0) {
		(*p)++;
		(*len)--;
	}
}

/*
 * Loads the chain of CERTFILE into G (its DER owned by G) and leaves the
 * leaf decoded in LEAF for key matching.  Every certificate must decode;
 * objects that are not certificates are skipped.  Returns 0 or -1 with
 * ERR.
 */
static int
tls_load_chain(struct tls_gen *g, const char *file,
    br_x509_decoder_context *leaf, char *err, size_t errlen)
{
	br_x509_decoder_context other, *dc;
	struct pem_list pl;
	struct buf text;
	char ename[64];
	size_t i;
	int rv = -1, e;

	buf_init(&text);
	memset(&pl, 0, sizeof(pl));
	if (tls_read_pem_file(file, &text, err, errlen) == -1 ||
	    tls_pem_decode(file, &text, &pl, err, errlen) == -1)
		goto out;

	for (i = 0; i < pl.n; i++) {
		if (strcmp(pl.obj[i].name, "CERTIFICATE") != 0 &&
		    strcmp(pl.obj[i].name, "X509 CERTIFICATE") != 0)
			continue;
		if (g->chain_len == TLS_MAX_CHAIN) {
			tls_fail(err, errlen, file, "more than %d certificates",
			    TLS_MAX_CHAIN);
			goto out;
		}

		/* The leaf stays decoded (its key points into LEAF). */
		dc = g->chain_len == 0 ? leaf : &other;
		br_x509_decoder_init(dc, NULL, NULL);
		br_x509_decoder_push(dc, pl.obj[i].der.data,
		    pl.obj[i].der.len);
		if ((e = br_x509_decoder_last_error(dc)) != 0) {
			tls_fail(err, errlen, file,
			    "certificate %zu does not decode (%s)",
			    g->chain_len + 1,
			    tls_err_str(e, ename, sizeof(ename)));
			goto out;
		}

		/* The chain takes the DER buffer over. */
		g->chain[g->chain_len].data =
		    (unsigned char *)pl.obj[i].der.data;
		g->chain[g->chain_len].data_len = pl.obj[i].der.len;
		g->chain_len++;
		buf_init(&pl.obj[i].der);
	}

	if (g->chain_len == 0) {
		tls_fail(err, errlen, file, "no certificate found");
		goto out;
	}
	rv = 0;
out:
	tls_pem_free(&pl);
	buf_free(&text);
	return rv;
}

/* Checks the RSA key's size and copies it into G.  0 or -1 with ERR. */
static int
tls_take_rsa(struct tls_gen *g, const br_rsa_private_key *sk,
    const char *file, char *err, size_t errlen)
{
	unsigned char *p;
	size_t total;

	if (sk->n_bitlen < TLS_RSA_MIN_BITS || sk->n_bitlen > TLS_RSA_MAX_BITS)
		return tls_fail(err, errlen, file,
		    "RSA key of %u bits not supported (%d to %d bits)",
		    (unsigned)sk->n_bitlen, TLS_RSA_MIN_BITS,
		    TLS_RSA_MAX_BITS);

	total = sk->plen + sk->qlen + sk->dplen + sk->dqlen + sk->iqlen;
	if ((p = malloc(total)) == NULL)
		return tls_fail(err, errlen, file, "out of memory");
	g->key_data = p;
	g->rsa.n_bitlen = sk->n_bitlen;
	g->rsa.p = memcpy(p, sk->p, sk->plen);
	g->rsa.plen = sk->plen;
	p += sk->plen;
	g->rsa.q = memcpy(p, sk->q, sk->qlen);
	g->rsa.qlen = sk->qlen;
	p += sk->qlen;
	g->rsa.dp = memcpy(p, sk->dp, sk->dplen);
	g->rsa.dplen = sk->dplen;
	p += sk->dplen;
	g->rsa.dq = memcpy(p, sk->dq, sk->dqlen);
	g->rsa.dqlen = sk->dqlen;
	p += sk->dqlen;
	g->rsa.iq = memcpy(p, sk->iq, sk->iqlen);
	g->rsa.iqlen = sk->iqlen;
	g->key_type = BR_KEYTYPE_RSA;
	return 0;
}

/* Checks the EC key's curve and copies it into G.  0 or -1 with ERR. */
static int
tls_take_ec(struct tls_gen *g, const br_ec_private_key *sk,
    const char *file, char *err, size_t errlen)
{
	if (sk->curve != BR_EC_secp256r1 && sk->curve != BR_EC_secp384r1 &&
	    sk->curve != BR_EC_secp521r1)
		return tls_fail(err, errlen, file,
		    "EC key on an unsupported curve (%d); use P-256 or P-384",
		    sk->curve);

	if ((g->key_data = malloc(sk->xlen)) == NULL)
		return tls_fail(err, errlen, file, "out of memory");
	g->ec.curve = sk->curve;
	g->ec.x = memcpy(g->key_data, sk->x, sk->xlen);
	g->ec.xlen = sk->xlen;
	g->key_type = BR_KEYTYPE_EC;
	return 0;
}

/*
 * Loads the one private key of KEYFILE into G.  Returns 0 or -1 with
 * ERR (encrypted, several keys, none, undecodable, unsupported).
 */
static int
tls_load_key(struct tls_gen *g, const char *file, char *err, size_t errlen)
{
	br_skey_decoder_context kc;
	struct pem_list pl;
	struct pem_obj *key = NULL;
	struct buf text;
	char ename[64];
	size_t i;
	int rv = -1, e;

	buf_init(&text);
	memset(&pl, 0, sizeof(pl));
	if (tls_read_pem_file(file, &text, err, errlen) == -1 ||
	    tls_pem_decode(file, &text, &pl, err, errlen) == -1)
		goto out;

	for (i = 0; i < pl.n; i++) {
		if (strcmp(pl.obj[i].name, "ENCRYPTED PRIVATE KEY") == 0) {
			tls_fail(err, errlen, file, "encrypted key "
			    "(a passphrase is not supported)");
			goto out;
		}
		if (strcmp(pl.obj[i].name, "PRIVATE KEY") != 0 &&
		    strcmp(pl.obj[i].name, "RSA PRIVATE KEY") != 0 &&
		    strcmp(pl.obj[i].name, "EC PRIVATE KEY") != 0)
			continue;
		if (key != NULL) {
			tls_fail(err, errlen, file,
			    "more than one private key");
			goto out;
		}
		key = &pl.obj[i];
	}
	if (key == NULL) {
		tls_fail(err, errlen, file, "no private key found");
		goto out;
	}

	br_skey_decoder_init(&kc);
	br_skey_decoder_push(&kc, key->der.data, key->der.len);
	if ((e = br_skey_decoder_last_error(&kc)) != 0) {
		tls_fail(err, errlen, file, "%s (%s)",
		    e == BR_ERR_X509_UNSUPPORTED ? "unsupported key type" :
		    "private key does not decode",
		    tls_err_str(e, ename, sizeof(ename)));
		goto out;
	}
	switch (br_skey_decoder_key_type(&kc)) {
	case BR_KEYTYPE_RSA:
		rv = tls_take_rsa(g, br_skey_decoder_get_rsa(&kc), file, err,
		    errlen);
		break;
	case BR_KEYTYPE_EC:
		rv = tls_take_ec(g, br_skey_decoder_get_ec(&kc), file, err,
		    errlen);
		break;
	default:
		tls_fail(err, errlen, file, "unsupported key type");
		break;
	}
out:
	tls_pem_free(&pl);
	buf_free(&text);
	return rv;
}

/* 1 if the big-endian numbers A and B are equal, leading zeros aside. */
static int
tls_num_eq(const unsigned char *a, size_t alen, const unsigned char *b,
    size_t blen)
{
	tls_strip_zeros(&a, &alen);
	tls_strip_zeros(&b, &blen);
	return alen == blen && memcmp(a, b, alen) == 0;
}

/*
 * 1 if the RSA key of G and the public key PK are one pair: the same
 * modulus, and a number taken through the private then the public
 * operation comes back unchanged (which checks the exponent).
 * br_rsa_compute_pubexp() cannot serve: it expects p = 3 mod 4, as
 * BearSSL's own key generator makes them, and OpenSSL's keys are not.
 */
static int
tls_rsa_matches(const struct tls_gen *g, const br_rsa_public_key *pk)
{
	unsigned char n[TLS_RSA_MAX_BITS / 8], x[TLS_RSA_MAX_BITS / 8];
	unsigned char want[TLS_RSA_MAX_BITS / 8];
	br_rsa_compute_modulus modulus = br_rsa_compute_modulus_get_default();
	size_t len, i;

	if (modulus(NULL, &g->rsa) > sizeof(n) ||
	    (len = modulus(n, &g->rsa)) == 0 ||
	    !tls_num_eq(n, len, pk->n, pk->nlen))
		return 0;

	/* Below the modulus: a leading zero byte. */
	for (i = 0; i < len; i++)
		want[i] = (unsigned char)(i * 7 + 1);
	want[0] = 0;
	memcpy(x, want, len);
	return br_rsa_private_get_default()(x, &g->rsa) == 1 &&
	    br_rsa_public_get_default()(x, len, pk) == 1 &&
	    memcmp(x, want, len) == 0;
}

/*
 * Compares G's private key with the public key of the decoded LEAF.
 * Returns 1 if they are one pair, else 0.
 */
static int
tls_key_matches(const struct tls_gen *g, br_x509_decoder_context *leaf)
{
	unsigned char pub[BR_EC_KBUF_PUB_MAX_SIZE];
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(leaf);
	size_t len;

	if (pk == NULL || pk->key_type != g->key_type)
		return 0;
	if (g->key_type == BR_KEYTYPE_RSA)
		return tls_rsa_matches(g, &pk->key.rsa);

	if (pk->key.ec.curve != g->ec.curve)
		return 0;
	len = br_ec_compute_pub(br_ec_get_default(), NULL, pub, &g->ec);
	return len != 0 && len == pk->key.ec.qlen &&
	    memcmp(pub, pk->key.ec.q, len) == 0;
}

static void
tls_gen_free(struct tls_gen *g)
{
	size_t i;

	if (g == NULL)
		return;
	for (i = 0; i < g->chain_len; i++)
		free(g->chain[i].data);
	free(g->key_data);
	free(g);
}

/* Fills G's versions and suite list from CFG.  0 or -1 with ERR. */
static int
tls_gen_protocol(struct tls_gen *g, const struct config_server *cfg,
    char *err, size_t errlen)
{
	const char *v = cfg->tls_min_version;
	int ec = g->key_type == BR_KEYTYPE_EC;

	if (v == NULL || strcmp(v, "1.2") == 0)
		g->min_version = BR_TLS12;
	else if (strcmp(v, "1.1") == 0)
		g->min_version = BR_TLS11;
	else if (strcmp(v, "1.0") == 0)
		g->min_version = BR_TLS10;
	else
		return tls_fail(err, errlen, "tls_min_version",
		    "\"%s\" is not 1.0, 1.1 or 1.2", v);

	g->nsuites = 0;
	g->suites[g->nsuites++] = ec ?
	    BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 :
	    BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
	g->suites[g->nsuites++] = ec ?
	    BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 :
	    BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384;
	g->suites[g->nsuites++] = ec ?
	    BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 :
	    BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256;
	if (g->min_version < BR_TLS12) {
		g->suites[g->nsuites++] = ec ?
		    BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA :
		    BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA;
		g->suites[g->nsuites++] = ec ?
		    BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA :
		    BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA;
	}
	return 0;
}

/*
 * Loads CFG's certificate chain and key into a new generation (refs 1).
 * Returns it, or NULL with "file: reason" in ERR; never half a pair.
 */
static struct tls_gen *
tls_gen_load(const struct config_server *cfg, char *err, size_t errlen)
{
	br_x509_decoder_context leaf;
	struct tls_gen *g;
	int signer;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		tls_fail(err, errlen, cfg->certfile, "out of memory");
		return NULL;
	}
	g->refs = 1;
	if (tls_load_chain(g, cfg->certfile, &leaf, err, errlen) == -1 ||
	    tls_load_key(g, cfg->keyfile, err, errlen) == -1)
		goto fail;

	if (!tls_key_matches(g, &leaf)) {
		tls_fail(err, errlen, cfg->keyfile,
		    "key does not match the certificate in %s",
		    cfg->certfile);
		goto fail;
	}

	/*
	 * BearSSL's EC server setup wants the key type of the leaf's
	 * issuer (for the static ECDH suites).  We offer only ECDHE, so an
	 * issuer we cannot name (e.g. Ed25519) is harmless: assume EC.
	 */
	signer = br_x509_decoder_get_signer_key_type(&leaf);
	g->issuer_key_type = signer == BR_KEYTYPE_RSA ? BR_KEYTYPE_RSA :
	    BR_KEYTYPE_EC;

	if (tls_gen_protocol(g, cfg, err, errlen) == -1)
		goto fail;
	return g;
fail:
	tls_gen_free(g);
	return NULL;
}

/* Drops a reference to G; frees it with the last.  Takes srv->lock. */
static void
tls_gen_put(struct tls_server *srv, struct tls_gen *g)
{
	int last;

	pthread_mutex_lock(&srv->lock);
	last = --g->refs == 0;
	pthread_mutex_unlock(&srv->lock);
	if (last)
		tls_gen_free(g);
}

/* The session cache class: the LRU's save and load under cache.lock. */
static void
tls_cache_save(const br_ssl_session_cache_class **ctx,
    br_ssl_server_context *sc, const br_ssl_session_parameters *params)
{
	struct tls_cache *tc = (struct tls_cache *)(void *)ctx;

	pthread_mutex_lock(&tc->lock);
	tc->lru.vtable->save(&tc->lru.vtable, sc, params);
	pthread_mutex_unlock(&tc->lock);
}

static int
tls_cache_load(const br_ssl_session_cache_class **ctx,
    br_ssl_server_context *sc, br_ssl_session_parameters *params)
{
	struct tls_cache *tc = (struct tls_cache *)(void *)ctx;
	int found;

	pthread_mutex_lock(&tc->lock);
	found = tc->lru.vtable->load(&tc->lru.vtable, sc, params);
	pthread_mutex_unlock(&tc->lock);
	return found;
}

static const br_ssl_session_cache_class tls_cache_class = {
	sizeof(struct tls_cache), tls_cache_save, tls_cache_load
};

struct tls_server *
tls_server_new(const struct config_server *cfg, char *err, size_t errlen)
{
	struct tls_server *srv;
	uint64_t size = cfg->tls_session_cache;

	if ((srv = calloc(1, sizeof(*srv))) == NULL) {
		tls_fail(err, errlen, cfg->certfile, "out of memory");
		return NULL;
	}
	if ((srv->cur = tls_gen_load(cfg, err, errlen)) == NULL) {
		free(srv);
		return NULL;
	}
	pthread_mutex_init(&srv->lock, NULL);
	pthread_mutex_init(&srv->cache.lock, NULL);

	/* A cache that cannot be had is a warning, not a reason to stop. */
	if (size > 0 && size <= SIZE_MAX &&
	    (srv->cache.store = malloc((size_t)size)) != NULL) {
		srv->cache.vtable = &tls_cache_class;
		br_ssl_session_cache_lru_init(&srv->cache.lru,
		    srv->cache.store, (size_t)size);
		srv->cache_on = 1;
	} else if (size > 0)
		log_warn("tls: no session cache of %llu bytes",
		    (unsigned long long)size);
	return srv;
}

int
tls_server_reload(struct tls_server *srv, const struct config_server *cfg,
    char *err, size_t errlen)
{
	struct tls_gen *g, *old;

	/* XXX: a changed tls_session_cache size takes effect at restart. */
	if ((g = tls_gen_load(cfg, err, errlen)) == NULL)
		return -1;

	pthread_mutex_lock(&srv->lock);
	old = srv->cur;
	srv->cur = g;
	pthread_mutex_unlock(&srv->lock);
	tls_gen_put(srv, old);
	return 0;
}

/* Every tls_conn of SRV must be closed before this. */
void
tls_server_free(struct tls_server *srv)
{
	if (srv == NULL)
		return;
	tls_gen_put(srv, srv->cur);
	pthread_mutex_destroy(&srv->lock);
	pthread_mutex_destroy(&srv->cache.lock);
	free(srv->cache.store);
	free(srv);
}

struct tls_conn *
tls_conn_new(struct tls_server *srv, int fd)
{
	struct tls_conn *c;
	br_ssl_engine_context *eng;
	struct tls_gen *g;
	char ename[64];

	if ((c = malloc(sizeof(*c))) == NULL)
		return NULL;
	pthread_mutex_lock(&srv->lock);
	g = srv->cur;
	g->refs++;
	pthread_mutex_unlock(&srv->lock);
	c->srv = srv;
	c->gen = g;
	c->fd = fd;
	c->eof = c->broken = c->established = c->logged = 0;
	c->hello_seen = 0;

	if (g->key_type == BR_KEYTYPE_RSA)
		br_ssl_server_init_full_rsa(&c->sc, g->chain, g->chain_len,
		    &g->rsa);
	else
		br_ssl_server_init_full_ec(&c->sc, g->chain, g->chain_len,
		    (unsigned)g->issuer_key_type, &g->ec);
	eng = &c->sc.eng;
	br_ssl_engine_set_versions(eng, g->min_version, BR_TLS12);
	br_ssl_engine_set_suites(eng, g->suites, g->nsuites);
	br_ssl_engine_add_flags(eng, BR_OPT_ENFORCE_SERVER_PREFERENCES |
	    BR_OPT_NO_RENEGOTIATION);
	if (srv->cache_on)
		br_ssl_server_set_cache(&c->sc, &srv->cache.vtable);
	br_ssl_engine_set_buffers_bidi(eng, c->ibuf, sizeof(c->ibuf),
	    c->obuf, sizeof(c->obuf));

	if (!br_ssl_server_reset(&c->sc)) {
		log_warnx("tls: engine reset: %s", tls_err_str(
		    br_ssl_engine_last_error(eng), ename, sizeof(ename)));
		tls_gen_put(srv, g);
		free(c);
		return NULL;
	}
	return c;
}

/*
 * Waits until FD is ready for EVENTS or DEADLINE_MS passes.  Returns 1
 * when ready (errors included: the next call reports them), 0 at the
 * deadline, -1 on a poll fault.
 */
static int
tls_wait(int fd, short events, int64_t deadline_ms)
{
	struct pollfd pfd;
	int64_t left;
	int n;

	for (;;) {
		left = deadline_ms - util_now_ms();
		if (left < 0)
			left = 0;
		if (left > INT_MAX)
			left = INT_MAX;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, (int)left);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("tls: poll");
			return -1;
		}
		return n > 0;
	}
}

/* Handshakes completed, and connections closed before completing one. */
static struct tls_stats tls_counters;

/* The engine's state; notes the end of the handshake on the way. */
static unsigned
tls_state(struct tls_conn *c)
{
	unsigned st = br_ssl_engine_current_state(&c->sc.eng);

	if (!c->established && (st & (BR_SSL_SENDAPP | BR_SSL_RECVAPP))) {
		c->established = 1;
		__atomic_add_fetch(&tls_counters.handshakes, 1,
		    __ATOMIC_RELAXED);
	}
	return st;
}

/* Logs once, at debug, why the engine failed. */
static void
tls_log_failure(struct tls_conn *c, const char *when)
{
	int e = br_ssl_engine_last_error(&c->sc.eng);
	char ename[64];

	if (c->logged || e == BR_ERR_OK)
		return;
	c->logged = 1;
	if (!c->established && c->sc.client_max_version != 0 &&
	    c->sc.client_max_version < c->gen->min_version)
		log_debug("tls: fd %d: %s: client offers at most TLS 1.%u, "
		    "we need 1.%u", c->fd, when,
		    (c->sc.client_max_version & 0xff) - 1,
		    (c->gen->min_version & 0xff) - 1);
	else
		log_debug("tls: fd %d: %s: %s", c->fd, when,
		    tls_err_str(e, ename, sizeof(ename)));
}

/*
 * Sends what the engine has for the wire.  Returns 1 when bytes went,
 * 0 when the socket is full, -1 on a socket fault (C marked broken).
 */
static int
tls_send_some(struct tls_conn *c)
{
	unsigned char *p;
	size_t len;
	ssize_t n;

	p = br_ssl_engine_sendrec_buf(&c->sc.eng, &len);
	do
		n = send(c->fd, p, len, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n > 0) {
		br_ssl_engine_sendrec_ack(&c->sc.eng, (size_t)n);
		return 1;
	}
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	log_debug("tls: fd %d: send: %s", c->fd, strerror(errno));
	c->broken = 1;
	return -1;
}

/* A bounds-checked reader over the peeked ClientHello. */
struct tls_cur {
	const unsigned char	*p;
	size_t			 left;
};

/* Takes N bytes as a big-endian number into *V (N <= 3); 0 or -1. */
static int
tls_cur_num(struct tls_cur *cur, size_t n, size_t *v)
{
	if (cur->left < n)
		return -1;
	for (*v = 0; n > 0; n--, cur->left--)
		*v = (*v << 8) | *cur->p++;
	return 0;
}

/* Skips a vector whose length is an N-byte number; 0 or -1. */
static int
tls_cur_skipvec(struct tls_cur *cur, size_t n)
{
	size_t len;

	if (tls_cur_num(cur, n, &len) == -1 || cur->left < len)
		return -1;
	cur->p += len;
	cur->left -= len;
	return 0;
}

/*
 * 1 if the record at B (N bytes) holds a ClientHello whose
 * supported_versions extension lists no version from MINV to TLS 1.2,
 * i.e. a TLS 1.3-only client; 0 otherwise or when it cannot tell.
 */
static int
tls_hello_13_only(const unsigned char *b, size_t n, unsigned minv)
{
	struct tls_cur cur = { b, n }, ext;
	size_t v, type, len, i;

	if (tls_cur_num(&cur, 1, &v) == -1 || v != 22 ||
	    tls_cur_num(&cur, 2, &v) == -1 || tls_cur_num(&cur, 2, &v) == -1 ||
	    tls_cur_num(&cur, 1, &v) == -1 || v != 1 ||
	    tls_cur_num(&cur, 3, &v) == -1 || tls_cur_num(&cur, 2, &v) == -1 ||
	    cur.left < 32)
		return 0;
	cur.p += 32;
	cur.left -= 32;
	if (tls_cur_skipvec(&cur, 1) == -1 || tls_cur_skipvec(&cur, 2) == -1 ||
	    tls_cur_skipvec(&cur, 1) == -1 || tls_cur_num(&cur, 2, &len) == -1)
		return 0;
	if (cur.left > len)
		cur.left = len;

	while (tls_cur_num(&cur, 2, &type) == 0 &&
	    tls_cur_num(&cur, 2, &len) == 0 && cur.left >= len) {
		ext.p = cur.p;
		ext.left = len;
		cur.p += len;
		cur.left -= len;
		if (type != 43)		/* supported_versions */
			continue;
		if (tls_cur_num(&ext, 1, &len) == -1 || ext.left < len)
			return 0;
		for (i = 0; i + 1 < len; i += 2) {
			v = (size_t)ext.p[i] << 8 | ext.p[i + 1];
			if (v >= minv && v <= BR_TLS12)
				return 0;
		}
		return 1;
	}
	return 0;
}

/*
 * Looks once at a connection's first bytes (MSG_PEEK, the engine still
 * reads them).  BearSSL does not read supported_versions, so it answers
 * a TLS 1.3-only client with handshake_failure; we answer it with the
 * protocol_version alert it deserves.  Returns 0 to go on, -1 when the
 * connection was refused (C marked broken).
 */
static int
tls_check_hello(struct tls_conn *c)
{
	static const unsigned char alert[] = { 21, 3, 1, 0, 2, 2, 70 };
	unsigned char b[4096];
	ssize_t n;

	do
		n = recv(c->fd, b, sizeof(b), MSG_PEEK);
	while (n == -1 && errno == EINTR);
	if (n <= 0)
		return 0;
	c->hello_seen = 1;
	if (!tls_hello_13_only(b, (size_t)n, c->gen->min_version))
		return 0;

	log_debug("tls: fd %d: client offers only TLS 1.3; we speak 1.%u "
	    "to 1.2", c->fd, (c->gen->min_version & 0xff) - 1);
	(void)send(c->fd, alert, sizeof(alert), MSG_NOSIGNAL);
	c->broken = 1;
	c->logged = 1;
	return -1;
}

/*
 * Feeds the engine what the socket has.  Returns 1 when bytes came, 0
 * when none are there now, -1 at EOF (c->eof set) or on a fault.
 */
static int
tls_recv_some(struct tls_conn *c)
{
	unsigned char *p;
	size_t len;
	ssize_t n;

	if (!c->hello_seen && tls_check_hello(c) == -1)
		return -1;
	p = br_ssl_engine_recvrec_buf(&c->sc.eng, &len);
	do
		n = recv(c->fd, p, len, 0);
	while (n == -1 && errno == EINTR);
	if (n > 0) {
		br_ssl_engine_recvrec_ack(&c->sc.eng, (size_t)n);
		return 1;
	}
	if (n == 0) {
		c->eof = 1;
		return -1;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return 0;
	log_debug("tls: fd %d: recv: %s", c->fd, strerror(errno));
	c->broken = 1;
	return -1;
}

/*
 * What a read returns once the engine can go no further: 0 after
 * close_notify, or after a TCP close once the handshake is done (a
 * client may drop the connection after a full response), else -1.
 */
static ssize_t
tls_end(struct tls_conn *c)
{
	if (c->broken)
		return -1;

	if (br_ssl_engine_current_state(&c->sc.eng) == BR_SSL_CLOSED) {
		if (br_ssl_engine_last_error(&c->sc.eng) == BR_ERR_OK)
			return 0;
		tls_log_failure(c, "read");
		return -1;
	}

	if (c->eof && c->established) {
		if (!c->logged)
			log_debug("tls: fd %d: closed without close_notify",
			    c->fd);
		c->logged = 1;
		return 0;
	}
	if (!c->logged)
		log_debug("tls: fd %d: %s", c->fd, c->eof ?
		    "closed during the handshake" : "engine stalled");
	c->logged = 1;
	return -1;
}

ssize_t
tls_conn_read(struct tls_conn *c, void *buf, size_t len)
{
	unsigned char *p;
	unsigned st;
	size_t n;
	int r;

	for (;;) {
		if (c->broken)
			return -1;
		st = tls_state(c);
		if (st == BR_SSL_CLOSED)
			return tls_end(c);

		if (st & BR_SSL_SENDREC) {
			if ((r = tls_send_some(c)) == -1)
				return -1;
			if (r == 0 && tls_wait(c->fd, POLLOUT, util_now_ms() +
			    TLS_SEND_STALL_MS) != 1) {
				log_debug("tls: fd %d: peer does not read",
				    c->fd);
				c->broken = 1;
				return -1;
			}
			continue;
		}

		if (st & BR_SSL_RECVAPP) {
			p = br_ssl_engine_recvapp_buf(&c->sc.eng, &n);
			if (n > len)
				n = len;
			memcpy(buf, p, n);
			br_ssl_engine_recvapp_ack(&c->sc.eng, n);
			return (ssize_t)n;
		}

		if (c->eof || !(st & BR_SSL_RECVREC))
			return tls_end(c);
		if ((r = tls_recv_some(c)) == 0)
			return TLS_AGAIN;
		if (r == -1)
			return tls_end(c);
	}
}

int
tls_conn_pending(struct tls_conn *c)
{
	return (br_ssl_engine_current_state(&c->sc.eng) & BR_SSL_RECVAPP) != 0;
}

int
tls_conn_established(struct tls_conn *c)
{
	(void)tls_state(c);
	return c->established;
}

/*
 * Sends every record the engine holds, waiting up to DEADLINE_MS.
 * Returns 0 or -1.
 */
static int
tls_flush(struct tls_conn *c, int64_t deadline_ms)
{
	int r;

	while (!c->broken && (tls_state(c) & BR_SSL_SENDREC)) {
		if ((r = tls_send_some(c)) == -1)
			return -1;
		if (r == 0 && tls_wait(c->fd, POLLOUT, deadline_ms) != 1)
			return -1;
	}
	return c->broken ? -1 : 0;
}

int
tls_conn_write(struct tls_conn *c, const void *buf, size_t len,
    int64_t deadline_ms)
{
	const unsigned char *src = buf;
	unsigned char *p;
	unsigned st;
	size_t n;
	int r;

	while (len > 0) {
		st = tls_state(c);
		if (c->broken || st == BR_SSL_CLOSED)
			goto fail;

		if (st & BR_SSL_SENDREC) {
			if ((r = tls_send_some(c)) == -1 || (r == 0 &&
			    tls_wait(c->fd, POLLOUT, deadline_ms) != 1))
				goto fail;
		} else if (st & BR_SSL_SENDAPP) {
			p = br_ssl_engine_sendapp_buf(&c->sc.eng, &n);
			if (n > len)
				n = len;
			memcpy(p, src, n);
			br_ssl_engine_sendapp_ack(&c->sc.eng, n);
			src += n;
			len -= n;
		} else if ((st & BR_SSL_RECVREC) && !c->eof) {
			/* The handshake is not done: it needs the peer. */
			if ((r = tls_recv_some(c)) == -1 || (r == 0 &&
			    tls_wait(c->fd, POLLIN, deadline_ms) != 1))
				goto fail;
		} else
			goto fail;
	}

	br_ssl_engine_flush(&c->sc.eng, 0);
	if (tls_flush(c, deadline_ms) == 0)
		return 0;
fail:
	if (!c->broken)
		tls_log_failure(c, "write");
	if (!c->logged)
		log_debug("tls: fd %d: write failed or timed out", c->fd);
	c->logged = 1;
	return -1;
}

void
tls_conn_close(struct tls_conn *c, int64_t deadline_ms)
{
	if (c == NULL)
		return;

	/* close_notify goes out if it can; the peer's is not awaited. */
	if (!c->broken && tls_state(c) != BR_SSL_CLOSED) {
		br_ssl_engine_close(&c->sc.eng);
		(void)tls_flush(c, deadline_ms);
	}
	if (!c->broken)
		tls_log_failure(c, "close");
	if (!c->established)
		__atomic_add_fetch(&tls_counters.handshake_failures, 1,
		    __ATOMIC_RELAXED);

	tls_gen_put(c->srv, c->gen);
	free(c);
}

void
tls_md5(const void *data, size_t len, unsigned char out[16])
{
	br_md5_context ctx;

	br_md5_init(&ctx);
	br_md5_update(&ctx, data, len);
	br_md5_out(&ctx, out);
}

void
tls_stats(struct tls_stats *s)
{
	s->handshakes = __atomic_load_n(&tls_counters.handshakes,
	    __ATOMIC_RELAXED);
	s->handshake_failures = __atomic_load_n(
	    &tls_counters.handshake_failures, __ATOMIC_RELAXED);
}
