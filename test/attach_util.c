/*
 * attach_util.c - fixtures of attach_test.c (see attach_util.h): helper
 * processes that attach to one data directory and take commands, and
 * checks of what the node and the directory look like.
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

char g_attach_dir[PP_T_PATH];

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
			rv = pp_attach(g_attach_dir, NULL, &c);
			if (rv != 0) {
				reply(out_fd, "err %ld\n", rv);
			} else {
				reply(out_fd, "ok %ld\n", pp_t_lock_pid(g_attach_dir));
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

static int g_index[ATTACH_HELPERS] = { 0, 1, 2 };

void
attach_fork_helpers(pp_t_child *h, int count)
{
	int i;

	pp_t_format(g_attach_dir, sizeof(g_attach_dir), "%s/data", pp_t_root());
	for (i = 0; i < count; i++) {
		pp_t_child_fork(&h[i], helper_main, &g_index[i]);
	}
}

void
attach_send(pp_t_child *h, const char *line)
{
	pp_t_write_all(h->to_fd, line, strlen(line));
	pp_t_write_all(h->to_fd, "\n", 1);
}

/* Reads a helper's "ok V" answer and returns V. */
long
attach_expect_ok(pp_t_child *h, int timeout_ms)
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

long
attach_start(pp_t_child *h)
{
	attach_send(h, "attach");
	return attach_expect_ok(h, 20000);
}

void
attach_exit(pp_t_child *h)
{
	attach_send(h, "exit");
	PP_ASSERT_INT_EQ(pp_t_child_wait(h, pp_t_scaled(10000)), 0);
}

/* ---- what the node and the directory look like --------------------------- */

/* Live pipeproc-node processes whose command line names our directory. */
int
attach_count_nodes(void)
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
		    strstr(cmd, g_attach_dir) != NULL) {
			count++;
		}
	}
	closedir(d);
	return count;
}

/* Whether DIR/node.lock could be taken now (nobody owns the directory). */
bool
attach_is_lock_free(void)
{
	char path[PP_T_PATH + 16];
	int  fd;
	bool is_free;

	pp_t_format(path, sizeof(path), "%s/node.lock", g_attach_dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		return true;
	}
	is_free = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return is_free;
}

bool
attach_exists(const char *name)
{
	char        path[PP_T_PATH + 64];
	struct stat sb;

	pp_t_format(path, sizeof(path), "%s/%s", g_attach_dir, name);
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

	pp_t_format(path, sizeof(path), "%s/node.log", g_attach_dir);
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
void
attach_assert_stopped(pid_t node)
{
	PP_ASSERT_TRUE(pp_t_wait_pid_gone(node, 10000));
	PP_WAIT_UNTIL(attach_count_nodes() == 0, 10000);
	PP_ASSERT_TRUE(attach_is_lock_free());
	PP_ASSERT_TRUE(!attach_exists("node.addr"));
	assert_clean_log();
}


size_t
attach_read_acked(int index, char ***out)
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

size_t
attach_acked_lines(int index)
{
	char **v;
	size_t n = attach_read_acked(index, &v), i;

	for (i = 0; i < n; i++) {
		free(v[i]);
	}
	free(v);
	return n;
}

