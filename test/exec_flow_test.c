/*
 * exec_flow_test.c - the exec plugin when its child behaves (issue #11
 * item 4; pipeproc_plugin(7) "THE EXEC PLUGIN"): outputs with emit and
 * emit_to committed with the ack, the child's environment, a fail answer
 * whose text reaches pp_proc_inspect()'s last_error, an emit_to outside
 * the `to` topics, and command lines that cannot run.
 *
 * The child is test/exec_proc.py (python3, stdlib only), a pass-through
 * that misbehaves on marked logs. Crashes, malformed answers, hangs and
 * kill -9 of the worker are in exec_crash_test.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_util.h"
#include "system_case.h"

static const char *const g_in[] = { "in" };
static const char *const g_out2[] = { "out", "lens" };

static void
test_emit_and_emit_to(void)
{
	static const char *const names[] = { "py" };
	static uint32_t          counts[300];
	pp_system_proc_opts      o;
	pp_node_stats            before, after;
	pp_t_logs                lens;
	system_info              s;
	pp_tnode                 n;
	pid_t                    pids[8];
	char                     want[64];
	const char              *dir = pp_t_mkdir("py");
	size_t                   i;

	system_case_start_node(&n, 1);
	system_commit_inputs(n.client, "in", "in", 0, 300);
	before = system_node_stats(n.client);
	o = system_opts(g_in, 1, g_out2, 2, exec_plugin(),
	    exec_config(NULL, dir, "lens"));
	o.proc.count = 30;
	SYSTEM_CREATE(n.client, "py", &o);
	SYSTEM_WAIT_PROCS(n.client, names, 1, WAIT_MS);
	after = system_node_stats(n.client);
	/* One ack_commit per claim of 30 logs. */
	PP_ASSERT_U64_EQ(after.commits - before.commits, 10);

	/* emit: one pass-through output per input, in "out" and "lens". */
	PP_ASSERT_U64_EQ(system_count_outputs(n.client, "out", "in", 300,
	                     counts, NULL), 300);
	SYSTEM_CHECK_ONCE("out", counts, 300, NULL, 0);
	/* emit_to: "len=10" per input, only in "lens" (after its emit). */
	pp_t_read_all(n.client, "lens", NULL, false, &lens);
	PP_ASSERT_U64_EQ(lens.count, 600);
	for (i = 0; i < lens.count; i += 2) {
		system_input_body(want, "in", i / 2);
		PP_ASSERT_STR_EQ(lens.bodies[i], want);
		PP_ASSERT_STR_EQ(lens.bodies[i + 1], "len=10");
		/* Both came in the ack_commit of their claim. */
		PP_ASSERT_U64_EQ(lens.ids[i].ms, lens.ids[i + 1].ms);
	}
	pp_t_logs_free(&lens);
	SYSTEM_INSPECT(n.client, "py", &s);
	PP_ASSERT_STR_EQ(s.last_error, "");
	PP_ASSERT_INT_EQ(s.i.reclaims, 0);
	/* One child did it all. */
	PP_ASSERT_U64_EQ(exec_child_pids(dir, pids, 8), 1);
	pp_t_node_stop(&n);
	/* The worker's fini stopped it the gentle way: EOF, and it left
	 * (a parent-death SIGKILL would have left no line). */
	PP_ASSERT_U64_EQ(exec_eof_pids(dir, &pids[1], 7), 1);
	PP_ASSERT_INT_EQ(pids[1], pids[0]);
}

static void
test_environment(void)
{
	static const char *const names[] = { "named-sys" };
	static const char *const out[] = { "out" };
	pp_system_proc_opts      o;
	pp_t_logs                t;
	pp_tnode                 n;

	system_case_start_node(&n, 1);
	pp_t_commit_str(n.client, "in", "ENV");
	o = system_opts(g_in, 1, out, 1, exec_plugin(),
	    exec_config(NULL, pp_t_mkdir("env"), NULL));
	SYSTEM_CREATE(n.client, "named-sys", &o);
	SYSTEM_WAIT_PROCS(n.client, names, 1, WAIT_MS);
	pp_t_read_all(n.client, "out", NULL, false, &t);
	PP_ASSERT_U64_EQ(t.count, 1);
	PP_ASSERT_STR_EQ(t.bodies[0], "exec=1 sys=named-sys");
	pp_t_logs_free(&t);
	pp_t_node_stop(&n);
}

