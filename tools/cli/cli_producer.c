/*
 * cli_producer.c - `pipeproc producer KEY`: what the node remembers of an
 * idempotent producer's key (pp_producer()), as one JSON object:
 * {"key":"KEY","last_seq":N,"updated_ms":MS}; last_seq 0 for a key the
 * node does not know (never used, or idle past its dedupe window).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int
cli_producer_run(struct cli_ctx *ctx, int argc, char **argv)
{
	pp_producer_info info;
	const char      *key;
	pp_client       *client;
	int              status, rv;

	if ((status = cli_opts_word(ctx, argc, argv, NULL, NULL, "KEY", &key)) !=
	    0) {
		return status;
	}
	if ((status = cli_connect_open(ctx, &client)) != 0) {
		return status;
	}
	if ((rv = pp_producer(client, key, &info)) != 0) {
		status = cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client));
	} else {
		printf("{\"key\":");
		cli_print_json_string(key, strlen(key));
		printf(",\"last_seq\":%" PRIu64 ",\"updated_ms\":%" PRIu64 "}\n",
		    info.last_seq, info.updated_ms);
		status = cli_report_output(ctx);
	}
	pp_close(client);
	return status;
}
