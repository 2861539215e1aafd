/*
 * bench_read.c - the read workloads: range_scan (walking a whole topic of
 * cfg->scan_logs logs with pp_iter) and memory (the node's RssAnon after
 * those logs were committed and scanned).
 *
 * Both share one procedure: spawn a fresh node, commit the logs in large
 * batches (not timed), walk them with pp_iter (timed; one byte of every
 * body is read and every sequence is checked), then read the node's
 * RssAnon before stopping it. range_scan keeps the RssAnon of each run, so
 * memory reuses those runs instead of committing a million logs again;
 * run alone, memory does the procedure itself. range_scan's baseline is
 * an LMDB cursor scan of the same number of entries of the same shape
 * (bench_lmdb.c).
 *
 * The spawner reads the node's store itself (local reads, issue 15), so
 * range_scan measures that path; each run then walks the topic once more
 * through the node (a client with is_local_reads_off), and
 * range_scan_remote reports those walks against the same baseline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define FILL_BATCH 5000 /* logs per pp_commit while loading the topic */

/* RssAnon of range_scan run i, for memory's run i. */
static double rss_by_run[BENCH_RUNS_MAX];
static int    rss_runs;

/* range_scan run i: its walk through the node and its LMDB baseline. */
static double remote_by_run[BENCH_RUNS_MAX];
static double lmdb_by_run[BENCH_RUNS_MAX];
static int    remote_runs;

/* Written by the scan so the compiler keeps the loads. */
static volatile unsigned scan_sink;

static int
read_fail(pp_client *client, const char *what, int rv)
{
	fprintf(stderr, "bench: %s: %s: %s (%s)\n", what, pp_errname(rv),
	    pp_strerror(rv), pp_client_errmsg(client));
	return (-1);
}

/* Commits `count` logs to BENCH_TOPIC, FILL_BATCH per call. */
static int
fill(pp_client *client, size_t count)
{
	pp_record *recs;
	pp_id     *ids;
	char       body[BENCH_BODY_BYTES];
	double     start_s = bench_now_s();
	size_t     done;
	size_t     n;
	size_t     i;
	int        rv = 0;

	recs = calloc(FILL_BATCH, sizeof(*recs));
	ids = calloc(FILL_BATCH, sizeof(*ids));
	if (recs == NULL || ids == NULL) {
		free(recs);
		free(ids);
		fprintf(stderr, "bench: out of memory\n");
		return (-1);
	}
	bench_body_fill(body, sizeof(body), 3);
	for (i = 0; i < FILL_BATCH; i++) {
		recs[i].topic = BENCH_TOPIC;
		recs[i].body = body;
		recs[i].len = sizeof(body);
	}
	for (done = 0; done < count; done += n) {
		n = count - done < FILL_BATCH ? count - done : FILL_BATCH;
		if ((rv = pp_commit(client, recs, n, ids)) != 0) {
			break;
		}
	}
	free(recs);
	free(ids);
	if (rv != 0) {
		return (read_fail(client, "pp_commit (fill)", rv));
	}
	fprintf(stderr, "bench:   loaded %zu logs in %.2f s\n", count,
	    bench_now_s() - start_s);
	return (0);
}

/*
 * Walks the whole topic; checks that log i has sequence i and the body
 * length. *ops_per_s gets logs read per second. Returns 0 or -1.
 */
static int
scan(pp_client *client, size_t count, double *ops_per_s)
{
	pp_iter      *it;
	const pp_log *log;
	double        start_s;
	double        elapsed_s;
	unsigned      sum = 0;
	size_t        n = 0;
	int           rv;

	start_s = bench_now_s();
	if ((rv = pp_iter_open(client, BENCH_TOPIC, NULL, false, &it)) != 0) {
		return (read_fail(client, "pp_iter_open", rv));
	}
	while ((rv = pp_iter_next(it, &log)) == 1) {
		if (log->id.seq != n || log->len != BENCH_BODY_BYTES) {
			fprintf(stderr,
			    "bench: log %zu has seq %llu and %zu bytes\n", n,
			    (unsigned long long)log->id.seq, log->len);
			pp_iter_close(it);
			return (-1);
		}
		sum += ((const unsigned char *)log->body)[log->len - 1];
		n++;
	}
	elapsed_s = bench_now_s() - start_s;
	pp_iter_close(it);
	scan_sink = sum;
	if (rv < 0) {
		return (read_fail(client, "pp_iter_next", rv));
	}
	if (n != count) {
		fprintf(stderr, "bench: scan saw %zu of %zu logs\n", n, count);
		return (-1);
	}
	*ops_per_s = (double)n / elapsed_s;
	fprintf(
	    stderr, "bench:   scanned %zu logs: %.0f logs/s\n", n, *ops_per_s);
	return (0);
}

