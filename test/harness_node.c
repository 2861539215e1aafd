/*
 * harness_node.c - helpers of the test harness that deal with processes:
 * waiting for pids with deadlines, helper processes with pipes, real nodes
 * started with pp_spawn() or fork/exec, and reading a whole topic back.
 * See harness.h for the contract.
 */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- processes --------------------------------------------------------------- */

bool
pp_t_pid_gone(pid_t pid)
{
	siginfo_t si;
	char      path[64], buf[512], *p;
	int       fd;
	ssize_t   n;

	/* Our child (or an orphan re-parented to us): look without reaping,
	 * so that the library can still reap the node it spawned. */
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0) {
		return (si.si_pid == pid);
	}
	if (kill(pid, 0) != 0 && errno == ESRCH) {
		return (true);
	}
	/* Someone else's zombie has exited too. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		return (true);
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		return (true);
	}
	buf[n] = '\0';
	p      = strrchr(buf, ')');
	return (p != NULL && (p[2] == 'Z' || p[2] == 'X'));
}

bool
pp_t_wait_pid_gone(pid_t pid, int timeout_ms)
{
	uint64_t end = pp_t_mono_ms() + (uint64_t)pp_t_scaled(timeout_ms);

	while (!pp_t_pid_gone(pid)) {
		if (pp_t_mono_ms() > end) {
			return (false);
		}
		pp_t_nap();
	}
	return (true);
}

/* Waits for our child; returns its status or -1 after timeout_ms. */
static int
wait_child(pid_t pid, int timeout_ms)
{
	uint64_t end = pp_t_mono_ms() + (uint64_t)pp_t_scaled(timeout_ms);
	int      st;
	pid_t    r;

	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			return (st);
		}
		if (r < 0 && errno != EINTR) {
			return (-1);
		}
		if (pp_t_mono_ms() > end) {
			return (-1);
		}
		pp_t_nap();
	}
}

int
pp_t_read_line(int fd, char *buf, size_t len, int timeout_ms)
{
	uint64_t      end = pp_t_mono_ms() + (uint64_t)pp_t_scaled(timeout_ms);
	size_t        used = 0;
	struct pollfd pfd;
	uint64_t      now;
	ssize_t       n;
	int           rv;
	char          ch;

	while (used + 1 < len) {
		now = pp_t_mono_ms();
		if (now > end) {
			return (-1);
		}
		pfd.fd     = fd;
		pfd.events = POLLIN;
		rv         = poll(&pfd, 1, (int)(end - now) + 1);
		if (rv < 0 && errno == EINTR) {
			continue;
		}
		if (rv < 0) {
			return (-1);
		}
		if (rv == 0) {
			continue;
		}
		n = read(fd, &ch, 1);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return (-1);
		}
		if (ch == '\n') {
			break;
		}
		buf[used++] = ch;
	}
	buf[used] = '\0';
	return ((int)used);
}

void
pp_t_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t     n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			PP_FAIL_AT("write: %s", strerror(errno));
		}
		p += n;
		len -= (size_t)n;
	}
}

void
pp_t_child_fork(pp_t_child *c, int (*fn)(void *, int, int), void *arg)
{
	int to[2], from[2];

	if (pipe2(to, O_CLOEXEC) != 0 || pipe2(from, O_CLOEXEC) != 0) {
		PP_FAIL_AT("pipe: %s", strerror(errno));
	}
	fflush(stdout);
	fflush(stderr);
	c->pid = fork();
	if (c->pid < 0) {
		PP_FAIL_AT("fork: %s", strerror(errno));
	}
	if (c->pid == 0) {
		close(to[1]);
		close(from[0]);
		_exit(fn(arg, to[0], from[1]));
	}
	close(to[0]);
	close(from[1]);
	c->to_fd   = to[1];
	c->from_fd = from[0];
}

int
pp_t_child_wait(pp_t_child *c, int timeout_ms)
{
	int st = wait_child(c->pid, timeout_ms);

	if (st == -1) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
	}
	if (c->to_fd >= 0) {
		close(c->to_fd);
	}
	if (c->from_fd >= 0) {
		close(c->from_fd);
	}
	c->to_fd = c->from_fd = -1;
	return (st);
}

/* ---- nodes ------------------------------------------------------------------- */

