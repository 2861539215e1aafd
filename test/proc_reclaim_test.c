/*
 * proc_reclaim_test.c - reclaims against a real node (issue 3 item 4;
 * PEER §11 with the fixes of PEER §23.12-23.14): a reclaim hands the same
 * logs out again, every on_max_reclaims mode (dead-letter contents
 * included), and the node's timer that releases expired claims and counts
 * toward max_reclaims.
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

static bool
proc_is_disabled(pp_client *c, const char *name)
{
	pstate s;

	INSPECT(c, name, &s);
	return (s.i.is_disabled);
}

/* ---- reclaims
 * ---------------------------------------------------------------------- */

static void
test_reclaim_same_logs(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 2, -1, -1, PP_ON_MAX_DISABLE);
	pstate       s;
	uint64_t     t;

	COMMIT_SEQS(n->client, "t", 0, 5, NULL);
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	PP_PASS(pp_reclaim(n->client, "p", t, "first failure"));
	INSPECT(n->client, "p", &s);
	PP_ASSERT_TRUE(!s.i.has_claim);
	PP_ASSERT_U64_EQ(s.i.reclaims, 1);
	PP_ASSERT_U64_EQ(s.i.next_seq, 0);
	PP_ASSERT_STR_EQ(s.last_error, "first failure");
	PP_FAIL(pp_reclaim(n->client, "p", t, NULL), PP_ENOTHING_TO_RECLAIM);

	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	PP_PASS(pp_reclaim(n->client, "p", t, "second failure"));
	INSPECT(n->client, "p", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 2);
	PP_ASSERT_STR_EQ(s.last_error, "second failure");
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	PP_PASS(pp_reclaim(n->client, "p", t, NULL));
	INSPECT(n->client, "p", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 3);

	/* An ack ends the run of reclaims. */
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	ACK(n->client, "p", t);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 0);
	PP_ASSERT_U64_EQ(s.i.next_seq, 2);
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 2, 2);
	PP_PASS(pp_reclaim(n->client, "p", t, "after ack"));
	INSPECT(n->client, "p", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 1);
	PP_ASSERT_STR_EQ(s.last_error, "after ack");
	CLAIM_EXPECT(n->client, "t", "p", &o, 2, 2);
}

static void
test_max_reclaims_disable(pp_tnode *n)
{
	pp_proc_opts  o = proc_opts_make(">", 1, 3, -1, PP_ON_MAX_DISABLE);
	pp_claim     *cl = NULL;
	pp_proc_list *l = NULL;
	pstate        s;
	uint64_t      t;

	COMMIT_SEQS(n->client, "t", 0, 3, NULL);
	/* An ack in between: only reclaims in a row count. */
	CLAIM_AND_RECLAIM(n->client, "t", "p", &o, 0, 1, "r1");
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 1);
	ACK(n->client, "p", t);
	/* max_reclaims 3 (PEER §9.3, reclaims >= maxReclaims): two
	 * reclaims in a row hand the logs out again ... */
	CLAIM_AND_RECLAIM(n->client, "t", "p", &o, 1, 1, "r1");
	CLAIM_AND_RECLAIM(n->client, "t", "p", &o, 1, 1, "r2");
	INSPECT(n->client, "p", &s);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	PP_ASSERT_U64_EQ(s.i.reclaims, 2);
	/* ... the third, the M-th, disables the proc. */
	CLAIM_AND_RECLAIM(n->client, "t", "p", &o, 1, 1, "r3");
	INSPECT(n->client, "p", &s);
	PP_ASSERT_TRUE(s.i.is_disabled);
	PP_ASSERT_U64_EQ(s.i.reclaims, 3);
	PP_ASSERT_U64_EQ(s.i.next_seq, 1);
	PP_ASSERT_STR_EQ(s.last_error, "r3");
	PP_FAIL(pp_proc(n->client, "t", "p", &o, 0, &cl), PP_EPROC_DISABLED);
	PP_FAIL(pp_proc(n->client, "t", "p", &o, 200, &cl), PP_EPROC_DISABLED);
	PP_ASSERT_TRUE(cl == NULL);
	PP_FAIL(pp_reclaim(n->client, "p", 0, "x"), PP_EPROC_DISABLED);
	PP_FAIL(
	    pp_proc_disable(n->client, "p", NULL), PP_EPROC_ALREADY_DISABLED);

	/* Resume resets the reclaims; the logs are handed out again. */
	PP_PASS(pp_proc_resume(n->client, "p", &l));
	pstate_from_list_at(__FILE__, __LINE__, l, "p", &s);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	PP_ASSERT_U64_EQ(s.i.reclaims, 0);
	if (s.i.has_claim) {
		/* The disabling reclaim kept its claim (PP_ON_MAX_DISABLE:
		 * "its claim stays"): give it back. */
		PP_PASS(pp_reclaim(n->client, "p", 0, NULL));
	}
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 1, 1);
	ACK(n->client, "p", t);
	CLAIM_EXPECT(n->client, "t", "p", &o, 2, 1);
}