static void
test_fail_text(void)
{
	static const char *const out[] = { "out" };
	pp_system_proc_opts      o;
	system_info              s;
	pp_tnode                 n;
	const char              *dir = pp_t_mkdir("fail");
	pid_t                    pids[8];
	pp_id                    id;
	char                     want[128];

	system_case_start_node(&n, 1);
	system_commit_inputs(n.client, "in", "in", 0, 5);
	id = pp_t_commit_str(n.client, "in", "please FAIL");
	o = system_opts(g_in, 1, out, 1, exec_plugin(),
	    exec_config(NULL, dir, NULL));
	o.proc.count = 1;
	o.proc.max_reclaims = 3; /* the third reclaim disables */
	SYSTEM_CREATE(n.client, "failing", &o);
	/* The child's "\n\xff\xc3\xa9": control characters become
	 * spaces, bytes that are not UTF-8 '?', and UTF-8 stays. */
	pp_t_format(want, sizeof(want), "exec_proc: log %llu-%llu says FAIL "
	    "?\xc3\xa9",
	    (unsigned long long) id.ms, (unsigned long long) id.seq);
	EXEC_WAIT_ERROR(n.client, "failing", want, WAIT_MS);
	/* Reclaimed until disabled, nothing of it committed; the five
	 * before it went through. */
	PP_WAIT_UNTIL((SYSTEM_INSPECT(n.client, "failing", &s),
	                  s.i.is_disabled), WAIT_MS);
	PP_ASSERT_STR_EQ(s.last_error, want);
	PP_ASSERT_INT_EQ(s.i.reclaims, 3);
	PP_ASSERT_U64_EQ(system_length(n.client, "out"), 5);
	/* A fail is an answer: the same child answered every time. */
	PP_ASSERT_U64_EQ(exec_child_pids(dir, pids, 8), 1);
	PP_ASSERT_TRUE(exec_pid_alive(pids[0]));
	pp_t_node_stop(&n);
	PP_ASSERT_TRUE(pp_t_wait_pid_gone(pids[0], pp_t_scaled(10000)));
}

static void
test_bad_topic(void)
{
	static const char *const out[] = { "out" };
	pp_system_proc_opts      o;
	system_info              s;
	pp_t_logs                t;
	pp_tnode                 n;

	system_case_start_node(&n, 1);
	pp_t_commit_str(n.client, "in", "ok");
	pp_t_commit_str(n.client, "in", "BADTOPIC");
	o = system_opts(g_in, 1, out, 1, exec_plugin(),
	    exec_config(NULL, pp_t_mkdir("topic"), NULL));
	o.proc.count = 2;
	o.proc.max_reclaims = 1;
	SYSTEM_CREATE(n.client, "topics", &o);
	EXEC_WAIT_ERROR(n.client, "topics", "emit_to nope of 8 bytes: not "
	    "one of the systemProc's `to` topics", WAIT_MS);
	PP_WAIT_UNTIL((SYSTEM_INSPECT(n.client, "topics", &s),
	                  s.i.is_disabled), WAIT_MS);
	/* The failed claim committed nothing; the node then handed its
	 * logs out one by one (failure isolation), so "ok" came out once
	 * and the bad one never. */
	pp_t_read_all(n.client, "out", NULL, false, &t);
	PP_ASSERT_U64_EQ(t.count, 1);
	PP_ASSERT_STR_EQ(t.bodies[0], "ok");
	pp_t_logs_free(&t);
	pp_t_node_stop(&n);
}

