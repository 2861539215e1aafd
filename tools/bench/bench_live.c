/*
 * bench_live.c - the liveProc workload of issue 4 item 4: live_latency.
 *
 * One node (sync always) and one client, shared, as an application would
 * use it: a liveProc (count 1, mode "new") on BENCH_TOPIC, and the main
 * thread committing single logs through the same client. Each round:
 *
 *   1. baseline: one pp_commit of a log to LIVE_BASE_TOPIC, timed from
 *      the call to its return (the plain commit round trip);
 *   2. one pp_commit to BENCH_TOPIC, timed from just before the call to
 *      the entry of the liveProc's callback with that log, both read
 *      from CLOCK_MONOTONIC in this process;
 *   3. wait until the callback has returned, then LIVE_SETTLE_US more,
 *      so that its ack (sent with its next claim) has been applied and
 *      the claim is parked in the node again: every round measures the
 *      wake of an idle liveProc, not a queue behind the previous ack (a
 *      fixed delay: a benchmark, not a test).
 *
 * The callback returns 0, so the liveProc acks it with its next claim
 * (pp_ack_proc). Every delivered log is checked: it must be the one just
 * committed. The figures are the p50 and p99 of (2) and, as the baseline
 * measured in the same rounds, the p50 and p99 of (1); the ratio is p99
 * against baseline p99. Target (issue 4): p99 <= 2 ms.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "deadline.h"

#define LIVE_BASE_TOPIC "bench-base"
#define LIVE_ROUNDS     2000
#define LIVE_ROUNDS_Q   200
#define LIVE_WARMUP     20   /* rounds not counted */
#define LIVE_SETTLE_US  1000 /* after the callback returned */
#define LIVE_WAIT_MS    10000 /* a round that takes longer has failed */

/* Shared by the committing main thread and the liveProc's callback. */
typedef struct live_bench {
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	int             delivered;    /* callbacks (about to return) */
	double          entered_s;    /* when the last one was entered */
	pp_id           delivered_id; /* and its log's id */
	size_t          delivered_n;  /* logs in that claim */
	int             last_status;  /* a failed claim's error, 0: none */
} live_bench;

static int
live_fail(pp_client *client, const char *what, int rv)
{
	fprintf(stderr, "bench: %s: %s: %s (%s)\n", what, pp_errname(rv),
	    pp_strerror(rv), pp_client_errmsg(client));
	return (-1);
}

static int
live_cb(pp_live *live, const pp_claim *claim, int status, void *arg)
{
	live_bench *b = arg;
	double      now_s = bench_now_s();

	(void)live;
	pthread_mutex_lock(&b->mu);
	if (status != 0) {
		b->last_status = status;
	} else {
		b->entered_s = now_s;
		b->delivered_id = pp_claim_log(claim, 0)->id;
		b->delivered_n = pp_claim_count(claim);
		b->delivered++;
	}
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	return (0);
}

/* Waits until *counter >= target; -1 on a failed claim or after
 * LIVE_WAIT_MS (a failure, not a measurement). */
static int
live_await(live_bench *b, const int *counter, int target)
{
	struct timespec until =
	    ppi_deadline_after_us(CLOCK_REALTIME, LIVE_WAIT_MS * 1000LL);
	int             rv = 0;

	pthread_mutex_lock(&b->mu);
	while (*counter < target && b->last_status == 0 && rv == 0) {
		rv = pthread_cond_timedwait(&b->cv, &b->mu, &until);
	}
	if (*counter < target) {
		fprintf(stderr, "bench: liveProc round %d: %s\n", target,
		    b->last_status != 0 ? pp_errname(b->last_status)
		                        : "no callback in time");
		rv = -1;
	} else {
		rv = 0;
	}
	pthread_mutex_unlock(&b->mu);
	return (rv);
}

/* The value at quantile q of sorted[0..n), nearest rank. */
static double
live_quantile(const double *sorted, int n, double q)
{
	int rank = (int)(q * n + 0.999999);

	if (rank < 1) {
		rank = 1;
	}
	return (sorted[(rank > n ? n : rank) - 1]);
}

static int
live_compare(const void *a, const void *b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;

	return (x < y ? -1 : (x > y ? 1 : 0));
}

