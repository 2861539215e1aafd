/*
 * cli_tail.c - `pipeproc tail TOPIC [-f] [--json [--base64]]`.
 *
 * Without -f, tail prints the topic as range does and exits. With -f it
 * then keeps printing logs as they are committed, like `tail -f` or a
 * Kafka console consumer, until it is interrupted.
 *
 * Following uses a blocking claim, never polling (issue 3): after the
 * stored logs are printed, tail creates a temporary proc
 * "tail.<pid>.<random>" whose offset is the id of the last log printed
 * (">" when there was none, so logs of a topic that does not exist yet are
 * seen from its first one), and loops on pp_proc() with WAIT_MS, which the
 * node answers as soon as a commit lands. Each claim is printed, flushed
 * and then acked with its token. Nothing committed between the walk and
 * the proc's creation is lost or printed twice: the offset is the last id
 * printed. The proc never reclaims on its own (no timeout, unlimited
 * reclaims), since it has exactly one consumer.
 *
 * Design notes: SIGINT, SIGTERM and SIGPIPE only set a flag. They are
 * blocked while the client is created, so the library's threads inherit
 * the mask and every signal reaches the main thread. A pp_proc() in
 * progress is not interrupted: the loop ends after the current wait (at
 * most WAIT_MS), destroys the proc and closes the client, and then the
 * signal is raised again with its default action, so the caller sees the
 * usual status of a process killed by that signal (130, 143, or a silent
 * SIGPIPE under `| head`). A failed pp_proc() or ack ends the loop too;
 * the proc is destroyed in every case, and a failed destroy is reported.
 * A tail killed with SIGKILL leaves its proc behind (`pipeproc procs`
 * shows it; `pipeproc destroy` removes it).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "procs.h"
#include "pipeproc.h"

#define WAIT_MS    500  /* one blocking claim; bounds the exit latency */
#define CLAIM_LOGS 1000 /* logs per claim */
#define NAME_MAX_  64   /* "tail.<pid>.<8 hex digits>" fits easily */

/* The signal that asked us to stop, or 0. */
static volatile sig_atomic_t stop_signal;

/* What the command line of tail asks for. */
struct tail_args {
	const char *topic;
	bool        is_follow;
	cli_log_format fmt;
};

static void
on_signal(int sig)
{
	stop_signal = sig;
}

/*
 * Parse the arguments of tail into *ta.
 * Returns 0 or an exit status (already reported).
 */
static int
tail_parse(struct cli_ctx *ctx, int argc, char **argv, struct tail_args *ta)
{
	const cli_opt opts[] = {
		{ "-f", false, cli_opts_flag, &ta->is_follow },
		{ "--follow", false, cli_opts_flag, &ta->is_follow },
		{ "--json", false, cli_opts_flag, &ta->fmt.is_json },
		{ "--base64", false, cli_opts_flag, &ta->fmt.is_base64 },
		{ NULL, false, NULL, NULL },
	};

	int           status;

	memset(ta, 0, sizeof(*ta));
	status
	    = cli_opts_word(ctx, argc, argv, opts, NULL, "TOPIC", &ta->topic);
	if (status == 0) {
		cli_print_format_init(&ta->fmt, ta->topic);
	}
	return status;
}

/*
 * Print every stored log of the topic, as range does; *last is the last
 * one printed and *has_last whether there was one.
 * Returns 0 or a PP_E* code.
 */
static int
print_stored(
    pp_client *client, const struct tail_args *ta, pp_id *last, bool *has_last)
{
	pp_iter      *iter;
	const pp_log *log;
	int           rv;

	*has_last = false;
	if ((rv = pp_iter_open(client, ta->topic, NULL, false, &iter)) != 0) {
		return rv;
	}
	while ((rv = pp_iter_next(iter, &log)) == 1) {
		cli_print_log(log, &ta->fmt);
		*last = log->id;
		*has_last = true;
	}
	pp_iter_close(iter);
	return rv;
}

/* Catch the stop signals, and block them until unblock_signals(). */
static void
catch_signals(sigset_t *set)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGPIPE);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	pthread_sigmask(SIG_BLOCK, set, NULL);
}

/* A fresh proc name: "tail.<pid>.<8 random hex digits>". */
static void
make_name(char *buf, size_t len)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		r = (uint32_t)time(NULL) ^ (uint32_t)clock();
	}
	snprintf(buf, len, "tail.%ld.%08" PRIx32, (long)getpid(), r);
}

/*
 * Claim, print and ack new logs until a signal, a write error or a failed
 * call. Returns 0 (stopped by a signal), a PP_E* code, or PP_EIO with
 * *write_errno set.
 */
