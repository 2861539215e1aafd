/*
 * proc_admin_test.c - managing procs against a real node (issue 3 items 2
 * and 4; PEER §8 and §11): unknown procs, option validation and stored
 * options, disable/resume/destroy, pp_procs with lag, and what survives a
 * restart. Crashes are in proc_crash_test.c.
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

/* pp_procs into an array of states; returns the count. */
static size_t
pstate_procs_at(int line, pp_client *c, pstate *out, size_t max)
{
	pp_proc_list *l = NULL;
	size_t        i, n;
	int           rv;

	if ((rv = pp_procs(c, &l)) != 0) {
		pp_t_fail(
		    __FILE__, line, "pp_procs returned %s", pp_errname(rv));
	}
	n = pp_proc_list_count(l);
	if (n > max) {
		pp_t_fail(
		    __FILE__, line, "%zu procs, expected at most %zu", n, max);
	}
	for (i = 0; i < n; i++) {
		pstate_copy_at(__FILE__, line, &out[i], pp_proc_list_get(l, i));
	}
	if (pp_proc_list_get(l, n) != NULL) {
		pp_t_fail(__FILE__, line, "pp_proc_list_get(count) not NULL");
	}
	pp_proc_list_free(l);
	return (n);
}

#define PROCS(c, out, max) pstate_procs_at(__LINE__, (c), (out), (max))

static void
test_unknown_proc(pp_tnode *n)
{
	pp_proc_list *l = (pp_proc_list *)n;
	pp_record     r = { "out", "x", 1 };
	pp_id         id;

	CLAIM_NOTHING(n->client, "t", "exists", NULL);
	PP_FAIL(pp_ack(n->client, "nope", 0, &id), PP_ENOPROC);
	PP_FAIL(pp_ack(n->client, "nope", 5, &id), PP_ENOPROC);
	PP_FAIL(pp_reclaim(n->client, "nope", 0, "e"), PP_ENOPROC);
	PP_FAIL(pp_ack_commit(n->client, "nope", 0, &r, 1, &id), PP_ENOPROC);
	PP_ASSERT_U64_EQ(proc_length_or_zero(n->client, "out"), 0);
	PP_FAIL(pp_proc_inspect(n->client, "nope", &l), PP_ENOPROC);
	PP_FAIL(pp_proc_disable(n->client, "nope", &l), PP_ENOPROC);
	PP_FAIL(pp_proc_resume(n->client, "nope", &l), PP_ENOPROC);
	PP_FAIL(pp_proc_destroy(n->client, "nope", &l), PP_ENOPROC);
	PP_ASSERT_TRUE(l == (pp_proc_list *)n);
	PP_FAIL(pp_proc_inspect(n->client, "nope", NULL), PP_ENOPROC);
	/* The list out parameter may be NULL on success too. */
	PP_PASS(pp_proc_inspect(n->client, "exists", NULL));
	PP_PASS(pp_proc_disable(n->client, "exists", NULL));
	PP_PASS(pp_proc_resume(n->client, "exists", NULL));
	PP_PASS(pp_proc_destroy(n->client, "exists", NULL));
	PP_FAIL(pp_proc_inspect(n->client, "exists", NULL), PP_ENOPROC);
	pp_proc_list_free(NULL);
}

/* ---- options
 * --------------------------------------------------------------------- */

typedef struct bad_call {
	const char  *what;
	const char  *topic;
	const char  *name;
	pp_proc_opts o;
	int          expect;
} bad_call;

