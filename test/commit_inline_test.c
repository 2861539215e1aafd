/*
 * commit_inline_test.c - small commits on a node that does not sync
 * (--sync none), which applies a plain commit in the thread that received
 * it whenever its writer is idle (issue 15, node/writer.c): concurrent
 * clients still get each log stored once, in each client's order, with
 * unique sequences; a claim waiting for logs is answered by such a
 * commit, and the claim it takes still times out and goes back.
 * The kill -9 case with --sync none is in crash_test.c.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "proc_util.h"

#define CLIENTS 8
#define PER_CLIENT 300

static void
start_nosync(pp_tnode *n)
{
	pp_spawn_opts so;

	memset(&so, 0, sizeof(so));
	so.sync_mode = PP_SYNC_NONE;
	pp_t_node_init(n);
	pp_t_node_start(n, &so);
}

typedef struct committer {
	const char *address;
	int         index;
	pp_id       ids[PER_CLIENT];
	int         rv;
} committer;

static void *
committer_main(void *arg)
{
	committer *c = arg;
	pp_client *client;
	pp_record  rec;
	char       body[32];
	int        i;

	if ((c->rv = pp_connect(c->address, NULL, &client)) != 0) {
		return (NULL);
	}
	rec.topic = "t";
	rec.body  = body;
	for (i = 0; i < PER_CLIENT && c->rv == 0; i++) {
		rec.len = (size_t)snprintf(body, sizeof(body), "c%d-%d",
		    c->index, i);
		c->rv = pp_commit(client, &rec, 1, &c->ids[i]);
	}
	pp_close(client);
	return (NULL);
}

static int
cmp_seq(const void *a, const void *b)
{
	const pp_id *x = a, *y = b;

	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* Many clients at once: some commits go inline, some through the
 * writer's queue; together they must look like one writer's work. */
static void
test_concurrent(void)
{
	static committer cs[CLIENTS];
	static pp_id     all[CLIENTS * PER_CLIENT];
	pthread_t        th[CLIENTS];
	pp_tnode         n;
	pp_result       *res;
	pp_client       *c;
	uint64_t         len;
	size_t           i, k;
	char             body[32];

	start_nosync(&n);
	for (i = 0; i < CLIENTS; i++) {
		cs[i].address = n.address;
		cs[i].index   = (int)i;
		PP_ASSERT_INT_EQ(
		    pthread_create(&th[i], NULL, committer_main, &cs[i]), 0);
	}
	for (i = 0; i < CLIENTS; i++) {
		pthread_join(th[i], NULL);
		PP_ASSERT_INT_EQ(cs[i].rv, 0);
		/* A client's commits are applied in its order. */
		for (k = 1; k < PER_CLIENT; k++) {
			PP_ASSERT_U64_CMP(
			    cs[i].ids[k - 1].seq, <, cs[i].ids[k].seq);
		}
		memcpy(&all[i * PER_CLIENT], cs[i].ids, sizeof(cs[i].ids));
	}
	/* Sequences are unique and leave no gap: each log stored once. */
	qsort(all, CLIENTS * PER_CLIENT, sizeof(all[0]), cmp_seq);
	for (i = 0; i < CLIENTS * PER_CLIENT; i++) {
		PP_ASSERT_U64_EQ(all[i].seq, (uint64_t)i);
	}
	c = pp_t_connect(n.address);
	PP_PASS(pp_length(c, "t", &len));
	PP_ASSERT_U64_EQ(len, (uint64_t)(CLIENTS * PER_CLIENT));
	/* And an id holds the body its client sent. */
	for (i = 0; i < CLIENTS; i += 3) {
		pp_range_opts ro;
		char          start[64];

		k = PER_CLIENT / 2;
		snprintf(start, sizeof(start), "%llu-%llu",
		    (unsigned long long)cs[i].ids[k].ms,
		    (unsigned long long)cs[i].ids[k].seq);
		memset(&ro, 0, sizeof(ro));
		ro.start = start;
		ro.end   = start;
		PP_PASS(pp_range(c, "t", &ro, &res));
		PP_ASSERT_INT_EQ((int)pp_result_count(res), 1);
		snprintf(body, sizeof(body), "c%zu-%zu", i, k);
		PP_ASSERT_MEM_EQ(pp_result_log(res, 0)->body,
		    pp_result_log(res, 0)->len, body, strlen(body));
		pp_result_free(res);
	}
	pp_close(c);
	pp_t_node_stop(&n);
}

typedef struct waiter {
	const char *address;
	pp_proc_opts opts;
	uint64_t    took_ms;
	size_t      count;
	int         rv;
} waiter;

static void *
waiter_main(void *arg)
{
	waiter    *w = arg;
	pp_client *c;
	pp_claim  *cl;
	uint64_t   start = pp_t_mono_ms();

	if ((w->rv = pp_connect(w->address, NULL, &c)) != 0) {
		return (NULL);
	}
	if ((w->rv = pp_proc(c, "w", "p", &w->opts, pp_t_scaled(10000), &cl)) ==
	    0) {
		w->count = pp_claim_count(cl);
		pp_claim_free(cl);
	}
	w->took_ms = pp_t_mono_ms() - start;
	pp_close(c);
	return (NULL);
}

static uint64_t
waiting_requests(pp_client *c)
{
	pp_stats_report *st;
	uint64_t         n;

	PP_PASS(pp_stats(c, &st));
	n = pp_stats_node(st)->waiting_requests;
	pp_stats_free(st);
	return (n);
}

/*
 * A waiting claim is parked in the writer; a commit applied inline must
 * wake it as the writer would, and the reclaim timer its claim sets must
 * still fire (the writer looks at its deadlines again).
 */
static void
test_waiting_claim(void)
{
	pp_tnode     n;
	pp_client   *c;
	pthread_t    th;
	waiter       w;
	pp_proc_opts o = PP_PROC_OPTS_INIT;
	pp_claim    *cl;
	uint64_t     start;

	start_nosync(&n);
	c = pp_t_connect(n.address);
	o.reclaim_timeout_ms = 300;
	o.max_reclaims       = -1;
	/* The proc exists first, so the waiter's claim finds nothing. */
	CLAIM_NOTHING(c, "w", "p", &o);
	memset(&w, 0, sizeof(w));
	w.address = n.address;
	w.opts    = o;
	PP_ASSERT_INT_EQ(pthread_create(&th, NULL, waiter_main, &w), 0);
	/* Parked: the node counts it as waiting. */
	PP_WAIT_UNTIL(waiting_requests(c) >= 1, 5000);
	PUT_LOGS(c, "w", 0, 1);
	pthread_join(th, NULL);
	PP_ASSERT_INT_EQ(w.rv, 0);
	PP_ASSERT_INT_EQ((int)w.count, 1);
	PP_ASSERT_U64_CMP(w.took_ms, <, (uint64_t)pp_t_scaled(5000));
	/* Never acked: its timer gives the log back. */
	start = pp_t_mono_ms();
	cl    = proc_claim_at(__FILE__, __LINE__, c, "w", "p", &o,
        pp_t_scaled(5000));
	CHECK_CLAIM(cl, "w", 0, 1);
	pp_claim_free(cl);
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, (uint64_t)pp_t_scaled(3000));
	pp_close(c);
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_CASE("with --sync none, concurrent clients' commits are each "
	        "stored once, in each client's order",
	    test_concurrent, 120),
	PP_CASE("with --sync none, a commit wakes a waiting claim whose "
	        "reclaim timer then fires",
	    test_waiting_claim, 60),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
