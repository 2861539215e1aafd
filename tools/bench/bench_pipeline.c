/*
 * bench_pipeline.c - the systemProc workloads of issue 4: pipeline_1w and
 * pipeline_2w.
 *
 * A fresh node (sync always) with 1 or 2 worker processes, and a
 * one-stage systemProc: the example plugin "upper" reading BENCH_TOPIC
 * with count PIPE_COUNT and writing one output per input to PIPE_OUT.
 * Untimed warm-up: PIPE_WARMUP logs go through the pipeline, so the
 * workers have connected, loaded the plugin and made their first claims.
 * Then, timed: PIPE_LOGS logs of BENCH_BODY_BYTES are committed with
 * pp_commit_async in batches of PIPE_BATCH (as commit_async does; the
 * pipeline starts on them while later batches are still being sent),
 * and pp_wait_for_procs() waits until the proc has acked everything.
 * Since a worker commits the outputs of a claim in the transaction that
 * acks it, that moment is the commit of the last output. The figure is
 * PIPE_LOGS divided by the time from the first commit call to the return
 * of the wait: end-to-end logs per second, commits of the input included.
 * Afterwards the output topic must hold exactly one log per input.
 *
 * The baseline is the proc_ack_100 workload (bench_proc.c): one client
 * claiming 100 logs and acking them (pp_ack_proc), which is the proc
 * machinery a worker runs on without the plugin, the output commits or
 * the input arriving at the same time. It is measured again right before
 * and right after each pipeline run, on nodes of its own, and the run's
 * baseline is the mean of the two: on a shared machine whose speed moves
 * by 2x within minutes, a baseline taken once, minutes earlier, made the
 * ratio meaningless. Target (issue 4): ratio >= 0.5 with one worker. A proc
 * hands out one claim at a time, so a second worker can only overlap its round
 * trips with the first one's on this single proc; pipeline_2w shows what that
 * is worth.
 *
 * The plugins are found in $PIPEPROC_PLUGINS (make bench sets it), else
 * in the plugins directory beside this program's bin directory; the node
 * finds the worker program through $PIPEPROC_WORKER or next to itself.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define PIPE_NAME    "bench-pipe"
#define PIPE_OUT     "bench.out"
#define PIPE_PLUGIN  "upper.so"
#define PIPE_COUNT   100    /* logs per claim, as proc_ack_100 */
#define PIPE_LOGS    200000 /* timed logs */
#define PIPE_LOGS_Q  20000  /* ... in quick mode */
#define PIPE_BATCH   1000   /* logs per pp_commit_async call */
#define PIPE_WARMUP  2000   /* untimed logs through the pipeline first */
#define PIPE_WAIT_MS 300000 /* a run that takes longer has failed */

/* What the commit callbacks have seen (read after pp_flush). */
typedef struct pipe_tally {
	uint64_t acked;
	int      status;
} pipe_tally;

static int
pipe_fail(pp_client *client, const char *what, int rv)
{
	fprintf(stderr, "bench: %s: %s: %s (%s)\n", what, pp_errname(rv),
	    pp_strerror(rv),
	    client != NULL ? pp_client_errmsg(client) : pp_last_errmsg());
	return (-1);
}

static void
pipe_on_commit(void *arg, int status, const pp_id *ids, size_t count)
{
	pipe_tally *t = arg;

	(void)ids;
	if (status != 0 && t->status == 0) {
		t->status = status;
	}
	if (status == 0) {
		t->acked += count;
	}
}

/*
 * The plugin's path: $PIPEPROC_PLUGINS/upper.so, else
 * DIR/../plugins/upper.so where DIR holds this program. Returns 0 or -1.
 */
static int
plugin_path(char *path, size_t len)
{
	const char *env = getenv("PIPEPROC_PLUGINS");
	char        exe[PATH_MAX];
	char       *slash;
	ssize_t     n;
	int         w;

	if (env != NULL && env[0] != '\0') {
		w = snprintf(path, len, "%s/%s", env, PIPE_PLUGIN);
	} else {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n <= 0) {
			fprintf(stderr, "bench: set PIPEPROC_PLUGINS\n");
			return (-1);
		}
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
		}
		w = snprintf(path, len, "%s/../plugins/%s", exe, PIPE_PLUGIN);
	}
	if (w < 0 || (size_t)w >= len || access(path, R_OK) != 0) {
		fprintf(stderr, "bench: no plugin %s (set PIPEPROC_PLUGINS)\n",
		    path);
		return (-1);
	}
	return (0);
}

/*
 * Spawns a node with `workers` workers in a fresh scratch directory
 * (bench_node_start_with); bench_node_stop() stops it. Returns 0 or -1.
 */
static int
pipe_node_start(const bench_cfg *cfg, const char *tag, int run, int workers,
    bench_node *node)
{
	pp_spawn_opts opts;

	memset(&opts, 0, sizeof(opts));
	opts.sync_mode = PP_SYNC_ALWAYS;
	opts.workers = workers;
	return (bench_node_start_with(cfg, tag, run, &opts, node));
}

/*
 * Commits `count` logs to BENCH_TOPIC, PIPE_BATCH per pp_commit_async
 * call, and waits for every answer. Returns 0 or -1.
 */
