/*
 * httpd.h - a small HTTP/1.x server for the node's read-only endpoints
 * (httpd.c; DESIGN §9): one thread, non-blocking sockets, one request per
 * connection, and a deadline on every connection, so that no client, slow
 * or stuck, can hold the thread or the other clients' answers.
 */
#ifndef PP_NODE_HTTPD_H
#define PP_NODE_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct httpd httpd;

/* What a handler answers: status, body, its content type and any more
 * header lines ("Name: value\r\n" each), all filled by the handler. */
typedef struct httpd_response {
	int         status;
	const char *content_type;
	ppi_buf     body;
	ppi_buf     headers;
} httpd_response;

/*
 * The handler of every request: method and target as the client sent
 * them (NUL-terminated, target with its query). It runs on the server's
 * thread and must take bounded time: while it runs no connection moves.
 */
typedef void (*httpd_handler)(
    void *arg, const char *method, const char *target, httpd_response *res);

/* Limits; zero means default. */
typedef struct httpd_opts {
	/* A request's line and headers must arrive within this (5 s). */
	uint32_t request_timeout_ms;
	/* A response may make no progress for this long (5 s) ... */
	uint32_t idle_timeout_ms;
	/* ... and take this long in all (60 s). */
	uint32_t total_timeout_ms;
	/* Connections at once (128); over it, the oldest one still sending
	 * its request is closed to make room. */
	uint32_t max_conns;
} httpd_opts;

/*
 * httpd_start - listen on host:port (host a name or address, port
 * numeric; "0" for any free port, whose number goes to *bound_port) and
 * serve every request with handler(arg, ...). Returns 0, or PP_EADDR
 * (host unknown), PP_EADDRINUSE, PP_EPERM, PP_ENOMEM, with the reason
 * alone in msg (the caller names what it was serving).
 */
int httpd_start(const char *host, const char *port, const httpd_opts *o,
    httpd_handler handler, void *arg, httpd **out, uint16_t *bound_port,
    char *msg, size_t msglen);

/* httpd_stop - close the listener and every connection, join the
 * thread, free. Accepts NULL. */
void httpd_stop(httpd *h);

#endif
