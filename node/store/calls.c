/*
 * calls.c - the handler of a commit request: its calls (commit, ack,
 * ack_commit, reclaim) in order, each answered on its own, and the
 * request's reply remembered for a resend (requests.c).
 *
 * Design notes:
 * - Validate, then mutate: a call whose logs break a rule, whose producer
 *   sequence was applied already (PP_EDUPLICATE) or whose expected
 *   sequences do not hold (PP_ECONFLICT) gets its own error and writes
 *   nothing; the other calls of the group go on.
 * - Each request's reply is stored under (cid, rid) in the same
 *   transaction; a request seen again gets the stored reply and changes
 *   nothing (docs/DESIGN.md §5).
 */
#include <stdio.h>

#include "group.h"
#include "ops.h"
#include "producers.h"
#include "requests.h"
#include "settle.h"

/*
 * Conditional append: every topic the call names in its expects is at
 * the stated next sequence (0 for a topic that does not exist). Checked
 * against the group's cached records, so a commit earlier in the same
 * group counts. *status is 0 or PP_ECONFLICT / PP_EINVALID_TOPIC, with
 * the detail in g->msg; returns an MDB code.
 */
static int
expects_check(group *g, const ppi_wire_call *call, int *status)
{
	cached_topic *t;
	uint64_t      actual;
	size_t        i;
	int           rc;

	*status = 0;
	for (i = 0; i < call->nexpects; i++) {
		const ppi_wire_expect *e = &call->expects[i];

		if (!ppi_topic_valid(e->topic.ptr, e->topic.len)) {
			snprintf(g->msg, sizeof(g->msg),
			    "expect %zu: topic must match "
			    "[A-Za-z0-9_.-]{1,200}",
			    i);
			*status = PP_EINVALID_TOPIC;
			return 0;
		}
		rc = group_topic(g, e->topic.ptr, e->topic.len, false, &t);
		if (rc != 0 && rc != MDB_NOTFOUND) {
			return rc;
		}
		actual = rc == 0 ? t->rec.next_seq : 0;
		if (actual != e->next_seq) {
			snprintf(g->msg, sizeof(g->msg),
			    "topic '%.*s': expected next sequence %llu, it is "
			    "%llu",
			    (int) e->topic.len, e->topic.ptr,
			    (unsigned long long) e->next_seq,
			    (unsigned long long) actual);
			*status = PP_ECONFLICT;
			return 0;
		}
	}
	return 0;
}

/*
 * Checks a commit call: its logs, then its producer key (a duplicate is
 * not a conflict), then its expected sequences. *status 0 means it may
 * be applied; returns an MDB code.
 */
static int
commit_check(group *g, const ppi_wire_call *call, int *status)
{
	int rc;

	if ((*status = group_validate_call(g, call)) != 0) {
		return 0;
	}
	if ((rc = producers_check(g, call, status)) != 0 || *status != 0) {
		return rc;
	}
	return expects_check(g, call, status);
}

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
		} else if ((rc = commit_check(g, call, &rv)) != 0) {
			/* a storage failure: fails the group */
		} else if (rv != 0) {
			ppi_wire_reply_commit_err(reply, rv, g->msg);
		} else if ((rc = group_append(g, call, &ms)) == 0 &&
		    (rc = producers_record(g, call)) == 0) {
			ppi_wire_reply_commit_ok(reply, ms, g->seqs, call->count);
			g->tally.commits++;
		}
		if (rc != 0) {
			return rc;
		}
	}
	return requests_remember(g, req, reply);
}
