/*
 * store_impl.h - what the store_*.c files share: the environment, the
 * databases, key encodings and the topic record (docs/DESIGN.md §3).
 *
 *   logs key   +--------+------------------+
 *              | tid:4  | seq:8            |   value: ms:8 | body
 *              +--------+------------------+
 *   state      0x00 "schema" | 0x00 "next_tid"       (meta)
 *              0x01 cid:8 rid:8                     0x00 ms:8 reply frame
 *              0x02 proc name                       value: proc record
 *              0x03 tid:4                           (deleted topic, purging)
 *              0x04 systemProc name                 value: systemProc record
 *              topic name ([A-Za-z0-9_.-], >= '-')  value: topic record
 * All integers big-endian, so byte order is numeric order. Topics,
 * requests and meta share one database so that a small commit dirties
 * as few pages as possible: its log, one state leaf, and their parents.
 */
#ifndef PP_NODE_STORE_IMPL_H
#define PP_NODE_STORE_IMPL_H

#include <lmdb.h>
#include <pthread.h>

#include "endian.h"
#include "id.h"
#include "store.h"

#define STORE_SCHEMA 1
#define TOPIC_REC_SIZE 80
#define TOPIC_REC_SIZE_V0 56 /* before retention limits */
#define LOG_KEY_SIZE 12
#define REQUEST_KEY_SIZE 17
#define STATE_META 0x00
#define STATE_REQUEST 0x01
#define STATE_PROC 0x02
#define STATE_PURGE 0x03 /* tid of a deleted topic whose logs remain */
#define STATE_SYSTEM 0x04 /* systemProc name -> record (store_system.c) */
/* Every topic name sorts at or after this byte ('-'). */
#define STATE_FIRST_TOPIC 0x2d

struct store {
	MDB_env         *env;
	MDB_dbi          state;
	MDB_dbi          logs;
	pthread_rwlock_t map_lock; /* readers: rd; map resize: wr */
	uint64_t         map_size;
	uint64_t         map_size_max;
	uint64_t         max_body;
	bool             is_nosync; /* the env never syncs on commit */
	uint64_t         gc_collected; /* logs collected so far (atomic) */
	uint64_t         retention_dropped; /* ... over a retention limit */
	uint64_t         procs_gen;    /* bumped by proc_put (writer only):
	                                * GC reads positions again */
	uint64_t         store_limit;  /* --max-store-size; 0: none */
	bool             is_full;      /* in use past store_limit (atomic) */
	struct sys_table *systable;    /* writer only (store_system_table.c) */
};

typedef struct sys_table sys_table;

/* A topic's record (56 bytes on disk). */
typedef struct topic_rec {
	uint32_t tid;
	uint64_t next_seq;
	uint64_t count;
	uint64_t bytes;
	uint64_t last_ms;
	uint64_t created_ms;
	uint64_t max_age_ms; /* retention limits; 0: none */
	uint64_t max_count;
	uint64_t max_bytes;
} topic_rec;


void store_topic_encode(const topic_rec *t, unsigned char *out);
bool store_topic_decode(const MDB_val *v, topic_rec *t);
void store_log_key(unsigned char *key, uint32_t tid, uint64_t seq);
void store_request_key(unsigned char *key, uint64_t cid, uint64_t rid);

/*
 * A remembered reply is 0x00, the ms it was stored at (u64), then the
 * frame. Replies stored before the stamp existed are the bare frame,
 * which never starts with 0x00 (a msgpack map). store_request_frame
 * returns where the frame starts; store_request_ms the stamp (0: none).
 */
#define REQUEST_STAMP_SIZE 9
size_t   store_request_frame(const MDB_val *v);
uint64_t store_request_ms(const MDB_val *v);

/* A cursor on the logs of one topic, with the topic's record. */
typedef struct store_cursor {
	MDB_cursor *cur;
	topic_rec   topic;
} store_cursor;

/* store_cursor_ends - the first and last stored ids of the cursor's
 * topic; both zero when it holds no logs. */
void store_cursor_ends(store_cursor *c, pp_id *first, pp_id *last);

/* store_key_seq, store_val_ms - the seq of a log key, the ms of a log. */
uint64_t store_key_seq(const MDB_val *k);
uint64_t store_val_ms(const MDB_val *v);

/* Positions on the first log with seq >= `seq` / last with seq <= `seq`;
 * false when the topic has none. */
bool store_cursor_seek(store_cursor *c, uint64_t seq, MDB_val *k, MDB_val *v);
bool store_cursor_seek_back(
    store_cursor *c, uint64_t seq, MDB_val *k, MDB_val *v);

/*
 * store_cursor_lower / store_cursor_upper - a bound as a sequence
 * position: logs with seq >= *out (lower) or <= *out (upper) satisfy it.
 * False when no log can.
 */
bool store_cursor_lower(
    store_cursor *c, const ppi_idexpr *e, bool is_excl, uint64_t *out);
bool store_cursor_upper(
    store_cursor *c, const ppi_idexpr *e, bool is_excl, uint64_t *out);

/* store_error - map an LMDB/errno code to PP_E*, describing it in msg. */
int store_error(int rc, const char *what, char *msg, size_t msglen);

/* store_grow - double the map (writer only, no txn open). 0 or error. */
int store_grow(store *s);

#endif
