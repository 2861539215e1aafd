/*
 * peers.h - pipeproc-bench-peers: the same workloads against pipeproc and
 * against Redis Streams in one run, Redis as the baseline (issue 15 item
 * 3). Durability is matched: --sync always against appendfsync always,
 * --sync none against appendfsync everysec.
 *
 * Files: peers.c (options, the workload table, JSON lines), peers_pp.c
 * (pipeproc's side), peers_redis.c (a private redis-server and Redis's
 * side). Figures are ops/s (logs/s), or a latency's p50 in µs.
 */
#ifndef PP_PEERS_H
#define PP_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "bench.h"

/* What one workload does; both sides implement every kind. */
enum peer_kind {
	PEER_COMMIT_SEQ,  /* 1 client, one awaited 100-byte log per call */
	PEER_CLIENTS,     /* `clients` clients, the same each */
	PEER_PIPELINED,   /* async / pipelined single-log commits */
	PEER_RANGE,       /* paged range over `logs` logs, 1000 a page */
	PEER_REVRANGE1,   /* latency of revrange limit 1 (p50 µs) */
	PEER_CLAIM_ACK    /* claim `count` logs and ack them, in a loop */
};

typedef struct peer_shape {
	enum peer_kind kind;
	bool           is_durable; /* always vs none / everysec */
	int            clients;
	size_t         count;      /* claim size */
	size_t         logs;       /* logs written first (range, claims) */
	double         seconds;    /* duration-limited loops */
} peer_shape;

/* A private redis-server on a loopback port and a scratch directory. */
typedef struct peer_redis {
	pid_t pid;
	int   port;
	char  dir[PATH_MAX];
} peer_redis;

int  peer_redis_start(const bench_cfg *cfg, bool is_durable, peer_redis *r);
void peer_redis_stop(peer_redis *r);

/* Each returns 0 with *figure set, or -1 after a message on stderr. */
int peer_redis_run(const peer_redis *r, const peer_shape *s, double *figure);
int peer_pp_run(const bench_cfg *cfg, const peer_shape *s, double *figure);

/* One client thread of a many-client workload (peer_clients_run). */
typedef struct peer_client {
	const void *target;  /* what the side's loop connects to */
	double      seconds; /* how long it commits */
	long        count;   /* acknowledged commits */
	int         rv;      /* its first error, 0 if none */
} peer_client;

/*
 * peer_clients_run - n threads of client_main (each gets its own
 * peer_client with target and seconds set), started together; *figure
 * gets their acknowledged commits per second. Returns 0 or the first
 * error a client reported.
 */
int peer_clients_run(int n, const void *target, double seconds,
    void *(*client_main)(void *), double *figure);

/* Shared by both sides: a p50 of n samples (sorts them). */
double peer_p50(double *samples, size_t n);

#endif
