/*
 * proc_avail_test.c - which proc pp_available_proc claims from, against a
 * real node (issue 3; PEER §11 with the fixes the header documents):
 * validation of names, round robin, procs that hold a claim or are
 * disabled skipped, and empty claims when everything is caught up.
 * Blocking calls are in proc_avail_wait_test.c.
 *
 * Conventions: a log of topic T committed as its S-th log has the body
 * "T-S". Procs are created on topics before their logs are committed, so
 * creating one claims nothing. Timed stimuli come from a script thread
 * (proc_wait_util.h); nothing sleeps a fixed time.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "proc_util.h"
#include "proc_wait_util.h"

/* The claim is the empty claim. */
static void
check_empty_at(int line, const pp_claim *cl)
{
	if (pp_claim_count(cl) != 0 || pp_claim_log(cl, 0) != NULL) {
		pp_t_fail(__FILE__, line,
		    "expected an empty claim, got %zu logs (first seq %" PRIu64
		    ")",
		    pp_claim_count(cl), pp_claim_log(cl, 0)->id.seq);
	}
	if (pp_claim_token(cl) != 0) {
		pp_t_fail(__FILE__, line, "an empty claim has token %" PRIu64,
		    pp_claim_token(cl));
	}
}

#define CHECK_EMPTY(cl) check_empty_at(__LINE__, (cl))

/* pp_available_proc with wait_ms 0 must return the empty claim. */
static void
avail_nothing_at(int line, pp_client *c, const char *const *names, size_t n)
{
	size_t    index;
	pp_claim *cl = avail_at(__FILE__, line, c, names, n, 0, &index);

	check_empty_at(line, cl);
	pp_claim_free(cl);
}

#define AVAIL_NOTHING(c, names, n) avail_nothing_at(__LINE__, (c), (names), (n))

/* ---- pp_available_proc: arguments
 * ------------------------------------------------------------ */

static void
test_avail_unknown(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	const char  *a_x[] = { "a", "nosuch" };
	const char  *x_a[] = { "nosuch", "a" };
	const char  *a_b_x[] = { "a", "b", "nosuch" };
	const char  *ab[] = { "a", "b" };
	pp_claim    *cl, *sentinel = (pp_claim *)&o;
	size_t       index;
	uint64_t     start;

	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tb", "b", &o);
	PUT_LOGS(n->client, "ta", 0, 2);
	PUT_LOGS(n->client, "tb", 0, 2);
	/* Wherever the unknown name is, and even with a wait, the call
	 * fails at once and leaves *claim alone. */
	cl = sentinel;
	start = pp_t_mono_ms();
	PP_FAIL(
	    pp_available_proc(n->client, a_x, 2, 0, &index, &cl), PP_ENOPROC);
	PP_FAIL(
	    pp_available_proc(n->client, x_a, 2, 0, &index, &cl), PP_ENOPROC);
	PP_FAIL(pp_available_proc(n->client, a_b_x, 3, 2000, &index, &cl),
	    PP_ENOPROC);
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, pp_t_scaled(1000));
	PP_ASSERT_TRUE(cl == sentinel);
	/* Nothing was claimed from the known procs... */
	CHECK_IDLE(n->client, "a", 0);
	CHECK_IDLE(n->client, "b", 0);
	PP_FAIL(pp_ack(n->client, "a", 0, NULL), PP_ENOTHING_TO_ACK);
	/* ... and the unknown one was not created. */
	PP_FAIL(pp_proc_inspect(n->client, "nosuch", NULL), PP_ENOPROC);
	/* Without it, the same procs serve. */
	cl = AVAIL(n->client, ab, 2, 0, &index);
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 1);
	pp_claim_free(cl);
}

static void
test_avail_invalid_names(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	char         long_name[202];
	const char  *bad[]
	    = { "", "has space", "x/y", "caf\xc3\xa9", long_name, NULL };
	const char *names[2];
	pp_claim   *cl, *sentinel = (pp_claim *)&o;
	size_t      index, i;

	memset(long_name, 'n', 201);
	long_name[201] = '\0';
	MAKE_PROC(n->client, "ta", "a", &o);
	PUT_LOGS(n->client, "ta", 0, 2);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* The bad name after a good one with logs, and before it. */
		names[0] = "a";
		names[1] = bad[i];
		cl = sentinel;
		PP_FAIL(pp_available_proc(n->client, names, 2, 0, &index, &cl),
		    PP_EINVALID_NAME);
		names[0] = bad[i];
		names[1] = "a";
		PP_FAIL(pp_available_proc(n->client, names, 2, 0, &index, &cl),
		    PP_EINVALID_NAME);
		PP_ASSERT_TRUE(cl == sentinel);
	}
	CHECK_IDLE(n->client, "a", 0);
	/* 200 characters is a valid name: this one merely does not exist. */
	long_name[200] = '\0';
	names[0] = "a";
	names[1] = long_name;
	PP_FAIL(
	    pp_available_proc(n->client, names, 2, 0, &index, &cl), PP_ENOPROC);
	CHECK_IDLE(n->client, "a", 0);
}

