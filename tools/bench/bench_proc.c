/*
 * bench_proc.c - the proc workloads of issue 3 item 5: proc_ack_1,
 * proc_ack_1_nosync, proc_ack_100 and wake_latency.
 *
 * proc_ack_*: a fresh node, a topic loaded with logs in large batches (not
 * timed), then one client claims `count` logs with pp_proc (wait_ms 0)
 * and acks them with pp_ack and the claim's token, over and over. The
 * figure is logs claimed and acked per second (for count 1, acks per
 * second). Every claimed log is checked: it must be the next sequence of
 * the topic. The measurement is BENCH_SLICES timed slices after an untimed
 * warm-up (which also creates the proc); before each slice the topic is
 * topped up, untimed, so that a slice never runs out of logs. Baselines
 * are other workloads of the same run (bench.c): commit_seq, then
 * commit_seq_nosync, then proc_ack_1.
 *
 * wake_latency: two clients of one node (sync always). Client A, in a
 * thread, waits in pp_proc(..., wait_ms WAKE_WAIT_MS) on a proc created
 * with offset "$>"; client B, the main thread, commits one log. The
 * latency runs from just before B's pp_commit call to the return of A's
 * pp_proc with that log, both read from CLOCK_MONOTONIC in this process.
 * A acks, announces that it is about to wait again, and B lets
 * WAKE_SETTLE_US pass after the announcement before committing, so that
 * A's request has reached the node (a fixed delay: a benchmark, not a
 * test). The figure is the 50th and 99th percentiles in µs.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

#define FILL_BATCH     1000 /* logs per pp_commit while loading the topic */
#define ACK_PROC       "bench-ack"
#define WARMUP_S       0.1 /* untimed claims and acks before the slices */
#define WARMUP_LOGS    2000 /* logs loaded for the warm-up, at least */
#define WAKE_PROC      "bench-wake"
#define WAKE_WAIT_MS   5000
#define WAKE_SAMPLES   300
#define WAKE_SAMPLES_Q 50
#define WAKE_WARMUP    10   /* rounds not counted */
#define WAKE_SETTLE_US 1000 /* from A's announcement to B's commit */

static int
proc_fail(pp_client *client, const char *what, int rv)
{
	fprintf(stderr, "bench: %s: %s: %s (%s)\n", what, pp_errname(rv),
	    pp_strerror(rv), pp_client_errmsg(client));
	return (-1);
}

/* ---- proc_ack_* ---------------------------------------------------------- */

/* One client claiming and acking on a loaded topic. */
typedef struct acker {
	pp_client   *client;
	pp_proc_opts opts;
	uint64_t     committed; /* logs committed to the topic */
	uint64_t     claimed;   /* logs claimed and acked: the next seq */
	pp_record   *recs;      /* FILL_BATCH records for loading */
	pp_id       *ids;
	char         body[BENCH_BODY_BYTES];
} acker;

/* Written by the claim loop so the compiler keeps the loads. */
static volatile unsigned claim_sink;

static int
acker_init(acker *a, pp_client *client, uint32_t count)
{
	pp_proc_opts init = PP_PROC_OPTS_INIT;
	size_t       i;

	memset(a, 0, sizeof(*a));
	a->client = client;
	a->opts = init;
	a->opts.offset = ">";
	a->opts.count = count;
	a->recs = calloc(FILL_BATCH, sizeof(*a->recs));
	a->ids = calloc(FILL_BATCH, sizeof(*a->ids));
	if (a->recs == NULL || a->ids == NULL) {
		free(a->recs);
		free(a->ids);
		fprintf(stderr, "bench: out of memory\n");
		return (-1);
	}
	bench_body_fill(a->body, sizeof(a->body), 4);
	for (i = 0; i < FILL_BATCH; i++) {
		a->recs[i].topic = BENCH_TOPIC;
		a->recs[i].body = a->body;
		a->recs[i].len = sizeof(a->body);
	}
	return (0);
}

