/*
 * cli.c - main() of the `pipeproc` command-line tool: the global options
 * (-a, -n, -h, --version), dispatch to the subcommands, and the helpers
 * every subcommand shares: resolving the node address, connecting,
 * matching options, and reporting errors in the one format scripts parse
 * (pipeproc(1)):
 *
 *     pipeproc: SUBCOMMAND: PP_EXXX: strerror text[: detail]
 *
 * Exit status 0 on success, 1 when the operation failed, 2 for a bad
 * command line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "cli.h"
#include "pipeproc.h"

static const char usage_text[]
    = "usage: pipeproc [-a ADDRESS] [-n NAMESPACE] COMMAND [ARGS]\n"
      "       pipeproc -h | --help | --version\n"
      "\n"
      "commands:\n"
      "  node [--data DIR] [--listen ADDRESS]... [--sync MODE] [--memory]\n"
      "       [--max-body BYTES] [--metrics http://HOST:PORT]\n"
      "       [--workers N] [--worker-concurrency N]\n"
      "       [--worker-restart-after N] [--worker-path PATH]\n"
      "       [--tls-ca FILE --tls-cert FILE --tls-key FILE]\n"
      "       [--token-file FILE | --token-env NAME] [--insecure-tcp]\n"
      "       [--max-connections N] [--auth-timeout MS]\n"
      "      run a node in the foreground; prints \"ready ADDRESS\"\n"
      "  commit TOPIC BODY...\n"
      "      commit the BODY arguments atomically, one log each\n"
      "  commit TOPIC\n"
      "      commit each line of standard input as one log\n"
      "  range TOPIC [--start X] [--end Y] [--limit N] [--exclusive] "
      "[--json]\n"
      "      print logs in ascending id order, \"ID<TAB>BODY\" per line\n"
      "  revrange TOPIC [--start X] [--end Y] [--limit N] [--exclusive] "
      "[--json]\n"
      "      print logs in descending id order (start >= end)\n"
      "  length TOPIC      print the number of logs in TOPIC\n"
      "  stat TOPIC        print the statistics of TOPIC as JSON\n"
      "  topics            print NAME COUNT BYTES FIRST LAST per topic\n"
      "  tail TOPIC [-f] [--json]\n"
      "  wait [NAME...] [--timeout MS]\n"
      "  topic-config TOPIC [--max-age MS] [--max-count N] [--max-bytes N]\n"
      "  topic-delete TOPIC [--force]\n"
      "  backup DIR\n"
      "      print TOPIC as range does; with -f, keep printing new logs\n"
      "  proc TOPIC --name NAME [--offset OFF] [--count N] [--wait MS]\n"
      "       [--max-reclaims N] [--reclaim-timeout MS]\n"
      "       [--on-max-reclaims disable|continue|deadletter] [--json]\n"
      "      claim logs for proc NAME (created if needed) and print them;\n"
      "      prints \"token N\" on stderr when logs were claimed\n"
      "  ack NAME [--token N]\n"
      "      ack the outstanding claim of NAME; prints the last acked id\n"
      "  reclaim NAME [--token N] [--error TEXT]\n"
      "      give the outstanding claim of NAME back\n"
      "  inspect NAME      print the state of proc NAME as JSON\n"
      "  disable NAME | resume NAME | destroy NAME\n"
      "      change proc NAME; print its state as inspect does\n"
      "  procs             print NAME TOPIC STATUS LAG CLAIM RECLAIMS per proc\n"
      "                    (systemProcs add SYSTEMPROC PLUGIN LAST_ERROR)\n"
      "  system-proc NAME --from TOPIC... [--to TOPIC...] --plugin PATH\n"
      "       [--config TEXT] [--offset OFF] [--count N] [--max-reclaims N]\n"
      "       [--reclaim-timeout MS]\n"
      "       [--on-max-reclaims disable|continue|deadletter]\n"
      "      create systemProc NAME, run by the node's workers; print its\n"
      "      procs as inspect does\n"
      "  system-proc-destroy NAME\n"
      "      remove systemProc NAME and its procs\n"
      "  stats             print the node's metrics as one JSON object\n"
      "  shutdown          stop the node gracefully\n"
      "\n"
      "options:\n"
      "  -a ADDRESS    node address (default: $PIPEPROC_ADDRESS, else\n"
      "                ipc://$TMPDIR/pipeproc.NAMESPACE); remote nodes:\n"
      "                tls+tcp://HOST:PORT, tcp://HOST:PORT\n"
      "  -n NAMESPACE  namespace of the default address (default: default)\n"
      "  --tls-ca FILE, --tls-cert FILE, --tls-key FILE\n"
      "                TLS material for tls+tcp:// (default:\n"
      "                $PIPEPROC_TLS_CA, $PIPEPROC_TLS_CERT, $PIPEPROC_TLS_KEY)\n"
      "  --token-file FILE\n"
      "                access token (default: $PIPEPROC_TOKEN_FILE, else\n"
      "                the token in $PIPEPROC_TOKEN)\n"
      "  --insecure-tcp  allow a plain tcp:// address (with a token)\n"
      "\n"
      "Id expressions for --start/--end: T-S (an id), T (a millisecond),\n"
      ":S (a sequence number).\n";

void
cli_usage(FILE *out)
{
	fputs(usage_text, out);
}

int
cli_fail(const struct cli_ctx *ctx, int err, const char *fmt, ...)
{
	char    detail[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "pipeproc: %s%s%s: %s%s%s\n",
	    ctx->cmd != NULL ? ctx->cmd : "", ctx->cmd != NULL ? ": " : "",
	    pp_errname(err), pp_strerror(err), detail[0] != '\0' ? ": " : "",
	    detail);
	return CLI_EXIT_FAIL;
}

int
cli_usage_error(const struct cli_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pipeproc: ");
	if (ctx->cmd != NULL) {
		fprintf(stderr, "%s: ", ctx->cmd);
	}
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cli_usage(stderr);
	return CLI_EXIT_USAGE;
}

bool
cli_is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int
cli_option(int argc, char **argv, int *i, const char *name, const char **value)
{
	const char *arg = argv[*i];
	size_t      len = strlen(name);

	if (strncmp(arg, name, len) != 0) {
		return 0;
	}
	if (arg[len] == '=') {
		*value = arg + len + 1;
		return 1;
	}
	if (arg[len] != '\0') {
		return 0;
	}
	if (*i + 1 >= argc) {
		return -1;
	}
	*i += 1;
	*value = argv[*i];
	return 1;
}

int
cli_address(struct cli_ctx *ctx, const char **address)
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
			cli_fail(
			    ctx, rv, "namespace '%s'", ctx->namespace_name);
			return rv;
		}
	} else {
		if (strlen(given) >= sizeof(ctx->address)) {
			cli_fail(ctx, PP_EADDR, "address too long");
			return PP_EADDR;
		}
		strcpy(ctx->address, given);
	}
	if ((rv = ppi_address_check(ctx->address)) != 0) {
		cli_fail(ctx, rv, "'%s'", ctx->address);
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

int
cli_run_no_args(struct cli_ctx *ctx, int argc, char **argv,
    int (*fn)(struct cli_ctx *ctx, pp_client *client))
{
	pp_client *client;
	int        status;

	if (argc > 1) {
		return cli_usage_error(
		    ctx, "unexpected argument '%s'", argv[1]);
	}
	if ((status = cli_connect(ctx, &client)) != 0) {
		return status;
	}
	status = fn(ctx, client);
	pp_close(client);
	return status;
}

int
cli_connect(struct cli_ctx *ctx, pp_client **client)
{
	pp_connect_opts opts;
	const char     *address;
	const char     *msg;
	int             rv;

	if (cli_address(ctx, &address) != 0) {
		return CLI_EXIT_FAIL;
	}
	memset(&opts, 0, sizeof(opts));
	if (strncmp(address, "tls+tcp://", 10) == 0) {
		opts.tls_ca_file   = opt_or_env(ctx->tls_ca, "PIPEPROC_TLS_CA");
		opts.tls_cert_file = opt_or_env(ctx->tls_cert,
		    "PIPEPROC_TLS_CERT");
		opts.tls_key_file = opt_or_env(ctx->tls_key, "PIPEPROC_TLS_KEY");
	}
	/* The token never comes from the command line itself (ps). */
	opts.token_file = opt_or_env(ctx->token_file, "PIPEPROC_TOKEN_FILE");
	if (opts.token_file == NULL) {
		opts.token = opt_or_env(NULL, "PIPEPROC_TOKEN");
	}
	opts.is_insecure_tcp = ctx->is_insecure_tcp;
	if ((rv = pp_connect(address, &opts, client)) != 0) {
		/* Always name the address, once. */
		msg = pp_last_errmsg();
		if (strstr(msg, address) != NULL) {
			return cli_fail(ctx, rv, "%s", msg);
		}
		return cli_fail(ctx, rv, "%s%s%s", address,
		    msg[0] != '\0' ? ": " : "", msg);
	}
	return 0;
}

