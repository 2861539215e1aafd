/*
 * node_stop_test.c - how a node stops (SPEC §3-4, PEER §17 with the fixes
 * of PEER §23.17, DESIGN §1): pp_shutdown from the spawner and from a
 * connected client, commits racing a shutdown, pp_close of the spawner,
 * signals, the lifeline (a killed or exited spawner stops its node), and
 * detached and memory nodes.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static void
never_cb(void *arg, int status, const pp_id *ids, size_t count)
{
	(void)arg;
	(void)status;
	(void)ids;
	(void)count;
	PP_FAIL_AT("a refused asynchronous commit called back");
}

static void
test_shutdown(void)
{
	pp_tnode      n;
	pp_spawn_opts o;
	pp_record     r = { "t", "x", 1 };
	pp_id         id;
	pid_t         pid;
	int           rv;

	memset(&o, 0, sizeof(o));
	o.request_timeout_ms = 3000;
	pp_t_node_init(&n);
	pp_t_node_start(&n, &o);
	pp_t_commit_str(n.client, "t", "kept");
	pid = n.pid;
	PP_ASSERT_TRUE(pid > 0 && !pp_t_pid_gone(pid));
	PP_PASS(pp_shutdown(n.client));
	/* pp_shutdown of the spawner returns once the process is gone. */
	PP_ASSERT_TRUE(pp_t_pid_gone(pid));
	rv = pp_commit(n.client, &r, 1, &id);
	if (rv != PP_ECLOSED && rv != PP_ETIMEDOUT) {
		PP_FAIL_AT("commit after shutdown: %d %s", rv, pp_errname(rv));
	}
	PP_FAIL(pp_commit_async(n.client, &r, 1, never_cb, NULL), PP_ECLOSED);
	pp_close(n.client);
	n.client = NULL;
	/* The data directory is free again and kept its log. */
	pp_t_node_start(&n, &o);
	PP_ASSERT_U64_EQ(pp_t_length(n.client, "t"), 1);
	pp_t_node_stop(&n);
}

static void
test_shutdown_by_connector(void)
{
	pp_tnode      n;
	pp_spawn_opts o;
	pp_client    *c;
	uint64_t      count;
	pid_t         pid;
	int           rv;

	memset(&o, 0, sizeof(o));
	o.request_timeout_ms = 3000;
	pp_t_node_init(&n);
	pp_t_node_start(&n, &o);
	pid = n.pid;
	c   = pp_t_connect(n.address);
	pp_t_commit_str(c, "t", "x");
	PP_PASS(pp_shutdown(c));
	PP_ASSERT_TRUE(pp_t_wait_pid_gone(pid, 10000));
	/* The spawner reads the store itself (local reads, issue 15), so
	 * it may still answer, with what the node left. */
	rv = pp_length(n.client, "t", &count);
	if (rv != PP_ECLOSED && rv != PP_ETIMEDOUT && (rv != 0 || count != 1)) {
		PP_FAIL_AT("length after shutdown: %d %s", rv, pp_errname(rv));
	}
	pp_close(c);
	pp_close(n.client);
	n.client = NULL;
	pp_t_node_start(&n, NULL);
	PP_ASSERT_U64_EQ(pp_t_length(n.client, "t"), 1);
	pp_t_node_stop(&n);
}

static void
test_close_stops_spawned_node(void)
{
	pp_tnode   n;
	pid_t      pid;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	pid = n.pid;
	pp_t_commit_str(n.client, "t", "kept");
	/* The spawner owns its node: pp_close stops and reaps it. */
	pp_close(n.client);
	n.client = NULL;
	PP_ASSERT_TRUE(pp_t_pid_gone(pid));
	pp_t_node_start(&n, NULL);
	PP_ASSERT_U64_EQ(pp_t_length(n.client, "t"), 1);
	pp_t_node_stop(&n);
}

struct racer {
	const char *address;
	uint64_t    acked; /* commits answered 0; their seqs are 0..acked-1 */
	int         last_rv;
	atomic_int  progress;
};

static void *
racer_main(void *p)
{
	struct racer   *rc = p;
	pp_connect_opts o;
	pp_client      *c = NULL;
	pp_record       r;
	pp_id           id;
	char            body[32];

	memset(&o, 0, sizeof(o));
	o.request_timeout_ms = (uint32_t)pp_t_scaled(5000);
	PP_PASS(pp_connect(rc->address, &o, &c));
	r.topic = "race";
	r.body  = body;
	for (;;) {
		r.len = (size_t)snprintf(body, sizeof(body), "r%llu",
		    (unsigned long long)rc->acked);
		if ((rc->last_rv = pp_commit(c, &r, 1, &id)) != 0) {
			break;
		}
		PP_ASSERT_U64_EQ(id.seq, rc->acked);
		rc->acked++;
		atomic_store(&rc->progress, (int)rc->acked);
	}
	pp_close(c);
	return (NULL);
}