static void
acker_fini(acker *a)
{
	free(a->recs);
	free(a->ids);
}

/*
 * Commits FILL_BATCH logs per call until at least `want` logs wait after
 * the cursor. Not timed. Returns 0 or -1.
 */
static int
acker_top_up(acker *a, uint64_t want)
{
	double   start_s = bench_now_s();
	uint64_t added = 0;
	int      rv;

	while (a->committed - a->claimed < want) {
		if ((rv = pp_commit(a->client, a->recs, FILL_BATCH, a->ids))
		    != 0) {
			return (proc_fail(a->client, "pp_commit (load)", rv));
		}
		if (a->ids[0].seq != a->committed) {
			fprintf(stderr,
			    "bench: load: first id has seq %llu, want %llu\n",
			    (unsigned long long)a->ids[0].seq,
			    (unsigned long long)a->committed);
			return (-1);
		}
		a->committed += FILL_BATCH;
		added += FILL_BATCH;
	}
	if (added > 0) {
		fprintf(stderr, "bench:   loaded %llu logs in %.2f s\n",
		    (unsigned long long)added, bench_now_s() - start_s);
	}
	return (0);
}

/*
 * Claims and acks for at least `slice_s`, or until fewer than a claim's
 * worth of logs are left; adds the logs to *logs and the time to
 * *elapsed_s. Every claim must hold exactly opts.count logs, the next ones
 * of the topic. Returns 0 or -1.
 */
static int
acker_slice(acker *a, double slice_s, double *logs, double *elapsed_s)
{
	double    start_s = bench_now_s();
	double    took_s;
	uint64_t  done    = 0;
	uint64_t  pending = 0; /* token of a claim processed, not yet acked */
	pp_claim *claim;
	size_t    n;
	size_t    i;
	int       rv;

	do {
		if (a->committed - a->claimed < a->opts.count) {
			break;
		}
		claim = NULL;
		/* After the first claim, each round trip acks the previous
		 * claim and makes the next one (pp_ack_proc). */
		rv = pending == 0
		    ? pp_proc(a->client, BENCH_TOPIC, ACK_PROC, &a->opts, 0,
		          &claim)
		    : pp_ack_proc(a->client, BENCH_TOPIC, ACK_PROC, pending,
		          &a->opts, 0, &claim);
		if (rv != 0) {
			return (proc_fail(a->client, "pp_proc", rv));
		}
		n = pp_claim_count(claim);
		if (n != a->opts.count) {
			fprintf(stderr,
			    "bench: pp_proc claimed %zu logs, want %u "
			    "(%llu stored after the cursor)\n",
			    n, (unsigned)a->opts.count,
			    (unsigned long long)(a->committed - a->claimed));
			pp_claim_free(claim);
			return (-1);
		}
		for (i = 0; i < n; i++) {
			const pp_log *log = pp_claim_log(claim, i);

			if (log == NULL || log->id.seq != a->claimed + i
			    || log->len != BENCH_BODY_BYTES) {
				fprintf(stderr,
				    "bench: claimed log %zu is not seq %llu "
				    "of %d bytes\n",
				    i, (unsigned long long)(a->claimed + i),
				    BENCH_BODY_BYTES);
				pp_claim_free(claim);
				return (-1);
			}
			claim_sink += ((const unsigned char *)log->body)[0];
		}
		pending = pp_claim_token(claim);
		pp_claim_free(claim);
		a->claimed += n;
		done += n;
		took_s = bench_now_s() - start_s;
	} while (took_s < slice_s);
	/* The last claim is acked on its own, inside the timing. */
	if (pending != 0 &&
	    (rv = pp_ack(a->client, ACK_PROC, pending, NULL)) != 0) {
		return (proc_fail(a->client, "pp_ack", rv));
	}
	took_s = bench_now_s() - start_s;
	*logs += (double)done;
	*elapsed_s += took_s;
	return (0);
}

