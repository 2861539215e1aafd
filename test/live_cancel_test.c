/*
 * live_cancel_test.c - ending liveProcs against a real node (issue 4 item
 * 4; PEER §13 with the fix of PEER §23.22): cancel (twice, from inside the
 * callback, while a callback runs, by free) leaves no proc behind, and a
 * liveProc destroyed by another client ends.
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

/* ---- cancel ----------------------------------------------------------------- */

static void
test_cancel(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	pp_proc_info  info;
	recorder      r;
	pp_live      *live;
	char          name[64], offset[16];
	const char   *name_p;
	uint64_t      start, took;

	rec_init(&r, ACT_RETURN_0, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	snprintf(name, sizeof(name), "%s", pp_live_proc_name(live));
	PUT_LOGS(n->client, "t", 0, 1);
	WAIT_LOGS(&r, 1, 5000);
	PP_ASSERT_U64_EQ(live_count_procs(n->client), 1);
	/* Acked: the ack went with the next claim, which is parked now. */
	name_p = name;
	PP_PASS(pp_wait_for_procs(n->client, &name_p, 1, pp_t_scaled(5000)));
	/* The thread is parked in the node (wait: the request timeout,
	 * 60 s); cancel must wake it, not wait for the slice to end. */
	start = pp_t_mono_ms();
	PP_PASS(pp_live_proc_cancel(live));
	took = pp_t_mono_ms() - start;
	pp_t_diag("cancel of a parked liveProc took %" PRIu64 " ms", took);
	PP_ASSERT_U64_CMP(took, <, pp_t_scaled(2000));
	PP_FAIL(live_inspect(n->client, name, &info, offset, sizeof(offset)),
	    PP_ENOPROC);
	PP_ASSERT_U64_EQ(live_count_procs(n->client), 0);
	/* Twice is fine; nothing is delivered any more. */
	PP_PASS(pp_live_proc_cancel(live));
	PUT_LOGS(n->client, "t", 1, 1);
	PP_ASSERT_U64_EQ(rec_nlogs(&r), 1);
	/* The parked claim was answered, so nothing re-creates the proc
	 * when the node retries its waits after a commit. */
	PP_PASS(pp_wait_for_procs(n->client, NULL, 0, pp_t_scaled(5000)));
	PP_ASSERT_U64_EQ(live_count_procs(n->client), 0);
	pp_live_proc_free(live);
	PP_ASSERT_U64_EQ(live_count_procs(n->client), 0);
}

static void
test_cancel_inside(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	recorder      r;
	pp_live      *live;

	rec_init(&r, ACT_CANCEL, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	PUT_LOGS(n->client, "t", 0, 1);
	WAIT_LOGS(&r, 1, 5000);
	PP_PASS(r.cancel_rv);
	/* The thread destroys the proc once the callback has returned. */
	PP_WAIT_UNTIL(live_count_procs(n->client) == 0, 5000);
	PUT_LOGS(n->client, "t", 1, 2);
	/* The later cancel waits for the thread and reports its result. */
	PP_PASS(pp_live_proc_cancel(live));
	PP_PASS(pp_live_proc_cancel(live));
	PP_ASSERT_U64_EQ(rec_nlogs(&r), 1);
	PP_ASSERT_U64_EQ(live_count_procs(n->client), 0);
	pp_live_proc_free(live);
}

typedef struct canceller {
	recorder     *r;
	pp_live      *live;
	bool          is_called;
	int           rv;
} canceller;

static void *
canceller_main(void *arg)
{
	canceller *k = arg;

	pthread_mutex_lock(&k->r->mu);
	k->is_called = true;
	pthread_cond_broadcast(&k->r->cv);
	pthread_mutex_unlock(&k->r->mu);
	k->rv = pp_live_proc_cancel(k->live);
	pthread_mutex_lock(&k->r->mu);
	k->r->is_cancel_returned = true;
	pthread_mutex_unlock(&k->r->mu);
	return (NULL);
}

static bool
is_cancel_called(const recorder *r, size_t arg)
{
	(void)r;
	return (((const canceller *)(uintptr_t)arg)->is_called);
}

static void
test_cancel_during_callback(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	recorder      r;
	canceller     k;
	pthread_t     th;
	pp_live      *live;

	rec_init(&r, ACT_GATE, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	PUT_LOGS(n->client, "t", 0, 2);
	WAIT_GATE(&r, 5000);
	/* Cancel from another thread while the callback runs: it returns
	 * only after the callback did, whenever the gate opens. */
	memset(&k, 0, sizeof(k));
	k.r = &r;
	k.live = live;
	PP_ASSERT_INT_EQ(pthread_create(&th, NULL, canceller_main, &k), 0);
	rec_wait_at(__FILE__, __LINE__, &r, is_cancel_called, (size_t)(uintptr_t)&k,
	    5000, "cancel called");
	rec_open_gate(&r);
	pthread_join(th, NULL);
	PP_PASS(k.rv);
	PP_ASSERT_TRUE(!r.was_cancel_returned);
	/* The callback that ran finished; the second log never came. */
	PP_ASSERT_U64_EQ(rec_nlogs(&r), 1);
	PP_ASSERT_U64_EQ(live_count_procs(n->client), 0);
	pp_live_proc_free(live);
}

static void
test_free_without_cancel(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_ALL, 0, 0, 0 };
	recorder      r;
	pp_live      *live;
	int           i;

	rec_init(&r, ACT_RETURN_0, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	PP_ASSERT_U64_EQ(live_count_procs(n->client), 1);
	pp_live_proc_free(live);
	PP_ASSERT_U64_EQ(live_count_procs(n->client), 0);
	pp_live_proc_free(NULL);
	/* Many in a row leave nothing behind either. */
	for (i = 0; i < 20; i++) {
		live = LIVE_START(n->client, "t", &o, &r);
		pp_live_proc_free(live);
	}
	PP_ASSERT_U64_EQ(live_count_procs(n->client), 0);
}

static void
test_destroyed_elsewhere(pp_tnode *n)
{
	pp_live_opts  o = { PP_LIVE_NEW, 0, 0, 0 };
	recorder      r;
	pp_live      *live;

	rec_init(&r, ACT_GATE, n->client);
	live = LIVE_START(n->client, "t", &o, &r);
	PUT_LOGS(n->client, "t", 0, 1);
	WAIT_GATE(&r, 5000);
	/* Destroyed while its callback runs: the ack that follows finds no
	 * proc; the liveProc reports PP_ENOPROC and stops, and creates
	 * nothing again. */
	PP_PASS(pp_proc_destroy(n->client, pp_live_proc_name(live), NULL));
	rec_open_gate(&r);
	WAIT_ERRORS(&r, 1, 5000);
	PP_ASSERT_INT_EQ(r.last_status, PP_ENOPROC);
	PUT_LOGS(n->client, "t", 1, 1);
	PP_PASS(pp_wait_for_procs(n->client, NULL, 0, pp_t_scaled(5000)));
	PP_ASSERT_U64_EQ(live_count_procs(n->client), 0);
	PP_ASSERT_U64_EQ(rec_nlogs(&r), 1);
	PP_PASS(pp_live_proc_cancel(live));
	pp_live_proc_free(live);
	PP_ASSERT_U64_EQ(r.nerrors, 1);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("cancel wakes the parked claim, destroys the proc, and "
	    "may be called twice",
	    test_cancel, 0),
	PP_NODE_CASE("cancel from inside the callback stops the liveProc after "
	    "it returns",
	    test_cancel_inside, 0),
	PP_NODE_CASE("cancel waits for the running callback and delivers "
	    "nothing after",
	    test_cancel_during_callback, 0),
	PP_NODE_CASE("free without cancel leaves no proc behind",
	    test_free_without_cancel, 0),
	PP_NODE_CASE("a liveProc whose proc is destroyed elsewhere stops with "
	    "PP_ENOPROC",
	    test_destroyed_elsewhere, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
