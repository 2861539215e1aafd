/*
 * metrics_util.h - fixtures of the metrics tests (metrics_*_test.c):
 * a whole pp_stats() report, a node-wide figure read afresh for
 * PP_WAIT_UNTIL, and claims of an expected size.
 */
#ifndef PP_TEST_METRICS_UTIL_H
#define PP_TEST_METRICS_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "wire_stats.h"

/* ---- helpers: stats ---------------------------------------------------- */

pp_stats_report *metrics_stats_of(pp_client *c);

/* A node-wide counter, read afresh (for PP_WAIT_UNTIL). */
#define NODE_FIGURE(c, field)                                                  \
	metrics_node_figure((c), offsetof(pp_node_stats, field))

/* The node figure at byte offset `offset` of pp_node_stats. */
uint64_t metrics_node_figure(pp_client *c, size_t offset);

/* pp_proc that must succeed and claim exactly `expect` logs. */
pp_claim *metrics_claim(pp_client *c, const char *topic, const char *name,
    const pp_proc_opts *opts, size_t expect);

/* ---- helpers: HTTP ------------------------------------------------------ */

/* A TCP port nobody listens on right now (bound, then released). */
int metrics_free_port(void);

/*
 * metrics_http_request - "METHOD PATH HTTP/1.0" to 127.0.0.1:port, the
 * response read until the server closes, within a deadline. Returns the
 * status; *body (malloc'd, NUL-terminated) gets what follows the headers
 * and *headers (may be NULL) the header block.
 */
int metrics_http_request(int port, const char *method, const char *path,
    char **body, char **headers);

#endif
