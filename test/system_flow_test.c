/*
 * system_flow_test.c - how logs flow through systemProcs run by real
 * workers (issue 4 items 3 and 8; PEER §12): output to no, one or several
 * `to` topics in one ack_commit, claims of `count` logs, failures with
 * their reason that disable at max_reclaims, and dead letters.
 *
 * The plugins are the examples (upper, fanout, failer, count) and the
 * broken ones of test/plugins; see system_util.h for where they are found.
 * Nothing sleeps: outputs are awaited with pp_wait_for_procs() or by
 * polling a length or a proc's state with a deadline. Crashes of workers
 * and nodes are in system_crash_test.c.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "system_util.h"
#include "system_case.h"

static const char *const g_in[] = { "in" };

static const char *const g_out[] = { "out" };

/* Waits until proc `name` is disabled. */
static void
system_case_wait_disabled_at(int line, pp_client *c, const char *name, int timeout_ms)
{
	uint64_t    end = pp_t_mono_ms() + (uint64_t)pp_t_scaled(timeout_ms);
	system_info s;

	for (;;) {
		system_inspect_at(line, c, name, &s);
		if (s.i.is_disabled) {
			return;
		}
		if (pp_t_mono_ms() > end) {
			pp_t_fail(__FILE__, line,
			    "%s not disabled within %d ms (reclaims %u, "
			    "last error \"%s\")",
			    name, timeout_ms, s.i.reclaims, s.last_error);
		}
		pp_t_nap();
		pp_t_nap();
	}
}

#define WAIT_DISABLED(c, name, ms) system_case_wait_disabled_at(__LINE__, (c), (name), (ms))

/* ---- outputs
 * ------------------------------------------------------------------- */

static void
test_no_to(void)
{
	pp_system_proc_opts o;
	pp_topic_list      *tl = NULL;
	system_info         s;
	pp_tnode            n;

	system_case_start_node(&n, 1);
	o = system_opts(g_in, 1, NULL, 0, system_plugin("upper", 0), NULL);
	o.proc.count = 3;
	SYSTEM_CREATE(n.client, "sink", &o);
	system_commit_inputs(n.client, "in", "in", 0, 50);
	SYSTEM_WAIT_PROCS(n.client, NULL, 0, WAIT_MS);
	SYSTEM_INSPECT(n.client, "sink", &s);
	PP_ASSERT_U64_EQ(s.i.next_seq, 50);
	PP_ASSERT_U64_EQ(s.i.lag, 0);
	PP_ASSERT_TRUE(!s.i.has_claim);
	PP_ASSERT_U64_CMP(s.i.last_acked_ms, >, 0);
	PP_ASSERT_STR_EQ(s.last_error, "");
	/* Acked, and nothing was written anywhere. */
	PP_PASS(pp_topics(n.client, &tl));
	PP_ASSERT_U64_EQ(pp_topic_list_count(tl), 1);
	PP_ASSERT_STR_EQ(pp_topic_list_get(tl, 0)->name, "in");
	pp_topic_list_free(tl);
	pp_t_node_stop(&n);
}

