/*
 * live_client_test.c - liveProcs and their client against a real node
 * (issue 4 item 4; PEER §13-14): pp_wait_for_procs with idle and busy
 * liveProcs, delivery without polling delays, a client shared with other
 * threads, and the error paths (bad arguments, a killed node, a client
 * shut down).
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

/* ---- waitForProcs ------------------------------------------------------- */

static void
test_wait_for_procs(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	recorder      r;
	pp_live      *live;
	const char   *name;
	uint64_t      start;

	rec_init(&r, ACT_GATE, n->client);
	PUT_LOGS(n->client, "t", 0, 3);
	live = LIVE_START(n->client, "t", &o, &r);
	name = pp_live_proc_name(live);
	/* Never acked, nothing to read: done (PEER §14 hung here). */
	start = pp_t_mono_ms();
	PP_PASS(pp_wait_for_procs(n->client, &name, 1, pp_t_scaled(5000)));
	PP_PASS(pp_wait_for_procs(n->client, NULL, 0, pp_t_scaled(5000)));
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, pp_t_scaled(1000));
	/* A claim the callback still holds: not done. */
	PUT_LOGS(n->client, "t", 3, 1);
	WAIT_GATE(&r, 5000);
	PP_FAIL(pp_wait_for_procs(n->client, &name, 1, 300), PP_ETIMEDOUT);
	rec_open_gate(&r);
	PP_PASS(pp_wait_for_procs(n->client, &name, 1, pp_t_scaled(5000)));
	CHECK_LOGS(&r, 0, "t", 3, 1);
	pp_live_proc_free(live);
}

/* ---- latency, sharing ---------------------------------------------------- */

