/*
 * attach_test.c - a node shared by sibling processes (issue 13 item 9,
 * pp_attach(3), DESIGN §1 "Attached nodes"): three processes attaching at
 * once share one node; the node outlives the process that started it
 * (also when that one is killed); kill -9 of the node makes a sibling
 * start a new one and every acknowledged commit is there, once; the node
 * stops, and frees its lock, when the last attached process is gone; and
 * the errors of pp_attach. The helper processes are in attach_util.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attach_util.h"


/* ---- cases ----------------------------------------------------------------- */

static void
test_three_attach_at_once(void)
{
	pp_t_child h[ATTACH_HELPERS];
	pp_client *c;
	long       pid[ATTACH_HELPERS];
	int        i;

	attach_fork_helpers(h, ATTACH_HELPERS);
	for (i = 0; i < ATTACH_HELPERS; i++) {
		attach_send(&h[i], "attach"); /* all three before any answer */
	}
	for (i = 0; i < ATTACH_HELPERS; i++) {
		pid[i] = attach_expect_ok(&h[i], 20000);
		PP_ASSERT_TRUE(pid[i] > 0);
		PP_ASSERT_INT_EQ(pid[i], pid[0]);
		pp_t_track_pid((pid_t) pid[i]);
	}
	/* Nodes that lost the lock have exited: one is left. */
	PP_WAIT_UNTIL(attach_count_nodes() == 1, 5000);
	PP_ASSERT_INT_EQ(pp_t_lock_pid(g_attach_dir), pid[0]);
	for (i = 0; i < ATTACH_HELPERS; i++) {
		attach_send(&h[i], "run 5");
	}
	for (i = 0; i < ATTACH_HELPERS; i++) {
		PP_ASSERT_INT_EQ(attach_expect_ok(&h[i], 20000), 5);
	}
	/* A fourth, in this process, sees all of it on the same node. */
	PP_PASS(pp_attach(g_attach_dir, NULL, &c));
	PP_ASSERT_INT_EQ(pp_t_lock_pid(g_attach_dir), pid[0]);
	PP_ASSERT_U64_EQ(pp_t_length(c, "t"), 15);
	pp_close(c);
	for (i = 0; i < ATTACH_HELPERS; i++) {
		attach_exit(&h[i]);
	}
	attach_assert_stopped((pid_t) pid[0]);
}

static void
test_spawner_exits(void)
{
	pp_t_child h[ATTACH_HELPERS];
	long       node, pid;
	int        i;

	attach_fork_helpers(h, ATTACH_HELPERS);
	/* The first one starts the node alone. */
	PP_ASSERT_TRUE(!attach_exists("node.lock") || attach_is_lock_free());
	node = attach_start(&h[0]);
	pp_t_track_pid((pid_t) node);
	PP_ASSERT_INT_EQ(attach_count_nodes(), 1);
	for (i = 1; i < ATTACH_HELPERS; i++) {
		PP_ASSERT_INT_EQ(attach_start(&h[i]), node);
	}
	/* The spawner is killed: no pp_close, its lease ends with it. */
	kill(h[0].pid, SIGKILL);
	pp_t_child_wait(&h[0], pp_t_scaled(5000));
	for (i = 1; i < ATTACH_HELPERS; i++) {
		attach_send(&h[i], "run 10");
	}
	for (i = 1; i < ATTACH_HELPERS; i++) {
		PP_ASSERT_INT_EQ(attach_expect_ok(&h[i], 20000), 10);
	}
	/* Still the same node, well past its lease sweep (1 s). */
	pid = pp_t_lock_pid(g_attach_dir);
	PP_ASSERT_INT_EQ(pid, node);
	PP_ASSERT_TRUE(!pp_t_pid_gone((pid_t) node));
	attach_exit(&h[1]);
	PP_ASSERT_TRUE(!pp_t_pid_gone((pid_t) node));
	attach_send(&h[2], "run 1");
	PP_ASSERT_INT_EQ(attach_expect_ok(&h[2], 20000), 1);
	/* The last one is killed too: the node stops by itself. */
	kill(h[2].pid, SIGKILL);
	pp_t_child_wait(&h[2], pp_t_scaled(5000));
	attach_assert_stopped((pid_t) node);
}

/* Reads every body a helper had acknowledged. */
#define KILL_RUN 300

