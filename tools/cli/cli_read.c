/*
 * cli_read.c - the read subcommands of the `pipeproc` tool: range,
 * revrange, length, stat and topics. Each parses its arguments, connects,
 * makes one library call (or walks an iterator) and prints the result with
 * cli_print.c.
 *
 * range and revrange walk the topic with pp_iter_open()/pp_iter_next(), so
 * a whole topic streams page by page and never sits in memory; --limit
 * bounds the whole walk. Bad bounds and topic names are reported by
 * pp_iter_open() (PP_EINVALID_ID, PP_EINVALID_TOPIC) with exit status 1;
 * unknown options and missing values are usage errors (exit status 2).
 * Options may come before or after TOPIC; "--" ends them, for a topic
 * whose name starts with '-'.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pipeproc.h"

/* What the command line of range/revrange asks for. */
struct range_args {
	const char   *topic;
	pp_range_opts opts;
	bool          is_reverse;
	cli_log_format fmt;
};

/*
 * Parse an unsigned decimal count into *count.
 * Returns 0, or PP_EINVAL when text is empty, has other characters, or
 * does not fit.
 */
static int
parse_count(const char *text, size_t *count)
{
	unsigned long long value;
	char              *end;

	if (text[0] < '0' || text[0] > '9') {
		return PP_EINVAL;
	}
	errno = 0;
	value = strtoull(text, &end, 10);
	if (*end != '\0' || errno != 0 || value > SIZE_MAX) {
		return PP_EINVAL;
	}
	*count = (size_t)value;
	return 0;
}

/* --limit: a count. */
static int
set_limit(struct cli_ctx *ctx, const cli_opt *opt, const char *value, void *dst)
{
	(void)opt;
	if (parse_count(value, dst) != 0) {
		return cli_report_fail(
		    ctx, PP_EINVAL, "--limit '%s' is not a count", value);
	}
	return 0;
}

/*
 * Parse range/revrange arguments into *ra.
 * Returns 0 or an exit status (already reported).
 */
static int
range_parse(struct cli_ctx *ctx, int argc, char **argv, struct range_args *ra)
{
	const cli_opt opts[] = {
		{ "--exclusive", false, cli_opts_flag, &ra->opts.is_exclusive },
		{ "--json", false, cli_opts_flag, &ra->fmt.is_json },
		{ "--base64", false, cli_opts_flag, &ra->fmt.is_base64 },
		{ "--start", true, cli_opts_str, &ra->opts.start },
		{ "--end", true, cli_opts_str, &ra->opts.end },
		{ "--limit", true, set_limit, &ra->opts.limit },
		{ NULL, false, NULL, NULL },
	};

	memset(ra, 0, sizeof(*ra));
	ra->is_reverse = strcmp(argv[0], "revrange") == 0;
	return cli_opts_word(ctx, argc, argv, opts, NULL, "TOPIC", &ra->topic);
}

int
cli_read_range(struct cli_ctx *ctx, int argc, char **argv)
{
	struct range_args ra;
	pp_client        *client;
	pp_iter          *iter = NULL;
	const pp_log     *log;
	int               status;
	int               rv;

	if ((status = range_parse(ctx, argc, argv, &ra)) != 0) {
		return status;
	}
	cli_print_format_init(&ra.fmt, ra.topic);
	if ((status = cli_connect_open(ctx, &client)) != 0) {
		return status;
	}
	rv = pp_iter_open(client, ra.topic, &ra.opts, ra.is_reverse, &iter);
	while (rv == 0 && (rv = pp_iter_next(iter, &log)) == 1) {
		cli_print_log(log, &ra.fmt);
		rv = 0;
	}
	if (rv < 0) {
		status
		    = cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client));
	} else {
		status = cli_report_output(ctx);
	}
	pp_iter_close(iter);
	pp_close(client);
	return status;
}

int
cli_read_length(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *topic;
	pp_client  *client;
	uint64_t    count;
	int         status;
	int         rv;

	if ((status
	        = cli_opts_word(ctx, argc, argv, NULL, NULL, "TOPIC", &topic))
	    != 0) {
		return status;
	}
	if ((status = cli_connect_open(ctx, &client)) != 0) {
		return status;
	}
	if ((rv = pp_length(client, topic, &count)) != 0) {
		status
		    = cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client));
	} else {
		printf("%" PRIu64 "\n", count);
		status = cli_report_output(ctx);
	}
	pp_close(client);
	return status;
}

int
cli_read_stat(struct cli_ctx *ctx, int argc, char **argv)
{
	const char   *topic;
	pp_client    *client;
	pp_topic_info info;
	int           status;
	int           rv;

	if ((status
	        = cli_opts_word(ctx, argc, argv, NULL, NULL, "TOPIC", &topic))
	    != 0) {
		return status;
	}
	if ((status = cli_connect_open(ctx, &client)) != 0) {
		return status;
	}
	if ((rv = pp_topic_stat(client, topic, &info)) != 0) {
		status
		    = cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client));
	} else {
		cli_print_stat(&info);
		status = cli_report_output(ctx);
	}
	pp_close(client);
	return status;
}

/* topics --json: one object per topic, as stat prints it. */
static bool is_topics_json;

static int
print_topics(struct cli_ctx *ctx, pp_client *client)
{
	pp_topic_list *list;
	size_t         k;
	int            rv;

	if ((rv = pp_topics(client, &list)) != 0) {
		return cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client));
	}
	for (k = 0; k < pp_topic_list_count(list); k++) {
		if (is_topics_json) {
			cli_print_stat(pp_topic_list_get(list, k));
		} else {
			cli_print_topic(pp_topic_list_get(list, k));
		}
	}
	pp_topic_list_free(list);
	return cli_report_output(ctx);
}

int
cli_read_topics(struct cli_ctx *ctx, int argc, char **argv)
{
	static const cli_opt opts[] = {
		{ "--json", false, cli_opts_flag, &is_topics_json },
		{ NULL, false, NULL, NULL },
	};

	return cli_connect_run(ctx, argc, argv, opts, print_topics);
}
