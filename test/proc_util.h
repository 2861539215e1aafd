/*
 * proc_util.h - fixtures shared by the tests of topics and procs
 * (proc_*_test.c, proc_wait_*_test.c, admin_*_test.c, gc_*_test.c,
 * live_*_test.c): commits of numbered logs, claims that must hold exactly
 * given logs, acks, proc options and small waits.
 *
 * Conventions: the log of sequence S in topic T has the body "T-S",
 * optionally padded with '.' to a fixed size, so a claim or a topic can be
 * checked by its sequences and bodies alone. Every helper that asserts
 * takes the caller's file and line (the upper-case macros pass them), so a
 * failure points at the case, not at this file.
 */
#ifndef PP_TEST_PROC_UTIL_H
#define PP_TEST_PROC_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "harness.h"

#define PROC_BODY_MAX  1100 /* longest body (padded) of a numbered log */
#define PROC_BATCH_MAX 500  /* logs per commit of COMMIT_LOGS */

/* Writes the body of log `seq` of `topic` into buf ("topic-seq", padded
 * with '.' to `pad` bytes when pad is larger); returns its length. */
size_t proc_body(
    char *buf, size_t cap, const char *topic, uint64_t seq, size_t pad);

/* Commits the logs first .. first+n-1 of `topic` (the topic must hold
 * `first` logs so far), `batch` logs per commit (0: all n in one commit,
 * so they share one millisecond); ids (may be NULL) receives their ids. */
void proc_commit_at(const char *file, int line, pp_client *c, const char *topic,
    uint64_t first, size_t n, size_t pad, size_t batch, pp_id *ids);
#define COMMIT_SEQS(c, topic, first, n, ids)                                   \
	proc_commit_at(                                                        \
	    __FILE__, __LINE__, (c), (topic), (first), (n), 0, 0, (ids))
#define COMMIT_LOGS(c, topic, first, n, pad, ids)                              \
	proc_commit_at(__FILE__, __LINE__, (c), (topic), (first), (n), (pad),  \
	    PROC_BATCH_MAX, (ids))

/* As proc_commit_at without padding, but one commit per log; returns the
 * id of the last one. */
pp_id proc_put_each_at(const char *file, int line, pp_client *c,
    const char *topic, uint64_t first, size_t n);
#define PUT_LOGS(c, topic, first, n)                                           \
	proc_put_each_at(__FILE__, __LINE__, (c), (topic), (first), (n))

/* pp_proc that must succeed and return a claim (maybe empty). */
pp_claim *proc_claim_at(const char *file, int line, pp_client *c,
    const char *topic, const char *name, const pp_proc_opts *o, int wait_ms);

/* The claim holds exactly n logs of `topic` from sequence `first`, with
 * their bodies (padded to `pad`), and nothing after them. */
void proc_check_claim_at(const char *file, int line, const pp_claim *cl,
    const char *topic, uint64_t first, size_t n, size_t pad);
#define CHECK_CLAIM(cl, topic, first, n)                                       \
	proc_check_claim_at(__FILE__, __LINE__, (cl), (topic), (first), (n), 0)

/* Claims with wait_ms 0, checks the claim as proc_check_claim_at, frees
 * it; returns its token. */
uint64_t proc_claim_expect_at(const char *file, int line, pp_client *c,
    const char *topic, const char *name, const pp_proc_opts *o, uint64_t first,
    size_t n, size_t pad);
#define CLAIM_EXPECT(c, topic, name, o, first, n)                              \
	proc_claim_expect_at(                                                  \
	    __FILE__, __LINE__, (c), (topic), (name), (o), (first), (n), 0)
#define CLAIM_PADDED(c, topic, name, o, first, n, pad)                         \
	proc_claim_expect_at(__FILE__, __LINE__, (c), (topic), (name), (o),    \
	    (first), (n), (pad))
#define CLAIM_NOTHING(c, topic, name, o)                                       \
	((void)proc_claim_expect_at(                                           \
	    __FILE__, __LINE__, (c), (topic), (name), (o), 0, 0, 0))

/* pp_ack that must succeed; returns the acked id. */
pp_id proc_ack_at(
    const char *file, int line, pp_client *c, const char *name, uint64_t token);
#define ACK(c, name, token)                                                    \
	proc_ack_at(__FILE__, __LINE__, (c), (name), (token))

/* PP_PROC_OPTS_INIT with these fields set. */
pp_proc_opts proc_opts_make(const char *offset, uint32_t count,
    int32_t max_reclaims, int64_t reclaim_timeout_ms,
    enum pp_on_max_reclaims on_max);

/* Waits until the wall clock has passed `ms`, so that the next commit gets
 * a later millisecond than a log stamped `ms`. */
void proc_wait_past_ms(uint64_t ms);

/* pp_length, 0 when the topic does not exist. */
uint64_t proc_length_or_zero(pp_client *c, const char *topic);

#endif
