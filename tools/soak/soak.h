/*
 * soak.h - pipeproc-soak: kill -9 cycles under load, then an audit.
 *
 * Clients commit (synchronous and asynchronous storms) and a claim/ack
 * loop consumes, while the node is killed with SIGKILL at random moments
 * and restarted on the same data directory. Clients never stop: their
 * library resends what the dead node did not answer. At the end every
 * acknowledged log must be stored exactly once at the id it was given,
 * ids strictly increase, and acknowledged positions never go backwards.
 */
#ifndef PP_SOAK_H
#define PP_SOAK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <pipeproc.h>

#define SOAK_TOPIC "soak"
#define SOAK_PROC  "soaker"

/* The node under test: a child process on a fixed data dir and address. */
typedef struct soak_node {
	const char *path;     /* pipeproc-node */
	const char *dir;      /* data directory */
	char        address[4200];
	const char *sync;     /* --sync value */
	pid_t       pid;      /* 0 when not running */
} soak_node;

/* soak_node_start - fork/exec the node and wait until it is ready.
 * Returns 0, or -1 with a message on stderr. */
int soak_node_start(soak_node *n);
/* soak_node_kill - send sig and reap the process. */
void soak_node_kill(soak_node *n, int sig);

/* One acknowledged log: where the node said it put which body. */
typedef struct soak_ack {
	uint64_t ms, seq;
	uint64_t key; /* the body, (client << 40) | number */
} soak_ack;

/* Every acknowledged log of the run, from all clients. */
typedef struct soak_ledger {
	pthread_mutex_t mu;
	soak_ack       *v;
	size_t          count, cap;
} soak_ledger;

void soak_ledger_add(soak_ledger *l, pp_id id, uint64_t key);

/* What the clients share with the cycle loop. */
typedef struct soak_run {
	const char    *address;
	int            clients;
	uint64_t       seed;
	atomic_bool    is_stopping;
	soak_ledger    ledger;
	atomic_ullong  calls_failed; /* commits answered with an error */
	atomic_ullong  acks;         /* acks the node confirmed */
	atomic_ullong  ack_backwards; /* a claim or ack behind a confirmed ack */
	pthread_t     *threads;
	int            nthreads;
	void          *committers_; /* soak_clients.c */
} soak_run;

/* soak_clients_start - the commit clients and the claim/ack loop. */
int soak_clients_start(soak_run *r);
/* soak_clients_stop - stop them, wait for every answer, join. */
void soak_clients_stop(soak_run *r);

/* The audit's findings. */
typedef struct soak_audit {
	uint64_t stored;    /* logs in the topic */
	uint64_t lost;      /* acknowledged, not stored at their id */
	uint64_t doubled;   /* a body stored more than once */
	uint64_t disorder;  /* ids not strictly increasing, sequence gaps */
} soak_audit;

/* soak_audit_run - read the whole topic back and check the ledger.
 * Returns 0, or a PP_E* code when the topic cannot be read. */
int soak_audit_run(const char *address, soak_ledger *l, soak_audit *a);

/* A body's text for a key, and back. */
int      soak_body(char *buf, size_t len, uint64_t key);
bool     soak_body_key(const void *body, size_t len, uint64_t *key);
uint64_t soak_rand(uint64_t *state);

#endif
