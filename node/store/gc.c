/*
 * gc.c - collection of logs nobody needs any more (SPEC §3 GC,
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
 * Design notes: a *run* walks the topics once, in name order, as a
 * series of *steps*; each step is one write transaction that deletes at
 * most `max_logs` logs and stops after about `budget_us` of work, so a
 * commit never waits long behind one. Between steps the writer serves
 * the requests that queued up (writer.c). Every step makes progress (a
 * deletion, or a topic passed), a topic is collected only up to the
 * next_seq it had when the run reached it, and the walk ends after the
 * last topic: the run always finishes (PEER §15.1), however fast logs
 * arrive.
 *
 * Proc positions are read once per run, sorted by topic, and read again
 * only when a proc record was written since (s->procs_gen, bumped by
 * proc_rec_put): a new proc may pin logs below a floor, whereas acks and
 * destroys only raise floors, so positions a few steps old never let GC
 * take a log a proc still needs. Nothing but memory lives from one step
 * to the next; each step opens its own cursors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "group.h"
#include "proc_rec.h"

/* Deletions between two looks at the clock. */
#define CLOCK_EVERY 32

typedef struct proc_pos {
	char     name[PP_TOPIC_MAX + 1];
	char     topic[PP_TOPIC_MAX + 1];
	uint64_t pos; /* first sequence the proc still needs */
} proc_pos;

/* Where the walk over the topics stands between two steps. */
typedef struct gc_mark {
	char     topic[PP_TOPIC_MAX + 1]; /* empty: the first topic */
	size_t   len;
	bool     is_after; /* `topic` is finished: start after it */
	uint64_t end_seq;  /* !is_after: collect `topic` below this seq */
} gc_mark;

struct store_gc_run {
	store    *s;
	bool      is_gc; /* apply the GC rules, not only retention */
	uint64_t  now_ms;
	uint64_t  cutoff_ms;
	proc_pos *procs; /* sorted by topic */
	size_t    nprocs;
	size_t    cap;
	bool      has_procs;
	uint64_t  procs_gen; /* s->procs_gen when procs[] was read */
	gc_mark   mark;
	bool      is_done;
};

/* One step: its limits, and the mark it moves (kept if it commits). */
struct gc_step {
	store_gc_run *run;
	size_t        max_logs;
	uint64_t      deadline_ns; /* CLOCK_MONOTONIC */
	size_t        deleted;
	size_t        dropped; /* of deleted, over a retention limit */
	gc_mark       mark;
	bool          is_done;
};

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

/*
 * Runs one step's transaction; 0 or a PP_E* code. Its sync skips the
 * meta page (MDB_NOMETASYNC): a crash of the host may undo the last
 * steps, never the store's integrity (lmdb.h), and their logs are
 * simply collected again; the next commit's sync makes them durable.
 * That halves a step's sync (measured 0.29 -> 0.16 ms), which every
 * request that arrives during a step waits for.
 */
static int
run_step(store *s, group_fn fn, void *arg, store_outcome *out)
{
	char msg[256];
	int  rc;

	mdb_env_set_flags(s->env, MDB_NOMETASYNC, 1);
	rc = group_run(s, fn, arg, out);
	mdb_env_set_flags(s->env, MDB_NOMETASYNC, 0);
	return rc == 0 ? 0 : store_error(rc, "collection", msg, sizeof(msg));
}

static int
by_topic(const void *a, const void *b)
{
	return strcmp(((const proc_pos *) a)->topic,
	    ((const proc_pos *) b)->topic);
}

/* Where every proc stands; positions of unresolved starts are resolved
 * against their topic (a "T" offset pins the logs from millisecond T). */
