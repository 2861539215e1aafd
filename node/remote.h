/*
 * remote.h - the node's side of remote clients (issue 6): the options
 * (--tls-*, --token-*, --insecure-tcp, --max-connections,
 * --auth-timeout, and for other local users --allow-uid and
 * --allow-gid), their checks at start-up, and the private ipc
 * listener the node's own workers use when the others will not do.
 */
#ifndef PP_NODE_REMOTE_H
#define PP_NODE_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peer.h"
#include "server.h"
#include "tls.h"
#include "token.h"

typedef struct remote_config {
	const char *tls_ca, *tls_cert, *tls_key;
	const char *token_file, *token_env;
	bool        is_insecure_tcp;
	uint32_t    max_conns;       /* 0: 256 */
	uint32_t    auth_timeout_ms; /* 0: 10000 */
	peer_config peers; /* --allow-uid, --allow-gid (peer.h) */
} remote_config;

typedef struct remote {
	ppi_tls_pem     pem;
	ppi_token       token;
	bool            needs_private; /* workers need a listener of their own */
	char            worker_dir[512];  /* "" unless we made one */
	char            worker_sock[512]; /* "" unless in the data directory */
	char            worker_addr[600];
	server_security sec;
} remote;

/*
 * remote_option - take option `name` with value `val` into c. Returns 0,
 * or -1 after printing why the value is bad.
 */
int remote_option(remote_config *c, const char *name, const char *val);

/*
 * remote_prepare - check the listen addresses against the options, read
 * the token and the TLS material, and decide how workers connect: the
 * first ipc listener, or (when there is none, or a token guards them) a
 * private one (see remote_worker_listener). Returns 0 or a PP_E* code
 * with msg.
 */
int remote_prepare(const remote_config *c, const char *const *listen,
    size_t nlisten, remote *r, char *msg, size_t msglen);

/*
 * remote_worker_listener - once the data directory is locked: where the
 * workers' private listener goes, r->worker_addr (which the caller adds
 * to the listeners; "" when none is needed): a socket in the data
 * directory, whose lock makes a leftover one ours to replace, or, when
 * that path is too long for a socket, one in a new 0700 directory under
 * $TMPDIR. Returns 0 or a PP_E* code with msg.
 */
int remote_worker_listener(remote *r, const char *data_dir, char *msg,
    size_t msglen);

/* remote_cleanup - wipe secrets, remove the private listener's dir. */
void remote_cleanup(remote *r);

#endif
