/*
 * producers.h - the producer table inside a group commit (producers.c):
 * a commit call with a producer key is checked against the key's last
 * sequence, and its sequence recorded in the transaction that applies it.
 */
#ifndef PP_NODE_STORE_PRODUCERS_H
#define PP_NODE_STORE_PRODUCERS_H

#include "group.h"

/*
 * producers_check - may `call` be applied as far as its producer key is
 * concerned? *status is 0, PP_EDUPLICATE (its sequence is not above the
 * key's last) or PP_EINVAL (a bad key or sequence), the detail in g->msg.
 * A call without a key passes. Returns an MDB code.
 */
int producers_check(group *g, const ppi_wire_call *call, int *status);

/* producers_record - the call was applied: its sequence becomes the
 * key's last (no-op without a key). An MDB code. */
int producers_record(group *g, const ppi_wire_call *call);

/* producers_last_seq - the last sequence applied for `key` in txn (0
 * when unknown or forgotten). An MDB code. */
int producers_last_seq(MDB_txn *txn, store *s, const ppi_str *key,
    uint64_t *seq);

#endif