static void
test_invalid_options(pp_tnode *n)
{
	static char  long_name[202], max_name[201];
	pp_proc_opts d = PP_PROC_OPTS_INIT;
	bad_call     bad[32];
	pp_claim    *cl;
	pstate       s[4];
	size_t       nb = 0, i;

	memset(long_name, 'n', 201);
	memset(max_name, 'm', 200);
#define BAD(w, t, nm, e)                                                       \
	do {                                                                   \
		bad[nb].what = (w);                                            \
		bad[nb].topic = (t);                                           \
		bad[nb].name = (nm);                                           \
		bad[nb].o = d;                                                 \
		bad[nb].expect = (e);                                          \
		nb++;                                                          \
	} while (0)
	/* A 0 means the default unless it is given explicitly. */
	BAD("count 0 given", "t", "c0", PP_EINVALID_OPTION);
	bad[nb - 1].o.count = 0;
	bad[nb - 1].o.given = PP_PROC_GIVEN_COUNT;
	BAD("count 100001", "t", "c100001", PP_EINVALID_OPTION);
	bad[nb - 1].o.count = 100001;
	BAD("reclaim_timeout_ms 0 given", "t", "rt0", PP_EINVALID_OPTION);
	bad[nb - 1].o.reclaim_timeout_ms = 0;
	bad[nb - 1].o.given = PP_PROC_GIVEN_RECLAIM_TIMEOUT;
	BAD("reclaim_timeout_ms -2", "t", "rtm2", PP_EINVALID_OPTION);
	bad[nb - 1].o.reclaim_timeout_ms = -2;
	BAD("max_reclaims -2", "t", "mrm2", PP_EINVALID_OPTION);
	bad[nb - 1].o.max_reclaims = -2;
	BAD("on_max_reclaims 3", "t", "om3", PP_EINVALID_OPTION);
	bad[nb - 1].o.on_max_reclaims = (enum pp_on_max_reclaims)3;
	BAD("on_max_reclaims 77", "t", "om77", PP_EINVALID_OPTION);
	bad[nb - 1].o.on_max_reclaims = (enum pp_on_max_reclaims)77;
	BAD("offset abc", "t", "oabc", PP_EINVALID_ID);
	bad[nb - 1].o.offset = "abc";
	BAD("offset <", "t", "olt", PP_EINVALID_ID);
	bad[nb - 1].o.offset = "<";
	BAD("offset 1-2-3", "t", "o123", PP_EINVALID_ID);
	bad[nb - 1].o.offset = "1-2-3";
	BAD("offset :-1", "t", "om1", PP_EINVALID_ID);
	bad[nb - 1].o.offset = ":-1";
	BAD("offset $", "t", "odollar", PP_EINVALID_ID);
	bad[nb - 1].o.offset = "$";
	BAD("name empty", "t", "", PP_EINVALID_NAME);
	BAD("name with a space", "t", "bad name", PP_EINVALID_NAME);
	BAD("name with #", "t", "a#b", PP_EINVALID_NAME);
	BAD("name with /", "t", "a/b", PP_EINVALID_NAME);
	BAD("name of 201 characters", "t", long_name, PP_EINVALID_NAME);
	BAD("topic with a space", "bad topic", "badtopic", PP_EINVALID_TOPIC);
	BAD("topic empty", "", "emptytopic", PP_EINVALID_TOPIC);
#undef BAD

	COMMIT_SEQS(n->client, "t", 0, 2, NULL);
	for (i = 0; i < nb; i++) {
		int rv;

		cl = (pp_claim *)n;
		rv = pp_proc(
		    n->client, bad[i].topic, bad[i].name, &bad[i].o, 0, &cl);
		if (rv != bad[i].expect) {
			PP_FAIL_AT("%s: pp_proc returned %s, expected %s",
			    bad[i].what, pp_errname(rv),
			    pp_errname(bad[i].expect));
		}
		PP_ASSERT_TRUE(cl == (pp_claim *)n);
		if (bad[i].name[0] != '\0' && strlen(bad[i].name) <= 200
		    && strchr(bad[i].name, ' ') == NULL
		    && strchr(bad[i].name, '#') == NULL
		    && strchr(bad[i].name, '/') == NULL) {
			PP_FAIL(pp_proc_inspect(n->client, bad[i].name, NULL),
			    PP_ENOPROC);
		}
	}
	/* Nothing was created, and no topic either. */
	PP_ASSERT_U64_EQ(PROCS(n->client, s, 4), 0);
	{
		pp_topic_list *tl = NULL;

		PP_PASS(pp_topics(n->client, &tl));
		PP_ASSERT_U64_EQ(pp_topic_list_count(tl), 1);
		PP_ASSERT_STR_EQ(pp_topic_list_get(tl, 0)->name, "t");
		pp_topic_list_free(tl);
	}

	/* The boundaries are valid. */
	d.count = 100000;
	CLAIM_EXPECT(n->client, "t", "c100000", &d, 0, 2);
	d.count = 1;
	d.max_reclaims = -1;
	d.reclaim_timeout_ms = -1;
	d.on_max_reclaims = PP_ON_MAX_DEADLETTER;
	CLAIM_EXPECT(n->client, "t", max_name, &d, 0, 1);
	d.max_reclaims = 0;
	d.reclaim_timeout_ms = 1;
	d.on_max_reclaims = PP_ON_MAX_CONTINUE;
	d.offset = "$>";
	CLAIM_NOTHING(n->client, "t", "A-z_0.9", &d);
	PP_ASSERT_U64_EQ(PROCS(n->client, s, 4), 3);
	INSPECT(n->client, max_name, &s[0]);
	PP_ASSERT_INT_EQ(s[0].i.opts.max_reclaims, -1);
	PP_ASSERT_INT_EQ(s[0].i.opts.reclaim_timeout_ms, -1);
	PP_ASSERT_INT_EQ(s[0].i.opts.on_max_reclaims, PP_ON_MAX_DEADLETTER);
	INSPECT(n->client, "c100000", &s[0]);
	PP_ASSERT_U64_EQ(s[0].i.opts.count, 100000);
}

