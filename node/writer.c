/*
 * writer.c - the writer thread: group commit.
 *
 * The thread sleeps on its queue; when woken it takes every queued write
 * request and hands them to store_commit_group() as one transaction with
 * one sync, then answers them all. Requests arriving meanwhile form the
 * next group, so the more clients wait, the more each sync carries.
 *
 * When fewer requests are queued than clients were active in the last two
 * groups, the writer lingers for the others (their reply is on its way to
 * them and their next commit on its way back), as PostgreSQL's
 * commit_delay does. Without it, N busy clients settle into two cohorts
 * that alternate, each paying for a sync. A lone client never waits: it
 * is the only active one. The linger adapts to what a group costs: it
 * never exceeds the recent commit time of a group (LINGER_US at most),
 * since waiting longer than the sync it saves is a loss. So a store that
 * syncs every commit lingers its full LINGER_US, while one that does not
 * (--sync none, interval), where a group costs some tens of µs, barely
 * lingers at all and answers each client as soon as its log is written.
 *
 * On such a store, a plain commit that finds the writer idle (asleep on
 * an empty queue, nothing parked) is committed and answered by the
 * submitting thread itself (writer_submit): the hand-off to this thread
 * and back was most of a small commit's cost there (docs/DESIGN.md §7).
 * The `run` lock keeps everything single-writer: this thread holds it
 * whenever it works, and a submitting thread only ever tries it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "writer.h"
#include "deadline.h"
#include "metrics.h"
#include "owners.h"
#include "queue.h"
#include "timers.h"

/* Upper bound of requests per group: keeps one transaction bounded. */
#define GROUP_MAX 4096
#define LINGER_US 150
/* At most this many waiting requests are parked; more are answered at
 * once (an empty claim), so waits can never take every server context
 * (NCONN 256 in server_impl.h) and starve the commits they wait for. */
#define PARK_MAX 192
/* Limits of one GC or purge step (one transaction, store/gc.c). A
 * request waits behind one step at most, so a step costs about what a
 * commit does: measured, 500 deletions of 100-byte logs take 0.14 ms and
 * the step's sync 0.16 ms; the time limit holds for big logs. */
#define GC_STEP    500
#define GC_STEP_US 500
/* Steps in a row while the queue stays empty (~10 ms): then the loop
 * serves due timers and worker exits before the run goes on. */
#define GC_STEPS_MAX 32
/* Without GC, topic retention still runs this often. */
#define RETENTION_MS 1000
/* Remembered replies of write requests are kept this long by default
 * (an hour: far beyond any resend), and looked through this often (or
 * every dedupe window, when that is shorter). */
#define REQUEST_KEEP_MS (3600 * 1000)
#define REQUEST_PRUNE_MS (60 * 1000)

#define RECENT_MAX 64
/* Connections remembered as closed, so that a claim they sent that is
 * still queued is not served (drop_orphans). NNG pipe ids are not
 * reused soon, and a queued request is at most a group old. */
#define GONE_MAX 256
/* A proc of a connection outlives it this long by default: time for the
 * client to reconnect (node restart, listener restart) and claim again. */
#define EPHEMERAL_GRACE_MS 10000

/* A worker that starts, or ended (its claims go back at once). */
typedef struct worker_event {
	uint32_t slot;
	bool     is_start;
	bool     is_planned; /* it exited on purpose: not a failure */
	char     why[160];
} worker_event;

struct writer {
	store    *store;
	queue     q;
	pthread_t thread;
	uint64_t  recent[2][RECENT_MAX]; /* distinct cids of the last groups */
	size_t    nrecent[2];
	uint64_t  group_ns; /* what a group of commits costs lately (EWMA) */
	timers    timers; /* claim deadlines (reclaim timer) */
	request  *parked; /* claims waiting for logs */
	size_t    nparked;
	writer_gc gc;
	uint64_t  next_gc_ms; /* next GC / retention run (or step) */
	store_gc_run *gc_run; /* the run in progress, or NULL */
	uint64_t  next_prune_ms; /* next pass over remembered replies */
	bool      is_purging; /* deleted topics' logs remain */
	uint64_t  purge_retry_ms; /* after a failed purge step */
	/* From the worker supervisor (any thread), under ctl: */
	pthread_mutex_t ctl;
	worker_event   *events; /* workers that started or ended */
	size_t          nevents;
	bool            is_stopping_workers;
	uint32_t       *closed; /* pipes whose waits are to be dropped */
	size_t          nclosed;
	/* The writer's own: the last GONE_MAX closed pipes (a ring). */
	uint32_t gone[GONE_MAX];
	size_t   ngone; /* closed so far; the next goes at ngone % MAX */
	owners   owners; /* procs of connections (owners.h) */
	/* Held by whoever commits or touches the state above, but for the
	 * queue and ctl (see writer_submit). */
	pthread_mutex_t run;
	bool            is_inline_ok; /* commits cost no sync: may go inline */
};

