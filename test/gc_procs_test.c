/*
 * gc_procs_test.c - the floor procs put under collection on a real node
 * (issue 5 item 1; SPEC §3, PEER §15 with the fixes of PEER §23.2): procs
 * that never acked, hold a claim, are disabled or start later, the slowest
 * proc of a topic, and a proc created while GC runs.
 *
 * Conventions: topic logs are committed with the body "<topic>-<seq>"
 * (proc_util.h), so what remains can be checked by sequences and bodies
 * alone. Nothing sleeps for a fixed time. To show that a log is NOT
 * collected, a case commits a log to a fresh control topic without procs
 * *after* it and waits until GC has collected that control log by age
 * (GC_PASSED): the run that did so had a cutoff at or after the protected
 * log's millisecond, and visited every topic. Where a case needs logs of
 * different ages it waits for the wall clock, and every assertion that
 * depends on timing is stated so that it holds however slow the machine
 * is (a log younger than the minimum prune time when we look cannot have
 * been collected).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"
#include "proc_util.h"
#include "gc_util.h"

static void
test_never_acked_and_claims(void)
{
	pp_proc_opts one = gc_proc_opts(">", 1);
	pp_proc_opts two = gc_proc_opts(">", 2);
	pp_proc_opts all = gc_proc_opts(">", 10);
	pp_tnode     n;
	uint64_t     tok, tok_c;

	/* Procs are created before their topics' logs, so a minimum prune
	 * time of 1 ms cannot race with their creation. */
	start_gc_node(&n, 1);
	/* "never" never claimed a log and never acked. */
	CLAIM_EXPECT(n.client, "a", "never", &one, 0, 0);
	COMMIT_SEQS(n.client, "a", 0, 4, NULL);
	/* "p" acked its first claim and holds a second one. */
	CLAIM_EXPECT(n.client, "b", "p", &two, 0, 0);
	COMMIT_SEQS(n.client, "b", 0, 6, NULL);
	ACK(n.client, "p", CLAIM_EXPECT(n.client, "b", "p", &two, 0, 2));
	tok = CLAIM_EXPECT(n.client, "b", "p", &two, 2, 2);
	/* "held" holds the first log of its topic and never acked, while
	 * "ahead" has read everything (PEER §15.4 lost logs here). */
	CLAIM_EXPECT(n.client, "c", "held", &one, 0, 0);
	CLAIM_EXPECT(n.client, "c", "ahead", &all, 0, 0);
	COMMIT_SEQS(n.client, "c", 0, 3, NULL);
	tok_c = CLAIM_EXPECT(n.client, "c", "held", &one, 0, 1);
	ACK(n.client, "ahead", CLAIM_EXPECT(n.client, "c", "ahead", &all, 0, 3));
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "a", 0, 4, 4);
	EXPECT_STORED(n.client, "b", 2, 4, 6);
	EXPECT_STORED(n.client, "c", 0, 3, 3);

	/* After the ack the logs before the cursor go, the rest stays. */
	ACK(n.client, "p", tok);
	WAIT_LENGTH(n.client, "b", 2);
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "b", 4, 2, 6);
	ACK(n.client, "held", tok_c);
	WAIT_LENGTH(n.client, "c", 2);
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "c", 1, 2, 3);
	/* The next claim pins its logs again until acked. */
	tok = CLAIM_EXPECT(n.client, "b", "p", &two, 4, 2);
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "b", 4, 2, 6);
	ACK(n.client, "p", tok);
	WAIT_LENGTH(n.client, "b", 0);
	EXPECT_STORED(n.client, "b", 6, 0, 6);
	/* "never" still pins all of "a" ... */
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "a", 0, 4, 4);
	/* ... until it acks. */
	ACK(n.client, "never", CLAIM_EXPECT(n.client, "a", "never", &one, 0, 1));
	WAIT_LENGTH(n.client, "a", 3);
	EXPECT_STORED(n.client, "a", 1, 3, 4);
	pp_t_node_stop(&n);
}

