/*
 * local_read.c - range pages, topic statistics and the topic list read
 * by the client from the node's store (local.h), each in one read
 * transaction of local.c, with the node's own walk (lmdb_read.c).
 *
 * Bodies are copied out before the transaction ends (LMDB's pointers die
 * with it), in the same pass that walks the store: the page's logs go
 * into one array, their bodies into one buffer (pp_result_free() frees
 * both).
 * Errors that belong to the arguments (unknown topic, bad bound) are
 * answered here exactly as the node would; anything the store itself
 * refuses is PPI_LOCAL_FALLBACK, and the node answers instead.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmdb_read.h"
#include "local_impl.h"

/* A page being copied out of its transaction: logs and their bodies,
 * each body's place kept as an offset until the buffer stops moving. */
typedef struct local_logs {
	pp_log        *logs;
	size_t         count;
	size_t         cap;
	unsigned char *bodies;
	size_t         bytes;
	size_t         bytes_cap;
	bool           is_failed;
} local_logs;

/* Doubles *cap from `first` until it holds `need`; false on overflow. */
static bool
grow(void **p, size_t *cap, size_t need, size_t first, size_t size)
{
	size_t n = *cap != 0 ? *cap : first;
	void  *q;

	while (n < need) {
		n *= 2;
	}
	if ((q = realloc(*p, n * size)) == NULL) {
		return false;
	}
	*p   = q;
	*cap = n;
	return true;
}

/* Copies one log (ppi_lmdb_log_fn) in the walk's single pass over the
 * store; false when out of memory. */
static bool
logs_add(void *arg, const MDB_val *k, const MDB_val *v)
{
	local_logs *ll  = arg;
	size_t      len = v->mv_size - 8;
	pp_log     *log;

	if ((ll->count == ll->cap &&
	        !grow((void **) &ll->logs, &ll->cap, ll->count + 1, 16,
	            sizeof(pp_log))) ||
	    (ll->bytes + len > ll->bytes_cap &&
	        !grow((void **) &ll->bodies, &ll->bytes_cap, ll->bytes + len,
	            4096, 1))) {
		ll->is_failed = true;
		return false;
	}
	log         = &ll->logs[ll->count++];
	log->id.ms  = ppi_lmdb_val_ms(v);
	log->id.seq = ppi_lmdb_key_seq(k);
	log->len    = len;
	log->body   = (const void *) (uintptr_t) ll->bytes; /* offset */
	memcpy(ll->bodies + ll->bytes, (const unsigned char *) v->mv_data + 8,
	    len);
	ll->bytes += len;
	return true;
}

/*
 * Sizes the page's buffers from the topic's record before the walk, so
 * that a page is copied without growing them: at most `limit` logs, at
 * most the topic's logs, and about PPI_RANGE_PAGE_BYTES of bodies of the
 * topic's average size. Only a hint: the walk still grows them. False
 * when out of memory.
 */
static bool
logs_reserve(local_logs *ll, const ppi_lmdb_topic *t, uint64_t limit)
{
	uint64_t n, bytes, avg;

	if (t->count == 0) {
		return true;
	}
	avg   = t->bytes / t->count + 1;
	n     = PPI_RANGE_PAGE_BYTES / avg + 1;
	n     = n < t->count ? n : t->count;
	n     = limit != 0 && limit < n ? limit : n;
	bytes = n * avg;
	bytes = bytes < PPI_RANGE_PAGE_BYTES ? bytes : PPI_RANGE_PAGE_BYTES;
	return grow((void **) &ll->logs, &ll->cap, (size_t) n, (size_t) n,
	           sizeof(pp_log)) &&
	    grow((void **) &ll->bodies, &ll->bytes_cap, (size_t) bytes,
	        (size_t) bytes, 1);
}

/* Turns the offsets into pointers and hands the page over. */
static void
logs_finish(local_logs *ll, ppi_local_page *pg)
{
	size_t i;

	for (i = 0; i < ll->count; i++) {
		ll->logs[i].body = ll->bodies + (uintptr_t) ll->logs[i].body;
	}
	pg->logs   = ll->logs;
	pg->bodies = ll->bodies;
	pg->count  = ll->count;
	ll->logs   = NULL;
	ll->bodies = NULL;
}

