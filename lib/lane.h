/*
 * lane.h - the client's second dedupe lane (issue 14 item 7): proc claims
 * (pp_proc, pp_ack_proc) and proc admin writes (disable, resume, destroy)
 * carry (cid, rid, floor) like commits, under a cid of their own, so that
 * a resend after a lost connection gets the reply the first attempt got
 * instead of being applied again. Unlike the commit queue's, this lane
 * is not ordered: its requests are independent calls made from any
 * thread, some of which wait in the node, so the node never answers
 * them PP_EORDER; floor is the lowest rid still unanswered, below which
 * the node forgets the lane's replies.
 */
#ifndef PP_LANE_H
#define PP_LANE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

typedef struct ppi_lane ppi_lane;

/* ppi_lane_alloc - a lane with a random cid. Returns 0 or PP_ENOMEM. */
int ppi_lane_alloc(ppi_lane **l);

/* ppi_lane_free - accepts NULL. */
void ppi_lane_free(ppi_lane *l);

/*
 * ppi_lane_take - the next rid, noted as unanswered, and the floor to
 * send with it into *t. Returns 0 or PP_ENOMEM. Thread-safe.
 */
int ppi_lane_take(ppi_lane *l, ppi_wire_lane *t);

/* ppi_lane_done - t's request was answered (or given up). */
void ppi_lane_done(ppi_lane *l, const ppi_wire_lane *t);

#endif
