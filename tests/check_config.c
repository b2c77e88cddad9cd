/*
 * Tests of config.c as an admin meets it: files that must be refused
 * (with the right "file:line" and reason), files that must set the right
 * fields, the order of layers (file < environment < command line), a
 * failed load leaving the old settings, validation, and the sample
 * ltfsee-globus.ini matching the compiled-in defaults.
 *
 * Every test writes its files under one mkdtemp directory and clears the
 * environment variables it may meet first.  The sample is found through
 * LTFSEE_TOP (set by tests/run-all), else in the current directory.
 */
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "util.h"

static char tmpdir[] = "/tmp/check_config.XXXXXX";

/* Every variable config.c reads; cleared before each test. */
static const char *const env_names[] = {
	"AUTH_KEY", "AUTH_KEY_FILE", "LTFSEE_LIB", "LOGLEVEL",
	"CACHE_DEFAULT_TIMEOUT", "BIND", "KEYFILE", "CERTFILE", "TLS",
	"TLS_MIN_VERSION", "TLS_SESSION_CACHE", "THREADS", "MAX_CONNECTIONS",
	"MAX_REQUEST_LINE", "MAX_HEADER_LINE", "MAX_HEADER_SIZE", "MAX_BODY",
	"HEADER_TIMEOUT", "BODY_TIMEOUT", "KEEPALIVE_TIMEOUT", "WRITE_TIMEOUT",
	"HANDSHAKE_TIMEOUT", "EEADM", "EEADM_TIMEOUT", "RECALL_TIMEOUT",
	"EEADM_MAX_OUTPUT", "ALLOWED_PATHS", "STATE_DIR", "RECALL_DELAY",
	"RECALL_MAX_WAIT", "RECALL_MAX_FILES", "RECALL_CONCURRENCY",
	"RECALL_RETRIES", "RECALL_RESIDENT", "STATE_BATCH_DELAY",
	"STATE_BATCH_MAX", "STATE_METHOD", "METRICS_AUTH", "LTFSEE_URL",
	"TIMEOUT", "AUTOFS", "DEPTH", "REMAP", "DEBUG", "CA_FILE",
	"TLS_VERIFY", "EXIT_RESIDENT", "EXIT_ARCHIVED", "EXIT_NOT_FOUND",
	"EXIT_ERROR",
};

static void
setup(void)
{
	size_t i;

	for (i = 0; i < nitems(env_names); i++)
		unsetenv(env_names[i]);
}

/* Writes LEN bytes (strlen when 0) to tmpdir/NAME; returns the path. */
static char *
write_file(const char *name, const char *text, size_t len, mode_t mode)
{
	static char path[4][256];
	static int next;
	char *p = path[next++ % 4];
	int fd;

	ck_assert_int_lt(snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name),
	    (int)sizeof(path[0]));
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ge(fd, 0);
	if (len == 0)
		len = strlen(text);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
	return p;
}

/* Loads TEXT as a file for ROLE into *c (defaults first). */
static int
load(struct config *c, const char *text, size_t len, enum config_role role,
    char *err, char **pathp)
{
	char *path = write_file("t.ini", text, len, 0600);

	config_defaults(c);
	if (pathp != NULL)
		*pathp = path;
	return config_load(c, path, 0, role, err, CONFIG_ERR_MAX);
}

static char long_line[512];

/* "[server]" and a line of exactly N characters: "eeadm = xxx...". */
static const char *
line_of(size_t n)
{
	const char *head = "[server]\neeadm = ";
	size_t h = strlen(head), i;

	ck_assert_uint_lt(n + 10, sizeof(long_line));
	memcpy(long_line, head, h);
	for (i = h; i < n + strlen("[server]\n"); i++)
		long_line[i] = 'x';
	long_line[i++] = '\n';
	long_line[i] = '\0';
	return long_line;
}

