/*
 * metrics_http.h - the node's metrics over HTTP (metrics_http.c):
 * pipeproc-node --metrics http://HOST:PORT serves GET /metrics in the
 * Prometheus text format and the state endpoints as JSON, on NNG's HTTP
 * server.
 */
#ifndef PP_NODE_METRICS_HTTP_H
#define PP_NODE_METRICS_HTTP_H

#include <stddef.h>

#include "store/store.h"

typedef struct metrics_http metrics_http;

/*
 * metrics_http_start - listen on `address` (http://HOST:PORT, port 0 for
 * any free one) and serve /metrics and the state endpoints from `s`.
 * url_out gets the URL served, with the bound port. Returns 0, or
 * PP_EADDR (malformed address), PP_EADDRINUSE, PP_EPERM, PP_ENOMEM with
 * a reason in msg.
 */
int metrics_http_start(store *s, const char *address, metrics_http **h,
    char *url_out, size_t url_len, char *msg, size_t msglen);

/* metrics_http_stop - answer pending scrapes, close, free. Accepts NULL. */
void metrics_http_stop(metrics_http *h);

#endif
