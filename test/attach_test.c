/*
 * attach_test.c - a node shared by sibling processes (issue 13 item 9,
 * pp_attach(3), DESIGN §1 "Attached nodes"): three processes attaching at
 * once share one node; the node outlives the process that started it
 * (also when that one is killed); kill -9 of the node makes a sibling
 * start a new one and every acknowledged commit is there, once; the node
 * stops, and frees its lock, when the last attached process is gone; and
 * the errors of pp_attach.
 *
 * Helper processes take commands, one line each, on their input pipe and
 * answer one line each:
 *   attach      -> "ok PID" (the node's pid) or "err CODE"
 *   run N       -> commits N logs "NAME-I" to topic "t", one at a time, and
 *                  appends each acknowledged body to NAME.acked -> "ok N"
 *   shutdown    -> pp_shutdown -> "ok 0" or "err CODE"
 *   exit        -> pp_close, then the process exits 0
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

#include "harness.h"

#define HELPERS 3

static char g_dir[PP_T_PATH];

/* ---- helper processes ---------------------------------------------------- */

static void
reply(int fd, const char *fmt, long v)
{
	char line[64];

	pp_t_format(line, sizeof(line), fmt, v);
	pp_t_write_all(fd, line, strlen(line));
}

static int
run_commits(pp_client *c, int index, long count)
{
	char      body[64], path[PP_T_PATH + 32];
	pp_record r;
	pp_id     id;
	FILE     *f;
	long      i;
	int       rv;

	pp_t_format(path, sizeof(path), "%s/h%d.acked", pp_t_root(), index);
	if ((f = fopen(path, "a")) == NULL) {
		return PP_EIO;
	}
	for (i = 0; i < count; i++) {
		pp_t_format(body, sizeof(body), "h%d-%ld", index, i);
		r.topic = "t";
		r.body  = body;
		r.len   = strlen(body);
		if ((rv = pp_commit(c, &r, 1, &id)) != 0) {
			fclose(f);
			return rv;
		}
		fprintf(f, "%s\n", body);
		fflush(f);
	}
	fclose(f);
	return 0;
}

static int
helper_main(void *p, int in_fd, int out_fd)
{
	int        index = *(int *) p;
	pp_client *c     = NULL;
	char       line[128];
	int        rv;

	while (pp_t_read_line(in_fd, line, sizeof(line), 60000) > 0) {
		if (strcmp(line, "attach") == 0) {
			rv = pp_attach(g_dir, NULL, &c);
			if (rv != 0) {
				reply(out_fd, "err %ld\n", rv);
			} else {
				reply(out_fd, "ok %ld\n", pp_t_lock_pid(g_dir));
			}
		} else if (strncmp(line, "run ", 4) == 0) {
			rv = run_commits(c, index, atol(line + 4));
			if (rv != 0) {
				reply(out_fd, "err %ld\n", rv);
			} else {
				reply(out_fd, "ok %ld\n", atol(line + 4));
			}
		} else if (strcmp(line, "shutdown") == 0) {
			rv = pp_shutdown(c);
			reply(out_fd, rv != 0 ? "err %ld\n" : "ok %ld\n", rv);
		} else if (strcmp(line, "exit") == 0) {
			break;
		}
	}
	pp_close(c);
	return 0;
}

static int g_index[HELPERS] = { 0, 1, 2 };

static void
fork_helpers(pp_t_child *h, int count)
{
	int i;

	pp_t_format(g_dir, sizeof(g_dir), "%s/data", pp_t_root());
	for (i = 0; i < count; i++) {
		pp_t_child_fork(&h[i], helper_main, &g_index[i]);
	}
}

static void
send_line(pp_t_child *h, const char *line)
{
	pp_t_write_all(h->to_fd, line, strlen(line));
	pp_t_write_all(h->to_fd, "\n", 1);
}

/* Reads a helper's "ok V" answer and returns V. */
static long
expect_ok(pp_t_child *h, int timeout_ms)
{
	char line[128];

	if (pp_t_read_line(h->from_fd, line, sizeof(line),
	        pp_t_scaled(timeout_ms)) <= 0) {
		PP_FAIL_AT("helper %d did not answer", (int) h->pid);
	}
	if (strncmp(line, "ok ", 3) != 0) {
		PP_FAIL_AT("helper %d: %s (%s)", (int) h->pid, line,
		    strncmp(line, "err ", 4) == 0
		        ? pp_errname(atoi(line + 4))
		        : "?");
	}
	return atol(line + 3);
}

