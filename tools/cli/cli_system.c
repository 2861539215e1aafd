/*
 * cli_system.c - systemProcs from the command line:
 *
 *   system-proc NAME --from TOPIC... [--to TOPIC...] --plugin PATH
 *        [--config STRING] [--offset OFF] [--count N] [--max-reclaims N]
 *        [--reclaim-timeout MS]
 *        [--on-max-reclaims disable|continue|deadletter]
 *   system-proc-destroy NAME
 *
 * `system-proc` makes one pp_system_proc() call and prints the state of
 * each of its procs (one per `from` topic, in `from` order) as `inspect`
 * prints a proc: one JSON object line, with "system_proc" and "plugin".
 * Creating the same systemProc again prints the existing procs; a
 * different one under the same name is PP_EPROC_EXISTS, and a plugin the
 * node cannot load or whose init() refuses the config is PP_EPLUGIN with
 * the reason, both with exit status 1 (pipeproc(1)).
 *
 * --from and --to take one topic each and may be repeated; the words
 * after one of them that are not options are more topics of the same
 * list, so `--from a b --to c` and `--from a --from b --to c` are the
 * same. NAME is therefore the first word before any list (or after
 * "--"). The proc options start from PP_PROC_OPTS_INIT, as in `proc`, and
 * are parsed by the same code (cli_proc_option), so they are spelt and
 * checked exactly as there. A relative --plugin is made absolute against
 * this process's working directory by the library (PEER §12.1).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pipeproc.h"

/* The most topics a list may hold (pp_system_proc_opts). */
#define SYSTEM_TOPICS_MAX 16

/* What the command line of `system-proc` asks for. */
struct system_args {
	const char         *name;
	const char         *from[SYSTEM_TOPICS_MAX];
	const char         *to[SYSTEM_TOPICS_MAX];
	pp_system_proc_opts opts;
};

/* The list the bare words after --from or --to go to. */
enum system_list { LIST_NONE, LIST_FROM, LIST_TO };

/* True when `arg` is an option word (not "-"). */
static bool
is_option(const char *arg)
{
	return arg[0] == '-' && arg[1] != '\0';
}

/*
 * Append `topic` to the list `which` of *sa. Returns 0, or an exit status
 * (already reported) when the list is full.
 */
static int
add_topic(struct cli_ctx *ctx, struct system_args *sa, enum system_list which,
    const char *topic)
{
	size_t *n = which == LIST_FROM ? &sa->opts.nfrom : &sa->opts.nto;

	if (*n == SYSTEM_TOPICS_MAX) {
		return cli_fail(ctx, PP_EINVALID_OPTION,
		    "at most %d --%s topics", SYSTEM_TOPICS_MAX,
		    which == LIST_FROM ? "from" : "to");
	}
	if (which == LIST_FROM) {
		sa->from[(*n)++] = topic;
	} else {
		sa->to[(*n)++] = topic;
	}
	return 0;
}

/*
 * Apply the option at argv[*i] to *sa; *list becomes the list that the
 * following bare words extend. Returns 0, or an exit status (already
 * reported).
 */
static int
system_option(struct cli_ctx *ctx, int argc, char **argv, int *i,
    struct system_args *sa, enum system_list *list)
{
	const char *value;
	int         m;
	int         status;

	*list = LIST_NONE;
	if ((m = cli_option(argc, argv, i, "--from", &value)) > 0) {
		*list = LIST_FROM;
		return add_topic(ctx, sa, LIST_FROM, value);
	}
	if (m == 0 && (m = cli_option(argc, argv, i, "--to", &value)) > 0) {
		*list = LIST_TO;
		return add_topic(ctx, sa, LIST_TO, value);
	}
	if (m == 0 && (m = cli_option(argc, argv, i, "--plugin", &value)) > 0) {
		sa->opts.plugin = value;
		return 0;
	}
	if (m == 0 && (m = cli_option(argc, argv, i, "--config", &value)) > 0) {
		sa->opts.config = value;
		return 0;
	}
	if (m < 0) {
		return cli_usage_error(
		    ctx, "option '%s' needs an argument", argv[*i]);
	}
	status = cli_proc_option(ctx, argc, argv, i, &sa->opts.proc);
	if (status < 0) {
		return cli_usage_error(ctx, "unknown option '%s'", argv[*i]);
	}
	return status;
}

