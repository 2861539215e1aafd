/*
 * live.c - liveProcs: a callback in this process fed by a proc whose
 * claims block in the node until logs arrive (PEER §13 with the fixes of
 * PEER §23.13 and §23.22).
 *
 * A liveProc is an ordinary proc named liveproc-<128 random bits in hex>
 * (offset "$>" or ">", on_max_reclaims continue) plus one thread of ours
 * that claims from it with pp_proc(wait_ms) and calls the user's function
 * with each claim. The node parks the claim and the commit itself wakes
 * it, so delivery costs no polling (PEER §22.30 measured up to 4.5 s).
 *
 * Design notes:
 * - Threads. The liveProc's thread is the only one that claims, calls fn
 *   and settles claims; pp_live_ack() and friends are only valid on it
 *   (inside fn), which a thread-local pointer tells. The other threads
 *   only cancel. `mu` guards `state` and the cancel flags; `cancel_mu`
 *   serialises cancels from outside so that only one of them joins.
 * - The claim wait is one slice of the client's request timeout: the node
 *   answers an idle claim with an empty one after that long, and we claim
 *   again. The slice is not what makes delivery or cancel prompt (the
 *   commit wakes the claim, and cancel wakes it as below); it bounds how
 *   long a node that went away stays unnoticed (about twice the request
 *   timeout).
 * - Cancel wakes the thread blocked in the node by disabling the proc:
 *   a disable makes the node retry its parked claims, and the claim of a
 *   disabled proc is answered PP_EPROC_DISABLED at once. A disable that
 *   reaches the node before the claim does has the same effect, so there
 *   is no window. Only once the thread is joined (so its claim has been
 *   answered) is the proc destroyed, by the thread itself, so cancel
 *   reports that destroy's own outcome. (A destroy would wake the claim
 *   too: the node answers a parked claim of a destroyed proc with
 *   PP_ENOPROC, and our later claims are sent with "exist", so a proc
 *   someone else destroyed is never created again.)
 * - After fn returns 0 without settling, the ack travels with the next
 *   claim (pp_ack_proc: one round trip, and a missing proc is PP_ENOPROC
 *   there instead of being created again).
 * - Failures back off, 50 ms doubling to 2 s, reset by a delivered claim:
 *   a failed claim, a reclaim (fn failed: do not spin on a log it cannot
 *   handle), and an empty claim that came back long before its wait (the
 *   node had no room to park it, or is stopping). Every pause is a timed
 *   wait on `cv`, so cancel cuts it short.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "client.h"
#include "deadline.h"
#include "procs.h"

#define LIVE_NAME_PREFIX "liveproc-"
#define LIVE_NAME_LEN    (sizeof(LIVE_NAME_PREFIX) - 1 + 32)
#define BACKOFF_MIN_MS   50
#define BACKOFF_MAX_MS   2000
#define WAIT_MAX_MS      600000 /* a claim's wait slice, at most */

/* Where the liveProc's thread is; guarded by mu. */
enum live_state {
	LIVE_STARTING, /* not yet in the loop */
	LIVE_CLAIMING, /* in pp_proc / pp_ack_proc, maybe parked */
	LIVE_CALLING,  /* in fn, or settling its claim */
	LIVE_PAUSING,  /* backing off on cv */
	LIVE_STOPPED   /* the thread has left its loop */
};

struct pp_live {
	pp_client      *client;
	char            name[LIVE_NAME_LEN + 1];
	char           *topic;
	pp_proc_opts    opts;
	int             wait_ms;
	pp_live_fn      fn;
	void           *arg;
	pthread_t       thread;
	pp_claim       *first; /* made by pp_live_proc(), handed to the thread */
	/* The liveProc thread's own: the claim fn is handling. */
	const pp_claim *current;
	bool            is_settled;
	bool            is_reclaimed; /* ... and it was given back */
	/* Guarded by mu: */
	pthread_mutex_t mu;
	pthread_cond_t  cv; /* wakes a pause when cancelled */
	enum live_state state;
	bool            is_cancelled;
	bool            is_free_on_exit; /* freed from inside fn */
	bool            has_destroyed;   /* the thread destroyed the proc */
	int             destroy_rv;
	/* Guarded by cancel_mu: */
	pthread_mutex_t cancel_mu;
	bool            is_finished; /* joined and destroyed */
};

/* The liveProc whose thread this is, if any: "inside the callback". */
static __thread pp_live *live_self;

/* liveproc-<32 hex digits> from getrandom(); PP_EINTERNAL without entropy. */
static int
make_name(char *name)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char     r[16];
	size_t            i, at = sizeof(LIVE_NAME_PREFIX) - 1;

	if (getrandom(r, sizeof(r), 0) != (ssize_t) sizeof(r)) {
		return PP_EINTERNAL;
	}
	memcpy(name, LIVE_NAME_PREFIX, at);
	for (i = 0; i < sizeof(r); i++) {
		name[at++] = hex[r[i] >> 4];
		name[at++] = hex[r[i] & 15];
	}
	name[at] = '\0';
	return 0;
}