static size_t
list_length(const request *r)
{
	size_t n = 0;

	for (; r != NULL; r = r->next) {
		n++;
	}
	return n;
}

static bool
has_cid(const uint64_t *cids, size_t n, uint64_t cid)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (cids[i] == cid) {
			return true;
		}
	}
	return false;
}

/* Distinct clients of the last two groups: the ones worth waiting for. */
static size_t
active_clients(const writer *w)
{
	size_t n = w->nrecent[0], i;

	for (i = 0; i < w->nrecent[1]; i++) {
		if (!has_cid(w->recent[0], w->nrecent[0], w->recent[1][i])) {
			n++;
		}
	}
	return n;
}

static void
remember_clients(writer *w, const request *list)
{
	memcpy(w->recent[1], w->recent[0], sizeof(w->recent[0]));
	w->nrecent[1] = w->nrecent[0];
	w->nrecent[0] = 0;
	for (; list != NULL && w->nrecent[0] < RECENT_MAX; list = list->next) {
		/* cid 0: claims and admin requests, which carry no client
		 * id; they must not make one client look like two. */
		if (list->req.cid != 0 &&
		    !has_cid(w->recent[0], w->nrecent[0], list->req.cid)) {
			w->recent[0][w->nrecent[0]++] = list->req.cid;
		}
	}
}

/* Waits briefly for the other active clients (see above). */
static request *
linger(writer *w, request *list)
{
	struct timespec deadline;
	request        *more, *tail;
	size_t          n = list_length(list), want = active_clients(w);
	uint64_t        wait_us = w->group_ns / 1000;

	if (wait_us > LINGER_US) {
		wait_us = LINGER_US;
	}
	if (n < want && wait_us > 0) {
		deadline = ppi_deadline_after_us(CLOCK_REALTIME, wait_us);
		for (tail = list; tail->next != NULL; tail = tail->next) {
		}
		while (n < want &&
		    (more = queue_pop_until(&w->q, &deadline)) != NULL) {
			tail->next = more;
			n += list_length(more);
			for (; tail->next != NULL; tail = tail->next) {
			}
		}
	}
	remember_clients(w, list);
	return list;
}

static void
add_timers(writer *w, store_outcome *out)
{
	size_t i;

	for (i = 0; i < out->ntimers; i++) {
		if (timers_add(&w->timers, &out->timers[i]) != 0) {
			fprintf(stderr, "pipeproc-node: out of memory for a "
			    "reclaim timer; the claim is reclaimed at restart\n");
		}
	}
	free(out->timers);
	out->timers = NULL;
}

static bool
is_gone(const writer *w, uint32_t pipe)
{
	size_t i, n = w->ngone < GONE_MAX ? w->ngone : GONE_MAX;

	for (i = 0; i < n; i++) {
		if (w->gone[i] == pipe) {
			return true;
		}
	}
	return false;
}

/*
 * Takes out of list the claims (proc, avail) whose connection closed
 * while they were queued, and answers them into the void: served, they
 * would hold logs nobody receives until their reclaim timeout (issue 14
 * item 7). Their client, if it reconnects, sends them again; a claim on
 * a dedupe lane was not remembered, so it is then applied afresh.
 */
static request *
drop_orphans(writer *w, request *list)
{
	request **pp, *r;

	if (w->ngone == 0) {
		return list;
	}
	for (pp = &list; (r = *pp) != NULL;) {
		if ((r->req.op == PPI_OP_PROC || r->req.op == PPI_OP_AVAIL) &&
		    !r->req.is_retry && is_gone(w, r->pipe_id)) {
			*pp = r->next;
			ppi_wire_reply_error(&r->reply, PP_ECLOSED,
			    "the connection closed before the claim was served");
			request_done(r);
		} else {
			pp = &r->next;
		}
	}
	return list;
}

