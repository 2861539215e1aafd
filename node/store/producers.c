/*
 * producers.c - the producer table of idempotent producers (issue 12,
 * docs/DESIGN.md §3): per producer key, the highest producer sequence a
 * commit applied, written in the commit's own transaction.
 *
 *   producers key: the producer key (1..200 bytes of visible ASCII)
 *   value:         seq:u64 ms:u64   (last sequence applied, and when)
 *
 * A commit whose sequence is not above the key's is a duplicate: it gets
 * PP_EDUPLICATE and writes nothing. Calls of one group run one after the
 * other in the group's transaction, so two commits with one key in one
 * group see each other: the second is checked against the first.
 *
 * Keys idle for longer than the dedupe window are forgotten by
 * store_producers_prune, a bounded number per transaction, resuming
 * where the previous step stopped (as requests.c does for replies).
 */
#include <stdio.h>
#include <string.h>

#include "group.h"
#include "producers.h"
#include "prune.h"

#define PRODUCER_VAL_SIZE 16

/* Reads a key's record; *seq = *ms = 0 when there is none. An MDB code. */
static int
producer_get(MDB_txn *txn, store *s, const ppi_str *key, uint64_t *seq,
    uint64_t *ms)
{
	MDB_val k = { key->len, (void *) key->ptr }, v;
	int     rc;

	*seq = *ms = 0;
	rc         = mdb_get(txn, s->producers, &k, &v);
	if (rc == MDB_NOTFOUND) {
		return 0;
	}
	if (rc != 0) {
		return rc;
	}
	if (v.mv_size != PRODUCER_VAL_SIZE) {
		return MDB_CORRUPTED;
	}
	*seq = ppi_get_be64(v.mv_data);
	*ms  = ppi_get_be64((unsigned char *) v.mv_data + 8);
	return 0;
}

int
producers_check(group *g, const ppi_wire_call *call, int *status)
{
	uint64_t last, ms;
	int      rc;

	*status = 0;
	if (call->producer.ptr == NULL) {
		return 0;
	}
	if (!ppi_wire_producer_key_valid(call->producer.ptr,
	        call->producer.len)) {
		snprintf(g->msg, sizeof(g->msg),
		    "producer key must be 1 to %d bytes of visible ASCII",
		    PP_PRODUCER_MAX);
		*status = PP_EINVAL;
		return 0;
	}
	if (call->producer_seq == 0) {
		snprintf(g->msg, sizeof(g->msg),
		    "producer sequence must be at least 1");
		*status = PP_EINVAL;
		return 0;
	}
	if ((rc = producer_get(g->txn, g->s, &call->producer, &last, &ms)) !=
	    0) {
		return rc;
	}
	if (call->producer_seq <= last) {
		snprintf(g->msg, sizeof(g->msg),
		    "producer '%.*s': sequence %llu is not above the last "
		    "applied, %llu",
		    (int) (call->producer.len > 64 ? 64 : call->producer.len),
		    call->producer.ptr,
		    (unsigned long long) call->producer_seq,
		    (unsigned long long) last);
		*status = PP_EDUPLICATE;
	}
	return 0;
}

int
producers_record(group *g, const ppi_wire_call *call)
{
	MDB_val       k = { call->producer.len, (void *) call->producer.ptr };
	MDB_val       v;
	unsigned char val[PRODUCER_VAL_SIZE];

	if (call->producer.ptr == NULL) {
		return 0;
	}
	ppi_put_be64(val, call->producer_seq);
	ppi_put_be64(val + 8, g->now_ms);
	v.mv_size = sizeof(val);
	v.mv_data = val;
	return mdb_put(g->txn, g->s->producers, &k, &v, 0);
}

int
producers_last_seq(MDB_txn *txn, store *s, const ppi_str *key,
    uint64_t *seq)
{
	uint64_t ms;

	return producer_get(txn, s, key, seq, &ms);
}

void
store_producers_get(store *s, const ppi_request *req, ppi_buf *reply)
{
	MDB_txn *txn;
	uint64_t seq, ms;
	char     msg[256];
	int      rc;

	if (!ppi_wire_producer_key_valid(req->key.ptr, req->key.len)) {
		ppi_wire_reply_error(reply, PP_EINVAL,
		    "producer key must be 1 to 200 bytes of visible ASCII");
		return;
	}
	pthread_rwlock_rdlock(&s->map_lock);
	if ((rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn)) == 0) {
		rc = producer_get(txn, s, &req->key, &seq, &ms);
		mdb_txn_abort(txn);
	}
	pthread_rwlock_unlock(&s->map_lock);
	if (rc != 0) {
		ppi_wire_reply_error(reply,
		    store_error(rc, "producer", msg, sizeof(msg)), msg);
		return;
	}
	ppi_wire_reply_producer(reply, seq, ms);
}

/* A key is old when its last commit came before the cutoff. */
static bool
producer_is_old(const MDB_val *k, const MDB_val *v, uint64_t cutoff_ms)
{
	(void) k;
	return v->mv_size == PRODUCER_VAL_SIZE &&
	    ppi_get_be64((unsigned char *) v->mv_data + 8) < cutoff_ms;
}

/* The whole producers database, from its first key. */
static prune_walk producers_walk = { .is_old = producer_is_old };

int
store_producers_prune(store *s, uint64_t cutoff_ms, size_t budget,
    size_t *deleted)
{
	char msg[256];
	int  rc;

	producers_walk.dbi = s->producers;
	if ((rc = prune_step(s, &producers_walk, cutoff_ms, budget,
	         deleted)) == 0) {
		return 0;
	}
	return store_error(rc, "forgetting producers", msg, sizeof(msg));
}