static void
test_avail_name_count(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	char         buf[65][8];
	const char  *names[65];
	pp_claim    *cl = NULL, *sentinel = (pp_claim *)&o;
	size_t       index, i;

	for (i = 0; i < 65; i++) {
		snprintf(buf[i], sizeof(buf[i]), "p%02zu", i);
		names[i] = buf[i];
	}
	/* p00..p62 on an idle topic, p63 on the only topic with a log. */
	for (i = 0; i < 64; i++) {
		MAKE_PROC(n->client, i == 63 ? "busy" : "idle", names[i], &o);
	}
	PUT_LOGS(n->client, "busy", 0, 1);
	cl = sentinel;
	PP_FAIL(
	    pp_available_proc(n->client, names, 0, 0, &index, &cl), PP_EINVAL);
	PP_FAIL(
	    pp_available_proc(n->client, names, 65, 0, &index, &cl), PP_EINVAL);
	PP_FAIL(
	    pp_available_proc(n->client, NULL, 1, 0, &index, &cl), PP_EINVAL);
	PP_FAIL(
	    pp_available_proc(n->client, names, 64, -2, &index, &cl), PP_EINVAL);
	PP_FAIL(
	    pp_available_proc(n->client, names, 64, 0, &index, NULL), PP_EINVAL);
	PP_ASSERT_TRUE(cl == sentinel);
	CHECK_IDLE(n->client, "p63", 0);
	/* 64 names is the most, and works. */
	cl = AVAIL(n->client, names, 64, 0, &index);
	CHECK_ONE(cl, "busy", 0);
	PP_ASSERT_U64_EQ(index, 63);
	ACK(n->client, names[index], pp_claim_token(cl));
	pp_claim_free(cl);
	CHECK_IDLE(n->client, "p63", 1);
}

/* ---- pp_available_proc: which proc
 * ------------------------------------------------------------ */

/* `rounds` claims from names, each acked at once; the picks go to
 * picks[] and each claim must be the next log of the picked proc's topic
 * (topics[i] is names[i]'s, next[i] its next sequence). */
static void
claim_rounds_at(int line, pp_client *c, const char *const *names,
    const char *const *topics, size_t n, uint64_t *next, size_t *picks,
    size_t rounds)
{
	pp_claim *cl;
	pp_id     acked;
	size_t    r, i;

	for (r = 0; r < rounds; r++) {
		cl = avail_at(__FILE__, line, c, names, n, 0, &i);
		if (pp_claim_count(cl) == 0) {
			pp_t_fail(__FILE__, line, "round %zu: empty claim", r);
		}
		check_one_at(__FILE__, line, cl, topics[i], next[i]);
		acked = proc_ack_at(__FILE__, line, c, names[i], pp_claim_token(cl));
		if (acked.seq != next[i]
		    || acked.ms != pp_claim_log(cl, 0)->id.ms) {
			pp_t_fail(__FILE__, line,
			    "round %zu: ack of %s returned seq %" PRIu64, r,
			    names[i], acked.seq);
		}
		pp_claim_free(cl);
		next[i]++;
		picks[r] = i;
	}
}

#define CLAIM_ROUNDS(c, names, topics, n, next, picks, rounds)                 \
	claim_rounds_at(                                                       \
	    __LINE__, (c), (names), (topics), (n), (next), (picks), (rounds))

