/*
 * commit_test.c - pp_commit and pp_commit_async against a real node:
 * ids (SPEC §2, PEER §2), batches and their atomicity across topics
 * (PEER §5), bodies and topic names (SPEC §2), concurrency from threads and
 * processes (issue 2 item 6), restart, length/stat/topics (PEER §7 with the
 * fix of PEER §23.3).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define SENTINEL_MS 0xabababababababULL

static void
fill_sentinel(pp_id *ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		ids[i].ms  = SENTINEL_MS;
		ids[i].seq = SENTINEL_MS;
	}
}

static void
assert_sentinel(const pp_id *ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		PP_ASSERT_U64_EQ(ids[i].ms, SENTINEL_MS);
		PP_ASSERT_U64_EQ(ids[i].seq, SENTINEL_MS);
	}
}

static void
test_single(pp_tnode *n)
{
	pp_t_logs logs;
	uint64_t  before, after;
	pp_id     a, b;

	before = pp_t_now_ms();
	a      = pp_t_commit_str(n->client, "t", "hello");
	after  = pp_t_now_ms();
	PP_ASSERT_U64_EQ(a.seq, 0);
	/* The node's clock is this machine's clock. */
	PP_ASSERT_U64_CMP(a.ms + 100, >=, before);
	PP_ASSERT_U64_CMP(a.ms, <=, after + 100);
	b = pp_t_commit_str(n->client, "t", "world");
	PP_ASSERT_U64_EQ(b.seq, 1);
	PP_ASSERT_U64_CMP(b.ms, >=, a.ms);

	pp_t_read_all(n->client, "t", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 2);
	PP_ASSERT_U64_EQ(logs.ids[0].ms, a.ms);
	PP_ASSERT_U64_EQ(logs.ids[0].seq, 0);
	PP_ASSERT_STR_EQ(logs.bodies[0], "hello");
	PP_ASSERT_U64_EQ(logs.ids[1].ms, b.ms);
	PP_ASSERT_U64_EQ(logs.ids[1].seq, 1);
	PP_ASSERT_STR_EQ(logs.bodies[1], "world");
	pp_t_logs_free(&logs);
}

static void
test_sequence(pp_tnode *n)
{
	pp_id    id, prev = { 0, 0 };
	char     body[32];
	int      i;

	for (i = 0; i < 50; i++) {
		snprintf(body, sizeof(body), "b%d", i);
		id = pp_t_commit_str(n->client, "seq", body);
		PP_ASSERT_U64_EQ(id.seq, (uint64_t)i);
		PP_ASSERT_U64_CMP(id.ms, >=, prev.ms);
		prev = id;
	}
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "seq"), 50);
}

static void
test_batch_interleaved(pp_tnode *n)
{
	static const char *topics[6] = { "t0", "t1", "t0", "t1", "t1", "t0" };
	static const char *bodies[6] = { "b0", "b1", "b2", "b3", "b4", "b5" };
	static const uint64_t seqs[6] = { 0, 0, 1, 1, 2, 2 };
	pp_record             r[6];
	pp_id                 ids[6];
	pp_t_logs             l0, l1;
	int                   i;

	for (i = 0; i < 6; i++) {
		r[i].topic = topics[i];
		r[i].body  = bodies[i];
		r[i].len   = 2;
	}
	PP_PASS(pp_commit(n->client, r, 6, ids));
	for (i = 0; i < 6; i++) {
		PP_ASSERT_U64_EQ(ids[i].seq, seqs[i]);
		PP_ASSERT_U64_EQ(ids[i].ms, ids[0].ms);
	}
	/* Ids are in input order: the id returned for record i names it. */
	pp_t_read_all(n->client, "t0", NULL, false, &l0);
	pp_t_read_all(n->client, "t1", NULL, false, &l1);
	PP_ASSERT_U64_EQ(l0.count, 3);
	PP_ASSERT_U64_EQ(l1.count, 3);
	for (i = 0; i < 6; i++) {
		pp_t_logs *l = topics[i][1] == '0' ? &l0 : &l1;

		PP_ASSERT_U64_EQ(l->ids[ids[i].seq].seq, ids[i].seq);
		PP_ASSERT_U64_EQ(l->ids[ids[i].seq].ms, ids[i].ms);
		PP_ASSERT_STR_EQ(l->bodies[ids[i].seq], bodies[i]);
	}
	pp_t_logs_free(&l0);
	pp_t_logs_free(&l1);
}

