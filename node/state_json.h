/*
 * state_json.h - the node's state as JSON (state_json.c), for the HTTP
 * server's read-only endpoints: GET /healthz, /topics, /topics/NAME,
 * /procs, /procs/NAME.
 */
#ifndef PP_NODE_STATE_JSON_H
#define PP_NODE_STATE_JSON_H

#include "buf.h"
#include "store/store.h"

/*
 * state_json_get - the body answering GET `path` (the request URI; a
 * query is ignored) into out, which must be empty. Returns the HTTP
 * status: 200, or 404 (unknown path or name), 400 (invalid name), 500
 * (the store failed), each error with a JSON error object as the body.
 * Any thread; one short read transaction per page of the store.
 */
int state_json_get(store *s, const char *path, ppi_buf *out);

#endif
