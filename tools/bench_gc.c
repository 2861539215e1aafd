/*
 * bench_gc.c - the gc_stall workload of issue 5 item 7.
 *
 * A fresh node with GC on (interval GC_INTERVAL_MS, minimum prune time
 * GC_PRUNE_MS, sync always). Untimed, BENCH_TOPIC is loaded with
 * GC_LOGS (quick: GC_LOGS_Q) logs of BENCH_BODY_BYTES in batches of
 * GC_BATCH; the topic has no procs, so every log is collectable as soon
 * as it is older than the prune time, and GC starts collecting while the
 * load is still going on.
 *
 * Right after the load, one client commits one log per pp_commit into
 * another topic (GC_PROBE_TOPIC), as fast as it can, timing each call,
 * until pp_length of BENCH_TOPIC (polled every GC_POLL_S, untimed) reaches
 * 0 or GC_MEASURE_S (quick: GC_MEASURE_S_Q) has passed: the latencies
 * during GC. Then, once BENCH_TOPIC is empty and another GC run has
 * passed, the same commits are timed for GC_BASELINE_S (quick:
 * GC_BASELINE_S_Q): the latencies without GC work pending.
 *
 * sample->value is the p99 during GC in µs, sample->baseline the p99
 * without; bench.c reports their ratio (target at most 2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

#define GC_INTERVAL_MS   200
#define GC_PRUNE_MS      1
#define GC_LOGS          1000000
#define GC_LOGS_Q        100000
#define GC_BATCH         10000
#define GC_PROBE_TOPIC   "bench-gc-probe"
#define GC_POLL_S        0.05
#define GC_MEASURE_S     10.0
#define GC_MEASURE_S_Q   3.0
#define GC_BASELINE_S    3.0
#define GC_BASELINE_S_Q  1.0
#define GC_DRAIN_LIMIT_S 120.0 /* longest wait for GC to empty the topic */

static int
gc_fail(pp_client *client, const char *what, int rv)
{
	fprintf(stderr, "bench: %s: %s: %s (%s)\n", what, pp_errname(rv),
	    pp_strerror(rv), pp_client_errmsg(client));
	return (-1);
}

/* Latencies in µs, growing. */
typedef struct lat_vec {
	double *us;
	size_t  len;
	size_t  cap;
} lat_vec;

static int
lat_push(lat_vec *v, double us)
{
	double *grown;
	size_t  cap;

	if (v->len == v->cap) {
		cap = v->cap == 0 ? 4096 : v->cap * 2;
		if ((grown = realloc(v->us, cap * sizeof(*grown))) == NULL) {
			fprintf(stderr, "bench: out of memory\n");
			return (-1);
		}
		v->us = grown;
		v->cap = cap;
	}
	v->us[v->len++] = us;
	return (0);
}

static int
compare_double(const void *a, const void *b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;

	return (x < y ? -1 : (x > y ? 1 : 0));
}

/* The value at quantile q of the sorted vector (nearest rank), len >= 1. */
static double
lat_quantile(const lat_vec *v, double q)
{
	size_t rank = (size_t)(q * (double)v->len + 0.999999);

	if (rank < 1) {
		rank = 1;
	}
	return (v->us[(rank > v->len ? v->len : rank) - 1]);
}