static long
attach_helper(pp_t_child *h)
{
	send_line(h, "attach");
	return expect_ok(h, 20000);
}

static void
exit_helper(pp_t_child *h)
{
	send_line(h, "exit");
	PP_ASSERT_INT_EQ(pp_t_child_wait(h, pp_t_scaled(10000)), 0);
}

/* ---- what the node and the directory look like --------------------------- */

/* Live pipeproc-node processes whose command line names our directory. */
static int
count_nodes(void)
{
	struct dirent *e;
	DIR           *d = opendir("/proc");
	char           path[300], cmd[4096];
	ssize_t        n, k;
	int            fd, count = 0;

	PP_ASSERT_TRUE(d != NULL);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9') {
			continue;
		}
		pp_t_format(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			continue;
		}
		n = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		if (n <= 0) {
			continue; /* a zombie has no command line */
		}
		cmd[n] = '\0';
		for (k = 0; k < n; k++) {
			if (cmd[k] == '\0') {
				cmd[k] = ' ';
			}
		}
		if (strstr(cmd, "pipeproc-node") != NULL &&
		    strstr(cmd, g_dir) != NULL) {
			count++;
		}
	}
	closedir(d);
	return count;
}

/* Whether DIR/node.lock could be taken now (nobody owns the directory). */
static bool
is_lock_free(void)
{
	char path[PP_T_PATH + 16];
	int  fd;
	bool is_free;

	pp_t_format(path, sizeof(path), "%s/node.lock", g_dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		return true;
	}
	is_free = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return is_free;
}

static bool
exists(const char *name)
{
	char        path[PP_T_PATH + 64];
	struct stat sb;

	pp_t_format(path, sizeof(path), "%s/%s", g_dir, name);
	return stat(path, &sb) == 0;
}

/*
 * The nodes' stderr (DIR/node.log) holds no sanitizer report: they are
 * not our children, so their exit status cannot tell.
 */
static void
assert_clean_log(void)
{
	char  path[PP_T_PATH + 16], line[512];
	FILE *f;

	pp_t_format(path, sizeof(path), "%s/node.log", g_dir);
	if ((f = fopen(path, "r")) == NULL) {
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, "Sanitizer") != NULL ||
		    strstr(line, "runtime error") != NULL) {
			fclose(f);
			PP_FAIL_AT("node.log: %s", line);
		}
	}
	fclose(f);
}

/* The node is gone, its lock free and its address withdrawn. */
static void
assert_node_stops(pid_t node)
{
	PP_ASSERT_TRUE(pp_t_wait_pid_gone(node, 10000));
	PP_WAIT_UNTIL(count_nodes() == 0, 10000);
	PP_ASSERT_TRUE(is_lock_free());
	PP_ASSERT_TRUE(!exists("node.addr"));
	assert_clean_log();
}

/* ---- cases ----------------------------------------------------------------- */

static void
test_three_attach_at_once(void)
{
	pp_t_child h[HELPERS];
	pp_client *c;
	long       pid[HELPERS];
	int        i;

	fork_helpers(h, HELPERS);
	for (i = 0; i < HELPERS; i++) {
		send_line(&h[i], "attach"); /* all three before any answer */
	}
	for (i = 0; i < HELPERS; i++) {
		pid[i] = expect_ok(&h[i], 20000);
		PP_ASSERT_TRUE(pid[i] > 0);
		PP_ASSERT_INT_EQ(pid[i], pid[0]);
		pp_t_track_pid((pid_t) pid[i]);
	}
	/* Nodes that lost the lock have exited: one is left. */
	PP_WAIT_UNTIL(count_nodes() == 1, 5000);
	PP_ASSERT_INT_EQ(pp_t_lock_pid(g_dir), pid[0]);
	for (i = 0; i < HELPERS; i++) {
		send_line(&h[i], "run 5");
	}
	for (i = 0; i < HELPERS; i++) {
		PP_ASSERT_INT_EQ(expect_ok(&h[i], 20000), 5);
	}
	/* A fourth, in this process, sees all of it on the same node. */
	PP_PASS(pp_attach(g_dir, NULL, &c));
	PP_ASSERT_INT_EQ(pp_t_lock_pid(g_dir), pid[0]);
	PP_ASSERT_U64_EQ(pp_t_length(c, "t"), 15);
	pp_close(c);
	for (i = 0; i < HELPERS; i++) {
		exit_helper(&h[i]);
	}
	assert_node_stops((pid_t) pid[0]);
}