static void
test_node_killed(void)
{
	pp_t_child h[2];
	pp_t_logs  logs;
	pp_client *c;
	char     **acked, cmd[32];
	size_t     n, i, k, found;
	long       node, node2;
	int        j;

	attach_fork_helpers(h, 2);
	node = attach_start(&h[0]);
	pp_t_track_pid((pid_t) node);
	PP_ASSERT_INT_EQ(attach_start(&h[1]), node);
	pp_t_format(cmd, sizeof(cmd), "run %d", KILL_RUN);
	for (j = 0; j < 2; j++) {
		attach_send(&h[j], cmd);
	}
	/* Kill the node while both are committing. */
	PP_WAIT_UNTIL(attach_acked_lines(0) >= 20 && attach_acked_lines(1) >= 20, 20000);
	kill((pid_t) node, SIGKILL);
	PP_ASSERT_TRUE(pp_t_wait_pid_gone((pid_t) node, 5000));
	/* A sibling starts another one; both finish their runs on it. */
	for (j = 0; j < 2; j++) {
		PP_ASSERT_INT_EQ(attach_expect_ok(&h[j], 30000), KILL_RUN);
	}
	node2 = pp_t_lock_pid(g_attach_dir);
	PP_ASSERT_TRUE(node2 > 0 && node2 != node);
	pp_t_track_pid((pid_t) node2);
	PP_ASSERT_INT_EQ(attach_count_nodes(), 1);
	/* Every acknowledged body is there, exactly once. */
	PP_PASS(pp_attach(g_attach_dir, NULL, &c));
	pp_t_read_all(c, "t", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 2 * KILL_RUN);
	for (j = 0; j < 2; j++) {
		n = attach_read_acked(j, &acked);
		PP_ASSERT_U64_EQ(n, KILL_RUN);
		for (i = 0; i < n; i++) {
			found = 0;
			for (k = 0; k < logs.count; k++) {
				found += strcmp(logs.bodies[k], acked[i]) == 0;
			}
			if (found != 1) {
				PP_FAIL_AT("%s is there %zu times", acked[i],
				    found);
			}
			free(acked[i]);
		}
		free(acked);
	}
	pp_t_logs_free(&logs);
	pp_close(c);
	for (j = 0; j < 2; j++) {
		attach_exit(&h[j]);
	}
	attach_assert_stopped((pid_t) node2);
}

static void
test_last_exits(void)
{
	pp_t_child h[2];
	long       node;

	attach_fork_helpers(h, 2);
	node = attach_start(&h[0]);
	pp_t_track_pid((pid_t) node);
	PP_ASSERT_INT_EQ(attach_start(&h[1]), node);
	PP_ASSERT_TRUE(attach_exists("node.addr"));
	attach_exit(&h[0]);
	PP_ASSERT_TRUE(!pp_t_pid_gone((pid_t) node));
	attach_exit(&h[1]);
	attach_assert_stopped((pid_t) node);
	/* No lease is left behind. */
	PP_ASSERT_TRUE(attach_exists("attach"));
	{
		char           path[PP_T_PATH + 16];
		DIR           *d;
		struct dirent *e;
		int            files = 0;

		pp_t_format(path, sizeof(path), "%s/attach", g_attach_dir);
		PP_ASSERT_TRUE((d = opendir(path)) != NULL);
		while ((e = readdir(d)) != NULL) {
			files += e->d_name[0] != '.';
		}
		closedir(d);
		PP_ASSERT_INT_EQ(files, 0);
	}
}

/*
 * pp_shutdown by one attached process stops the node; a sibling that
 * still lives starts another, and the one that stopped it does not.
 */
static void
test_shutdown_by_one(void)
{
	pp_t_child h[2];
	long       node, node2;

	attach_fork_helpers(h, 2);
	node = attach_start(&h[0]);
	pp_t_track_pid((pid_t) node);
	PP_ASSERT_INT_EQ(attach_start(&h[1]), node);
	attach_send(&h[0], "shutdown");
	PP_ASSERT_INT_EQ(attach_expect_ok(&h[0], 20000), 0);
	PP_ASSERT_TRUE(pp_t_wait_pid_gone((pid_t) node, 10000));
	attach_send(&h[1], "run 3");
	PP_ASSERT_INT_EQ(attach_expect_ok(&h[1], 20000), 3);
	node2 = pp_t_lock_pid(g_attach_dir);
	PP_ASSERT_TRUE(node2 > 0 && node2 != node);
	pp_t_track_pid((pid_t) node2);
	PP_ASSERT_INT_EQ(attach_count_nodes(), 1);
	attach_exit(&h[1]);
	/* Only the shut-down client is left, and it starts nothing. */
	attach_assert_stopped((pid_t) node2);
	attach_exit(&h[0]);
	PP_ASSERT_INT_EQ(attach_count_nodes(), 0);
}