static void
test_fanout(void)
{
	static const char *const to3[] = { "same", "shout", "size" };
	static const char *const to2[] = { "e1", "e2" };
	static const char *const names[] = { "routes", "everywhere" };
	const char              *fanout = system_plugin("fanout", 0);
	pp_system_proc_opts      o;
	pp_node_stats            before, after;
	pp_t_logs                t[3], e[2];
	char                     body[64];
	pp_tnode                 n;
	size_t                   i, k, len;

	system_case_start_node(&n, 1);
	system_commit_inputs(n.client, "in", "in", 0, 40);
	before = system_node_stats(n.client);
	o = system_opts(
	    g_in, 1, to3, 3, fanout, "same=copy,shout=upper,size=length");
	o.proc.count = 4;
	SYSTEM_CREATE(n.client, "routes", &o);
	/* With no routes, emit() sends each log to every `to` topic. */
	o = system_opts(g_in, 1, to2, 2, fanout, NULL);
	o.proc.count = 40;
	SYSTEM_CREATE(n.client, "everywhere", &o);
	SYSTEM_WAIT_PROCS(n.client, names, 2, WAIT_MS);
	after = system_node_stats(n.client);
	/* One ack_commit per claim: 10 of 4 logs and 1 of 40. */
	PP_ASSERT_U64_EQ(after.commits - before.commits, 11);

	for (k = 0; k < 3; k++) {
		pp_t_read_all(n.client, to3[k], NULL, false, &t[k]);
		PP_ASSERT_U64_EQ(t[k].count, 40);
	}
	for (i = 0; i < 40; i++) {
		len = system_input_body(body, "in", i);
		PP_ASSERT_MEM_EQ(t[0].bodies[i], t[0].lens[i], body, len);
		system_input_body(body, "IN", i);
		PP_ASSERT_MEM_EQ(t[1].bodies[i], t[1].lens[i], body, len);
		PP_ASSERT_STR_EQ(t[2].bodies[i], "10");
		/* One input's outputs came in one ack_commit, and so did
		 * the outputs of the 4 inputs of its claim. */
		PP_ASSERT_U64_EQ(t[1].ids[i].ms, t[0].ids[i].ms);
		PP_ASSERT_U64_EQ(t[2].ids[i].ms, t[0].ids[i].ms);
		PP_ASSERT_U64_EQ(t[0].ids[i].ms, t[0].ids[i - i % 4].ms);
	}
	for (k = 0; k < 2; k++) {
		pp_t_read_all(n.client, to2[k], NULL, false, &e[k]);
		PP_ASSERT_U64_EQ(e[k].count, 40);
		for (i = 0; i < 40; i++) {
			len = system_input_body(body, "in", i);
			PP_ASSERT_MEM_EQ(
			    e[k].bodies[i], e[k].lens[i], body, len);
			PP_ASSERT_U64_EQ(e[k].ids[i].ms, e[k].ids[0].ms);
		}
		pp_t_logs_free(&e[k]);
	}
	for (k = 0; k < 3; k++) {
		pp_t_logs_free(&t[k]);
	}
	pp_t_node_stop(&n);
}

/* Parses a summary of the count plugin: "logs=N bytes=B first=.. ...". */
static unsigned
summary_logs(const char *body)
{
	unsigned v = 0;

	if (sscanf(body, "logs=%u ", &v) != 1) {
		PP_FAIL_AT("not a count summary: \"%s\"", body);
	}
	return (v);
}

static void
test_count(void)
{
	static const char *const summaries[] = { "summaries" };
	static const char *const names1[] = { "by100" };
	static const char *const names2[] = { "by1" };
	pp_system_proc_opts      o;
	pp_node_stats            before, after;
	pp_t_logs                out;
	uint32_t                 counts[1000];
	pp_tnode                 n;
	size_t                   i, total = 0;

	system_case_start_node(&n, 1);
	system_commit_inputs(n.client, "in", "in", 0, 1000);
	before = system_node_stats(n.client);
	/* The count plugin writes one summary per claim: the plugin gets
	 * batches of `count` logs (PEER §22.23: the peer always gave one). */
	o = system_opts(g_in, 1, summaries, 1, system_plugin("count", 0), NULL);
	o.proc.count = 100;
	SYSTEM_CREATE(n.client, "by100", &o);
	SYSTEM_WAIT_PROCS(n.client, names1, 1, WAIT_MS);
	after = system_node_stats(n.client);
	PP_ASSERT_U64_EQ(after.commits - before.commits, 10);
	pp_t_read_all(n.client, "summaries", NULL, false, &out);
	PP_ASSERT_U64_EQ(out.count, 10);
	for (i = 0; i < out.count; i++) {
		PP_ASSERT_INT_EQ(summary_logs(out.bodies[i]), 100);
		total += summary_logs(out.bodies[i]);
	}
	PP_ASSERT_U64_EQ(total, 1000);
	pp_t_logs_free(&out);

	/* With count 1, one ack_commit per log; every log once. */
	o = system_opts(g_in, 1, g_out, 1, system_plugin("failer", 0), NULL);
	o.proc.count = 1;
	before = system_node_stats(n.client);
	SYSTEM_CREATE(n.client, "by1", &o);
	SYSTEM_WAIT_PROCS(n.client, names2, 1, WAIT_MS);
	after = system_node_stats(n.client);
	PP_ASSERT_U64_EQ(after.commits - before.commits, 1000);
	PP_ASSERT_U64_EQ(
	    system_count_outputs(n.client, "out", "in", 1000, counts, NULL),
	    1000);
	SYSTEM_CHECK_ONCE("out", counts, 1000, NULL, 0);
	pp_t_node_stop(&n);
}

