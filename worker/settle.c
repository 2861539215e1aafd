/*
 * settle.c - one claim, start to end: hand its logs to the plugin, then
 * settle the claim by what process() said (pipeproc_plugin(7)):
 *
 *   0, nothing emitted      ack
 *   0, logs emitted         ack_commit: the ack and the outputs in one
 *                           transaction, so each input's outputs are
 *                           committed exactly once
 *   (both travel with the thread's next claim request, settle_pending();
 *   settle_flush() sends a last one on its own)
 *   non-zero                pp_reclaim with the fail() text, else
 *                           "process() returned N"
 *   plugin cannot load      pp_reclaim with the load error
 *
 * Every failure becomes a reclaim with a reason that pp_proc_inspect()
 * shows (PEER §23.14: nothing is left for the timer that we can give back
 * now). The exceptions are settles the node refuses because the claim is
 * no longer ours (timed out, proc destroyed or disabled) and transport
 * failures: those are logged and the loop goes on; the node's timer or
 * its worker supervisor releases whatever is left.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "log.h"
#include "settle.h"

void
settle_init(settle_ctx *s, pp_client *client, registry *reg)
{
	memset(s, 0, sizeof(*s));
	s->client = client;
	s->reg    = reg;
	/* The node's limit, from its hello: the emitter refuses a body
	 * the commit would refuse, while the plugin can still react. */
	emitter_init(&s->em, client->max_body);
}

void
settle_fini(settle_ctx *s)
{
	emitter_fini(&s->em);
	free(s->logs);
	free(s->ids);
	memset(s, 0, sizeof(*s));
}

/* Copies at most EMITTER_FAIL_MAX bytes of src, never half a UTF-8
 * character: the node keeps the reason as text. */
