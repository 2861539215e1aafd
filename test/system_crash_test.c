/*
 * system_crash_test.c - systemProcs when processes die (issue 4 item 8;
 * PEER §12.3-12.4 with the fixes of PEER §23.14): kill -9 of workers in
 * the middle of a 50,000-log pipeline, a plugin that segfaults or aborts
 * on poison logs, a worker's crash reason, and kill -9 of the node itself.
 * After each, every input has produced exactly one output: none lost,
 * none twice. Workers replaced on purpose are in system_restart_test.c.
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

/* A plugin's own crash must reach the node as the signal, also under
 * AddressSanitizer, whose SEGV handler would turn it into an exit. */
static void
system_crash_let_signals(void)
{
	const char *old = getenv("ASAN_OPTIONS");
	char        opts[1024];

	pp_t_format(opts, sizeof(opts), "%s%shandle_segv=0:handle_abort=0",
	    old != NULL ? old : "", old != NULL && old[0] != '\0' ? ":" : "");
	setenv("ASAN_OPTIONS", opts, 1);
}

/* True when some proc's last error says a worker was killed by sig. */
static bool
system_crash_any_error_says(pp_client *c, const char *text)
{
	pp_proc_list *l = NULL;
	size_t        i;
	bool          found = false;

	PP_PASS(pp_procs(c, &l));
	for (i = 0; i < pp_proc_list_count(l) && !found; i++) {
		found
		    = strstr(pp_proc_list_get(l, i)->last_error, text) != NULL;
	}
	pp_proc_list_free(l);
	return (found);
}

/* ---- kill -9 of workers mid-pipeline
 * ------------------------------------------- */

#define PIPE_TOPICS    4

#define PIPE_PER_TOPIC 12500 /* 50,000 in all */

static void
test_kill_workers(void)
{
	static const char *const from[PIPE_TOPICS]
	    = { "in0", "in1", "in2", "in3" };
	static uint32_t     counts[PIPE_PER_TOPIC];
	pp_system_proc_opts o;
	pid_t               pids[MAX_PIDS], killed[MAX_PIDS];
	uint64_t            committed = 0, other, total = 0;
	size_t              nkilled = 0, k;
	pp_tnode            n;
	bool                hit = false;

	system_crash_start_node(&n, 2, 2, 0);
	o = system_opts(from, PIPE_TOPICS, g_out, 1, system_plugin("failer", 0),
	    "sleep-ms=2");
	o.proc.count = 50;
	o.proc.reclaim_timeout_ms = LONG_TIMEOUT_MS;
	SYSTEM_CREATE(n.client, "pipe", &o);
	WAIT_WORKERS(n.pid, 2, NULL, 0, pids);

	/* Inputs arrive while the pipeline runs; a worker is killed each
	 * time another tenth of them has come out, until a kill has hit a
	 * worker holding a claim and three kills were made. */
	while (committed < PIPE_PER_TOPIC) {
		for (k = 0; k < PIPE_TOPICS; k++) {
			system_commit_inputs(
			    n.client, from[k], from[k], committed, 1250);
		}
		committed += 1250;
		if (committed < 2500 || (hit && nkilled >= 3)) {
			continue;
		}
		SYSTEM_WAIT_LENGTH(
		    n.client, "out", (committed - 1250) * PIPE_TOPICS, WAIT_MS);
		WAIT_WORKERS(n.pid, 2, killed, nkilled, pids);
		killed[nkilled] = pids[nkilled % 2];
		PP_ASSERT_INT_EQ(kill(killed[nkilled], SIGKILL), 0);
		nkilled++;
		/* The node reclaims what it held at once, saying why. */
		hit = hit || system_crash_any_error_says(n.client, "killed by signal 9");
	}
	if (pp_wait_for_procs(n.client, NULL, 0, pp_t_scaled(WAIT_MS)) != 0) {
		system_crash_diag_claims(n.client);
		PP_FAIL_AT("the pipeline did not finish: %" PRIu64 " outputs",
		    system_length(n.client, "out"));
	}
	hit = hit || system_crash_any_error_says(n.client, "killed by signal 9");
	pp_t_diag("%zu workers killed; a claim was held: %s", nkilled,
	    hit ? "yes" : "no");
	PP_ASSERT_TRUE(hit);

	/* Every input has exactly one output. */
	for (k = 0; k < PIPE_TOPICS; k++) {
		system_count_outputs(
		    n.client, "out", from[k], PIPE_PER_TOPIC, counts, &other);
		SYSTEM_CHECK_ONCE(from[k], counts, PIPE_PER_TOPIC, NULL, 0);
		total += PIPE_PER_TOPIC;
	}
	PP_ASSERT_U64_EQ(system_length(n.client, "out"), total);
	PP_ASSERT_U64_EQ(system_length(n.client, "in0.dead"), 0);
	/* The killed workers were replaced. */
	WAIT_WORKERS(n.pid, 2, killed, nkilled, pids);
	PP_ASSERT_U64_CMP(
	    system_node_stats(n.client).worker_restarts, >=, nkilled);
	pp_t_node_stop(&n);
}

