/*
 * bench_node.c - nodes for the benchmark: spawning one in a fresh scratch
 * directory, stopping it, reading its resident memory, and the `spawn`
 * workload (time from pp_spawn() to the first acknowledged commit).
 *
 * Every node gets its own directory scratch/TAG-RUN-N holding the data
 * directory and the ipc socket, so no run sees another run's data or
 * address, and the directory is removed when the node stops. The node
 * program comes from $PIPEPROC_NODE (node_path is NULL). The node's pid is
 * read from DATA_DIR/node.lock, where the node writes it (DESIGN §1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

int
bench_node_start_with(const bench_cfg *cfg, const char *tag, int run,
    const pp_spawn_opts *base, bench_node *node)
{
	pp_spawn_opts opts;
	int           n;
	int           rv;

	memset(node, 0, sizeof(*node));
	if (bench_dir_make(cfg, tag, run, node->dir, sizeof(node->dir)) != 0) {
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
	opts = *base;
	opts.node_path = NULL; /* $PIPEPROC_NODE */
	opts.data_dir = node->data_dir;
	opts.address = node->address;
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

int
bench_node_start(const bench_cfg *cfg, const char *tag, int run,
    enum pp_sync_mode sync_mode, bench_node *node)
{
	pp_spawn_opts opts;

	memset(&opts, 0, sizeof(opts));
	opts.sync_mode = sync_mode;
	return (bench_node_start_with(cfg, tag, run, &opts, node));
}

void
bench_node_stop(bench_node *node)
{
	int rv;

	if (node->client != NULL) {
		if ((rv = pp_shutdown(node->client)) != 0) {
			fprintf(stderr, "bench: pp_shutdown: %s: %s (%s)\n",
			    pp_errname(rv), pp_strerror(rv),
			    pp_client_errmsg(node->client));
		}
		pp_close(node->client);
		node->client = NULL;
	}
	if (node->dir[0] != '\0') {
		bench_dir_remove(node->dir);
		node->dir[0] = '\0';
	}
}

/* The node's pid, from DATA_DIR/node.lock ("PID\n"). Returns 0 or -1. */
static int
node_pid(const bench_node *node, long *pid)
{
	char  path[PATH_MAX + 16];
	FILE *f;
	int   n;

	snprintf(path, sizeof(path), "%s/node.lock", node->data_dir);
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
		return (-1);
	}
	n = fscanf(f, "%ld", pid);
	fclose(f);
	if (n != 1 || *pid <= 0) {
		fprintf(stderr, "bench: %s holds no pid\n", path);
		return (-1);
	}
	return (0);
}

int
bench_node_rss_anon(const bench_node *node, double *mib)
{
	char  path[64];
	char  line[256];
	FILE *f;
	long  pid;
	long  kib = -1;

	if (node_pid(node, &pid) != 0) {
		return (-1);
	}
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
		return (-1);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "RssAnon: %ld kB", &kib) == 1) {
			break;
		}
	}
	fclose(f);
	if (kib < 0) {
		fprintf(stderr, "bench: no RssAnon in %s\n", path);
		return (-1);
	}
	*mib = (double)kib / 1024.0;
	return (0);
}

int
bench_node_spawn(const bench_cfg *cfg, int run, bench_sample *sample)
{
	bench_node node;
	pp_record  rec;
	pp_id      id;
	char       body[BENCH_BODY_BYTES];
	double     acked_s;
	int        rv;

	bench_body_fill(body, sizeof(body), 0);
	rec.topic = BENCH_TOPIC;
	rec.body = body;
	rec.len = sizeof(body);
	if (bench_node_start(cfg, "spawn", run, PP_SYNC_ALWAYS, &node) != 0) {
		return (-1);
	}
	rv = pp_commit(node.client, &rec, 1, &id);
	acked_s = bench_now_s();
	if (rv != 0) {
		fprintf(stderr, "bench: first pp_commit: %s: %s (%s)\n",
		    pp_errname(rv), pp_strerror(rv),
		    pp_client_errmsg(node.client));
		bench_node_stop(&node);
		return (-1);
	}
	sample->value = (acked_s - node.spawn_call_s) * 1000.0;
	fprintf(
	    stderr, "bench:   spawn to first commit %.2f ms\n", sample->value);
	bench_node_stop(&node);
	return (0);
}
