/*
 * bench.h - shared declarations of pipeproc-bench, the benchmark program.
 *
 * pipeproc-bench measures each workload of issue 2 item 7 against a
 * baseline measured by the same process in the same run (raw LMDB, bare
 * NNG, or another workload) and prints one JSON line per workload. The
 * files split the job: bench.c (options, runs, medians, JSON), bench_node.c
 * (spawning nodes in scratch directories, the spawn workload),
 * bench_commit.c (commit workloads), bench_read.c (range_scan, memory),
 * bench_proc.c (the proc workloads of issue 3 item 5: claims, acks and
 * wake latency), bench_lmdb.c (raw LMDB baselines) and bench_nng.c (the
 * NNG baseline), bench_gc.c (gc_stall, issue 5 item 7), bench_live.c
 * (live_latency, issue 4 item 4), bench_pipeline.c (pipeline_1w and
 * pipeline_2w, systemProcs in workers, issue 4), bench_tls.c
 * (commit_seq_tls and commit_batch_tls, issue 6 item 9), bench_clients.c
 * (commit_clients_N: many clients, one log per awaited call, issue 15)
 * with its baseline bench_echo.c (bare NNG, N req sockets, 64 contexts)
 * and, under --sync always, bench_fsync.c (the disk's flush latency),
 * and bench_rawrep.c (echo_raw_N: bench_echo.c's raw rep variant
 * against its 64 contexts).
 *
 * A workload function measures one run: it fills a bench_sample and
 * returns 0, or returns -1 after printing a diagnostic on stderr.
 */
#ifndef PP_BENCH_H
#define PP_BENCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "pipeproc.h"

#define BENCH_BODY_BYTES 100     /* body of every benchmark log */
#define BENCH_TOPIC      "bench" /* topic every workload writes */
#define BENCH_THREADS    8       /* clients / threads of the concurrent runs */
#define BENCH_RUNS_MAX   99      /* largest -r */
#define BENCH_SLICES     4       /* slices of workload and baseline per run */

/* What the whole program was asked to do (read-only once parsed). */
typedef struct bench_cfg {
	const char *scratch_dir; /* every node and LMDB env lives below */
	bool        is_quick;    /* -q: small sizes, short measurements */
	int         runs;        /* -r: runs per workload, median reported */
	double      measure_s;   /* length of one duration-limited loop */
	size_t      scan_logs;   /* logs committed, then read by range_scan */
	size_t      async_logs;  /* logs sent by commit_async */
} bench_cfg;

/*
 * One run of a workload. `value` is the measured figure (ops/s, ms, MiB,
 * or for a latency distribution its 50th percentile in µs); `baseline` is
 * the figure it is compared with (ops/s), 0 when the workload has none or
 * takes it from another workload; `p99` is a latency distribution's 99th
 * percentile in µs, 0 for the other workloads. A p99-against-baseline
 * workload measured while background work ran (gc_stall: GC) sets
 * `busy_s` to how long that work took and `busy_per_s` to its rate.
 */
typedef struct bench_sample {
	double value;
	double baseline;
	double p99;
	double busy_s;
	double busy_per_s;
	double baseline_p50; /* BENCH_KIND_US_BASE: the baseline's p50 in
	                      * µs (`baseline` then holds its p99) */
	/* commit_clients_N: the node's write requests per group commit
	 * (0: not measured); with --sync always also this disk's
	 * 4 KiB write + fdatasync latency in µs and the ceiling it allows
	 * group commit, ops/s (bench_clients.c). */
	double group_mean;
	double sync_us;
	double ceiling;
} bench_sample;

/* A workload's measurement of one run (run counts from 0). */
typedef int (*bench_workload_fn)(
    const bench_cfg *cfg, int run, bench_sample *sample);

/* A node spawned by the benchmark in a fresh directory of its own. */
typedef struct bench_node {
	char       dir[PATH_MAX];      /* scratch/TAG-RUN-N, removed at stop */
	char       data_dir[PATH_MAX]; /* dir/data */
	char       address[PATH_MAX];  /* ipc://dir/node.ipc */
	pp_client *client;             /* the spawner */
	double     spawn_call_s;       /* clock just before pp_spawn() */
} bench_node;

/* bench_now_s - the monotonic clock in seconds, for timing runs (finer
 * than ppi_clock_ms(); inline so every workload can time itself). */
static inline double
bench_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* bench_body_fill - len bytes of letters that differ with salt. */
static inline void
bench_body_fill(char *body, size_t len, uint64_t salt)
{
	size_t i;

	for (i = 0; i < len; i++) {
		body[i] = (char)('a' + (salt + i) % 26);
	}
}

/* bench_dir.c */
int  bench_dir_make(const bench_cfg *cfg, const char *tag, int run, char *path,
     size_t path_len);
void bench_dir_remove(const char *path);

/* bench_node.c */
/* bench_node_start_with - spawn a node with the options of `base` (its
 * data directory and address are set here) in a fresh scratch
 * directory; bench_node_stop() stops it. Returns 0 or -1. */
int  bench_node_start_with(const bench_cfg *cfg, const char *tag, int run,
     const pp_spawn_opts *base, bench_node *node);
int  bench_node_start(const bench_cfg *cfg, const char *tag, int run,
     enum pp_sync_mode sync_mode, bench_node *node);
void bench_node_stop(bench_node *node);
int  bench_node_rss_anon(const bench_node *node, double *mib);
int  bench_node_spawn(const bench_cfg *cfg, int run, bench_sample *sample);