static int
load_positions(group *g, store_gc_run *r)
{
	unsigned char first[1] = { STATE_PROC };
	MDB_cursor   *cur, *logs;
	MDB_val       k, v, tk, tv;
	store_cursor  c;
	proc_rec      p;
	proc_pos     *pp;
	int           rc;

	r->nprocs = 0;
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
		if (!proc_rec_decode(
		        &v, (char *) k.mv_data + 1, k.mv_size - 1, &p)) {
			continue;
		}
		if (r->nprocs == r->cap) {
			r->cap = r->cap != 0 ? r->cap * 2 : 16;
			pp = realloc(r->procs, sizeof(*pp) * r->cap);
			if (pp == NULL) {
				rc = ENOMEM;
				break;
			}
			r->procs = pp;
		}
		pp = &r->procs[r->nprocs++];
		memcpy(pp->name, p.name, sizeof(pp->name));
		memcpy(pp->topic, p.topic, sizeof(pp->topic));
		pp->pos = p.cursor != NO_CURSOR ? p.cursor : 0;
		tk.mv_size = strlen(p.topic);
		tk.mv_data = p.topic;
		if (p.cursor == NO_CURSOR &&
		    mdb_get(g->txn, g->s->state, &tk, &tv) == 0 &&
		    store_topic_decode(&tv, &c.topic)) {
			c.cur = logs;
			if (!cursor_lower(&c, &p.start, p.is_start_excl,
			        &pp->pos)) {
				pp->pos = c.topic.next_seq;
			}
		}
	}
	mdb_cursor_close(logs);
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND && rc != 0) {
		return rc;
	}
	if (r->nprocs > 1) { /* procs is NULL while there were none */
		qsort(r->procs, r->nprocs, sizeof(*r->procs), by_topic);
	}
	r->has_procs = true;
	r->procs_gen = g->s->procs_gen;
	return 0;
}