static const struct {
	const char	*text;
	size_t		 len;		/* 0: strlen */
	int		 line;
	const char	*reason;
} bad_cases[] = {
	{ "[server]\nthreads = 10s\n", 0, 2, "threads: not a number" },
	{ "[server]\nthreads = -1\n", 0, 2, "threads: not a number" },
	{ "[server]\nthreads = 99999999999999999999999\n", 0, 2,
	    "out of range (0..1024)" },
	{ "[server]\nthreads = 1025\n", 0, 2, "out of range" },
	{ "[server]\nthreads = 8\nthreads = 9\n", 0, 3,
	    "threads: repeated (first set on line 2)" },
	{ "[server]\nthreads = 8\nTHREADS = 9\n", 0, 3, "repeated" },
	{ "[client]\n[server]\nthreads = 1\n[client]\n[server]\n"
	    "threads = 2\n", 0, 6, "repeated" },
	{ "[server]\nfoo = 1\n", 0, 2, "unknown key \"foo\" in [server]" },
	{ "[client]\nthreads = 1\n", 0, 2, "unknown key \"threads\"" },
	{ "[server]\n[nope]\nthreads = 1\n", 0, 2,
	    "unknown section [nope] (only [server] and [client])" },
	{ "threads = 8\n", 0, 1, "outside a section" },
	{ "[server]\nbind = 1.2.3.4:80\n  threads = 8\n", 0, 3, "indented" },
	{ "[server]\nbind = 1.2.3.4:80\n\t[client]\n", 0, 3, "indented" },
	{ "[server]\nauth_key =   \n", 0, 2, "auth_key: empty or blank" },
	{ "[server]\nauth_key = ;secret\n", 0, 2, "auth_key: empty" },
	{ "[client]\nauth_key =\n", 0, 2, "auth_key: empty" },
	{ "[server]\nthreads = 8\nbind = 1.2.3.4:80\0x\n", 41, 3, "NUL" },
	{ "[server]\neeadm = a\001b\n", 0, 2, "control character" },
	{ "[server]\nthreads\n", 0, 2, "expected key = value" },
	{ "[server]\n= 3\n", 0, 2, "expected key = value" },
	{ "[server]\nthreads: 8\n", 0, 2, "':'" },
	{ "[server\nthreads = 1\n", 0, 1, "bad section header" },
	{ "[]\n", 0, 1, "bad section header" },
	{ "[server] extra\n", 0, 1, "text after the section header" },
	{ "[server]\neeadm = /bin/eeadm # sudo\n", 0, 2, "'#'" },
	{ "[server]\neeadm = #/bin/eeadm\n", 0, 2, "'#'" },
	{ "[server]\nauth_key = \"abc\"\n", 0, 2, "quoted" },
	{ "[server]\nbind = '1.2.3.4:80' ; x\n", 0, 2, "quoted" },
	{ "[server]\ntls = maybe\n", 0, 2, "tls: not one of auto, on, off" },
	{ "[server]\nstate_method = ls\n", 0, 2, "not one of eeadm, stat" },
	{ "[server]\nrecall_resident = perhaps\n", 0, 2, "not yes, no" },
	{ "[client]\ndebug = anything\n", 0, 2, "debug: not yes" },
	{ "[server]\nloglevel = loud\n", 0, 2, "loglevel: not" },
	{ "[server]\nallowed_paths = /a, b\n", 0, 2,
	    "\"b\": not an absolute path" },
	{ "[server]\nallowed_paths = /gpfs//fs0\n", 0, 2, "empty" },
	{ "[server]\nallowed_paths = /gpfs/./fs0\n", 0, 2, "\".\"" },
	{ "[server]\nallowed_paths = /gpfs/fs0/..\n", 0, 2, "\"..\"" },
	{ "[server]\nallowed_paths = /gpfs, //\n", 0, 2, "empty" },
	{ "[server]\nstate_dir = var/lib\n", 0, 2, "not an absolute path" },
	{ "[server]\nstate_dir =\n", 0, 2, "state_dir: empty" },
	{ "[server]\neeadm =  \n", 0, 2, "eeadm: empty" },
	{ "[server]\nbind = localhost\n", 0, 2, "not host:port" },
	{ "[server]\nbind = 1.2.3.4:70000\n", 0, 2, "port" },
	{ "[server]\ntls_min_version = 1.3\n", 0, 2, "not 1.0, 1.1 or 1.2" },
	{ "[server]\nltfsee_lib = a -b\n", 0, 2, "starts with '-'" },
	{ "[server]\nltfsee_lib = 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 "
	    "17\n", 0, 2, "more than 16 entries" },
	{ "[server]\nheader_timeout = 0\n", 0, 2,
	    "out of range (0.001..86400 seconds)" },
	{ "[server]\nheader_timeout = 10s\n", 0, 2, "not a number of seconds" },
	{ "[server]\nheader_timeout = 99999999999999999999\n", 0, 2,
	    "out of range" },
	{ "[client]\ntimeout = 1.2345\n", 0, 2, "not a number of seconds" },
	{ "[client]\ntimeout = -1\n", 0, 2, "not a number of seconds" },
	{ "[client]\nltfsee_url = ftp://x\n", 0, 2, "not an http" },
	{ "[client]\nltfsee_url = http://\n", 0, 2, "without a host" },
	{ "[client]\ndepth = 0\n", 0, 2, "depth: out of range" },
	{ "[client]\ndepth = -1\n", 0, 2, "depth: not a number" },
	{ "[client]\nexit_error = 256\n", 0, 2, "out of range (0..255)" },
	{ "[server]\nauth_key = abc\nauth_key_file = /k\n", 0, 3,
	    "auth_key is set too (line 2)" },
	{ "[server]\r\nthreads = x\r\n", 0, 2, "not a number" },
	{ "; c\n\n[server]\n# c\nthreads = 1\n\nmax_body = 1k\n", 0, 7,
	    "max_body: not a number" },
};

