/*
 * bench_clients.c - many small requests from many clients (issue 15):
 * commit_clients_1, _8 and _50, each with --sync always and with
 * --sync none. N threads, each with its own pp_client, commit one
 * 100-byte log per call, each awaited, as `redis-benchmark -c N -P 1
 * XADD` does. The baseline, in alternating slices of the same run, is
 * bench_echo.c: N bare NNG req sockets against 64 rep contexts, the
 * transport's own ceiling for that shape.
 *
 * Two more figures say how far a run is from what it could be. The
 * node's mean group size (write requests per group commit, from
 * pp_stats over the commit slices): N waiting clients should make groups
 * of about N. And with --sync always, the ceiling this disk allows group
 * commit (docs/DESIGN.md §7.2): a group costs LMDB's two flushes plus
 * one round trip of the N clients, so at best
 *
 *     ceiling = N / (2 * sync + N / bare)
 *
 * where sync is a 4 KiB write + fdatasync measured in slices of the same
 * run (bench_fsync.c) and N / bare the time bare NNG takes for N
 * concurrent round trips. The ratio stays against bare NNG (issue 15).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

typedef struct committer {
	pp_client         *client;
	pthread_barrier_t *barrier;
	const double      *deadline_s;
	long               count;
	int                rv;
} committer;

static void *
committer_main(void *arg)
{
	committer *c = arg;
	char       body[BENCH_BODY_BYTES];
	pp_record  rec = { .topic = BENCH_TOPIC, .body = body,
		 .len = sizeof(body) };
	pp_id      id;

	bench_body_fill(body, sizeof(body), (uint64_t)(uintptr_t) c);
	pthread_barrier_wait(c->barrier);
	while (bench_now_s() < *c->deadline_s) {
		if ((c->rv = pp_commit(c->client, &rec, 1, &id)) != 0) {
			fprintf(stderr, "bench: pp_commit: %s (%s)\n",
			    pp_errname(c->rv), pp_client_errmsg(c->client));
			break;
		}
		c->count++;
	}
	return (NULL);
}

/* The node's group commits so far: *groups and the requests they held. */
static int
group_totals(pp_client *c, double *groups, double *requests)
{
	pp_stats_report     *st;
	const pp_node_stats *ns;
	int                  rv;

	if ((rv = pp_stats(c, &st)) != 0) {
		fprintf(stderr, "bench: pp_stats: %s\n", pp_errname(rv));
		return (-1);
	}
	ns        = pp_stats_node(st);
	*groups   = (double)ns->group_sizes.count;
	*requests = (double)ns->group_sizes.sum;
	pp_stats_free(st);
	return (0);
}

/* One slice of N committing clients (connected once per run). */
static int
commit_slice(committer *cs, int n, double slice_s, double *ops,
    double *elapsed_s)
{
	pthread_barrier_t barrier;
	pthread_t        *ts = calloc((size_t) n, sizeof(*ts));
	double            deadline_s, start_s;
	int               i, rv = 0;

	if (ts == NULL) {
		return (-1);
	}
	pthread_barrier_init(&barrier, NULL, (unsigned) n + 1);
	for (i = 0; i < n; i++) {
		cs[i].barrier    = &barrier;
		cs[i].deadline_s = &deadline_s;
		cs[i].count      = 0;
		pthread_create(&ts[i], NULL, committer_main, &cs[i]);
	}
	start_s    = bench_now_s();
	deadline_s = start_s + slice_s;
	pthread_barrier_wait(&barrier);
	for (i = 0; i < n; i++) {
		pthread_join(ts[i], NULL);
		*ops += (double) cs[i].count;
		rv = rv != 0 ? rv : cs[i].rv;
	}
	*elapsed_s += bench_now_s() - start_s;
	pthread_barrier_destroy(&barrier);
	free(ts);
	return (rv == 0 ? 0 : -1);
}

/*
 * The figures of one run: commits/s against bare NNG, the mean group,
 * and with --sync always the flush latency and the ceiling (above).
 */
