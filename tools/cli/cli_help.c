/*
 * cli_help.c - the help texts of the `pipeproc` tool: for every command
 * its synopsis and one paragraph saying what it does. `pipeproc --help`
 * prints them all after the global options; `pipeproc COMMAND --help`
 * prints the one of COMMAND. A usage error prints none of them, only one
 * line that points here (cli_report.c), so a mistake never buries its
 * message under the whole manual. man/pipeproc.1 says the same at length.
 *
 * The table is in the order of `pipeproc --help`; a new command adds one
 * entry (and a paragraph in pipeproc(1)).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* One command's help: synopsis lines (each after "pipeproc "), then a
 * paragraph, both '\n'-separated. */
struct help {
	const char *name;
	const char *synopsis;
	const char *text;
};

static const struct help helps[] = {
	{ "node",
	    "node [--data DIR] [--listen ADDRESS]... [--sync MODE] [--memory]\n"
	    "     [--max-body BYTES] [--max-store-size BYTES] [--gc]\n"
	    "     [--gc-min-prune-time MS] [--gc-interval MS]\n"
	    "     [--dedupe-window MS] [--metrics http://HOST:PORT]\n"
	    "     [--workers N] [--worker-concurrency N]\n"
	    "     [--worker-restart-after N] [--worker-path PATH]\n"
	    "     [--tls-ca FILE --tls-cert FILE --tls-key FILE]\n"
	    "     [--token-file FILE | --token-env NAME] [--insecure-tcp]\n"
	    "     [--max-connections N] [--auth-timeout MS]\n"
	    "     [--allow-uid UID[,...]] [--allow-gid GID[,...]]\n"
	    "     [--ephemeral-grace MS]",
	    "Run a log node in the foreground (it execs pipeproc-node,\n"
	    "which takes the same options; see pipeproc-node(8)). It\n"
	    "prints \"ready ADDRESS\" once it accepts requests and stops on\n"
	    "SIGTERM, SIGINT or `pipeproc shutdown`. Without --listen it\n"
	    "listens on the address of -a or the namespace." },
	{ "commit",
	    "commit [-D DELIM | -0] TOPIC [--] [BODY...]\n"
	    "commit -f TOPIC [--] FILE...\n"
	    "commit [--producer KEY --seq N] [--expect-seq N] [-f] TOPIC [--]\n"
	    "       BODY...",
	    "Commit logs to TOPIC and print their ids, one per line.\n"
	    "BODY arguments are one atomic commit, one log each;\n"
	    "bodies that start with '-' go after \"--\". Without BODY\n"
	    "each line of standard input is one log (committed in\n"
	    "atomic batches as input arrives); -D DELIM splits\n"
	    "standard input at DELIM instead of newlines (escapes \\n\n"
	    "\\r \\t \\0 \\\\ \\xHH), -0 at NUL bytes, so any bytes can be\n"
	    "committed. With -f each FILE (\"-\": standard input) is one\n"
	    "log, and all of them are one atomic commit. A log (line,\n"
	    "piece or FILE) over the node's --max-body is PP_ETOOBIG,\n"
	    "FILEs over its request size PP_ETOOLARGE: input is read\n"
	    "only up to these limits. With\n"
	    "--producer KEY --seq N, a KEY whose last sequence is N or\n"
	    "more already is PP_EDUPLICATE; with --expect-seq N, a\n"
	    "TOPIC whose next sequence is not N is PP_ECONFLICT;\n"
	    "either way nothing is committed." },
	{ "range",
	    "range TOPIC [--start X] [--end Y] [--limit N] [--exclusive]\n"
	    "      [--json [--base64]]",
	    "Print the logs of TOPIC in ascending id order,\n"
	    "\"ID<TAB>BODY\" per line, the body escaped so that every log\n"
	    "is one line: \\\\, \\t, \\n, \\r, and \\xHH for other control\n"
	    "bytes. --json prints {\"id\":\"ID\",\"body\":\"...\"} per log;\n"
	    "--base64 gives the body in base64, exact for any bytes.\n"
	    "--limit N stops after N logs (0, the default: no limit).\n"
	    "Dead letters (a TOPIC ending in \".dead\") are decoded: ID,\n"
	    "PROC, TOPIC, ORIGINAL_ID, ATTEMPTS, ERROR, BODY." },
	{ "revrange",
	    "revrange TOPIC [--start X] [--end Y] [--limit N] [--exclusive]\n"
	    "         [--json [--base64]]",
	    "Print the logs of TOPIC in descending id order (start >= end),\n"
	    "in the formats of range." },
	{ "length",
	    "length TOPIC",
	    "Print the number of logs in TOPIC." },
	{ "stat",
	    "stat TOPIC",
	    "Print the statistics of TOPIC (count, bytes, first and last\n"
	    "id, next sequence number, creation time) as one JSON object." },
	{ "topics",
	    "topics [--json]",
	    "Print one line per topic: NAME COUNT BYTES FIRST LAST,\n"
	    "separated by tabs; with --json one object per topic as stat\n"
	    "prints it." },
	{ "tail",
	    "tail TOPIC [-f] [--json [--base64]]",
	    "Print TOPIC as range does. With -f (--follow), keep printing\n"
	    "new logs as they are committed until interrupted, through a\n"
	    "temporary proc that is removed on exit." },
	{ "wait",
	    "wait [NAME...] [--timeout MS]",
	    "Wait until the named procs (default: every active proc) have\n"
	    "acked every log of their topics. Exits 0 when they have, 1\n"
	    "with PP_ETIMEDOUT when --timeout MS ran out first (default:\n"
	    "-1, forever)." },
	{ "topic-config",
	    "topic-config TOPIC [--max-age MS] [--max-count N] [--max-bytes N]",
	    "Set the retention limits of TOPIC (0: no limit). The node's\n"
	    "collector then drops the oldest logs beyond them that every\n"
	    "proc of the topic has acked." },
	{ "topic-delete",
	    "topic-delete TOPIC [--force]",
	    "Delete TOPIC and its logs. A topic that procs read is refused\n"
	    "(PP_ETOPIC_IN_USE) unless --force, which removes those procs\n"
	    "too." },
	{ "backup",
	    "backup DIR",
	    "Write a consistent copy of the node's store into DIR (on the\n"
	    "node's machine), while the node keeps serving; start a node on\n"
	    "DIR to restore it." },
	{ "proc",
	    "proc TOPIC --name NAME [--offset OFF] [--count N] [--wait MS]\n"
	    "     [--max-reclaims N] [--reclaim-timeout MS]\n"
	    "     [--on-max-reclaims disable|continue|deadletter]\n"
	    "     [--json [--base64]]",
	    "Claim logs of TOPIC for proc NAME (created with these options\n"
	    "if needed) and print them as range does; \"token N\" goes to\n"
	    "stderr when logs were claimed. Nothing to claim prints\n"
	    "nothing; --wait MS waits that long for logs (-1: forever)." },
	{ "ack",
	    "ack NAME [--token N]",
	    "Ack the outstanding claim of proc NAME (the one of token N\n"
	    "when given; N may be quoted, as jq prints it) and print the\n"
	    "last acked id." },
	{ "reclaim",
	    "reclaim NAME [--token N] [--error TEXT]",
	    "Give the outstanding claim of proc NAME back, so its logs are\n"
	    "handed out again; TEXT is kept as the proc's last error." },
	{ "inspect",
	    "inspect NAME",
	    "Print the state of proc NAME as one JSON object (claim,\n"
	    "cursor, lag, reclaims, options; the claim token as a string)." },
	{ "disable",
	    "disable NAME",
	    "Disable proc NAME: it hands out nothing until resumed. Prints\n"
	    "its state as inspect does." },
	{ "resume",
	    "resume NAME",
	    "Resume the disabled proc NAME, its reclaim count reset. Prints\n"
	    "its state as inspect does." },
	{ "destroy",
	    "destroy NAME",
	    "Remove proc NAME (its logs stay). Prints its state before." },
	{ "procs",
	    "procs [--json]",
	    "Print one line per proc: NAME TOPIC STATUS LAG CLAIM RECLAIMS,\n"
	    "separated by tabs (a systemProc's proc adds SYSTEMPROC PLUGIN\n"
	    "LAST_ERROR); with --json one object per proc as inspect\n"
	    "prints. Then one line per source: NAME TOPIC source LAG\n"
	    "UPSTREAM STORED AGE PRODUCER PLUGIN, where LAG is how many\n"
	    "upstream sequences are not stored yet (\"unknown\" before the\n"
	    "source's first report) and AGE how old that report is." },
	{ "replay",
	    "replay TOPIC.dead [--to TOPIC] [--name NAME]",
	    "Commit the original bodies of the dead letters in TOPIC.dead\n"
	    "back to the topic they came from (or to --to TOPIC) and print\n"
	    "the new ids. Each batch is committed atomically with the ack\n"
	    "of proc NAME (default: replay) on TOPIC.dead, so no dead\n"
	    "letter is ever replayed twice, even when a replay is killed\n"
	    "and run again." },
	{ "system-proc",
	    "system-proc NAME --from TOPIC... [--to TOPIC...] --plugin PLUGIN\n"
	    "     [--config TEXT] [--offset OFF] [--count N]\n"
	    "     [--max-reclaims N]\n"
	    "     [--reclaim-timeout MS]\n"
	    "     [--on-max-reclaims disable|continue|deadletter]",
	    "Create systemProc NAME: the node's workers run PLUGIN on the\n"
	    "logs of each --from topic and commit what it emits to the --to\n"
	    "topics. PLUGIN is a path, or a name without '/' that the node\n"
	    "looks up in its plugin directories\n"
	    "(PREFIX/lib/pipeproc/plugins). Prints its procs as inspect\n"
	    "does." },
	{ "system-proc-destroy",
	    "system-proc-destroy NAME",
	    "Remove systemProc NAME and its procs." },
	{ "source",
	    "source NAME --to TOPIC... --plugin PLUGIN [--config TEXT]",
	    "Create source NAME: the node's first worker runs PLUGIN's\n"
	    "source() round after round and commits what it brings in to\n"
	    "the --to topics as an idempotent producer (the jetstream\n"
	    "plugin: a NATS JetStream stream, pipeproc-jetstream(7))." },
	{ "source-destroy",
	    "source-destroy NAME",
	    "Remove source NAME." },
	{ "producer",
	    "producer KEY",
	    "Print the last sequence the node applied for idempotent\n"
	    "producer KEY as JSON (0: unknown, or forgotten after\n"
	    "--dedupe-window)." },
	{ "stats",
	    "stats",
	    "Print the node's metrics (counters, rates, histograms, store\n"
	    "size, topics, procs and sources with their lag) as one JSON\n"
	    "object." },
	{ "shutdown",
	    "shutdown",
	    "Stop the node gracefully: it answers what was queued, syncs\n"
	    "its store and exits." },
};

