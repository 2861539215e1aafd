/*
 * cli_stats.c - `pipeproc stats`: the node's metrics (pp_stats()) as one
 * JSON object on one line, in the format of pp_stats_json() (node-wide
 * counters, rates, histograms and store size, then "topics", "procs"
 * and "sources"; pipeproc(1) and pp_stats(3) list the keys).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static int
print_stats(struct cli_ctx *ctx, pp_client *client)
{
	pp_stats_report *report = NULL;
	char            *json   = NULL;
	int              status, rv;

	if ((rv = pp_stats(client, &report)) != 0) {
		status
		    = cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client));
	} else if ((rv = pp_stats_json(report, &json)) != 0) {
		status
		    = cli_report_fail(ctx, rv, "%s", "formatting the metrics");
	} else {
		printf("%s\n", json);
		status = cli_report_output(ctx);
	}
	free(json);
	pp_stats_free(report);
	return status;
}

int
cli_stats_run(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_connect_run(ctx, argc, argv, NULL, print_stats);
}
