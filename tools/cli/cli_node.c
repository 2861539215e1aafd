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

int
cli_node_run(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const value_opts[] = { "--data", "--listen",
		"--sync", "--max-body", "--gc-min-prune-time", "--gc-interval",
		"--max-store-size", "--metrics", "--workers",
		"--worker-concurrency", "--worker-restart-after",
		"--worker-path", "--tls-ca", "--tls-cert", "--tls-key",
		"--token-file", "--token-env", "--max-connections",
		"--auth-timeout" };
	const size_t n_value_opts = sizeof(value_opts) / sizeof(value_opts[0]);
	char         path_buf[PATH_MAX];
	const char  *program;
	const char  *value = NULL;
	const char  *address;
	const char  *worker_env = getenv("PIPEPROC_WORKER");
	char       **args;
	int          n_args = 0;
	bool         has_listen = false;
	bool         has_worker_path = false;
	size_t       k;
	int          i;
	int          m;

	/*
	 * Each option of ours becomes at most two node arguments; add the
	 * program name, --print-ready, a default --listen, a default
	 * --worker-path and the NULL.
	 */
	args = calloc((size_t)argc * 2 + 7, sizeof(*args));
	if (args == NULL) {
		return cli_fail(ctx, PP_ENOMEM, "%s", "");
	}
	program = node_program(path_buf, sizeof(path_buf));
	args[n_args++] = (char *)program;
	args[n_args++] = "--print-ready";
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--memory") == 0 ||
		    strcmp(argv[i], "--gc") == 0 ||
		    strcmp(argv[i], "--insecure-tcp") == 0) {
			args[n_args++] = argv[i];
			continue;
		}
		m = 0;
		for (k = 0; k < n_value_opts && m == 0; k++) {
			m = cli_option(argc, argv, &i, value_opts[k], &value);
		}
		if (m == 0) {
			free(args);
			if (argv[i][0] == '-') {
				return cli_usage_error(
				    ctx, "unknown option '%s'", argv[i]);
			}
			return cli_usage_error(
			    ctx, "unexpected argument '%s'", argv[i]);
		}
		if (m < 0) {
			free(args);
			return cli_usage_error(
			    ctx, "option '%s' needs an argument", argv[i]);
		}
		/* k is one past the option that matched. */
		if (strcmp(value_opts[k - 1], "--listen") == 0) {
			has_listen = true;
		}
		if (strcmp(value_opts[k - 1], "--worker-path") == 0) {
			has_worker_path = true;
		}
		args[n_args++] = (char *)value_opts[k - 1];
		args[n_args++] = (char *)value;
	}
	if (!has_listen) {
		if (cli_address(ctx, &address) != 0) {
			free(args);
			return CLI_EXIT_FAIL;
		}
		args[n_args++] = "--listen";
		args[n_args++] = (char *)address;
	}
	if (!has_worker_path && worker_env != NULL && worker_env[0] != '\0') {
		args[n_args++] = "--worker-path";
		args[n_args++] = (char *)worker_env;
	}
	args[n_args] = NULL;
	fflush(stdout);
	execv(program, args);
	m = errno;
	free(args);
	return cli_fail(ctx, PP_ESPAWN, "%s: %s", program, strerror(m));
}

int
cli_node_shutdown(struct cli_ctx *ctx, int argc, char **argv)
{
	pp_client *client;
	int        status;
	int        rv;

	if (argc > 1) {
		return cli_usage_error(
		    ctx, "unexpected argument '%s'", argv[1]);
	}
	if ((status = cli_connect(ctx, &client)) != 0) {
		return status;
	}
	status = CLI_EXIT_OK;
	if ((rv = pp_shutdown(client)) != 0) {
		status = cli_fail(ctx, rv, "%s", pp_client_errmsg(client));
	}
	pp_close(client);
	return status;
}
