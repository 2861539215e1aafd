/*
 * lmdb_read.h - the read side of the store, shared by the node's readers
 * (node/store/read.c, which answer requests) and a client on the node's
 * host that reads the node's environment itself (local.c): loading a
 * topic, resolving a range's bounds, walking its page, the topic's
 * statistics and the topic list. Both build their answer from the same
 * walk, so a local read returns exactly what a request would.
 *
 * Every function runs inside a read transaction the caller owns; MDB_val
 * pointers handed to callbacks die with it.
 */
#ifndef PP_LMDB_READ_H
#define PP_LMDB_READ_H

#include "lmdb_cursor.h"

/* A range query: bounds as text (NULL or len 0: open), as on the wire. */
typedef struct ppi_lmdb_range {
	const char *start; /* in revrange the upper bound (PEER §6.3) */
	size_t      start_len;
	const char *end;
	size_t      end_len;
	bool        is_start_excl;
	bool        is_end_excl;
	bool        is_reverse;
	uint64_t    limit; /* 0: none */
} ppi_lmdb_range;

/* A range's bounds, parsed (ppi_lmdb_range_parse). */
typedef struct ppi_lmdb_bounds {
	ppi_idexpr start;
	ppi_idexpr end;
	bool       has_start;
	bool       has_end;
} ppi_lmdb_bounds;

/* What a page walk found: logs taken, their body bytes, and whether the
 * page stopped at its byte budget with logs left. */
typedef struct ppi_lmdb_page {
	size_t count;
	size_t bytes;
	bool   has_more;
} ppi_lmdb_page;

/* Takes one log of a page (k: its key, v: ms then body); false stops the
 * walk (out of memory). */
typedef bool (*ppi_lmdb_log_fn)(void *arg, const MDB_val *k, const MDB_val *v);

/* Takes one topic of a topic list; false stops the walk. */
typedef bool (*ppi_lmdb_topic_fn)(
    void *arg, const char *name, size_t len, const pp_topic_info *info);

/*
 * ppi_lmdb_range_parse - parse the bounds of q into *b. Returns 0 or
 * PP_EINVALID_ID (msg says which bound). Needs no transaction.
 */
int ppi_lmdb_range_parse(
    const ppi_lmdb_range *q, ppi_lmdb_bounds *b, char *msg, size_t msglen);

/*
 * ppi_lmdb_topic_open - load topic `name` (len bytes) from `state` and
 * open a cursor on `logs` in txn. Returns 0, PP_EINVALID_TOPIC,
 * PP_ENOTOPIC (never created, or deleted), or a mapped LMDB error; msg
 * says why. On success close c->cur with mdb_cursor_close (or let the
 * transaction's end do it); on error c->cur is NULL.
 */
int ppi_lmdb_topic_open(MDB_txn *txn, MDB_dbi state, MDB_dbi logs,
    const char *name, size_t len, ppi_lmdb_cursor *c, char *msg,
    size_t msglen);

/*
 * ppi_lmdb_range_scan - walk the page of q (bounds b) on the open topic
 * c, handing each log to fn in order (ascending, or descending for a
 * revrange): at most q->limit logs, and no more body bytes than
 * PPI_RANGE_PAGE_BYTES unless the first log alone is larger. *pg says
 * what was taken.
 */
void ppi_lmdb_range_scan(ppi_lmdb_cursor *c, const ppi_lmdb_range *q,
    const ppi_lmdb_bounds *b, ppi_lmdb_log_fn fn, void *arg,
    ppi_lmdb_page *pg);

/* ppi_lmdb_topic_info - the statistics of the open topic c (all but the
 * name). */
void ppi_lmdb_topic_info(ppi_lmdb_cursor *c, pp_topic_info *info);

/*
 * ppi_lmdb_topics_page - hand fn up to `max` topics in name order,
 * starting after `after` (NULL: from the first). `logs` is any cursor on
 * the logs database of txn. *has_more is set when topics remain.
 * Returns 0 or a mapped LMDB error (msg says which).
 */
int ppi_lmdb_topics_page(MDB_txn *txn, MDB_dbi state, MDB_cursor *logs,
    const char *after, size_t after_len, size_t max, ppi_lmdb_topic_fn fn,
    void *arg, bool *has_more, char *msg, size_t msglen);

#endif
