/*
 * proc_claim_test.c - claims against a real node (issue 3 item 2; PEER
 * §8-9 with the fixes of PEER §23.4 and 23.8): where each offset starts,
 * empty claims, one outstanding claim per proc, and blocking claims with
 * wait_ms that a commit or the reclaim timer wakes. Acks and tokens are in
 * proc_ack_test.c, reclaims in proc_reclaim_test.c, options, lists and
 * restarts in proc_admin_test.c.
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

/* ---- a client blocked in pp_proc on its own thread
 * ---------------------------- */

typedef struct waiter {
	const char  *address;
	const char  *topic;
	const char  *name;
	pp_proc_opts opts;
	int          wait_ms;
	pthread_t    th;
	atomic_bool  is_calling; /* set just before pp_proc */
	uint64_t     call_ms;    /* monotonic, just before pp_proc */
	uint64_t     return_ms;  /* monotonic, just after it returned */
	atomic_bool  is_done;
	int          rv;
	size_t       count;
	uint64_t     first_seq;
	uint64_t     token;
	char         body[PROC_BODY_MAX];
} waiter;

static void *
waiter_main(void *p)
{
	waiter         *w = p;
	pp_connect_opts o;
	pp_client      *c = NULL;
	pp_claim       *cl = NULL;
	const pp_log   *log;

	memset(&o, 0, sizeof(o));
	o.request_timeout_ms = (uint32_t)pp_t_scaled(30000);
	PP_PASS(pp_connect(w->address, &o, &c));
	w->call_ms = pp_t_mono_ms();
	atomic_store(&w->is_calling, true);
	w->rv = pp_proc(c, w->topic, w->name, &w->opts, w->wait_ms, &cl);
	w->return_ms = pp_t_mono_ms();
	if (w->rv == 0) {
		w->count = pp_claim_count(cl);
		w->token = pp_claim_token(cl);
		if (w->count > 0) {
			log = pp_claim_log(cl, 0);
			w->first_seq = log->id.seq;
			snprintf(w->body, sizeof(w->body), "%.*s",
			    (int)log->len, (const char *)log->body);
		}
		pp_claim_free(cl);
	}
	pp_close(c);
	atomic_store(&w->is_done, true);
	return (NULL);
}

static void
waiter_start(waiter *w, const char *address, const char *topic,
    const char *name, const pp_proc_opts *o, int wait_ms)
{
	memset(w, 0, sizeof(*w));
	w->address = address;
	w->topic = topic;
	w->name = name;
	w->opts = *o;
	w->wait_ms = wait_ms;
	PP_ASSERT_INT_EQ(pthread_create(&w->th, NULL, waiter_main, w), 0);
}

static void
waiter_join(waiter *w, int timeout_ms)
{
	PP_WAIT_UNTIL(atomic_load(&w->is_done), timeout_ms);
	pthread_join(w->th, NULL);
}

/* ---- offsets
 * -------------------------------------------------------------------- */

static void
test_offset_first(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 2, 10, -1, PP_ON_MAX_DISABLE);
	pp_id        ids[5], acked;
	pstate       s;
	uint64_t     t;

	COMMIT_SEQS(n->client, "t", 0, 5, ids);
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	acked = ACK(n->client, "p", t);
	PP_ASSERT_U64_EQ(acked.seq, 1);
	PP_ASSERT_U64_EQ(acked.ms, ids[1].ms);
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 2, 2);
	ACK(n->client, "p", t);
	/* One log left: a claim of count 2 holds just that one. */
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 4, 1);
	acked = ACK(n->client, "p", t);
	PP_ASSERT_U64_EQ(acked.seq, 4);
	CLAIM_NOTHING(n->client, "t", "p", &o);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_U64_EQ(s.i.next_seq, 5);
	PP_ASSERT_TRUE(!s.i.has_claim);
	PP_ASSERT_U64_EQ(s.i.lag, 0);
	CHECK_OPTS(&s, &o);
	PP_ASSERT_STR_EQ(s.topic, "t");
	/* Logs committed later continue the same cursor. */
	COMMIT_SEQS(n->client, "t", 5, 1, NULL);
	CLAIM_EXPECT(n->client, "t", "p", &o, 5, 1);
}