static int
pipe_commit(pp_client *client, uint64_t count)
{
	static pp_record recs[PIPE_BATCH];
	static char      body[BENCH_BODY_BYTES];
	pipe_tally       tally = { 0, 0 };
	uint64_t         sent = 0;
	size_t           n, i;
	int              rv;

	bench_body_fill(body, sizeof(body), 7);
	for (i = 0; i < PIPE_BATCH; i++) {
		recs[i].topic = BENCH_TOPIC;
		recs[i].body = body;
		recs[i].len = sizeof(body);
	}
	while (sent < count) {
		n = count - sent < PIPE_BATCH ? (size_t)(count - sent)
		                              : PIPE_BATCH;
		rv = pp_commit_async(client, recs, n, pipe_on_commit, &tally);
		if (rv != 0) {
			return (pipe_fail(client, "pp_commit_async", rv));
		}
		sent += n;
	}
	if ((rv = pp_flush(client, -1)) != 0) {
		return (pipe_fail(client, "pp_flush", rv));
	}
	if (tally.status != 0) {
		return (pipe_fail(client, "commit callback", tally.status));
	}
	if (tally.acked != count) {
		fprintf(stderr, "bench: %llu logs acknowledged, want %llu\n",
		    (unsigned long long)tally.acked, (unsigned long long)count);
		return (-1);
	}
	return (0);
}

/* Waits until the proc is done; then PIPE_OUT must hold `want` logs and
 * the proc must still be active. Returns 0 or -1. */
static int
pipe_drain(pp_client *client, uint64_t want)
{
	static const char *const names[] = { PIPE_NAME };
	pp_proc_list            *list;
	const pp_proc_info      *info;
	uint64_t                 out = 0;
	int                      rv;

	if ((rv = pp_wait_for_procs(client, names, 1, PIPE_WAIT_MS)) != 0) {
		return (pipe_fail(client, "pp_wait_for_procs", rv));
	}
	if ((rv = pp_length(client, PIPE_OUT, &out)) != 0) {
		return (pipe_fail(client, "pp_length", rv));
	}
	if ((rv = pp_proc_inspect(client, PIPE_NAME, &list)) != 0) {
		return (pipe_fail(client, "pp_proc_inspect", rv));
	}
	info = pp_proc_list_get(list, 0);
	if (out != want || info == NULL || info->is_disabled) {
		fprintf(stderr,
		    "bench: %s holds %llu logs, want %llu; proc %s (%s)\n",
		    PIPE_OUT, (unsigned long long)out, (unsigned long long)want,
		    info != NULL && info->is_disabled ? "disabled" : "active",
		    info != NULL ? info->last_error : "");
		pp_proc_list_free(list);
		return (-1);
	}
	pp_proc_list_free(list);
	return (0);
}

/* One run of a pipeline_* workload (see the top of the file). */
static int
pipe_run(const bench_cfg *cfg, const char *tag, int run, int workers,
    bench_sample *sample)
{
	static const char *const to[] = { PIPE_OUT };
	const char              *from = BENCH_TOPIC;
	pp_system_proc_opts      sp = { .proc = PP_PROC_OPTS_INIT };
	bench_node               node;
	char                     plugin[PATH_MAX];
	uint64_t                 logs = cfg->is_quick ? PIPE_LOGS_Q : PIPE_LOGS;
	bench_sample             before, after;
	double                   start_s, took_s;
	int                      rv;

	memset(&before, 0, sizeof(before));
	memset(&after, 0, sizeof(after));
	if (plugin_path(plugin, sizeof(plugin)) != 0
	    || bench_proc_ack_100(cfg, run, &before) != 0
	    || pipe_node_start(cfg, tag, run, workers, &node) != 0) {
		return (-1);
	}
	sp.from = &from;
	sp.nfrom = 1;
	sp.to = to;
	sp.nto = 1;
	sp.plugin = plugin;
	sp.proc.count = PIPE_COUNT;
	rv = pp_system_proc(node.client, PIPE_NAME, &sp, NULL);
	if (rv != 0) {
		pipe_fail(node.client, "pp_system_proc", rv);
		bench_node_stop(&node);
		return (-1);
	}
	if (pipe_commit(node.client, PIPE_WARMUP) != 0
	    || pipe_drain(node.client, PIPE_WARMUP) != 0) {
		bench_node_stop(&node);
		return (-1);
	}
	start_s = bench_now_s();
	if (pipe_commit(node.client, logs) != 0
	    || pipe_drain(node.client, PIPE_WARMUP + logs) != 0) {
		bench_node_stop(&node);
		return (-1);
	}
	took_s = bench_now_s() - start_s;
	bench_node_stop(&node);
	if (bench_proc_ack_100(cfg, run, &after) != 0) {
		return (-1);
	}
	sample->value = (double)logs / took_s;
	sample->baseline = (before.value + after.value) / 2;
	fprintf(stderr,
	    "bench:   %d worker%s, count %d: %llu logs in %.2f s, %.0f "
	    "logs/s end to end; proc_ack_100 %.0f before, %.0f after\n",
	    workers, workers == 1 ? "" : "s", PIPE_COUNT,
	    (unsigned long long)logs, took_s, sample->value, before.value,
	    after.value);
	return (0);
}

int
bench_pipeline_1w(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (pipe_run(cfg, "pipe1w", run, 1, sample));
}

int
bench_pipeline_2w(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (pipe_run(cfg, "pipe2w", run, 2, sample));
}
