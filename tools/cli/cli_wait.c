/*
 * cli_wait.c - `pipeproc wait [NAME...] [--timeout MS]`: wait until the
 * named procs (or every active proc) have acked everything in their
 * topics. Exit 0 when they have, 1 with PP_ETIMEDOUT when the time ran
 * out first.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define WAIT_NAMES_MAX 64

int
cli_wait_run(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *names[WAIT_NAMES_MAX];
	const char *value;
	pp_client  *client;
	char       *end;
	long        timeout_ms = -1;
	size_t      n          = 0;
	int         i, status, rv;

	for (i = 1; i < argc; i++) {
		if ((rv = cli_option(argc, argv, &i, "--timeout", &value)) < 0) {
			return cli_usage_error(ctx, "--timeout needs MS");
		}
		if (rv == 1) {
			timeout_ms = strtol(value, &end, 10);
			if (*value == '\0' || *end != '\0' || timeout_ms < -1 ||
			    timeout_ms > 0x7fffffffL) {
				return cli_fail(ctx, PP_EINVAL,
				    "--timeout must be -1 or a number of ms");
			}
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error(
			    ctx, "unknown option '%s'", argv[i]);
		} else if (n == WAIT_NAMES_MAX) {
			return cli_usage_error(
			    ctx, "at most %d names", WAIT_NAMES_MAX);
		} else {
			names[n++] = argv[i];
		}
	}
	if ((status = cli_connect(ctx, &client)) != 0) {
		return status;
	}
	rv = pp_wait_for_procs(
	    client, n > 0 ? names : NULL, n, (int) timeout_ms);
	status = rv != 0 ? cli_fail(ctx, rv, "%s", pp_client_errmsg(client))
	                 : 0;
	pp_close(client);
	return status;
}
