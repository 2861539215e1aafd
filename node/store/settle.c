/*
 * settle.c - how a claim ends, inside a group commit: ack, ack_commit
 * (ack plus the commit of new logs, all or nothing), reclaim with its
 * consequences (disable, continue, or dead letters in "<topic>.dead"),
 * the timer's reclaims and the release of a dead worker's claims (SPEC
 * §3, PEER §8-11 with the fixes of §23).
 *
 * Design notes:
 * - Ack and reclaim check the proc, the claim and its token before they
 *   change anything; a stale token is refused (PEER §8.7).
 * - A proc's start stays a bound until its first ack turns the cursor
 *   into a sequence (claim.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "ops.h"
#include "proc_rec.h"
#include "settle.h"

#define DEAD_SUFFIX ".dead"

/* Loads the proc a call names and checks its claim and token. */
static int
load_claimed(group *g, const ppi_wire_call *call, proc_rec *p, int *status)
{
	int rc;

	*status = 0;
	if (!ppi_topic_valid(call->name.ptr, call->name.len)) {
		*status = PP_EINVALID_NAME;
		snprintf(g->msg, sizeof(g->msg), "invalid proc name");
		return 0;
	}
	rc = proc_rec_get(g->txn, g->s, call->name.ptr, call->name.len, p);
	if (rc == MDB_NOTFOUND) {
		*status = PP_ENOPROC;
		snprintf(g->msg, sizeof(g->msg), "no proc '%.*s'",
		    (int) call->name.len, call->name.ptr);
		return 0;
	}
	if (rc != 0) {
		return rc;
	}
	if (call->kind == PPI_CALL_RECLAIM && p->is_disabled) {
		*status = PP_EPROC_DISABLED;
		snprintf(g->msg, sizeof(g->msg), "proc '%s' is disabled", p->name);
	} else if (p->token == 0) {
		*status = call->kind == PPI_CALL_RECLAIM ? PP_ENOTHING_TO_RECLAIM
		                                         : PP_ENOTHING_TO_ACK;
		snprintf(g->msg, sizeof(g->msg),
		    "proc '%s' has no outstanding claim", p->name);
	} else if (call->token != 0 && call->token != p->token) {
		*status = PP_ESTALE_CLAIM;
		snprintf(g->msg, sizeof(g->msg),
		    "token %llu is not the current claim of proc '%s'",
		    (unsigned long long) call->token, p->name);
	}
	return 0;
}

int
settle_ack(group *g, proc_rec *p, pp_id *acked)
{
	store_cursor c;
	pp_id        first;
	int          rc;

	if (p->has_claim_ms) {
		proc_rec_claim_ids(NULL, p, &first, acked);
	} else if ((rc = group_open_topic(g, p->topic, &c)) == 0) {
		proc_rec_claim_ids(&c, p, &first, acked);
		mdb_cursor_close(c.cur);
	} else if (rc == MDB_NOTFOUND) {
		proc_rec_claim_ids(NULL, p, &first, acked);
	} else {
		return rc;
	}
	/* PEER §9.1: lastAckedRange <- the claim. */
	p->has_last_acked   = true;
	p->last_acked_first = first;
	p->last_acked_last  = *acked;
	p->cursor        = p->claim_last + 1;
	if (p->retry_end != 0 && p->cursor >= p->retry_end) {
		p->retry_end = 0;
	}
	p->token         = 0;
	p->deadline_ms   = 0;
	p->reclaims      = 0;
	p->last_acked_ms = g->now_ms;
	g->needs_sync    = true;
	g->has_changes   = true; /* the proc can hand out its next logs */
	return proc_rec_put(g->txn, g->s, p);
}

/*
 * Commits the claimed logs to "<topic>.dead", each wrapped with the
 * proc, attempts and last error (ppi_wire_deadletter), in this txn.
 */
