/*
 * commit_many_test.c - pp_commit_async_many against a real node: every
 * record is its own one-log commit, the one completion comes exactly once
 * with every status and id, in call order with the client's other
 * asynchronous commits, also for an array larger than one request; bad
 * arguments and bad records refuse the whole call and never call back;
 * and a node killed with SIGKILL mid-way still gets every completion
 * called exactly once, with nothing that was acknowledged lost.
 * Callbacks are counted and the totals asserted exactly.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* What one completion saw: copies of its arrays (valid only in the cb). */
typedef struct many_call {
	size_t      order; /* position among all completions, from 1 */
	size_t      calls; /* times called: must end at exactly 1 */
	size_t      count;
	int        *status;
	pp_id      *ids;
} many_call;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static size_t          g_completions; /* every completion, either kind */

static void
many_cb(void *arg, const int *status, const pp_id *ids, size_t count)
{
	many_call *m = arg;

	pthread_mutex_lock(&g_mu);
	m->order = ++g_completions;
	m->calls++;
	m->count  = count;
	m->status = malloc(count * sizeof(*status));
	m->ids    = malloc(count * sizeof(*ids));
	if (m->status != NULL && m->ids != NULL) {
		memcpy(m->status, status, count * sizeof(*status));
		memcpy(m->ids, ids, count * sizeof(*ids));
	}
	pthread_mutex_unlock(&g_mu);
}

static void
many_call_fini(many_call *m)
{
	free(m->status);
	free(m->ids);
	memset(m, 0, sizeof(*m));
}

static size_t
completions(void)
{
	size_t n;

	pthread_mutex_lock(&g_mu);
	n = g_completions;
	pthread_mutex_unlock(&g_mu);
	return (n);
}

/* A plain pp_commit_async completion: notes its order. */
static void
one_cb(void *arg, int status, const pp_id *ids, size_t count)
{
	many_call *m = arg;

	pthread_mutex_lock(&g_mu);
	m->order = ++g_completions;
	m->calls++;
	m->count = count;
	if ((m->status = malloc(sizeof(int))) != NULL) {
		*m->status = status;
	}
	if ((m->ids = calloc(1, sizeof(pp_id))) != NULL && status == 0) {
		m->ids[0] = ids[0];
	}
	pthread_mutex_unlock(&g_mu);
}

/* ---- success ------------------------------------------------------------- */

#define MANY_N 5000

/* Records i of topics "ma" (even i) and "mb" (odd i), bodies "m<i>". */
static void
fill_records(pp_record *r, char (*bodies)[16], size_t n, size_t first)
{
	size_t i;

	for (i = 0; i < n; i++) {
		r[i].topic = (first + i) % 2 == 0 ? "ma" : "mb";
		r[i].len   = (size_t)snprintf(bodies[i], sizeof(bodies[i]),
                    "m%zu", first + i);
		r[i].body = bodies[i];
	}
}

