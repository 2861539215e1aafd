/*
 * proc_wait_for_test.c - when pp_wait_for_procs ends, against a real node
 * (issue 3; PEER §14 with its never-acked bug fixed): at once when nothing
 * is left, timeouts while logs lag or a claim is held, a wake-up by the
 * ack itself, names that restrict the wait, unknown and bad names, and
 * disabled or newly created procs.
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

/* pp_wait_for_procs, timed: returns its code, *took_ms the time it took. */
static int
timed_wait(pp_client *c, const char *const *names, size_t n, int timeout_ms,
    uint64_t *took_ms)
{
	uint64_t start = pp_t_mono_ms();
	int      rv = pp_wait_for_procs(c, names, n, timeout_ms);

	*took_ms = pp_t_mono_ms() - start;
	return (rv);
}

/* The wait returns `expect` within `within_ms` (scaled). */
static void
wait_quick_at(int line, pp_client *c, const char *const *names, size_t n,
    int timeout_ms, int expect, int within_ms)
{
	uint64_t took;
	int      rv = timed_wait(c, names, n, timeout_ms, &took);

	if (rv != expect) {
		pp_t_fail(__FILE__, line,
		    "pp_wait_for_procs(%zu names, %d ms) returned %s after "
		    "%" PRIu64 " ms, expected %s",
		    n, timeout_ms, pp_errname(rv), took, pp_errname(expect));
	}
	if (took >= (uint64_t)pp_t_scaled(within_ms)) {
		pp_t_fail(__FILE__, line,
		    "pp_wait_for_procs(%zu names, %d ms) took %" PRIu64
		    " ms, expected under %d",
		    n, timeout_ms, took, pp_t_scaled(within_ms));
	}
}

/* Done: 0 at once even with a long timeout. */
#define WAIT_DONE(c, names, n)                                                 \
	wait_quick_at(__LINE__, (c), (names), (n), 5000, 0, 500)

/* Any code `ex`, returned at once even with a long timeout. */
#define WAIT_FAILS(c, names, n, ex)                                            \
	wait_quick_at(__LINE__, (c), (names), (n), 5000, (ex), 500)

/* The wait times out after about timeout_ms. */
static void
wait_times_out_at(
    int line, pp_client *c, const char *const *names, size_t n, int timeout_ms)
{
	uint64_t took;
	int      rv = timed_wait(c, names, n, timeout_ms, &took);

	if (rv != PP_ETIMEDOUT) {
		pp_t_fail(__FILE__, line,
		    "pp_wait_for_procs(%zu names, %d ms) returned %s after "
		    "%" PRIu64 " ms, expected PP_ETIMEDOUT",
		    n, timeout_ms, pp_errname(rv), took);
	}
	if (took + 50 < (uint64_t)timeout_ms
	    || took >= (uint64_t)(timeout_ms + pp_t_scaled(1000))) {
		pp_t_fail(__FILE__, line,
		    "PP_ETIMEDOUT after %" PRIu64 " ms, timeout %d ms", took,
		    timeout_ms);
	}
}

#define WAIT_TIMES_OUT(c, names, n, timeout_ms)                                \
	wait_times_out_at(__LINE__, (c), (names), (n), (timeout_ms))

/* ---- pp_wait_for_procs
 * ------------------------------------------------------------ */

static void
test_wait_all_acked(pp_tnode *n)
{
	pp_proc_opts o2 = quiet_opts(">", 2);
	pp_proc_opts o1 = quiet_opts(">", 1);
	const char  *ab[] = { "a", "b" };

	/* No procs at all. */
	WAIT_DONE(n->client, NULL, 0);
	MAKE_PROC(n->client, "ta", "a", &o2);
	MAKE_PROC(n->client, "tb", "b", &o1);
	PUT_LOGS(n->client, "ta", 0, 2);
	PUT_LOGS(n->client, "tb", 0, 1);
	DRAIN(n->client, "ta", "a", &o2);
	DRAIN(n->client, "tb", "b", &o1);
	WAIT_DONE(n->client, NULL, 0);
	WAIT_DONE(n->client, ab, 2);
	WAIT_DONE(n->client, ab, 1);
	wait_quick_at(__LINE__, n->client, ab, 2, 0, 0, 500);
	wait_quick_at(__LINE__, n->client, NULL, 0, -1, 0, 500);
}