static void
test_atomic_across_topics(pp_tnode *n)
{
	static const char *bad[] = { "bad topic", "a#b", "", NULL };
	pp_record          r[3];
	pp_id              ids[3];
	int                i, pos;

	pp_t_commit_str(n->client, "valid", "first");
	/* The invalid topic at each position of the batch. */
	for (i = 0; bad[i] != NULL; i++) {
		for (pos = 0; pos < 3; pos++) {
			r[0].topic     = "valid";
			r[1].topic     = "fresh";
			r[2].topic     = "valid";
			r[pos].topic   = bad[i];
			r[0].body = r[1].body = r[2].body = "x";
			r[0].len = r[1].len = r[2].len = 1;
			fill_sentinel(ids, 3);
			PP_FAIL(pp_commit(n->client, r, 3, ids),
			    PP_EINVALID_TOPIC);
			assert_sentinel(ids, 3);
			PP_ASSERT_U64_EQ(pp_t_length(n->client, "valid"), 1);
			{
				uint64_t count = 99;

				PP_FAIL(pp_length(n->client, "fresh", &count),
				    PP_ENOTOPIC);
				PP_ASSERT_U64_EQ(count, 99);
			}
		}
	}
	/* The next good commit continues the sequence: nothing was used. */
	PP_ASSERT_U64_EQ(pp_t_commit_str(n->client, "valid", "second").seq, 1);
	PP_ASSERT_U64_EQ(pp_t_commit_str(n->client, "fresh", "first").seq, 0);
}

static void
test_empty(pp_tnode *n)
{
	pp_record r = { "t", "x", 1 };
	pp_id     id;

	fill_sentinel(&id, 1);
	PP_FAIL(pp_commit(n->client, &r, 0, &id), PP_EEMPTY);
	assert_sentinel(&id, 1);
	PP_FAIL(pp_commit(n->client, NULL, 0, &id), PP_EEMPTY);
}

static void
test_einval(pp_tnode *n)
{
	pp_record r = { "t", NULL, 5 };
	pp_id     id;
	int       rv;

	PP_FAIL(pp_commit(n->client, NULL, 1, &id), PP_EINVAL);
	/* A NULL body with a non-zero length is a bad body. */
	rv = pp_commit(n->client, &r, 1, &id);
	if (rv != PP_EINVALID_BODY && rv != PP_EINVAL) {
		PP_FAIL_AT("NULL body of 5 bytes: %d %s", rv, pp_errname(rv));
	}
	{
		uint64_t count;

		PP_FAIL(pp_length(n->client, "t", &count), PP_ENOTOPIC);
	}
}

static void
test_too_big(void)
{
	pp_tnode      n;
	pp_spawn_opts o;
	pp_record     r[2];
	pp_id         ids[2];
	char         *big = calloc(1, 2048);
	uint64_t      count;
	pp_t_logs     logs;

	PP_ASSERT_TRUE(big != NULL);
	memset(&o, 0, sizeof(o));
	o.max_body_bytes = 1024;
	pp_t_node_init(&n);
	pp_t_node_start(&n, &o);
	memset(big, 'z', 2048);
	r[0].topic = "a";
	r[0].body  = big;
	r[0].len   = 1024;
	PP_PASS(pp_commit(n.client, r, 1, ids));
	r[0].len = 1025;
	fill_sentinel(ids, 1);
	PP_FAIL(pp_commit(n.client, r, 1, ids), PP_ETOOBIG);
	assert_sentinel(ids, 1);
	/* In a batch: nothing of it is stored. */
	r[0].topic = "a";
	r[0].len   = 10;
	r[1].topic = "b";
	r[1].body  = big;
	r[1].len   = 2000;
	fill_sentinel(ids, 2);
	PP_FAIL(pp_commit(n.client, r, 2, ids), PP_ETOOBIG);
	assert_sentinel(ids, 2);
	PP_ASSERT_U64_EQ(pp_t_length(n.client, "a"), 1);
	PP_FAIL(pp_length(n.client, "b", &count), PP_ENOTOPIC);
	pp_t_read_all(n.client, "a", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 1);
	PP_ASSERT_MEM_EQ(logs.bodies[0], logs.lens[0], big, 1024);
	pp_t_logs_free(&logs);
	free(big);
	pp_t_node_stop(&n);
}

