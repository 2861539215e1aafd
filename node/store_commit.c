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
#include "store_impl.h"

typedef struct cached_topic {
	const char *name; /* points into a request frame of this group */
	size_t      len;
	topic_rec   rec;
	bool        is_new;
	bool        is_dirty;
} cached_topic;

struct order_slot {
	const ppi_request *req;
	ppi_buf           *reply;
};

typedef struct group {
	store        *s;
	MDB_txn      *txn;
	cached_topic *slots; /* open addressing, power-of-two size */
	size_t        nslots;
	size_t        used;
	uint32_t      next_tid; /* 0: not loaded yet */
	bool          is_tid_dirty;
	uint64_t      now_ms;
	uint64_t     *seqs; /* scratch: sequences of one call */
	size_t        seqs_cap;
	char          msg[256];
} group;

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

/* Finds (or creates) the cached record of a topic. Returns an MDB code. */
static int
topic_get(group *g, const char *name, size_t len, cached_topic **out)
{
	cached_topic *t;
	MDB_val       k = { len, (void *) name }, v;
	int           rc;

	if (g->used * 2 >= g->nslots && grow_table(g) != 0) {
		return ENOMEM;
	}
	t = slot_for(g->slots, g->nslots, name, len);
	if (t->name != NULL) {
		*out = t;
		return 0;
	}
	memset(t, 0, sizeof(*t));
	rc = mdb_get(g->txn, g->s->state, &k, &v);
	if (rc == 0) {
		if (!store_topic_decode(&v, &t->rec)) {
			return MDB_CORRUPTED;
		}
	} else if (rc == MDB_NOTFOUND) {
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

/* Checks every log of a call; on failure describes it in g->msg. */
static int
validate_call(group *g, const ppi_wire_call *call)
{
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

/* Applies one valid call: all of its logs share one millisecond. */
static int
apply_call(group *g, const ppi_wire_call *call, ppi_buf *reply)
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
		if ((rc = topic_get(g, call->logs[i].topic.ptr,
		         call->logs[i].topic.len, &t)) != 0) {
			return rc;
		}
		if (t->rec.last_ms > ms) {
			ms = t->rec.last_ms;
		}
	}
	for (i = 0; i < call->count; i++) {
		const ppi_wire_log *l = &call->logs[i];

		topic_get(g, l->topic.ptr, l->topic.len, &t);
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
		t->rec.last_ms = ms;
		t->is_dirty    = true;
	}
	ppi_wire_reply_commit_ok(reply, ms, g->seqs, call->count);
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
	size_t        i;
	int           rc, rv;

	if (req->cid != 0) {
		store_request_key(key, req->cid, req->rid);
		rc = mdb_get(g->txn, g->s->state, &k, &v);
		if (rc == 0) {
			/* A resend of a request we applied: same answer. */
			ppi_buf_append(reply, v.mv_data, v.mv_size);
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
		if ((rv = validate_call(g, &req->calls[i])) != 0) {
			ppi_wire_reply_commit_err(reply, rv, g->msg);
			continue;
		}
		if ((rc = apply_call(g, &req->calls[i], reply)) != 0) {
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
	v.mv_data = reply->data;
	v.mv_size = reply->len;
	if ((rc = mdb_put(g->txn, g->s->state, &k, &v, 0)) != 0) {
		return rc;
	}
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
		store_topic_encode(&t->rec, rec);
		k.mv_size = t->len;
		k.mv_data = (void *) t->name;
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

/* One attempt at the whole group; returns an MDB/errno code. */
static int
try_group(group *g, const struct order_slot *slots, size_t n)
{
	size_t i;
	int    rc;

	if ((rc = mdb_txn_begin(g->s->env, NULL, 0, &g->txn)) != 0) {
		return rc;
	}
	for (i = 0; i < n && rc == 0; i++) {
		ppi_buf_reset(slots[i].reply);
		rc = apply_request(g, slots[i].req, slots[i].reply);
	}
	if (rc == 0) {
		rc = flush_topics(g);
	}
	if (rc != 0) {
		mdb_txn_abort(g->txn);
		return rc;
	}
	/* mdb_txn_commit frees the txn even when it fails. */
	return mdb_txn_commit(g->txn);
}

static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
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

void
store_commit_group(store *s, const ppi_request *const *reqs,
    ppi_buf *const *replies, size_t n)
{
	struct order_slot *slots;
	group              g;
	char               msg[256];
	size_t             i;
	int                rc, rv;

	if ((slots = malloc(sizeof(*slots) * (n + 1))) == NULL) {
		rc = ENOMEM;
		goto fail;
	}
	for (i = 0; i < n; i++) {
		slots[i].req   = reqs[i];
		slots[i].reply = replies[i];
	}
	qsort(slots, n, sizeof(*slots), by_client_order);
	for (;;) {
		memset(&g, 0, sizeof(g));
		g.s      = s;
		g.now_ms = wall_ms();
		rc = grow_table(&g) != 0 ? ENOMEM : try_group(&g, slots, n);
		free(g.slots);
		free(g.seqs);
		if (rc != MDB_MAP_FULL || store_grow(s) != 0) {
			break;
		}
	}
	free(slots);
	if (rc == 0) {
		return;
	}
fail:
	rv = store_error(rc, "commit", msg, sizeof(msg));
	for (i = 0; i < n; i++) {
		ppi_buf_reset(replies[i]);
		ppi_wire_reply_error(replies[i], rv, msg);
	}
}
