/*
 * proc_ranges_test.c - the last acked range and the previous claim of a
 * proc (issue 13 item 6; PEER §8.2's lastAckedRange and
 * previousClaimedRange) against a real node: what acks, reclaims, timers
 * and dead letters do to them, that pp_procs reports what inspect does,
 * and that they survive a restart, a kill -9 and the collection of their
 * logs.
 *
 * Conventions: topic logs are committed with the body "<topic>-<seq>"
 * (proc_util.h); ids come back from the commits, so every range is
 * checked as full ids (ms and seq).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "proc_state.h"
#include "proc_util.h"

/* The range (has, first, last) is exactly first..last, or absent. */
static void
check_range_at(int line, const char *what, bool has, pp_id first,
    pp_id last, bool want_has, pp_id want_first, pp_id want_last)
{
	if (has != want_has) {
		pp_t_fail(__FILE__, line, "%s: present %d, expected %d", what,
		    has, want_has);
		return;
	}
	if (want_has && (pp_t_id_cmp(first, want_first) != 0 ||
	                    pp_t_id_cmp(last, want_last) != 0)) {
		pp_t_fail(__FILE__, line,
		    "%s: %llu-%llu..%llu-%llu, expected %llu-%llu..%llu-%llu",
		    what, (unsigned long long) first.ms,
		    (unsigned long long) first.seq,
		    (unsigned long long) last.ms, (unsigned long long) last.seq,
		    (unsigned long long) want_first.ms,
		    (unsigned long long) want_first.seq,
		    (unsigned long long) want_last.ms,
		    (unsigned long long) want_last.seq);
	}
}

#define NONE ((pp_id) { 0, 0 })
#define CHECK_ACKED(s, has, f, l)                                             \
	check_range_at(__LINE__, "last acked", (s)->i.has_last_acked,         \
	    (s)->i.last_acked_first, (s)->i.last_acked_last, (has), (f), (l))
#define CHECK_PREV(s, has, f, l)                                              \
	check_range_at(__LINE__, "previous claim", (s)->i.has_prev_claim,     \
	    (s)->i.prev_claim_first, (s)->i.prev_claim_last, (has), (f), (l))

/* pp_procs' entry for `name` equals what inspect says. */
static void
check_procs_same_at(int line, pp_client *c, const char *name)
{
	pp_proc_list *l = NULL;
	pstate        listed, inspected;
	size_t        i;
	bool          is_found = false;

	pstate_inspect_at(__FILE__, line, c, name, &inspected);
	if (pp_procs(c, &l) != 0) {
		pp_t_fail(__FILE__, line, "pp_procs failed");
		return;
	}
	for (i = 0; i < pp_proc_list_count(l); i++) {
		if (strcmp(pp_proc_list_get(l, i)->name, name) == 0) {
			pstate_copy_at(
			    __FILE__, line, &listed, pp_proc_list_get(l, i));
			is_found = true;
		}
	}
	pp_proc_list_free(l);
	if (!is_found) {
		pp_t_fail(__FILE__, line, "pp_procs has no %s", name);
		return;
	}
	pstate_eq_at(__FILE__, line, &listed, &inspected);
}

#define CHECK_PROCS_SAME(c, name) check_procs_same_at(__LINE__, (c), (name))

