/*
 * gc_reads_test.c - what readers see while and after a real node collects
 * (issue 5 items 1 and 6; SPEC §3): many logs collected in several steps
 * while commits go on, range, revrange and pp_iter after GC, and counts
 * and collection across a restart.
 *
 * Conventions: topic logs are committed with the body "<topic>-<seq>"
 * (proc_util.h), so what remains can be checked by sequences and bodies
 * alone. Nothing sleeps for a fixed time. To show that a log is NOT
 * collected, a case commits a log to a fresh control topic without procs
 * *after* it and waits until GC has collected that control log by age
 * (GC_PASSED): the run that did so had a cutoff at or after the protected
 * log's millisecond, and visited every topic. Where a case needs logs of
 * different ages it waits for the wall clock, and every assertion that
 * depends on timing is stated so that it holds however slow the machine
 * is (a log younger than the minimum prune time when we look cannot have
 * been collected).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"
#include "proc_util.h"
#include "gc_util.h"

/* A client committing one log at a time to "live" until told to stop. */
typedef struct committer {
	const char *address;
	pthread_t   th;
	atomic_bool is_stopping;
	atomic_bool is_done;
	uint64_t    count;
	uint64_t    max_ms;
	int         rv;
	uint64_t    bad_seq; /* 0, or 1 + the first out-of-order seq */
} committer;

static void *
committer_main(void *arg)
{
	committer *w = arg;
	pp_client *c = NULL;
	pp_record  r;
	pp_id      id;
	char       body[BODY_MAX];
	uint64_t   t0, dt;

	if ((w->rv = pp_connect(w->address, NULL, &c)) != 0) {
		atomic_store(&w->is_done, true);
		return (NULL);
	}
	r.topic = "live";
	r.body = body;
	while (!atomic_load(&w->is_stopping)) {
		r.len = (size_t)snprintf(body, sizeof(body), "live-%" PRIu64,
		    w->count);
		t0 = pp_t_mono_ms();
		if ((w->rv = pp_commit(c, &r, 1, &id)) != 0) {
			break;
		}
		dt = pp_t_mono_ms() - t0;
		w->max_ms = dt > w->max_ms ? dt : w->max_ms;
		if (id.seq != w->count && w->bad_seq == 0) {
			w->bad_seq = 1 + id.seq;
		}
		w->count++;
	}
	pp_close(c);
	atomic_store(&w->is_done, true);
	return (NULL);
}

static void
test_many_logs(void)
{
	static const char *const topics[] = { "big-1", "big-2", "big-3" };
	enum { PER_TOPIC = 5000 };
	pp_proc_opts  one = gc_proc_opts(">", 1);
	pp_tnode      n;
	committer     w;
	uint64_t      total, deadline;
	size_t        i;

	start_gc_node(&n, prune_ms());
	/* The live topic is read by a proc that never acks, so it keeps
	 * every commit made during the run. */
	CLAIM_EXPECT(n.client, "live", "reader", &one, 0, 0);
	memset(&w, 0, sizeof(w));
	w.address = n.address;
	PP_ASSERT_INT_EQ(pthread_create(&w.th, NULL, committer_main, &w), 0);
	for (i = 0; i < 3; i++) {
		COMMIT_SEQS(n.client, topics[i], 0, PER_TOPIC, NULL);
	}
	/* 15,000 logs take at least 30 steps of 500; commits go on. */
	deadline = pp_t_mono_ms() + (uint64_t)pp_t_scaled(20000);
	for (;;) {
		total = 0;
		for (i = 0; i < 3; i++) {
			total += gc_length_at(__FILE__, __LINE__, n.client, topics[i]);
		}
		if (total == 0 || atomic_load(&w.is_done)) {
			break;
		}
		if (pp_t_mono_ms() > deadline) {
			PP_FAIL_AT("%" PRIu64 " logs still stored", total);
		}
		pp_t_nap();
	}
	atomic_store(&w.is_stopping, true);
	PP_WAIT_UNTIL(atomic_load(&w.is_done), 30000);
	pthread_join(w.th, NULL);
	if (w.rv != 0) {
		PP_FAIL_AT("commit %" PRIu64 " to live failed: %s", w.count,
		    pp_errname(w.rv));
	}
	PP_ASSERT_U64_EQ(w.bad_seq, 0);
	PP_ASSERT_U64_CMP(w.count, >, 0);
	pp_t_diag("%" PRIu64 " commits during the run, slowest %" PRIu64 " ms",
	    w.count, w.max_ms);
	for (i = 0; i < 3; i++) {
		EXPECT_STORED(n.client, topics[i], PER_TOPIC, 0, PER_TOPIC);
	}
	/* "reader" never acked: every live log is there. */
	EXPECT_STORED(n.client, "live", 0, w.count, w.count);
	/* And the big topics take new logs where they left off. */
	COMMIT_SEQS(n.client, "big-2", PER_TOPIC, 1, NULL);
	EXPECT_STORED(n.client, "big-2", PER_TOPIC, 1, PER_TOPIC + 1);
	pp_t_node_stop(&n);
}