static void
test_max_reclaims_one_and_never(pp_tnode *n)
{
	pp_proc_opts one = proc_opts_make(">", 1, 1, -1, PP_ON_MAX_DISABLE);
	pp_proc_opts never = proc_opts_make(">", 1, -1, -1, PP_ON_MAX_DISABLE);
	pstate       s;
	int          i;

	COMMIT_SEQS(n->client, "t", 0, 2, NULL);
	CLAIM_AND_RECLAIM(n->client, "t", "one", &one, 0, 1, "once");
	INSPECT(n->client, "one", &s);
	PP_ASSERT_TRUE(s.i.is_disabled);
	PP_ASSERT_U64_EQ(s.i.reclaims, 1);
	for (i = 0; i < 25; i++) {
		CLAIM_AND_RECLAIM(n->client, "t", "never", &never, 0, 1, NULL);
	}
	INSPECT(n->client, "never", &s);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	PP_ASSERT_U64_EQ(s.i.reclaims, 25);
}

static void
test_max_reclaims_continue(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 2, 2, -1, PP_ON_MAX_CONTINUE);
	pstate       s;
	uint64_t     t;
	int          i;

	COMMIT_SEQS(n->client, "t", 0, 3, NULL);
	for (i = 0; i < 6; i++) {
		CLAIM_AND_RECLAIM(n->client, "t", "p", &o, 0, 2, "again");
	}
	INSPECT(n->client, "p", &s);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	PP_ASSERT_U64_EQ(s.i.reclaims, 6);
	PP_ASSERT_U64_EQ(s.i.next_seq, 0);
	PP_ASSERT_U64_EQ(proc_length_or_zero(n->client, "t.dead"), 0);
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	ACK(n->client, "p", t);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 0);
	CLAIM_EXPECT(n->client, "t", "p", &o, 2, 1);
}

static bool
has_bytes(const char *hay, size_t len, const char *needle)
{
	return (memmem(hay, len, needle, strlen(needle)) != NULL);
}

/* The msgpack map of a dead letter has the key "attempts" with the
 * unsigned value `n` (< 128: a positive fixint, or a uint 8). */
static bool
has_attempts(const char *hay, size_t len, unsigned n)
{
	const unsigned char *p = memmem(hay, len, "attempts", 8);
	size_t               at;

	if (p == NULL) {
		return (false);
	}
	at = (size_t)((const char *)p - hay) + 8;
	if (at < len && p[8] == n) {
		return (true);
	}
	return (at + 1 < len && p[8] == 0xcc && p[9] == n);
}

static void
test_max_reclaims_deadletter(pp_tnode *n)
{
	static const char *err = "second failure: disk on fire";
	pp_proc_opts       o = proc_opts_make(">", 2, 2, -1, PP_ON_MAX_DEADLETTER);
	pp_t_logs          dead;
	pstate             s;
	uint64_t           t;
	size_t             i;

	COMMIT_SEQS(n->client, "jobs", 0, 5, NULL);
	/* A proc with a longer name, so the body cannot match by chance. */
	CLAIM_AND_RECLAIM(
	    n->client, "jobs", "worker.dl", &o, 0, 2, "first failure");
	INSPECT(n->client, "worker.dl", &s);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	PP_ASSERT_U64_EQ(proc_length_or_zero(n->client, "jobs.dead"), 0);
	/* max_reclaims 2: the second reclaim in a row dead-letters. */
	CLAIM_AND_RECLAIM(n->client, "jobs", "worker.dl", &o, 0, 2, err);

	pp_t_read_all(n->client, "jobs.dead", NULL, false, &dead);
	PP_ASSERT_U64_EQ(dead.count, 2);
	for (i = 0; i < dead.count; i++) {
		char orig[PROC_BODY_MAX];

		snprintf(orig, sizeof(orig), "jobs-%zu", i);
		if (!has_bytes(dead.bodies[i], dead.lens[i], orig)
		    || !has_bytes(dead.bodies[i], dead.lens[i], "worker.dl")
		    || !has_bytes(dead.bodies[i], dead.lens[i], err)
		    || !has_bytes(dead.bodies[i], dead.lens[i], "jobs")
		    || !has_attempts(dead.bodies[i], dead.lens[i], 2)) {
			PP_FAIL_AT("dead letter %zu (%zu bytes) lacks the body "
			           "\"%s\", the proc, the topic, the error or "
			           "attempts 2",
			    i, dead.lens[i], orig);
		}
	}
	pp_t_logs_free(&dead);
	/* The proc moved on past the dead logs, still active. */
	INSPECT(n->client, "worker.dl", &s);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	PP_ASSERT_TRUE(!s.i.has_claim);
	PP_ASSERT_U64_EQ(s.i.next_seq, 2);
	PP_ASSERT_U64_EQ(s.i.reclaims, 0);
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "jobs"), 5);
	t = CLAIM_EXPECT(n->client, "jobs", "worker.dl", &o, 2, 2);
	ACK(n->client, "worker.dl", t);
	/* A second dead letter goes to the same topic. */
	CLAIM_AND_RECLAIM(n->client, "jobs", "worker.dl", &o, 4, 1, "a");
	CLAIM_AND_RECLAIM(n->client, "jobs", "worker.dl", &o, 4, 1, "b");
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "jobs.dead"), 3);
	CLAIM_NOTHING(n->client, "jobs", "worker.dl", &o);
	INSPECT(n->client, "worker.dl", &s);
	PP_ASSERT_U64_EQ(s.i.next_seq, 5);
}