void
pp_t_node_init(pp_tnode *n)
{
	memset(n, 0, sizeof(*n));
	pp_t_format(n->dir, sizeof(n->dir), "%s", pp_t_mkdir("n"));
	pp_t_format(n->sock, sizeof(n->sock), "%s/sock", n->dir);
	pp_t_format(n->address, sizeof(n->address), "ipc://%s", n->sock);
	n->pid    = -1;
	n->out_fd = -1;
}

pid_t
pp_t_lock_pid(const char *dir)
{
	char    path[PP_T_PATH + 16], buf[32];
	int     fd;
	ssize_t r;
	long    v;

	pp_t_format(path, sizeof(path), "%s/node.lock", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		return (-1);
	}
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0) {
		return (-1);
	}
	buf[r] = '\0';
	v      = strtol(buf, NULL, 10);
	return (v > 0 ? (pid_t)v : -1);
}

int
pp_t_node_spawn(pp_tnode *n, const pp_spawn_opts *opts)
{
	pp_spawn_opts o;
	int           rv;

	if (opts != NULL) {
		o = *opts;
	} else {
		memset(&o, 0, sizeof(o));
	}
	if (o.node_path == NULL) {
		o.node_path = pp_t_node_path();
	}
	if (o.data_dir == NULL && !o.is_memory) {
		o.data_dir = n->dir;
	}
	if (o.address == NULL) {
		o.address = n->address;
	}
	if (o.start_timeout_ms == 0) {
		o.start_timeout_ms = (uint32_t)pp_t_scaled(30000);
	}
	if ((rv = pp_spawn(&o, &n->client)) != 0) {
		n->client = NULL;
		return (rv);
	}
	n->pid      = o.is_memory ? -1 : pp_t_lock_pid(o.data_dir);
	n->is_child = false;
	return (0);
}

void
pp_t_node_start(pp_tnode *n, const pp_spawn_opts *opts)
{
	PP_PASS(pp_t_node_spawn(n, opts));
}

void
pp_t_node_stop(pp_tnode *n)
{
	PP_PASS(pp_shutdown(n->client));
	pp_close(n->client);
	n->client = NULL;
	if (n->pid > 0 && !pp_t_wait_pid_gone(n->pid, 10000)) {
		PP_FAIL_AT("node %d still runs after pp_shutdown", (int)n->pid);
	}
	n->pid = -1;
}

void
pp_t_node_case_run(void (*fn)(pp_tnode *n))
{
	pp_tnode n;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	fn(&n);
	pp_t_node_stop(&n);
}

int
pp_t_node_exec(pp_tnode *n, const char *const *extra)
{
	const char *argv[32];
	char        line[512];
	int         out[2], argc = 0, i;
	pid_t       pid;

	argv[argc++] = pp_t_node_path();
	argv[argc++] = "--data";
	argv[argc++] = n->dir;
	argv[argc++] = "--listen";
	argv[argc++] = n->address;
	argv[argc++] = "--print-ready";
	for (i = 0; extra != NULL && extra[i] != NULL && argc < 31; i++) {
		argv[argc++] = extra[i];
	}
	argv[argc] = NULL;
	if (pipe2(out, O_CLOEXEC) != 0) {
		PP_FAIL_AT("pipe: %s", strerror(errno));
	}
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0) {
		PP_FAIL_AT("fork: %s", strerror(errno));
	}
	if (pid == 0) {
		/* Only async-signal-safe calls: the parent may have threads. */
		if (dup2(out[1], 1) < 0) {
			_exit(126);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(out[1]);
	n->pid      = pid;
	n->is_child = true;
	n->out_fd   = out[0];
	if (pp_t_read_line(n->out_fd, line, sizeof(line), 30000) < 0 ||
	    strncmp(line, "ready ", 6) != 0) {
		pp_t_diag("node %s did not print \"ready\"", n->dir);
		pp_t_node_kill(n, SIGKILL);
		return (-1);
	}
	return (0);
}

/* True when every thread of pid is stopped (state 'T' in its stat). */
static bool
all_stopped(pid_t pid)
{
	char           path[64], buf[512], *p;
	DIR           *d;
	struct dirent *e;
	FILE          *f;
	bool           ok = true;

	pp_t_format(path, sizeof(path), "/proc/%d/task", (int)pid);
	if ((d = opendir(path)) == NULL) {
		return false;
	}
	while (ok && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.') {
			continue;
		}
		pp_t_format(path, sizeof(path), "/proc/%d/task/%s/stat",
		    (int)pid, e->d_name);
		if ((f = fopen(path, "r")) == NULL) {
			continue; /* the thread just ended */
		}
		ok = fgets(buf, sizeof(buf), f) != NULL &&
		    (p = strrchr(buf, ')')) != NULL && p[1] == ' ' &&
		    (p[2] == 'T' || p[2] == 't');
		fclose(f);
	}
	closedir(d);
	return ok;
}

