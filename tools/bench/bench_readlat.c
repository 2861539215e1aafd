/*
 * bench_readlat.c - read_latency: how long one small read takes for a
 * client on the node's host (issue 15). The reads alternate between
 * pp_revrange with limit 1 (the newest log) and pp_range of 10 logs from
 * a varying sequence, one at a time, each timed alone; the figures are
 * their p50 and p99 in µs. The baseline is the same reads, in the same
 * run, from a client with is_local_reads_off (each one a round trip to
 * the node). Target: p50 <= 10 µs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define LAT_LOGS 1000 /* logs in the topic read */

static int
lat_fail(pp_client *client, const char *what, int rv)
{
	fprintf(stderr, "bench: %s: %s: %s (%s)\n", what, pp_errname(rv),
	    pp_strerror(rv), pp_client_errmsg(client));
	return (-1);
}

static int
lat_compare(const void *a, const void *b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;

	return (x < y ? -1 : (x > y ? 1 : 0));
}

/* The q-quantile of sorted[0..n), n >= 1 (nearest rank). */
static double
lat_quantile(const double *sorted, int n, double q)
{
	int rank = (int)(q * n + 0.999999);

	if (rank < 1) {
		rank = 1;
	}
	return (sorted[(rank > n ? n : rank) - 1]);
}

/* Times n reads on c into us[0..n), sorted. Returns 0 or -1. */
static int
time_reads(pp_client *c, int n, double *us)
{
	pp_range_opts o;
	pp_result    *r;
	char          start[32];
	double        t0;
	size_t        want;
	int           i, rv;

	for (i = 0; i < n; i++) {
		memset(&o, 0, sizeof(o));
		if (i % 2 == 0) {
			o.limit = 1;
			want    = 1;
		} else {
			snprintf(start, sizeof(start), ":%d",
			    (i * 37) % (LAT_LOGS - 10));
			o.start = start;
			o.limit = 10;
			want    = 10;
		}
		t0 = bench_now_s();
		rv = i % 2 == 0 ? pp_revrange(c, BENCH_TOPIC, &o, &r)
		                : pp_range(c, BENCH_TOPIC, &o, &r);
		us[i] = (bench_now_s() - t0) * 1e6;
		if (rv != 0) {
			return (lat_fail(c, i % 2 == 0 ? "pp_revrange" : "pp_range",
			    rv));
		}
		if (pp_result_count(r) != want) {
			fprintf(stderr, "bench: a read returned %zu logs, not "
			    "%zu\n", pp_result_count(r), want);
			pp_result_free(r);
			return (-1);
		}
		pp_result_free(r);
	}
	qsort(us, (size_t)n, sizeof(us[0]), lat_compare);
	return (0);
}

/* Commits LAT_LOGS logs of BENCH_BODY_BYTES to BENCH_TOPIC. */
static int
lat_fill(pp_client *c)
{
	static pp_record recs[LAT_LOGS];
	static pp_id     ids[LAT_LOGS];
	char             body[BENCH_BODY_BYTES];
	int              i, rv;

	bench_body_fill(body, sizeof(body), 5);
	for (i = 0; i < LAT_LOGS; i++) {
		recs[i].topic = BENCH_TOPIC;
		recs[i].body  = body;
		recs[i].len   = sizeof(body);
	}
	if ((rv = pp_commit(c, recs, LAT_LOGS, ids)) != 0) {
		return (lat_fail(c, "pp_commit (fill)", rv));
	}
	return (0);
}

int
bench_read_latency(const bench_cfg *cfg, int run, bench_sample *sample)
{
	pp_connect_opts o;
	bench_node      node;
	pp_client      *rem = NULL;
	double         *us = NULL, *base_us = NULL;
	int             n   = cfg->is_quick ? 2000 : 20000;
	int             nb  = n / 4; /* round trips are ~20x slower */
	int             rv  = -1;

	if (bench_node_start(cfg, "readlat", run, PP_SYNC_NONE, &node) != 0) {
		return (-1);
	}
	memset(&o, 0, sizeof(o));
	o.is_local_reads_off = true;
	us      = calloc((size_t)n, sizeof(*us));
	base_us = calloc((size_t)nb, sizeof(*base_us));
	if (us == NULL || base_us == NULL) {
		fprintf(stderr, "bench: out of memory\n");
		goto out;
	}
	if (pp_connect(node.address, &o, &rem) != 0) {
		fprintf(stderr, "bench: pp_connect: %s\n", pp_last_errmsg());
		goto out;
	}
	/* A warm-up pass each, then the measured ones. */
	if (lat_fill(node.client) != 0 || time_reads(node.client, 100, us) ||
	    time_reads(rem, 100, base_us) != 0 ||
	    time_reads(node.client, n, us) != 0 ||
	    time_reads(rem, nb, base_us) != 0) {
		goto out;
	}
	sample->value        = lat_quantile(us, n, 0.50);
	sample->p99          = lat_quantile(us, n, 0.99);
	sample->baseline_p50 = lat_quantile(base_us, nb, 0.50);
	sample->baseline     = lat_quantile(base_us, nb, 0.99);
	fprintf(stderr,
	    "bench:   %d local reads: p50 %.1f us, p99 %.1f us; %d through "
	    "the node: p50 %.0f us, p99 %.0f us\n",
	    n, sample->value, sample->p99, nb, sample->baseline_p50,
	    sample->baseline);
	rv = 0;
out:
	pp_close(rem);
	free(us);
	free(base_us);
	bench_node_stop(&node);
	return (rv);
}
