/*
 * answer: what the stage app prints and how it exits for a daemon's
 * response, as Globus expects it.  Pure decision logic, no I/O.
 */
#ifndef ANSWER_H
#define ANSWER_H

#include <stddef.h>

#include "config.h"

#define ANSWER_MSG_MAX	1024

struct answer {
	const char	*word;		/* resident, archived or NULL */
	int		 status;	/* the exit status */
	int		 error;		/* a fault: syslog; not 404 */
	char		 msg[ANSWER_MSG_MAX];	/* stderr, or "" */
};

/*
 * Decides the outcome of a response with HTTP STATUS and BODY[0..LEN)
 * for PATH, with the exit statuses of CC: 201 with a known state prints
 * it; 404 is "not found"; anything else (a 201 with bad JSON or an
 * unknown state included) is an error whose message carries the
 * server's "message" when there is one.
 */
void	answer_decide(const struct config_client *cc, const char *path,
	    int status, const char *body, size_t len, struct answer *a);

/* Fills A for a fault with no usable response (MSG says why). */
void	answer_error(const struct config_client *cc, const char *msg,
	    struct answer *a);

#endif
