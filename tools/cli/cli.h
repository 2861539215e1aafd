/*
 * cli.h - declarations shared by the files of the `pipeproc` command-line
 * tool: the context built from the global options, the exit statuses,
 * the floor every command stands on (the option parser, cli_opts.c;
 * reaching the node, cli_connect.c; reporting, cli_report.c; help texts,
 * cli_help.c; output formats, cli_print.c) and one entry point per
 * subcommand (cli_node.c, cli_commit.c, cli_read.c, cli_proc.c,
 * cli_proc_admin.c, cli_tail.c, cli_wait.c, cli_admin.c, cli_stats.c,
 * cli_system.c, cli_producer.c, cli_replay.c), which main() (cli.c)
 * dispatches to. The tool uses only the public API of
 * libpipeproc plus the address helpers of lib/address.h.
 */
#ifndef PP_CLI_H
#define PP_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "pipeproc.h"

/* Exit statuses (pipeproc(1)). */
#define CLI_EXIT_OK    0
#define CLI_EXIT_FAIL  1 /* the operation failed; one line on stderr */
#define CLI_EXIT_USAGE 2 /* bad command line; one line on stderr */
/* Not an exit status: a command's help was printed (-h, --help), so the
 * command stops there; main() exits with CLI_EXIT_OK. */
#define CLI_EXIT_HELP (-1)

/* Longest address the tool builds itself (ipc:// plus a socket path). */
#define CLI_ADDRESS_MAX 512

/* What the global options say; filled by main() in cli.c. */
struct cli_ctx {
	const char *cmd;            /* subcommand name, for messages */
	const char *address_opt;    /* -a ADDRESS, or NULL */
	const char *namespace_name; /* -n NAMESPACE, or "default" */
	char address[CLI_ADDRESS_MAX]; /* resolved by cli_connect_address */
	/* Remote nodes: --tls-ca/--tls-cert/--tls-key (else $PIPEPROC_TLS_CA,
	 * ...), --token-file (else $PIPEPROC_TOKEN_FILE, else the token in
	 * $PIPEPROC_TOKEN), --insecure-tcp. */
	const char *tls_ca, *tls_cert, *tls_key, *token_file;
	bool        is_insecure_tcp;
	bool        is_root_node_allowed; /* --allow-root-node */
	const char *data_dir_opt; /* -d DIR: attach (pp_attach), or NULL */
};

/* ---- cli_opts.c: the option parser ---------------------------------- */

struct cli_opt;

/*
 * What to do with an option: value is NULL for a flag. Returns 0, or an
 * exit status (already reported), which stops the parse.
 */
typedef int (*cli_opt_fn)(struct cli_ctx *ctx, const struct cli_opt *opt,
    const char *value, void *dst);

/* One option of a command; a table of them ends with a NULL name. */
typedef struct cli_opt {
	const char *name;      /* "--json", "-f" */
	bool        has_value; /* "--name VALUE" or "--name=VALUE" */
	cli_opt_fn  set;
	void       *dst; /* set's destination */
} cli_opt;

/* What a command line holds, for cli_opts_parse(). */
typedef struct cli_args {
	const cli_opt *opts[2];   /* one or two tables (NULL: none) */
	const char   **words;     /* bare words go here, in order, ... */
	int            max_words; /* ... at most this many */
	/* ... or to this, instead (words NULL); a non-zero return is an
	 * exit status and stops the parse */
	int (*word)(struct cli_ctx *ctx, struct cli_args *a, const char *w);
	void          *arg;             /* for word */
	bool           is_stop_at_word; /* leave the first word and the rest */
	int            nwords;          /* out */
	int            next;            /* out: the first argument left */
	const cli_opt *last; /* the last option seen; NULL after "--" */
} cli_args;

/*
 * cli_opts_parse - walk argv[1..argc) once: options from a's tables,
 * "--" (the rest are words), and bare words. An unknown option, a
 * missing value and a word beyond max_words are usage errors; -h and
 * --help (before "--") print the command's help and return
 * CLI_EXIT_HELP. Returns 0 or an exit status (already reported).
 */
int cli_opts_parse(struct cli_ctx *ctx, int argc, char **argv, cli_args *a);

/* Setters for cli_opt: a flag (*(bool *)dst = true) and a string
 * (*(const char **)dst = value). */
int cli_opts_flag(
    struct cli_ctx *ctx, const cli_opt *opt, const char *value, void *dst);
int cli_opts_str(
    struct cli_ctx *ctx, const cli_opt *opt, const char *value, void *dst);

/*
 * cli_opts_value - match argv[*i] against the option `name` that takes a
 * value, as "--name VALUE" or "--name=VALUE".
 * Returns 1 with *value set (and *i advanced past a separate value), 0
 * when argv[*i] is another word, or -1 when the value is missing.
 */