/* ---- a plugin that crashes on poison logs
 * -------------------------------------- */

#define POISON_INPUTS 2000

/* The dead letter of input `i` holds its body and `error`. */
static void
check_dead_letter(const pp_t_logs *dead, uint64_t i, const char *error)
{
	char   body[64];
	size_t k;

	system_input_body(body, "in", i);
	for (k = 0; k < dead->count; k++) {
		if (!system_has_bytes(dead->bodies[k], dead->lens[k], body)) {
			continue;
		}
		if (!system_has_bytes(dead->bodies[k], dead->lens[k], error)) {
			PP_FAIL_AT(
			    "dead letter of %s lacks \"%s\"", body, error);
		}
		return;
	}
	PP_FAIL_AT("no dead letter for %s", body);
}

static void
test_poison_crash(void)
{
	static const char *const in[] = { "in" };
	static const uint64_t    poison[] = { 777, 1234, 1500 };
	static uint32_t          counts[POISON_INPUTS];
	pp_system_proc_opts      o;
	pp_node_stats            before, after;
	pp_t_logs                dead;
	system_info              s;
	pp_tnode                 n;
	pid_t                    pids[MAX_PIDS];

	system_crash_let_signals();
	system_crash_start_node(&n, 2, 1, 0);
	system_commit_inputs(n.client, "in", "in", 0, POISON_INPUTS);
	before = system_node_stats(n.client);
	o = system_opts(in, 1, g_out, 1, system_plugin("failer", 0),
	    "crash-on=in-0000777,fail-on=in-0001234,abort-on=in-0001500");
	o.proc.count = 10;
	o.proc.max_reclaims = 2;
	o.proc.reclaim_timeout_ms = LONG_TIMEOUT_MS;
	o.proc.on_max_reclaims = PP_ON_MAX_DEADLETTER;
	SYSTEM_CREATE(n.client, "poisoned", &o);
	SYSTEM_WAIT_PROCS(n.client, NULL, 0, WAIT_MS);
	after = system_node_stats(n.client);

	/* Exactly the poison logs went to the dead letters... */
	pp_t_read_all(n.client, "in.dead", NULL, false, &dead);
	PP_ASSERT_U64_EQ(dead.count, 3);
	check_dead_letter(
	    &dead, 777, "killed by signal 11 (Segmentation fault)");
	check_dead_letter(&dead, 1234, "contains 'in-0001234'");
	check_dead_letter(&dead, 1500, "killed by signal 6 (Aborted)");
	pp_t_logs_free(&dead);
	/* ... and every other log came out once. */
	PP_ASSERT_U64_EQ(system_count_outputs(n.client, "out", "in",
	                     POISON_INPUTS, counts, NULL),
	    POISON_INPUTS - 3);
	SYSTEM_CHECK_ONCE("out", counts, POISON_INPUTS, poison, 3);
	SYSTEM_INSPECT(n.client, "poisoned", &s);
	PP_ASSERT_TRUE(!s.i.is_disabled);
	PP_ASSERT_U64_EQ(s.i.next_seq, POISON_INPUTS);
	PP_ASSERT_U64_EQ(after.dead_letters - before.dead_letters, 3);
	/* Each crashing log killed a worker three times: in its claim of
	 * ten, then alone twice (max_reclaims 2: the second reclaim of a
	 * single log in a row dead-letters it). */
	PP_ASSERT_U64_CMP(
	    after.worker_restarts - before.worker_restarts, >=, 6);
	WAIT_WORKERS(n.pid, 2, NULL, 0, pids);
	pp_t_node_stop(&n);
}

/* The error a worker's crash leaves names the worker, its pid and the
 * signal, and the claim is given back at once (not at the timeout). */
static void
test_crash_reason(void)
{
	static const char *const in[] = { "in" };
	pp_system_proc_opts      o;
	system_info              s;
	unsigned                 slot;
	int                      pid, used = 0;
	pp_tnode                 n;

	system_crash_let_signals();
	system_crash_start_node(&n, 1, 1, 0);
	o = system_opts(
	    in, 1, g_out, 1, system_plugin("failer", 0), "crash-on=BOOM");
	o.proc.max_reclaims = 1;
	o.proc.reclaim_timeout_ms = LONG_TIMEOUT_MS;
	o.proc.on_max_reclaims = PP_ON_MAX_DISABLE;
	SYSTEM_CREATE(n.client, "fragile", &o);
	pp_t_commit_str(n.client, "in", "BOOM");
	PP_WAIT_UNTIL(
	    (SYSTEM_INSPECT(n.client, "fragile", &s), s.i.is_disabled),
	    WAIT_MS);
	if (sscanf(s.last_error,
	        "worker %u (pid %d) killed by signal 11 "
	        "(Segmentation fault)%n",
	        &slot, &pid, &used)
	        != 2
	    || (size_t)used != strlen(s.last_error)) {
		PP_FAIL_AT("last error \"%s\"", s.last_error);
	}
	PP_ASSERT_U64_EQ(s.i.reclaims, 1);
	PP_ASSERT_U64_EQ(s.i.next_seq, 0);
	PP_ASSERT_TRUE(!s.i.has_claim);
	pp_t_node_stop(&n);
}