static void
test_default_max_body(void)
{
	pp_tnode      n;
	pp_record     r;
	pp_id         id;
	pp_result    *res = NULL;
	const pp_log *log;
	unsigned char *big = malloc(PP_BODY_MAX_DEFAULT + 1);
	uint64_t       st = pp_t_seed();
	size_t         i;

	PP_ASSERT_TRUE(big != NULL);
	for (i = 0; i < PP_BODY_MAX_DEFAULT + 1; i += 8) {
		uint64_t v = pp_t_rand(&st);

		memcpy(big + i, &v, (PP_BODY_MAX_DEFAULT + 1 - i) < 8 ?
		        PP_BODY_MAX_DEFAULT + 1 - i : 8);
	}
	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	r.topic = "big";
	r.body  = big;
	r.len   = PP_BODY_MAX_DEFAULT + 1;
	PP_FAIL(pp_commit(n.client, &r, 1, &id), PP_ETOOBIG);
	r.len = PP_BODY_MAX_DEFAULT;
	PP_PASS(pp_commit(n.client, &r, 1, &id));
	PP_ASSERT_U64_EQ(id.seq, 0);
	/* A page holds at least one log, however big. */
	PP_PASS(pp_range(n.client, "big", NULL, &res));
	PP_ASSERT_U64_EQ(pp_result_count(res), 1);
	log = pp_result_log(res, 0);
	PP_ASSERT_MEM_EQ(log->body, log->len, big, PP_BODY_MAX_DEFAULT);
	pp_result_free(res);
	free(big);
	pp_t_node_stop(&n);
}

static void
test_zero_body(pp_tnode *n)
{
	pp_record     r[2] = { { "z", NULL, 0 }, { "z", "", 0 } };
	pp_id         ids[2];
	pp_t_logs     logs;
	pp_topic_info info;

	PP_PASS(pp_commit(n->client, r, 2, ids));
	pp_t_read_all(n->client, "z", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 2);
	PP_ASSERT_U64_EQ(logs.lens[0], 0);
	PP_ASSERT_U64_EQ(logs.lens[1], 0);
	pp_t_logs_free(&logs);
	PP_PASS(pp_topic_stat(n->client, "z", &info));
	PP_ASSERT_U64_EQ(info.count, 2);
	PP_ASSERT_U64_EQ(info.bytes, 0);
}

static void
test_binary(void)
{
	pp_tnode       n;
	unsigned char  small[1024], *large = malloc(100 * 1024);
	pp_record      r[2];
	pp_id          ids[2];
	pp_t_logs      logs;
	uint64_t       st = pp_t_seed();
	size_t         i;

	PP_ASSERT_TRUE(large != NULL);
	for (i = 0; i < sizeof(small); i++) {
		small[i] = (unsigned char)(i % 256);
	}
	for (i = 0; i < 100 * 1024; i++) {
		large[i] = (unsigned char)pp_t_rand(&st);
	}
	large[0] = large[100 * 1024 - 1] = 0;
	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	r[0].topic = "bin";
	r[0].body  = small;
	r[0].len   = sizeof(small);
	r[1].topic = "bin";
	r[1].body  = large;
	r[1].len   = 100 * 1024;
	PP_PASS(pp_commit(n.client, r, 2, ids));
	pp_t_read_all(n.client, "bin", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 2);
	PP_ASSERT_MEM_EQ(logs.bodies[0], logs.lens[0], small, sizeof(small));
	PP_ASSERT_MEM_EQ(logs.bodies[1], logs.lens[1], large, 100 * 1024);
	pp_t_logs_free(&logs);
	free(large);
	pp_t_node_stop(&n);
}

