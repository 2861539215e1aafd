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

/* --timeout: -1 or a number of ms. */
static int
set_timeout(
    struct cli_ctx *ctx, const cli_opt *opt, const char *value, void *dst)
{
	long *timeout_ms = dst;
	char *end;

	(void)opt;
	*timeout_ms = strtol(value, &end, 10);
	if (*value == '\0' || *end != '\0' || *timeout_ms < -1
	    || *timeout_ms > 0x7fffffffL) {
		return cli_report_fail(
		    ctx, PP_EINVAL, "--timeout must be -1 or a number of ms");
	}
	return 0;
}

int
cli_wait_run(struct cli_ctx *ctx, int argc, char **argv)
{
	/* One name more than allowed, to tell that there were too many. */
	const char *names[WAIT_NAMES_MAX + 1];
	long        timeout_ms = -1;
	cli_opt     opts[] = {
		{ "--timeout", true, set_timeout, &timeout_ms },
		{ NULL, false, NULL, NULL },
	};
	pp_client *client;
	cli_args   a;
	size_t     n;
	int        status, rv;

	memset(&a, 0, sizeof(a));
	a.opts[0] = opts;
	a.words = names;
	a.max_words = WAIT_NAMES_MAX + 1;
	if ((status = cli_opts_parse(ctx, argc, argv, &a)) != 0) {
		return status;
	}
	if ((n = (size_t)a.nwords) > WAIT_NAMES_MAX) {
		return cli_report_usage_error(
		    ctx, "at most %d names", WAIT_NAMES_MAX);
	}
	if ((status = cli_connect_open(ctx, &client)) != 0) {
		return status;
	}
	rv = pp_wait_for_procs(
	    client, n > 0 ? names : NULL, n, (int) timeout_ms);
	status = rv != 0
	    ? cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client))
	    : 0;
	pp_close(client);
	return status;
}
