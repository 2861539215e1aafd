/*
 * store_procs.c - proc operations inside a group commit: claim (with
 * creation), ack, ack_commit, reclaim with its consequences, admin, and
 * the timer's reclaims (SPEC §3, PEER §8-11 with the fixes of §23).
 *
 * Design notes:
 * - Validate, then mutate: options and offsets are checked before a proc
 *   is created; ack and reclaim check the proc, the claim and its token
 *   before they change anything.
 * - A claim carries a random token; ack and reclaim with another
 *   non-zero token are refused (PEER §8.7: a slow consumer could ack the
 *   next consumer's claim).
 * - A proc's start (its offset) stays a bound until its first ack turns
 *   the cursor into a sequence, so "T" and "T-S" offsets beyond the end
 *   wait for logs instead of failing (PEER §8.5).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "store_group.h"
#include "store_procs.h"

#define CLAIM_MAX 100000
#define DEAD_SUFFIX ".dead"

static uint64_t
new_token(void)
{
	static uint64_t counter;
	uint64_t        t = 0;

	if (getrandom(&t, sizeof(t), 0) != (ssize_t) sizeof(t)) {
		t = ++counter * 0x9e3779b97f4a7c15ull;
	}
	return t != 0 ? t : 1;
}

int
procs_reply_fail(group *g, ppi_buf *reply, int status, const char *fmt,
    const char *arg)
{
	snprintf(g->msg, sizeof(g->msg), fmt, arg);
	ppi_wire_reply_error(reply, status, g->msg);
	return 0;
}

/* A cursor on the logs of `topic`; MDB_NOTFOUND when it has no record. */
static int
open_topic(group *g, const char *topic, store_cursor *c)
{
	cached_topic *t;
	int           rc;

	if ((rc = group_topic(g, topic, strlen(topic), false, &t)) != 0) {
		return rc;
	}
	c->topic = t->rec;
	return mdb_cursor_open(g->txn, g->s->logs, &c->cur);
}

/* Checks the options of a proc request; fills a new record from them. */
int
procs_check_options(group *g, const ppi_request *req, proc_rec *p)
{
	ppi_str off = req->offset;

	memset(p, 0, sizeof(*p));
	if (!ppi_topic_valid(req->name.ptr, req->name.len)) {
		snprintf(g->msg, sizeof(g->msg),
		    "proc name must match [A-Za-z0-9_.-]{1,200}");
		return PP_EINVALID_NAME;
	}
	if (!ppi_topic_valid(req->topic.ptr, req->topic.len)) {
		snprintf(g->msg, sizeof(g->msg),
		    "topic must match [A-Za-z0-9_.-]{1,200}");
		return PP_EINVALID_TOPIC;
	}
	if (req->count < 1 || req->count > CLAIM_MAX ||
	    req->max_reclaims < -1 || req->max_reclaims > INT32_MAX ||
	    req->reclaim_timeout == 0 || req->reclaim_timeout < -1 ||
	    req->on_max > PP_ON_MAX_DEADLETTER || req->wait_ms < -1) {
		snprintf(g->msg, sizeof(g->msg),
		    "count must be 1..%d, max_reclaims >= -1, "
		    "reclaim_timeout -1 or > 0, on_max 0..2, wait >= -1",
		    CLAIM_MAX);
		return PP_EINVALID_OPTION;
	}
	if (off.ptr == NULL) {
		off.ptr = ">";
		off.len = 1;
	}
	if (off.len > PROC_OFFSET_MAX) {
		snprintf(g->msg, sizeof(g->msg), "offset is too long");
		return PP_EINVALID_ID;
	}
	memcpy(p->offset, off.ptr, off.len);
	if (strcmp(p->offset, ">") == 0 || strcmp(p->offset, "$>") == 0) {
		p->start.kind = PPI_IDEXPR_SEQ; /* resolved at creation */
	} else if (ppi_idexpr_parse(off.ptr, off.len, &p->start) != 0) {
		snprintf(g->msg, sizeof(g->msg),
		    "offset '%s' is not >, $>, T-S, T or :S", p->offset);
		return PP_EINVALID_ID;
	} else {
		/* A named log: start after it; a millisecond: at it. */
		p->is_start_excl = p->start.kind != PPI_IDEXPR_MS;
	}
	memcpy(p->name, req->name.ptr, req->name.len);
	memcpy(p->topic, req->topic.ptr, req->topic.len);
	p->count              = (uint32_t) req->count;
	p->max_reclaims       = (int32_t) req->max_reclaims;
	p->reclaim_timeout_ms = req->reclaim_timeout;
	p->on_max             = (uint8_t) req->on_max;
	return 0;
}

