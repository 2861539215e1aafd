/*
 * exec_crash_test.c - the exec plugin when its child or its worker goes
 * wrong (issue #11 item 4; pipeproc_plugin(7) "THE EXEC PLUGIN"): a child
 * that exits in the middle of a batch, one that writes a malformed frame,
 * one that stops answering, and kill -9 of the worker while its children
 * run. Each time the claim is reclaimed with a reason naming what
 * happened, the child is stopped (and reaped, or killed with its
 * worker), a new one takes over, and every input comes out exactly once.
 *
 * The child is test/exec_proc.py; its faults happen once per case (a
 * marker file in the case directory), so the restarted child behaves.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_util.h"
#include "system_case.h"

static const char *const g_in[] = { "in" };
static const char *const g_out[] = { "out" };

/*
 * Runs 100 inputs with `poison` committed after the first 50 through a
 * systemProc whose child misbehaves on it once; checks the reason and
 * that every input, the poison too, came out once. Returns the pids of
 * the children in *pids (how many in *npids).
 */
static void
run_poisoned(const char *poison, const char *prefix, const char *needle,
    pid_t *pids, size_t *npids)
{
	static const char *const names[] = { "sys" };
	static uint32_t          counts[100];
	pp_system_proc_opts      o;
	system_info              s;
	pp_tnode                 n;
	uint64_t                 other = 0;
	const char              *dir = pp_t_mkdir("child");

	system_case_start_node(&n, 1);
	system_commit_inputs(n.client, "in", "in", 0, 50);
	pp_t_commit_str(n.client, "in", poison);
	system_commit_inputs(n.client, "in", "in", 50, 50);
	o = system_opts(g_in, 1, g_out, 1, exec_plugin(),
	    exec_config(prefix, dir, NULL));
	o.proc.count = 20;
	SYSTEM_CREATE(n.client, "sys", &o);
	EXEC_WAIT_ERROR(n.client, "sys", needle, WAIT_MS);
	SYSTEM_WAIT_PROCS(n.client, names, 1, WAIT_MS);
	PP_ASSERT_U64_EQ(system_count_outputs(n.client, "out", "in", 100,
	                     counts, &other), 101);
	SYSTEM_CHECK_ONCE("out", counts, 100, NULL, 0);
	PP_ASSERT_U64_EQ(other, 1);
	SYSTEM_INSPECT(n.client, "sys", &s);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	/* A second child took over; the first is gone and reaped. */
	*npids = exec_child_pids(dir, pids, 8);
	PP_ASSERT_U64_EQ(*npids, 2);
	PP_ASSERT_TRUE(!exec_pid_alive(pids[0]));
	PP_ASSERT_TRUE(exec_pid_alive(pids[1]));
	pp_t_node_stop(&n);
	/* fini stopped the second one. */
	PP_ASSERT_TRUE(pp_t_wait_pid_gone(pids[1], pp_t_scaled(10000)));
}

static void
test_child_exits(void)
{
	pid_t  pids[8];
	size_t n;

	run_poisoned("CRASH1", NULL, "exited with status 3 during a batch "
	    "of 20 logs", pids, &n);
}

static void
test_malformed(void)
{
	pid_t  pids[8];
	size_t n;

	run_poisoned("GARBLE1", NULL, "exec: malformed answer: the body of 2 "
	    "bytes is not followed by a newline (is the length right?); "
	    "killed child", pids, &n);
}

static void
test_hang(void)
{
	pid_t       pids[8];
	size_t      n;
	uint64_t    start = pp_t_mono_ms();

	/* The proc's reclaim timeout is the default 10 s: the plugin's
	 * own limit must end the claim first, and kill the child. */
	run_poisoned("HANG1", "PIPEPROC_EXEC_TIMEOUT_MS=1000",
	    "within 1000 ms (PIPEPROC_EXEC_TIMEOUT_MS); killed it", pids, &n);
	pp_t_diag("hang detected and run finished in %llu ms",
	    (unsigned long long) (pp_t_mono_ms() - start));
}

/* An answer before the child read the batch would leave the rest of it
 * to be taken for the next batch: malformed. */
static void
test_early_answer(void)
{
	static char         body[200 * 1024];
	pp_system_proc_opts o;
	system_info         s;
	pp_tnode            n;

	system_case_start_node(&n, 1);
	memset(body, 'x', sizeof(body) - 1);
	pp_t_commit_str(n.client, "in", body);
	/* Answers "done" to the "batch" line, before the 200 KiB body
	 * (more than a pipe holds) is read. */
	o = system_opts(g_in, 1, g_out, 1, exec_plugin(),
	    "while read -r l; do case $l in batch*) echo done;; esac; done");
	o.proc.max_reclaims = 1;
	SYSTEM_CREATE(n.client, "early", &o);
	EXEC_WAIT_ERROR(n.client, "early", "exec: malformed answer: it ended "
	    "before the child read the whole batch; killed child", WAIT_MS);
	PP_WAIT_UNTIL((SYSTEM_INSPECT(n.client, "early", &s),
	                  s.i.is_disabled), WAIT_MS);
	PP_ASSERT_U64_EQ(system_length(n.client, "out"), 0);
	pp_t_node_stop(&n);
}

/* ---- kill -9 of the worker --------------------------------------------- */

#define KILL_INPUTS 1500 /* per topic */