/* Logs to have ready for a slice at `rate` logs/s: twice the need. */
static uint64_t
slice_need(double rate, double slice_s, uint32_t count)
{
	double   need = 2.0 * rate * slice_s + 10.0 * count;
	uint64_t batches = (uint64_t)(need / FILL_BATCH) + 1;

	return (batches * FILL_BATCH);
}

/* One run of a proc_ack_* workload (see the top of the file). */
static int
ack_run(const bench_cfg *cfg, const char *tag, int run,
    enum pp_sync_mode sync_mode, uint32_t count, bench_sample *sample)
{
	bench_node node;
	acker      a;
	double     slice_s = cfg->measure_s / BENCH_SLICES;
	double     warm_logs = 0, warm_s = 0;
	double     logs = 0, elapsed_s = 0;
	double     rate;
	int        rv;
	int        i;

	if (bench_node_start(cfg, tag, run, sync_mode, &node) != 0) {
		return (-1);
	}
	if (acker_init(&a, node.client, count) != 0) {
		bench_node_stop(&node);
		return (-1);
	}
	rv = acker_top_up(&a, slice_need(0, 0, count) + WARMUP_LOGS);
	if (rv == 0) {
		rv = acker_slice(&a, WARMUP_S, &warm_logs, &warm_s);
	}
	rate = warm_s > 0 ? warm_logs / warm_s : 0;
	for (i = 0; rv == 0 && i < BENCH_SLICES; i++) {
		if ((rv = acker_top_up(&a, slice_need(rate, slice_s, count)))
		    != 0) {
			break;
		}
		rv = acker_slice(&a, slice_s, &logs, &elapsed_s);
		if (elapsed_s > 0) {
			rate = logs / elapsed_s;
		}
	}
	acker_fini(&a);
	bench_node_stop(&node);
	if (rv != 0) {
		return (-1);
	}
	sample->value = logs / elapsed_s;
	fprintf(stderr,
	    "bench:   count %u, sync %s: %.0f logs/s (%.0f claims+acks/s)\n",
	    (unsigned)count, sync_mode == PP_SYNC_NONE ? "none" : "always",
	    sample->value, sample->value / count);
	return (0);
}

int
bench_proc_ack_1(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (ack_run(cfg, "ack1", run, PP_SYNC_ALWAYS, 1, sample));
}

int
bench_proc_ack_1_nosync(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (ack_run(cfg, "ack1-nosync", run, PP_SYNC_NONE, 1, sample));
}

int
bench_proc_ack_100(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (ack_run(cfg, "ack100", run, PP_SYNC_ALWAYS, 100, sample));
}

/* ---- wake_latency -------------------------------------------------------- */

/* Shared by the committing main thread (B) and the waiting thread (A). */
typedef struct waker {
	pp_client      *client; /* A's own client */
	pp_proc_opts    opts;
	int             rounds;
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	int             announced;    /* rounds A is about to wait for */
	int             delivered;    /* rounds A received */
	double          delivered_s;  /* when the last one returned */
	pp_id           delivered_id; /* and its log's id */
	bool            is_stopping;  /* B failed: A leaves */
	bool            has_failed;   /* A failed: B leaves */
} waker;