/* Same proc, or PP_EPROC_EXISTS: options are never silently ignored. */
bool
procs_same_options(const proc_rec *a, const proc_rec *b)
{
	return strcmp(a->topic, b->topic) == 0 &&
	    strcmp(a->offset, b->offset) == 0 && a->count == b->count &&
	    a->max_reclaims == b->max_reclaims &&
	    a->reclaim_timeout_ms == b->reclaim_timeout_ms &&
	    a->on_max == b->on_max;
}

/* Fills a new proc's cursor from its offset. */
int
procs_create(group *g, proc_rec *p)
{
	cached_topic *t;
	uint64_t      next = 0;
	int           rc;

	rc = group_topic(g, p->topic, strlen(p->topic), false, &t);
	if (rc == 0) {
		next = t->rec.next_seq;
	} else if (rc != MDB_NOTFOUND) {
		return rc;
	}
	p->created_ms = g->now_ms;
	p->cursor     = NO_CURSOR;
	if (strcmp(p->offset, ">") == 0) {
		p->cursor = 0;
	} else if (strcmp(p->offset, "$>") == 0) {
		p->cursor = next;
	} else if (p->start.kind == PPI_IDEXPR_SEQ) {
		p->cursor = p->start.seq == UINT64_MAX ? UINT64_MAX - 1
		                                       : p->start.seq + 1;
	}
	g->needs_sync = true;
	return 0;
}

/*
 * Claims up to p->count logs after the proc's cursor into reply (tagged
 * with `index`). *is_empty when nothing was claimed; the reply is then
 * the empty claim.
 */
int
procs_claim_from(group *g, proc_rec *p, uint64_t index, ppi_buf *reply,
    bool *is_empty)
{
	store_cursor    c = { NULL, { 0 } };
	ppi_wire_entry *e = NULL;
	MDB_val         k, v;
	uint64_t        from;
	size_t          n = 0;
	bool            ok;
	int             rc;

	*is_empty = true;
	if (p->token != 0 || (rc = open_topic(g, p->topic, &c)) == MDB_NOTFOUND) {
		ppi_buf_reset(reply);
		store_proc_empty_claim(reply);
		return 0;
	}
	if (rc != 0) {
		return rc;
	}
	from = p->cursor;
	if ((from != NO_CURSOR ||
	        store_cursor_lower(&c, &p->start, p->is_start_excl, &from)) &&
	    (e = malloc(sizeof(*e) * p->count)) != NULL) {
		/* Retrying a failed claim: one log at a time (proc_rec). */
		uint32_t limit = p->retry_end > from ? 1 : p->count;

		ok = store_cursor_seek(&c, from, &k, &v);
		while (ok && n < limit) {
			e[n].seq  = store_key_seq(&k);
			e[n].ms   = store_val_ms(&v);
			e[n].body = (const unsigned char *) v.mv_data + 8;
			e[n].len  = v.mv_size - 8;
			n++;
			ok = mdb_cursor_get(c.cur, &k, &v, MDB_NEXT) == 0 &&
			    ppi_get_be32(k.mv_data) == c.topic.tid;
		}
	}
	if (n == 0) {
		mdb_cursor_close(c.cur);
		free(e);
		ppi_buf_reset(reply);
		store_proc_empty_claim(reply);
		return 0;
	}
	p->claim_first     = e[0].seq;
	p->claim_last      = e[n - 1].seq;
	p->token           = new_token();
	p->last_claimed_ms = g->now_ms;
	p->deadline_ms     = p->reclaim_timeout_ms > 0
	        ? g->now_ms + (uint64_t) p->reclaim_timeout_ms
	        : 0;
	/* The reply is built now: the entries point into this txn. */
	ppi_buf_reset(reply);
	ppi_wire_reply_claim(reply, e, n, p->token, index);
	mdb_cursor_close(c.cur);
	free(e);
	*is_empty = false;
	if ((rc = proc_put(g->txn, g->s, p)) != 0) {
		return rc;
	}
	if (p->deadline_ms != 0) {
		return group_add_timer(
		    g, p->name, strlen(p->name), p->token, p->deadline_ms);
	}
	return 0;
}