static void
test_topic_names(void)
{
	static const char *bad[] = { "", "a b", "a#b", "a/b", "a\nb", "a:b",
		"a\tb", "a~b", "t\xc3\xb3pico", "a*", NULL };
	char              long_ok[PP_TOPIC_MAX + 1], long_bad[PP_TOPIC_MAX + 2];
	const char       *good[] = { long_ok, "Az09_.-", "x", ".", "-", NULL };
	pp_tnode          n;
	pp_record         r;
	pp_id             id;
	pp_result        *res = NULL;
	pp_iter          *it  = NULL;
	pp_topic_info     info;
	pp_topic_list    *list = NULL;
	uint64_t          count;
	int               i;

	memset(long_ok, 'a', PP_TOPIC_MAX);
	long_ok[PP_TOPIC_MAX] = '\0';
	memset(long_bad, 'b', PP_TOPIC_MAX + 1);
	long_bad[PP_TOPIC_MAX + 1] = '\0';
	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	for (i = 0; good[i] != NULL; i++) {
		id = pp_t_commit_str(n.client, good[i], "ok");
		PP_ASSERT_U64_EQ(id.seq, 0);
		PP_ASSERT_U64_EQ(pp_t_length(n.client, good[i]), 1);
	}
	for (i = -1; bad[i < 0 ? 0 : i] != NULL; i++) {
		const char *t = i < 0 ? long_bad : bad[i];

		r.topic = t;
		r.body  = "x";
		r.len   = 1;
		if (pp_commit(n.client, &r, 1, &id) != PP_EINVALID_TOPIC) {
			PP_FAIL_AT("commit to topic \"%s\" was not refused", t);
		}
		PP_FAIL(pp_length(n.client, t, &count), PP_EINVALID_TOPIC);
		PP_FAIL(pp_topic_stat(n.client, t, &info), PP_EINVALID_TOPIC);
		PP_FAIL(pp_range(n.client, t, NULL, &res), PP_EINVALID_TOPIC);
		PP_FAIL(pp_revrange(n.client, t, NULL, &res),
		    PP_EINVALID_TOPIC);
		PP_FAIL(pp_iter_open(n.client, t, NULL, false, &it),
		    PP_EINVALID_TOPIC);
		PP_ASSERT_TRUE(res == NULL && it == NULL);
	}
	/* Only the good topics exist. */
	PP_PASS(pp_topics(n.client, &list));
	PP_ASSERT_U64_EQ(pp_topic_list_count(list), 5);
	pp_topic_list_free(list);
	pp_t_node_stop(&n);
}

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

/* ---- threads and processes ------------------------------------------------- */

#define THREADS 4
#define PER_THREAD 2000

struct thread_arg {
	pp_client *client;
	int        index;
	uint64_t   seqs[PER_THREAD];
	int        rv;
};

static void *
thread_main(void *p)
{
	struct thread_arg *a = p;
	char               body[32];
	pp_record          r;
	pp_id              id;
	int                i;

	r.topic = "shared";
	r.body  = body;
	for (i = 0; i < PER_THREAD; i++) {
		r.len = (size_t)snprintf(body, sizeof(body), "t%d-%d",
		    a->index, i);
		if ((a->rv = pp_commit(a->client, &r, 1, &id)) != 0) {
			return (NULL);
		}
		a->seqs[i] = id.seq;
	}
	return (NULL);
}

static void
test_threads(void)
{
	static struct thread_arg args[THREADS];
	pthread_t                th[THREADS];
	unsigned char           *seen = calloc(THREADS * PER_THREAD, 1);
	pp_tnode                 n;
	int                      t, i;

	PP_ASSERT_TRUE(seen != NULL);
	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	for (t = 0; t < THREADS; t++) {
		args[t].client = n.client;
		args[t].index  = t;
		PP_ASSERT_INT_EQ(
		    pthread_create(&th[t], NULL, thread_main, &args[t]), 0);
	}
	for (t = 0; t < THREADS; t++) {
		pthread_join(th[t], NULL);
	}
	for (t = 0; t < THREADS; t++) {
		PP_PASS(args[t].rv);
		for (i = 0; i < PER_THREAD; i++) {
			uint64_t s = args[t].seqs[i];

			PP_ASSERT_U64_CMP(s, <, THREADS * PER_THREAD);
			PP_ASSERT_INT_EQ(seen[s], 0);
			seen[s] = 1;
			if (i > 0) {
				PP_ASSERT_U64_CMP(s, >, args[t].seqs[i - 1]);
			}
		}
	}
	PP_ASSERT_U64_EQ(pp_t_length(n.client, "shared"), THREADS * PER_THREAD);
	free(seen);
	pp_t_node_stop(&n);
}

#define PROCS 4
#define PER_PROC 5000

struct proc_arg {
	int index;
};