static int
clients_measure(const bench_cfg *cfg, int run, bench_node *node,
    committer *cs, int n, bool is_synced, bench_sample *sample)
{
	bench_echo  *echo  = NULL;
	bench_fsync *fsync = NULL;
	double       slice_s = cfg->measure_s / BENCH_SLICES;
	double       ops = 0, elapsed_s = 0, base_ops = 0, base_elapsed_s = 0;
	double       syncs = 0, sync_elapsed_s = 0;
	double       groups0, requests0, groups1, requests1;
	int          i, rv = -1;

	if (bench_echo_open(cfg, run, &echo) != 0 ||
	    (is_synced && bench_fsync_open(cfg, run, &fsync) != 0) ||
	    group_totals(node->client, &groups0, &requests0) != 0) {
		goto out;
	}
	for (i = 0, rv = 0; rv == 0 && i < BENCH_SLICES; i++) {
		rv = commit_slice(cs, n, slice_s, &ops, &elapsed_s);
		if (rv == 0) {
			rv = bench_echo_clients_slice(
			    echo, n, slice_s, &base_ops, &base_elapsed_s);
		}
		if (rv == 0 && fsync != NULL) {
			rv = bench_fsync_slice(
			    fsync, slice_s / 4, &syncs, &sync_elapsed_s);
		}
	}
	if (rv != 0 || group_totals(node->client, &groups1, &requests1) != 0) {
		rv = -1;
		goto out;
	}
	sample->value    = ops / elapsed_s;
	sample->baseline = base_ops / base_elapsed_s;
	if (groups1 > groups0) {
		sample->group_mean = (requests1 - requests0) / (groups1 - groups0);
	}
	if (syncs > 0) {
		double sync_s = sync_elapsed_s / syncs;

		sample->sync_us = sync_s * 1e6;
		sample->ceiling =
		    n / (2 * sync_s + (double)n / sample->baseline);
	}
out:
	bench_fsync_close(fsync);
	bench_echo_close(echo);
	return (rv);
}

static int
clients_run(const bench_cfg *cfg, int run, int n, enum pp_sync_mode mode,
    bench_sample *sample)
{
	char        tag[32];
	bench_node  node;
	committer  *cs = calloc((size_t) n, sizeof(*cs));
	int         connected = 0, rv = -1;

	snprintf(tag, sizeof(tag), "clients%d%s", n,
	    mode == PP_SYNC_NONE ? "-nosync" : "");
	if (cs == NULL || bench_node_start(cfg, tag, run, mode, &node) != 0) {
		free(cs);
		return (-1);
	}
	for (; connected < n; connected++) {
		int err = pp_connect(node.address, NULL, &cs[connected].client);

		if (err != 0) {
			fprintf(stderr, "bench: pp_connect: %s\n", pp_errname(err));
			break;
		}
	}
	if (connected == n) {
		rv = clients_measure(cfg, run, &node, cs, n,
		    mode == PP_SYNC_ALWAYS, sample);
	}
	while (connected > 0) {
		pp_close(cs[--connected].client);
	}
	bench_node_stop(&node);
	free(cs);
	if (rv != 0) {
		return (-1);
	}
	fprintf(stderr, "bench:   %d clients, --sync %s: %.0f commits/s, bare "
	    "NNG %.0f round trips/s, %.1f requests per group",
	    n, mode == PP_SYNC_NONE ? "none" : "always", sample->value,
	    sample->baseline, sample->group_mean);
	if (sample->ceiling > 0) {
		fprintf(stderr, ", fdatasync %.0f us, ceiling %.0f commits/s",
		    sample->sync_us, sample->ceiling);
	}
	fprintf(stderr, "\n");
	return (0);
}

int
bench_clients_1(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (clients_run(cfg, run, 1, PP_SYNC_ALWAYS, sample));
}

int
bench_clients_8(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (clients_run(cfg, run, 8, PP_SYNC_ALWAYS, sample));
}

int
bench_clients_50(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (clients_run(cfg, run, 50, PP_SYNC_ALWAYS, sample));
}

int
bench_clients_1_nosync(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (clients_run(cfg, run, 1, PP_SYNC_NONE, sample));
}

int
bench_clients_8_nosync(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (clients_run(cfg, run, 8, PP_SYNC_NONE, sample));
}

int
bench_clients_50_nosync(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (clients_run(cfg, run, 50, PP_SYNC_NONE, sample));
}