static void
test_ack_and_claims(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 2, -1, -1, PP_ON_MAX_DISABLE);
	pp_id        ids[7], acked;
	pstate       s;
	uint64_t     t;

	COMMIT_SEQS(n->client, "t", 0, 7, ids);
	CLAIM_NOTHING(n->client, "empty", "fresh", &o);
	INSPECT(n->client, "fresh", &s);
	CHECK_ACKED(&s, false, NONE, NONE);
	CHECK_PREV(&s, false, NONE, NONE);

	/* The first claim has no predecessor; its ack is the range. */
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	INSPECT(n->client, "p", &s);
	CHECK_ACKED(&s, false, NONE, NONE);
	CHECK_PREV(&s, false, NONE, NONE);
	acked = ACK(n->client, "p", t);
	PP_ASSERT_U64_EQ(pp_t_id_cmp(acked, ids[1]), 0);
	INSPECT(n->client, "p", &s);
	CHECK_ACKED(&s, true, ids[0], ids[1]);
	CHECK_PREV(&s, false, NONE, NONE);

	/* The second claim: the first becomes the previous one; the acked
	 * range stays until the next ack, also through a reclaim. */
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 2, 2);
	INSPECT(n->client, "p", &s);
	CHECK_ACKED(&s, true, ids[0], ids[1]);
	CHECK_PREV(&s, true, ids[0], ids[1]);
	CHECK_PROCS_SAME(n->client, "p");
	PP_PASS(pp_reclaim(n->client, "p", t, "again"));
	INSPECT(n->client, "p", &s);
	CHECK_ACKED(&s, true, ids[0], ids[1]);
	CHECK_PREV(&s, true, ids[0], ids[1]);

	/* Claimed again: the reclaimed claim is now the previous one. */
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 2, 2);
	INSPECT(n->client, "p", &s);
	CHECK_PREV(&s, true, ids[2], ids[3]);
	PP_ASSERT_TRUE(s.i.has_claim);
	PP_ASSERT_U64_EQ(pp_t_id_cmp(s.i.claim_first, ids[2]), 0);
	PP_ASSERT_U64_EQ(pp_t_id_cmp(s.i.claim_last, ids[3]), 0);
	PP_PASS(pp_ack(n->client, "p", 0, &acked));
	INSPECT(n->client, "p", &s);
	CHECK_ACKED(&s, true, ids[2], ids[3]);
	CHECK_PREV(&s, true, ids[2], ids[3]);
	PP_ASSERT_U64_EQ(s.i.next_seq, 4);
	CHECK_PROCS_SAME(n->client, "p");

	/* A failed ack (stale token) changes neither. */
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 4, 2);
	PP_FAIL(pp_ack(n->client, "p", t + 1, &acked), PP_ESTALE_CLAIM);
	INSPECT(n->client, "p", &s);
	CHECK_ACKED(&s, true, ids[2], ids[3]);
	CHECK_PREV(&s, true, ids[2], ids[3]);
	/* An ack_commit and an ack-then-claim set it as pp_ack does. */
	{
		pp_record r = { "out", "x", 1 };
		pp_id     out;
		pp_claim *cl = NULL;

		PP_PASS(pp_ack_commit(n->client, "p", t, &r, 1, &out));
		INSPECT(n->client, "p", &s);
		CHECK_ACKED(&s, true, ids[4], ids[5]);
		t = CLAIM_EXPECT(n->client, "t", "p", &o, 6, 1);
		PP_PASS(pp_ack_proc(n->client, "t", "p", t, &o, 0, &cl));
		PP_ASSERT_U64_EQ(pp_claim_count(cl), 0);
		pp_claim_free(cl);
		INSPECT(n->client, "p", &s);
		CHECK_ACKED(&s, true, ids[6], ids[6]);
		CHECK_PREV(&s, true, ids[4], ids[5]);
	}
}

