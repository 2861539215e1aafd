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
 *                         SYSTEMPROC<TAB>PLUGIN<TAB>LAST_ERROR; then
 *                         NAME<TAB>TOPIC<TAB>source<TAB>LAG<TAB>
 *                         UPSTREAM<TAB>STORED<TAB>AGE<TAB>PRODUCER
 *                         <TAB>PLUGIN per source (pp_sources())
 *
 * The JSON object holds every field of pp_proc_info under its C name
 * (lib/json.c describes it; the node's GET /procs/NAME serves the same
 * object). In `procs`, STATUS is "active" or
 * "disabled", CLAIM is "FIRST..LAST" or "-", LAST_ACKED the last acked id
 * (the last id of last_acked) or "-"; LAST_ERROR is "-" when
 * there is none, with tabs and line breaks turned into spaces so that a
 * proc stays one line of fixed columns. A source's LAG is "unknown" (and
 * UPSTREAM, STORED, AGE and PRODUCER "-") before the node has its first
 * report; AGE is how old the report is, like "350ms". With --json a
 * source is the object of ppi_json_source ("kind":"source").
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "deadline.h"
#include "json.h"
#include "pipeproc.h"

void
cli_proc_admin_print_json(const pp_proc_info *info)
{
	ppi_buf b;

	ppi_buf_init(&b);
	ppi_json_proc(&b, info, ppi_clock_ms(CLOCK_REALTIME));
	ppi_buf_append(&b, "\n", 1);
	fwrite(b.data, 1, b.len, stdout);
	ppi_buf_fini(&b);
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

/* Print a source as one `procs` line (see the file comment). */
static void
print_source_line(const pp_source_info *src)
{
	printf("%s\t%s\tsource\t", src->name, src->topic);
	if (src->has_report) {
		printf("%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64
		       "ms\t",
		    src->lag, src->upstream_seq, src->stored_seq,
		    src->report_age_ms);
	} else {
		fputs("unknown\t-\t-\t-\t", stdout);
	}
	print_column(src->producer);
	fputc('\t', stdout);
	print_column(src->plugin);
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
	pp_proc_list   *list;
	pp_source_list *sources = NULL;
	ppi_buf         b;
	size_t          k;
	int             rv;

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
	/* A node older than source reports has none to list. */
	if ((rv = pp_sources(client, &sources)) != 0 && rv != PP_EPROTO) {
		return cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client));
	}
	for (k = 0; k < pp_source_list_count(sources); k++) {
		if (is_procs_json) {
			ppi_buf_init(&b);
			ppi_json_source(&b, pp_source_list_get(sources, k));
			ppi_buf_append(&b, "\n", 1);
			fwrite(b.data, 1, b.len, stdout);
			ppi_buf_fini(&b);
		} else {
			print_source_line(pp_source_list_get(sources, k));
		}
	}
	pp_source_list_free(sources);
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