static void
test_options_mismatch(pp_tnode *n)
{
	pp_proc_opts a = proc_opts_make(":1", 2, 3, 5000, PP_ON_MAX_CONTINUE);
	pp_proc_opts v[8], init = PP_PROC_OPTS_INIT;
	pp_claim    *cl;
	pstate       before, after;
	int          i, nv = 0;

	COMMIT_SEQS(n->client, "t", 0, 6, NULL);
	COMMIT_SEQS(n->client, "u", 0, 1, NULL);
	CLAIM_EXPECT(n->client, "t", "p", &a, 2, 2);
	INSPECT(n->client, "p", &before);
	CHECK_OPTS(&before, &a);

	for (i = 0; i < 8; i++) {
		v[i] = a;
	}
	/* Options given with other values than the stored ones: by value
	 * (neither 0 nor the default), or by their PP_PROC_GIVEN_* bit,
	 * which also makes a default value count (issue 13 item 4). */
	v[nv].offset = ">";
	v[nv++].given = PP_PROC_GIVEN_OFFSET;
	v[nv++].count = 3;
	v[nv++].max_reclaims = 4;
	v[nv++].max_reclaims = -1;
	v[nv++].reclaim_timeout_ms = 5001;
	v[nv].on_max_reclaims = PP_ON_MAX_DISABLE;
	v[nv++].given = PP_PROC_GIVEN_ON_MAX;
	v[nv++].on_max_reclaims = PP_ON_MAX_DEADLETTER;
	v[nv].count = 1;
	v[nv++].given = PP_PROC_GIVEN_ALL;
	for (i = 0; i < nv; i++) {
		cl = (pp_claim *)n;
		PP_FAIL(pp_proc(n->client, "t", "p", &v[i], 0, &cl),
		    PP_EPROC_EXISTS);
		PP_ASSERT_TRUE(cl == (pp_claim *)n);
	}
	/* The same name on another topic, with the same options. */
	PP_FAIL(pp_proc(n->client, "u", "p", &a, 0, &cl), PP_EPROC_EXISTS);
	INSPECT(n->client, "p", &after);
	PSTATE_EQ(&after, &before);

	/* The same options are fine (the claim is still outstanding). */
	CLAIM_NOTHING(n->client, "t", "p", &a);
	ACK(n->client, "p", 0);
	CLAIM_EXPECT(n->client, "t", "p", &a, 4, 2);

	/* NULL options, PP_PROC_OPTS_INIT and an explicit ">" give no
	 * option: a new proc gets exactly the defaults. */
	CLAIM_EXPECT(n->client, "u", "q", NULL, 0, 1);
	INSPECT(n->client, "q", &before);
	CLAIM_NOTHING(n->client, "u", "q", &init);
	init.offset = ">";
	CLAIM_NOTHING(n->client, "u", "q", &init);
	INSPECT(n->client, "q", &after);
	PSTATE_EQ(&after, &before);
}

