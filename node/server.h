/*
 * server.h - the node's request server: an NNG rep socket with a fixed
 * set of contexts, each receiving one request at a time.
 */
#ifndef PP_NODE_SERVER_H
#define PP_NODE_SERVER_H

#include <stddef.h>

#include "node.h"

/* Remote clients (issue 6): TLS material, token, limits. */
typedef struct server_security {
	const struct ppi_tls_pem *pem; /* tls+tcp listeners; else NULL */
	const struct ppi_token   *token; /* NULL or empty: none */
	const char *worker_addr; /* the workers' listener: no token, no cap */
	uint32_t    max_conns;   /* connections at once, worker ones aside */
	uint32_t    auth_timeout_ms; /* to send a first valid request */
	const struct peer_config *peers; /* other local users allowed on
	                                  * ipc (peer.h); NULL: none */
} server_security;

/*
 * server_open - listen on every address: ipc:// (socket files mode
 * 0600), tls+tcp:// (mutual TLS with sec->pem) and tcp://. Returns 0 or
 * PP_EADDR / PP_EADDRINUSE / PP_EPERM / PP_ETLS / PP_EIO with a reason in
 * msg. Nothing is received until server_start().
 */
int server_open(node *n, const char *const *addrs, size_t naddrs,
    const server_security *sec, server **s, char *msg, size_t msglen);

/*
 * server_check_listeners - probe every listener and restart one that no
 * longer completes handshakes (NNG 1.5.2 bug #1518; see probe.h).
 */
void server_check_listeners(server *s);

/* server_start - start receiving requests. */
int server_start(server *s);

/* server_detach_writer - stop telling the writer about closed
 * connections (before writer_stop frees it). */
void server_detach_writer(server *s);

/* server_refuse_new - from now on every new request gets PP_ESHUTDOWN. */
void server_refuse_new(server *s);

/*
 * server_wait_idle - wait until at most `allowed` requests are between
 * receipt and the end of their reply, or timeout_ms passed.
 */
void server_wait_idle(server *s, int allowed, int timeout_ms);

/*
 * server_wait_shutdown_peer - wait until the client that asked for the
 * shutdown has disconnected (it does so once it read our reply), so that
 * closing the socket cannot drop that reply; at most timeout_ms.
 */
void server_wait_shutdown_peer(server *s, int timeout_ms);

/* server_close - close the socket and free every context. */
void server_close(server *s);

/*
 * server_unlink_sockets - remove the socket files of the ipc listeners,
 * for a node that fails to start after it began listening (the process
 * then exits without closing them; issue 13 item 11). Accepts NULL.
 */
void server_unlink_sockets(server *s);

#endif
