/*
 * state_json.h - the node's state as JSON (state_json.c), for the HTTP
 * server's read-only endpoints: GET /healthz, /topics, /topics/NAME,
 * /procs, /procs/NAME.
 */
#ifndef PP_NODE_STATE_JSON_H
#define PP_NODE_STATE_JSON_H

#include "buf.h"
#include "store/store.h"

/* Items of a /topics or /procs page: ?limit=N, by default and at most. */
#define STATE_JSON_LIMIT_DEFAULT 1000
#define STATE_JSON_LIMIT_MAX     10000

/*
 * state_json_get - the body answering GET `path` (the request URI, with
 * its query) into out, which must be empty, and any more header lines
 * into headers (the Link to a list's next page). The lists read
 * ?limit=N&after=NAME; other queries are ignored. Returns the HTTP
 * status: 200, or 404 (unknown path or name), 400 (invalid name, limit
 * or after), 500 (the store failed), each error with a JSON error object
 * as the body. Any thread; one short read transaction per page of the
 * store, at most limit / 500 + 1 of them.
 */
int state_json_get(store *s, const char *path, ppi_buf *out,
    ppi_buf *headers);

#endif
