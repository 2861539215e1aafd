/*
 * store_read.c - the read side of the store: range/revrange pages,
 * length, stat and the topic list. Each call is one short read
 * transaction (LMDB grows when readers linger, so pages are bounded).
 *
 * Bounds (docs/DESIGN.md §4) are turned into an inclusive sequence
 * interval [lo, hi]. Because ms never decreases within a topic, "the
 * first log at or after (T, S)" is monotone in seq and found by binary
 * search over seq, each probe one MDB_SET_RANGE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "id.h"
#include "store_impl.h"

typedef struct reader_txn {
	store      *s;
	MDB_txn    *txn;
	MDB_cursor *cur;
	topic_rec   topic;
	char        msg[256];
} reader_txn;

/* A point (ms, seq) in id order; `is_never` = beyond every id. */
typedef struct id_point {
	uint64_t ms;
	uint64_t seq;
	bool     is_never;
} id_point;

static int
txn_begin(reader_txn *r, store *s)
{
	int rc;

	r->s   = s;
	r->cur = NULL;
	pthread_rwlock_rdlock(&s->map_lock);
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &r->txn)) != 0) {
		pthread_rwlock_unlock(&s->map_lock);
		return store_error(rc, "read", r->msg, sizeof(r->msg));
	}
	return 0;
}

static void
txn_end(reader_txn *r)
{
	if (r->cur != NULL) {
		mdb_cursor_close(r->cur);
	}
	mdb_txn_abort(r->txn);
	pthread_rwlock_unlock(&r->s->map_lock);
}

/* Loads the topic named in the request; PP_ENOTOPIC if it never existed. */
static int
load_topic(reader_txn *r, const ppi_str *name)
{
	MDB_val k = { name->len, (void *) name->ptr }, v;
	int     rc;

	if (!ppi_topic_valid(name->ptr, name->len)) {
		snprintf(r->msg, sizeof(r->msg),
		    "topic must match [A-Za-z0-9_.-]{1,200}");
		return PP_EINVALID_TOPIC;
	}
	rc = mdb_get(r->txn, r->s->state, &k, &v);
	if (rc == MDB_NOTFOUND) {
		snprintf(r->msg, sizeof(r->msg), "topic '%.*s' does not exist",
		    (int) name->len, name->ptr);
		return PP_ENOTOPIC;
	}
	if (rc != 0) {
		return store_error(rc, "topic", r->msg, sizeof(r->msg));
	}
	if (!store_topic_decode(&v, &r->topic)) {
		return store_error(MDB_CORRUPTED, "topic", r->msg, sizeof(r->msg));
	}
	if ((rc = mdb_cursor_open(r->txn, r->s->logs, &r->cur)) != 0) {
		return store_error(rc, "cursor", r->msg, sizeof(r->msg));
	}
	return 0;
}

/* Positions the cursor on the first log of the topic with seq >= `seq`. */
static bool
seek(reader_txn *r, uint64_t seq, MDB_val *k, MDB_val *v)
{
	unsigned char key[LOG_KEY_SIZE];

	store_log_key(key, r->topic.tid, seq);
	k->mv_size = LOG_KEY_SIZE;
	k->mv_data = key;
	return mdb_cursor_get(r->cur, k, v, MDB_SET_RANGE) == 0 &&
	    k->mv_size == LOG_KEY_SIZE &&
	    ppi_get_be32(k->mv_data) == r->topic.tid;
}

static uint64_t
key_seq(const MDB_val *k)
{
	return ppi_get_be64((const unsigned char *) k->mv_data + 4);
}

static uint64_t
val_ms(const MDB_val *v)
{
	return v->mv_size >= 8 ? ppi_get_be64(v->mv_data) : 0;
}

/*
 * Positions the cursor on the last log of the topic with seq <= `seq`:
 * one step back from the first key after it, or the very last key.
 */
static bool
seek_back(reader_txn *r, uint64_t seq, MDB_val *k, MDB_val *v)
{
	unsigned char key[LOG_KEY_SIZE];
	int           rc;

	if (seq == UINT64_MAX) {
		store_log_key(key, r->topic.tid + 1, 0);
	} else {
		store_log_key(key, r->topic.tid, seq + 1);
	}
	k->mv_size = LOG_KEY_SIZE;
	k->mv_data = key;
	rc         = mdb_cursor_get(r->cur, k, v, MDB_SET_RANGE);
	if (rc == 0) {
		rc = mdb_cursor_get(r->cur, k, v, MDB_PREV);
	} else if (rc == MDB_NOTFOUND) {
		rc = mdb_cursor_get(r->cur, k, v, MDB_LAST);
	}
	return rc == 0 && k->mv_size == LOG_KEY_SIZE &&
	    ppi_get_be32(k->mv_data) == r->topic.tid;
}

/*
 * The smallest sequence position whose log is at or after `p` in id
 * order: a log's seq, or next_seq when no stored log is.
 */