static void
test_offset_null_is_first(pp_tnode *n)
{
	pstate   s;

	COMMIT_SEQS(n->client, "t", 0, 3, NULL);
	/* NULL options are PP_PROC_OPTS_INIT: offset ">", count 1. */
	CLAIM_EXPECT(n->client, "t", "p", NULL, 0, 1);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_STR_EQ(s.offset, ">");
	PP_ASSERT_U64_EQ(s.i.opts.count, 1);
	PP_ASSERT_INT_EQ(s.i.opts.max_reclaims, 10);
	PP_ASSERT_INT_EQ(s.i.opts.reclaim_timeout_ms, 10000);
	PP_ASSERT_INT_EQ(s.i.opts.on_max_reclaims, PP_ON_MAX_DISABLE);
	PP_ASSERT_TRUE(s.i.has_claim);
}

static void
test_offset_new_only(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make("$>", 10, 10, -1, PP_ON_MAX_DISABLE);
	pstate       s;
	uint64_t     t;

	/* Committed just before the proc exists, most likely in the very
	 * millisecond of its creation (the peer delivered those, PEER §8.5). */
	COMMIT_SEQS(n->client, "t", 0, 3, NULL);
	CLAIM_NOTHING(n->client, "t", "p", &o);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_STR_EQ(s.offset, "$>");
	PP_ASSERT_U64_EQ(s.i.next_seq, 3);
	PP_ASSERT_U64_EQ(s.i.lag, 0);
	CLAIM_NOTHING(n->client, "t", "p", &o);
	COMMIT_SEQS(n->client, "t", 3, 2, NULL);
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 3, 2);
	ACK(n->client, "p", t);
	CLAIM_NOTHING(n->client, "t", "p", &o);
	/* On a topic that does not exist yet, every log is new. */
	CLAIM_NOTHING(n->client, "fresh", "q", &o);
	COMMIT_SEQS(n->client, "fresh", 0, 2, NULL);
	CLAIM_EXPECT(n->client, "fresh", "q", &o, 0, 2);
}

static void
test_offset_after_log(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(NULL, 10, 10, -1, PP_ON_MAX_DISABLE);
	pp_id        ids[6];
	char         off[PP_ID_STRLEN];

	/* One batch: all six logs share a millisecond, so "T-S" must start
	 * inside it (the peer skipped the rest of the millisecond). */
	COMMIT_SEQS(n->client, "t", 0, 6, ids);
	o.offset = ":2";
	CLAIM_EXPECT(n->client, "t", "by-seq", &o, 3, 3);
	o.offset = ":0";
	CLAIM_EXPECT(n->client, "t", "by-seq-0", &o, 1, 5);
	o.offset = pp_id_format(ids[3], off);
	CLAIM_EXPECT(n->client, "t", "by-id", &o, 4, 2);
	o.offset = pp_id_format(ids[0], off);
	CLAIM_EXPECT(n->client, "t", "by-id-0", &o, 1, 5);
	/* The last log: nothing yet, then what follows it. */
	o.offset = ":5";
	CLAIM_NOTHING(n->client, "t", "by-last", &o);
	COMMIT_SEQS(n->client, "t", 6, 1, NULL);
	CLAIM_EXPECT(n->client, "t", "by-last", &o, 6, 1);
}

