/*
 * cli_proc.c - the consumer side of procs in the `pipeproc` tool:
 *
 *   proc TOPIC --name NAME [--offset OFF] [--count N] [--wait MS]
 *        [--max-reclaims N] [--reclaim-timeout MS]
 *        [--on-max-reclaims disable|continue|deadletter] [--json]
 *   ack NAME [--token N]
 *   reclaim NAME [--token N] [--error TEXT]
 *
 * `proc` makes one pp_proc() call: the proc options start from
 * PP_PROC_OPTS_INIT and each option on the command line sets one field
 * and its PP_PROC_GIVEN_* bit, so a proc that exists keeps its stored
 * value of every option not on the command line (issue 13 item 4), and
 * one given with another value is PP_EPROC_EXISTS (from the node), even
 * when that value is the default. The claimed logs
 * are printed as range prints them; the claim token goes to stderr as
 * "token N", so stdout stays a clean stream of logs. Nothing claimed is
 * not an error: no output, exit status 0 (PEER §8.4 "nothing").
 *
 * Option values are checked for shape here (a number that fits the field,
 * a known mode); whether a value is allowed (count 0, a reclaim timeout of
 * 0, a bad offset) is the library's and the node's call, so the CLI and
 * the API refuse exactly the same things with the same codes. Values that
 * are not numbers are PP_EINVALID_OPTION for proc options and PP_EINVAL
 * for --wait and --token, with exit status 1, as range reports a bad
 * --limit; unknown options and missing values are usage errors.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pipeproc.h"

/* What the command line of `proc` asks for. */
struct proc_args {
	const char  *topic;
	const char  *name;
	pp_proc_opts opts;
	int          wait_ms;
	cli_log_format fmt;
};

/* What the command line of `ack` and `reclaim` asks for. */
struct claim_args {
	const char *name;
	uint64_t    token; /* 0: whatever claim is outstanding */
	const char *error; /* reclaim only; NULL when not given */
};

/*
 * Parse a decimal integer, optionally negative, into *value, which must
 * lie in [min, max]. Returns 0, or -1 when text is not such a number.
 */
static int
parse_int(const char *text, int64_t min, int64_t max, int64_t *value)
{
	long long parsed;
	char     *end;
	size_t    k = text[0] == '-' ? 1 : 0;

	/* strtoll alone would accept spaces and a '+'. */
	if (text[k] < '0' || text[k] > '9') {
		return -1;
	}
	errno = 0;
	parsed = strtoll(text, &end, 10);
	if (*end != '\0' || errno != 0 || parsed < min || parsed > max) {
		return -1;
	}
	*value = (int64_t)parsed;
	return 0;
}

/* Parse an unsigned decimal uint64 into *value. Returns 0 or -1. */
static int
parse_u64(const char *text, uint64_t *value)
{
	unsigned long long parsed;
	char              *end;

	if (text[0] < '0' || text[0] > '9') {
		return -1;
	}
	errno = 0;
	parsed = strtoull(text, &end, 10);
	if (*end != '\0' || errno != 0) {
		return -1;
	}
	*value = (uint64_t)parsed;
	return 0;
}

/* Parse an --on-max-reclaims mode. Returns 0 or -1. */
static int
parse_mode(const char *text, enum pp_on_max_reclaims *mode)
{
	if (strcmp(text, "disable") == 0) {
		*mode = PP_ON_MAX_DISABLE;
	} else if (strcmp(text, "continue") == 0) {
		*mode = PP_ON_MAX_CONTINUE;
	} else if (strcmp(text, "deadletter") == 0) {
		*mode = PP_ON_MAX_DEADLETTER;
	} else {
		return -1;
	}
	return 0;
}

/* The proc option setters write into a pp_proc_opts (dst) and mark the
 * option as given. */

/* --offset: the text, checked by the library. */
static int
set_offset(
    struct cli_ctx *ctx, const cli_opt *opt, const char *value, void *dst)
{
	pp_proc_opts *o = dst;

	(void)ctx;
	(void)opt;
	o->offset = value;
	o->given |= PP_PROC_GIVEN_OFFSET;
	return 0;
}