/* The proc options of a liveProc (pp_live_opts' zeros are defaults). */
static int
make_opts(pp_client *c, const pp_live_opts *lo, pp_proc_opts *o)
{
	static const pp_proc_opts init = PP_PROC_OPTS_INIT;
	static const pp_live_opts none;

	if (lo == NULL) {
		lo = &none;
	}
	if (lo->mode != PP_LIVE_NEW && lo->mode != PP_LIVE_ALL) {
		return ppi_client_fail(c, PP_EINVALID_OPTION,
		    "mode is not a pp_live_mode value");
	}
	*o                 = init;
	o->offset          = lo->mode == PP_LIVE_NEW ? "$>" : ">";
	o->on_max_reclaims = PP_ON_MAX_CONTINUE;
	if (lo->count != 0) {
		o->count = lo->count;
	}
	if (lo->max_reclaims != 0) {
		o->max_reclaims = lo->max_reclaims;
	}
	if (lo->reclaim_timeout_ms != 0) {
		o->reclaim_timeout_ms = lo->reclaim_timeout_ms;
	}
	return 0;
}

/* Moves the thread to `state` unless cancelled; false when cancelled. */
static bool
live_enter(pp_live *lp, enum live_state state)
{
	bool is_cancelled;

	pthread_mutex_lock(&lp->mu);
	is_cancelled = lp->is_cancelled;
	if (!is_cancelled) {
		lp->state = state;
	}
	pthread_mutex_unlock(&lp->mu);
	return !is_cancelled;
}

/* Pauses *backoff_ms (then doubles it); false when cancelled. */
static bool
live_pause(pp_live *lp, uint32_t *backoff_ms)
{
	struct timespec until;
	bool            is_cancelled;

	*backoff_ms = *backoff_ms == 0 ? BACKOFF_MIN_MS
	    : *backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
	                                       : *backoff_ms * 2;
	until = ppi_deadline_after_us(CLOCK_MONOTONIC, *backoff_ms * 1000LL);
	pthread_mutex_lock(&lp->mu);
	lp->state = LIVE_PAUSING;
	while (!lp->is_cancelled &&
	    pthread_cond_timedwait(&lp->cv, &lp->mu, &until) == 0) {
	}
	is_cancelled = lp->is_cancelled;
	pthread_mutex_unlock(&lp->mu);
	return !is_cancelled;
}

/* Destroys the proc; one that is already gone is not an error. */
static int
live_destroy(pp_live *lp)
{
	int rv = pp_proc_destroy(lp->client, lp->name, NULL);

	return rv == PP_ENOPROC ? 0 : rv;
}

/*
 * Calls fn with a claim and settles it by fn's return value if fn did
 * not. Returns the token to ack with the next claim (0: settled here or
 * by fn). *is_reclaimed when the claim was given back.
 */
static uint64_t
live_deliver(pp_live *lp, const pp_claim *claim, bool *is_reclaimed)
{
	char     error[64];
	uint64_t token = pp_claim_token(claim);
	int      ret;

	lp->current      = claim;
	lp->is_settled   = false;
	lp->is_reclaimed = false;
	ret              = lp->fn(lp, claim, 0, lp->arg);
	lp->current      = NULL;
	if (!lp->is_settled && ret != 0) {
		snprintf(error, sizeof(error), "liveProc callback returned %d",
		    ret);
		pp_reclaim(lp->client, lp->name, token, error);
		lp->is_reclaimed = true;
	}
	*is_reclaimed = lp->is_reclaimed;
	return lp->is_settled || ret != 0 ? 0 : token;
}

/*
 * The thread leaves: gives back a claim fn never saw, acks one fn
 * returned 0 for, and destroys the proc when cancelled (a cancel from
 * outside that joins it then reports that result).
 */
static void
live_exit(pp_live *lp, pp_claim *claim, uint64_t ack_token)
{
	bool is_cancelled, is_free;

	if (claim != NULL) {
		pp_reclaim(lp->client, lp->name, pp_claim_token(claim),
		    "liveProc cancelled");
		pp_claim_free(claim);
	}
	if (ack_token != 0) {
		pp_ack(lp->client, lp->name, ack_token, NULL);
	}
	pthread_mutex_lock(&lp->mu);
	lp->state    = LIVE_STOPPED;
	is_cancelled = lp->is_cancelled;
	is_free      = lp->is_free_on_exit;
	pthread_mutex_unlock(&lp->mu);
	if (is_cancelled) {
		lp->destroy_rv    = live_destroy(lp);
		lp->has_destroyed = true;
	}
	if (is_free) {
		/* pp_live_proc_free() from inside fn: nobody will join. */
		pthread_detach(pthread_self());
		pthread_cond_destroy(&lp->cv);
		pthread_mutex_destroy(&lp->mu);
		pthread_mutex_destroy(&lp->cancel_mu);
		free(lp->topic);
		free(lp);
	}
}

