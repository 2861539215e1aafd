/*
 * sources.c - the store's part of a source's lag (docs/DESIGN.md,
 * "Sources"): which sources exist (the systemProc records without `from`
 * topics) and, for the key each one's worker reported, the producer
 * table's last applied sequence. The reports themselves live in the
 * node's memory (node/source_lag.c), handed in through a callback, so
 * this wing stays the only one that opens a transaction.
 *
 *   lag = max(0, reported head - stored)
 *   stored = max(producers[reported key].seq, that seq at the reports)
 *
 * computed when asked, so it is as fresh as the last commit, and only as
 * stale on the upstream side as the last report. The second term keeps
 * an idle source's lag at 0 after the node forgot its key (dedupe
 * window): every report and every walk here raise it (a source that
 * runs reports every few seconds).
 */
#include <string.h>

#include "producers.h"
#include "sys_rec.h"

int
store_source_check(store *s, const ppi_str *name, const ppi_str *key,
    uint64_t *created_ms, uint64_t *stored_seq)
{
	MDB_txn *txn;
	sys_def  d;
	char     msg[128];
	int      rc, rv = 0;

	pthread_rwlock_rdlock(&s->map_lock);
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) == 0) {
		rc = sys_rec_get(txn, s, name->ptr, name->len, &d);
		if (rc == 0 &&
		    (rc = producers_last_seq(txn, s, key, stored_seq)) != 0) {
			sys_rec_free(&d);
		}
		mdb_txn_abort(txn);
	}
	pthread_rwlock_unlock(&s->map_lock);
	if (rc == MDB_NOTFOUND) {
		return PP_ENOSYSPROC;
	}
	if (rc != 0) {
		return store_error(rc, "source", msg, sizeof(msg));
	}
	if (d.nfrom != 0) {
		rv = PP_ENOSYSPROC; /* a systemProc, not a source */
	}
	*created_ms = d.created_ms;
	sys_rec_free(&d);
	return rv;
}

/* The lag of source d from its report, read in txn, into *out. */
static int
source_row(MDB_txn *txn, store *s, const sys_def *d, uint64_t now_ms,
    const store_source_reports *reports, store_source_report *rep,
    pp_source_info *out)
{
	ppi_str key;
	int     rc;

	memset(out, 0, sizeof(*out));
	out->name     = d->name;
	out->topic    = d->nto > 0 ? d->to[0] : "";
	out->plugin   = d->plugin;
	out->producer = "";
	if (!reports->get(d->name, d->created_ms, rep)) {
		return 0;
	}
	key.ptr = rep->producer;
	key.len = strlen(rep->producer);
	if ((rc = producers_last_seq(txn, s, &key, &out->stored_seq)) != 0) {
		return rc;
	}
	/* A key idle past the dedupe window is forgotten (0): what it had
	 * stored when last reported is still stored. */
	if (rep->stored_seen > out->stored_seq) {
		out->stored_seq = rep->stored_seen;
	} else if (out->stored_seq > rep->stored_seen) {
		reports->seen(d->name, d->created_ms, rep->producer,
		    out->stored_seq);
	}
	out->producer      = rep->producer;
	out->has_report    = true;
	out->upstream_seq  = rep->head;
	out->lag           = rep->head > out->stored_seq
	              ? rep->head - out->stored_seq
	              : 0;
	out->reported_ms   = rep->reported_ms;
	out->report_age_ms = now_ms > rep->reported_ms
	    ? now_ms - rep->reported_ms
	    : 0;
	return 0;
}

int
store_stats_sources(store *s, const ppi_str *after, size_t max,
    uint64_t now_ms, const store_source_reports *reports,
    int (*fn)(void *arg, const pp_source_info *src), void *arg,
    bool *has_more)
{
	unsigned char       key[1 + PP_TOPIC_MAX];
	store_source_report rep;
	pp_source_info      info;
	MDB_txn            *txn;
	MDB_cursor         *cur = NULL;
	MDB_val             k, v;
	sys_def             d;
	size_t              n = 0;
	char                msg[128];
	int                 rc, frv = 0;

	*has_more = false;
	key[0]    = STATE_SYSTEM;
	k.mv_data = key;
	k.mv_size = 1;
	if (after != NULL && after->ptr != NULL && after->len > 0 &&
	    after->len <= PP_TOPIC_MAX) {
		memcpy(key + 1, after->ptr, after->len);
		k.mv_size += after->len;
	}
	pthread_rwlock_rdlock(&s->map_lock);
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) != 0) {
		pthread_rwlock_unlock(&s->map_lock);
		return store_error(rc, "sources", msg, sizeof(msg));
	}
	if ((rc = mdb_cursor_open(txn, s->state, &cur)) != 0) {
		goto out;
	}
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	for (; rc == 0 &&
	     ((const unsigned char *) k.mv_data)[0] == STATE_SYSTEM;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (after != NULL && after->ptr != NULL &&
		    k.mv_size == 1 + after->len &&
		    memcmp((const char *) k.mv_data + 1, after->ptr,
		        after->len) == 0) {
			continue; /* `after` itself: exclusive */
		}
		if (!sys_rec_decode(&k, &v, &d)) {
			continue; /* malformed: systable.c says so */
		}
		if (d.nfrom != 0) {
			sys_rec_free(&d);
			continue; /* a systemProc */
		}
		if (n == max) {
			sys_rec_free(&d);
			*has_more = true;
			break;
		}
		rc = source_row(txn, s, &d, now_ms, reports, &rep, &info);
		if (rc == 0) {
			n++;
			frv = fn(arg, &info);
		}
		sys_rec_free(&d);
		if (rc != 0 || frv != 0) {
			break;
		}
	}
out:
	if (cur != NULL) {
		mdb_cursor_close(cur);
	}
	mdb_txn_abort(txn);
	pthread_rwlock_unlock(&s->map_lock);
	if (frv != 0) {
		return frv;
	}
	if (rc == 0 || rc == MDB_NOTFOUND) {
		return 0;
	}
	return store_error(rc, "sources", msg, sizeof(msg));
}
