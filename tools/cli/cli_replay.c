/*
 * cli_replay.c - `pipeproc replay TOPIC.dead [--to TOPIC] [--name NAME]`:
 * put dead letters back to work.
 *
 * A dead letter (pp_proc(3), PP_ON_MAX_DEADLETTER) wraps the original log
 * in an envelope; replay commits each original body again, to the topic
 * it came from or to --to TOPIC, and prints the new ids one per line, as
 * commit does.
 *
 * Replay reads TOPIC.dead through a proc of its own, NAME (default
 * "replay.TOPIC.dead"), and commits each claim with pp_ack_commit(): the
 * new logs and the proc's move past the dead letters are one
 * transaction. So a dead letter is replayed exactly once, whatever
 * happens: a replay killed at any point has either committed a batch
 * and moved past it, or done neither, and the next replay takes up from
 * the proc's cursor. The proc stays after a replay, so a later one
 * replays only the dead letters that came since; `pipeproc destroy NAME`
 * makes the next one start from the first again.
 *
 * Design notes: the proc never reclaims by itself (no timeout, unlimited
 * reclaims), so a claim left by a killed replay would block its logs for
 * ever; a replay therefore first gives back whatever claim is
 * outstanding. Two replays run at once under one NAME are still safe:
 * the one whose claim was given back fails its ack_commit with
 * PP_ESTALE_CLAIM, having committed nothing. A log of TOPIC.dead that
 * is not an envelope stops the replay with PP_EINVALID_BODY, its claim
 * given back, nothing of that batch committed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pipeproc.h"

#define REPLAY_BATCH 100 /* dead letters per claim and commit */
#define NAME_PREFIX  "replay."

/* What the command line of replay asks for. */
struct replay_args {
	const char *topic; /* TOPIC.dead */
	const char *to;    /* --to, or NULL: each letter's own topic */
	const char *name;  /* --name, or NULL: "replay.TOPIC.dead" */
	char        name_buf[sizeof(NAME_PREFIX) + PP_TOPIC_MAX];
};

/*
 * Parse the arguments of replay into *ra.
 * Returns 0 or an exit status (already reported).
 */
static int
replay_parse(struct cli_ctx *ctx, int argc, char **argv, struct replay_args *ra)
{
	const cli_opt opts[] = {
		{ "--to", true, cli_opts_str, &ra->to },
		{ "--name", true, cli_opts_str, &ra->name },
		{ NULL, false, NULL, NULL },
	};
	int status;

	memset(ra, 0, sizeof(*ra));
	status = cli_opts_word(
	    ctx, argc, argv, opts, NULL, "TOPIC.dead", &ra->topic);
	if (status != 0 || ra->name != NULL) {
		return status;
	}
	if (strlen(ra->topic) > PP_TOPIC_MAX) {
		return cli_report_fail(ctx, PP_EINVALID_TOPIC,
		    "'%s' is longer than %d bytes", ra->topic, PP_TOPIC_MAX);
	}
	snprintf(ra->name_buf, sizeof(ra->name_buf), NAME_PREFIX "%s",
	    ra->topic);
	if (strlen(ra->name_buf) > PP_TOPIC_MAX) {
		return cli_report_usage_error(ctx,
		    "the default proc name is too long: give --name NAME");
	}
	ra->name = ra->name_buf;
	return 0;
}

/*
 * Replay one claim: decode every letter, then commit the bodies with the
 * ack in one transaction and print the ids. Returns 0 or a PP_E* code
 * (the claim is then given back), with *bad the index of a letter that
 * was not an envelope.
 */
static int
replay_claim(pp_client *client, const struct replay_args *ra,
    const pp_claim *claim, size_t *bad)
{
	size_t          n = pp_claim_count(claim);
	pp_deadletter **letters = calloc(n, sizeof(*letters));
	pp_record      *records = calloc(n, sizeof(*records));
	pp_id          *ids = calloc(n, sizeof(*ids));
	const pp_log   *log;
	size_t          k;
	int             rv = 0;

	if (letters == NULL || records == NULL || ids == NULL) {
		rv = PP_ENOMEM;
	}
	for (k = 0; rv == 0 && k < n; k++) {
		log = pp_claim_log(claim, k);
		rv = pp_deadletter_decode(log->body, log->len, &letters[k]);
		if (rv != 0) {
			*bad = k;
			break;
		}
		records[k].topic = ra->to != NULL ? ra->to : letters[k]->topic;
		records[k].body = letters[k]->body;
		records[k].len = letters[k]->len;
	}
	if (rv == 0) {
		rv = pp_ack_commit(client, ra->name, pp_claim_token(claim),
		    records, n, ids);
	}
	for (k = 0; rv == 0 && k < n; k++) {
		cli_print_id(ids[k]);
	}
	for (k = 0; letters != NULL && k < n; k++) {
		pp_deadletter_free(letters[k]);
	}
	free(letters);
	free(records);
	free(ids);
	return rv;
}

int
cli_replay_run(struct cli_ctx *ctx, int argc, char **argv)
{
	struct replay_args ra;
	pp_proc_opts       opts = PP_PROC_OPTS_INIT;
	pp_client         *client;
	pp_claim          *claim;
	char               id[PP_ID_STRLEN];
	size_t             bad = 0;
	uint64_t           count;
	int                status;
	int                rv;

	if ((status = replay_parse(ctx, argc, argv, &ra)) != 0) {
		return status;
	}
	if ((status = cli_connect_open(ctx, &client)) != 0) {
		return status;
	}
	opts.count = REPLAY_BATCH;
	opts.max_reclaims = -1;
	opts.reclaim_timeout_ms = -1;
	opts.on_max_reclaims = PP_ON_MAX_CONTINUE;
	/* No proc is left behind for a topic that does not exist. */
	if ((rv = pp_length(client, ra.topic, &count)) == 0) {
		/* A claim left by a replay that died is given back (file
		 * comment). */
		rv = pp_reclaim(client, ra.name, 0, "replay restarted");
		if (rv == PP_ENOPROC || rv == PP_ENOTHING_TO_RECLAIM) {
			rv = 0;
		}
	}
	while (rv == 0) {
		rv = pp_proc(client, ra.topic, ra.name, &opts, 0, &claim);
		if (rv != 0) {
			break;
		}
		if (pp_claim_count(claim) == 0) {
			pp_claim_free(claim);
			break;
		}
		if ((rv = replay_claim(client, &ra, claim, &bad)) != 0) {
			if (rv == PP_EINVALID_BODY) {
				pp_id_format(pp_claim_log(claim, bad)->id, id);
				status = cli_report_fail(ctx, rv,
				    "log %s of %s is not a dead letter", id,
				    ra.topic);
			} else {
				status = cli_report_fail(
				    ctx, rv, "%s", pp_client_errmsg(client));
			}
			/* Nothing of this batch was committed: give it back
			 * (a stale claim is no longer ours to give). */
			(void)pp_reclaim(client, ra.name, pp_claim_token(claim),
			    pp_strerror(rv));
		}
		pp_claim_free(claim);
		fflush(stdout);
	}
	if (status == CLI_EXIT_OK) {
		status = rv != 0
		    ? cli_report_fail(ctx, rv, "%s", pp_client_errmsg(client))
		    : cli_report_output(ctx);
	}
	pp_close(client);
	return status;
}
