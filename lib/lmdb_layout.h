/*
 * lmdb_layout.h - the store's LMDB layout as both of its readers see it:
 * the node (node/store/, which also writes it) and a client on the
 * node's host that reads the node's environment itself (local.c). Key
 * and value encodings, the topic record and the mapping of LMDB codes to
 * PP_E* live here once (docs/DESIGN.md §3 is the normative picture).
 *
 *   logs key   +--------+------------------+
 *              | tid:4  | seq:8            |   value: ms:8 | body
 *              +--------+------------------+
 *   state      topic name ([A-Za-z0-9_.-], >= '-')  value: topic record
 *              (plus meta, requests, procs: see node/store/store_impl.h)
 *
 * Only lib/lmdb_*.c, lib/local*.c and node/store/ include this header,
 * because it includes <lmdb.h>.
 */
#ifndef PP_LMDB_LAYOUT_H
#define PP_LMDB_LAYOUT_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PPI_LMDB_SCHEMA 1
#define PPI_LMDB_TOPIC_REC_SIZE 80
#define PPI_LMDB_TOPIC_REC_SIZE_V0 56 /* before retention limits */
#define PPI_LMDB_LOG_KEY_SIZE 12
/* Every topic name sorts at or after this byte ('-'); meta, request,
 * proc, purge and systemProc keys start with a byte below it. */
#define PPI_LMDB_FIRST_TOPIC 0x2d

/* A topic's record (80 bytes on disk; 56 before retention). */
typedef struct ppi_lmdb_topic {
	uint32_t tid;
	uint64_t next_seq;
	uint64_t count;
	uint64_t bytes;
	uint64_t last_ms;
	uint64_t created_ms;
	uint64_t max_age_ms; /* retention limits; 0: none */
	uint64_t max_count;
	uint64_t max_bytes;
} ppi_lmdb_topic;

/* ppi_lmdb_topic_encode - write the 80-byte record of t to out. */
void ppi_lmdb_topic_encode(const ppi_lmdb_topic *t, unsigned char *out);

/* ppi_lmdb_topic_decode - read a topic record; false if v is not one. */
bool ppi_lmdb_topic_decode(const MDB_val *v, ppi_lmdb_topic *t);

/* ppi_lmdb_log_key - the 12-byte key of log (tid, seq). */
void ppi_lmdb_log_key(unsigned char *key, uint32_t tid, uint64_t seq);

/* ppi_lmdb_key_seq, ppi_lmdb_val_ms - the seq of a log key, the ms of a
 * log value (0 when too short). */
uint64_t ppi_lmdb_key_seq(const MDB_val *k);
uint64_t ppi_lmdb_val_ms(const MDB_val *v);

/*
 * ppi_lmdb_error - map an LMDB or errno code to a PP_E* code, writing
 * "what: LMDB's text" to msg.
 */
int ppi_lmdb_error(int rc, const char *what, char *msg, size_t msglen);

#endif
