/*
 * commit_async_test.c - pp_commit_async against a real node: every commit
 * calls back exactly once and in order, batches stay atomic and share a
 * millisecond, a refused call never calls back, and pp_close answers
 * every queued commit first. Callbacks are counted and the totals
 * asserted exactly.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "commit_util.h"

/* ---- asynchronous commits ------------------------------------------------ */

#define ASYNC_N 20000

static struct {
	pthread_mutex_t mu;
	size_t          calls;
	size_t          next;
	int             bad_status;
	int             bad_order;
	int             bad_count;
	pp_id           ids[ASYNC_N];
} g_async = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, 0, { { 0, 0 } } };

static void
async_cb(void *arg, int status, const pp_id *ids, size_t count)
{
	size_t i = (size_t)(uintptr_t)arg;

	pthread_mutex_lock(&g_async.mu);
	if (status != 0 && g_async.bad_status == 0) {
		g_async.bad_status = status;
	}
	if (status == 0 && count != 1) {
		g_async.bad_count++;
	}
	if (i != g_async.next) {
		g_async.bad_order++;
	}
	if (status == 0 && ids != NULL && i < ASYNC_N) {
		g_async.ids[i] = ids[0];
	}
	g_async.next = i + 1;
	g_async.calls++;
	pthread_mutex_unlock(&g_async.mu);
}

static size_t
async_calls(void)
{
	size_t n;

	pthread_mutex_lock(&g_async.mu);
	n = g_async.calls;
	pthread_mutex_unlock(&g_async.mu);
	return (n);
}

static void
test_async(pp_tnode *n)
{
	pp_record r;
	char      body[32];
	pp_t_logs logs;
	size_t    i;

	r.topic = "async";
	r.body  = body;
	for (i = 0; i < ASYNC_N; i++) {
		r.len = (size_t)snprintf(body, sizeof(body), "a%zu", i);
		PP_PASS(pp_commit_async(n->client, &r, 1, async_cb,
		    (void *)(uintptr_t)i));
	}
	PP_PASS(pp_flush(n->client, -1));
	PP_ASSERT_U64_EQ(async_calls(), ASYNC_N);
	PP_ASSERT_INT_EQ(g_async.bad_status, 0);
	PP_ASSERT_INT_EQ(g_async.bad_count, 0);
	/* Callbacks of one client run in call order. */
	PP_ASSERT_INT_EQ(g_async.bad_order, 0);
	for (i = 0; i < ASYNC_N; i++) {
		PP_ASSERT_U64_EQ(g_async.ids[i].seq, i);
		if (i > 0) {
			PP_ASSERT_U64_CMP(g_async.ids[i].ms, >=,
			    g_async.ids[i - 1].ms);
		}
	}
	/* A flush with nothing pending returns at once; no late callback. */
	PP_PASS(pp_flush(n->client, 0));
	PP_ASSERT_U64_EQ(async_calls(), ASYNC_N);
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "async"), ASYNC_N);
	pp_t_read_all(n->client, "async", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, ASYNC_N);
	for (i = 0; i < ASYNC_N; i++) {
		snprintf(body, sizeof(body), "a%zu", i);
		PP_ASSERT_STR_EQ(logs.bodies[i], body);
		PP_ASSERT_U64_EQ(logs.ids[i].ms, g_async.ids[i].ms);
	}
	pp_t_logs_free(&logs);
}

#define BATCH_CALLS 1000

static struct {
	pthread_mutex_t mu;
	size_t          calls;
	int             bad;
	pp_id           ids[BATCH_CALLS][3];
} g_batch = { PTHREAD_MUTEX_INITIALIZER, 0, 0, { { { 0, 0 } } } };

static void
batch_cb(void *arg, int status, const pp_id *ids, size_t count)
{
	size_t i = (size_t)(uintptr_t)arg;

	pthread_mutex_lock(&g_batch.mu);
	if (status != 0 || count != 3 || i >= BATCH_CALLS) {
		g_batch.bad++;
	} else {
		memcpy(g_batch.ids[i], ids, 3 * sizeof(pp_id));
	}
	g_batch.calls++;
	pthread_mutex_unlock(&g_batch.mu);
}

