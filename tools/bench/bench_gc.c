/*
 * bench_gc.c - the gc_stall workload of issue 5 item 7: how much GC
 * slows the commits that run while it collects.
 *
 * A fresh node with GC on (interval GC_INTERVAL_MS, minimum prune time
 * GC_PRUNE_MS, sync always). Before anything is committed, a proc
 * (GC_PIN_PROC) is created on BENCH_TOPIC at its start and never acks: it
 * pins every log of the topic, so GC may collect none of them (DESIGN §5).
 * Another (GC_PROBE_PIN) does the same for GC_PROBE_TOPIC for the whole
 * run, so the probe's own logs are never GC work.
 * Untimed, BENCH_TOPIC is loaded with GC_LOGS (quick: GC_LOGS_Q) logs of
 * BENCH_BODY_BYTES in batches of GC_BATCH.
 *
 * Then one client commits one log per pp_commit into GC_PROBE_TOPIC, as
 * fast as it can, timing each call, in GC_SLICES pairs of slices:
 *  1. for GC_BASELINE_S / GC_SLICES (quick: GC_BASELINE_S_Q / ...) with
 *     the pin in place: GC runs every interval but finds nothing to
 *     collect. These are the latencies without GC work, on the same node
 *     in the same run;
 *  2. after pp_proc_destroy() released the pin, until GC has collected
 *     another 1/GC_SLICES of the logs (the last slice: all of them), then
 *     the pin is created again: the latencies during GC. pp_length of
 *     BENCH_TOPIC is polled every GC_POLL_S between two commits (untimed);
 *     only the commits after the first poll that saw the count fall and
 *     before the last poll that saw it above the slice's target are kept,
 *     so every kept commit ran while GC was collecting.
 * The earlier version let GC collect while the topic was being loaded,
 * which left it a window of 0.1 to 0.3 s and a p99 of a few hundred
 * commits; here GC has all 1,000,000 logs to collect while it is timed.
 *
 * sample->value is the p99 during GC in µs, sample->baseline the p99
 * without; bench.c reports their ratio (target at most 2). sample->busy_s
 * is how long GC collected (in each GC slice, from the first poll that saw
 * the count fall to the one that saw the slice's target reached) and
 * sample->busy_per_s the logs it collected per second over that time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define GC_INTERVAL_MS  100
#define GC_PRUNE_MS     1
#define GC_LOGS         1000000
#define GC_LOGS_Q       100000
#define GC_BATCH        10000
#define GC_PIN_PROC     "bench-gc-pin"
#define GC_PROBE_PIN    "bench-gc-probe-pin"
#define GC_PROBE_TOPIC  "bench-gc-probe"
#define GC_POLL_S       0.01
/* Pairs of slices: finer than BENCH_SLICES, so that a burst of other
 * work on the machine falls on both halves alike (a GC slice is short). */
#define GC_SLICES       8
#define GC_BASELINE_S   3.0
#define GC_BASELINE_S_Q 1.0
#define GC_LIMIT_S      120.0 /* longest wait for GC to empty the topic */

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

/* Spawns the GC node in a scratch directory (bench_node_start_with). */
static int
gc_node_start(const bench_cfg *cfg, int run, bench_node *node)
{
	pp_spawn_opts opts;

	memset(&opts, 0, sizeof(opts));
	opts.sync_mode = PP_SYNC_ALWAYS;
	opts.is_gc = true;
	opts.gc_min_prune_time_ms = GC_PRUNE_MS;
	opts.gc_interval_ms = GC_INTERVAL_MS;
	return (bench_node_start_with(cfg, "gc", run, &opts, node));
}

/*
 * Creates proc `name` at the start of `topic` (which has no logs yet): it
 * never acks, so it keeps GC off every log until destroyed.
 */
