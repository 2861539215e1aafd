/*
 * system_admin_test.c - managing systemProcs run by real workers (issue 4
 * items 5 and 8; PEER §12 and §14): destroy, also with a claim in flight,
 * restarts that keep every option, PP_WORKERS_NONE, pp_wait_for_procs over
 * systemProcs and worker_concurrency.
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

static void
system_case_restart_node(pp_tnode *n, int32_t workers)
{
	pp_spawn_opts o = system_spawn_opts(workers, 0, 0);

	pp_t_node_stop(n);
	pp_t_node_start(n, &o);
}

/* ---- destroy
 * ------------------------------------------------------------------- */

static void
test_destroy(void)
{
	static const char *const from[] = { "a", "b" };
	static const char *const wout[] = { "wout" };
	static const char *const witness[] = { "witness" };
	pp_system_proc_opts      o;
	uint32_t                 counts[20];
	system_info              s, fresh;
	pp_tnode                 n;

	system_case_start_node(&n, 1);
	o = system_opts(from, 2, g_out, 1, system_plugin("failer", 0), NULL);
	SYSTEM_CREATE(n.client, "gone", &o);
	SYSTEM_INSPECT(n.client, "gone__a", &s);
	system_commit_inputs(n.client, "a", "a", 0, 10);
	system_commit_inputs(n.client, "b", "b", 0, 10);
	SYSTEM_WAIT_PROCS(n.client, NULL, 0, WAIT_MS);
	PP_ASSERT_U64_EQ(system_length(n.client, "out"), 20);

	PP_PASS(pp_system_proc_destroy(n.client, "gone"));
	PP_ASSERT_U64_EQ(system_case_proc_count(n.client), 0);
	PP_FAIL(pp_proc_inspect(n.client, "gone__a", NULL), PP_ENOPROC);
	PP_FAIL(pp_proc_inspect(n.client, "gone__b", NULL), PP_ENOPROC);
	PP_FAIL(pp_system_proc_destroy(n.client, "gone"), PP_ENOSYSPROC);

	/* Its outputs stop: new inputs stay unprocessed while a witness on
	 * the same topic, run by the same worker, gets through all of them.
	 */
	system_commit_inputs(n.client, "a", "a", 10, 10);
	o = system_opts(from, 1, wout, 1, system_plugin("failer", 0), NULL);
	SYSTEM_CREATE(n.client, "witness", &o);
	SYSTEM_WAIT_PROCS(n.client, witness, 1, WAIT_MS);
	PP_ASSERT_U64_EQ(system_length(n.client, "wout"), 20);
	PP_ASSERT_U64_EQ(system_length(n.client, "out"), 20);

	/* Created again, it is a new systemProc that starts at its offset. */
	o = system_opts(from, 2, g_out, 1, system_plugin("failer", 0), NULL);
	SYSTEM_CREATE(n.client, "gone", &o);
	SYSTEM_INSPECT(n.client, "gone__a", &fresh);
	PP_ASSERT_U64_CMP(fresh.i.created_ms, >=, s.i.created_ms);
	/* Nothing carried over from the old one; a worker may already
	 * have acked a claim of the new one. */
	if (fresh.i.last_acked_ms != 0) {
		PP_ASSERT_U64_CMP(fresh.i.last_acked_ms, >=, fresh.i.created_ms);
	}
	SYSTEM_WAIT_PROCS(n.client, NULL, 0, WAIT_MS);
	PP_ASSERT_U64_EQ(system_length(n.client, "out"), 50);
	system_count_outputs(n.client, "wout", "a", 20, counts, NULL);
	SYSTEM_CHECK_ONCE("wout", counts, 20, NULL, 0);
	pp_t_node_stop(&n);
}

/* Destroying a systemProc while its plugin holds a claim: the claim's
 * ack fails and nothing of it is committed. */
