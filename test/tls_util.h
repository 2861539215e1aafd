/*
 * tls_util.h - fixtures of the remote client tests (tls_*_test.c):
 * certificates from pipeproc-gen-certs ($PIPEPROC_GEN_CERTS) in the
 * case's own directory, a free TCP port of 127.0.0.1, nodes run as real
 * processes (pp_t_node_exec) with or without TLS, client options for a
 * certificate set, and the check that a connection is refused fast.
 */
#ifndef PP_TEST_TLS_UTIL_H
#define PP_TEST_TLS_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* A failure must be reported well before any timeout would fire. */
#define FAST_MS 3000

typedef struct certs {
	char dir[PP_T_PATH];
	char ca[PP_T_PATH], node_cert[PP_T_PATH], node_key[PP_T_PATH];
	char cert[PP_T_PATH], key[PP_T_PATH], token[PP_T_PATH];
} certs;

/* Runs pipeproc-gen-certs DIR --host HOST [extra]; fills c. */
void tls_gen_certs(
    certs *c, const char *tag, const char *host, const char *extra);

/* A TCP port of 127.0.0.1 that was free a moment ago. */
unsigned tls_free_port(void);

/* Starts a node listening on `scheme`://127.0.0.1:PORT with extra args. */
void tls_start_node(pp_tnode *n, const char *scheme, const char *const *extra);

/* A tls+tcp node with the certificates of c, plus the arguments in
 * `more` (NULL-terminated, may be NULL). */
void start_tls_node(pp_tnode *n, const certs *c, const char *const *more);

/* Client options with these certificate files and a 10 s (scaled)
 * connect timeout. */
pp_connect_opts tls_opts(const char *ca, const char *cert, const char *key);

/* pp_connect must fail with `ex`, quickly, and say `needle`. */
void tls_expect_refused(
    const char *address, const pp_connect_opts *o, int ex, const char *needle);

#endif