static void
test_timer_and_deadletter(pp_tnode *n)
{
	pp_proc_opts timer = proc_opts_make(">", 1, -1, 200, PP_ON_MAX_DISABLE);
	pp_proc_opts dead = proc_opts_make(">", 2, 1, -1, PP_ON_MAX_DEADLETTER);
	pp_id        ids[4];
	pstate       s;
	uint64_t     t;

	COMMIT_SEQS(n->client, "t", 0, 4, ids);
	/* A claim released by the timer is the previous one next time. */
	CLAIM_EXPECT(n->client, "t", "tm", &timer, 0, 1);
	PP_WAIT_UNTIL(!proc_has_claim(n->client, "tm"), pp_t_scaled(5000));
	CLAIM_EXPECT(n->client, "t", "tm", &timer, 0, 1);
	INSPECT(n->client, "tm", &s);
	CHECK_PREV(&s, true, ids[0], ids[0]);
	CHECK_ACKED(&s, false, NONE, NONE);

	/* Dead-lettering moves the cursor past the claim: it counts as
	 * acked. max_reclaims 1: the first reclaim dead-letters. */
	t = CLAIM_EXPECT(n->client, "t", "dl", &dead, 0, 2);
	PP_PASS(pp_reclaim(n->client, "dl", t, "poison"));
	PP_WAIT_UNTIL(proc_length_or_zero(n->client, "t.dead") == 2, 5000);
	INSPECT(n->client, "dl", &s);
	CHECK_ACKED(&s, true, ids[0], ids[1]);
	PP_ASSERT_U64_EQ(s.i.next_seq, 2);
}

/*
 * Kept across a graceful restart, a kill -9 (an ack is durable once it
 * returns; the node runs with --sync always and is started directly, so
 * the test knows its pid) and the removal of their logs by retention.
 */
static void
test_restart_and_collection(void)
{
	static const char *const sync_always[] = { "--sync", "always", NULL };
	pp_proc_opts o = proc_opts_make(">", 2, -1, -1, PP_ON_MAX_DISABLE);
	pp_tnode     n;
	pp_client   *c;
	pp_id        ids[8];
	pstate       before, after;
	uint64_t     t;

	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, sync_always), 0);
	c = pp_t_connect(n.address);
	COMMIT_SEQS(c, "t", 0, 8, ids);
	ACK(c, "p", CLAIM_EXPECT(c, "t", "p", &o, 0, 2));
	t = CLAIM_EXPECT(c, "t", "p", &o, 2, 2);
	ACK(c, "p", t);
	CLAIM_EXPECT(c, "t", "p", &o, 4, 2);
	INSPECT(c, "p", &before);
	CHECK_ACKED(&before, true, ids[2], ids[3]);
	CHECK_PREV(&before, true, ids[2], ids[3]);
	pp_close(c);

	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_INT_EQ(pp_t_node_wait(&n, 10000), 0);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, sync_always), 0);
	c = pp_t_connect(n.address);
	INSPECT(c, "p", &after);
	PSTATE_EQ(&after, &before);

	/* kill -9 right after an ack returned: the ack is there. */
	PP_PASS(pp_ack(c, "p", 0, NULL));
	pp_close(c);
	pp_t_node_kill(&n, SIGKILL);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, sync_always), 0);
	c = pp_t_connect(n.address);
	INSPECT(c, "p", &after);
	CHECK_ACKED(&after, true, ids[4], ids[5]);
	CHECK_PREV(&after, true, ids[2], ids[3]);
	PP_ASSERT_U64_EQ(after.i.next_seq, 6);

	/* Retention removes every acked log: the ids stay whole. */
	PP_PASS(pp_topic_config(c, "t", 0, 2, 0));
	PP_WAIT_UNTIL(pp_t_length(c, "t") == 2, pp_t_scaled(10000));
	INSPECT(c, "p", &after);
	CHECK_ACKED(&after, true, ids[4], ids[5]);
	CHECK_PREV(&after, true, ids[2], ids[3]);
	pp_close(c);
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_INT_EQ(pp_t_node_wait(&n, 10000), 0);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("acks set the last acked range and each claim makes the "
	             "one before it the previous claim; pp_procs agrees",
	    test_ack_and_claims, 0),
	PP_NODE_CASE("a timer reclaim makes a previous claim and a dead "
	             "letter counts as acked",
	    test_timer_and_deadletter, 0),
	PP_CASE("the ranges survive a restart, a kill -9 and the collection "
	        "of their logs",
	    test_restart_and_collection, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return pp_test_main(argc, argv, cases);
}