static void
test_shutdown_race(void)
{
	struct racer rc;
	pthread_t    th;
	pp_tnode     n;
	pp_t_logs    logs;
	char         body[32];
	uint64_t     i;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	memset(&rc, 0, sizeof(rc));
	rc.address = n.address;
	PP_ASSERT_INT_EQ(pthread_create(&th, NULL, racer_main, &rc), 0);
	PP_WAIT_UNTIL(atomic_load(&rc.progress) >= 200, 30000);
	/* Stop the node while another client keeps committing. */
	pp_t_node_stop(&n);
	pthread_join(th, NULL);
	/* The commit in flight was answered or refused, not lost. */
	if (rc.last_rv != PP_ESHUTDOWN && rc.last_rv != PP_ECLOSED &&
	    rc.last_rv != PP_ETIMEDOUT) {
		PP_FAIL_AT("a commit racing the shutdown got %d %s",
		    rc.last_rv, pp_errname(rc.last_rv));
	}
	pp_t_node_start(&n, NULL);
	pp_t_read_all(n.client, "race", NULL, false, &logs);
	/* Every answered commit is stored; at most the refused one more. */
	PP_ASSERT_U64_CMP(logs.count, >=, rc.acked);
	PP_ASSERT_U64_CMP(logs.count, <=, rc.acked + 1);
	for (i = 0; i < rc.acked; i++) {
		snprintf(body, sizeof(body), "r%llu", (unsigned long long)i);
		PP_ASSERT_STR_EQ(logs.bodies[i], body);
	}
	pp_t_logs_free(&logs);
	pp_t_node_stop(&n);
}

/* Helper process: spawn the node of the pp_tnode in p, report its pid,
 * then wait until the parent kills us (or closes our input). */
static int
spawner_main(void *p, int in_fd, int out_fd)
{
	pp_tnode *n = p;
	char      line[64];
	int       rv;

	if ((rv = pp_t_node_spawn(n, NULL)) != 0) {
		pp_t_format(line, sizeof(line), "error %d\n", rv);
		pp_t_write_all(out_fd, line, strlen(line));
		return (1);
	}
	pp_t_format(line, sizeof(line), "ready %d\n", (int)n->pid);
	pp_t_write_all(out_fd, line, strlen(line));
	if (pp_t_read_line(in_fd, line, sizeof(line), 120000) >= 0 &&
	    strcmp(line, "exit") == 0) {
		/* Exit without pp_shutdown or pp_close. */
		return (0);
	}
	return (0);
}

static void
spawner_dies(bool is_killed)
{
	pp_tnode   n;
	pp_t_child kid;
	pp_client *c;
	char       line[64];
	pid_t      pid;
	int        st;

	pp_t_node_init(&n);
	/* The helper is forked before this process uses NNG. */
	pp_t_child_fork(&kid, spawner_main, &n);
	if (pp_t_read_line(kid.from_fd, line, sizeof(line), 60000) < 0 ||
	    sscanf(line, "ready %d", &st) != 1) {
		PP_FAIL_AT("the spawner did not start a node: \"%s\"", line);
	}
	pid = (pid_t)st;
	PP_ASSERT_TRUE(pid > 0);
	PP_ASSERT_INT_EQ(pp_t_lock_pid(n.dir), pid);
	c = pp_t_connect(n.address);
	pp_t_commit_str(c, "t", "before the spawner died");
	pp_close(c);
	PP_ASSERT_TRUE(!pp_t_pid_gone(pid));
	if (is_killed) {
		kill(kid.pid, SIGKILL);
	} else {
		pp_t_write_all(kid.to_fd, "exit\n", 5);
	}
	st = pp_t_child_wait(&kid, 10000);
	PP_ASSERT_TRUE(st != -1);
	/* The node notices its lifeline and stops by itself. */
	if (!pp_t_wait_pid_gone(pid, 15000)) {
		kill(pid, SIGKILL);
		PP_FAIL_AT("node %d still runs after its spawner died",
		    (int)pid);
	}
	/* It released the data directory. */
	pp_t_node_start(&n, NULL);
	PP_ASSERT_U64_EQ(pp_t_length(n.client, "t"), 1);
	pp_t_node_stop(&n);
}

