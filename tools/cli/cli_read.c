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
	bool          is_json;
};

/* True when `arg` is an option word (not "-" and not after "--"). */
static bool
is_option(const char *arg)
{
	return arg[0] == '-' && arg[1] != '\0';
}

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

/*
 * Parse range/revrange arguments into *ra.
 * Returns 0 or an exit status (already reported).
 */
static int
range_parse(struct cli_ctx *ctx, int argc, char **argv, struct range_args *ra)
{
	const char *value;
	bool        has_options = true;
	int         i;
	int         m;

	memset(ra, 0, sizeof(*ra));
	ra->is_reverse = strcmp(argv[0], "revrange") == 0;
	for (i = 1; i < argc; i++) {
		if (!has_options || !is_option(argv[i])) {
			if (ra->topic != NULL) {
				return cli_usage_error(
				    ctx, "unexpected argument '%s'", argv[i]);
			}
			ra->topic = argv[i];
			continue;
		}
		if (strcmp(argv[i], "--") == 0) {
			has_options = false;
			continue;
		}
		if (strcmp(argv[i], "--exclusive") == 0) {
			ra->opts.is_exclusive = true;
			continue;
		}
		if (strcmp(argv[i], "--json") == 0) {
			ra->is_json = true;
			continue;
		}
		if ((m = cli_option(argc, argv, &i, "--start", &value)) > 0) {
			ra->opts.start = value;
		} else if (m == 0
		    && (m = cli_option(argc, argv, &i, "--end", &value)) > 0) {
			ra->opts.end = value;
		} else if (m == 0
		    && (m = cli_option(argc, argv, &i, "--limit", &value))
		        > 0) {
			if (parse_count(value, &ra->opts.limit) != 0) {
				return cli_fail(ctx, PP_EINVAL,
				    "--limit '%s' is not a count", value);
			}
		} else if (m < 0) {
			return cli_usage_error(
			    ctx, "option '%s' needs an argument", argv[i]);
		} else {
			return cli_usage_error(
			    ctx, "unknown option '%s'", argv[i]);
		}
	}
	if (ra->topic == NULL) {
		return cli_usage_error(ctx, "missing TOPIC");
	}
	return 0;
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
	if ((status = cli_connect(ctx, &client)) != 0) {
		return status;
	}
	rv = pp_iter_open(client, ra.topic, &ra.opts, ra.is_reverse, &iter);
	while (rv == 0 && (rv = pp_iter_next(iter, &log)) == 1) {
		cli_print_log(log, ra.is_json);
		rv = 0;
	}
	if (rv < 0) {
		status = cli_fail(ctx, rv, "%s", pp_client_errmsg(client));
	} else {
		status = cli_finish_output(ctx);
	}
	pp_iter_close(iter);
	pp_close(client);
	return status;
}

/*
 * The arguments of length and stat: exactly one TOPIC, possibly after
 * "--". Returns 0 with *topic set, or an exit status (already reported).
 */
static int
topic_parse(struct cli_ctx *ctx, int argc, char **argv, const char **topic)
{
	int i = 1;

	if (i < argc && strcmp(argv[i], "--") == 0) {
		i++;
	} else if (i < argc && is_option(argv[i])) {
		return cli_usage_error(ctx, "unknown option '%s'", argv[i]);
	}
	if (i >= argc) {
		return cli_usage_error(ctx, "missing TOPIC");
	}
	if (i + 1 < argc) {
		return cli_usage_error(
		    ctx, "unexpected argument '%s'", argv[i + 1]);
	}
	*topic = argv[i];
	return 0;
}

int
cli_read_length(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *topic;
	pp_client  *client;
	uint64_t    count;
	int         status;
	int         rv;

	if ((status = topic_parse(ctx, argc, argv, &topic)) != 0) {
		return status;
	}
	if ((status = cli_connect(ctx, &client)) != 0) {
		return status;
	}
	if ((rv = pp_length(client, topic, &count)) != 0) {
		status = cli_fail(ctx, rv, "%s", pp_client_errmsg(client));
	} else {
		printf("%" PRIu64 "\n", count);
		status = cli_finish_output(ctx);
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

	if ((status = topic_parse(ctx, argc, argv, &topic)) != 0) {
		return status;
	}
	if ((status = cli_connect(ctx, &client)) != 0) {
		return status;
	}
	if ((rv = pp_topic_stat(client, topic, &info)) != 0) {
		status = cli_fail(ctx, rv, "%s", pp_client_errmsg(client));
	} else {
		cli_print_stat(&info);
		status = cli_finish_output(ctx);
	}
	pp_close(client);
	return status;
}

static int
print_topics(struct cli_ctx *ctx, pp_client *client)
{
	pp_topic_list *list;
	size_t         k;
	int            rv;

	if ((rv = pp_topics(client, &list)) != 0) {
		return cli_fail(ctx, rv, "%s", pp_client_errmsg(client));
	}
	for (k = 0; k < pp_topic_list_count(list); k++) {
		cli_print_topic(pp_topic_list_get(list, k));
	}
	pp_topic_list_free(list);
	return cli_finish_output(ctx);
}

int
cli_read_topics(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_run_no_args(ctx, argc, argv, print_topics);
}
