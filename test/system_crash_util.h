/*
 * system_crash_util.h - fixtures of the tests where workers or nodes die
 * (system_crash_test.c, system_restart_test.c): nodes with workers whose
 * reclaim timeout is ten minutes, so a claim a dead worker held must come
 * back when the worker dies, waits for a number of worker processes, and
 * a diagnostic of the claims held, printed when a wait timed out.
 */
#ifndef PP_TEST_SYSTEM_CRASH_UTIL_H
#define PP_TEST_SYSTEM_CRASH_UTIL_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "system_util.h"

#define LONG_TIMEOUT_MS 600000 /* reclaims must not wait for this */

#define WAIT_MS 120000

#define MAX_PIDS 16

/* Spawn options for these cases: also a request timeout long enough for
 * a sanitized node under load. */
void system_crash_start_node(
    pp_tnode *n, int32_t workers, uint32_t concurrency, uint32_t restart_after);

/* True when pid is one of pids[0..n). */
bool system_crash_has_pid(const pid_t *pids, size_t n, pid_t pid);

/* Waits until the node runs `want` workers, none of them in `gone`. */
void system_crash_wait_workers_at(const char *file, int line, pid_t node,
    size_t want, const pid_t *gone, size_t ngone, pid_t *pids);

#define WAIT_WORKERS(node, want, gone, ngone, pids)                            \
	system_crash_wait_workers_at(                                          \
	    __FILE__, __LINE__, (node), (want), (gone), (ngone), (pids))

/* Prints the procs that hold a claim (for a wait that timed out). */
void system_crash_diag_claims(pp_client *c);

#endif