static void
test_many(pp_tnode *n)
{
	static char bodies[2][MANY_N][16];
	pp_record  *r = calloc(MANY_N, sizeof(*r));
	pp_record   lone = { "ma", "lone", 4 };
	many_call   a, b, s;
	pp_t_logs   la, lb;
	size_t      i, k;

	PP_ASSERT_TRUE(r != NULL);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&s, 0, sizeof(s));
	fill_records(r, bodies[0], MANY_N, 0);
	PP_PASS(pp_commit_async_many(n->client, r, MANY_N, many_cb, &a));
	/* The library copied the records: scribble over them. */
	memset(bodies[0], 'z', sizeof(bodies[0]));
	PP_PASS(pp_commit_async(n->client, &lone, 1, one_cb, &s));
	fill_records(r, bodies[1], MANY_N, MANY_N);
	PP_PASS(pp_commit_async_many(n->client, r, MANY_N, many_cb, &b));
	PP_PASS(pp_flush(n->client, -1));
	/* pp_flush waited for all three; each was called once, in order. */
	PP_ASSERT_U64_EQ(completions(), 3);
	PP_ASSERT_U64_EQ(a.calls, 1);
	PP_ASSERT_U64_EQ(s.calls, 1);
	PP_ASSERT_U64_EQ(b.calls, 1);
	PP_ASSERT_U64_EQ(a.order, 1);
	PP_ASSERT_U64_EQ(s.order, 2);
	PP_ASSERT_U64_EQ(b.order, 3);
	PP_ASSERT_U64_EQ(a.count, MANY_N);
	PP_ASSERT_U64_EQ(b.count, MANY_N);
	PP_ASSERT_INT_EQ(*s.status, 0);
	/* Per topic, consecutive sequences in call order: "ma" got a's
	 * even records, the lone log, then b's even records. */
	for (i = 0; i < MANY_N; i++) {
		PP_ASSERT_INT_EQ(a.status[i], 0);
		PP_ASSERT_INT_EQ(b.status[i], 0);
		PP_ASSERT_U64_EQ(a.ids[i].seq, i / 2);
		PP_ASSERT_U64_EQ(b.ids[i].seq,
		    i / 2 + (i % 2 == 0 ? MANY_N / 2 + 1 : MANY_N / 2));
	}
	PP_ASSERT_U64_EQ(s.ids[0].seq, MANY_N / 2);
	pp_t_read_all(n->client, "ma", NULL, false, &la);
	pp_t_read_all(n->client, "mb", NULL, false, &lb);
	PP_ASSERT_U64_EQ(la.count, MANY_N + 1);
	PP_ASSERT_U64_EQ(lb.count, MANY_N);
	for (i = 0; i < 2 * MANY_N; i++) {
		char want[16];

		snprintf(want, sizeof(want), "m%zu", i);
		k = i / 2 + (i >= MANY_N && i % 2 == 0 ? 1 : 0);
		PP_ASSERT_STR_EQ((i % 2 == 0 ? la : lb).bodies[k], want);
		PP_ASSERT_U64_EQ((i % 2 == 0 ? la : lb).ids[k].ms,
		    (i < MANY_N ? a : b).ids[i % MANY_N].ms);
	}
	PP_ASSERT_STR_EQ(la.bodies[MANY_N / 2], "lone");
	pp_t_logs_free(&la);
	pp_t_logs_free(&lb);
	many_call_fini(&a);
	many_call_fini(&b);
	many_call_fini(&s);
	free(r);
}

/*
 * An array of 12 MiB: several of the library's requests (4 MiB each), so
 * the one completion comes after the last of them.
 */
static void
test_many_spans_requests(pp_tnode *n)
{
	enum { N = 3000, BODY = 4096 };
	pp_record *r    = calloc(N, sizeof(*r));
	char      *body = malloc(BODY);
	many_call  m;
	size_t     i;

	PP_ASSERT_TRUE(r != NULL && body != NULL);
	memset(&m, 0, sizeof(m));
	memset(body, 'b', BODY);
	for (i = 0; i < N; i++) {
		r[i].topic = "span";
		r[i].body  = body;
		r[i].len   = BODY;
	}
	PP_PASS(pp_commit_async_many(n->client, r, N, many_cb, &m));
	PP_PASS(pp_flush(n->client, -1));
	PP_ASSERT_U64_EQ(m.calls, 1);
	PP_ASSERT_U64_EQ(m.count, N);
	for (i = 0; i < N; i++) {
		PP_ASSERT_INT_EQ(m.status[i], 0);
		PP_ASSERT_U64_EQ(m.ids[i].seq, i);
	}
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "span"), N);
	many_call_fini(&m);
	free(body);
	free(r);
}

/* ---- refused calls ------------------------------------------------------- */