static void
test_offset_millisecond(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(NULL, 10, 10, -1, PP_ON_MAX_DISABLE);
	pp_id        ids[5];
	char         off[32];

	/* Seq 0 in T0, seqs 1-3 in T1, seq 4 in T2, T0 < T1 < T2. */
	COMMIT_SEQS(n->client, "t", 0, 1, &ids[0]);
	proc_wait_past_ms(ids[0].ms);
	COMMIT_SEQS(n->client, "t", 1, 3, &ids[1]);
	proc_wait_past_ms(ids[1].ms);
	COMMIT_SEQS(n->client, "t", 4, 1, &ids[4]);
	PP_ASSERT_U64_CMP(ids[1].ms, >, ids[0].ms);
	PP_ASSERT_U64_EQ(ids[3].ms, ids[1].ms);
	PP_ASSERT_U64_CMP(ids[4].ms, >, ids[3].ms);

	pp_t_format(off, sizeof(off), "%" PRIu64, ids[1].ms);
	o.offset = off;
	CLAIM_EXPECT(n->client, "t", "at-t1", &o, 1, 4);
	pp_t_format(off, sizeof(off), "%" PRIu64, ids[0].ms);
	CLAIM_EXPECT(n->client, "t", "at-t0", &o, 0, 5);
	/* A millisecond without logs starts at the first log after it. */
	pp_t_format(off, sizeof(off), "%" PRIu64, ids[1].ms + 1);
	CLAIM_EXPECT(n->client, "t", "after-t1", &o, 4, 1);
	pp_t_format(off, sizeof(off), "%" PRIu64, ids[0].ms - 1000);
	CLAIM_EXPECT(n->client, "t", "long-ago", &o, 0, 5);
}

static void
test_offset_beyond_end(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(":10", 10, 10, -1, PP_ON_MAX_DISABLE);
	pstate       s;

	COMMIT_SEQS(n->client, "t", 0, 3, NULL);
	CLAIM_NOTHING(n->client, "t", "p", &o);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_STR_EQ(s.offset, ":10");
	PP_ASSERT_TRUE(!s.i.has_claim);
	PP_ASSERT_U64_EQ(s.i.lag, 0);
	/* Seqs 3..10: still nothing after log 10. */
	COMMIT_SEQS(n->client, "t", 3, 8, NULL);
	CLAIM_NOTHING(n->client, "t", "p", &o);
	COMMIT_SEQS(n->client, "t", 11, 2, NULL);
	CLAIM_EXPECT(n->client, "t", "p", &o, 11, 2);
}

static void
test_claim_nothing(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 5, 10, -1, PP_ON_MAX_DISABLE);
	pp_claim    *cl = NULL;
	pstate       s;

	/* The topic does not exist yet: the proc is created, claims
	 * nothing, and no topic is created by it. */
	PP_PASS(pp_proc(n->client, "none", "p", &o, 0, &cl));
	PP_ASSERT_TRUE(cl != NULL);
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 0);
	PP_ASSERT_TRUE(pp_claim_log(cl, 0) == NULL);
	pp_claim_free(cl);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_TRUE(!s.i.has_claim);
	PP_ASSERT_U64_EQ(s.i.next_seq, 0);
	PP_ASSERT_U64_EQ(s.i.last_claimed_ms, 0);
	PP_ASSERT_U64_EQ(s.i.lag, 0);
	PP_ASSERT_U64_EQ(s.i.oldest_unacked_ms, 0);
	{
		uint64_t len = 77;

		PP_FAIL(pp_length(n->client, "none", &len), PP_ENOTOPIC);
	}
	/* An empty claim leaves nothing to ack. */
	PP_FAIL(pp_ack(n->client, "p", 0, NULL), PP_ENOTHING_TO_ACK);
	COMMIT_SEQS(n->client, "none", 0, 1, NULL);
	CLAIM_EXPECT(n->client, "none", "p", &o, 0, 1);
	pp_claim_free(NULL);
}

/* ---- claims and acks
 * ----------------------------------------------------------- */