/* pp_range (or pp_revrange) from start to end returns exactly the logs
 * from..to of `topic`, in that order (from > to walks backward). */
static void
range_is_at(int line, pp_client *c, const char *topic, bool is_rev,
    const char *start, const char *end, bool is_excl, size_t limit,
    int64_t from, int64_t to)
{
	pp_range_opts o;
	pp_result    *res = NULL;
	const pp_log *log;
	char          body[BODY_MAX];
	size_t        i, want;
	int64_t       seq;
	int           rv;

	memset(&o, 0, sizeof(o));
	o.start = start;
	o.end = end;
	o.is_exclusive = is_excl;
	o.limit = limit;
	rv = is_rev ? pp_revrange(c, topic, &o, &res)
	            : pp_range(c, topic, &o, &res);
	if (rv != 0) {
		pp_t_fail(__FILE__, line, "%s(%s, %s, %s) returned %s",
		    is_rev ? "pp_revrange" : "pp_range", topic,
		    start ? start : "-", end ? end : "-", pp_errname(rv));
	}
	want = from < 0 ? 0 : (size_t)(from <= to ? to - from : from - to) + 1;
	if (pp_result_count(res) != want || pp_result_has_more(res)) {
		pp_t_fail(__FILE__, line,
		    "range [%s, %s] of %s: %zu logs (first seq %" PRIu64
		    "), expected %zu",
		    start ? start : "-", end ? end : "-", topic,
		    pp_result_count(res),
		    pp_result_count(res) > 0 ? pp_result_log(res, 0)->id.seq
		                             : (uint64_t)0,
		    want);
	}
	for (i = 0; i < want; i++) {
		seq = from <= to ? from + (int64_t)i : from - (int64_t)i;
		log = pp_result_log(res, i);
		snprintf(body, sizeof(body), "%s-%" PRId64, topic, seq);
		if (log->id.seq != (uint64_t)seq || log->len != strlen(body) ||
		    memcmp(log->body, body, log->len) != 0) {
			pp_t_fail(__FILE__, line,
			    "range of %s: log %zu is seq %" PRIu64
			    ", expected %" PRId64,
			    topic, i, log->id.seq, seq);
		}
	}
	pp_result_free(res);
}

#define RANGE_IS(c, topic, start, end, excl, limit, from, to)                  \
	range_is_at(__LINE__, (c), (topic), false, (start), (end), (excl),     \
	    (limit), (from), (to))

#define REVRANGE_IS(c, topic, start, end, excl, limit, from, to)               \
	range_is_at(__LINE__, (c), (topic), true, (start), (end), (excl),      \
	    (limit), (from), (to))