/* A helper process: read the address, connect, commit PER_PROC logs. */
static int
proc_main(void *p, int in_fd, int out_fd)
{
	struct proc_arg *a = p;
	char             addr[PP_T_PATH], body[32];
	pp_client       *c = NULL;
	pp_record        r;
	pp_id            id, prev = { 0, 0 };
	int              i, rv;

	(void)out_fd;
	if (pp_t_read_line(in_fd, addr, sizeof(addr), 60000) <= 0) {
		PP_FAIL_AT("helper %d got no address", a->index);
	}
	PP_PASS(pp_connect(addr, NULL, &c));
	r.topic = "procs";
	r.body  = body;
	for (i = 0; i < PER_PROC; i++) {
		r.len = (size_t)snprintf(body, sizeof(body), "p%d-%d",
		    a->index, i);
		if ((rv = pp_commit(c, &r, 1, &id)) != 0) {
			PP_FAIL_AT("helper %d commit %d: %s", a->index, i,
			    pp_errname(rv));
		}
		if (i > 0 && id.seq <= prev.seq) {
			PP_FAIL_AT("helper %d: seq %" PRIu64 " after %" PRIu64,
			    a->index, id.seq, prev.seq);
		}
		prev = id;
	}
	pp_close(c);
	return (0);
}

static void
test_processes(void)
{
	static struct proc_arg args[PROCS];
	pp_t_child             kids[PROCS];
	int                    last[PROCS], seen_per[PROCS];
	pp_tnode               n;
	pp_t_logs              logs;
	char                   line[PP_T_PATH + 1];
	size_t                 i;
	int                    k, p, j, st;

	/* Helpers are forked before this process uses NNG. */
	for (k = 0; k < PROCS; k++) {
		args[k].index = k;
		pp_t_child_fork(&kids[k], proc_main, &args[k]);
	}
	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	snprintf(line, sizeof(line), "%s\n", n.address);
	for (k = 0; k < PROCS; k++) {
		pp_t_write_all(kids[k].to_fd, line, strlen(line));
	}
	for (k = 0; k < PROCS; k++) {
		st = pp_t_child_wait(&kids[k], 240000);
		if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			PP_FAIL_AT("helper %d failed (status %d)", k, st);
		}
		last[k]     = -1;
		seen_per[k] = 0;
	}
	pp_t_read_all(n.client, "procs", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, PROCS * PER_PROC);
	for (i = 0; i < logs.count; i++) {
		/* Sequences 0..19,999, each exactly once, in order. */
		PP_ASSERT_U64_EQ(logs.ids[i].seq, i);
		if (sscanf(logs.bodies[i], "p%d-%d", &p, &j) != 2 || p < 0 ||
		    p >= PROCS) {
			PP_FAIL_AT("unexpected body \"%s\"", logs.bodies[i]);
		}
		/* Each helper's logs appear once each, in its own order. */
		PP_ASSERT_INT_EQ(j, last[p] + 1);
		last[p] = j;
		seen_per[p]++;
	}
	for (k = 0; k < PROCS; k++) {
		PP_ASSERT_INT_EQ(seen_per[k], PER_PROC);
	}
	pp_t_logs_free(&logs);
	pp_t_node_stop(&n);
}

/* ---- restart, ordering, statistics ------------------------------------------ */

static void
assert_info_eq(const pp_topic_info *a, const pp_topic_info *b)
{
	PP_ASSERT_U64_EQ(a->count, b->count);
	PP_ASSERT_U64_EQ(a->bytes, b->bytes);
	PP_ASSERT_U64_EQ(a->first.ms, b->first.ms);
	PP_ASSERT_U64_EQ(a->first.seq, b->first.seq);
	PP_ASSERT_U64_EQ(a->last.ms, b->last.ms);
	PP_ASSERT_U64_EQ(a->last.seq, b->last.seq);
	PP_ASSERT_U64_EQ(a->next_seq, b->next_seq);
	PP_ASSERT_U64_EQ(a->created_ms, b->created_ms);
}

