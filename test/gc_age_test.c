/*
 * gc_age_test.c - collection by age on a real node (issue 5 items 1 and 6;
 * SPEC §3, PEER §15): topics without procs, GC off by default and its node
 * options, a first run before any topic exists, hyphenated topic names,
 * and logs every proc is past that still wait for the minimum prune time.
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

/* ---- cases ------------------------------------------------------------------- */

static void
test_age_without_procs(void)
{
	uint32_t      prune = prune_ms();
	pp_tnode      n;
	pp_id         old[3], fresh[2], more;
	pp_topic_info before, info;
	pp_t_logs     logs;
	uint64_t      len, t_after, t_done;

	start_gc_node(&n, prune);
	COMMIT_SEQS(n.client, "t", 0, 3, old);
	before = gc_stat_at(__FILE__, __LINE__, n.client, "t");
	/* The second batch is younger by 3/4 of the prune time: GC takes the
	 * first batch at least that long before it may take the second. */
	gc_wait_clock(old[2].ms + prune * 3 / 4);
	COMMIT_SEQS(n.client, "t", 3, 2, fresh);
	PP_ASSERT_U64_CMP(fresh[0].ms, >, old[2].ms);

	/* Nothing goes before it is older than the prune time. */
	for (;;) {
		len = gc_length_at(__FILE__, __LINE__, n.client, "t");
		t_after = pp_t_now_ms();
		if (len != 5) {
			break;
		}
		if (t_after > old[2].ms + (uint64_t)pp_t_scaled(WAIT_MS)) {
			PP_FAIL_AT("the old logs were not collected");
		}
		pp_t_nap();
	}
	PP_ASSERT_U64_CMP(t_after, >=, old[0].ms + prune);

	/* The old batch went, the fresh one stayed: as long as the fresh
	 * logs are younger than the prune time, they must all be there. */
	info = gc_stat_at(__FILE__, __LINE__, n.client, "t");
	pp_t_read_all(n.client, "t", NULL, false, &logs);
	t_done = pp_t_now_ms();
	if (t_done < fresh[0].ms + prune) {
		PP_ASSERT_U64_EQ(len, 2);
		PP_ASSERT_U64_EQ(info.count, 2);
		PP_ASSERT_U64_EQ(info.bytes, gc_bytes_of("t", 3, 2));
		PP_ASSERT_INT_EQ(pp_t_id_cmp(info.first, fresh[0]), 0);
		PP_ASSERT_INT_EQ(pp_t_id_cmp(info.last, fresh[1]), 0);
		PP_ASSERT_U64_EQ(logs.count, 2);
		PP_ASSERT_INT_EQ(pp_t_id_cmp(logs.ids[0], fresh[0]), 0);
		PP_ASSERT_INT_EQ(pp_t_id_cmp(logs.ids[1], fresh[1]), 0);
		PP_ASSERT_STR_EQ(logs.bodies[0], "t-3");
		PP_ASSERT_STR_EQ(logs.bodies[1], "t-4");
	} else {
		pp_t_diag("too slow to look at the fresh logs before their "
		          "prune time (%" PRIu64 " ms late)",
		    t_done - fresh[0].ms - prune);
		PP_ASSERT_TRUE(len == 2 || len == 0);
	}
	pp_t_logs_free(&logs);
	PP_ASSERT_U64_EQ(info.next_seq, 5);
	PP_ASSERT_U64_EQ(info.created_ms, before.created_ms);

	/* Then the fresh batch goes too; the topic stays, empty. */
	WAIT_LENGTH(n.client, "t", 0);
	PP_ASSERT_U64_CMP(pp_t_now_ms(), >=, fresh[1].ms + prune);
	EXPECT_STORED(n.client, "t", 5, 0, 5);
	info = gc_stat_at(__FILE__, __LINE__, n.client, "t");
	PP_ASSERT_U64_EQ(info.bytes, 0);
	PP_ASSERT_U64_EQ(info.created_ms, before.created_ms);
	{
		pp_topic_list *l = NULL;

		PP_PASS(pp_topics(n.client, &l));
		PP_ASSERT_U64_EQ(pp_topic_list_count(l), 1);
		PP_ASSERT_STR_EQ(pp_topic_list_get(l, 0)->name, "t");
		PP_ASSERT_U64_EQ(pp_topic_list_get(l, 0)->count, 0);
		PP_ASSERT_U64_EQ(pp_topic_list_get(l, 0)->next_seq, 5);
		pp_topic_list_free(l);
	}

	/* New commits continue the sequence. */
	COMMIT_SEQS(n.client, "t", 5, 1, &more);
	EXPECT_STORED(n.client, "t", 5, 1, 6);
	PP_ASSERT_U64_CMP(more.ms, >=, fresh[1].ms);
	WAIT_LENGTH(n.client, "t", 0);
	pp_t_node_stop(&n);
}

