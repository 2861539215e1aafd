/*
 * bench_nats.h - NATS servers and bare libnats baselines for the
 * jetstream workloads (bench_nats.c).
 */
#ifndef PP_BENCH_NATS_H
#define PP_BENCH_NATS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <nats/nats.h>

#include "bench.h"

#define BENCH_NATS_MAX 3

typedef struct bench_nats {
	char            dir[PATH_MAX]; /* configs, stores, logs */
	int             count;         /* servers: 1, or 3 in a cluster */
	pid_t           pids[BENCH_NATS_MAX];
	char            urls[BENCH_NATS_MAX][64];
	natsConnection *nc; /* the baselines' and set-up's connection */
	jsCtx          *js;
} bench_nats;

/* bench_nats_start - `count` servers (3: a cluster), JetStream ready.
 * Returns 0 or -1; bench_nats_stop() undoes it either way. */
int  bench_nats_start(const bench_cfg *cfg, const char *tag, int run,
     int count, bench_nats *n);
void bench_nats_stop(bench_nats *n);
/* bench_nats_servers - "url,url,..." for a plugin config. */
void bench_nats_servers(const bench_nats *n, char *out, size_t len);
/* bench_nats_stream - a file stream on `subject`, replicas = servers,
 * a 10 min duplicate window. Returns 0 or -1. */
int bench_nats_stream(bench_nats *n, const char *name, const char *subject);
/* bench_nats_publish - count BENCH_BODY_BYTES messages, async, each with
 * a message id, then every PubAck awaited. Returns 0 or -1. */
int bench_nats_publish(bench_nats *n, const char *subject,
    const char *id_prefix, uint64_t count);
/* bench_nats_pull - a new durable pull consumer; fetch `batch` at a
 * time and ack each message until `count` arrived. Returns 0 or -1. */
int bench_nats_pull(bench_nats *n, const char *stream, const char *consumer,
    int batch, uint64_t count);

#endif
