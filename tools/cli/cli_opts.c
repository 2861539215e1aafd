/*
 * cli_opts.c - the one option parser of the `pipeproc` tool. A command
 * describes its options in a table (name, whether it takes a value, and
 * what to do with it) and where its bare words go; cli_opts_parse() walks
 * the command line once: "--" ends the options, an unknown option or a
 * missing value is a usage error, and so is a word too many.
 */
#include <string.h>

#include "cli.h"

bool
cli_opts_is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int
cli_opts_value(
    int argc, char **argv, int *i, const char *name, const char **value)
{
	const char *arg = argv[*i];
	size_t      len = strlen(name);

	if (strncmp(arg, name, len) != 0) {
		return 0;
	}
	if (arg[len] == '=') {
		*value = arg + len + 1;
		return 1;
	}
	if (arg[len] != '\0') {
		return 0;
	}
	if (*i + 1 >= argc) {
		return -1;
	}
	*i += 1;
	*value = argv[*i];
	return 1;
}

bool
cli_opts_is_option(const char *arg)
{
	return arg[0] == '-' && arg[1] != '\0';
}

int
cli_opts_flag(
    struct cli_ctx *ctx, const cli_opt *opt, const char *value, void *dst)
{
	(void)ctx;
	(void)opt;
	(void)value;
	*(bool *)dst = true;
	return 0;
}

int
cli_opts_str(
    struct cli_ctx *ctx, const cli_opt *opt, const char *value, void *dst)
{
	(void)ctx;
	(void)opt;
	*(const char **)dst = value;
	return 0;
}

/*
 * The option of a's tables that argv[*i] is, with its value (*i advanced
 * past a separate one), or NULL: *is_missing tells a known option whose
 * value is missing from an unknown one.
 */
static const cli_opt *
find(const cli_args *a, int argc, char **argv, int *i, const char **value,
    bool *is_missing)
{
	const cli_opt *o;
	size_t         t;
	int            m;

	*is_missing = false;
	for (t = 0; t < 2; t++) {
		for (o = a->opts[t]; o != NULL && o->name != NULL; o++) {
			if (!o->has_value) {
				if (strcmp(argv[*i], o->name) == 0) {
					*value = NULL;
					return o;
				}
				continue;
			}
			if ((m = cli_opts_value(argc, argv, i, o->name, value))
			    > 0) {
				return o;
			}
			if (m < 0) {
				*is_missing = true;
				return NULL;
			}
		}
	}
	return NULL;
}

/* A bare word: to a's callback, or into a's words. */
static int
take_word(struct cli_ctx *ctx, cli_args *a, const char *w)
{
	if (a->word != NULL) {
		return a->word(ctx, a, w);
	}
	if (a->nwords == a->max_words) {
		return cli_report_usage_error(
		    ctx, "unexpected argument '%s'", w);
	}
	a->words[a->nwords++] = w;
	return 0;
}

int
cli_opts_parse(struct cli_ctx *ctx, int argc, char **argv, cli_args *a)
{
	const cli_opt *o;
	const char    *value;
	bool           has_options = true, is_missing;
	int            i, status;

	a->nwords = 0;
	a->last = NULL;
	for (i = 1; i < argc; i++) {
		if (!has_options || !cli_opts_is_option(argv[i])) {
			if (a->is_stop_at_word) {
				break;
			}
			if ((status = take_word(ctx, a, argv[i])) != 0) {
				return status;
			}
			continue;
		}
		if (cli_opts_is_help(argv[i])) {
			cli_help_print(stdout, ctx->cmd);
			return CLI_EXIT_HELP;
		}
		if (strcmp(argv[i], "--") == 0) {
			has_options = false;
			a->last = NULL;
			continue;
		}
		if ((o = find(a, argc, argv, &i, &value, &is_missing))
		    == NULL) {
			return is_missing ? cli_report_usage_error(ctx,
			           "option '%s' needs an argument", argv[i])
			                  : cli_report_usage_error(ctx,
			                      "unknown option '%s'", argv[i]);
		}
		a->last = o;
		if ((status = o->set(ctx, o, value, o->dst)) != 0) {
			return status;
		}
	}
	a->next = i;
	return 0;
}

int
cli_opts_word(struct cli_ctx *ctx, int argc, char **argv, const cli_opt *opts,
    const cli_opt *more, const char *what, const char **word)
{
	cli_args a;
	int      status;

	memset(&a, 0, sizeof(a));
	a.opts[0] = opts;
	a.opts[1] = more;
	a.words = word;
	a.max_words = 1;
	if ((status = cli_opts_parse(ctx, argc, argv, &a)) != 0) {
		return status;
	}
	if (a.nwords == 0) {
		return cli_report_usage_error(ctx, "missing %s", what);
	}
	return 0;
}