static void
test_spawner_exits(void)
{
	pp_t_child h[HELPERS];
	long       node, pid;
	int        i;

	fork_helpers(h, HELPERS);
	/* The first one starts the node alone. */
	PP_ASSERT_TRUE(!exists("node.lock") || is_lock_free());
	node = attach_helper(&h[0]);
	pp_t_track_pid((pid_t) node);
	PP_ASSERT_INT_EQ(count_nodes(), 1);
	for (i = 1; i < HELPERS; i++) {
		PP_ASSERT_INT_EQ(attach_helper(&h[i]), node);
	}
	/* The spawner is killed: no pp_close, its lease ends with it. */
	kill(h[0].pid, SIGKILL);
	pp_t_child_wait(&h[0], pp_t_scaled(5000));
	for (i = 1; i < HELPERS; i++) {
		send_line(&h[i], "run 10");
	}
	for (i = 1; i < HELPERS; i++) {
		PP_ASSERT_INT_EQ(expect_ok(&h[i], 20000), 10);
	}
	/* Still the same node, well past its lease sweep (1 s). */
	pid = pp_t_lock_pid(g_dir);
	PP_ASSERT_INT_EQ(pid, node);
	PP_ASSERT_TRUE(!pp_t_pid_gone((pid_t) node));
	exit_helper(&h[1]);
	PP_ASSERT_TRUE(!pp_t_pid_gone((pid_t) node));
	send_line(&h[2], "run 1");
	PP_ASSERT_INT_EQ(expect_ok(&h[2], 20000), 1);
	/* The last one is killed too: the node stops by itself. */
	kill(h[2].pid, SIGKILL);
	pp_t_child_wait(&h[2], pp_t_scaled(5000));
	assert_node_stops((pid_t) node);
}

/* Reads every body a helper had acknowledged. */
static size_t
read_acked(int index, char ***out)
{
	char   path[PP_T_PATH + 32], line[64];
	char **v   = NULL;
	size_t n   = 0;
	FILE  *f;

	pp_t_format(path, sizeof(path), "%s/h%d.acked", pp_t_root(), index);
	if ((f = fopen(path, "r")) == NULL) {
		*out = NULL;
		return 0;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((v = realloc(v, (n + 1) * sizeof(*v))) == NULL ||
		    (v[n] = strdup(line)) == NULL) {
			PP_FAIL_AT("out of memory");
		}
		n++;
	}
	fclose(f);
	*out = v;
	return n;
}

static size_t
acked_lines(int index)
{
	char **v;
	size_t n = read_acked(index, &v), i;

	for (i = 0; i < n; i++) {
		free(v[i]);
	}
	free(v);
	return n;
}

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

	fork_helpers(h, 2);
	node = attach_helper(&h[0]);
	pp_t_track_pid((pid_t) node);
	PP_ASSERT_INT_EQ(attach_helper(&h[1]), node);
	pp_t_format(cmd, sizeof(cmd), "run %d", KILL_RUN);
	for (j = 0; j < 2; j++) {
		send_line(&h[j], cmd);
	}
	/* Kill the node while both are committing. */
	PP_WAIT_UNTIL(acked_lines(0) >= 20 && acked_lines(1) >= 20, 20000);
	kill((pid_t) node, SIGKILL);
	PP_ASSERT_TRUE(pp_t_wait_pid_gone((pid_t) node, 5000));
	/* A sibling starts another one; both finish their runs on it. */
	for (j = 0; j < 2; j++) {
		PP_ASSERT_INT_EQ(expect_ok(&h[j], 30000), KILL_RUN);
	}
	node2 = pp_t_lock_pid(g_dir);
	PP_ASSERT_TRUE(node2 > 0 && node2 != node);
	pp_t_track_pid((pid_t) node2);
	PP_ASSERT_INT_EQ(count_nodes(), 1);
	/* Every acknowledged body is there, exactly once. */
	PP_PASS(pp_attach(g_dir, NULL, &c));
	pp_t_read_all(c, "t", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 2 * KILL_RUN);
	for (j = 0; j < 2; j++) {
		n = read_acked(j, &acked);
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
		exit_helper(&h[j]);
	}
	assert_node_stops((pid_t) node2);
}

