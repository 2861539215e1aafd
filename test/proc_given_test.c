/*
 * proc_given_test.c - a proc's creation options need not be repeated
 * (issue 13 item 4): a later pp_proc() with NULL, zero or default options
 * uses the stored ones; only an option given (by value, or by its
 * PP_PROC_GIVEN_* bit) with another value than the stored one is
 * PP_EPROC_EXISTS; zero options create a proc with the defaults; a
 * request of an older library (no "given" on the wire) gives every
 * option, as before. The per-value mismatches are in proc_admin_test.c.
 *
 * Conventions: topic logs are committed with the body "<topic>-<seq>"
 * (proc_util.h), so a claim is checked by its sequences alone.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "frame_util.h"
#include "harness.h"
#include "proc_state.h"
#include "proc_util.h"

static void
test_stored_options_apply(pp_tnode *n)
{
	pp_proc_opts made = proc_opts_make(":1", 3, 2, -1, PP_ON_MAX_CONTINUE);
	pp_proc_opts zero, init = PP_PROC_OPTS_INIT, part = made;
	pstate       before, after;
	uint64_t     t;

	memset(&zero, 0, sizeof(zero));
	COMMIT_SEQS(n->client, "t", 0, 20, NULL);
	ACK(n->client, "p", CLAIM_EXPECT(n->client, "t", "p", &made, 2, 3));
	INSPECT(n->client, "p", &before);

	/* NULL, {0} and PP_PROC_OPTS_INIT: the stored count of 3. */
	ACK(n->client, "p", CLAIM_EXPECT(n->client, "t", "p", NULL, 5, 3));
	ACK(n->client, "p", CLAIM_EXPECT(n->client, "t", "p", &zero, 8, 3));
	t = CLAIM_EXPECT(n->client, "t", "p", &init, 11, 3);
	/* pp_ack_proc as well. */
	{
		pp_claim *cl = NULL;

		PP_PASS(pp_ack_proc(n->client, "t", "p", t, NULL, 0, &cl));
		CHECK_CLAIM(cl, "t", 14, 3);
		pp_claim_free(cl);
	}
	/* The stored max_reclaims and mode still rule: continue. */
	PP_PASS(pp_reclaim(n->client, "p", 0, "a"));
	CLAIM_AND_RECLAIM(n->client, "t", "p", NULL, 14, 3, "b");
	INSPECT(n->client, "p", &after);
	PP_ASSERT_TRUE(!after.i.is_disabled);
	PP_ASSERT_U64_EQ(after.i.reclaims, 2);
	CHECK_OPTS(&after, &made);

	/* A given bit chooses what is compared: count given and equal,
	 * max_reclaims not given, so its value is not looked at. */
	part.given = PP_PROC_GIVEN_COUNT;
	part.max_reclaims = 99;
	CLAIM_EXPECT(n->client, "t", "p", &part, 14, 3);
	INSPECT(n->client, "p", &after);
	CHECK_OPTS(&after, &made);
	/* ... and an option given by value that matches is fine too. */
	PP_PASS(pp_reclaim(n->client, "p", 0, NULL));
	CLAIM_EXPECT(n->client, "t", "p", &made, 14, 3);
	/* Another topic is PP_EPROC_EXISTS whatever the options. */
	{
		pp_claim *cl = NULL;

		PP_FAIL(pp_proc(n->client, "u", "p", NULL, 0, &cl),
		    PP_EPROC_EXISTS);
		PP_ASSERT_TRUE(cl == NULL);
	}
}

static void
test_zero_means_default(pp_tnode *n)
{
	pp_proc_opts zero, init = PP_PROC_OPTS_INIT, given0;
	pstate       s;
	pp_claim    *cl = NULL;

	memset(&zero, 0, sizeof(zero));
	COMMIT_SEQS(n->client, "t", 0, 3, NULL);
	CLAIM_EXPECT(n->client, "t", "z", &zero, 0, 1);
	INSPECT(n->client, "z", &s);
	CHECK_OPTS(&s, &init);
	PP_ASSERT_STR_EQ(s.offset, ">");
	/* A 0 given explicitly is taken as it is: max_reclaims 0 acts as
	 * 1 (the first reclaim applies on_max), count 0 is invalid. */
	given0 = zero;
	given0.given = PP_PROC_GIVEN_MAX_RECLAIMS | PP_PROC_GIVEN_COUNT;
	PP_FAIL(pp_proc(n->client, "t", "g", &given0, 0, &cl),
	    PP_EINVALID_OPTION);
	PP_FAIL(pp_proc_inspect(n->client, "g", NULL), PP_ENOPROC);
	given0.count = 1;
	CLAIM_AND_RECLAIM(n->client, "t", "g", &given0, 0, 1, "first");
	INSPECT(n->client, "g", &s);
	PP_ASSERT_INT_EQ(s.i.opts.max_reclaims, 0);
	PP_ASSERT_TRUE(s.i.is_disabled);
	PP_ASSERT_TRUE(cl == NULL);
}

