/*
 * cli_proc_admin.c - the administrative side of procs in the `pipeproc`
 * tool, and their output formats:
 *
 *   inspect NAME          the proc's state as one JSON object line
 *   disable NAME          disable it; print its state as inspect does
 *   resume NAME           resume it (reclaims reset); print its state
 *   destroy NAME          destroy it; print its state before the call
 *   procs                 NAME<TAB>TOPIC<TAB>STATUS<TAB>LAG<TAB>CLAIM
 *                         <TAB>RECLAIMS<TAB>LAST_ACKED per proc, in name
 *                         order; a systemProc's proc adds <TAB>
 *                         SYSTEMPROC<TAB>PLUGIN<TAB>LAST_ERROR
 *
 * The JSON object holds every field of pp_proc_info under its C name, in
 * declaration order, the options flattened into it:
 *
 *   {"name":"p","topic":"t","offset":">","last_error":"",
 *    "count":1,"max_reclaims":10,"reclaim_timeout_ms":10000,
 *    "on_max_reclaims":"disable","is_disabled":false,"has_claim":true,
 *    "claim_first":"ID","claim_last":"ID","claim_token":"N",
 *    "claim_deadline_ms":MS,"next_seq":N,"reclaims":N,"created_ms":MS,
 *    "last_claimed_ms":MS,"last_acked_ms":MS,"lag":N,
 *    "oldest_unacked_ms":MS,"oldest_unacked_age_ms":MS,"lost":N,
 *    "has_last_acked":true,"last_acked_first":"ID","last_acked_last":"ID",
 *    "has_prev_claim":true,"prev_claim_first":"ID","prev_claim_last":"ID",
 *    "system_proc":"s","plugin":"/path/p.so"}
 *
 * system_proc and plugin are there only for the procs of a systemProc,
 * so the output for plain procs is what it was before systemProcs.
 *
 * oldest_unacked_age_ms (not a struct field) is how long ago that log was
 * committed, by this machine's clock.
 *
 * Ids are "ms-seq" strings. What the struct marks as absent is null, not
 * a sentinel a script has to know: the claim fields when there is no claim
 * (and the deadline when it is "never"), and the times whose 0 means
 * "never" or "none". max_reclaims and reclaim_timeout_ms keep -1 for
 * "never", the value the options take. In `procs`, STATUS is "active" or
 * "disabled", CLAIM is "FIRST..LAST" or "-", LAST_ACKED the last acked id
 * (the last id of last_acked) or "-"; LAST_ERROR is "-" when
 * there is none, with tabs and line breaks turned into spaces so that a
 * proc stays one line of fixed columns.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "deadline.h"
#include "pipeproc.h"

/* The --on-max-reclaims word for a mode. */
static const char *
mode_name(enum pp_on_max_reclaims mode)
{
	switch (mode) {
	case PP_ON_MAX_DISABLE:
		return "disable";
	case PP_ON_MAX_CONTINUE:
		return "continue";
	case PP_ON_MAX_DEADLETTER:
		return "deadletter";
	}
	return "unknown";
}

/* Write `"key":` and a string value, escaped. */
static void
print_string_field(const char *key, const char *value)
{
	printf("\"%s\":", key);
	cli_print_json_string(value, value != NULL ? strlen(value) : 0);
}

/* Write `"key":"ms-seq"`, or `"key":null` when !is_present. */
static void
print_id_field(const char *key, pp_id id, bool is_present)
{
	char buf[PP_ID_STRLEN];

	if (is_present) {
		printf(",\"%s\":\"%s\"", key, pp_id_format(id, buf));
	} else {
		printf(",\"%s\":null", key);
	}
}

/* Write `"key":N`, or `"key":null` when !is_present. */
static void
print_u64_field(const char *key, uint64_t value, bool is_present)
{
	if (is_present) {
		printf(",\"%s\":%" PRIu64, key, value);
	} else {
		printf(",\"%s\":null", key);
	}
}

