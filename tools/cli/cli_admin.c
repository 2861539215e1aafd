/*
 * cli_admin.c - store administration: `pipeproc topic-config TOPIC
 * [--max-age MS] [--max-count N] [--max-bytes N]` (0: no limit),
 * `pipeproc topic-delete TOPIC [--force]` and `pipeproc backup DIR`.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Runs one call that takes a single argument and prints nothing. */
static int
run_one(struct cli_ctx *ctx, const char *arg,
    int (*call)(pp_client *, const char *, bool), bool is_force)
{
	pp_client *client;
	int        status, rv;

	if ((status = cli_connect_open(ctx, &client)) != 0) {
		return status;
	}
	rv     = call(client, arg, is_force);
	status = rv != 0
	    ? cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client))
	    : 0;
	pp_close(client);
	return status;
}

int
cli_admin_topic_delete(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *topic    = NULL;
	bool        is_force = false;
	cli_opt     opts[] = {
		{ "--force", false, cli_opts_flag, &is_force },
		{ NULL, false, NULL, NULL },
	};
	int         status;

	if ((status
	        = cli_opts_word(ctx, argc, argv, opts, NULL, "TOPIC", &topic))
	    != 0) {
		return status;
	}
	return run_one(ctx, topic, pp_topic_delete, is_force);
}

/* pp_backup has no flag; this adapts it to run_one. */
static int
backup(pp_client *client, const char *dir, bool is_unused)
{
	(void) is_unused;
	return pp_backup(client, dir);
}

int
cli_admin_backup(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		return cli_report_usage_error(ctx, "usage: backup DIR");
	}
	return run_one(ctx, argv[1], backup, false);
}

/* --max-age, --max-count, --max-bytes: an unsigned number. */
static int
set_limit(struct cli_ctx *ctx, const cli_opt *opt, const char *value, void *dst)
{
	char *end;

	*(uint64_t *)dst = strtoull(value, &end, 10);
	if (*value < '0' || *value > '9' || *end != '\0') {
		return cli_report_fail(
		    ctx, PP_EINVAL, "%s must be a number", opt->name);
	}
	return 0;
}

int
cli_admin_topic_config(struct cli_ctx *ctx, int argc, char **argv)
{
	uint64_t    limits[3] = { 0, 0, 0 };
	const char *topic = NULL;
	cli_opt     opts[] = {
		{ "--max-age", true, set_limit, &limits[0] },
		{ "--max-count", true, set_limit, &limits[1] },
		{ "--max-bytes", true, set_limit, &limits[2] },
		{ NULL, false, NULL, NULL },
	};
	pp_client *client;
	int        rv, status;

	if ((status
	        = cli_opts_word(ctx, argc, argv, opts, NULL, "TOPIC", &topic))
	    != 0) {
		return status;
	}
	if ((status = cli_connect_open(ctx, &client)) != 0) {
		return status;
	}
	rv = pp_topic_config(client, topic, limits[0], limits[1], limits[2]);
	status = rv != 0
	    ? cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client))
	    : 0;
	pp_close(client);
	return status;
}