static void
test_disabled_proc(void)
{
	pp_proc_opts two = gc_proc_opts(">", 2);
	pp_tnode     n;
	uint64_t     tok;

	start_gc_node(&n, 1);
	/* "d" acked two logs, then was disabled without a claim. */
	CLAIM_EXPECT(n.client, "t", "d", &two, 0, 0);
	COMMIT_SEQS(n.client, "t", 0, 6, NULL);
	ACK(n.client, "d", CLAIM_EXPECT(n.client, "t", "d", &two, 0, 2));
	PP_PASS(pp_proc_disable(n.client, "d", NULL));
	/* "e" never acked and was disabled holding its first claim. */
	CLAIM_EXPECT(n.client, "u", "e", &two, 0, 0);
	COMMIT_SEQS(n.client, "u", 0, 3, NULL);
	tok = CLAIM_EXPECT(n.client, "u", "e", &two, 0, 2);
	PP_PASS(pp_proc_disable(n.client, "e", NULL));
	GC_PASSED(n.client);
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "t", 2, 4, 6);
	EXPECT_STORED(n.client, "u", 0, 3, 3);

	/* Resumed and acked, "e" releases what it read. */
	PP_PASS(pp_proc_resume(n.client, "e", NULL));
	ACK(n.client, "e", tok);
	WAIT_LENGTH(n.client, "u", 1);
	EXPECT_STORED(n.client, "u", 2, 1, 3);
	/* Destroyed, "d" pins nothing: "t" is a topic without procs. */
	PP_PASS(pp_proc_destroy(n.client, "d", NULL));
	WAIT_LENGTH(n.client, "t", 0);
	EXPECT_STORED(n.client, "t", 6, 0, 6);
	pp_t_node_stop(&n);
}

static void
test_later_start(void)
{
	pp_proc_opts newest = gc_proc_opts("$>", 10);
	pp_proc_opts at_ms;
	pp_tnode     n;
	pp_id        ids[2];
	char         offset[PP_ID_STRLEN];
	uint64_t     t;

	start_gc_node(&n, 1);
	/* "$>": the logs before its creation are not needed by it (GC may
	 * take them even before it exists). */
	COMMIT_SEQS(n.client, "t", 0, 3, NULL);
	CLAIM_EXPECT(n.client, "t", "new", &newest, 0, 0);
	COMMIT_SEQS(n.client, "t", 3, 3, NULL);
	/* "T": starts at the first log of millisecond T, after a first
	 * batch; it never acked and is resolved against the topic. */
	COMMIT_SEQS(n.client, "u", 0, 2, ids);
	t = ids[1].ms + 1;
	snprintf(offset, sizeof(offset), "%" PRIu64, t);
	at_ms = gc_proc_opts(offset, 1);
	CLAIM_EXPECT(n.client, "u", "at", &at_ms, 0, 0);
	gc_wait_clock(t);
	COMMIT_SEQS(n.client, "u", 2, 3, NULL);

	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "t", 3, 3, 6);
	EXPECT_STORED(n.client, "u", 2, 3, 5);
	/* Claimed, they are still pinned; acked, they go. */
	CLAIM_EXPECT(n.client, "u", "at", &at_ms, 2, 1);
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "u", 2, 3, 5);
	ACK(n.client, "new", CLAIM_EXPECT(n.client, "t", "new", &newest, 3, 3));
	WAIT_LENGTH(n.client, "t", 0);
	ACK(n.client, "at", 0);
	WAIT_LENGTH(n.client, "u", 2);
	EXPECT_STORED(n.client, "u", 3, 2, 5);
	pp_t_node_stop(&n);
}