static void
test_wait_never_acked_idle(pp_tnode *n)
{
	pp_proc_opts latest = quiet_opts("$>", 1);
	pp_proc_opts first = quiet_opts(">", 1);
	const char  *late[] = { "late" };
	const char  *both[] = { "late", "fresh" };
	pp_proc_info info;

	/* "late" starts after the 3 logs already there and never acks;
	 * "fresh" is on a topic that does not exist and never acks. */
	PUT_LOGS(n->client, "t", 0, 3);
	MAKE_PROC(n->client, "t", "late", &latest);
	MAKE_PROC(n->client, "none", "fresh", &first);
	info = INSPECT(n->client, "late");
	PP_ASSERT_U64_EQ(info.last_acked_ms, 0);
	PP_ASSERT_U64_EQ(info.lag, 0);
	WAIT_DONE(n->client, late, 1);
	WAIT_DONE(n->client, both, 2);
	WAIT_DONE(n->client, NULL, 0);
	/* A new log gives "late" something to do. */
	PUT_LOGS(n->client, "t", 3, 1);
	WAIT_TIMES_OUT(n->client, late, 1, 200);
	WAIT_DONE(n->client, both + 1, 1);
	DRAIN(n->client, "t", "late", &latest);
	WAIT_DONE(n->client, NULL, 0);
}

static void
test_wait_times_out_on_lag(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 3);
	const char  *a[] = { "a" };
	uint64_t     took;

	MAKE_PROC(n->client, "ta", "a", &o);
	PUT_LOGS(n->client, "ta", 0, 3);
	WAIT_TIMES_OUT(n->client, a, 1, 300);
	WAIT_TIMES_OUT(n->client, NULL, 0, 300);
	/* Timeout 0 answers at once. */
	PP_FAIL(timed_wait(n->client, a, 1, 0, &took), PP_ETIMEDOUT);
	PP_ASSERT_U64_CMP(took, <, pp_t_scaled(500));
	/* Nothing changed by waiting. */
	CHECK_IDLE(n->client, "a", 0);
	DRAIN(n->client, "ta", "a", &o);
	WAIT_DONE(n->client, a, 1);
}

static void
test_wait_times_out_on_claim(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 5);
	const char  *a[] = { "a" };
	pp_claim    *cl;

	MAKE_PROC(n->client, "ta", "a", &o);
	PUT_LOGS(n->client, "ta", 0, 2);
	/* Every log is claimed, none acked. */
	cl = proc_claim_at(__FILE__, __LINE__, n->client, "ta", "a", &o, 0);
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 2);
	WAIT_TIMES_OUT(n->client, a, 1, 300);
	WAIT_TIMES_OUT(n->client, NULL, 0, 300);
	/* Given back, the logs are still to do. */
	PP_PASS(pp_reclaim(n->client, "a", pp_claim_token(cl), NULL));
	pp_claim_free(cl);
	WAIT_TIMES_OUT(n->client, a, 1, 200);
	DRAIN(n->client, "ta", "a", &o);
	WAIT_DONE(n->client, NULL, 0);
}

/* The peer's test: a proc claims 3 logs with count 3; the ack and the
 * wait run together; the wait ends because of the ack. */
static void
wait_woken_by_ack(const char *const *names, size_t count, int timeout_ms)
{
	pp_proc_opts o = quiet_opts(">", 3);
	step         s[1];
	script       sc;
	pp_claim    *cl;
	pp_tnode     n;
	uint64_t     took, ret;
	int          rv;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	MAKE_PROC(n.client, "ta", "a", &o);
	MAKE_PROC(n.client, "tb", "b", &o);
	PUT_LOGS(n.client, "ta", 0, 3);
	cl = proc_claim_at(__FILE__, __LINE__, n.client, "ta", "a", &o, 0);
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 3);
	pp_claim_free(cl);
	memset(s, 0, sizeof(s));
	s[0].at_ms = 200;
	s[0].act = ACT_ACK;
	s[0].name = "a";
	s[0].seq = 2;
	script_start(&sc, n.address, s, 1);
	script_go(&sc);
	rv = timed_wait(n.client, names, count, timeout_ms, &took);
	ret = pp_t_mono_ms();
	script_join(&sc);
	PP_PASS(rv);
	CHECK_WOKEN(&s[0], ret, "pp_wait_for_procs");
	if (timeout_ms > 0) {
		PP_ASSERT_U64_CMP(took + 1000, <, (uint64_t)timeout_ms);
	}
	CHECK_IDLE(n.client, "a", 3);
	pp_t_node_stop(&n);
}

static void
test_wait_woken_by_ack(void)
{
	const char *a[] = { "a" };

	wait_woken_by_ack(a, 1, 5000);
}

static void
test_wait_forever_woken_by_ack(void)
{
	wait_woken_by_ack(NULL, 0, -1);
}