/*
 * Parse the arguments of `system-proc` into *sa.
 * Returns 0 or an exit status (already reported).
 */
static int
system_parse(struct cli_ctx *ctx, int argc, char **argv, struct system_args *sa)
{
	const pp_proc_opts init = PP_PROC_OPTS_INIT;
	enum system_list   list = LIST_NONE;
	bool               has_options = true;
	int                status;
	int                i;

	memset(sa, 0, sizeof(*sa));
	sa->opts.from = sa->from;
	sa->opts.to = sa->to;
	sa->opts.proc = init;
	for (i = 1; i < argc; i++) {
		if (has_options && strcmp(argv[i], "--") == 0) {
			has_options = false;
			list = LIST_NONE;
			continue;
		}
		if (has_options && is_option(argv[i])) {
			status = system_option(ctx, argc, argv, &i, sa, &list);
			if (status != 0) {
				return status;
			}
			continue;
		}
		if (list != LIST_NONE) {
			if ((status = add_topic(ctx, sa, list, argv[i])) != 0) {
				return status;
			}
			continue;
		}
		if (sa->name != NULL) {
			return cli_usage_error(
			    ctx, "unexpected argument '%s'", argv[i]);
		}
		sa->name = argv[i];
	}
	if (sa->name == NULL) {
		return cli_usage_error(ctx, "missing NAME");
	}
	if (sa->opts.nfrom == 0) {
		return cli_usage_error(ctx, "missing --from TOPIC");
	}
	if (sa->opts.plugin == NULL) {
		return cli_usage_error(ctx, "missing --plugin PATH");
	}
	return 0;
}

int
cli_system_run(struct cli_ctx *ctx, int argc, char **argv)
{
	struct system_args sa;
	pp_client         *client;
	pp_proc_list      *list;
	size_t             k;
	int                status;
	int                rv;

	if ((status = system_parse(ctx, argc, argv, &sa)) != 0) {
		return status;
	}
	if ((status = cli_connect(ctx, &client)) != 0) {
		return status;
	}
	if ((rv = pp_system_proc(client, sa.name, &sa.opts, &list)) != 0) {
		status = cli_fail(ctx, rv, "%s", pp_client_errmsg(client));
	} else {
		for (k = 0; k < pp_proc_list_count(list); k++) {
			cli_proc_admin_print_json(pp_proc_list_get(list, k));
		}
		pp_proc_list_free(list);
		status = cli_finish_output(ctx);
	}
	pp_close(client);
	return status;
}

int
cli_system_destroy(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *name = NULL;
	pp_client  *client;
	int         status;
	int         rv;
	int         i = 1;

	if (i < argc && strcmp(argv[i], "--") == 0) {
		i++;
	} else if (i < argc && is_option(argv[i])) {
		return cli_usage_error(ctx, "unknown option '%s'", argv[i]);
	}
	if (i >= argc) {
		return cli_usage_error(ctx, "missing NAME");
	}
	if (i + 1 < argc) {
		return cli_usage_error(
		    ctx, "unexpected argument '%s'", argv[i + 1]);
	}
	name = argv[i];
	if ((status = cli_connect(ctx, &client)) != 0) {
		return status;
	}
	if ((rv = pp_system_proc_destroy(client, name)) != 0) {
		status = cli_fail(ctx, rv, "%s", pp_client_errmsg(client));
	} else {
		status = cli_finish_output(ctx);
	}
	pp_close(client);
	return status;
}