START_TEST(test_bad_file)
{
	struct config c;
	char err[CONFIG_ERR_MAX], want[CONFIG_ERR_MAX], *path;

	err[0] = '\0';
	ck_assert_int_eq(load(&c, bad_cases[_i].text, bad_cases[_i].len,
	    CONFIG_ROLE_SERVER, err, &path), -1);
	snprintf(want, sizeof(want), "%s:%d: ", path, bad_cases[_i].line);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
	    "case %d: \"%s\" does not start with \"%s\"", _i, err, want);
	ck_assert_msg(strstr(err, bad_cases[_i].reason) != NULL,
	    "case %d: \"%s\" lacks \"%s\"", _i, err, bad_cases[_i].reason);
	config_free(&c);
}
END_TEST

/* The limit: a line of 190 characters loads whole, 191 is refused. */
START_TEST(test_line_limit)
{
	struct config c;
	char err[CONFIG_ERR_MAX], *path;

	ck_assert_int_eq(load(&c, line_of(190), 0, CONFIG_ROLE_SERVER, err,
	    &path), 0);
	ck_assert_uint_eq(strlen(c.server.eeadm), 190 - strlen("eeadm = "));
	ck_assert_int_eq(c.server.eeadm[strlen(c.server.eeadm) - 1], 'x');
	config_free(&c);

	ck_assert_int_eq(load(&c, line_of(191), 0, CONFIG_ROLE_SERVER, err,
	    &path), -1);
	ck_assert_ptr_nonnull(strstr(err, ":2: line longer than 190"));
	config_free(&c);
}
END_TEST

static void
good_numbers(const struct config *c)
{
	ck_assert_uint_eq(c->server.threads, 16);
	ck_assert_int_eq(c->server.header_timeout_ms, 2500);
	ck_assert_int_eq(c->server.state_batch_delay_ms, 0);
	ck_assert_int_eq(c->server.cache_timeout_ms, 0);
	ck_assert_uint_eq(c->server.max_body, 1);
}

static void
good_lists(const struct config *c)
{
	ck_assert_uint_eq(c->server.nlibraries, 4);
	ck_assert_str_eq(c->server.libraries[0], "a");
	ck_assert_str_eq(c->server.libraries[1], "b");
	ck_assert_str_eq(c->server.libraries[2], "c");
	ck_assert_str_eq(c->server.libraries[3], "d");
	ck_assert_uint_eq(c->server.nallowed_paths, 1);
	ck_assert_str_eq(c->server.allowed_paths[0], "/gpfs/x");
}

static void
good_comment(const struct config *c)
{
	ck_assert_str_eq(c->server.auth_key, "k;ey#1");
	ck_assert_str_eq(c->server.eeadm, "sudo -n /x/eeadm");
}

static void
good_enums(const struct config *c)
{
	ck_assert_int_eq(c->server.tls, CONFIG_TLS_ON);
	ck_assert_int_eq(c->server.recall_resident, 1);
	ck_assert_int_eq(c->server.metrics_auth, 0);
	ck_assert_int_eq(c->server.state_method, CONFIG_STATE_STAT);
	ck_assert_int_eq(c->server.loglevel, LOG_LEVEL_DEBUG);
}

static void
good_client(const struct config *c)
{
	ck_assert_int_eq(c->client.depth, 3);
	ck_assert_uint_eq(c->client.nurls, 2);
	ck_assert_str_eq(c->client.urls[0], "https://a:1");
	ck_assert_str_eq(c->client.urls[1], "http://b/x");
	ck_assert_int_eq(c->client.exit_not_found, 0);
	ck_assert_int_eq(c->client.exit_error, 255);
	ck_assert_int_eq(c->client.debug, 1);
	ck_assert_int_eq(c->client.tls_verify, 0);
	ck_assert_int_eq(c->client.timeout_ms, 1);
}

static void
good_sections(const struct config *c)
{
	ck_assert_str_eq(c->server.auth_key, "srv");
	ck_assert_str_eq(c->client.auth_key, "cli");
	ck_assert_uint_eq(c->server.threads, 3);
	ck_assert_str_eq(c->server.bind, "[::1]:0");
}

static void
good_unset(const struct config *c)
{
	ck_assert_ptr_null(c->server.certfile);
	ck_assert_uint_eq(c->server.nlibraries, 0);
	ck_assert_uint_eq(c->client.nurls, 0);
	ck_assert_int_eq(c->client.depth, -1);
}

