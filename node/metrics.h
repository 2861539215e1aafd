/*
 * metrics.h - the node's counters, histograms and rates (pp_stats(3);
 * docs/DESIGN.md §9). One process-wide instance: any thread may bump it
 * at any time without a lock, so modules call these functions directly
 * instead of passing a handle around.
 *
 * Who bumps what:
 *   writer.c      metrics_group() after each group commit is durable,
 *                 metrics_tally() after the reclaim timer's transaction,
 *                 metrics_gc_run() after each collection run;
 *   store/gc.c    the store's own collected / retention counters, read
 *                 through store_stats_size();
 *   worker code   metrics_worker_restarted() each time a worker process
 *                 is replaced (supervision).
 */
#ifndef PP_NODE_METRICS_H
#define PP_NODE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "request.h"
#include "store/store.h"

/*
 * metrics_start - note the start time and start the sampler thread that
 * keeps one sample of the counters per second for the rates. Returns 0 or
 * PP_ENOMEM. Call once, before any other thread bumps a counter.
 */
int metrics_start(void);

/* metrics_stop - stop the sampler. Counters stay readable. */
void metrics_stop(void);

/* metrics_now_us - CLOCK_MONOTONIC in microseconds (for latencies). */
uint64_t metrics_now_us(void);

/*
 * metrics_group - a group commit of n requests became durable: counts
 * the group, its tallies, and the write latency of each commit request
 * (from its queued_us to now). Writer thread.
 */
void metrics_group(request *const *batch, size_t n, const store_tally *t);

/* metrics_tally - what a transaction outside a group (timer) did. */
void metrics_tally(const store_tally *t);

/* metrics_gc_run - a collection run (GC or retention) finished. */
void metrics_gc_run(void);

/*
 * metrics_worker_restarted - a worker process was replaced (it died or
 * reached --worker-restart-after). Any thread; never blocks.
 */
void metrics_worker_restarted(void);

/* metrics_waiting - how many requests are parked in the writer now
 * (writer thread, after each change). */
void metrics_waiting(size_t n);

/*
 * metrics_read - the counters, rates and histograms into *out (the store
 * fields are left alone; see stats_node()). Any thread.
 */
void metrics_read(pp_node_stats *out);

#endif