/* The rounds described at the top; fills lat_us and base_us. */
static int
live_rounds(live_bench *b, pp_client *client, int rounds, double *lat_us,
    double *base_us)
{
	struct timespec settle = { 0, LIVE_SETTLE_US * 1000L };
	pp_record       rec, base;
	pp_id           id;
	char            body[BENCH_BODY_BYTES];
	double          call_s, done_s;
	int             rv, i;

	bench_body_fill(body, sizeof(body), 6);
	rec.topic = BENCH_TOPIC;
	rec.body = body;
	rec.len = sizeof(body);
	base = rec;
	base.topic = LIVE_BASE_TOPIC;
	for (i = 0; i < rounds; i++) {
		call_s = bench_now_s();
		rv = pp_commit(client, &base, 1, &id);
		done_s = bench_now_s();
		if (rv != 0) {
			return (live_fail(client, "pp_commit (baseline)", rv));
		}
		if (i >= LIVE_WARMUP) {
			base_us[i - LIVE_WARMUP] = (done_s - call_s) * 1e6;
		}
		call_s = bench_now_s();
		if ((rv = pp_commit(client, &rec, 1, &id)) != 0) {
			return (live_fail(client, "pp_commit (live)", rv));
		}
		if (live_await(b, &b->delivered, i + 1) != 0) {
			return (-1);
		}
		if (b->delivered_n != 1 || b->delivered_id.seq != id.seq ||
		    b->delivered_id.ms != id.ms) {
			fprintf(stderr,
			    "bench: round %d: committed seq %llu, the callback "
			    "got %zu logs from seq %llu\n",
			    i, (unsigned long long)id.seq, b->delivered_n,
			    (unsigned long long)b->delivered_id.seq);
			return (-1);
		}
		if (i >= LIVE_WARMUP) {
			lat_us[i - LIVE_WARMUP] = (b->entered_s - call_s) * 1e6;
		}
		nanosleep(&settle, NULL);
	}
	return (0);
}

int
bench_live_latency(const bench_cfg *cfg, int run, bench_sample *sample)
{
	pp_live_opts opts = { PP_LIVE_NEW, 1, 0, 0 };
	bench_node   node;
	live_bench   b;
	pp_live     *live = NULL;
	double      *lat_us = NULL;
	double      *base_us = NULL;
	int          samples = cfg->is_quick ? LIVE_ROUNDS_Q : LIVE_ROUNDS;
	int          rv;

	memset(&b, 0, sizeof(b));
	pthread_mutex_init(&b.mu, NULL);
	pthread_cond_init(&b.cv, NULL);
	lat_us = calloc((size_t)samples, sizeof(*lat_us));
	base_us = calloc((size_t)samples, sizeof(*base_us));
	if (lat_us == NULL || base_us == NULL) {
		fprintf(stderr, "bench: out of memory\n");
		rv = -1;
		goto out;
	}
	if (bench_node_start(cfg, "live", run, PP_SYNC_ALWAYS, &node) != 0) {
		rv = -1;
		goto out;
	}
	rv = pp_live_proc(node.client, BENCH_TOPIC, &opts, live_cb, &b, &live);
	if (rv != 0) {
		live_fail(node.client, "pp_live_proc", rv);
	} else {
		rv = live_rounds(&b, node.client, LIVE_WARMUP + samples, lat_us,
		    base_us);
		pp_live_proc_free(live);
	}
	bench_node_stop(&node);
	if (rv == 0) {
		qsort(lat_us, (size_t)samples, sizeof(*lat_us), live_compare);
		qsort(base_us, (size_t)samples, sizeof(*base_us), live_compare);
		sample->value = live_quantile(lat_us, samples, 0.50);
		sample->p99 = live_quantile(lat_us, samples, 0.99);
		sample->baseline_p50 = live_quantile(base_us, samples, 0.50);
		sample->baseline = live_quantile(base_us, samples, 0.99);
		fprintf(stderr,
		    "bench:   %d deliveries: p50 %.0f us, p99 %.0f us, max "
		    "%.0f us; plain commits: p50 %.0f us, p99 %.0f us, max "
		    "%.0f us\n",
		    samples, sample->value, sample->p99, lat_us[samples - 1],
		    sample->baseline_p50, sample->baseline,
		    base_us[samples - 1]);
	}
out:
	free(lat_us);
	free(base_us);
	pthread_cond_destroy(&b.cv);
	pthread_mutex_destroy(&b.mu);
	return (rv == 0 ? 0 : -1);
}