int
cli_finish_output(const struct cli_ctx *ctx)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		return cli_fail(ctx, PP_EIO, "writing standard output: %s",
		    strerror(errno));
	}
	return CLI_EXIT_OK;
}

static const struct {
	const char *name;
	int (*run)(struct cli_ctx *, int, char **);
} commands[] = {
	{ "node", cli_node_run },
	{ "commit", cli_commit_run },
	{ "range", cli_read_range },
	{ "revrange", cli_read_range },
	{ "length", cli_read_length },
	{ "stat", cli_read_stat },
	{ "topics", cli_read_topics },
	{ "tail", cli_tail_run },
	{ "wait", cli_wait_run },
	{ "topic-delete", cli_admin_topic_delete },
	{ "topic-config", cli_admin_topic_config },
	{ "backup", cli_admin_backup },
	{ "proc", cli_proc_run },
	{ "ack", cli_proc_ack },
	{ "reclaim", cli_proc_reclaim },
	{ "inspect", cli_proc_admin_inspect },
	{ "disable", cli_proc_admin_change },
	{ "resume", cli_proc_admin_change },
	{ "destroy", cli_proc_admin_change },
	{ "procs", cli_proc_admin_procs },
	{ "shutdown", cli_node_shutdown },
	{ "stats", cli_stats_run },
	{ "system-proc", cli_system_run },
	{ "system-proc-destroy", cli_system_destroy },
};