static void
test_bad_command(void)
{
	static const char *const out[] = { "out" };
	pp_system_proc_opts      o;
	pp_tnode                 n;

	system_case_start_node(&n, 1);
	o = system_opts(g_in, 1, out, 1, exec_plugin(),
	    "no-such-program-pp --flag");
	REFUSED(n.client, "s", &o, PP_EPLUGIN,
	    "exec: command 'no-such-program-pp' not found in PATH");
	o.config = "/nonexistent/dir/prog x";
	REFUSED(n.client, "s", &o, PP_EPLUGIN,
	    "exec: command '/nonexistent/dir/prog': No such file");
	o.config = "/etc/passwd";
	REFUSED(n.client, "s", &o, PP_EPLUGIN, "is not an executable file");
	o.config = "";
	REFUSED(n.client, "s", &o, PP_EPLUGIN,
	    "exec: the config must be the command line");
	o.config = "   X=1  ";
	REFUSED(n.client, "s", &o, PP_EPLUGIN,
	    "exec: the config must be the command line");
	o.config = "PIPEPROC_EXEC_TIMEOUT_MS=0 cat";
	REFUSED(n.client, "s", &o, PP_EPLUGIN,
	    "PIPEPROC_EXEC_TIMEOUT_MS must be a number of ms from 1");
	o.config = "PIPEPROC_EXEC_TIMEOUT_MS=abc cat";
	REFUSED(n.client, "s", &o, PP_EPLUGIN, "not 'abc'");
	PP_ASSERT_U64_EQ(system_case_proc_count(n.client), 0);
	pp_t_node_stop(&n);
}

static void
test_exit_127(void)
{
	static const char *const out[] = { "out" };
	pp_system_proc_opts      o;
	pp_tnode                 n;

	system_case_start_node(&n, 1);
	pp_t_commit_str(n.client, "in", "x");
	/* Quoted, so the check leaves it to the shell, which cannot. */
	o = system_opts(g_in, 1, out, 1, exec_plugin(),
	    "'no-such-program-pp' x");
	o.proc.max_reclaims = 1;
	SYSTEM_CREATE(n.client, "missing", &o);
	EXEC_WAIT_ERROR(n.client, "missing",
	    "exited with status 127 (command not found?) during a batch of 1 "
	    "logs", WAIT_MS);
	pp_t_node_stop(&n);
}

/* Both pipes full at once: the child writes 4 MiB of outputs while the
 * plugin still writes it the 4 MiB batch. */
static void
test_streaming(void)
{
	static const char *const names[] = { "stream" };
	static const char *const out[] = { "out" };
	static char              body[200 * 1024];
	pp_system_proc_opts      o;
	pp_t_logs                t;
	pp_tnode                 n;
	size_t                   i;

	system_case_start_node(&n, 1);
	for (i = 0; i < 20; i++) {
		memset(body, 'a' + (int) i, sizeof(body) - 1);
		pp_t_commit_str(n.client, "in", body);
	}
	o = system_opts(g_in, 1, out, 1, exec_plugin(),
	    exec_config("EXEC_PROC_STREAM=1 PIPEPROC_EXEC_TIMEOUT_MS=20000",
	        pp_t_mkdir("stream"), NULL));
	o.proc.count = 20;
	o.proc.max_reclaims = 1;
	SYSTEM_CREATE(n.client, "stream", &o);
	SYSTEM_WAIT_PROCS(n.client, names, 1, WAIT_MS);
	pp_t_read_all(n.client, "out", NULL, false, &t);
	PP_ASSERT_U64_EQ(t.count, 20);
	for (i = 0; i < 20; i++) {
		memset(body, 'a' + (int) i, sizeof(body) - 1);
		PP_ASSERT_MEM_EQ(t.bodies[i], t.lens[i], body,
		    sizeof(body) - 1);
	}
	pp_t_logs_free(&t);
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_CASE("emit and emit_to outputs are committed with the ack",
	    test_emit_and_emit_to, 120),
	PP_CASE("a child that answers while it reads does not deadlock",
	    test_streaming, 90),
	PP_CASE("the child gets PIPEPROC_EXEC and PIPEPROC_SYSTEM_PROC",
	    test_environment, 60),
	PP_CASE("a fail answer reclaims with its text as the last error",
	    test_fail_text, 60),
	PP_CASE("an emit_to outside the to topics fails its claim",
	    test_bad_topic, 60),
	PP_CASE("a command line that cannot run is PP_EPLUGIN, named",
	    test_bad_command, 60),
	PP_CASE("a command the shell cannot find reclaims with status 127",
	    test_exit_127, 60),
	PP_CASES_END
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
