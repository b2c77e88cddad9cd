/*
 * Tests of tls.c: loading certificate chains and keys (made by openssl
 * at the start of the run in a temporary directory), and handshakes
 * with a real client (openssl s_client, bounded by timeout(1)) against
 * tls_conn on a loopback listener served by a thread.
 */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "tls.h"
#include "util.h"

#define MAXCONN		4
#define REPLIED		1000	/* serve_one(): answered */

static char dir[] = "/tmp/check_tls.XXXXXX";

/* Fixtures, made once; every command runs in DIR. */
static const char *fixture_cmds[] = {
	"openssl genrsa -traditional -out rsa.p1.key 2048",
	"openssl pkcs8 -topk8 -nocrypt -in rsa.p1.key -out rsa.p8.key",
	"openssl req -x509 -new -key rsa.p1.key -subj /CN=localhost -days 2"
	    " -out rsa.crt",
	"openssl ecparam -name prime256v1 -genkey -noout -out ec.sec1.key",
	"openssl pkcs8 -topk8 -nocrypt -in ec.sec1.key -out ec.p8.key",
	"openssl req -x509 -new -key ec.sec1.key -subj /CN=localhost -days 2"
	    " -out ec.crt",
	"openssl ecparam -name secp384r1 -genkey -noout -out ec384.key",
	"openssl req -x509 -new -key ec384.key -subj /CN=localhost -days 2"
	    " -out ec384.crt",
	"sed 's/$/\\r/' rsa.crt > rsa.crlf.crt",
	"sed 's/$/\\r/' rsa.p1.key > rsa.crlf.key",
	"head -c -1 ec.crt > ec.nonl.crt",
	"head -c -1 ec.sec1.key > ec.nonl.key",
	"openssl pkcs8 -topk8 -in rsa.p1.key -passout pass:secret"
	    " -out rsa.enc8.key",
	"openssl rsa -in rsa.p1.key -aes128 -passout pass:secret -traditional"
	    " -out rsa.enc1.key",
	"openssl genrsa -traditional -out rsa1024.key 1024",
	"openssl genrsa -out rsa.other.key 2048",
	"openssl genpkey -algorithm ed25519 -out ed25519.key",
	"openssl ecparam -name secp256k1 -genkey -noout -out k1.key",
	": > empty",
	"head -n 10 rsa.crt > trunc.crt",
	"head -n 10 rsa.p1.key > trunc.key",
	"echo not a certificate > garbage.crt",
	"sed '3s/^./!/' rsa.crt > badb64.crt",
	"{ cat rsa.crt; printf -- '-----BEGIN CERTIFICATE-----\\nAAAABBBB\\n"
	    "-----END CERTIFICATE-----\\n'; } > chainbad.crt",
	"openssl req -x509 -new -newkey rsa:2048 -nodes -keyout ca_rsa.key"
	    " -subj '/CN=Test RSA CA' -days 2 -out ca_rsa.crt",
	"openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256"
	    " -nodes -keyout ca_ec.key -subj '/CN=Test EC CA' -days 2"
	    " -out ca_ec.crt",
	"openssl req -new -key ec.sec1.key -subj /CN=localhost -out ec.csr",
	"openssl x509 -req -in ec.csr -CA ca_rsa.crt -CAkey ca_rsa.key"
	    " -CAcreateserial -days 2 -out ec_by_rsa.crt",
	"openssl x509 -req -in ec.csr -CA ca_ec.crt -CAkey ca_ec.key"
	    " -CAcreateserial -days 2 -out ec_by_ec.crt",
	"printf 'basicConstraints=critical,CA:TRUE\\nkeyUsage=keyCertSign\\n'"
	    " > ca.ext",
	"openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
	    " -keyout inter.key -subj '/CN=Test Intermediate' -out inter.csr",
	"openssl x509 -req -in inter.csr -CA ca_rsa.crt -CAkey ca_rsa.key"
	    " -CAcreateserial -days 2 -extfile ca.ext -out inter.crt",
	"openssl req -new -key rsa.p1.key -subj /CN=localhost -out rsa.csr",
	"openssl x509 -req -in rsa.csr -CA inter.crt -CAkey inter.key"
	    " -CAcreateserial -days 2 -out leaf.crt",
	"cat leaf.crt inter.crt > chain.crt",
	"printf 'GET /hello\\n' > request",
};