/* A claim with "eph" makes its connection the proc's owner; a destroy
 * ends the proc's tracking (owners.h). */
static void
note_owner(writer *w, const request *r)
{
	if (r->req.op == PPI_OP_PROC && r->req.is_ephemeral) {
		owners_claimed(&w->owners, r->req.name.ptr, r->req.name.len,
		    r->pipe_id);
	} else if (r->req.op == PPI_OP_PDESTROY) {
		owners_forget(&w->owners, r->req.name.ptr, r->req.name.len);
	}
}

/*
 * Destroys the procs whose connection has been gone for the grace
 * period. Returns true when one was (its parked claims may end).
 */
static bool
sweep_owners(writer *w)
{
	store_names   due;
	store_outcome out;
	size_t        destroyed = 0;

	if (owners_take_due(&w->owners, ppi_clock_ms(CLOCK_REALTIME),
	        w->gc.ephemeral_grace_ms, &due) == 0) {
		return false;
	}
	if (store_ephemeral_destroy(w->store, &due, &destroyed, &out) != 0) {
		fprintf(stderr, "pipeproc-node: cannot destroy the procs of "
		    "closed connections; they stay until the next start\n");
	}
	free(due.names);
	metrics_tally(&out.tally);
	add_timers(w, &out);
	return out.has_changes;
}

/*
 * Applies a list of write requests in groups and answers them, except
 * claims that found nothing and may wait: those join w->parked. Returns
 * true when logs were appended or released (parked claims may proceed).
 */
static bool
commit_list(writer *w, request *list)
{
	const ppi_request *reqs[GROUP_MAX];
	ppi_buf           *replies[GROUP_MAX];
	request           *batch[GROUP_MAX];
	bool               is_parked[GROUP_MAX];
	store_outcome      out;
	request           *r, *next;
	size_t             n, i;
	bool               has_changes = false;

	list = drop_orphans(w, list);
	while (list != NULL) {
		for (n = 0, r = list; r != NULL && n < GROUP_MAX; r = next) {
			next       = r->next;
			batch[n]   = r;
			reqs[n]    = &r->req;
			replies[n] = &r->reply;
			n++;
		}
		list = r;
		store_commit_group(w->store, reqs, replies, is_parked, n, &out);
		metrics_group(batch, n, &out.tally);
		if (store_systable_is_dirty(w->store) &&
		    store_systable_reload(w->store) != 0) {
			fprintf(stderr, "pipeproc-node: cannot reload the "
			    "systemProcs; workers keep the old table\n");
		}
		has_changes   = has_changes || out.has_changes;
		w->is_purging = w->is_purging || out.has_purge;
		add_timers(w, &out);
		for (i = 0; i < n; i++) {
			r = batch[i];
			note_owner(w, r);
			if (!is_parked[i] || w->nparked >= PARK_MAX) {
				request_done(r);
				continue;
			}
			/* The wait counts from the first attempt. */
			if (r->park_deadline_ms == 0 && r->req.wait_ms > 0) {
				r->park_deadline_ms =
				    ppi_clock_ms(CLOCK_REALTIME) +
				    (uint64_t) r->req.wait_ms;
			}
			r->req.is_retry = true;
			r->next         = w->parked;
			w->parked       = r;
			w->nparked++;
		}
	}
	return has_changes;
}

/*
 * The parked requests worth trying again after a change: all of them,
 * except workers' claims that cannot get anything (no systemProc exists,
 * and nothing else would change their answer). Those stay parked, so a
 * node without systemProcs pays nothing per commit for its idle workers.
 */
static request *
take_retries(writer *w)
{
	request **pp, *r, *list = NULL, **tail = &list;

	for (pp = &w->parked; (r = *pp) != NULL;) {
		if (r->req.op == PPI_OP_SYSCLAIM &&
		    store_systable_is_idle(w->store, &r->req)) {
			pp = &r->next;
			continue;
		}
		*pp     = r->next;
		r->next = NULL;
		*tail   = r;
		tail    = &r->next;
		w->nparked--;
	}
	return list;
}

