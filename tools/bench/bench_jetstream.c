/*
 * bench_jetstream.c - the NATS JetStream bridges of issue 12 item 5:
 * js_sink, js_source (one nats-server) and js_sink_cluster,
 * js_source_cluster (three servers, replicas 3), each against a bare
 * libnats loop moving the same messages in the same run (bench_nats.c).
 *
 * js_sink: a node (sync always, one worker) with the `jetstream` sink as
 * a systemProc (count JS_CLAIM) on BENCH_TOPIC, warmed up with JS_WARMUP
 * logs; timed: JS_LOGS logs of
 * BENCH_BODY_BYTES committed with pp_commit_async until the proc has
 * acked them all, that is until every log has its PubAck. Baseline: the
 * same number of messages published with js_PublishAsync (each with a
 * message id) into another stream, until every PubAck is in.
 * js_source: JS_LOGS messages are published first (untimed); timed: from
 * pp_source() (the `jetstream` source, batch JS_COUNT) until the topic
 * holds them all. Baseline: a new durable pull consumer fetching JS_COUNT
 * at a time and acking each message, until it has them all.
 * Target (issue 12): ratio >= 0.7 each. The plugin is
 * $PIPEPROC_PLUGINS/jetstream.so.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "bench_nats.h"

#define JS_NAME    "jsbridge"
#define JS_OUT     "bench.in"
#define JS_COUNT   1000   /* messages per fetch; logs per commit call */
#define JS_CLAIM   10000  /* logs per claim of the sink */
#define JS_WARMUP  2000   /* untimed logs through the sink first */
#define JS_LOGS    200000 /* timed logs: enough that the source's creation (its plugin check, positioning) is not most of a run */
#define JS_LOGS_Q  5000   /* ... in quick mode */
#define JS_WAIT_MS 300000 /* a run that takes longer has failed */

static int
js_fail(pp_client *client, const char *what, int rv)
{
	fprintf(stderr, "bench: %s: %s (%s)\n", what, pp_errname(rv),
	    client != NULL ? pp_client_errmsg(client) : pp_last_errmsg());
	return (-1);
}

static int
js_plugin(char *path, size_t len)
{
	const char *env = getenv("PIPEPROC_PLUGINS");
	int         w;

	w = snprintf(path, len, "%s/jetstream.so",
	    env != NULL && env[0] != '\0' ? env : "build/plugins");
	if (w < 0 || (size_t)w >= len || access(path, R_OK) != 0) {
		fprintf(stderr, "bench: no plugin %s (set PIPEPROC_PLUGINS)\n",
		    path);
		return (-1);
	}
	return (0);
}

/* Commits count logs, JS_COUNT per async call, and waits for them. */
static void
js_on_commit(void *arg, int status, const pp_id *ids, size_t count)
{
	int *st = arg;

	(void)ids;
	(void)count;
	if (status != 0) {
		*st = status;
	}
}

static int
js_commit(pp_client *client, uint64_t count)
{
	static pp_record recs[JS_COUNT];
	static char      body[BENCH_BODY_BYTES];
	uint64_t         sent = 0;
	size_t           n, i;
	int              rv, st = 0;

	bench_body_fill(body, sizeof(body), 5);
	for (i = 0; i < JS_COUNT; i++) {
		recs[i].topic = BENCH_TOPIC;
		recs[i].body = body;
		recs[i].len = sizeof(body);
	}
	while (sent < count) {
		n = count - sent < JS_COUNT ? (size_t)(count - sent) : JS_COUNT;
		if ((rv = pp_commit_async(client, recs, n, js_on_commit, &st))
		    != 0) {
			return (js_fail(client, "pp_commit_async", rv));
		}
		sent += n;
	}
	if ((rv = pp_flush(client, -1)) != 0 || (rv = st) != 0) {
		return (js_fail(client, "commit", rv));
	}
	return (0);
}

