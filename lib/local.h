/*
 * local.h - reads served by the client itself from the store of a node
 * on the same host (docs/DESIGN.md §8, "Local reads"; issue 15).
 *
 * The node names its store directory and id in the hello reply. A client
 * that dialed it over ipc:// remembers them (ppi_local_alloc) and, at
 * its first read, opens the node's LMDB environment read-only. range,
 * revrange, iterator pages, length, stat and topics are then answered
 * from it with the node's own read code (lmdb_read.c); everything else
 * still goes to the node. When the store cannot be opened (another
 * user, a directory we may not read, another LMDB format, another store
 * at that path) every read falls back to a request, silently; so does
 * every read once DIR/data.mdb is no longer the file we mapped (the
 * store was replaced: local.c).
 *
 * Design notes: one environment per store per process (LMDB forbids
 * opening one twice in a process: closing either would drop the other's
 * locks), shared by every client of the process with a reference count.
 * Each read is one short read transaction (a page at most), so a slow
 * iterator never pins pages GC freed; transactions are reset and reused
 * (MDB_NOTLS: any thread may renew any of them). A map the node grew is
 * noticed at renew (MDB_MAP_RESIZED) and remapped under the write side
 * of a lock that readers hold while their transaction is open.
 */
#ifndef PP_LOCAL_H
#define PP_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeproc.h"
#include "wire.h"

/* A reader's answer meaning "not here: send a request instead". */
#define PPI_LOCAL_FALLBACK 1

typedef struct ppi_local ppi_local;

/*
 * ppi_local_alloc - remember the store `dir` of the node with id
 * `node_id` (from its hello); nothing is opened yet. link(link_arg)
 * numbers the client's connection as ppi_transport_link does (0: none),
 * so that a store is checked for replacement only when the connection
 * changed (local.c). NULL when out of memory (the client then simply
 * reads through requests).
 */
ppi_local *ppi_local_alloc(const char *dir, const char *node_id,
    uint64_t (*link)(void *link_arg), void *link_arg);

/* ppi_local_free - release the store (closing it with its last user).
 * Accepts NULL. */
void ppi_local_free(ppi_local *l);

/* A page read locally: logs, and the buffer their bodies point into. */
typedef struct ppi_local_page {
	pp_log *logs;   /* malloc'd; free() it */
	void   *bodies; /* malloc'd (NULL when no body); free() it */
	size_t  count;
	bool    has_more;
} ppi_local_page;

/*
 * ppi_local_range - the page a range request with `args` would get.
 * Returns 0 (the caller owns pg->logs), the node's error for these
 * arguments (PP_EINVALID_TOPIC, PP_ENOTOPIC, PP_EINVALID_ID, PP_ENOMEM;
 * msg says why), or PPI_LOCAL_FALLBACK. Thread-safe.
 */
int ppi_local_range(ppi_local *l, const ppi_range_args *args,
    ppi_local_page *pg, char *msg, size_t msglen);

/*
 * ppi_local_topic - the statistics of `topic` (info->name untouched), as
 * length and stat would answer. Returns as ppi_local_range does.
 */
int ppi_local_topic(ppi_local *l, const char *topic, pp_topic_info *info,
    char *msg, size_t msglen);

/*
 * ppi_local_topics - one page of the topic list after `after` (NULL:
 * from the first), each topic handed to row() as a pp_topic_info whose
 * name lives for the call. row() returns 0 or a PP_E* code that stops
 * the walk and is returned. Returns as ppi_local_range does.
 */
int ppi_local_topics(ppi_local *l, const char *after,
    int (*row)(void *arg, const void *item), void *arg, bool *has_more,
    char *msg, size_t msglen);

#endif
