/*
 * bench.c - main program of pipeproc-bench: options, the workload table,
 * runs and medians, and the JSON lines on stdout.
 *
 * Each selected workload runs `-r` times (default 3) in table order; the
 * line printed for it holds the median of the runs and every run in a
 * "runs" array. "ratio" is the median of the runs' ratios, so that drift
 * of the machine between runs cancels out; ops_per_s and
 * baseline_ops_per_s are medians of their own. A workload whose baseline
 * is another workload (for example commit_concurrent against commit_seq)
 * takes the median of that workload from this same process, measuring it
 * first when it was not selected.
 * Progress and diagnostics go to stderr, so stdout is pure JSON lines.
 * The exit status is 0 only when every selected workload could be
 * measured; missing a target is reported in the JSON, not in the status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* How a workload's figures are named in its JSON line. */
enum bench_kind {
	BENCH_KIND_RATIO, /* ops_per_s against baseline_ops_per_s */
	BENCH_KIND_ASYNC, /* as RATIO, plus logs_per_s */
	BENCH_KIND_LOGS,  /* as RATIO, ops being logs: plus logs_per_s */
	BENCH_KIND_MS,    /* a latency in ms, at most target */
	BENCH_KIND_MIB,   /* a memory size in MiB, at most target */
	BENCH_KIND_US,    /* latency percentiles in µs, p99 at most target */
	BENCH_KIND_P99,   /* p99 in µs against a baseline p99, ratio at most
	                   * target; busy_s and busy_per_s: how long the
	                   * background work ran and its rate */
	BENCH_KIND_US_BASE, /* as US, plus a baseline distribution's p50 and
	                    * p99 measured in the same run, and the ratio
	                    * of the p99s */
	BENCH_KIND_P50_BASE /* as US_BASE, with the target on the p50 and
	                     * the ratio of the p50s (baseline / value) */
};

typedef struct bench_workload {
	const char       *name;
	bench_workload_fn fn;
	enum bench_kind   kind;
	const char       *baseline_of; /* workload giving the baseline */
	const char       *baseline_text;
	double            target; /* ratio at least / ms or MiB at most */
	bool              is_selected;
	bool              is_done;
	bool              has_failed;
	const char       *error; /* why it failed, for the JSON line */
	int               sample_count;
	bench_sample      samples[BENCH_RUNS_MAX];
	double            value;    /* median of samples[].value */
	double            baseline; /* median of samples[].baseline */
	double            p99;      /* median of samples[].p99 */
	double            busy_s;   /* median of samples[].busy_s */
	double            busy_per_s; /* median of samples[].busy_per_s */
	double            baseline_p50; /* median of samples[].baseline_p50 */
	double            ratio;    /* median of the samples' ratios */
	double            group_mean; /* median of samples[].group_mean */
	double            sync_us;  /* median of samples[].sync_us */
	double            ceiling;  /* median of samples[].ceiling */
} bench_workload;

/*
 * Dependencies come before the workloads that use them. Targets are
 * issue 2 item 7's, then issue 3 item 5's (the proc workloads).
 */
#define WORKLOAD(n, f, k, of, text, t)                                         \
	{                                                                      \
		.name = (n), .fn = (f), .kind = (k), .baseline_of = (of),      \
		.baseline_text = (text), .target = (t)                         \
	}