/* ---- the reclaim timer
 * ---------------------------------------------------------------- */

static void
test_timer_releases(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 2, 10, 200, PP_ON_MAX_DISABLE);
	pstate       s;
	uint64_t     start, released, t;

	COMMIT_SEQS(n->client, "t", 0, 3, NULL);
	start = pp_t_mono_ms();
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_TRUE(s.i.has_claim);
	PP_ASSERT_U64_CMP(s.i.claim_deadline_ms, >=, s.i.last_claimed_ms + 200);
	PP_ASSERT_U64_CMP(s.i.claim_deadline_ms, <=, s.i.last_claimed_ms + 300);
	/* No client call on this proc until the timer has done its job:
	 * only inspects, which must not reclaim anything themselves. */
	PP_WAIT_UNTIL(!proc_has_claim(n->client, "p"), 3000);
	released = pp_t_mono_ms();
	pp_t_diag("released %" PRIu64 " ms after the claim (timeout 200)",
	    released - start);
	PP_ASSERT_U64_CMP(released - start, >=, 190);
	PP_ASSERT_U64_CMP(released - start, <, 200 + pp_t_scaled(1000));
	INSPECT(n->client, "p", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 1);
	PP_ASSERT_U64_EQ(s.i.next_seq, 0);
	PP_FAIL(pp_ack(n->client, "p", t, NULL), PP_ENOTHING_TO_ACK);
	/* The same logs again, under a new token. */
	PP_ASSERT_U64_CMP(CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2), !=, t);
}

static void
test_timer_counts_toward_max(pp_tnode *n)
{
	pp_proc_opts dis = proc_opts_make(">", 1, 2, 100, PP_ON_MAX_DISABLE);
	pp_proc_opts dl = proc_opts_make(">", 1, 1, 100, PP_ON_MAX_DEADLETTER);
	pstate       s;

	COMMIT_SEQS(n->client, "t", 0, 2, NULL);
	/* max_reclaims 2: the first timeout hands the log out again, the
	 * second disables the proc. */
	CLAIM_EXPECT(n->client, "t", "dis", &dis, 0, 1);
	PP_WAIT_UNTIL(!proc_has_claim(n->client, "dis"), 3000);
	INSPECT(n->client, "dis", &s);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	CLAIM_EXPECT(n->client, "t", "dis", &dis, 0, 1);
	PP_WAIT_UNTIL(proc_is_disabled(n->client, "dis"), 3000);
	INSPECT(n->client, "dis", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 2);
	/* Dead-lettering by the timer alone: max_reclaims 1, the first
	 * timeout. */
	CLAIM_EXPECT(n->client, "t", "dl", &dl, 0, 1);
	PP_WAIT_UNTIL(proc_length_or_zero(n->client, "t.dead") == 1, 3000);
	PP_WAIT_UNTIL(!proc_has_claim(n->client, "dl"), 3000);
	INSPECT(n->client, "dl", &s);
	PP_ASSERT_U64_EQ(s.i.next_seq, 1);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	CLAIM_EXPECT(n->client, "t", "dl", &dl, 1, 1);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("a reclaim hands the same logs out again and reclaims "
	    "count until an ack",
	    test_reclaim_same_logs, 0),
	PP_NODE_CASE("max_reclaims M with PP_ON_MAX_DISABLE disables at the "
	    "M-th reclaim in a row (issue 13 item 5); resume resets",
	    test_max_reclaims_disable, 0),
	PP_NODE_CASE("max_reclaims 1 disables at the first reclaim and -1 "
	    "never disables",
	    test_max_reclaims_one_and_never, 0),
	PP_NODE_CASE("PP_ON_MAX_CONTINUE keeps handing out the same logs",
	    test_max_reclaims_continue, 0),
	PP_NODE_CASE("PP_ON_MAX_DEADLETTER moves the logs to <topic>.dead with "
	    "proc, attempts and error, and moves on",
	    test_max_reclaims_deadletter, 0),
	PP_NODE_CASE("the node's timer releases an expired claim without any "
	    "client call",
	    test_timer_releases, 0),
	PP_NODE_CASE("reclaims by the timer count toward max_reclaims, disable "
	    "and dead-letter",
	    test_timer_counts_toward_max, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
