/*
 * config: the settings of the daemon ([server]) and of the stage app
 * ([client]), read from one INI file, then the environment, then the
 * command line (each overriding the one before).
 *
 * Every key has an environment variable named after it in upper case
 * (auth_key -> AUTH_KEY); the Python version's variables keep their
 * meaning.  Durations are seconds with up to three decimals, held in
 * milliseconds.  Loading never leaves a half-applied configuration: a
 * caller gets either a complete struct or an error naming file, line and
 * reason.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_LIBRARIES	16
#define CONFIG_MAX_PATHS	32
#define CONFIG_MAX_URLS		16
#define CONFIG_ERR_MAX		512

#ifndef SYSCONFDIR
#define SYSCONFDIR		"/etc"
#endif
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR		"/var"
#endif
#define CONFIG_DEFAULT_FILE	SYSCONFDIR "/ltfsee-globus.ini"
#define CONFIG_DEFAULT_EEADM	"/opt/ibm/ltfsee/bin/eeadm"

enum config_tls { CONFIG_TLS_AUTO, CONFIG_TLS_ON, CONFIG_TLS_OFF };
enum config_state_method { CONFIG_STATE_EEADM, CONFIG_STATE_STAT };

struct config_server {
	char	*auth_key;		/* AUTH_KEY, or read from ... */
	char	*auth_key_file;		/* AUTH_KEY_FILE (first line) */
	char	*libraries[CONFIG_MAX_LIBRARIES];	/* LTFSEE_LIB */
	size_t	 nlibraries;
	int	 loglevel;		/* LOGLEVEL, enum log_level */
	int64_t	 cache_timeout_ms;	/* CACHE_DEFAULT_TIMEOUT, 300 s */
	char	*bind;			/* BIND, "127.0.0.1:8000" */
	char	*keyfile;		/* KEYFILE */
	char	*certfile;		/* CERTFILE */
	int	 tls;			/* TLS: auto, on, off */
	char	*tls_min_version;	/* TLS_MIN_VERSION: "1.2" */
	uint64_t tls_session_cache;	/* TLS_SESSION_CACHE: bytes */

	uint64_t threads;		/* THREADS: 0, one per processor */
	uint64_t max_connections;	/* MAX_CONNECTIONS: 4096 */
	uint64_t max_request_line;	/* MAX_REQUEST_LINE: 8192 */
	uint64_t max_header_line;	/* MAX_HEADER_LINE: 8192 */
	uint64_t max_header_size;	/* MAX_HEADER_SIZE: 16384 */
	uint64_t max_body;		/* MAX_BODY: 65536 */
	int64_t	 header_timeout_ms;	/* HEADER_TIMEOUT: 10 s */
	int64_t	 body_timeout_ms;	/* BODY_TIMEOUT: 10 s */
	int64_t	 keepalive_timeout_ms;	/* KEEPALIVE_TIMEOUT: 60 s */
	int64_t	 write_timeout_ms;	/* WRITE_TIMEOUT: 10 s */
	int64_t	 handshake_timeout_ms;	/* HANDSHAKE_TIMEOUT: 10 s */

	char	*eeadm;			/* EEADM: command, may have a prefix */
	int64_t	 eeadm_timeout_ms;	/* EEADM_TIMEOUT: 120 s */
	int64_t	 recall_timeout_ms;	/* RECALL_TIMEOUT: 86400 s */
	uint64_t eeadm_max_output;	/* EEADM_MAX_OUTPUT: 16 MiB */
	char	*allowed_paths[CONFIG_MAX_PATHS];	/* ALLOWED_PATHS */
	size_t	 nallowed_paths;
	char	*state_dir;		/* STATE_DIR */

	int64_t	 recall_delay_ms;	/* RECALL_DELAY: 5 s */
	int64_t	 recall_max_wait_ms;	/* RECALL_MAX_WAIT: 60 s */
	uint64_t recall_max_files;	/* RECALL_MAX_FILES: 10000 */
	uint64_t recall_concurrency;	/* RECALL_CONCURRENCY: 1 */
	uint64_t recall_retries;	/* RECALL_RETRIES: 3 */
	int	 recall_resident;	/* RECALL_RESIDENT: no */
	int64_t	 state_batch_delay_ms;	/* STATE_BATCH_DELAY: 0.05 s */
	uint64_t state_batch_max;	/* STATE_BATCH_MAX: 1000 */
	int	 state_method;		/* STATE_METHOD: eeadm or stat */
	int	 metrics_auth;		/* METRICS_AUTH: no */
};

struct config_client {
	char	*urls[CONFIG_MAX_URLS];	/* LTFSEE_URL, several allowed */
	size_t	 nurls;
	char	*auth_key;		/* AUTH_KEY */
	char	*auth_key_file;		/* AUTH_KEY_FILE */
	int64_t	 timeout_ms;		/* TIMEOUT: 10 s */
	char	*autofs;		/* AUTOFS: map file */
	int	 depth;			/* DEPTH: -1 when unset */
	int	 remap;			/* REMAP: on when AUTOFS/DEPTH set */
	int	 debug;			/* DEBUG */
	char	*ca_file;		/* CA_FILE: system bundle */
	int	 tls_verify;		/* TLS_VERIFY: yes */
	int	 exit_resident;		/* EXIT_RESIDENT: 0 */
	int	 exit_archived;		/* EXIT_ARCHIVED: 0 */
	int	 exit_not_found;	/* EXIT_NOT_FOUND: 2 */
	int	 exit_error;		/* EXIT_ERROR: 1 */
};

struct config {
	char	*file;			/* the file read, or NULL */
	struct config_server server;
	struct config_client client;
};

/* Which section a program reads; the other is skipped but still checked. */
enum config_role { CONFIG_ROLE_SERVER, CONFIG_ROLE_CLIENT };

/* Fills *c with the compiled-in defaults. */
void	config_defaults(struct config *c);

/*
 * Loads FILE into *c (which holds defaults or an earlier layer), then the
 * environment.  MISSING_OK lets an absent file pass (the default path).
 * Returns 0, or -1 with "file:line: reason" in err.
 */
int	config_load(struct config *c, const char *file, int missing_ok,
	    enum config_role role, char *err, size_t errlen);

/*
 * Sets one key from the command line (e.g. "-o bind=..."); same checks
 * as the file.  Returns 0 or -1 with the reason in err.
 */
int	config_set(struct config *c, enum config_role role, const char *key,
	    const char *value, char *err, size_t errlen);

/*
 * Final checks after all layers (auth key present and not blank, key file
 * read, TLS files both or neither...).  Returns 0 or -1 with err.
 */
int	config_validate(struct config *c, enum config_role role, char *err,
	    size_t errlen);

void	config_free(struct config *c);

#endif
