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

int
cli_admin_topic_config(struct cli_ctx *ctx, int argc, char **argv)
{
	static const char *const names[3] = { "--max-age", "--max-count",
		"--max-bytes" };
	uint64_t    limits[3] = { 0, 0, 0 };
	const char *topic     = NULL, *value;
	pp_client  *client;
	char       *end;
	int         i, j, rv, status;

	for (i = 1; i < argc; i++) {
		for (j = 0; j < 3; j++) {
			if ((rv = cli_option(argc, argv, &i, names[j], &value)) <
			    0) {
				return cli_usage_error(
				    ctx, "%s needs a value", names[j]);
			}
			if (rv == 1) {
				limits[j] = strtoull(value, &end, 10);
				if (*value < '0' || *value > '9' || *end != '\0') {
					return cli_fail(ctx, PP_EINVAL,
					    "%s must be a number", names[j]);
				}
				break;
			}
		}
		if (j < 3) {
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error(
			    ctx, "unknown option '%s'", argv[i]);
		}
		if (topic != NULL) {
			return cli_usage_error(
			    ctx, "unexpected argument '%s'", argv[i]);
		}
		topic = argv[i];
	}
	if (topic == NULL) {
		return cli_usage_error(ctx, "missing TOPIC");
	}
	if ((status = cli_connect(ctx, &client)) != 0) {
		return status;
	}
	rv = pp_topic_config(client, topic, limits[0], limits[1], limits[2]);
	status = rv != 0 ? cli_fail(ctx, rv, "%s", pp_client_errmsg(client))
	                 : 0;
	pp_close(client);
	return status;
}