static void
test_avail_round_robin(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	const char  *names2[] = { "a", "b" };
	const char  *topics2[] = { "ta", "tb" };
	const char  *names3[] = { "x", "y", "z" };
	const char  *topics3[] = { "tx", "ty", "tz" };
	uint64_t     next[3] = { 0, 0, 0 };
	size_t       picks[8], r;

	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tb", "b", &o);
	PUT_LOGS(n->client, "ta", 0, 2);
	PUT_LOGS(n->client, "tb", 0, 4);
	/* Both have logs for four rounds: the picks alternate. */
	CLAIM_ROUNDS(n->client, names2, topics2, 2, next, picks, 4);
	pp_t_diag("picks of two procs: %zu %zu %zu %zu", picks[0], picks[1],
	    picks[2], picks[3]);
	for (r = 1; r < 4; r++) {
		PP_ASSERT_U64_CMP(picks[r], !=, picks[r - 1]);
	}
	PP_ASSERT_U64_EQ(next[0], 2);
	PP_ASSERT_U64_EQ(next[1], 2);
	/* "a" has nothing left: "b" serves every call. */
	CLAIM_ROUNDS(n->client, names2, topics2, 2, next, picks, 2);
	PP_ASSERT_U64_EQ(picks[0], 1);
	PP_ASSERT_U64_EQ(picks[1], 1);
	AVAIL_NOTHING(n->client, names2, 2);

	/* Three procs with logs take turns: every three picks hold each
	 * proc once, in the same cycle. */
	memset(next, 0, sizeof(next));
	for (r = 0; r < 3; r++) {
		MAKE_PROC(n->client, topics3[r], names3[r], &o);
		PUT_LOGS(n->client, topics3[r], 0, 3);
	}
	CLAIM_ROUNDS(n->client, names3, topics3, 3, next, picks, 8);
	pp_t_diag("picks of three procs: %zu %zu %zu %zu %zu %zu %zu %zu",
	    picks[0], picks[1], picks[2], picks[3], picks[4], picks[5],
	    picks[6], picks[7]);
	PP_ASSERT_U64_CMP(picks[0], !=, picks[1]);
	PP_ASSERT_U64_CMP(picks[1], !=, picks[2]);
	PP_ASSERT_U64_CMP(picks[0], !=, picks[2]);
	for (r = 3; r < 8; r++) {
		PP_ASSERT_U64_EQ(picks[r], picks[r - 3]);
	}
}

static void
test_avail_round_robin_across_lists(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	const char  *b[] = { "b" };
	const char  *abc[] = { "a", "b", "c" };
	const char  *topics[] = { "ta", "tb", "tc" };
	uint64_t     next[3] = { 0, 1, 0 };
	size_t       picks[3], i;
	pp_claim    *cl;

	for (i = 0; i < 3; i++) {
		MAKE_PROC(n->client, topics[i], abc[i], &o);
		PUT_LOGS(n->client, topics[i], 0, 2);
	}
	/* One worker serves "b" alone... */
	cl = AVAIL(n->client, b, 1, 0, &i);
	PP_ASSERT_U64_EQ(i, 0);
	CHECK_ONE(cl, "tb", 0);
	ACK(n->client, "b", pp_claim_token(cl));
	pp_claim_free(cl);
	/* ... so a worker with all three starts after "b": c, a, b. */
	CLAIM_ROUNDS(n->client, abc, topics, 3, next, picks, 3);
	pp_t_diag("picks after \"b\" was served: %zu %zu %zu", picks[0],
	    picks[1], picks[2]);
	PP_ASSERT_U64_EQ(picks[0], 2);
	PP_ASSERT_U64_EQ(picks[1], 0);
	PP_ASSERT_U64_EQ(picks[2], 1);
}

static void
test_avail_skips_claimed(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	const char  *names[] = { "a", "b" };
	const char  *topics[] = { "ta", "tb" };
	pp_claim    *first, *second, *cl;
	pp_proc_info info;
	size_t       x, y, i;

	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tb", "b", &o);
	PUT_LOGS(n->client, "ta", 0, 2);
	PUT_LOGS(n->client, "tb", 0, 2);
	/* X is picked and keeps its claim: the next call serves Y. */
	first = AVAIL(n->client, names, 2, 0, &x);
	CHECK_ONE(first, topics[x], 0);
	second = AVAIL(n->client, names, 2, 0, &y);
	PP_ASSERT_U64_EQ(y, 1 - x);
	CHECK_ONE(second, topics[y], 0);
	/* Both hold a claim: nothing, although both have more logs. */
	AVAIL_NOTHING(n->client, names, 2);
	info = INSPECT(n->client, names[x]);
	PP_ASSERT_TRUE(info.has_claim);
	PP_ASSERT_U64_EQ(info.claim_token, pp_claim_token(first));
	info = INSPECT(n->client, names[y]);
	PP_ASSERT_TRUE(info.has_claim);
	PP_ASSERT_U64_EQ(info.claim_token, pp_claim_token(second));
	/* Y acks: the next pick would be X, but X is still busy. */
	ACK(n->client, names[y], pp_claim_token(second));
	cl = AVAIL(n->client, names, 2, 0, &i);
	PP_ASSERT_U64_EQ(i, y);
	CHECK_ONE(cl, topics[y], 1);
	ACK(n->client, names[y], pp_claim_token(cl));
	pp_claim_free(cl);
	AVAIL_NOTHING(n->client, names, 2);
	/* X's claim was never touched. */
	info = INSPECT(n->client, names[x]);
	PP_ASSERT_TRUE(info.has_claim);
	PP_ASSERT_U64_EQ(info.claim_token, pp_claim_token(first));
	PP_ASSERT_U64_EQ(info.next_seq, 0);
	ACK(n->client, names[x], pp_claim_token(first));
	cl = AVAIL(n->client, names, 2, 0, &i);
	PP_ASSERT_U64_EQ(i, x);
	CHECK_ONE(cl, topics[x], 1);
	pp_claim_free(cl);
	pp_claim_free(first);
	pp_claim_free(second);
}

