/*
 * workers.h - the supervisor of pipeproc-worker processes (SPEC §3,
 * PEER §12.3 with the fixes of §23.12-14).
 */
#ifndef PP_NODE_WORKERS_H
#define PP_NODE_WORKERS_H

#include <stdint.h>

#include "writer.h"

typedef struct workers workers;

typedef struct workers_config {
	int         count;         /* processes; 0: none */
	uint32_t    concurrency;   /* claims in flight per worker */
	uint32_t    restart_after; /* claims before replacement; 0: never */
	const char *path;          /* the pipeproc-worker program */
	const char *address;       /* where workers connect (ipc) */
} workers_config;

/*
 * workers_start - start cfg->count workers and a thread that restarts
 * them: at once after a planned exit (restart_after reached), with a
 * backoff (100 ms doubling to 5 s) after a crash. A worker that dies has
 * its claims reclaimed at once by the writer. Returns 0 or PP_ENOMEM.
 */
int workers_start(const workers_config *cfg, writer *w, workers **out);

/*
 * workers_stop - graceful stop: workers' claims get PP_ESHUTDOWN, they
 * finish what they hold and exit; after a grace period the rest are
 * killed (their claims are released at the next start). Accepts NULL.
 */
void workers_stop(workers *ws);

#endif
