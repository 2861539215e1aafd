/*
 * cli_print.c - the output formats of the `pipeproc` tool, which scripts
 * parse (pipeproc(1)):
 *
 *   range, revrange   ID<TAB>BODY per log, the body bytes as stored;
 *                     with --json {"id":"ID","body":"..."} per log
 *   stat              one JSON object
 *   topics            NAME<TAB>COUNT<TAB>BYTES<TAB>FIRST<TAB>LAST per topic
 *   commit            one ID per line
 *
 * Bodies are opaque bytes, so the JSON string form has to cope with any of
 * them: '"', '\\' and control characters are escaped, valid UTF-8 passes
 * through unchanged, and every byte that is not part of a valid UTF-8
 * sequence is written as \u00XX (its value read as Latin-1). The output is
 * therefore always valid JSON, and it is exact for UTF-8 text. The JSON
 * strings and the stat object come from lib/json.c, which the node's
 * HTTP state endpoints share.
 *
 * Everything goes through stdio on stdout; callers check for write errors
 * once at the end (cli_report_output).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "pipeproc.h"

void
cli_print_json_string(const void *data, size_t len)
{
	ppi_buf b;

	ppi_buf_init(&b);
	ppi_json_string(&b, data, len);
	fwrite(b.data, 1, b.len, stdout);
	ppi_buf_fini(&b);
}

void
cli_print_id(pp_id id)
{
	char buf[PP_ID_STRLEN];

	fputs(pp_id_format(id, buf), stdout);
	putchar('\n');
}

void
cli_print_log(const pp_log *log, bool is_json)
{
	char buf[PP_ID_STRLEN];

	pp_id_format(log->id, buf);
	if (is_json) {
		printf("{\"id\":\"%s\",\"body\":", buf);
		cli_print_json_string(log->body, log->len);
		fputs("}\n", stdout);
		return;
	}
	fputs(buf, stdout);
	putchar('\t');
	fwrite(log->body, 1, log->len, stdout);
	putchar('\n');
}

void
cli_print_stat(const pp_topic_info *info)
{
	ppi_buf b;

	ppi_buf_init(&b);
	ppi_json_topic(&b, info);
	ppi_buf_append(&b, "\n", 1);
	fwrite(b.data, 1, b.len, stdout);
	ppi_buf_fini(&b);
}

void
cli_print_topic(const pp_topic_info *info)
{
	char first[PP_ID_STRLEN] = "-";
	char last[PP_ID_STRLEN] = "-";

	if (info->count > 0) {
		pp_id_format(info->first, first);
		pp_id_format(info->last, last);
	}
	printf("%s\t%" PRIu64 "\t%" PRIu64 "\t%s\t%s\n", info->name,
	    info->count, info->bytes, first, last);
}
