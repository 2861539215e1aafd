/*
 * cli_connect.c - reaching the node from the `pipeproc` tool: the
 * address (-a, $PIPEPROC_ADDRESS or the namespace's default), the TLS
 * material and token from options or the environment, and the body of
 * the commands that only connect and run (procs, topics, stats).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "address.h"
#include "cli.h"

int
cli_connect_address(struct cli_ctx *ctx, const char **address)
{
	const char *given = ctx->address_opt;
	int         rv;

	if (ctx->address[0] != '\0') {
		*address = ctx->address;
		return 0;
	}
	if (given == NULL) {
		given = getenv("PIPEPROC_ADDRESS");
		if (given != NULL && given[0] == '\0') {
			given = NULL;
		}
	}
	if (given == NULL) {
		rv = ppi_address_default(
		    ctx->namespace_name, ctx->address, sizeof(ctx->address));
		if (rv != 0) {
			ctx->address[0] = '\0';
			cli_report_fail(
			    ctx, rv, "namespace '%s'", ctx->namespace_name);
			return rv;
		}
	} else {
		if (strlen(given) >= sizeof(ctx->address)) {
			cli_report_fail(ctx, PP_EADDR, "address too long");
			return PP_EADDR;
		}
		strcpy(ctx->address, given);
	}
	if ((rv = ppi_address_check(ctx->address)) != 0) {
		cli_report_fail(ctx, rv, "'%s'", ctx->address);
		ctx->address[0] = '\0';
		return rv;
	}
	*address = ctx->address;
	return 0;
}

/* An option, else its environment variable, else NULL. */
static const char *
opt_or_env(const char *opt, const char *env)
{
	const char *v = opt != NULL ? opt : getenv(env);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/*
 * The node program for -d, in the order of `pipeproc node` (cli_node.c):
 * $PIPEPROC_NODE is read by the library itself; else pipeproc-node next
 * to this executable, when there is one; else NULL, the installed one.
 */
static const char *
sibling_node(char *buf, size_t len)
{
	char   *slash;
	ssize_t n;

	if (getenv("PIPEPROC_NODE") != NULL) {
		return NULL;
	}
	n = readlink("/proc/self/exe", buf, len - sizeof("pipeproc-node"));
	if (n <= 0) {
		return NULL;
	}
	buf[n] = '\0';
	if ((slash = strrchr(buf, '/')) == NULL) {
		return NULL;
	}
	strcpy(slash + 1, "pipeproc-node");
	return access(buf, X_OK) == 0 ? buf : NULL;
}

/*
 * -d DIR: the node that owns DIR, started if none does (pp_attach). The
 * tool holds its lease for one command, so a node it started stops about
 * a second after it, unless other processes are attached.
 */
static int
attach_open(struct cli_ctx *ctx, pp_client **client)
{
	pp_attach_opts ao;
	pp_spawn_opts  so;
	const char    *msg;
	char           node[PATH_MAX];
	int            rv;

	memset(&ao, 0, sizeof(ao));
	memset(&so, 0, sizeof(so));
	so.node_path  = sibling_node(node, sizeof(node));
	so.token_file = opt_or_env(ctx->token_file, "PIPEPROC_TOKEN_FILE");
	ao.node       = &so;
	if ((rv = pp_attach(ctx->data_dir_opt, &ao, client)) != 0) {
		msg = pp_last_errmsg();
		if (strstr(msg, ctx->data_dir_opt) != NULL) {
			return cli_report_fail(ctx, rv, "%s", msg);
		}
		return cli_report_fail(ctx, rv, "-d %s%s%s", ctx->data_dir_opt,
		    msg[0] != '\0' ? ": " : "", msg);
	}
	return 0;
}

int
cli_connect_open(struct cli_ctx *ctx, pp_client **client)
{
	pp_connect_opts opts;
	const char     *address;
	const char     *msg;
	int             rv;

	if (ctx->data_dir_opt != NULL) {
		return attach_open(ctx, client);
	}
	if (cli_connect_address(ctx, &address) != 0) {
		return CLI_EXIT_FAIL;
	}
	memset(&opts, 0, sizeof(opts));
	if (strncmp(address, "tls+tcp://", 10) == 0) {
		opts.tls_ca_file = opt_or_env(ctx->tls_ca, "PIPEPROC_TLS_CA");
		opts.tls_cert_file
		    = opt_or_env(ctx->tls_cert, "PIPEPROC_TLS_CERT");
		opts.tls_key_file
		    = opt_or_env(ctx->tls_key, "PIPEPROC_TLS_KEY");
	}
	/* The token never comes from the command line itself (ps). */
	opts.token_file = opt_or_env(ctx->token_file, "PIPEPROC_TOKEN_FILE");
	if (opts.token_file == NULL) {
		opts.token = opt_or_env(NULL, "PIPEPROC_TOKEN");
	}
	opts.is_insecure_tcp = ctx->is_insecure_tcp;
	opts.is_root_node_allowed = ctx->is_root_node_allowed;
	if ((rv = pp_connect(address, &opts, client)) != 0) {
		/* Always name the address, once. */
		msg = pp_last_errmsg();
		if (strstr(msg, address) != NULL) {
			return cli_report_fail(ctx, rv, "%s", msg);
		}
		return cli_report_fail(ctx, rv, "%s%s%s", address,
		    msg[0] != '\0' ? ": " : "", msg);
	}
	return 0;
}

int
cli_connect_run(struct cli_ctx *ctx, int argc, char **argv,
    const cli_opt *opts, int (*fn)(struct cli_ctx *ctx, pp_client *client))
{
	pp_client *client;
	cli_args   a;
	int        status;

	memset(&a, 0, sizeof(a));
	a.opts[0] = opts;
	if ((status = cli_opts_parse(ctx, argc, argv, &a)) != 0) {
		return status;
	}
	if ((status = cli_connect_open(ctx, &client)) != 0) {
		return status;
	}
	status = fn(ctx, client);
	pp_close(client);
	return status;
}
