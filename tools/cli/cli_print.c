/*
 * cli_print.c - the output formats of the `pipeproc` tool, which scripts
 * parse (pipeproc(1)):
 *
 *   range, revrange   ID<TAB>BODY per log, the body escaped (below);
 *                     with --json {"id":"ID","body":"..."} per log,
 *                     with --base64 the body in base64 (RFC 4648)
 *   ... of TOPIC.dead ID<TAB>PROC<TAB>TOPIC<TAB>ORIGINAL_ID<TAB>ATTEMPTS
 *                     <TAB>ERROR<TAB>BODY, the envelope decoded
 *                     (pp_deadletter_decode); with --json
 *                     {"dead_id","proc","topic","id","attempts","error",
 *                     "body"}
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
 * The text form keeps one log on one line and says exactly which bytes a
 * body holds: '\\' is written "\\\\", tab "\\t", newline "\\n", carriage
 * return "\\r", every other byte below 0x20 and 0x7f "\\xHH"; all other
 * bytes as they are. So a body never contains the separators, and
 * reading the escapes back gives the body byte for byte.
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

/* `len` bytes at `data` in the escaped text form (file comment). */
static void
print_text(const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t               run = 0; /* bytes at p that need no escape */
	unsigned char        c;

	while (run < len) {
		c = p[run];
		if ((c >= 0x20 && c != 0x7f && c != '\\') || c >= 0x80) {
			run++;
			continue;
		}
		fwrite(p, 1, run, stdout);
		switch (c) {
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\r':
			fputs("\\r", stdout);
			break;
		default:
			printf("\\x%02x", (unsigned)c);
			break;
		}
		p += run + 1;
		len -= run + 1;
		run = 0;
	}
	fwrite(p, 1, run, stdout);
}

/* `len` bytes at `data` as a quoted base64 string (RFC 4648, padded). */
static void
print_base64(const void *data, size_t len)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                               "abcdefghijklmnopqrstuvwxyz"
	                               "0123456789+/";
	const unsigned char *p = data;
	char                 quad[4];
	uint32_t             v;
	size_t               i;

	putchar('"');
	for (i = 0; i + 3 <= len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		quad[0] = alphabet[v >> 18];
		quad[1] = alphabet[(v >> 12) & 63];
		quad[2] = alphabet[(v >> 6) & 63];
		quad[3] = alphabet[v & 63];
		fwrite(quad, 1, 4, stdout);
	}
	if (i < len) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len) {
			v |= (uint32_t)p[i + 1] << 8;
		}
		quad[0] = alphabet[v >> 18];
		quad[1] = alphabet[(v >> 12) & 63];
		quad[2] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		quad[3] = '=';
		fwrite(quad, 1, 4, stdout);
	}
	putchar('"');
}

/* A body as a JSON string: escaped text, or base64. */
static void
print_json_body(const void *data, size_t len, const cli_log_format *fmt)
{
	if (fmt->is_base64) {
		print_base64(data, len);
	} else {
		cli_print_json_string(data, len);
	}
}

/* A dead letter (the file comment's form); `id` is its own id. */
static void
print_deadletter(
    const char *id, const pp_deadletter *dl, const cli_log_format *fmt)
{
	char orig[PP_ID_STRLEN];

	pp_id_format(dl->id, orig);
	if (fmt->is_json) {
		printf("{\"dead_id\":\"%s\",\"proc\":", id);
		cli_print_json_string(dl->proc, strlen(dl->proc));
		fputs(",\"topic\":", stdout);
		cli_print_json_string(dl->topic, strlen(dl->topic));
		printf(",\"id\":\"%s\",\"attempts\":%" PRIu32 ",\"error\":",
		    orig, dl->attempts);
		cli_print_json_string(dl->error, strlen(dl->error));
		fputs(",\"body\":", stdout);
		print_json_body(dl->body, dl->len, fmt);
		fputs("}\n", stdout);
		return;
	}
	printf("%s\t", id);
	print_text(dl->proc, strlen(dl->proc));
	putchar('\t');
	print_text(dl->topic, strlen(dl->topic));
	printf("\t%s\t%" PRIu32 "\t", orig, dl->attempts);
	print_text(dl->error, strlen(dl->error));
	putchar('\t');
	print_text(dl->body, dl->len);
	putchar('\n');
}

void
cli_print_format_init(cli_log_format *fmt, const char *topic)
{
	size_t len = topic != NULL ? strlen(topic) : 0;

	fmt->is_deadletter = len > 5 && strcmp(topic + len - 5, ".dead") == 0;
}

void
cli_print_log(const pp_log *log, const cli_log_format *fmt)
{
	char           buf[PP_ID_STRLEN];
	pp_deadletter *dl;

	pp_id_format(log->id, buf);
	/* A body that is not an envelope prints as any other log. */
	if (fmt->is_deadletter
	    && pp_deadletter_decode(log->body, log->len, &dl) == 0) {
		print_deadletter(buf, dl, fmt);
		pp_deadletter_free(dl);
		return;
	}
	if (fmt->is_json) {
		printf("{\"id\":\"%s\",\"body\":", buf);
		print_json_body(log->body, log->len, fmt);
		fputs("}\n", stdout);
		return;
	}
	fputs(buf, stdout);
	putchar('\t');
	print_text(log->body, log->len);
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
