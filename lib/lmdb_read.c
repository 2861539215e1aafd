/*
 * lmdb_read.c - range pages, topic statistics and the topic list, read
 * from the store in a transaction the caller owns (lmdb_read.h). The
 * node answers requests with it and a local client answers itself with
 * it, so the two cannot differ.
 *
 * Bounds (docs/DESIGN.md §4) are turned into an inclusive sequence
 * interval [lo, hi] (lmdb_cursor.c), then the topic's logs in it are
 * walked in key order, forwards or backwards.
 */
#include <stdio.h>
#include <string.h>

#include "endian.h"
#include "lmdb_read.h"
#include "topic.h"
#include "wire.h"

/* Parses an optional bound; absent gives *has = false. */
static int
parse_bound(const char *text, size_t len, ppi_idexpr *e, bool *has,
    char *msg, size_t msglen)
{
	*has = text != NULL && len != 0;
	if (*has && ppi_idexpr_parse(text, len, e) != 0) {
		snprintf(msg, msglen, "bound '%.*s' is not T-S, T or :S",
		    (int) (len > 64 ? 64 : len), text);
		return PP_EINVALID_ID;
	}
	return 0;
}

int
ppi_lmdb_range_parse(
    const ppi_lmdb_range *q, ppi_lmdb_bounds *b, char *msg, size_t msglen)
{
	int rv;

	if ((rv = parse_bound(q->start, q->start_len, &b->start,
	         &b->has_start, msg, msglen)) != 0) {
		return rv;
	}
	return parse_bound(
	    q->end, q->end_len, &b->end, &b->has_end, msg, msglen);
}

int
ppi_lmdb_topic_open(MDB_txn *txn, MDB_dbi state, MDB_dbi logs,
    const char *name, size_t len, ppi_lmdb_cursor *c, char *msg,
    size_t msglen)
{
	MDB_val k = { len, (void *) name }, v;
	int     rc;

	c->cur = NULL;
	if (!ppi_topic_valid(name, len)) {
		snprintf(msg, msglen, "topic must match [A-Za-z0-9_.-]{1,200}");
		return PP_EINVALID_TOPIC;
	}
	rc = mdb_get(txn, state, &k, &v);
	if (rc == MDB_NOTFOUND) {
		snprintf(msg, msglen, "topic '%.*s' does not exist", (int) len,
		    name);
		return PP_ENOTOPIC;
	}
	if (rc != 0) {
		return ppi_lmdb_error(rc, "topic", msg, msglen);
	}
	if (!ppi_lmdb_topic_decode(&v, &c->topic)) {
		return ppi_lmdb_error(MDB_CORRUPTED, "topic", msg, msglen);
	}
	if ((rc = mdb_cursor_open(txn, logs, &c->cur)) != 0) {
		c->cur = NULL;
		return ppi_lmdb_error(rc, "cursor", msg, msglen);
	}
	return 0;
}

/* Offers one log to the page; false when it does not fit or fn refuses. */
static bool
take(const MDB_val *k, const MDB_val *v, ppi_lmdb_log_fn fn, void *arg,
    ppi_lmdb_page *pg)
{
	size_t len = v->mv_size - 8;

	if (pg->count > 0 && pg->bytes + len > PPI_RANGE_PAGE_BYTES) {
		pg->has_more = true;
		return false;
	}
	if (!fn(arg, k, v)) {
		return false;
	}
	pg->count++;
	pg->bytes += len;
	return true;
}

/* Walks [lo, hi] of c's topic in the direction q asks. */
static void
walk(ppi_lmdb_cursor *c, const ppi_lmdb_range *q, uint64_t lo, uint64_t hi,
    ppi_lmdb_log_fn fn, void *arg, ppi_lmdb_page *pg)
{
	uint64_t limit = q->limit != 0 ? q->limit : UINT64_MAX;
	MDB_val  k, v;
	bool     ok;

	if (!q->is_reverse) {
		ok = ppi_lmdb_cursor_seek(c, lo, &k, &v);
		while (ok && ppi_lmdb_key_seq(&k) <= hi && pg->count < limit &&
		    take(&k, &v, fn, arg, pg)) {
			ok = mdb_cursor_get(c->cur, &k, &v, MDB_NEXT) == 0 &&
			    ppi_get_be32(k.mv_data) == c->topic.tid;
		}
		return;
	}
	/* Reverse: the last log with seq <= hi, then backwards. */
	ok = ppi_lmdb_cursor_seek_back(c, hi, &k, &v);
	/* The cursor may have stepped onto another topic. */
	while (ok && ppi_get_be32(k.mv_data) == c->topic.tid &&
	    ppi_lmdb_key_seq(&k) >= lo && ppi_lmdb_key_seq(&k) <= hi &&
	    pg->count < limit && take(&k, &v, fn, arg, pg)) {
		ok = mdb_cursor_get(c->cur, &k, &v, MDB_PREV) == 0;
	}
}