static void
test_one_claim_at_a_time(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 2, 10, -1, PP_ON_MAX_DISABLE);
	pp_client   *other;
	pstate       s;
	pp_id        ids[4];
	uint64_t     t;

	other = pp_t_connect(n->address);
	COMMIT_SEQS(n->client, "t", 0, 4, ids);
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	PP_ASSERT_U64_CMP(t, !=, 0);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_TRUE(s.i.has_claim);
	PP_ASSERT_U64_EQ(s.i.claim_token, t);
	PP_ASSERT_U64_EQ(s.i.claim_first.seq, 0);
	PP_ASSERT_U64_EQ(s.i.claim_first.ms, ids[0].ms);
	PP_ASSERT_U64_EQ(s.i.claim_last.seq, 1);
	PP_ASSERT_U64_EQ(s.i.claim_deadline_ms, 0);
	PP_ASSERT_U64_EQ(s.i.next_seq, 0);
	PP_ASSERT_U64_CMP(s.i.last_claimed_ms, >, 0);
	PP_ASSERT_U64_EQ(s.i.last_acked_ms, 0);
	/* Nothing else while the claim is outstanding, for any client. */
	CLAIM_NOTHING(n->client, "t", "p", &o);
	CLAIM_NOTHING(other, "t", "p", &o);
	{
		pstate again;

		INSPECT(other, "p", &again);
		PSTATE_EQ(&again, &s);
	}
	/* Any client holding the token may ack. */
	ACK(other, "p", t);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_TRUE(!s.i.has_claim);
	PP_ASSERT_U64_EQ(s.i.next_seq, 2);
	PP_ASSERT_U64_CMP(s.i.last_acked_ms, >, 0);
	t = CLAIM_EXPECT(other, "t", "p", &o, 2, 2);
	CLAIM_NOTHING(n->client, "t", "p", &o);
	ACK(n->client, "p", t);
	pp_close(other);
}

static void
test_timer_wakes_waiter(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 2, -1, 300, PP_ON_MAX_DISABLE);
	waiter       w;
	uint64_t     claimed, t;

	COMMIT_SEQS(n->client, "t", 0, 2, NULL);
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 2);
	claimed = pp_t_mono_ms();
	/* Another consumer blocks on the busy proc. */
	waiter_start(&w, n->address, "t", "p", &o, 5000);
	waiter_join(&w, 10000);
	PP_PASS(w.rv);
	PP_ASSERT_U64_EQ(w.count, 2);
	PP_ASSERT_U64_EQ(w.first_seq, 0);
	PP_ASSERT_STR_EQ(w.body, "t-0");
	PP_ASSERT_U64_CMP(w.token, !=, t);
	pp_t_diag("the waiter got the released claim %" PRIu64
	          " ms after the claim (timeout 300)",
	    w.return_ms - claimed);
	PP_ASSERT_U64_CMP(w.return_ms - claimed, <, 300 + pp_t_scaled(1000));
	/* It holds the claim now: the old token is stale. */
	PP_FAIL(pp_ack(n->client, "p", t, NULL), PP_ESTALE_CLAIM);
	ACK(n->client, "p", w.token);
}

/* ---- blocking claims
 * -------------------------------------------------------------------- */

/* A waiter blocks, then another client commits: the waiter gets the log
 * within milliseconds of the commit. */
static void
wake_on_commit(int wait_ms)
{
	pp_proc_opts o = proc_opts_make(">", 5, 10, 10000, PP_ON_MAX_DISABLE);
	pp_tnode     n;
	pp_client   *other;
	waiter       w;
	uint64_t     commit_ms;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	COMMIT_SEQS(n.client, "t", 0, 1, NULL);
	ACK(n.client, "p", CLAIM_EXPECT(n.client, "t", "p", &o, 0, 1));
	other = pp_t_connect(n.address);
	waiter_start(&w, n.address, "t", "p", &o, wait_ms);
	/* The stimulus comes once the waiter has been inside pp_proc for a
	 * while (if it was not blocked yet, it gets the log at once). */
	PP_WAIT_UNTIL(atomic_load(&w.is_calling), 10000);
	PP_WAIT_UNTIL(pp_t_mono_ms() >= w.call_ms + 200, 10000);
	PP_ASSERT_TRUE(!atomic_load(&w.is_done));
	commit_ms = pp_t_mono_ms();
	COMMIT_SEQS(other, "t", 1, 1, NULL);
	waiter_join(&w, 10000);
	PP_PASS(w.rv);
	PP_ASSERT_U64_EQ(w.count, 1);
	PP_ASSERT_U64_EQ(w.first_seq, 1);
	PP_ASSERT_STR_EQ(w.body, "t-1");
	pp_t_diag("woken %" PRIu64 " ms after the commit call",
	    w.return_ms - commit_ms);
	PP_ASSERT_U64_CMP(w.return_ms - commit_ms, <, pp_t_scaled(1000));
	ACK(other, "p", w.token);
	pp_close(other);
	pp_t_node_stop(&n);
}