static bench_workload workloads[] = {
	WORKLOAD("commit_batch", bench_commit_batch, BENCH_KIND_RATIO, NULL,
	    "raw LMDB, 1000 puts per synced txn", 0.5),
	WORKLOAD("commit_seq", bench_commit_seq, BENCH_KIND_RATIO, NULL,
	    "raw LMDB, 1 put per synced txn", 0.7),
	WORKLOAD("commit_seq_nosync", bench_commit_seq_nosync, BENCH_KIND_RATIO,
	    NULL, "bare NNG req/rep round trips over ipc", 0.7),
	WORKLOAD("commit_concurrent", bench_commit_concurrent, BENCH_KIND_RATIO,
	    "commit_seq", "commit_seq", 4.0),
	WORKLOAD("commit_async", bench_commit_async, BENCH_KIND_ASYNC,
	    "commit_batch", "commit_batch", 0.6),
	WORKLOAD("commit_threads", bench_commit_threads, BENCH_KIND_RATIO,
	    "commit_seq", "commit_seq", 4.0),
	WORKLOAD("commit_clients_1", bench_clients_1, BENCH_KIND_RATIO, NULL,
	    "bare NNG, 1 req socket, 64 rep contexts", 0.3),
	WORKLOAD("commit_clients_8", bench_clients_8, BENCH_KIND_RATIO, NULL,
	    "bare NNG, 8 req sockets, 64 rep contexts", 0.8),
	WORKLOAD("commit_clients_50", bench_clients_50, BENCH_KIND_RATIO, NULL,
	    "bare NNG, 50 req sockets, 64 rep contexts", 0.8),
	WORKLOAD("commit_clients_1_nosync", bench_clients_1_nosync,
	    BENCH_KIND_RATIO, NULL, "bare NNG, 1 req socket, 64 rep contexts",
	    0.9),
	WORKLOAD("commit_clients_8_nosync", bench_clients_8_nosync,
	    BENCH_KIND_RATIO, NULL, "bare NNG, 8 req sockets, 64 rep contexts",
	    0.9),
	WORKLOAD("commit_clients_50_nosync", bench_clients_50_nosync,
	    BENCH_KIND_RATIO, NULL,
	    "bare NNG, 50 req sockets, 64 rep contexts", 0.9),
	WORKLOAD("echo_raw_8", bench_rawrep_8, BENCH_KIND_RATIO, NULL,
	    "bare NNG echo, 64 rep contexts, 8 req sockets", 1.2),
	WORKLOAD("echo_raw_50", bench_rawrep_50, BENCH_KIND_RATIO, NULL,
	    "bare NNG echo, 64 rep contexts, 50 req sockets", 1.2),
	WORKLOAD("commit_seq_tls", bench_tls_commit_seq, BENCH_KIND_RATIO,
	    NULL, "commit_seq over ipc, same run", 0.5),
	WORKLOAD("commit_batch_tls", bench_tls_commit_batch, BENCH_KIND_RATIO,
	    NULL, "commit_batch over ipc, same run", 0.5),
	WORKLOAD("range_scan", bench_read_range_scan, BENCH_KIND_RATIO, NULL,
	    "raw LMDB cursor scan (MDB_NEXT)", 0.8),
	WORKLOAD("spawn", bench_node_spawn, BENCH_KIND_MS, NULL, NULL, 20.0),
	WORKLOAD("memory", bench_read_memory, BENCH_KIND_MIB, NULL, NULL, 32.0),
	WORKLOAD("proc_ack_1", bench_proc_ack_1, BENCH_KIND_RATIO,
	    "commit_seq", "commit_seq", 0.8),
	WORKLOAD("proc_ack_1_nosync", bench_proc_ack_1_nosync,
	    BENCH_KIND_RATIO, "commit_seq_nosync", "commit_seq_nosync", 0.45),
	WORKLOAD("proc_ack_100", bench_proc_ack_100, BENCH_KIND_LOGS,
	    "proc_ack_1", "proc_ack_1 (logs/s)", 50.0),
	WORKLOAD("wake_latency", bench_proc_wake_latency, BENCH_KIND_US, NULL,
	    NULL, 2000.0),
	WORKLOAD("gc_stall", bench_gc_stall, BENCH_KIND_P99, NULL,
	    "single-log commits, same node, before GC has work", 2.0),
	WORKLOAD("live_latency", bench_live_latency, BENCH_KIND_US_BASE, NULL,
	    "single-log commit round trips, same client, same rounds", 2000.0),
	WORKLOAD("pipeline_1w", bench_pipeline_1w, BENCH_KIND_LOGS, NULL,
	    "proc_ack_100 (logs/s), measured before and after each run", 0.5),
	WORKLOAD("pipeline_2w", bench_pipeline_2w, BENCH_KIND_LOGS, NULL,
	    "proc_ack_100 (logs/s), measured before and after each run", 0.5),
	WORKLOAD("range_scan_remote", bench_read_range_scan_remote,
	    BENCH_KIND_RATIO, NULL,
	    "raw LMDB cursor scan (MDB_NEXT), same runs as range_scan", 0.2),
	WORKLOAD("read_latency", bench_read_latency, BENCH_KIND_P50_BASE, NULL,
	    "the same reads through the node (is_local_reads_off)", 10.0),
	WORKLOAD("js_sink", bench_js_sink, BENCH_KIND_LOGS, NULL,
	    "bare libnats async publish + PubAcks, 1 server, same run", 0.7),
	WORKLOAD("js_source", bench_js_source, BENCH_KIND_LOGS, NULL,
	    "bare libnats pull consumer fetch + ack, 1 server, same run", 0.7),
	WORKLOAD("js_sink_cluster", bench_js_sink_cluster, BENCH_KIND_LOGS,
	    NULL, "bare libnats async publish + PubAcks, 3 servers R3", 0.7),
	WORKLOAD("js_source_cluster", bench_js_source_cluster,
	    BENCH_KIND_LOGS, NULL,
	    "bare libnats pull consumer fetch + ack, 3 servers R3", 0.7),
};