static int
follow_loop(pp_client *client, const struct tail_args *ta, const char *name,
    const pp_proc_opts *opts, int *write_errno)
{
	pp_claim *claim;
	size_t    n;
	size_t    k;
	int       rv = 0;

	while (stop_signal == 0) {
		/* Its proc goes with our connection (issue 14 item 7). */
		rv = ppi_proc_ephemeral(client, ta->topic, name, opts, WAIT_MS,
		    false, 0, false, &claim);
		if (rv != 0) {
			break;
		}
		n = pp_claim_count(claim);
		for (k = 0; k < n; k++) {
			cli_print_log(pp_claim_log(claim, k), &ta->fmt);
		}
		if (fflush(stdout) != 0 || ferror(stdout)) {
			*write_errno = errno;
			pp_claim_free(claim);
			/* A closed pipe is a normal way to stop. */
			return stop_signal == SIGPIPE ? 0 : PP_EIO;
		}
		if (n > 0) {
			rv = pp_ack(client, name, pp_claim_token(claim), NULL);
		}
		pp_claim_free(claim);
		if (rv != 0) {
			break;
		}
	}
	return rv;
}

/*
 * Report a failed follow: a write error (write_errno set) or a failed call.
 * Returns CLI_EXIT_FAIL.
 */
static int
follow_fail(struct cli_ctx *ctx, pp_client *client, int rv, int write_errno)
{
	if (rv == PP_EIO && write_errno != 0) {
		return cli_report_fail(ctx, rv, "writing standard output: %s",
		    strerror(write_errno));
	}
	return cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client));
}

/* tail -f: the stored logs, then new ones until stopped. */
static int
tail_follow(struct cli_ctx *ctx, const struct tail_args *ta)
{
	pp_proc_opts opts = PP_PROC_OPTS_INIT;
	char         offset[PP_ID_STRLEN];
	char         name[NAME_MAX_];
	sigset_t     set;
	pp_client   *client;
	pp_id        last;
	bool         has_last;
	int          write_errno = 0;
	int          status;
	int          sig;
	int          rv;

	catch_signals(&set);
	status = cli_connect_open(ctx, &client);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	if (status != 0) {
		return status;
	}
	rv = print_stored(client, ta, &last, &has_last);
	if (rv == 0 || rv == PP_ENOTOPIC) {
		rv = 0;
		if (fflush(stdout) != 0 || ferror(stdout)) {
			write_errno = errno;
			rv = stop_signal == SIGPIPE ? 0 : PP_EIO;
		}
	}
	if (rv != 0) {
		status = follow_fail(ctx, client, rv, write_errno);
		pp_close(client);
		return status;
	}
	make_name(name, sizeof(name));
	opts.offset = has_last ? pp_id_format(last, offset) : ">";
	opts.count = CLAIM_LOGS;
	opts.max_reclaims = -1;
	opts.reclaim_timeout_ms = -1;
	opts.on_max_reclaims = PP_ON_MAX_CONTINUE;
	if ((rv = follow_loop(client, ta, name, &opts, &write_errno)) != 0) {
		/* Report now: destroy replaces the client's detail. */
		status = follow_fail(ctx, client, rv, write_errno);
	}
	/* PP_ENOPROC: the first claim failed, so nothing was created. */
	rv = pp_proc_destroy(client, name, NULL);
	if (rv != 0 && rv != PP_ENOPROC && status == CLI_EXIT_OK) {
		status = cli_report_fail(ctx, rv, "removing proc %s%s%s", name,
		    pp_client_errmsg(client)[0] != '\0' ? ": " : "",
		    pp_client_errmsg(client));
	}
	pp_close(client);
	if (status == CLI_EXIT_OK && (sig = stop_signal) != 0) {
		/* Die of the signal, as an uncaught one would have. */
		signal(sig, SIG_DFL);
		raise(sig);
	}
	return status;
}

int
cli_tail_run(struct cli_ctx *ctx, int argc, char **argv)
{
	struct tail_args ta;
	pp_client       *client;
	pp_id            last;
	bool             has_last;
	int              status;
	int              rv;

	if ((status = tail_parse(ctx, argc, argv, &ta)) != 0) {
		return status;
	}
	if (ta.is_follow) {
		return tail_follow(ctx, &ta);
	}
	if ((status = cli_connect_open(ctx, &client)) != 0) {
		return status;
	}
	if ((rv = print_stored(client, &ta, &last, &has_last)) != 0) {
		status
		    = cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client));
	} else {
		status = cli_report_output(ctx);
	}
	pp_close(client);
	return status;
}
