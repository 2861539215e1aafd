/*
 * system_restart_test.c - workers replaced while systemProcs run (issue 4
 * item 8; PEER §12.4): after worker_restart_after claims, also with two
 * threads per worker, and a worker killed while it waits for work. No
 * input is lost or repeated and no claim is left behind.
 *
 * Inputs are numbered (system_util.h) and the plugin is the pass-through
 * failer, so an output names its input. The reclaim timeout of every
 * systemProc here is ten minutes: a claim that a dead worker held must be
 * given back when the worker dies, not when the timer fires, or the case
 * times out. Worker processes are found through /proc as the children of
 * the node running pipeproc-worker.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "system_util.h"
#include "system_crash_util.h"

static const char *const g_out[] = { "out" };

/* Prints the procs' last errors. */
static void
system_crash_diag_errors(pp_client *c)
{
	const pp_proc_info *p;
	pp_proc_list       *l = NULL;
	size_t              i;

	if (pp_procs(c, &l) != 0) {
		return;
	}
	for (i = 0; i < pp_proc_list_count(l); i++) {
		p = pp_proc_list_get(l, i);
		if (p->last_error[0] != '\0') {
			pp_t_diag(
			    "%s: last error \"%s\"", p->name, p->last_error);
		}
	}
	pp_proc_list_free(l);
}

/* ---- worker_restart_after
 * ------------------------------------------------------ */

#define RESTART_INPUTS 20000

static void
test_restart_after(void)
{
	static const char *const in[] = { "in" };
	static uint32_t          counts[RESTART_INPUTS];
	pp_system_proc_opts      o;
	pp_node_stats            st;
	pid_t                    seen[256], pids[MAX_PIDS];
	size_t                   nseen = 0, np, k;
	uint64_t                 end;
	pp_tnode                 n;
	int                      rv;

	system_crash_start_node(&n, 2, 1, 100);
	system_commit_inputs(n.client, "in", "in", 0, RESTART_INPUTS / 2);
	o = system_opts(in, 1, g_out, 1, system_plugin("failer", 0), NULL);
	o.proc.count = 5;
	o.proc.reclaim_timeout_ms = LONG_TIMEOUT_MS;
	SYSTEM_CREATE(n.client, "relay", &o);
	system_commit_inputs(
	    n.client, "in", "in", RESTART_INPUTS / 2, RESTART_INPUTS / 2);
	/* Watch the workers come and go while the work gets done. */
	end = pp_t_mono_ms() + (uint64_t)pp_t_scaled(WAIT_MS);
	while (
	    (rv = pp_wait_for_procs(n.client, NULL, 0, 20)) == PP_ETIMEDOUT) {
		np = system_worker_pids(n.pid, pids, MAX_PIDS);
		for (k = 0; k < np && nseen < 256; k++) {
			if (!system_crash_has_pid(seen, nseen, pids[k])) {
				seen[nseen++] = pids[k];
			}
		}
		if (pp_t_mono_ms() > end) {
			PP_FAIL_AT("the pipeline did not finish: %" PRIu64
			           " outputs",
			    system_length(n.client, "out"));
		}
	}
	PP_PASS(rv);
	st = system_node_stats(n.client);
	pp_t_diag("%zu worker pids seen, %" PRIu64 " restarts, %" PRIu64
	          " reclaims",
	    nseen, st.worker_restarts, st.reclaims);
	/* At least 4,000 claims of at most 5 logs, 100 per worker. */
	PP_ASSERT_U64_CMP(st.worker_restarts, >=, 30);
	PP_ASSERT_U64_CMP(nseen, >=, 5);
	/* Planned exits give nothing back and repeat nothing. */
	PP_ASSERT_U64_EQ(st.reclaims, 0);
	PP_ASSERT_U64_EQ(system_count_outputs(n.client, "out", "in",
	                     RESTART_INPUTS, counts, NULL),
	    RESTART_INPUTS);
	SYSTEM_CHECK_ONCE("out", counts, RESTART_INPUTS, NULL, 0);
	pp_t_node_stop(&n);
}

/* The same with two claim threads per worker: a thread that waits for
 * work when its worker leaves must not take a claim with it. */
