/*
 * cli.c - main() of the `pipeproc` command-line tool: the global options
 * (-a, -n, -h, --version) and dispatch to the subcommands (cli_*.c). It
 * sits on top: the commands call the shared floor below them (cli_opts.c,
 * cli_connect.c, cli_report.c, cli_print.c), never this file.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pipeproc.h"

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
	{ "producer", cli_producer_run },
	{ "replay", cli_replay_run },
};

int
main(int argc, char **argv)
{
	struct cli_ctx ctx;
	const char    *arg;
	size_t         k;
	int            i;
	int            status;

	memset(&ctx, 0, sizeof(ctx));
	ctx.namespace_name = "default";
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		arg = argv[i];
		if (cli_opts_is_help(arg)) {
			cli_help_print(stdout, NULL);
			return cli_report_output(&ctx);
		}
		if (strcmp(arg, "--version") == 0) {
			printf("pipeproc %s\n", pp_version());
			return cli_report_output(&ctx);
		}
		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(arg, "--insecure-tcp") == 0) {
			ctx.is_insecure_tcp = true;
			continue;
		}
		if (strcmp(arg, "--allow-root-node") == 0) {
			ctx.is_root_node_allowed = true;
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
				m = cli_opts_value(
				    argc, argv, &i, names[k], &val);
			}
			if (m == 0) {
				return cli_report_usage_error(
				    &ctx, "unknown option '%s'", arg);
			}
			if (m < 0) {
				return cli_report_usage_error(
				    &ctx, "option '%s' needs an argument", arg);
			}
			*dst[k - 1] = val;
			continue;
		}
		if (arg[1] != 'a' && arg[1] != 'n' && arg[1] != 'd') {
			return cli_report_usage_error(
			    &ctx, "unknown option '%s'", arg);
		}
		if (arg[2] == '\0' && i + 1 >= argc) {
			return cli_report_usage_error(
			    &ctx, "option '%s' needs an argument", arg);
		}
		if (arg[1] == 'a') {
			ctx.address_opt = arg[2] != '\0' ? arg + 2 : argv[++i];
		} else if (arg[1] == 'd') {
			ctx.data_dir_opt = arg[2] != '\0' ? arg + 2 : argv[++i];
		} else {
			ctx.namespace_name
			    = arg[2] != '\0' ? arg + 2 : argv[++i];
		}
	}
	if (i >= argc) {
		return cli_report_usage_error(&ctx, "missing command");
	}
	if (ctx.data_dir_opt != NULL && ctx.address_opt != NULL) {
		return cli_report_usage_error(
		    &ctx, "-a and -d name the node twice: give one");
	}
	if (ctx.data_dir_opt != NULL && strcmp(argv[i], "node") == 0) {
		return cli_report_usage_error(&ctx, "-d attaches to a node; "
		    "to run one in the foreground use node --data DIR");
	}
	for (k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
		if (strcmp(argv[i], commands[k].name) != 0) {
			continue;
		}
		ctx.cmd = commands[k].name;
		/* COMMAND --help; the parser answers a later -h/--help. */
		if (argc - i > 1 && cli_opts_is_help(argv[i + 1])) {
			cli_help_print(stdout, ctx.cmd);
			return cli_report_output(&ctx);
		}
		status = commands[k].run(&ctx, argc - i, argv + i);
		return status == CLI_EXIT_HELP ? cli_report_output(&ctx)
		                               : status;
	}
	return cli_report_usage_error(&ctx, "unknown command '%s'", argv[i]);
}
