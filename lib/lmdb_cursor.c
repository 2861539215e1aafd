/*
 * lmdb_cursor.c - positions in a topic's logs: seeking by sequence, and
 * turning id-expression bounds into sequence positions (docs/DESIGN.md
 * §4). Shared by the node's readers and writer (proc offsets) and by a
 * local client's reads, so both resolve bounds the same way.
 *
 * Because ms never decreases within a topic, "the first log at or after
 * (T, S)" is monotone in seq and found by binary search over seq, each
 * probe one MDB_SET_RANGE.
 */
#include <string.h>

#include "endian.h"
#include "lmdb_cursor.h"

/* A point (ms, seq) in id order; `is_never` = beyond every id. */
typedef struct id_point {
	uint64_t ms;
	uint64_t seq;
	bool     is_never;
} id_point;

/* Positions the cursor on the first log of the topic with seq >= `seq`. */
bool
ppi_lmdb_cursor_seek(
    ppi_lmdb_cursor *r, uint64_t seq, MDB_val *k, MDB_val *v)
{
	unsigned char key[PPI_LMDB_LOG_KEY_SIZE];

	ppi_lmdb_log_key(key, r->topic.tid, seq);
	k->mv_size = PPI_LMDB_LOG_KEY_SIZE;
	k->mv_data = key;
	return mdb_cursor_get(r->cur, k, v, MDB_SET_RANGE) == 0 &&
	    k->mv_size == PPI_LMDB_LOG_KEY_SIZE &&
	    ppi_get_be32(k->mv_data) == r->topic.tid;
}

void
ppi_lmdb_cursor_ends(ppi_lmdb_cursor *c, pp_id *first, pp_id *last)
{
	MDB_val k, v;

	memset(first, 0, sizeof(*first));
	memset(last, 0, sizeof(*last));
	if (c->topic.count == 0) {
		return;
	}
	if (ppi_lmdb_cursor_seek(c, 0, &k, &v)) {
		first->ms  = ppi_lmdb_val_ms(&v);
		first->seq = ppi_lmdb_key_seq(&k);
	}
	if (ppi_lmdb_cursor_seek_back(c, UINT64_MAX, &k, &v)) {
		last->ms  = ppi_lmdb_val_ms(&v);
		last->seq = ppi_lmdb_key_seq(&k);
	}
}

/*
 * Positions the cursor on the last log of the topic with seq <= `seq`:
 * one step back from the first key after it, or the very last key.
 */
bool
ppi_lmdb_cursor_seek_back(
    ppi_lmdb_cursor *r, uint64_t seq, MDB_val *k, MDB_val *v)
{
	unsigned char key[PPI_LMDB_LOG_KEY_SIZE];
	int           rc;

	if (seq == UINT64_MAX) {
		ppi_lmdb_log_key(key, r->topic.tid + 1, 0);
	} else {
		ppi_lmdb_log_key(key, r->topic.tid, seq + 1);
	}
	k->mv_size = PPI_LMDB_LOG_KEY_SIZE;
	k->mv_data = key;
	rc         = mdb_cursor_get(r->cur, k, v, MDB_SET_RANGE);
	if (rc == 0) {
		rc = mdb_cursor_get(r->cur, k, v, MDB_PREV);
	} else if (rc == MDB_NOTFOUND) {
		rc = mdb_cursor_get(r->cur, k, v, MDB_LAST);
	}
	return rc == 0 && k->mv_size == PPI_LMDB_LOG_KEY_SIZE &&
	    ppi_get_be32(k->mv_data) == r->topic.tid;
}

/*
 * The smallest sequence position whose log is at or after `p` in id
 * order: a log's seq, or next_seq when no stored log is.
 */
static uint64_t
first_at_or_after(ppi_lmdb_cursor *r, id_point p)
{
	uint64_t lo = 0, hi = r->topic.next_seq, mid, ms, seq;
	MDB_val  k, v;

	if (p.is_never) {
		return r->topic.next_seq;
	}
	/* Invariant: the answer lies in [lo, hi]. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (!ppi_lmdb_cursor_seek(r, mid, &k, &v)) {
			hi = mid;
			continue;
		}
		ms  = ppi_lmdb_val_ms(&v);
		seq = ppi_lmdb_key_seq(&k);
		if (ms > p.ms || (ms == p.ms && seq >= p.seq)) {
			hi = mid;
		} else {
			lo = seq + 1;
		}
	}
	return ppi_lmdb_cursor_seek(r, lo, &k, &v) ? ppi_lmdb_key_seq(&k)
	                                  : r->topic.next_seq;
}

/* (ms, seq) + 1 in id order. */
static id_point
point_after(uint64_t ms, uint64_t seq)
{
	id_point p = { ms, seq + 1, false };

	if (seq == UINT64_MAX) {
		p.seq      = 0;
		p.ms       = ms + 1;
		p.is_never = ms == UINT64_MAX;
	}
	return p;
}

/*
 * Lower bound as a seq position: logs with seq >= the result satisfy it.
 * Returns false when nothing can satisfy it.
 */
pp_id
ppi_lmdb_cursor_log_id(ppi_lmdb_cursor *c, uint64_t seq)
{
	pp_id   id = { 0, seq };
	MDB_val k, v;

	if (ppi_lmdb_cursor_seek(c, seq, &k, &v) && ppi_lmdb_key_seq(&k) == seq) {
		id.ms = ppi_lmdb_val_ms(&v);
	}
	return id;
}

bool
ppi_lmdb_cursor_lower(
    ppi_lmdb_cursor *r, const ppi_idexpr *e, bool is_excl, uint64_t *out)
{
	id_point p;

	switch (e->kind) {
	case PPI_IDEXPR_SEQ:
		if (is_excl && e->seq == UINT64_MAX) {
			return false;
		}
		*out = is_excl ? e->seq + 1 : e->seq;
		return true;
	case PPI_IDEXPR_MS:
		p = is_excl ? point_after(e->ms, UINT64_MAX)
		            : (id_point) { e->ms, 0, false };
		break;
	default:
		p = is_excl ? point_after(e->ms, e->seq)
		            : (id_point) { e->ms, e->seq, false };
		break;
	}
	*out = first_at_or_after(r, p);
	return true;
}

/*
 * Upper bound as a seq position: logs with seq <= the result satisfy it.
 * Returns false when nothing can satisfy it.
 */
bool
ppi_lmdb_cursor_upper(
    ppi_lmdb_cursor *r, const ppi_idexpr *e, bool is_excl, uint64_t *out)
{
	id_point beyond;
	uint64_t first;

	switch (e->kind) {
	case PPI_IDEXPR_SEQ:
		if (is_excl && e->seq == 0) {
			return false;
		}
		*out = is_excl ? e->seq - 1 : e->seq;
		return true;
	case PPI_IDEXPR_MS:
		beyond = is_excl ? (id_point) { e->ms, 0, false }
		                 : point_after(e->ms, UINT64_MAX);
		break;
	default:
		beyond = is_excl ? (id_point) { e->ms, e->seq, false }
		                 : point_after(e->ms, e->seq);
		break;
	}
	first = first_at_or_after(r, beyond);
	if (first == 0) {
		return false;
	}
	*out = first - 1;
	return true;
}