/* Fires due timers and ends waits that ran out. */
static bool
expire(writer *w)
{
	store_timer  *due;
	store_outcome out;
	request     **pp, *r;
	uint64_t      now = ppi_clock_ms(CLOCK_REALTIME);
	size_t        n;
	bool          has_changes = false;

	if ((n = timers_take_due(&w->timers, now, &due)) > 0) {
		store_commit_expire(w->store, due, n, &out);
		metrics_tally(&out.tally);
		has_changes = out.has_changes;
		add_timers(w, &out);
	}
	free(due);
	for (pp = &w->parked; (r = *pp) != NULL;) {
		if (r->park_deadline_ms != 0 && r->park_deadline_ms <= now) {
			*pp = r->next;
			w->nparked--;
			request_done(r); /* its reply is the empty claim */
		} else {
			pp = &r->next;
		}
	}
	return has_changes;
}

/*
 * Answers (into the void) the parked requests of connections that were
 * closed: a waiting claim whose client gave up or went away would
 * otherwise take logs that nobody receives, until their reclaim timeout.
 */
static void
drop_waits(writer *w, const uint32_t *closed, size_t nclosed)
{
	request **pp, *r;
	size_t    i;

	for (pp = &w->parked; nclosed > 0 && (r = *pp) != NULL;) {
		for (i = 0; i < nclosed && closed[i] != r->pipe_id; i++) {
		}
		if (i < nclosed) {
			*pp = r->next;
			w->nparked--;
			request_done(r); /* the empty claim; NNG drops it */
		} else {
			pp = &r->next;
		}
	}
}

/*
 * Acts on what other threads asked for: the worker supervisor (workers
 * that started or ended: their claims go back; stop handing work to
 * workers at shutdown) and the server (connections that closed: their
 * waiting requests go). Returns true when parked requests should be
 * tried again.
 */
static bool
control(writer *w)
{
	worker_event *ev;
	store_outcome out;
	uint32_t     *closed;
	size_t        n, nclosed, i;
	bool          is_stopping, has_changes = false;

	pthread_mutex_lock(&w->ctl);
	closed                 = w->closed;
	nclosed                = w->nclosed;
	w->closed              = NULL;
	w->nclosed             = 0;
	ev                     = w->events;
	n                      = w->nevents;
	is_stopping            = w->is_stopping_workers;
	w->events              = NULL;
	w->nevents             = 0;
	w->is_stopping_workers = false;
	pthread_mutex_unlock(&w->ctl);
	for (i = 0; i < n; i++) {
		store_systable_worker(w->store, ev[i].slot, ev[i].is_start);
		if (ev[i].is_start) {
			continue;
		}
		store_systable_release(w->store, false, ev[i].slot,
		    ev[i].is_planned ? NULL : ev[i].why, &out);
		metrics_tally(&out.tally);
		add_timers(w, &out);
		/* Its waiting claims are answered (nobody listens). */
		has_changes = true;
	}
	free(ev);
	drop_waits(w, closed, nclosed);
	for (i = 0; i < nclosed; i++) {
		w->gone[w->ngone++ % GONE_MAX] = closed[i];
		owners_pipe_closed(&w->owners, closed[i],
		    ppi_clock_ms(CLOCK_REALTIME));
	}
	free(closed);
	if (is_stopping) {
		store_systable_stopping(w->store);
		has_changes = true; /* waiting workers get PP_ESHUTDOWN */
	}
	return has_changes;
}

/*
 * When a run is due: one GC step, then more while nothing else is
 * queued. The writer calls it after answering the requests it woke with,
 * so a request waits behind one short step at most; a run cut short by
 * requests goes on right after them, one step per group at least, so it
 * always finishes.
 */