static void
test_off_by_default(void)
{
	static const char *const no_gc_flag[] = { "--gc-min-prune-time", "0",
		"--gc-interval", "50", NULL };
	pp_spawn_opts fields_only, ref_opts;
	pp_tnode      spawned, direct, ref;
	pp_client    *dc;
	int           i, st;

	/* GC fields without is_gc, and the node's GC values without --gc. */
	memset(&fields_only, 0, sizeof(fields_only));
	fields_only.gc_min_prune_time_ms = 1;
	fields_only.gc_interval_ms = 50;
	pp_t_node_init(&spawned);
	pp_t_node_start(&spawned, &fields_only);
	pp_t_node_init(&direct);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&direct, no_gc_flag), 0);
	dc = pp_t_connect(direct.address);
	/* A node with GC, as a clock of GC runs. */
	memset(&ref_opts, 0, sizeof(ref_opts));
	ref_opts.is_gc = true;
	ref_opts.gc_min_prune_time_ms = 1;
	ref_opts.gc_interval_ms = 50;
	pp_t_node_init(&ref);
	pp_t_node_start(&ref, &ref_opts);

	COMMIT_SEQS(spawned.client, "t", 0, 3, NULL);
	COMMIT_SEQS(dc, "t", 0, 3, NULL);
	COMMIT_SEQS(ref.client, "t", 0, 3, NULL);
	/* Several runs of the reference node, each an interval apart. */
	WAIT_LENGTH(ref.client, "t", 0);
	for (i = 0; i < 4; i++) {
		GC_PASSED(ref.client);
	}
	EXPECT_STORED(spawned.client, "t", 0, 3, 3);
	EXPECT_STORED(dc, "t", 0, 3, 3);

	PP_PASS(pp_shutdown(dc));
	pp_close(dc);
	st = pp_t_node_wait(&direct, 10000);
	PP_ASSERT_TRUE(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	pp_t_node_stop(&spawned);
	pp_t_node_stop(&ref);
}

