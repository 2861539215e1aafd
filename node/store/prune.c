/*
 * prune.c - a bounded step of forgetting old entries (prune.h).
 *
 * Each step is its own short write transaction, so a request waits
 * behind one step at most; it looks at a bounded number of keys even
 * when few are old, and resumes where the last one stopped, so that
 * every key is seen in turn however large the database grows.
 */
#include <string.h>

#include "prune.h"

static void
start_over(prune_walk *w)
{
	w->is_started = false;
}

/* Remembers k as the next step's first key (false when it is too long). */
static bool
resume_at(prune_walk *w, const MDB_val *k)
{
	if (k->mv_size > sizeof(w->at)) {
		return false;
	}
	memcpy(w->at, k->mv_data, k->mv_size);
	w->at_len     = k->mv_size;
	w->is_started = true;
	return true;
}

static int
seek(prune_walk *w, MDB_cursor *cur, MDB_val *k, MDB_val *v)
{
	if (w->is_started) {
		k->mv_size = w->at_len;
		k->mv_data = w->at;
		return mdb_cursor_get(cur, k, v, MDB_SET_RANGE);
	}
	if (w->start_len == 0) {
		return mdb_cursor_get(cur, k, v, MDB_FIRST);
	}
	k->mv_size = w->start_len;
	k->mv_data = w->start;
	return mdb_cursor_get(cur, k, v, MDB_SET_RANGE);
}

static int
walk(prune_walk *w, MDB_cursor *cur, uint64_t cutoff_ms, size_t budget,
    size_t *deleted)
{
	MDB_val k, v;
	size_t  seen = 0;
	int     rc   = seek(w, cur, &k, &v);

	while (rc == 0 && (w->is_ours == NULL || w->is_ours(&k)) &&
	    *deleted < budget && seen < 4 * budget) {
		seen++;
		if (!w->is_old(&k, &v, cutoff_ms)) {
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			continue;
		}
		/* Copied first: the key dies with the delete. */
		if (!resume_at(w, &k)) {
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			continue;
		}
		if ((rc = mdb_cursor_del(cur, 0)) != 0) {
			return rc;
		}
		(*deleted)++;
		/* Seek past the hole rather than trust the cursor. */
		rc = seek(w, cur, &k, &v);
	}
	/* Resume at the key not looked at yet; start over at the end. */
	if (rc == 0 && (w->is_ours == NULL || w->is_ours(&k)) &&
	    resume_at(w, &k)) {
		return 0;
	}
	start_over(w);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
prune_step(store *s, prune_walk *w, uint64_t cutoff_ms, size_t budget,
    size_t *deleted)
{
	MDB_txn    *txn;
	MDB_cursor *cur;
	int         rc;

	*deleted = 0;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0) {
		start_over(w);
		return rc;
	}
	if ((rc = mdb_cursor_open(txn, w->dbi, &cur)) != 0) {
		mdb_txn_abort(txn);
		start_over(w);
		return rc;
	}
	rc = walk(w, cur, cutoff_ms, budget, deleted);
	mdb_cursor_close(cur);
	if (rc != 0 || *deleted == 0) {
		mdb_txn_abort(txn);
		if (rc != 0) {
			start_over(w);
		}
		return rc;
	}
	if ((rc = mdb_txn_commit(txn)) != 0) {
		start_over(w);
	}
	return rc;
}
