/*
 * loop.h - the worker's claim threads: each one claims from the node
 * (blocking there until some systemProc has logs), runs the plugin and
 * settles the claim, over and over, until the worker stops.
 */
#ifndef PP_WORKER_LOOP_H
#define PP_WORKER_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeproc.h"

typedef struct loop loop;

typedef struct loop_opts {
	uint32_t slot;          /* given by the node; names our claims */
	uint32_t concurrency;   /* threads, each with one claim at most */
	uint64_t restart_after; /* stop after this many claims; 0: never */
	bool     is_running_sources; /* --sources 1: run the sources too */
} loop_opts;

/*
 * loop_start - start o->concurrency claim threads on `client`, which
 * must outlive the loop. Returns 0 or PP_ENOMEM / PP_EINTERNAL (no
 * thread could start). On success *out belongs to the caller.
 */
int loop_start(pp_client *client, const loop_opts *o, loop **out);

/* loop_fd - becomes readable whenever loop_settled() may have changed;
 * read and discard what it holds. */
int loop_fd(const loop *l);

/* loop_stop - claim nothing more (SIGTERM); claims in flight are
 * settled. Thread-safe, idempotent. */
void loop_stop(loop *l);

/*
 * loop_settled - true once the loop is stopping (loop_stop(), the node
 * shutting down, --restart-after reached, or a lasting failure) and no
 * claim is in flight; from then on no thread touches a plugin or the
 * table again. *status: the worker's exit status (0, or 1 when claims
 * kept failing).
 */
bool loop_settled(loop *l, int *status);

/*
 * loop_finish - after loop_settled(): fini and unload the plugins. When
 * every thread has returned, also joins them, frees the loop and returns
 * true: the caller may pp_close() the client. Otherwise some thread is
 * still parked in a claim inside the library, and the caller must leave
 * with _exit() (the node reclaims whatever that claim gets).
 */
bool loop_finish(loop *l);

#endif
