/*
 * soak_clients.c - the load during the kills: commit clients (half
 * synchronous, half asynchronous storms) and one claim/ack loop.
 *
 * Every body is unique ("c<client>.<n>"), so the audit can tell a log
 * applied twice from two commits of equal bodies. A commit that fails
 * (timed out while the node was down) may or may not be stored; only
 * what the node acknowledged enters the ledger.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soak.h"

#define BATCH_MAX     16
#define ASYNC_WINDOW  32 /* calls in flight per asynchronous client */
#define BODY_LEN      32

typedef struct committer {
	soak_run  *run;
	int        index;
	pp_client *client;
	uint64_t   next; /* number of the next body */
	uint64_t   rng;
} committer;

/* One asynchronous call's bodies, kept until its callback. */
typedef struct async_call {
	committer *c;
	uint64_t   keys[BATCH_MAX];
	size_t     count;
} async_call;

static atomic_int g_inflight[64];

void
soak_ledger_add(soak_ledger *l, pp_id id, uint64_t key)
{
	pthread_mutex_lock(&l->mu);
	if (l->count == l->cap) {
		size_t    cap = l->cap ? l->cap * 2 : 65536;
		soak_ack *v   = realloc(l->v, cap * sizeof(*v));

		if (v == NULL) {
			fprintf(stderr, "soak: out of memory\n");
			abort();
		}
		l->v   = v;
		l->cap = cap;
	}
	l->v[l->count++] = (soak_ack){ id.ms, id.seq, key };
	pthread_mutex_unlock(&l->mu);
}

static size_t
fill(committer *c, pp_record *recs, char (*bodies)[BODY_LEN], uint64_t *keys)
{
	size_t n = 1 + (size_t)(soak_rand(&c->rng) % BATCH_MAX), i;

	for (i = 0; i < n; i++) {
		keys[i] = ((uint64_t) c->index << 40) | c->next++;
		recs[i].topic = SOAK_TOPIC;
		recs[i].body  = bodies[i];
		recs[i].len   = (size_t) soak_body(bodies[i], BODY_LEN, keys[i]);
	}
	return n;
}

static void
async_done(void *arg, int status, const pp_id *ids, size_t count)
{
	async_call *a = arg;
	size_t      i;

	if (status == 0) {
		for (i = 0; i < count; i++) {
			soak_ledger_add(&a->c->run->ledger, ids[i], a->keys[i]);
		}
	} else {
		atomic_fetch_add(&a->c->run->calls_failed, 1);
	}
	atomic_fetch_sub(&g_inflight[a->c->index], 1);
	free(a);
}

static void
commit_async(committer *c)
{
	char        bodies[BATCH_MAX][BODY_LEN];
	pp_record   recs[BATCH_MAX];
	async_call *a;

	if (atomic_load(&g_inflight[c->index]) >= ASYNC_WINDOW ||
	    (a = malloc(sizeof(*a))) == NULL) {
		pp_flush(c->client, 100);
		return;
	}
	a->c     = c;
	a->count = fill(c, recs, bodies, a->keys);
	atomic_fetch_add(&g_inflight[c->index], 1);
	if (pp_commit_async(c->client, recs, a->count, async_done, a) != 0) {
		atomic_fetch_sub(&g_inflight[c->index], 1);
		atomic_fetch_add(&c->run->calls_failed, 1);
		free(a);
	}
}

static void
commit_sync(committer *c)
{
	char      bodies[BATCH_MAX][BODY_LEN];
	pp_record recs[BATCH_MAX];
	uint64_t  keys[BATCH_MAX];
	pp_id     ids[BATCH_MAX];
	size_t    n = fill(c, recs, bodies, keys), i;

	if (pp_commit(c->client, recs, n, ids) != 0) {
		atomic_fetch_add(&c->run->calls_failed, 1);
		return;
	}
	for (i = 0; i < n; i++) {
		soak_ledger_add(&c->run->ledger, ids[i], keys[i]);
	}
}

static void *
committer_main(void *arg)
{
	committer *c = arg;

	while (!atomic_load(&c->run->is_stopping)) {
		if (c->index % 2 == 0) {
			commit_async(c);
		} else {
			commit_sync(c);
		}
	}
	return NULL;
}

static bool
id_after(pp_id a, pp_id b)
{
	return a.ms > b.ms || (a.ms == b.ms && a.seq > b.seq);
}

/*
 * Claims and acks in a loop. Once the node confirms an ack up to id A, no
 * later claim may hand out A or anything before it, and no later ack may
 * report less: acknowledged positions never go backwards, kills or not.
 */
static void *
acker_main(void *arg)
{
	committer   *c = arg;
	pp_proc_opts o = { .offset = ">", .count = 50, .max_reclaims = -1,
		.reclaim_timeout_ms = 500 };
	pp_id        confirmed = { 0, 0 }, acked;
	bool         has_confirmed = false;
	pp_claim    *claim;

	while (!atomic_load(&c->run->is_stopping)) {
		if (pp_proc(c->client, SOAK_TOPIC, SOAK_PROC, &o, 100, &claim) !=
		    0) {
			continue;
		}
		if (pp_claim_count(claim) > 0) {
			if (has_confirmed &&
			    !id_after(pp_claim_log(claim, 0)->id, confirmed)) {
				atomic_fetch_add(&c->run->ack_backwards, 1);
			}
			if (pp_ack(c->client, SOAK_PROC, pp_claim_token(claim),
			        &acked) == 0) {
				if (has_confirmed && !id_after(acked, confirmed)) {
					atomic_fetch_add(&c->run->ack_backwards, 1);
				}
				confirmed     = acked;
				has_confirmed = true;
				atomic_fetch_add(&c->run->acks, 1);
			}
		}
		pp_claim_free(claim);
	}
	return NULL;
}

int
soak_clients_start(soak_run *r)
{
	pp_connect_opts o = { .request_timeout_ms = 30000 };
	committer      *cs;
	int             i;

	if (r->clients < 1 || r->clients > 63) {
		fprintf(stderr, "soak: --clients must be 1 to 63\n");
		return -1;
	}
	r->nthreads = r->clients + 1;
	r->threads  = calloc((size_t) r->nthreads, sizeof(pthread_t));
	cs          = calloc((size_t) r->nthreads, sizeof(committer));
	if (r->threads == NULL || cs == NULL) {
		return -1;
	}
	for (i = 0; i < r->nthreads; i++) {
		int rv;

		cs[i].run   = r;
		cs[i].index = i;
		cs[i].rng   = r->seed ^ (0x9e3779b97f4a7c15ull * (uint64_t)(i + 1));
		if ((rv = pp_connect(r->address, &o, &cs[i].client)) != 0) {
			fprintf(stderr, "soak: connect: %s\n", pp_errname(rv));
			return -1;
		}
		pthread_create(&r->threads[i], NULL,
		    i < r->clients ? committer_main : acker_main, &cs[i]);
	}
	r->committers_ = cs;
	return 0;
}

void
soak_clients_stop(soak_run *r)
{
	committer *cs = r->committers_;
	int        i;

	atomic_store(&r->is_stopping, true);
	for (i = 0; i < r->nthreads; i++) {
		pthread_join(r->threads[i], NULL);
	}
	/* Every asynchronous call is answered (or fails) before the audit,
	 * so the ledger is complete. */
	for (i = 0; i < r->nthreads; i++) {
		pp_flush(cs[i].client, -1);
		pp_close(cs[i].client);
	}
	free(cs);
	free(r->threads);
}
