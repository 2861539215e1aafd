/*
 * peers_pp.c - pipeproc's side of pipeproc-bench-peers: each workload of
 * peers.h on a freshly spawned node (bench_node.c), with the sync mode
 * that matches Redis's appendfsync.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peers.h"

#define PAGE 1000

static int
fail(pp_client *c, const char *what, int rv)
{
	fprintf(stderr, "bench-peers: %s: %s (%s)\n", what, pp_errname(rv),
	    pp_client_errmsg(c));
	return -1;
}

/* Writes n logs in commits of up to PAGE. */
static int
fill(pp_client *c, size_t n)
{
	static pp_record recs[PAGE];
	static pp_id     ids[PAGE];
	static char      body[BENCH_BODY_BYTES];
	size_t           i, k, page;
	int              rv;

	bench_body_fill(body, sizeof(body), 3);
	for (k = 0; k < PAGE; k++) {
		recs[k] = (pp_record){ .topic = BENCH_TOPIC, .body = body,
			.len = sizeof(body) };
	}
	for (i = 0; i < n; i += page) {
		page = n - i < PAGE ? n - i : PAGE;
		if ((rv = pp_commit(c, recs, page, ids)) != 0) {
			return fail(c, "pp_commit", rv);
		}
	}
	return 0;
}

static void *
client_main(void *p)
{
	peer_client *a = p;
	char        body[BENCH_BODY_BYTES];
	pp_record   rec = { .topic = BENCH_TOPIC, .body = body,
		  .len = sizeof(body) };
	pp_id       id;
	pp_client  *c;
	double      end;

	bench_body_fill(body, sizeof(body), 7);
	if ((a->rv = pp_connect(a->target, NULL, &c)) != 0) {
		fprintf(stderr, "bench-peers: pp_connect: %s\n", pp_errname(a->rv));
		return NULL;
	}
	end = bench_now_s() + a->seconds;
	while (bench_now_s() < end) {
		if ((a->rv = pp_commit(c, &rec, 1, &id)) != 0) {
			fail(c, "pp_commit", a->rv);
			break;
		}
		a->count++;
	}
	pp_close(c);
	return NULL;
}

static atomic_long g_async_failed;

static void
async_done(void *arg, int status, const pp_id *ids, size_t count)
{
	(void) arg;
	(void) ids;
	(void) count;
	if (status != 0) {
		atomic_fetch_add(&g_async_failed, 1);
	}
}

static int
pipelined(pp_client *c, size_t logs, double *figure)
{
	char      body[BENCH_BODY_BYTES];
	pp_record rec = { .topic = BENCH_TOPIC, .body = body,
		.len = sizeof(body) };
	double    t0 = bench_now_s();
	size_t    i;
	int       rv;

	bench_body_fill(body, sizeof(body), 5);
	atomic_store(&g_async_failed, 0);
	for (i = 0; i < logs; i++) {
		if ((rv = pp_commit_async(c, &rec, 1, async_done, NULL)) != 0) {
			return fail(c, "pp_commit_async", rv);
		}
	}
	if ((rv = pp_flush(c, 120000)) != 0 || atomic_load(&g_async_failed)) {
		return fail(c, "pp_flush", rv != 0 ? rv : PP_EINTERNAL);
	}
	*figure = (double) logs / (bench_now_s() - t0);
	return 0;
}

static int
range(pp_client *c, size_t logs, double *figure)
{
	pp_range_opts o;
	pp_iter      *it;
	const pp_log *log;
	size_t        seen = 0;
	double        t0 = bench_now_s();
	int           rv;

	memset(&o, 0, sizeof(o));
	if ((rv = pp_iter_open(c, BENCH_TOPIC, &o, false, &it)) != 0) {
		return fail(c, "pp_iter_open", rv);
	}
	while ((rv = pp_iter_next(it, &log)) == 1) {
		seen++;
	}
	pp_iter_close(it);
	if (rv != 0 || seen != logs) {
		return fail(c, "pp_iter_next", rv != 0 ? rv : PP_EINTERNAL);
	}
	*figure = (double) seen / (bench_now_s() - t0);
	return 0;
}

static int
revrange1(pp_client *c, double seconds, double *figure)
{
	size_t        cap = 1 << 20, n = 0;
	double       *us = malloc(cap * sizeof(*us));
	double        end = bench_now_s() + seconds;
	pp_range_opts o;
	pp_result    *res;
	int           rv = 0;

	memset(&o, 0, sizeof(o));
	o.limit = 1;
	while (us != NULL && n < cap && bench_now_s() < end) {
		double t0 = bench_now_s();

		rv = pp_revrange(c, BENCH_TOPIC, &o, &res);
		us[n++] = (bench_now_s() - t0) * 1e6;
		if (rv != 0 || pp_result_count(res) != 1) {
			pp_result_free(res);
			free(us);
			return fail(c, "pp_revrange", rv != 0 ? rv : PP_EINTERNAL);
		}
		pp_result_free(res);
	}
	if (us == NULL || n == 0) {
		free(us);
		return -1;
	}
	*figure = peer_p50(us, n);
	free(us);
	return 0;
}

static int
claim_ack(pp_client *c, size_t count, double seconds, double *figure)
{
	pp_proc_opts o = { .offset = ">", .count = (uint32_t) count,
		.max_reclaims = -1, .reclaim_timeout_ms = -1 };
	double       end = bench_now_s() + seconds, t0 = bench_now_s();
	long         logs = 0;
	pp_claim    *claim;
	int          rv;

	while (bench_now_s() < end) {
		if ((rv = pp_proc(c, BENCH_TOPIC, "peer", &o, 0, &claim)) != 0) {
			return fail(c, "pp_proc", rv);
		}
		if (pp_claim_count(claim) == 0) {
			pp_claim_free(claim);
			break; /* the topic is consumed */
		}
		logs += (long) pp_claim_count(claim);
		rv = pp_ack(c, "peer", pp_claim_token(claim), NULL);
		pp_claim_free(claim);
		if (rv != 0) {
			return fail(c, "pp_ack", rv);
		}
	}
	*figure = (double) logs / (bench_now_s() - t0);
	return 0;
}

int
peer_pp_run(const bench_cfg *cfg, const peer_shape *s, double *figure)
{
	static int run;
	bench_node node;
	int        rv = -1;

	if (bench_node_start(cfg, "peer", run++,
	        s->is_durable ? PP_SYNC_ALWAYS : PP_SYNC_NONE, &node) != 0) {
		return -1;
	}
	switch (s->kind) {
	case PEER_COMMIT_SEQ:
		rv = peer_clients_run(1, node.address, s->seconds, client_main,
		    figure);
		break;
	case PEER_CLIENTS:
		rv = peer_clients_run(s->clients, node.address, s->seconds,
		    client_main, figure);
		break;
	case PEER_PIPELINED:
		rv = pipelined(node.client, s->logs, figure);
		break;
	case PEER_RANGE:
		rv = fill(node.client, s->logs);
		rv = rv != 0 ? rv : range(node.client, s->logs, figure);
		break;
	case PEER_REVRANGE1:
		rv = fill(node.client, s->logs);
		rv = rv != 0 ? rv : revrange1(node.client, s->seconds, figure);
		break;
	case PEER_CLAIM_ACK:
		rv = fill(node.client, s->logs);
		rv = rv != 0 ? rv :
		    claim_ack(node.client, s->count, s->seconds, figure);
		break;
	}
	bench_node_stop(&node);
	return rv;
}
