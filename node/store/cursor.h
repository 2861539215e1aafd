/*
 * cursor.h - a cursor on the logs of one topic: the first and last ids,
 * seeks by sequence, and id expressions (SPEC §2) resolved to sequence
 * positions. Readers, claims and collection use it. The code is
 * lib/lmdb_cursor.c, shared with a local client's reads so that both
 * resolve bounds alike; the wing keeps its short names.
 */
#ifndef PP_NODE_STORE_CURSOR_H
#define PP_NODE_STORE_CURSOR_H

#include "lmdb_cursor.h"
#include "store_impl.h"

typedef ppi_lmdb_cursor store_cursor;

/* cursor_ends - the first and last stored ids of the cursor's topic;
 * both zero when it holds no logs. */
static inline void
cursor_ends(store_cursor *c, pp_id *first, pp_id *last)
{
	ppi_lmdb_cursor_ends(c, first, last);
}

/* Positions on the first log with seq >= `seq` / last with seq <= `seq`;
 * false when the topic has none. */
static inline bool
cursor_seek(store_cursor *c, uint64_t seq, MDB_val *k, MDB_val *v)
{
	return ppi_lmdb_cursor_seek(c, seq, k, v);
}

static inline bool
cursor_seek_back(store_cursor *c, uint64_t seq, MDB_val *k, MDB_val *v)
{
	return ppi_lmdb_cursor_seek_back(c, seq, k, v);
}

/* cursor_log_id - the id of the stored log with sequence seq; its ms is 0
 * when that log is not stored (collected, or never written). */
static inline pp_id
cursor_log_id(store_cursor *c, uint64_t seq)
{
	return ppi_lmdb_cursor_log_id(c, seq);
}

/* cursor_lower / cursor_upper - a bound as a sequence position (see
 * ppi_lmdb_cursor_lower). False when no log can satisfy it. */
static inline bool
cursor_lower(
    store_cursor *c, const ppi_idexpr *e, bool is_excl, uint64_t *out)
{
	return ppi_lmdb_cursor_lower(c, e, is_excl, out);
}

static inline bool
cursor_upper(
    store_cursor *c, const ppi_idexpr *e, bool is_excl, uint64_t *out)
{
	return ppi_lmdb_cursor_upper(c, e, is_excl, out);
}

#endif
