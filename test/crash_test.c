/*
 * crash_test.c - kill -9 of the node during a commit storm with
 * --sync always (issue 2 item 6, SPEC §4), and with --sync none, where
 * commits are applied by the receiving thread (issue 15): after a restart on the same data
 * directory every commit a client saw acknowledged is readable with the
 * same id and body, no log is stored twice, sequences are unique and
 * increasing, and new commits never reuse a sequence.
 *
 * The node is started with fork/exec (pp_t_node_exec) so the test knows its
 * pid and can SIGKILL it; clients connect with pp_connect.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define BODY_MAX 48

static const char *const g_sync_always[] = { "--sync", "always", NULL };
/* Without syncs the node commits small requests in the thread that
 * received them (writer.c): a kill -9 must still lose nothing it
 * answered, since LMDB wrote the pages before the answer. */
static const char *const g_sync_none[] = { "--sync", "none", NULL };

/* One acknowledged log. */
typedef struct acked {
	pp_id id;
	int   topic; /* 0: "storm", 1: "side" */
	char  body[BODY_MAX];
} acked;

typedef struct ack_list {
	pthread_mutex_t mu;
	acked          *v;
	size_t          count, cap;
} ack_list;

static const char *const g_topics[2] = { "storm", "side" };

static void
acks_add(ack_list *l, pp_id id, int topic, const char *body)
{
	pthread_mutex_lock(&l->mu);
	if (l->count == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4096;
		l->v   = realloc(l->v, l->cap * sizeof(acked));
		if (l->v == NULL) {
			PP_FAIL_AT("out of memory");
		}
	}
	l->v[l->count].id    = id;
	l->v[l->count].topic = topic;
	snprintf(l->v[l->count].body, BODY_MAX, "%s", body);
	l->count++;
	pthread_mutex_unlock(&l->mu);
}

static size_t
acks_count(ack_list *l)
{
	size_t n;

	pthread_mutex_lock(&l->mu);
	n = l->count;
	pthread_mutex_unlock(&l->mu);
	return (n);
}

/* ---- the storm: threads with their own clients -------------------------------- */

#define STORM_THREADS 4

typedef struct storm {
	const char *address;
	int         round;
	ack_list   *acks;
	atomic_bool is_stopping;
	atomic_int  n_errors;
} storm;

typedef struct storm_thread {
	storm    *st;
	int       index;
	pthread_t th;
} storm_thread;

static void *
storm_main(void *p)
{
	storm_thread   *t = p;
	pp_connect_opts o;
	pp_client      *c = NULL;
	pp_record       r[4];
	pp_id           ids[4];
	char            bodies[4][BODY_MAX];
	int             i, k, n;

	memset(&o, 0, sizeof(o));
	o.request_timeout_ms = (uint32_t)pp_t_scaled(5000);
	PP_PASS(pp_connect(t->st->address, &o, &c));
	for (i = 0; !atomic_load(&t->st->is_stopping); i++) {
		/* 1 to 3 logs of "storm", sometimes one of "side" too. */
		n = 1 + i % 3;
		for (k = 0; k < n; k++) {
			r[k].topic = g_topics[0];
		}
		if (i % 4 == 0) {
			r[n++].topic = g_topics[1];
		}
		for (k = 0; k < n; k++) {
			r[k].len  = (size_t)snprintf(bodies[k], BODY_MAX,
                            "r%d-t%d-%d-%d", t->st->round, t->index, i, k);
			r[k].body = bodies[k];
		}
		if (pp_commit(c, r, (size_t)n, ids) != 0) {
			/* Expected around the kill: timeouts, closed. */
			atomic_fetch_add(&t->st->n_errors, 1);
			continue;
		}
		for (k = 0; k < n; k++) {
			acks_add(t->st->acks, ids[k],
			    r[k].topic == g_topics[0] ? 0 : 1, bodies[k]);
		}
	}
	pp_close(c);
	return (NULL);
}

/* ---- verification -------------------------------------------------------------- */