static void
test_wait_wakes(void)
{
	wake_on_commit(5000);
}

static void
test_wait_forever_wakes(void)
{
	wake_on_commit(-1);
}

static void
test_wait_idle(pp_tnode *n)
{
	pp_proc_opts o = proc_opts_make(">", 1, 10, 10000, PP_ON_MAX_DISABLE);
	pp_claim    *cl = NULL;
	uint64_t     start, took;

	start = pp_t_mono_ms();
	PP_PASS(pp_proc(n->client, "t", "p", &o, 300, &cl));
	took = pp_t_mono_ms() - start;
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 0);
	pp_claim_free(cl);
	pp_t_diag("an idle wait of 300 ms took %" PRIu64 " ms", took);
	PP_ASSERT_U64_CMP(took, >=, 300 - 50);
	PP_ASSERT_U64_CMP(took, <, 300 + pp_t_scaled(2000));
	/* wait_ms 0 returns at once. */
	start = pp_t_mono_ms();
	CLAIM_NOTHING(n->client, "t", "p", &o);
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, pp_t_scaled(250));
	/* A log already there is returned at once, whatever wait_ms. */
	COMMIT_SEQS(n->client, "t", 0, 1, NULL);
	start = pp_t_mono_ms();
	PP_PASS(pp_proc(n->client, "t", "p", &o, 5000, &cl));
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, pp_t_scaled(1000));
	CHECK_CLAIM(cl, "t", 0, 1);
	pp_claim_free(cl);
	/* A waiter on a busy proc that nobody releases returns empty. */
	start = pp_t_mono_ms();
	PP_PASS(pp_proc(n->client, "t", "p", &o, 200, &cl));
	took = pp_t_mono_ms() - start;
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 0);
	pp_claim_free(cl);
	PP_ASSERT_U64_CMP(took, >=, 200 - 50);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("offset > claims from the first stored log, count logs at "
	    "a time",
	    test_offset_first, 0),
	PP_NODE_CASE("NULL options mean PP_PROC_OPTS_INIT with offset >",
	    test_offset_null_is_first, 0),
	PP_NODE_CASE("offset $> claims only logs committed after the proc was "
	    "created",
	    test_offset_new_only, 0),
	PP_NODE_CASE("offsets :S and T-S start after the named log, also "
	    "inside its millisecond",
	    test_offset_after_log, 0),
	PP_NODE_CASE("offset T starts at the first log of millisecond T",
	    test_offset_millisecond, 0),
	PP_NODE_CASE("an offset beyond the end waits for logs instead of "
	    "failing",
	    test_offset_beyond_end, 0),
	PP_NODE_CASE("a claim with nothing available is an empty claim, not an "
	    "error",
	    test_claim_nothing, 0),
	PP_NODE_CASE("while a claim is outstanding pp_proc hands out nothing "
	    "to any client",
	    test_one_claim_at_a_time, 0),
	PP_NODE_CASE("a pp_proc blocked with wait_ms receives the claim the "
	    "timer released",
	    test_timer_wakes_waiter, 0),
	PP_CASE("pp_proc with wait_ms returns a log committed by another "
	    "client at once",
	    test_wait_wakes, 0),
	PP_CASE("pp_proc with wait_ms -1 returns a log committed by another "
	    "client at once",
	    test_wait_forever_wakes, 0),
	PP_NODE_CASE("an idle pp_proc with wait_ms returns an empty claim "
	    "after about wait_ms",
	    test_wait_idle, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
