/*
 * api: the routes of the HTTP API, compatible with the Python version.
 *
 *   GET  /api/v0.5/                                  200, a description
 *   POST /api/v0.5/file_state/file_state             201, a list of states
 *   POST /api/v0.5/globus_recall/globus_recall       201, resident/archived
 *
 * A request may have to wait for eeadm: api_handle() then returns 1 and
 * the caller parks the connection until WAKE(ARG) is called, then calls
 * api_handle() again with the same request and context, which answers.
 */
#ifndef API_H
#define API_H

#include <stddef.h>

#include "http.h"
#include "state.h"
#include "util.h"

struct config_server;

/* What api_handle() keeps across a wait; one per connection. */
struct api_ctx {
	int			 pending;	/* waiting for a state lookup */
	char			*path;
	char			*taskid;
	char			*library;
	struct state_answer	 answer;
	int			 peer_loopback;	/* set by the server */
};

struct api_reply {
	int		 status;
	struct buf	 body;		/* JSON; owned by the caller */
	const char	*allow;		/* the Allow value for a 405 */
	const char	*content_type;	/* NULL: application/json */
	int		 route;		/* enum metrics_route */
};

/* Keeps CFG for later requests (it must outlive them).  0 or -1. */
int	api_init(const struct config_server *cfg);

/* Swaps in a reloaded configuration.  Call between requests only. */
void	api_set_config(const struct config_server *cfg);

void	api_ctx_reset(struct api_ctx *ctx);

/*
 * Answers REQ with BODY[0..BODY_LEN).  Returns 0 with *REPLY filled (any
 * status), or 1 when the answer waits for eeadm (see above).
 */
int	api_handle(const struct http_request *req, const char *body,
	    size_t body_len, struct api_ctx *ctx, struct api_reply *reply,
	    state_wake_fn wake, void *arg);

#endif
