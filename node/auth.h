/*
 * auth.h - who may talk to the node: the access token, the cap on
 * connections and the deadline for a new connection to prove itself
 * (issue 6 items 3 and 6). The server feeds it NNG pipe events
 * (server_pipe.c) and asks it about every request (server_recv.c);
 * it knows nothing of NNG itself.
 */
#ifndef PP_NODE_AUTH_H
#define PP_NODE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "token.h"

typedef struct auth auth;

/*
 * auth_alloc - token: NULL or empty for none (copied). max_conns: most
 * connections from non-exempt listeners at once. auth_timeout_ms: how
 * long a connection may go without one request carrying the token (with
 * a token only). Returns 0 or PP_ENOMEM.
 */
int auth_alloc(const ppi_token *token, uint32_t max_conns,
    uint32_t auth_timeout_ms, auth **a);

/* auth_free - accepts NULL; wipes the token. */
void auth_free(auth *a);

/* auth_has_token - true when requests must carry a token. */
bool auth_has_token(const auth *a);

/*
 * auth_pipe_add - a connection arrived (before it can send anything).
 * is_exempt: it came through the node's private worker listener, which
 * needs no token and does not count toward the cap. Returns 0, 1 when
 * it is over the cap (its requests get PP_EBUSY and auth_expired()
 * reports it a second later), or -1 when it must be closed now (the
 * table is full).
 */
int auth_pipe_add(auth *a, uint32_t pipe, bool is_exempt);

/*
 * auth_pipe_add_foreign - a connection arrived from a local user the
 * node does not serve (peer.h): its requests get PP_EPEER and
 * auth_expired() reports it a second later, so its client learns why.
 * It does not count toward the cap. Returns 0, or -1 when it must be
 * closed now (the table is full).
 */
int auth_pipe_add_foreign(auth *a, uint32_t pipe);

/* auth_pipe_remove - a connection went away. */
void auth_pipe_remove(auth *a, uint32_t pipe);

/*
 * auth_check - may this request (its whole frame) from `pipe` be served?
 * Returns 0, PP_EAUTH, PP_EBUSY or PP_EPEER (auth_pipe_add_foreign) with
 * the reason in msg. Constant time in the
 * token's bytes.
 */
int auth_check(auth *a, uint32_t pipe, const void *frame, size_t len,
    char *msg, size_t msglen);

/*
 * auth_expired - up to max connections to close: open longer than the
 * auth timeout without one valid request, or over the cap for a second;
 * each is reported once.
 * Returns how many were written to pipes.
 */
size_t auth_expired(auth *a, uint32_t *pipes, size_t max);

/* auth_count - connections open now (not exempt). */
uint32_t auth_count(auth *a);

#endif
