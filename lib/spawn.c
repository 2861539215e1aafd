/*
 * spawn.c - pp_spawn: fork and exec a log node, wait until it is ready,
 * connect to it.
 *
 * Design notes (HOUSE-STYLE anti-pattern 4): the application may be
 * multithreaded, so between fork and exec the child only makes
 * async-signal-safe calls. Three pipes connect the two processes:
 *   exec pipe  (CLOEXEC) the child writes errno if execve fails; EOF means
 *              the exec succeeded;
 *   ready pipe the node writes "ready ADDRESS" or "error CODE MESSAGE";
 *   lifeline   the node polls its read end; EOF means the spawner is gone
 *              and the node stops gracefully (not with is_detached).
 * A detached node is double-forked so that it is never our zombie.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "client.h"
#include "loopback.h"
#include "spawn_impl.h"
#include "stdio_guard.h"

#ifndef PP_NODE_INSTALL_PATH
#define PP_NODE_INSTALL_PATH "/usr/local/bin/pipeproc-node"
#endif

#define FD_READY 3
#define FD_LIFELINE 4
#define FD_EXEC 5
#define DEFAULT_START_TIMEOUT_MS 10000u

struct spawn_args {
	char *argv[64];
	int   argc;
	char  sync[32];
	char  max_body[24];
	char  gc_prune[24];
	char  gc_interval[24];
	char  max_store[24];
	char  workers[16];
	char  worker_conc[16];
	char  worker_after[16];
	char  max_conns[16];
	/* An attached node outlives its spawner: its stdin and stdout are
	 * /dev/null and its stderr goes to DIR/node.log, so that it never
	 * holds the spawner's terminal or pipes (a `$(pipeproc -d ...)`
	 * would otherwise wait for the node to exit). */
	bool  is_attached;
	char  log_path[4096];
};

/* A loopback tcp:// address needs no options (loopback.h). */
static bool
is_loopback(const char *address)
{
	ppi_addr a;

	return ppi_address_parse(address, &a) == 0 && ppi_loopback_is(&a);
}

static void
add_arg(struct spawn_args *a, char *s)
{
	a->argv[a->argc++] = s;
	a->argv[a->argc]   = NULL;
}

/* Workers: the node's defaults unless asked (pp_spawn_opts). */
static void
add_workers(struct spawn_args *a, const pp_spawn_opts *o)
{
	const char *path = o->worker_path != NULL ? o->worker_path
	                                          : getenv("PIPEPROC_WORKER");

	if (o->workers != 0) {
		snprintf(a->workers, sizeof(a->workers), "%d",
		    o->workers < 0 ? 0 : o->workers);
		add_arg(a, "--workers");
		add_arg(a, a->workers);
	}
	if (o->worker_concurrency != 0) {
		snprintf(a->worker_conc, sizeof(a->worker_conc), "%u",
		    o->worker_concurrency);
		add_arg(a, "--worker-concurrency");
		add_arg(a, a->worker_conc);
	}
	if (o->worker_restart_after != 0) {
		snprintf(a->worker_after, sizeof(a->worker_after), "%u",
		    o->worker_restart_after);
		add_arg(a, "--worker-restart-after");
		add_arg(a, a->worker_after);
	}
	if (path != NULL && path[0] != '\0') {
		add_arg(a, "--worker-path");
		add_arg(a, (char *) path);
	}
}

/* Remote clients: TLS material, token, plain tcp, connection cap. */
static void
add_remote(struct spawn_args *a, const pp_spawn_opts *o)
{
	if (o->tls_ca_file != NULL) {
		add_arg(a, "--tls-ca");
		add_arg(a, (char *) o->tls_ca_file);
	}
	if (o->tls_cert_file != NULL) {
		add_arg(a, "--tls-cert");
		add_arg(a, (char *) o->tls_cert_file);
	}
	if (o->tls_key_file != NULL) {
		add_arg(a, "--tls-key");
		add_arg(a, (char *) o->tls_key_file);
	}
	if (o->token_file != NULL) {
		add_arg(a, "--token-file");
		add_arg(a, (char *) o->token_file);
	}
	if (o->is_insecure_tcp) {
		add_arg(a, "--insecure-tcp");
	}
	if (o->allow_uids != NULL) {
		add_arg(a, "--allow-uid");
		add_arg(a, (char *) o->allow_uids);
	}
	if (o->allow_gids != NULL) {
		add_arg(a, "--allow-gid");
		add_arg(a, (char *) o->allow_gids);
	}
	if (o->max_connections != 0) {
		snprintf(a->max_conns, sizeof(a->max_conns), "%u",
		    o->max_connections);
		add_arg(a, "--max-connections");
		add_arg(a, a->max_conns);
	}
}