static void
test_restart(void)
{
	pp_tnode      n;
	pp_record     r[10];
	pp_id         ids[10], id;
	char          bodies[10][16];
	pp_topic_info a1, b1, a2, b2;
	pp_t_logs     before, after;
	size_t        i;
	int           k;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	for (k = 0; k < 10; k++) {
		for (i = 0; i < 10; i++) {
			r[i].topic = (i == 9) ? "b" : "a";
			r[i].len   = (size_t)snprintf(bodies[i],
                            sizeof(bodies[i]), "r%d-%zu", k, i);
			r[i].body  = bodies[i];
		}
		PP_PASS(pp_commit(n.client, r, 10, ids));
	}
	PP_PASS(pp_topic_stat(n.client, "a", &a1));
	PP_PASS(pp_topic_stat(n.client, "b", &b1));
	pp_t_read_all(n.client, "a", NULL, false, &before);
	pp_t_node_stop(&n);

	pp_t_node_start(&n, NULL);
	PP_PASS(pp_topic_stat(n.client, "a", &a2));
	PP_PASS(pp_topic_stat(n.client, "b", &b2));
	assert_info_eq(&a1, &a2);
	assert_info_eq(&b1, &b2);
	PP_ASSERT_U64_EQ(a2.count, 90);
	PP_ASSERT_U64_EQ(b2.count, 10);
	pp_t_read_all(n.client, "a", NULL, false, &after);
	PP_ASSERT_U64_EQ(after.count, before.count);
	for (i = 0; i < after.count; i++) {
		PP_ASSERT_U64_EQ(after.ids[i].ms, before.ids[i].ms);
		PP_ASSERT_U64_EQ(after.ids[i].seq, before.ids[i].seq);
		PP_ASSERT_MEM_EQ(after.bodies[i], after.lens[i],
		    before.bodies[i], before.lens[i]);
	}
	/* The sequence continues; ids never go back. */
	id = pp_t_commit_str(n.client, "a", "after restart");
	PP_ASSERT_U64_EQ(id.seq, 90);
	PP_ASSERT_U64_CMP(id.ms, >=, a1.last.ms);
	id = pp_t_commit_str(n.client, "b", "after restart");
	PP_ASSERT_U64_EQ(id.seq, 10);
	pp_t_logs_free(&before);
	pp_t_logs_free(&after);
	pp_t_node_stop(&n);
}

/*
 * Ids never go backwards. A test cannot step the system clock back, so this
 * checks the invariant the node keeps for that case (DESIGN §3: ms is
 * max(now, last_ms) of every topic a commit touches): across many single
 * and multi-topic commits, ms never decreases within a topic, sequences
 * grow by one, and every log of a batch shares one ms.
 */
static void
test_monotonic(pp_tnode *n)
{
	pp_record r[3] = { { "ma", "1", 1 }, { "mb", "2", 1 }, { "ma", "3", 1 } };
	pp_id     ids[3], last_a = { 0, 0 }, last_b = { 0, 0 }, id;
	uint64_t  seq_a = 0, seq_b = 0;
	pp_t_logs la;
	size_t    i;
	int       k;

	for (k = 0; k < 1500; k++) {
		if (k % 3 == 0) {
			PP_PASS(pp_commit(n->client, r, 3, ids));
			PP_ASSERT_U64_EQ(ids[0].ms, ids[1].ms);
			PP_ASSERT_U64_EQ(ids[0].ms, ids[2].ms);
			PP_ASSERT_U64_CMP(ids[0].ms, >=, last_a.ms);
			PP_ASSERT_U64_CMP(ids[1].ms, >=, last_b.ms);
			PP_ASSERT_U64_EQ(ids[0].seq, seq_a);
			PP_ASSERT_U64_EQ(ids[2].seq, seq_a + 1);
			PP_ASSERT_U64_EQ(ids[1].seq, seq_b);
			seq_a += 2;
			seq_b += 1;
			last_a = ids[2];
			last_b = ids[1];
		} else {
			id = pp_t_commit_str(n->client, k % 3 == 1 ? "ma" : "mb",
			    "s");
			if (k % 3 == 1) {
				PP_ASSERT_U64_CMP(id.ms, >=, last_a.ms);
				PP_ASSERT_U64_EQ(id.seq, seq_a++);
				last_a = id;
			} else {
				PP_ASSERT_U64_CMP(id.ms, >=, last_b.ms);
				PP_ASSERT_U64_EQ(id.seq, seq_b++);
				last_b = id;
			}
		}
	}
	/* Stored order by seq is also (ms, seq) order. */
	pp_t_read_all(n->client, "ma", NULL, false, &la);
	PP_ASSERT_U64_EQ(la.count, seq_a);
	for (i = 1; i < la.count; i++) {
		PP_ASSERT_U64_EQ(la.ids[i].seq, la.ids[i - 1].seq + 1);
		PP_ASSERT_U64_CMP(la.ids[i].ms, >=, la.ids[i - 1].ms);
	}
	pp_t_logs_free(&la);
}

