/*
 * gc_util.h - fixtures of the GC tests (gc_*_test.c): nodes with GC on and
 * a short interval, lengths and stats, waits for a length, the check that
 * a topic holds exactly given logs, and GC_PASSED, which proves a GC run
 * visited every topic after a point in time (see the GC tests' notes).
 * Helpers that assert take the caller's file and line.
 */
#ifndef PP_TEST_GC_UTIL_H
#define PP_TEST_GC_UTIL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"
#include "proc_util.h"

#define BODY_MAX 96

#define INTERVAL_MS 100 /* gc_interval_ms of every GC node here */

#define PRUNE_MS 250 /* gc_min_prune_time_ms, before scaling */

#define WAIT_MS 5000 /* deadline of a wait for GC, before scaling */

/* ---- nodes ----------------------------------------------------------------
 */

/* Options of a node with GC: interval INTERVAL_MS, the given prune time. */
pp_spawn_opts gc_opts(uint32_t prune_ms);

/* The minimum prune time of the cases, scaled like the timeouts so that a
 * slow (sanitized) run keeps the same margins. */
uint32_t prune_ms(void);

/* A node with GC every INTERVAL_MS and a minimum prune time of
 * `prune` ms. */
void start_gc_node(pp_tnode *n, uint32_t prune);

/* Body bytes of logs first..first+n-1 of `topic` ("<topic>-<seq>"). */
uint64_t gc_bytes_of(const char *topic, uint64_t first, uint64_t n);

/* pp_length that must succeed. */
uint64_t gc_length_at(
    const char *file, int line, pp_client *c, const char *topic);

/* pp_topic_stat that must succeed. */
pp_topic_info gc_stat_at(
    const char *file, int line, pp_client *c, const char *topic);

/* Polls pp_length until it is `want`; fails with the last value after
 * timeout_ms (scaled). */
void gc_wait_length_at(const char *file, int line, pp_client *c,
    const char *topic, uint64_t want, int timeout_ms);

#define WAIT_LENGTH(c, topic, want)                                            \
	gc_wait_length_at(__FILE__, __LINE__, (c), (topic), (want), WAIT_MS)

/*
 * The topic holds exactly the logs first..first+n-1 with their bodies (read
 * with pp_iter, forward and backward), pp_length is n, and pp_topic_stat
 * reports n logs, their bytes, the first and last of them and next_seq.
 */
void gc_expect_stored_at(const char *file, int line, pp_client *c,
    const char *topic, uint64_t first, uint64_t n, uint64_t next_seq);

#define EXPECT_STORED(c, topic, first, n, next_seq)                            \
	gc_expect_stored_at(                                                   \
	    __FILE__, __LINE__, (c), (topic), (first), (n), (next_seq))

/*
 * Commits a log to a fresh control topic without procs and waits until GC
 * has collected it by age. Every log committed before this call was then
 * old enough for that run, and that run visited every topic: what is still
 * stored afterwards was kept by the rules, not by timing.
 */
void gc_passed_at(const char *file, int line, pp_client *c);

#define GC_PASSED(c) gc_passed_at(__FILE__, __LINE__, (c))

/* Waits until the wall clock (the clock of log ids) reaches `ms`. */
void gc_wait_clock(uint64_t ms);

/* ---- procs -----------------------------------------------------------------
 */

pp_proc_opts gc_proc_opts(const char *offset, uint32_t count);

#endif
