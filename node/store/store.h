/*
 * store.h - the store wing's one face (node/store/): the node's LMDB
 * store, its schema, commits, reads, collection and the writer's table
 * of systemProcs. Every file of the wing includes <lmdb.h> (through the
 * private store_impl.h); no file outside node/store/ does, and nothing
 * here speaks LMDB: every code is 0 or a PP_E* code.
 *
 * Threads: one writer (store_commit_*, store_gc_*, store_systable_*,
 * store_requests_prune), any number of readers (store_read_*,
 * store_inspect_*, store_stats_*, store_backup). Readers hold a read
 * lock on the map for the life of their short transactions so the
 * writer can grow the map.
 *
 * Names: a function's prefix names its file: store_open lives in
 * store.c, store_read_range in read.c, store_gc_step in gc.c.
 */
#ifndef PP_NODE_STORE_H
#define PP_NODE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "wire.h"

typedef struct store store;

typedef struct store_config {
	const char *dir;
	bool        is_nosync;    /* sync none/interval: the node syncs */
	uint64_t    max_body;     /* largest accepted body, bytes */
	uint64_t    map_size_max; /* 0: grow until the disk is full */
	uint64_t    map_size_initial; /* first map, bytes; 0: 256 MiB */
} store_config;

/*
 * store_open - open (creating) the environment in cfg->dir.
 * Returns 0 or PP_ESTORE / PP_EIO / PP_ENOMEM with a reason in msg.
 */
int store_open(const store_config *cfg, store **s, char *msg, size_t msglen);

/* store_close - sync and close. Accepts NULL. */
void store_close(store *s);

/*
 * store_update_fullness - after writes: is the store past its configured
 * size? Commits are then refused with PP_ESTORE_FULL (the writer only).
 */
void store_update_fullness(store *s);

/* store_sync - flush to disk (sync interval / none at shutdown). */
int store_sync(store *s);

/* store_is_nosync - commits do not sync (--sync none or interval): a
 * group costs tens of µs, not a sync (any thread). */
bool store_is_nosync(const store *s);

/* ---- writer side: one group commit at a time (commit.c) ------------- */

/* A claim deadline the writer's timer must act on. */
typedef struct store_timer {
	uint64_t deadline_ms;
	uint64_t token;
	char     name[PP_TOPIC_MAX + 1];
} store_timer;

/* What a committed transaction did, for the node's metrics. */
typedef struct store_tally {
	uint64_t commits; /* commit and ack_commit calls applied */
	uint64_t logs;    /* logs appended, dead letters included */
	uint64_t bytes;   /* their body bytes */
	uint64_t reclaims;       /* claims given back, for any reason */
	uint64_t timer_reclaims; /* ... of which by the timer */
	uint64_t dead_letters;   /* logs moved to "<topic>.dead" */
} store_tally;

/* What a group did, for the writer (timers, waking parked claims). */
typedef struct store_outcome {
	bool         has_changes; /* logs appended or released: retry parked */
	bool         has_purge;   /* a deleted topic's logs wait for purging */
	store_timer *timers;      /* claims with deadlines; free() them */
	size_t       ntimers;
	store_tally  tally;       /* zero unless the transaction committed */
} store_outcome;

/*
 * store_commit_group - apply `n` write requests (commit, proc, proc
 * admin) in one write transaction and at most one sync (none when only
 * claims were written: a lost claim is delivered again). Each request's
 * reply is written to replies[i]; is_parked[i] is set for a claim that
 * found nothing and asked to wait (its reply is not final). A storage
 * failure fails the whole group: every reply is that error.
 */
void store_commit_group(store *s, const ppi_request *const *reqs,
    ppi_buf *const *replies, bool *is_parked, size_t n, store_outcome *out);

/*
 * store_commit_expire - reclaim the claims whose timers fired (each only
 * if its token is still current), in one transaction.
 */
void store_commit_expire(
    store *s, const store_timer *timers, size_t n, store_outcome *out);

/*
 * A collection run (gc.c): one walk over the topics that applies
 * topic retention and, with is_gc, deletes logs older than cutoff_ms that
 * no proc needs, in steps. Owned by the writer thread.
 */
typedef struct store_gc_run store_gc_run;

/* store_gc_begin - a new run; ENOMEM or 0. Free it with store_gc_end(). */
int store_gc_begin(store *s, bool is_gc, uint64_t now_ms, uint64_t cutoff_ms,
    store_gc_run **run);

