/*
 * read.c - the read side of the store: range/revrange pages,
 * length, stat and the topic list, answered as reply frames. Each call
 * is one short read transaction (LMDB grows when readers linger, so
 * pages are bounded).
 *
 * What a read finds is decided in lib/lmdb_read.c, which a client on
 * the node's host also runs against this same environment (lib/local.c):
 * this file only holds the transaction and turns the result into a
 * reply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "id.h"
#include "lmdb_read.h"

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
	return ppi_lmdb_topic_open(r->txn, r->s->state, r->s->logs, name->ptr,
	    name->len, &r->tc, r->msg, sizeof(r->msg));
}

typedef struct page_buf {
	ppi_wire_entry *entries;
	size_t          count;
	size_t          cap;
} page_buf;

/* Adds one log (ppi_lmdb_log_fn); false when out of memory. */
static bool
page_add(void *arg, const MDB_val *k, const MDB_val *v)
{
	page_buf       *pg = arg;
	ppi_wire_entry *e;

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
	e->len  = v->mv_size - 8;
	return true;
}

void
store_read_range(
    store *s, const ppi_request *req, ppi_buf *reply, store_page *page)
{
	reader_txn      r;
	ppi_lmdb_range  q;
	ppi_lmdb_bounds b;
	ppi_lmdb_page   taken;
	page_buf        pg;
	int             rv;

	memset(&pg, 0, sizeof(pg));
	memset(page, 0, sizeof(*page));
	r.msg[0]      = '\0';
	q.start       = req->start.ptr;
	q.start_len   = req->start.len;
	q.end         = req->end.ptr;
	q.end_len     = req->end.len;
	q.is_start_excl = req->is_start_excl;
	q.is_end_excl = req->is_end_excl;
	q.is_reverse  = req->is_reverse;
	q.limit       = req->limit;
	if ((rv = ppi_lmdb_range_parse(&q, &b, r.msg, sizeof(r.msg))) != 0) {
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
	ppi_lmdb_range_scan(&r.tc, &q, &b, page_add, &pg, &taken);
	ppi_wire_reply_range(reply, pg.entries, pg.count, taken.has_more);
	page->count    = pg.count;
	page->has_more = taken.has_more;
	page->last_seq = pg.count > 0 ? pg.entries[pg.count - 1].seq : 0;
	txn_end(&r);
	free(pg.entries);
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
		ppi_lmdb_topic_info(&r.tc, &info);
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

/* The topics of one page, with their names (the walk's die with it). */
typedef struct topics_buf {
	pp_topic_info *items;
	char         (*names)[PP_TOPIC_MAX + 1];
	size_t         count;
} topics_buf;

/* Adds one topic (ppi_lmdb_topic_fn); never full: the walk stops at
 * PPI_TOPICS_PAGE. */
static bool
topics_add(void *arg, const char *name, size_t len, const pp_topic_info *info)
{
	topics_buf *t = arg;

	memcpy(t->names[t->count], name, len);
	t->names[t->count][len] = '\0';
	t->items[t->count]      = *info;
	t->items[t->count].name = t->names[t->count];
	t->count++;
	return true;
}

void
store_read_topics(store *s, const ppi_request *req, ppi_buf *reply)
{
	reader_txn r;
	topics_buf t;
	size_t     i;
	bool       has_more = false;
	int        rc, rv;

	r.msg[0] = '\0';
	t.count  = 0;
	t.items  = calloc(PPI_TOPICS_PAGE, sizeof(*t.items));
	t.names  = calloc(PPI_TOPICS_PAGE, sizeof(*t.names));
	if (t.items == NULL || t.names == NULL) {
		ppi_wire_reply_error(reply, PP_ENOMEM, "out of memory");
		goto out;
	}
	if ((rv = txn_begin(&r, s)) != 0) {
		ppi_wire_reply_error(reply, rv, r.msg);
		goto out;
	}
	if ((rc = mdb_cursor_open(r.txn, s->logs, &r.tc.cur)) != 0) {
		r.tc.cur = NULL;
		rv = store_error(rc, "cursor", r.msg, sizeof(r.msg));
	} else {
		rv = ppi_lmdb_topics_page(r.txn, s->state, r.tc.cur,
		    req->after.ptr, req->after.len, PPI_TOPICS_PAGE,
		    topics_add, &t, &has_more, r.msg, sizeof(r.msg));
	}
	if (rv != 0) {
		ppi_wire_reply_error(reply, rv, r.msg);
	} else {
		ppi_wire_reply_topics_begin(reply, t.count);
		for (i = 0; i < t.count; i++) {
			ppi_wire_reply_topics_item(reply, &t.items[i]);
		}
		ppi_wire_reply_list_end(reply, has_more);
	}
	txn_end(&r);
out:
	free(t.items);
	free(t.names);
}
