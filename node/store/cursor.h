/*
 * cursor.h - a cursor on the logs of one topic (cursor.c): the first and
 * last ids, seeks by sequence, and id expressions (SPEC §2) resolved to
 * sequence positions. Readers, claims and collection use it.
 */
#ifndef PP_NODE_STORE_CURSOR_H
#define PP_NODE_STORE_CURSOR_H

#include "store_impl.h"

/* A cursor on the logs of one topic, with the topic's record. */
typedef struct store_cursor {
	MDB_cursor *cur;
	topic_rec   topic;
} store_cursor;

/* cursor_ends - the first and last stored ids of the cursor's topic;
 * both zero when it holds no logs. */
void cursor_ends(store_cursor *c, pp_id *first, pp_id *last);

/* Positions on the first log with seq >= `seq` / last with seq <= `seq`;
 * false when the topic has none. */
bool cursor_seek(store_cursor *c, uint64_t seq, MDB_val *k, MDB_val *v);
bool cursor_seek_back(store_cursor *c, uint64_t seq, MDB_val *k, MDB_val *v);

/* cursor_log_id - the id of the stored log with sequence seq; its ms is 0
 * when that log is not stored (collected, or never written). */
pp_id cursor_log_id(store_cursor *c, uint64_t seq);

/*
 * cursor_lower / cursor_upper - a bound as a sequence position: logs
 * with seq >= *out (lower) or <= *out (upper) satisfy it. False when no
 * log can.
 */
bool cursor_lower(
    store_cursor *c, const ppi_idexpr *e, bool is_excl, uint64_t *out);
bool cursor_upper(
    store_cursor *c, const ppi_idexpr *e, bool is_excl, uint64_t *out);

#endif
