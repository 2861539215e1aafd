/*
 * proc_crash_util.h - fixtures of the proc crash and competition tests
 * (proc_crash_test.c, proc_compete_test.c): numbered logs "<topic>-<seq>"
 * committed in batches, a proc's state without its strings, and clients
 * whose requests time out, so a call to a killed node fails instead of
 * hanging.
 */
#ifndef PP_TEST_PROC_CRASH_UTIL_H
#define PP_TEST_PROC_CRASH_UTIL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "harness.h"

#define BODY_MAX 96

/* Commits n logs "<topic>-<seq>" from seq `first`, in batches. */
void proc_crash_commit_seqs(
    pp_client *c, const char *topic, uint64_t first, size_t n, pp_id *ids);

/* The state of proc `name`, its strings cleared (they die with the
 * list). */
void proc_crash_inspect(pp_client *c, const char *name, pp_proc_info *out);

/* True while proc `name` holds a claim. */
bool proc_crash_has_claim(pp_client *c, const char *name);

/* pp_connect with a request timeout of timeout_ms (scaled). */
pp_client *proc_crash_connect(const char *address, int timeout_ms);

#endif