static void
build_args(struct spawn_args *a, const char *node, const char *data,
    const char *address, const pp_spawn_opts *o, bool is_attached)
{
	a->argc = 0;
	add_arg(a, (char *) node);
	add_arg(a, "--data");
	add_arg(a, (char *) data);
	add_arg(a, "--listen");
	add_arg(a, (char *) address);
	add_arg(a, "--ready-fd");
	add_arg(a, "3");
	if (!o->is_detached) {
		add_arg(a, "--lifeline-fd");
		add_arg(a, "4");
	}
	a->is_attached = is_attached;
	if (is_attached) {
		add_arg(a, "--attached");
		snprintf(a->log_path, sizeof(a->log_path), "%s/node.log", data);
	}
	switch (o->sync_mode) {
	case PP_SYNC_NONE:
		snprintf(a->sync, sizeof(a->sync), "none");
		break;
	case PP_SYNC_INTERVAL:
		snprintf(a->sync, sizeof(a->sync), "interval:%u",
		    o->sync_interval_ms != 0 ? o->sync_interval_ms : 100);
		break;
	default:
		snprintf(a->sync, sizeof(a->sync), "always");
		break;
	}
	add_arg(a, "--sync");
	add_arg(a, a->sync);
	if (o->max_body_bytes != 0) {
		snprintf(a->max_body, sizeof(a->max_body), "%u",
		    o->max_body_bytes);
		add_arg(a, "--max-body");
		add_arg(a, a->max_body);
	}
	if (o->is_memory) {
		add_arg(a, "--memory");
	}
	if (o->max_store_bytes != 0) {
		snprintf(a->max_store, sizeof(a->max_store), "%llu",
		    (unsigned long long) o->max_store_bytes);
		add_arg(a, "--max-store-size");
		add_arg(a, a->max_store);
	}
	add_workers(a, o);
	if (o->metrics_address != NULL) {
		add_arg(a, "--metrics");
		add_arg(a, (char *) o->metrics_address);
	}
	add_remote(a, o);
	if (o->is_gc) {
		add_arg(a, "--gc");
		snprintf(a->gc_prune, sizeof(a->gc_prune), "%u",
		    o->gc_min_prune_time_ms != 0 ? o->gc_min_prune_time_ms
		                                 : 30000);
		snprintf(a->gc_interval, sizeof(a->gc_interval), "%u",
		    o->gc_interval_ms != 0 ? o->gc_interval_ms : 30000);
		add_arg(a, "--gc-min-prune-time");
		add_arg(a, a->gc_prune);
		add_arg(a, "--gc-interval");
		add_arg(a, a->gc_interval);
	}
}

/* Child side: stdio of an attached node (async-signal-safe calls). */
static int
open_high(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0600);
	int hi = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 64) : -1;

	if (fd >= 0) {
		close(fd); /* may have been 0..2 if the application closed it */
	}
	return hi;
}

static void
redirect_stdio(const char *log_path)
{
	int null = open_high("/dev/null", O_RDWR);
	int log  = open_high(log_path, O_WRONLY | O_CREAT | O_APPEND);

	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(log >= 0 ? log : null, 2);
		close(null);
	}
	if (log >= 0) {
		close(log);
	}
}

/* Child side, between fork and exec: async-signal-safe calls only. */
static void
exec_child(const struct spawn_args *a, int ready_w, int lifeline_r,
    int exec_w, bool is_detached)
{
	struct sigaction dfl;
	sigset_t         none;
	int              err, hi_ready, hi_life, hi_exec;

	if (is_detached) {
		setsid();
		if (fork() != 0) {
			_exit(0); /* the grandchild carries on */
		}
	}
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &dfl, NULL);
	sigaction(SIGTERM, &dfl, NULL);
	sigaction(SIGINT, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Move our pipes above the fixed numbers, then into place. */
	hi_ready = fcntl(ready_w, F_DUPFD, 64);
	hi_life  = lifeline_r >= 0 ? fcntl(lifeline_r, F_DUPFD, 64) : -1;
	hi_exec  = fcntl(exec_w, F_DUPFD, 64);
	if (hi_ready < 0 || hi_exec < 0 || dup2(hi_ready, FD_READY) < 0 ||
	    (hi_life >= 0 && dup2(hi_life, FD_LIFELINE) < 0) ||
	    dup2(hi_exec, FD_EXEC) < 0) {
		_exit(127);
	}
	fcntl(FD_EXEC, F_SETFD, FD_CLOEXEC);
	if (hi_life < 0) {
		close(FD_LIFELINE);
	}
	close_range(FD_EXEC + 1, ~0U, 0);
	/* Our pipes may have been made at 0, 1 or 2 when the application
	 * had them closed; they live on above now. Then 0, 1 and 2 must
	 * survive exec and be something, or the node's first files land
	 * there (stdio_guard.c). */
	if (ready_w <= 2) {
		close(ready_w);
	}
	if (lifeline_r >= 0 && lifeline_r <= 2) {
		close(lifeline_r);
	}
	if (exec_w <= 2) {
		close(exec_w);
	}
	ppi_stdio_guard();
	if (a->is_attached) {
		redirect_stdio(a->log_path); /* after the pipes are in place */
	}
	execv(a->argv[0], a->argv);
	err = errno;
	while (write(FD_EXEC, &err, sizeof(err)) < 0 && errno == EINTR) {
	}
	_exit(127);
}