/* The stored options still apply after a restart. */
static void
test_restart(void)
{
	pp_proc_opts made = proc_opts_make(">", 4, 3, 60000, PP_ON_MAX_DISABLE);
	pp_tnode     n;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	COMMIT_SEQS(n.client, "t", 0, 12, NULL);
	ACK(n.client, "p", CLAIM_EXPECT(n.client, "t", "p", &made, 0, 4));
	pp_t_node_stop(&n);
	pp_t_node_start(&n, NULL);
	ACK(n.client, "p", CLAIM_EXPECT(n.client, "t", "p", NULL, 4, 4));
	{
		pstate s;

		INSPECT(n.client, "p", &s);
		CHECK_OPTS(&s, &made);
	}
	pp_t_node_stop(&n);
}

/* {"v":1,"op":"proc","topic":"t","name":name,"count":count,
 *  "max_reclaims":10,"reclaim_timeout":10000,"on_max":0,"wait":0} and,
 * when given >= 0, "given". */
static void
proc_frame(frame *f, const char *name, uint64_t count, int64_t given)
{
	f_init(f);
	f_head(f, 9 + (given >= 0 ? 1 : 0), "proc");
	f_kv_str(f, "topic", "base");
	f_kv_str(f, "name", name);
	f_kv_uint(f, "count", count);
	f_kv_int(f, "max_reclaims", 10);
	f_kv_int(f, "reclaim_timeout", 10000);
	f_kv_uint(f, "on_max", 0);
	f_kv_int(f, "wait", 0);
	if (given >= 0) {
		f_kv_uint(f, "given", (uint64_t) given);
	}
}

/* What an older library sends (no "given") is compared in full. */
static void
test_wire(void)
{
	fixture fx;
	frame   f;
	reply   r;

	fx_begin(&fx, 0);
	proc_frame(&f, "w", 2, -1);
	raw_call(fx.raw, f.sb.data, f.sb.size, &r);
	PP_ASSERT_INT_EQ(reply_st(&r), 0);
	reply_free(&r);
	f_free(&f);
	PP_PASS(pp_ack(fx.n.client, "w", 0, NULL));
	/* count 1 without "given": a full comparison, as before. */
	proc_frame(&f, "w", 1, -1);
	EXPECT_FRAME(fx.raw, &f, PP_EPROC_EXISTS, "old request, other count");
	f_free(&f);
	/* count 1 with "given" 0: nothing compared, the stored count. */
	proc_frame(&f, "w", 1, 0);
	raw_call(fx.raw, f.sb.data, f.sb.size, &r);
	PP_ASSERT_INT_EQ(reply_st(&r), 0);
	reply_free(&r);
	f_free(&f);
	{
		pstate s;

		INSPECT(fx.n.client, "w", &s);
		PP_ASSERT_U64_EQ(s.i.opts.count, 2);
		PP_ASSERT_TRUE(s.i.has_claim);
		PP_ASSERT_U64_EQ(s.i.claim_last.seq, s.i.claim_first.seq);
	}
	/* ... and with its bit, compared again. */
	proc_frame(&f, "w", 1, PP_PROC_GIVEN_COUNT);
	EXPECT_FRAME(fx.raw, &f, PP_EPROC_EXISTS, "given count differs");
	f_free(&f);
	/* A "given" that is not an unsigned integer. */
	f_init(&f);
	f_head(&f, 10, "proc");
	f_kv_str(&f, "topic", "base");
	f_kv_str(&f, "name", "w");
	f_kv_uint(&f, "count", 2);
	f_kv_int(&f, "max_reclaims", 10);
	f_kv_int(&f, "reclaim_timeout", 10000);
	f_kv_uint(&f, "on_max", 0);
	f_kv_int(&f, "wait", 0);
	f_kv_str(&f, "given", "all");
	EXPECT_FRAME(fx.raw, &f, PP_EPROTO, "given of the wrong type");
	f_free(&f);
	PP_PASS(pp_ack(fx.n.client, "w", 0, NULL));
	fx_end(&fx);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("a later pp_proc with NULL, zero or default options uses "
	             "the stored ones; given bits choose what is compared",
	    test_stored_options_apply, 0),
	PP_NODE_CASE("zero options create a proc with the defaults; a 0 given "
	             "explicitly is taken as it is",
	    test_zero_means_default, 0),
	PP_CASE("the stored options apply to an option-less call after a "
	        "restart",
	    test_restart, 0),
	PP_CASE("a request without 'given' (an older library) is compared in "
	        "full; a malformed 'given' is PP_EPROTO",
	    test_wire, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return pp_test_main(argc, argv, cases);
}