#define WORKLOAD_COUNT (sizeof(workloads) / sizeof(workloads[0]))

static int
compare_double(const void *a, const void *b)
{
	double x = *(const double *)a;
	double y = *(const double *)b;

	if (x < y) {
		return (-1);
	}
	return (x > y ? 1 : 0);
}

/* The median of values[0..count), count >= 1; sorts `values`. */
static double
median(double *values, int count)
{
	qsort(values, (size_t)count, sizeof(values[0]), compare_double);
	if (count % 2 == 1) {
		return (values[count / 2]);
	}
	return ((values[count / 2 - 1] + values[count / 2]) / 2.0);
}

static double
ratio_of(double value, double baseline)
{
	return (baseline > 0 ? value / baseline : 0.0);
}

static bench_workload *
workload_find(const char *name)
{
	size_t i;

	for (i = 0; i < WORKLOAD_COUNT; i++) {
		if (strcmp(workloads[i].name, name) == 0) {
			return (&workloads[i]);
		}
	}
	return (NULL);
}

/*
 * Measures `w` cfg->runs times (once per process) and keeps the medians.
 * A baseline workload is measured first when it has not been yet.
 * Returns 0, or -1 when a run (or the baseline) failed.
 */
static int
workload_run(const bench_cfg *cfg, bench_workload *w)
{
	bench_workload *base = NULL;
	double          values[BENCH_RUNS_MAX];
	double          baselines[BENCH_RUNS_MAX];
	double          ratios[BENCH_RUNS_MAX];
	double          p99s[BENCH_RUNS_MAX];
	double          busy_s[BENCH_RUNS_MAX];
	double          busy_per_s[BENCH_RUNS_MAX];
	double          baseline_p50s[BENCH_RUNS_MAX];
	double          group_means[BENCH_RUNS_MAX];
	double          sync_us[BENCH_RUNS_MAX];
	double          ceilings[BENCH_RUNS_MAX];
	int             run;

	if (w->is_done) {
		return (w->has_failed ? -1 : 0);
	}
	w->is_done = true;
	if (w->baseline_of != NULL) {
		base = workload_find(w->baseline_of);
		if (!base->is_done) {
			fprintf(stderr, "bench: %s needs %s as baseline\n",
			    w->name, base->name);
		}
		if (workload_run(cfg, base) != 0) {
			w->has_failed = true;
			w->error = "its baseline workload failed";
			return (-1);
		}
	}
	for (run = 0; run < cfg->runs; run++) {
		bench_sample *s = &w->samples[run];

		fprintf(stderr, "bench: %s run %d/%d\n", w->name, run + 1,
		    cfg->runs);
		memset(s, 0, sizeof(*s));
		if (w->fn(cfg, run, s) != 0) {
			fprintf(stderr, "bench: %s failed\n", w->name);
			w->has_failed = true;
			w->error = "measurement failed, see stderr";
			return (-1);
		}
		if (base != NULL) {
			s->baseline = base->value;
		}
		values[run] = s->value;
		baselines[run] = s->baseline;
		/* US_BASE compares the tails: p99 against baseline p99. */
		ratios[run] = w->kind == BENCH_KIND_US_BASE
		    ? ratio_of(s->p99, s->baseline)
		    : w->kind == BENCH_KIND_P50_BASE
		    ? ratio_of(s->baseline_p50, s->value)
		    : ratio_of(s->value, s->baseline);
		p99s[run] = s->p99;
		busy_s[run] = s->busy_s;
		busy_per_s[run] = s->busy_per_s;
		baseline_p50s[run] = s->baseline_p50;
		group_means[run] = s->group_mean;
		sync_us[run] = s->sync_us;
		ceilings[run] = s->ceiling;
		w->sample_count++;
	}
	w->value = median(values, cfg->runs);
	w->baseline = median(baselines, cfg->runs);
	w->ratio = median(ratios, cfg->runs);
	w->p99 = median(p99s, cfg->runs);
	w->busy_s = median(busy_s, cfg->runs);
	w->busy_per_s = median(busy_per_s, cfg->runs);
	w->baseline_p50 = median(baseline_p50s, cfg->runs);
	w->group_mean = median(group_means, cfg->runs);
	w->sync_us = median(sync_us, cfg->runs);
	w->ceiling = median(ceilings, cfg->runs);
	return (0);
}

