/*
 * ops.h - the handlers of the writer's requests, one per op, each run
 * inside a group commit (group.h). Only the dispatcher (commit.c)
 * includes this header: a handler never calls another through it.
 *
 * Each writes its request's complete reply (success or error) and
 * returns 0, or returns an MDB/errno code that fails the whole group.
 * Those that take *is_empty / *is_pending tell the writer that the
 * request may be parked until something changes.
 */
#ifndef PP_NODE_STORE_OPS_H
#define PP_NODE_STORE_OPS_H

#include "group.h"

/* calls_apply - op commit: its calls in order (calls.c). */
int calls_apply(group *g, const ppi_request *req, ppi_buf *reply);

/* claim_proc - op proc: create-if-needed and claim (claim.c). */
int claim_proc(group *g, const ppi_request *req, ppi_buf *reply,
    bool *is_empty);

/* claim_available - op avail: claim from the first of several procs
 * with logs (claim.c). */
int claim_available(group *g, const ppi_request *req, ppi_buf *reply,
    bool *is_empty);

/*
 * admin_wait - op waitprocs: are the procs done? *is_pending when not;
 * the reply is then the PP_ETIMEDOUT it gets if the wait runs out
 * (admin.c).
 */
int admin_wait(group *g, const ppi_request *req, ppi_buf *reply,
    bool *is_pending);

/* admin_proc - ops pdisable, presume, pdestroy (admin.c). */
int admin_proc(group *g, const ppi_request *req, ppi_buf *reply);

/* admin_topic_config - op tconfig: a topic's retention limits. */
int admin_topic_config(group *g, const ppi_request *req, ppi_buf *reply);

/* admin_topic_delete - op tdelete: a topic (and, forced, its procs). */
int admin_topic_delete(group *g, const ppi_request *req, ppi_buf *reply);

/* system_create, system_destroy - ops sysproc and sysdestroy
 * (system.c). */
int system_create(group *g, const ppi_request *req, ppi_buf *reply);
int system_destroy(group *g, const ppi_request *req, ppi_buf *reply);

/* systable_claim - op sysclaim: a worker's claim from the writer's
 * table of systemProcs (systable.c). */
int systable_claim(group *g, const ppi_request *req, ppi_buf *reply,
    bool *is_empty);

/* settle_expire - the claim timer fired: reclaim the claim t->token of
 * t->name if it is still current (settle.c). */
int settle_expire(group *g, const store_timer *t);

#endif