static void
test_disable_resume(pp_tnode *n)
{
	pp_proc_opts  o = proc_opts_make(">", 1, 10, -1, PP_ON_MAX_DISABLE);
	pp_proc_list *l;
	pp_claim     *cl = NULL;
	pstate        s, before;
	uint64_t      t;

	COMMIT_SEQS(n->client, "t", 0, 3, NULL);
	t = CLAIM_EXPECT(n->client, "t", "p", &o, 0, 1);
	INSPECT(n->client, "p", &before);
	PP_PASS(pp_proc_disable(n->client, "p", &l));
	pstate_from_list_at(__FILE__, __LINE__, l, "p", &s);
	PP_ASSERT_TRUE(s.i.is_disabled);
	/* A disabled proc keeps its outstanding claim. */
	PP_ASSERT_TRUE(s.i.has_claim);
	PP_ASSERT_U64_EQ(s.i.claim_token, t);
	l = NULL;
	PP_FAIL(pp_proc_disable(n->client, "p", &l), PP_EPROC_ALREADY_DISABLED);
	PP_ASSERT_TRUE(l == NULL);
	PP_FAIL(pp_proc(n->client, "t", "p", &o, 0, &cl), PP_EPROC_DISABLED);
	PP_FAIL(pp_reclaim(n->client, "p", t, "x"), PP_EPROC_DISABLED);
	INSPECT(n->client, "p", &s);
	PP_ASSERT_TRUE(s.i.has_claim);
	PP_ASSERT_U64_EQ(s.i.reclaims, 0);
	PP_ASSERT_STR_EQ(s.last_error, "");

	PP_PASS(pp_proc_resume(n->client, "p", &l));
	pstate_from_list_at(__FILE__, __LINE__, l, "p", &s);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	before.i.is_disabled = false;
	PSTATE_EQ(&s, &before);
	PP_FAIL(pp_proc_resume(n->client, "p", &l), PP_EPROC_ALREADY_ACTIVE);
	ACK(n->client, "p", t);
	CLAIM_EXPECT(n->client, "t", "p", &o, 1, 1);
}

/* A few procs on two topics, each at its own position. */
static const char *const g_destroy_names[]
    = { "a", "b", "b.x", "ba", "bb", "c", NULL };

