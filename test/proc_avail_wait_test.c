/*
 * proc_avail_wait_test.c - pp_available_proc with wait_ms against a real
 * node (issue 3; PEER §11): a waiting call is woken by a commit to any of
 * its procs' topics, by an ack or a resume that frees logs, its token acks
 * the proc it names, and a waiting claim whose client died takes no log.
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

/* ---- pp_available_proc: waits and tokens
 * ------------------------------------------------------------ */

static void
test_avail_wait_wakes(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	const char  *names[] = { "a", "b" };
	step         s1[2], s2[1];
	script       sc;
	pp_claim    *cl;
	size_t       index;
	uint64_t     ret;

	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tb", "b", &o);
	PUT_LOGS(n->client, "ta", 0, 1);
	DRAIN(n->client, "ta", "a", &o);

	/* A commit to an unrelated topic does not end the wait; the one to
	 * "b"'s topic (which does not exist yet) hands its log out. */
	memset(s1, 0, sizeof(s1));
	s1[0].at_ms = 200;
	s1[0].act = ACT_COMMIT;
	s1[0].topic = "other";
	s1[1].at_ms = 400;
	s1[1].act = ACT_COMMIT;
	s1[1].topic = "tb";
	script_start(&sc, n->address, s1, 2);
	script_go(&sc);
	cl = AVAIL(n->client, names, 2, 5000, &index);
	ret = pp_t_mono_ms();
	script_join(&sc);
	CHECK_ONE(cl, "tb", 0);
	PP_ASSERT_U64_EQ(index, 1);
	CHECK_WOKEN(&s1[1], ret, "pp_available_proc(wait_ms 5000)");
	ACK(n->client, names[index], pp_claim_token(cl));
	pp_claim_free(cl);

	/* wait_ms -1, woken by a commit to the other proc's topic. */
	memset(s2, 0, sizeof(s2));
	s2[0].at_ms = 200;
	s2[0].act = ACT_COMMIT;
	s2[0].topic = "ta";
	s2[0].seq = 1;
	script_start(&sc, n->address, s2, 1);
	script_go(&sc);
	cl = AVAIL(n->client, names, 2, -1, &index);
	ret = pp_t_mono_ms();
	script_join(&sc);
	CHECK_ONE(cl, "ta", 1);
	PP_ASSERT_U64_EQ(index, 0);
	CHECK_WOKEN(&s2[0], ret, "pp_available_proc(wait_ms -1)");
	ACK(n->client, names[index], pp_claim_token(cl));
	pp_claim_free(cl);
	CHECK_IDLE(n->client, "a", 2);
	CHECK_IDLE(n->client, "b", 1);
}

static void
test_avail_wait_released(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	const char  *names[] = { "a", "b" };
	step         s[1];
	script       sc;
	pp_claim    *held, *cl;
	size_t       index;
	uint64_t     ret;

	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tb", "b", &o);
	PUT_LOGS(n->client, "ta", 0, 3);
	/* "a" holds a claim and has more logs; "b" has none. */
	held = AVAIL(n->client, names, 2, 0, &index);
	PP_ASSERT_U64_EQ(index, 0);
	CHECK_ONE(held, "ta", 0);
	pp_claim_free(held);
	memset(s, 0, sizeof(s));
	s[0].at_ms = 200;
	s[0].act = ACT_ACK;
	s[0].name = "a";
	s[0].seq = 0;
	script_start(&sc, n->address, s, 1);
	script_go(&sc);
	cl = AVAIL(n->client, names, 2, 5000, &index);
	ret = pp_t_mono_ms();
	script_join(&sc);
	CHECK_ONE(cl, "ta", 1);
	PP_ASSERT_U64_EQ(index, 0);
	CHECK_WOKEN(&s[0], ret, "pp_available_proc woken by an ack");
	ACK(n->client, "a", pp_claim_token(cl));
	pp_claim_free(cl);

	/* Disabled with a log left: woken by the resume. */
	PP_PASS(pp_proc_disable(n->client, "a", NULL));
	memset(s, 0, sizeof(s));
	s[0].at_ms = 200;
	s[0].act = ACT_RESUME;
	s[0].name = "a";
	script_start(&sc, n->address, s, 1);
	script_go(&sc);
	cl = AVAIL(n->client, names, 2, 5000, &index);
	ret = pp_t_mono_ms();
	script_join(&sc);
	CHECK_ONE(cl, "ta", 2);
	PP_ASSERT_U64_EQ(index, 0);
	CHECK_WOKEN(&s[0], ret, "pp_available_proc woken by a resume");
	pp_claim_free(cl);
}