static int
dead_letter(group *g, const proc_rec *p, uint64_t first, uint64_t last)
{
	char          dead[PP_TOPIC_MAX + sizeof(DEAD_SUFFIX)];
	ppi_wire_call call;
	store_cursor  c;
	ppi_buf       body;
	MDB_val       k, v;
	uint64_t      ms;
	size_t        n = 0;
	bool          ok;
	int           rc;

	snprintf(dead, sizeof(dead), "%s" DEAD_SUFFIX, p->topic);
	memset(&call, 0, sizeof(call));
	call.kind = PPI_CALL_COMMIT;
	call.logs = calloc((size_t) (last - first + 1), sizeof(*call.logs));
	if (call.logs == NULL) {
		return ENOMEM;
	}
	if ((rc = group_open_topic(g, p->topic, &c)) != 0) {
		free(call.logs);
		return rc == MDB_NOTFOUND ? 0 : rc;
	}
	ok = cursor_seek(&c, first, &k, &v);
	while (ok && store_key_seq(&k) <= last) {
		pp_id id = { store_val_ms(&v), store_key_seq(&k) };

		ppi_buf_init(&body);
		ppi_wire_deadletter(&body, p->name, p->topic, id, p->reclaims,
		    p->error, (const unsigned char *) v.mv_data + 8,
		    v.mv_size - 8);
		call.logs[n].topic.ptr = group_keep(g, dead, strlen(dead));
		call.logs[n].topic.len = strlen(dead);
		call.logs[n].body      = group_keep(g, body.data, body.len);
		call.logs[n].len       = body.len;
		ppi_buf_fini(&body);
		if (call.logs[n].topic.ptr == NULL || call.logs[n].body == NULL) {
			rc = ENOMEM;
			break;
		}
		n++;
		ok = mdb_cursor_get(c.cur, &k, &v, MDB_NEXT) == 0 &&
		    ppi_get_be32(k.mv_data) == c.topic.tid;
	}
	mdb_cursor_close(c.cur);
	call.count = n;
	if (rc == 0 && n > 0 && (rc = group_append(g, &call, &ms)) == 0) {
		g->tally.dead_letters += n;
	}
	free(call.logs);
	return rc;
}

/*
 * Gives the claim back, counting the reclaim; the reclaim that reaches
 * max_reclaims applies on_max (disable, continue or dead-letter and ack).
 */
static int
reclaim_claim(group *g, proc_rec *p, const char *error, size_t error_len)
{
	uint64_t first = p->claim_first, last = p->claim_last;
	pp_id    acked;
	int      rc;

	if (error_len > PROC_ERROR_MAX) {
		error_len = PROC_ERROR_MAX;
	}
	memcpy(p->error, error, error_len);
	p->error[error_len] = '\0';
	p->token       = 0;
	p->deadline_ms = 0;
	g->needs_sync  = true;
	g->has_changes = true; /* the logs can be claimed again */
	if (p->is_isolating && last > first) {
		/* Not counted: its logs are tried again one by one, and
		 * only a single log's failures count (proc_rec). */
		p->retry_end = last + 1;
		return proc_rec_put(g->txn, g->s, p);
	}
	p->reclaims++;
	g->tally.reclaims++;
	/* PEER §9.3: reclaims >= maxReclaims, so with max_reclaims M the
	 * M-th reclaim in a row applies on_max (0 acts as 1). */
	if (p->max_reclaims >= 0 && p->reclaims >= (uint32_t) p->max_reclaims) {
		switch (p->on_max) {
		case PP_ON_MAX_DISABLE:
			p->is_disabled = true;
			break;
		case PP_ON_MAX_DEADLETTER:
			if (strlen(p->topic) + strlen(DEAD_SUFFIX) >
			    PP_TOPIC_MAX) {
				snprintf(p->error, sizeof(p->error),
				    "dead-letter topic name too long; "
				    "disabled instead");
				p->is_disabled = true;
				break;
			}
			if ((rc = dead_letter(g, p, first, last)) != 0) {
				return rc;
			}
			p->claim_last = last;
			return settle_ack(g, p, &acked);
		default:
			break;
		}
	}
	return proc_rec_put(g->txn, g->s, p);
}

