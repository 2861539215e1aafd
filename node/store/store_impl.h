/*
 * store_impl.h - what every file of the store wing (node/store/) shares:
 * the environment, the databases, key encodings and the topic record
 * (docs/DESIGN.md §3). It includes <lmdb.h>, so every file of the wing
 * does, and no file outside node/store/ includes it: store.h, the wing's
 * one face, speaks only PP_E* codes and the node's own types.
 *
 *   logs key   +--------+------------------+
 *              | tid:4  | seq:8            |   value: ms:8 | body
 *              +--------+------------------+
 *   state      0x00 "schema" | 0x00 "next_tid" | 0x00 "node_id"  (meta)
 *              0x01 cid:8 rid:8                     0x00 ms:8 reply frame
 *              0x02 proc name                       value: proc record
 *              0x03 tid:4                           (deleted topic, purging)
 *              0x04 systemProc name                 value: systemProc record
 *              topic name ([A-Za-z0-9_.-], >= '-')  value: topic record
 *   producers  producer key                         value: seq:8 ms:8
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
#include "lmdb_layout.h"
#include "store.h"

#define STORE_SCHEMA PPI_LMDB_SCHEMA
#define TOPIC_REC_SIZE PPI_LMDB_TOPIC_REC_SIZE
#define TOPIC_REC_SIZE_V0 PPI_LMDB_TOPIC_REC_SIZE_V0
#define LOG_KEY_SIZE PPI_LMDB_LOG_KEY_SIZE
#define REQUEST_KEY_SIZE 17
#define STATE_META 0x00
#define STATE_REQUEST 0x01
#define STATE_PROC 0x02
#define STATE_PURGE 0x03 /* tid of a deleted topic whose logs remain */
#define STATE_SYSTEM 0x04 /* systemProc name -> record (sys_rec.c) */
/* Every topic name sorts at or after this byte ('-'). */
#define STATE_FIRST_TOPIC PPI_LMDB_FIRST_TOPIC

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
	uint64_t         procs_gen;    /* bumped by proc_rec_put (writer only):
	                                * GC reads positions again */
	uint64_t         store_limit;  /* --max-store-size; 0: none */
	bool             is_full;      /* in use past store_limit (atomic) */
	struct sys_table *systable;    /* writer only (systable.c) */
	MDB_dbi          producers;    /* producer key -> last seq, ms */
	char             node_id[33];  /* meta "node_id", hex; set at open */
	uint64_t         readers_cleared; /* stale reader slots cleared by
	                                   * mdb_reader_check (atomic) */
};

typedef struct sys_table sys_table;

/* A topic's record: its encodings are shared with a local client's
 * reads (lib/lmdb_layout.c); the wing keeps its own short names. */
typedef ppi_lmdb_topic topic_rec;

static inline void
store_topic_encode(const topic_rec *t, unsigned char *out)
{
	ppi_lmdb_topic_encode(t, out);
}

static inline bool
store_topic_decode(const MDB_val *v, topic_rec *t)
{
	return ppi_lmdb_topic_decode(v, t);
}

static inline void
store_log_key(unsigned char *key, uint32_t tid, uint64_t seq)
{
	ppi_lmdb_log_key(key, tid, seq);
}

/* store_key_seq, store_val_ms - the seq of a log key, the ms of a log. */
static inline uint64_t
store_key_seq(const MDB_val *k)
{
	return ppi_lmdb_key_seq(k);
}

static inline uint64_t
store_val_ms(const MDB_val *v)
{
	return ppi_lmdb_val_ms(v);
}

void store_request_key(unsigned char *key, uint64_t cid, uint64_t rid);

/* store_error - map an LMDB/errno code to PP_E*, describing it in msg. */
int store_error(int rc, const char *what, char *msg, size_t msglen);

/*
 * store_write_error - a write transaction of about group_bytes failed
 * with rc: EIO when the data directory's file system has no room left
 * for it becomes ENOSPC (PP_ESTORE_FULL, issue 14 item 3); any other rc
 * is returned as it is.
 */
int store_write_error(store *s, int rc, uint64_t group_bytes);

/* store_grow - double the map (writer only, no txn open). 0 or error. */
int store_grow(store *s);

#endif
