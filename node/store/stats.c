/*
 * stats.c - the store's side of the metrics: its size on disk and
 * in the map, and topics and procs described for pp_stats() and the HTTP
 * exporter.
 *
 * Pages reuse what the other reads use (cursor_ends for a topic's
 * first and last ids, inspect_each_proc and proc_rec_report for a proc's lag
 * and oldest unacked log), so a figure here always equals what stat,
 * topics and procs report. Each page is one short read transaction:
 * long ones would keep LMDB from reusing pages.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cursor.h"
#include "inspect.h"

void
store_stats_size(store *s, pp_node_stats *out)
{
	MDB_envinfo info;
	MDB_stat    st;
	struct stat fst;
	const char *dir = NULL;
	char        path[4096];

	pthread_rwlock_rdlock(&s->map_lock);
	if (mdb_env_info(s->env, &info) == 0 &&
	    mdb_env_stat(s->env, &st) == 0) {
		out->map_bytes        = info.me_mapsize;
		out->store_used_bytes = (info.me_last_pgno + 1) * st.ms_psize;
	}
	pthread_rwlock_unlock(&s->map_lock);
	out->store_file_bytes = 0;
	if (mdb_env_get_path(s->env, &dir) == 0 && dir != NULL &&
	    (size_t) snprintf(path, sizeof(path), "%s/data.mdb", dir) <
	        sizeof(path) &&
	    stat(path, &fst) == 0) {
		out->store_file_bytes = (uint64_t) fst.st_size;
	}
	out->max_store_bytes = s->store_limit;
	out->gc_collected =
	    __atomic_load_n(&s->gc_collected, __ATOMIC_RELAXED);
	out->retention_dropped =
	    __atomic_load_n(&s->retention_dropped, __ATOMIC_RELAXED);
}

/* Positions tcur on the first topic after `after` (or the first one). */
static int
first_topic(MDB_cursor *tcur, const ppi_str *after, MDB_val *k, MDB_val *v)
{
	int rc;

	if (after != NULL && after->ptr != NULL) {
		k->mv_size = after->len;
		k->mv_data = (void *) after->ptr;
		rc         = mdb_cursor_get(tcur, k, v, MDB_SET_RANGE);
		if (rc == 0 && k->mv_size == after->len &&
		    memcmp(k->mv_data, after->ptr, after->len) == 0) {
			rc = mdb_cursor_get(tcur, k, v, MDB_NEXT);
		}
		return rc;
	}
	/* Meta, request, proc and purge keys sort before every topic. */
	k->mv_size = 1;
	k->mv_data = "-";
	return mdb_cursor_get(tcur, k, v, MDB_SET_RANGE);
}

int
store_stats_topics(store *s, const ppi_str *after, size_t max,
    int (*fn)(void *arg, const pp_topic_stats *t), void *arg,
    bool *has_more)
{
	store_cursor   c = { NULL, { 0 } };
	pp_topic_stats t;
	MDB_txn       *txn;
	MDB_cursor    *tcur = NULL;
	MDB_val        k, v;
	char           name[PP_TOPIC_MAX + 1], msg[128];
	size_t         n = 0;
	int            rc, frv = 0;

	*has_more = false;
	pthread_rwlock_rdlock(&s->map_lock);
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0) {
		pthread_rwlock_unlock(&s->map_lock);
		return store_error(rc, "stats", msg, sizeof(msg));
	}
	if ((rc = mdb_cursor_open(txn, s->state, &tcur)) != 0 ||
	    (rc = mdb_cursor_open(txn, s->logs, &c.cur)) != 0) {
		goto out;
	}
	for (rc = first_topic(tcur, after, &k, &v); rc == 0;
	     rc = mdb_cursor_get(tcur, &k, &v, MDB_NEXT)) {
		if (k.mv_size > PP_TOPIC_MAX ||
		    ((unsigned char *) k.mv_data)[0] < STATE_FIRST_TOPIC ||
		    !store_topic_decode(&v, &c.topic)) {
			continue;
		}
		if (n == max) {
			*has_more = true;
			break;
		}
		memcpy(name, k.mv_data, k.mv_size);
		name[k.mv_size] = '\0';
		memset(&t, 0, sizeof(t));
		t.name       = name;
		t.count      = c.topic.count;
		t.bytes      = c.topic.bytes;
		t.next_seq   = c.topic.next_seq;
		t.created_ms = c.topic.created_ms;
		t.max_age_ms = c.topic.max_age_ms;
		t.max_count  = c.topic.max_count;
		t.max_bytes  = c.topic.max_bytes;
		cursor_ends(&c, &t.first, &t.last);
		n++;
		if ((frv = fn(arg, &t)) != 0) {
			break;
		}
	}
out:
	if (c.cur != NULL) {
		mdb_cursor_close(c.cur);
	}
	if (tcur != NULL) {
		mdb_cursor_close(tcur);
	}
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&s->map_lock);
	if (frv != 0) {
		return frv;
	}
	if (rc == 0 || rc == MDB_NOTFOUND) {
		return 0;
	}
	return store_error(rc, "stats", msg, sizeof(msg));
}

struct procs_arg {
	store *s;
	size_t max;
	size_t n;
	uint64_t now_ms;
	bool     has_more;
	int (*fn)(void *arg, const pp_proc_stats *p);
	void *arg;
	int   rv; /* fn's own non-0 return */
};

static int
proc_one(void *arg, MDB_txn *txn, MDB_cursor *logs, const proc_rec *p)
{
	struct procs_arg *a = arg;
	pp_proc_info      info;
	pp_proc_stats     ps;
	int               rc;

	if (a->n == a->max) {
		a->has_more = true;
		return 1;
	}
	if ((rc = proc_rec_report(txn, a->s, logs, p, &info)) != 0) {
		return rc;
	}
	memset(&ps, 0, sizeof(ps));
	ps.name                  = p->name;
	ps.topic                 = p->topic;
	ps.is_disabled           = info.is_disabled;
	ps.has_claim             = info.has_claim;
	ps.lag                   = info.lag;
	ps.oldest_unacked_ms     = info.oldest_unacked_ms;
	ps.oldest_unacked_age_ms = info.oldest_unacked_ms != 0 &&
	        a->now_ms > info.oldest_unacked_ms
	    ? a->now_ms - info.oldest_unacked_ms
	    : 0;
	ps.reclaims      = info.reclaims;
	ps.lost          = info.lost;
	ps.last_acked_ms = info.last_acked_ms;
	a->n++;
	if ((a->rv = a->fn(a->arg, &ps)) != 0) {
		return 1;
	}
	return 0;
}

int
store_stats_procs(store *s, const ppi_str *after, size_t max,
    uint64_t now_ms, int (*fn)(void *arg, const pp_proc_stats *p),
    void *arg, bool *has_more)
{
	struct procs_arg a;
	char             msg[128];
	int              rc;

	memset(&a, 0, sizeof(a));
	a.s      = s;
	a.max    = max;
	a.now_ms = now_ms;
	a.fn     = fn;
	a.arg    = arg;
	rc       = inspect_each_proc(s, after, proc_one, &a);
	*has_more = a.has_more;
	if (a.rv != 0) {
		return a.rv;
	}
	if (rc == 0 || rc == 1) {
		return 0;
	}
	return store_error(rc, "stats", msg, sizeof(msg));
}
