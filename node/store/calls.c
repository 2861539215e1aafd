/*
 * calls.c - the handler of a commit request: its calls (commit, ack,
 * ack_commit, reclaim) in order, each answered on its own, and the
 * request's reply remembered for a resend (requests.c).
 *
 * Design notes:
 * - Validate, then mutate: a call whose logs break a rule gets its own
 *   error and writes nothing; the other calls of the group go on.
 * - Each request's reply is stored under (cid, rid) in the same
 *   transaction; a request seen again gets the stored reply and changes
 *   nothing (docs/DESIGN.md §5).
 */
#include "group.h"
#include "ops.h"
#include "requests.h"
#include "settle.h"

int
calls_apply(group *g, const ppi_request *req, ppi_buf *reply)
{
	bool     is_answered;
	uint64_t ms;
	size_t   i;
	int      rc, rv;

	rc = requests_replay(g, req, reply, &is_answered);
	if (rc != 0 || is_answered) {
		return rc;
	}
	ppi_wire_reply_commit_begin(reply, req->ncalls);
	for (i = 0; i < req->ncalls; i++) {
		const ppi_wire_call *call = &req->calls[i];

		if (call->kind != PPI_CALL_COMMIT) {
			rc = settle_call(g, call, reply);
		} else if ((rv = group_validate_call(g, call)) != 0) {
			ppi_wire_reply_commit_err(reply, rv, g->msg);
			rc = 0;
		} else if ((rc = group_append(g, call, &ms)) == 0) {
			ppi_wire_reply_commit_ok(reply, ms, g->seqs, call->count);
			g->tally.commits++;
		}
		if (rc != 0) {
			return rc;
		}
	}
	return requests_remember(g, req, reply);
}
