/*
 * store_commit.c - the write side of the store: one group commit applies
 * every queued commit request in one LMDB write transaction.
 *
 * Design notes:
 * - Validate, then mutate: a call whose logs break a rule gets its own
 *   error and writes nothing; the other calls of the group go on.
 * - Topic records are read once per group into a small hash table and
 *   written back once at the end, so a group of many one-log commits to
 *   one topic costs one topic update.
 * - Nothing outside LMDB is changed before the commit succeeds: the topic
 *   table lives only in this function's frame, so a failed group leaves
 *   no gap and no phantom topic (PEER §5.4).
 * - Each request's reply is stored under (cid, rid) in the same
 *   transaction; a request seen again gets the stored reply and changes
 *   nothing (docs/DESIGN.md §5).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "id.h"
#include "store_group.h"

struct order_slot {
	const ppi_request *req;
	ppi_buf           *reply;
	bool              *is_parked;
};

static uint64_t
hash_name(const char *p, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	size_t   i;

	for (i = 0; i < len; i++) {
		h = (h ^ (unsigned char) p[i]) * 1099511628211ull;
	}
	return h;
}

static cached_topic *
slot_for(cached_topic *slots, size_t nslots, const char *name, size_t len)
{
	size_t i = (size_t) hash_name(name, len) & (nslots - 1);

	while (slots[i].name != NULL &&
	    (slots[i].len != len || memcmp(slots[i].name, name, len) != 0)) {
		i = (i + 1) & (nslots - 1);
	}
	return &slots[i];
}

static int
grow_table(group *g)
{
	size_t        n = g->nslots != 0 ? g->nslots * 2 : 64, i;
	cached_topic *slots = calloc(n, sizeof(*slots));

	if (slots == NULL) {
		return PP_ENOMEM;
	}
	for (i = 0; i < g->nslots; i++) {
		if (g->slots[i].name != NULL) {
			*slot_for(slots, n, g->slots[i].name, g->slots[i].len) =
			    g->slots[i];
		}
	}
	free(g->slots);
	g->slots  = slots;
	g->nslots = n;
	return 0;
}

static int
load_next_tid(group *g)
{
	MDB_val k = { 9, "\0next_tid" }, v;
	int     rc;

	rc = mdb_get(g->txn, g->s->state, &k, &v);
	if (rc == MDB_NOTFOUND) {
		g->next_tid = 1;
		return 0;
	}
	if (rc != 0) {
		return rc;
	}
	g->next_tid = v.mv_size == 4 ? ppi_get_be32(v.mv_data) : 1;
	return 0;
}

int
group_topic(group *g, const char *name, size_t len, bool is_create,
    cached_topic **out)
{
	cached_topic *t;
	MDB_val       k = { len, (void *) name }, v;
	int           rc;

	if (g->used * 2 >= g->nslots && grow_table(g) != 0) {
		return ENOMEM;
	}
	t = slot_for(g->slots, g->nslots, name, len);
	if (t->name != NULL && !t->is_deleted) {
		*out = t;
		return 0;
	}
	if (t->name != NULL) {
		/* Deleted earlier in this group: it exists no more. */
		rc = MDB_NOTFOUND;
		g->used--;
	} else {
		rc = mdb_get(g->txn, g->s->state, &k, &v);
	}
	memset(t, 0, sizeof(*t));
	if (rc == 0) {
		if (!store_topic_decode(&v, &t->rec)) {
			return MDB_CORRUPTED;
		}
	} else if (rc == MDB_NOTFOUND) {
		if (!is_create) {
			return MDB_NOTFOUND;
		}
		if (g->next_tid == 0 && (rc = load_next_tid(g)) != 0) {
			return rc;
		}
		t->rec.tid        = g->next_tid++;
		t->rec.created_ms = g->now_ms;
		t->is_new         = true;
		t->is_dirty       = true;
		g->is_tid_dirty   = true;
	} else {
		return rc;
	}
	t->name = name;
	t->len  = len;
	g->used++;
	*out = t;
	return 0;
}

