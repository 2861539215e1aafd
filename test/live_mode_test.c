/*
 * live_mode_test.c - liveProcs delivering logs against a real node (issue
 * 4 item 4; PEER §13 with the fixes of PEER §23.13 and 23.15): live and
 * all modes, options kept by the node, batches, and settling a claim from
 * inside the callback (ack, ack_commit, reclaim, the return value).
 *
 * Conventions: topic logs are committed with the body "<topic>-<seq>"
 * (proc_util.h); a recorder (live_util.h) collects what the callbacks saw.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "proc_util.h"
#include "live_util.h"

/* ---- modes and batches --------------------------------------------------- */

static void
test_live_mode(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	const char   *name;
	recorder      r;
	pp_live      *live;

	rec_init(&r, ACT_RETURN_0, n->client);
	PUT_LOGS(n->client, "t", 0, 3);
	live = LIVE_START(n->client, "t", &o, &r);
	PUT_LOGS(n->client, "t", 3, 2);
	WAIT_LOGS(&r, 2, 5000);
	/* Everything acked: the wait says so, and nothing else came. */
	name = pp_live_proc_name(live);
	PP_PASS(pp_wait_for_procs(n->client, &name, 1, pp_t_scaled(5000)));
	PP_ASSERT_U64_EQ(rec_nlogs(&r), 2);
	CHECK_LOGS(&r, 0, "t", 3, 2);
	PP_ASSERT_U64_EQ(r.nclaims, 2);
	PP_PASS(pp_live_proc_cancel(live));
	pp_live_proc_free(live);
}

static void
test_all_mode(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_ALL, 0, 0, 0 };
	recorder      r;
	pp_live      *live;

	rec_init(&r, ACT_RETURN_0, n->client);
	PUT_LOGS(n->client, "t", 0, 3);
	live = LIVE_START(n->client, "t", &o, &r);
	WAIT_LOGS(&r, 3, 5000);
	PUT_LOGS(n->client, "t", 3, 2);
	WAIT_LOGS(&r, 5, 5000);
	CHECK_LOGS(&r, 0, "t", 0, 5);
	pp_live_proc_free(live);
}

static void
test_options_persisted(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_ALL, 3, 0, 0 };
	pp_live_opts  o2 = { PP_LIVE_NEW, 0, -1, 2500 };
	pp_proc_info  info;
	recorder      r;
	pp_live      *live, *live2;
	const char   *name;
	char          offset[16];
	size_t        i;

	rec_init(&r, ACT_RETURN_0, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	live2 = LIVE_START(n->client, "t", &o2, &r);
	/* liveproc-<32 lower-case hex digits>, different every time. */
	name = pp_live_proc_name(live);
	PP_ASSERT_INT_EQ(strlen(name), 9 + 32);
	PP_ASSERT_TRUE(strncmp(name, "liveproc-", 9) == 0);
	for (i = 9; i < 9 + 32; i++) {
		PP_ASSERT_TRUE(strchr("0123456789abcdef", name[i]) != NULL);
	}
	PP_ASSERT_TRUE(strcmp(name, pp_live_proc_name(live2)) != 0);
	PP_PASS(live_inspect(n->client, name, &info, offset, sizeof(offset)));
	PP_ASSERT_STR_EQ(offset, ">");
	PP_ASSERT_INT_EQ(info.opts.count, 3);
	PP_ASSERT_INT_EQ(info.opts.max_reclaims, 10);
	PP_ASSERT_INT_EQ(info.opts.reclaim_timeout_ms, 10000);
	PP_ASSERT_INT_EQ(info.opts.on_max_reclaims, PP_ON_MAX_CONTINUE);
	PP_ASSERT_TRUE(!info.is_disabled);
	PP_PASS(live_inspect(n->client, pp_live_proc_name(live2), &info, offset,
	    sizeof(offset)));
	PP_ASSERT_STR_EQ(offset, "$>");
	PP_ASSERT_INT_EQ(info.opts.count, 1);
	PP_ASSERT_INT_EQ(info.opts.max_reclaims, -1);
	PP_ASSERT_INT_EQ(info.opts.reclaim_timeout_ms, 2500);
	PP_ASSERT_U64_EQ(live_count_procs(n->client), 2);
	pp_live_proc_free(live);
	pp_live_proc_free(live2);
	PP_ASSERT_U64_EQ(live_count_procs(n->client), 0);
}

static void
test_batches(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_ALL, 4, 0, 0 };
	pp_record     recs[10];
	pp_id         ids[10];
	char          bodies[10][BODY_MAX];
	recorder      r;
	pp_live      *live;
	size_t        i;

	rec_init(&r, ACT_RETURN_0, n->client);
	for (i = 0; i < 10; i++) {
		recs[i].topic = "t";
		recs[i].len = (size_t)snprintf(bodies[i], BODY_MAX, "t-%zu", i);
		recs[i].body = bodies[i];
	}
	PP_PASS(pp_commit(n->client, recs, 10, ids));
	live = LIVE_START(n->client, "t", &o, &r);
	WAIT_LOGS(&r, 10, 5000);
	CHECK_LOGS(&r, 0, "t", 0, 10);
	pthread_mutex_lock(&r.mu);
	PP_ASSERT_U64_EQ(r.nclaims, 3);
	PP_ASSERT_U64_EQ(r.sizes[0], 4);
	PP_ASSERT_U64_EQ(r.sizes[1], 4);
	PP_ASSERT_U64_EQ(r.sizes[2], 2);
	pthread_mutex_unlock(&r.mu);
	pp_live_proc_free(live);
}

/* ---- settling from inside the callback ----------------------------------- */

