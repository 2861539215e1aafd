/*
 * cli_report.c - how the `pipeproc` tool reports: the usage text, usage
 * errors, and failures in the one format scripts parse (pipeproc(1)):
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

static const char usage_text[]
    = "usage: pipeproc [-a ADDRESS | -d DIR] [-n NAMESPACE] COMMAND [ARGS]\n"
      "       pipeproc -h | --help | --version\n"
      "\n"
      "commands:\n"
      "  node [--data DIR] [--listen ADDRESS]... [--sync MODE] [--memory]\n"
      "       [--max-body BYTES] [--metrics http://HOST:PORT]\n"
      "       [--workers N] [--worker-concurrency N]\n"
      "       [--worker-restart-after N] [--worker-path PATH]\n"
      "       [--tls-ca FILE --tls-cert FILE --tls-key FILE]\n"
      "       [--token-file FILE | --token-env NAME] [--insecure-tcp]\n"
      "       [--max-connections N] [--auth-timeout MS]\n"
      "      run a node in the foreground; prints \"ready ADDRESS\"\n"
      "  commit [--producer KEY --seq N] [--expect-seq N] TOPIC BODY...\n"
      "      commit the BODY arguments atomically, one log each; with\n"
      "      --producer, a KEY whose last sequence is N or more already\n"
      "      is PP_EDUPLICATE; with --expect-seq, a TOPIC whose next\n"
      "      sequence is not N is PP_ECONFLICT (nothing is committed)\n"
      "  commit TOPIC\n"
      "      commit each line of standard input as one log\n"
      "  range TOPIC [--start X] [--end Y] [--limit N] [--exclusive] "
      "[--json]\n"
      "      print logs in ascending id order, \"ID<TAB>BODY\" per line\n"
      "  revrange TOPIC [--start X] [--end Y] [--limit N] [--exclusive] "
      "[--json]\n"
      "      print logs in descending id order (start >= end)\n"
      "  length TOPIC      print the number of logs in TOPIC\n"
      "  stat TOPIC        print the statistics of TOPIC as JSON\n"
      "  topics            print NAME COUNT BYTES FIRST LAST per topic\n"
      "  tail TOPIC [-f] [--json]\n"
      "  wait [NAME...] [--timeout MS]\n"
      "  topic-config TOPIC [--max-age MS] [--max-count N] [--max-bytes N]\n"
      "  topic-delete TOPIC [--force]\n"
      "  backup DIR\n"
      "      print TOPIC as range does; with -f, keep printing new logs\n"
      "  proc TOPIC --name NAME [--offset OFF] [--count N] [--wait MS]\n"
      "       [--max-reclaims N] [--reclaim-timeout MS]\n"
      "       [--on-max-reclaims disable|continue|deadletter] [--json]\n"
      "      claim logs for proc NAME (created if needed) and print them;\n"
      "      prints \"token N\" on stderr when logs were claimed\n"
      "  ack NAME [--token N]\n"
      "      ack the outstanding claim of NAME; prints the last acked id\n"
      "  reclaim NAME [--token N] [--error TEXT]\n"
      "      give the outstanding claim of NAME back\n"
      "  inspect NAME      print the state of proc NAME as JSON\n"
      "  disable NAME | resume NAME | destroy NAME\n"
      "      change proc NAME; print its state as inspect does\n"
      "  procs             print NAME TOPIC STATUS LAG CLAIM RECLAIMS per "
      "proc\n"
      "                    (systemProcs add SYSTEMPROC PLUGIN LAST_ERROR)\n"
      "  system-proc NAME --from TOPIC... [--to TOPIC...] --plugin PATH\n"
      "       [--config TEXT] [--offset OFF] [--count N] [--max-reclaims N]\n"
      "       [--reclaim-timeout MS]\n"
      "       [--on-max-reclaims disable|continue|deadletter]\n"
      "      create systemProc NAME, run by the node's workers; print its\n"
      "      procs as inspect does\n"
      "  system-proc-destroy NAME\n"
      "      remove systemProc NAME and its procs\n"
      "  stats             print the node's metrics as one JSON object\n"
      "  producer KEY      print the last sequence applied for producer\n"
      "                    KEY as JSON (0: unknown or forgotten)\n"
      "  shutdown          stop the node gracefully\n"
      "\n"
      "options:\n"
      "  -a ADDRESS    node address (default: $PIPEPROC_ADDRESS, else\n"
      "                ipc://$TMPDIR/pipeproc.NAMESPACE); remote nodes:\n"
      "                tls+tcp://HOST:PORT, tcp://HOST:PORT\n"
      "  -n NAMESPACE  namespace of the default address (default: default)\n"
      "  -d DIR        attach by data directory (pp_attach(3)): use the node\n"
      "                that owns DIR, else start one that stops once no\n"
      "                attached process is left\n"
      "  --tls-ca FILE, --tls-cert FILE, --tls-key FILE\n"
      "                TLS material for tls+tcp:// (default:\n"
      "                $PIPEPROC_TLS_CA, $PIPEPROC_TLS_CERT, "
      "$PIPEPROC_TLS_KEY)\n"
      "  --token-file FILE\n"
      "                access token (default: $PIPEPROC_TOKEN_FILE, else\n"
      "                the token in $PIPEPROC_TOKEN)\n"
      "  --insecure-tcp  allow a plain tcp:// address (with a token)\n"
      "\n"
      "Id expressions for --start/--end: T-S (an id), T (a millisecond),\n"
      ":S (a sequence number).\n";

void
cli_report_usage(FILE *out)
{
	fputs(usage_text, out);
}

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
	va_list ap;

	fprintf(stderr, "pipeproc: ");
	if (ctx->cmd != NULL) {
		fprintf(stderr, "%s: ", ctx->cmd);
	}
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cli_report_usage(stderr);
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