int
group_validate_call(group *g, const ppi_wire_call *call)
{
	if (__atomic_load_n(&g->s->is_full, __ATOMIC_RELAXED)) {
		snprintf(g->msg, sizeof(g->msg),
		    "store is past its maximum size (--max-store-size); "
		    "delete or collect logs");
		return PP_ESTORE_FULL;
	}
	size_t i;

	if (call->count == 0) {
		snprintf(g->msg, sizeof(g->msg), "no logs to commit");
		return PP_EEMPTY;
	}
	for (i = 0; i < call->count; i++) {
		const ppi_wire_log *l = &call->logs[i];
		if (!ppi_topic_valid(l->topic.ptr, l->topic.len)) {
			snprintf(g->msg, sizeof(g->msg),
			    "log %zu: topic '%.*s' must match "
			    "[A-Za-z0-9_.-]{1,200}",
			    i, (int) (l->topic.len > 64 ? 64 : l->topic.len),
			    l->topic.ptr);
			return PP_EINVALID_TOPIC;
		}
		if (l->len > g->s->max_body) {
			snprintf(g->msg, sizeof(g->msg),
			    "log %zu: body of %zu bytes exceeds the maximum of "
			    "%llu",
			    i, l->len, (unsigned long long) g->s->max_body);
			return PP_ETOOBIG;
		}
	}
	return 0;
}

int
group_append(group *g, const ppi_wire_call *call, uint64_t *ms_out)
{
	cached_topic *t;
	unsigned char key[LOG_KEY_SIZE];
	MDB_val       k = { LOG_KEY_SIZE, key }, v;
	uint64_t      ms = g->now_ms;
	size_t        i;
	int           rc;

	if (call->count > g->seqs_cap) {
		uint64_t *p = realloc(g->seqs, sizeof(*p) * call->count);
		if (p == NULL) {
			return ENOMEM;
		}
		g->seqs     = p;
		g->seqs_cap = call->count;
	}
	/* Ids never go backwards in a topic, even if the clock does. */
	for (i = 0; i < call->count; i++) {
		if ((rc = group_topic(g, call->logs[i].topic.ptr,
		         call->logs[i].topic.len, true, &t)) != 0) {
			return rc;
		}
		if (t->rec.last_ms > ms) {
			ms = t->rec.last_ms;
		}
	}
	for (i = 0; i < call->count; i++) {
		const ppi_wire_log *l = &call->logs[i];

		group_topic(g, l->topic.ptr, l->topic.len, true, &t);
		store_log_key(key, t->rec.tid, t->rec.next_seq);
		v.mv_size = 8 + l->len;
		if ((rc = mdb_put(g->txn, g->s->logs, &k, &v, MDB_RESERVE)) !=
		    0) {
			return rc;
		}
		ppi_put_be64(v.mv_data, ms);
		if (l->len != 0) {
			memcpy((unsigned char *) v.mv_data + 8, l->body, l->len);
		}
		g->seqs[i] = t->rec.next_seq++;
		t->rec.count++;
		t->rec.bytes += l->len;
		g->tally.logs++;
		g->tally.bytes += l->len;
		t->rec.last_ms = ms;
		t->is_dirty    = true;
	}
	*ms_out        = ms;
	g->needs_sync  = true;
	g->has_changes = true;
	return 0;
}

void *
group_keep(group *g, const void *p, size_t len)
{
	group_mem *m = malloc(sizeof(*m) + len + 1);

	if (m == NULL) {
		return NULL;
	}
	memcpy(m->data, p, len);
	m->data[len] = '\0';
	m->next      = g->mem;
	g->mem       = m;
	return m->data;
}

