/*
 * answer: see answer.h.  No globals; the JSON decoding is json.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "json.h"

/* Keeps the server's text printable on one line of stderr. */
static void
answer_clean(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

/* Fills A->msg; a cut message is still a message. */
static void
answer_msg(struct answer *a, const char *what, const char *path,
    const char *server)
{
	if (snprintf(a->msg, sizeof(a->msg), "%s%s%s%s%s", path ? path : "",
	    path ? ": " : "", what, server ? ": " : "", server ? server : "")
	    < 0)
		a->msg[0] = '\0';
}

void
answer_error(const struct config_client *cc, const char *msg,
    struct answer *a)
{
	a->word = NULL;
	a->status = cc->exit_error;
	a->error = 1;
	answer_msg(a, msg, NULL, NULL);
}

void
answer_decide(const struct config_client *cc, const char *path,
    int status, const char *body, size_t len, struct answer *a)
{
	static const char *const state_key[] = { "state" };
	static const char *const msg_key[] = { "message" };
	char *val = NULL, err[256], what[128];

	a->word = NULL;
	a->status = cc->exit_error;
	a->error = 1;
	a->msg[0] = '\0';

	if (status == 201) {
		if (json_get_strings(body, len, state_key, 1, &val, err,
		    sizeof(err)) == -1) {
			answer_msg(a, "bad JSON in the server's answer", path,
			    err);
			return;
		}
		if (val == NULL)
			answer_msg(a, "no state in the server's answer", path,
			    NULL);
		else if (strcmp(val, "resident") == 0 ||
		    strcmp(val, "archived") == 0) {
			a->word = val[0] == 'r' ? "resident" : "archived";
			a->status = val[0] == 'r' ? cc->exit_resident :
			    cc->exit_archived;
			a->error = 0;
		} else {
			answer_clean(val);
			answer_msg(a, "unknown state in the server's answer",
			    path, val);
		}
		free(val);
		return;
	}

	/* An error answer: the server's "message" when it sent one. */
	if (json_get_strings(body, len, msg_key, 1, &val, err,
	    sizeof(err)) == 0 && val != NULL)
		answer_clean(val);
	if (status == 404) {
		a->status = cc->exit_not_found;
		a->error = 0;
		answer_msg(a, "not found in the archive", path, val);
	} else {
		if (snprintf(what, sizeof(what), "server answered HTTP %d%s",
		    status, status == 401 ? " (check AUTH_KEY)" : "") < 0)
			what[0] = '\0';
		answer_msg(a, what, path, val);
	}
	free(val);
}