static void
test_kill_worker(void)
{
	static const char *const from[] = { "in0", "in1" };
	static uint32_t counts[KILL_INPUTS];
	pp_system_proc_opts o;
	pp_spawn_opts   so = system_spawn_opts(1, 2, 0);
	pp_tnode        n;
	pid_t           workers[4], pids[64];
	size_t          npids, i;
	const char     *dir = pp_t_mkdir("kill");

	pp_t_node_init(&n);
	pp_t_node_start(&n, &so);
	for (i = 0; i < 2; i++) {
		system_commit_inputs(n.client, from[i], from[i], 0,
		    KILL_INPUTS);
	}
	/* Two procs (one per topic), so both threads hold a claim. */
	o = system_opts(from, 2, g_out, 1, exec_plugin(),
	    exec_config("EXEC_PROC_SLEEP_MS=5", dir, NULL));
	o.proc.count = 10;
	SYSTEM_CREATE(n.client, "sys", &o);
	PP_WAIT_UNTIL(exec_child_pids(dir, pids, 64) == 2, WAIT_MS);
	SYSTEM_WAIT_LENGTH(n.client, "out", 200, WAIT_MS);
	PP_ASSERT_U64_EQ(system_worker_pids(n.pid, workers, 4), 1);
	PP_ASSERT_INT_EQ(kill(workers[0], SIGKILL), 0);
	pp_t_diag("killed the worker after %llu outputs",
	    (unsigned long long) system_length(n.client, "out"));
	/* Its children do not outlive it (parent-death signal, EOF). */
	for (i = 0; i < 2; i++) {
		PP_WAIT_UNTIL(!exec_pid_alive(pids[i]), 10000);
	}
	if (pp_wait_for_procs(n.client, NULL, 0, pp_t_scaled(WAIT_MS)) != 0) {
		PP_FAIL_AT("the pipeline did not finish: %llu outputs",
		    (unsigned long long) system_length(n.client, "out"));
	}
	/* The new worker's children finished the work: every input
	 * exactly once, none lost with the killed worker's claims. */
	for (i = 0; i < 2; i++) {
		system_count_outputs(n.client, "out", from[i], KILL_INPUTS,
		    counts, (uint64_t[]) { 0 });
		SYSTEM_CHECK_ONCE(from[i], counts, KILL_INPUTS, NULL, 0);
	}
	PP_ASSERT_U64_EQ(system_length(n.client, "out"), 2 * KILL_INPUTS);
	npids = exec_child_pids(dir, pids, 64);
	PP_ASSERT_U64_EQ(npids, 4);
	pp_t_node_stop(&n);
	for (i = 0; i < npids; i++) {
		PP_ASSERT_TRUE(pp_t_wait_pid_gone(pids[i], pp_t_scaled(10000)));
	}
}

/* Workers replaced every 5 claims: each one's fini stops its child with
 * EOF, the next worker starts a new one, nothing is left behind. */
static void
test_worker_restarts(void)
{
	static const char *const names[] = { "sys" };
	static uint32_t     counts[200];
	pp_system_proc_opts o;
	pp_spawn_opts       so = system_spawn_opts(1, 1, 5);
	pp_tnode            n;
	pid_t               pids[64], eofs[64];
	size_t              npids, neofs, i, k;
	const char         *dir = pp_t_mkdir("restart");

	pp_t_node_init(&n);
	pp_t_node_start(&n, &so);
	system_commit_inputs(n.client, "in", "in", 0, 200);
	o = system_opts(g_in, 1, g_out, 1, exec_plugin(),
	    exec_config(NULL, dir, NULL));
	o.proc.count = 10;
	SYSTEM_CREATE(n.client, "sys", &o);
	SYSTEM_WAIT_PROCS(n.client, names, 1, WAIT_MS);
	PP_ASSERT_U64_EQ(system_count_outputs(n.client, "out", "in", 200,
	                     counts, NULL), 200);
	SYSTEM_CHECK_ONCE("out", counts, 200, NULL, 0);
	pp_t_node_stop(&n);
	/* 20 claims, 5 per worker: at least 4 workers, one child each. */
	npids = exec_child_pids(dir, pids, 64);
	neofs = exec_eof_pids(dir, eofs, 64);
	pp_t_diag("%zu children, %zu left at EOF", npids, neofs);
	PP_ASSERT_U64_CMP(npids, >=, 4);
	PP_ASSERT_U64_EQ(neofs, npids);
	for (i = 0; i < npids; i++) {
		for (k = 0; k < neofs && eofs[k] != pids[i]; k++) {
		}
		PP_ASSERT_U64_CMP(k, <, neofs);
		PP_ASSERT_TRUE(pp_t_wait_pid_gone(pids[i], pp_t_scaled(10000)));
	}
}

static const pp_test_case cases[] = {
	PP_CASE("a child that exits mid-batch is replaced, outputs once",
	    test_child_exits, 90),
	PP_CASE("a malformed answer reclaims, names the fault, kills the "
	    "child", test_malformed, 90),
	PP_CASE("a child that does not answer is killed after the timeout",
	    test_hang, 90),
	PP_CASE("an answer before the whole batch was read is malformed",
	    test_early_answer, 60),
	PP_CASE("workers replaced after 5 claims stop their children with "
	    "EOF", test_worker_restarts, 90),
	PP_CASE("kill -9 of the worker: its children go, outputs once",
	    test_kill_worker, 120),
	PP_CASES_END
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