static int ack_claim(group *g, proc_rec *p, pp_id *acked);

/*
 * pp_ack_proc: acks the claim `req->ack_token` of p before claiming.
 * Returns an MDB code, or -1 after writing an error reply.
 */
static int
ack_first(group *g, const ppi_request *req, proc_rec *p, ppi_buf *reply)
{
	pp_id acked;
	int   status = 0;

	if (p->token == 0) {
		status = PP_ENOTHING_TO_ACK;
	} else if (req->ack_token != 0 && req->ack_token != p->token) {
		status = PP_ESTALE_CLAIM;
	}
	if (status != 0) {
		snprintf(g->msg, sizeof(g->msg), "cannot ack proc '%s': %s",
		    p->name, pp_strerror(status));
		ppi_wire_reply_error(reply, status, g->msg);
		return -1;
	}
	return ack_claim(g, p, &acked);
}

int
procs_claim(group *g, const ppi_request *req, ppi_buf *reply, bool *is_empty)
{
	proc_rec want, p;
	int      rv, rc;

	*is_empty = false;
	if ((rv = procs_check_options(g, req, &want)) != 0) {
		ppi_wire_reply_error(reply, rv, g->msg);
		return 0;
	}
	rc = proc_get(g->txn, g->s, want.name, strlen(want.name), &p);
	if (rc == MDB_NOTFOUND && req->has_ack) {
		return procs_reply_fail(g, reply, PP_ENOPROC,
		    "no proc '%s' to ack", want.name);
	}
	if (rc == MDB_NOTFOUND && (req->is_retry || req->must_exist)) {
		/* It existed when this claim began to wait (or the caller
		 * knows it did): destroyed meanwhile, and a claim must not
		 * bring it back. */
		return procs_reply_fail(g, reply, PP_ENOPROC,
		    "proc '%s' was destroyed", want.name);
	}
	if (rc == MDB_NOTFOUND) {
		p = want;
		if ((rc = procs_create(g, &p)) != 0 ||
		    (rc = proc_put(g->txn, g->s, &p)) != 0) {
			return rc;
		}
	} else if (rc != 0) {
		return rc;
	} else if (!procs_same_options(&p, &want)) {
		return procs_reply_fail(g, reply, PP_EPROC_EXISTS,
		    "proc '%s' exists with another topic or options", p.name);
	}
	if (req->has_ack) {
		if ((rc = ack_first(g, req, &p, reply)) != 0) {
			return rc == -1 ? 0 : rc;
		}
		/* A parked request is tried again later: ack only once. The
		 * writer owns the request; if this transaction fails, every
		 * reply is that failure and nothing is parked. */
		((ppi_request *) req)->has_ack = false;
	}
	if (p.is_disabled) {
		return procs_reply_fail(
		    g, reply, PP_EPROC_DISABLED, "proc '%s' is disabled", p.name);
	}
	return procs_claim_from(g, &p, 0, reply, is_empty);
}

int
procs_check_names(group *g, const ppi_request *req, ppi_buf *reply)
{
	proc_rec p;
	size_t   i;
	int      rc;

	for (i = 0; i < req->nnames; i++) {
		if (!ppi_topic_valid(req->names[i].ptr, req->names[i].len)) {
			ppi_wire_reply_error(reply, PP_EINVALID_NAME,
			    "invalid proc name");
			return -1;
		}
		rc = proc_get(g->txn, g->s, req->names[i].ptr,
		    req->names[i].len, &p);
		if (rc == MDB_NOTFOUND) {
			procs_reply_fail(g, reply, PP_ENOPROC, "no proc '%s'",
			    group_keep(g, req->names[i].ptr, req->names[i].len));
			return -1;
		}
		if (rc != 0) {
			return rc;
		}
	}
	return 0;
}

