/*
 * cli_node.c - the node's lifecycle from the command line: `pipeproc node`
 * runs a log node in the foreground, `pipeproc shutdown` stops one.
 *
 * The tool does not contain a node; it finds the pipeproc-node program and
 * execs it in place, so the node owns this process: it prints
 * "ready ADDRESS" on stdout once it accepts requests (--print-ready), gets
 * SIGTERM/SIGINT directly, and its exit status is the tool's. The program
 * is looked up in this order:
 *
 *   1. $PIPEPROC_NODE (the tests and `make demo` set it);
 *   2. pipeproc-node next to this executable (/proc/self/exe), so a build
 *      tree or an install prefix works without PATH;
 *   3. PP_NODE_INSTALL_PATH, the installed location the Makefile defines.
 *
 * Options are checked for shape only (known names, values present); the
 * node validates their values and reports errors itself. Without
 * --worker-path, $PIPEPROC_WORKER (when set) names the worker program, as
 * it does for pp_spawn(); else the node runs the one next to itself.
 *
 * `pipeproc shutdown` connects and calls pp_shutdown(), which returns once
 * the node has answered what was queued and synced its store; the node
 * process then exits 0.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "pipeproc.h"

#ifndef PP_NODE_INSTALL_PATH
#error "PP_NODE_INSTALL_PATH must be defined by the build"
#endif

#define NODE_PROGRAM "pipeproc-node"

/*
 * Find the node program; `buf` holds the sibling path when that is the
 * one chosen. Returns the path to exec.
 */
static const char *
node_program(char *buf, size_t len)
{
	const char *env = getenv("PIPEPROC_NODE");
	char       *slash;
	ssize_t     n;

	if (env != NULL && env[0] != '\0') {
		return env;
	}
	n = readlink("/proc/self/exe", buf, len - 1);
	if (n > 0) {
		buf[n] = '\0';
		slash = strrchr(buf, '/');
		if (slash != NULL
		    && (size_t)(slash - buf) + 1 + sizeof(NODE_PROGRAM)
		        <= len) {
			strcpy(slash + 1, NODE_PROGRAM);
			if (access(buf, X_OK) == 0) {
				return buf;
			}
		}
	}
	return PP_NODE_INSTALL_PATH;
}

/* The node's command line as it is built. */
struct node_args {
	char **args;
	int    n_args;
	bool   has_listen;
	bool   has_worker_path;
};

/* Every option of ours goes to the node as it is (dst: node_args). */
static int
pass_on(struct cli_ctx *ctx, const cli_opt *opt, const char *value, void *dst)
{
	struct node_args *na = dst;

	(void)ctx;
	if (strcmp(opt->name, "--listen") == 0) {
		na->has_listen = true;
	}
	if (strcmp(opt->name, "--worker-path") == 0) {
		na->has_worker_path = true;
	}
	na->args[na->n_args++] = (char *)opt->name;
	if (value != NULL) {
		na->args[na->n_args++] = (char *)value;
	}
	return 0;
}

int
cli_node_run(struct cli_ctx *ctx, int argc, char **argv)
{
	struct node_args na;
	const cli_opt    opts[] = {
		{ "--memory", false, pass_on, &na },
		{ "--gc", false, pass_on, &na },
		{ "--insecure-tcp", false, pass_on, &na },
		{ "--data", true, pass_on, &na },
		{ "--listen", true, pass_on, &na },
		{ "--sync", true, pass_on, &na },
		{ "--max-body", true, pass_on, &na },
		{ "--gc-min-prune-time", true, pass_on, &na },
		{ "--gc-interval", true, pass_on, &na },
		{ "--max-store-size", true, pass_on, &na },
		{ "--dedupe-window", true, pass_on, &na },
		{ "--metrics", true, pass_on, &na },
		{ "--workers", true, pass_on, &na },
		{ "--worker-concurrency", true, pass_on, &na },
		{ "--worker-restart-after", true, pass_on, &na },
		{ "--worker-path", true, pass_on, &na },
		{ "--tls-ca", true, pass_on, &na },
		{ "--tls-cert", true, pass_on, &na },
		{ "--tls-key", true, pass_on, &na },
		{ "--token-file", true, pass_on, &na },
		{ "--token-env", true, pass_on, &na },
		{ "--max-connections", true, pass_on, &na },
		{ "--auth-timeout", true, pass_on, &na },
		{ "--allow-uid", true, pass_on, &na },
		{ "--ephemeral-grace", true, pass_on, &na },
		{ "--allow-gid", true, pass_on, &na },
		{ NULL, false, NULL, NULL },
	};
	char             path_buf[PATH_MAX];
	const char      *program;
	const char      *address;
	const char      *worker_env = getenv("PIPEPROC_WORKER");
	char           **args;
	cli_args         a;
	int              m;

	/*
	 * Each option of ours becomes at most two node arguments; add the
	 * program name, --print-ready, a default --listen, a default
	 * --worker-path and the NULL.
	 */
	args = calloc((size_t)argc * 2 + 7, sizeof(*args));
	if (args == NULL) {
		return cli_report_fail(ctx, PP_ENOMEM, "%s", "");
	}
	memset(&na, 0, sizeof(na));
	na.args = args;
	program = node_program(path_buf, sizeof(path_buf));
	na.args[na.n_args++] = (char *)program;
	na.args[na.n_args++] = "--print-ready";
	memset(&a, 0, sizeof(a));
	a.opts[0] = opts;
	if ((m = cli_opts_parse(ctx, argc, argv, &a)) != 0) {
		free(args);
		return m;
	}
	if (!na.has_listen) {
		if (cli_connect_address(ctx, &address) != 0) {
			free(args);
			return CLI_EXIT_FAIL;
		}
		na.args[na.n_args++] = "--listen";
		na.args[na.n_args++] = (char *)address;
	}
	if (!na.has_worker_path && worker_env != NULL
	    && worker_env[0] != '\0') {
		na.args[na.n_args++] = "--worker-path";
		na.args[na.n_args++] = (char *)worker_env;
	}
	na.args[na.n_args] = NULL;
	fflush(stdout);
	execv(program, args);
	m = errno;
	free(args);
	return cli_report_fail(ctx, PP_ESPAWN, "%s: %s", program, strerror(m));
}

int
cli_node_shutdown(struct cli_ctx *ctx, int argc, char **argv)
{
	pp_client *client;
	int        status;
	int        rv;

	if (argc > 1) {
		return cli_report_usage_error(
		    ctx, "unexpected argument '%s'", argv[1]);
	}
	if ((status = cli_connect_open(ctx, &client)) != 0) {
		return status;
	}
	status = CLI_EXIT_OK;
	if ((rv = pp_shutdown(client)) != 0) {
		status
		    = cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client));
	}
	pp_close(client);
	return status;
}