static const char global_text[]
    = "options:\n"
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
      ":S (a sequence number). Failures print \"pipeproc: COMMAND: PP_E...:"
      " text\"\n"
      "and exit 1; a bad command line exits 2.\n";

/* Write `text` with `indent` before every line. */
static void
print_indented(FILE *out, const char *indent, const char *text)
{
	const char *nl;

	while (*text != '\0') {
		nl = strchr(text, '\n');
		fprintf(out, "%s%.*s\n", indent,
		    (int)(nl != NULL ? nl - text : (long)strlen(text)), text);
		text = nl != NULL ? nl + 1 : text + strlen(text);
	}
}

/*
 * Write a synopsis as a usage: its first line after "usage: pipeproc ",
 * another form after "       pipeproc ", continuation lines (they start
 * with a space) under the first.
 */
static void
print_synopsis(FILE *out, const char *synopsis)
{
	const char *line = synopsis;
	const char *nl;
	bool        is_first = true;

	while (*line != '\0') {
		nl = strchr(line, '\n');
		fprintf(out, "%s%.*s\n",
		    line[0] == ' ' ? "                "
		        : is_first ? "usage: pipeproc "
		                   : "       pipeproc ",
		    (int)(nl != NULL ? nl - line : (long)strlen(line)), line);
		is_first = false;
		line = nl != NULL ? nl + 1 : line + strlen(line);
	}
}