static void
test_wait_keeps_waiting(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 2);
	const char  *a[] = { "a" };
	step         s[3];
	script       sc;
	pp_claim    *cl;
	uint64_t     took, ret;
	int          rv;

	MAKE_PROC(n->client, "ta", "a", &o);
	PUT_LOGS(n->client, "ta", 0, 4);
	cl = proc_claim_at(__FILE__, __LINE__, n->client, "ta", "a", &o, 0);
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 2);
	pp_claim_free(cl);
	/* The first ack leaves two logs; the wait ends at the second. */
	memset(s, 0, sizeof(s));
	s[0].at_ms = 200;
	s[0].act = ACT_ACK;
	s[0].name = "a";
	s[0].seq = 1;
	s[1].at_ms = 400;
	s[1].act = ACT_CLAIM;
	s[1].name = "a";
	s[1].topic = "ta";
	s[1].seq = 2;
	s[1].opts = o;
	s[2].at_ms = 600;
	s[2].act = ACT_ACK;
	s[2].name = "a";
	s[2].seq = 3;
	script_start(&sc, n->address, s, 3);
	script_go(&sc);
	rv = timed_wait(n->client, a, 1, 5000, &took);
	ret = pp_t_mono_ms();
	script_join(&sc);
	PP_PASS(rv);
	CHECK_WOKEN(&s[2], ret, "pp_wait_for_procs");
	CHECK_IDLE(n->client, "a", 4);
}

static void
test_wait_names_restrict(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 5);
	pp_proc_opts latest = quiet_opts("$>", 5);
	const char  *b[] = { "b" };
	const char  *c[] = { "c" };
	const char  *bc[] = { "b", "c" };
	const char  *a[] = { "a" };
	const char  *ba[] = { "b", "a" };
	const char  *ab[] = { "a", "b" };

	/* "a" lags; "b" acked everything; "c" never acked, nothing new. */
	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tb", "b", &o);
	PUT_LOGS(n->client, "ta", 0, 2);
	PUT_LOGS(n->client, "tb", 0, 2);
	DRAIN(n->client, "tb", "b", &o);
	MAKE_PROC(n->client, "ta", "c", &latest);
	WAIT_DONE(n->client, b, 1);
	WAIT_DONE(n->client, c, 1);
	WAIT_DONE(n->client, bc, 2);
	WAIT_TIMES_OUT(n->client, a, 1, 200);
	WAIT_TIMES_OUT(n->client, ba, 2, 200);
	WAIT_TIMES_OUT(n->client, ab, 2, 200);
	WAIT_TIMES_OUT(n->client, NULL, 0, 200);
}

static void
test_wait_unknown_name(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 5);
	const char  *x[] = { "nosuch" };
	const char  *bx[] = { "b", "nosuch" };
	const char  *xa[] = { "nosuch", "a" };
	const char  *ax[] = { "a", "nosuch" };
	const char  *bad1[] = { "" };
	const char  *bad2[] = { "b", "has space" };

	/* "a" lags, "b" is done. */
	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tb", "b", &o);
	PUT_LOGS(n->client, "ta", 0, 2);
	WAIT_FAILS(n->client, x, 1, PP_ENOPROC);
	WAIT_FAILS(n->client, bx, 2, PP_ENOPROC);
	WAIT_FAILS(n->client, xa, 2, PP_ENOPROC);
	WAIT_FAILS(n->client, bad1, 1, PP_EINVALID_NAME);
	WAIT_FAILS(n->client, bad2, 2, PP_EINVALID_NAME);
	PP_FAIL(pp_wait_for_procs(n->client, NULL, 1, 0), PP_EINVAL);
	PP_FAIL(pp_proc_inspect(n->client, "nosuch", NULL), PP_ENOPROC);
	/* The unknown name after a proc that still lags: still at once. */
	WAIT_FAILS(n->client, ax, 2, PP_ENOPROC);
}

static void
test_wait_skips_disabled(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	const char  *a[] = { "a" };
	const char  *ad[] = { "a", "d" };
	pp_claim    *cl;

	/* "a" lags, "d" holds a claim; both are disabled. */
	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "td", "d", &o);
	PUT_LOGS(n->client, "ta", 0, 2);
	PUT_LOGS(n->client, "td", 0, 2);
	cl = proc_claim_at(__FILE__, __LINE__, n->client, "td", "d", &o, 0);
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 1);
	pp_claim_free(cl);
	PP_PASS(pp_proc_disable(n->client, "a", NULL));
	PP_PASS(pp_proc_disable(n->client, "d", NULL));
	PP_ASSERT_TRUE(INSPECT(n->client, "d").has_claim);
	WAIT_DONE(n->client, NULL, 0);
	WAIT_DONE(n->client, a, 1);
	WAIT_DONE(n->client, ad, 2);
	/* Resumed, "a" is waited for again. */
	PP_PASS(pp_proc_resume(n->client, "a", NULL));
	WAIT_TIMES_OUT(n->client, a, 1, 200);
	WAIT_TIMES_OUT(n->client, NULL, 0, 200);
	WAIT_DONE(n->client, ad + 1, 1);
}