int
group_add_timer(group *g, const char *name, size_t len, uint64_t token,
    uint64_t deadline_ms)
{
	store_timer *t;

	if (g->ntimers == g->timers_cap) {
		g->timers_cap = g->timers_cap != 0 ? g->timers_cap * 2 : 8;
		t = realloc(g->timers, sizeof(*t) * g->timers_cap);
		if (t == NULL) {
			return ENOMEM;
		}
		g->timers = t;
	}
	t = &g->timers[g->ntimers++];
	memcpy(t->name, name, len);
	t->name[len]   = '\0';
	t->token       = token;
	t->deadline_ms = deadline_ms;
	return 0;
}

/* Deletes this client's remembered replies below `floor`. */
static int
prune_requests(group *g, uint64_t cid, uint64_t floor)
{
	MDB_cursor   *cur;
	unsigned char key[REQUEST_KEY_SIZE];
	MDB_val       k, v;
	int           rc;

	store_request_key(key, cid, 0);
	if ((rc = mdb_cursor_open(g->txn, g->s->state, &cur)) != 0) {
		return rc;
	}
	for (;;) {
		/* Seek again after each delete rather than trust the cursor;
		 * there are only a few entries per client. */
		k.mv_size = REQUEST_KEY_SIZE;
		k.mv_data = key;
		rc        = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (rc != 0 || k.mv_size != REQUEST_KEY_SIZE ||
		    memcmp(k.mv_data, key, 9) != 0 ||
		    ppi_get_be64((unsigned char *) k.mv_data + 9) >= floor) {
			break;
		}
		if ((rc = mdb_cursor_del(cur, 0)) != 0) {
			break;
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
apply_request(group *g, const ppi_request *req, ppi_buf *reply)
{
	unsigned char key[REQUEST_KEY_SIZE];
	MDB_val       k = { REQUEST_KEY_SIZE, key }, v;
	uint64_t      ms;
	size_t        i;
	int           rc, rv;

	if (req->cid != 0) {
		store_request_key(key, req->cid, req->rid);
		rc = mdb_get(g->txn, g->s->state, &k, &v);
		if (rc == 0) {
			/* A resend of a request we applied: same answer. */
			size_t at = store_request_frame(&v);

			ppi_buf_append(reply, (unsigned char *) v.mv_data + at,
			    v.mv_size - at);
			return 0;
		}
		if (rc != MDB_NOTFOUND) {
			return rc;
		}
	}
	/* A client's requests apply in rid order: rid - 1 must be applied
	 * (stored) or already answered (below floor). Otherwise it is still
	 * on its way; the client resends this one after it. */
	if (req->cid != 0 && req->rid > 0 && req->rid - 1 >= req->floor) {
		store_request_key(key, req->cid, req->rid - 1);
		rc = mdb_get(g->txn, g->s->state, &k, &v);
		store_request_key(key, req->cid, req->rid);
		if (rc == MDB_NOTFOUND) {
			ppi_wire_reply_error(reply, PP_EORDER,
			    "request arrived before the one it follows");
			return 0;
		}
		if (rc != 0) {
			return rc;
		}
	}
	ppi_wire_reply_commit_begin(reply, req->ncalls);
	for (i = 0; i < req->ncalls; i++) {
		const ppi_wire_call *call = &req->calls[i];

		if (call->kind != PPI_CALL_COMMIT) {
			rc = procs_call(g, call, reply);
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
	if (req->cid == 0) {
		return 0;
	}
	if (reply->is_failed) {
		return ENOMEM;
	}
	k.mv_size = REQUEST_KEY_SIZE;
	k.mv_data = key;
	v.mv_size = REQUEST_STAMP_SIZE + reply->len;
	if ((rc = mdb_put(g->txn, g->s->state, &k, &v, MDB_RESERVE)) != 0) {
		return rc;
	}
	/* Stamped, so that replies of clients that went away can be
	 * forgotten after a while (store_requests.c). */
	((unsigned char *) v.mv_data)[0] = 0;
	ppi_put_be64((unsigned char *) v.mv_data + 1, g->now_ms);
	memcpy((unsigned char *) v.mv_data + REQUEST_STAMP_SIZE, reply->data,
	    reply->len);
	return prune_requests(g, req->cid, req->floor);
}

/* Writes back every changed topic record and the topic id counter. */
static int
flush_topics(group *g)
{
	unsigned char rec[TOPIC_REC_SIZE], tid[4];
	MDB_val       k, v;
	size_t        i;
	int           rc;

	for (i = 0; i < g->nslots; i++) {
		cached_topic *t = &g->slots[i];
		if (t->name == NULL || !t->is_dirty) {
			continue;
		}
		k.mv_size = t->len;
		k.mv_data = (void *) t->name;
		if (t->is_deleted) {
			rc = mdb_del(g->txn, g->s->state, &k, NULL);
			if (rc != 0 && rc != MDB_NOTFOUND) {
				return rc;
			}
			continue;
		}
		store_topic_encode(&t->rec, rec);
		v.mv_size = sizeof(rec);
		v.mv_data = rec;
		if ((rc = mdb_put(g->txn, g->s->state, &k, &v, 0)) != 0) {
			return rc;
		}
	}
	if (g->is_tid_dirty) {
		ppi_put_be32(tid, g->next_tid);
		k.mv_size = 9;
		k.mv_data = "\0next_tid";
		v.mv_size = 4;
		v.mv_data = tid;
		return mdb_put(g->txn, g->s->state, &k, &v, 0);
	}
	return 0;
}

static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static void
group_free(group *g)
{
	group_mem *m;

	while ((m = g->mem) != NULL) {
		g->mem = m->next;
		free(m);
	}
	free(g->slots);
	free(g->seqs);
}

/*
 * Commits the transaction; with nothing but claims in it and the store
 * syncing every commit, without a sync: a claim lost in a crash is
 * delivered again, so it is not worth an fsync (SPEC §4).
 */
static int
commit_txn(group *g)
{
	bool is_lazy = !g->needs_sync && !g->s->is_nosync;
	int  rc;

	if (is_lazy) {
		mdb_env_set_flags(g->s->env, MDB_NOSYNC, 1);
	}
	/* mdb_txn_commit frees the txn even when it fails. */
	rc = mdb_txn_commit(g->txn);
	if (is_lazy) {
		mdb_env_set_flags(g->s->env, MDB_NOSYNC, 0);
	}
	return rc;
}

int
store_run_group(store *s, group_fn fn, void *arg, store_outcome *out)
{
	group g;
	int   rc;

	for (;;) {
		memset(&g, 0, sizeof(g));
		g.s      = s;
		g.now_ms = wall_ms();
		rc       = grow_table(&g);
		if (rc == 0 &&
		    (rc = mdb_txn_begin(s->env, NULL, 0, &g.txn)) == 0) {
			if ((rc = fn(&g, arg)) == 0) {
				rc = flush_topics(&g);
			}
			if (rc != 0) {
				mdb_txn_abort(g.txn);
			} else {
				rc = commit_txn(&g);
			}
		}
		if (rc == 0) {
			out->has_changes = g.has_changes;
			out->has_purge   = g.has_purge;
			out->timers      = g.timers;
			out->ntimers     = g.ntimers;
			out->tally       = g.tally;
			g.timers         = NULL;
		}
		free(g.timers);
		group_free(&g);
		if (rc != MDB_MAP_FULL || store_grow(s) != 0) {
			return rc;
		}
	}
}

/* Orders a group by (cid, rid) so a client's requests apply in order. */
static int
by_client_order(const void *a, const void *b)
{
	const ppi_request *x = ((const struct order_slot *) a)->req;
	const ppi_request *y = ((const struct order_slot *) b)->req;

	if (x->cid != y->cid) {
		return x->cid < y->cid ? -1 : 1;
	}
	if (x->rid != y->rid) {
		return x->rid < y->rid ? -1 : 1;
	}
	return 0;
}

struct requests_arg {
	struct order_slot *slots;
	size_t             n;
};

static int
apply_requests(group *g, void *arg)
{
	struct requests_arg *a = arg;
	const ppi_request   *req;
	size_t               i;
	int                  rc = 0;

	for (i = 0; i < a->n && rc == 0; i++) {
		req = a->slots[i].req;
		ppi_buf_reset(a->slots[i].reply);
		*a->slots[i].is_parked = false;
		switch (req->op) {
		case PPI_OP_COMMIT:
			rc = apply_request(g, req, a->slots[i].reply);
			break;
		case PPI_OP_PROC:
			rc = procs_claim(g, req, a->slots[i].reply,
			    a->slots[i].is_parked);
			break;
		case PPI_OP_AVAIL:
			rc = procs_available(g, req, a->slots[i].reply,
			    a->slots[i].is_parked);
			break;
		case PPI_OP_WAITPROCS:
			rc = procs_wait(g, req, a->slots[i].reply,
			    a->slots[i].is_parked);
			break;
		case PPI_OP_TDELETE:
			rc = procs_topic_delete(g, req, a->slots[i].reply);
			break;
		case PPI_OP_TCONFIG:
			rc = procs_topic_config(g, req, a->slots[i].reply);
			break;
		case PPI_OP_SYSPROC:
			rc = system_create(g, req, a->slots[i].reply);
			break;
		case PPI_OP_SYSDESTROY:
			rc = system_destroy(g, req, a->slots[i].reply);
			break;
		case PPI_OP_SYSCLAIM:
			rc = system_claim(g, req, a->slots[i].reply,
			    a->slots[i].is_parked);
			break;
		default:
			rc = procs_admin(g, req, a->slots[i].reply);
			break;
		}
		/* Only a request that asked to wait may be parked. */
		*a->slots[i].is_parked =
		    *a->slots[i].is_parked && req->wait_ms != 0;
	}
	return rc;
}

void
store_commit_group(store *s, const ppi_request *const *reqs,
    ppi_buf *const *replies, bool *is_parked, size_t n, store_outcome *out)
{
	struct requests_arg a;
	char                msg[256];
	size_t              i;
	int                 rc, rv;

	memset(out, 0, sizeof(*out));
	if ((a.slots = malloc(sizeof(*a.slots) * (n + 1))) == NULL) {
		rc = ENOMEM;
		goto fail;
	}
	for (i = 0; i < n; i++) {
		a.slots[i].req       = reqs[i];
		a.slots[i].reply     = replies[i];
		a.slots[i].is_parked = &is_parked[i];
	}
	a.n = n;
	qsort(a.slots, n, sizeof(*a.slots), by_client_order);
	rc = store_run_group(s, apply_requests, &a, out);
	free(a.slots);
	if (rc == 0) {
		return;
	}
fail:
	rv = store_error(rc, "commit", msg, sizeof(msg));
	for (i = 0; i < n; i++) {
		is_parked[i] = false;
		ppi_buf_reset(replies[i]);
		ppi_wire_reply_error(replies[i], rv, msg);
	}
}

struct expire_arg {
	const store_timer *timers;
	size_t             n;
};

static int
apply_expire(group *g, void *arg)
{
	struct expire_arg *a = arg;
	size_t             i;
	int                rc = 0;

	for (i = 0; i < a->n && rc == 0; i++) {
		rc = procs_expire(g, &a->timers[i]);
	}
	return rc;
}

void
store_expire(
    store *s, const store_timer *timers, size_t n, store_outcome *out)
{
	struct expire_arg a = { timers, n };
	char              msg[256];
	int               rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_run_group(s, apply_expire, &a, out)) != 0) {
		/* The timers fire again: the writer keeps them. */
		store_error(rc, "reclaim timer", msg, sizeof(msg));
		fprintf(stderr, "pipeproc-node: %s\n", msg);
	}
}