void
ppi_lmdb_range_scan(ppi_lmdb_cursor *c, const ppi_lmdb_range *q,
    const ppi_lmdb_bounds *b, ppi_lmdb_log_fn fn, void *arg,
    ppi_lmdb_page *pg)
{
	uint64_t lo = 0, hi = UINT64_MAX;
	bool     ok;

	memset(pg, 0, sizeof(*pg));
	/* In revrange `start` is the upper bound (PEER §6.3). */
	if (!q->is_reverse) {
		ok = (!b->has_start || ppi_lmdb_cursor_lower(c, &b->start,
		                           q->is_start_excl, &lo)) &&
		    (!b->has_end || ppi_lmdb_cursor_upper(c, &b->end,
		                        q->is_end_excl, &hi));
	} else {
		ok = (!b->has_start || ppi_lmdb_cursor_upper(c, &b->start,
		                           q->is_start_excl, &hi)) &&
		    (!b->has_end || ppi_lmdb_cursor_lower(c, &b->end,
		                        q->is_end_excl, &lo));
	}
	if (ok && lo <= hi) {
		walk(c, q, lo, hi, fn, arg, pg);
	}
}

void
ppi_lmdb_topic_info(ppi_lmdb_cursor *c, pp_topic_info *info)
{
	info->count      = c->topic.count;
	info->bytes      = c->topic.bytes;
	info->next_seq   = c->topic.next_seq;
	info->created_ms = c->topic.created_ms;
	ppi_lmdb_cursor_ends(c, &info->first, &info->last);
}

int
ppi_lmdb_topics_page(MDB_txn *txn, MDB_dbi state, MDB_cursor *logs,
    const char *after, size_t after_len, size_t max, ppi_lmdb_topic_fn fn,
    void *arg, bool *has_more, char *msg, size_t msglen)
{
	ppi_lmdb_cursor c = { logs, { 0 } };
	pp_topic_info   info;
	MDB_cursor     *tcur;
	MDB_val         k, v;
	size_t          n = 0;
	int             rc;

	*has_more = false;
	if ((rc = mdb_cursor_open(txn, state, &tcur)) != 0) {
		return ppi_lmdb_error(rc, "topics", msg, msglen);
	}
	if (after != NULL) {
		k.mv_size = after_len;
		k.mv_data = (void *) after;
		rc        = mdb_cursor_get(tcur, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && k.mv_size == after_len &&
		    memcmp(k.mv_data, after, k.mv_size) == 0) {
			rc = mdb_cursor_get(tcur, &k, &v, MDB_NEXT);
		}
	} else {
		/* Meta and request keys sort before every topic name. */
		k.mv_size = 1;
		k.mv_data = "-";
		rc        = mdb_cursor_get(tcur, &k, &v, MDB_SET_RANGE);
	}
	for (; rc == 0; rc = mdb_cursor_get(tcur, &k, &v, MDB_NEXT)) {
		if (n == max) {
			*has_more = true;
			break;
		}
		if (k.mv_size > PP_TOPIC_MAX ||
		    ((unsigned char *) k.mv_data)[0] < PPI_LMDB_FIRST_TOPIC ||
		    !ppi_lmdb_topic_decode(&v, &c.topic)) {
			continue;
		}
		memset(&info, 0, sizeof(info));
		ppi_lmdb_topic_info(&c, &info);
		if (!fn(arg, k.mv_data, k.mv_size, &info)) {
			break;
		}
		n++;
	}
	mdb_cursor_close(tcur);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		return ppi_lmdb_error(rc, "topics", msg, msglen);
	}
	return 0;
}