/* The same walk through the node: a client with local reads off. */
static int
scan_remote(const bench_node *node, size_t count, double *ops_per_s)
{
	pp_connect_opts o;
	pp_client      *c;
	int             rv;

	memset(&o, 0, sizeof(o));
	o.is_local_reads_off = true;
	if ((rv = pp_connect(node->address, &o, &c)) != 0) {
		fprintf(stderr, "bench: pp_connect: %s (%s)\n", pp_errname(rv),
		    pp_last_errmsg());
		return (-1);
	}
	fprintf(stderr, "bench:   through the node:\n");
	rv = scan(c, count, ops_per_s);
	pp_close(c);
	return (rv);
}

/* Spawn, fill, scan (and, with remote_per_s, scan through the node),
 * read RssAnon, stop. Returns 0 or -1. */
static int
fill_and_scan(const bench_cfg *cfg, const char *tag, int run, double *ops_per_s,
    double *remote_per_s, double *rss_mib)
{
	bench_node node;
	int        rv = -1;

	if (bench_node_start(cfg, tag, run, PP_SYNC_ALWAYS, &node) != 0) {
		return (-1);
	}
	if (fill(node.client, cfg->scan_logs) == 0
	    && scan(node.client, cfg->scan_logs, ops_per_s) == 0
	    && (remote_per_s == NULL
	        || scan_remote(&node, cfg->scan_logs, remote_per_s) == 0)
	    && bench_node_rss_anon(&node, rss_mib) == 0) {
		fprintf(stderr, "bench:   node RssAnon %.2f MiB\n", *rss_mib);
		rv = 0;
	}
	bench_node_stop(&node);
	return (rv);
}

int
bench_read_range_scan(const bench_cfg *cfg, int run, bench_sample *sample)
{
	double rss_mib, remote_per_s;

	if (fill_and_scan(cfg, "scan", run, &sample->value, &remote_per_s,
	        &rss_mib) != 0) {
		return (-1);
	}
	if (run == rss_runs && run < BENCH_RUNS_MAX) {
		rss_by_run[rss_runs++] = rss_mib;
	}
	if (bench_lmdb_scan_rate(cfg, run, cfg->scan_logs, &sample->baseline)
	    != 0) {
		return (-1);
	}
	if (run == remote_runs && run < BENCH_RUNS_MAX) {
		remote_by_run[run] = remote_per_s;
		lmdb_by_run[remote_runs++] = sample->baseline;
	}
	return (0);
}

int
bench_read_range_scan_remote(
    const bench_cfg *cfg, int run, bench_sample *sample)
{
	bench_sample local;

	if (run >= remote_runs && bench_read_range_scan(cfg, run, &local) != 0) {
		return (-1);
	}
	if (run >= remote_runs) {
		return (-1);
	}
	sample->value    = remote_by_run[run];
	sample->baseline = lmdb_by_run[run];
	fprintf(stderr, "bench:   range_scan run %d through the node: %.0f "
	    "logs/s\n", run + 1, sample->value);
	return (0);
}

int
bench_read_memory(const bench_cfg *cfg, int run, bench_sample *sample)
{
	double ops_per_s;

	if (run < rss_runs) {
		sample->value = rss_by_run[run];
		fprintf(stderr,
		    "bench:   RssAnon of range_scan run %d: "
		    "%.2f MiB\n",
		    run + 1, sample->value);
		return (0);
	}
	return (fill_and_scan(
	    cfg, "memory", run, &ops_per_s, NULL, &sample->value));
}