static void
collect(writer *w)
{
	uint64_t now     = ppi_clock_ms(CLOCK_REALTIME);
	bool     is_done = true;
	int      steps   = 0;

	if (w->gc_run == NULL) {
		if (w->next_gc_ms == 0 || now < w->next_gc_ms) {
			return;
		}
		if (store_gc_begin(w->store, w->gc.is_enabled, now,
		        now > w->gc.min_prune_ms ? now - w->gc.min_prune_ms : 0,
		        &w->gc_run) != 0) {
			w->gc_run = NULL; /* the next run tries again */
		}
	}
	while (w->gc_run != NULL) {
		if (store_gc_step(w->gc_run, GC_STEP, GC_STEP_US, &is_done) !=
		    0) {
			is_done = true; /* the next run tries again */
		}
		if (is_done || !queue_is_empty(&w->q) ||
		    ++steps == GC_STEPS_MAX) {
			break;
		}
	}
	if (is_done) {
		store_gc_end(w->gc_run);
		w->gc_run = NULL;
		metrics_gc_run();
		w->next_gc_ms =
		    now + (w->gc.is_enabled ? w->gc.interval_ms : RETENTION_MS);
	} else {
		w->next_gc_ms = now; /* right after the queued requests */
	}
}

/*
 * Forgets remembered replies older than the dedupe window (clients that
 * went away) and producer keys idle that long, a step at a time while
 * nothing else is queued.
 */
static void
prune_requests(writer *w)
{
	uint64_t now = ppi_clock_ms(CLOCK_REALTIME);
	size_t   deleted = GC_STEP, producers_deleted = GC_STEP;

	if (now < w->next_prune_ms) {
		return;
	}
	while (deleted == GC_STEP && queue_is_empty(&w->q)) {
		if (store_requests_prune(w->store,
		        now > w->gc.dedupe_window_ms
		            ? now - w->gc.dedupe_window_ms
		            : 0,
		        GC_STEP, &deleted) != 0) {
			break;
		}
	}
	/* Producer keys idle for a window go too (issue 12): a producer
	 * that comes back later starts afresh. */
	while (producers_deleted == GC_STEP && queue_is_empty(&w->q)) {
		if (store_producers_prune(w->store,
		        now > w->gc.dedupe_window_ms
		            ? now - w->gc.dedupe_window_ms
		            : 0,
		        GC_STEP, &producers_deleted) != 0) {
			break;
		}
	}
	if (producers_deleted == GC_STEP) {
		deleted = GC_STEP; /* more to do: come back soon */
	}
	w->next_prune_ms = deleted == GC_STEP
	    ? now
	    : now + (w->gc.dedupe_window_ms < REQUEST_PRUNE_MS
	                    ? w->gc.dedupe_window_ms
	                    : REQUEST_PRUNE_MS);
}

/* Purges deleted topics' logs, in steps as GC's, while nothing else is
 * queued. */
static void
purge(writer *w)
{
	bool is_done;
	int  steps;

	if (w->purge_retry_ms > ppi_clock_ms(CLOCK_REALTIME)) {
		return;
	}
	for (steps = 0; w->is_purging && queue_is_empty(&w->q) &&
	     steps < GC_STEPS_MAX;
	     steps++) {
		if (store_gc_purge_step(
		        w->store, GC_STEP, GC_STEP_US, &is_done) != 0) {
			/* Tried again after a pause, not in a busy loop. */
			w->purge_retry_ms = ppi_clock_ms(CLOCK_REALTIME) + 100;
			return;
		}
		w->purge_retry_ms = 0;
		w->is_purging     = !is_done;
	}
}

/* The earliest deadline of timers, waits and GC, ms; 0 when none. */
static uint64_t
next_deadline(const writer *w)
{
	uint64_t       next = timers_next(&w->timers);
	uint64_t       owned = owners_next_ms(&w->owners, w->gc.ephemeral_grace_ms);
	const request *r;

	if (owned != 0 && (next == 0 || owned < next)) {
		next = owned;
	}
	if (w->next_gc_ms != 0 && (next == 0 || w->next_gc_ms < next)) {
		next = w->next_gc_ms;
	}
	if (w->is_purging) {
		/* Now (purge when the queue is empty), or after a failure. */
		next = w->purge_retry_ms != 0 ? w->purge_retry_ms : 1;
	}

	for (r = w->parked; r != NULL; r = r->next) {
		if (r->park_deadline_ms != 0 &&
		    (next == 0 || r->park_deadline_ms < next)) {
			next = r->park_deadline_ms;
		}
	}
	return next;
}