static void
test_wait_ends_on_disable(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	step         s[1];
	script       sc;
	uint64_t     took, ret;
	int          rv;

	MAKE_PROC(n->client, "ta", "a", &o);
	PUT_LOGS(n->client, "ta", 0, 2);
	/* The only lagging proc is disabled during the wait: nothing is
	 * left to wait for. */
	memset(s, 0, sizeof(s));
	s[0].at_ms = 200;
	s[0].act = ACT_DISABLE;
	s[0].name = "a";
	script_start(&sc, n->address, s, 1);
	script_go(&sc);
	rv = timed_wait(n->client, NULL, 0, 3000, &took);
	ret = pp_t_mono_ms();
	script_join(&sc);
	pp_t_diag(
	    "the wait returned %s after %" PRIu64 " ms", pp_errname(rv), took);
	PP_PASS(rv);
	CHECK_WOKEN(&s[0], ret, "pp_wait_for_procs");
}

static void
test_wait_all_active(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	pp_proc_opts latest = quiet_opts("$>", 1);
	step         s[3];
	script       sc;
	uint64_t     took, ret;
	int          rv;

	/* "a" holds a claim of its only log, "b" never acked and has
	 * nothing new, "c" lags but is disabled. */
	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tc", "c", &o);
	PUT_LOGS(n->client, "ta", 0, 1);
	PUT_LOGS(n->client, "tc", 0, 3);
	PUT_LOGS(n->client, "tl", 0, 1);
	pp_claim_free(proc_claim_at(__FILE__, __LINE__, n->client, "ta", "a", &o, 0));
	MAKE_PROC(n->client, "ta", "b", &latest);
	PP_PASS(pp_proc_disable(n->client, "c", NULL));
	WAIT_TIMES_OUT(n->client, NULL, 0, 200);
	/* During the wait a new proc "late" claims a log, then "a" acks:
	 * the wait goes on until "late" acks too. */
	memset(s, 0, sizeof(s));
	s[0].at_ms = 200;
	s[0].act = ACT_CLAIM;
	s[0].name = "late";
	s[0].topic = "tl";
	s[0].seq = 0;
	s[0].opts = o;
	s[1].at_ms = 400;
	s[1].act = ACT_ACK;
	s[1].name = "a";
	s[1].seq = 0;
	s[2].at_ms = 600;
	s[2].act = ACT_ACK;
	s[2].name = "late";
	s[2].seq = 0;
	script_start(&sc, n->address, s, 3);
	script_go(&sc);
	rv = timed_wait(n->client, NULL, 0, 5000, &took);
	ret = pp_t_mono_ms();
	script_join(&sc);
	PP_PASS(rv);
	CHECK_WOKEN(&s[2], ret, "pp_wait_for_procs(NULL, 0)");
	WAIT_DONE(n->client, NULL, 0);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("pp_wait_for_procs returns 0 at once when every proc "
	    "acked everything",
	    test_wait_all_acked, 0),
	PP_NODE_CASE("a proc that never acked but has nothing to read counts "
	    "as done (PEER 14 fixed)",
	    test_wait_never_acked_idle, 0),
	PP_NODE_CASE("pp_wait_for_procs times out after about timeout_ms while "
	    "a proc has unacked logs",
	    test_wait_times_out_on_lag, 0),
	PP_NODE_CASE("pp_wait_for_procs times out after about timeout_ms while "
	    "a proc holds a claim",
	    test_wait_times_out_on_claim, 0),
	PP_CASE("pp_wait_for_procs is woken by the ack itself, long before its "
	    "timeout",
	    test_wait_woken_by_ack, 0),
	PP_CASE("pp_wait_for_procs with timeout -1 and no names is woken by "
	    "the ack itself",
	    test_wait_forever_woken_by_ack, 0),
	PP_NODE_CASE("pp_wait_for_procs woken by an ack keeps waiting while "
	    "logs remain",
	    test_wait_keeps_waiting, 0),
	PP_NODE_CASE("names restrict pp_wait_for_procs: an idle proc named "
	    "alone is done while another lags",
	    test_wait_names_restrict, 0),
	PP_NODE_CASE("pp_wait_for_procs fails at once with PP_ENOPROC for an "
	    "unknown name and PP_EINVALID_NAME for a bad one",
	    test_wait_unknown_name, 0),
	PP_NODE_CASE("pp_wait_for_procs does not wait for disabled procs",
	    test_wait_skips_disabled, 0),
	PP_NODE_CASE("a pp_wait_for_procs in progress ends when the proc it "
	    "waits for is disabled",
	    test_wait_ends_on_disable, 0),
	PP_NODE_CASE("pp_wait_for_procs with no names waits for every active "
	    "proc, including one created meanwhile",
	    test_wait_all_active, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