static void
test_destroy(void)
{
	pp_proc_opts  o = proc_opts_make(">", 1, 10, -1, PP_ON_MAX_DISABLE);
	pp_tnode      n;
	pp_proc_list *l;
	pstate        before[8], after[8], s, gone;
	size_t        i, k, nb, na;
	uint64_t      t;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	COMMIT_SEQS(n.client, "t", 0, 8, NULL);
	COMMIT_SEQS(n.client, "u", 0, 8, NULL);
	for (i = 0; g_destroy_names[i] != NULL; i++) {
		const char *topic = i % 2 ? "u" : "t";

		/* Proc i acks i logs and then holds a claim. */
		for (k = 0; k < i; k++) {
			t = CLAIM_EXPECT(
			    n.client, topic, g_destroy_names[i], &o, k, 1);
			ACK(n.client, g_destroy_names[i], t);
		}
		CLAIM_EXPECT(n.client, topic, g_destroy_names[i], &o, i, 1);
		PP_PASS(pp_reclaim(n.client, g_destroy_names[i], 0, "e"));
		CLAIM_EXPECT(n.client, topic, g_destroy_names[i], &o, i, 1);
	}
	nb = PROCS(n.client, before, 8);
	PP_ASSERT_U64_EQ(nb, 6);
	for (i = 0; i < nb; i++) {
		PP_ASSERT_STR_EQ(before[i].name, g_destroy_names[i]);
	}
	INSPECT(n.client, "b", &s);
	PP_PASS(pp_proc_destroy(n.client, "b", &l));
	pstate_from_list_at(__FILE__, __LINE__, l, "b", &gone);
	PSTATE_EQ(&gone, &s);
	PP_FAIL(pp_proc_inspect(n.client, "b", NULL), PP_ENOPROC);
	PP_FAIL(pp_proc_destroy(n.client, "b", NULL), PP_ENOPROC);
	PP_FAIL(pp_ack(n.client, "b", 0, NULL), PP_ENOPROC);

	/* The others are untouched, before and after a restart. */
	for (k = 0; k < 2; k++) {
		na = PROCS(n.client, after, 8);
		PP_ASSERT_U64_EQ(na, 5);
		for (i = 0; i < na; i++) {
			size_t j = i < 1 ? i : i + 1;

			PSTATE_EQ(&after[i], &before[j]);
		}
		if (k == 0) {
			pp_t_node_stop(&n);
			pp_t_node_start(&n, NULL);
		}
	}
	PP_FAIL(pp_proc_inspect(n.client, "b", NULL), PP_ENOPROC);
	/* The name is free again: a brand-new proc, from its offset, with
	 * any options. */
	o.count = 3;
	CLAIM_EXPECT(n.client, "u", "b", &o, 0, 3);
	INSPECT(n.client, "b", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 0);
	PP_ASSERT_STR_EQ(s.last_error, "");
	PP_ASSERT_STR_EQ(s.topic, "u");
	PP_ASSERT_U64_EQ(s.i.opts.count, 3);
	pp_t_node_stop(&n);
}

/* ---- lag and pp_procs
 * ------------------------------------------------------------------- */

