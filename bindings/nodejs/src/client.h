/*
 * client.h - the JS handle of a pp_client and its lifetime.
 *
 * A handle is a napi External holding a small box that points to a
 * ppn_client (client.c). The box and every job in flight each hold a
 * reference; shutdown drops the box's at once (and empties the box, which
 * the garbage collector frees whenever it likes). pp_close() runs when the
 * last reference goes, always on a thread of its own (pp_close() blocks,
 * and must not run inside a pp_commit_async() callback).
 */
#ifndef PPN_CLIENT_H
#define PPN_CLIENT_H

#include <stdatomic.h>

#include "runtime.h"

struct ppn_client {
	pp_client  *client;
	atomic_int  refs;
	atomic_bool is_closed; /* shutdown/close called: new calls refused */
	bool        is_spawner;
};

/* Drops one reference; the last one closes the client. Accepts NULL. */
void ppn_client_release(ppn_client *cl);

/*
 * The ppn_client of handle `v` with one more reference for `job`
 * (job->client), or NULL after setting job's error: PP_EINVAL (not a
 * handle) or PP_ENOTCONN (closed).
 */
ppn_client *ppn_client_take(napi_env env, napi_value v, ppn_job *job);

/* Exports spawn, connect, shutdown and close onto `exports`. */
int ppn_client_export(napi_env env, napi_value exports);

#endif /* PPN_CLIENT_H */