/* Spawns the GC node in a scratch directory, like bench_node_start(). */
static int
gc_node_start(const bench_cfg *cfg, int run, bench_node *node)
{
	pp_spawn_opts opts;
	int           n;
	int           rv;

	memset(node, 0, sizeof(*node));
	if (bench_dir_make(cfg, "gc", run, node->dir, sizeof(node->dir)) != 0) {
		return (-1);
	}
	n = snprintf(
	    node->data_dir, sizeof(node->data_dir), "%s/data", node->dir);
	if (n < 0 || (size_t)n >= sizeof(node->data_dir)) {
		goto fail_path;
	}
	n = snprintf(node->address, sizeof(node->address), "ipc://%s/node.ipc",
	    node->dir);
	if (n < 0 || (size_t)n >= sizeof(node->address)) {
		goto fail_path;
	}
	memset(&opts, 0, sizeof(opts));
	opts.data_dir = node->data_dir;
	opts.address = node->address;
	opts.sync_mode = PP_SYNC_ALWAYS;
	opts.is_gc = true;
	opts.gc_min_prune_time_ms = GC_PRUNE_MS;
	opts.gc_interval_ms = GC_INTERVAL_MS;
	node->spawn_call_s = bench_now_s();
	if ((rv = pp_spawn(&opts, &node->client)) != 0) {
		fprintf(stderr, "bench: pp_spawn (%s): %s: %s (%s)\n",
		    node->address, pp_errname(rv), pp_strerror(rv),
		    pp_last_errmsg());
		node->client = NULL;
		bench_dir_remove(node->dir);
		return (-1);
	}
	return (0);

fail_path:
	fprintf(stderr, "bench: path too long under %s\n", node->dir);
	bench_dir_remove(node->dir);
	return (-1);
}

/* Commits `total` logs to BENCH_TOPIC in batches of GC_BATCH (untimed). */
static int
gc_load(pp_client *client, size_t total)
{
	pp_record *recs;
	pp_id     *ids;
	char       body[BENCH_BODY_BYTES];
	double     start_s = bench_now_s();
	size_t     done = 0;
	size_t     n;
	size_t     i;
	int        rv = 0;

	recs = calloc(GC_BATCH, sizeof(*recs));
	ids = calloc(GC_BATCH, sizeof(*ids));
	if (recs == NULL || ids == NULL) {
		fprintf(stderr, "bench: out of memory\n");
		free(recs);
		free(ids);
		return (-1);
	}
	bench_body_fill(body, sizeof(body), 6);
	for (i = 0; i < GC_BATCH; i++) {
		recs[i].topic = BENCH_TOPIC;
		recs[i].body = body;
		recs[i].len = sizeof(body);
	}
	while (done < total) {
		n = total - done < GC_BATCH ? total - done : GC_BATCH;
		if ((rv = pp_commit(client, recs, n, ids)) != 0) {
			rv = gc_fail(client, "pp_commit (load)", rv);
			break;
		}
		done += n;
	}
	free(recs);
	free(ids);
	if (rv == 0) {
		fprintf(stderr, "bench:   loaded %zu logs in %.2f s\n", total,
		    bench_now_s() - start_s);
	}
	return (rv);
}

/*
 * Times single-log commits into GC_PROBE_TOPIC for up to `limit_s`; when
 * `until_empty`, stops as soon as BENCH_TOPIC is empty (polled untimed).
 * *left gets BENCH_TOPIC's last polled length. Returns 0 or -1.
 */
static int
gc_probe(pp_client *client, double limit_s, bool until_empty, lat_vec *lat,
    uint64_t *left, double *took_s)
{
	pp_record rec;
	pp_id     id;
	char      body[BENCH_BODY_BYTES];
	double    start_s = bench_now_s();
	double    poll_s = start_s;
	double    call_s, now_s;
	int       rv;

	bench_body_fill(body, sizeof(body), 7);
	rec.topic = GC_PROBE_TOPIC;
	rec.body = body;
	rec.len = sizeof(body);
	for (;;) {
		now_s = bench_now_s();
		if (now_s - start_s >= limit_s) {
			break;
		}
		if (until_empty && now_s >= poll_s) {
			if ((rv = pp_length(client, BENCH_TOPIC, left)) != 0) {
				return (gc_fail(client, "pp_length", rv));
			}
			if (*left == 0) {
				break;
			}
			poll_s = bench_now_s() + GC_POLL_S;
		}
		call_s = bench_now_s();
		rv = pp_commit(client, &rec, 1, &id);
		now_s = bench_now_s();
		if (rv != 0) {
			return (gc_fail(client, "pp_commit (probe)", rv));
		}
		if (lat_push(lat, (now_s - call_s) * 1e6) != 0) {
			return (-1);
		}
	}
	*took_s = bench_now_s() - start_s;
	return (0);
}

