/*
 * cli_source.c - sources from the command line:
 *
 *   source NAME --to TOPIC [--to TOPIC...] --plugin PATH [--config STRING]
 *   source-destroy NAME
 *
 * `source` makes one pp_source() call and prints nothing on success:
 * the node's workers start running the plugin's source() at once. A
 * plugin the node cannot load as a source, or whose init refuses the
 * config (the jetstream plugin: a stream or consumer it cannot use), is
 * PP_EPLUGIN with the reason, exit status 1 (pipeproc(1)).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pipeproc.h"

/* The most `to` topics a source may have (pp_source_opts). */
#define SOURCE_TOPICS_MAX 16

struct source_args {
	const char    *to[SOURCE_TOPICS_MAX];
	pp_source_opts opts;
};

/* --to: one more topic (dst: the source_args). */
static int
set_to(struct cli_ctx *ctx, const cli_opt *opt, const char *value, void *dst)
{
	struct source_args *sa = dst;

	(void)opt;
	if (sa->opts.nto == SOURCE_TOPICS_MAX) {
		return cli_report_fail(ctx, PP_EINVALID_OPTION,
		    "at most %d --to topics", SOURCE_TOPICS_MAX);
	}
	sa->to[sa->opts.nto++] = value;
	return 0;
}

int
cli_source_run(struct cli_ctx *ctx, int argc, char **argv)
{
	struct source_args sa;
	const cli_opt      opts[] = {
		{ "--to", true, set_to, &sa },
		{ "--plugin", true, cli_opts_str, &sa.opts.plugin },
		{ "--config", true, cli_opts_str, &sa.opts.config },
		{ NULL, false, NULL, NULL },
	};
	const char *name = NULL;
	pp_client  *client;
	int         status, rv;

	memset(&sa, 0, sizeof(sa));
	sa.opts.to = sa.to;
	if ((status = cli_opts_word(ctx, argc, argv, opts, NULL, "NAME",
	         &name)) != 0) {
		return status;
	}
	if (sa.opts.nto == 0) {
		return cli_report_usage_error(ctx, "missing --to TOPIC");
	}
	if (sa.opts.plugin == NULL) {
		return cli_report_usage_error(ctx, "missing --plugin PATH");
	}
	if ((status = cli_connect_open(ctx, &client)) != 0) {
		return status;
	}
	if ((rv = pp_source(client, name, &sa.opts)) != 0) {
		status
		    = cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client));
	} else {
		status = cli_report_output(ctx);
	}
	pp_close(client);
	return status;
}

int
cli_source_destroy(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *name = NULL;
	pp_client  *client;
	int         status, rv;

	if ((status = cli_opts_word(ctx, argc, argv, NULL, NULL, "NAME",
	         &name)) != 0) {
		return status;
	}
	if ((status = cli_connect_open(ctx, &client)) != 0) {
		return status;
	}
	if ((rv = pp_source_destroy(client, name)) != 0) {
		status
		    = cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client));
	} else {
		status = cli_report_output(ctx);
	}
	pp_close(client);
	return status;
}
