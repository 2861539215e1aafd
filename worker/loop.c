/*
 * loop.c - the claim threads of a worker and the worker's stop state.
 *
 * Each thread loops: hold the current systemProc table, claim with its
 * version and no deadline (the claim waits in the node until a log
 * arrives or the table changes: no polling, PEER §23.13), then install
 * the new table or run the plugin and settle the claim.
 *
 * Design notes:
 * - A thread is "busy" except while parked in ppi_system_claim(). Stop
 *   (SIGTERM, the node's PP_ESHUTDOWN, --restart-after, lasting errors)
 *   sets is_stopping; the worker is settled when no thread is busy. Then
 *   is_exiting is set, under the same lock, and a thread that comes back
 *   from a claim after that only leaves: so main() can fini the plugins
 *   while threads are still parked in the library. A parked claim cannot
 *   be cancelled (pp_close must not race other calls), which is why the
 *   worker may end with _exit(); whatever such a claim receives is
 *   reclaimed by the node when the worker exits.
 * - --restart-after counts claims with logs, across threads, when they
 *   arrive; the one that reaches the count still runs.
 * - Claim errors other than the node stopping are retried after a
 *   backoff (50 ms doubling to 1 s) that loop_stop() interrupts; after
 *   ERROR_GIVE_UP_MS without a success the worker stops with status 1
 *   and the node starts another one.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "deadline.h"
#include "log.h"
#include "loop.h"
#include "registry.h"
#include "settle.h"
#include "system.h"

#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 1000
#define ERROR_GIVE_UP_MS 30000

struct loop {
	pp_client      *client;
	loop_opts       o;
	registry       *reg;
	pthread_t      *threads;
	uint32_t        nthreads; /* started */
	pthread_mutex_t mtx;
	pthread_cond_t  wake; /* interrupts backoff sleeps on stop */
	bool            is_stopping;
	bool            is_exiting;
	unsigned        busy;    /* threads not parked in a claim */
	unsigned        running; /* threads not yet returned */
	uint64_t        claimed; /* claims with logs, all threads */
	int             status;
	int             notify[2]; /* pipe: main() polls notify[0] */
};

/* Wakes main(); called locked. A full pipe already says it. */
static void
poke(loop *l)
{
	char c = 0;

	if (write(l->notify[1], &c, 1) < 0) {
		/* EAGAIN: main has a wake-up pending anyway. */
	}
}

/* Called locked. */
static void
stop_locked(loop *l, int status)
{
	if (status != 0) {
		l->status = status;
	}
	if (!l->is_stopping) {
		l->is_stopping = true;
		pthread_cond_broadcast(&l->wake);
	}
	poke(l);
}

/* Sleeps up to ms unless the loop stops; called locked. */
static void
nap_locked(loop *l, unsigned ms)
{
	struct timespec ts =
	    ppi_deadline_after_us(CLOCK_REALTIME, (long long) ms * 1000);

	while (!l->is_stopping &&
	    pthread_cond_timedwait(&l->wake, &l->mtx, &ts) != ETIMEDOUT) {
	}
}

/*
 * Handles a failed claim; called locked. Returns after the backoff, or
 * stops the loop when the error is final or has lasted too long.
 */
static void
claim_failed(loop *l, int rv, uint64_t *first_error_ms, unsigned *backoff_ms)
{
	uint64_t now = ppi_clock_ms(CLOCK_MONOTONIC);

	if (rv == PP_ESHUTDOWN) {
		stop_locked(l, 0); /* the node is stopping its workers */
		return;
	}
	if (rv == PP_EUNKNOWN_OP || rv == PP_EVERSION || rv == PP_EPROTO) {
		log_msg("claim: %s: %s; the node does not run workers like "
		    "this one", pp_errname(rv), pp_client_errmsg(l->client));
		stop_locked(l, 1);
		return;
	}
	if (*first_error_ms == 0) {
		*first_error_ms = now;
		*backoff_ms     = BACKOFF_MIN_MS;
		log_msg("claim: %s: %s; retrying", pp_errname(rv),
		    pp_client_errmsg(l->client));
	} else if (now - *first_error_ms > ERROR_GIVE_UP_MS) {
		log_msg("claim: %s: %s; failing for %d s, giving up",
		    pp_errname(rv), pp_client_errmsg(l->client),
		    ERROR_GIVE_UP_MS / 1000);
		stop_locked(l, 1);
		return;
	}
	nap_locked(l, *backoff_ms);
	if (*backoff_ms < BACKOFF_MAX_MS) {
		*backoff_ms *= 2;
	}
}

