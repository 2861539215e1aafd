/*
 * group.c - the group engine: one write transaction that the handlers of
 * a group commit run in (group.h), with the topic records they read or
 * change, memory that lives as long as the group, and the claim
 * deadlines it set. It knows no request type: commit.c dispatches.
 *
 * Design notes:
 * - Topic records are read once per group into a small hash table and
 *   written back once at the end, so a group of many one-log commits to
 *   one topic costs one topic update.
 * - Nothing outside LMDB is changed before the commit succeeds: the topic
 *   table lives only in group_run's frame, so a failed group leaves no
 *   gap and no phantom topic (PEER §5.4).
 * - A full map is grown and the whole group run again (group_run).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deadline.h"
#include "group.h"
#include "id.h"

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
	/* Most groups touch a topic or two: a small first table, since it is
	 * zeroed for every group (64 slots were a tenth of a small commit's
	 * instructions in the node, measured with callgrind). */
	size_t        n = g->nslots != 0 ? g->nslots * 2 : 8, i;
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
	/* The group keeps its own copy of the name: callers pass names
	 * that die before the group does (a proc record on a handler's
	 * stack), and a cached topic found, or flushed, under a name that
	 * changed under it would be written back under that garbage. */
	if ((t->name = group_keep(g, name, len)) == NULL) {
		memset(t, 0, sizeof(*t));
		return ENOMEM;
	}
	t->len = len;
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

int
group_reply_fail(group *g, ppi_buf *reply, int status, const char *fmt,
    const char *arg)
{
	snprintf(g->msg, sizeof(g->msg), fmt, arg);
	ppi_wire_reply_error(reply, status, g->msg);
	return 0;
}

int
group_open_topic(group *g, const char *topic, store_cursor *c)
{
	cached_topic *t;
	int           rc;

	if ((rc = group_topic(g, topic, strlen(topic), false, &t)) != 0) {
		return rc;
	}
	c->topic = t->rec;
	return mdb_cursor_open(g->txn, g->s->logs, &c->cur);
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
 * syncing every commit, without the meta page's sync (MDB_NOMETASYNC):
 * a claim lost in a crash is delivered again, so it is not worth a full
 * sync (SPEC §4). Never MDB_NOSYNC here: lmdb.h warns that a system
 * crash after such a commit "can corrupt the database", while
 * MDB_NOMETASYNC syncs the data pages and "maintains database
 * integrity" -- a host crash can only undo this commit (issue 14 item 2,
 * docs/DESIGN.md §7).
 */
static int
commit_txn(group *g)
{
	bool is_lazy = !g->needs_sync && !g->s->is_nosync;
	int  rc;

	if (is_lazy) {
		mdb_env_set_flags(g->s->env, MDB_NOMETASYNC, 1);
	}
	/* mdb_txn_commit frees the txn even when it fails. */
	rc = mdb_txn_commit(g->txn);
	if (is_lazy) {
		mdb_env_set_flags(g->s->env, MDB_NOMETASYNC, 0);
	}
	return rc;
}

int
group_run(store *s, group_fn fn, void *arg, store_outcome *out)
{
	group g;
	int   rc;

	for (;;) {
		memset(&g, 0, sizeof(g));
		g.s      = s;
		g.now_ms = ppi_clock_ms(CLOCK_REALTIME);
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
		if (rc == EIO) {
			rc = store_write_error(s, rc, g.tally.bytes);
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