void
pp_t_node_freeze(pp_tnode *n)
{
	PP_ASSERT_TRUE(n->pid > 0);
	kill(n->pid, SIGSTOP);
	PP_WAIT_UNTIL(all_stopped(n->pid), 5000);
}

void
pp_t_node_kill(pp_tnode *n, int sig)
{
	if (n->pid <= 0) {
		return;
	}
	kill(n->pid, sig);
	if (sig == SIGKILL && n->is_child) {
		if (pp_t_node_wait(n, 10000) == -1) {
			PP_FAIL_AT("node %d survived SIGKILL", (int)n->pid);
		}
	}
}

int
pp_t_node_wait(pp_tnode *n, int timeout_ms)
{
	int st = wait_child(n->pid, timeout_ms);

	if (st != -1) {
		n->pid = -1;
		if (n->out_fd >= 0) {
			close(n->out_fd);
			n->out_fd = -1;
		}
	}
	return (st);
}

pp_client *
pp_t_connect(const char *address)
{
	pp_client *c = NULL;

	PP_PASS(pp_connect(address, NULL, &c));
	return (c);
}

pp_id
pp_t_commit_str(pp_client *c, const char *topic, const char *body)
{
	pp_record r;
	pp_id     id;

	r.topic = topic;
	r.body  = body;
	r.len   = strlen(body);
	PP_PASS(pp_commit(c, &r, 1, &id));
	return (id);
}

uint64_t
pp_t_length(pp_client *c, const char *topic)
{
	uint64_t count = 0;

	PP_PASS(pp_length(c, topic, &count));
	return (count);
}

int
pp_t_id_cmp(pp_id a, pp_id b)
{
	if (a.ms != b.ms) {
		return (a.ms < b.ms ? -1 : 1);
	}
	if (a.seq != b.seq) {
		return (a.seq < b.seq ? -1 : 1);
	}
	return (0);
}

void
pp_t_read_all(pp_client *c, const char *topic, const pp_range_opts *opts,
    bool is_reverse, pp_t_logs *out)
{
	pp_iter      *it = NULL;
	const pp_log *log;
	size_t        cap = 0;
	int           rv;

	memset(out, 0, sizeof(*out));
	PP_PASS(pp_iter_open(c, topic, opts, is_reverse, &it));
	while ((rv = pp_iter_next(it, &log)) == 1) {
		if (out->count == cap) {
			cap = cap ? cap * 2 : 256;
			out->ids    = realloc(out->ids, cap * sizeof(pp_id));
			out->bodies = realloc(out->bodies, cap * sizeof(char *));
			out->lens   = realloc(out->lens, cap * sizeof(size_t));
			if (!out->ids || !out->bodies || !out->lens) {
				PP_FAIL_AT("out of memory");
			}
		}
		out->ids[out->count]    = log->id;
		out->lens[out->count]   = log->len;
		out->bodies[out->count] = malloc(log->len + 1);
		if (out->bodies[out->count] == NULL) {
			PP_FAIL_AT("out of memory");
		}
		if (log->len > 0) {
			memcpy(out->bodies[out->count], log->body, log->len);
		}
		out->bodies[out->count][log->len] = '\0';
		out->count++;
	}
	if (rv != 0) {
		PP_FAIL_AT("pp_iter_next on %s returned %d %s (%s)", topic, rv,
		    pp_errname(rv), pp_strerror(rv));
	}
	pp_iter_close(it);
}

void
pp_t_logs_free(pp_t_logs *logs)
{
	size_t i;

	for (i = 0; i < logs->count; i++) {
		free(logs->bodies[i]);
	}
	free(logs->ids);
	free(logs->bodies);
	free(logs->lens);
	memset(logs, 0, sizeof(*logs));
}