static void *
run(void *arg)
{
	loop               *l = arg;
	settle_ctx          s;
	registry_table     *held, *pending_held = NULL;
	ppi_settle          settle;
	const ppi_settle   *sp;
	bool                is_refused;
	const ppi_systable *t;
	ppi_systable       *table;
	pp_claim           *claim;
	uint64_t            known, first_error_ms = 0;
	unsigned            backoff_ms = 0;
	size_t              sys, proc;
	int                 rv;

	settle_init(&s, l->client, l->reg);
	pthread_mutex_lock(&l->mtx);
	while (!l->is_stopping) {
		pthread_mutex_unlock(&l->mtx);
		held = registry_hold(l->reg, &known, &t);
		pthread_mutex_lock(&l->mtx);
		l->busy--;
		if (l->is_stopping && l->busy == 0) {
			poke(l);
		}
		pthread_mutex_unlock(&l->mtx);

		table = NULL;
		claim = NULL;
		/* The previous claim's ack travels with this request. */
		sp = settle_pending(&s, &settle);
		rv = ppi_system_claim(l->client, l->o.slot, known, -1, sp,
		    &is_refused, &table, &claim, &sys, &proc);
		settle_sent(&s, rv, is_refused);
		/* Its records pointed into the table it was made with. */
		registry_drop(l->reg, pending_held);
		pending_held = NULL;

		pthread_mutex_lock(&l->mtx);
		if (l->is_exiting) {
			/* main() is finishing without us; touch nothing. */
			l->running--;
			pthread_mutex_unlock(&l->mtx);
			pp_claim_free(claim);
			ppi_systable_free(table);
			return NULL;
		}
		l->busy++;
		if (rv == 0 && claim != NULL && pp_claim_count(claim) > 0 &&
		    ++l->claimed == l->o.restart_after) {
			log_msg("%llu claims handled: stopping to be replaced",
			    (unsigned long long) l->claimed);
			stop_locked(l, 0);
		}
		if (rv != 0 && rv != PP_ETIMEDOUT && !is_refused) {
			claim_failed(l, rv, &first_error_ms, &backoff_ms);
		}
		pthread_mutex_unlock(&l->mtx);

		if (rv == 0) {
			first_error_ms = 0;
			if (table != NULL) {
				registry_install(l->reg, known, table);
			} else if (claim != NULL &&
			    settle_claim(&s, t, sys, proc, claim) ==
			        PP_ESHUTDOWN) {
				loop_stop(l);
			}
		}
		pp_claim_free(claim);
		if (s.has_pending) {
			pending_held = held; /* until the settle is sent */
		} else {
			registry_drop(l->reg, held);
		}
		pthread_mutex_lock(&l->mtx);
	}
	/* Stopping with a claim processed: settle it on its own. */
	pthread_mutex_unlock(&l->mtx);
	settle_flush(&s);
	registry_drop(l->reg, pending_held);
	pthread_mutex_lock(&l->mtx);
	l->busy--;
	l->running--;
	poke(l);
	pthread_mutex_unlock(&l->mtx);
	settle_fini(&s);
	return NULL;
}

int
loop_start(pp_client *client, const loop_opts *o, loop **out)
{
	loop    *l;
	uint32_t i;
	int      rv;

	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->threads = calloc(o->concurrency, sizeof(pthread_t))) ==
	        NULL ||
	    registry_alloc(&l->reg) != 0) {
		if (l != NULL) {
			free(l->threads);
		}
		free(l);
		return PP_ENOMEM;
	}
	if (pipe2(l->notify, O_CLOEXEC | O_NONBLOCK) != 0) {
		registry_free(l->reg);
		free(l->threads);
		free(l);
		return PP_EINTERNAL;
	}
	l->client = client;
	l->o      = *o;
	registry_set_max_body(l->reg, client->max_body);
	pthread_mutex_init(&l->mtx, NULL);
	pthread_cond_init(&l->wake, NULL);

	pthread_mutex_lock(&l->mtx);
	for (i = 0; i < o->concurrency; i++) {
		if ((rv = pthread_create(&l->threads[i], NULL, run, l)) != 0) {
			log_msg("cannot start thread %u of %u: %s", i + 1,
			    o->concurrency, strerror(rv));
			break;
		}
		l->nthreads++;
		l->busy++;
		l->running++;
	}
	pthread_mutex_unlock(&l->mtx);
	if (l->nthreads == 0) {
		/* Nothing runs: undo everything. */
		close(l->notify[0]);
		close(l->notify[1]);
		pthread_cond_destroy(&l->wake);
		pthread_mutex_destroy(&l->mtx);
		registry_free(l->reg);
		free(l->threads);
		free(l);
		return PP_EINTERNAL;
	}
	*out = l;
	return 0;
}

int
loop_fd(const loop *l)
{
	return l->notify[0];
}

void
loop_stop(loop *l)
{
	pthread_mutex_lock(&l->mtx);
	stop_locked(l, 0);
	pthread_mutex_unlock(&l->mtx);
}

bool
loop_settled(loop *l, int *status)
{
	bool is_settled;

	pthread_mutex_lock(&l->mtx);
	is_settled = l->is_stopping && l->busy == 0;
	if (is_settled) {
		l->is_exiting = true;
		*status       = l->status;
	}
	pthread_mutex_unlock(&l->mtx);
	return is_settled;
}

bool
loop_finish(loop *l)
{
	bool     is_all_out;
	uint32_t i;

	pthread_mutex_lock(&l->mtx);
	is_all_out = l->running == 0;
	pthread_mutex_unlock(&l->mtx);
	/* Settled: no thread runs a plugin or touches the table any more. */
	registry_free(l->reg);
	if (!is_all_out) {
		return false;
	}
	for (i = 0; i < l->nthreads; i++) {
		pthread_join(l->threads[i], NULL);
	}
	close(l->notify[0]);
	close(l->notify[1]);
	pthread_cond_destroy(&l->wake);
	pthread_mutex_destroy(&l->mtx);
	free(l->threads);
	free(l);
	return true;
}
