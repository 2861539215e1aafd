/*
 * inspect.h - walking every proc in one read transaction (inspect.c),
 * for the proc listings and the metrics (stats.c).
 */
#ifndef PP_NODE_STORE_INSPECT_H
#define PP_NODE_STORE_INSPECT_H

#include "proc_rec.h"

/* What inspect_each_proc calls per proc; a non-0 return stops the walk. */
typedef int (*proc_fn)(void *arg, MDB_txn *txn, MDB_cursor *logs,
    const proc_rec *p);

/*
 * inspect_each_proc - calls fn for every proc after `after` (exclusive;
 * NULL or an absent string: from the first), in name order, in one read
 * transaction. Returns 0, fn's non-0 return, or an MDB code.
 */
int inspect_each_proc(store *s, const ppi_str *after, proc_fn fn, void *arg);

#endif