/* The help of command `name`, or NULL. */
static const struct help *
find(const char *name)
{
	size_t k;

	for (k = 0; k < sizeof(helps) / sizeof(helps[0]); k++) {
		if (strcmp(helps[k].name, name) == 0) {
			return &helps[k];
		}
	}
	return NULL;
}

bool
cli_help_print(FILE *out, const char *cmd)
{
	const struct help *h;
	size_t             k;

	if (cmd != NULL) {
		if ((h = find(cmd)) == NULL) {
			return false;
		}
		print_synopsis(out, h->synopsis);
		fputc('\n', out);
		print_indented(out, "", h->text);
		fputs("\nGlobal options: see pipeproc --help.\n", out);
		return true;
	}
	fputs("usage: pipeproc [-a ADDRESS | -d DIR] [-n NAMESPACE] COMMAND "
	      "[ARGS]\n"
	      "       pipeproc COMMAND --help\n"
	      "       pipeproc -h | --help | --version\n\ncommands:\n",
	    out);
	for (k = 0; k < sizeof(helps) / sizeof(helps[0]); k++) {
		print_indented(out, "  ", helps[k].synopsis);
		print_indented(out, "      ", helps[k].text);
	}
	fputc('\n', out);
	fputs(global_text, out);
	return true;
}
