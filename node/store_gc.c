/*
 * store_gc.c - collection of logs nobody needs any more (SPEC §3 GC,
 * PEER §15 with the fixes of §23.2).
 *
 * Retention first: logs beyond a topic's age, count or bytes limit go
 * whether procs read them or not, and a proc that had not acked them
 * counts them as lost (pp_proc_info.lost).
 *
 * GC: a log is collected when it is older than the minimum prune time and
 * every proc reading its topic is past it: the floor of a topic is the
 * smallest position of its procs, where a disabled proc and a proc that
 * never acked pin their position too (PEER §15.2-4 collected logs those
 * procs still needed). A topic without procs is collected by age alone.
 *
 * Design notes: one step is one write transaction deleting at most
 * `budget` logs from the front of the topics, so a commit never waits
 * behind more than one step; the writer runs steps until one comes back
 * short, serving queued requests in between. A step with no topics, or
 * nothing to collect, is simply a short step: the run always ends (PEER
 * §15.1).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store_group.h"
#include "store_procs.h"

typedef struct proc_pos {
	char     name[PP_TOPIC_MAX + 1];
	char     topic[PP_TOPIC_MAX + 1];
	uint64_t pos; /* first sequence the proc still needs */
} proc_pos;

struct gc_arg {
	bool      is_gc;     /* apply the GC rules, not only retention */
	uint64_t  now_ms;
	uint64_t  cutoff_ms;
	size_t    budget;
	size_t    deleted;
	size_t    dropped; /* of deleted, over a retention limit */
	proc_pos *procs;
	size_t    nprocs;
};

/* Where every proc stands; positions of unresolved starts are resolved
 * against their topic (a "T" offset pins the logs from millisecond T). */
static int
load_positions(group *g, struct gc_arg *a)
{
	unsigned char first[1] = { STATE_PROC };
	MDB_cursor   *cur, *logs;
	MDB_val       k, v, tk, tv;
	store_cursor  c;
	proc_rec      p;
	proc_pos     *pp;
	size_t        cap = 0;
	int           rc;

	if ((rc = mdb_cursor_open(g->txn, g->s->state, &cur)) != 0) {
		return rc;
	}
	if ((rc = mdb_cursor_open(g->txn, g->s->logs, &logs)) != 0) {
		mdb_cursor_close(cur);
		return rc;
	}
	k.mv_data = first;
	k.mv_size = 1;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < 2 || ((unsigned char *) k.mv_data)[0] != STATE_PROC) {
			break;
		}
		if (!proc_decode(&v, (char *) k.mv_data + 1, k.mv_size - 1, &p)) {
			continue;
		}
		if (a->nprocs == cap) {
			cap = cap != 0 ? cap * 2 : 16;
			if ((pp = realloc(a->procs, sizeof(*pp) * cap)) == NULL) {
				rc = ENOMEM;
				break;
			}
			a->procs = pp;
		}
		pp = &a->procs[a->nprocs++];
		memcpy(pp->name, p.name, sizeof(pp->name));
		memcpy(pp->topic, p.topic, sizeof(pp->topic));
		pp->pos = p.cursor != NO_CURSOR ? p.cursor : 0;
		tk.mv_size = strlen(p.topic);
		tk.mv_data = p.topic;
		if (p.cursor == NO_CURSOR &&
		    mdb_get(g->txn, g->s->state, &tk, &tv) == 0 &&
		    store_topic_decode(&tv, &c.topic)) {
			c.cur = logs;
			if (!store_cursor_lower(&c, &p.start, p.is_start_excl,
			        &pp->pos)) {
				pp->pos = c.topic.next_seq;
			}
		}
	}
	mdb_cursor_close(logs);
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The first sequence of `topic` some proc still needs (UINT64_MAX: none). */
static uint64_t
topic_floor(const struct gc_arg *a, const char *topic)
{
	uint64_t floor = UINT64_MAX;
	size_t   i;

	for (i = 0; i < a->nprocs; i++) {
		if (a->procs[i].pos < floor &&
		    strcmp(a->procs[i].topic, topic) == 0) {
			floor = a->procs[i].pos;
		}
	}
	return floor;
}

/* Is the front log (seq, ms, len) over one of the topic's limits? */
static bool
over_retention(const topic_rec *t, uint64_t now_ms, uint64_t ms)
{
	return (t->max_count != 0 && t->count > t->max_count) ||
	    (t->max_bytes != 0 && t->bytes > t->max_bytes) ||
	    (t->max_age_ms != 0 && ms + t->max_age_ms < now_ms);
}

/*
 * Retention took [first, last] of `topic`: procs that had not acked
 * those logs lost them; count it where inspect shows it (never silent).
 */
static int
count_lost(group *g, const struct gc_arg *a, const char *topic,
    uint64_t first, uint64_t last)
{
	proc_rec p;
	uint64_t from;
	size_t   i;
	int      rc;

	for (i = 0; i < a->nprocs; i++) {
		if (strcmp(a->procs[i].topic, topic) != 0 ||
		    a->procs[i].pos > last) {
			continue;
		}
		from = a->procs[i].pos > first ? a->procs[i].pos : first;
		if ((rc = proc_get(g->txn, g->s, a->procs[i].name,
		         strlen(a->procs[i].name), &p)) != 0) {
			return rc == MDB_NOTFOUND ? 0 : rc;
		}
		p.lost += last - from + 1;
		if ((rc = proc_put(g->txn, g->s, &p)) != 0) {
			return rc;
		}
	}
	return 0;
}

/*
 * Deletes from the front of one topic while retention or (with GC) the
 * collection rules allow.
 */