int
procs_available(group *g, const ppi_request *req, ppi_buf *reply,
    bool *is_empty)
{
	/* Round robin: the proc served last, by name (the writer's only). */
	static char last[PP_TOPIC_MAX + 1];
	proc_rec    p;
	size_t      i, at, start = 0;
	int         rc;

	*is_empty = false;
	/* Every name must be valid and known before anything is claimed. */
	if ((rc = procs_check_names(g, req, reply)) != 0) {
		return rc == -1 ? 0 : rc;
	}
	/* Start after the proc served last, wherever it is in this list. */
	for (i = 0; i < req->nnames; i++) {
		if (req->names[i].len == strlen(last) &&
		    memcmp(req->names[i].ptr, last, req->names[i].len) == 0) {
			start = i + 1;
			break;
		}
	}
	for (i = 0; i < req->nnames; i++) {
		at = (start + i) % req->nnames;
		if ((rc = proc_get(g->txn, g->s, req->names[at].ptr,
		         req->names[at].len, &p)) != 0) {
			return rc;
		}
		if (p.is_disabled) {
			continue;
		}
		if ((rc = procs_claim_from(g, &p, at, reply, is_empty)) != 0) {
			return rc;
		}
		if (!*is_empty) {
			memcpy(last, p.name, strlen(p.name) + 1);
			return 0;
		}
	}
	*is_empty = true;
	ppi_buf_reset(reply);
	store_proc_empty_claim(reply);
	return 0;
}

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
	rc = proc_get(g->txn, g->s, call->name.ptr, call->name.len, p);
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

/* Moves the cursor past the claim; *acked gets the last acked id. */
static int
ack_claim(group *g, proc_rec *p, pp_id *acked)
{
	store_cursor c;
	MDB_val      k, v;
	int          rc;

	acked->ms  = 0;
	acked->seq = p->claim_last;
	if ((rc = open_topic(g, p->topic, &c)) == 0) {
		if (store_cursor_seek(&c, p->claim_last, &k, &v) &&
		    store_key_seq(&k) == p->claim_last) {
			acked->ms = store_val_ms(&v);
		}
		mdb_cursor_close(c.cur);
	} else if (rc != MDB_NOTFOUND) {
		return rc;
	}
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
	return proc_put(g->txn, g->s, p);
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
	if ((rc = open_topic(g, p->topic, &c)) != 0) {
		free(call.logs);
		return rc == MDB_NOTFOUND ? 0 : rc;
	}
	ok = store_cursor_seek(&c, first, &k, &v);
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
 * Gives the claim back, counting the reclaim; at the limit applies
 * on_max (disable, continue or dead-letter and ack).
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
		return proc_put(g->txn, g->s, p);
	}
	p->reclaims++;
	g->tally.reclaims++;
	if (p->max_reclaims >= 0 && p->reclaims > (uint32_t) p->max_reclaims) {
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
			return ack_claim(g, p, &acked);
		default:
			break;
		}
	}
	return proc_put(g->txn, g->s, p);
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
		return ack_claim(g, &p, acked);
	}
}

int
procs_call(group *g, const ppi_wire_call *call, ppi_buf *reply)
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
procs_settle(group *g, const ppi_wire_call *call, int *status)
{
	pp_id    acked;
	uint64_t ms;

	return apply_call(g, call, status, &ms, &acked);
}

int
procs_expire(group *g, const store_timer *t)
{
	proc_rec p;
	int      rc;

	rc = proc_get(g->txn, g->s, t->name, strlen(t->name), &p);
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
procs_release(group *g, const char *name, uint64_t token, const char *error)
{
	proc_rec p;
	int      rc;

	rc = proc_get(g->txn, g->s, name, strlen(name), &p);
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
		return proc_put(g->txn, g->s, &p);
	}
	return reclaim_claim(g, &p, error, strlen(error));
}