static void
clip(char dst[EMITTER_FAIL_MAX + 1], const char *src)
{
	size_t n = strnlen(src, EMITTER_FAIL_MAX + 1);

	if (n > EMITTER_FAIL_MAX) {
		n = EMITTER_FAIL_MAX;
		while (n > 0 && ((unsigned char) src[n] & 0xc0) == 0x80) {
			n--;
		}
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The node refused because the claim is not ours any more. */
static bool
is_gone(int rv)
{
	return rv == PP_ESTALE_CLAIM || rv == PP_ENOPROC ||
	    rv == PP_ENOTHING_TO_ACK || rv == PP_ENOTHING_TO_RECLAIM ||
	    rv == PP_EPROC_DISABLED;
}

/* We cannot know whether the node applied the call. */
static bool
is_transport(int rv)
{
	return rv == PP_ETIMEDOUT || rv == PP_ECLOSED || rv == PP_ENOTCONN;
}

/* Reclaims with `why` as the reason. */
static int
give_back(settle_ctx *s, const char *proc, uint64_t token, const char *why)
{
	char text[EMITTER_FAIL_MAX + 1];
	int  rv;

	clip(text, why);
	if ((rv = pp_reclaim(s->client, proc, token, text)) == 0 ||
	    rv == PP_ESHUTDOWN) {
		return rv == 0 ? 0 : PP_ESHUTDOWN;
	}
	log_msg("proc %s: reclaim %s: %s%s%s (the reason was: %s)", proc,
	    is_gone(rv) ? "dropped" : "failed", pp_errname(rv),
	    pp_client_errmsg(s->client)[0] != '\0' ? ": " : "",
	    pp_client_errmsg(s->client), text);
	return 0;
}

/*
 * An ack (or ack_commit of the emitter's records) the node did not
 * apply, or may not have: rv is its error. Returns as settle_claim().
 */
static int
ack_failed(settle_ctx *s, const char *proc, uint64_t token, int rv)
{
	const pp_record *recs;
	const char      *what;
	char             why[1024], detail[512]; /* give_back() clips */
	size_t           n;

	n    = emitter_records(&s->em, &recs);
	what = n == 0 ? "ack" : "ack_commit";
	if (rv == PP_ESHUTDOWN) {
		log_msg("proc %s: %s refused: the node is stopping (the claim "
		    "is handed out again when it restarts)", proc, what);
		return rv;
	}
	snprintf(detail, sizeof(detail), "%s", pp_client_errmsg(s->client));
	if (is_gone(rv) || is_transport(rv)) {
		log_msg("proc %s: %s %s: %s%s%s", proc, what,
		    is_gone(rv) ? "dropped" : "failed", pp_errname(rv),
		    detail[0] != '\0' ? ": " : "", detail);
		return 0;
	}
	/* The node refused the outputs (too large, store full...): the
	 * claim fails like a failed process(), with the reason. */
	snprintf(why, sizeof(why), "%s of %zu outputs failed: %s%s%s", what,
	    n, pp_errname(rv), detail[0] != '\0' ? ": " : "", detail);
	log_msg("proc %s: %s", proc, why);
	return give_back(s, proc, token, why);
}

/* process() succeeded: the ack goes with the next claim request. */
static int
settle_ok(settle_ctx *s, const char *proc, uint64_t token)
{
	snprintf(s->pending_proc, sizeof(s->pending_proc), "%s", proc);
	s->pending_token = token;
	s->has_pending   = true;
	return 0;
}

const ppi_settle *
settle_pending(settle_ctx *s, ppi_settle *out)
{
	if (!s->has_pending) {
		return NULL;
	}
	out->proc  = s->pending_proc;
	out->token = s->pending_token;
	out->count = emitter_records(&s->em, &out->recs);
	return out;
}

void
settle_sent(settle_ctx *s, int rv, bool is_refused)
{
	if (!s->has_pending) {
		return;
	}
	s->has_pending = false;
	/* Any other outcome means the node applied it. */
	if (is_refused || is_transport(rv)) {
		ack_failed(s, s->pending_proc, s->pending_token, rv);
	}
}

int
settle_flush(settle_ctx *s)
{
	const pp_record *recs;
	size_t           n;
	int              rv;

	if (!s->has_pending) {
		return 0;
	}
	s->has_pending = false;
	n = emitter_records(&s->em, &recs);
	if (n > s->cap_ids) {
		free(s->ids);
		s->cap_ids = 0;
		if ((s->ids = malloc(n * sizeof(*s->ids))) == NULL) {
			return give_back(s, s->pending_proc, s->pending_token,
			    "worker out of memory");
		}
		s->cap_ids = n;
	}
	rv = n == 0 ? pp_ack(s->client, s->pending_proc, s->pending_token,
	                  NULL)
	            : pp_ack_commit(s->client, s->pending_proc,
	                  s->pending_token, recs, n, s->ids);
	return rv == 0 ? 0 : ack_failed(s, s->pending_proc, s->pending_token,
	                         rv);
}

/* Makes s->logs hold at least n entries. */
static int
reserve_logs(settle_ctx *s, size_t n)
{
	pp_plugin_log *p;

	if (n <= s->cap_logs) {
		return 0;
	}
	if ((p = realloc(s->logs, n * sizeof(*p))) == NULL) {
		return PP_ENOMEM;
	}
	s->logs     = p;
	s->cap_logs = n;
	return 0;
}

int
settle_claim(settle_ctx *s, const ppi_systable *t, size_t sys, size_t proc,
    const pp_claim *claim)
{
	const ppi_sysproc *sp;
	const pp_log      *l;
	registry_inst     *inst;
	const char        *name, *text;
	char               err[PLUGIN_ERR_MAX], why[64];
	uint64_t           token;
	size_t             i, n;
	int                rv;

	if ((n = pp_claim_count(claim)) == 0) {
		return 0;
	}
	if (t == NULL || sys >= t->count || proc >= t->items[sys].nfrom) {
		/* Without a proc name there is nothing to settle with. */
		log_msg("claim for systemProc %zu/%zu outside the table "
		    "(version %llu); left to the node's timer", sys, proc,
		    t != NULL ? (unsigned long long) t->version : 0ull);
		return 0;
	}
	sp    = &t->items[sys];
	name  = sp->procs[proc];
	token = pp_claim_token(claim);

	if (registry_acquire(s->reg, sp, &inst, err, sizeof(err)) != 0) {
		log_msg("proc %s: %s", name, err);
		return give_back(s, name, token, err);
	}
	if (reserve_logs(s, n) != 0) {
		registry_release(s->reg, inst);
		return give_back(s, name, token, "worker out of memory");
	}
	for (i = 0; i < n; i++) {
		l          = pp_claim_log(claim, i);
		s->logs[i] = (pp_plugin_log) { .ms = l->id.ms,
			.seq                       = l->id.seq,
			.topic                     = sp->from[proc],
			.body                      = l->body,
			.len                       = l->len };
	}
	emitter_begin(&s->em, sp->to, sp->nto);
	rv = plugin_process(registry_plugin(inst), s->logs, n, &s->em.pub);
	emitter_end(&s->em);
	registry_release(s->reg, inst);

	if (rv == 0) {
		return settle_ok(s, name, token);
	}
	if ((text = emitter_fail_text(&s->em)) == NULL) {
		snprintf(why, sizeof(why), "process() returned %d", rv);
		text = why;
	}
	return give_back(s, name, token, text);
}