/* --count: a count of logs per claim. */
static int
set_count(struct cli_ctx *ctx, const cli_opt *opt, const char *value, void *dst)
{
	pp_proc_opts *o = dst;
	int64_t       number;

	(void)opt;
	if (parse_int(value, 0, UINT32_MAX, &number) != 0) {
		return cli_report_fail(ctx, PP_EINVALID_OPTION,
		    "--count '%s' is not a count", value);
	}
	o->count = (uint32_t)number;
	o->given |= PP_PROC_GIVEN_COUNT;
	return 0;
}

/* --max-reclaims: a signed 32-bit number. */
static int
set_max_reclaims(
    struct cli_ctx *ctx, const cli_opt *opt, const char *value, void *dst)
{
	pp_proc_opts *o = dst;
	int64_t       number;

	(void)opt;
	if (parse_int(value, INT32_MIN, INT32_MAX, &number) != 0) {
		return cli_report_fail(ctx, PP_EINVALID_OPTION,
		    "--max-reclaims '%s' is not a number", value);
	}
	o->max_reclaims = (int32_t)number;
	o->given |= PP_PROC_GIVEN_MAX_RECLAIMS;
	return 0;
}

/* --reclaim-timeout: a signed number of ms. */
static int
set_reclaim_timeout(
    struct cli_ctx *ctx, const cli_opt *opt, const char *value, void *dst)
{
	pp_proc_opts *o = dst;
	int64_t       number;

	(void)opt;
	if (parse_int(value, INT64_MIN, INT64_MAX, &number) != 0) {
		return cli_report_fail(ctx, PP_EINVALID_OPTION,
		    "--reclaim-timeout '%s' is not a number", value);
	}
	o->reclaim_timeout_ms = number;
	o->given |= PP_PROC_GIVEN_RECLAIM_TIMEOUT;
	return 0;
}

/* --on-max-reclaims: a mode. */
static int
set_on_max(
    struct cli_ctx *ctx, const cli_opt *opt, const char *value, void *dst)
{
	pp_proc_opts *o = dst;

	(void)opt;
	if (parse_mode(value, &o->on_max_reclaims) != 0) {
		return cli_report_fail(ctx, PP_EINVALID_OPTION,
		    "--on-max-reclaims '%s' is not disable, continue "
		    "or deadletter",
		    value);
	}
	o->given |= PP_PROC_GIVEN_ON_MAX;
	return 0;
}

void
cli_proc_opts_table(pp_proc_opts *opts, cli_opt *t)
{
	const cli_opt table[CLI_PROC_OPTS + 1] = {
		{ "--offset", true, set_offset, opts },
		{ "--count", true, set_count, opts },
		{ "--max-reclaims", true, set_max_reclaims, opts },
		{ "--reclaim-timeout", true, set_reclaim_timeout, opts },
		{ "--on-max-reclaims", true, set_on_max, opts },
		{ NULL, false, NULL, NULL },
	};

	memcpy(t, table, sizeof(table));
}

/* --wait: -1 or a number of ms. */
static int
set_wait(struct cli_ctx *ctx, const cli_opt *opt, const char *value, void *dst)
{
	int64_t number;

	(void)opt;
	if (parse_int(value, -1, INT_MAX, &number) != 0) {
		return cli_report_fail(ctx, PP_EINVAL,
		    "--wait '%s' is not -1 or a number of ms", value);
	}
	*(int *)dst = (int)number;
	return 0;
}

/*
 * Parse the arguments of `proc` into *pa.
 * Returns 0 or an exit status (already reported).
 */
static int
proc_parse(struct cli_ctx *ctx, int argc, char **argv, struct proc_args *pa)
{
	const pp_proc_opts init = PP_PROC_OPTS_INIT;
	cli_opt            proc_opts[CLI_PROC_OPTS + 1];
	const cli_opt      opts[] = {
		{ "--json", false, cli_opts_flag, &pa->fmt.is_json },
		{ "--base64", false, cli_opts_flag, &pa->fmt.is_base64 },
		{ "--name", true, cli_opts_str, &pa->name },
		{ "--wait", true, set_wait, &pa->wait_ms },
		{ NULL, false, NULL, NULL },
	};
	int                status;

	memset(pa, 0, sizeof(*pa));
	pa->opts = init;
	cli_proc_opts_table(&pa->opts, proc_opts);
	if ((status = cli_opts_word(
	         ctx, argc, argv, opts, proc_opts, "TOPIC", &pa->topic))
	    != 0) {
		return status;
	}
	if (pa->name == NULL) {
		return cli_report_usage_error(ctx, "missing --name NAME");
	}
	return 0;
}