static void
test_latency(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	recorder      r;
	pp_live      *live;
	uint64_t      start, worst = 0, took;
	size_t        i;

	rec_init(&r, ACT_RETURN_0, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	/* One at a time, each after the previous callback: every commit
	 * finds the liveProc idle (the polling peer took up to 4.5 s). */
	for (i = 0; i < 20; i++) {
		start = pp_t_mono_ms();
		PUT_LOGS(n->client, "t", i, 1);
		WAIT_LOGS(&r, i + 1, 5000);
		pthread_mutex_lock(&r.mu);
		took = r.entered_ms - start;
		pthread_mutex_unlock(&r.mu);
		worst = took > worst ? took : worst;
	}
	pp_t_diag("slowest commit-to-callback: %" PRIu64 " ms", worst);
	PP_ASSERT_U64_CMP(worst, <, 1000);
	CHECK_LOGS(&r, 0, "t", 0, 20);
	pp_live_proc_free(live);
}

#define SHARE_THREADS 4

#define SHARE_LOGS    50

typedef struct sharer {
	pp_client *client;
	char       topic[16];
	int        rv;
} sharer;

static void *
sharer_main(void *arg)
{
	sharer   *s = arg;
	pp_record rec;
	pp_id     id;
	uint64_t  count;
	char      body[BODY_MAX];
	int       i;

	for (i = 0; i < SHARE_LOGS && s->rv == 0; i++) {
		rec.topic = s->topic;
		rec.body = body;
		rec.len = (size_t)snprintf(body, sizeof(body), "%s-%d",
		    s->topic, i);
		s->rv = pp_commit(s->client, &rec, 1, &id);
		if (s->rv == 0) {
			s->rv = pp_length(s->client, s->topic, &count);
		}
	}
	return (NULL);
}

static void
test_shared_client(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	pthread_t     th[SHARE_THREADS];
	sharer        sh[SHARE_THREADS];
	recorder      r;
	pp_live      *live;
	int           i;

	rec_init(&r, ACT_RETURN_0, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	/* The liveProc blocks in the node on this client while other
	 * threads commit and read through it. */
	for (i = 0; i < SHARE_THREADS; i++) {
		sh[i].client = n->client;
		sh[i].rv = 0;
		snprintf(sh[i].topic, sizeof(sh[i].topic), "s%d", i);
		PP_ASSERT_INT_EQ(
		    pthread_create(&th[i], NULL, sharer_main, &sh[i]), 0);
	}
	PUT_LOGS(n->client, "t", 0, SHARE_LOGS);
	for (i = 0; i < SHARE_THREADS; i++) {
		pthread_join(th[i], NULL);
		PP_PASS(sh[i].rv);
		PP_ASSERT_U64_EQ(pp_t_length(n->client, sh[i].topic), SHARE_LOGS);
	}
	WAIT_LOGS(&r, SHARE_LOGS, 10000);
	CHECK_LOGS(&r, 0, "t", 0, SHARE_LOGS);
	pp_live_proc_free(live);
}

/* ---- errors ----------------------------------------------------------------- */

static void
test_bad_arguments(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	pp_live_opts  bad;
	recorder      r;
	pp_live      *live = NULL;

	rec_init(&r, ACT_RETURN_0, n->client);
	PP_FAIL(pp_live_proc(n->client, "t", &o, NULL, &r, &live), PP_EINVAL);
	PP_FAIL(pp_live_proc(n->client, "t", &o, rec_on_claim, &r, NULL),
	    PP_EINVAL);
	PP_FAIL(pp_live_proc(NULL, "t", &o, rec_on_claim, &r, &live),
	    PP_ENOTCONN);
	PP_FAIL(pp_live_proc(n->client, "bad topic", &o, rec_on_claim, &r, &live),
	    PP_EINVALID_TOPIC);
	PP_FAIL(pp_live_proc(n->client, NULL, &o, rec_on_claim, &r, &live),
	    PP_EINVALID_TOPIC);
	bad = o;
	bad.count = 100001;
	PP_FAIL(pp_live_proc(n->client, "t", &bad, rec_on_claim, &r, &live),
	    PP_EINVALID_OPTION);
	bad = o;
	bad.mode = (enum pp_live_mode)7;
	PP_FAIL(pp_live_proc(n->client, "t", &bad, rec_on_claim, &r, &live),
	    PP_EINVALID_OPTION);
	bad = o;
	bad.reclaim_timeout_ms = -5;
	PP_FAIL(pp_live_proc(n->client, "t", &bad, rec_on_claim, &r, &live),
	    PP_EINVALID_OPTION);
	PP_ASSERT_TRUE(live == NULL);
	PP_ASSERT_U64_EQ(live_count_procs(n->client), 0);
	/* NULL options are the defaults; NULL handles are refused. */
	live = LIVE_START(n->client, "t", NULL, &r);
	PP_FAIL(pp_live_proc_cancel(NULL), PP_EINVAL);
	PP_ASSERT_TRUE(pp_live_proc_name(NULL) == NULL);
	PP_FAIL(pp_live_ack(NULL), PP_ENOTHING_TO_ACK);
	pp_live_proc_free(live);
	PP_ASSERT_U64_EQ(live_count_procs(n->client), 0);
	PP_ASSERT_U64_EQ(r.nerrors, 0);
}

static void
test_node_killed(void)
{
	pp_connect_opts copts;
	pp_live_opts    o = { PP_LIVE_NEW, 0, 0, 0 };
	pp_tnode        n;
	recorder        r;
	pp_live        *live;
	pp_client      *c = NULL;
	uint64_t        start;
	int             rv;

	memset(&copts, 0, sizeof(copts));
	copts.request_timeout_ms = 500;
	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, NULL), 0);
	PP_PASS(pp_connect(n.address, &copts, &c));
	rec_init(&r, ACT_RETURN_0, c);
	live = LIVE_START(c, "t", &o, &r);
	PUT_LOGS(c, "t", 0, 1);
	WAIT_LOGS(&r, 1, 5000);
	pp_t_node_kill(&n, SIGKILL);
	/* The claim in flight times out (its wait slice is the request
	 * timeout, 500 ms, plus the timeout itself). */
	WAIT_ERRORS(&r, 1, 10000);
	pthread_mutex_lock(&r.mu);
	PP_ASSERT_INT_CMP(r.last_status, <, 0);
	pp_t_diag("the callback got %s", pp_errname(r.last_status));
	pthread_mutex_unlock(&r.mu);
	/* Cancel cannot destroy the proc, but it returns, with an error. */
	start = pp_t_mono_ms();
	rv = pp_live_proc_cancel(live);
	pp_t_diag("cancel returned %s after %" PRIu64 " ms", pp_errname(rv),
	    pp_t_mono_ms() - start);
	PP_ASSERT_INT_CMP(rv, <, 0);
	PP_PASS(pp_live_proc_cancel(live));
	pp_live_proc_free(live);
	pp_close(c);
}

static void
test_client_shutdown(void)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	pp_tnode      n;
	recorder      r;
	pp_live      *live;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	rec_init(&r, ACT_RETURN_0, n.client);
	live = LIVE_START(n.client, "t", &o, &r);
	/* pp_shutdown stops the node; the liveProc sees its client
	 * closed, tells the callback and stops. */
	PP_PASS(pp_shutdown(n.client));
	WAIT_ERRORS(&r, 1, 10000);
	PP_ASSERT_INT_CMP(r.last_status, <, 0);
	PP_ASSERT_INT_EQ(pp_live_proc_cancel(live), PP_ECLOSED);
	pp_live_proc_free(live);
	pp_close(n.client);
	n.client = NULL;
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("pp_wait_for_procs: an idle liveProc is done, one holding "
	    "a claim is not",
	    test_wait_for_procs, 0),
	PP_NODE_CASE("each commit reaches an idle liveProc's callback without "
	    "polling delays",
	    test_latency, 0),
	PP_NODE_CASE("a liveProc blocks on a client that other threads use "
	    "meanwhile",
	    test_shared_client, 0),
	PP_NODE_CASE("bad arguments fail before any proc exists",
	    test_bad_arguments, 0),
	PP_CASE("a killed node gives the callback an error; cancel and free "
	    "still return",
	    test_node_killed, 0),
	PP_CASE("pp_shutdown of the client stops its liveProcs with an error",
	    test_client_shutdown, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