int
main(int argc, char **argv)
{
	struct cli_ctx ctx;
	const char    *arg;
	size_t         k;
	int            i;

	memset(&ctx, 0, sizeof(ctx));
	ctx.namespace_name = "default";
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		arg = argv[i];
		if (cli_is_help(arg)) {
			cli_usage(stdout);
			return cli_finish_output(&ctx);
		}
		if (strcmp(arg, "--version") == 0) {
			printf("pipeproc %s\n", pp_version());
			return cli_finish_output(&ctx);
		}
		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(arg, "--insecure-tcp") == 0) {
			ctx.is_insecure_tcp = true;
			continue;
		}
		if (strncmp(arg, "--", 2) == 0) {
			static const char *const names[] = { "--tls-ca",
				"--tls-cert", "--tls-key", "--token-file" };
			const char **dst[] = { &ctx.tls_ca, &ctx.tls_cert,
				&ctx.tls_key, &ctx.token_file };
			const char  *val = NULL;
			int          m = 0;

			for (k = 0; k < 4 && m == 0; k++) {
				m = cli_option(argc, argv, &i, names[k], &val);
			}
			if (m == 0) {
				return cli_usage_error(
				    &ctx, "unknown option '%s'", arg);
			}
			if (m < 0) {
				return cli_usage_error(&ctx,
				    "option '%s' needs an argument", arg);
			}
			*dst[k - 1] = val;
			continue;
		}
		if (arg[1] != 'a' && arg[1] != 'n') {
			return cli_usage_error(
			    &ctx, "unknown option '%s'", arg);
		}
		if (arg[2] == '\0' && i + 1 >= argc) {
			return cli_usage_error(
			    &ctx, "option '%s' needs an argument", arg);
		}
		if (arg[1] == 'a') {
			ctx.address_opt = arg[2] != '\0' ? arg + 2 : argv[++i];
		} else {
			ctx.namespace_name
			    = arg[2] != '\0' ? arg + 2 : argv[++i];
		}
	}
	if (i >= argc) {
		return cli_usage_error(&ctx, "missing command");
	}
	for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
		if (strcmp(argv[i], commands[k].name) != 0) {
			continue;
		}
		ctx.cmd = commands[k].name;
		if (argc - i > 1 && cli_is_help(argv[i + 1])) {
			cli_usage(stdout);
			return cli_finish_output(&ctx);
		}
		return commands[k].run(&ctx, argc - i, argv + i);
	}
	return cli_usage_error(&ctx, "unknown command '%s'", argv[i]);
}