static void
test_restart_after_threads(void)
{
	static const char *const from[] = { "a", "b", "c" };
	static uint32_t          counts[3000];
	pp_system_proc_opts      o;
	pp_node_stats            st;
	uint64_t                 other;
	pp_tnode                 n;
	size_t                   k;
	char                     dead[32];

	system_crash_start_node(&n, 2, 2, 20);
	o = system_opts(from, 3, g_out, 1, system_plugin("failer", 0), NULL);
	o.proc.count = 1;
	o.proc.reclaim_timeout_ms = LONG_TIMEOUT_MS;
	/* No failure is allowed (the first reclaim would dead-letter): a
	 * planned exit is none. */
	o.proc.max_reclaims = 1;
	o.proc.on_max_reclaims = PP_ON_MAX_DEADLETTER;
	SYSTEM_CREATE(n.client, "relay", &o);
	for (k = 0; k < 30; k++) {
		system_commit_inputs(
		    n.client, from[k % 3], from[k % 3], (k / 3) * 300, 300);
	}
	SYSTEM_WAIT_PROCS(n.client, NULL, 0, WAIT_MS);
	st = system_node_stats(n.client);
	pp_t_diag("%" PRIu64 " restarts, %" PRIu64 " reclaims",
	    st.worker_restarts, st.reclaims);
	system_crash_diag_errors(n.client);
	PP_ASSERT_U64_CMP(st.worker_restarts, >=, 10);
	for (k = 0; k < 3; k++) {
		pp_t_format(dead, sizeof(dead), "%s.dead", from[k]);
		PP_ASSERT_U64_EQ(system_length(n.client, dead), 0);
		system_count_outputs(
		    n.client, "out", from[k], 3000, counts, &other);
		SYSTEM_CHECK_ONCE(from[k], counts, 3000, NULL, 0);
	}
	PP_ASSERT_U64_EQ(st.reclaims, 0);
	pp_t_node_stop(&n);
}

/* ---- a worker killed while it waits for work
 * ------------------------------------ */

static void
test_kill_idle_worker(void)
{
	static const char *const from[] = { "a", "b", "c", "d" };
	static uint32_t          counts[6];
	pp_system_proc_opts      o;
	pid_t                    pids[MAX_PIDS], gone[MAX_PIDS];
	uint64_t                 other;
	pp_tnode                 n;
	size_t                   k, round;

	system_crash_start_node(&n, 1, 2, 0);
	o = system_opts(from, 4, g_out, 1, system_plugin("failer", 0), NULL);
	o.proc.reclaim_timeout_ms = LONG_TIMEOUT_MS;
	SYSTEM_CREATE(n.client, "idle", &o);
	for (round = 0; round < 3; round++) {
		/* Work, then nothing to do: both threads wait in the node. */
		for (k = 0; k < 4; k++) {
			system_commit_inputs(
			    n.client, from[k], from[k], round * 2, 1);
		}
		SYSTEM_WAIT_PROCS(n.client, NULL, 0, WAIT_MS);
		WAIT_WORKERS(n.pid, 1, gone, round, pids);
		gone[round] = pids[0];
		PP_ASSERT_INT_EQ(kill(pids[0], SIGKILL), 0);
		WAIT_WORKERS(n.pid, 1, gone, round + 1, pids);
		/* Work committed after the kill is done by the new worker
		 * at once: no claim waits for the dead one's timeout. */
		for (k = 0; k < 4; k++) {
			system_commit_inputs(
			    n.client, from[k], from[k], round * 2 + 1, 1);
		}
		if (pp_wait_for_procs(n.client, NULL, 0, pp_t_scaled(30000))
		    != 0) {
			system_crash_diag_claims(n.client);
			PP_FAIL_AT("round %zu: the work committed after the "
			           "kill is not done in time: a claim waits "
			           "for the dead worker's timeout",
			    round);
		}
	}
	for (k = 0; k < 4; k++) {
		system_count_outputs(
		    n.client, "out", from[k], 6, counts, &other);
		SYSTEM_CHECK_ONCE(from[k], counts, 6, NULL, 0);
	}
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_CASE("worker_restart_after replaces workers without losing or "
	    "repeating work",
	    test_restart_after, 180),
	PP_CASE("workers with two threads replaced after worker_restart_after "
	    "lose and repeat nothing",
	    test_restart_after_threads, 120),
	PP_CASE("a worker killed while waiting for work leaves no claim behind",
	    test_kill_idle_worker, 120),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