static void
test_last_exits(void)
{
	pp_t_child h[2];
	long       node;

	fork_helpers(h, 2);
	node = attach_helper(&h[0]);
	pp_t_track_pid((pid_t) node);
	PP_ASSERT_INT_EQ(attach_helper(&h[1]), node);
	PP_ASSERT_TRUE(exists("node.addr"));
	exit_helper(&h[0]);
	PP_ASSERT_TRUE(!pp_t_pid_gone((pid_t) node));
	exit_helper(&h[1]);
	assert_node_stops((pid_t) node);
	/* No lease is left behind. */
	PP_ASSERT_TRUE(exists("attach"));
	{
		char           path[PP_T_PATH + 16];
		DIR           *d;
		struct dirent *e;
		int            files = 0;

		pp_t_format(path, sizeof(path), "%s/attach", g_dir);
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

	fork_helpers(h, 2);
	node = attach_helper(&h[0]);
	pp_t_track_pid((pid_t) node);
	PP_ASSERT_INT_EQ(attach_helper(&h[1]), node);
	send_line(&h[0], "shutdown");
	PP_ASSERT_INT_EQ(expect_ok(&h[0], 20000), 0);
	PP_ASSERT_TRUE(pp_t_wait_pid_gone((pid_t) node, 10000));
	send_line(&h[1], "run 3");
	PP_ASSERT_INT_EQ(expect_ok(&h[1], 20000), 3);
	node2 = pp_t_lock_pid(g_dir);
	PP_ASSERT_TRUE(node2 > 0 && node2 != node);
	pp_t_track_pid((pid_t) node2);
	PP_ASSERT_INT_EQ(count_nodes(), 1);
	exit_helper(&h[1]);
	/* Only the shut-down client is left, and it starts nothing. */
	assert_node_stops((pid_t) node2);
	exit_helper(&h[0]);
	PP_ASSERT_INT_EQ(count_nodes(), 0);
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

	pp_t_format(g_dir, sizeof(g_dir), "%s/data", pp_t_root());
	PP_FAIL(pp_attach(NULL, NULL, &c), PP_EINVAL);
	PP_FAIL(pp_attach("", NULL, &c), PP_EINVAL);
	PP_FAIL(pp_attach(g_dir, NULL, NULL), PP_EINVAL);
	memset(&ao, 0, sizeof(ao));
	memset(&so, 0, sizeof(so));
	so.is_memory = true;
	ao.node      = &so;
	PP_FAIL(pp_attach(g_dir, &ao, &c), PP_EINVAL);
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
	PP_FAIL(pp_attach(g_dir, &ao, &c), PP_ESPAWN);
	PP_ASSERT_TRUE(strstr(pp_last_errmsg(), "no-such") != NULL);
	PP_ASSERT_INT_EQ(count_nodes(), 0);
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

	pp_t_format(g_dir, sizeof(g_dir), "%s", pp_t_mkdir("held"));
	pp_t_format(path, sizeof(path), "%s/node.lock", g_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	PP_ASSERT_TRUE(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0);
	memset(&ao, 0, sizeof(ao));
	ao.timeout_ms = 300;
	start         = pp_t_mono_ms();
	PP_FAIL(pp_attach(g_dir, &ao, &c), PP_ETIMEDOUT);
	PP_ASSERT_U64_CMP(pp_t_mono_ms() - start, <, 5000);
	close(fd);
	/* Once the lock is free, attaching starts a node. */
	PP_PASS(pp_attach(g_dir, &ao, &c));
	pp_t_track_pid(pp_t_lock_pid(g_dir));
	pp_t_commit_str(c, "t", "x");
	pp_close(c);
	PP_WAIT_UNTIL(count_nodes() == 0, 10000);
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