static void
test_many_errors(void)
{
	pp_tnode      n;
	pp_spawn_opts o;
	char          big[2048];
	pp_record     r[4] = { { "ok", "x", 1 }, { "ok", "y", 1 },
                { "ok", "z", 1 }, { "a b", "w", 1 } };
	pp_record     nobody = { "ok", NULL, 3 };
	many_call     m;
	uint64_t      count;

	memset(&o, 0, sizeof(o));
	memset(&m, 0, sizeof(m));
	memset(big, 'q', sizeof(big));
	o.max_body_bytes = 1024;
	pp_t_node_init(&n);
	pp_t_node_start(&n, &o);
	PP_FAIL(pp_commit_async_many(NULL, r, 1, many_cb, &m), PP_ENOTCONN);
	PP_FAIL(pp_commit_async_many(n.client, NULL, 1, many_cb, &m),
	    PP_EINVAL);
	PP_FAIL(pp_commit_async_many(n.client, r, 0, many_cb, &m), PP_EEMPTY);
	PP_FAIL(pp_commit_async_many(n.client, r, 1, NULL, &m), PP_EINVAL);
	/* One bad record refuses all: nothing of the others is queued. */
	PP_FAIL(pp_commit_async_many(n.client, r, 4, many_cb, &m),
	    PP_EINVALID_TOPIC);
	PP_ASSERT_TRUE(strstr(pp_client_errmsg(n.client), "log 3") != NULL);
	r[3].topic = "ok";
	r[1].body  = big;
	r[1].len   = sizeof(big);
	PP_FAIL(pp_commit_async_many(n.client, r, 4, many_cb, &m),
	    PP_ETOOBIG);
	PP_ASSERT_TRUE(strstr(pp_client_errmsg(n.client), "log 1") != NULL);
	PP_FAIL(pp_commit_async_many(n.client, &nobody, 1, many_cb, &m),
	    PP_EINVAL);
	PP_PASS(pp_flush(n.client, -1));
	PP_FAIL(pp_length(n.client, "ok", &count), PP_ENOTOPIC);
	/* After pp_shutdown the client takes nothing more. */
	r[1].body = "y";
	r[1].len  = 1;
	PP_PASS(pp_shutdown(n.client));
	PP_FAIL(pp_commit_async_many(n.client, r, 4, many_cb, &m),
	    PP_ECLOSED);
	pp_close(n.client);
	n.client = NULL;
	PP_ASSERT_TRUE(pp_t_wait_pid_gone(n.pid, 10000));
	PP_ASSERT_U64_EQ(completions(), 0);
	PP_ASSERT_U64_EQ(m.calls, 0);
}

/* pp_close answers every queued array first, each completion once. */
static void
test_many_close(pp_tnode *n)
{
	static char bodies[MANY_N][16];
	pp_record   r[MANY_N];
	many_call   m[4];
	pp_client  *c;
	size_t      i, k;

	memset(m, 0, sizeof(m));
	c = pp_t_connect(n->address);
	for (k = 0; k < 4; k++) {
		fill_records(r, bodies, MANY_N, 0);
		PP_PASS(pp_commit_async_many(c, r, MANY_N, many_cb, &m[k]));
	}
	pp_close(c);
	PP_ASSERT_U64_EQ(completions(), 4);
	for (k = 0; k < 4; k++) {
		PP_ASSERT_U64_EQ(m[k].calls, 1);
		PP_ASSERT_U64_EQ(m[k].order, k + 1);
		for (i = 0; i < MANY_N; i++) {
			PP_ASSERT_INT_EQ(m[k].status[i], 0);
		}
		many_call_fini(&m[k]);
	}
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "ma"), 2 * MANY_N);
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "mb"), 2 * MANY_N);
}

/* ---- the node killed mid-way --------------------------------------------- */

static const char *const g_sync_always[] = { "--sync", "always", NULL };

/* The index of `id` in logs (read in id order), or logs->count. */
static size_t
find_id(const pp_t_logs *logs, pp_id id)
{
	size_t lo = 0, hi = logs->count, mid;
	int    cmp;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((cmp = pp_t_id_cmp(logs->ids[mid], id)) == 0) {
			return (mid);
		}
		if (cmp < 0) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return (logs->count);
}

enum { CALLS = 200, DOWN = 4, TOTAL = CALLS + DOWN + 20, PER = 500 };

/* Array k of test_many_node_killed: bodies "k<n>", unique. */
static void
fill_killed(pp_record *r, char (*bodies)[16], size_t k)
{
	size_t i;

	for (i = 0; i < PER; i++) {
		r[i].topic = "killed";
		r[i].len   = (size_t)snprintf(bodies[i], sizeof(bodies[i]),
                    "k%zu", k * PER + i);
		r[i].body = bodies[i];
	}
}

/*
 * 200 arrays of 500 logs, the node killed with SIGKILL after a few were
 * answered; more arrays while it is down (they fail), then more after it
 * was started again: every completion comes exactly once, each status is
 * 0 or an error, and every log answered 0 is in the restarted node with
 * its body, at its id. A failed one may or may not be there
 * (PP_ETIMEDOUT, PP_ECLOSED: pipeproc.h), but never twice.
 */
