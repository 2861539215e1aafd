/*
 * spawn_stdio_test.c - a node started by a process whose descriptors 0, 1
 * and 2 are closed or close-on-exec (Node.js marks its own so) must not
 * open its store files there: it did, and every line a worker wrote to
 * stderr went into data.mdb until the node died of SIGBUS. The node's
 * 0, 1 and 2 must be /dev/null or the spawner's, never a file of the
 * data directory.
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

/* The node's pid, from DATA_DIR/node.lock ("PID\n"). */
static pid_t
node_pid(const char *data_dir)
{
	char  path[PATH_MAX];
	FILE *f;
	long  pid = 0;

	snprintf(path, sizeof(path), "%s/node.lock", data_dir);
	if ((f = fopen(path, "r")) != NULL) {
		if (fscanf(f, "%ld", &pid) != 1) {
			pid = 0;
		}
		fclose(f);
	}
	return (pid_t) pid;
}

/* 0 when none of pid's descriptors 0..2 is a file of data_dir. */
static int
stdio_is_clean(pid_t pid, const char *data_dir)
{
	char link[64], target[PATH_MAX];
	int  fd;

	for (fd = 0; fd <= 2; fd++) {
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/%ld/fd/%d", (long) pid, fd);
		if ((n = readlink(link, target, sizeof(target) - 1)) < 0) {
			return 10 + fd; /* closed: the next open lands there */
		}
		target[n] = '\0';
		if (strstr(target, data_dir) != NULL) {
			return 20 + fd;
		}
	}
	return 0;
}

/* In a child with 0..2 close-on-exec (as Node.js has them): pp_spawn,
 * commit, and report through the exit status what the node holds. */
static void
test_spawn_from_cloexec_stdio(void)
{
	const char *dir = pp_t_mkdir("stdio");
	char        data[PATH_MAX], address[PATH_MAX + 8];
	pid_t       child;
	int         status;

	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(address, sizeof(address), "ipc://%s/sock", dir);
	fflush(NULL);
	PP_ASSERT_TRUE((child = fork()) >= 0);
	if (child == 0) {
		pp_spawn_opts o;
		pp_client    *c;
		pp_record     r = { .topic = "t", .body = "x", .len = 1 };
		pp_id         id;
		int           fd, rv;

		for (fd = 0; fd <= 2; fd++) {
			fcntl(fd, F_SETFD, FD_CLOEXEC);
		}
		memset(&o, 0, sizeof(o));
		o.data_dir   = data;
		o.address    = address;
		o.node_path  = pp_t_node_path();
		if (pp_spawn(&o, &c) != 0 || pp_commit(c, &r, 1, &id) != 0) {
			_exit(2);
		}
		rv = stdio_is_clean(node_pid(data), data);
		pp_shutdown(c);
		pp_close(c);
		_exit(rv);
	}
	PP_ASSERT_INT_EQ(waitpid(child, &status, 0), child);
	PP_ASSERT_TRUE(WIFEXITED(status));
	PP_ASSERT_INT_EQ(WEXITSTATUS(status), 0);
}

/* pipeproc-node exec'd with 0..2 closed opens /dev/null there first. */
static void
test_node_with_closed_stdio(void)
{
	const char *dir = pp_t_mkdir("closed");
	char        data[PATH_MAX], address[PATH_MAX + 8];
	pid_t       pid;
	int         rv, tries;

	snprintf(data, sizeof(data), "%s/data", dir);
	snprintf(address, sizeof(address), "ipc://%s/sock", dir);
	fflush(NULL);
	PP_ASSERT_TRUE((pid = fork()) >= 0);
	if (pid == 0) {
		close(0);
		close(1);
		close(2);
		execl(pp_t_node_path(), pp_t_node_path(), "--data", data,
		    "--listen", address, (char *) NULL);
		_exit(127);
	}
	for (tries = 0; tries < 200 && node_pid(data) != pid; tries++) {
		usleep(25000);
	}
	PP_ASSERT_INT_EQ(node_pid(data), pid);
	usleep(200000); /* the store is open by now */
	rv = stdio_is_clean(pid, data);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	PP_ASSERT_INT_EQ(rv, 0);
}

static const pp_test_case cases[] = {
	PP_CASE("a node spawned by a process whose stdio is close-on-exec "
	    "keeps its store files off 0, 1 and 2",
	    test_spawn_from_cloexec_stdio, 60),
	PP_CASE("pipeproc-node started with 0, 1 and 2 closed opens /dev/null "
	    "there before its store",
	    test_node_with_closed_stdio, 60),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
