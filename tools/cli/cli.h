/*
 * cli.h - declarations shared by the files of the `pipeproc` command-line
 * tool: the context built from the global options, the exit statuses,
 * option and error helpers (cli.c), one entry point per subcommand
 * (cli_node.c, cli_commit.c, cli_read.c, cli_proc.c, cli_proc_admin.c,
 * cli_tail.c, cli_system.c) and the output formats (cli_print.c). The
 * tool uses only the public API of libpipeproc plus the address helpers
 * of lib/address.h.
 */
#ifndef PP_CLI_H
#define PP_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "pipeproc.h"

/* Exit statuses (pipeproc(1)). */
#define CLI_EXIT_OK    0
#define CLI_EXIT_FAIL  1 /* the operation failed; one line on stderr */
#define CLI_EXIT_USAGE 2 /* bad command line; usage on stderr */

/* Longest address the tool builds itself (ipc:// plus a socket path). */
#define CLI_ADDRESS_MAX 512

/* What the global options say; filled by main() in cli.c. */
struct cli_ctx {
	const char *cmd;            /* subcommand name, for messages */
	const char *address_opt;    /* -a ADDRESS, or NULL */
	const char *namespace_name; /* -n NAMESPACE, or "default" */
	char        address[CLI_ADDRESS_MAX]; /* resolved by cli_address */
	/* Remote nodes: --tls-ca/--tls-cert/--tls-key (else $PIPEPROC_TLS_CA,
	 * ...), --token-file (else $PIPEPROC_TOKEN_FILE, else the token in
	 * $PIPEPROC_TOKEN), --insecure-tcp. */
	const char *tls_ca, *tls_cert, *tls_key, *token_file;
	bool        is_insecure_tcp;
};

/*
 * cli_address - the node address: -a, else $PIPEPROC_ADDRESS, else the
 * default address of the namespace. On success *address points into ctx.
 * Returns 0, or PP_EINVAL / PP_EADDR (already reported on stderr).
 */
int cli_address(struct cli_ctx *ctx, const char **address);

/*
 * cli_connect - resolve the address and connect to the node.
 * Returns 0 with *client set, or an exit status (error already reported).
 */
int cli_connect(struct cli_ctx *ctx, pp_client **client);

/*
 * cli_run_no_args - the body of a command without arguments (procs,
 * topics, stats): refuse extra arguments, connect, run fn with the
 * client, close. Returns fn's exit status, or the usage/connect failure.
 */
int cli_run_no_args(struct cli_ctx *ctx, int argc, char **argv,
    int (*fn)(struct cli_ctx *ctx, pp_client *client));

/*
 * cli_fail - print "pipeproc: CMD: PP_EXXX: text[: detail]" on stderr,
 * where detail is printf(fmt, ...) and is left out when empty.
 * Returns CLI_EXIT_FAIL.
 */
int cli_fail(const struct cli_ctx *ctx, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * cli_usage_error - print "pipeproc: CMD: message" and the usage on stderr.
 * Returns CLI_EXIT_USAGE.
 */
int cli_usage_error(const struct cli_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* cli_usage - print the usage text on `out`. */
void cli_usage(FILE *out);

/*
 * cli_option - match argv[*i] against the option `name` that takes a value,
 * as "--name VALUE" or "--name=VALUE".
 * Returns 1 with *value set (and *i advanced past a separate value), 0
 * when argv[*i] is another word, or -1 when the value is missing.
 */
int cli_option(
    int argc, char **argv, int *i, const char *name, const char **value);

/* cli_is_help - true for "-h" and "--help". */
bool cli_is_help(const char *arg);

/*
 * cli_finish_output - flush stdout and report a write error.
 * Returns CLI_EXIT_OK or CLI_EXIT_FAIL.
 */
int cli_finish_output(const struct cli_ctx *ctx);

/* Subcommands. Each returns the exit status. argv[0] is the subcommand. */
int cli_node_run(struct cli_ctx *ctx, int argc, char **argv);
int cli_node_shutdown(struct cli_ctx *ctx, int argc, char **argv);
int cli_commit_run(struct cli_ctx *ctx, int argc, char **argv);
int cli_read_range(struct cli_ctx *ctx, int argc, char **argv);
int cli_read_length(struct cli_ctx *ctx, int argc, char **argv);
int cli_read_stat(struct cli_ctx *ctx, int argc, char **argv);
int cli_read_topics(struct cli_ctx *ctx, int argc, char **argv);
int cli_proc_run(struct cli_ctx *ctx, int argc, char **argv);
int cli_proc_ack(struct cli_ctx *ctx, int argc, char **argv);
int cli_proc_reclaim(struct cli_ctx *ctx, int argc, char **argv);
int cli_proc_admin_inspect(struct cli_ctx *ctx, int argc, char **argv);
int cli_proc_admin_procs(struct cli_ctx *ctx, int argc, char **argv);
int cli_proc_admin_change(struct cli_ctx *ctx, int argc, char **argv);
int cli_tail_run(struct cli_ctx *ctx, int argc, char **argv);
int cli_wait_run(struct cli_ctx *ctx, int argc, char **argv);
int cli_admin_topic_delete(struct cli_ctx *ctx, int argc, char **argv);
int cli_admin_backup(struct cli_ctx *ctx, int argc, char **argv);
int cli_admin_topic_config(struct cli_ctx *ctx, int argc, char **argv);
int cli_stats_run(struct cli_ctx *ctx, int argc, char **argv);
int cli_system_run(struct cli_ctx *ctx, int argc, char **argv);
int cli_system_destroy(struct cli_ctx *ctx, int argc, char **argv);

/*
 * cli_proc_option - apply one proc option (--offset, --count,
 * --max-reclaims, --reclaim-timeout, --on-max-reclaims) at argv[*i] to
 * *opts, as cli_option() matches it (cli_proc.c).
 * Returns 0 when it was one, -1 when argv[*i] is no such option, or an
 * exit status (already reported) when its value is missing or malformed.
 */
int cli_proc_option(struct cli_ctx *ctx, int argc, char **argv, int *i,
    pp_proc_opts *opts);

/* cli_proc_admin_print_json - a proc's state as one JSON object line, as
 * `inspect` prints it (cli_proc_admin.c). */
void cli_proc_admin_print_json(const pp_proc_info *info);

/* Output formats (cli_print.c); all write to stdout. */

/* cli_print_log - one log: "ID<TAB>BODY\n", or a JSON object line. */
void cli_print_log(const pp_log *log, bool is_json);

/* cli_print_stat - a topic's statistics as one JSON object line. */
void cli_print_stat(const pp_topic_info *info);

/* cli_print_topic - "NAME<TAB>COUNT<TAB>BYTES<TAB>FIRST<TAB>LAST\n". */
void cli_print_topic(const pp_topic_info *info);

/* cli_print_id - an id and a newline. */
void cli_print_id(pp_id id);

/*
 * cli_print_json_string - `len` bytes at `data` as a JSON string, quotes
 * included, escaped as range --json escapes bodies.
 */
void cli_print_json_string(const void *data, size_t len);

#endif /* PP_CLI_H */
