/*
 * peers.c - pipeproc-bench-peers (make bench-peers): every workload of
 * the table below on pipeproc and on Redis Streams, alternating, with
 * Redis as the baseline; one JSON line per workload, as pipeproc-bench
 * prints them (median of the runs' ratios).
 *
 *   pipeproc-bench-peers [-q] [-r RUNS] [-w NAME]...
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peers.h"

#define RUNS_MAX 9

typedef struct peer_workload {
	const char *name;
	peer_shape  shape;
	bool        is_latency; /* figure is a p50 in µs: lower is better */
	const char *baseline;
} peer_workload;

#define LOGS_READ 100000

static const peer_workload workloads[] = {
	{ "peer_commit_seq", { PEER_COMMIT_SEQ, true, 1, 0, 0, 3 }, false,
	    "Redis XADD, 1 client, appendfsync always" },
	{ "peer_commit_seq_nosync", { PEER_COMMIT_SEQ, false, 1, 0, 0, 3 },
	    false, "Redis XADD, 1 client, appendfsync everysec" },
	{ "peer_commit_clients_8", { PEER_CLIENTS, true, 8, 0, 0, 3 }, false,
	    "Redis XADD, 8 clients, appendfsync always" },
	{ "peer_commit_clients_8_nosync", { PEER_CLIENTS, false, 8, 0, 0, 3 },
	    false, "Redis XADD, 8 clients, appendfsync everysec" },
	{ "peer_commit_clients_50", { PEER_CLIENTS, true, 50, 0, 0, 3 }, false,
	    "Redis XADD, 50 clients, appendfsync always" },
	{ "peer_commit_clients_50_nosync",
	    { PEER_CLIENTS, false, 50, 0, 0, 3 }, false,
	    "Redis XADD, 50 clients, appendfsync everysec" },
	{ "peer_commit_pipelined", { PEER_PIPELINED, false, 1, 0, 100000, 0 },
	    false, "Redis XADD pipelined 1000 deep, appendfsync everysec" },
	{ "peer_range", { PEER_RANGE, false, 1, 0, LOGS_READ, 0 }, false,
	    "Redis XRANGE COUNT 1000 pages" },
	{ "peer_revrange_1", { PEER_REVRANGE1, false, 1, 0, 1000, 2 }, true,
	    "Redis XREVRANGE + - COUNT 1 (p50 µs)" },
	{ "peer_claim_ack_1", { PEER_CLAIM_ACK, true, 1, 1, 20000, 3 }, false,
	    "Redis XREADGROUP COUNT 1 + XACK, appendfsync always" },
	{ "peer_claim_ack_100", { PEER_CLAIM_ACK, true, 1, 100, LOGS_READ, 3 },
	    false, "Redis XREADGROUP COUNT 100 + XACK, appendfsync always" },
};

#define NWORKLOADS (sizeof(workloads) / sizeof(workloads[0]))

static bool
is_wanted(const char *name, char **wanted, int nwanted)
{
	int i;

	for (i = 0; i < nwanted; i++) {
		if (strcmp(wanted[i], name) == 0) {
			return true;
		}
	}
	return nwanted == 0;
}

/* Runs one workload `runs` times, both sides, and prints its line. */
static int
run_workload(const bench_cfg *cfg, const peer_workload *w, int runs)
{
	double     pp[RUNS_MAX], redis[RUNS_MAX], ratio[RUNS_MAX];
	peer_shape s = w->shape;
	peer_redis r;
	int        i;

	if (cfg->is_quick) {
		s.seconds = s.seconds > 0 ? 0.5 : 0;
		s.logs    = s.logs > 10000 ? 10000 : s.logs;
	}
	for (i = 0; i < runs; i++) {
		if (peer_pp_run(cfg, &s, &pp[i]) != 0 ||
		    peer_redis_start(cfg, s.is_durable, &r) != 0) {
			goto fail;
		}
		if (peer_redis_run(&r, &s, &redis[i]) != 0) {
			peer_redis_stop(&r);
			goto fail;
		}
		peer_redis_stop(&r);
		if (!(pp[i] > 0 && redis[i] > 0)) {
			fprintf(stderr, "bench-peers: %s: a side measured "
			    "nothing\n", w->name);
			goto fail;
		}
		/* A ratio above 1 always means pipeproc is ahead. */
		ratio[i] = w->is_latency ? redis[i] / pp[i] : pp[i] / redis[i];
		fprintf(stderr, "bench-peers:   %s run %d: pipeproc %.1f, "
		    "redis %.1f\n", w->name, i + 1, pp[i], redis[i]);
	}
	printf("{\"workload\":\"%s\",\"%s\":%.1f,\"baseline_%s\":%.1f,"
	       "\"ratio\":%.3f,\"baseline\":\"%s\",\"runs\":%d}\n",
	    w->name, w->is_latency ? "p50_us" : "ops_per_s", peer_p50(pp, (size_t) runs),
	    w->is_latency ? "p50_us" : "ops_per_s", peer_p50(redis, (size_t) runs),
	    peer_p50(ratio, (size_t) runs), w->baseline, runs);
	fflush(stdout);
	return 0;
fail:
	printf("{\"workload\":\"%s\",\"error\":\"measurement failed, see "
	       "stderr\"}\n", w->name);
	fflush(stdout);
	return -1;
}

int
main(int argc, char **argv)
{
	bench_cfg cfg;
	char      scratch[PATH_MAX];
	char     *wanted[64];
	int       nwanted = 0, runs = 3, c, failed = 0;
	size_t    i;

	memset(&cfg, 0, sizeof(cfg));
	while ((c = getopt(argc, argv, "qr:w:")) != -1) {
		switch (c) {
		case 'q':
			cfg.is_quick = true;
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		case 'w':
			if (nwanted < 64) {
				wanted[nwanted++] = optarg;
			}
			break;
		default:
			fprintf(stderr, "usage: pipeproc-bench-peers [-q] [-r RUNS] "
			    "[-w NAME]...\n");
			return 2;
		}
	}
	if (runs < 1 || runs > RUNS_MAX) {
		fprintf(stderr, "bench-peers: -r takes 1 to %d\n", RUNS_MAX);
		return 2;
	}
	snprintf(scratch, sizeof(scratch), "%s/ppbench-peers.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(scratch) == NULL) {
		perror("bench-peers: mkdtemp");
		return 1;
	}
	cfg.scratch_dir = scratch;
	cfg.runs        = runs;
	for (i = 0; i < NWORKLOADS; i++) {
		if (is_wanted(workloads[i].name, wanted, nwanted)) {
			failed += run_workload(&cfg, &workloads[i], runs) != 0;
		}
	}
	rmdir(scratch);
	return failed ? 1 : 0;
}
