/*
 * proc_ack_test.c - acks and claim tokens against a real node (issue 3
 * item 2; PEER §10 with the fixes of PEER §23.9-23.10): ack, reclaim and
 * ack_commit without a claim or with a stale token change nothing, token 0
 * means the outstanding claim, and ack_commit commits its logs and acks
 * together or not at all.
 *
 * Conventions: topic logs are committed with the body "<topic>-<seq>"
 * (proc_util.h), so a claim can be checked by its sequences and bodies
 * alone. Helpers that assert take the caller's line, so a failure points
 * at the case, not at the helper.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "proc_util.h"
#include "proc_state.h"

static void
test_ack_without_claim(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 1, 10, 10000, PP_ON_MAX_DISABLE);
	pstate       before, after;
	pp_record    r = { "out", "x", 1 };
	pp_id        id = { 123, 456 };
	uint64_t     t;
	int          rv;

	/* A proc that never claimed. */
	CLAIM_NOTHING(n->client, "t", "p", &o);
	INSPECT(n->client, "p", &before);
	PP_FAIL(pp_ack(n->client, "p", 0, &id), PP_ENOTHING_TO_ACK);
	PP_ASSERT_U64_EQ(id.ms, 123);
	PP_ASSERT_U64_EQ(id.seq, 456);
	PP_FAIL(pp_reclaim(n->client, "p", 0, "x"), PP_ENOTHING_TO_RECLAIM);
	PP_FAIL(
	    pp_ack_commit(n->client, "p", 0, &r, 1, &id), PP_ENOTHING_TO_ACK);
	PP_ASSERT_U64_EQ(proc_length_or_zero(n->client, "out"), 0);
	INSPECT(n->client, "p", &after);
	PSTATE_EQ(&after, &before);

	/* A proc whose claim was acked already. */
	COMMIT_SEQS(n->client, "t", 0, 2, NULL);
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 1);
	ACK(n->client, "p", t);
	INSPECT(n->client, "p", &before);
	PP_FAIL(pp_ack(n->client, "p", 0, NULL), PP_ENOTHING_TO_ACK);
	/* The token of the acked claim: no claim, or a stale one. */
	rv = pp_ack(n->client, "p", t, NULL);
	if (rv != PP_ENOTHING_TO_ACK && rv != PP_ESTALE_CLAIM) {
		PP_FAIL_AT(
		    "ack with an acked token returned %s", pp_errname(rv));
	}
	PP_FAIL(pp_reclaim(n->client, "p", 0, NULL), PP_ENOTHING_TO_RECLAIM);
	PP_FAIL(
	    pp_ack_commit(n->client, "p", 0, &r, 1, &id), PP_ENOTHING_TO_ACK);
	PP_ASSERT_U64_EQ(proc_length_or_zero(n->client, "out"), 0);
	INSPECT(n->client, "p", &after);
	PSTATE_EQ(&after, &before);
	/* And the cursor did not move: the next log is seq 1. */
	CLAIM_EXPECT(n->client, "t", "p", &o, 1, 1);
}