static void
run_ok(const char *cmd)
{
	char line[2048];
	int n;

	n = snprintf(line, sizeof(line), "cd %s && { %s; } >/dev/null 2>&1",
	    dir, cmd);
	if (n < 0 || (size_t)n >= sizeof(line) || system(line) != 0) {
		fprintf(stderr, "fixture failed: %s\n", cmd);
		exit(EXIT_FAILURE);
	}
}

static void
path_of(char *out, size_t len, const char *name)
{
	int n = snprintf(out, len, "%s/%s", dir, name);

	ck_assert(n > 0 && (size_t)n < len);
}

static struct tls_server *
server_for(const char *cert, const char *key, const char *minv,
    uint64_t cache, char *err, size_t errlen)
{
	static char certp[512], keyp[512];
	struct config_server cfg;

	memset(&cfg, 0, sizeof(cfg));
	path_of(certp, sizeof(certp), cert);
	path_of(keyp, sizeof(keyp), key);
	cfg.certfile = certp;
	cfg.keyfile = keyp;
	cfg.tls_min_version = (char *)(uintptr_t)minv;
	cfg.tls_session_cache = cache;
	cfg.handshake_timeout_ms = 10000;
	return tls_server_new(&cfg, err, errlen);
}

static const struct {
	const char	*cert;
	const char	*key;
	const char	*blame;		/* NULL: loads; else file */
	const char	*reason;
} load_cases[] = {
	{ "rsa.crt", "rsa.p1.key", NULL, NULL },
	{ "rsa.crt", "rsa.p8.key", NULL, NULL },
	{ "ec.crt", "ec.sec1.key", NULL, NULL },
	{ "ec.crt", "ec.p8.key", NULL, NULL },
	{ "ec384.crt", "ec384.key", NULL, NULL },
	{ "rsa.crlf.crt", "rsa.crlf.key", NULL, NULL },
	{ "ec.nonl.crt", "ec.nonl.key", NULL, NULL },
	{ "ec_by_rsa.crt", "ec.sec1.key", NULL, NULL },
	{ "ec_by_ec.crt", "ec.p8.key", NULL, NULL },
	{ "chain.crt", "rsa.p1.key", NULL, NULL },
	{ "rsa.crt", "rsa.enc8.key", "rsa.enc8.key", "encrypted" },
	{ "rsa.crt", "rsa.enc1.key", "rsa.enc1.key", "encrypted" },
	{ "rsa.crt", "rsa1024.key", "rsa1024.key", "1024 bits" },
	{ "rsa.crt", "rsa.other.key", "rsa.other.key", "does not match" },
	{ "ec.crt", "rsa.p1.key", "rsa.p1.key", "does not match" },
	{ "ec.crt", "ec384.key", "ec384.key", "does not match" },
	{ "chain.crt", "inter.key", "inter.key", "does not match" },
	{ "empty", "rsa.p1.key", "empty", "empty" },
	{ "rsa.crt", "empty", "empty", "empty" },
	{ "trunc.crt", "rsa.p1.key", "trunc.crt", "truncated" },
	{ "rsa.crt", "trunc.key", "trunc.key", "truncated" },
	{ "garbage.crt", "rsa.p1.key", "garbage.crt", "no certificate" },
	{ "rsa.crt", "rsa.crt", "rsa.crt", "no private key" },
	{ "missing.crt", "rsa.p1.key", "missing.crt", "No such file" },
	{ "rsa.crt", "missing.key", "missing.key", "No such file" },
	{ "badb64.crt", "rsa.p1.key", "badb64.crt", "bad PEM" },
	{ "chainbad.crt", "rsa.p1.key", "chainbad.crt", "certificate 2" },
	{ "rsa.crt", "ed25519.key", "ed25519.key", "unsupported" },
	{ "rsa.crt", "k1.key", "k1.key", "unsupported" },
};