/*
 * store_gc_step - the run's next step: one write transaction deleting at
 * most max_logs logs, stopping after about budget_us of work (checked
 * after a deletion or a topic, so every step makes progress). *is_done
 * when the run has passed the last topic. 0 or a PP_E* code; the run may
 * go on after an error.
 */
int store_gc_step(store_gc_run *run, size_t max_logs, uint64_t budget_us,
    bool *is_done);

/* store_gc_end - free a run, finished or not. Accepts NULL. */
void store_gc_end(store_gc_run *run);

/*
 * store_gc_purge_step - delete logs of deleted topics in one transaction,
 * at most max_logs and for about budget_us; *is_done when none are left.
 * 0 or a PP_E* code.
 */
int store_gc_purge_step(store *s, size_t max_logs, uint64_t budget_us,
    bool *is_done);

/*
 * store_requests_prune - forget remembered replies (the dedupe table)
 * stored before cutoff_ms, at most `budget` in one transaction
 * (requests.c). 0 or a PP_E* code.
 */
int store_requests_prune(store *s, uint64_t cutoff_ms, size_t budget,
    size_t *deleted);

/*
 * store_producers_prune - forget producer keys last applied before
 * cutoff_ms, at most `budget` in one transaction (producers.c). 0 or a
 * PP_E* code.
 */
int store_producers_prune(store *s, uint64_t cutoff_ms, size_t budget,
    size_t *deleted);

/* store_producers_get - op producer: a key's last sequence (a reader;
 * producers.c). */
void store_producers_get(store *s, const ppi_request *req, ppi_buf *reply);

/* store_node_id - the store's stable id (32 hex digits, made when the
 * store was created); valid while the store is open. */
const char *store_node_id(const store *s);

/* store_backup - copy the store, compacted, into req->dir (a reader;
 * backup.c). */
void store_backup(store *s, const ppi_request *req, ppi_buf *reply);

/* ---- systemProcs (systable.c); the writer only ------------------------ */

/*
 * store_systable_open - load the writer's table of systemProcs from the
 * store (the writer, at its start). 0 or a PP_E* code, with a reason in
 * msg.
 */
int store_systable_open(store *s, char *msg, size_t msglen);
/* store_systable_close - free the table (the writer, at its end).
 * Accepts a store without one. */
void store_systable_close(store *s);
/* store_systable_is_dirty, store_systable_reload - a group created or
 * destroyed a systemProc: reload the table (its version grows). */
bool store_systable_is_dirty(const store *s);
int  store_systable_reload(store *s); /* 0 or a PP_E* code */
/* store_systable_is_idle - a parked sysclaim that would get nothing now:
 * no systemProc exists, its table is current and workers are not being
 * stopped. */
bool store_systable_is_idle(const store *s, const ppi_request *req);
/* store_systable_stopping - from now on workers' claims get PP_ESHUTDOWN. */
void store_systable_stopping(store *s);
/* store_systable_worker - worker `slot` runs (is_running) or not: only
 * running workers get claims. */
void store_systable_worker(store *s, uint32_t slot, bool is_running);
/*
 * store_systable_release - give back at once the claims held by worker
 * `slot` (it ended), or with is_all every claim of a systemProc proc
 * (at start-up: no worker survives its node). With `why` they count as
 * failed reclaims with that error; NULL gives them back uncounted.
 */
void store_systable_release(store *s, bool is_all, uint32_t slot,
    const char *why, store_outcome *out);

/* store_inspect_timers - every outstanding claim deadline (at start-up;
 * inspect.c). 0 or a PP_E* code; on success *timers is the caller's to
 * free(). */
int store_inspect_timers(store *s, store_timer **timers, size_t *n);

/* ---- readers (read.c, inspect.c, stats.c, backup.c) --------------------- */

/* What a range page held (for reading ahead, see spec.c). */
typedef struct store_page {
	size_t   count;
	uint64_t last_seq; /* of the last log, when count > 0 */
	bool     has_more;
} store_page;

/*
 * Each writes a complete reply frame (success or error) into reply.
 * store_read_range also describes the page in *page (zeroed on error).
 */
void store_read_range(
    store *s, const ppi_request *req, ppi_buf *reply, store_page *page);