static int
js_sink(bench_nats *n, bench_node *node, const char *plugin, uint64_t logs,
    bench_sample *sample)
{
	static const char *const names[] = { JS_NAME };
	const char              *from = BENCH_TOPIC;
	pp_system_proc_opts      sp = { .proc = PP_PROC_OPTS_INIT };
	char                     servers[256], config[512];
	double                   start_s, took_s, base_s;
	int                      rv;

	if (bench_nats_stream(n, "BS", "bs.>") != 0
	    || bench_nats_stream(n, "BB", "bb.>") != 0) {
		return (-1);
	}
	bench_nats_servers(n, servers, sizeof(servers));
	snprintf(config, sizeof(config), "servers=%s;stream=BS;"
	    "subject=bs.{topic};timeout_ms=30000", servers);
	sp.from = &from;
	sp.nfrom = 1;
	sp.plugin = plugin;
	sp.config = config;
	sp.proc.count = JS_CLAIM;
	if ((rv = pp_system_proc(node->client, JS_NAME, &sp, NULL)) != 0) {
		return (js_fail(node->client, "pp_system_proc", rv));
	}
	/* Warm: the worker has connected and made its JetStream context. */
	if (js_commit(node->client, JS_WARMUP) != 0) {
		return (-1);
	}
	if ((rv = pp_wait_for_procs(node->client, names, 1, JS_WAIT_MS)) != 0) {
		return (js_fail(node->client, "pp_wait_for_procs", rv));
	}
	start_s = bench_now_s();
	if (js_commit(node->client, logs) != 0) {
		return (-1);
	}
	if ((rv = pp_wait_for_procs(node->client, names, 1, JS_WAIT_MS)) != 0) {
		return (js_fail(node->client, "pp_wait_for_procs", rv));
	}
	took_s = bench_now_s() - start_s;
	start_s = bench_now_s();
	if (bench_nats_publish(n, "bb.bench", "bare", logs) != 0) {
		return (-1);
	}
	base_s = bench_now_s() - start_s;
	sample->value = (double)logs / took_s;
	sample->baseline = (double)logs / base_s;
	return (0);
}

static int
js_source(bench_nats *n, bench_node *node, const char *plugin, uint64_t logs,
    bench_sample *sample)
{
	static const char *const to[] = { JS_OUT };
	pp_source_opts           so;
	char                     servers[256], config[512];
	double                   start_s, took_s, base_s, until;
	uint64_t                 len = 0;
	int                      rv;

	if (bench_nats_stream(n, "SRC", "src.>") != 0
	    || bench_nats_publish(n, "src.bench", "m", logs) != 0) {
		return (-1);
	}
	bench_nats_servers(n, servers, sizeof(servers));
	snprintf(config, sizeof(config), "servers=%s;stream=SRC;"
	    "consumer=bench;batch=%d;timeout_ms=30000", servers, JS_COUNT);
	memset(&so, 0, sizeof(so));
	so.to = to;
	so.nto = 1;
	so.plugin = plugin;
	so.config = config;
	start_s = bench_now_s();
	if ((rv = pp_source(node->client, JS_NAME, &so)) != 0) {
		return (js_fail(node->client, "pp_source", rv));
	}
	until = start_s + JS_WAIT_MS / 1000.0;
	while (len < logs && bench_now_s() < until) {
		if ((rv = pp_length(node->client, JS_OUT, &len)) != 0
		    && rv != PP_ENOTOPIC) {
			return (js_fail(node->client, "pp_length", rv));
		}
		usleep(1000);
	}
	took_s = bench_now_s() - start_s;
	if (len != logs) {
		fprintf(stderr, "bench: %s holds %llu logs, want %llu\n",
		    JS_OUT, (unsigned long long)len, (unsigned long long)logs);
		return (-1);
	}
	start_s = bench_now_s();
	if (bench_nats_pull(n, "SRC", "bare", JS_COUNT, logs) != 0) {
		return (-1);
	}
	base_s = bench_now_s() - start_s;
	sample->value = (double)logs / took_s;
	sample->baseline = (double)logs / base_s;
	return (0);
}

/* One run: servers, a node with one worker, the sink or the source. */
static int
js_run(const bench_cfg *cfg, const char *tag, int run, int servers,
    bool is_sink, bench_sample *sample)
{
	pp_spawn_opts opts;
	bench_nats    n;
	bench_node    node;
	char          plugin[PATH_MAX];
	uint64_t      logs = cfg->is_quick ? JS_LOGS_Q : JS_LOGS;
	int           rv;

	if (js_plugin(plugin, sizeof(plugin)) != 0) {
		return (-1);
	}
	if (bench_nats_start(cfg, tag, run, servers, &n) != 0) {
		return (-1);
	}
	memset(&opts, 0, sizeof(opts));
	opts.sync_mode = PP_SYNC_ALWAYS;
	opts.workers = 1;
	if (bench_node_start_with(cfg, tag, run, &opts, &node) != 0) {
		bench_nats_stop(&n);
		return (-1);
	}
	rv = is_sink ? js_sink(&n, &node, plugin, logs, sample)
	             : js_source(&n, &node, plugin, logs, sample);
	bench_node_stop(&node);
	bench_nats_stop(&n);
	if (rv == 0) {
		fprintf(stderr, "bench:   %s, %d server%s: %.0f logs/s, bare "
		    "libnats %.0f/s\n", is_sink ? "sink" : "source", servers,
		    servers > 1 ? "s" : "", sample->value, sample->baseline);
	}
	return (rv);
}

int
bench_js_sink(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (js_run(cfg, "jssink", run, 1, true, sample));
}

int
bench_js_source(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (js_run(cfg, "jssrc", run, 1, false, sample));
}

int
bench_js_sink_cluster(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (js_run(cfg, "jssinkc", run, 3, true, sample));
}

int
bench_js_source_cluster(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (js_run(cfg, "jssrcc", run, 3, false, sample));
}
