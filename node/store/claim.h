/*
 * claim.h - the pieces of claiming (claim.c) that other handlers share:
 * a proc's options and creation (systemProcs create their procs with
 * them), claiming from a known proc (the workers' table), proc names.
 */
#ifndef PP_NODE_STORE_CLAIM_H
#define PP_NODE_STORE_CLAIM_H

#include "group.h"
#include "proc_rec.h"

/*
 * claim_check_options - a new proc record from a proc request's name,
 * topic and options; PP_E* (reason in g->msg) when they are invalid.
 */
int claim_check_options(group *g, const ppi_request *req, proc_rec *p);

/*
 * claim_given_options - want names stored's topic and, of the options
 * whose PP_PROC_GIVEN_* bit is in `given`, the same values (the others
 * are not compared: the stored ones apply).
 */
bool claim_given_options(
    const proc_rec *stored, const proc_rec *want, uint64_t given);

/* claim_create - resolve a new proc's cursor (then proc_rec_put it). */
int claim_create(group *g, proc_rec *p);

/*
 * claim_from - claim up to p->count logs of p into reply, tagged with
 * index; *is_empty when there were none. An MDB code.
 */
int claim_from(group *g, proc_rec *p, uint64_t index, ppi_buf *reply,
    bool *is_empty);

/*
 * claim_check_names - the names of avail and waitprocs are all valid and
 * name procs. Returns 0, an MDB code, or -1 after an error reply.
 */
int claim_check_names(group *g, const ppi_request *req, ppi_buf *reply);

/* claim_empty_reply - the reply of a claim that got nothing (also of a
 * wait that ended empty). */
void claim_empty_reply(ppi_buf *reply);

#endif
