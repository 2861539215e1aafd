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

/* The list a topic goes to. */
enum system_list { LIST_FROM, LIST_TO };

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
		return cli_report_fail(ctx, PP_EINVALID_OPTION,
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

/* --from and --to: the first topic of a list (dst: the system_args). */
static int
set_from(struct cli_ctx *ctx, const cli_opt *opt, const char *value, void *dst)
{
	(void)opt;
	return add_topic(ctx, dst, LIST_FROM, value);
}

static int
set_to(struct cli_ctx *ctx, const cli_opt *opt, const char *value, void *dst)
{
	(void)opt;
	return add_topic(ctx, dst, LIST_TO, value);
}

/*
 * A bare word: the next topic of --from or --to when one of them was the
 * last option (and no "--" came since), else the NAME.
 */
static int
system_word(struct cli_ctx *ctx, cli_args *a, const char *w)
{
	struct system_args *sa = a->arg;

	if (a->last != NULL && a->last->set == set_from) {
		return add_topic(ctx, sa, LIST_FROM, w);
	}
	if (a->last != NULL && a->last->set == set_to) {
		return add_topic(ctx, sa, LIST_TO, w);
	}
	if (sa->name != NULL) {
		return cli_report_usage_error(
		    ctx, "unexpected argument '%s'", w);
	}
	sa->name = w;
	return 0;
}

/*
 * Parse the arguments of `system-proc` into *sa.
 * Returns 0 or an exit status (already reported).
 */
static int
system_parse(struct cli_ctx *ctx, int argc, char **argv, struct system_args *sa)
{
	const pp_proc_opts init = PP_PROC_OPTS_INIT;
	cli_opt            proc_opts[CLI_PROC_OPTS + 1];
	const cli_opt      opts[] = {
		{ "--from", true, set_from, sa },
		{ "--to", true, set_to, sa },
		{ "--plugin", true, cli_opts_str, &sa->opts.plugin },
		{ "--config", true, cli_opts_str, &sa->opts.config },
		{ NULL, false, NULL, NULL },
	};
	cli_args           a;
	int                status;

	memset(sa, 0, sizeof(*sa));
	memset(&a, 0, sizeof(a));
	sa->opts.from = sa->from;
	sa->opts.to = sa->to;
	sa->opts.proc = init;
	cli_proc_opts_table(&sa->opts.proc, proc_opts);
	a.opts[0] = opts;
	a.opts[1] = proc_opts;
	a.word = system_word;
	a.arg = sa;
	if ((status = cli_opts_parse(ctx, argc, argv, &a)) != 0) {
		return status;
	}
	if (sa->name == NULL) {
		return cli_report_usage_error(ctx, "missing NAME");
	}
	if (sa->opts.nfrom == 0) {
		return cli_report_usage_error(ctx, "missing --from TOPIC");
	}
	if (sa->opts.plugin == NULL) {
		return cli_report_usage_error(ctx, "missing --plugin PATH");
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
	if ((status = cli_connect_open(ctx, &client)) != 0) {
		return status;
	}
	if ((rv = pp_system_proc(client, sa.name, &sa.opts, &list)) != 0) {
		status
		    = cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client));
	} else {
		for (k = 0; k < pp_proc_list_count(list); k++) {
			cli_proc_admin_print_json(pp_proc_list_get(list, k));
		}
		pp_proc_list_free(list);
		status = cli_report_output(ctx);
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

	if ((status = cli_opts_word(ctx, argc, argv, NULL, NULL, "NAME", &name))
	    != 0) {
		return status;
	}
	if ((status = cli_connect_open(ctx, &client)) != 0) {
		return status;
	}
	if ((rv = pp_system_proc_destroy(client, name)) != 0) {
		status
		    = cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client));
	} else {
		status = cli_report_output(ctx);
	}
	pp_close(client);
	return status;
}
