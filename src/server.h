/*
 * server: the listener, the worker threads and the connections.
 *
 * One process serves one address.  See server.c for the threading design.
 */
#ifndef SERVER_H
#define SERVER_H

#include <stdint.h>

struct config;
struct tls_server;

/*
 * Binds CFG's address, starts the worker and reaper threads.  TLS may be
 * NULL (plain HTTP).  CFG must stay valid until server_stop() returns
 * (server_set_config() swaps it).  Returns 0, or -1 with the reason
 * logged.
 */
int	server_start(const struct config *cfg, struct tls_server *tls);

/* The port actually bound (useful when BIND asked for port 0). */
int	server_port(void);

/* Swaps in a reloaded configuration for new requests and connections. */
void	server_set_config(const struct config *cfg);

/*
 * Stops accepting, lets requests in progress finish, closes idle
 * connections and joins the threads, waiting no later than DEADLINE_MS.
 */
void	server_stop(int64_t deadline_ms);

/* Counters for logs and metrics. */
struct server_stats {
	uint64_t	connections_open;
	uint64_t	connections_total;
	uint64_t	connections_refused;	/* over max_connections */
	uint64_t	requests_total;
};

void	server_stats(struct server_stats *st);

#endif