void
cli_proc_admin_print_json(const pp_proc_info *info)
{
	uint64_t now_ms = ppi_clock_ms(CLOCK_REALTIME);

	fputc('{', stdout);
	print_string_field("name", info->name);
	fputc(',', stdout);
	print_string_field("topic", info->topic);
	fputc(',', stdout);
	print_string_field("offset", info->offset);
	fputc(',', stdout);
	print_string_field("last_error", info->last_error);
	printf(",\"count\":%" PRIu32 ",\"max_reclaims\":%" PRId32
	       ",\"reclaim_timeout_ms\":%" PRId64 ",\"on_max_reclaims\":\"%s\"",
	    info->opts.count, info->opts.max_reclaims,
	    info->opts.reclaim_timeout_ms,
	    mode_name(info->opts.on_max_reclaims));
	printf(",\"is_disabled\":%s,\"has_claim\":%s",
	    info->is_disabled ? "true" : "false",
	    info->has_claim ? "true" : "false");
	print_id_field("claim_first", info->claim_first, info->has_claim);
	print_id_field("claim_last", info->claim_last, info->has_claim);
	/* A string: 64-bit tokens do not survive a double (jq, issue 13). */
	if (info->has_claim) {
		printf(",\"claim_token\":\"%" PRIu64 "\"", info->claim_token);
	} else {
		fputs(",\"claim_token\":null", stdout);
	}
	print_u64_field("claim_deadline_ms", info->claim_deadline_ms,
	    info->has_claim && info->claim_deadline_ms != 0);
	printf(",\"next_seq\":%" PRIu64 ",\"reclaims\":%" PRIu32
	       ",\"created_ms\":%" PRIu64,
	    info->next_seq, info->reclaims, info->created_ms);
	print_u64_field("last_claimed_ms", info->last_claimed_ms,
	    info->last_claimed_ms != 0);
	print_u64_field(
	    "last_acked_ms", info->last_acked_ms, info->last_acked_ms != 0);
	printf(",\"lag\":%" PRIu64, info->lag);
	print_u64_field("oldest_unacked_ms", info->oldest_unacked_ms,
	    info->oldest_unacked_ms != 0);
	print_u64_field("oldest_unacked_age_ms",
	    now_ms > info->oldest_unacked_ms ? now_ms - info->oldest_unacked_ms
	                                     : 0,
	    info->oldest_unacked_ms != 0);
	printf(",\"lost\":%" PRIu64, info->lost);
	printf(",\"has_last_acked\":%s",
	    info->has_last_acked ? "true" : "false");
	print_id_field(
	    "last_acked_first", info->last_acked_first, info->has_last_acked);
	print_id_field(
	    "last_acked_last", info->last_acked_last, info->has_last_acked);
	printf(",\"has_prev_claim\":%s",
	    info->has_prev_claim ? "true" : "false");
	print_id_field(
	    "prev_claim_first", info->prev_claim_first, info->has_prev_claim);
	print_id_field(
	    "prev_claim_last", info->prev_claim_last, info->has_prev_claim);
	if (info->system_proc != NULL && info->system_proc[0] != '\0') {
		fputc(',', stdout);
		print_string_field("system_proc", info->system_proc);
		fputc(',', stdout);
		print_string_field("plugin", info->plugin);
	}
	fputs("}\n", stdout);
}

/* Write `text` as one column: "-" when empty, control characters (tabs
 * and line breaks included) as spaces. */
static void
print_column(const char *text)
{
	const unsigned char *p;

	if (text == NULL || text[0] == '\0') {
		fputc('-', stdout);
		return;
	}
	for (p = (const unsigned char *)text; *p != '\0'; p++) {
		fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, stdout);
	}
}

/* Print a proc as one `procs` line (see the file comment). */
static void
print_proc_line(const pp_proc_info *info)
{
	char first[PP_ID_STRLEN];
	char last[PP_ID_STRLEN];

	printf("%s\t%s\t%s\t%" PRIu64 "\t", info->name, info->topic,
	    info->is_disabled ? "disabled" : "active", info->lag);
	if (info->has_claim) {
		printf("%s..%s", pp_id_format(info->claim_first, first),
		    pp_id_format(info->claim_last, last));
	} else {
		fputc('-', stdout);
	}
	printf("\t%" PRIu32, info->reclaims);
	if (info->has_last_acked) {
		printf("\t%s", pp_id_format(info->last_acked_last, last));
	} else {
		fputs("\t-", stdout);
	}
	if (info->system_proc != NULL && info->system_proc[0] != '\0') {
		fputc('\t', stdout);
		print_column(info->system_proc);
		fputc('\t', stdout);
		print_column(info->plugin);
		fputc('\t', stdout);
		print_column(info->last_error);
	}
	fputc('\n', stdout);
}

/*
 * Run one call that returns a proc's state in a one-element list on the
 * proc named by the command line, and print that state as JSON.
 */
static int
run_state_call(struct cli_ctx *ctx, int argc, char **argv,
    int (*call)(pp_client *, const char *, pp_proc_list **))
{
	const char   *name = NULL;
	pp_client    *client;
	pp_proc_list *list;
	size_t        k;
	int           status;
	int           rv;

	if ((status = cli_opts_word(ctx, argc, argv, NULL, NULL, "NAME", &name))
	    != 0) {
		return status;
	}
	if ((status = cli_connect_open(ctx, &client)) != 0) {
		return status;
	}
	if ((rv = call(client, name, &list)) != 0) {
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
cli_proc_admin_inspect(struct cli_ctx *ctx, int argc, char **argv)
{
	return run_state_call(ctx, argc, argv, pp_proc_inspect);
}

int
cli_proc_admin_change(struct cli_ctx *ctx, int argc, char **argv)
{
	if (strcmp(argv[0], "disable") == 0) {
		return run_state_call(ctx, argc, argv, pp_proc_disable);
	}
	if (strcmp(argv[0], "resume") == 0) {
		return run_state_call(ctx, argc, argv, pp_proc_resume);
	}
	return run_state_call(ctx, argc, argv, pp_proc_destroy);
}

/* procs --json: one object per proc, as inspect prints it. */
static bool is_procs_json;

static int
print_procs(struct cli_ctx *ctx, pp_client *client)
{
	pp_proc_list *list;
	size_t        k;
	int           rv;

	if ((rv = pp_procs(client, &list)) != 0) {
		return cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client));
	}
	for (k = 0; k < pp_proc_list_count(list); k++) {
		if (is_procs_json) {
			cli_proc_admin_print_json(pp_proc_list_get(list, k));
		} else {
			print_proc_line(pp_proc_list_get(list, k));
		}
	}
	pp_proc_list_free(list);
	return cli_report_output(ctx);
}

int
cli_proc_admin_procs(struct cli_ctx *ctx, int argc, char **argv)
{
	static const cli_opt opts[] = {
		{ "--json", false, cli_opts_flag, &is_procs_json },
		{ NULL, false, NULL, NULL },
	};

	return cli_connect_run(ctx, argc, argv, opts, print_procs);
}
