/*
 * lmdb_cursor.h - a cursor on the logs of one topic (lmdb_cursor.c): the
 * first and last ids, seeks by sequence, and id expressions (SPEC §2)
 * resolved to sequence positions. The node's readers, claims and GC and
 * a local client's reads use it.
 */
#ifndef PP_LMDB_CURSOR_H
#define PP_LMDB_CURSOR_H

#include "id.h"
#include "lmdb_layout.h"
#include "pipeproc.h"

/* A cursor on the logs of one topic, with the topic's record. */
typedef struct ppi_lmdb_cursor {
	MDB_cursor    *cur;
	ppi_lmdb_topic topic;
} ppi_lmdb_cursor;

/* ppi_lmdb_cursor_ends - the first and last stored ids of the cursor's
 * topic; both zero when it holds no logs. */
void ppi_lmdb_cursor_ends(ppi_lmdb_cursor *c, pp_id *first, pp_id *last);

/* Positions on the first log with seq >= `seq` / last with seq <= `seq`;
 * false when the topic has none. */
bool ppi_lmdb_cursor_seek(
    ppi_lmdb_cursor *c, uint64_t seq, MDB_val *k, MDB_val *v);
bool ppi_lmdb_cursor_seek_back(
    ppi_lmdb_cursor *c, uint64_t seq, MDB_val *k, MDB_val *v);

/* ppi_lmdb_cursor_log_id - the id of the stored log with sequence seq;
 * its ms is 0 when that log is not stored (collected, never written). */
pp_id ppi_lmdb_cursor_log_id(ppi_lmdb_cursor *c, uint64_t seq);

/*
 * ppi_lmdb_cursor_lower / _upper - a bound as a sequence position: logs
 * with seq >= *out (lower) or <= *out (upper) satisfy it. False when no
 * log can.
 */
bool ppi_lmdb_cursor_lower(
    ppi_lmdb_cursor *c, const ppi_idexpr *e, bool is_excl, uint64_t *out);
bool ppi_lmdb_cursor_upper(
    ppi_lmdb_cursor *c, const ppi_idexpr *e, bool is_excl, uint64_t *out);

#endif