static void *
live_main(void *arg)
{
	pp_live  *lp    = arg;
	pp_claim *claim = lp->first;
	uint64_t  ack_token = 0, started_ms;
	uint32_t  backoff_ms = 0;
	bool      is_reclaimed;
	int       rv;

	live_self = lp;
	lp->first = NULL;
	for (;;) {
		if (claim != NULL) {
			if (!live_enter(lp, LIVE_CALLING)) {
				break;
			}
			ack_token = live_deliver(lp, claim, &is_reclaimed);
			pp_claim_free(claim);
			claim = NULL;
			if (is_reclaimed && !live_pause(lp, &backoff_ms)) {
				break;
			}
			if (!is_reclaimed) {
				backoff_ms = 0;
			}
			continue;
		}
		if (!live_enter(lp, LIVE_CLAIMING)) {
			break;
		}
		started_ms = ppi_clock_ms(CLOCK_MONOTONIC);
		if (ack_token != 0) {
			rv = ppi_proc_ephemeral(lp->client, lp->topic,
			    lp->name, &lp->opts, lp->wait_ms, true, ack_token,
			    false, &claim);
			ack_token = 0;
			if (rv == PP_ESTALE_CLAIM || rv == PP_ENOTHING_TO_ACK) {
				/* The timer took the claim back first: its
				 * logs come again, as at-least-once allows. */
				continue;
			}
		} else {
			/* Never re-create a proc someone destroyed. */
			rv = ppi_proc_ephemeral(lp->client, lp->topic,
			    lp->name, &lp->opts, lp->wait_ms, false, 0, true,
			    &claim);
		}
		if (rv != 0) {
			claim = NULL;
			if (!live_enter(lp, LIVE_CALLING)) {
				break;
			}
			lp->fn(lp, NULL, rv, lp->arg);
			if (rv == PP_ENOPROC || rv == PP_ECLOSED ||
			    !live_pause(lp, &backoff_ms)) {
				break;
			}
			continue;
		}
		if (pp_claim_count(claim) == 0) {
			pp_claim_free(claim);
			claim = NULL;
			if (ppi_clock_ms(CLOCK_MONOTONIC) - started_ms >=
			    (uint64_t) lp->wait_ms / 2) {
				backoff_ms = 0; /* a full wait: all is well */
			} else if (!live_pause(lp, &backoff_ms)) {
				break;
			}
		}
	}
	live_exit(lp, claim, ack_token);
	return NULL;
}

int
pp_live_proc(pp_client *c, const char *topic, const pp_live_opts *opts,
    pp_live_fn fn, void *arg, pp_live **live)
{
	pp_live           *lp;
	pthread_condattr_t cattr;
	char               msg[PPI_ERRMSG_MAX];
	int                rv;

	if (c == NULL) {
		return PP_ENOTCONN;
	}
	if (fn == NULL || live == NULL) {
		return ppi_client_fail(c, PP_EINVAL, "fn or live is NULL");
	}
	if ((lp = calloc(1, sizeof(*lp))) == NULL ||
	    (lp->topic = strdup(topic != NULL ? topic : "")) == NULL) {
		free(lp);
		return ppi_client_fail(c, PP_ENOMEM, "out of memory");
	}
	lp->client  = c;
	lp->fn      = fn;
	lp->arg     = arg;
	lp->state   = LIVE_STARTING;
	lp->wait_ms = c->request_timeout_ms > WAIT_MAX_MS
	    ? WAIT_MAX_MS
	    : (int) c->request_timeout_ms;
	if ((rv = make_opts(c, opts, &lp->opts)) != 0) {
		goto fail;
	}
	if ((rv = make_name(lp->name)) != 0) {
		ppi_client_fail(c, rv, "getrandom() failed");
		goto fail;
	}
	/* Creates the proc (validating topic and options first) and makes
	 * the first claim, handed to the thread: "all" may find logs. */
	if ((rv = ppi_proc_ephemeral(c, lp->topic, lp->name, &lp->opts, 0,
	         false, 0, false, &lp->first)) != 0) {
		if (rv == PP_ETIMEDOUT) {
			/* The node may have created it: do not leak it. */
			snprintf(msg, sizeof(msg), "%s", pp_client_errmsg(c));
			live_destroy(lp);
			ppi_client_fail(c, rv, "%s", msg);
		}
		goto fail;
	}
	if (pp_claim_count(lp->first) == 0) {
		pp_claim_free(lp->first);
		lp->first = NULL;
	}
	pthread_mutex_init(&lp->mu, NULL);
	pthread_mutex_init(&lp->cancel_mu, NULL);
	/* Pauses are measured on the monotonic clock. */
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&lp->cv, &cattr);
	pthread_condattr_destroy(&cattr);
	if (pthread_create(&lp->thread, NULL, live_main, lp) != 0) {
		pp_claim_free(lp->first);
		live_destroy(lp);
		pthread_cond_destroy(&lp->cv);
		pthread_mutex_destroy(&lp->cancel_mu);
		pthread_mutex_destroy(&lp->mu);
		rv = ppi_client_fail(c, PP_ENOMEM, "cannot start a thread");
		goto fail;
	}
	*live = lp;
	return 0;