static void
test_stats(pp_tnode *n)
{
	static const char *names[3] = { "beta", "alpha", "gamma" };
	pp_id              first[3], last[3], id;
	uint64_t           bytes[3] = { 0, 0, 0 };
	pp_topic_info      info;
	pp_topic_list     *list = NULL;
	const pp_topic_info *e;
	char               body[64];
	int                t, k;

	for (t = 0; t < 3; t++) {
		for (k = 0; k < 5 * (t + 1); k++) {
			snprintf(body, sizeof(body), "%s-%0*d", names[t],
			    k + 1, k);
			id = pp_t_commit_str(n->client, names[t], body);
			bytes[t] += strlen(body);
			if (k == 0) {
				first[t] = id;
			}
			last[t] = id;
		}
	}
	for (t = 0; t < 3; t++) {
		PP_ASSERT_U64_EQ(pp_t_length(n->client, names[t]), 5 * (t + 1));
		PP_PASS(pp_topic_stat(n->client, names[t], &info));
		PP_ASSERT_STR_EQ(info.name, names[t]);
		PP_ASSERT_U64_EQ(info.count, 5 * (t + 1));
		PP_ASSERT_U64_EQ(info.bytes, bytes[t]);
		PP_ASSERT_U64_EQ(info.first.ms, first[t].ms);
		PP_ASSERT_U64_EQ(info.first.seq, 0);
		PP_ASSERT_U64_EQ(info.last.ms, last[t].ms);
		PP_ASSERT_U64_EQ(info.last.seq, last[t].seq);
		PP_ASSERT_U64_EQ(info.next_seq, 5 * (t + 1));
		PP_ASSERT_U64_EQ(info.created_ms, first[t].ms);
	}
	PP_PASS(pp_topics(n->client, &list));
	PP_ASSERT_U64_EQ(pp_topic_list_count(list), 3);
	/* Name order: alpha, beta, gamma. */
	for (k = 0; k < 3; k++) {
		t = k == 0 ? 1 : k == 1 ? 0 : 2;
		e = pp_topic_list_get(list, (size_t)k);
		PP_ASSERT_TRUE(e != NULL);
		PP_ASSERT_STR_EQ(e->name, names[t]);
		PP_ASSERT_U64_EQ(e->count, 5 * (t + 1));
		PP_ASSERT_U64_EQ(e->bytes, bytes[t]);
		PP_ASSERT_U64_EQ(e->first.ms, first[t].ms);
		PP_ASSERT_U64_EQ(e->first.seq, first[t].seq);
		PP_ASSERT_U64_EQ(e->last.ms, last[t].ms);
		PP_ASSERT_U64_EQ(e->last.seq, last[t].seq);
		PP_ASSERT_U64_EQ(e->next_seq, 5 * (t + 1));
		PP_ASSERT_U64_EQ(e->created_ms, first[t].ms);
	}
	PP_ASSERT_TRUE(pp_topic_list_get(list, 3) == NULL);
	pp_topic_list_free(list);
}

static void
test_many_topics(void)
{
	enum { N = 2500 };
	pp_tnode             n;
	pp_record           *r    = calloc(N, sizeof(*r));
	pp_id               *ids  = calloc(N, sizeof(*ids));
	char               (*names)[16] = calloc(N, 16);
	pp_topic_list       *list = NULL;
	const pp_topic_info *e;
	size_t               i;

	PP_ASSERT_TRUE(r != NULL && ids != NULL && names != NULL);
	for (i = 0; i < N; i++) {
		snprintf(names[i], 16, "t%05zu", i);
		r[i].topic = names[i];
		r[i].body  = names[i];
		r[i].len   = 6;
	}
	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	PP_PASS(pp_commit(n.client, r, N, ids));
	PP_PASS(pp_topics(n.client, &list));
	PP_ASSERT_U64_EQ(pp_topic_list_count(list), N);
	for (i = 0; i < N; i++) {
		e = pp_topic_list_get(list, i);
		PP_ASSERT_STR_EQ(e->name, names[i]);
		PP_ASSERT_U64_EQ(e->count, 1);
		PP_ASSERT_U64_EQ(e->bytes, 6);
		PP_ASSERT_U64_EQ(e->last.ms, ids[i].ms);
		PP_ASSERT_U64_EQ(e->last.seq, 0);
	}
	pp_topic_list_free(list);
	free(r);
	free(ids);
	free(names);
	pp_t_node_stop(&n);
}