static void
waker_fail(waker *w)
{
	pthread_mutex_lock(&w->mu);
	w->has_failed = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* Thread A: announce, wait in pp_proc, note the time, ack; `rounds` times. */
static void *
waker_main(void *arg)
{
	waker    *w = arg;
	pp_claim *claim;
	double    returned_s;
	pp_id     id;
	bool      is_stopping;
	int       rv;
	int       i;

	for (i = 0; i < w->rounds; i++) {
		pthread_mutex_lock(&w->mu);
		w->announced = i + 1;
		is_stopping = w->is_stopping;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		if (is_stopping) {
			return (NULL);
		}
		claim = NULL;
		rv = pp_proc(w->client, BENCH_TOPIC, WAKE_PROC, &w->opts,
		    WAKE_WAIT_MS, &claim);
		returned_s = bench_now_s();
		if (rv != 0) {
			proc_fail(w->client, "pp_proc (waiting)", rv);
			waker_fail(w);
			return (NULL);
		}
		if (pp_claim_count(claim) != 1) {
			pthread_mutex_lock(&w->mu);
			is_stopping = w->is_stopping;
			pthread_mutex_unlock(&w->mu);
			if (!is_stopping) {
				fprintf(stderr,
				    "bench: round %d: pp_proc waited %d ms and "
				    "returned %zu logs, want 1\n",
				    i, WAKE_WAIT_MS, pp_claim_count(claim));
			}
			pp_claim_free(claim);
			waker_fail(w);
			return (NULL);
		}
		id = pp_claim_log(claim, 0)->id;
		rv = pp_ack(w->client, WAKE_PROC, pp_claim_token(claim), NULL);
		pp_claim_free(claim);
		if (rv != 0) {
			proc_fail(w->client, "pp_ack (waiter)", rv);
			waker_fail(w);
			return (NULL);
		}
		pthread_mutex_lock(&w->mu);
		w->delivered = i + 1;
		w->delivered_s = returned_s;
		w->delivered_id = id;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
	return (NULL);
}

/* Waits until *counter >= target or A failed. Returns 0 or -1. */
static int
waker_await(waker *w, const int *counter, int target)
{
	int rv;

	pthread_mutex_lock(&w->mu);
	while (*counter < target && !w->has_failed) {
		pthread_cond_wait(&w->cv, &w->mu);
	}
	rv = w->has_failed ? -1 : 0;
	pthread_mutex_unlock(&w->mu);
	return (rv);
}

/* The value at quantile q of sorted[0..n), nearest rank. */
static double
quantile(const double *sorted, int n, double q)
{
	int rank = (int)(q * n + 0.999999);

	if (rank < 1) {
		rank = 1;
	}
	return (sorted[(rank > n ? n : rank) - 1]);
}

static int
compare_double(const void *a, const void *b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;

	return (x < y ? -1 : (x > y ? 1 : 0));
}

/*
 * B's side of the rounds: for each, wait for A's announcement, let
 * WAKE_SETTLE_US pass, commit one log, wait for A to receive it. Fills
 * lat_us (commit call to delivery), commit_us (commit call to its reply)
 * and after_us (commit reply to delivery, negative when the waiter got the
 * log first) for the counted rounds. Returns 0 or -1.
 */
static int
wake_rounds(waker *w, pp_client *client, double *lat_us, double *commit_us,
    double *after_us)
{
	struct timespec settle = { 0, WAKE_SETTLE_US * 1000L };
	pp_record       rec;
	pp_id           id;
	char            body[BENCH_BODY_BYTES];
	double          call_s, acked_s;
	int             rv;
	int             i;

	bench_body_fill(body, sizeof(body), 5);
	rec.topic = BENCH_TOPIC;
	rec.body = body;
	rec.len = sizeof(body);
	for (i = 0; i < w->rounds; i++) {
		if (waker_await(w, &w->announced, i + 1) != 0) {
			return (-1);
		}
		nanosleep(&settle, NULL);
		call_s = bench_now_s();
		rv = pp_commit(client, &rec, 1, &id);
		acked_s = bench_now_s();
		if (rv != 0) {
			return (proc_fail(client, "pp_commit (wake)", rv));
		}
		if (waker_await(w, &w->delivered, i + 1) != 0) {
			return (-1);
		}
		if (w->delivered_id.seq != id.seq || w->delivered_id.ms != id.ms) {
			fprintf(stderr,
			    "bench: round %d: committed seq %llu, woken with "
			    "seq %llu\n",
			    i, (unsigned long long)id.seq,
			    (unsigned long long)w->delivered_id.seq);
			return (-1);
		}
		if (i >= WAKE_WARMUP) {
			lat_us[i - WAKE_WARMUP] =
			    (w->delivered_s - call_s) * 1e6;
			commit_us[i - WAKE_WARMUP] = (acked_s - call_s) * 1e6;
			after_us[i - WAKE_WARMUP] =
			    (w->delivered_s - acked_s) * 1e6;
		}
	}
	return (0);
}

int
bench_proc_wake_latency(const bench_cfg *cfg, int run, bench_sample *sample)
{
	pp_proc_opts init = PP_PROC_OPTS_INIT;
	bench_node   node;
	waker        w;
	pthread_t    thread;
	pp_claim    *claim = NULL;
	double      *lat_us = NULL;
	double      *commit_us = NULL;
	double      *after_us = NULL;
	int          samples = cfg->is_quick ? WAKE_SAMPLES_Q : WAKE_SAMPLES;
	int          rv;

	memset(&w, 0, sizeof(w));
	w.opts = init;
	w.opts.offset = "$>";
	w.opts.count = 1;
	w.rounds = WAKE_WARMUP + samples;
	lat_us = calloc((size_t)samples, sizeof(*lat_us));
	commit_us = calloc((size_t)samples, sizeof(*commit_us));
	after_us = calloc((size_t)samples, sizeof(*after_us));
	if (lat_us == NULL || commit_us == NULL || after_us == NULL) {
		fprintf(stderr, "bench: out of memory\n");
		rv = -1;
		goto out;
	}
	if (bench_node_start(cfg, "wake", run, PP_SYNC_ALWAYS, &node) != 0) {
		rv = -1;
		goto out;
	}
	if ((rv = pp_connect(node.address, NULL, &w.client)) != 0) {
		fprintf(stderr, "bench: pp_connect %s: %s: %s (%s)\n",
		    node.address, pp_errname(rv), pp_strerror(rv),
		    pp_last_errmsg());
		goto out_node;
	}
	/* Create the proc first, so "$>" is before the first commit. */
	rv = pp_proc(w.client, BENCH_TOPIC, WAKE_PROC, &w.opts, 0, &claim);
	if (rv != 0) {
		proc_fail(w.client, "pp_proc (create)", rv);
		goto out_client;
	}
	if (pp_claim_count(claim) != 0) {
		fprintf(stderr, "bench: a new \"$>\" proc claimed %zu logs\n",
		    pp_claim_count(claim));
		pp_claim_free(claim);
		rv = -1;
		goto out_client;
	}
	pp_claim_free(claim);

	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	if (pthread_create(&thread, NULL, waker_main, &w) != 0) {
		fprintf(stderr, "bench: pthread_create failed\n");
		rv = -1;
	} else {
		rv = wake_rounds(&w, node.client, lat_us, commit_us, after_us);
		if (rv != 0) {
			/* A leaves at its next announcement or timeout. */
			pthread_mutex_lock(&w.mu);
			w.is_stopping = true;
			pthread_mutex_unlock(&w.mu);
		}
		pthread_join(thread, NULL);
	}
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);

out_client:
	pp_close(w.client);
out_node:
	bench_node_stop(&node);
	if (rv == 0) {
		qsort(lat_us, (size_t)samples, sizeof(*lat_us), compare_double);
		qsort(commit_us, (size_t)samples, sizeof(*commit_us),
		    compare_double);
		qsort(after_us, (size_t)samples, sizeof(*after_us),
		    compare_double);
		sample->value = quantile(lat_us, samples, 0.50);
		sample->p99 = quantile(lat_us, samples, 0.99);
		fprintf(stderr,
		    "bench:   %d wakes: p50 %.0f us, p99 %.0f us, max %.0f us; "
		    "of which B's commit call: p50 %.0f us, p99 %.0f us; "
		    "delivery after the commit's reply: p50 %.0f us, "
		    "p99 %.0f us\n",
		    samples, sample->value, sample->p99, lat_us[samples - 1],
		    quantile(commit_us, samples, 0.50),
		    quantile(commit_us, samples, 0.99),
		    quantile(after_us, samples, 0.50),
		    quantile(after_us, samples, 0.99));
	}
out:
	free(lat_us);
	free(commit_us);
	free(after_us);
	return (rv == 0 ? 0 : -1);
}