static void
test_destroy_in_flight(void)
{
	static const char *const wout[] = { "wout" };
	static const char *const witness[] = { "witness" };
	pp_system_proc_opts      o;
	system_info              s;
	pp_tnode                 n;

	system_case_start_node(&n, 1);
	o = system_opts(
	    g_in, 1, g_out, 1, system_plugin("failer", 0), "sleep-ms=400");
	SYSTEM_CREATE(n.client, "slow", &o);
	pp_t_commit_str(n.client, "in", "x");
	PP_WAIT_UNTIL(
	    (SYSTEM_INSPECT(n.client, "slow", &s), s.i.has_claim), WAIT_MS);
	PP_PASS(pp_system_proc_destroy(n.client, "slow"));
	/* The worker has one thread: the witness runs after the slow
	 * claim's settle was refused. */
	o = system_opts(g_in, 1, wout, 1, system_plugin("failer", 0), NULL);
	SYSTEM_CREATE(n.client, "witness", &o);
	SYSTEM_WAIT_PROCS(n.client, witness, 1, WAIT_MS);
	PP_ASSERT_U64_EQ(system_length(n.client, "wout"), 1);
	PP_ASSERT_U64_EQ(system_length(n.client, "out"), 0);
	PP_ASSERT_U64_EQ(system_case_proc_count(n.client), 1);
	pp_t_node_stop(&n);
}

/* ---- restarts
 * ------------------------------------------------------------------ */

static void
same_state(const system_info *a, const system_info *b)
{
	PP_ASSERT_STR_EQ(a->name, b->name);
	PP_ASSERT_STR_EQ(a->topic, b->topic);
	PP_ASSERT_STR_EQ(a->offset, b->offset);
	PP_ASSERT_STR_EQ(a->system_proc, b->system_proc);
	PP_ASSERT_STR_EQ(a->plugin, b->plugin);
	PP_ASSERT_STR_EQ(a->last_error, b->last_error);
	PP_ASSERT_U64_EQ(a->i.opts.count, b->i.opts.count);
	PP_ASSERT_INT_EQ(a->i.opts.max_reclaims, b->i.opts.max_reclaims);
	PP_ASSERT_INT_EQ(
	    a->i.opts.reclaim_timeout_ms, b->i.opts.reclaim_timeout_ms);
	PP_ASSERT_INT_EQ(a->i.opts.on_max_reclaims, b->i.opts.on_max_reclaims);
	PP_ASSERT_U64_EQ(a->i.created_ms, b->i.created_ms);
	PP_ASSERT_U64_EQ(a->i.next_seq, b->i.next_seq);
	PP_ASSERT_U64_EQ(a->i.last_acked_ms, b->i.last_acked_ms);
	PP_ASSERT_INT_EQ(a->i.is_disabled, b->i.is_disabled);
}