static void
test_async_batches(pp_tnode *n)
{
	pp_record r[3] = { { "x", "1", 1 }, { "y", "2", 1 }, { "x", "3", 1 } };
	pp_t_logs lx, ly;
	size_t    i;

	for (i = 0; i < BATCH_CALLS; i++) {
		PP_PASS(pp_commit_async(n->client, r, 3, batch_cb,
		    (void *)(uintptr_t)i));
	}
	PP_PASS(pp_flush(n->client, -1));
	pthread_mutex_lock(&g_batch.mu);
	PP_ASSERT_U64_EQ(g_batch.calls, BATCH_CALLS);
	PP_ASSERT_INT_EQ(g_batch.bad, 0);
	pthread_mutex_unlock(&g_batch.mu);
	for (i = 0; i < BATCH_CALLS; i++) {
		/* One call: one millisecond, consecutive sequences per topic. */
		PP_ASSERT_U64_EQ(g_batch.ids[i][0].ms, g_batch.ids[i][1].ms);
		PP_ASSERT_U64_EQ(g_batch.ids[i][0].ms, g_batch.ids[i][2].ms);
		PP_ASSERT_U64_EQ(g_batch.ids[i][0].seq, 2 * i);
		PP_ASSERT_U64_EQ(g_batch.ids[i][2].seq, 2 * i + 1);
		PP_ASSERT_U64_EQ(g_batch.ids[i][1].seq, i);
	}
	pp_t_read_all(n->client, "x", NULL, false, &lx);
	pp_t_read_all(n->client, "y", NULL, false, &ly);
	PP_ASSERT_U64_EQ(lx.count, 2 * BATCH_CALLS);
	PP_ASSERT_U64_EQ(ly.count, BATCH_CALLS);
	for (i = 0; i < BATCH_CALLS; i++) {
		PP_ASSERT_STR_EQ(lx.bodies[2 * i], "1");
		PP_ASSERT_STR_EQ(lx.bodies[2 * i + 1], "3");
		PP_ASSERT_STR_EQ(ly.bodies[i], "2");
	}
	pp_t_logs_free(&lx);
	pp_t_logs_free(&ly);
}

static atomic_int g_never_calls;

static void
never_cb(void *arg, int status, const pp_id *ids, size_t count)
{
	(void)arg;
	(void)status;
	(void)ids;
	(void)count;
	atomic_fetch_add(&g_never_calls, 1);
}

static void
test_async_errors(void)
{
	pp_tnode      n;
	pp_spawn_opts o;
	char          big[2048];
	pp_record     bad   = { "a b", "x", 1 };
	pp_record     pair[2] = { { "ok", "x", 1 }, { "", "x", 1 } };
	pp_record     huge  = { "ok", big, sizeof(big) };
	uint64_t      count;

	memset(&o, 0, sizeof(o));
	memset(big, 'q', sizeof(big));
	o.max_body_bytes = 1024;
	pp_t_node_init(&n);
	pp_t_node_start(&n, &o);
	PP_FAIL(pp_commit_async(n.client, &bad, 1, never_cb, NULL),
	    PP_EINVALID_TOPIC);
	PP_FAIL(pp_commit_async(n.client, pair, 2, never_cb, NULL),
	    PP_EINVALID_TOPIC);
	PP_FAIL(pp_commit_async(n.client, pair, 0, never_cb, NULL), PP_EEMPTY);
	PP_FAIL(pp_commit_async(n.client, &huge, 1, never_cb, NULL),
	    PP_ETOOBIG);
	PP_PASS(pp_flush(n.client, -1));
	PP_ASSERT_INT_EQ(atomic_load(&g_never_calls), 0);
	PP_FAIL(pp_length(n.client, "ok", &count), PP_ENOTOPIC);
	pp_t_node_stop(&n);
	PP_ASSERT_INT_EQ(atomic_load(&g_never_calls), 0);
}

static atomic_int g_close_calls;

static void
close_cb(void *arg, int status, const pp_id *ids, size_t count)
{
	(void)arg;
	(void)ids;
	(void)count;
	if (status == 0) {
		atomic_fetch_add(&g_close_calls, 1);
	}
}

static void
test_close_answers_async(pp_tnode *n)
{
	pp_client *c;
	pp_record  r = { "queued", "q", 1 };
	int        i;

	c = pp_t_connect(n->address);
	for (i = 0; i < 5000; i++) {
		PP_PASS(pp_commit_async(c, &r, 1, close_cb, NULL));
	}
	/* No pp_flush: pp_close itself waits for every answer. */
	pp_close(c);
	PP_ASSERT_INT_EQ(atomic_load(&g_close_calls), 5000);
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "queued"), 5000);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("20,000 asynchronous commits call back once each, in order",
	    test_async, 120),
	PP_NODE_CASE("asynchronous batches stay atomic and share a millisecond",
	    test_async_batches, 0),
	PP_CASE("a refused asynchronous commit never calls back",
	    test_async_errors, 0),
	PP_NODE_CASE("pp_close answers every queued asynchronous commit first",
	    test_close_answers_async, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
