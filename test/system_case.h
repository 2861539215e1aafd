/*
 * system_case.h - fixtures of the systemProc tests that run real workers
 * (system_*_test.c besides system_crash_test.c), on top of system_util.h:
 * nodes with a number of workers, counting procs, and calls that must be
 * refused without creating anything. Helpers that assert take the
 * caller's file and line.
 */
#ifndef PP_TEST_SYSTEM_CASE_H
#define PP_TEST_SYSTEM_CASE_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "system_util.h"

#define WAIT_MS 30000

/* A node with `workers` workers (PP_WORKERS_NONE: none) of concurrency 1. */
void system_case_start_node(pp_tnode *n, int32_t workers);

/* The number of procs the node lists. */
size_t system_case_proc_count(pp_client *c);

/* pp_system_proc must fail with `ex` and a message holding `needle`. */
void system_case_refused_at(const char *file, int line, pp_client *c,
    const char *name, const pp_system_proc_opts *o, int ex, const char *needle);

#define REFUSED(c, name, o, ex, needle)                                        \
	system_case_refused_at(                                                \
	    __FILE__, __LINE__, (c), (name), (o), (ex), (needle))

#endif