static void
test_stale_token(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 2, -1, -1, PP_ON_MAX_DISABLE);
	pp_record    r = { "out", "x", 1 };
	pp_id        id = { 7, 7 };
	pstate       before, after;
	uint64_t     t1, t2;

	COMMIT_SEQS(n->client, "t", 0, 4, NULL);
	t1 = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	PP_PASS(pp_reclaim(n->client, "p", t1, "slow consumer"));
	t2 = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	PP_ASSERT_U64_CMP(t2, !=, t1);
	INSPECT(n->client, "p", &before);
	PP_ASSERT_U64_EQ(before.i.claim_token, t2);

	/* The first consumer wakes up with its expired token. */
	PP_FAIL(pp_ack(n->client, "p", t1, &id), PP_ESTALE_CLAIM);
	PP_ASSERT_U64_EQ(id.seq, 7);
	PP_FAIL(pp_reclaim(n->client, "p", t1, "late"), PP_ESTALE_CLAIM);
	PP_FAIL(pp_ack_commit(n->client, "p", t1, &r, 1, &id), PP_ESTALE_CLAIM);
	PP_ASSERT_U64_EQ(id.seq, 7);
	PP_ASSERT_U64_EQ(proc_length_or_zero(n->client, "out"), 0);
	/* A token that was never issued is stale too. */
	PP_FAIL(pp_ack(n->client, "p", t2 + 1000, NULL), PP_ESTALE_CLAIM);
	INSPECT(n->client, "p", &after);
	PSTATE_EQ(&after, &before);
	PP_ASSERT_TRUE(after.i.has_claim);
	PP_ASSERT_U64_EQ(after.i.reclaims, 1);
	PP_ASSERT_STR_EQ(after.last_error, "slow consumer");

	/* The current holder acks normally. */
	ACK(n->client, "p", t2);
	CLAIM_EXPECT(n->client, "t", "p", &o, 2, 2);
}

static void
test_token_zero(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 1, -1, -1, PP_ON_MAX_DISABLE);
	pstate       s;
	pp_id        ids[3], acked;
	uint64_t     t1, t2;

	COMMIT_SEQS(n->client, "t", 0, 3, ids);
	CLAIM_EXPECT(n->client, "t", "p", &o, 0, 1);
	acked = ACK(n->client, "p", 0);
	PP_ASSERT_U64_EQ(acked.seq, 0);
	PP_ASSERT_U64_EQ(acked.ms, ids[0].ms);
	t1 = CLAIM_EXPECT(n->client, "t", "p", &o, 1, 1);
	PP_PASS(pp_reclaim(n->client, "p", 0, NULL));
	t2 = CLAIM_EXPECT(n->client, "t", "p", &o, 1, 1);
	PP_ASSERT_U64_CMP(t2, !=, t1);
	PP_ASSERT_U64_CMP(t1, !=, 0);
	PP_ASSERT_U64_CMP(t2, !=, 0);
	acked = ACK(n->client, "p", 0);
	PP_ASSERT_U64_EQ(acked.seq, 1);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_U64_EQ(s.i.next_seq, 2);
	PP_ASSERT_U64_EQ(s.i.reclaims, 0);
}

/* ---- ack_commit
 * ---------------------------------------------------------------------- */

static void
test_ack_commit(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 2, 10, -1, PP_ON_MAX_DISABLE);
	pp_record    r[3]
	    = { { "out", "o0", 2 }, { "out2", "p0", 2 }, { "out", "o1", 2 } };
	pp_id     ids[3];
	pp_t_logs logs;
	pstate    s;
	uint64_t  t;

	COMMIT_SEQS(n->client, "in", 0, 3, NULL);
	t = CLAIM_EXPECT(n->client, "in", "p", &o, 0, 2);
	PP_PASS(pp_ack_commit(n->client, "p", t, r, 3, ids));
	PP_ASSERT_U64_EQ(ids[0].seq, 0);
	PP_ASSERT_U64_EQ(ids[1].seq, 0);
	PP_ASSERT_U64_EQ(ids[2].seq, 1);
	PP_ASSERT_U64_EQ(ids[1].ms, ids[0].ms);
	PP_ASSERT_U64_EQ(ids[2].ms, ids[0].ms);
	pp_t_read_all(n->client, "out", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 2);
	PP_ASSERT_STR_EQ(logs.bodies[0], "o0");
	PP_ASSERT_STR_EQ(logs.bodies[1], "o1");
	pp_t_logs_free(&logs);
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "out2"), 1);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_TRUE(!s.i.has_claim);
	PP_ASSERT_U64_EQ(s.i.next_seq, 2);
	PP_ASSERT_U64_CMP(s.i.last_acked_ms, >, 0);
	/* ack_commit ends a run of reclaims as an ack does. */
	t = CLAIM_EXPECT(n->client, "in", "p", &o, 2, 1);
	PP_PASS(pp_reclaim(n->client, "p", t, "e"));
	t = CLAIM_EXPECT(n->client, "in", "p", &o, 2, 1);
	PP_PASS(pp_ack_commit(n->client, "p", 0, r, 1, ids));
	PP_ASSERT_U64_EQ(ids[0].seq, 2);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 0);
	PP_ASSERT_U64_EQ(s.i.next_seq, 3);
	PP_ASSERT_U64_EQ(s.i.lag, 0);
}