static size_t
len_or_zero(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

int
ppi_local_range(ppi_local *l, const ppi_range_args *args,
    ppi_local_page *pg, char *msg, size_t msglen)
{
	ppi_lmdb_range  q;
	ppi_lmdb_bounds b;
	ppi_lmdb_page   taken;
	ppi_lmdb_cursor c;
	ppi_local_txn   t;
	local_logs      ll;
	int             rv;

	memset(&ll, 0, sizeof(ll));
	memset(pg, 0, sizeof(*pg));
	q.start         = args->start;
	q.start_len     = len_or_zero(args->start);
	q.end           = args->end;
	q.end_len       = len_or_zero(args->end);
	q.is_start_excl = args->is_start_excl;
	q.is_end_excl   = args->is_end_excl;
	q.is_reverse    = args->is_reverse;
	q.limit         = args->limit;
	if ((rv = ppi_lmdb_range_parse(&q, &b, msg, msglen)) != 0) {
		return rv;
	}
	if (ppi_local_txn_begin(l, &t) != 0) {
		return PPI_LOCAL_FALLBACK;
	}
	rv = ppi_lmdb_topic_open(t.txn, t.state, t.logs, args->topic,
	    strlen(args->topic), &c, msg, msglen);
	if (rv == 0) {
		if (!logs_reserve(&ll, &c.topic, q.limit)) {
			ll.is_failed = true;
		} else {
			ppi_lmdb_range_scan(&c, &q, &b, logs_add, &ll, &taken);
		}
		if (ll.is_failed) {
			rv = PP_ENOMEM;
		} else {
			logs_finish(&ll, pg);
			pg->has_more = taken.has_more;
		}
		mdb_cursor_close(c.cur);
	} else if (rv != PP_ENOTOPIC && rv != PP_EINVALID_TOPIC) {
		rv = PPI_LOCAL_FALLBACK;
	}
	ppi_local_txn_end(l, &t);
	free(ll.logs);
	free(ll.bodies);
	return rv;
}

int
ppi_local_topic(ppi_local *l, const char *topic, pp_topic_info *info,
    char *msg, size_t msglen)
{
	ppi_lmdb_cursor c;
	ppi_local_txn   t;
	int             rv;

	if (ppi_local_txn_begin(l, &t) != 0) {
		return PPI_LOCAL_FALLBACK;
	}
	rv = ppi_lmdb_topic_open(t.txn, t.state, t.logs, topic,
	    strlen(topic), &c, msg, msglen);
	if (rv == 0) {
		ppi_lmdb_topic_info(&c, info);
		mdb_cursor_close(c.cur);
	} else if (rv != PP_ENOTOPIC && rv != PP_EINVALID_TOPIC) {
		rv = PPI_LOCAL_FALLBACK;
	}
	ppi_local_txn_end(l, &t);
	return rv;
}

/* A topic walk handing each topic to the caller's row(). */
typedef struct topics_walk {
	int (*row)(void *arg, const void *item);
	void *arg;
	int   rv;
	char  name[PP_TOPIC_MAX + 1];
} topics_walk;

/* ppi_lmdb_topic_fn: names the topic and hands it on. */
static bool
topics_row(void *arg, const char *name, size_t len, const pp_topic_info *in)
{
	topics_walk  *w    = arg;
	pp_topic_info info = *in;

	memcpy(w->name, name, len);
	w->name[len] = '\0';
	info.name    = w->name;
	w->rv        = w->row(w->arg, &info);
	return w->rv == 0;
}

int
ppi_local_topics(ppi_local *l, const char *after,
    int (*row)(void *arg, const void *item), void *arg, bool *has_more,
    char *msg, size_t msglen)
{
	topics_walk   w = { row, arg, 0, "" };
	ppi_local_txn t;
	MDB_cursor   *logs;
	int           rv;

	if (ppi_local_txn_begin(l, &t) != 0) {
		return PPI_LOCAL_FALLBACK;
	}
	if (mdb_cursor_open(t.txn, t.logs, &logs) != 0) {
		ppi_local_txn_end(l, &t);
		return PPI_LOCAL_FALLBACK;
	}
	rv = ppi_lmdb_topics_page(t.txn, t.state, logs, after,
	    len_or_zero(after), PPI_TOPICS_PAGE, topics_row, &w, has_more,
	    msg, msglen);
	mdb_cursor_close(logs);
	ppi_local_txn_end(l, &t);
	if (rv != 0) {
		return PPI_LOCAL_FALLBACK;
	}
	return w.rv;
}
