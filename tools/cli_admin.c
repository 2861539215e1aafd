/*
 * cli_admin.c - store administration: `pipeproc topic-delete TOPIC
 * [--force]` and `pipeproc backup DIR`.
 */
#include <string.h>

#include "cli.h"

/* Runs one call that takes a single argument and prints nothing. */
static int
run_one(struct cli_ctx *ctx, const char *arg,
    int (*call)(pp_client *, const char *, bool), bool is_force)
{
	pp_client *client;
	int        status, rv;

	if ((status = cli_connect(ctx, &client)) != 0) {
		return status;
	}
	rv     = call(client, arg, is_force);
	status = rv != 0 ? cli_fail(ctx, rv, "%s", pp_client_errmsg(client))
	                 : 0;
	pp_close(client);
	return status;
}

int
cli_admin_topic_delete(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *topic    = NULL;
	bool        is_force = false;
	int         i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0) {
			is_force = true;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error(
			    ctx, "unknown option '%s'", argv[i]);
		} else if (topic == NULL) {
			topic = argv[i];
		} else {
			return cli_usage_error(
			    ctx, "unexpected argument '%s'", argv[i]);
		}
	}
	if (topic == NULL) {
		return cli_usage_error(ctx, "missing TOPIC");
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
		return cli_usage_error(ctx, "usage: backup DIR");
	}
	return run_one(ctx, argv[1], backup, false);
}