void store_read_length(store *s, const ppi_request *req, ppi_buf *reply);
void store_read_stat(store *s, const ppi_request *req, ppi_buf *reply);
void store_read_topics(store *s, const ppi_request *req, ppi_buf *reply);
/* ops pinspect and procs (inspect.c). */
void store_inspect_proc(store *s, const ppi_request *req, ppi_buf *reply);
void store_inspect_procs(store *s, const ppi_request *req, ppi_buf *reply);

/* ---- metrics (stats.c): any thread, one short read txn per page -------- */

/*
 * store_stats_size - file size, pages in use, map size, the size limit
 * and the collection counters into the store fields of *out.
 */
void store_stats_size(store *s, pp_node_stats *out);

/*
 * store_stats_topics - calls fn for at most `max` topics after `after`
 * (exclusive; ptr NULL: from the first) in name order. *has_more tells
 * that topics remain. The strings fn gets live only during the call.
 * Returns 0, fn's non-0 return, or a PP_E* code.
 */
int store_stats_topics(store *s, const ppi_str *after, size_t max,
    int (*fn)(void *arg, const pp_topic_stats *t), void *arg,
    bool *has_more);

/* store_stats_procs - the same for procs; ages count up to now_ms. */
int store_stats_procs(store *s, const ppi_str *after, size_t max,
    uint64_t now_ms, int (*fn)(void *arg, const pp_proc_stats *p),
    void *arg, bool *has_more);

/* ---- sources and their lag (sources.c; readers) ------------------------ */

/* What the node heard last from a source's worker (node/source_lag.c). */
typedef struct store_source_report {
	char     producer[PP_PRODUCER_MAX + 1];
	uint64_t head;        /* the newest sequence upstream */
	uint64_t reported_ms; /* when it came */
	uint64_t stored_seen; /* the key's stored sequence at the reports
	                       * (the highest): a floor for when the key
	                       * is forgotten after the dedupe window */
} store_source_report;

/*
 * The reports, as the node keeps them (node/source_lag.c): get() looks up
 * the report of source `name` created at created_ms (false when there is
 * none for this incarnation of the name); seen() tells that producer
 * `key` of that source has `stored` stored now, to raise its
 * stored_seen.
 */
typedef struct store_source_reports {
	bool (*get)(const char *name, uint64_t created_ms,
	    store_source_report *out);
	void (*seen)(const char *name, uint64_t created_ms, const char *key,
	    uint64_t stored);
} store_source_reports;

/*
 * store_source_check - the creation time of source `name` (its record's),
 * to tie a report to this incarnation of the name, and the last sequence
 * stored for producer `key` (0: none), read in one transaction. Returns
 * 0, PP_ENOSYSPROC (no source of that name; a systemProc is not one) or
 * a PP_E* code of the store.
 */
int store_source_check(store *s, const ppi_str *name, const ppi_str *key,
    uint64_t *created_ms, uint64_t *stored_seq);

/*
 * store_stats_sources - calls fn for at most `max` sources after `after`
 * (exclusive; ptr NULL: from the first) in name order, each with its lag:
 * reports->get() gives its producer key and upstream head, the producer
 * table the key's stored sequence (never below the report's
 * stored_seen; reports->seen() hears it), all sources read in one
 * transaction. Ages count up to now_ms. Returns 0, fn's non-0 return, or
 * a PP_E* code.
 */
int store_stats_sources(store *s, const ppi_str *after, size_t max,
    uint64_t now_ms, const store_source_reports *reports,
    int (*fn)(void *arg, const pp_source_info *src), void *arg,
    bool *has_more);

/* ---- procs of connections (ephemeral.c; writer only) ------------------ */

/* A list of proc names; free(names) releases it. */
typedef struct store_names {
	char (*names)[PP_TOPIC_MAX + 1];
	size_t count;
} store_names;

/* store_ephemeral_list - the procs that belong to a connection (liveProcs,
 * tail -f), for a node that starts. 0, PP_ENOMEM or PP_ESTORE. */
int store_ephemeral_list(store *s, store_names *out);

/*
 * store_ephemeral_destroy - destroy those of `names` that still belong to
 * a connection, in one transaction (their parked claims then get
 * PP_ENOPROC: out->has_changes). *destroyed: how many existed. 0 or a
 * PP_E* code.
 */
int store_ephemeral_destroy(store *s, const store_names *names,
    size_t *destroyed, store_outcome *out);

#endif