static int
collect_topic(group *g, struct gc_arg *a, cached_topic *t, uint64_t floor)
{
	store_cursor c;
	MDB_val      k, v;
	uint64_t     seq, ms, first = 0, last = 0;
	bool         is_retention, has_lost = false;
	int          rc = 0;

	c.topic = t->rec;
	if ((rc = mdb_cursor_open(g->txn, g->s->logs, &c.cur)) != 0) {
		return rc;
	}
	while (a->deleted < a->budget && store_cursor_seek(&c, 0, &k, &v)) {
		seq          = store_key_seq(&k);
		ms           = store_val_ms(&v);
		is_retention = over_retention(&t->rec, a->now_ms, ms);
		if (!is_retention &&
		    !(a->is_gc && seq < floor && ms <= a->cutoff_ms)) {
			break;
		}
		if (is_retention && seq >= floor) {
			/* A proc still needed it: that is a loss. */
			first    = has_lost ? first : seq;
			last     = seq;
			has_lost = true;
		}
		t->rec.count--;
		t->rec.bytes -= v.mv_size - 8;
		t->is_dirty = true;
		if ((rc = mdb_cursor_del(c.cur, 0)) != 0) {
			break;
		}
		a->deleted++;
		a->dropped += is_retention ? 1 : 0;
	}
	mdb_cursor_close(c.cur);
	g->needs_sync = g->needs_sync || a->deleted > 0;
	if (rc == 0 && has_lost) {
		rc = count_lost(g, a, t->name, first, last);
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
gc_apply(group *g, void *arg)
{
	struct gc_arg *a = arg;
	MDB_cursor    *cur;
	MDB_val        k, v;
	cached_topic  *t;
	topic_rec      rec;
	char          *name;
	int            rc;

	if ((rc = load_positions(g, a)) != 0) {
		return rc;
	}
	if ((rc = mdb_cursor_open(g->txn, g->s->state, &cur)) != 0) {
		return rc;
	}
	k.mv_size = 1;
	k.mv_data = "-";
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	     rc == 0 && a->deleted < a->budget;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size > PP_TOPIC_MAX ||
		    ((unsigned char *) k.mv_data)[0] < STATE_FIRST_TOPIC ||
		    !store_topic_decode(&v, &rec) || rec.count == 0 ||
		    (!a->is_gc && rec.max_age_ms == 0 && rec.max_count == 0 &&
		        rec.max_bytes == 0)) {
			continue;
		}
		/* The topic cache keeps the name until the group ends. */
		if ((name = group_keep(g, k.mv_data, k.mv_size)) == NULL) {
			rc = ENOMEM;
			break;
		}
		if ((rc = group_topic(g, name, k.mv_size, false, &t)) != 0 ||
		    (rc = collect_topic(g, a, t, topic_floor(a, name))) != 0) {
			break;
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
store_gc_step(store *s, bool is_gc, uint64_t now_ms, uint64_t cutoff_ms,
    size_t budget, size_t *deleted)
{
	struct gc_arg a;
	store_outcome out;
	int           rc;

	memset(&a, 0, sizeof(a));
	a.is_gc     = is_gc;
	a.now_ms    = now_ms;
	a.cutoff_ms = cutoff_ms;
	a.budget    = budget;
	rc          = store_run_group(s, gc_apply, &a, &out);
	free(a.procs);
	free(out.timers);
	*deleted = rc == 0 ? a.deleted : 0;
	if (rc == 0) {
		__atomic_add_fetch(&s->gc_collected, a.deleted, __ATOMIC_RELAXED);
		__atomic_add_fetch(
		    &s->retention_dropped, a.dropped, __ATOMIC_RELAXED);
	}
	return rc;
}

struct purge_arg {
	size_t budget;
	size_t deleted;
};

/* Deletes logs of the first deleted topic; drops its mark when done. */
static int
purge_apply(group *g, void *arg)
{
	struct purge_arg *a = arg;
	unsigned char     first[1] = { STATE_PURGE }, key[LOG_KEY_SIZE];
	MDB_cursor       *cur, *logs;
	MDB_val           k, v, lk, lv;
	uint32_t          tid;
	int               rc;

	if ((rc = mdb_cursor_open(g->txn, g->s->state, &cur)) != 0) {
		return rc;
	}
	k.mv_data = first;
	k.mv_size = 1;
	rc        = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc != 0 || k.mv_size != 5 ||
	    ((unsigned char *) k.mv_data)[0] != STATE_PURGE) {
		mdb_cursor_close(cur);
		return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
	}
	tid = ppi_get_be32((unsigned char *) k.mv_data + 1);
	if ((rc = mdb_cursor_open(g->txn, g->s->logs, &logs)) != 0) {
		mdb_cursor_close(cur);
		return rc;
	}
	store_log_key(key, tid, 0);
	while (a->deleted < a->budget) {
		lk.mv_data = key;
		lk.mv_size = LOG_KEY_SIZE;
		rc = mdb_cursor_get(logs, &lk, &lv, MDB_SET_RANGE);
		if (rc != 0 || ppi_get_be32(lk.mv_data) != tid) {
			/* Nothing of it is left: forget the topic for good. */
			rc = mdb_cursor_del(cur, 0);
			break;
		}
		if ((rc = mdb_cursor_del(logs, 0)) != 0) {
			break;
		}
		a->deleted++;
	}
	mdb_cursor_close(logs);
	mdb_cursor_close(cur);
	g->needs_sync = true;
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
store_purge_step(store *s, size_t budget, size_t *deleted)
{
	struct purge_arg a = { budget, 0 };
	store_outcome    out;
	int              rc;

	rc = store_run_group(s, purge_apply, &a, &out);
	free(out.timers);
	*deleted = rc == 0 ? a.deleted : 0;
	return rc;
}