START_TEST(test_load)
{
	struct tls_server *srv;
	char err[CONFIG_ERR_MAX], want[256];

	err[0] = '\0';
	srv = server_for(load_cases[_i].cert, load_cases[_i].key, NULL, 0,
	    err, sizeof(err));
	if (load_cases[_i].blame == NULL) {
		ck_assert_msg(srv != NULL, "%s + %s: %s", load_cases[_i].cert,
		    load_cases[_i].key, err);
		tls_server_free(srv);
		return;
	}

	ck_assert_msg(srv == NULL, "%s + %s loaded", load_cases[_i].cert,
	    load_cases[_i].key);
	snprintf(want, sizeof(want), "/%s: ", load_cases[_i].blame);
	ck_assert_msg(strstr(err, want) != NULL, "no \"%s\" in \"%s\"",
	    want, err);
	ck_assert_msg(strstr(err, load_cases[_i].reason) != NULL,
	    "no \"%s\" in \"%s\"", load_cases[_i].reason, err);
}
END_TEST

START_TEST(test_min_version)
{
	static const struct {
		const char	*v;
		int		 ok;
	} v[] = { { "1.0", 1 }, { "1.1", 1 }, { "1.2", 1 }, { "1.3", 0 },
	    { "", 0 } };
	struct tls_server *srv;
	char err[CONFIG_ERR_MAX];
	size_t i;

	for (i = 0; i < nitems(v); i++) {
		srv = server_for("ec.crt", "ec.sec1.key", v[i].v, 0, err,
		    sizeof(err));
		ck_assert_msg((srv != NULL) == v[i].ok, "%s", v[i].v);
		if (srv == NULL)
			ck_assert_ptr_nonnull(strstr(err, "tls_min_version"));
		tls_server_free(srv);
	}
}
END_TEST

/* Engine behaviour without a real client, over a socket pair. */
START_TEST(test_conn_local)
{
	struct tls_server *srv;
	struct tls_conn *c;
	char err[CONFIG_ERR_MAX], buf[64];
	int sv[2];

	srv = server_for("ec.crt", "ec.sec1.key", NULL, 0, err, sizeof(err));
	ck_assert_ptr_nonnull(srv);

	/* Nothing sent yet: no bytes, no error. */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    sv), 0);
	c = tls_conn_new(srv, sv[0]);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(tls_conn_read(c, buf, sizeof(buf)), TLS_AGAIN);
	ck_assert_int_eq(tls_conn_established(c), 0);
	ck_assert_int_eq(tls_conn_pending(c), 0);

	/* Plain HTTP instead of a ClientHello is a TLS fault. */
	ck_assert_int_eq(write(sv[1], "GET / HTTP/1.1\r\n\r\n", 18), 18);
	ck_assert_int_eq(tls_conn_read(c, buf, sizeof(buf)), -1);
	tls_conn_close(c, util_now_ms() + 1000);
	close(sv[0]);
	close(sv[1]);

	/* A peer gone in the middle of the handshake is a fault too. */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    sv), 0);
	c = tls_conn_new(srv, sv[0]);
	ck_assert_int_eq(write(sv[1], "\x16\x03\x01\x00\x40\x01", 6), 6);
	close(sv[1]);
	ck_assert_int_eq(tls_conn_read(c, buf, sizeof(buf)), -1);
	tls_conn_close(c, util_now_ms() + 1000);
	close(sv[0]);
	tls_server_free(srv);
}
END_TEST

/* The server thread's work: NCONN connections on LFD. */
struct job {
	int			 lfd;
	int			 port;
	struct tls_server	*srv;
	int			 nconn;
	const struct config_server *reload;	/* after conn 0 starts */
	size_t			 extra;	/* bytes after reply */
	int			 result[MAXCONN];
	char			 got[MAXCONN][128];
};