/* Reads the node's one status line, waiting at most timeout_ms. */
static int
read_ready(int fd, uint32_t timeout_ms, char *line, size_t len)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	size_t        used = 0;
	ssize_t       n;
	int           rv;

	while (used + 1 < len) {
		rv = poll(&pfd, 1, (int) timeout_ms);
		if (rv < 0 && errno == EINTR) {
			continue;
		}
		if (rv == 0) {
			return PP_ETIMEDOUT;
		}
		n = read(fd, line + used, len - 1 - used);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		used += (size_t) n;
		line[used] = '\0';
		if (strchr(line, '\n') != NULL) {
			*strchr(line, '\n') = '\0';
			return 0;
		}
	}
	line[used] = '\0';
	return PP_ESPAWN;
}

/* Interprets "ready ADDRESS" / "error CODE MESSAGE". */
static int
parse_ready(const char *line, const char *node)
{
	char *end;
	long  code;

	if (strncmp(line, "ready ", 6) == 0) {
		return 0;
	}
	if (strncmp(line, "error ", 6) == 0) {
		code = strtol(line + 6, &end, 10);
		if (code < 0 && code > -1000 && *end == ' ') {
			ppi_set_last_errmsg("%s", end + 1);
			return (int) code;
		}
	}
	ppi_set_last_errmsg("%s exited before it was ready%s%s", node,
	    line[0] != '\0' ? ": " : "", line);
	return PP_ESPAWN;
}

static int
start_node(const pp_spawn_opts *o, const char *node, const char *data,
    const char *address, bool is_attached, pid_t *pid_out,
    int *lifeline_out)
{
	struct spawn_args a;
	int               ready[2] = { -1, -1 }, life[2] = { -1, -1 };
	int               ex[2] = { -1, -1 }, err = 0, rv;
	uint32_t          timeout_ms;
	char              line[1024];
	pid_t             pid;
	ssize_t           n;

	build_args(&a, node, data, address, o, is_attached);
	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(ex, O_CLOEXEC) < 0 ||
	    (!o->is_detached && pipe2(life, O_CLOEXEC) < 0)) {
		ppi_set_last_errmsg("pipe: %s", strerror(errno));
		rv = PP_ESPAWN;
		goto out;
	}
	if ((pid = fork()) < 0) {
		ppi_set_last_errmsg("fork: %s", strerror(errno));
		rv = PP_ESPAWN;
		goto out;
	}
	if (pid == 0) {
		exec_child(&a, ready[1], life[0], ex[1], o->is_detached);
	}
	close(ready[1]);
	close(ex[1]);
	ready[1] = ex[1] = -1;
	if (life[0] >= 0) {
		close(life[0]);
		life[0] = -1;
	}
	if (o->is_detached) {
		/* The intermediate child exits at once. */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
		}
		pid = 0;
	}
	while ((n = read(ex[0], &err, sizeof(err))) < 0 && errno == EINTR) {
	}
	if (n == (ssize_t) sizeof(err)) {
		ppi_set_last_errmsg("cannot execute %s: %s", node, strerror(err));
		rv = PP_ESPAWN;
		goto reap;
	}
	timeout_ms = o->start_timeout_ms != 0 ? o->start_timeout_ms
	                                      : DEFAULT_START_TIMEOUT_MS;
	if ((rv = read_ready(ready[0], timeout_ms, line, sizeof(line))) != 0) {
		if (rv == PP_ETIMEDOUT) {
			ppi_set_last_errmsg(
			    "%s was not ready after %u ms", node, timeout_ms);
		} else {
			rv = parse_ready(line, node);
		}
		goto reap;
	}
	if ((rv = parse_ready(line, node)) != 0) {
		goto reap;
	}
	*pid_out      = pid;
	*lifeline_out = life[1];
	life[1]       = -1;
	goto out;