static const struct {
	const char	*text;
	void		(*check)(const struct config *);
} good_cases[] = {
	{ "[server]\nthreads = 16\nheader_timeout = 2.5\n"
	    "state_batch_delay = 0\ncache_default_timeout = 0.000\n"
	    "max_body = 1\n", good_numbers },
	{ "[server]\nltfsee_lib = a,b c ,\t d,\nallowed_paths = /gpfs/x\n",
	    good_lists },
	{ "[server]\nauth_key = k;ey#1 ; the key\n"
	    "eeadm = sudo -n /x/eeadm   \n", good_comment },
	{ "  ; indented comment\n[server]\n\t# another\n"
	    "tls = ON\nrecall_resident = True\nmetrics_auth = off\n"
	    "state_method = stat\nloglevel = DEBUG\n", good_enums },
	{ "\xef\xbb\xbf[client]\ndepth = 3\n"
	    "ltfsee_url = https://a:1 http://b/x\nexit_not_found = 0\n"
	    "exit_error = 255\ndebug = yes\ntls_verify = 0\n"
	    "timeout = 0.001\n", good_client },
	{ "[Server]\nAuth_Key = srv\n[client]\nauth_key = cli\n[server]\n"
	    "THREADS = 3\nbind = [::1]:0\n", good_sections },
	{ "[server]\ncertfile =\nltfsee_lib =\n[client]\nltfsee_url = ,\n"
	    "depth =\n", good_unset },
};

START_TEST(test_good_file)
{
	struct config c;
	char err[CONFIG_ERR_MAX] = "";

	ck_assert_msg(load(&c, good_cases[_i].text, 0, CONFIG_ROLE_SERVER,
	    err, NULL) == 0, "case %d: %s", _i, err);
	if (good_cases[_i].check != NULL)
		good_cases[_i].check(&c);
	config_free(&c);
}
END_TEST

/* A list value cannot hold a blank: "x\ y" is two entries. */
START_TEST(test_list_split)
{
	struct config c;
	char err[CONFIG_ERR_MAX];

	ck_assert_int_eq(load(&c, "[server]\nltfsee_lib = a,b c ,\t d,\n"
	    "allowed_paths = /gpfs/x y\n", 0, CONFIG_ROLE_SERVER, err, NULL),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "\"y\": not an absolute path"));
	config_free(&c);

	ck_assert_int_eq(load(&c, "[server]\nltfsee_lib = a,b c ,\t d,\n"
	    "allowed_paths = /gpfs/x\n", 0, CONFIG_ROLE_SERVER, err, NULL), 0);
	ck_assert_uint_eq(c.server.nlibraries, 4);
	ck_assert_str_eq(c.server.libraries[3], "d");
	config_free(&c);
}
END_TEST

START_TEST(test_layers)
{
	struct config c;
	char err[CONFIG_ERR_MAX];

	setenv("THREADS", "6", 1);
	setenv("LTFSEE_LIB", "x y", 1);
	setenv("BIND", "", 1);		/* empty counts as unset */
	ck_assert_int_eq(load(&c, "[server]\nthreads = 4\nbind = 1.2.3.4:5\n"
	    "ltfsee_lib = a\n", 0, CONFIG_ROLE_SERVER, err, NULL), 0);
	ck_assert_uint_eq(c.server.threads, 6);
	ck_assert_str_eq(c.server.bind, "1.2.3.4:5");
	ck_assert_uint_eq(c.server.nlibraries, 2);
	ck_assert_str_eq(c.server.libraries[1], "y");

	ck_assert_int_eq(config_set(&c, CONFIG_ROLE_SERVER, "threads", "12",
	    err, sizeof(err)), 0);
	ck_assert_uint_eq(c.server.threads, 12);
	ck_assert_int_eq(config_set(&c, CONFIG_ROLE_SERVER, "threads", "12x",
	    err, sizeof(err)), -1);
	ck_assert_str_eq(err, "threads: not a number");
	ck_assert_uint_eq(c.server.threads, 12);
	ck_assert_int_eq(config_set(&c, CONFIG_ROLE_SERVER, "depth", "1",
	    err, sizeof(err)), -1);
	ck_assert_str_eq(err, "unknown key \"depth\" in [server]");
	ck_assert_int_eq(config_set(&c, CONFIG_ROLE_CLIENT, "depth", "1",
	    err, sizeof(err)), 0);
	ck_assert_int_eq(c.client.depth, 1);
	config_free(&c);
}
END_TEST

static const struct {
	const char	*name, *value;
	enum config_role role;
	const char	*err;		/* NULL: loads */
} env_cases[] = {
	{ "THREADS", "10s", CONFIG_ROLE_SERVER,
	    "environment THREADS: not a number" },
	{ "THREADS", "-1", CONFIG_ROLE_SERVER,
	    "environment THREADS: not a number" },
	{ "TIMEOUT", "10s", CONFIG_ROLE_CLIENT,
	    "environment TIMEOUT: not a number of seconds" },
	{ "TIMEOUT", "99999999999999999999", CONFIG_ROLE_CLIENT,
	    "environment TIMEOUT: out of range" },
	{ "DEPTH", "-1", CONFIG_ROLE_CLIENT, "environment DEPTH: not a num" },
	{ "DEPTH", "-1", CONFIG_ROLE_SERVER, NULL },	/* not the daemon's */
	{ "THREADS", "x", CONFIG_ROLE_CLIENT, NULL },	/* not the client's */
	{ "AUTH_KEY", " \t ", CONFIG_ROLE_SERVER,
	    "environment AUTH_KEY: empty or blank" },
	{ "AUTH_KEY", "a\nb", CONFIG_ROLE_CLIENT,
	    "environment AUTH_KEY: contains a control character" },
	{ "LTFSEE_URL", "http://a,gopher://b", CONFIG_ROLE_CLIENT,
	    "environment LTFSEE_URL: \"gopher://b\": not an http" },
	{ "LOGLEVEL", "verbose", CONFIG_ROLE_SERVER,
	    "environment LOGLEVEL: not" },
	{ "TLS_VERIFY", "maybe", CONFIG_ROLE_CLIENT,
	    "environment TLS_VERIFY: not yes" },
};