static void
test_missing_topic(pp_tnode *n)
{
	pp_result    *res = NULL;
	pp_iter      *it  = NULL;
	const pp_log *log;
	pp_topic_info info;
	uint64_t      count = 77;

	pp_t_commit_str(n->client, "exists", "x");
	PP_FAIL(pp_length(n->client, "missing", &count), PP_ENOTOPIC);
	PP_ASSERT_U64_EQ(count, 77);
	/* The detail of the failure stays on the client. */
	if (strstr(pp_client_errmsg(n->client), "missing") == NULL) {
		PP_FAIL_AT("pp_client_errmsg \"%s\" does not name the topic",
		    pp_client_errmsg(n->client));
	}
	info.count = 55;
	PP_FAIL(pp_topic_stat(n->client, "missing", &info), PP_ENOTOPIC);
	PP_ASSERT_U64_EQ(info.count, 55);
	PP_FAIL(pp_range(n->client, "missing", NULL, &res), PP_ENOTOPIC);
	PP_FAIL(pp_revrange(n->client, "missing", NULL, &res), PP_ENOTOPIC);
	PP_ASSERT_TRUE(res == NULL);
	/* The iterator sends nothing until its first step. */
	PP_PASS(pp_iter_open(n->client, "missing", NULL, false, &it));
	PP_FAIL(pp_iter_next(it, &log), PP_ENOTOPIC);
	pp_iter_close(it);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("a single commit gets sequence 0 and the wall clock's millisecond",
	    test_single, 0),
	PP_NODE_CASE("consecutive commits get consecutive sequences",
	    test_sequence, 0),
	PP_NODE_CASE("a batch [t0,t1,t0,t1,t1,t0] gets sequences 0,0,1,1,2,2 and one "
	  "millisecond, ids in input order",
	    test_batch_interleaved, 0),
	PP_NODE_CASE("a batch with one invalid topic stores nothing of it",
	    test_atomic_across_topics, 0),
	PP_NODE_CASE("an empty batch is PP_EEMPTY",
	    test_empty, 0),
	PP_NODE_CASE("bad records are PP_EINVAL",
	    test_einval, 0),
	PP_CASE("a body over max_body_bytes is PP_ETOOBIG and stores nothing",
	    test_too_big, 0),
	PP_CASE("a body of the default maximum round-trips and one byte more is "
	  "PP_ETOOBIG",
	    test_default_max_body, 120),
	PP_NODE_CASE("0-byte bodies are stored and read back empty",
	    test_zero_body, 0),
	PP_CASE("binary bodies with NUL bytes round-trip",
	    test_binary, 0),
	PP_CASE("topic names follow [A-Za-z0-9_.-]{1,200} in every call",
	    test_topic_names, 0),
	PP_NODE_CASE("20,000 asynchronous commits call back once each, in order",
	    test_async, 120),
	PP_NODE_CASE("asynchronous batches stay atomic and share a millisecond",
	    test_async_batches, 0),
	PP_CASE("a refused asynchronous commit never calls back",
	    test_async_errors, 0),
	PP_NODE_CASE("pp_close answers every queued asynchronous commit first",
	    test_close_answers_async, 0),
	PP_CASE("4 threads sharing a client get each sequence exactly once",
	    test_threads, 120),
	PP_CASE("4 processes x 5,000 commits get sequences 0..19,999 exactly once",
	    test_processes, 300),
	PP_CASE("a restarted node keeps every log and continues the sequence",
	    test_restart, 0),
	PP_NODE_CASE("ids never go backwards within a topic",
	    test_monotonic, 120),
	PP_NODE_CASE("length, stat and topics describe the stored logs",
	    test_stats, 0),
	PP_CASE("pp_topics lists thousands of topics in name order",
	    test_many_topics, 0),
	PP_NODE_CASE("reads of a missing topic are PP_ENOTOPIC",
	    test_missing_topic, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