static void
test_killed_spawner(void)
{
	spawner_dies(true);
}

static void
test_exited_spawner(void)
{
	spawner_dies(false);
}

static void
test_signals(void)
{
	static const int sigs[2] = { SIGTERM, SIGINT };
	pp_tnode         n;
	pp_client       *c;
	pp_t_logs        logs;
	char             body[32];
	int              k, i, st;

	pp_t_node_init(&n);
	for (k = 0; k < 2; k++) {
		PP_ASSERT_INT_EQ(pp_t_node_exec(&n, NULL), 0);
		c = pp_t_connect(n.address);
		for (i = 0; i < 50; i++) {
			snprintf(body, sizeof(body), "s%d", k * 50 + i);
			PP_ASSERT_U64_EQ(pp_t_commit_str(c, "t", body).seq,
			    (uint64_t)(k * 50 + i));
		}
		pp_close(c);
		pp_t_node_kill(&n, sigs[k]);
		st = pp_t_node_wait(&n, 10000);
		if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			PP_FAIL_AT("after %s the node's wait status is %d",
			    strsignal(sigs[k]), st);
		}
	}
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, NULL), 0);
	c = pp_t_connect(n.address);
	pp_t_read_all(c, "t", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 100);
	for (i = 0; i < 100; i++) {
		snprintf(body, sizeof(body), "s%d", i);
		PP_ASSERT_STR_EQ(logs.bodies[i], body);
	}
	pp_t_logs_free(&logs);
	pp_close(c);
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_INT_EQ(pp_t_node_wait(&n, 10000), 0);
}

static int
detached_main(void *p, int in_fd, int out_fd)
{
	pp_tnode     *n = p;
	pp_spawn_opts o;

	(void)in_fd;
	(void)out_fd;
	memset(&o, 0, sizeof(o));
	o.is_detached = true;
	PP_PASS(pp_t_node_spawn(n, &o));
	pp_t_commit_str(n->client, "t", "from the spawner");
	pp_close(n->client);
	return (0);
}

static void
test_detached(void)
{
	pp_tnode   n;
	pp_t_child kid;
	pp_client *c;
	pid_t      pid;
	int        st;

	pp_t_node_init(&n);
	pp_t_child_fork(&kid, detached_main, &n);
	st = pp_t_child_wait(&kid, 60000);
	PP_ASSERT_TRUE(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	pid = pp_t_lock_pid(n.dir);
	PP_ASSERT_TRUE(pid > 0);
	pp_t_track_pid(pid);
	/* The spawner is gone; the node is not. */
	PP_ASSERT_TRUE(!pp_t_pid_gone(pid));
	c = pp_t_connect(n.address);
	PP_ASSERT_U64_EQ(pp_t_length(c, "t"), 1);
	PP_ASSERT_U64_EQ(pp_t_commit_str(c, "t", "later").seq, 1);
	PP_PASS(pp_shutdown(c));
	PP_ASSERT_TRUE(pp_t_wait_pid_gone(pid, 10000));
	pp_close(c);
}

static void
test_memory(void)
{
	pp_tnode      n;
	pp_spawn_opts o;
	uint64_t      count;

	memset(&o, 0, sizeof(o));
	o.is_memory = true;
	pp_t_node_init(&n);
	pp_t_node_start(&n, &o);
	pp_t_commit_str(n.client, "t", "gone soon");
	PP_ASSERT_U64_EQ(pp_t_length(n.client, "t"), 1);
	pp_t_node_stop(&n);
	pp_t_node_start(&n, &o);
	PP_FAIL(pp_length(n.client, "t", &count), PP_ENOTOPIC);
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_CASE("pp_shutdown stops the node and frees its data directory",
	    test_shutdown, 0),
	PP_CASE("commits racing a shutdown are stored or refused, never lost",
	    test_shutdown_race, 0),
	PP_CASE("a connected client can shut the node down",
	    test_shutdown_by_connector, 0),
	PP_CASE("pp_close of the spawner stops its node",
	    test_close_stops_spawned_node, 0),
	PP_CASE("a node whose spawner is killed exits and frees its data "
	    "directory",
	    test_killed_spawner, 0),
	PP_CASE("a node whose spawner exits without pp_shutdown stops too",
	    test_exited_spawner, 0),
	PP_CASE("SIGTERM and SIGINT stop a node with status 0 and keep its data",
	    test_signals, 0),
	PP_CASE("a detached node outlives its spawner",
	    test_detached, 0),
	PP_CASE("a memory node keeps nothing after it stops",
	    test_memory, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
