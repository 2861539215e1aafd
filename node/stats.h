/*
 * stats.h - the "stats" op in the node (stats.c): node-wide figures from
 * metrics.c and the store, and pages of topics and procs, encoded with
 * wire_stats.h. The HTTP exporter (metrics_http.c) reads the same.
 */
#ifndef PP_NODE_STATS_H
#define PP_NODE_STATS_H

#include "store/store.h"

/* stats_node - every node-wide figure into *out (any thread). */
void stats_node(store *s, pp_node_stats *out);

/* stats_reply - answer a stats request (a reader thread). */
void stats_reply(store *s, const ppi_request *req, ppi_buf *reply);

#endif