/*
 * The commit_clients_N extras (bench_clients.c), when measured: mean
 * group size; the disk's flush latency and the ceiling it allows group
 * commit, with the value's ratio to it (a second baseline: "ratio"
 * stays against the first).
 */
static void
print_group_figures(
    double group_mean, double sync_us, double ceiling, double value)
{
	if (group_mean > 0) {
		printf(",\"group_mean\":%.1f", group_mean);
	}
	if (ceiling > 0) {
		printf(",\"fdatasync_us\":%.0f,\"ceiling_ops_per_s\":%.0f"
		       ",\"ratio_to_ceiling\":%.3f",
		    sync_us, ceiling, ratio_of(value, ceiling));
	}
}

static void
print_runs(const bench_workload *w)
{
	int i;

	printf(",\"runs\":[");
	for (i = 0; i < w->sample_count; i++) {
		const bench_sample *s = &w->samples[i];

		printf("%s", i > 0 ? "," : "");
		switch (w->kind) {
		case BENCH_KIND_RATIO:
		case BENCH_KIND_ASYNC:
		case BENCH_KIND_LOGS:
			printf("{\"ops_per_s\":%.0f,\"baseline_ops_per_s\":%.0f"
			       ",\"ratio\":%.3f",
			    s->value, s->baseline,
			    ratio_of(s->value, s->baseline));
			print_group_figures(s->group_mean, s->sync_us,
			    s->ceiling, s->value);
			printf("}");
			break;
		case BENCH_KIND_MS:
		case BENCH_KIND_MIB:
			printf("%.2f", s->value);
			break;
		case BENCH_KIND_US:
			printf("{\"p50_us\":%.0f,\"p99_us\":%.0f}", s->value,
			    s->p99);
			break;
		case BENCH_KIND_P99:
			printf("{\"p99_us\":%.0f,\"baseline_p99_us\":%.0f"
			       ",\"ratio\":%.3f,\"busy_s\":%.2f"
			       ",\"busy_per_s\":%.0f}",
			    s->value, s->baseline,
			    ratio_of(s->value, s->baseline), s->busy_s,
			    s->busy_per_s);
			break;
		case BENCH_KIND_US_BASE:
			printf("{\"p50_us\":%.0f,\"p99_us\":%.0f"
			       ",\"baseline_p50_us\":%.0f"
			       ",\"baseline_p99_us\":%.0f,\"ratio_p99\":%.3f}",
			    s->value, s->p99, s->baseline_p50, s->baseline,
			    ratio_of(s->p99, s->baseline));
			break;
		case BENCH_KIND_P50_BASE:
			printf("{\"p50_us\":%.1f,\"p99_us\":%.1f"
			       ",\"baseline_p50_us\":%.0f"
			       ",\"baseline_p99_us\":%.0f,\"speedup_p50\":%.1f}",
			    s->value, s->p99, s->baseline_p50, s->baseline,
			    ratio_of(s->baseline_p50, s->value));
			break;
		}
	}
	printf("]");
}