/* Sends N bytes of 'x' in uneven pieces; REPLIED or -9. */
static int
send_extra(struct tls_conn *c, size_t n, int64_t deadline)
{
	static char xs[40000];
	size_t piece = 1;

	memset(xs, 'x', sizeof(xs));
	while (n > 0) {
		piece = (piece * 3 + 11) % sizeof(xs) + 1;
		if (piece > n)
			piece = n;
		if (tls_conn_write(c, xs, piece, deadline) != 0)
			return -9;
		n -= piece;
	}
	return REPLIED;
}

/*
 * Serves one connection: reads a line and answers "reply:LINE".  Returns
 * REPLIED, or what tls_conn_read ended with (0, -1), or -3 on a timeout.
 */
static int
serve_one(struct job *j, int i, int fd)
{
	int64_t deadline = util_now_ms() + 15000;
	struct pollfd pfd = { fd, POLLIN, 0 };
	struct tls_conn *c;
	char reply[160];
	size_t len = 0;
	ssize_t n;
	int rv;

	if ((c = tls_conn_new(j->srv, fd)) == NULL)
		return -4;
	if (i == 0 && j->reload != NULL && tls_server_reload(j->srv,
	    j->reload, reply, sizeof(reply)) != 0) {
		rv = -5;
		goto out;
	}

	for (;;) {
		n = tls_conn_read(c, j->got[i] + len,
		    sizeof(j->got[i]) - 1 - len);
		if (n == TLS_AGAIN) {
			if (poll(&pfd, 1,
			    (int)(deadline - util_now_ms())) < 1) {
				rv = -3;
				break;
			}
			continue;
		}
		if (n <= 0) {
			rv = (int)n;
			break;
		}
		len += (size_t)n;
		j->got[i][len] = '\0';
		if (strchr(j->got[i], '\n') == NULL && len + 1 <
		    sizeof(j->got[i]))
			continue;
		snprintf(reply, sizeof(reply), "reply:%s", j->got[i]);
		if (!tls_conn_established(c))
			rv = -8;
		else
			rv = tls_conn_write(c, reply, strlen(reply),
			    deadline) == 0 ? REPLIED : -6;
		if (rv == REPLIED && j->extra > 0)
			rv = send_extra(c, j->extra, deadline);
		break;
	}
out:
	tls_conn_close(c, util_now_ms() + 2000);
	return rv;
}

static void *
serve(void *arg)
{
	struct job *j = arg;
	struct pollfd pfd = { j->lfd, POLLIN, 0 };
	int i, fd;

	for (i = 0; i < j->nconn; i++) {
		j->result[i] = -7;
		if (poll(&pfd, 1, 15000) < 1)
			break;
		fd = accept4(j->lfd, NULL, NULL, SOCK_NONBLOCK);
		if (fd == -1)
			break;
		j->result[i] = serve_one(j, i, fd);
		close(fd);
	}
	return NULL;
}

