/*
 * claim.c - claiming inside a group commit: the handlers of ops proc
 * (with creation, and an optional ack of the previous claim first) and
 * avail, and the pieces the systemProc handlers share (claim.h) (SPEC
 * §3, PEER §8-11 with the fixes of §23). How a claim ends is settle.c.
 *
 * Design notes:
 * - Validate, then mutate: options and offsets are checked before a proc
 *   is created.
 * - A claim carries a random token; an ack or reclaim with another
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

#include "claim.h"
#include "ephemeral.h"
#include "group.h"
#include "ops.h"
#include "proc_rec.h"
#include "requests.h"
#include "settle.h"

#define CLAIM_MAX 100000

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

/* Checks the options of a proc request; fills a new record from them. */
int
claim_check_options(group *g, const ppi_request *req, proc_rec *p)
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

/* Same proc, or PP_EPROC_EXISTS: given options are never silently
 * ignored. */
bool
claim_given_options(
    const proc_rec *stored, const proc_rec *want, uint64_t given)
{
	return strcmp(stored->topic, want->topic) == 0 &&
	    ((given & PP_PROC_GIVEN_OFFSET) == 0 ||
	        strcmp(stored->offset, want->offset) == 0) &&
	    ((given & PP_PROC_GIVEN_COUNT) == 0 ||
	        stored->count == want->count) &&
	    ((given & PP_PROC_GIVEN_MAX_RECLAIMS) == 0 ||
	        stored->max_reclaims == want->max_reclaims) &&
	    ((given & PP_PROC_GIVEN_RECLAIM_TIMEOUT) == 0 ||
	        stored->reclaim_timeout_ms == want->reclaim_timeout_ms) &&
	    ((given & PP_PROC_GIVEN_ON_MAX) == 0 ||
	        stored->on_max == want->on_max);
}

/* Fills a new proc's cursor from its offset. */
int
claim_create(group *g, proc_rec *p)
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
claim_from(group *g, proc_rec *p, uint64_t index, ppi_buf *reply,
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
	if (p->token != 0 ||
	    (rc = group_open_topic(g, p->topic, &c)) == MDB_NOTFOUND) {
		ppi_buf_reset(reply);
		claim_empty_reply(reply);
		return 0;
	}
	if (rc != 0) {
		return rc;
	}
	from = p->cursor;
	if ((from != NO_CURSOR ||
	        cursor_lower(&c, &p->start, p->is_start_excl, &from)) &&
	    (e = malloc(sizeof(*e) * p->count)) != NULL) {
		/* Retrying a failed claim: one log at a time (proc_rec). */
		uint32_t limit = p->retry_end > from ? 1 : p->count;

		ok = cursor_seek(&c, from, &k, &v);
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
		claim_empty_reply(reply);
		return 0;
	}
	if (p->last_claimed_ms != 0) {
		/* The latest claim becomes the previous one (PEER §8.4). */
		proc_rec_claim_ids(&c, p, &p->prev_claim_first, &p->prev_claim_last);
		p->has_prev_claim = true;
	}
	p->claim_first     = e[0].seq;
	p->claim_last      = e[n - 1].seq;
	p->claim_first_ms  = e[0].ms;
	p->claim_last_ms   = e[n - 1].ms;
	p->has_claim_ms    = true;
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
	if ((rc = proc_rec_put(g->txn, g->s, p)) != 0) {
		return rc;
	}
	if (p->deadline_ms != 0) {
		return group_add_timer(
		    g, p->name, strlen(p->name), p->token, p->deadline_ms);
	}
	return 0;
}

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
	return settle_ack(g, p, &acked);
}

static int claim_proc_apply(
    group *g, const ppi_request *req, ppi_buf *reply, bool *is_empty);

/*
 * A proc request on a client's dedupe lane (lib/lane.h) is answered once:
 * a resend gets the stored reply. A claim that waits is remembered with
 * the empty claim it would get at its deadline (its ack, if any, is
 * already applied), and again with what it finally claims; its retries
 * (is_retry) are its own first attempt, not resends.
 */