/* Waits (untimed) until BENCH_TOPIC is empty. Returns 0 or -1. */
static int
gc_drain(pp_client *client)
{
	struct timespec poll = { 0, (long)(GC_POLL_S * 1e9) };
	double          start_s = bench_now_s();
	uint64_t        left;
	int             rv;

	for (;;) {
		if ((rv = pp_length(client, BENCH_TOPIC, &left)) != 0) {
			return (gc_fail(client, "pp_length", rv));
		}
		if (left == 0) {
			return (0);
		}
		if (bench_now_s() - start_s > GC_DRAIN_LIMIT_S) {
			fprintf(stderr,
			    "bench: GC left %llu logs after %.0f s\n",
			    (unsigned long long)left, GC_DRAIN_LIMIT_S);
			return (-1);
		}
		nanosleep(&poll, NULL);
	}
}

int
bench_gc_stall(const bench_cfg *cfg, int run, bench_sample *sample)
{
	struct timespec gc_run = { 0, (GC_INTERVAL_MS + 100) * 1000000L };
	bench_node      node;
	lat_vec         during = { NULL, 0, 0 };
	lat_vec         without = { NULL, 0, 0 };
	size_t          total = cfg->is_quick ? GC_LOGS_Q : GC_LOGS;
	uint64_t        at_start = 0, left = 0;
	double          during_s = 0, without_s = 0;
	int             rv;

	if (gc_node_start(cfg, run, &node) != 0) {
		return (-1);
	}
	rv = gc_load(node.client, total);
	if (rv == 0 && (rv = pp_length(node.client, BENCH_TOPIC, &at_start))
	    != 0) {
		rv = gc_fail(node.client, "pp_length", rv);
	}
	if (rv == 0) {
		rv = gc_probe(node.client,
		    cfg->is_quick ? GC_MEASURE_S_Q : GC_MEASURE_S, true,
		    &during, &left, &during_s);
	}
	if (rv == 0) {
		fprintf(stderr,
		    "bench:   during GC: %llu logs pending at the start, "
		    "%llu at the end, %zu commits in %.2f s\n",
		    (unsigned long long)at_start, (unsigned long long)left,
		    during.len, during_s);
		rv = gc_drain(node.client);
	}
	if (rv == 0) {
		/* Let one more GC run pass, finding nothing to collect. */
		nanosleep(&gc_run, NULL);
		rv = gc_probe(node.client,
		    cfg->is_quick ? GC_BASELINE_S_Q : GC_BASELINE_S, false,
		    &without, &left, &without_s);
	}
	bench_node_stop(&node);
	if (rv == 0 && (during.len == 0 || without.len == 0)) {
		fprintf(stderr,
		    "bench: no commits measured (%zu during GC, %zu without);"
		    " GC finished before the measurement began?\n",
		    during.len, without.len);
		rv = -1;
	}
	if (rv == 0) {
		qsort(during.us, during.len, sizeof(double), compare_double);
		qsort(without.us, without.len, sizeof(double), compare_double);
		sample->value = lat_quantile(&during, 0.99);
		sample->baseline = lat_quantile(&without, 0.99);
		sample->p99 = sample->value;
		fprintf(stderr,
		    "bench:   during GC: %zu commits, p50 %.0f us, p99 %.0f us, "
		    "max %.0f us; without GC: %zu commits in %.2f s, "
		    "p50 %.0f us, p99 %.0f us, max %.0f us\n",
		    during.len, lat_quantile(&during, 0.50), sample->value,
		    during.us[during.len - 1], without.len, without_s,
		    lat_quantile(&without, 0.50), sample->baseline,
		    without.us[without.len - 1]);
	}
	free(during.us);
	free(without.us);
	return (rv == 0 ? 0 : -1);
}