/* Bad environment values are refused by name; the struct stays. */
START_TEST(test_env)
{
	struct config c;
	char err[CONFIG_ERR_MAX] = "";
	int r;

	setenv(env_cases[_i].name, env_cases[_i].value, 1);
	r = load(&c, "[server]\nthreads = 5\n", 0, env_cases[_i].role, err,
	    NULL);
	if (env_cases[_i].err == NULL) {
		ck_assert_msg(r == 0, "case %d: %s", _i, err);
	} else {
		ck_assert_int_eq(r, -1);
		ck_assert_msg(strncmp(err, env_cases[_i].err,
		    strlen(env_cases[_i].err)) == 0, "case %d: %s", _i, err);
		ck_assert_uint_eq(c.server.threads, 0);
		ck_assert_ptr_null(c.file);
	}
	config_free(&c);
}
END_TEST

static const struct {
	const char	*value;
	int		 debug;
} debug_cases[] = {
	{ "1", 1 }, { "True", 1 }, { "yes", 1 }, { "anything", 1 },
	{ "0", 0 }, { "false", 0 }, { "OFF", 0 }, { "", 0 },
};

/* DEBUG from the environment is read the Python way. */
START_TEST(test_debug_env)
{
	struct config c;
	char err[CONFIG_ERR_MAX];

	setenv("DEBUG", debug_cases[_i].value, 1);
	config_defaults(&c);
	ck_assert_int_eq(config_load(&c, NULL, 0, CONFIG_ROLE_CLIENT, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(c.client.debug, debug_cases[_i].debug);
	config_free(&c);
}
END_TEST

/* A failed load, from the file or the environment, changes nothing. */
START_TEST(test_failed_load_keeps)
{
	struct config c;
	char err[CONFIG_ERR_MAX], *first, *path;

	ck_assert_int_eq(load(&c, "[server]\nthreads = 3\nbind = 1.2.3.4:5\n"
	    "ltfsee_lib = a b\n", 0, CONFIG_ROLE_SERVER, err, &path), 0);
	ck_assert_str_eq(c.file, path);
	first = c.server.bind;

	path = write_file("bad.ini", "[server]\nthreads = 7\nbind = 9.9.9.9:9\n"
	    "ltfsee_lib = z\nmax_body = big\n", 0, 0600);
	ck_assert_int_eq(config_load(&c, path, 0, CONFIG_ROLE_SERVER, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "bad.ini:5: max_body"));
	ck_assert_uint_eq(c.server.threads, 3);
	ck_assert_ptr_eq(c.server.bind, first);
	ck_assert_str_eq(c.server.bind, "1.2.3.4:5");
	ck_assert_uint_eq(c.server.nlibraries, 2);
	ck_assert_ptr_nonnull(strstr(c.file, "t.ini"));

	path = write_file("good.ini", "[server]\nthreads = 7\n", 0, 0600);
	setenv("MAX_BODY", "0", 1);
	ck_assert_int_eq(config_load(&c, path, 0, CONFIG_ROLE_SERVER, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "environment MAX_BODY: out of range "
	    "(1..67108864)");
	ck_assert_uint_eq(c.server.threads, 3);

	unsetenv("MAX_BODY");
	ck_assert_int_eq(config_load(&c, path, 0, CONFIG_ROLE_SERVER, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(c.server.threads, 7);
	ck_assert_str_eq(c.server.bind, "1.2.3.4:5");	/* kept layer */
	config_free(&c);
}
END_TEST

START_TEST(test_missing_file)
{
	struct config c;
	char err[CONFIG_ERR_MAX], path[300];

	snprintf(path, sizeof(path), "%s/absent.ini", tmpdir);
	setenv("THREADS", "2", 1);
	config_defaults(&c);
	ck_assert_int_eq(config_load(&c, path, 1, CONFIG_ROLE_SERVER, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(c.server.threads, 2);
	ck_assert_ptr_null(c.file);
	ck_assert_int_eq(config_load(&c, path, 0, CONFIG_ROLE_SERVER, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "absent.ini: No such file"));
	ck_assert_int_eq(config_load(&c, tmpdir, 1, CONFIG_ROLE_SERVER, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
	config_free(&c);
}
END_TEST

/* auth_key and auth_key_file: the later layer wins, one per layer. */
START_TEST(test_auth_layers)
{
	struct config c;
	char err[CONFIG_ERR_MAX], text[400], *key;

	key = write_file("key", "s3cret\r\nsecond line\n", 0, 0600);
	snprintf(text, sizeof(text), "[server]\nauth_key_file = %s\n", key);

	setenv("AUTH_KEY", "fromenv", 1);
	ck_assert_int_eq(load(&c, text, 0, CONFIG_ROLE_SERVER, err, NULL), 0);
	ck_assert_ptr_null(c.server.auth_key_file);
	ck_assert_int_eq(config_validate(&c, CONFIG_ROLE_SERVER, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(c.server.auth_key, "fromenv");
	config_free(&c);

	unsetenv("AUTH_KEY");
	ck_assert_int_eq(load(&c, text, 0, CONFIG_ROLE_SERVER, err, NULL), 0);
	ck_assert_int_eq(config_validate(&c, CONFIG_ROLE_SERVER, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(c.server.auth_key, "s3cret");

	ck_assert_int_eq(config_set(&c, CONFIG_ROLE_SERVER, "auth_key", "cli",
	    err, sizeof(err)), 0);
	ck_assert_ptr_null(c.server.auth_key_file);
	ck_assert_int_eq(config_validate(&c, CONFIG_ROLE_SERVER, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(c.server.auth_key, "cli");
	config_free(&c);

	setenv("AUTH_KEY", "a", 1);
	setenv("AUTH_KEY_FILE", key, 1);
	ck_assert_int_eq(load(&c, "", 0, CONFIG_ROLE_CLIENT, err, NULL), -1);
	ck_assert_ptr_nonnull(strstr(err, "both set"));
	config_free(&c);
}
END_TEST

static const struct {
	const char	*content;	/* NULL: no such file */
	const char	*err;		/* NULL: valid, key "k" */
	mode_t		 mode;		/* 0: 0600 */
} keyfile_cases[] = {
	{ "k\n", NULL, 0 }, { "k", NULL, 0 }, { "k\r\n\n", NULL, 0 },
	{ "k\n", NULL, 0644 },		/* readable by others: a warning */
	{ NULL, "No such file", 0 }, { "", "first line empty or blank", 0 },
	{ "\nk\n", "first line empty", 0 }, { " \t\r\n", "empty or blank", 0 },
	{ "k\001\n", "control character", 0 },
};

START_TEST(test_key_file)
{
	struct config c;
	char err[CONFIG_ERR_MAX], path[300];

	snprintf(path, sizeof(path), "%s/nokey", tmpdir);
	config_defaults(&c);
	if (keyfile_cases[_i].content != NULL)
		snprintf(path, sizeof(path), "%s", write_file("key",
		    keyfile_cases[_i].content, 0, keyfile_cases[_i].mode ?
		    keyfile_cases[_i].mode : 0600));
	ck_assert_int_eq(config_set(&c, CONFIG_ROLE_CLIENT, "auth_key_file",
	    path, err, sizeof(err)), 0);
	if (keyfile_cases[_i].err == NULL) {
		ck_assert_int_eq(config_validate(&c, CONFIG_ROLE_CLIENT, err,
		    sizeof(err)), 0);
		ck_assert_str_eq(c.client.auth_key, "k");
	} else {
		ck_assert_int_eq(config_validate(&c, CONFIG_ROLE_CLIENT, err,
		    sizeof(err)), -1);
		ck_assert_msg(strstr(err, keyfile_cases[_i].err) != NULL &&
		    strstr(err, path) != NULL, "case %d: %s", _i, err);
	}
	config_free(&c);
}
END_TEST

static const struct {
	enum config_role role;
	const char	*set[3][2];	/* key, value */
	const char	*err;		/* NULL: valid */
} validate_cases[] = {
	{ CONFIG_ROLE_SERVER, { { NULL } }, "no auth key" },
	{ CONFIG_ROLE_SERVER, { { "auth_key", "k" } }, NULL },
	{ CONFIG_ROLE_SERVER, { { "auth_key", "k" }, { "certfile", "/c" } },
	    "certfile and keyfile go together" },
	{ CONFIG_ROLE_SERVER, { { "auth_key", "k" }, { "tls", "on" } },
	    "tls = on needs certfile and keyfile" },
	{ CONFIG_ROLE_SERVER, { { "auth_key", "k" }, { "certfile", "/no/c" },
	    { "keyfile", "/no/k" } }, "certfile /no/c: No such file" },
	{ CONFIG_ROLE_SERVER, { { "auth_key", "k" }, { "recall_delay", "9" },
	    { "recall_max_wait", "8.999" } }, "recall_max_wait is shorter" },
	{ CONFIG_ROLE_SERVER, { { "auth_key", "k" },
	    { "max_header_line", "20000" } }, "max_header_line is larger" },
	{ CONFIG_ROLE_CLIENT, { { NULL } }, "no auth key" },
	{ CONFIG_ROLE_CLIENT, { { "auth_key", "k" } }, NULL },
	{ CONFIG_ROLE_CLIENT, { { "auth_key", "k" }, { "ltfsee_url", "" } },
	    "no server" },
	{ CONFIG_ROLE_CLIENT, { { "auth_key", "k" },
	    { "ltfsee_url", "https://a" }, { "ca_file", "/no/ca.pem" } },
	    "ca_file /no/ca.pem: No such file" },
	{ CONFIG_ROLE_CLIENT, { { "auth_key", "k" },
	    { "ltfsee_url", "https://a" }, { "tls_verify", "no" } }, NULL },
};

START_TEST(test_validate)
{
	struct config c;
	char err[CONFIG_ERR_MAX] = "";
	int i, r;

	config_defaults(&c);
	for (i = 0; i < 3 && validate_cases[_i].set[i][0] != NULL; i++)
		ck_assert_int_eq(config_set(&c, validate_cases[_i].role,
		    validate_cases[_i].set[i][0], validate_cases[_i].set[i][1],
		    err, sizeof(err)), 0);
	r = config_validate(&c, validate_cases[_i].role, err, sizeof(err));
	if (validate_cases[_i].err == NULL)
		ck_assert_msg(r == 0, "case %d: %s", _i, err);
	else
		ck_assert_msg(r == -1 && strstr(err,
		    validate_cases[_i].err) != NULL, "case %d: %s", _i, err);
	config_free(&c);
}
END_TEST

START_TEST(test_remap)
{
	struct config c;
	char err[CONFIG_ERR_MAX];

	config_defaults(&c);
	ck_assert_int_eq(c.client.depth, -1);
	setenv("AUTH_KEY", "k", 1);
	setenv("DEPTH", "4", 1);
	ck_assert_int_eq(config_load(&c, NULL, 0, CONFIG_ROLE_CLIENT, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(c.client.remap, 0);
	ck_assert_int_eq(config_validate(&c, CONFIG_ROLE_CLIENT, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(c.client.depth, 4);
	ck_assert_int_eq(c.client.remap, 1);
	config_free(&c);
}
END_TEST

/* The header's documented defaults. */
START_TEST(test_defaults)
{
	struct config c;

	config_defaults(&c);
	ck_assert_str_eq(c.server.bind, "127.0.0.1:8000");
	ck_assert_str_eq(c.server.eeadm, CONFIG_DEFAULT_EEADM);
	ck_assert_str_eq(c.server.state_dir, LOCALSTATEDIR
	    "/lib/ltfsee-globus");
	ck_assert_str_eq(c.server.tls_min_version, "1.2");
	ck_assert_int_eq(c.server.cache_timeout_ms, 300000);
	ck_assert_uint_eq(c.server.threads, 0);
	ck_assert_uint_eq(c.server.max_connections, 4096);
	ck_assert_uint_eq(c.server.eeadm_max_output, 16 * 1024 * 1024);
	ck_assert_int_eq(c.server.recall_timeout_ms, 86400000);
	ck_assert_int_eq(c.server.state_batch_delay_ms, 50);
	ck_assert_int_eq(c.server.tls, CONFIG_TLS_AUTO);
	ck_assert_int_eq(c.server.state_method, CONFIG_STATE_EEADM);
	ck_assert_ptr_null(c.server.auth_key);
	ck_assert_uint_eq(c.client.nurls, 1);
	ck_assert_str_eq(c.client.urls[0], "http://127.0.0.1:8000");
	ck_assert_int_eq(c.client.timeout_ms, 10000);
	ck_assert_int_eq(c.client.tls_verify, 1);
	ck_assert_int_eq(c.client.exit_not_found, 2);
	ck_assert_int_eq(c.client.exit_error, 1);
	config_free(&c);
	ck_assert_ptr_null(c.server.bind);
	ck_assert_uint_eq(c.client.nurls, 0);
}
END_TEST

static void
str_same(const char *a, const char *b, const char *what)
{
	ck_assert_msg((a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0),
	    "%s: \"%s\" vs \"%s\"", what, a ? a : "(null)", b ? b : "(null)");
}

#define SAME(f)	ck_assert_msg(a->f == b->f, "%s differs", #f)
#define SAMES(f) str_same(a->f, b->f, #f)

/* Every field of two configurations, the file name aside. */
static void
config_same(const struct config *a, const struct config *b)
{
	size_t i;

	SAMES(server.auth_key); SAMES(server.auth_key_file);
	SAME(server.nlibraries); SAME(server.loglevel);
	SAME(server.cache_timeout_ms); SAMES(server.bind);
	SAMES(server.keyfile); SAMES(server.certfile); SAME(server.tls);
	SAMES(server.tls_min_version); SAME(server.tls_session_cache);
	SAME(server.threads); SAME(server.max_connections);
	SAME(server.max_request_line); SAME(server.max_header_line);
	SAME(server.max_header_size); SAME(server.max_body);
	SAME(server.header_timeout_ms); SAME(server.body_timeout_ms);
	SAME(server.keepalive_timeout_ms); SAME(server.write_timeout_ms);
	SAME(server.handshake_timeout_ms); SAMES(server.eeadm);
	SAME(server.eeadm_timeout_ms); SAME(server.recall_timeout_ms);
	SAME(server.eeadm_max_output); SAME(server.nallowed_paths);
	SAMES(server.state_dir); SAME(server.recall_delay_ms);
	SAME(server.recall_max_wait_ms); SAME(server.recall_max_files);
	SAME(server.recall_concurrency); SAME(server.recall_retries);
	SAME(server.recall_resident); SAME(server.state_batch_delay_ms);
	SAME(server.state_batch_max); SAME(server.state_method);
	SAME(server.metrics_auth);
	for (i = 0; i < a->server.nlibraries; i++)
		SAMES(server.libraries[i]);
	for (i = 0; i < a->server.nallowed_paths; i++)
		SAMES(server.allowed_paths[i]);

	SAME(client.nurls); SAMES(client.auth_key); SAMES(client.auth_key_file);
	SAME(client.timeout_ms); SAMES(client.autofs); SAME(client.depth);
	SAME(client.remap); SAME(client.debug); SAMES(client.ca_file);
	SAME(client.tls_verify); SAME(client.exit_resident);
	SAME(client.exit_archived); SAME(client.exit_not_found);
	SAME(client.exit_error);
	for (i = 0; i < a->client.nurls; i++)
		SAMES(client.urls[i]);
}

static char *
sample_text(void)
{
	const char *top = getenv("LTFSEE_TOP");
	char path[1024];
	FILE *f;
	char *text;
	size_t n;

	snprintf(path, sizeof(path), "%s/ltfsee-globus.ini",
	    top != NULL ? top : ".");
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	text = calloc(1, 65536);
	ck_assert_ptr_nonnull(text);
	n = fread(text, 1, 65535, f);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_lt(n, 65535);
	fclose(f);
	return text;
}

/*
 * The sample loads as it is, equal to the defaults, and -n on it fails
 * for the one reason a fresh install should: no key yet.  With every
 * ";key = value" line uncommented it still equals the defaults, so the
 * values it shows are the compiled-in ones.
 */
START_TEST(test_sample)
{
	struct config def, c;
	char err[CONFIG_ERR_MAX], *text, *p;
	int keys = 0;

	config_defaults(&def);
	text = sample_text();
	ck_assert_msg(load(&c, text, 0, CONFIG_ROLE_SERVER, err, NULL) == 0,
	    "%s", err);
	config_same(&c, &def);
	ck_assert_int_eq(config_validate(&c, CONFIG_ROLE_SERVER, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no auth key"));
	ck_assert_int_eq(config_set(&c, CONFIG_ROLE_SERVER, "auth_key", "k",
	    err, sizeof(err)), 0);
	ck_assert_msg(config_validate(&c, CONFIG_ROLE_SERVER, err,
	    sizeof(err)) == 0, "%s", err);
	config_free(&c);

	for (p = text; (p = strstr(p, "\n;")) != NULL; p++)
		if (p[2] >= 'a' && p[2] <= 'z') {
			memmove(p + 1, p + 2, strlen(p + 2) + 1);
			keys++;
		}
	/* Every key but the two auth ones of each section. */
	ck_assert_int_eq(keys, 38 + 14 - 4);
	ck_assert_msg(load(&c, text, 0, CONFIG_ROLE_CLIENT, err, NULL) == 0,
	    "%s", err);
	config_same(&c, &def);
	config_free(&c);
	config_free(&def);
	free(text);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, test_bad_file, 0, nitems(bad_cases));
	tcase_add_test(tc, test_line_limit);
	tcase_add_loop_test(tc, test_good_file, 0, nitems(good_cases));
	tcase_add_test(tc, test_list_split);
	tcase_add_test(tc, test_layers);
	tcase_add_loop_test(tc, test_env, 0, nitems(env_cases));
	tcase_add_loop_test(tc, test_debug_env, 0, nitems(debug_cases));
	tcase_add_test(tc, test_failed_load_keeps);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_auth_layers);
	tcase_add_loop_test(tc, test_key_file, 0, nitems(keyfile_cases));
	tcase_add_loop_test(tc, test_validate, 0, nitems(validate_cases));
	tcase_add_test(tc, test_remap);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_sample);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	char cmd[128];
	int failed;

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	log_init("check_config", 1, LOG_LEVEL_CRIT);
	sr = srunner_create(config_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