/* Prints the JSON line of a measured (or failed) workload. */
static void
workload_print(const bench_cfg *cfg, const bench_workload *w)
{
	double ratio = w->ratio;

	printf("{\"workload\":\"%s\"", w->name);
	if (w->has_failed) {
		printf(",\"error\":\"%s\"}\n", w->error);
		fflush(stdout);
		return;
	}
	switch (w->kind) {
	case BENCH_KIND_RATIO:
	case BENCH_KIND_ASYNC:
	case BENCH_KIND_LOGS:
		printf(",\"ops_per_s\":%.0f", w->value);
		if (w->kind == BENCH_KIND_ASYNC) {
			printf(",\"logs_per_s\":%.0f,\"logs\":%zu", w->value,
			    cfg->async_logs);
		} else if (w->kind == BENCH_KIND_LOGS) {
			printf(",\"logs_per_s\":%.0f", w->value);
		}
		printf(",\"baseline_ops_per_s\":%.0f,\"ratio\":%.3f"
		       ",\"baseline\":\"%s\",\"target_ratio\":%g"
		       ",\"meets_target\":%s",
		    w->baseline, ratio, w->baseline_text, w->target,
		    ratio >= w->target ? "true" : "false");
		print_group_figures(w->group_mean, w->sync_us, w->ceiling,
		    w->value);
		if (w->ceiling > 0) {
			printf(",\"ceiling\":\"group commit on this disk: N / "
			       "(2 fdatasync + N / bare NNG)\"");
		}
		break;
	case BENCH_KIND_MS:
		printf(",\"ms\":%.2f,\"target_ms\":%.0f,\"meets_target\":%s",
		    w->value, w->target,
		    w->value <= w->target ? "true" : "false");
		break;
	case BENCH_KIND_MIB:
		printf(",\"rss_anon_mib\":%.2f,\"target_mib\":%.0f"
		       ",\"logs\":%zu,\"meets_target\":%s",
		    w->value, w->target, cfg->scan_logs,
		    w->value <= w->target ? "true" : "false");
		break;
	case BENCH_KIND_US:
		printf(",\"p50_us\":%.0f,\"p99_us\":%.0f,\"target_p99_us\":%.0f"
		       ",\"meets_target\":%s",
		    w->value, w->p99, w->target,
		    w->p99 <= w->target ? "true" : "false");
		break;
	case BENCH_KIND_P99:
		printf(",\"p99_us\":%.0f,\"baseline_p99_us\":%.0f"
		       ",\"ratio\":%.3f,\"baseline\":\"%s\",\"target_ratio\":%g"
		       ",\"meets_target\":%s,\"busy_s\":%.2f"
		       ",\"busy_per_s\":%.0f",
		    w->value, w->baseline, ratio, w->baseline_text, w->target,
		    ratio <= w->target ? "true" : "false", w->busy_s,
		    w->busy_per_s);
		break;
	case BENCH_KIND_US_BASE:
		printf(",\"p50_us\":%.0f,\"p99_us\":%.0f"
		       ",\"baseline_p50_us\":%.0f,\"baseline_p99_us\":%.0f"
		       ",\"ratio_p99\":%.3f,\"baseline\":\"%s\""
		       ",\"target_p99_us\":%.0f,\"meets_target\":%s",
		    w->value, w->p99, w->baseline_p50, w->baseline, ratio,
		    w->baseline_text, w->target,
		    w->p99 <= w->target ? "true" : "false");
		break;
	case BENCH_KIND_P50_BASE:
		printf(",\"p50_us\":%.1f,\"p99_us\":%.1f"
		       ",\"baseline_p50_us\":%.0f,\"baseline_p99_us\":%.0f"
		       ",\"speedup_p50\":%.1f,\"baseline\":\"%s\""
		       ",\"target_p50_us\":%.0f,\"meets_target\":%s",
		    w->value, w->p99, w->baseline_p50, w->baseline, ratio,
		    w->baseline_text, w->target,
		    w->value <= w->target ? "true" : "false");
		break;
	}
	print_runs(w);
	if (cfg->is_quick) {
		printf(",\"quick\":true");
	}
	printf("}\n");
	fflush(stdout);
}

static void
usage(FILE *out)
{
	size_t i;

	fprintf(out,
	    "usage: pipeproc-bench [-q] [-r RUNS] [-d DIR] [-w NAME]...\n"
	    "  -w NAME  run this workload (repeatable; default: all)\n"
	    "  -r RUNS  runs per workload, median reported (default 3)\n"
	    "  -q       quick mode: small sizes, for smoke tests\n"
	    "  -d DIR   scratch directory (default: a new one in "
	    "$TMPDIR or /tmp)\n"
	    "The node program is $PIPEPROC_NODE. Workloads:");
	for (i = 0; i < WORKLOAD_COUNT; i++) {
		fprintf(out, " %s", workloads[i].name);
	}
	fprintf(out, "\n");
}