static void
test_avail_skips_disabled(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	const char  *names[] = { "a", "b" };
	const char  *topics[] = { "ta", "tb" };
	uint64_t     next[2] = { 0, 0 };
	pp_proc_info info;
	pp_claim    *cl;
	size_t       picks[3], i;

	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tb", "b", &o);
	PUT_LOGS(n->client, "ta", 0, 3);
	PUT_LOGS(n->client, "tb", 0, 3);
	PP_PASS(pp_proc_disable(n->client, "a", NULL));
	/* Every call serves "b", round robin or not. */
	CLAIM_ROUNDS(n->client, names, topics, 2, next, picks, 3);
	for (i = 0; i < 3; i++) {
		PP_ASSERT_U64_EQ(picks[i], 1);
	}
	/* "b" is done and "a" is disabled: nothing, and "a" is untouched. */
	AVAIL_NOTHING(n->client, names, 2);
	info = INSPECT(n->client, "a");
	PP_ASSERT_TRUE(info.is_disabled);
	PP_ASSERT_TRUE(!info.has_claim);
	PP_ASSERT_U64_EQ(info.next_seq, 0);
	PP_ASSERT_U64_EQ(info.lag, 3);
	/* Resumed, it serves again from its first log. */
	PP_PASS(pp_proc_resume(n->client, "a", NULL));
	cl = AVAIL(n->client, names, 2, 0, &i);
	PP_ASSERT_U64_EQ(i, 0);
	CHECK_ONE(cl, "ta", 0);
	pp_claim_free(cl);
}

static void
test_avail_caught_up(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	const char  *names[] = { "a", "b" };
	pp_claim    *cl;
	size_t       index;
	uint64_t     start, took;

	/* "a" acked its only log; "b" is on a topic that does not exist. */
	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tb", "b", &o);
	PUT_LOGS(n->client, "ta", 0, 1);
	DRAIN(n->client, "ta", "a", &o);
	start = pp_t_mono_ms();
	AVAIL_NOTHING(n->client, names, 2);
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, pp_t_scaled(500));
	/* With a wait nobody ends, the empty claim comes after wait_ms. */
	start = pp_t_mono_ms();
	cl = AVAIL(n->client, names, 2, 300, &index);
	took = pp_t_mono_ms() - start;
	CHECK_EMPTY(cl);
	pp_claim_free(cl);
	pp_t_diag("an idle wait of 300 ms took %" PRIu64 " ms", took);
	PP_ASSERT_U64_CMP(took + 50, >=, 300);
	PP_ASSERT_U64_CMP(took, <, 300 + pp_t_scaled(1000));
	/* Nothing was claimed. */
	PP_FAIL(pp_ack(n->client, "a", 0, NULL), PP_ENOTHING_TO_ACK);
	PP_FAIL(pp_ack(n->client, "b", 0, NULL), PP_ENOTHING_TO_ACK);
	CHECK_IDLE(n->client, "a", 1);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("pp_available_proc with an unknown name fails with "
	    "PP_ENOPROC at once and claims nothing from the others",
	    test_avail_unknown, 0),
	PP_NODE_CASE("pp_available_proc refuses invalid names with "
	    "PP_EINVALID_NAME and claims nothing",
	    test_avail_invalid_names, 0),
	PP_NODE_CASE("pp_available_proc takes 1 to 64 names: 0 and 65 are "
	    "PP_EINVAL, 64 work",
	    test_avail_name_count, 0),
	PP_NODE_CASE("pp_available_proc alternates between procs that have "
	    "logs (round robin)",
	    test_avail_round_robin, 0),
	PP_NODE_CASE("pp_available_proc starts after the proc this node served "
	    "last, also when that call named other procs",
	    test_avail_round_robin_across_lists, 0),
	PP_NODE_CASE("pp_available_proc skips a proc that holds a claim and "
	    "serves the other",
	    test_avail_skips_claimed, 0),
	PP_NODE_CASE("pp_available_proc skips a disabled proc and serves the "
	    "other",
	    test_avail_skips_disabled, 0),
	PP_NODE_CASE("pp_available_proc returns an empty claim when every proc "
	    "is caught up",
	    test_avail_caught_up, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