/*
 * Applies an ack, ack_commit or reclaim call. *status is 0 or the PP_E*
 * refusal (reason in g->msg; nothing changed then). For ack_commit *ms
 * is the outputs' millisecond (their sequences in g->seqs); *acked the
 * last acked id. An MDB code.
 */
static int
apply_call(group *g, const ppi_wire_call *call, int *status, uint64_t *ms,
    pp_id *acked)
{
	proc_rec p;
	int      rc;

	*ms     = 0;
	*acked  = (pp_id) { 0, 0 };
	*status = 0;
	if (call->kind == PPI_CALL_ACK_COMMIT &&
	    (*status = group_validate_call(g, call)) != 0) {
		return 0;
	}
	if ((rc = load_claimed(g, call, &p, status)) != 0 || *status != 0) {
		return rc;
	}
	switch (call->kind) {
	case PPI_CALL_RECLAIM:
		return reclaim_claim(g, &p,
		    call->error.ptr != NULL ? call->error.ptr : "",
		    call->error.len);
	case PPI_CALL_ACK_COMMIT:
		/* Both or neither: one transaction holds them. */
		if ((rc = group_append(g, call, ms)) != 0) {
			return rc;
		}
		g->tally.commits++;
		/* fall through */
	default:
		return settle_ack(g, &p, acked);
	}
}

int
settle_call(group *g, const ppi_wire_call *call, ppi_buf *reply)
{
	pp_id    acked;
	uint64_t ms;
	int      status, rc;

	if ((rc = apply_call(g, call, &status, &ms, &acked)) != 0) {
		return rc;
	}
	if (status != 0) {
		ppi_wire_reply_commit_err(reply, status, g->msg);
	} else if (call->kind == PPI_CALL_RECLAIM) {
		ppi_wire_reply_call(reply, 0, NULL, 0, false, acked);
	} else {
		ppi_wire_reply_call(reply, ms, g->seqs,
		    call->kind == PPI_CALL_ACK_COMMIT ? call->count : 0, true,
		    acked);
	}
	return 0;
}

int
settle_call_status(group *g, const ppi_wire_call *call, int *status)
{
	pp_id    acked;
	uint64_t ms;

	return apply_call(g, call, status, &ms, &acked);
}

int
settle_expire(group *g, const store_timer *t)
{
	proc_rec p;
	int      rc;

	rc = proc_rec_get(g->txn, g->s, t->name, strlen(t->name), &p);
	if (rc == MDB_NOTFOUND) {
		return 0; /* destroyed meanwhile */
	}
	if (rc != 0) {
		return rc;
	}
	if (p.token != t->token || p.deadline_ms > g->now_ms) {
		return 0; /* acked, reclaimed or claimed again meanwhile */
	}
	g->tally.timer_reclaims++;
	return reclaim_claim(g, &p, "claim timed out",
	    strlen("claim timed out"));
}

int
settle_release(group *g, const char *name, uint64_t token, const char *error)
{
	proc_rec p;
	int      rc;

	rc = proc_rec_get(g->txn, g->s, name, strlen(name), &p);
	if (rc == MDB_NOTFOUND) {
		return 0; /* destroyed meanwhile */
	}
	if (rc != 0) {
		return rc;
	}
	if (p.token == 0 || p.token != token) {
		return 0; /* acked, reclaimed or claimed again meanwhile */
	}
	if (error == NULL) {
		p.token        = 0;
		p.deadline_ms  = 0;
		g->needs_sync  = true;
		g->has_changes = true; /* the logs can be claimed again */
		return proc_rec_put(g->txn, g->s, &p);
	}
	return reclaim_claim(g, &p, error, strlen(error));
}