static void
test_avail_token(pp_tnode *n)
{
	pp_proc_opts o = quiet_opts(">", 1);
	const char  *names[] = { "a", "b" };
	const char  *topics[] = { "ta", "tb" };
	pp_claim    *c1, *c2;
	pp_proc_info info;
	pp_id        acked;
	size_t       i, j;

	MAKE_PROC(n->client, "ta", "a", &o);
	MAKE_PROC(n->client, "tb", "b", &o);
	PUT_LOGS(n->client, "ta", 0, 2);
	PUT_LOGS(n->client, "tb", 0, 2);
	c1 = AVAIL(n->client, names, 2, 0, &i);
	CHECK_ONE(c1, topics[i], 0);
	c2 = AVAIL(n->client, names, 2, 0, &j);
	PP_ASSERT_U64_EQ(j, 1 - i);
	CHECK_ONE(c2, topics[j], 0);
	PP_ASSERT_U64_CMP(pp_claim_token(c1), !=, pp_claim_token(c2));
	/* Each token belongs to the proc of its index, not the other. */
	PP_FAIL(pp_ack(n->client, names[j], pp_claim_token(c1), NULL),
	    PP_ESTALE_CLAIM);
	PP_FAIL(pp_ack(n->client, names[i], pp_claim_token(c2), NULL),
	    PP_ESTALE_CLAIM);
	acked = ACK(n->client, names[i], pp_claim_token(c1));
	PP_ASSERT_U64_EQ(acked.seq, 0);
	PP_ASSERT_U64_EQ(acked.ms, pp_claim_log(c1, 0)->id.ms);
	CHECK_IDLE(n->client, names[i], 1);
	info = INSPECT(n->client, names[j]);
	PP_ASSERT_TRUE(info.has_claim);
	PP_ASSERT_U64_EQ(info.claim_token, pp_claim_token(c2));
	PP_ASSERT_U64_EQ(info.next_seq, 0);
	PP_FAIL(pp_ack(n->client, names[i], pp_claim_token(c1), NULL),
	    PP_ENOTHING_TO_ACK);
	/* The other token reclaims and acks its own proc. */
	PP_PASS(pp_reclaim(n->client, names[j], pp_claim_token(c2), "retry"));
	pp_claim_free(c2);
	c2 = AVAIL(n->client, names, 2, 0, &j);
	CHECK_ONE(c2, topics[j], j == i ? 1 : 0);
	ACK(n->client, names[j], pp_claim_token(c2));
	pp_claim_free(c1);
	pp_claim_free(c2);
}

/* The node's count of parked requests, once it equals `want` (or the
 * deadline passes: then the last value). */
static uint64_t
waiting_becomes(pp_client *c, uint64_t want, int timeout_ms)
{
	uint64_t         end = pp_t_mono_ms() + (uint64_t) timeout_ms, v = 0;
	pp_stats_report *st;

	do {
		PP_PASS(pp_stats(c, &st));
		v = pp_stats_node(st)->waiting_requests;
		pp_stats_free(st);
		if (v == want) {
			break;
		}
		pp_t_nap();
	} while (pp_t_mono_ms() < end);
	return (v);
}

/* The helper process: reads the node's address, claims and waits. */
static int
waiter_main(void *arg, int in_fd, int out_fd)
{
	pp_proc_opts o = quiet_opts(">", 1);
	pp_claim    *mine = NULL;
	pp_client   *c;
	char         address[PP_T_PATH];

	(void) arg;
	(void) out_fd;
	if (pp_t_read_line(in_fd, address, sizeof(address), 30000) < 0) {
		return (1);
	}
	c = pp_t_connect(address);
	pp_proc(c, "t", "p", &o, 60000, &mine);
	return (0); /* not reached before the kill */
}

/* A waiting claim whose client dies must not take the next log with it:
 * nobody would receive it, and it would stay claimed until the reclaim
 * timeout (here: never). */
static void
test_dead_waiter_dropped(void)
{
	pp_proc_opts  o = quiet_opts(">", 1);
	pp_spawn_opts so;
	pp_t_child    waiter;
	pp_claim     *cl;
	pp_tnode      n;

	/* Forked before this process uses NNG (harness.h). */
	pp_t_child_fork(&waiter, waiter_main, NULL);
	memset(&so, 0, sizeof(so));
	so.workers = PP_WORKERS_NONE; /* an idle worker waits too */
	pp_t_node_init(&n);
	pp_t_node_start(&n, &so);
	MAKE_PROC(n.client, "t", "p", &o);
	pp_t_write_all(waiter.to_fd, n.address, strlen(n.address));
	pp_t_write_all(waiter.to_fd, "\n", 1);
	PP_ASSERT_U64_EQ(waiting_becomes(n.client, 1, 10000), 1);
	kill(waiter.pid, SIGKILL);
	pp_t_child_wait(&waiter, 10000);
	/* The node learns of the closed connection and drops the wait. */
	PP_ASSERT_U64_EQ(waiting_becomes(n.client, 0, 10000), 0);
	PUT_LOGS(n.client, "t", 0, 1);
	cl = proc_claim_at(__FILE__, __LINE__, n.client, "t", "p", &o, 0);
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 1);
	pp_claim_free(cl);
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("pp_available_proc with wait_ms returns the log committed "
	    "to any of the procs' topics within a second",
	    test_avail_wait_wakes, 0),
	PP_NODE_CASE("a waiting pp_available_proc is woken by an ack or a "
	    "resume that frees logs",
	    test_avail_wait_released, 0),
	PP_NODE_CASE("the token of pp_available_proc acks the proc "
	    "names[index] and no other",
	    test_avail_token, 0),
	PP_CASE("a waiting claim whose client was killed is dropped and takes "
	    "no log",
	    test_dead_waiter_dropped, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