static int
gc_pin(pp_client *client, const char *topic, const char *name)
{
	pp_proc_opts opts = PP_PROC_OPTS_INIT;
	pp_claim    *claim;
	int          rv;

	opts.offset = ">";
	opts.max_reclaims = -1;
	opts.reclaim_timeout_ms = -1;
	if ((rv = pp_proc(client, topic, name, &opts, 0, &claim)) != 0) {
		return (gc_fail(client, "pp_proc (pin)", rv));
	}
	pp_claim_free(claim);
	return (0);
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

/* The probe: one log per pp_commit into GC_PROBE_TOPIC, each timed. */
typedef struct gc_probe {
	pp_client *client;
	pp_record  rec;
	char       body[BENCH_BODY_BYTES];
} gc_probe;

static void
gc_probe_init(gc_probe *p, pp_client *client)
{
	p->client = client;
	bench_body_fill(p->body, sizeof(p->body), 7);
	p->rec.topic = GC_PROBE_TOPIC;
	p->rec.body = p->body;
	p->rec.len = sizeof(p->body);
}

/* One timed commit; its latency goes to `lat` unless that is NULL. */
static int
gc_probe_commit(gc_probe *p, lat_vec *lat)
{
	pp_id  id;
	double call_s = bench_now_s();
	double us;
	int    rv;

	if ((rv = pp_commit(p->client, &p->rec, 1, &id)) != 0) {
		return (gc_fail(p->client, "pp_commit (probe)", rv));
	}
	us = (bench_now_s() - call_s) * 1e6;
	return (lat == NULL ? 0 : lat_push(lat, us));
}

/* Commits for `limit_s` with no GC work pending: the baseline. */
static int
gc_baseline(gc_probe *p, double limit_s, lat_vec *lat)
{
	double start_s = bench_now_s();

	while (bench_now_s() - start_s < limit_s) {
		if (gc_probe_commit(p, lat) != 0) {
			return (-1);
		}
	}
	return (0);
}

/*
 * Commits while GC collects BENCH_TOPIC down to `target` logs (it held
 * *left at the last poll): keeps the latencies of the commits between
 * the first poll that saw the count fall and the last poll that saw it
 * above `target`. Adds the time from that first poll to the one that saw
 * `target` reached to *gc_s, and the logs collected in it to *collected.
 */
static int
gc_collect(gc_probe *p, uint64_t target, uint64_t *left, lat_vec *lat,
    double *gc_s, uint64_t *collected)
{
	double   start_s = bench_now_s();
	double   poll_s = 0, first_s = 0, now_s;
	uint64_t before = *left, first_left = 0;
	size_t   kept = lat->len;
	bool     is_collecting = false;
	int      rv;

	for (;;) {
		now_s = bench_now_s();
		if (now_s >= poll_s) {
			rv = pp_length(p->client, BENCH_TOPIC, left);
			if (rv != 0) {
				return (gc_fail(p->client, "pp_length", rv));
			}
			now_s = bench_now_s();
			if (!is_collecting && *left < before) {
				is_collecting = true;
				first_s = now_s;
				first_left = *left;
			}
			if (*left <= target) {
				break;
			}
			/* Every commit so far ran while GC had work. */
			kept = lat->len;
			poll_s = now_s + GC_POLL_S;
		}
		if (now_s - start_s > GC_LIMIT_S) {
			fprintf(stderr, "bench: GC left %llu logs (target "
			    "%llu) after %.0f s\n", (unsigned long long)*left,
			    (unsigned long long)target, GC_LIMIT_S);
			return (-1);
		}
		if (gc_probe_commit(p, is_collecting ? lat : NULL) != 0) {
			return (-1);
		}
	}
	lat->len = kept;
	if (is_collecting) {
		*gc_s += now_s - first_s;
		*collected += first_left - *left;
	}
	return (0);
}

/*
 * The measurement on a loaded node: GC_SLICES times, a baseline slice
 * with the pin in place, then the pin released until GC has collected
 * another 1/GC_SLICES of the logs, then the pin created again (">" pins
 * whatever is left: GC stops at its next step). Alternating the two, as
 * the other workloads alternate their slices, makes a machine whose speed
 * drifts slow both alike.
 */
static int
gc_measure(const bench_cfg *cfg, pp_client *client, uint64_t total,
    lat_vec *during, lat_vec *without, double *gc_s, uint64_t *collected)
{
	gc_probe   probe;
	double     slice_s = (cfg->is_quick ? GC_BASELINE_S_Q : GC_BASELINE_S)
	    / GC_SLICES;
	uint64_t   left = total, target;
	int        i;
	int        rv;

	gc_probe_init(&probe, client);
	for (i = 0; i < GC_SLICES; i++) {
		if (gc_baseline(&probe, slice_s, without) != 0) {
			return (-1);
		}
		if ((rv = pp_proc_destroy(client, GC_PIN_PROC, NULL)) != 0) {
			return (gc_fail(client, "pp_proc_destroy (pin)", rv));
		}
		target = total / GC_SLICES * (uint64_t)(GC_SLICES - 1 - i);
		if (gc_collect(&probe, target, &left, during, gc_s, collected)
		    != 0) {
			return (-1);
		}
		if (i + 1 < GC_SLICES &&
		    gc_pin(client, BENCH_TOPIC, GC_PIN_PROC) != 0) {
			return (-1);
		}
	}
	return (0);
}

int
bench_gc_stall(const bench_cfg *cfg, int run, bench_sample *sample)
{
	bench_node node;
	lat_vec    during = { NULL, 0, 0 };
	lat_vec    without = { NULL, 0, 0 };
	size_t     total = cfg->is_quick ? GC_LOGS_Q : GC_LOGS;
	uint64_t   loaded = 0, collected = 0;
	double     gc_s = 0;
	int        rv;

	if (gc_node_start(cfg, run, &node) != 0) {
		return (-1);
	}
	if ((rv = gc_pin(node.client, BENCH_TOPIC, GC_PIN_PROC)) == 0 &&
	    (rv = gc_pin(node.client, GC_PROBE_TOPIC, GC_PROBE_PIN)) == 0) {
		rv = gc_load(node.client, total);
	}
	if (rv == 0 && (rv = pp_length(node.client, BENCH_TOPIC, &loaded))
	    != 0) {
		rv = gc_fail(node.client, "pp_length", rv);
	}
	if (rv == 0 && loaded != total) {
		fprintf(stderr, "bench: GC collected pinned logs: %llu of %zu "
		    "left\n", (unsigned long long)loaded, total);
		rv = -1;
	}
	if (rv == 0) {
		rv = gc_measure(cfg, node.client, loaded, &during, &without,
		    &gc_s, &collected);
	}
	bench_node_stop(&node);
	if (rv == 0 && (during.len == 0 || without.len == 0)) {
		fprintf(stderr, "bench: no commits measured (%zu during GC, "
		    "%zu without)\n", during.len, without.len);
		rv = -1;
	}
	if (rv == 0) {
		qsort(during.us, during.len, sizeof(double), compare_double);
		qsort(without.us, without.len, sizeof(double), compare_double);
		sample->value = lat_quantile(&during, 0.99);
		sample->baseline = lat_quantile(&without, 0.99);
		sample->p99 = sample->value;
		sample->busy_s = gc_s;
		sample->busy_per_s = gc_s > 0 ? (double)collected / gc_s : 0;
		fprintf(stderr,
		    "bench:   GC: %llu logs in %.2f s (%.0f logs/s)\n"
		    "bench:   during GC: %zu commits, p50 %.0f us, p99 %.0f us,"
		    " max %.0f us\n"
		    "bench:   without:   %zu commits, p50 %.0f us, p99 %.0f us,"
		    " max %.0f us\n",
		    (unsigned long long)collected, gc_s, sample->busy_per_s,
		    during.len, lat_quantile(&during, 0.50), sample->value,
		    during.us[during.len - 1], without.len,
		    lat_quantile(&without, 0.50), sample->baseline,
		    without.us[without.len - 1]);
	}
	free(during.us);
	free(without.us);
	return (rv == 0 ? 0 : -1);
}