static void *
writer_main(void *arg)
{
	writer         *w = arg;
	request        *list, *r;
	struct timespec ts;
	uint64_t        next, start_ns;
	bool            has_changes;

	for (;;) {
		pthread_mutex_lock(&w->run);
		next = next_deadline(w);
		pthread_mutex_unlock(&w->run);
		if (next == 0) {
			list = queue_pop(&w->q, true);
		} else {
			ts.tv_sec  = (time_t) (next / 1000);
			ts.tv_nsec = (long) (next % 1000) * 1000000L;
			list       = queue_pop_until(&w->q, &ts);
		}
		if (list == NULL && queue_is_closed(&w->q)) {
			break;
		}
		pthread_mutex_lock(&w->run);
		has_changes = expire(w);
		has_changes = control(w) || has_changes;
		has_changes = sweep_owners(w) || has_changes;
		if (list != NULL) {
			list        = linger(w, list);
			start_ns    = ppi_clock_ns(CLOCK_MONOTONIC);
			has_changes = commit_list(w, list) || has_changes;
			/* 7/8 old + 1/8 new: one slow sync does not decide */
			w->group_ns = (w->group_ns * 7 +
			    (ppi_clock_ns(CLOCK_MONOTONIC) - start_ns)) / 8;
		}
		if (has_changes && (list = take_retries(w)) != NULL) {
			commit_list(w, list);
		}
		/* After the requests taken above, never before: GC and purge
		 * look at the queue between steps, and those are no longer
		 * in it (they waited for a whole run, up to 100 ms). */
		collect(w);
		purge(w);
		prune_requests(w);
		store_update_fullness(w->store);
		metrics_waiting(w->nparked);
		pthread_mutex_unlock(&w->run);
	}
	/* Stopping: waits end now, with what they have (nothing). */
	pthread_mutex_lock(&w->run);
	while ((r = w->parked) != NULL) {
		w->parked = r->next;
		request_done(r);
	}
	pthread_mutex_unlock(&w->run);
	return NULL;
}

int
writer_start(store *s, const writer_gc *gc, writer **wp)
{
	writer       *w;
	store_timer  *loaded;
	store_outcome out;
	store_names   eph;
	char          msg[256];
	size_t        n, i;
	int           rv;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		return PP_ENOMEM;
	}
	/* The table of systemProcs is the writer's alone (systable.c). */
	if ((rv = store_systable_open(s, msg, sizeof(msg))) != 0) {
		fprintf(stderr, "pipeproc-node: %s\n", msg);
		free(w);
		return rv;
	}
	w->store      = s;
	w->gc         = *gc;
	if (w->gc.dedupe_window_ms == 0) {
		w->gc.dedupe_window_ms = REQUEST_KEEP_MS;
	}
	if (w->gc.ephemeral_grace_ms == 0) {
		w->gc.ephemeral_grace_ms = EPHEMERAL_GRACE_MS;
	}
	/* Procs of connections get the grace period to be claimed again by
	 * their reconnecting clients; unclaimed, they go. */
	if (store_ephemeral_list(s, &eph) == 0) {
		for (i = 0; i < eph.count; i++) {
			owners_orphan(&w->owners, eph.names[i],
			    ppi_clock_ms(CLOCK_REALTIME));
		}
		free(eph.names);
	}
	w->is_purging = true; /* a purge may have been cut by a restart */
	/* The first run comes one interval after the start. */
	w->next_gc_ms = ppi_clock_ms(CLOCK_REALTIME) +
	    (gc->is_enabled ? gc->interval_ms : RETENTION_MS);
	queue_init(&w->q);
	pthread_mutex_init(&w->ctl, NULL);
	pthread_mutex_init(&w->run, NULL);
	w->is_inline_ok = store_is_nosync(s);
	/* No worker outlives its node: claims they held are free again. */
	store_systable_release(s, true, 0, NULL, &out);
	free(out.timers);
	if (store_inspect_timers(s, &loaded, &n) == 0) {
		for (i = 0; i < n; i++) {
			timers_add(&w->timers, &loaded[i]);
		}
		free(loaded);
	}
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		pthread_mutex_destroy(&w->run);
		pthread_mutex_destroy(&w->ctl);
		queue_fini(&w->q);
		store_systable_close(s);
		free(w);
		return PP_ENOMEM;
	}
	*wp = w;
	return 0;
}

/* A commit request of plain commit calls: no claim, ack or reclaim, so
 * it parks nothing and sets no timer. */
