/*
 * cli_report.c - how the `pipeproc` tool reports: usage errors (one
 * line, pointing at the command's --help, cli_help.c), and failures in
 * the one format scripts parse (pipeproc(1)):
 *
 *     pipeproc: SUBCOMMAND: PP_EXXX: strerror text[: detail]
 *
 * and the check that standard output was written. Every command reports
 * through these, so exit statuses stay 0, 1 (the operation failed) and 2
 * (a bad command line).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int
cli_report_fail(const struct cli_ctx *ctx, int err, const char *fmt, ...)
{
	char    detail[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "pipeproc: %s%s%s: %s%s%s\n",
	    ctx->cmd != NULL ? ctx->cmd : "", ctx->cmd != NULL ? ": " : "",
	    pp_errname(err), pp_strerror(err), detail[0] != '\0' ? ": " : "",
	    detail);
	return CLI_EXIT_FAIL;
}

int
cli_report_usage_error(const struct cli_ctx *ctx, const char *fmt, ...)
{
	char    message[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "pipeproc: %s%s%s (see 'pipeproc %s%s--help')\n",
	    ctx->cmd != NULL ? ctx->cmd : "", ctx->cmd != NULL ? ": " : "",
	    message, ctx->cmd != NULL ? ctx->cmd : "",
	    ctx->cmd != NULL ? " " : "");
	return CLI_EXIT_USAGE;
}

int
cli_report_output(const struct cli_ctx *ctx)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		return cli_report_fail(ctx, PP_EIO,
		    "writing standard output: %s", strerror(errno));
	}
	return CLI_EXIT_OK;
}