int
claim_proc(group *g, const ppi_request *req, ppi_buf *reply, bool *is_empty)
{
	bool is_answered = false;
	int  rc;

	*is_empty = false;
	if (req->cid != 0 && !req->is_retry &&
	    ((rc = requests_replay(g, req, reply, &is_answered)) != 0 ||
	        is_answered)) {
		return rc;
	}
	if ((rc = claim_proc_apply(g, req, reply, is_empty)) != 0) {
		return rc;
	}
	return req->cid != 0 ? requests_remember(g, req, reply) : 0;
}

static int
claim_proc_apply(
    group *g, const ppi_request *req, ppi_buf *reply, bool *is_empty)
{
	proc_rec want, p;
	int      rv, rc;

	*is_empty = false;
	if ((rv = claim_check_options(g, req, &want)) != 0) {
		ppi_wire_reply_error(reply, rv, g->msg);
		return 0;
	}
	rc = proc_rec_get(g->txn, g->s, want.name, strlen(want.name), &p);
	if (rc == MDB_NOTFOUND && req->has_ack) {
		return group_reply_fail(g, reply, PP_ENOPROC,
		    "no proc '%s' to ack", want.name);
	}
	if (rc == MDB_NOTFOUND && (req->is_retry || req->must_exist)) {
		/* It existed when this claim began to wait (or the caller
		 * knows it did): destroyed meanwhile, and a claim must not
		 * bring it back. */
		return group_reply_fail(g, reply, PP_ENOPROC,
		    "proc '%s' was destroyed", want.name);
	}
	if (rc == MDB_NOTFOUND) {
		p = want;
		/* A proc of a connection is marked so (ephemeral.c). */
		if ((rc = claim_create(g, &p)) != 0 ||
		    (rc = proc_rec_put(g->txn, g->s, &p)) != 0 ||
		    (rc = ephemeral_set(g, p.name, strlen(p.name),
		         req->is_ephemeral)) != 0) {
			return rc;
		}
	} else if (rc != 0) {
		return rc;
	} else if (!claim_given_options(&p, &want, req->given)) {
		/* The options not given are the stored ones (issue 13 item
		 * 4); a given one must match. */
		return group_reply_fail(g, reply, PP_EPROC_EXISTS,
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
		return group_reply_fail(
		    g, reply, PP_EPROC_DISABLED, "proc '%s' is disabled", p.name);
	}
	return claim_from(g, &p, 0, reply, is_empty);
}

int
claim_check_names(group *g, const ppi_request *req, ppi_buf *reply)
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
		rc = proc_rec_get(g->txn, g->s, req->names[i].ptr,
		    req->names[i].len, &p);
		if (rc == MDB_NOTFOUND) {
			group_reply_fail(g, reply, PP_ENOPROC, "no proc '%s'",
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
claim_available(group *g, const ppi_request *req, ppi_buf *reply,
    bool *is_empty)
{
	/* Round robin: the proc served last, by name (the writer's only). */
	static char last[PP_TOPIC_MAX + 1];
	proc_rec    p;
	size_t      i, at, start = 0;
	int         rc;

	*is_empty = false;
	/* Every name must be valid and known before anything is claimed. */
	if ((rc = claim_check_names(g, req, reply)) != 0) {
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
		if ((rc = proc_rec_get(g->txn, g->s, req->names[at].ptr,
		         req->names[at].len, &p)) != 0) {
			return rc;
		}
		if (p.is_disabled) {
			continue;
		}
		if ((rc = claim_from(g, &p, at, reply, is_empty)) != 0) {
			return rc;
		}
		if (!*is_empty) {
			memcpy(last, p.name, strlen(p.name) + 1);
			return 0;
		}
	}
	*is_empty = true;
	ppi_buf_reset(reply);
	claim_empty_reply(reply);
	return 0;
}

void
claim_empty_reply(ppi_buf *reply)
{
	ppi_wire_reply_claim(reply, NULL, 0, 0, 0);
}