/* ---- kill -9 of the node
 * ------------------------------------------------------- */

#define NODE_INPUTS 20000

static void
node_exec(pp_tnode *n)
{
	const char *args[]
	    = { "--sync", "always", "--workers", "2", "--worker-concurrency",
		      "2", "--worker-path", system_worker_path(), NULL };

	PP_ASSERT_INT_EQ(pp_t_node_exec(n, args), 0);
}

static void
test_kill_node(void)
{
	static const char *const from[] = { "a", "b" };
	static uint32_t          counts[NODE_INPUTS];
	pp_system_proc_opts      o;
	system_info              before, after;
	pp_client               *c;
	uint64_t                 other;
	pp_tnode                 n;
	size_t                   k, round, i;

	pp_t_node_init(&n);
	node_exec(&n);
	c = pp_t_connect(n.address);
	for (k = 0; k < 2; k++) {
		system_commit_inputs(c, from[k], from[k], 0, NODE_INPUTS / 2);
	}
	o = system_opts(from, 2, g_out, 1, system_plugin("failer", 0), NULL);
	o.proc.count = 20;
	o.proc.max_reclaims = 50;
	o.proc.reclaim_timeout_ms = LONG_TIMEOUT_MS;
	o.proc.on_max_reclaims = PP_ON_MAX_DEADLETTER;
	SYSTEM_CREATE(c, "durable", &o);
	SYSTEM_INSPECT(c, "durable__a", &before);

	for (round = 0; round < 2; round++) {
		/* Kill it in the middle of the work. */
		SYSTEM_WAIT_LENGTH(
		    c, "out", (round + 1) * NODE_INPUTS / 4, WAIT_MS);
		pp_close(c);
		pp_t_node_kill(&n, SIGKILL);
		node_exec(&n);
		c = pp_t_connect(n.address);
		/* The systemProc is as it was, and its outputs so far
		 * each name a different input. */
		SYSTEM_INSPECT(c, "durable__a", &after);
		PP_ASSERT_STR_EQ(after.system_proc, "durable");
		PP_ASSERT_STR_EQ(after.plugin, before.plugin);
		PP_ASSERT_U64_EQ(after.i.created_ms, before.i.created_ms);
		PP_ASSERT_U64_EQ(after.i.opts.count, 20);
		PP_ASSERT_INT_EQ(after.i.opts.max_reclaims, 50);
		PP_ASSERT_INT_EQ(
		    after.i.opts.reclaim_timeout_ms, LONG_TIMEOUT_MS);
		PP_ASSERT_INT_EQ(
		    after.i.opts.on_max_reclaims, PP_ON_MAX_DEADLETTER);
		for (k = 0; k < 2; k++) {
			system_count_outputs(
			    c, "out", from[k], NODE_INPUTS, counts, &other);
			for (i = 0; i < NODE_INPUTS; i++) {
				if (counts[i] > 1) {
					PP_FAIL_AT("%s-%zu has %u outputs",
					    from[k], i, counts[i]);
				}
			}
		}
	}
	/* More inputs after the crashes; then everything once. */
	for (k = 0; k < 2; k++) {
		system_commit_inputs(
		    c, from[k], from[k], NODE_INPUTS / 2, NODE_INPUTS / 2);
	}
	SYSTEM_WAIT_PROCS(c, NULL, 0, WAIT_MS);
	for (k = 0; k < 2; k++) {
		system_count_outputs(
		    c, "out", from[k], NODE_INPUTS, counts, &other);
		SYSTEM_CHECK_ONCE(from[k], counts, NODE_INPUTS, NULL, 0);
	}
	PP_ASSERT_U64_EQ(system_length(c, "out"), 2 * NODE_INPUTS);
	PP_ASSERT_U64_EQ(system_length(c, "a.dead"), 0);
	PP_ASSERT_U64_EQ(system_length(c, "b.dead"), 0);
	pp_close(c);
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_INT_EQ(pp_t_node_wait(&n, 20000), 0);
}

static const pp_test_case cases[] = {
	PP_CASE("kill -9 of workers in the middle of a 50,000-log pipeline: "
	    "every input produces exactly one output",
	    test_kill_workers, 180),
	PP_CASE("a plugin that segfaults or aborts on a log sends exactly that "
	    "log to the dead letters and the rest flow on",
	    test_poison_crash, 120),
	PP_CASE("a worker's crash reclaims its claim at once, naming the "
	    "worker, its pid and the signal",
	    test_crash_reason, 0),
	PP_CASE("kill -9 of the node mid-pipeline, then a restart on the same "
	    "data: every committed input produces exactly one output",
	    test_kill_node, 180),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