static void
test_ack(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	pp_proc_info  info;
	recorder      r;
	pp_live      *live;
	char          offset[16];

	rec_init(&r, ACT_ACK, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	/* Outside the callback there is nothing to settle. */
	PP_FAIL(pp_live_ack(live), PP_ENOTHING_TO_ACK);
	PP_FAIL(pp_live_reclaim(live, NULL), PP_ENOTHING_TO_RECLAIM);
	PP_FAIL(pp_live_ack_commit(live, NULL, 0, NULL), PP_ENOTHING_TO_ACK);
	PUT_LOGS(n->client, "t", 0, 1);
	WAIT_LOGS(&r, 1, 5000);
	PP_PASS(r.settle_rv);
	PP_ASSERT_INT_EQ(r.second_ack_rv, PP_ENOTHING_TO_ACK);
	PP_PASS(live_inspect(n->client, pp_live_proc_name(live), &info, offset,
	    sizeof(offset)));
	PP_ASSERT_U64_EQ(info.next_seq, 1);
	PP_ASSERT_TRUE(info.last_acked_ms != 0);
	pp_live_proc_free(live);
}

static void
test_ack_commit(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_ALL, 2, 0, 0 };
	pp_proc_info  info;
	pp_t_logs     logs;
	recorder      r;
	pp_live      *live;
	const char   *name;
	char          offset[16];

	rec_init(&r, ACT_ACK_COMMIT, n->client);
	PUT_LOGS(n->client, "t", 0, 2);
	live = LIVE_START(n->client, "t", &o, &r);
	WAIT_LOGS(&r, 2, 5000);
	PP_PASS(r.settle_rv);
	PP_ASSERT_INT_EQ(r.second_ack_rv, PP_ENOTHING_TO_ACK);
	name = pp_live_proc_name(live);
	PP_PASS(pp_wait_for_procs(n->client, &name, 1, pp_t_scaled(5000)));
	/* The outputs are there, in claim order, and the cursor moved. */
	pp_t_read_all(n->client, "out", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 2);
	PP_ASSERT_STR_EQ(logs.bodies[0], "out-t-0");
	PP_ASSERT_STR_EQ(logs.bodies[1], "out-t-1");
	/* One commit with the ack: one millisecond for both outputs. */
	PP_ASSERT_U64_EQ(logs.ids[0].ms, logs.ids[1].ms);
	pp_t_logs_free(&logs);
	PP_PASS(live_inspect(n->client, name, &info, offset, sizeof(offset)));
	PP_ASSERT_U64_EQ(info.next_seq, 2);
	PP_ASSERT_TRUE(!info.has_claim);
	pp_live_proc_free(live);
}

static void
test_reclaim(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	recorder      r;
	pp_live      *live;

	rec_init(&r, ACT_RECLAIM_FIRST, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	PUT_LOGS(n->client, "t", 0, 1);
	/* Delivered twice: reclaimed, then acked. */
	WAIT_LOGS(&r, 2, 5000);
	CHECK_LOGS(&r, 0, "t", 0, 1);
	CHECK_LOGS(&r, 1, "t", 0, 1);
	PP_PASS(r.settle_rv);
	/* The first claim was settled already: its second reclaim failed;
	 * then the second delivery's ack passed. */
	PP_ASSERT_INT_EQ(r.second_ack_rv, PP_ENOTHING_TO_RECLAIM);
	PP_PASS(r.later_rv);
	PP_ASSERT_STR_EQ(r.last_error, "bad input");
	PP_ASSERT_INT_EQ(r.reclaims, 1);
	PUT_LOGS(n->client, "t", 1, 1);
	WAIT_LOGS(&r, 3, 5000);
	CHECK_LOGS(&r, 2, "t", 1, 1);
	pp_live_proc_free(live);
}

static void
test_return_nonzero(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	pp_proc_info  info;
	recorder      r;
	pp_live      *live;
	const char   *name;
	char          offset[16];

	rec_init(&r, ACT_FAIL_FIRST, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	PUT_LOGS(n->client, "t", 0, 1);
	WAIT_LOGS(&r, 2, 5000);
	CHECK_LOGS(&r, 0, "t", 0, 1);
	CHECK_LOGS(&r, 1, "t", 0, 1);
	PP_ASSERT_STR_EQ(r.last_error, "liveProc callback returned 7");
	PP_ASSERT_INT_EQ(r.reclaims, 1);
	/* The second delivery returned 0: acked. */
	name = pp_live_proc_name(live);
	PP_PASS(pp_wait_for_procs(n->client, &name, 1, pp_t_scaled(5000)));
	PP_PASS(live_inspect(n->client, name, &info, offset, sizeof(offset)));
	PP_ASSERT_U64_EQ(info.next_seq, 1);
	PP_ASSERT_INT_EQ(info.reclaims, 0);
	pp_live_proc_free(live);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("a live liveProc sees only logs committed after its "
	    "creation",
	    test_live_mode, 0),
	PP_NODE_CASE("an all liveProc sees the stored logs, then new ones, in "
	    "order",
	    test_all_mode, 0),
	PP_NODE_CASE("a liveProc's proc is named liveproc-<hex> and has the "
	    "documented options",
	    test_options_persisted, 0),
	PP_NODE_CASE("count > 1 hands the callback batches",
	    test_batches, 0),
	PP_NODE_CASE("pp_live_ack settles the claim once; outside a callback "
	    "there is nothing to settle",
	    test_ack, 0),
	PP_NODE_CASE("pp_live_ack_commit commits the outputs with the ack",
	    test_ack_commit, 0),
	PP_NODE_CASE("pp_live_reclaim delivers the same logs again with its "
	    "error visible",
	    test_reclaim, 0),
	PP_NODE_CASE("a callback returning non-zero reclaims; returning 0 acks",
	    test_return_nonzero, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