/* bench_commit.c */
int bench_commit_batch(const bench_cfg *cfg, int run, bench_sample *sample);
int bench_commit_seq(const bench_cfg *cfg, int run, bench_sample *sample);
int bench_commit_seq_nosync(
    const bench_cfg *cfg, int run, bench_sample *sample);
int bench_commit_concurrent(
    const bench_cfg *cfg, int run, bench_sample *sample);
int bench_commit_async(const bench_cfg *cfg, int run, bench_sample *sample);
int bench_commit_threads(const bench_cfg *cfg, int run, bench_sample *sample);

/* bench_clients.c: one awaited log per call from N clients (issue 15) */
int bench_clients_1(const bench_cfg *cfg, int run, bench_sample *sample);
int bench_clients_8(const bench_cfg *cfg, int run, bench_sample *sample);
int bench_clients_50(const bench_cfg *cfg, int run, bench_sample *sample);
int bench_clients_1_nosync(
    const bench_cfg *cfg, int run, bench_sample *sample);
int bench_clients_8_nosync(
    const bench_cfg *cfg, int run, bench_sample *sample);
int bench_clients_50_nosync(
    const bench_cfg *cfg, int run, bench_sample *sample);

/* bench_rawrep.c: a raw rep socket against 64 rep contexts (issue 15) */
int bench_rawrep_8(const bench_cfg *cfg, int run, bench_sample *sample);
int bench_rawrep_50(const bench_cfg *cfg, int run, bench_sample *sample);

/* bench_read.c */
int bench_read_range_scan(const bench_cfg *cfg, int run, bench_sample *sample);
int bench_read_memory(const bench_cfg *cfg, int run, bench_sample *sample);
int bench_read_range_scan_remote(
    const bench_cfg *cfg, int run, bench_sample *sample);

/* bench_readlat.c */
int bench_read_latency(const bench_cfg *cfg, int run, bench_sample *sample);

/* bench_proc.c */
int bench_proc_ack_1(const bench_cfg *cfg, int run, bench_sample *sample);
int bench_proc_ack_1_nosync(
    const bench_cfg *cfg, int run, bench_sample *sample);
int bench_proc_ack_100(const bench_cfg *cfg, int run, bench_sample *sample);
int bench_proc_wake_latency(
    const bench_cfg *cfg, int run, bench_sample *sample);

/* bench_gc.c */
int bench_gc_stall(const bench_cfg *cfg, int run, bench_sample *sample);

/* bench_live.c */
int bench_live_latency(const bench_cfg *cfg, int run, bench_sample *sample);

/* bench_tls.c */
int bench_tls_commit_seq(const bench_cfg *cfg, int run, bench_sample *sample);
int bench_tls_commit_batch(
    const bench_cfg *cfg, int run, bench_sample *sample);

/* bench_jetstream.c: the NATS JetStream bridges (issue 12) */
int bench_js_sink(const bench_cfg *cfg, int run, bench_sample *sample);
int bench_js_source(const bench_cfg *cfg, int run, bench_sample *sample);
int bench_js_sink_cluster(const bench_cfg *cfg, int run, bench_sample *sample);
int bench_js_source_cluster(
    const bench_cfg *cfg, int run, bench_sample *sample);

/* bench_pipeline.c */
int bench_pipeline_1w(const bench_cfg *cfg, int run, bench_sample *sample);
int bench_pipeline_2w(const bench_cfg *cfg, int run, bench_sample *sample);

/*
 * A timed slice of a measurement: run for at least `slice_s`, then add
 * the operations done to *ops and the time taken to *elapsed_s. Slices of
 * a workload and of its baseline alternate within one run, so a machine
 * whose speed drifts (other jobs, disk) slows both alike.
 */

/* bench_lmdb.c: raw LMDB on the node's key/value shape (DESIGN §3). */
typedef struct bench_lmdb bench_lmdb;

int bench_lmdb_open(
    const bench_cfg *cfg, const char *tag, int run, bench_lmdb **db);
int  bench_lmdb_put_slice(bench_lmdb *db, size_t puts_per_txn, double slice_s,
     double *ops, double *elapsed_s);
void bench_lmdb_close(bench_lmdb *db);
int  bench_lmdb_scan_rate(
     const bench_cfg *cfg, int run, size_t count, double *ops_per_s);

/* bench_nng.c: bare req/rep round trips over ipc. */
typedef struct bench_nng bench_nng;

int  bench_nng_open(const bench_cfg *cfg, int run, bench_nng **nng);
int  bench_nng_round_trip_slice(bench_nng *nng, size_t request_bytes,
     double slice_s, double *ops, double *elapsed_s);
void bench_nng_close(bench_nng *nng);

/* bench_echo.c: N bare req sockets against 64 rep contexts over ipc. */
typedef struct bench_echo bench_echo;

int  bench_echo_open(const bench_cfg *cfg, int run, bench_echo **echo);
/* The raw variant: a raw rep socket served by nloops receive threads. */
int  bench_echo_open_raw(
     const bench_cfg *cfg, int run, int nloops, bench_echo **echo);
int  bench_echo_clients_slice(bench_echo *echo, int nclients, double slice_s,
     double *ops, double *elapsed_s);
void bench_echo_close(bench_echo *echo);

/* bench_fsync.c: 4 KiB write + fdatasync in a loop, one thread. */
typedef struct bench_fsync bench_fsync;

int  bench_fsync_open(const bench_cfg *cfg, int run, bench_fsync **f);
int  bench_fsync_slice(
     bench_fsync *f, double slice_s, double *syncs, double *elapsed_s);
void bench_fsync_close(bench_fsync *f);

#endif /* PP_BENCH_H */