static bool
is_plain_commit(const request *r)
{
	size_t i;

	if (r->req.op != PPI_OP_COMMIT) {
		return false;
	}
	for (i = 0; i < r->req.ncalls; i++) {
		if (r->req.calls[i].kind != PPI_CALL_COMMIT) {
			return false;
		}
	}
	return true;
}

/*
 * Commits r in this thread when the writer has nothing to do: no sync
 * to share (is_inline_ok), nobody queued before r (group commit and the
 * order of arrival stay the writer's) and the writer thread asleep.
 * Waiting claims the commit may serve are tried again here, as the
 * writer would; then the writer looks at its deadlines again (a claim
 * sets a reclaim timer). Returns false when r is not taken.
 */
static bool
commit_inline(writer *w, request *r)
{
	request *retries;
	uint64_t start_ns;
	bool     has_changes;

	if (!w->is_inline_ok || !is_plain_commit(r) ||
	    pthread_mutex_trylock(&w->run) != 0) {
		return false;
	}
	if (!queue_is_idle(&w->q)) {
		pthread_mutex_unlock(&w->run);
		return false;
	}
	r->next = NULL;
	remember_clients(w, r);
	start_ns    = ppi_clock_ns(CLOCK_MONOTONIC);
	has_changes = commit_list(w, r); /* answers r: hands off from here */
	w->group_ns = (w->group_ns * 7 +
	    (ppi_clock_ns(CLOCK_MONOTONIC) - start_ns)) / 8;
	if (has_changes && (retries = take_retries(w)) != NULL) {
		commit_list(w, retries);
		metrics_waiting(w->nparked);
		queue_wake(&w->q);
	}
	store_update_fullness(w->store);
	pthread_mutex_unlock(&w->run);
	return true;
}

void
writer_submit(writer *w, request *r)
{
	r->queued_us = metrics_now_us(); /* write latency starts here */
	if (!commit_inline(w, r)) {
		queue_push(&w->q, r);
	}
}

static void
worker_event_add(writer *w, uint32_t slot, bool is_start, bool is_planned,
    const char *why)
{
	worker_event *n;

	pthread_mutex_lock(&w->ctl);
	n = realloc(w->events, (w->nevents + 1) * sizeof(*n));
	if (n != NULL) {
		w->events             = n;
		n[w->nevents].slot       = slot;
		n[w->nevents].is_start   = is_start;
		n[w->nevents].is_planned = is_planned;
		snprintf(n[w->nevents].why, sizeof(n->why), "%s", why);
		w->nevents++;
	} else {
		fprintf(stderr, "pipeproc-node: out of memory for a worker "
		    "event; its claims go back at their timeout\n");
	}
	pthread_mutex_unlock(&w->ctl);
	queue_wake(&w->q);
}

void
writer_worker_started(writer *w, uint32_t slot)
{
	worker_event_add(w, slot, true, false, "");
}

void
writer_worker_exited(
    writer *w, uint32_t slot, bool is_planned, const char *why)
{
	worker_event_add(w, slot, false, is_planned, why);
}

void
writer_pipe_closed(writer *w, uint32_t pipe_id)
{
	uint32_t *n;

	/* Connections close rarely next to requests: one wake-up each. */
	pthread_mutex_lock(&w->ctl);
	if ((n = realloc(w->closed, (w->nclosed + 1) * sizeof(*n))) != NULL) {
		w->closed               = n;
		w->closed[w->nclosed++] = pipe_id;
	}
	pthread_mutex_unlock(&w->ctl);
	queue_wake(&w->q);
}

void
writer_stop_workers(writer *w)
{
	pthread_mutex_lock(&w->ctl);
	w->is_stopping_workers = true;
	pthread_mutex_unlock(&w->ctl);
	queue_wake(&w->q);
}

void
writer_stop(writer *w)
{
	if (w == NULL) {
		return;
	}
	queue_close(&w->q);
	pthread_join(w->thread, NULL);
	queue_fini(&w->q);
	timers_fini(&w->timers);
	pthread_mutex_destroy(&w->ctl);
	pthread_mutex_destroy(&w->run);
	store_gc_end(w->gc_run);
	store_systable_close(w->store);
	free(w->events);
	free(w->closed);
	owners_fini(&w->owners);
	free(w);
}