static void
job_start(struct job *j, pthread_t *t)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	j->lfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ne(j->lfd, -1);
	ck_assert_int_eq(bind(j->lfd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	ck_assert_int_eq(listen(j->lfd, 8), 0);
	ck_assert_int_eq(getsockname(j->lfd, (struct sockaddr *)&sin, &slen),
	    0);
	j->port = ntohs(sin.sin_port);
	ck_assert_int_eq(pthread_create(t, NULL, serve, j), 0);
}

/* Runs s_client with ARGS and STDIN; returns its output (static). */
static const char *
client(const struct job *j, const char *args, const char *in)
{
	static char out[65536];
	char cmd[1024], outp[512];
	FILE *f;
	size_t n;

	path_of(outp, sizeof(outp), "client.out");
	n = (size_t)snprintf(cmd, sizeof(cmd), "cd %s && timeout 10 openssl "
	    "s_client -connect 127.0.0.1:%d %s < %s > %s 2>&1", dir, j->port,
	    args, in, outp);
	ck_assert(n < sizeof(cmd));
	(void)system(cmd);
	f = fopen(outp, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	fclose(f);
	return out;
}

static const struct {
	const char	*cert;
	const char	*key;
	const char	*minv;
	const char	*args;
	int		 result;
	const char	*want[3];
} hs_cases[] = {
	{ "rsa.crt", "rsa.p1.key", NULL, "-tls1_2 -ign_eof", REPLIED,
	    { "reply:GET /hello", "ECDHE-RSA-AES128-GCM-SHA256" } },
	{ "ec.crt", "ec.sec1.key", NULL, "-tls1_2 -ign_eof", REPLIED,
	    { "reply:GET /hello", "ECDHE-ECDSA-AES128-GCM-SHA256" } },
	{ "ec.crt", "ec.p8.key", NULL, "-ign_eof -cipher "
	    "ECDHE-ECDSA-CHACHA20-POLY1305", REPLIED,
	    { "reply:GET /hello", "ECDHE-ECDSA-CHACHA20-POLY1305",
	    "Protocol  : TLSv1.2" } },
	{ "ec_by_rsa.crt", "ec.sec1.key", NULL, "-tls1_2 -ign_eof "
	    "-CAfile ca_rsa.crt -verify_return_error", REPLIED,
	    { "reply:GET /hello", "Verify return code: 0 (ok)" } },
	{ "ec_by_ec.crt", "ec.sec1.key", NULL, "-tls1_2 -ign_eof "
	    "-CAfile ca_ec.crt -verify_return_error", REPLIED,
	    { "reply:GET /hello", "Verify return code: 0 (ok)" } },
	{ "chain.crt", "rsa.p8.key", NULL, "-tls1_2 -ign_eof -showcerts "
	    "-CAfile ca_rsa.crt -verify_return_error", REPLIED,
	    { " 0 s:CN = localhost", " 1 s:CN = Test Intermediate",
	    "Verify return code: 0 (ok)" } },
	{ "rsa.crt", "rsa.p1.key", "1.0", "-tls1 -ign_eof "
	    "-cipher DEFAULT@SECLEVEL=0", REPLIED,
	    { "reply:GET /hello", "Protocol  : TLSv1\n" } },
	{ "rsa.crt", "rsa.p1.key", NULL, "-tls1_1 -ign_eof "
	    "-cipher DEFAULT@SECLEVEL=0", -1, { NULL } },
	{ "rsa.crt", "rsa.p1.key", NULL, "-tls1_3 -ign_eof", -1,
	    { "alert protocol version" } },
};

START_TEST(test_handshake)
{
	struct job j;
	pthread_t t;
	char err[CONFIG_ERR_MAX];
	const char *out;
	size_t k;

	memset(&j, 0, sizeof(j));
	j.srv = server_for(hs_cases[_i].cert, hs_cases[_i].key,
	    hs_cases[_i].minv, 0, err, sizeof(err));
	ck_assert_msg(j.srv != NULL, "%s", err);
	j.nconn = 1;
	job_start(&j, &t);

	out = client(&j, hs_cases[_i].args, "request");
	pthread_join(t, NULL);
	close(j.lfd);
	ck_assert_msg(j.result[0] == hs_cases[_i].result,
	    "server ended with %d:\n%s", j.result[0], out);
	for (k = 0; k < nitems(hs_cases[_i].want) && hs_cases[_i].want[k];
	    k++)
		ck_assert_msg(strstr(out, hs_cases[_i].want[k]) != NULL,
		    "no \"%s\" in:\n%s", hs_cases[_i].want[k], out);
	if (hs_cases[_i].result != REPLIED)
		ck_assert_ptr_null(strstr(out, "reply:"));
	tls_server_free(j.srv);
}
END_TEST

/* A refused TLS 1.3-only client leaves the server serving others. */
START_TEST(test_tls13_then_12)
{
	struct job j;
	pthread_t t;
	char err[CONFIG_ERR_MAX];
	const char *out;

	memset(&j, 0, sizeof(j));
	j.srv = server_for("ec.crt", "ec.sec1.key", NULL, 0, err,
	    sizeof(err));
	ck_assert_ptr_nonnull(j.srv);
	j.nconn = 2;
	job_start(&j, &t);

	out = client(&j, "-tls1_3 -ign_eof", "request");
	ck_assert_ptr_null(strstr(out, "reply:"));
	out = client(&j, "-tls1_2 -ign_eof", "request");
	ck_assert_ptr_nonnull(strstr(out, "reply:GET /hello"));
	pthread_join(t, NULL);
	close(j.lfd);
	ck_assert_int_eq(j.result[0], -1);
	ck_assert_int_eq(j.result[1], REPLIED);
	tls_server_free(j.srv);
}
END_TEST

/* A large answer crosses many records and socket-full waits. */
START_TEST(test_big_write)
{
	struct job j;
	pthread_t t;
	char err[CONFIG_ERR_MAX];
	const char *out;
	size_t nx = 0;

	memset(&j, 0, sizeof(j));
	j.srv = server_for("ec.crt", "ec.sec1.key", NULL, 0, err,
	    sizeof(err));
	ck_assert_ptr_nonnull(j.srv);
	j.nconn = 1;
	j.extra = 50000;
	job_start(&j, &t);
	out = client(&j, "-tls1_2 -ign_eof -quiet", "request");
	pthread_join(t, NULL);
	close(j.lfd);
	ck_assert_int_eq(j.result[0], REPLIED);
	for (; *out != '\0'; out++)
		nx += *out == 'x';
	ck_assert_uint_eq(nx, j.extra);
	tls_server_free(j.srv);
}
END_TEST

/* Resumption works with a session cache and only with one. */
START_TEST(test_resume)
{
	static const uint64_t sizes[] = { 100 * 100, 0 };
	struct job j;
	pthread_t t;
	char err[CONFIG_ERR_MAX];
	const char *out;
	size_t k;

	for (k = 0; k < nitems(sizes); k++) {
		memset(&j, 0, sizeof(j));
		j.srv = server_for("rsa.crt", "rsa.p1.key", NULL, sizes[k],
		    err, sizeof(err));
		ck_assert_ptr_nonnull(j.srv);
		j.nconn = 2;
		job_start(&j, &t);

		out = client(&j, "-tls1_2 -sess_out sess", "/dev/null");
		ck_assert_ptr_nonnull(strstr(out, "New, TLSv1.2"));
		out = client(&j, "-tls1_2 -sess_in sess", "/dev/null");
		ck_assert_msg(strstr(out, sizes[k] ? "Reused, TLSv1.2" :
		    "New, TLSv1.2") != NULL, "cache %d:\n%s", (int)sizes[k],
		    out);
		pthread_join(t, NULL);
		close(j.lfd);
		ck_assert_int_eq(j.result[0], 0);
		ck_assert_int_eq(j.result[1], 0);
		tls_server_free(j.srv);
	}
}
END_TEST

/*
 * Connections on three threads at once share one session cache (run
 * under TSan to see the locking): each client resumes its own session.
 */
START_TEST(test_parallel)
{
	struct job j[3];
	pthread_t t[3];
	char err[CONFIG_ERR_MAX], cmd[2048], part[512], outp[512], line[256];
	struct tls_server *srv;
	size_t k, reused = 0;
	FILE *f;
	int n;

	srv = server_for("ec.crt", "ec.sec1.key", NULL, 100 * 100, err,
	    sizeof(err));
	ck_assert_ptr_nonnull(srv);
	n = snprintf(cmd, sizeof(cmd), "cd %s && {", dir);
	for (k = 0; k < nitems(j); k++) {
		memset(&j[k], 0, sizeof(j[k]));
		j[k].srv = srv;
		j[k].nconn = 2;
		job_start(&j[k], &t[k]);
		ck_assert(snprintf(part, sizeof(part), " { for s in out in; do "
		    "timeout 10 openssl s_client -connect 127.0.0.1:%d "
		    "-tls1_2 -sess_$s p%zu < /dev/null; done; } &", j[k].port,
		    k) < (int)sizeof(part));
		ck_assert(strlen(cmd) + strlen(part) < sizeof(cmd));
		memcpy(cmd + strlen(cmd), part, strlen(part) + 1);
	}
	path_of(outp, sizeof(outp), "parallel.out");
	n = snprintf(part, sizeof(part), " wait; } > %s 2>&1", outp);
	ck_assert(n > 0 && strlen(cmd) + (size_t)n < sizeof(cmd));
	memcpy(cmd + strlen(cmd), part, (size_t)n + 1);
	(void)system(cmd);

	for (k = 0; k < nitems(j); k++) {
		pthread_join(t[k], NULL);
		close(j[k].lfd);
		ck_assert_int_eq(j[k].result[0], 0);
		ck_assert_int_eq(j[k].result[1], 0);
	}
	f = fopen(outp, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		reused += strncmp(line, "Reused, TLSv1.2", 15) == 0;
	fclose(f);
	ck_assert_uint_eq(reused, nitems(j));
	tls_server_free(srv);
}
END_TEST

/*
 * Reload: a broken pair keeps the old one; a good one serves new
 * handshakes while a connection begun before it keeps the old pair.
 */
START_TEST(test_reload)
{
	struct config_server bad, good;
	char err[CONFIG_ERR_MAX], c1[512], k1[512], c2[512], k2[512];
	const char *out;
	struct job j;
	pthread_t t;

	memset(&bad, 0, sizeof(bad));
	memset(&good, 0, sizeof(good));
	path_of(c1, sizeof(c1), "rsa.crt");
	path_of(k1, sizeof(k1), "rsa.other.key");
	path_of(c2, sizeof(c2), "ec.crt");
	path_of(k2, sizeof(k2), "ec.p8.key");
	bad.certfile = c1;
	bad.keyfile = k1;
	good.certfile = c2;
	good.keyfile = k2;

	memset(&j, 0, sizeof(j));
	j.srv = server_for("rsa.crt", "rsa.p1.key", NULL, 0, err,
	    sizeof(err));
	ck_assert_ptr_nonnull(j.srv);
	ck_assert_int_eq(tls_server_reload(j.srv, &bad, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "does not match"));

	/* Conn 0 starts, then the good pair comes in. */
	j.nconn = 2;
	j.reload = &good;
	job_start(&j, &t);
	out = client(&j, "-tls1_2 -ign_eof", "request");
	ck_assert_msg(strstr(out, "ECDHE-RSA-AES128-GCM-SHA256") != NULL,
	    "%s", out);
	out = client(&j, "-tls1_2 -ign_eof", "request");
	ck_assert_msg(strstr(out, "ECDHE-ECDSA-AES128-GCM-SHA256") != NULL,
	    "%s", out);
	pthread_join(t, NULL);
	close(j.lfd);
	ck_assert_int_eq(j.result[0], REPLIED);
	ck_assert_int_eq(j.result[1], REPLIED);
	tls_server_free(j.srv);
}
END_TEST

static Suite *
tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *tl = tcase_create("load");
	TCase *th = tcase_create("handshake");

	tcase_add_loop_test(tl, test_load, 0, nitems(load_cases));
	tcase_add_test(tl, test_min_version);
	tcase_add_test(tl, test_conn_local);
	suite_add_tcase(s, tl);

	tcase_set_timeout(th, 60);
	tcase_add_loop_test(th, test_handshake, 0, nitems(hs_cases));
	tcase_add_test(th, test_tls13_then_12);
	tcase_add_test(th, test_big_write);
	tcase_add_test(th, test_resume);
	tcase_add_test(th, test_parallel);
	tcase_add_test(th, test_reload);
	suite_add_tcase(s, th);
	return s;
}

int
main(void)
{
	SRunner *sr;
	char cmd[256];
	size_t i;
	int failed;

	log_init("check_tls", 1, getenv("CHECK_TLS_DEBUG") != NULL ?
	    LOG_LEVEL_DEBUG : LOG_LEVEL_CRIT);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	for (i = 0; i < nitems(fixture_cmds); i++)
		run_ok(fixture_cmds[i]);

	sr = srunner_create(tls_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);

	if (getenv("CHECK_TLS_KEEP") == NULL &&
	    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir) < (int)sizeof(cmd))
		(void)system(cmd);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