/* A node started by pp_spawn is found through DIR/node.addr. */
static void
test_finds_spawned_node(void)
{
	pp_tnode   n;
	pp_client *c;
	pp_id      id;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	PP_PASS(pp_attach(n.dir, NULL, &c));
	id = pp_t_commit_str(c, "t", "via attach");
	(void) id;
	PP_ASSERT_U64_EQ(pp_t_length(n.client, "t"), 1);
	pp_close(c);
	/* The attach did not take the node over: it still serves. */
	PP_ASSERT_U64_EQ(pp_t_length(n.client, "t"), 1);
	pp_t_node_stop(&n);
}

static void
test_errors(void)
{
	pp_attach_opts ao;
	pp_spawn_opts  so;
	pp_client     *c = NULL;
	char           file[PP_T_PATH + 16], bogus[PP_T_PATH + 32];
	int            fd;

	pp_t_format(g_attach_dir, sizeof(g_attach_dir), "%s/data", pp_t_root());
	PP_FAIL(pp_attach(NULL, NULL, &c), PP_EINVAL);
	PP_FAIL(pp_attach("", NULL, &c), PP_EINVAL);
	PP_FAIL(pp_attach(g_attach_dir, NULL, NULL), PP_EINVAL);
	memset(&ao, 0, sizeof(ao));
	memset(&so, 0, sizeof(so));
	so.is_memory = true;
	ao.node      = &so;
	PP_FAIL(pp_attach(g_attach_dir, &ao, &c), PP_EINVAL);
	PP_ASSERT_TRUE(strstr(pp_last_errmsg(), "is_memory") != NULL);
	/* A data directory that is a file. */
	pp_t_format(file, sizeof(file), "%s/file", pp_t_root());
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	PP_ASSERT_TRUE(fd >= 0);
	close(fd);
	PP_FAIL(pp_attach(file, NULL, &c), PP_EIO);
	/* No node program: PP_ESPAWN at once, and no lease left behind. */
	so.is_memory = false;
	pp_t_format(bogus, sizeof(bogus), "%s/no-such/pipeproc-node",
	    pp_t_root());
	so.node_path = bogus;
	PP_FAIL(pp_attach(g_attach_dir, &ao, &c), PP_ESPAWN);
	PP_ASSERT_TRUE(strstr(pp_last_errmsg(), "no-such") != NULL);
	PP_ASSERT_INT_EQ(attach_count_nodes(), 0);
	PP_ASSERT_TRUE(c == NULL);
}

/* Someone holds the lock but no node ever answers: PP_ETIMEDOUT. */
static void
test_lock_held_without_node(void)
{
	pp_attach_opts ao;
	pp_client     *c = NULL;
	char           path[PP_T_PATH + 16];
	uint64_t       start;
	int            fd;

	pp_t_format(g_attach_dir, sizeof(g_attach_dir), "%s", pp_t_mkdir("held"));
	pp_t_format(path, sizeof(path), "%s/node.lock", g_attach_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	PP_ASSERT_TRUE(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0);
	memset(&ao, 0, sizeof(ao));
	ao.timeout_ms = 300;
	start         = pp_t_mono_ms();
	PP_FAIL(pp_attach(g_attach_dir, &ao, &c), PP_ETIMEDOUT);
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, 5000);
	close(fd);
	/* Once the lock is free, attaching starts a node. */
	PP_PASS(pp_attach(g_attach_dir, &ao, &c));
	pp_t_track_pid(pp_t_lock_pid(g_attach_dir));
	pp_t_commit_str(c, "t", "x");
	pp_close(c);
	PP_WAIT_UNTIL(attach_count_nodes() == 0, 10000);
}

static const pp_test_case cases[] = {
	PP_CASE("three processes attaching at once share exactly one node",
	    test_three_attach_at_once, 60),
	PP_CASE("the node outlives its spawner and stops when the last "
	        "attached process is killed",
	    test_spawner_exits, 60),
	PP_CASE("kill -9 of the node: a sibling starts another and every "
	        "acknowledged commit is there once",
	    test_node_killed, 90),
	PP_CASE("the last attached process exits: the node stops, its lock "
	        "is free and no lease is left",
	    test_last_exits, 60),
	PP_CASE("pp_shutdown by one attached process: a live sibling starts "
	        "the node again",
	    test_shutdown_by_one, 60),
	PP_CASE("pp_attach finds a node started by pp_spawn",
	    test_finds_spawned_node, 30),
	PP_CASE("pp_attach errors: PP_EINVAL, PP_EIO, PP_ESPAWN",
	    test_errors, 30),
	PP_CASE("a lock held by something that never answers is "
	        "PP_ETIMEDOUT",
	    test_lock_held_without_node, 30),
	PP_CASES_END
};

int
main(int argc, char **argv)
{
	return pp_test_main(argc, argv, cases);
}