reap:
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
		}
	}
out:
	for (n = 0; n < 2; n++) {
		if (ready[n] >= 0) {
			close(ready[n]);
		}
		if (ex[n] >= 0) {
			close(ex[n]);
		}
		if (life[n] >= 0) {
			close(life[n]);
		}
	}
	return rv;
}

/* The pipeproc-node to run: opts, else $PIPEPROC_NODE, else installed. */
static const char *
node_program(const pp_spawn_opts *o)
{
	const char *node = o->node_path;

	if (node == NULL || node[0] == '\0') {
		node = getenv("PIPEPROC_NODE");
	}
	if (node == NULL || node[0] == '\0') {
		node = PP_NODE_INSTALL_PATH;
	}
	return node;
}

int
ppi_spawn_attached(const pp_spawn_opts *opts, const char *data_dir,
    const char *address)
{
	pp_spawn_opts o = *opts;
	pid_t         pid      = 0;
	int           lifeline = -1;

	o.is_detached = true; /* belongs to no single process */
	o.is_memory   = false;
	return start_node(&o, node_program(&o), data_dir, address, true, &pid,
	    &lifeline);
}

int
pp_spawn(const pp_spawn_opts *opts, pp_client **client)
{
	pp_spawn_opts   none;
	pp_connect_opts co;
	pp_client      *c;
	const char   *node, *data;
	char          address[512];
	char          msg[PPI_ERRMSG_MAX] = "";
	pid_t         pid      = 0;
	int           lifeline = -1, rv;

	ppi_set_last_errmsg("%s", "");
	if (client == NULL) {
		return PP_EINVAL;
	}
	if (opts == NULL) {
		memset(&none, 0, sizeof(none));
		opts = &none;
	}
	node = node_program(opts);
	data = opts->data_dir != NULL ? opts->data_dir : "./pipeproc_data";
	if (opts->address != NULL) {
		snprintf(address, sizeof(address), "%s", opts->address);
	} else if ((rv = ppi_address_default(
	                opts->namespace_name, address, sizeof(address))) != 0) {
		ppi_set_last_errmsg("invalid namespace");
		return rv;
	}
	if ((rv = ppi_address_check(address)) != 0) {
		ppi_set_last_errmsg("invalid address '%s'", address);
		return rv;
	}
	if (strncmp(address, "tls+tcp://", 10) == 0 &&
	    (opts->tls_ca_file == NULL || opts->tls_cert_file == NULL ||
	        opts->tls_key_file == NULL ||
	        opts->tls_client_cert_file == NULL ||
	        opts->tls_client_key_file == NULL)) {
		ppi_set_last_errmsg("tls+tcp:// needs tls_ca_file, "
		    "tls_cert_file, tls_key_file, tls_client_cert_file and "
		    "tls_client_key_file");
		return PP_EINVAL;
	}
	if (strncmp(address, "tcp://", 6) == 0 && !is_loopback(address) &&
	    (!opts->is_insecure_tcp || opts->token_file == NULL)) {
		ppi_set_last_errmsg("plain tcp:// needs is_insecure_tcp and a "
		    "token_file");
		return PP_EINVAL;
	}
	if ((rv = start_node(opts, node, data, address, false, &pid,
	         &lifeline)) != 0) {
		return rv;
	}
	memset(&co, 0, sizeof(co));
	co.timeout_ms         = DEFAULT_START_TIMEOUT_MS;
	co.request_timeout_ms = opts->request_timeout_ms;
	co.tls_ca_file        = opts->tls_ca_file;
	co.tls_cert_file      = opts->tls_client_cert_file;
	co.tls_key_file       = opts->tls_client_key_file;
	co.token_file         = opts->token_file;
	co.is_insecure_tcp    = opts->is_insecure_tcp;
	if (strncmp(address, "tls+tcp://", 10) != 0) {
		/* The node's material may be given for its other
		 * listeners; our connection does not use it. */
		co.tls_ca_file = co.tls_cert_file = co.tls_key_file = NULL;
	}
	rv = ppi_client_connect(address, &co, &c, msg, sizeof(msg));
	if (rv != 0) {
		ppi_set_last_errmsg("%s", msg);
		if (lifeline >= 0) {
			close(lifeline);
		}
		if (pid > 0) {
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
			}
		}
		return rv;
	}
	c->node_pid    = pid;
	c->lifeline_fd = lifeline;
	c->is_detached = opts->is_detached;
	*client        = c;
	return 0;
}