static void
test_many_node_killed(void)
{
	static char     bodies[PER][16];
	static many_call m[TOTAL];
	pp_record       r[PER];
	pp_connect_opts o;
	pp_tnode        n;
	pp_client      *c, *v;
	pp_t_logs       logs;
	size_t          i, k, acked = 0, failed = 0, at, killed_at;
	char            want[16];
	bool           *seen = calloc(TOTAL * PER, sizeof(*seen));

	PP_ASSERT_TRUE(seen != NULL);
	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, g_sync_always), 0);
	memset(&o, 0, sizeof(o));
	o.request_timeout_ms = (uint32_t)pp_t_scaled(2000);
	PP_PASS(pp_connect(n.address, &o, &c));
	for (k = 0; k < CALLS; k++) {
		fill_killed(r, bodies, k);
		PP_PASS(pp_commit_async_many(c, r, PER, many_cb, &m[k]));
	}
	/* Kill the node while most arrays are still queued or sent. */
	PP_WAIT_UNTIL(completions() >= 5, 60000);
	pp_t_node_kill(&n, SIGKILL);
	killed_at = completions();
	/* Arrays queued while it is down fail (the request times out)... */
	for (; k < CALLS + DOWN; k++) {
		fill_killed(r, bodies, k);
		PP_PASS(pp_commit_async_many(c, r, PER, many_cb, &m[k]));
	}
	PP_WAIT_UNTIL(completions() == CALLS + DOWN, 120000);
	for (k = CALLS; k < CALLS + DOWN; k++) {
		PP_ASSERT_INT_CMP(m[k].status[0], <, 0);
	}
	/* ...and the client goes on with the node started again. */
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, g_sync_always), 0);
	for (; k < TOTAL; k++) {
		fill_killed(r, bodies, k);
		PP_PASS(pp_commit_async_many(c, r, PER, many_cb, &m[k]));
	}
	PP_WAIT_UNTIL(completions() == TOTAL, 120000);
	pp_close(c);
	PP_ASSERT_U64_EQ(completions(), TOTAL);
	v = pp_t_connect(n.address);
	pp_t_read_all(v, "killed", NULL, false, &logs);
	for (k = 0; k < TOTAL; k++) {
		PP_ASSERT_U64_EQ(m[k].calls, 1);
		PP_ASSERT_U64_EQ(m[k].count, PER);
		for (i = 0; i < PER; i++) {
			if (m[k].status[i] != 0) {
				PP_ASSERT_INT_CMP(m[k].status[i], <, 0);
				failed++;
				continue;
			}
			acked++;
			snprintf(want, sizeof(want), "k%zu", k * PER + i);
			at = find_id(&logs, m[k].ids[i]);
			PP_ASSERT_TRUE(at < logs.count);
			PP_ASSERT_STR_EQ(logs.bodies[at], want);
		}
	}
	/* No log was stored twice (bodies are unique). */
	for (i = 0; i < logs.count; i++) {
		k = strtoul(logs.bodies[i] + 1, NULL, 10);
		PP_ASSERT_TRUE(logs.bodies[i][0] == 'k' && k < TOTAL * PER);
		PP_ASSERT_TRUE(!seen[k]);
		seen[k] = true;
	}
	free(seen);
	pp_t_diag("killed after %zu of %d arrays; %zu logs acked, %zu failed, "
	          "%zu stored",
	    killed_at, CALLS, acked, failed, logs.count);
	PP_ASSERT_U64_CMP(acked, >, 0);
	PP_ASSERT_U64_CMP(logs.count, >=, acked);
	pp_t_logs_free(&logs);
	pp_close(v);
	for (k = 0; k < TOTAL; k++) {
		many_call_fini(&m[k]);
	}
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_INT_EQ(pp_t_node_wait(&n, 10000), 0);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("two arrays and a lone commit call back once each, in "
	             "order, every log its own commit",
	    test_many, 120),
	PP_NODE_CASE("an array larger than one request calls back once, after "
	             "its last log",
	    test_many_spans_requests, 120),
	PP_CASE("a refused array (bad argument or one bad record) queues "
	        "nothing and never calls back",
	    test_many_errors, 0),
	PP_NODE_CASE("pp_close answers every queued array first",
	    test_many_close, 0),
	PP_CASE("kill -9 of the node mid-way: every array calls back once, "
	        "no acknowledged log lost",
	    test_many_node_killed, 180),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