/*
 * --token: a claim token, as a number or as the JSON string `inspect`
 * prints ("N" with its quotes, what `jq .claim_token` gives).
 */
static int
set_token(struct cli_ctx *ctx, const cli_opt *opt, const char *value, void *dst)
{
	char   digits[32];
	size_t len = strlen(value);

	(void)opt;
	if (len >= 2 && len < sizeof(digits) + 2 && value[0] == '"'
	    && value[len - 1] == '"') {
		memcpy(digits, value + 1, len - 2);
		digits[len - 2] = '\0';
		if (parse_u64(digits, dst) == 0) {
			return 0;
		}
	} else if (parse_u64(value, dst) == 0) {
		return 0;
	}
	return cli_report_fail(
	    ctx, PP_EINVAL, "--token '%s' is not a token", value);
}

/*
 * Parse the arguments of `ack` (is_reclaim false) or `reclaim` into *ca.
 * Returns 0 or an exit status (already reported).
 */
static int
claim_parse(struct cli_ctx *ctx, int argc, char **argv, bool is_reclaim,
    struct claim_args *ca)
{
	const cli_opt opts[] = {
		{ "--token", true, set_token, &ca->token },
		/* reclaim only: the entry ends ack's table */
		{ is_reclaim ? "--error" : NULL, true, cli_opts_str,
		    &ca->error },
		{ NULL, false, NULL, NULL },
	};

	memset(ca, 0, sizeof(*ca));
	return cli_opts_word(ctx, argc, argv, opts, NULL, "NAME", &ca->name);
}

int
cli_proc_run(struct cli_ctx *ctx, int argc, char **argv)
{
	struct proc_args pa;
	pp_client       *client;
	pp_claim        *claim;
	size_t           n;
	size_t           k;
	int              status;
	int              rv;

	if ((status = proc_parse(ctx, argc, argv, &pa)) != 0) {
		return status;
	}
	cli_print_format_init(&pa.fmt, pa.topic);
	if ((status = cli_connect_open(ctx, &client)) != 0) {
		return status;
	}
	rv = pp_proc(client, pa.topic, pa.name, &pa.opts, pa.wait_ms, &claim);
	if (rv != 0) {
		status
		    = cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client));
		pp_close(client);
		return status;
	}
	n = pp_claim_count(claim);
	for (k = 0; k < n; k++) {
		cli_print_log(pp_claim_log(claim, k), &pa.fmt);
	}
	/*
	 * The logs first, then the token: a reader of both streams that
	 * sees the token has every log of its claim.
	 */
	status = cli_report_output(ctx);
	if (n > 0) {
		fprintf(stderr, "token %" PRIu64 "\n", pp_claim_token(claim));
	}
	pp_claim_free(claim);
	pp_close(client);
	return status;
}

int
cli_proc_ack(struct cli_ctx *ctx, int argc, char **argv)
{
	struct claim_args ca;
	pp_client        *client;
	pp_id             acked;
	int               status;
	int               rv;

	if ((status = claim_parse(ctx, argc, argv, false, &ca)) != 0) {
		return status;
	}
	if ((status = cli_connect_open(ctx, &client)) != 0) {
		return status;
	}
	if ((rv = pp_ack(client, ca.name, ca.token, &acked)) != 0) {
		status
		    = cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client));
	} else {
		cli_print_id(acked);
		status = cli_report_output(ctx);
	}
	pp_close(client);
	return status;
}

int
cli_proc_reclaim(struct cli_ctx *ctx, int argc, char **argv)
{
	struct claim_args ca;
	pp_client        *client;
	int               status;
	int               rv;

	if ((status = claim_parse(ctx, argc, argv, true, &ca)) != 0) {
		return status;
	}
	if ((status = cli_connect_open(ctx, &client)) != 0) {
		return status;
	}
	if ((rv = pp_reclaim(client, ca.name, ca.token, ca.error)) != 0) {
		status
		    = cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client));
	} else {
		status = cli_report_output(ctx);
	}
	pp_close(client);
	return status;
}