static int
cmp_str(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Every acked log is stored with its id and body; sequences are unique and
 * increasing; no body is stored twice. Returns the largest stored seq of
 * each topic in max_seq (or -1). */
static void
verify(pp_client *c, ack_list *acks, int ntopics, int64_t max_seq[2])
{
	pp_t_logs logs;
	char    **sorted;
	size_t    i, lo, hi, mid;
	int       t;

	max_seq[1] = -1;
	for (t = 0; t < ntopics; t++) {
		pp_t_read_all(c, g_topics[t], NULL, false, &logs);
		max_seq[t] = logs.count ? (int64_t)logs.ids[logs.count - 1].seq :
		                          -1;
		for (i = 1; i < logs.count; i++) {
			PP_ASSERT_U64_CMP(logs.ids[i].seq, >, logs.ids[i - 1].seq);
			PP_ASSERT_U64_CMP(logs.ids[i].ms, >=, logs.ids[i - 1].ms);
		}
		/* At most once: no body twice. */
		sorted = malloc((logs.count + 1) * sizeof(char *));
		PP_ASSERT_TRUE(sorted != NULL);
		memcpy(sorted, logs.bodies, logs.count * sizeof(char *));
		qsort(sorted, logs.count, sizeof(char *), cmp_str);
		for (i = 1; i < logs.count; i++) {
			if (strcmp(sorted[i], sorted[i - 1]) == 0) {
				PP_FAIL_AT("%s: \"%s\" is stored twice", g_topics[t],
				    sorted[i]);
			}
		}
		free(sorted);
		/* Every acknowledged log of this topic is there, unchanged. */
		for (i = 0; i < acks->count; i++) {
			const acked *a = &acks->v[i];

			if (a->topic != t) {
				continue;
			}
			lo = 0;
			hi = logs.count;
			while (lo < hi) {
				mid = lo + (hi - lo) / 2;
				if (logs.ids[mid].seq < a->id.seq) {
					lo = mid + 1;
				} else {
					hi = mid;
				}
			}
			if (lo == logs.count || logs.ids[lo].seq != a->id.seq) {
				PP_FAIL_AT("acked %s %llu-%llu (\"%s\") is lost",
				    g_topics[t], (unsigned long long)a->id.ms,
				    (unsigned long long)a->id.seq, a->body);
			}
			PP_ASSERT_U64_EQ(logs.ids[lo].ms, a->id.ms);
			PP_ASSERT_STR_EQ(logs.bodies[lo], a->body);
		}
		pp_t_logs_free(&logs);
	}
}

/* New commits continue after every stored and acked sequence. */
static void
verify_no_reuse(pp_client *c, ack_list *acks, int ntopics, int round,
    const int64_t max_seq[2])
{
	char   body[BODY_MAX];
	pp_id  id;
	size_t i;
	int    t;

	snprintf(body, sizeof(body), "after crash %d", round);
	for (t = 0; t < ntopics; t++) {
		id = pp_t_commit_str(c, g_topics[t], body);
		PP_ASSERT_INT_CMP((int64_t)id.seq, >, max_seq[t]);
		for (i = 0; i < acks->count; i++) {
			if (acks->v[i].topic == t) {
				PP_ASSERT_U64_CMP(id.seq, >, acks->v[i].id.seq);
			}
		}
		acks_add(acks, id, t, body);
	}
}

static void
run_storm(const char *const *sync_args)
{
	static storm_thread threads[STORM_THREADS];
	static ack_list     acks = { PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0 };
	storm               st;
	pp_tnode            n;
	pp_client          *c;
	int64_t             max_seq[2];
	size_t              target;
	int                 round, k;

	pp_t_node_init(&n);
	for (round = 0; round < 3; round++) {
		PP_ASSERT_INT_EQ(pp_t_node_exec(&n, sync_args), 0);
		memset(&st, 0, sizeof(st));
		st.address = n.address;
		st.round   = round;
		st.acks    = &acks;
		target     = acks_count(&acks) + 3000;
		for (k = 0; k < STORM_THREADS; k++) {
			threads[k].st    = &st;
			threads[k].index = k;
			PP_ASSERT_INT_EQ(pthread_create(&threads[k].th, NULL,
			                     storm_main, &threads[k]),
			    0);
		}
		PP_WAIT_UNTIL(acks_count(&acks) >= target, 60000);
		/* Mid-storm: requests are in flight, groups half written. */
		pp_t_node_kill(&n, SIGKILL);
		atomic_store(&st.is_stopping, true);
		PP_ASSERT_INT_EQ(pp_t_node_exec(&n, sync_args), 0);
		for (k = 0; k < STORM_THREADS; k++) {
			pthread_join(threads[k].th, NULL);
		}
		pp_t_diag("round %d: %zu acked so far, %d failed calls", round,
		    acks_count(&acks), atomic_load(&st.n_errors));
		c = pp_t_connect(n.address);
		verify(c, &acks, 2, max_seq);
		verify_no_reuse(c, &acks, 2, round, max_seq);
		pp_close(c);
		pp_t_node_kill(&n, SIGKILL);
	}
	free(acks.v);
}

static void
test_storm(void)
{
	run_storm(g_sync_always);
}

static void
test_storm_nosync(void)
{
	run_storm(g_sync_none);
}

/* ---- asynchronous batches ------------------------------------------------------- */

#define ASYNC_BATCH 50

typedef struct async_call {
	ack_list *acks;
	char      bodies[ASYNC_BATCH][BODY_MAX];
} async_call;

static atomic_int g_async_done, g_async_failed;

static void
async_cb(void *arg, int status, const pp_id *ids, size_t count)
{
	async_call *call = arg;
	size_t      i;

	if (status == 0) {
		for (i = 0; i < count; i++) {
			acks_add(call->acks, ids[i], 0, call->bodies[i]);
		}
	} else {
		atomic_fetch_add(&g_async_failed, 1);
	}
	atomic_fetch_add(&g_async_done, 1);
}

static void
test_async_storm(void)
{
	static ack_list acks = { PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0 };
	enum { CALLS = 400 };
	async_call     *calls = calloc(CALLS, sizeof(async_call));
	pp_connect_opts o;
	pp_record       r[ASYNC_BATCH];
	pp_tnode        n;
	pp_client      *c, *v;
	int64_t         max_seq[2];
	int             i, k, issued = 0;

	PP_ASSERT_TRUE(calls != NULL);
	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, g_sync_always), 0);
	memset(&o, 0, sizeof(o));
	o.request_timeout_ms = (uint32_t)pp_t_scaled(5000);
	PP_PASS(pp_connect(n.address, &o, &c));
	for (i = 0; i < CALLS; i++) {
		calls[i].acks = &acks;
		for (k = 0; k < ASYNC_BATCH; k++) {
			r[k].topic = g_topics[0];
			r[k].len   = (size_t)snprintf(calls[i].bodies[k], BODY_MAX,
                            "a%d-%d", i, k);
			r[k].body  = calls[i].bodies[k];
		}
		PP_PASS(pp_commit_async(c, r, ASYNC_BATCH, async_cb, &calls[i]));
		issued++;
		/* Kill the node while later calls are still queued. */
		if (i == CALLS / 2) {
			PP_WAIT_UNTIL(acks_count(&acks) >= 2000, 60000);
			pp_t_node_kill(&n, SIGKILL);
			PP_ASSERT_INT_EQ(pp_t_node_exec(&n, g_sync_always), 0);
		}
	}
	/* Every call calls back exactly once, success or not. */
	PP_WAIT_UNTIL(atomic_load(&g_async_done) == issued, 120000);
	pp_close(c);
	PP_ASSERT_INT_EQ(atomic_load(&g_async_done), issued);
	pp_t_diag("%zu logs acked, %d calls failed", acks_count(&acks),
	    atomic_load(&g_async_failed));
	v = pp_t_connect(n.address);
	verify(v, &acks, 1, max_seq);
	verify_no_reuse(v, &acks, 1, 0, max_seq);
	pp_close(v);
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_INT_EQ(pp_t_node_wait(&n, 10000), 0);
	free(acks.v);
	free(calls);
}

static const pp_test_case cases[] = {
	PP_CASE("kill -9 during a storm of synchronous commits loses no "
	    "acknowledged log and reuses no sequence",
	    test_storm, 180),
	PP_CASE("kill -9 during a storm of synchronous commits with --sync "
	    "none loses no acknowledged log and reuses no sequence",
	    test_storm_nosync, 180),
	PP_CASE("kill -9 during asynchronous batches loses no acknowledged log",
	    test_async_storm, 180),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
