/*
 * read.c - the read side of the store: range/revrange pages,
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

#include "cursor.h"
#include "id.h"

typedef struct reader_txn {
	store       *s;
	MDB_txn     *txn;
	store_cursor tc; /* the topic being read and a cursor on its logs */
	char         msg[256];
} reader_txn;

static int
txn_begin(reader_txn *r, store *s)
{
	int rc;

	r->s   = s;
	r->tc.cur = NULL;
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
	if (r->tc.cur != NULL) {
		mdb_cursor_close(r->tc.cur);
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
	if (!store_topic_decode(&v, &r->tc.topic)) {
		return store_error(MDB_CORRUPTED, "topic", r->msg, sizeof(r->msg));
	}
	if ((rc = mdb_cursor_open(r->txn, r->s->logs, &r->tc.cur)) != 0) {
		return store_error(rc, "cursor", r->msg, sizeof(r->msg));
	}
	return 0;
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
	e->ms   = store_val_ms(v);
	e->seq  = store_key_seq(k);
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
		ok = cursor_seek(&r->tc, lo, &k, &v);
		while (ok && store_key_seq(&k) <= hi && pg->count < limit &&
		    page_add(pg, &k, &v)) {
			ok = mdb_cursor_get(r->tc.cur, &k, &v, MDB_NEXT) == 0 &&
			    ppi_get_be32(k.mv_data) == r->tc.topic.tid;
		}
		return;
	}
	/* Reverse: the last log with seq <= hi, then backwards. */
	ok = cursor_seek_back(&r->tc, hi, &k, &v);
	/* The cursor may have stepped onto another topic. */
	while (ok && ppi_get_be32(k.mv_data) == r->tc.topic.tid &&
	    store_key_seq(&k) >= lo && store_key_seq(&k) <= hi && pg->count < limit &&
	    page_add(pg, &k, &v)) {
		ok = mdb_cursor_get(r->tc.cur, &k, &v, MDB_PREV) == 0;
	}
}

void
store_read_range(
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
		ok = (!has_start || cursor_lower(&r.tc, &start,
		                        req->is_start_excl, &lo)) &&
		    (!has_end ||
		        cursor_upper(&r.tc, &end, req->is_end_excl, &hi));
	} else {
		ok = (!has_start || cursor_upper(&r.tc, &start,
		                        req->is_start_excl, &hi)) &&
		    (!has_end ||
		        cursor_lower(&r.tc, &end, req->is_end_excl, &lo));
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

static void
fill_info(reader_txn *r, pp_topic_info *info)
{
	info->count      = r->tc.topic.count;
	info->bytes      = r->tc.topic.bytes;
	info->next_seq   = r->tc.topic.next_seq;
	info->created_ms = r->tc.topic.created_ms;
	cursor_ends(&r->tc, &info->first, &info->last);
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
		ppi_wire_reply_count(reply, r.tc.topic.count);
	}
	txn_end(&r);
}

void
store_read_length(store *s, const ppi_request *req, ppi_buf *reply)
{
	topic_reply(s, req, reply, false);
}

void
store_read_stat(store *s, const ppi_request *req, ppi_buf *reply)
{
	topic_reply(s, req, reply, true);
}

void
store_read_topics(store *s, const ppi_request *req, ppi_buf *reply)
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
	mdb_cursor_open(r.txn, s->logs, &r.tc.cur);
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
		    !store_topic_decode(&v, &r.tc.topic)) {
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
	ppi_wire_reply_list_end(reply, has_more);
	txn_end(&r);
out:
	free(items);
	free(names);
}