/* Fills `cfg` from argv. Returns 0, 1 after -h, or -1 on a bad option. */
static int
parse_args(int argc, char **argv, bench_cfg *cfg, const char **dir)
{
	bench_workload *w;
	bool            has_selection = false;
	char           *end;
	long            runs;
	int             opt;
	size_t          i;

	while ((opt = getopt(argc, argv, "w:r:qd:h")) != -1) {
		switch (opt) {
		case 'w':
			if ((w = workload_find(optarg)) == NULL) {
				fprintf(stderr, "bench: unknown workload %s\n",
				    optarg);
				return (-1);
			}
			w->is_selected = true;
			has_selection = true;
			break;
		case 'r':
			errno = 0;
			runs = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || runs < 1
			    || runs > BENCH_RUNS_MAX) {
				fprintf(stderr, "bench: -r wants 1..%d\n",
				    BENCH_RUNS_MAX);
				return (-1);
			}
			cfg->runs = (int)runs;
			break;
		case 'q':
			cfg->is_quick = true;
			break;
		case 'd':
			*dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return (1);
		default:
			usage(stderr);
			return (-1);
		}
	}
	if (optind != argc) {
		usage(stderr);
		return (-1);
	}
	for (i = 0; !has_selection && i < WORKLOAD_COUNT; i++) {
		workloads[i].is_selected = true;
	}
	return (0);
}

/* Creates (or adopts, with -d) the scratch directory into `buf`. */
static int
scratch_open(const char *dir, char *buf, size_t buf_len, bool *is_temp)
{
	const char *tmp = getenv("TMPDIR");

	*is_temp = (dir == NULL);
	if (dir != NULL) {
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			fprintf(stderr, "bench: mkdir %s: %s\n", dir,
			    strerror(errno));
			return (-1);
		}
		if (realpath(dir, buf) == NULL) {
			fprintf(
			    stderr, "bench: %s: %s\n", dir, strerror(errno));
			return (-1);
		}
		return (0);
	}
	if (tmp == NULL || tmp[0] == '\0') {
		tmp = "/tmp";
	}
	if ((size_t)snprintf(buf, buf_len, "%s/ppbench.XXXXXX", tmp)
	    >= buf_len) {
		fprintf(stderr, "bench: TMPDIR too long\n");
		return (-1);
	}
	if (mkdtemp(buf) == NULL) {
		fprintf(
		    stderr, "bench: mkdtemp %s: %s\n", buf, strerror(errno));
		return (-1);
	}
	return (0);
}

int
main(int argc, char **argv)
{
	bench_cfg   cfg;
	const char *dir = NULL;
	char        scratch[PATH_MAX];
	bool        is_temp;
	int         status = 0;
	int         rv;
	size_t      i;

	memset(&cfg, 0, sizeof(cfg));
	cfg.runs = 3;
	if ((rv = parse_args(argc, argv, &cfg, &dir)) != 0) {
		return (rv > 0 ? 0 : 2);
	}
	cfg.measure_s = cfg.is_quick ? 0.3 : 2.0;
	cfg.scan_logs = cfg.is_quick ? 100000 : 1000000;
	cfg.async_logs = cfg.is_quick ? 20000 : 200000;
	if (scratch_open(dir, scratch, sizeof(scratch), &is_temp) != 0) {
		return (1);
	}
	cfg.scratch_dir = scratch;
	fprintf(stderr, "bench: node %s, scratch %s%s\n",
	    getenv("PIPEPROC_NODE") != NULL ? getenv("PIPEPROC_NODE")
	                                    : "(installed)",
	    scratch, cfg.is_quick ? ", quick mode" : "");

	for (i = 0; i < WORKLOAD_COUNT; i++) {
		if (!workloads[i].is_selected) {
			continue;
		}
		if (workload_run(&cfg, &workloads[i]) != 0) {
			status = 1;
		}
		workload_print(&cfg, &workloads[i]);
	}
	if (is_temp) {
		bench_dir_remove(scratch);
	}
	return (status);
}