/* ---- failures
 * ------------------------------------------------------------------ */

static void
test_failure_disables(void)
{
	pp_system_proc_opts o;
	pp_id               ids[3];
	pp_t_logs           out;
	system_info         s;
	pp_tnode            n;
	char                want[160];

	system_case_start_node(&n, 1);
	o = system_opts(
	    g_in, 1, g_out, 1, system_plugin("failer", 0), "fail-on=BAD");
	o.proc.max_reclaims = 3;
	o.proc.reclaim_timeout_ms = 600000;
	o.proc.on_max_reclaims = PP_ON_MAX_DISABLE;
	SYSTEM_CREATE(n.client, "picky", &o);
	ids[0] = pp_t_commit_str(n.client, "in", "good 0");
	ids[1] = pp_t_commit_str(n.client, "in", "a BAD one");
	ids[2] = pp_t_commit_str(n.client, "in", "good 2");
	/* Reclaimed at once with the reason (not at the timeout, PEER
	 * §22.28); max_reclaims 3 gives it three tries: the third reclaim
	 * in a row disables (issue 13 item 5). */
	WAIT_DISABLED(n.client, "picky", WAIT_MS);
	SYSTEM_INSPECT(n.client, "picky", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 3);
	PP_ASSERT_U64_EQ(s.i.next_seq, 1);
	PP_ASSERT_TRUE(!s.i.has_claim);
	pp_t_format(want, sizeof(want),
	    "failer: log %" PRIu64 "-%" PRIu64 " contains 'BAD'", ids[1].ms,
	    ids[1].seq);
	PP_ASSERT_STR_EQ(s.last_error, want);
	pp_t_read_all(n.client, "out", NULL, false, &out);
	PP_ASSERT_U64_EQ(out.count, 1);
	PP_ASSERT_STR_EQ(out.bodies[0], "good 0");
	pp_t_logs_free(&out);
	/* A disabled proc is not waited for. */
	SYSTEM_WAIT_PROCS(n.client, NULL, 0, WAIT_MS);
	/* Resumed, it fails the same way again. */
	PP_PASS(pp_proc_resume(n.client, "picky", NULL));
	WAIT_DISABLED(n.client, "picky", WAIT_MS);
	SYSTEM_INSPECT(n.client, "picky", &s);
	PP_ASSERT_U64_EQ(s.i.reclaims, 3);
	PP_ASSERT_U64_EQ(s.i.next_seq, 1);

	/* Without fail(), the reason is process()'s return value. */
	o = system_opts(g_in, 1, NULL, 0, system_plugin("failer", 0),
	    "fail-on=BAD,silent,status=7");
	o.proc.max_reclaims = 1;
	SYSTEM_CREATE(n.client, "quiet", &o);
	WAIT_DISABLED(n.client, "quiet", WAIT_MS);
	SYSTEM_INSPECT(n.client, "quiet", &s);
	PP_ASSERT_STR_EQ(s.last_error, "process() returned 7");
	PP_ASSERT_U64_EQ(s.i.reclaims, 1);

	/* An emit_to() outside `to` fails the claim, and what it emitted
	 * before is not committed: all or nothing. */
	{
		static const char *const to_x[] = { "x" };

		o = system_opts(g_in, 1, to_x, 1, system_plugin("fanout", 0),
		    "x=copy,nope=copy");
		o.proc.max_reclaims = 1;
		SYSTEM_CREATE(n.client, "stray", &o);
		WAIT_DISABLED(n.client, "stray", WAIT_MS);
		SYSTEM_INSPECT(n.client, "stray", &s);
		if (strstr(s.last_error, "nope") == NULL) {
			PP_FAIL_AT("last error \"%s\" does not name the topic",
			    s.last_error);
		}
		PP_ASSERT_U64_EQ(s.i.next_seq, 0);
		PP_ASSERT_U64_EQ(system_length(n.client, "x"), 0);
	}
	pp_t_node_stop(&n);
}

