/*
 * local_impl.h - the shared store of local reads (local.c) as the read
 * functions (local_read.c) use it: one read transaction per read, taken
 * with ppi_local_txn_begin and given back with ppi_local_txn_end.
 */
#ifndef PP_LOCAL_IMPL_H
#define PP_LOCAL_IMPL_H

#include "lmdb_layout.h"
#include "local.h"

/* The store as one read sees it. */
typedef struct ppi_local_txn {
	MDB_txn *txn;
	MDB_dbi  state;
	MDB_dbi  logs;
} ppi_local_txn;

/*
 * ppi_local_txn_begin - open the store if not yet done and begin a read
 * transaction on it. Returns 0, or PPI_LOCAL_FALLBACK when the store
 * cannot be read here (then nothing is held).
 */
int ppi_local_txn_begin(ppi_local *l, ppi_local_txn *t);

/* ppi_local_txn_end - end a transaction begun above; cursors opened in
 * it must be closed first. */
void ppi_local_txn_end(ppi_local *l, ppi_local_txn *t);

#endif