static void
test_node_options(void)
{
	static const char *const zero_interval[] = { "--gc", "--gc-interval",
		"0", NULL };
	static const char *const bad_prune[] = { "--gc",
		"--gc-min-prune-time", "soon", NULL };
	static const char *const no_value[] = { "--gc", "--gc-interval", NULL };
	static const char *const zero_prune[] = { "--gc",
		"--gc-min-prune-time", "0", "--gc-interval", "50", NULL };
	pp_tnode   n;
	pp_client *c;
	int        st;

	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, zero_interval), -1);
	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, bad_prune), -1);
	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, no_value), -1);

	/* A minimum prune time of 0 collects whatever a run finds. */
	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, zero_prune), 0);
	c = pp_t_connect(n.address);
	COMMIT_SEQS(c, "t", 0, 4, NULL);
	WAIT_LENGTH(c, "t", 0);
	EXPECT_STORED(c, "t", 4, 0, 4);
	PP_PASS(pp_shutdown(c));
	pp_close(c);
	st = pp_t_node_wait(&n, 10000);
	PP_ASSERT_TRUE(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void
test_first_run_without_topics(void)
{
	pp_tnode n;
	uint64_t started;

	started = pp_t_now_ms();
	start_gc_node(&n, prune_ms());
	/* Let the first runs find an empty store (PEER §15.1: the peer's GC
	 * never ran again after that). */
	gc_wait_clock(started + 3 * INTERVAL_MS);
	{
		pp_topic_list *l = NULL;

		PP_PASS(pp_topics(n.client, &l));
		PP_ASSERT_U64_EQ(pp_topic_list_count(l), 0);
		pp_topic_list_free(l);
	}
	COMMIT_SEQS(n.client, "t", 0, 3, NULL);
	WAIT_LENGTH(n.client, "t", 0);
	/* And it keeps running. */
	COMMIT_SEQS(n.client, "t", 3, 2, NULL);
	COMMIT_SEQS(n.client, "u", 0, 1, NULL);
	WAIT_LENGTH(n.client, "t", 0);
	WAIT_LENGTH(n.client, "u", 0);
	EXPECT_STORED(n.client, "t", 5, 0, 5);
	pp_t_node_stop(&n);
}

static void
test_acked_logs_wait_for_age(void)
{
	pp_proc_opts all = gc_proc_opts(">", 10);
	uint32_t     prune = prune_ms();
	pp_tnode     n;
	pp_id        ids[3];
	uint64_t     len, t_after;

	start_gc_node(&n, prune);
	CLAIM_EXPECT(n.client, "t", "p", &all, 0, 0);
	COMMIT_SEQS(n.client, "t", 0, 3, ids);
	ACK(n.client, "p", CLAIM_EXPECT(n.client, "t", "p", &all, 0, 3));
	/* Every proc is past them at once; they still go only once they are
	 * older than the minimum prune time. */
	for (;;) {
		len = gc_length_at(__FILE__, __LINE__, n.client, "t");
		t_after = pp_t_now_ms();
		if (len != 3) {
			break;
		}
		if (t_after > ids[0].ms + (uint64_t)pp_t_scaled(WAIT_MS)) {
			PP_FAIL_AT("the acked logs were not collected");
		}
		pp_t_nap();
	}
	PP_ASSERT_U64_EQ(len, 0);
	PP_ASSERT_U64_CMP(t_after, >=, ids[0].ms + prune);
	EXPECT_STORED(n.client, "t", 3, 0, 3);
	pp_t_node_stop(&n);
}

static void
test_hyphenated_topics(void)
{
	static const char *const free_topics[] = { "-lead", "a-b-c", "x.y-z",
		"9-9" };
	pp_proc_opts one = gc_proc_opts(">", 1);
	pp_proc_opts two = gc_proc_opts(">", 2);
	pp_tnode     n;
	size_t       i;

	start_gc_node(&n, 1);
	/* "a" and "a-b" share a prefix; each has its own proc. */
	CLAIM_EXPECT(n.client, "a", "on-a", &one, 0, 0);
	CLAIM_EXPECT(n.client, "a-b", "on-a-b", &two, 0, 0);
	COMMIT_SEQS(n.client, "a", 0, 3, NULL);
	COMMIT_SEQS(n.client, "a-b", 0, 4, NULL);
	ACK(n.client, "on-a-b", CLAIM_EXPECT(n.client, "a-b", "on-a-b", &two, 0, 2));
	for (i = 0; i < sizeof(free_topics) / sizeof(free_topics[0]); i++) {
		COMMIT_SEQS(n.client, free_topics[i], 0, 3, NULL);
	}
	for (i = 0; i < sizeof(free_topics) / sizeof(free_topics[0]); i++) {
		WAIT_LENGTH(n.client, free_topics[i], 0);
		EXPECT_STORED(n.client, free_topics[i], 3, 0, 3);
	}
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "a", 0, 3, 3);
	EXPECT_STORED(n.client, "a-b", 2, 2, 4);
	ACK(n.client, "on-a", CLAIM_EXPECT(n.client, "a", "on-a", &one, 0, 1));
	WAIT_LENGTH(n.client, "a", 2);
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "a", 1, 2, 3);
	EXPECT_STORED(n.client, "a-b", 2, 2, 4);
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_CASE("a topic without procs is collected by age: older logs go, "
	    "fresher ones stay, and length and stat follow",
	    test_age_without_procs, 0),
	PP_CASE("GC is off by default: nothing is collected without is_gc or "
	    "--gc",
	    test_off_by_default, 0),
	PP_CASE("the node refuses a zero or malformed GC interval and accepts "
	    "a zero minimum prune time",
	    test_node_options, 0),
	PP_CASE("the first GC run finds no topic and collection still works "
	    "afterwards",
	    test_first_run_without_topics, 0),
	PP_CASE("logs every proc is past still wait for the minimum prune time",
	    test_acked_logs_wait_for_age, 0),
	PP_CASE("hyphenated topic names are collected and pinned like any other",
	    test_hyphenated_topics, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