static void
test_dead_letters(void)
{
	static const char *const names[] = { "dl" };
	static const uint64_t    poison[] = { 7 };
	pp_system_proc_opts      o;
	pp_node_stats            before, after;
	pp_t_logs                dead;
	uint32_t                 counts[40];
	system_info              s;
	pp_tnode                 n;

	system_case_start_node(&n, 1);
	system_commit_inputs(n.client, "in", "in", 0, 40);
	before = system_node_stats(n.client);
	o = system_opts(g_in, 1, g_out, 1, system_plugin("failer", 0),
	    "fail-on=in-0000007");
	o.proc.count = 5;
	o.proc.max_reclaims = 1;
	o.proc.on_max_reclaims = PP_ON_MAX_DEADLETTER;
	SYSTEM_CREATE(n.client, "dl", &o);
	SYSTEM_WAIT_PROCS(n.client, names, 1, WAIT_MS);
	after = system_node_stats(n.client);

	/* The claim of inputs 5..9 failed; its logs were retried one by
	 * one, so only input 7 went to the dead letters and the others of
	 * its claim flowed on. */
	PP_ASSERT_U64_EQ(
	    system_count_outputs(n.client, "out", "in", 40, counts, NULL), 39);
	SYSTEM_CHECK_ONCE("out", counts, 40, poison, 1);
	pp_t_read_all(n.client, "in.dead", NULL, false, &dead);
	PP_ASSERT_U64_EQ(dead.count, 1);
	if (!system_has_bytes(dead.bodies[0], dead.lens[0], "in-0000007")
	    || !system_has_bytes(dead.bodies[0], dead.lens[0], "dl")
	    || !system_has_bytes(
	        dead.bodies[0], dead.lens[0], "contains 'in-0000007'")
	    || !system_has_bytes(dead.bodies[0], dead.lens[0], "attempts")) {
		PP_FAIL_AT("dead letter (%zu bytes) lacks the body, the proc "
		           "or the error",
		    dead.lens[0]);
	}
	pp_t_logs_free(&dead);
	PP_ASSERT_U64_EQ(after.dead_letters - before.dead_letters, 1);
	SYSTEM_INSPECT(n.client, "dl", &s);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	PP_ASSERT_U64_EQ(s.i.next_seq, 40);
	PP_ASSERT_U64_EQ(s.i.reclaims, 0);
	/* Back to full claims after the retried ones: the rest were
	 * handled 5 at a time (5 full claims before, 6 after, plus the
	 * 4 good single retries): far fewer ack_commits than logs. */
	PP_ASSERT_U64_CMP(after.commits - before.commits, <=, 16);
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_CASE("a systemProc without to topics acks its claims and writes "
	    "nothing",
	    test_no_to, 0),
	PP_CASE("outputs go to several to topics, each input's in one "
	    "ack_commit",
	    test_fanout, 0),
	PP_CASE("the plugin gets claims of count logs",
	    test_count, 120),
	PP_CASE("a failing plugin reclaims at once with its reason in "
	    "last_error and is disabled at max_reclaims",
	    test_failure_disables, 0),
	PP_CASE("a poison log in a claim of several goes alone to the dead "
	    "letters and the rest flow on",
	    test_dead_letters, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