static void
test_restart_keeps_options(void)
{
	static const char *const from[] = { "a", "b" };
	static const char *const to[] = { "o1", "o2", "o3" };
	static const char *const to_two[] = { "o1", "o2" };
	static const char *const procs[] = { "keep__a", "keep__b" };
	const char              *fanout = system_plugin("fanout", 0);
	pp_system_proc_opts      o, other;
	pp_proc_list            *l = NULL;
	system_info              before[2], after;
	pp_t_logs                logs;
	uint32_t                 ca[10], cb[10];
	uint64_t                 other_count = 0;
	pp_tnode                 n;
	size_t                   k;

	system_case_start_node(&n, 1);
	o = system_opts(from, 2, to, 3, fanout, "o1=copy,o2=upper,o3=length");
	o.proc.count = 7;
	o.proc.max_reclaims = 3;
	o.proc.reclaim_timeout_ms = 12345;
	o.proc.on_max_reclaims = PP_ON_MAX_DEADLETTER;
	o.proc.offset = ">";
	SYSTEM_CREATE(n.client, "keep", &o);
	system_commit_inputs(n.client, "a", "a", 0, 5);
	system_commit_inputs(n.client, "b", "b", 0, 5);
	SYSTEM_WAIT_PROCS(n.client, procs, 2, WAIT_MS);
	for (k = 0; k < 2; k++) {
		SYSTEM_INSPECT(n.client, procs[k], &before[k]);
		PP_ASSERT_U64_EQ(before[k].i.next_seq, 5);
		PP_ASSERT_U64_EQ(before[k].i.opts.count, 7);
		PP_ASSERT_STR_EQ(before[k].system_proc, "keep");
	}

	system_case_restart_node(&n, 1);
	for (k = 0; k < 2; k++) {
		SYSTEM_INSPECT(n.client, procs[k], &after);
		same_state(&after, &before[k]);
	}
	/* The stored definition is the same to the byte: re-creating it is
	 * idempotent, and another `to` list or config is a conflict (PEER
	 * §22.10: the peer kept only the last `to`). */
	PP_PASS(pp_system_proc(n.client, "keep", &o, &l));
	PP_ASSERT_U64_EQ(pp_proc_list_count(l), 2);
	PP_ASSERT_U64_EQ(
	    pp_proc_list_get(l, 0)->created_ms, before[0].i.created_ms);
	pp_proc_list_free(l);
	other = o;
	other.to = to_two;
	other.nto = 2;
	REFUSED(n.client, "keep", &other, PP_EPROC_EXISTS, NULL);
	other = o;
	other.config = "o1=copy,o2=upper,o3=reverse";
	REFUSED(n.client, "keep", &other, PP_EPROC_EXISTS, NULL);

	/* And the outputs still go to all three topics, transformed. */
	system_commit_inputs(n.client, "a", "a", 5, 5);
	system_commit_inputs(n.client, "b", "b", 5, 5);
	SYSTEM_WAIT_PROCS(n.client, procs, 2, WAIT_MS);
	for (k = 0; k < 3; k++) {
		PP_ASSERT_U64_EQ(system_length(n.client, to[k]), 20);
	}
	system_count_outputs(n.client, "o1", "a", 10, ca, &other_count);
	SYSTEM_CHECK_ONCE("o1 (a)", ca, 10, NULL, 0);
	system_count_outputs(n.client, "o1", "b", 10, cb, &other_count);
	SYSTEM_CHECK_ONCE("o1 (b)", cb, 10, NULL, 0);
	system_count_outputs(n.client, "o2", "A", 10, ca, &other_count);
	SYSTEM_CHECK_ONCE("o2 (A)", ca, 10, NULL, 0);
	pp_t_read_all(n.client, "o3", NULL, false, &logs);
	for (k = 0; k < logs.count; k++) {
		PP_ASSERT_STR_EQ(logs.bodies[k], "9");
	}
	pp_t_logs_free(&logs);
	pp_t_node_stop(&n);
}

static void
test_workers_none(void)
{
	static const char *const names[] = { "idle" };
	pp_system_proc_opts      o;
	uint32_t                 counts[10];
	system_info              s;
	pid_t                    pids[4];
	pp_tnode                 n;

	system_case_start_node(&n, PP_WORKERS_NONE);
	o = system_opts(g_in, 1, g_out, 1, system_plugin("upper", 0), NULL);
	SYSTEM_CREATE(n.client, "idle", &o);
	system_commit_inputs(n.client, "in", "in", 0, 10);
	/* Stored, never run: no worker exists, nothing is claimed. */
	PP_ASSERT_U64_EQ(system_worker_pids(n.pid, pids, 4), 0);
	PP_FAIL(pp_wait_for_procs(n.client, names, 1, pp_t_scaled(300)),
	    PP_ETIMEDOUT);
	SYSTEM_INSPECT(n.client, "idle", &s);
	PP_ASSERT_U64_EQ(s.i.last_claimed_ms, 0);
	PP_ASSERT_U64_EQ(s.i.lag, 10);
	PP_ASSERT_U64_EQ(system_length(n.client, "out"), 0);

	/* The same store with a worker runs it. */
	system_case_restart_node(&n, 1);
	SYSTEM_WAIT_PROCS(n.client, names, 1, WAIT_MS);
	PP_ASSERT_U64_EQ(
	    system_count_outputs(n.client, "out", "IN", 10, counts, NULL), 10);
	SYSTEM_CHECK_ONCE("out", counts, 10, NULL, 0);
	PP_ASSERT_U64_EQ(system_worker_pids(n.pid, pids, 4), 1);
	pp_t_node_stop(&n);
}

/* ---- pp_wait_for_procs
 * --------------------------------------------------------- */

