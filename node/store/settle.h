/*
 * settle.h - ending claims (settle.c), for the handlers that end them
 * on behalf of others: a commit request's calls (calls.c), the ack
 * before a claim (claim.c) and the workers' table (systable.c).
 */
#ifndef PP_NODE_STORE_SETTLE_H
#define PP_NODE_STORE_SETTLE_H

#include "group.h"
#include "proc_rec.h"

/* settle_call - an ack, ack_commit or reclaim call of a write request,
 * answered in reply. An MDB code. */
int settle_call(group *g, const ppi_wire_call *call, ppi_buf *reply);

/* settle_call_status - the same call without a reply: *status is 0 or
 * the refusal, with the reason in g->msg. An MDB code. */
int settle_call_status(group *g, const ppi_wire_call *call, int *status);

/* settle_ack - ack p's outstanding claim; *acked is the last log it
 * covered. An MDB code. */
int settle_ack(group *g, proc_rec *p, pp_id *acked);

/*
 * settle_release - give back the claim `token` of `name` whatever its
 * deadline, with `error` as the reason (a worker died holding it);
 * error NULL gives it back without counting a reclaim (the holder
 * stopped on purpose, or the node restarted under it). An MDB code.
 */
int settle_release(group *g, const char *name, uint64_t token,
    const char *error);

#endif