fail:
	free(lp->topic);
	free(lp);
	return rv;
}

const char *
pp_live_proc_name(const pp_live *lp)
{
	return lp != NULL ? lp->name : NULL;
}

/* The checks of the settling calls: on the liveProc's thread, in fn. */
static int
live_settle_check(pp_live *lp, int none)
{
	if (lp == NULL || live_self != lp || lp->current == NULL ||
	    lp->is_settled) {
		return none;
	}
	return 0;
}

int
pp_live_ack(pp_live *lp)
{
	int rv;

	if ((rv = live_settle_check(lp, PP_ENOTHING_TO_ACK)) != 0) {
		return rv;
	}
	rv = pp_ack(lp->client, lp->name, pp_claim_token(lp->current), NULL);
	lp->is_settled = rv == 0;
	return rv;
}

int
pp_live_ack_commit(
    pp_live *lp, const pp_record *records, size_t count, pp_id *ids)
{
	int rv;

	if ((rv = live_settle_check(lp, PP_ENOTHING_TO_ACK)) != 0) {
		return rv;
	}
	rv = pp_ack_commit(lp->client, lp->name, pp_claim_token(lp->current),
	    records, count, ids);
	lp->is_settled = rv == 0;
	return rv;
}

int
pp_live_reclaim(pp_live *lp, const char *error)
{
	int rv;

	if ((rv = live_settle_check(lp, PP_ENOTHING_TO_RECLAIM)) != 0) {
		return rv;
	}
	rv = pp_reclaim(
	    lp->client, lp->name, pp_claim_token(lp->current), error);
	lp->is_settled   = rv == 0;
	lp->is_reclaimed = rv == 0;
	return rv;
}

int
pp_live_proc_cancel(pp_live *lp)
{
	enum live_state state;
	bool            was_cancelled;
	int             rv;

	if (lp == NULL) {
		return PP_EINVAL;
	}
	if (live_self == lp) {
		/* Inside fn: the thread stops (and destroys the proc) once
		 * fn has returned; joining here would deadlock. */
		pthread_mutex_lock(&lp->mu);
		lp->is_cancelled = true;
		pthread_mutex_unlock(&lp->mu);
		return 0;
	}
	pthread_mutex_lock(&lp->cancel_mu);
	if (lp->is_finished) {
		pthread_mutex_unlock(&lp->cancel_mu);
		return 0;
	}
	pthread_mutex_lock(&lp->mu);
	was_cancelled    = lp->is_cancelled;
	lp->is_cancelled = true;
	state            = lp->state;
	pthread_cond_broadcast(&lp->cv);
	pthread_mutex_unlock(&lp->mu);
	if (!was_cancelled && state == LIVE_CLAIMING) {
		/* Wakes the claim parked in the node (see the top). Already
		 * disabled or destroyed by someone else: it fails at once
		 * anyway. */
		pp_proc_disable(lp->client, lp->name, NULL);
	}
	pthread_join(lp->thread, NULL);
	/* The thread destroyed the proc if it saw the cancel; it may have
	 * stopped before (PP_ENOPROC, PP_ECLOSED). */
	rv              = lp->has_destroyed ? lp->destroy_rv : live_destroy(lp);
	lp->is_finished = true;
	pthread_mutex_unlock(&lp->cancel_mu);
	return rv;
}

void
pp_live_proc_free(pp_live *lp)
{
	if (lp == NULL) {
		return;
	}
	if (live_self == lp) {
		/* Misuse the header warns about, made safe: the thread
		 * frees it on its way out. */
		pthread_mutex_lock(&lp->mu);
		lp->is_cancelled    = true;
		lp->is_free_on_exit = true;
		pthread_mutex_unlock(&lp->mu);
		return;
	}
	pp_live_proc_cancel(lp);
	pthread_cond_destroy(&lp->cv);
	pthread_mutex_destroy(&lp->cancel_mu);
	pthread_mutex_destroy(&lp->mu);
	free(lp->topic);
	free(lp);
}