int cli_opts_value(
    int argc, char **argv, int *i, const char *name, const char **value);

/*
 * cli_opts_word - the command line of most commands: options from the
 * tables opts and more (either may be NULL) and exactly one bare word;
 * `what` names the word when it is missing. Returns 0 with *word set, or
 * an exit status (already reported).
 */
int cli_opts_word(struct cli_ctx *ctx, int argc, char **argv,
    const cli_opt *opts, const cli_opt *more, const char *what,
    const char **word);

/* cli_opts_is_option - true for an option word: "-x", not "-" alone. */
bool cli_opts_is_option(const char *arg);

/* cli_opts_is_help - true for "-h" and "--help". */
bool cli_opts_is_help(const char *arg);

/* ---- cli_connect.c: reaching the node --------------------------------- */

/*
 * cli_connect_address - the node address: -a, else $PIPEPROC_ADDRESS,
 * else the default address of the namespace. On success *address points
 * into ctx. Returns 0, or PP_EINVAL / PP_EADDR (already reported on
 * stderr).
 */
int cli_connect_address(struct cli_ctx *ctx, const char **address);

/*
 * cli_connect_open - resolve the address and connect to the node.
 * Returns 0 with *client set, or an exit status (error already reported).
 */
int cli_connect_open(struct cli_ctx *ctx, pp_client **client);

/*
 * cli_connect_run - the body of a command without words (procs, topics,
 * stats): parse the options of `opts` (may be NULL), refuse words,
 * connect, run fn with the client, close. Returns fn's exit status, or
 * the usage/connect failure.
 */
int cli_connect_run(struct cli_ctx *ctx, int argc, char **argv,
    const cli_opt *opts, int (*fn)(struct cli_ctx *ctx, pp_client *client));

/* ---- cli_report.c: usage, failures, output ---------------------------- */

/*
 * cli_report_fail - print "pipeproc: CMD: PP_EXXX: text[: detail]" on
 * stderr, where detail is printf(fmt, ...) and is left out when empty.
 * Returns CLI_EXIT_FAIL.
 */
int cli_report_fail(const struct cli_ctx *ctx, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * cli_report_usage_error - print one line on stderr, "pipeproc: CMD:
 * message (see 'pipeproc CMD --help')". Returns CLI_EXIT_USAGE.
 */
int cli_report_usage_error(const struct cli_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- cli_help.c: the help texts --------------------------------------- */

/*
 * cli_help_print - the help of command `cmd` (its synopsis and
 * paragraph), or with cmd NULL the whole usage text, on `out`. Returns
 * false (printing nothing) when there is no command `cmd`.
 */
bool cli_help_print(FILE *out, const char *cmd);

/*
 * cli_report_output - flush stdout and report a write error.
 * Returns CLI_EXIT_OK or CLI_EXIT_FAIL.
 */
int cli_report_output(const struct cli_ctx *ctx);

/* Subcommands. Each returns the exit status. argv[0] is the subcommand. */
int cli_node_run(struct cli_ctx *ctx, int argc, char **argv);
int cli_node_shutdown(struct cli_ctx *ctx, int argc, char **argv);
int cli_commit_run(struct cli_ctx *ctx, int argc, char **argv);
int cli_producer_run(struct cli_ctx *ctx, int argc, char **argv);
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
int cli_replay_run(struct cli_ctx *ctx, int argc, char **argv);

/* The number of proc options (--offset, --count, --max-reclaims,
 * --reclaim-timeout, --on-max-reclaims), shared by proc and system-proc. */
#define CLI_PROC_OPTS 5

/*
 * cli_proc_opts_table - the proc options as a cli_opt table writing into
 * *opts; t has room for CLI_PROC_OPTS + 1 entries (cli_proc.c).
 */
void cli_proc_opts_table(pp_proc_opts *opts, cli_opt *t);

/* cli_proc_admin_print_json - a proc's state as one JSON object line, as
 * `inspect` prints it (cli_proc_admin.c). */
void cli_proc_admin_print_json(const pp_proc_info *info);

/* Output formats (cli_print.c); all write to stdout. */

/* How logs are printed: range, revrange, tail and proc. */
typedef struct cli_log_format {
	bool is_json;       /* --json: one object per line */
	bool is_base64;     /* --base64: JSON bodies in base64 */
	bool is_deadletter; /* decode dead-letter envelopes */
} cli_log_format;

/* cli_print_format_init - set what follows from the topic read: its dead
 * letters are decoded when its name ends in ".dead". */
void cli_print_format_init(cli_log_format *fmt, const char *topic);

/* cli_print_log - one log: "ID<TAB>BODY\n" (escaped), a dead letter's
 * fields, or a JSON object line (cli_print.c). */
void cli_print_log(const pp_log *log, const cli_log_format *fmt);

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