static void
test_wait_for_procs(void)
{
	static const char *const late[] = { "late" };
	static const char *const nothing[] = { "nothing" };
	static const char *const old[] = { "old" };
	static const char *const new_out[] = { "new" };
	pp_system_proc_opts      o;
	uint32_t                 counts[505];
	system_info              s;
	pp_tnode                 n;

	system_case_start_node(&n, 1);
	system_commit_inputs(n.client, "old", "old", 0, 5);
	/* Never acked, nothing to read ("$>" after old logs; a topic that
	 * does not exist yet): done at once (PEER §22.27). */
	o = system_opts(old, 1, new_out, 1, system_plugin("failer", 0), NULL);
	o.proc.offset = "$>";
	SYSTEM_CREATE(n.client, "late", &o);
	o = system_opts(nothing, 1, NULL, 0, system_plugin("failer", 0), NULL);
	SYSTEM_CREATE(n.client, "nothing", &o);
	SYSTEM_WAIT_PROCS(n.client, late, 1, 5000);
	SYSTEM_WAIT_PROCS(n.client, nothing, 1, 5000);
	SYSTEM_WAIT_PROCS(n.client, NULL, 0, 5000);
	SYSTEM_INSPECT(n.client, "late", &s);
	PP_ASSERT_U64_EQ(s.i.last_acked_ms, 0);
	PP_FAIL(pp_wait_for_procs(
	            n.client, (const char *const[]) { "none" }, 1, 1000),
	    PP_ENOPROC);

	/* With work pending, the wait ends when the outputs are there. */
	system_commit_inputs(n.client, "old", "old", 5, 500);
	SYSTEM_WAIT_PROCS(n.client, NULL, 0, WAIT_MS);
	PP_ASSERT_U64_EQ(
	    system_count_outputs(n.client, "new", "old", 505, counts, NULL),
	    500);
	SYSTEM_CHECK_ONCE("new", counts + 5, 500, NULL, 0);
	SYSTEM_INSPECT(n.client, "late", &s);
	PP_ASSERT_U64_EQ(s.i.next_seq, 505);
	PP_ASSERT_TRUE(!s.i.has_claim);
	pp_t_node_stop(&n);
}

/* ---- concurrency
 * --------------------------------------------------------------- */

static size_t
claims_held(pp_client *c)
{
	pp_proc_list *l = NULL;
	size_t        i, held = 0;

	PP_PASS(pp_procs(c, &l));
	for (i = 0; i < pp_proc_list_count(l); i++) {
		held += pp_proc_list_get(l, i)->has_claim ? 1 : 0;
	}
	pp_proc_list_free(l);
	return (held);
}

static void
test_concurrency(void)
{
	static const char *const from[] = { "t0", "t1", "t2", "t3" };
	pp_spawn_opts            so = system_spawn_opts(1, 4, 0);
	pp_system_proc_opts      o;
	uint32_t                 counts[3];
	uint64_t                 other;
	pp_tnode                 n;
	size_t                   k;
	pid_t                    pids[4];

	pp_t_node_init(&n);
	pp_t_node_start(&n, &so);
	o = system_opts(
	    from, 4, g_out, 1, system_plugin("failer", 0), "sleep-ms=500");
	SYSTEM_CREATE(n.client, "wide", &o);
	for (k = 0; k < 4; k++) {
		system_commit_inputs(n.client, from[k], from[k], 0, 3);
	}
	/* One worker with four threads holds a claim of every proc at
	 * once. */
	PP_WAIT_UNTIL(claims_held(n.client) == 4, WAIT_MS);
	PP_ASSERT_U64_EQ(system_worker_pids(n.pid, pids, 4), 1);
	SYSTEM_WAIT_PROCS(n.client, NULL, 0, WAIT_MS);
	for (k = 0; k < 4; k++) {
		system_count_outputs(
		    n.client, "out", from[k], 3, counts, &other);
		SYSTEM_CHECK_ONCE(from[k], counts, 3, NULL, 0);
	}
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_CASE("pp_system_proc_destroy removes the systemProc and its procs "
	    "and its outputs stop",
	    test_destroy, 0),
	PP_CASE("a claim in flight when its systemProc is destroyed commits "
	    "nothing",
	    test_destroy_in_flight, 0),
	PP_CASE("a node restart keeps every option and the outputs flow to "
	    "every to topic",
	    test_restart_keeps_options, 0),
	PP_CASE("with PP_WORKERS_NONE a systemProc is kept but not run, and a "
	    "node with workers runs it",
	    test_workers_none, 0),
	PP_CASE("pp_wait_for_procs covers systemProcs, and one that never "
	    "acked but has nothing to read is done",
	    test_wait_for_procs, 0),
	PP_CASE("worker_concurrency runs claims of several procs at once",
	    test_concurrency, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