static void
test_ack_commit_refused(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 1, -1, -1, PP_ON_MAX_DISABLE);
	pp_record    r[2] = { { "out", "x", 1 }, { "out", "y", 1 } };
	pp_record    bad[2] = { { "out", "x", 1 }, { "bad topic", "y", 1 } };
	pp_id        ids[2] = { { 9, 9 }, { 9, 9 } };
	pstate       before, after;
	uint64_t     t1, t2;

	COMMIT_SEQS(n->client, "in", 0, 2, NULL);
	COMMIT_SEQS(n->client, "out", 0, 1, NULL);
	t1 = CLAIM_EXPECT(n->client, "in", "p", &o, 0, 1);
	PP_PASS(pp_reclaim(n->client, "p", t1, NULL));
	t2 = CLAIM_EXPECT(n->client, "in", "p", &o, 0, 1);
	INSPECT(n->client, "p", &before);

	/* Stale token: nothing is committed and the claim stays. */
	PP_FAIL(pp_ack_commit(n->client, "p", t1, r, 2, ids), PP_ESTALE_CLAIM);
	PP_ASSERT_U64_EQ(ids[0].ms, 9);
	PP_ASSERT_U64_EQ(ids[1].seq, 9);
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "out"), 1);
	/* Nothing to commit, or a bad record: the ack does not happen. */
	PP_FAIL(pp_ack_commit(n->client, "p", t2, r, 0, ids), PP_EEMPTY);
	PP_FAIL(
	    pp_ack_commit(n->client, "p", t2, bad, 2, ids), PP_EINVALID_TOPIC);
	PP_ASSERT_U64_EQ(ids[0].ms, 9);
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "out"), 1);
	INSPECT(n->client, "p", &after);
	PSTATE_EQ(&after, &before);
	PP_ASSERT_TRUE(after.i.has_claim);
	PP_ASSERT_U64_EQ(after.i.claim_token, t2);

	PP_PASS(pp_ack_commit(n->client, "p", t2, r, 2, ids));
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "out"), 3);
	PP_ASSERT_U64_EQ(ids[0].seq, 1);
	PP_ASSERT_U64_EQ(ids[1].seq, 2);
	/* The same token again: the claim is gone, nothing is committed. */
	{
		int rv = pp_ack_commit(n->client, "p", t2, r, 2, ids);

		if (rv != PP_ENOTHING_TO_ACK && rv != PP_ESTALE_CLAIM) {
			PP_FAIL_AT(
			    "second ack_commit returned %s", pp_errname(rv));
		}
	}
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "out"), 3);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("ack, reclaim and ack_commit without a claim fail and "
	    "change nothing",
	    test_ack_without_claim, 0),
	PP_NODE_CASE("a stale claim token is refused by ack, reclaim and "
	    "ack_commit and the current claim stays",
	    test_stale_token, 0),
	PP_NODE_CASE("token 0 acks or reclaims whatever claim is outstanding",
	    test_token_zero, 0),
	PP_NODE_CASE("ack_commit commits its logs and acks the claim together",
	    test_ack_commit, 0),
	PP_NODE_CASE("ack_commit with a stale token or bad records commits "
	    "nothing and keeps the claim",
	    test_ack_commit_refused, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