static void
test_lag(pp_tnode *n)
{
	pp_proc_opts o3 = proc_opts_make(">", 3, 10, -1, PP_ON_MAX_DISABLE);
	pp_proc_opts new = proc_opts_make("$>", 1, 10, -1, PP_ON_MAX_DISABLE);
	pp_id    ids[10], uids[2];
	pstate   s, all[4];
	uint64_t t, first;
	size_t   i;

	COMMIT_SEQS(n->client, "t", 0, 1, &ids[0]);
	proc_wait_past_ms(ids[0].ms);
	COMMIT_SEQS(n->client, "t", 1, 5, &ids[1]);
	proc_wait_past_ms(ids[1].ms);
	COMMIT_SEQS(n->client, "t", 6, 4, &ids[6]);
	COMMIT_SEQS(n->client, "u", 0, 2, uids);

	/* A claim does not move the cursor: lag counts claimed logs. */
	t = CLAIM_EXPECT(n->client, "t", "z", &o3, 0, 3);
	INSPECT(n->client, "z", &s);
	PP_ASSERT_U64_EQ(s.i.lag, 10);
	PP_ASSERT_U64_EQ(s.i.oldest_unacked_ms, ids[0].ms);
	ACK(n->client, "z", t);
	INSPECT(n->client, "z", &s);
	PP_ASSERT_U64_EQ(s.i.next_seq, 3);
	PP_ASSERT_U64_EQ(s.i.lag, 7);
	PP_ASSERT_U64_EQ(s.i.oldest_unacked_ms, ids[3].ms);
	for (first = 3; first < 9; first += 3) {
		ACK(n->client, "z",
		    CLAIM_EXPECT(n->client, "t", "z", &o3, first, 3));
	}
	INSPECT(n->client, "z", &s);
	PP_ASSERT_U64_EQ(s.i.lag, 1);
	PP_ASSERT_U64_EQ(s.i.oldest_unacked_ms, ids[9].ms);
	ACK(n->client, "z", CLAIM_EXPECT(n->client, "t", "z", &o3, 9, 1));

	/* A proc that never claimed, and one that only sees new logs. */
	CLAIM_NOTHING(n->client, "t", "m", &new);
	PP_PASS(pp_proc_inspect(n->client, "m", NULL));
	{
		pp_claim    *cl = NULL;
		pp_proc_opts o1 = proc_opts_make(">", 1, 10, -1, PP_ON_MAX_DISABLE);

		/* Creating "a" claims u-0; give it back so "a" has no claim. */
		PP_PASS(pp_proc(n->client, "u", "a", &o1, 0, &cl));
		PP_ASSERT_U64_EQ(pp_claim_count(cl), 1);
		PP_PASS(pp_reclaim(n->client, "a", pp_claim_token(cl), NULL));
		pp_claim_free(cl);
	}
	PP_ASSERT_U64_EQ(PROCS(n->client, all, 4), 3);
	PP_ASSERT_STR_EQ(all[0].name, "a");
	PP_ASSERT_STR_EQ(all[1].name, "m");
	PP_ASSERT_STR_EQ(all[2].name, "z");
	PP_ASSERT_U64_EQ(all[0].i.lag, 2);
	PP_ASSERT_U64_EQ(all[0].i.oldest_unacked_ms, uids[0].ms);
	PP_ASSERT_U64_EQ(all[1].i.lag, 0);
	PP_ASSERT_U64_EQ(all[1].i.oldest_unacked_ms, 0);
	PP_ASSERT_U64_EQ(all[2].i.lag, 0);
	PP_ASSERT_U64_EQ(all[2].i.oldest_unacked_ms, 0);
	PP_ASSERT_U64_EQ(all[2].i.next_seq, 10);
	for (i = 0; i < 3; i++) {
		INSPECT(n->client, all[i].name, &s);
		PSTATE_EQ(&s, &all[i]);
	}
	/* New logs raise the lag of every proc of that topic. */
	COMMIT_SEQS(n->client, "t", 10, 2, &ids[0]);
	INSPECT(n->client, "m", &s);
	PP_ASSERT_U64_EQ(s.i.lag, 2);
	PP_ASSERT_U64_EQ(s.i.oldest_unacked_ms, ids[0].ms);
	INSPECT(n->client, "z", &s);
	PP_ASSERT_U64_EQ(s.i.lag, 2);
}

/* ---- restart
 * -----------------------------------------------------------------------------
 */