static void
test_reads_after_gc(void)
{
	pp_proc_opts   ten = gc_proc_opts(">", 10);
	pp_proc_opts   late = gc_proc_opts(":2", 1);
	pp_range_opts  o;
	pp_tnode       n;
	pp_id          ids[15];
	pp_t_logs      logs;
	char           t_old[PP_ID_STRLEN], id_old[PP_ID_STRLEN];
	char           t_new[PP_ID_STRLEN];
	size_t         i;

	start_gc_node(&n, 1);
	CLAIM_EXPECT(n.client, "t", "keep", &ten, 0, 0);
	COMMIT_SEQS(n.client, "t", 0, 10, ids);
	gc_wait_clock(ids[9].ms + 1);
	COMMIT_SEQS(n.client, "t", 10, 5, &ids[10]);
	/* "keep" read the first batch: GC takes exactly that. */
	ACK(n.client, "keep", CLAIM_EXPECT(n.client, "t", "keep", &ten, 0, 10));
	WAIT_LENGTH(n.client, "t", 5);
	EXPECT_STORED(n.client, "t", 10, 5, 15);

	snprintf(t_old, sizeof(t_old), "%" PRIu64, ids[0].ms);
	snprintf(t_new, sizeof(t_new), "%" PRIu64, ids[10].ms);
	pp_id_format(ids[3], id_old);
	RANGE_IS(n.client, "t", NULL, NULL, false, 0, 10, 14);
	REVRANGE_IS(n.client, "t", NULL, NULL, false, 0, 14, 10);
	/* A collected log as the start is not an error: the range starts at
	 * the first remaining log. */
	RANGE_IS(n.client, "t", ":0", NULL, false, 0, 10, 14);
	RANGE_IS(n.client, "t", ":3", ":11", false, 0, 10, 11);
	RANGE_IS(n.client, "t", ":9", NULL, true, 0, 10, 14);
	RANGE_IS(n.client, "t", id_old, NULL, false, 0, 10, 14);
	RANGE_IS(n.client, "t", t_old, NULL, false, 2, 10, 11);
	RANGE_IS(n.client, "t", t_new, ":12", false, 0, 10, 12);
	REVRANGE_IS(n.client, "t", ":12", ":0", false, 0, 12, 10);
	REVRANGE_IS(n.client, "t", NULL, ":3", false, 0, 14, 10);
	/* Ranges wholly inside the collected logs are empty. */
	RANGE_IS(n.client, "t", NULL, ":5", false, 0, -1, -1);
	RANGE_IS(n.client, "t", ":1", ":9", false, 0, -1, -1);
	RANGE_IS(n.client, "t", t_old, t_old, false, 0, -1, -1);
	REVRANGE_IS(n.client, "t", ":9", NULL, false, 0, -1, -1);
	/* pp_iter walks exactly the remaining logs, both ways. */
	memset(&o, 0, sizeof(o));
	o.start = ":2";
	pp_t_read_all(n.client, "t", &o, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 5);
	for (i = 0; i < 5; i++) {
		PP_ASSERT_INT_EQ(pp_t_id_cmp(logs.ids[i], ids[10 + i]), 0);
	}
	pp_t_logs_free(&logs);
	memset(&o, 0, sizeof(o));
	o.end = id_old;
	pp_t_read_all(n.client, "t", &o, true, &logs);
	PP_ASSERT_U64_EQ(logs.count, 5);
	for (i = 0; i < 5; i++) {
		PP_ASSERT_INT_EQ(pp_t_id_cmp(logs.ids[i], ids[14 - i]), 0);
	}
	pp_t_logs_free(&logs);
	/* A new proc whose offset names a collected log starts at the first
	 * remaining one. */
	CLAIM_EXPECT(n.client, "t", "late", &late, 10, 1);
	pp_t_node_stop(&n);
}

static void
test_restart(void)
{
	pp_proc_opts  two = gc_proc_opts(">", 2);
	pp_spawn_opts o = gc_opts(prune_ms());
	pp_tnode      n;
	pp_topic_info info;
	pp_proc_list *l = NULL;

	start_gc_node(&n, prune_ms());
	CLAIM_EXPECT(n.client, "t", "p", &two, 0, 0);
	COMMIT_SEQS(n.client, "t", 0, 4, NULL);
	ACK(n.client, "p", CLAIM_EXPECT(n.client, "t", "p", &two, 0, 2));
	COMMIT_SEQS(n.client, "free", 0, 3, NULL);
	WAIT_LENGTH(n.client, "t", 2);
	WAIT_LENGTH(n.client, "free", 0);
	COMMIT_SEQS(n.client, "later", 0, 3, NULL);
	pp_t_node_stop(&n);

	/* Counts, first logs and sequences are what GC left. */
	pp_t_node_start(&n, &o);
	EXPECT_STORED(n.client, "t", 2, 2, 4);
	EXPECT_STORED(n.client, "free", 3, 0, 3);
	info = gc_stat_at(__FILE__, __LINE__, n.client, "later");
	PP_ASSERT_U64_EQ(info.next_seq, 3);
	PP_ASSERT_TRUE(info.count == 3 || info.count == 0);
	PP_PASS(pp_proc_inspect(n.client, "p", &l));
	PP_ASSERT_U64_EQ(pp_proc_list_get(l, 0)->next_seq, 2);
	pp_proc_list_free(l);

	/* Collection goes on. */
	WAIT_LENGTH(n.client, "later", 0);
	EXPECT_STORED(n.client, "later", 3, 0, 3);
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "t", 2, 2, 4);
	ACK(n.client, "p", CLAIM_EXPECT(n.client, "t", "p", &two, 2, 2));
	WAIT_LENGTH(n.client, "t", 0);
	COMMIT_SEQS(n.client, "t", 4, 1, NULL);
	EXPECT_STORED(n.client, "t", 4, 1, 5);
	pp_t_node_stop(&n);

	/* Without GC, nothing more is collected. */
	pp_t_node_start(&n, NULL);
	EXPECT_STORED(n.client, "t", 4, 1, 5);
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_CASE("15,000 logs in three topics are all collected while commits "
	    "go on",
	    test_many_logs, 0),
	PP_CASE("range, revrange and pp_iter after GC return exactly the "
	    "remaining logs and a collected start is no error",
	    test_reads_after_gc, 0),
	PP_CASE("after a restart counts are what GC left and collection goes on",
	    test_restart, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