static void
test_slowest_proc_is_the_floor(void)
{
	pp_proc_opts all = gc_proc_opts(">", 10);
	pp_proc_opts three = gc_proc_opts(">", 3);
	pp_proc_opts one = gc_proc_opts(">", 1);
	pp_tnode     n;

	start_gc_node(&n, 1);
	CLAIM_EXPECT(n.client, "t", "fast", &all, 0, 0);
	CLAIM_EXPECT(n.client, "t", "slow", &three, 0, 0);
	/* A proc of another topic is no floor for "t". */
	CLAIM_EXPECT(n.client, "u", "elsewhere", &one, 0, 0);
	COMMIT_SEQS(n.client, "t", 0, 10, NULL);
	COMMIT_SEQS(n.client, "u", 0, 2, NULL);
	ACK(n.client, "fast", CLAIM_EXPECT(n.client, "t", "fast", &all, 0, 10));
	ACK(n.client, "slow", CLAIM_EXPECT(n.client, "t", "slow", &three, 0, 3));
	WAIT_LENGTH(n.client, "t", 7);
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "t", 3, 7, 10);
	EXPECT_STORED(n.client, "u", 0, 2, 2);

	ACK(n.client, "slow", CLAIM_EXPECT(n.client, "t", "slow", &three, 3, 3));
	WAIT_LENGTH(n.client, "t", 4);
	EXPECT_STORED(n.client, "t", 6, 4, 10);
	/* Now "fast" lags behind on new logs: it is the floor. */
	COMMIT_SEQS(n.client, "t", 10, 2, NULL);
	ACK(n.client, "slow", CLAIM_EXPECT(n.client, "t", "slow", &three, 6, 3));
	ACK(n.client, "slow", CLAIM_EXPECT(n.client, "t", "slow", &three, 9, 3));
	WAIT_LENGTH(n.client, "t", 2);
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "t", 10, 2, 12);
	ACK(n.client, "fast", CLAIM_EXPECT(n.client, "t", "fast", &all, 10, 2));
	WAIT_LENGTH(n.client, "t", 0);
	EXPECT_STORED(n.client, "u", 0, 2, 2);
	pp_t_node_stop(&n);
}

/*
 * GC reads proc positions once per run and again only after a proc record
 * was written (store_gc.c): a proc created while a run is collecting its
 * topic must pin what is left from the next step on (issue 5 item 1).
 */
static void
test_proc_created_during_a_run(void)
{
	enum { TOTAL = 100000, BATCH = 10000 };
	pp_proc_opts one = gc_proc_opts(">", 1);
	pp_claim    *cl = NULL;
	pp_tnode     n;
	uint64_t     left, deadline;
	size_t       i;

	start_gc_node(&n, 1);
	/* "hold" keeps GC off every log while they are committed. */
	CLAIM_EXPECT(n.client, "big", "hold", &one, 0, 0);
	for (i = 0; i < TOTAL / BATCH; i++) {
		COMMIT_SEQS(n.client, "big", i * BATCH, BATCH, NULL);
	}
	PP_PASS(pp_proc_destroy(n.client, "hold", NULL));
	/* Wait until GC has begun on them, then pin the rest. */
	deadline = pp_t_mono_ms() + (uint64_t)pp_t_scaled(WAIT_MS);
	while (gc_length_at(__FILE__, __LINE__, n.client, "big") == TOTAL) {
		if (pp_t_mono_ms() > deadline) {
			PP_FAIL_AT("GC did not start on \"big\"");
		}
		pp_t_nap();
	}
	PP_PASS(pp_proc(n.client, "big", "late", &one, 0, &cl));
	pp_claim_free(cl);
	left = gc_length_at(__FILE__, __LINE__, n.client, "big");
	pp_t_diag("\"late\" pinned %" PRIu64 " of %d logs", left, TOTAL);
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "big", TOTAL - left, left, TOTAL);
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_CASE("a proc that never acked pins every log, a claim pins its "
	    "logs, and an ack releases what is before the cursor",
	    test_never_acked_and_claims, 0),
	PP_CASE("a disabled proc pins its position until resumed and acked or "
	    "destroyed",
	    test_disabled_proc, 0),
	PP_CASE("a proc starting with $> or at a later millisecond does not "
	    "pin the logs before its start",
	    test_later_start, 0),
	PP_CASE("the slowest proc of a topic is the floor and procs of other "
	    "topics are not",
	    test_slowest_proc_is_the_floor, 0),
	PP_CASE("a proc created while GC collects its topic pins what is left "
	    "from the next step on",
	    test_proc_created_during_a_run, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