/* The procs of `topic`: *n entries from the returned one (sorted). */
static const proc_pos *
topic_procs(const store_gc_run *r, const char *topic, size_t *n)
{
	size_t lo = 0, hi = r->nprocs, mid, end;

	*n = 0;
	if (r->nprocs == 0) {
		return NULL;
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(r->procs[mid].topic, topic) < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	end = lo;
	while (end < r->nprocs && strcmp(r->procs[end].topic, topic) == 0) {
		end++;
	}
	*n = end - lo;
	return r->procs + lo;
}

/* The first sequence of `topic` some proc still needs (UINT64_MAX: none). */
static uint64_t
topic_floor(const store_gc_run *r, const char *topic)
{
	const proc_pos *pp;
	uint64_t        floor = UINT64_MAX;
	size_t          n, i;

	pp = topic_procs(r, topic, &n);
	for (i = 0; i < n; i++) {
		if (pp[i].pos < floor) {
			floor = pp[i].pos;
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
 * The record read now decides: the proc may have acked since the
 * positions were read.
 */
static int
count_lost(group *g, const store_gc_run *r, const char *topic,
    uint64_t first, uint64_t last)
{
	const proc_pos *pp;
	proc_rec        p;
	uint64_t        from;
	size_t          n, i;
	int             rc;

	pp = topic_procs(r, topic, &n);
	for (i = 0; i < n; i++) {
		rc = proc_rec_get(
		    g->txn, g->s, pp[i].name, strlen(pp[i].name), &p);
		if (rc == MDB_NOTFOUND) {
			continue; /* destroyed since */
		}
		if (rc != 0) {
			return rc;
		}
		from = p.cursor != NO_CURSOR ? p.cursor : pp[i].pos;
		if (from > last) {
			continue;
		}
		from = from > first ? from : first;
		p.lost += last - from + 1;
		if ((rc = proc_rec_put(g->txn, g->s, &p)) != 0) {
			return rc;
		}
	}
	return 0;
}

/* The step has used its budget: max_logs, or its time (looked at every
 * CLOCK_EVERY deletions). Never before the first deletion. */
static bool
is_spent(const struct gc_step *st)
{
	return st->deleted >= st->max_logs ||
	    (st->deleted % CLOCK_EVERY == 0 && st->deleted > 0 &&
	        mono_ns() >= st->deadline_ns);
}

/*
 * Deletes from the front of one topic while retention or (with GC) the
 * collection rules allow, below end_seq. *is_cut when the step's budget
 * ran out first (the topic may have more).
 */
static int
collect_topic(group *g, struct gc_step *st, cached_topic *t,
    uint64_t floor, uint64_t end_seq, bool *is_cut)
{
	store_gc_run *r = st->run;
	store_cursor  c;
	MDB_val       k, v;
	uint64_t      seq, ms, first = 0, last = 0;
	bool          is_retention, has_lost = false;
	int           rc = 0;

	*is_cut = false;
	c.topic = t->rec;
	if ((rc = mdb_cursor_open(g->txn, g->s->logs, &c.cur)) != 0) {
		return rc;
	}
	while (cursor_seek(&c, 0, &k, &v)) {
		seq = store_key_seq(&k);
		if (seq >= end_seq) {
			break;
		}
		ms           = store_val_ms(&v);
		is_retention = over_retention(&t->rec, r->now_ms, ms);
		if (!is_retention &&
		    !(r->is_gc && seq < floor && ms <= r->cutoff_ms)) {
			break;
		}
		if (is_spent(st)) {
			*is_cut = true;
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
		st->deleted++;
		st->dropped += is_retention ? 1 : 0;
	}
	mdb_cursor_close(c.cur);
	g->needs_sync = g->needs_sync || st->deleted > 0;
	if (rc == 0 && has_lost) {
		rc = count_lost(g, r, t->name, first, last);
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Might the topic have logs to collect in this run? */
static bool
is_candidate(const store_gc_run *r, const topic_rec *rec)
{
	return rec->count > 0 &&
	    (r->is_gc || rec->max_age_ms != 0 || rec->max_count != 0 ||
	        rec->max_bytes != 0);
}

static int
gc_apply(group *g, void *arg)
{
	struct gc_step *st = arg;
	store_gc_run   *r  = st->run;
	MDB_cursor     *cur;
	MDB_val         k, v;
	cached_topic   *t;
	topic_rec       rec;
	uint64_t        end_seq;
	char           *name;
	size_t          passed = 0; /* topics finished by this step */
	bool            is_cut = false;
	int             rc;

	/* A retried transaction (map full) starts the step over. */
	st->deleted = 0;
	st->dropped = 0;
	st->mark    = r->mark;
	st->is_done = false;
	if ((!r->has_procs || r->procs_gen != g->s->procs_gen) &&
	    (rc = load_positions(g, r)) != 0) {
		return rc;
	}
	if ((rc = mdb_cursor_open(g->txn, g->s->state, &cur)) != 0) {
		return rc;
	}
	k.mv_size = st->mark.len != 0 ? st->mark.len : 1;
	k.mv_data = st->mark.len != 0 ? st->mark.topic : "-";
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size > PP_TOPIC_MAX ||
		    ((unsigned char *) k.mv_data)[0] < STATE_FIRST_TOPIC ||
		    !store_topic_decode(&v, &rec)) {
			continue;
		}
		if (st->mark.len == k.mv_size &&
		    memcmp(st->mark.topic, k.mv_data, k.mv_size) == 0) {
			if (st->mark.is_after) {
				continue;
			}
			end_seq = st->mark.end_seq;
		} else {
			/* A topic reached for the first time in this run:
			 * what arrives from now on waits for the next run. */
			end_seq = rec.next_seq;
			if ((st->deleted > 0 || passed > 0) &&
			    mono_ns() >= st->deadline_ns) {
				break; /* the mark stays after the last one */
			}
		}
		memcpy(st->mark.topic, k.mv_data, k.mv_size);
		st->mark.len      = k.mv_size;
		st->mark.is_after = false;
		st->mark.end_seq  = end_seq;
		if (is_candidate(r, &rec)) {
			/* The topic cache keeps the name until the group
			 * ends. */
			name = group_keep(g, k.mv_data, k.mv_size);
			if (name == NULL) {
				rc = ENOMEM;
				break;
			}
			rc = group_topic(g, name, k.mv_size, false, &t);
			if (rc != 0 ||
			    (rc = collect_topic(g, st, t, topic_floor(r, name),
			         end_seq, &is_cut)) != 0 ||
			    is_cut) {
				break;
			}
		}
		st->mark.is_after = true;
		passed++;
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND) {
		st->is_done = true; /* past the last topic */
		rc          = 0;
	}
	return rc;
}

int
store_gc_begin(store *s, bool is_gc, uint64_t now_ms, uint64_t cutoff_ms,
    store_gc_run **run)
{
	store_gc_run *r;
	int           dead = 0;

	/* Clients on this host read the store themselves (lib/local.c);
	 * one killed inside a read transaction leaves its reader slot
	 * behind, and LMDB would keep every page freed since that
	 * snapshot. Clearing slots of dead processes before each run lets
	 * what this run frees be reused. */
	if (mdb_reader_check(s->env, &dead) == 0 && dead > 0) {
		__atomic_add_fetch(&s->readers_cleared, (uint64_t) dead,
		    __ATOMIC_RELAXED);
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		return ENOMEM;
	}
	r->s         = s;
	r->is_gc     = is_gc;
	r->now_ms    = now_ms;
	r->cutoff_ms = cutoff_ms;
	*run         = r;
	return 0;
}

int
store_gc_step(store_gc_run *run, size_t max_logs, uint64_t budget_us,
    bool *is_done)
{
	struct gc_step st;
	store_outcome  out;
	int            rc;

	memset(&st, 0, sizeof(st));
	st.run         = run;
	st.max_logs    = max_logs;
	st.deadline_ns = mono_ns() + budget_us * 1000;
	rc             = run_step(run->s, gc_apply, &st, &out);
	free(out.timers);
	if (rc != 0) {
		/* The positions may be this transaction's: read them again. */
		run->has_procs = false;
		*is_done       = false;
		return rc;
	}
	run->mark    = st.mark;
	run->is_done = st.is_done;
	*is_done     = st.is_done;
	__atomic_add_fetch(&run->s->gc_collected, st.deleted, __ATOMIC_RELAXED);
	__atomic_add_fetch(
	    &run->s->retention_dropped, st.dropped, __ATOMIC_RELAXED);
	return 0;
}

void
store_gc_end(store_gc_run *run)
{
	if (run != NULL) {
		free(run->procs);
		free(run);
	}
}

struct purge_arg {
	size_t   max_logs;
	uint64_t deadline_ns;
	size_t   deleted;
	bool     is_done;
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

	a->deleted = 0;
	a->is_done = false;
	if ((rc = mdb_cursor_open(g->txn, g->s->state, &cur)) != 0) {
		return rc;
	}
	k.mv_data = first;
	k.mv_size = 1;
	rc        = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc != 0 || k.mv_size != 5 ||
	    ((unsigned char *) k.mv_data)[0] != STATE_PURGE) {
		mdb_cursor_close(cur);
		a->is_done = true; /* no deleted topic is left */
		return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
	}
	tid = ppi_get_be32((unsigned char *) k.mv_data + 1);
	if ((rc = mdb_cursor_open(g->txn, g->s->logs, &logs)) != 0) {
		mdb_cursor_close(cur);
		return rc;
	}
	store_log_key(key, tid, 0);
	while (a->deleted < a->max_logs &&
	    (a->deleted % CLOCK_EVERY != 0 || a->deleted == 0 ||
	        mono_ns() < a->deadline_ns)) {
		lk.mv_data = key;
		lk.mv_size = LOG_KEY_SIZE;
		rc = mdb_cursor_get(logs, &lk, &lv, MDB_SET_RANGE);
		if (rc != 0 || ppi_get_be32(lk.mv_data) != tid) {
			/* Nothing of it is left: forget the topic for good;
			 * another deleted topic is for the next step. */
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
store_gc_purge_step(store *s, size_t max_logs, uint64_t budget_us,
    bool *is_done)
{
	struct purge_arg a;
	store_outcome    out;
	int              rc;

	memset(&a, 0, sizeof(a));
	a.max_logs    = max_logs;
	a.deadline_ns = mono_ns() + budget_us * 1000;
	rc            = run_step(s, purge_apply, &a, &out);
	free(out.timers);
	*is_done = rc == 0 && a.is_done;
	return rc;
}
