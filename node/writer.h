/*
 * writer.h - the writer thread (writer.c): every request that changes the
 * store goes through it, in group commits (docs/DESIGN.md §4), and so do
 * the claim timers, collection, purging and the workers' claims.
 */
#ifndef PP_NODE_WRITER_H
#define PP_NODE_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "request.h"
#include "store/store.h"

typedef struct writer writer;

/* Garbage collection settings of the writer (pipeproc-node --gc). */
typedef struct writer_gc {
	bool     is_enabled;
	uint64_t min_prune_ms;
	uint64_t interval_ms;
	/* How long replies of write requests are remembered for resends
	 * (--dedupe-window); 0: an hour. */
	uint64_t dedupe_window_ms;
	/* How long a proc that belongs to a connection (a liveProc's,
	 * tail -f's) outlives it (--ephemeral-grace); 0: 10 s. */
	uint64_t ephemeral_grace_ms;
} writer_gc;

/*
 * writer_start - open the writer's systemProc table and start its
 * thread. Returns 0 or a PP_E* code.
 */
int writer_start(store *s, const writer_gc *gc, writer **w);

/* writer_submit - queue a write request; its reply comes through
 * request_done() from the writer thread (any thread). On a store that
 * does not sync commits, a plain commit finding the writer idle is
 * committed and answered within this call, from the caller's thread. */
void writer_submit(writer *w, request *r);

/*
 * writer_worker_started - worker `slot` is about to start: only running
 * workers get claims (any thread; call before starting it).
 */
void writer_worker_started(writer *w, uint32_t slot);
/*
 * writer_worker_exited - worker `slot` is gone: give its claims back at
 * once, counted as failed reclaims with `why` as the error unless
 * is_planned (any thread).
 */
void writer_worker_exited(
    writer *w, uint32_t slot, bool is_planned, const char *why);
/* writer_pipe_closed - the client of connection `pipe_id` is gone: drop
 * its waiting requests (any thread). */
void writer_pipe_closed(writer *w, uint32_t pipe_id);
/* writer_stop_workers - answer workers' claims with PP_ESHUTDOWN from now
 * on, waiting ones included (any thread). */
void writer_stop_workers(writer *w);
/* writer_stop - answer everything queued, then stop the thread and close
 * the systemProc table. */
void writer_stop(writer *w);

#endif