static uint64_t
first_at_or_after(reader_txn *r, id_point p)
{
	uint64_t lo = 0, hi = r->topic.next_seq, mid, ms, seq;
	MDB_val  k, v;

	if (p.is_never) {
		return r->topic.next_seq;
	}
	/* Invariant: the answer lies in [lo, hi]. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (!seek(r, mid, &k, &v)) {
			hi = mid;
			continue;
		}
		ms  = val_ms(&v);
		seq = key_seq(&k);
		if (ms > p.ms || (ms == p.ms && seq >= p.seq)) {
			hi = mid;
		} else {
			lo = seq + 1;
		}
	}
	return seek(r, lo, &k, &v) ? key_seq(&k) : r->topic.next_seq;
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
static bool
lower_seq(reader_txn *r, const ppi_idexpr *e, bool is_excl, uint64_t *out)
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
static bool
upper_seq(reader_txn *r, const ppi_idexpr *e, bool is_excl, uint64_t *out)
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

/* Parses an optional bound; absent gives `open` with *has = false. */
static int
parse_bound(reader_txn *r, const ppi_str *text, ppi_idexpr *e, bool *has)
{
	*has = text->ptr != NULL && text->len != 0;
	if (*has && ppi_idexpr_parse(text->ptr, text->len, e) != 0) {
		snprintf(r->msg, sizeof(r->msg),
		    "bound '%.*s' is not T-S, T or :S",
		    (int) (text->len > 64 ? 64 : text->len), text->ptr);
		return PP_EINVALID_ID;
	}
	return 0;
}

typedef struct page_buf {
	ppi_wire_entry *entries;
	size_t          count;
	size_t          cap;
	size_t          bytes;
	bool            has_more;
} page_buf;

/* Adds one log; false when the page is full (has_more is then set). */
static bool
page_add(page_buf *pg, const MDB_val *k, const MDB_val *v)
{
	ppi_wire_entry *e;
	size_t          len = v->mv_size - 8;

	if (pg->count > 0 && pg->bytes + len > PPI_RANGE_PAGE_BYTES) {
		pg->has_more = true;
		return false;
	}
	if (pg->count == pg->cap) {
		pg->cap = pg->cap != 0 ? pg->cap * 2 : 256;
		e       = realloc(pg->entries, sizeof(*e) * pg->cap);
		if (e == NULL) {
			return false;
		}
		pg->entries = e;
	}
	e       = &pg->entries[pg->count++];
	e->ms   = val_ms(v);
	e->seq  = key_seq(k);
	e->body = (const unsigned char *) v->mv_data + 8;
	e->len  = len;
	pg->bytes += len;
	return true;
}

static void
scan(reader_txn *r, const ppi_request *req, uint64_t lo, uint64_t hi,
    page_buf *pg)
{
	uint64_t limit = req->limit != 0 ? req->limit : UINT64_MAX;
	MDB_val  k, v;
	bool     ok;

	if (!req->is_reverse) {
		ok = seek(r, lo, &k, &v);
		while (ok && key_seq(&k) <= hi && pg->count < limit &&
		    page_add(pg, &k, &v)) {
			ok = mdb_cursor_get(r->cur, &k, &v, MDB_NEXT) == 0 &&
			    ppi_get_be32(k.mv_data) == r->topic.tid;
		}
		return;
	}
	/* Reverse: the last log with seq <= hi, then backwards. */
	ok = seek_back(r, hi, &k, &v);
	/* The cursor may have stepped onto another topic. */
	while (ok && ppi_get_be32(k.mv_data) == r->topic.tid &&
	    key_seq(&k) >= lo && key_seq(&k) <= hi && pg->count < limit &&
	    page_add(pg, &k, &v)) {
		ok = mdb_cursor_get(r->cur, &k, &v, MDB_PREV) == 0;
	}
}

void
store_range(
    store *s, const ppi_request *req, ppi_buf *reply, store_page *page)
{
	reader_txn r;
	ppi_idexpr start, end;
	bool       has_start, has_end, ok = true;
	uint64_t   lo = 0, hi = UINT64_MAX;
	page_buf   pg;
	int        rv;

	memset(&pg, 0, sizeof(pg));
	memset(page, 0, sizeof(*page));
	r.msg[0] = '\0';
	if ((rv = parse_bound(&r, &req->start, &start, &has_start)) != 0 ||
	    (rv = parse_bound(&r, &req->end, &end, &has_end)) != 0) {
		ppi_wire_reply_error(reply, rv, r.msg);
		return;
	}
	if ((rv = txn_begin(&r, s)) != 0) {
		ppi_wire_reply_error(reply, rv, r.msg);
		return;
	}
	if ((rv = load_topic(&r, &req->topic)) != 0) {
		ppi_wire_reply_error(reply, rv, r.msg);
		txn_end(&r);
		return;
	}
	/* In revrange `start` is the upper bound (PEER §6.3). */
	if (!req->is_reverse) {
		ok = (!has_start || lower_seq(&r, &start, req->is_start_excl, &lo)) &&
		    (!has_end || upper_seq(&r, &end, req->is_end_excl, &hi));
	} else {
		ok = (!has_start || upper_seq(&r, &start, req->is_start_excl, &hi)) &&
		    (!has_end || lower_seq(&r, &end, req->is_end_excl, &lo));
	}
	if (ok && lo <= hi) {
		scan(&r, req, lo, hi, &pg);
	}
	ppi_wire_reply_range(reply, pg.entries, pg.count, pg.has_more);
	page->count    = pg.count;
	page->has_more = pg.has_more;
	page->last_seq = pg.count > 0 ? pg.entries[pg.count - 1].seq : 0;
	txn_end(&r);
	free(pg.entries);
}

/* First and last stored ids of the loaded topic (count must be > 0). */
static void
topic_ends(reader_txn *r, pp_topic_info *info)
{
	MDB_val k, v;

	memset(&info->first, 0, sizeof(info->first));
	memset(&info->last, 0, sizeof(info->last));
	if (r->topic.count == 0) {
		return;
	}
	if (seek(r, 0, &k, &v)) {
		info->first.ms  = val_ms(&v);
		info->first.seq = key_seq(&k);
	}
	if (seek_back(r, UINT64_MAX, &k, &v)) {
		info->last.ms  = val_ms(&v);
		info->last.seq = key_seq(&k);
	}
}

static void
fill_info(reader_txn *r, pp_topic_info *info)
{
	info->count      = r->topic.count;
	info->bytes      = r->topic.bytes;
	info->next_seq   = r->topic.next_seq;
	info->created_ms = r->topic.created_ms;
	topic_ends(r, info);
}

/* length and stat share everything but the reply. */
static void
topic_reply(store *s, const ppi_request *req, ppi_buf *reply, bool is_stat)
{
	reader_txn    r;
	pp_topic_info info;
	int           rv;

	r.msg[0] = '\0';
	if ((rv = txn_begin(&r, s)) != 0) {
		ppi_wire_reply_error(reply, rv, r.msg);
		return;
	}
	if ((rv = load_topic(&r, &req->topic)) != 0) {
		ppi_wire_reply_error(reply, rv, r.msg);
	} else if (is_stat) {
		memset(&info, 0, sizeof(info));
		fill_info(&r, &info);
		ppi_wire_reply_stat(reply, &info);
	} else {
		ppi_wire_reply_count(reply, r.topic.count);
	}
	txn_end(&r);
}

void
store_length(store *s, const ppi_request *req, ppi_buf *reply)
{
	topic_reply(s, req, reply, false);
}

void
store_stat(store *s, const ppi_request *req, ppi_buf *reply)
{
	topic_reply(s, req, reply, true);
}

void
store_topics(store *s, const ppi_request *req, ppi_buf *reply)
{
	reader_txn     r;
	MDB_cursor    *tcur;
	MDB_val        k, v;
	pp_topic_info *items;
	char         (*names)[PP_TOPIC_MAX + 1];
	size_t         n = 0, i;
	bool           has_more = false;
	int            rc, rv;

	r.msg[0] = '\0';
	items    = calloc(PPI_TOPICS_PAGE, sizeof(*items));
	names    = calloc(PPI_TOPICS_PAGE, sizeof(*names));
	if (items == NULL || names == NULL) {
		ppi_wire_reply_error(reply, PP_ENOMEM, "out of memory");
		goto out;
	}
	if ((rv = txn_begin(&r, s)) != 0) {
		ppi_wire_reply_error(reply, rv, r.msg);
		goto out;
	}
	mdb_cursor_open(r.txn, s->logs, &r.cur);
	if ((rc = mdb_cursor_open(r.txn, s->state, &tcur)) != 0) {
		ppi_wire_reply_error(reply, PP_ESTORE, mdb_strerror(rc));
		txn_end(&r);
		goto out;
	}
	if (req->after.ptr != NULL) {
		k.mv_size = req->after.len;
		k.mv_data = (void *) req->after.ptr;
		rc        = mdb_cursor_get(tcur, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && k.mv_size == req->after.len &&
		    memcmp(k.mv_data, req->after.ptr, k.mv_size) == 0) {
			rc = mdb_cursor_get(tcur, &k, &v, MDB_NEXT);
		}
	} else {
		/* Meta and request keys sort before every topic name. */
		k.mv_size = 1;
		k.mv_data = "-";
		rc        = mdb_cursor_get(tcur, &k, &v, MDB_SET_RANGE);
	}
	for (; rc == 0; rc = mdb_cursor_get(tcur, &k, &v, MDB_NEXT)) {
		if (n == PPI_TOPICS_PAGE) {
			has_more = true;
			break;
		}
		if (k.mv_size > PP_TOPIC_MAX ||
		    ((unsigned char *) k.mv_data)[0] < STATE_FIRST_TOPIC ||
		    !store_topic_decode(&v, &r.topic)) {
			continue;
		}
		memcpy(names[n], k.mv_data, k.mv_size);
		names[n][k.mv_size] = '\0';
		items[n].name       = names[n];
		fill_info(&r, &items[n]);
		n++;
	}
	mdb_cursor_close(tcur);
	ppi_wire_reply_topics_begin(reply, n);
	for (i = 0; i < n; i++) {
		ppi_wire_reply_topics_item(reply, &items[i]);
	}
	ppi_wire_reply_topics_end(reply, has_more);
	txn_end(&r);
out:
	free(items);
	free(names);
}