static void
test_restart(void)
{
	pp_proc_opts claimed = proc_opts_make(">", 2, 5, -1, PP_ON_MAX_CONTINUE);
	pp_proc_opts acked = proc_opts_make(":0", 1, 10, -1, PP_ON_MAX_DISABLE);
	pp_proc_opts dis = proc_opts_make(">", 1, 10, -1, PP_ON_MAX_DISABLE);
	pp_proc_opts dl = proc_opts_make("$>", 7, 3, 60000, PP_ON_MAX_DEADLETTER);
	pp_proc_opts timer = proc_opts_make(">", 1, 10, 4000, PP_ON_MAX_DISABLE);
	pp_tnode     n;
	pstate       before[8], after[8], s;
	pp_claim    *cl = NULL;
	uint64_t     t_claimed, t_timer, t_new, released;
	size_t       i, nb;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	COMMIT_SEQS(n.client, "t", 0, 6, NULL);
	t_claimed = CLAIM_EXPECT(n.client, "t", "claimed", &claimed, 0, 2);
	PP_PASS(pp_reclaim(n.client, "claimed", t_claimed, "boom"));
	t_claimed = CLAIM_EXPECT(n.client, "t", "claimed", &claimed, 0, 2);
	ACK(n.client, "acked",
	    CLAIM_EXPECT(n.client, "t", "acked", &acked, 1, 1));
	ACK(n.client, "acked",
	    CLAIM_EXPECT(n.client, "t", "acked", &acked, 2, 1));
	CLAIM_AND_RECLAIM(n.client, "t", "acked", &acked, 3, 1, "kept text");
	CLAIM_EXPECT(n.client, "t", "dis", &dis, 0, 1);
	PP_PASS(pp_proc_disable(n.client, "dis", NULL));
	CLAIM_NOTHING(n.client, "t", "dl", &dl);
	t_timer = CLAIM_EXPECT(n.client, "t", "timer", &timer, 0, 1);
	nb = PROCS(n.client, before, 8);
	PP_ASSERT_U64_EQ(nb, 5);

	pp_t_node_stop(&n);
	pp_t_node_start(&n, NULL);
	PP_ASSERT_U64_EQ(PROCS(n.client, after, 8), nb);
	INSPECT(n.client, "timer", &s);
	/* The claim of "timer" must still be outstanding: its deadline is
	 * seconds away unless the restart was very slow. */
	PP_ASSERT_U64_CMP(pp_t_now_ms(), <, s.i.claim_deadline_ms);
	for (i = 0; i < nb; i++) {
		PSTATE_EQ(&after[i], &before[i]);
	}
	/* Options were persisted (count included). */
	CHECK_OPTS(&after[0], &acked);
	CHECK_OPTS(&after[1], &claimed);
	CHECK_OPTS(&after[2], &dis);
	CHECK_OPTS(&after[3], &dl);
	CHECK_OPTS(&after[4], &timer);
	dl.count = 8;
	PP_FAIL(pp_proc(n.client, "t", "dl", &dl, 0, &cl), PP_EPROC_EXISTS);
	dl.count = 7;
	CLAIM_NOTHING(n.client, "t", "dl", &dl);
	/* "$>" was resolved at creation, not at restart. */
	COMMIT_SEQS(n.client, "t", 6, 1, NULL);
	CLAIM_EXPECT(n.client, "t", "dl", &dl, 6, 1);
	PP_FAIL(pp_proc(n.client, "t", "dis", &dis, 0, &cl), PP_EPROC_DISABLED);
	PP_ASSERT_STR_EQ(after[0].last_error, "kept text");

	/* Outstanding claims keep their tokens... */
	CLAIM_NOTHING(n.client, "t", "claimed", &claimed);
	ACK(n.client, "claimed", t_claimed);
	CLAIM_EXPECT(n.client, "t", "claimed", &claimed, 2, 2);
	/* ... and their deadlines: released by the timer, on time. */
	PP_WAIT_UNTIL(!proc_has_claim(n.client, "timer"), 10000);
	released = pp_t_now_ms();
	PP_ASSERT_U64_CMP(released + 20, >=, before[4].i.claim_deadline_ms);
	PP_ASSERT_U64_CMP(
	    released, <, before[4].i.claim_deadline_ms + pp_t_scaled(1500));
	INSPECT(n.client, "timer", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 1);
	/* Tokens are never reused across a restart. */
	t_new = CLAIM_EXPECT(n.client, "t", "timer", &timer, 0, 1);
	PP_ASSERT_U64_CMP(t_new, !=, t_timer);
	PP_ASSERT_U64_CMP(t_new, !=, t_claimed);
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("every call on an unknown proc fails with PP_ENOPROC",
	    test_unknown_proc, 0),
	PP_NODE_CASE("invalid options, names, topics and offsets are refused "
	    "before the proc exists",
	    test_invalid_options, 0),
	PP_NODE_CASE("other options than the stored ones are PP_EPROC_EXISTS, "
	    "the same ones are accepted",
	    test_options_mismatch, 0),
	PP_NODE_CASE("disable and resume refuse a second call and keep the "
	    "outstanding claim",
	    test_disable_resume, 0),
	PP_CASE("destroy removes exactly that proc, also across a restart, and "
	    "the name starts fresh",
	    test_destroy, 0),
	PP_NODE_CASE("pp_procs lists every proc in name order with its lag and "
	    "oldest unacked log",
	    test_lag, 0),
	PP_CASE("procs, options, cursors, errors, claims and deadlines survive "
	    "a restart",
	    test_restart, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
